#pragma once
// JSON <-> query::value with the decode limits of E-9: nesting at most 64
// levels, valid UTF-8 only, iterative parsing (no recursion on input depth).

#include <string>
#include <string_view>

#include "query/value.hpp"

namespace sy::proto {

/// Deepest nesting a decoder accepts (E-9).
inline constexpr int max_depth = 64;

/// Parses one JSON document. On failure returns false and sets `error` to a
/// non-empty human-readable description.
bool parse_json(std::string_view text, query::value& out, std::string& error);

/// Serialises a value as compact JSON.
std::string to_json(const query::value& v);

/// Appends the JSON text of `v` to `out`.
void append_json(std::string& out, const query::value& v);

} // namespace sy::proto
