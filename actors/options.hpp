#pragma once
// Settings the actors need (net/config fills them), and the node-wide alarm
// clock of the client actors (main spawns it).

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

namespace sy::actors {

/// Gateway behaviour knobs (CFG-2…CFG-4).
struct options {
  /// Interval announced in hello; the deadline is 1.5× this (L-13).
  std::int64_t heartbeat_interval_ms = 45000;
  /// Idle limit for unidentified connections (L-3).
  std::int64_t idle_timeout_ms = 60000;
  /// Server password; empty for none.
  std::string auth;
  /// The clients' deadlines (actors/alarm); without one a client uses
  /// delayed_send, which keeps a closed client's actor until it fires.
  caf::actor alarm;
};

} // namespace sy::actors
