#pragma once
// Runs a node's network side until SIGTERM/SIGINT, then shuts it down
// gracefully: stop accepting, op 7 to every connection, close, return.

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/options.hpp"
#include "net/context.hpp"

namespace sy::net {

/// Serves until a termination signal; returns the process exit status.
int serve(caf::actor_system& sys, caf::actor router, std::shared_ptr<const actors::options> opts, settings s);

} // namespace sy::net
