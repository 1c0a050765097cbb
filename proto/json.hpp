#pragma once
// JSON <-> query::value with the decode limits of E-9: nesting at most 64
// levels, valid UTF-8 only, iterative parsing (no recursion on input depth).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/json_fast.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// Deepest nesting a decoder accepts (E-9).
inline constexpr int max_depth = 64;

/// Parses one JSON document. On failure returns false and sets `error` to a
/// non-empty human-readable description.
bool parse_json(std::string_view text, query::value& out, std::string& error);

/// parse_json without E-9's value limit (proto/decode_budget), for what
/// nodes send each other (proto/peer_wire): they are proven peers, and an
/// answer or a delivery may list a million clients of a frame that passed
/// the limit where it came in.
bool parse_json_unlimited(std::string_view text, query::value& out, std::string& error);

/// parse_json for a client frame: when the document is an object whose first
/// `d` member is an object with a `payload` member, that payload's value is
/// not built (a null stands in its place) and `raw_payload` is set to its
/// exact text, a view into `text`; otherwise `raw_payload` is left empty. The
/// payload is validated like the rest (E-9 depth, UTF-8, surrogates). A
/// message is usually only forwarded, so its tree would be built and
/// re-encoded for nothing (issue 6's profile).
bool parse_json_frame(std::string_view text, query::value& out, std::string& error, std::string_view& raw_payload);

/// What parse_json_frame can also tell about d.target, which clients repeat
/// frame after frame (actors/client reuses its parsed query).
struct frame_texts {
  /// In: empty, or `target` of an earlier call: the text of an object this
  /// parser accepted (anything else could let invalid JSON through),
  /// possibly with an integer hole (proto/json_fast's known_target).
  proto::known_target known_target;
  /// Out: d.payload's text, as `raw_payload` above.
  std::string_view payload;
  /// Out: d.target's exact text when the fast path (proto/json_fast)
  /// decoded the frame; empty otherwise.
  std::string_view target;
  /// Out: `target` was `known_target`, so it was not built either (a null
  /// stands in its place).
  bool target_kept = false;
  /// Out: with target_kept and a hole, the integer that stood in it.
  std::int64_t kept_int = 0;
};
bool parse_json_frame(std::string_view text, query::value& out, std::string& error, frame_texts& texts);

/// The value of a text kept by parse_json_frame or parse_json_keeping
/// (validated then, so it decodes; null otherwise).
query::value kept_value(std::string_view raw);

/// The same for any one member: `inner` of the top-level object when `outer`
/// is empty, else `inner` of its first object member `outer`. With
/// duplicate keys (the last one counts, value::find) nothing is kept.
bool parse_json_keeping(std::string_view text, query::value& out, std::string& error, std::string_view& raw,
                        std::string_view outer, std::string_view inner);

/// parse_json_keeping by RapidJSON alone, without the fast path of
/// proto/json_fast (whose results must be the same): for the differential
/// tests. With `raw` pointing at a dummy and `outer`/`inner` that match
/// nothing, it is parse_json by RapidJSON alone.
bool parse_json_keeping_full(std::string_view text, query::value& out, std::string& error, std::string_view& raw,
                             std::string_view outer, std::string_view inner);

/// Serialises a value as compact JSON.
std::string to_json(const query::value& v);

/// Appends the JSON text of `v` to `out`.
void append_json(std::string& out, const query::value& v);

} // namespace sy::proto
