#pragma once
// Which CAF nodes are authenticated peers (K-4, K-7b). BASP lets any process
// that reaches the cluster port message every actor whose handle crossed the
// network, so each such actor checks the sender of what it receives: local
// senders pass, remote ones only from nodes that proved the cookie. A dropped
// sender's node is logged once.

#include <map>
#include <set>
#include <string>

#include <caf/fwd.hpp>
#include <caf/node_id.hpp>

namespace sy::cluster {

/// The set of admitted peer nodes of one actor.
class peer_gate {
public:
  /// `node` proved the cookie as peer `id`.
  void admit(const caf::node_id& node, std::string id);

  /// `node` is no longer a peer.
  void revoke(const caf::node_id& node);

  /// The peer id of `node`, or nullptr when it is not a peer.
  const std::string* id_of(const caf::node_id& node) const;

  /// Whether a message from `sender` to an actor on node `local` may be
  /// handled. Anonymous messages cannot be attributed (BASP delivers remote
  /// ones with no sender too), so they pass only when `allow_anonymous`.
  /// Logs once per node the first time it drops one of its messages.
  bool admits(const caf::strong_actor_ptr& sender, const caf::node_id& local, bool allow_anonymous = false);

private:
  std::map<caf::node_id, std::string> peers_;
  std::set<caf::node_id> logged_;
};

} // namespace sy::cluster
