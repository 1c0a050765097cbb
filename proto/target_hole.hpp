#pragma once
// Two JSON texts that differ in one integer token only, e.g. two SEND
// targets `{…"to":{"value":17}}` and `{…"to":{"value":4093}}`: where that
// token is, so that a later text can be matched around it (proto/json_fast's
// known_hole_at/len) without being parsed. Text-level only: whether the
// integer is a query literal is for actors/target_memory to check.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proto/json_fast.hpp" // integer_token

namespace sy::proto {

/// The token where two texts differ: it starts at `at` in both, and is
/// `len_a` / `len_b` bytes long in each; the bytes before and after it are
/// the same.
struct integer_hole {
  std::size_t at = 0;
  std::size_t len_a = 0;
  std::size_t len_b = 0;
  std::int64_t value_a = 0;
  std::int64_t value_b = 0;
};

/// The hole when `a` and `b` differ in exactly one place, that place is a
/// whole integer token in both (`-?(0|[1-9][0-9]*)`, at most 18 digits,
/// not -0: what json_fast builds), and the token stands outside any string,
/// between JSON punctuation or whitespace. Nullopt otherwise (also for
/// equal texts). Both texts must be JSON the fast parser accepted.
std::optional<integer_hole> integer_apart(std::string_view a, std::string_view b);

} // namespace sy::proto
