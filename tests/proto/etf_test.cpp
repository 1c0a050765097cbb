// proto/etf: E-4's mapping and E-9's limits, checked against byte sequences
// written by hand from Erlang/OTP's External Term Format documentation
// (erl_ext_dist), not only against what our own encoder produces.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "proto/etf_codec.hpp"
#include "proto/frame.hpp"
#include "query/value.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/decode_checks.hpp"

namespace proto = sy::proto;
using sy::query::array;
using sy::query::object;
using sy::query::value;

namespace {

using sy::test::hx;

constexpr std::size_t shown = 80; // bytes of an input that a hex dump shows

std::string printable(std::string_view s) { return sy::test::hex_dump(s, shown); }

// A term with the version byte in front.
std::string term(std::string_view body) { return hx("83") + std::string(body); }

// Encoded pieces used to spell terms by hand.
std::string atom(std::string_view name) { return hx("77") + std::string(1, static_cast<char>(name.size())) + std::string(name); }
std::string bin(std::string_view s) {
  std::string len = {0, 0, static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xff)};
  return hx("6d") + len + std::string(s);
}

value parse_ok(std::string_view bytes) { return sy::test::decode_ok(proto::parse_etf, bytes, shown); }

std::string parse_fails(std::string_view bytes) {
  return sy::test::decode_fails(proto::parse_etf, "invalid ETF: ", bytes, shown);
}

// `depth` nested lists: (depth-1) one-element LIST_EXTs around a NIL_EXT.
std::string nested_lists(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i)
    s += hx("6c 00 00 00 01");
  s += hx("6a");
  for (int i = 1; i < depth; ++i)
    s += hx("6a");
  return term(s);
}

// `depth` nested maps #{<<"a">> => #{... => 1}}.
std::string nested_maps(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += hx("74 00 00 00 01") + bin("a");
  return term(s + hx("61 01"));
}

} // namespace

