#include "proto/json.hpp"

#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::proto {
namespace {

using query::value;

// SAX handler building a value tree directly (no DOM), with a depth limit.
struct builder {
  std::vector<value> stack;          // open containers
  std::vector<std::string> keys;     // pending key per open object
  value root;
  bool have_root = false;
  bool too_deep = false;
  bool bad_escape = false;

  // RapidJSON validates the raw bytes but decodes an escaped lone low
  // surrogate (\udc00) into UTF-8 bytes ED B0..BF, which are not UTF-8.
  bool has_surrogate(const char* s, rapidjson::SizeType n) {
    for (rapidjson::SizeType i = 0; i + 1 < n; ++i)
      if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0)
        return bad_escape = true;
    return false;
  }

  bool put(value v) {
    if (stack.empty()) {
      root = std::move(v);
      have_root = true;
      return true;
    }
    auto& top = stack.back();
    if (top.is_array())
      top.as_array().push_back(std::move(v));
    else {
      top.as_object().push_back(query::member{std::move(keys.back()), std::move(v)});
    }
    return true;
  }
  bool open(value v) {
    if (static_cast<int>(stack.size()) >= max_depth) {
      too_deep = true;
      return false;
    }
    stack.push_back(std::move(v));
    return true;
  }
  bool close() {
    value v = std::move(stack.back());
    stack.pop_back();
    if (v.is_object())
      keys.pop_back();
    return put(std::move(v));
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
    return put(value{std::string(s, n)});
  }
  bool StartObject() {
    if (!open(value{query::object{}}))
      return false;
    keys.emplace_back();
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n))
      return false;
    keys.back().assign(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(value{query::array{}}); }
  bool EndArray(rapidjson::SizeType) { return close(); }
};

// A string stream over a string_view (RapidJSON's StringStream needs NUL).
struct view_stream {
  using Ch = char;
  const char* cur;
  const char* end;
  const char* begin;
  Ch Peek() const { return cur < end ? *cur : '\0'; }
  Ch Take() { return cur < end ? *cur++ : '\0'; }
  std::size_t Tell() const { return static_cast<std::size_t>(cur - begin); }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }
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

bool parse_json(std::string_view text, value& out, std::string& error) {
  // A NUL byte inside the text would end RapidJSON's input early.
  if (text.find('\0') != std::string_view::npos) {
    error = "invalid JSON: NUL byte at offset " + std::to_string(text.find('\0'));
    return false;
  }
  builder b;
  view_stream s{text.data(), text.data() + text.size(), text.data()};
  rapidjson::Reader reader;
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseStopWhenDoneFlag;
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
  // Only whitespace may follow the document.
  while (s.cur < s.end && (*s.cur == ' ' || *s.cur == '\n' || *s.cur == '\r' || *s.cur == '\t'))
    ++s.cur;
  if (s.cur != s.end) {
    error = "invalid JSON: unexpected data after the document at offset " + std::to_string(s.Tell());
    return false;
  }
  out = std::move(b.root);
  return true;
}

void append_json(std::string& out, const value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write(w, v);
  out.append(buf.GetString(), buf.GetSize());
}

std::string to_json(const value& v) {
  std::string s;
  append_json(s, v);
  return s;
}

} // namespace sy::proto
