#pragma once
// MessagePack <-> query::value (E-3) with the decode limits of E-9.
//
// Incoming: integers stay integers and floats stay floats (M-1); `str` and
// `bin` are both strings (a `bin` only when it is valid UTF-8); `nil` is
// null; extension types, map keys that are not strings, invalid UTF-8,
// nesting past proto::max_depth, lengths past the end of the frame and
// trailing bytes are decode errors. Decisions: a `uint 64` above
// INT64_MAX becomes a float (as a JSON integer token past int64 does), and a
// NaN or infinite float is a decode error (no other encoding can carry it).
//
// Outgoing: the smallest integer form, floats as `float 64`, strings and map
// keys as `str`.

#include <string>
#include <string_view>

#include "proto/frame.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// Decodes exactly one MessagePack value filling all of `bytes`. On failure
/// returns false and sets `error` to a non-empty description.
bool parse_msgpack(std::string_view bytes, query::value& out, std::string& error);

/// Appends the MessagePack encoding of `v` to `out`.
void append_msgpack(std::string& out, const query::value& v);

/// The MessagePack encoding of `v`.
std::string to_msgpack(const query::value& v);

/// A server frame as a MessagePack map with `str` keys d, op, t, ts (G-2, G-3).
std::string encode_msgpack_frame(const server_frame& f);

} // namespace sy::proto
