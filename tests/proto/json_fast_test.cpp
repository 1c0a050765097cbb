// proto/json_fast: the RapidJSON-free common path must give exactly what the
// RapidJSON path gives (tree, kept text, accept or reject and the error
// text), on random documents, random frames and random corruptions of both.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>
#include <string>

#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "proto/json_fast.hpp"

using sy::query::value;
namespace proto = sy::proto;

namespace {

struct outcome {
  bool ok = false;
  value tree;
  std::string error;
  std::string raw;
  bool operator==(const outcome&) const = default;
};

/// Through the public entry (fast path first) and through RapidJSON alone.
outcome decoded(const std::string& text, bool full, std::string_view outer, std::string_view inner) {
  outcome o;
  std::string_view raw;
  o.ok = full ? proto::parse_json_keeping_full(text, o.tree, o.error, raw, outer, inner)
              : proto::parse_json_keeping(text, o.tree, o.error, raw, outer, inner);
  o.raw = std::string(raw);
  return o;
}

/// Both ways agree, as a frame (d.payload kept), as a peer delivery (top
/// `payload` kept) and as a plain document.
void same_both_ways(const std::string& text) {
  INFO(text);
  for (auto [outer, inner] : {std::pair<std::string_view, std::string_view>{"d", "payload"},
                              {"", "payload"},
                              {"", "\x01none"}}) {
    outcome fast = decoded(text, false, outer, inner);
    outcome full = decoded(text, true, outer, inner);
    CHECK(fast.ok == full.ok);
    CHECK(fast.error == full.error);
    CHECK(fast.raw == full.raw);
    CHECK(fast.tree == full.tree);
  }
  value a, b;
  std::string ea, eb;
  std::string_view none;
  CHECK(proto::parse_json(text, a, ea) == proto::parse_json_keeping_full(text, b, eb, none, "", "\x01"));
  CHECK(a == b);
  CHECK(ea == eb);
}

proto::keep_spec keeping(std::string_view* raw, std::string_view outer, std::string_view inner) {
  proto::keep_spec k;
  k.raw = raw;
  k.outer = outer;
  k.inner = inner;
  return k;
}

bool fast_takes(const std::string& text, std::string_view outer = "d", std::string_view inner = "payload") {
  value v;
  std::string_view raw;
  return proto::parse_json_fast(text, v, keeping(&raw, outer, inner));
}

std::string ws(std::mt19937& rng) { return std::string(rng() % 3, " \t\n\r"[rng() % 4]); }

std::string random_number(std::mt19937& rng) {
  switch (rng() % 9) {
    case 0: return "0";
    case 1: return "-0";
    case 2: return std::to_string(static_cast<long long>(rng()) - (1LL << 31));
    case 3: return "123456789012345678";   // 18 digits
    case 4: return "9223372036854775807";  // 19 digits, int64's largest
    case 5: return "-9223372036854775808";
    case 6: return "18446744073709551616"; // past uint64
    case 7: {
      static const char* big[] = {"1e308", "1e309", "1e400", "-2E+300", "3e301", "1e-400", "1.5e-99999999999",
                                  "0.000001e310", "1.0000000000000000000001e308"};
      if (rng() % 4 == 0)
        return "1" + std::string(rng() % 2 ? 299 : 320, '0') + (rng() % 2 ? ".5" : "");
      return big[rng() % (sizeof(big) / sizeof(big[0]))];
    }
    default:
      return std::to_string(rng() % 1000) + (rng() % 2 ? ".5" : "e" + std::to_string(static_cast<int>(rng() % 30) - 15));
  }
}

std::string random_string(std::mt19937& rng) {
  static const char* parts[] = {"a", "payload", "d", "\\n", "\\\"", "\\/", "\\\\", "\\t", "\\u00e9",
                                "\\ud83d\\ude00", "é", "한", "x y", "\\b\\f\\r",
                                "a long run of plain bytes, more than sixteen of them"};
  std::string s = "\"";
  int n = static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i)
    s += parts[rng() % (sizeof(parts) / sizeof(parts[0]))];
  return s + "\"";
}

std::string random_json(std::mt19937& rng, int depth) {
  int kind = static_cast<int>(rng() % (depth > 0 ? 7 : 5));
  switch (kind) {
    case 0: return rng() % 2 ? "null" : "true";
    case 1: return "false";
    case 2: return random_number(rng);
    case 3:
    case 4: return random_string(rng);
    case 5: {
      std::string s = "[" + ws(rng);
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i)
        s += (i ? "," : "") + ws(rng) + random_json(rng, depth - 1) + ws(rng);
      return s + "]";
    }
    default: {
      std::string s = "{" + ws(rng);
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i)
        s += (i ? "," : "") + ws(rng) + (rng() % 3 ? random_string(rng) : std::string("\"payload\"")) + ws(rng) +
             ":" + ws(rng) + random_json(rng, depth - 1) + ws(rng);
      return s + "}";
    }
  }
}

