#pragma once
// The bounds-checked cursor the binary decoders (msgpack, ETF) read a frame
// with. Every read is checked against the bytes left, and every declared
// length before anything is reserved (E-9).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/decode_budget.hpp"

namespace sy::proto {

struct byte_reader {
  const unsigned char* p;
  std::size_t n;
  std::size_t pos = 0;
  std::string error;
  const char* format; // names the encoding in error texts: "invalid <format>: ..."
  /// Values the frame may still decode to (proto/decode_budget), for the
  /// decoders that set it.
  std::size_t values_left = static_cast<std::size_t>(-1);
  std::size_t value_limit = static_cast<std::size_t>(-1);

  byte_reader(std::string_view b, const char* format_name)
      : p(reinterpret_cast<const unsigned char*>(b.data())), n(b.size()), format(format_name) {}

  std::size_t left() const { return n - pos; }

  /// Records the first error, "invalid <format>: <what> at offset <at>", and
  /// returns false.
  bool fail(const std::string& what, std::size_t at) {
    if (error.empty())
      error = "invalid " + std::string(format) + ": " + what + " at offset " + std::to_string(at);
    return false;
  }

  /// Counts `k` more decoded values, failing past the limit (E-9). A
  /// container counts its elements before it reserves room for them.
  bool count_values(std::uint64_t k, std::size_t at) {
    if (k > values_left)
      return fail(too_many_values(value_limit), at);
    values_left -= static_cast<std::size_t>(k);
    return true;
  }

  /// Sets the value limit of a frame of this reader's size, the frame's
  /// own (top-level) value counted.
  void limit_values() {
    value_limit = proto::value_limit(n);
    values_left = value_limit - 1;
  }

  /// Reads a k-byte big-endian unsigned number (k <= 8).
  bool be(std::size_t k, std::uint64_t& v, std::size_t at, const char* what) {
    if (left() < k)
      return fail(std::string("truncated ") + what, at);
    v = 0;
    for (std::size_t i = 0; i < k; ++i)
      v = (v << 8) | p[pos + i];
    pos += k;
    return true;
  }

  /// Fails unless every byte has been read; `what` names the top-level item
  /// ("unexpected data after the <what>").
  bool at_end(const char* what) {
    return pos == n || fail(std::string("unexpected data after the ") + what, pos);
  }

  /// Takes `len` bytes, which must be there.
  bool bytes(std::uint64_t len, std::string_view& out, std::size_t at, const char* what) {
    if (len > left())
      return fail(std::string(what) + " of " + std::to_string(len) + " bytes exceeds the frame", at);
    out = {reinterpret_cast<const char*>(p + pos), static_cast<std::size_t>(len)};
    pos += static_cast<std::size_t>(len);
    return true;
  }
};

} // namespace sy::proto
