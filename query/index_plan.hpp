#pragma once
// Query planning for member_index: which conjunct of the top-level AND the
// indexes can narrow, and how. Internal to the index.

#include <optional>
#include <vector>

#include "query/key_index.hpp"
#include "query/query.hpp"

namespace sy::query {

/// A way to narrow the members for one conjunct: either the union of some
/// buckets (exact size known) or a numeric range (size unknown).
struct probe {
  /// Buckets whose union is a superset of the members passing the conjunct.
  std::vector<const posting*> lists;
  /// Sum of the bucket sizes (an upper bound of the union).
  std::size_t size = 0;
  /// For a range: the ordered numbers of the key, the operator and B.
  const number_map* nums = nullptr;
  cmp_op op = cmp_op::gt;
  number bound;

  /// True for a numeric range probe.
  bool ranged() const { return nums != nullptr; }
};

/// Appends the comparisons that must all hold for `ops` to hold: the
/// top-level elements, looking through nested `$and` (legacy operator maps
/// compile to those).
void conjuncts(const std::vector<node>& ops, std::vector<const comparison*>& out);

/// The probe for one comparison, or nullopt when no index can narrow it
/// (negations, operand paths, deep paths, string/version ranges, …).
std::optional<probe> probe_for(const comparison& c, const key_map& keys);

/// The best probe of a query: the smallest bucket union, else the first range,
/// else nullopt (a full scan is needed). `exact_only` skips ranges.
std::optional<probe> plan(const query& q, const key_map& keys, bool exact_only);

/// The members of a probe (sorted by slot, without duplicates).
std::vector<slot_id> collect(const probe& p);

} // namespace sy::query
