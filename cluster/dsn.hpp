#pragma once
// REDIS_DSN parsing (K-2): redis://[:password@]host[:port][/db].

#include <optional>
#include <string>
#include <string_view>

namespace sy::cluster {

/// A parsed Redis address.
struct redis_dsn {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
};

/// Parses a DSN; nullopt when malformed.
std::optional<redis_dsn> parse_dsn(std::string_view dsn);

} // namespace sy::cluster
