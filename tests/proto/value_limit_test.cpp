// E-9's value limit (proto/decode_budget): a frame may decode to at most
// value_limit(its size) values, an object member counting twice, in every
// encoding; one more is a decode error (X-3) with the same text.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "proto/decode_budget.hpp"
#include "proto/etf_codec.hpp"
#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "proto/msgpack_codec.hpp"

namespace proto = sy::proto;
using sy::query::value;

namespace {

constexpr std::size_t limit = proto::min_value_limit;

std::string be32(std::size_t n) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
  return s;
}

/// A msgpack array32 of `n` nils.
std::string msgpack_nils(std::size_t n) { return "\xdd" + be32(n) + std::string(n, '\xc0'); }

/// A JSON array of `n` zeros.
std::string json_zeros(std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i)
    s += i ? ",0" : "0";
  return s + "]";
}

/// An ETF list (LIST_EXT) of `n` empty lists (NIL_EXT).
std::string etf_empty_lists(std::size_t n) { return "\x83l" + be32(n) + std::string(n + 1, 'j'); }

struct outcome {
  bool ok;
  std::string error;
  std::size_t elements = 0;
};

outcome decode(bool (*parse)(std::string_view, value&, std::string&), const std::string& bytes) {
  value v;
  std::string err;
  bool ok = parse(bytes, v, err);
  return {ok, err, ok && v.is_array() ? v.as_array().size() : 0};
}

std::string refusal(const char* format) {
  return std::string("invalid ") + format + ": more than " + std::to_string(limit) + " values in one frame (E-9)";
}

} // namespace

TEST_CASE("the limit is 2^21 values for frames up to 16 MiB and one per 8 bytes past that") {
  CHECK(proto::value_limit(0) == limit);
  CHECK(proto::value_limit(16u << 20) == limit);
  CHECK(proto::value_limit(64u << 20) == (8u << 20));
}

TEST_CASE("msgpack: an array of limit - 1 nils decodes, one of limit nils is refused") {
  auto ok = decode(proto::parse_msgpack, msgpack_nils(limit - 1)); // with the array itself: limit values
  CHECK(ok.ok);
  CHECK(ok.elements == limit - 1);
  auto bad = decode(proto::parse_msgpack, msgpack_nils(limit));
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == refusal("msgpack") + " at offset 0");
}

TEST_CASE("msgpack: a map member counts twice, and nested containers add up") {
  auto map_of = [](std::size_t n) {
    std::string s = "\xdf" + be32(n);
    for (std::size_t i = 0; i < n; ++i)
      s += "\xa0\xc0"; // "": nil
    return s;
  };
  CHECK(decode(proto::parse_msgpack, map_of((limit - 1) / 2)).error.empty());
  CHECK(decode(proto::parse_msgpack, map_of((limit - 1) / 2 + 1)).error.rfind(refusal("msgpack"), 0) == 0);
  // [[nil x k], [nil x k]]: 1 + 2 + 2k values
  auto two = [](std::size_t k) { return "\x92" + msgpack_nils(k) + msgpack_nils(k); };
  CHECK(decode(proto::parse_msgpack, two((limit - 3) / 2)).ok);
  auto bad = decode(proto::parse_msgpack, two((limit - 3) / 2 + 1));
  CHECK_FALSE(bad.ok);
  // the second inner array is the one that crosses the limit
  CHECK(bad.error == refusal("msgpack") + " at offset " + std::to_string(1 + 5 + (limit - 3) / 2 + 1));
}

TEST_CASE("ETF: a list of limit - 1 empty lists decodes, one more is refused; STRING_EXT counts its bytes") {
  CHECK(decode(proto::parse_etf, etf_empty_lists(limit - 1)).elements == limit - 1);
  CHECK(decode(proto::parse_etf, etf_empty_lists(limit)).error == refusal("ETF") + " at offset 1");
  auto strings = [](std::size_t n) {
    std::string s = "\x83l" + be32(n);
    for (std::size_t i = 0; i < n; ++i)
      s += "k\xff\xff" + std::string(65535, 'a');
    return s + "j";
  };
  // 1 + 32 + 32 * 65535 = limit + 1 values; one string fewer fits
  CHECK(decode(proto::parse_etf, strings(31)).ok);
  CHECK(decode(proto::parse_etf, strings(32)).error.rfind(refusal("ETF"), 0) == 0);
}

TEST_CASE("JSON: an array of limit - 1 zeros decodes, one of limit zeros is refused") {
  auto ok = decode(proto::parse_json, json_zeros(limit - 1));
  CHECK(ok.ok);
  CHECK(ok.elements == limit - 1);
  CHECK(decode(proto::parse_json, json_zeros(limit)).error == refusal("JSON"));
}

TEST_CASE("JSON: commas, colons and brackets inside strings are not values") {
  std::string s = R"(["\"[{,:)" + std::string(5u << 20, ',') + R"(\\", {"a": "]}"}])";
  auto r = decode(proto::parse_json, s);
  CHECK(r.ok);
  CHECK(r.elements == 2);
}

TEST_CASE("a frame's payload kept as text counts too, in every encoding") {
  // The payload of a JSON SEND is not built when the frame is decoded, but
  // it is when it goes to a msgpack or ETF receiver: it counts all the same.
  std::string json = R"({"op":4,"t":"SEND","d":{"target":{"application":"a"},"payload":)" + json_zeros(limit)
                     + "}}";
  proto::client_frame f;
  auto res = proto::decode_frame(proto::encoding::json, json, f);
  CHECK_FALSE(res.ok);
  CHECK(res.error == refusal("JSON"));
  std::string small = R"({"op":4,"t":"SEND","d":{"target":{"application":"a"},"payload":)"
                      + json_zeros(limit / 2) + "}}";
  proto::client_frame g;
  CHECK(proto::decode_frame(proto::encoding::json, small, g).ok);
  // msgpack: {"op": 5, "d": [nil x limit]}
  std::string mp = std::string("\x82\xa2op\x05\xa1") + "d" + msgpack_nils(limit);
  proto::client_frame h;
  auto m = proto::decode_frame(proto::encoding::msgpack, mp, h);
  CHECK_FALSE(m.ok);
  CHECK(m.error.rfind(refusal("msgpack"), 0) == 0);
  // ETF: #{op => 5, d => [[] x limit]}
  std::string etf = std::string("\x83t\x00\x00\x00\x02", 6) + "w\x02opa\x05w\x01" "d" + etf_empty_lists(limit).substr(1);
  proto::client_frame k;
  auto e = proto::decode_frame(proto::encoding::etf, etf, k);
  CHECK_FALSE(e.ok);
  CHECK(e.error.rfind(refusal("ETF"), 0) == 0);
}

TEST_CASE("JSON: an empty array or object is one value, as in msgpack") {
  // [[], [], ...]: 1 + n values; 4 MiB and more of them are counted
  auto empties = [](std::size_t n) {
    std::string s = "[";
    for (std::size_t i = 0; i < n; ++i)
      s += i ? ",[ ]" : "{}";
    return s + "]";
  };
  CHECK(decode(proto::parse_json, empties(limit - 1)).elements == limit - 1);
  CHECK(decode(proto::parse_json, empties(limit)).error == refusal("JSON"));
}

TEST_CASE("node-to-node JSON (proto/peer_wire) is not limited: its frames passed the limit where they came in") {
  value v;
  std::string err;
  CHECK(proto::parse_json_unlimited(json_zeros(limit + 10), v, err));
  CHECK(v.as_array().size() == limit + 10);
  CHECK(err.empty());
}
