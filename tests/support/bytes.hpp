#pragma once
// Test-only helpers for binary encodings: bytes spelled as hex, and bytes
// shown as hex in assertions and failure messages.

#include <cstddef>
#include <string>
#include <string_view>

namespace sy::test {

/// Bytes from hex pairs ("83 61 01"); spaces are ignored.
inline std::string hx(std::string_view hex) {
  std::string out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (hex[i] == ' ')
      continue;
    out.push_back(static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1])));
    ++i;
  }
  return out;
}

/// The first `shown` bytes of `s` as hex pairs, then the length if it is cut.
inline std::string hex_dump(std::string_view s, std::size_t shown) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s.substr(0, shown)) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
    out.push_back(' ');
  }
  if (s.size() > shown)
    out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

} // namespace sy::test