/// A SEND-like frame, its members in random order, sometimes duplicated.
std::string random_frame(std::mt19937& rng) {
  std::vector<std::string> d = {"\"target\":" + random_json(rng, 3), "\"nonce\":" + random_json(rng, 0),
                                "\"payload\"" + ws(rng) + ":" + ws(rng) + random_json(rng, 4)};
  if (rng() % 8 == 0)
    d.push_back("\"payload\":" + random_json(rng, 1));
  std::shuffle(d.begin(), d.end(), rng);
  std::string body = "{" + ws(rng);
  for (std::size_t i = 0; i < d.size(); ++i)
    body += (i ? "," + ws(rng) : "") + d[i];
  body += ws(rng) + "}";
  std::vector<std::string> top = {"\"op\":4", "\"t\":\"SEND\"", "\"d\"" + ws(rng) + ":" + ws(rng) + body};
  if (rng() % 8 == 0)
    top.push_back("\"d\":" + random_json(rng, 2));
  std::shuffle(top.begin(), top.end(), rng);
  std::string s = ws(rng) + "{";
  for (std::size_t i = 0; i < top.size(); ++i)
    s += (i ? "," : "") + top[i];
  return s + "}" + ws(rng);
}

/// One random byte deleted, inserted or replaced.
std::string corrupt(std::mt19937& rng, std::string s) {
  static const char noise[] = "{}[]:,\"\\0123456789-+.eEtfnul \x01\x7f";
  std::size_t at = s.empty() ? 0 : rng() % s.size();
  char c = noise[rng() % (sizeof(noise) - 1)];
  switch (rng() % 3) {
    case 0:
      if (!s.empty())
        s.erase(at, 1);
      break;
    case 1: s.insert(at, 1, c); break;
    default:
      if (!s.empty())
        s[at] = c;
  }
  return s;
}

} // namespace

TEST_SUITE("proto.json_fast") {

TEST_CASE("a usual SEND frame takes the fast path, its payload kept as text") {
  std::string text = R"({"op":4,"t":"SEND","d":{"target":{"application":"bench","ops":[{"path":"/id","op":"$eq","to":{"value":17}}]},)"
                     R"("nonce":"n-1","payload":{"seq":1,"ts":1733000000000,"pad":"xxxxxxxx","f":1.25}}})";
  value v;
  std::string_view raw;
  REQUIRE(proto::parse_json_fast(text, v, keeping(&raw, "d", "payload")));
  CHECK(raw == R"({"seq":1,"ts":1733000000000,"pad":"xxxxxxxx","f":1.25})");
  same_both_ways(text);
}

TEST_CASE("the fast path declines what RapidJSON must decide, and the result is the same") {
  // Floats and big integers outside the kept member, \u escapes outside it,
  // duplicate kept members, -0, too deep, and every kind of invalid JSON.
  for (std::string text : std::vector<std::string>{R"({"d":{"target":1.5,"payload":1}})", R"({"d":{"target":12345678901234567890,"payload":1}})",
                           R"({"d":{"target":-0,"payload":1}})", R"({"d":{"target":"\u00e9","payload":1}})",
                           R"({"d":{"payload":1},"t":"\u00e9"})", R"({"d":{"payload":1,"payload":2}})",
                           R"({"d":{"payload":1},"d":{"payload":2}})", R"({"d":{"payload":01}})", R"({"d":{"payload":1,}})",
                           R"({"d":{"payload":[1,]}})", "{\"d\":{\"payload\":\"a\tb\"}}", R"({"d":{"payload":tru}})",
                           R"({"d":{"payload":1}} x)", R"({"d":{"payload":1}})" "\x0b", "", " ", "{", "[1,2", "\"\\x\"",
                           std::string(65, '[') + std::string(65, ']')}) {
    CHECK_FALSE(fast_takes(text));
    same_both_ways(text);
  }
}

TEST_CASE("the fast path takes floats and simple escapes inside the kept member, and nesting up to 64 levels") {
  for (std::string text : std::vector<std::string>{R"({"d":{"payload":[1.5e3,-0,0.25,12345678901234567890]}})", R"({"d":{"payload":"a\"b\\c\/\n"}})",
                           R"({"d":{"target":"a\"b\\c\/\n\t\r\b\f","payload":null}})",
                           R"({"d":{"payload":)" + std::string(62, '[') + std::string(62, ']') + "}}",
                           std::string(64, '[') + std::string(64, ']')}) {
    CHECK(fast_takes(text));
    same_both_ways(text);
  }
  std::string deep = R"({"d":{"payload":)" + std::string(63, '[') + std::string(63, ']') + "}}";
  CHECK_FALSE(fast_takes(deep));
  same_both_ways(deep);
}

