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
                    std::function<void(const bool*)> reached) {
  auto& out = self->state.outgoing[node];
  out.routes.push_back(std::move(route));
  out.reached.push_back(std::move(reached));
  schedule_flush(self);
}

void flush_peers(router_actor* self) {
  auto& st = self->state;
  st.flush_due = false;
  auto outgoing = std::move(st.outgoing);
  st.outgoing.clear();
  for (auto& [node, out] : outgoing) {
    auto peer = st.peers.find(node);
    if (peer == st.peers.end()) { // gone since: its questions go unanswered
      for (auto& reached : out.reached)
        reached(nullptr);
      for (auto& answer : out.answers)
        answer(nullptr);
      continue;
    }
    if (!out.deliveries.empty())
      self->send(peer->second, p_deliver_atom::value, std::move(out.deliveries));
    if (!out.routes.empty()) {
      auto reached = std::make_shared<std::vector<std::function<void(const bool*)>>>(std::move(out.reached));
      self->request(peer->second, st.peer_timeout, p_routes_atom::value, std::move(out.routes))
        .then(
          [reached](const std::string& flags) {
            for (std::size_t i = 0; i < reached->size(); ++i) {
              bool yes = i < flags.size() && flags[i] == '1';
              (*reached)[i](i < flags.size() ? &yes : nullptr);
            }
          },
          [reached](caf::error&) {
            for (auto& r : *reached)
              r(nullptr);
          });
    }
    if (out.questions.empty())
      continue;
    auto answers = std::make_shared<std::vector<std::function<void(const std::string*)>>>(std::move(out.answers));
    self->request(peer->second, st.peer_timeout, p_gathers_atom::value, std::move(out.questions))
      .then(
        [answers](const std::vector<std::string>& replies) {
          for (std::size_t i = 0; i < answers->size(); ++i)
            (*answers)[i](i < replies.size() ? &replies[i] : nullptr);
        },
        [answers](caf::error&) {
          for (auto& answer : *answers)
            answer(nullptr);
        });
  }
}

} // namespace sy::actors
