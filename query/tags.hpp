#pragma once
// Tag-based discovery (T-2, T-4): resolving a query whose `application` is an
// array of tags. The caller pools, per application, the tags of its connected
// non-restricted clients (cluster-wide under K-5) and asks here.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

namespace sy::query {

/// Pooled tags of one application.
using tag_set = std::set<std::string>;

/// T-2: true when every wanted tag is in `pooled`; an empty list matches nothing.
bool tags_match(std::span<const std::string> wanted, const tag_set& pooled);

/// T-4: the bytewise-smallest application id whose pooled tags match, or
/// nullopt (then the candidate set is empty).
std::optional<std::string> resolve_tags(std::span<const std::string> wanted,
                                        const std::map<std::string, tag_set>& pooled_by_app);

} // namespace sy::query
