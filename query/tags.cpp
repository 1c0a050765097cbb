#include "query/tags.hpp"

namespace sy::query {

bool tags_match(std::span<const std::string> wanted, const tag_set& pooled) {
  if (wanted.empty())
    return false;
  for (const auto& t : wanted)
    if (!pooled.contains(t))
      return false;
  return true;
}

std::optional<std::string> resolve_tags(std::span<const std::string> wanted,
                                        const std::map<std::string, tag_set>& pooled_by_app) {
  for (const auto& [app, pooled] : pooled_by_app) // std::map: bytewise ascending ids
    if (tags_match(wanted, pooled))
      return app;
  return std::nullopt;
}

} // namespace sy::query
