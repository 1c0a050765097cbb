#pragma once
// Picking among candidates (R-3 selectors, R-5 rendezvous hashing). These work
// on plain candidate records so that a router can combine candidates from
// several applications and several nodes (K-5) before picking.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "query/compare.hpp"
#include "query/metadata.hpp"
#include "query/query.hpp"

namespace sy::query {

/// One client that passed R-1 steps 1–4, as seen by whoever picks.
struct candidate {
  /// Its application.
  std::string app_id;
  /// Its client id.
  std::string client_id;
  /// Its value at the selector path when that is a (non-NaN) number.
  std::optional<number> sel;
};

/// Bytewise (app_id, client_id) order, the tie-break of.
bool id_less(const candidate& a, const candidate& b);

/// The number a selector considers for one client, or nullopt.
std::optional<number> selector_value(const selector& s, const metadata& md);

/// the index of the chosen candidate among those with a `sel` value, or
/// nullopt when none has one. The result does not depend on input order:
/// ties go to the bytewise-smallest (app_id, client_id), and the `$avg` mean is
/// summed in that order.
std::optional<std::size_t> select(selector_kind kind, std::span<const candidate> cands);

/// R-5 score: fmix64(fnv1a64(key 0x00 app_id 0x00 client_id)).
std::uint64_t rendezvous_score(std::string_view key, std::string_view app_id, std::string_view client_id);

/// the index of the candidate with the highest score (ties to the
/// bytewise-smallest (app_id, client_id)); nullopt for no candidates.
std::optional<std::size_t> pick_by_key(std::string_view key, std::span<const candidate> cands);

} // namespace sy::query
