#pragma once
// Test-only helpers: a small JSON reader so test cases can write queries and
// metadata as JSON text, plus shorthands for parsing queries and building
// typed metadata. Not used by the library (proto/ owns real JSON).

#include <doctest/doctest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "query/metadata.hpp"
#include "query/parse.hpp"
#include "query/value.hpp"

namespace sy::query::test {

/// Reads one JSON text; integers without fraction/exponent stay integers.
class json_reader {
public:
  explicit json_reader(std::string_view s) : s_(s) {}

  value read() {
    value v = any();
    ws();
    if (pos_ != s_.size())
      fail("trailing characters");
    return v;
  }

private:
  [[noreturn]] void fail(const char* why) {
    throw std::runtime_error(std::string("json: ") + why + " at " + std::to_string(pos_));
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w)
      return false;
    pos_ += w.size();
    return true;
  }
  value any() {
    ws();
    if (pos_ >= s_.size())
      fail("unexpected end");
    char c = s_[pos_];
    if (c == '{')
      return obj();
    if (c == '[')
      return arr();
    if (c == '"')
      return value{str()};
    if (word("null"))
      return value{};
    if (word("true"))
      return value{true};
    if (word("false"))
      return value{false};
    return num();
  }
  value obj() {
    ++pos_;
    object o;
    if (eat('}'))
      return value{std::move(o)};
    do {
      ws();
      std::string k = str();
      if (!eat(':'))
        fail("expected ':'");
      o.push_back(member{std::move(k), any()});
    } while (eat(','));
    if (!eat('}'))
      fail("expected '}'");
    return value{std::move(o)};
  }
  value arr() {
    ++pos_;
    array a;
    if (eat(']'))
      return value{std::move(a)};
    do
      a.push_back(any());
    while (eat(','));
    if (!eat(']'))
      fail("expected ']'");
    return value{std::move(a)};
  }
  void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  unsigned hex4() {
    if (pos_ + 4 > s_.size())
      fail("short \\u escape");
    unsigned cp = static_cast<unsigned>(std::stoul(std::string(s_.substr(pos_, 4)), nullptr, 16));
    pos_ += 4;
    return cp;
  }
  std::string str() {
    if (pos_ >= s_.size() || s_[pos_] != '"')
      fail("expected string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      char e = s_[pos_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xd800 && cp < 0xdc00 && word("\\u"))
            cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4() - 0xdc00);
          utf8(out, cp);
          break;
        }
        default: out.push_back(e); // \" \\ \/
      }
    }
    if (pos_ >= s_.size())
      fail("unterminated string");
    ++pos_;
    return out;
  }
  value num() {
    std::size_t start = pos_;
    bool integral = true;
    while (pos_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos) {
      if (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')
        integral = false;
      ++pos_;
    }
    std::string text(s_.substr(start, pos_ - start));
    if (text.empty())
      fail("unexpected character");
    if (integral)
      return value{static_cast<std::int64_t>(std::stoll(text))};
    return value{std::stod(text)};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// JSON text to a value.
inline value json(std::string_view text) { return json_reader(text).read(); }

/// A query that must be valid.
inline query q(std::string_view text) {
  auto r = parse_query(json(text));
  INFO("query: " << text << " error: " << r.error);
  REQUIRE(r.ok());
  return *r.parsed;
}

/// The reason a query is invalid ("" when it is valid).
inline std::string reason(std::string_view text) { return parse_query(json(text)).error; }

/// Typed metadata from M-2 text `{"k": {"type": "integer", "value": 5}}`,
/// without M-3 validation (reserved keys allowed, values stored as given).
inline metadata md(std::string_view text) {
  metadata out;
  value parsed = json(text);
  for (const auto& m : parsed.as_object()) {
    auto t = parse_mtype(m.val.find("type")->as_string());
    REQUIRE(t.has_value());
    out.insert_or_assign(m.key, entry{*t, *m.val.find("value")});
  }
  return out;
}

} // namespace sy::query::test
