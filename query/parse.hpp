#pragma once
// Turning a decoded query object into a `query` (Q-1… ), or
// into the human-readable reason carried by D-7 `invalid query`.

#include <optional>
#include <string>

#include "query/query.hpp"
#include "query/value.hpp"

namespace sy::query {

/// Either a parsed query or the reason it is invalid.
struct parse_result {
  /// The query, when valid.
  std::optional<sy::query::query> parsed;
  /// Why it is invalid (empty when valid), e.g. "ops[2]: unknown operator '$foo'".
  std::string error;
  /// True when the query is valid.
  bool ok() const { return parsed.has_value(); }
};

/// Parses a query object in the canonical or legacy form, or
/// any mix of both; every Q-18 case is rejected with a reason naming where.
parse_result parse_query(const value& v);

/// Parses one `ops` list (absent/null already mapped to an empty array by
/// the caller). `where` prefixes reasons ("ops"). Returns false and sets
/// `error` on the first invalid element.
bool parse_ops(const value& ops, const std::string& where, std::vector<node>& out, std::string& error);

} // namespace sy::query
