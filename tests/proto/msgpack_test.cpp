// proto/msgpack: E-3's mapping and E-9's limits, checked against byte
// sequences written by hand from the MessagePack specification (spec.md of
// msgpack/msgpack), not only against what our own encoder produces.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "proto/frame.hpp"
#include "proto/msgpack_codec.hpp"
#include "query/value.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/decode_checks.hpp"

namespace proto = sy::proto;
using sy::query::array;
using sy::query::object;
using sy::query::value;

namespace {

using sy::test::hx;

constexpr std::size_t shown = 60; // bytes of an input that a hex dump shows

std::string printable(std::string_view s) { return sy::test::hex_dump(s, shown); }

value parse_ok(std::string_view bytes) { return sy::test::decode_ok(proto::parse_msgpack, bytes, shown); }

std::string parse_fails(std::string_view bytes) {
  return sy::test::decode_fails(proto::parse_msgpack, "invalid msgpack: ", bytes, shown);
}

// `depth` nested arrays: (depth-1) one-element fixarrays around an empty one.
std::string nested_arrays(int depth) { return std::string(depth - 1, '\x91') + hx("90"); }

// `depth` nested maps {"a": {"a": ... 1}}.
std::string nested_maps(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += hx("81 a1 61");
  return s + hx("01");
}

} // namespace

