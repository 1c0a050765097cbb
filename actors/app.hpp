#pragma once
// The actor of one application: its members' metadata (and, with routing,
// their indexes).

#include <string>

#include <caf/fwd.hpp>

namespace sy::actors {

/// Spawns the actor of application `app_id`.
caf::actor spawn_app(caf::actor_system& sys, std::string app_id);

} // namespace sy::actors