TEST_SUITE("proto.etf") {

TEST_CASE("SMALL_INTEGER_EXT, INTEGER_EXT and bignums within int64 decode to integers (E-4, M-1)") {
  struct { const char* bytes; std::int64_t want; } cases[] = {
    {"61 00", 0}, {"61 ff", 255}, {"62 ff ff ff ff", -1}, {"62 00 00 01 00", 256},
    {"62 7f ff ff ff", INT32_MAX}, {"62 80 00 00 00", INT32_MIN},
    {"6e 05 00 00 e8 76 48 17", 100000000000LL},
    {"6e 06 00 00 68 e5 cf 8b 01", 1700000000000LL},
    {"6e 08 00 ff ff ff ff ff ff ff 7f", std::numeric_limits<std::int64_t>::max()},
    {"6e 08 01 00 00 00 00 00 00 00 80", std::numeric_limits<std::int64_t>::min()},
    {"6e 04 01 01 00 00 80", -2147483649LL},
    {"6e 00 00", 0},
    {"6e 0a 00 01 00 00 00 00 00 00 00 00 00", 1}, // leading zero digits are harmless
    {"6f 00 00 00 02 00 01 02", 513},
    {"6f 00 00 00 01 01 05", -5},
  };
  for (const auto& c : cases) {
    CAPTURE(c.bytes);
    value v = parse_ok(term(hx(c.bytes)));
    REQUIRE(v.is_int());
    CHECK(v.as_int() == c.want);
  }
}

TEST_CASE("a bignum outside int64 becomes a float and one past a double is a decode error (E-4, M-1)") {
  value v = parse_ok(term(hx("6e 08 00 00 00 00 00 00 00 00 80")));
  REQUIRE(v.is_float());
  CHECK(v.as_float() == 9223372036854775808.0);
  value w = parse_ok(term(hx("6e 09 00 00 00 00 00 00 00 00 00 01")));
  REQUIRE(w.is_float());
  CHECK(w.as_float() == 18446744073709551616.0);
  CHECK(parse_ok(term(hx("6e 08 01 01 00 00 00 00 00 00 80"))).as_float() == -9223372036854775809.0);
  parse_fails(term(hx("6f 00 00 00 c8 00") + std::string(200, '\xff')));
}

TEST_CASE("NEW_FLOAT_EXT decodes to a float even when integral (E-4, M-1)") {
  value one = parse_ok(term(hx("46 3f f0 00 00 00 00 00 00")));
  REQUIRE(one.is_float());
  CHECK(one.as_float() == 1.0);
  CHECK(parse_ok(term(hx("46 c0 04 00 00 00 00 00 00"))).as_float() == -2.5);
}

TEST_CASE("the atoms true, false and nil are booleans and null in every atom tag, other atoms their names (E-4)") {
  for (const char* head : {"77 04", "76 00 04", "73 04", "64 00 04"}) {
    CAPTURE(head);
    CHECK(parse_ok(term(hx(head) + "true")) == value{true});
  }
  CHECK(parse_ok(term(hx("77 05") + "false")) == value{false});
  CHECK(parse_ok(term(hx("64 00 05") + "false")) == value{false});
  CHECK(parse_ok(term(hx("77 03") + "nil")).is_null());
  CHECK(parse_ok(term(hx("73 03") + "nil")).is_null());
  CHECK(parse_ok(term(hx("77 02") + "ok")) == value{"ok"});
  CHECK(parse_ok(term(hx("77 00"))) == value{""});
  CHECK(parse_ok(term(hx("77 02 c3 a9"))) == value{"\xc3\xa9"}); // UTF-8 atom
  CHECK(parse_ok(term(hx("73 01 e9"))) == value{"\xc3\xa9"});    // Latin-1 atom, same name
  CHECK(parse_ok(term(hx("64 00 02 e9 41"))) == value{"\xc3\xa9" "A"});
}

TEST_CASE("binaries are strings, STRING_EXT a list of integers and NIL_EXT an empty array (E-4)") {
  CHECK(parse_ok(term(bin("abc"))) == value{"abc"});
  CHECK(parse_ok(term(hx("6d 00 00 00 00"))) == value{""});
  CHECK(parse_ok(term(hx("6d 00 00 00 02 c3 a9"))) == value{"\xc3\xa9"});
  CHECK(parse_ok(term(hx("6b 00 03 01 02 03"))) == value{array{1, 2, 3}});
  CHECK(parse_ok(term(hx("6b 00 02 ff 00"))) == value{array{255, 0}});
  CHECK(parse_ok(term(hx("6b 00 00"))) == value{array{}});
  CHECK(parse_ok(term(hx("6a"))) == value{array{}});
}

TEST_CASE("a proper LIST_EXT is an array with its order kept (E-4)") {
  // [1, <<"a">>, [], nil]
  CHECK(parse_ok(term(hx("6c 00 00 00 04 61 01") + bin("a") + hx("6a") + atom("nil") + hx("6a")))
        == value{array{1, "a", array{}, nullptr}});
  // [[2]]
  CHECK(parse_ok(term(hx("6c 00 00 00 01 6c 00 00 00 01 61 02 6a 6a"))) == value{array{array{2}}});
}

TEST_CASE("MAP_EXT keys may be atoms of any tag or binaries, all read as strings in order (E-4)") {
  // #{op => 1, <<"d">> => #{}, 'é' => nil (Latin-1), true => 2}
  std::string bytes = term(hx("74 00 00 00 04") + atom("op") + hx("61 01") + bin("d") + hx("74 00 00 00 00")
                           + hx("73 01 e9") + atom("nil") + atom("true") + hx("61 02"));
  value v = parse_ok(bytes);
  REQUIRE(v.is_object());
  REQUIRE(v.as_object().size() == 4);
  CHECK(v.as_object()[0].key == "op");
  CHECK(v.as_object()[0].val == value{1});
  CHECK(v.as_object()[1].key == "d");
  CHECK(v.as_object()[1].val == value{object{}});
  CHECK(v.as_object()[2].key == "\xc3\xa9");
  CHECK(v.as_object()[2].val.is_null());
  CHECK(v.as_object()[3].key == "true"); // a key stays a name, never a boolean
}

TEST_CASE("the Elixir client's identify decodes to a frame with op 1, and a non-map term is G-5's error (E-4, G-4, G-5)") {
  // %{"op" => 1, "d" => %{"client_id" => "c", "application_id" => "a"}, "t" => nil}
  std::string bytes = term(hx("74 00 00 00 03") + bin("op") + hx("61 01") + bin("d") + hx("74 00 00 00 02")
                           + bin("client_id") + bin("c") + bin("application_id") + bin("a") + bin("t") + atom("nil"));
  CHECK(proto::is_supported(proto::encoding::etf)); // E-1: the upgrade is accepted
  proto::client_frame f;
  auto r = proto::decode_frame(proto::encoding::etf, bytes, f);
  REQUIRE(r.ok);
  CHECK(f.opcode == 1);
  REQUIRE(f.d());
  CHECK(*f.d() == value{object{{"client_id", "c"}, {"application_id", "a"}}});
  CHECK(f.t() == nullptr);

  for (const char* other : {"61 01", "6a", "6b 00 01 01", "6d 00 00 00 00", "77 03 6e 69 6c"}) {
    CAPTURE(other);
    proto::client_frame g;
    auto res = proto::decode_frame(proto::encoding::etf, term(hx(other)), g);
    CHECK_FALSE(res.ok);
    CHECK(res.error == "decode: payload: unrecoverable");
  }
}

TEST_CASE("values are written with the tags of E-4, every map key a binary (E-4)") {
  struct { value v; std::string bytes; } cases[] = {
    {value{}, atom("nil")},
    {value{true}, atom("true")},
    {value{false}, atom("false")},
    {value{0}, hx("61 00")},
    {value{255}, hx("61 ff")},
    {value{256}, hx("62 00 00 01 00")},
    {value{-1}, hx("62 ff ff ff ff")},
    {value{INT32_MAX}, hx("62 7f ff ff ff")},
    {value{INT32_MIN}, hx("62 80 00 00 00")},
    {value{std::int64_t{2147483648LL}}, hx("6e 04 00 00 00 00 80")},
    {value{std::int64_t{-2147483649LL}}, hx("6e 04 01 01 00 00 80")},
    {value{std::int64_t{1700000000000LL}}, hx("6e 06 00 00 68 e5 cf 8b 01")},
    {value{std::numeric_limits<std::int64_t>::max()}, hx("6e 08 00 ff ff ff ff ff ff ff 7f")},
    {value{std::numeric_limits<std::int64_t>::min()}, hx("6e 08 01 00 00 00 00 00 00 00 80")},
    {value{1.0}, hx("46 3f f0 00 00 00 00 00 00")},
    {value{-2.5}, hx("46 c0 04 00 00 00 00 00 00")},
    {value{"abc"}, bin("abc")},
    {value{""}, hx("6d 00 00 00 00")},
    {value{array{}}, hx("6a")},
    {value{array{1, "a"}}, hx("6c 00 00 00 02 61 01") + bin("a") + hx("6a")},
    {value{array{array{}}}, hx("6c 00 00 00 01 6a 6a")},
    {value{object{}}, hx("74 00 00 00 00")},
    {value{object{{"nonce", 1}, {"payload", nullptr}}},
     hx("74 00 00 00 02") + bin("nonce") + hx("61 01") + bin("payload") + atom("nil")},
  };
  for (const auto& c : cases) {
    CAPTURE(printable(c.bytes));
    CHECK(printable(proto::to_etf(c.v)) == printable(term(c.bytes)));
  }
}

TEST_CASE("hello is a map of atom keys d, op, t, ts with a binary heartbeat_interval key and t nil (E-4, G-3)") {
  std::string want = term(hx("74 00 00 00 04") + atom("d") + hx("74 00 00 00 01") + bin("heartbeat_interval")
                          + hx("62 00 00 af c8") + atom("op") + hx("61 00") + atom("t") + atom("nil") + atom("ts")
                          + hx("6e 06 00 00 68 e5 cf 8b 01"));
  CHECK(printable(proto::encode_frame(proto::encoding::etf, proto::hello(45000, 1700000000000LL))) == printable(want));
}

TEST_CASE("SEND, BROADCAST, QUEUE and CLIENT_* deliveries have atom keys nonce, payload, target at the top of d only (E-4)") {
  for (const char* t : {"SEND", "BROADCAST", "QUEUE", "CLIENT_CONNECTED", "CLIENT_DISCONNECTED"}) {
    CAPTURE(t);
    CHECK(proto::etf_atom_delivery_keys(t));
    value d{object{{"nonce", "n"}, {"payload", object{{"nonce", 1}, {"payload", 2}}}, {"target", nullptr}}};
    std::string want = term(hx("74 00 00 00 04") + atom("d") + hx("74 00 00 00 03") + atom("nonce") + bin("n")
                            + atom("payload") + hx("74 00 00 00 02") + bin("nonce") + hx("61 01") + bin("payload")
                            + hx("61 02") + atom("target") + atom("nil") + atom("op") + hx("61 04") + atom("t")
                            + bin(t) + atom("ts") + hx("61 07"));
    CHECK(printable(proto::encode_frame(proto::encoding::etf, proto::dispatch(t, d, 7))) == printable(want));
  }
}

TEST_CASE("every other frame's d has binary keys, nonce and payload included (E-4)") {
  for (const char* t : {"QUEUE_CONFIRM", "QUERY_NODES", "UPDATE_METADATA", "send"})
    CHECK_FALSE(proto::etf_atom_delivery_keys(t));
  value d{object{{"nonce", 1}}};
  std::string want = term(hx("74 00 00 00 04") + atom("d") + hx("74 00 00 00 01") + bin("nonce") + hx("61 01")
                          + atom("op") + hx("61 04") + atom("t") + bin("QUEUE_CONFIRM") + atom("ts") + hx("61 07"));
  CHECK(printable(proto::encode_frame(proto::encoding::etf, proto::dispatch("QUEUE_CONFIRM", d, 7))) == printable(want));

  // op 3 whose extra_info is a received SEND frame: no atoms below d.
  auto inv = proto::invalid("no_route", value{object{{"payload", 1}}}, 7);
  std::string want3 = term(hx("74 00 00 00 04") + atom("d") + hx("74 00 00 00 02") + bin("error") + bin("no_route")
                           + bin("extra_info") + hx("74 00 00 00 01") + bin("payload") + hx("61 01") + atom("op")
                           + hx("61 03") + atom("t") + atom("nil") + atom("ts") + hx("61 07"));
  CHECK(printable(proto::encode_frame(proto::encoding::etf, inv)) == printable(want3));
}

TEST_CASE("every kind survives a round trip through the encoder and the decoder (E-4, M-1)") {
  value v{object{
    {"null", nullptr}, {"t", true}, {"f", false}, {"i", std::int64_t{-5000000000LL}}, {"fl", 5.0},
    {"s", "h\xc3\xa9llo"}, {"a", array{1, 2.5, "x", array{}, object{}}},
    {"o", object{{"z", 1}, {"a", object{{"deep", array{nullptr}}}}}},
    {"min", std::numeric_limits<std::int64_t>::min()}, {"max", std::numeric_limits<std::int64_t>::max()},
  }};
  value back = parse_ok(proto::to_etf(v));
  CHECK(back == v);
  CHECK(back.find("fl")->is_float());
  CHECK(back.find("i")->is_int());
}

TEST_CASE("nesting of exactly 64 levels is accepted and 65 levels are rejected (E-9)") {
  CHECK(parse_ok(nested_lists(64)).is_array());
  CHECK(parse_fails(nested_lists(65)).find("64") != std::string::npos);
  CHECK(parse_ok(nested_maps(64)).is_object());
  parse_fails(nested_maps(65));
  // An empty list or a STRING_EXT is a level too, as JSON's [] is.
  std::string s63;
  for (int i = 0; i < 63; ++i)
    s63 += hx("74 00 00 00 01") + bin("a");
  CHECK(parse_ok(term(s63 + hx("6b 00 01 01"))).is_object());
  parse_fails(term(s63 + hx("74 00 00 00 01") + bin("a") + hx("6b 00 01 01")));
  parse_fails(term(s63 + hx("74 00 00 00 01") + bin("a") + hx("6a")));
  // A very deep input fails at level 65, whatever follows.
  std::string deep;
  for (int i = 0; i < 40000; ++i)
    deep += hx("6c 00 00 00 01");
  CHECK(parse_fails(term(deep)).find("64") != std::string::npos);
}

TEST_CASE("a declared length that exceeds the frame is refused before anything is reserved (E-9)") {
  for (const char* bytes : {"6c ff ff ff ff 61 01 6a", "74 ff ff ff ff 6d 00 00 00 00 61 01", "6d ff ff ff ff 61",
                            "6b ff ff 01", "6f ff ff ff ff 00 01", "76 ff ff 61", "6c 00 00 00 02 61 01"}) {
    CAPTURE(bytes);
    CHECK(parse_fails(term(hx(bytes))).find("exceeds the frame") != std::string::npos);
  }
}

TEST_CASE("malformed ETF of every kind is a decode error with a message (E-4, E-9, X-3)") {
  struct { const char* why; std::string bytes; } table[] = {
    {"empty input", ""},
    {"version byte only", hx("83")},
    {"wrong version byte", hx("82 61 01")},
    {"no version byte", hx("61 01")},
    {"truncated SMALL_INTEGER_EXT", term(hx("61"))},
    {"truncated INTEGER_EXT", term(hx("62 00 00"))},
    {"truncated NEW_FLOAT_EXT", term(hx("46 3f f0"))},
    {"truncated binary", term(hx("6d 00 00 00 05 61"))},
    {"truncated binary length", term(hx("6d 00 00"))},
    {"list without its tail", term(hx("6c 00 00 00 01 61 01"))},
    {"map without a value", term(hx("74 00 00 00 01") + atom("a"))},
    {"truncated atom", term(hx("77 05 61 62"))},
    {"truncated bignum", term(hx("6e 04 00 01"))},
    {"improper list [1 | 2]", term(hx("6c 00 00 00 01 61 01 61 02"))},
    {"improper list with a binary tail", term(hx("6c 00 00 00 01 61 01") + bin("x"))},
    {"small tuple {1, 2}", term(hx("68 02 61 01 61 02"))},
    {"empty tuple", term(hx("68 00"))},
    {"large tuple", term(hx("69 00 00 00 00"))},
    {"tuple inside a map", term(hx("74 00 00 00 01") + bin("a") + hx("68 00"))},
    {"compressed term", term(hx("50 00 00 00 02 78 9c 63 64 04 00 00 62 00 62"))},
    {"FLOAT_EXT", term(hx("63") + std::string("1.00000000000000000000e+00") + std::string(5, '\0'))},
    {"PID_EXT", term(hx("67") + atom("a") + hx("00 00 00 01 00 00 00 00 00"))},
    {"NEW_PID_EXT", term(hx("58") + atom("a") + hx("00 00 00 01 00 00 00 00 00 00 00 00"))},
    {"REFERENCE_EXT", term(hx("65") + atom("a") + hx("00 00 00 01 00"))},
    {"NEWER_REFERENCE_EXT", term(hx("5a 00 01") + atom("a") + hx("00 00 00 00 00 00 00 01"))},
    {"PORT_EXT", term(hx("66") + atom("a") + hx("00 00 00 01 00"))},
    {"NEW_FUN_EXT", term(hx("70 00 00 00 05"))},
    {"EXPORT_EXT", term(hx("71") + atom("m") + atom("f") + hx("61 01"))},
    {"BIT_BINARY_EXT", term(hx("4d 00 00 00 01 03 e0"))},
    {"ATOM_CACHE_REF", term(hx("52 00"))},
    {"distribution header", term(hx("44 00"))},
    {"unknown tag 0", term(hx("00"))},
    {"unknown tag 255", term(hx("ff"))},
    {"version byte inside a term", term(hx("83 61 01"))},
    {"65 nested lists", nested_lists(65)},
    {"65 nested maps", nested_maps(65)},
    {"binary longer than the frame", term(hx("6d ff ff ff ff"))},
    {"list longer than the frame", term(hx("6c ff ff ff ff"))},
    {"map larger than the frame", term(hx("74 ff ff ff ff"))},
    {"STRING_EXT longer than the frame", term(hx("6b ff ff"))},
    {"LARGE_BIG_EXT longer than the frame", term(hx("6f ff ff ff ff 00"))},
    {"binary not UTF-8", term(hx("6d 00 00 00 01 ff"))},
    {"binary with an encoded surrogate", term(hx("6d 00 00 00 03 ed a0 80"))},
    {"UTF-8 atom not UTF-8", term(hx("77 01 ff"))},
    {"binary key not UTF-8", term(hx("74 00 00 00 01 6d 00 00 00 01 c0 61 01"))},
    {"integer key", term(hx("74 00 00 00 01 61 01 61 01"))},
    {"list key", term(hx("74 00 00 00 01 6a 61 01"))},
    {"STRING_EXT key", term(hx("74 00 00 00 01 6b 00 01 61 61 01"))},
    {"map key", term(hx("74 00 00 00 01 74 00 00 00 00 61 01"))},
    {"tuple key", term(hx("74 00 00 00 01 68 00 61 01"))},
    {"float key", term(hx("74 00 00 00 01 46 3f f0 00 00 00 00 00 00 61 01"))},
    {"data after the term", term(hx("61 01 61 02"))},
    {"NaN", term(hx("46 7f f8 00 00 00 00 00 00"))},
    {"infinity", term(hx("46 7f f0 00 00 00 00 00 00"))},
    {"bignum sign byte 2", term(hx("6e 01 02 01"))},
    {"bignum too large for a double", term(hx("6e ff 00") + std::string(255, '\xff'))},
  };
  for (const auto& c : table) {
    CAPTURE(c.why);
    parse_fails(c.bytes);
    proto::client_frame f;
    auto r = proto::decode_frame(proto::encoding::etf, c.bytes, f);
    CHECK_FALSE(r.ok);
    CHECK(r.error != "decode: payload: unrecoverable");
    CHECK_FALSE(r.error.empty());
  }
}

} // TEST_SUITE
