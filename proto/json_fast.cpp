#include "proto/json_fast.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "proto/json.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sy::proto {
namespace {

using query::value;

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The first byte at or after `p` that ends a run of plain string bytes: a
/// quote, a backslash or a control character (or `end`). Sixteen bytes at a
/// time where SSE2 is there (every x86-64): strings are most of a frame.
const char* plain_run(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i below_space = _mm_set1_epi8(0x1f);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v)); // v <= 0x1f, unsigned
    if (int mask = _mm_movemask_epi8(hit))
      return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20)
    ++p;
  return p;
}
bool digit(char c) { return c >= '0' && c <= '9'; }

/// Recursive descent over [p, end). Every function returns false to decline
/// (invalid JSON, or valid JSON outside the fast subset).
class parser {
public:
  parser(std::string_view text, const keep_spec& keep)
      : p_(text.data()), end_(text.data() + text.size()), keep_(keep) {}

  bool document(value& out) {
    skip_space();
    if (!build(out, 0, keep_.raw ? 1 : 0))
      return false;
    skip_space();
    return p_ == end_;
  }

private:
  void skip_space() {
    while (p_ < end_ && space(*p_))
      ++p_;
  }
  bool eat(char c) {
    skip_space();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // -- strings -------------------------------------------------------------------

  /// A string token at p_ (after its opening quote is checked by the
  /// caller): its text with simple escapes decoded, into `out` if not null.
  /// With `out` null (a kept member's string) \u escapes are validated too.
  bool string(std::string* out) {
    ++p_; // the opening quote
    const char* run = p_;
    for (;;) {
      p_ = plain_run(p_, end_);
      if (p_ == end_)
        return false;
      char c = *p_;
      if (c == '"') {
        if (out) {
          if (out->empty())
            *out = std::string(run, p_); // the usual case, no escape: built once
          else
            out->append(run, p_);
        }
        ++p_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return false; // control characters must be escaped
      if (c != '\\') {
        ++p_;
        continue;
      }
      if (out)
        out->append(run, p_);
      if (++p_ == end_)
        return false;
      if (*p_ == 'u') {
        // Validated where the text is only kept (clients such as Python's
        // json escape every non-ASCII character); decoded by the full parser.
        if (out || !unicode_escape())
          return false;
        run = p_;
        continue;
      }
      char e;
      switch (*p_) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '/': e = '/'; break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case 'n': e = '\n'; break;
        case 'r': e = '\r'; break;
        case 't': e = '\t'; break;
        default: return false; // bad escapes: the full parser
      }
      if (out)
        out->push_back(e);
      run = ++p_;
    }
  }

  /// Four hex digits at `at` (within the text) into `cp`.
  bool hex4(const char* at, unsigned& cp) const {
    if (end_ - at < 4)
      return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = at[i];
      unsigned d;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
      cp = cp * 16 + d;
    }
    return true;
  }

  /// A \u escape at p_ (on the `u`): a code point outside the surrogates,
  /// or a high surrogate escaped right before a low one; p_ then follows it.
  /// Anything else (a lone surrogate of either kind) declines.
  bool unicode_escape() {
    unsigned cp, low;
    if (!hex4(p_ + 1, cp))
      return false;
    p_ += 5;
    if (cp < 0xD800 || cp > 0xDFFF)
      return true;
    if (cp > 0xDBFF || end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u' || !hex4(p_ + 2, low) || low < 0xDC00
        || low > 0xDFFF)
      return false;
    p_ += 6;
    return true;
  }

  // -- numbers -------------------------------------------------------------------

