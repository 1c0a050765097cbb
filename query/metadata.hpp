#pragma once
// Typed metadata of one client (M-1…M-5): key -> (declared type, value), and
// the validation of UPDATE_METADATA bodies with the spec's exact messages.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/value.hpp"

namespace sy::query {

/// The seven metadata types of M-1.
enum class mtype : std::uint8_t { string, integer, floating, version, list, boolean, map };

/// The wire name of a type ("float" for floating).
std::string_view to_string(mtype t);
/// Parses a wire type name; nullopt for unknown names.
std::optional<mtype> parse_mtype(std::string_view name);

/// One stored metadata entry.
struct entry {
  mtype type = mtype::string;
  value val;
};

/// A client's metadata: key -> entry (sorted, so output is stable).
using metadata = std::map<std::string, entry, std::less<>>;

/// The six server-owned keys of M-4.
bool is_reserved_key(std::string_view key);

/// Result of validating an update: either entries to merge, or per-key errors
/// (key -> message, M-3), or `not_a_map` when the body itself is not a map.
struct update_result {
  bool not_a_map = false;
  std::vector<std::pair<std::string, entry>> entries;
  std::vector<std::pair<std::string, std::string>> errors;
  bool ok() const { return !not_a_map && errors.empty(); }
};

/// Validates an UPDATE_METADATA body (M-2, M-3). Integers given for `float`
/// are stored as doubles; a string holding a JSON array for `list` is not
/// decoded here (proto does that before calling, since it owns JSON).
update_result validate_update(const value& body);

/// Checks one value against a declared type (M-1), converting where M-1 says
/// (integer -> float). Returns the stored value, or nullopt when it fails.
std::optional<value> coerce(mtype t, const value& v);

/// Merges validated entries (M-5).
void merge(metadata& md, std::vector<std::pair<std::string, entry>> entries);

} // namespace sy::query
