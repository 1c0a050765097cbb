#pragma once
// The common case of JSON decoding without RapidJSON: a strict recursive
// parser for documents with no floats, \u escapes or integers past 18
// digits in the parts it builds, and no duplicate of the kept member. It
// either produces exactly what json.cpp's RapidJSON path would (the tree,
// and the kept member's text), or declines, and the caller parses the text
// the usual way; it never reports an error itself, so error texts stay
// RapidJSON's. The kept member is only validated (floats, simple escapes
// and \u escapes of valid code points allowed there), never built. Issue
// 6's profile: RapidJSON's per-token handler calls and the builder's stacks
// were a sixth of the server's CPU.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "query/value.hpp"

namespace sy::proto {

/// A member's text from an earlier document (an object the fast parser
/// accepted there), optionally with a hole: when `hole_len` is not 0,
/// [hole_at, hole_at + hole_len) is a whole integer token of it in value
/// position (actors/target_memory checks that).
struct known_target {
  std::string_view text;
  std::size_t hole_at = 0;
  std::size_t hole_len = 0;
  known_target() = default;
  known_target(std::string_view t) : text(t) {}
};

/// The value of `token` when it is an integer as the fast parser builds
/// one: `-?(0|[1-9][0-9]*)` with at most 18 digits, not -0 (larger ones,
/// and -0, are left to RapidJSON).
std::optional<std::int64_t> integer_token(std::string_view token);

/// Which member to keep as text: `inner` of the top-level object when
/// `outer` is empty, else `inner` of its `outer` member (see
/// parse_json_keeping). `raw` null: build everything.
struct keep_spec {
  std::string_view* raw = nullptr;
  std::string_view outer;
  std::string_view inner;
  /// When set: the exact text of member `seen_key` of the object holding
  /// `inner`, built as usual too. A second such member declines the whole
  /// text (the full parser decides).
  /// Left empty when the text is declined (the full parser never sets it).
  std::string_view* seen = nullptr;
  std::string_view seen_key;
  /// With `seen`: that member's text in an earlier document, or empty. When
  /// the member's text starts with it (an object ends where its text does,
  /// so it is that object), or with a hole, is it with any integer_token in
  /// the hole, the member is not built either: a null stands in,
  /// `*known_hit` is set and the hole's integer goes to `*known_int`.
  known_target known;
  bool* known_hit = nullptr;
  std::int64_t* known_int = nullptr;
};

/// True when `text` (already checked: valid UTF-8, no NUL byte) was parsed
/// into `out` (and `*keep.raw` set, empty when there was no such member);
/// false when the text must go to the full parser instead.
bool parse_json_fast(std::string_view text, query::value& out, const keep_spec& keep);

} // namespace sy::proto
