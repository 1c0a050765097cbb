#pragma once
// Appending raw bytes and big-endian numbers, for the binary encoders
// (msgpack, ETF).

#include <cstdint>
#include <string>

namespace sy::proto {

/// Appends one byte (a type tag, a sign byte, ...).
inline void put_byte(std::string& out, unsigned b) { out.push_back(static_cast<char>(b)); }

/// Appends the low `bytes` bytes of `v`, most significant first.
inline void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

} // namespace sy::proto
