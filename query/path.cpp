#include "query/path.hpp"

#include <limits>

namespace sy::query {
namespace {

// Canonical array index: "0" or digits without a leading zero.
std::optional<std::size_t> parse_index(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  std::size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    auto digit = static_cast<std::size_t>(c - '0');
    if (n > (std::numeric_limits<std::size_t>::max() - digit) / 10)
      return std::nullopt; // beyond any array's bounds anyway
    n = n * 10 + digit;
  }
  return n;
}

} // namespace

std::optional<path> parse_pointer(std::string_view text, std::string& why) {
  if (text.empty() || text[0] != '/') {
    why = "must be a JSON Pointer starting with '/'";
    return std::nullopt;
  }
  path p;
  std::string seg;
  for (std::size_t k = 1; k <= text.size(); ++k) {
    if (k == text.size() || text[k] == '/') {
      p.segments.push_back(std::move(seg));
      seg.clear();
    } else if (text[k] == '~') {
      char next = k + 1 < text.size() ? text[k + 1] : '\0';
      if (next != '0' && next != '1') {
        why = "'~' must be followed by '0' or '1' (RFC 6901)";
        return std::nullopt;
      }
      seg.push_back(next == '0' ? '~' : '/');
      ++k;
    } else {
      seg.push_back(text[k]);
    }
  }
  return p;
}

path key_path(std::string key) {
  path p;
  p.segments.push_back(std::move(key));
  return p;
}

resolved resolve(const path& p, const metadata& md) {
  auto it = md.find(p.key());
  if (it == md.end())
    return {};
  const value* cur = &it->second.val;
  for (std::size_t k = 1; k < p.segments.size(); ++k) {
    const std::string& seg = p.segments[k];
    if (cur->is_object()) {
      cur = cur->find(seg);
    } else if (cur->is_array()) {
      auto idx = parse_index(seg);
      const auto& arr = cur->as_array();
      cur = idx && *idx < arr.size() ? &arr[*idx] : nullptr;
    } else {
      cur = nullptr;
    }
    if (!cur)
      return {};
  }
  return {cur, p.top_level() && it->second.type == mtype::version};
}

} // namespace sy::query
