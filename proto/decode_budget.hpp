#pragma once
// E-9: "a decoder never allocates more than the frame's size justifies". A
// decoded value takes sizeof(query::value) = 40 bytes whatever its encoded
// size (a msgpack nil or an ETF NIL_EXT is one byte, a JSON 0 two), so a
// 16 MiB frame of one-byte values decoded to about 690 MB. Every decoder
// therefore counts the values a frame holds (an object member counts twice:
// its key and its value) and refuses, as undecodable, a frame that
// holds more than value_limit of its size: about 80 MiB of values for any
// frame up to the default 16 MiB.

#include <algorithm>
#include <cstddef>
#include <string>

namespace sy::proto {

/// The count every frame may reach, however small.
inline constexpr std::size_t min_value_limit = std::size_t{1} << 21;

/// How many values a frame of `frame_bytes` bytes may decode to.
inline std::size_t value_limit(std::size_t frame_bytes) { return std::max(min_value_limit, frame_bytes / 8); }

/// The decode error (after "invalid <format>: ").
inline std::string too_many_values(std::size_t limit) {
  return "more than " + std::to_string(limit) + " values in one frame (E-9)";
}

} // namespace sy::proto
