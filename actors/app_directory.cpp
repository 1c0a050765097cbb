#include "actors/app_directory.hpp"

namespace sy::actors {

caf::actor app_directory::find(std::string_view app_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = apps_.find(app_id);
  return it == apps_.end() ? caf::actor{} : it->second;
}

void app_directory::add(const std::string& app_id, caf::actor app) {
  std::lock_guard<std::mutex> lock(mu_);
  apps_.insert_or_assign(app_id, std::move(app));
}

} // namespace sy::actors
