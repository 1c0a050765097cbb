// Routing over the applications of this node and over peer nodes (K-5).
//
//   single node:  exact app / resolved tags -> delegate to that app actor
//                 application absent        -> gather every app, combine, pick
//   with peers:   no peer may have the app -> as on a single node
//   (which of the next three: plan_for_peers, forwarding.cpp)
//                 only one peer may have it, none here (SEND, BROADCAST)
//                                           -> forward it there (p_routes),
//                                              the peer routes and answers
//                                              whether a client matched
//                 a BROADCAST without selector or optional
//                                           -> spread it: this node's app and
//                                              every peer that may have it
//                                              route it over their own
//                                              clients (p_routes), answers
//                                              combined
//                 else gather the relevant local apps, then ask the peers
//                 that may have candidates at once (each within
//                 SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS), combine: tags
//                 resolved over the pooled tags of all nodes, selector,
//                 optional fallback, pick -> deliver locally and/or p_deliver
//
// Alone, the router awaits every answer of a gathering before it handles its
// next message. With peers it does not wait (a BASP round trip per message
// would cap the node at a few thousand routes/s): gatherings run side by side
// and each sender's results are applied in the order it sent them, so its
// messages cannot overtake each other (R-9, K-7a).

#include <caf/all.hpp>

#include "actors/delivery.hpp"
#include "actors/metrics.hpp"
#include "actors/gathering.hpp"
#include "actors/router_state.hpp"
#include "proto/dispatch.hpp"
#include "proto/peer_wire.hpp"
#include "query/final_set.hpp"

