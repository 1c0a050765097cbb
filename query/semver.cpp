#include "query/semver.hpp"

namespace sy::query {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c))
      return false;
  return !s.empty();
}

// A numeric core component: digits, no leading zero (any length, Q-14).
bool parse_number(std::string_view s, std::string& out) {
  if (!all_digits(s) || (s.size() > 1 && s[0] == '0'))
    return false;
  out.assign(s);
  return true;
}

// Numeric identifiers without leading zeros, by value.
int compare_numeric(std::string_view x, std::string_view y) {
  if (x.size() != y.size())
    return x.size() < y.size() ? -1 : 1;
  int c = x.compare(y);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Dot-separated non-empty identifiers; numeric ones without leading zeros
// when `numeric_rule` is set (pre-release), any otherwise (build).
bool parse_idents(std::string_view s, bool numeric_rule, std::vector<std::string>* out) {
  if (s.empty())
    return false;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    auto id = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (id.empty())
      return false;
    for (char c : id)
      if (!is_ident_char(c))
        return false;
    if (numeric_rule && all_digits(id) && id.size() > 1 && id[0] == '0')
      return false;
    if (out)
      out->emplace_back(id);
    if (dot == std::string_view::npos)
      return true;
    start = dot + 1;
  }
}

} // namespace

std::optional<semver> parse_semver(std::string_view s) {
  semver v;
  auto plus = s.find('+');
  if (plus != std::string_view::npos) {
    if (!parse_idents(s.substr(plus + 1), false, nullptr))
      return std::nullopt;
    s = s.substr(0, plus);
  }
  auto dash = s.find('-');
  if (dash != std::string_view::npos) {
    if (!parse_idents(s.substr(dash + 1), true, &v.pre))
      return std::nullopt;
    s = s.substr(0, dash);
  }
  auto d1 = s.find('.');
  if (d1 == std::string_view::npos)
    return std::nullopt;
  auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || s.find('.', d2 + 1) != std::string_view::npos)
    return std::nullopt;
  if (!parse_number(s.substr(0, d1), v.major) || !parse_number(s.substr(d1 + 1, d2 - d1 - 1), v.minor)
      || !parse_number(s.substr(d2 + 1), v.patch))
    return std::nullopt;
  return v;
}

int compare(const semver& a, const semver& b) {
  if (int c = compare_numeric(a.major, b.major))
    return c;
  if (int c = compare_numeric(a.minor, b.minor))
    return c;
  if (int c = compare_numeric(a.patch, b.patch))
    return c;
  if (a.pre.empty() || b.pre.empty())
    return a.pre.empty() == b.pre.empty() ? 0 : (a.pre.empty() ? 1 : -1);
  for (std::size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i) {
    const auto& x = a.pre[i];
    const auto& y = b.pre[i];
    bool xn = all_digits(x), yn = all_digits(y);
    if (xn && yn) {
      if (int c = compare_numeric(x, y))
        return c;
    } else if (xn != yn) {
      return xn ? -1 : 1;
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
  }
  return a.pre.size() < b.pre.size() ? -1 : (a.pre.size() > b.pre.size() ? 1 : 0);
}

} // namespace sy::query
