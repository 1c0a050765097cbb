#pragma once
// R-1 steps 5–7 and R-4 over plain candidates: the part of routing that runs
// where the candidates of every application (and, later, every node) meet.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "query/query.hpp"
#include "query/select.hpp"

namespace sy::query {

/// The final candidate set of R-1, sorted by (app_id, client_id).
struct final_set {
  std::vector<candidate> members;
  /// True when a selector produced the set (R-4 then uses its one member).
  bool by_selector = false;
};

/// Applies the selector (step 5) to `filtered` (steps 1–4 done), then the
/// `optional` fallback (step 6), which calls `eligible` for steps 1–3 only.
final_set compute_final_set(const query& q, std::vector<candidate> filtered,
                            const std::function<std::vector<candidate>()>& eligible);

/// the member a SEND goes to (selector, else `key` hashing, else
/// `random` modulo the size); nullopt for an empty set.
std::optional<std::size_t> pick_one(const query& q, const final_set& fs, std::uint64_t random);

} // namespace sy::query
