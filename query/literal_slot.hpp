#pragma once
// The one comparison literal in which two parsed queries differ (issue 6:
// a client that sends to "the client whose id is N" with a new N each time
// sends the same query but for that literal; actors/target_memory reuses
// the parsed query and only sets the literal).

#include <cstdint>
#include <vector>

#include "query/query.hpp"

namespace sy::query {

/// Where a comparison sits in a query: the index in `ops`, then in each
/// nested logical's `with`.
using literal_slot = std::vector<std::uint32_t>;

/// The slot of the only difference between `a` and `b`, when everything
/// else is equal (scope, application, tags, flags, key, selector, every
/// operator, path, default and type) and the difference is a literal
/// operand that is the integer `va` in `a` and the integer `vb` in `b`.
/// False otherwise (also when the queries are equal).
bool one_literal_apart(const query& a, const query& b, std::int64_t va, std::int64_t vb, literal_slot& slot);

/// Sets the literal at `slot` (from one_literal_apart on a query shaped
/// like `q`) to the integer `v`.
void set_literal(query& q, const literal_slot& slot, std::int64_t v);

} // namespace sy::query
