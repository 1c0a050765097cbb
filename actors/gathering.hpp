#pragma once
// A gathering: the candidates of several apps and nodes, collected for one
// query (K-5). Shared by the router's asking side (fanout.cpp), which also
// asks the peers, and its answering side (peer_answers.cpp), which gathers
// over this node's apps for a peer. Private to actors/.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/router_state.hpp"

namespace sy::actors {

/// Candidates of several apps (and nodes), collected for one query.
struct gathering : std::enable_shared_from_this<gathering> {
  route_request req;
  std::vector<caf::actor> apps;
  std::vector<query::candidate> filtered, eligible;
  std::map<key_type, query::value> objects;
  /// Node of each candidate; absent = this node.
  std::map<key_type, std::string> node_of;
  /// Pooled tags per application over every node that answered.
  std::map<std::string, query::tag_set> tags;
  std::function<void(gathering&)> done;
  /// Answers are taken with then() (side by side) instead of await().
  bool async = false;
  /// The actor that asked (a client's, for its own copy: see combine).
  caf::actor_addr sender;
};

/// The local apps one after another, then (with_peers) the peers that may
/// have candidates at once; calls g->done when all answered or timed out.
void gather_from(router_actor* self, std::shared_ptr<gathering> g, std::size_t i, bool with_peers);

/// The local apps a query needs.
std::vector<caf::actor> apps_for(router_state& st, const query::query& q);

/// A route kind as named in peer questions, and back.
std::string kind_name(route_kind k);
std::optional<route_kind> kind_of(const std::string& s);

} // namespace sy::actors
