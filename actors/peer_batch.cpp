// Batching of router-to-router traffic (K-5).
//
// A BASP message costs a wake-up of the middleman thread, a socket write and,
// on the peer, a read and a mailbox enqueue. Sent one per routed message, that
// capped cross-node routing at a third of a single node's rate. Instead the
// router queues what it has for each peer and sends itself a flush message:
// the flush runs after every message already in its mailbox, so under load a
// whole burst of questions (or deliveries) leaves in one message, and an idle
// router flushes at once. Order is kept: one queue per peer, sent in order.

#include "actors/router_state.hpp"

namespace sy::actors {

namespace {

void schedule_flush(router_actor* self) {
  auto& st = self->state;
  if (st.flush_due)
    return;
  st.flush_due = true;
  self->send(self, flush_atom::value);
}

} // namespace

void ask_peer(router_actor* self, const std::string& node, std::string question,
              std::function<void(const std::string*)> answer) {
  auto& out = self->state.outgoing[node];
  out.questions.push_back(std::move(question));
  out.answers.push_back(std::move(answer));
  schedule_flush(self);
}

void deliver_to_peer(router_actor* self, const std::string& node, std::string delivery) {
  self->state.outgoing[node].deliveries.push_back(std::move(delivery));
  schedule_flush(self);
}

void route_via_peer(router_actor* self, const std::string& node, std::string route,
                    std::function<void(const char*)> reached) {
  auto& out = self->state.outgoing[node];
  out.routes.push_back(std::move(route));
  out.reached.push_back(std::move(reached));
  schedule_flush(self);
}

namespace {

/// Tells every callback of a batch that no answer came.
template <class Answer>
void unanswered(const std::vector<std::function<void(const Answer*)>>& callbacks) {
  for (const auto& cb : callbacks)
    cb(nullptr);
}

/// One request for a whole batch: callback i gets element i of the reply
/// (a vector of answers, or a string of flags), or null when the reply has
/// none or the peer did not answer in time.
template <class Reply, class Atom, class Answer>
void request_batch(router_actor* self, const caf::actor& peer, Atom atom, std::vector<std::string> items,
                   std::vector<std::function<void(const Answer*)>> callbacks) {
  auto cbs = std::make_shared<std::vector<std::function<void(const Answer*)>>>(std::move(callbacks));
  self->request(peer, self->state.peer_timeout, atom, std::move(items))
    .then(
      [cbs](const Reply& reply) {
        for (std::size_t i = 0; i < cbs->size(); ++i)
          (*cbs)[i](i < reply.size() ? &reply[i] : nullptr);
      },
      [cbs](caf::error&) { unanswered(*cbs); });
}

} // namespace

void flush_peers(router_actor* self) {
  auto& st = self->state;
  st.flush_due = false;
  auto outgoing = std::move(st.outgoing);
  st.outgoing.clear();
  for (auto& [node, out] : outgoing) {
    auto peer = st.peers.find(node);
    if (peer == st.peers.end()) { // gone since: its routes and questions go unanswered
      unanswered(out.reached);
      unanswered(out.answers);
      continue;
    }
    if (!out.deliveries.empty())
      self->send(peer->second, p_deliver_atom::value, std::move(out.deliveries));
    if (!out.routes.empty())
      request_batch<std::string>(self, peer->second, p_routes_atom::value, std::move(out.routes),
                                 std::move(out.reached));
    if (!out.questions.empty())
      request_batch<std::vector<std::string>>(self, peer->second, p_gathers_atom::value, std::move(out.questions),
                                              std::move(out.answers));
  }
}

} // namespace sy::actors
