#pragma once
// One node-wide alarm clock for the client actors' deadlines (L-3 idle,
// L-14 heartbeat). A delayed_send to the client itself would hold a strong
// reference to the actor inside CAF's clock until it fires, so every closed
// connection kept its actor (about 2.3 KB) for up to 1.5 heartbeat
// intervals, and a node with connection churn grew by that much per
// connection. The alarm holds nothing of a client that has quit: a client
// forgets its alarm when it terminates, and an alarm that fires reaches its
// client only if it is still there. A client sends its due time, not a
// delay, so that the alarm's own backlog never makes a deadline late.

#include <caf/fwd.hpp>

namespace sy::actors {

/// Spawns the alarm actor. Its handle goes to the clients in their options
/// only: it is never named in the registry, so no other node can reach it.
caf::actor spawn_alarm(caf::actor_system& sys);

} // namespace sy::actors
