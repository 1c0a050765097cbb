#include "net/context.hpp"

#include <vector>

namespace sy::net {

std::uint64_t session_registry::add(std::function<void()> goodbye) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto id = next_++;
  sessions_.emplace(id, std::move(goodbye));
  return id;
}

void session_registry::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> guard(mutex_);
  sessions_.erase(id);
}

void session_registry::goodbye_all() {
  std::vector<std::function<void()>> all;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& [id, f] : sessions_)
      all.push_back(f);
  }
  for (auto& f : all)
    f();
}

std::size_t session_registry::size() {
  std::lock_guard<std::mutex> guard(mutex_);
  return sessions_.size();
}

} // namespace sy::net
