#pragma once
// The node router: the registry of identified clients (unique per
// application and client id, L-6) and the directory of application actors.

#include <string>

#include <caf/fwd.hpp>

namespace sy::actors {

/// Spawns the router of this node (`node_name` appears in its log lines);
/// `peer_timeout_ms` bounds each peer's answer in a fan-out (K-5).
caf::actor spawn_router(caf::actor_system& sys, std::string node_name, int peer_timeout_ms = 500);

} // namespace sy::actors
