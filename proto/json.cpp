#include "proto/json.hpp"

#include "proto/decode_budget.hpp"

#include "proto/json_fast.hpp"
#include "proto/utf8.hpp"

#include <cstring>
#include <iterator>
#include <vector>

// RapidJSON's SSE2 paths (whitespace, unescaped string runs) are used for
// in-situ parsing; every x86-64 has SSE2. They read whole aligned 16-byte
// blocks, so the buffer parsed in place is padded (see parse_json).
#if defined(__SSE2__)
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

namespace sy::proto {
namespace {

using query::value;

// SAX handler building a value tree directly (no DOM), with a depth limit.
// Finished values wait on one flat stack; a closing container takes its n
// children from its top in one move, so every array and object is
// allocated once, at its final size. The stacks are per thread and keep
// their capacity from one frame to the next.
struct builder {
  builder(std::vector<value>& v, std::vector<std::string>& k) : vals(v), keys(k) {}
  std::vector<value>& vals;        // finished values not yet in a container
  std::vector<std::string>& keys;  // the key of each pending object member
  int depth = 0;
  bool too_deep = false;
  bool bad_escape = false;
  /// Whether the text has a \u escape at all (else no string needs the check).
  bool escapes = true;

  // -- one member kept as text (parse_json_frame, parse_json_keeping) --------
  /// Which member, and where its text goes (keep.raw null: build everything).
  keep_spec keep;
  /// 1: `keep.inner` of the top-level object; 2: of its member `keep.outer`.
  int level = 0;
  std::string_view text; // the original text (offsets match the copy)
  rapidjson::InsituStringStream* in = nullptr;
  enum class at { other, d_next, in_d, capturing, captured, after, done };
  at where = at::other;
  std::size_t raw_start = 0;
  /// A payload was captured, and a later `d` or `payload` key may override
  /// it (value::find takes the last of duplicate keys): then the frame is
  /// parsed again without capture.
  bool took = false;
  bool dup = false;

  // RapidJSON parses each token on a local copy of the stream, so at an
  // event the stream stands at the start of the token just reported (a key,
  // a scalar) or at the closing bracket of a container. The payload's text
  // is therefore cut from the key before it to the token after it.
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  /// True while inside the captured payload (nothing is built).
  bool skipping() const { return where == at::capturing; }
  /// A value just ended at nesting `depth` (after --depth for containers):
  /// true when it was the payload, for which a null is put instead.
  bool ended_value() {
    if (where == at::capturing && depth == level) {
      where = at::captured;
      vals.emplace_back(); // the stand-in
      return true;
    }
    if (where == at::d_next)
      where = at::other; // `d` was not an object
    return false;
  }
  /// The token after the payload (the next key of d, or d's closing brace)
  /// starts here: the payload ends before the spaces and comma in between.
  void finish_raw() {
    std::size_t e = in->Tell();
    while (e > raw_start && space(text[e - 1]))
      --e;
    if (e > raw_start && text[e - 1] == ',')
      --e;
    while (e > raw_start && space(text[e - 1]))
      --e;
    *keep.raw = text.substr(raw_start, e - raw_start);
    where = at::after;
  }
  void on_key(const char* s, rapidjson::SizeType n) {
    std::string_view k(s, n);
    if (where == at::captured && depth == level)
      finish_raw();
    if (level == 2 && depth == 1 && k == keep.outer) {
      if (took)
        dup = true;
      else if (where == at::other)
        where = at::d_next;
    } else if (depth == level && k == keep.inner && where == at::after) {
      dup = true;
    } else if (where == at::in_d && depth == level && k == keep.inner) {
      took = true;
      // The key (maybe written with escapes) starts here; its value starts
      // after its closing quote, spaces, ':' and spaces.
      std::size_t p = in->Tell();
      while (p < text.size() && space(text[p]))
        ++p;
      for (++p; p < text.size() && text[p] != '"'; ++p)
        if (text[p] == '\\')
          ++p;
      ++p;
      while (p < text.size() && (space(text[p]) || text[p] == ':'))
        ++p;
      raw_start = p;
      where = at::capturing;
    }
  }

