#include "cluster/gate.hpp"

#include <caf/actor_control_block.hpp>

#include "actors/log.hpp"

namespace sy::cluster {

void peer_gate::admit(const caf::node_id& node, std::string id) { peers_[node] = std::move(id); }

void peer_gate::revoke(const caf::node_id& node) { peers_.erase(node); }

const std::string* peer_gate::id_of(const caf::node_id& node) const {
  auto i = peers_.find(node);
  return i == peers_.end() ? nullptr : &i->second;
}

bool peer_gate::admits(const caf::strong_actor_ptr& sender, const caf::node_id& local, bool allow_anonymous) {
  if (!sender)
    return allow_anonymous;
  auto node = sender->node();
  if (node == local || peers_.count(node) != 0)
    return true;
  if (logged_.size() >= 4096) // bounded: a flood of fresh nodes just logs again
    logged_.clear();
  if (logged_.insert(node).second)
    SY_LOG(warn, "peers") << "dropping messages from node " << caf::to_string(node)
                          << ", which is not a peer (no cookie check passed)";
  return false;
}

} // namespace sy::cluster
