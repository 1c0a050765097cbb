#pragma once
// A small leveled logger: one line per event on stderr,
// `<utc time> <LEVEL> <component>: <message>`. CAF's own logging is compiled
// out in Debian's build, so every module uses this one.

#include <atomic>
#include <optional>
#include <sstream>
#include <string_view>

namespace sy::log {

/// Levels, most severe first.
enum class level : int { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

/// Parses `error`, `warn`, `info`, `debug`, `trace`.
std::optional<level> parse_level(std::string_view s);

/// Sets the most verbose level that is written.
void set_level(level l);

/// Whether lines of this level are written.
bool enabled(level l);

/// Accumulates one line and writes it (under a lock) when destroyed.
class line {
public:
  line(level l, std::string_view component);
  ~line();
  line(const line&) = delete;
  line& operator=(const line&) = delete;
  template <class T>
  line& operator<<(const T& x) {
    os_ << x;
    return *this;
  }

private:
  level level_;
  std::ostringstream os_;
};

} // namespace sy::log

/// `SY_LOG(info, "client") << "identified " << id;` — nothing is formatted
/// when the level is off.
#define SY_LOG(lvl, component)                                                                      \
  for (bool sy_log_once_ = ::sy::log::enabled(::sy::log::level::lvl); sy_log_once_; sy_log_once_ = false) \
  ::sy::log::line(::sy::log::level::lvl, component)
