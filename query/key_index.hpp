#pragma once
// The lookup structures for one metadata key across the members of one
// application (used by member_index). Each is a superset filter: a member in
// the bucket for B may still fail the comparison (member_index verifies every
// candidate with matches()), but a member that passes is always in it.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "query/compare.hpp"
#include "query/metadata.hpp"

namespace sy::query {

/// A member's dense internal number inside one member_index.
using slot_id = std::uint32_t;
/// The members in one bucket.
using posting = std::unordered_set<slot_id>;
/// Members with equal numbers, by client id (the R-3 tie-break order); the
/// views point at the member's own id string, which outlives its entries.
using id_group = std::map<std::string_view, slot_id>;
/// Numeric values in exact order (int 1 and float 1.0 share a group).
using number_map = std::map<number, id_group, number_less>;

/// The indexes of one metadata key.
class key_index {
public:
  /// Records that member `s` (client id `id`) holds entry `e` at this key.
  void add(slot_id s, std::string_view id, const entry& e);
  /// Forgets what `add(s, id, e)` recorded (`e` must be the same entry).
  void remove(slot_id s, std::string_view id, const entry& e);
  /// True when no member has this key any more.
  bool empty() const { return equal_.empty() && version_.empty() && elem_.empty() && num_.empty(); }

  /// Members whose value has bucket_key `k` (Q-12 equal values).
  const posting* equal(const std::string& k) const { return lookup(equal_, k); }
  /// Members whose value is a SemVer string with version_key `k`.
  const posting* version(const std::string& k) const { return lookup(version_, k); }
  /// Members whose array holds an element with bucket_key `k`, or whose
  /// object has a member named n for `k == member_name_key(n)`.
  const posting* element(const std::string& k) const { return lookup(elem_, k); }
  /// Members whose value is a (non-NaN) number, by value.
  const number_map& numbers() const { return num_; }

private:
  using bucket_map = std::unordered_map<std::string, posting>;
  static const posting* lookup(const bucket_map& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  }
  template <class F> static void each_bucket(const entry& e, F&& f);

  bucket_map equal_;
  bucket_map version_;
  bucket_map elem_;
  number_map num_;
};

/// key -> its indexes.
using key_map = std::unordered_map<std::string, key_index>;

} // namespace sy::query
