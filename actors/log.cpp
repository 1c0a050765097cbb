#include "actors/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sy::log {
namespace {

std::atomic<int> current{static_cast<int>(level::info)};
std::mutex out_mutex;

const char* name(level l) {
  switch (l) {
    case level::error: return "ERROR";
    case level::warn: return "WARN";
    case level::info: return "INFO";
    case level::debug: return "DEBUG";
    case level::trace: return "TRACE";
  }
  return "INFO";
}

} // namespace

std::optional<level> parse_level(std::string_view s) {
  if (s == "error")
    return level::error;
  if (s == "warn")
    return level::warn;
  if (s == "info")
    return level::info;
  if (s == "debug")
    return level::debug;
  if (s == "trace")
    return level::trace;
  return std::nullopt;
}

void set_level(level l) { current.store(static_cast<int>(l)); }

bool enabled(level l) { return static_cast<int>(l) <= current.load(std::memory_order_relaxed); }

line::line(level l, std::string_view component) : level_(l) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  os_ << buf << ' ' << name(l) << ' ' << component << ": ";
}

line::~line() {
  os_ << '\n';
  auto s = os_.str();
  std::lock_guard<std::mutex> guard(out_mutex);
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

} // namespace sy::log
