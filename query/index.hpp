#pragma once
// The members of one application and their metadata, indexed so that a
// targeted query costs about the same among 100,000 members as among 100
// (ARCHITECTURE "routing cost must not grow with the number of clients").
//
// Members are identified by their client id (a string, unique within an
// application, L-6). Indexes per top-level metadata key: value -> members for
// $eq/$in (Q-12 equality buckets plus SemVer-precedence buckets, Q-14),
// element -> members for $contains (array elements and map member names), and
// an ordered number -> members map for $gt/$gte/$lt/$lte and $min/$max. A query
// is narrowed by its most selective indexable conjunct of the top-level AND,
// and every candidate is then checked with matches(), so results are exactly
// those of a scan; queries with no indexable conjunct are scanned.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/key_index.hpp"
#include "query/metadata.hpp"
#include "query/query.hpp"
#include "query/select.hpp"

namespace sy::query {

/// One member as stored in the index.
struct indexed_client {
  /// The member's client id.
  std::string client_id;
  /// Its current metadata (reserved keys included, M-4).
  metadata md;
  /// is_restricted(md), kept by the index: every routed query checks it
  /// (R-1 step 2), and a map lookup per candidate showed in profiles.
  bool restricted = false;
};

/// The indexed members of one application. Returned pointers stay valid until
/// that member is updated or removed. Results are sorted by client id.
class member_index {
public:
  /// Adds a member, or replaces its whole metadata; only the keys whose type or
  /// value changed are re-indexed. Changes are visible to the next query (M-6).
  void upsert(std::string_view client_id, metadata md);
  /// M-5 merge into an existing member: each entry replaces that key's type
  /// and value, other keys untouched; only those keys are re-indexed (no copy
  /// of the rest). False, and nothing done, when the member is unknown.
  bool merge(std::string_view client_id, std::vector<std::pair<std::string, entry>> entries);
  /// Removes a member from every index; false when it was not there.
  bool remove(std::string_view client_id);
  /// The member with that id, or nullptr.
  const indexed_client* get(std::string_view client_id) const;
  /// Number of members.
  std::size_t size() const { return by_id_.size(); }

  /// R-1 steps 2 and 4: members allowed by the restricted filter for which
  /// every element of `q.ops` holds. Ignores application, selector, optional.
  std::vector<const indexed_client*> filter(const query& q) const;
  /// R-1 step 2 alone: the members the `optional` fallback (step 6) uses.
  std::vector<const indexed_client*> eligible(const query& q) const;
  /// R-1 steps 2, 4, 5 and 6 for a query answered by this index alone:
  /// filter, then the selector (at most one member), then, if that left
  /// nothing and `q.optional`, eligible().
  std::vector<const indexed_client*> find(const query& q) const;
  /// The K-5 answer of this index: filter() as candidates of `app_id` with
  /// their selector values, reduced where that cannot change the cluster-wide
  /// pick: `$min`/`$max` -> this index's winner only; `$avg` -> only members
  /// with a numeric value. The combiner applies select() and step 6 itself.
  std::vector<candidate> candidates(const query& q, std::string_view app_id) const;
  /// R-4's uniform pick without building the candidate set: samples member
  /// slots at random and returns the first live member passing filter(q);
  /// nullptr after `attempts` misses (the caller then builds the whole set).
  /// Uniform over the passing members, as every slot is equally likely.
  const indexed_client* sample(const query& q, std::mt19937_64& rng, int attempts = 16) const;

private:
  std::vector<const indexed_client*> scan(const query& q) const;
  std::vector<const indexed_client*> verify(const query& q, const std::vector<slot_id>& slots) const;
  const indexed_client* pick(const query& q) const;
  std::optional<const indexed_client*> walk_extreme(const query& q, std::size_t budget) const;
  void index_entry(slot_id s, const std::string& key, const entry& e);
  void unindex_entry(slot_id s, const std::string& key, const entry& e);

  std::deque<indexed_client> slots_;                // by slot id; deque keeps addresses
  std::vector<slot_id> free_;                       // slots to reuse
  std::map<std::string, slot_id, std::less<>> by_id_; // sorted: scans come out in id order
  key_map keys_;
};

} // namespace sy::query
