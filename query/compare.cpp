#include "query/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "query/semver.hpp"

namespace sy::query {
namespace {

constexpr double two_63 = 9223372036854775808.0;

int sign(bool less, bool greater) { return less ? -1 : (greater ? 1 : 0); }

// Exact comparison of an integer with a non-NaN double.
int compare_int_float(std::int64_t i, double d) {
  if (d >= two_63)
    return -1;
  if (d < -two_63)
    return 1;
  double whole = std::trunc(d);
  auto wi = static_cast<std::int64_t>(whole); // exact: |whole| < 2^63
  if (i != wi)
    return sign(i < wi, i > wi);
  double frac = d - whole; // exact
  return sign(frac > 0, frac < 0);
}

// An object's members by name, the last of duplicate names winning (as
// value::find does), sorted bytewise by name.
std::vector<std::pair<std::string_view, const value*>> by_name(const object& o) {
  std::vector<std::pair<std::string_view, const value*>> out;
  out.reserve(o.size());
  for (const auto& m : o)
    out.emplace_back(m.key, &m.val);
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::pair<std::string_view, const value*>> uniq;
  uniq.reserve(out.size());
  for (const auto& p : out) {
    if (!uniq.empty() && uniq.back().first == p.first)
      uniq.back() = p; // stable sort keeps insertion order: later wins
    else
      uniq.push_back(p);
  }
  return uniq;
}

// Self-delimiting encodings, so that concatenations stay unambiguous.
void put_length(std::string& out, std::size_t n) {
  do {
    auto byte = static_cast<unsigned char>(n & 0x7f);
    n >>= 7;
    out.push_back(static_cast<char>(n ? (byte | 0x80) : byte));
  } while (n);
}

void put_u64(std::string& out, std::uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((x >> shift) & 0xff));
}

void put_bytes(std::string& out, std::string_view s) {
  put_length(out, s.size());
  out.append(s);
}

bool encode(const value& v, std::string& out) {
  switch (v.type()) {
    case kind::null: out.push_back('n'); return true;
    case kind::boolean: out.push_back(v.as_bool() ? 'T' : 'F'); return true;
    case kind::integer:
      out.push_back('i');
      put_u64(out, static_cast<std::uint64_t>(v.as_int()));
      return true;
    case kind::floating: {
      double d = v.as_float();
      if (d != d)
        return false;
      if (d == std::trunc(d) && d >= -two_63 && d < two_63) { // the same bucket as the integer
        out.push_back('i');
        put_u64(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(d)));
        return true;
      }
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out.push_back('d');
      put_u64(out, bits);
      return true;
    }
    case kind::string:
      out.push_back('s');
      put_bytes(out, v.as_string());
      return true;
    case kind::array:
      out.push_back('a');
      put_length(out, v.as_array().size());
      for (const auto& e : v.as_array())
        if (!encode(e, out))
          return false;
      return true;
    case kind::object: {
      auto members = by_name(v.as_object());
      out.push_back('o');
      put_length(out, members.size());
      for (const auto& [name, val] : members) {
        put_bytes(out, name);
        if (!encode(*val, out))
          return false;
      }
      return true;
    }
  }
  return false;
}

std::optional<semver> as_version(const value& v) {
  return v.is_string() ? parse_semver(v.as_string()) : std::nullopt;
}

} // namespace

std::optional<number> to_number(const value& v) {
  if (v.is_int())
    return number::of_int(v.as_int());
  if (v.is_float())
    return number::of_float(v.as_float());
  return std::nullopt;
}

std::optional<int> compare(const number& a, const number& b) {
  if (a.is_nan() || b.is_nan())
    return std::nullopt;
  if (a.integral && b.integral)
    return sign(a.i < b.i, a.i > b.i);
  if (!a.integral && !b.integral)
    return sign(a.f < b.f, a.f > b.f);
  if (a.integral)
    return compare_int_float(a.i, b.f);
  return -compare_int_float(b.i, a.f);
}

bool equal(const value& a, const value& b) {
  if (a.is_number() && b.is_number())
    return *to_number(a) == *to_number(b);
  if (a.type() != b.type())
    return false;
  switch (a.type()) {
    case kind::null: return true;
    case kind::boolean: return a.as_bool() == b.as_bool();
    case kind::string: return a.as_string() == b.as_string();
    case kind::array: {
      const auto& x = a.as_array();
      const auto& y = b.as_array();
      if (x.size() != y.size())
        return false;
      for (std::size_t k = 0; k < x.size(); ++k)
        if (!equal(x[k], y[k]))
          return false;
      return true;
    }
    case kind::object: {
      auto x = by_name(a.as_object());
      auto y = by_name(b.as_object());
      if (x.size() != y.size())
        return false;
      for (std::size_t k = 0; k < x.size(); ++k)
        if (x[k].first != y[k].first || !equal(*x[k].second, *y[k].second))
          return false;
      return true;
    }
    default: return false; // numbers handled above
  }
}

bool equal(const value& a, const value& b, bool version) {
  if (!version)
    return equal(a, b);
  auto x = as_version(a);
  auto y = as_version(b);
  return x && y && compare(*x, *y) == 0;
}

std::optional<int> order(const value& a, const value& b, bool version) {
  if (version) {
    auto x = as_version(a);
    auto y = as_version(b);
    if (!x || !y)
      return std::nullopt;
    return compare(*x, *y);
  }
  if (a.is_number() && b.is_number())
    return compare(*to_number(a), *to_number(b));
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return sign(c < 0, c > 0);
  }
  return std::nullopt;
}

std::optional<std::string> bucket_key(const value& v) {
  std::string out;
  if (!encode(v, out))
    return std::nullopt;
  return out;
}

std::optional<std::string> version_key(const value& v) {
  if (!as_version(v))
    return std::nullopt;
  // For valid versions equal precedence means equal text once the build part
  // is gone: numeric identifiers have no leading zeros, the rest compare as
  // ASCII.
  const std::string& s = v.as_string();
  return s.substr(0, s.find('+'));
}

std::string member_name_key(std::string_view name) {
  std::string out(1, 'K');
  out.append(name);
  return out;
}

} // namespace sy::query
