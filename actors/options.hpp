#pragma once
// Settings the actors need (a plain struct; net/config fills it).

#include <cstdint>
#include <string>

namespace sy::actors {

/// Gateway behaviour knobs (CFG-2…CFG-4).
struct options {
  /// Interval announced in hello; the deadline is 1.5× this (L-13).
  std::int64_t heartbeat_interval_ms = 45000;
  /// Idle limit for unidentified connections (L-3).
  std::int64_t idle_timeout_ms = 60000;
  /// Server password; empty for none.
  std::string auth;
};

} // namespace sy::actors