namespace sy::actors {

std::string kind_name(route_kind k) {
  switch (k) {
    case route_kind::send: return "send";
    case route_kind::broadcast: return "broadcast";
    case route_kind::query_nodes: return "query_nodes";
    case route_kind::proxy: return "proxy";
  }
  return "send";
}

std::optional<route_kind> kind_of(const std::string& s) {
  for (auto k : {route_kind::send, route_kind::broadcast, route_kind::query_nodes, route_kind::proxy})
    if (kind_name(k) == s)
      return k;
  return std::nullopt;
}

namespace {

std::string empty_result(const route_request& req) {
  if (req.kind == route_kind::proxy) {
    req.on_target({});
    return {};
  }
  return reply_empty(req);
}

/// Waits for a reply without blocking the router (then) or blocking it (await).
template <class Handle, class Ok, class Err>
void on_reply(Handle&& h, bool async, Ok ok, Err err) {
  if (async)
    h.then(std::move(ok), std::move(err));
  else
    h.await(std::move(ok), std::move(err));
}

void add_local(gathering& g, candidate_list& cl) {
  for (auto& c : cl.filtered)
    g.filtered.push_back(std::move(c));
  for (auto& c : cl.eligible)
    g.eligible.push_back(std::move(c));
  for (auto& [cid, obj] : cl.objects)
    if (const auto* a = obj.find("app_id"); a && a->is_string())
      g.objects[{a->as_string(), cid}] = std::move(obj);
}

void add_peer(gathering& g, const std::string& node, proto::peer_answer& a) {
  for (auto* list : {&a.filtered, &a.eligible})
    for (auto& pc : *list) {
      key_type key{pc.c.app_id, pc.c.client_id};
      g.node_of[key] = node;
      if (!pc.object.is_null())
        g.objects[key] = std::move(pc.object);
      (list == &a.filtered ? g.filtered : g.eligible).push_back(std::move(pc.c));
    }
  for (auto& [app, ts] : a.tags)
    g.tags[app].insert(ts.begin(), ts.end());
}

/// Every peer that may have candidates at once (batched per peer,
/// peer_batch.cpp); done when all answered or timed out (a dead peer costs
/// the timeout once, K-5).
void ask_peers(router_actor* self, std::shared_ptr<gathering> g) {
  auto& st = self->state;
  std::vector<std::string> asked; // (not the peers known not to have the app)
  for (const auto& [id, endpoint] : st.peers)
    if (st.may_have(id, g->req.q))
      asked.push_back(id);
  if (asked.empty())
    return g->done(*g);
  ++metrics::cluster_gathered;
  auto question = proto::encode(proto::peer_query{kind_name(g->req.kind), g->req.target()});
  auto pending = std::make_shared<std::size_t>(asked.size());
  for (auto& node : asked) {
    ask_peer(self, node, question, [g, node, pending](const std::string* json) {
      if (json)
        if (auto a = proto::decode_peer_answer(*json))
          add_peer(*g, node, *a);
      if (--*pending == 0)
        g->done(*g);
    });
  }
}

} // namespace

// No timeout on the requests to the local apps: an app actor is local and
// linked to the router, and a request to one that has ended is answered with
// an error; a timeout would cost a wake-up of CAF's clock thread per request
// (a fifth of a node's CPU when measured).
void gather_from(router_actor* self, std::shared_ptr<gathering> g, std::size_t i, bool with_peers) {
  if (i == g->apps.size())
    return with_peers ? ask_peers(self, g) : g->done(*g);
  on_reply(
    self->request(g->apps[i], caf::infinite, gather_atom::value, std::shared_ptr<const route_request>(g, &g->req)),
    g->async,
    [=](candidate_list& cl) {
      add_local(*g, cl);
      gather_from(self, g, i + 1, with_peers);
    },
    [=](caf::error&) { gather_from(self, g, i + 1, with_peers); });
}

namespace {

/// R-1 steps 5–7 and R-4 over everything gathered; delivers; returns the reply.
std::string combine(router_actor* self, gathering& g) {
  auto& st = self->state;
  if (g.req.q.scope == query::app_scope::tags) {
    auto app = query::resolve_tags(g.req.q.tags, g.tags);
    auto other = [&](const query::candidate& c) { return !app || c.app_id != *app; };
    std::erase_if(g.filtered, other);
    std::erase_if(g.eligible, other);
  }
  auto fs = query::compute_final_set(g.req.q, std::move(g.filtered), [&] { return g.eligible; });
  if (fs.members.empty())
    return empty_result(g.req);
  if (g.req.kind == route_kind::query_nodes) {
    ++metrics::routed_query;
    query::array nodes;
    for (const auto& c : fs.members)
      nodes.push_back(g.objects[{c.app_id, c.client_id}]);
    return reply_nodes(g.req, std::move(nodes));
  }
  std::vector<query::candidate> chosen;
  if (g.req.kind == route_kind::broadcast)
    chosen = std::move(fs.members);
  else
    chosen.push_back(fs.members[*query::pick_one(g.req.q, fs, st.rng())]);
  if (g.req.kind == route_kind::proxy) {
    const query::value* ip = g.objects[{chosen[0].app_id, chosen[0].client_id}].find("socket_ip");
    g.req.on_target(ip && ip->is_string() ? ip->as_string() : std::string{});
    return {};
  }
  std::map<std::string, std::vector<std::string>> local;              // app -> ids
  std::map<std::string, proto::peer_delivery> remote;                 // node -> delivery
  const char* event = g.req.kind == route_kind::broadcast ? "BROADCAST" : "SEND";
  // the sender's own copy is the route's reply, so that it leaves after
  // the replies to the sender's earlier frames (L-16), as on the direct path.
  const key_type* me = nullptr;
  if (g.req.sender_out && g.sender)
    if (auto it = st.by_addr.find(g.sender); it != st.by_addr.end())
      me = &it->second;
  std::string own;
  for (auto& c : chosen) {
    auto node = g.node_of.find({c.app_id, c.client_id});
    if (node == g.node_of.end()) {
      if (me && c.app_id == me->first && c.client_id == me->second)
        own = proto::encode_delivery(g.req.reply_enc, event, g.req.nonce(), g.req.payload(), now_ms(),
                                     g.req.raw_payload);
      else
        local[c.app_id].push_back(std::move(c.client_id));
      continue;
    }
    auto& d = remote[node->second];
    d.event = event;
    d.nonce = g.req.nonce();
    if (g.req.raw_payload.empty())
      d.payload = g.req.payload();
    else
      d.raw_payload = g.req.raw_payload;
    d.targets.emplace_back(std::move(c.app_id), std::move(c.client_id));
  }
  if (!own.empty() && local.empty()) // (an app's delivery counts the route)
    (g.req.kind == route_kind::broadcast ? metrics::routed_broadcast : metrics::routed_send) += 1;
  for (auto& [app, ids] : local) // (an app retired since the gathering has none of them)
    if (auto it = st.apps.find(app); it != st.apps.end())
      self->send(it->second, deliver_atom::value, g.req, std::move(ids));
  for (auto& [node, d] : remote)
    deliver_to_peer(self, node, proto::encode(d));
  return own;
}

} // namespace

std::vector<caf::actor> apps_for(router_state& st, const query::query& q) {
  std::vector<caf::actor> out;
  if (q.scope == query::app_scope::exact) {
    if (auto it = st.apps.find(q.application); it != st.apps.end())
      out.push_back(it->second);
    return out;
  }
  for (const auto& [name, a] : st.apps)
    out.push_back(a);
  return out;
}

namespace {

/// A gathering of `req` (taken) over the local apps it needs.
std::shared_ptr<gathering> gathering_of(router_state& st, route_request& req, const caf::actor_addr& sender) {
  auto g = std::make_shared<gathering>();
  g->req = std::move(req);
  g->sender = sender;
  g->apps = apps_for(st, g->req.q);
  g->tags = st.pooled_tags();
  return g;
}

/// Starts a gathering, forwarded or spread route, or queues it: at most
/// `max_running` are in flight, so a burst waits here rather than piling up
/// on the peers until their answers time out.
void start_or_queue(router_state& st, std::function<void()> start) {
  if (st.running < router_state::max_running) {
    ++st.running;
    start();
  } else {
    st.backlog.push_back(std::move(start));
  }
}

/// A gathering, forwarded or spread route has its result (`apply`): the next one
/// waiting may start, and the result is applied in the order its sender
/// sent the routes (now, or once the earlier ones are applied; requests
/// without a sender, from HTTP, have no order to keep).
void route_done(router_actor* self, const caf::actor_addr& sender, std::uint64_t seq, std::function<void()> apply) {
  auto& s = self->state;
  --s.running;
  if (!s.backlog.empty()) {
    ++s.running;
    auto next = std::move(s.backlog.front());
    s.backlog.pop_front();
    next();
  }
  if (!sender)
    return apply();
  auto it = s.in_flight.find(sender);
  if (it == s.in_flight.end())
    return;
  auto& queue = it->second;
  // Sequence numbers are consecutive and the queue is in their order.
  if (queue.empty() || seq < queue.front().seq || seq - queue.front().seq >= queue.size())
    return;
  auto& r = queue[seq - queue.front().seq];
  r.ready = true;
  r.apply = std::move(apply);
  while (!queue.empty() && queue.front().ready) {
    auto next = std::move(queue.front().apply);
    queue.pop_front();
    next();
  }
  if (queue.empty()) {
    s.in_flight.erase(it);
    s.next_seq.erase(sender);
  }
}

/// Whether some of the nodes routing a route as it is reached a client, and
/// the sender's own copy when this node's app delivered one; `apply`
/// once every part answered.
struct as_is_tally {
  std::size_t pending;
  bool reached = false;
  std::string own;
  std::function<void(as_is_tally&)> apply;
  void done() {
    if (--pending == 0)
      apply(*this);
  }
};

/// A forwarded or spread route (forwarding.cpp): sent as it is to `peers`,
/// with `here` routed by this node's app too. The sender's reply, in its
/// order, once all answered: nothing (or its own copy) when one of them
/// reached a client, else D-5's no_route (a peer that did not answer in time
/// counts as having no match, as when gathering).
void route_as_is(router_actor* self, caf::response_promise rp, std::shared_ptr<route_request> req,
                 const caf::actor_addr& sender, std::uint64_t seq, const std::vector<std::string>& peers, bool here) {
  auto tally = std::make_shared<as_is_tally>(as_is_tally{peers.size() + 1, false, {}, {}});
  tally->apply = [self, rp, req, sender, seq](as_is_tally& t) mutable {
    route_done(self, sender, seq, [rp, req, reached = t.reached, own = std::move(t.own)]() mutable {
      rp.deliver(reached ? std::move(own) : empty_result(*req));
    });
  };
  auto text = forwarded(*req);
  for (std::size_t i = 0; i < peers.size(); ++i)
    route_via_peer(self, peers[i], i + 1 < peers.size() ? text : std::move(text), [tally](const char* flag) {
      tally->reached |= flag && *flag == '1';
      tally->done();
    });
  auto app = here ? self->state.apps.find(req->q.application) : self->state.apps.end();
  if (app == self->state.apps.end())
    return tally->done();
  route_request local = *req; // (the original stays for D-5's echo)
  local.forwarded = true;     // a miss answers forwarded_miss, not no_route (droppable: "", as reached)
  self->request(app->second, caf::infinite, route_atom::value, std::move(local))
    .then(
      [tally](std::string& reply) {
        if (reply != forwarded_miss) {
          tally->reached = true;
          tally->own = std::move(reply); // (empty, or the sender's own copy)
        }
        tally->done();
      },
      [tally](caf::error&) { tally->done(); });
}

} // namespace

caf::response_promise on_route(router_actor* self, route_request& req) {
  auto& st = self->state;
  // Before the promise: making it takes the sender out of the current message.
  const auto& from = self->current_sender();
  auto sender = from ? from->address() : caf::actor_addr{};
  auto rp = self->make_response_promise();
  const auto& q = req.q;
  // Routes of this sender still gathering or forwarded (also when the last
  // peer has gone since): this one must not overtake them, so it takes the
  // ordered path below even alone.
  bool ordered = sender && st.in_flight.count(sender);
  bool alone = st.peers.empty() && !ordered;
  // Alone, a query for one application is answered by that app actor; with
  // peers too when none may have the application.
  bool here = alone || (st.local_only(q) && !ordered);
  if (here && q.scope != query::app_scope::any) {
    std::string app = q.application;
    if (q.scope == query::app_scope::tags) {
      auto resolved = query::resolve_tags(q.tags, st.pooled_tags());
      app = resolved ? *resolved : std::string{};
    }
    auto it = app.empty() ? st.apps.end() : st.apps.find(app);
    if (it == st.apps.end())
      rp.deliver(empty_result(req));
    else
      rp.delegate(it->second, route_atom::value, std::move(req));
    return rp;
  }
  if (alone) {
    auto g = gathering_of(st, req, sender);
    g->done = [self, rp](gathering& gg) mutable { rp.deliver(combine(self, gg)); };
    gather_from(self, g, 0, false);
    return rp;
  }
  // With peers: side by side, applied in each sender's order (route_done).
  auto plan = plan_for_peers(st, req, sender);
  std::uint64_t seq = 0;
  if (sender) {
    seq = ++st.next_seq[sender];
    st.in_flight[sender].push_back(router_state::ordered_route{seq, false, {}, plan.how == peer_plan::gather});
  }
  if (plan.how != peer_plan::gather) {
    ++(plan.how == peer_plan::spread ? metrics::cluster_spread : metrics::cluster_forwarded);
    auto shared = std::make_shared<route_request>(std::move(req));
    bool here = plan.how == peer_plan::spread; // (a forward has no part on this node)
    start_or_queue(st, [self, rp, shared, sender, seq, peers = std::move(plan.peers), here]() mutable {
      route_as_is(self, std::move(rp), std::move(shared), sender, seq, peers, here);
    });
    return rp;
  }
  auto g = gathering_of(st, req, sender);
  g->async = true;
  g->done = [self, rp, sender, seq](gathering& gg) mutable {
    route_done(self, sender, seq, [self, rp, g = gg.shared_from_this()]() mutable { rp.deliver(combine(self, *g)); });
  };
  start_or_queue(st, [self, g] { gather_from(self, g, 0, true); });
  return rp;
}

caf::result<std::vector<std::string>> on_discover(router_actor* self, const std::vector<std::string>& wanted) {
  auto& st = self->state;
  auto matching = [wanted](const std::map<std::string, query::tag_set>& pooled) {
    std::vector<std::string> apps;
    for (const auto& [app, tags] : pooled)
      if (query::tags_match(wanted, tags))
        apps.push_back(app);
    return apps;
  };
  if (st.peers.empty())
    return matching(st.pooled_tags());
  // T-3 over the cluster: tags pool across every node's clients (K-5).
  auto rp = self->make_response_promise<std::vector<std::string>>();
  auto pooled = std::make_shared<std::map<std::string, query::tag_set>>(st.pooled_tags());
  auto pending = std::make_shared<std::size_t>(st.peers.size());
  auto question = proto::encode(proto::peer_query{"tags", query::value{}});
  for (const auto& [id, endpoint] : st.peers)
    ask_peer(self, id, question, [=](const std::string* json) mutable {
      if (json)
        if (auto a = proto::decode_peer_answer(*json))
          for (auto& [app, ts] : a->tags)
            (*pooled)[app].insert(ts.begin(), ts.end());
      if (--*pending == 0)
        rp.deliver(matching(*pooled));
    });
  return rp;
}

} // namespace sy::actors
