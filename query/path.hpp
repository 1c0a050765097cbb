#pragma once
// Paths into a client's metadata: RFC 6901 JSON Pointers whose
// first segment names a metadata key, and the typed value they reach.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/metadata.hpp"
#include "query/value.hpp"

namespace sy::query {

/// A parsed path: unescaped segments (never empty: the first names a key).
struct path {
  /// The segments, `~0`/`~1` already unescaped.
  std::vector<std::string> segments;

  /// True when the path names a top-level metadata key (Q-11: typed value).
  bool top_level() const { return segments.size() == 1; }
  /// The metadata key the path starts at.
  const std::string& key() const { return segments.front(); }
};

/// Parses a JSON Pointer: a string starting with '/', `~1` for '/' and
/// `~0` for '~'. On failure returns nullopt and sets `why` to a reason.
std::optional<path> parse_pointer(std::string_view text, std::string& why);

/// The one-segment path of a literal top-level key (legacy keys, selectors).
path key_path(std::string key);

/// What a path reaches in a client's metadata.
struct resolved {
  /// The value, or nullptr when the path is missing.
  const value* val = nullptr;
  /// True when the value is a top-level entry of declared type `version`.
  bool version = false;
};

/// Resolves a path against metadata: objects by exact member name,
/// arrays by canonical in-bounds decimal index, anything else missing.
resolved resolve(const path& p, const metadata& md);

} // namespace sy::query