  // RapidJSON validates the raw bytes but decodes an escaped lone low
  // surrogate (\udc00) into UTF-8 bytes ED B0..BF, which are not UTF-8.
  bool has_surrogate(const char* s, rapidjson::SizeType n) {
    if (!escapes)
      return false;
    const char* end = s + n;
    for (const char* p = s; (p = static_cast<const char*>(std::memchr(p, 0xED, static_cast<std::size_t>(end - p))));
         ++p)
      if (p + 1 < end && static_cast<unsigned char>(p[1]) >= 0xA0)
        return bad_escape = true;
    return false;
  }

  bool put(value v) {
    if (keep.raw) {
      if (skipping()) {
        ended_value();
        return true;
      }
      if (ended_value())
        return true;
    }
    vals.push_back(std::move(v));
    return true;
  }
  bool open(bool object) {
    if (++depth > max_depth) {
      too_deep = true;
      return false;
    }
    if (keep.raw && where == at::d_next)
      where = object && depth == 2 ? at::in_d : at::other;
    return true;
  }
  /// A container closed (depth already lowered): true when it was captured
  /// or lies inside the capture, so nothing is built.
  bool close_skipped() {
    if (!keep.raw)
      return false;
    if (skipping()) {
      ended_value();
      return true;
    }
    if (where == at::captured && depth == level - 1)
      finish_raw(); // the object closes right after the member
    if ((where == at::in_d || where == at::after) && depth == level - 1)
      where = at::done; // the end of the object: nothing more to capture
    return false;
  }

  bool Null() { return put(value{}); }
  bool Bool(bool b) { return put(value{b}); }
  bool Int(int i) { return put(value{static_cast<std::int64_t>(i)}); }
  bool Uint(unsigned u) { return put(value{static_cast<std::int64_t>(u)}); }
  bool Int64(std::int64_t i) { return put(value{i}); }
  bool Uint64(std::uint64_t u) {
    // Past int64 an integer token can only be kept as a float (M-1).
    if (u > static_cast<std::uint64_t>(INT64_MAX))
      return put(value{static_cast<double>(u)});
    return put(value{static_cast<std::int64_t>(u)});
  }
  bool Double(double d) { return put(value{d}); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n))
      return false;
    if (keep.raw && skipping())
      return put(value{});
    return put(value{std::string(s, n)});
  }
  bool StartObject() { return open(true); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n))
      return false;
    if (keep.raw) {
      if (skipping())
        return true;
      on_key(s, n);
    }
    keys.emplace_back(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType n) {
    --depth;
    if (close_skipped())
      return true;
    query::object o;
    o.reserve(n);
    auto k = keys.end() - n;
    auto v = vals.end() - n;
    for (rapidjson::SizeType i = 0; i < n; ++i)
      o.push_back(query::member{std::move(k[i]), std::move(v[i])});
    keys.erase(k, keys.end());
    vals.erase(v, vals.end());
    return put(value{std::move(o)});
  }
  bool StartArray() { return open(false); }
  bool EndArray(rapidjson::SizeType n) {
    --depth;
    if (close_skipped())
      return true;
    auto v = vals.end() - n;
    query::array a(std::make_move_iterator(v), std::make_move_iterator(vals.end()));
    vals.erase(v, vals.end());
    return put(value{std::move(a)});
  }
};

template <class Writer>
void write(Writer& w, const value& v) {
  switch (v.type()) {
    case query::kind::null: w.Null(); break;
    case query::kind::boolean: w.Bool(v.as_bool()); break;
    case query::kind::integer: w.Int64(v.as_int()); break;
    case query::kind::floating: w.Double(v.as_float()); break;
    case query::kind::string:
      w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
      break;
    case query::kind::array:
      w.StartArray();
      for (const auto& e : v.as_array())
        write(w, e);
      w.EndArray();
      break;
    case query::kind::object:
      w.StartObject();
      for (const auto& m : v.as_object()) {
        w.Key(m.key.data(), static_cast<rapidjson::SizeType>(m.key.size()));
        write(w, m.val);
      }
      w.EndObject();
      break;
  }
}

} // namespace

