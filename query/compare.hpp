#pragma once
// Value semantics of the query language (Q-12…Q-14): exact numbers, equality,
// ordering, and the bucket keys the indexes use so that "same bucket" means
// exactly "equal" in the sense of Q-12.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "query/value.hpp"

namespace sy::query {

/// An exact number, integer or double; integers are never rounded to a
/// double when compared with one (Q-12: 9007199254740993 != 9007199254740992.0).
struct number {
  /// True for an integer (`i`), false for a double (`f`).
  bool integral = true;
  /// The integer value, when `integral`.
  std::int64_t i = 0;
  /// The double value, when not `integral`.
  double f = 0.0;

  /// An integer number.
  static number of_int(std::int64_t v) { return number{true, v, 0.0}; }
  /// A floating number.
  static number of_float(double v) { return number{false, 0, v}; }
  /// The value as a double (integers converted, possibly rounded).
  double as_double() const { return integral ? static_cast<double>(i) : f; }
  /// True for a floating NaN (which compares with nothing).
  bool is_nan() const { return !integral && f != f; }
};

/// The number held by a value; nullopt when it is not a number.
std::optional<number> to_number(const value& v);

/// Exact three-way comparison (negative, zero, positive); nullopt if a NaN is involved.
std::optional<int> compare(const number& a, const number& b);

/// Exact equality of two numbers (false when a NaN is involved).
inline bool operator==(const number& a, const number& b) {
  auto c = compare(a, b);
  return c && *c == 0;
}

/// Strict weak order on non-NaN numbers, for ordered containers.
struct number_less {
  bool operator()(const number& a, const number& b) const {
    auto c = compare(a, b);
    return c && *c < 0;
  }
};

/// Q-12 equality: numbers by exact value, strings bytewise, arrays
/// element-wise, objects by key set (last duplicate wins) and values.
bool equal(const value& a, const value& b);

/// Equality in a comparison: with `version` set both sides must be
/// valid SemVer strings of equal precedence; otherwise Q-12.
bool equal(const value& a, const value& b, bool version);

/// ordering: negative, zero or positive; nullopt when the pair is
/// incomparable (so every ordering operator is false).
std::optional<int> order(const value& a, const value& b, bool version);

/// A byte string with `bucket_key(a) == bucket_key(b)` exactly when
/// `equal(a, b)`; nullopt for values equal to nothing (they contain a NaN).
std::optional<std::string> bucket_key(const value& v);

/// For a string that is a valid SemVer version: a byte string equal for two
/// versions exactly when their precedence is equal (build metadata dropped).
std::optional<std::string> version_key(const value& v);

/// The bucket under which an object records one of its member names, for
/// `$contains` on maps; disjoint from every `bucket_key`.
std::string member_name_key(std::string_view name);

} // namespace sy::query
