#include "cluster/dsn.hpp"

#include <charconv>

namespace sy::cluster {

static bool to_int(std::string_view s, int& out, int lo, int hi) {
  if (s.empty())
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= lo && out <= hi;
}

std::optional<redis_dsn> parse_dsn(std::string_view s) {
  constexpr std::string_view scheme = "redis://";
  if (s.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  s.remove_prefix(scheme.size());
  redis_dsn d;
  if (auto at = s.rfind('@'); at != std::string_view::npos) {
    auto auth = s.substr(0, at);
    if (!auth.empty() && auth[0] == ':')
      auth.remove_prefix(1);
    d.password = std::string(auth);
    s.remove_prefix(at + 1);
  }
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    auto db = s.substr(slash + 1);
    if (!db.empty() && !to_int(db, d.db, 0, 1 << 20))
      return std::nullopt;
    s = s.substr(0, slash);
  }
  if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    if (!to_int(s.substr(colon + 1), d.port, 1, 65535))
      return std::nullopt;
    s = s.substr(0, colon);
  }
  if (s.empty())
    return std::nullopt;
  d.host = std::string(s);
  return d;
}

} // namespace sy::cluster
