// K-5, the peer side: what the router answers to other nodes' routers. Their
// questions (p_gathers) are gathered over this node's apps and answered with
// the candidates; their forwarded routes (p_routes) are routed by this node's
// app actors, answered with whether a client matched; their deliveries
// (p_deliver) go to the clients they chose. Everything arrives as
// proto/peer_wire JSON and is checked like a client's input: what does not
// decode gets an empty answer (or is dropped), never an error of the node.

#include <caf/all.hpp>

#include "actors/delivery.hpp"
#include "actors/gathering.hpp"
#include "actors/router_state.hpp"
#include "proto/peer_wire.hpp"
#include "query/parse.hpp"

namespace sy::actors {

namespace {

/// This node's answer to one peer question, given to `answer` (maybe later).
void answer_question(router_actor* self, const std::string& json, std::function<void(std::string)> answer) {
  auto& st = self->state;
  auto question = proto::decode_peer_query(json);
  if (question && question->kind == "tags") { // only the pooled tags (T-3)
    proto::peer_answer a;
    for (const auto& [app, ts] : st.pooled_tags())
      a.tags[app] = std::vector<std::string>(ts.begin(), ts.end());
    return answer(proto::encode(a));
  }
  auto parsed = question ? query::parse_query(question->query) : query::parse_result{};
  auto kind = question ? kind_of(question->kind) : std::nullopt;
  if (!question || !parsed.ok() || !kind)
    return answer(proto::encode(proto::peer_answer{}));
  auto g = std::make_shared<gathering>();
  g->req.kind = *kind;
  g->req.q = std::move(*parsed.parsed);
  // Objects are needed by the asker for QUERY_NODES and proxy answers.
  g->apps = apps_for(st, g->req.q);
  // The asker needs the pooled tags only to resolve an application tag array.
  std::map<std::string, query::tag_set> tags;
  if (g->req.q.scope == query::app_scope::tags)
    tags = st.pooled_tags();
  g->done = [answer = std::move(answer), tags = std::move(tags)](gathering& gg) {
    proto::peer_answer a;
    for (auto* list : {&gg.filtered, &gg.eligible})
      for (auto& c : *list) {
        key_type key{c.app_id, c.client_id};
        auto obj = gg.objects.count(key) ? gg.objects[key] : query::value{};
        (list == &gg.filtered ? a.filtered : a.eligible).push_back(proto::peer_candidate{std::move(c), std::move(obj)});
      }
    for (const auto& [app, ts] : tags)
      a.tags[app] = std::vector<std::string>(ts.begin(), ts.end());
    answer(proto::encode(a));
  };
  // Side by side: answers to peers need no order, and awaiting here would
  // stash every other message of the router meanwhile.
  g->async = true;
  gather_from(self, g, 0, false);
}

/// One answer to a batch from a peer: `result` goes back once each of the
/// batch's parts has called done(), plus the one the caller calls after
/// starting them all (so an empty batch is answered too).
template <class Result>
struct batch_answer {
  Result result;
  std::size_t pending;
  caf::response_promise rp;
  void done() {
    if (--pending == 0)
      rp.deliver(std::move(result));
  }
};

template <class Result>
std::shared_ptr<batch_answer<Result>> batch_of(router_actor* self, Result initial, std::size_t parts) {
  return std::make_shared<batch_answer<Result>>(
    batch_answer<Result>{std::move(initial), parts + 1, self->make_response_promise()});
}

} // namespace

caf::response_promise on_peer_gathers(router_actor* self, const std::vector<std::string>& questions) {
  auto b = batch_of(self, std::vector<std::string>(questions.size()), questions.size());
  for (std::size_t i = 0; i < questions.size(); ++i)
    answer_question(self, questions[i], [b, i](std::string a) {
      b->result[i] = std::move(a);
      b->done();
    });
  b->done();
  return b->rp;
}

namespace {

/// The message of a peer's delivery or forwarded route, as a request here.
route_request message_of(proto::peer_delivery& d) {
  route_request req;
  req.kind = d.event == "BROADCAST" ? route_kind::broadcast : route_kind::send;
  req.frame = query::value{query::object{
    {"d", query::value{query::object{{"nonce", std::move(d.nonce)}, {"payload", std::move(d.payload)}}}}}};
  req.raw_payload = std::move(d.raw_payload);
  return req;
}

} // namespace

caf::response_promise on_peer_routes(router_actor* self, const std::vector<std::string>& routes) {
  auto b = batch_of(self, std::string(routes.size(), '0'), routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    auto d = proto::decode_peer_delivery(routes[i]);
    auto parsed = d ? query::parse_query(d->query) : query::parse_result{};
    auto app = parsed.ok() ? self->state.apps.find(parsed.parsed->application) : self->state.apps.end();
    if (app == self->state.apps.end() || parsed.parsed->scope != query::app_scope::exact) {
      b->done(); // (no client of the application here: '0')
      continue;
    }
    auto req = message_of(*d);
    req.q = std::move(*parsed.parsed);
    req.forwarded = true;
    self->request(app->second, caf::infinite, route_atom::value, std::move(req))
      .then(
        [b, i](const std::string& reply) {
          if (reply.empty())
            b->result[i] = '1';
          b->done();
        },
        [b](caf::error&) { b->done(); });
  }
  b->done();
  return b->rp;
}

void on_peer_deliver(router_actor* self, const std::string& json) {
  auto d = proto::decode_peer_delivery(json);
  if (!d)
    return;
  auto req = message_of(*d);
  std::map<std::string, std::vector<std::string>> by_app;
  for (auto& [app, cid] : d->targets)
    by_app[app].push_back(std::move(cid));
  for (auto it = by_app.begin(); it != by_app.end(); ++it)
    if (auto a = self->state.apps.find(it->first); a != self->state.apps.end()) {
      if (std::next(it) == by_app.end())
        self->send(a->second, deliver_atom::value, std::move(req), std::move(it->second)); // the last one: no copy
      else
        self->send(a->second, deliver_atom::value, req, std::move(it->second));
    }
}

} // namespace sy::actors