TEST_SUITE("proto.msgpack") {

TEST_CASE("fixints and every int and uint width decode to integers (E-3, M-1)") {
  struct { const char* bytes; std::int64_t want; } cases[] = {
    {"00", 0}, {"7f", 127}, {"ff", -1}, {"e0", -32},
    {"cc ff", 255}, {"cd 01 00", 256}, {"ce 00 01 00 00", 65536}, {"ce ff ff ff ff", 4294967295LL},
    {"cf 00 00 00 01 00 00 00 00", 4294967296LL},
    {"cf 7f ff ff ff ff ff ff ff", std::numeric_limits<std::int64_t>::max()},
    {"d0 80", -128}, {"d0 7f", 127}, {"d1 80 00", -32768}, {"d2 80 00 00 00", INT32_MIN},
    {"d3 80 00 00 00 00 00 00 00", std::numeric_limits<std::int64_t>::min()},
    {"d3 7f ff ff ff ff ff ff ff", std::numeric_limits<std::int64_t>::max()},
    {"d3 ff ff ff ff ff ff ff fe", -2},
  };
  for (const auto& c : cases) {
    CAPTURE(c.bytes);
    value v = parse_ok(hx(c.bytes));
    REQUIRE(v.is_int());
    CHECK(v.as_int() == c.want);
  }
}

TEST_CASE("float 32 and float 64 decode to floats even when integral (E-3, M-1)") {
  value one = parse_ok(hx("cb 3f f0 00 00 00 00 00 00"));
  REQUIRE(one.is_float());
  CHECK(one.as_float() == 1.0);
  value half = parse_ok(hx("ca 3f c0 00 00"));
  REQUIRE(half.is_float());
  CHECK(half.as_float() == 1.5);
  CHECK(parse_ok(hx("cb 40 09 21 fb 54 44 2d 18")).as_float() == 3.141592653589793);
  CHECK(parse_ok(hx("cb c0 04 00 00 00 00 00 00")).as_float() == -2.5);
}

TEST_CASE("a uint 64 past int64 becomes a float, as a JSON integer past int64 does (M-1)") {
  value v = parse_ok(hx("cf 80 00 00 00 00 00 00 00"));
  REQUIRE(v.is_float());
  CHECK(v.as_float() == 9223372036854775808.0);
  CHECK(parse_ok(hx("cf ff ff ff ff ff ff ff ff")).is_float());
}

TEST_CASE("nil is null and false/true are booleans (E-3)") {
  CHECK(parse_ok(hx("c0")).is_null());
  CHECK(parse_ok(hx("c2")) == value{false});
  CHECK(parse_ok(hx("c3")) == value{true});
}

TEST_CASE("str and bin of every width both decode to strings (E-3)") {
  for (const char* head : {"a3", "d9 03", "da 00 03", "db 00 00 00 03", "c4 03", "c5 00 03", "c6 00 00 00 03"}) {
    CAPTURE(head);
    value v = parse_ok(hx(head) + "abc");
    REQUIRE(v.is_string());
    CHECK(v.as_string() == "abc");
  }
  CHECK(parse_ok(hx("a0")) == value{""});
  CHECK(parse_ok(hx("c4 00")) == value{""});
  CHECK(parse_ok(hx("a2 c3 a9")) == value{"\xc3\xa9"});       // U+00E9
  CHECK(parse_ok(hx("c4 04 f0 9d 84 9e")) == value{"\xf0\x9d\x84\x9e"}); // U+1D11E as bin
}

TEST_CASE("arrays and maps of every width decode with their order kept, str and bin keys alike (E-3)") {
  CHECK(parse_ok(hx("93 01 02 03")) == value{array{1, 2, 3}});
  CHECK(parse_ok(hx("dc 00 02 c0 c3")) == value{array{nullptr, true}});
  CHECK(parse_ok(hx("dd 00 00 00 01 cb 3f f8 00 00 00 00 00 00")) == value{array{1.5}});
  CHECK(parse_ok(hx("90")) == value{array{}});
  CHECK(parse_ok(hx("80")) == value{object{}});

  value m = parse_ok(hx("82 a1 62 01 a1 61 02"));
  REQUIRE(m.is_object());
  REQUIRE(m.as_object().size() == 2);
  CHECK(m.as_object()[0].key == "b");
  CHECK(m.as_object()[1].key == "a");
  CHECK(m.as_object()[1].val == value{2});

  CHECK(parse_ok(hx("de 00 01 a1 6b c0")) == value{object{{"k", nullptr}}});
  CHECK(parse_ok(hx("df 00 00 00 01 a1 6b 90")) == value{object{{"k", array{}}}});
  CHECK(parse_ok(hx("81 c4 01 6b 05")) == value{object{{"k", 5}}});
  CHECK(parse_ok(hx("81 d9 01 6b 05")) == value{object{{"k", 5}}});
}

TEST_CASE("a msgpack client frame decodes like its JSON twin and a non-map frame is G-5's error (E-3, G-4, G-5)") {
  // {"op": 1, "d": {"client_id": "c", "application_id": "a"}}
  std::string bytes = hx("82 a2") + "op" + hx("01 a1") + "d" + hx("82 a9") + "client_id" + hx("a1") + "c"
                      + hx("ae") + "application_id" + hx("a1") + "a";
  CHECK(proto::is_supported(proto::encoding::msgpack)); // E-1: the upgrade is accepted
  proto::client_frame f;
  auto r = proto::decode_frame(proto::encoding::msgpack, bytes, f);
  REQUIRE(r.ok);
  CHECK(f.opcode == 1);
  REQUIRE(f.d());
  CHECK(*f.d() == value{object{{"client_id", "c"}, {"application_id", "a"}}});

  for (const char* other : {"01", "90", "c0", "a1 78", "cb 3f f0 00 00 00 00 00 00"}) {
    CAPTURE(other);
    proto::client_frame g;
    auto res = proto::decode_frame(proto::encoding::msgpack, hx(other), g);
    CHECK_FALSE(res.ok);
    CHECK(res.error == "decode: payload: unrecoverable");
  }
}

TEST_CASE("integers are written in their smallest form and floats as float 64 (E-3)") {
  struct { std::int64_t v; const char* bytes; } ints[] = {
    {0, "00"}, {127, "7f"}, {128, "cc 80"}, {255, "cc ff"}, {256, "cd 01 00"}, {65535, "cd ff ff"},
    {65536, "ce 00 01 00 00"}, {4294967295LL, "ce ff ff ff ff"}, {4294967296LL, "cf 00 00 00 01 00 00 00 00"},
    {-1, "ff"}, {-32, "e0"}, {-33, "d0 df"}, {-128, "d0 80"}, {-129, "d1 ff 7f"}, {-32768, "d1 80 00"},
    {-32769, "d2 ff ff 7f ff"}, {INT32_MIN, "d2 80 00 00 00"}, {-2147483649LL, "d3 ff ff ff ff 7f ff ff ff"},
    {std::numeric_limits<std::int64_t>::min(), "d3 80 00 00 00 00 00 00 00"},
    {std::numeric_limits<std::int64_t>::max(), "cf 7f ff ff ff ff ff ff ff"},
  };
  for (const auto& c : ints) {
    CAPTURE(c.v);
    CHECK(printable(proto::to_msgpack(value{c.v})) == printable(hx(c.bytes)));
  }
  CHECK(proto::to_msgpack(value{1.0}) == hx("cb 3f f0 00 00 00 00 00 00"));
  CHECK(proto::to_msgpack(value{-2.5}) == hx("cb c0 04 00 00 00 00 00 00"));
  CHECK(proto::to_msgpack(value{}) == hx("c0"));
  CHECK(proto::to_msgpack(value{false}) == hx("c2"));
  CHECK(proto::to_msgpack(value{true}) == hx("c3"));
}

TEST_CASE("strings, arrays and maps use the fix, 8, 16 and 32 forms at their boundaries, keys as str (E-3)") {
  CHECK(proto::to_msgpack(value{""}) == hx("a0"));
  CHECK(proto::to_msgpack(value{std::string(31, 'x')}) == hx("bf") + std::string(31, 'x'));
  CHECK(proto::to_msgpack(value{std::string(32, 'x')}) == hx("d9 20") + std::string(32, 'x'));
  CHECK(proto::to_msgpack(value{std::string(255, 'x')}) == hx("d9 ff") + std::string(255, 'x'));
  CHECK(proto::to_msgpack(value{std::string(256, 'x')}) == hx("da 01 00") + std::string(256, 'x'));
  CHECK(proto::to_msgpack(value{std::string(65536, 'x')}) == hx("db 00 01 00 00") + std::string(65536, 'x'));

  CHECK(proto::to_msgpack(value{array{}}) == hx("90"));
  CHECK(proto::to_msgpack(value{array(15, value{})}) == hx("9f") + std::string(15, '\xc0'));
  CHECK(proto::to_msgpack(value{array(16, value{})}) == hx("dc 00 10") + std::string(16, '\xc0'));
  CHECK(proto::to_msgpack(value{array(65536, value{1})}) == hx("dd 00 01 00 00") + std::string(65536, '\x01'));

  CHECK(proto::to_msgpack(value{object{}}) == hx("80"));
  CHECK(proto::to_msgpack(value{object{{"k", 1}, {"j", "v"}}}) == hx("82 a1 6b 01 a1 6a a1 76"));
  object sixteen;
  std::string want = hx("de 00 10");
  for (int i = 0; i < 16; ++i) {
    std::string k(1, static_cast<char>('a' + i));
    sixteen.push_back({k, value{}});
    want += hx("a1") + k + hx("c0");
  }
  CHECK(proto::to_msgpack(value{sixteen}) == want);
}

TEST_CASE("a server frame is a map with str keys d, op, t, ts in that order (E-3, G-2, G-3)") {
  // hello: {"d": {"heartbeat_interval": 45000}, "op": 0, "t": nil, "ts": 1700000000000}
  std::string want = hx("84 a1") + "d" + hx("81 b2") + "heartbeat_interval" + hx("cd af c8 a2") + "op" + hx("00 a1")
                     + "t" + hx("c0 a2") + "ts" + hx("cf 00 00 01 8b cf e5 68 00");
  CHECK(printable(proto::encode_frame(proto::encoding::msgpack, proto::hello(45000, 1700000000000LL)))
        == printable(want));

  auto d = proto::dispatch("SEND", value{object{{"nonce", nullptr}, {"payload", 1.0}, {"target", nullptr}}}, 5);
  std::string send = hx("84 a1") + "d" + hx("83 a5") + "nonce" + hx("c0 a7") + "payload"
                     + hx("cb 3f f0 00 00 00 00 00 00 a6") + "target" + hx("c0 a2") + "op" + hx("04 a1") + "t"
                     + hx("a4") + "SEND" + hx("a2") + "ts" + hx("05");
  CHECK(printable(proto::encode_frame(proto::encoding::msgpack, d)) == printable(send));
}

TEST_CASE("every kind survives a round trip through the encoder and the decoder (E-3, M-1)") {
  value v{object{
    {"null", nullptr}, {"t", true}, {"f", false}, {"i", std::int64_t{-5000000000LL}}, {"fl", 5.0},
    {"s", "h\xc3\xa9llo"}, {"a", array{1, 2.5, "x", array{}, object{}}},
    {"o", object{{"z", 1}, {"a", object{{"deep", array{nullptr}}}}}},
    {"min", std::numeric_limits<std::int64_t>::min()}, {"max", std::numeric_limits<std::int64_t>::max()},
  }};
  value back = parse_ok(proto::to_msgpack(v));
  CHECK(back == v);
  CHECK(back.find("fl")->is_float());
  CHECK(back.find("i")->is_int());
  CHECK(back.as_object()[0].key == "null"); // order kept
}

TEST_CASE("nesting of exactly 64 levels is accepted and 65 levels are rejected (E-9)") {
  CHECK(parse_ok(nested_arrays(64)).is_array());
  CHECK(parse_fails(nested_arrays(65)).find("64") != std::string::npos);
  CHECK(parse_ok(nested_maps(64)).is_object());
  parse_fails(nested_maps(65));
  // A very deep input fails at level 65, whatever follows.
  parse_fails(std::string(200000, '\x91'));
}

TEST_CASE("a declared length that exceeds the frame is refused before anything is reserved (E-9)") {
  // Each of these would ask for gigabytes if the length were trusted.
  for (const char* bytes : {"dd ff ff ff ff 01", "df ff ff ff ff a1 61 01", "db ff ff ff ff 61", "c6 ff ff ff ff 61",
                            "dc ff ff 01 02", "de ff ff a1 61 01"}) {
    CAPTURE(bytes);
    CHECK(parse_fails(hx(bytes)).find("exceeds the frame") != std::string::npos);
  }
}

TEST_CASE("malformed msgpack of every kind is a decode error with a message (E-3, E-9, X-3)") {
  struct { const char* why; std::string bytes; } table[] = {
    {"empty input", ""},
    {"truncated str", hx("a3 61 62")},
    {"truncated uint 16", hx("cd 01")},
    {"truncated float 64", hx("cb 00 00")},
    {"truncated float 32", hx("ca 00")},
    {"truncated int 64", hx("d3 00 00 00")},
    {"truncated array", hx("92 01")},
    {"truncated map value", hx("81 a1 61")},
    {"truncated map key", hx("82 a1 61 01")},
    {"truncated array 16 header", hx("dc 00")},
    {"truncated str 8 header", hx("d9")},
    {"truncated map 32 header", hx("df 00 00")},
    {"bin longer than the frame", hx("c4 05 61")},
    {"fixarray longer than the frame", hx("9f 01 02")},
    {"never-used type byte", hx("c1")},
    {"fixext 1", hx("d4 01 00")},
    {"fixext 2", hx("d5 01 00 00")},
    {"fixext 4 (timestamp)", hx("d6 ff 00 00 00 00")},
    {"fixext 8", hx("d7 01 00 00 00 00 00 00 00 00")},
    {"fixext 16", hx("d8 01") + std::string(16, '\0')},
    {"ext 8", hx("c7 01 01 00")},
    {"ext 16", hx("c8 00 01 01 00")},
    {"ext 32", hx("c9 00 00 00 01 01 00")},
    {"ext inside a map", hx("81 a1 61 d4 01 00")},
    {"65 nested arrays", nested_arrays(65)},
    {"65 nested maps", nested_maps(65)},
    {"str not UTF-8", hx("a1 ff")},
    {"str with a lead byte and no continuation", hx("a2 c3 28")},
    {"str with an encoded surrogate", hx("a3 ed a0 80")},
    {"str with an overlong form", hx("a2 c0 af")},
    {"str past U+10FFFF", hx("a4 f4 90 80 80")},
    {"bin not UTF-8", hx("c4 01 ff")},
    {"key not UTF-8", hx("81 a1 ff 01")},
    {"bin key not UTF-8", hx("81 c4 01 80 01")},
    {"integer key", hx("81 01 01")},
    {"nil key", hx("81 c0 01")},
    {"boolean key", hx("81 c3 01")},
    {"float key", hx("81 cb 3f f0 00 00 00 00 00 00 01")},
    {"array key", hx("81 90 01")},
    {"map key", hx("81 80 01")},
    {"ext key", hx("81 d4 01 00 01")},
    {"data after the value", hx("01 01")},
    {"a second value after a map", hx("80 c0")},
    {"NaN", hx("cb 7f f8 00 00 00 00 00 00")},
    {"infinity as float 32", hx("ca 7f 80 00 00")},
    {"huge array", hx("dd ff ff ff ff")},
    {"huge map", hx("df ff ff ff ff")},
    {"huge str", hx("db ff ff ff ff")},
  };
  for (const auto& c : table) {
    CAPTURE(c.why);
    parse_fails(c.bytes);
    // The frame decoder gives the same message, not G-5's.
    proto::client_frame f;
    auto r = proto::decode_frame(proto::encoding::msgpack, c.bytes, f);
    CHECK_FALSE(r.ok);
    CHECK(r.error != "decode: payload: unrecoverable");
    CHECK_FALSE(r.error.empty());
  }
}

} // TEST_SUITE
