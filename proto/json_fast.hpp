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
#include <string_view>

#include "query/value.hpp"

namespace sy::proto {

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
  /// With `seen`: the text of that member in an earlier document, an object
  /// the same parser accepted there, or empty. When the member's text starts
  /// with it (an object ends where its text does, so it is that object), the
  /// member is not built either: a null stands in and `*known_hit` is set.
  std::string_view known;
  bool* known_hit = nullptr;
  /// With `known`: when `known_hole_len` is not 0, `known` has a hole at
  /// [known_hole_at, known_hole_at + known_hole_len), a whole integer token
  /// in value position (actors/target_memory checks that). A member whose
  /// text is `known` with any integer token in that place (the grammar and
  /// the 18-digit limit of the built parts) is not built either: `*known_hit`
  /// is set and the integer goes to `*known_int`.
  std::size_t known_hole_at = 0;
  std::size_t known_hole_len = 0;
  std::int64_t* known_int = nullptr;
};

/// True when `text` (already checked: valid UTF-8, no NUL byte) was parsed
/// into `out` (and `*keep.raw` set, empty when there was no such member);
/// false when the text must go to the full parser instead.
bool parse_json_fast(std::string_view text, query::value& out, const keep_spec& keep);

} // namespace sy::proto
