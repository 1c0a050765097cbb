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

} // namespace sy::actors
