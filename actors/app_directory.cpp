#include "actors/app_directory.hpp"

namespace sy::actors {

caf::actor app_directory::acquire(std::string_view app_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end())
    return caf::actor{};
  ++it->second.holders;
  return it->second.app;
}

bool app_directory::release(std::string_view app_id, const caf::actor& app) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end() || it->second.app != app) // (a retired app has no entry)
    return false;
  return --it->second.holders == 0;
}

void app_directory::add(const std::string& app_id, caf::actor app) {
  std::lock_guard<std::mutex> lock(mu_);
  apps_.insert_or_assign(app_id, entry{std::move(app), 0});
}

bool app_directory::retire(std::string_view app_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end() || it->second.holders > 0)
    return false;
  apps_.erase(it);
  return true;
}

bool app_directory::local_only(std::string_view app_id, local_memo& memo) const {
  if (alone_.load(std::memory_order_acquire))
    return true;
  if (memo.version == version_.load(std::memory_order_acquire) && memo.app_id == app_id)
    return memo.local;
  std::lock_guard<std::mutex> lock(mu_);
  memo.version = version_.load(std::memory_order_relaxed);
  memo.app_id.assign(app_id);
  memo.local = alone_.load(std::memory_order_relaxed) || (all_known_ && !peer_held_.contains(app_id));
  return memo.local;
}

void app_directory::set_peers(bool alone, bool all_known, app_set held) {
  std::lock_guard<std::mutex> lock(mu_);
  all_known_ = all_known;
  peer_held_ = std::move(held);
  alone_.store(alone, std::memory_order_release);
  version_.fetch_add(1, std::memory_order_release);
}

void app_directory::peer_may_have(const std::string& app_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (peer_held_.insert(app_id).second)
    version_.fetch_add(1, std::memory_order_release);
}

void app_directory::no_peer_has(const std::string& app_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (peer_held_.erase(app_id) > 0)
    version_.fetch_add(1, std::memory_order_release);
}

} // namespace sy::actors
