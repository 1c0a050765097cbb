#include "proto/target_hole.hpp"

#include <algorithm>

namespace sy::proto {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Whether position `at` of a JSON text lies inside a string (the text
/// before it opened one and did not close it).
bool inside_string(std::string_view text, std::size_t at) {
  bool in = false;
  for (std::size_t i = 0; i < at; ++i) {
    if (!in) {
      in = text[i] == '"';
    } else if (text[i] == '\\') {
      ++i; // the escaped byte (a quote here does not close)
    } else if (text[i] == '"') {
      in = false;
    }
  }
  return in;
}

} // namespace

std::optional<integer_hole> integer_apart(std::string_view a, std::string_view b) {
  std::size_t shorter = std::min(a.size(), b.size());
  std::size_t pre = 0;
  while (pre < shorter && a[pre] == b[pre])
    ++pre;
  if (pre == a.size() && pre == b.size())
    return std::nullopt; // equal
  std::size_t post = 0;
  while (post < shorter - pre && a[a.size() - 1 - post] == b[b.size() - 1 - post])
    ++post;
  // Widen the differing part to whole tokens: digits and a sign before it,
  // digits after it.
  while (pre > 0 && (digit(a[pre - 1]) || a[pre - 1] == '-'))
    --pre;
  while (post > 0 && digit(a[a.size() - post]))
    --post;
  integer_hole h;
  h.at = pre;
  h.len_a = a.size() - post - pre;
  h.len_b = b.size() - post - pre;
  auto va = integer_token(a.substr(pre, h.len_a));
  auto vb = integer_token(b.substr(pre, h.len_b));
  if (!va || !vb)
    return std::nullopt;
  // A value position: after `:`, `[`, `,` or space, before `,`, `}`, `]` or space.
  char before = pre > 0 ? a[pre - 1] : ' ';
  char after = post > 0 ? a[a.size() - post] : ' ';
  if (!(before == ':' || before == '[' || before == ',' || space(before)))
    return std::nullopt;
  if (!(after == ',' || after == '}' || after == ']' || space(after)))
    return std::nullopt;
  if (inside_string(a, pre))
    return std::nullopt;
  h.value_a = *va;
  h.value_b = *vb;
  return h;
}

} // namespace sy::proto
