// Which routes leave for peers as they are (K-5 without the question and
// answer), to be routed there over the peer's own clients: forwarded to the
// one peer that may have the application, or, for a BROADCAST, spread to
// every node that may. What is left is gathered (fanout.cpp).

#include <optional>

#include "actors/router_state.hpp"
#include "proto/peer_wire.hpp"

namespace sy::actors {

namespace {

/// The peers that may have clients of `app` (K-5's peer_apps), when each
/// said it answers forwarded routes; nullopt when one did not (a build
/// without forwarding: it is asked instead).
std::optional<std::vector<std::string>> forwarding_peers(const router_state& st, const std::string& app) {
  std::vector<std::string> out;
  for (const auto& [id, endpoint] : st.peers)
    if (st.may_have_app(id, app)) {
      if (!st.forwarders.count(id))
        return std::nullopt;
      out.push_back(id);
    }
  return out;
}

/// Whether a gathering of `sender` is still in flight. The last route in
/// flight says it: nothing but a gathering is queued behind one.
bool gathering_in_flight(const router_state& st, const caf::actor_addr& sender) {
  if (!sender)
    return false;
  auto it = st.in_flight.find(sender);
  return it != st.in_flight.end() && !it->second.empty() && it->second.back().gathers;
}

} // namespace

// A route that is applied later than an earlier one of the same sender is
// fine, one delivered earlier is not: a gathering delivers when it is
// applied (in the sender's order), a forwarded or spread route when the
// nodes route it. So neither goes past a gathering still in flight.
// Behind forwards and spreads both may go, to any peers: each
// node gets the routes meant for it in the order sent (one link per peer,
// the backlog first in first out), a client is on one node only, and a
// forward has no part on this node.
peer_plan plan_for_peers(const router_state& st, const route_request& req, const caf::actor_addr& sender) {
  const auto& q = req.q;
  if ((req.kind != route_kind::send && req.kind != route_kind::broadcast) || q.scope != query::app_scope::exact)
    return {};
  if (gathering_in_flight(st, sender))
    return {};
  auto peers = forwarding_peers(st, q.application);
  if (!peers || peers->empty())
    return {};
  // The one peer has every candidate: its answer is the cluster's.
  if (peers->size() == 1 && !st.has_clients(q.application))
    return {peer_plan::forward, std::move(*peers)};
  // Each node's own matches are the whole answer only without a selector
  // or `optional` (both need every candidate in one place).
  if (req.kind == route_kind::broadcast && !q.selector && !q.optional)
    return {peer_plan::spread, std::move(*peers)};
  return {};
}

/// What a forwarded route tells the peer: the message and its query.
std::string forwarded(const route_request& req) {
  proto::peer_delivery d;
  d.event = req.kind == route_kind::broadcast ? "BROADCAST" : "SEND";
  d.nonce = req.nonce();
  if (req.raw_payload.empty())
    d.payload = req.payload();
  else
    d.raw_payload = req.raw_payload;
  d.query = req.target();
  return proto::encode(d);
}

} // namespace sy::actors
