#pragma once
// The last few routing results of one application: for a query that selects
// several members (a group broadcast, a SEND to any of a region's workers)
// the members the index found, kept until the application's membership or
// metadata changes (the app actor then clears it). A repeated query skips the
// index lookup and its verify (W3: the same group target on every message).
//
// Queries are told apart by query::same_filter, a structural comparison; a
// result of fewer than `min_members` members is not kept (a targeted SEND to
// one id gains nothing and would only push the useful entries out).

#include <cstddef>
#include <vector>

#include "query/query.hpp"

namespace sy::actors {

template <class Target> class route_cache {
public:
  static constexpr std::size_t capacity = 8;
  static constexpr std::size_t min_members = 2;

  /// The kept result of a query selecting the same members as `q`, or null.
  /// The caller may fill in its targets (valid until the next put or clear).
  std::vector<Target>* find(const query::query& q) {
    for (auto& e : entries_)
      if (query::same_filter(e.q, q))
        return &e.targets;
    return nullptr;
  }

  /// Keeps `targets` as the result of `q` (replacing the oldest entry when
  /// full); returns where it is kept, or null when it is too small to keep.
  std::vector<Target>* put(const query::query& q, std::vector<Target> targets) {
    if (targets.size() < min_members)
      return nullptr;
    entry e{q, std::move(targets)};
    if (entries_.size() < capacity) {
      entries_.push_back(std::move(e));
      return &entries_.back().targets;
    }
    auto& slot = entries_[next_++ % capacity];
    slot = std::move(e);
    return &slot.targets;
  }

  /// Membership or metadata changed: nothing kept is valid any more.
  void clear() { entries_.clear(); }

  std::size_t size() const { return entries_.size(); }

private:
  struct entry {
    query::query q;
    std::vector<Target> targets;
  };
  std::vector<entry> entries_;
  std::size_t next_ = 0;
};

} // namespace sy::actors