TEST_CASE("\\u escapes inside the kept member: taken when valid, every surrogate mistake left to RapidJSON") {
  // Each range edge on both sides: D7FF and E000 are plain code points,
  // D800-DBFF must be followed by an escaped DC00-DFFF.
  for (std::string esc : {"\\u00e9", "\\u00E9", "\\uFFFF", "\\u0000", "\\ud55c\\uae00", "\\ud83d\\ude00",
                          "\\uD83D\\uDE00", "\\uD83D\\ude00", "x\\u0041y", "\\ud7ff", "\\ue000", "\\ud800\\udc00",
                          "\\udbff\\udfff"}) {
    std::string text = R"({"d":{"payload":{"s":")" + esc + R"(","k":[")" + esc + R"("],")" + esc + R"(":1}}})";
    INFO(text);
    CHECK(fast_takes(text));
    same_both_ways(text);
  }
  for (std::string esc : {"\\ud83d", "\\ude00", "\\ud83d\\u0041", "\\ud83dx", "\\ud83d\\n", "\\ude00\\ud83d",
                          "\\u00g9", "\\u00e", "\\u", "\\ud83d\\ude0", "\\ud800", "\\udbff", "\\udc00", "\\udfff",
                          "\\ude00\\ude00", "\\ud83d\\udbff", "\\ud83d\\ue000", "\\ud83d\\ud83d\\ude00"}) {
    std::string text = R"({"d":{"payload":")" + esc + R"("}})";
    INFO(text);
    CHECK_FALSE(fast_takes(text));
    same_both_ways(text);
    same_both_ways(R"({"d":{"payload":")" + esc);  // cut off after it
  }
  same_both_ways(R"({"d":{"payload":"\u00e9)"); // an accepted escape, then the end of the text
  same_both_ways(R"({"d":{"payload":"\ud83d\ude00)");
}

TEST_CASE("strings of every length up to 40, with a quote, escape, control or non-ASCII byte anywhere") {
  // Plain runs are scanned sixteen bytes at a time: every position of the
  // byte that ends a run, on both sides of each block boundary.
  for (std::string special : {"\\\"", "\\n", "\x01", "\x1f", "\x7f", "é", "\"", "\\"}) {
    for (std::size_t len = 0; len <= 40; ++len) {
      for (std::size_t at = 0; at <= len; ++at) {
        std::string body = std::string(at, 'x') + special + std::string(len - at, 'y');
        same_both_ways("{\"d\":{\"target\":\"" + body + "\",\"payload\":\"" + body + "\"}}");
      }
    }
  }
}

TEST_CASE("random documents decode the same both ways") {
  std::mt19937 rng(11);
  int taken = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = random_json(rng, 5);
    taken += fast_takes(text, "", "payload");
    same_both_ways(text);
  }
  CHECK(taken > 500); // the fast path is not declining everything
}

TEST_CASE("random frames decode the same both ways, the payload's text included") {
  std::mt19937 rng(12);
  int taken = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = random_frame(rng);
    taken += fast_takes(text);
    same_both_ways(text);
  }
  CHECK(taken > 300);
}

TEST_CASE("random corruptions of frames are accepted or rejected the same both ways, with the same error") {
  std::mt19937 rng(13);
  for (int round = 0; round < 4000; ++round) {
    std::string text = corrupt(rng, random_frame(rng));
    if (rng() % 4 == 0)
      text = corrupt(rng, text);
    same_both_ways(text);
  }
}

TEST_CASE("random frames, and corruptions of them, decode the same when their own target text is the known one") {
  // The known target (proto/frame's known_target) must change nothing a
  // reader of the materialized frame can see: tree, error, payload text.
  std::mt19937 rng(14);
  int kept = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = random_frame(rng);
    proto::client_frame first;
    proto::decode_frame(proto::encoding::json, text, first);
    std::string known(first.raw_target);
    if (round % 2)
      text = corrupt(rng, text);
    INFO(text);
    INFO("known: " << known);
    proto::client_frame plain, with;
    auto a = proto::decode_frame(proto::encoding::json, text, plain);
    auto b = proto::decode_frame(proto::encoding::json, text, with, std::string_view(known));
    CHECK(a.ok == b.ok);
    CHECK(a.error == b.error);
    kept += with.target_kept;
    CHECK(with.echo() == plain.echo());
    CHECK(std::string(with.raw_target) == std::string(plain.raw_target));
    with.materialize();
    plain.materialize();
    CHECK(with.body == plain.body);
  }
  CHECK(kept > 50); // about one frame in thirty: an object target, and the rest in the fast subset
}
}