namespace {

/// At least the number of values a JSON text decodes to, counted as E-9's
/// limit counts them: one per '[' or '{' that is not empty and per ','
/// outside strings, one more per ':' (a member's key), and the document.
std::size_t count_values(std::string_view t) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') {
      for (++i; i < t.size() && t[i] != '"'; ++i)
        if (t[i] == '\\')
          ++i;
    } else if (c == '[' || c == '{') {
      std::size_t j = i + 1;
      while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r'))
        ++j;
      if (j < t.size() && t[j] != ']' && t[j] != '}')
        ++n; // its first element
    } else if (c == ',' || c == ':') {
      ++n;
    }
  }
  return n;
}

/// Which member to keep as text (the same spec json_fast takes), and
/// whether a duplicate key means the tree must be built instead.
struct capture {
  keep_spec keep;
  bool dup = false;
};

bool parse(std::string_view text, value& out, std::string& error, capture* cap, bool fast = true,
           bool limited = true) {
  // A NUL byte inside the text would end RapidJSON's input early.
  if (text.find('\0') != std::string_view::npos) {
    error = "invalid JSON: NUL byte at offset " + std::to_string(text.find('\0'));
    return false;
  }
  // UTF-8 is checked over the whole text at once (outside strings only
  // ASCII is valid JSON anyway), much faster than RapidJSON's per-character
  // validation inside strings.
  if (auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    error = std::string("invalid JSON: ") + rapidjson::GetParseError_En(rapidjson::kParseErrorStringInvalidEncoding)
            + " at offset " + std::to_string(bad);
    return false;
  }
  // E-9: a text with more values than its size allows is refused before
  // anything is built (only a long text can have that many).
  std::size_t values = 0;
  if (limited && text.size() / 2 + 1 > value_limit(text.size())) {
    values = count_values(text);
    if (values > value_limit(text.size())) {
      error = "invalid JSON: " + too_many_values(value_limit(text.size()));
      return false;
    }
  }
  // The common case first (proto/json_fast); it declines anything it does
  // not build exactly as below, and errors always come from RapidJSON.
  if (fast && parse_json_fast(text, out, cap ? cap->keep : keep_spec{}))
    return true;
  static thread_local std::vector<value> vals;
  static thread_local std::vector<std::string> keys;
  vals.clear();
  keys.clear();
  vals.reserve(values); // a long text's values wait there: no doubling past them
  // Leaves the stacks empty, and small again after a huge document.
  struct reset {
    ~reset() {
      vals.clear();
      keys.clear();
      if (vals.capacity() > 4096)
        std::vector<value>().swap(vals);
      if (keys.capacity() > 4096)
        std::vector<std::string>().swap(keys);
    }
  } reset_after;
  builder b{vals, keys};
  if (cap) {
    b.keep = cap->keep;
    b.level = cap->keep.outer.empty() ? 1 : 2;
    b.where = b.level == 1 ? builder::at::in_d : builder::at::other;
  }
  b.text = text;
  b.escapes = text.find("\\u") != std::string_view::npos;
  // Parsed in place in a per-thread copy (the fast path of RapidJSON's
  // reader); the NUL check above makes the terminator the end of the text.
  static thread_local std::string buf;
  constexpr std::size_t pad = 32;
  if (buf.capacity() < text.size() + pad || buf.capacity() > 4 * (text.size() + pad) + (1 << 16)) {
    std::string fresh;
    fresh.reserve(text.size() + pad);
    buf.swap(fresh);
  }
  buf.assign(text);
  rapidjson::InsituStringStream s(buf.data());
  b.in = &s;
  rapidjson::Reader reader;
  constexpr unsigned flags =
    rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag;
  auto res = reader.Parse<flags>(s, b);
  if (b.too_deep) {
    error = "invalid JSON: nesting deeper than " + std::to_string(max_depth) + " levels";
    return false;
  }
  if (b.bad_escape) {
    error = "invalid JSON: a \\u escape encodes a lone surrogate";
    return false;
  }
  if (res.IsError()) {
    error = std::string("invalid JSON: ") + rapidjson::GetParseError_En(res.Code()) + " at offset "
            + std::to_string(res.Offset());
    return false;
  }
  // Only whitespace may follow the document (the rest of the copy is intact).
  std::size_t at = s.Tell();
  while (at < text.size() && (text[at] == ' ' || text[at] == '\n' || text[at] == '\r' || text[at] == '\t'))
    ++at;
  if (at != text.size()) {
    error = "invalid JSON: unexpected data after the document at offset " + std::to_string(at);
    return false;
  }
  out = std::move(vals.back());
  if (cap)
    cap->dup = b.dup;
  return true;
}

} // namespace