  /// Number grammar; `integer` says whether it had no fraction or exponent.
  bool number(bool& integer, const char*& digits_begin) {
    if (*p_ == '-')
      ++p_;
    digits_begin = p_;
    if (p_ == end_ || !digit(*p_))
      return false;
    if (*p_ == '0')
      ++p_;
    else
      while (p_ < end_ && digit(*p_))
        ++p_;
    integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !digit(*p_))
        return false;
      while (p_ < end_ && digit(*p_))
        ++p_;
    }
    // RapidJSON rejects a number "too big" once its integer part or its
    // positive exponent passes about 308 (reader.h, ParseNumber): below 300
    // it never does, so anything larger is left to it.
    if (p_ - digits_begin > 300)
      return false;
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      bool minus = p_ < end_ && *p_ == '-';
      if (p_ < end_ && (*p_ == '+' || *p_ == '-'))
        ++p_;
      if (p_ == end_ || !digit(*p_))
        return false;
      int exp = 0;
      while (p_ < end_ && digit(*p_)) {
        if (exp < 1000)
          exp = exp * 10 + (*p_ - '0');
        ++p_;
      }
      if (!minus && exp > 300)
        return false;
    }
    return true;
  }

  /// An integer as build() takes it (integer_token), at p_; p_ follows the
  /// number token either way (floats and others decline).
  bool int_literal(std::int64_t& n) {
    const char* start = p_;
    bool is_integer;
    const char* digits;
    if (!number(is_integer, digits) || !is_integer)
      return false;
    auto v = integer_token(std::string_view(start, static_cast<std::size_t>(p_ - start)));
    if (!v)
      return false;
    n = *v;
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    return true;
  }

  // -- values --------------------------------------------------------------------

  /// Validates one value without building it (the kept member).
  bool skip(int depth) {
    skip_space();
    if (p_ == end_)
      return false;
    switch (*p_) {
      case '{':
      case '[': {
        bool keyed = *p_ == '{';
        char close = keyed ? '}' : ']';
        if (++depth > max_depth)
          return false;
        ++p_;
        if (eat(close))
          return true;
        do {
          if (keyed) {
            skip_space();
            if (p_ == end_ || *p_ != '"' || !string(nullptr) || !eat(':'))
              return false;
          }
          if (!skip(depth))
            return false;
        } while (eat(','));
        return eat(close);
      }
      case '"': return string(nullptr);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: {
        bool integer;
        const char* digits;
        return number(integer, digits);
      }
    }
  }

  /// Builds one value. `level` is the nesting of the object being read
  /// for the kept member: 1 = the top-level object, 2 = its `outer` member.
  bool build(value& out, int depth, int level) {
    skip_space();
    if (p_ == end_)
      return false;
    switch (*p_) {
      case '{': return object(out, depth + 1, level);
      case '[': {
        if (++depth > max_depth)
          return false;
        ++p_;
        query::array a;
        if (!eat(']')) {
          do {
            a.emplace_back();
            if (!build(a.back(), depth, 0))
              return false;
          } while (eat(','));
          if (!eat(']'))
            return false;
        }
        out = value{std::move(a)};
        return true;
      }
      case '"': {
        std::string s;
        if (!string(&s))
          return false;
        out = value{std::move(s)};
        return true;
      }
      case 't':
        out = value{true};
        return literal("true");
      case 'f':
        out = value{false};
        return literal("false");
      case 'n':
        out = value{};
        return literal("null");
      default: {
        // floats: RapidJSON's conversion decides their bits; so past 18
        // digits (maybe past int64) and -0
        std::int64_t n;
        if (!int_literal(n))
          return false;
        out = value{n};
        return true;
      }
    }
  }

  /// The `seen_key` member's value at p_: skipped when it is the known
  /// text, built otherwise; its text recorded either way.
  bool watched(value& out, int depth) {
    const char* start = p_;
    const auto& k = keep_.known.text;
    bool hit = false;
    if (!k.empty() && k.front() == '{') {
      if (keep_.known.hole_len == 0) {
        hit = static_cast<std::size_t>(end_ - p_) >= k.size() && std::memcmp(p_, k.data(), k.size()) == 0;
        if (hit)
          p_ += k.size();
      } else {
        hit = known_with_hole();
      }
    }
    if (hit) {
      *keep_.known_hit = true; // `out` stays the null stand-in
    } else {
      p_ = start;
      if (!build(out, depth, 0))
        return false;
    }
    *keep_.seen = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  /// At p_: the known text before its hole, an integer token as build()
  /// takes it, then the known text after the hole. On a match p_ follows
  /// it and the integer is in *keep_.known_int; otherwise p_ is anywhere.
  bool known_with_hole() {
    const auto& k = keep_.known.text;
    std::size_t before = keep_.known.hole_at;
    std::size_t after = k.size() - before - keep_.known.hole_len;
    if (static_cast<std::size_t>(end_ - p_) < before + 1 + after || std::memcmp(p_, k.data(), before) != 0)
      return false;
    p_ += before;
    std::int64_t n;
    if (!int_literal(n))
      return false;
    if (static_cast<std::size_t>(end_ - p_) < after || std::memcmp(p_, k.data() + k.size() - after, after) != 0)
      return false;
    *keep_.known_int = n;
    p_ += after;
    return true;
  }

  /// An object at nesting `depth`; at `level` 1 its `inner` member is kept
  /// (or, with an `outer`, its first `outer` member is read at level 2).
  bool object(value& out, int depth, int level) {
    if (depth > max_depth)
      return false;
    ++p_;
    query::object o;
    o.reserve(4); // one allocation for the usual small object (envelope, query)
    bool top = level == 1 && keep_.raw;
    bool holder = (top && keep_.outer.empty()) || level == 2; // the object holding `inner`
    bool seen_outer = false;
    bool seen_inner = false;
    bool seen_watched = false; // keep_.seen_key, in the holder
    if (!eat('}')) {
      do {
        skip_space();
        if (p_ == end_ || *p_ != '"')
          return false;
        o.emplace_back();
        auto& m = o.back();
        if (!string(&m.key) || !eat(':'))
          return false;
        bool into_outer = false; // this member is `outer`: read it at level 2
        bool keep_here = false;
        if (top && keep_.outer.empty()) {
          keep_here = m.key == keep_.inner;
        } else if (top && m.key == keep_.outer) {
          if (seen_outer)
            return false; // duplicate `d`: the full parser decides
          seen_outer = true;
          into_outer = true;
        } else if (level == 2) { // only reached with a kept member
          keep_here = m.key == keep_.inner;
        }
        if (keep_here) {
          if (seen_inner)
            return false; // duplicate `payload`
          seen_inner = true;
          skip_space();
          const char* start = p_;
          if (!skip(depth))
            return false;
          *keep_.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
          continue; // m.val stays the null stand-in
        }
        skip_space();
        if (holder && keep_.seen && m.key == keep_.seen_key) {
          if (seen_watched)
            return false; // a duplicate: the full parser decides
          seen_watched = true;
          if (!watched(m.val, depth))
            return false;
          continue;
        }
        if (!build(m.val, depth, into_outer && p_ < end_ && *p_ == '{' ? 2 : 0))
          return false;
      } while (eat(','));
      if (!eat('}'))
        return false;
    }
    out = value{std::move(o)};
    return true;
  }

  const char* p_;
  const char* end_;
  const keep_spec& keep_;
};

} // namespace

std::optional<std::int64_t> integer_token(std::string_view token) {
  std::size_t i = 0;
  bool minus = !token.empty() && token[0] == '-';
  if (minus)
    i = 1;
  std::size_t digits = token.size() - i;
  if (digits == 0 || digits > 18)
    return std::nullopt;
  if (token[i] == '0' && (digits > 1 || minus))
    return std::nullopt; // leading zero, or -0
  std::int64_t n = 0;
  for (; i < token.size(); ++i) {
    if (!digit(token[i]))
      return std::nullopt;
    n = n * 10 + (token[i] - '0');
  }
  return minus ? -n : n;
}

bool parse_json_fast(std::string_view text, value& out, const keep_spec& keep) {
  auto clear = [&] {
    if (keep.raw)
      *keep.raw = {};
    if (keep.seen)
      *keep.seen = {};
    if (keep.known_hit)
      *keep.known_hit = false;
  };
  clear();
  parser p(text, keep);
  value v;
  if (!p.document(v)) {
    clear();
    return false;
  }
  out = std::move(v);
  return true;
}

} // namespace sy::proto