bool parse_json(std::string_view text, value& out, std::string& error) { return parse(text, out, error, nullptr); }

bool parse_json_unlimited(std::string_view text, value& out, std::string& error) {
  return parse(text, out, error, nullptr, true, false);
}

namespace {

bool keeping(std::string_view text, value& out, std::string& error, std::string_view& raw, std::string_view outer,
             std::string_view inner, bool fast, frame_texts* ft = nullptr) {
  raw = {};
  std::string_view kept;
  capture cap;
  cap.keep.raw = &kept;
  cap.keep.outer = outer;
  cap.keep.inner = inner;
  if (ft) {
    ft->target = {};
    ft->target_kept = false;
    ft->kept_int = 0;
    cap.keep.seen = &ft->target;
    cap.keep.seen_key = "target";
    cap.keep.known = ft->known_target;
    cap.keep.known_hit = &ft->target_kept;
    cap.keep.known_int = &ft->kept_int;
  }
  if (!parse(text, out, error, &cap, fast))
    return false;
  if (cap.dup) // rare: duplicate keys; the whole tree is built instead
    return parse(text, out, error, nullptr, fast);
  raw = kept;
  return true;
}

} // namespace

bool parse_json_keeping(std::string_view text, value& out, std::string& error, std::string_view& raw,
                        std::string_view outer, std::string_view inner) {
  return keeping(text, out, error, raw, outer, inner, true);
}

bool parse_json_keeping_full(std::string_view text, value& out, std::string& error, std::string_view& raw,
                             std::string_view outer, std::string_view inner) {
  return keeping(text, out, error, raw, outer, inner, false);
}

value kept_value(std::string_view raw) {
  value v;
  std::string err;
  // (the frame it came in passed E-9's limit, which a part of a frame over
  // 16 MiB could fail on its own)
  if (!parse_json_unlimited(raw, v, err))
    return value{};
  return v;
}

bool parse_json_frame(std::string_view text, value& out, std::string& error, std::string_view& raw_payload) {
  return parse_json_keeping(text, out, error, raw_payload, "d", "payload");
}

bool parse_json_frame(std::string_view text, value& out, std::string& error, frame_texts& texts) {
  return keeping(text, out, error, texts.payload, "d", "payload", true, &texts);
}

namespace {

/// RapidJSON output stream appending to a std::string. RapidJSON puts one
/// character at a time; they gather here and go to the string a block at a
/// time (one push_back per character cost a sixth of encoding a peer answer).
struct string_out {
  using Ch = char;
  explicit string_out(std::string& out) : s(out) {}
  std::string& s;
  char buf[256];
  std::size_t n = 0;
  void Put(char c) {
    if (n == sizeof buf)
      Flush();
    buf[n++] = c;
  }
  void Flush() {
    s.append(buf, n);
    n = 0;
  }
};

} // namespace

void append_json(std::string& out, const value& v) {
  string_out os{out};
  rapidjson::Writer<string_out> w(os);
  write(w, v);
  os.Flush(); // the writer flushes after a complete value too; this makes sure
}

std::string to_json(const value& v) {
  std::string s;
  append_json(s, v);
  return s;
}

} // namespace sy::proto
