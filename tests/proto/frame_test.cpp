// proto/frame: decoding client frames (G-4, G-5, X-3) and the exact bytes of
// every server frame (G-2, G-3).

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "proto/errors.hpp"
#include "proto/frame.hpp"
#include "query/value.hpp"
#include "tests/support/fixture_json.hpp"

namespace proto = sy::proto;
using sy::query::value;
using sy::test::json;

namespace {

proto::client_frame decode_ok(std::string_view text) {
  proto::client_frame f;
  auto r = proto::decode_frame(proto::encoding::json, text, f);
  INFO("input: " << std::string(text) << " error: " << r.error);
  REQUIRE(r.ok);
  return f;
}

std::string decode_error(std::string_view text) {
  proto::client_frame f;
  auto r = proto::decode_frame(proto::encoding::json, text, f);
  INFO("input: " << std::string(text));
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
  return r.error;
}

std::string enc(const proto::server_frame& f) { return proto::encode_frame(proto::encoding::json, f); }

} // namespace

TEST_SUITE("proto.frame") {

TEST_CASE("a frame that decodes to something other than a map fails with exactly 'decode: payload: unrecoverable' (G-5)") {
  for (const char* text : {"[]", "[{\"op\":1}]", "5", "5.5", "\"op\"", "null", "true", "false"}) {
    CAPTURE(text);
    CHECK(decode_error(text) == "decode: payload: unrecoverable");
  }
  CHECK(proto::errors::unrecoverable == "decode: payload: unrecoverable");
}

TEST_CASE("bytes that are not JSON fail with a non-empty decoder message other than G-5's (X-3)") {
  for (const char* text : {"{", "", "{\"op\":1}x", "\"\xff\"", "{op:1}"}) {
    CAPTURE(text);
    CHECK(decode_error(text) != "decode: payload: unrecoverable");
  }
  std::string deep = std::string(65, '[') + std::string(65, ']');
  CHECK(decode_error("{\"d\":" + deep + "}") != "decode: payload: unrecoverable");
}

TEST_CASE("op is taken only when it is present and an integer (G-4)") {
  CHECK(decode_ok("{\"op\":5}").opcode == 5);
  CHECK(decode_ok("{\"op\":0}").opcode == 0);
  CHECK(decode_ok("{\"op\":-1}").opcode == -1);
  CHECK(decode_ok("{\"op\":123456789012}").opcode == 123456789012LL);
  CHECK_FALSE(decode_ok("{}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"d\":{\"op\":1}}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":\"1\"}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":1.0}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":null}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":true}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":[1]}").opcode.has_value());
  CHECK_FALSE(decode_ok("{\"op\":9223372036854775808}").opcode.has_value()); // a float past int64
}

TEST_CASE("d, t and unknown keys of a client frame are read as G-4 says") {
  auto f = decode_ok("{\"op\":4,\"t\":\"SEND\",\"d\":{\"a\":1},\"ts\":17,\"extra\":[1]}");
  REQUIRE(f.d() != nullptr);
  CHECK(*f.d() == json("{\"a\":1}"));
  REQUIRE(f.t() != nullptr);
  CHECK(*f.t() == "SEND");

  auto no_d = decode_ok("{\"op\":5}");
  CHECK(no_d.d() == nullptr);
  CHECK(no_d.t() == nullptr);

  auto null_d = decode_ok("{\"op\":5,\"d\":null,\"t\":null}");
  REQUIRE(null_d.d() != nullptr);
  CHECK(null_d.d()->is_null());
  CHECK(null_d.t() == nullptr);

  CHECK(decode_ok("{\"op\":4,\"t\":5}").t() == nullptr);
}

TEST_CASE("the echo of a received frame has op, t, d and ts with absent keys as null (X-2)") {
  auto f = decode_ok("{\"ts\":1,\"x\":2,\"d\":{\"a\":1},\"op\":4,\"t\":\"SEND\"}");
  value e = f.echo();
  REQUIRE(e.is_object());
  CHECK(e.as_object().size() == 4);
  CHECK(*e.find("op") == value{4});
  CHECK(*e.find("t") == value{"SEND"});
  CHECK(*e.find("d") == json("{\"a\":1}"));
  CHECK(*e.find("ts") == value{1});
  CHECK(e.find("x") == nullptr);

  auto sparse = decode_ok("{\"op\":4,\"d\":5}");
  value s = sparse.echo();
  REQUIRE(s.is_object());
  CHECK(s.as_object().size() == 4);
  REQUIRE(s.find("ts") != nullptr);
  CHECK(s.find("ts")->is_null());
  REQUIRE(s.find("t") != nullptr);
  CHECK(s.find("t")->is_null());
  CHECK(*s.find("d") == value{5});

  value empty = decode_ok("{}").echo();
  CHECK(empty.as_object().size() == 4);
  for (const auto& m : empty.as_object())
    CHECK(m.val.is_null());

  // Values are echoed as sent, kinds included.
  value kinds = decode_ok("{\"op\":\"4\",\"t\":7,\"d\":[1.0],\"ts\":\"x\"}").echo();
  CHECK(*kinds.find("op") == value{"4"});
  CHECK(*kinds.find("t") == value{7});
  CHECK(kinds.find("d")->as_array()[0].is_float());
}

TEST_CASE("hello is encoded as {d, op, t, ts} with the heartbeat interval (L-1, G-2, G-3)") {
  CHECK(enc(proto::hello(45000, 1234)) == "{\"d\":{\"heartbeat_interval\":45000},\"op\":0,\"t\":null,\"ts\":1234}");
  CHECK(enc(proto::hello(1000, 1700000000123)) ==
        "{\"d\":{\"heartbeat_interval\":1000},\"op\":0,\"t\":null,\"ts\":1700000000123}");
}

TEST_CASE("ready is encoded with client_id and restricted (L-10, G-3)") {
  CHECK(enc(proto::ready("c1", false, 5)) == "{\"d\":{\"client_id\":\"c1\",\"restricted\":false},\"op\":2,\"t\":null,\"ts\":5}");
  CHECK(enc(proto::ready("a \"b\"", true, 6)) ==
        "{\"d\":{\"client_id\":\"a \\\"b\\\"\",\"restricted\":true},\"op\":2,\"t\":null,\"ts\":6}");
}

TEST_CASE("heartbeat_ack is encoded with the client id (L-11, G-3)") {
  CHECK(enc(proto::heartbeat_ack("c1", 7)) == "{\"d\":{\"client_id\":\"c1\"},\"op\":6,\"t\":null,\"ts\":7}");
}

TEST_CASE("op 3 carries error and extra_info, null or a value (X-1, G-3)") {
  CHECK(enc(proto::invalid("invalid metadata", value{}, 9)) ==
        "{\"d\":{\"error\":\"invalid metadata\",\"extra_info\":null},\"op\":3,\"t\":null,\"ts\":9}");
  CHECK(enc(proto::invalid("invalid metadata", json("{\"k\":\"k: forbidden metadata key\"}"), 9)) ==
        "{\"d\":{\"error\":\"invalid metadata\",\"extra_info\":{\"k\":\"k: forbidden metadata key\"}},"
        "\"op\":3,\"t\":null,\"ts\":9}");
  CHECK(enc(proto::invalid("invalid query", value{"bad op"}, 1)) ==
        "{\"d\":{\"error\":\"invalid query\",\"extra_info\":\"bad op\"},\"op\":3,\"t\":null,\"ts\":1}");
}

TEST_CASE("op 8 carries error and extra_info (X-1, G-3)") {
  CHECK(enc(proto::fatal("heartbeat took too long", value{}, 10)) ==
        "{\"d\":{\"error\":\"heartbeat took too long\",\"extra_info\":null},\"op\":8,\"t\":null,\"ts\":10}");
  CHECK(enc(proto::fatal("initial metadata: invalid", json("{\"x\":\"x: invalid metadata entry\"}"), 11)) ==
        "{\"d\":{\"error\":\"initial metadata: invalid\",\"extra_info\":{\"x\":\"x: invalid metadata entry\"}},"
        "\"op\":8,\"t\":null,\"ts\":11}");
}

TEST_CASE("op 7 carries the reason (L-19, G-3)") {
  CHECK(enc(proto::goodbye("load balancing", 11)) == "{\"d\":{\"reason\":\"load balancing\"},\"op\":7,\"t\":null,\"ts\":11}");
  CHECK(enc(proto::goodbye("server shutting down", 12)) ==
        "{\"d\":{\"reason\":\"server shutting down\"},\"op\":7,\"t\":null,\"ts\":12}");
}

TEST_CASE("dispatch has the event name in t and d as given, key order and number kinds kept (G-2, G-3)") {
  value d = json("{\"nonce\":null,\"payload\":{\"b\":1,\"a\":[1,2.5,5.0]}}");
  CHECK(enc(proto::dispatch("SEND", d, 12)) ==
        "{\"d\":{\"nonce\":null,\"payload\":{\"b\":1,\"a\":[1,2.5,5.0]}},\"op\":4,\"t\":\"SEND\",\"ts\":12}");
  CHECK(enc(proto::dispatch("A\"B", value{}, 0)) == "{\"d\":null,\"op\":4,\"t\":\"A\\\"B\",\"ts\":0}");
}

TEST_CASE("every encoded server frame is a JSON map with exactly d, op, t, ts in that order (G-2, G-3)") {
  for (const auto& f : {proto::hello(1, 2), proto::ready("c", false, 3), proto::heartbeat_ack("c", 4),
                        proto::invalid("e", value{}, 5), proto::fatal("e", value{}, 6), proto::goodbye("r", 7),
                        proto::dispatch("T", value{1}, 8)}) {
    value v = json(enc(f));
    REQUIRE(v.is_object());
    REQUIRE(v.as_object().size() == 4);
    CHECK(v.as_object()[0].key == "d");
    CHECK(v.as_object()[1].key == "op");
    CHECK(v.as_object()[2].key == "t");
    CHECK(v.as_object()[3].key == "ts");
    CHECK(v.find("op")->as_int() == static_cast<long long>(f.code));
    CHECK(v.find("ts")->is_int());
    CHECK(v.find("t")->is_null() == (f.code != proto::op::dispatch));
  }
}

TEST_CASE("the encoding parameter accepts exactly json, msgpack and etf (E-1)") {
  CHECK(proto::parse_encoding("json") == proto::encoding::json);
  CHECK(proto::parse_encoding("msgpack") == proto::encoding::msgpack);
  CHECK(proto::parse_encoding("etf") == proto::encoding::etf);
  for (const char* other : {"", "JSON", "Json", "json ", " json", "xml", "msgpack\n", "erlpack", "bert"}) {
    CAPTURE(other);
    CHECK_FALSE(proto::parse_encoding(other).has_value());
  }
  for (auto e : {proto::encoding::json, proto::encoding::msgpack, proto::encoding::etf})
    CHECK(proto::parse_encoding(proto::to_string(e)) == e);
}

TEST_CASE("json goes out in text frames, msgpack and etf in binary frames (E-2, E-3, E-4)") {
  CHECK_FALSE(proto::is_binary(proto::encoding::json));
  CHECK(proto::is_binary(proto::encoding::msgpack));
  CHECK(proto::is_binary(proto::encoding::etf));
  CHECK(proto::is_supported(proto::encoding::json));
}

TEST_CASE("invalid client op names are the original's literals (L-15)") {
  auto name = [](long long op) { return proto::errors::invalid_op(&op); };
  CHECK(name(0) == "invalid client op :hello");
  CHECK(name(2) == "invalid client op :ready");
  CHECK(name(3) == "invalid client op :invalid");
  CHECK(name(6) == "invalid client op :heartbeat_ack");
  CHECK(name(7) == "invalid client op :goodbye");
  CHECK(name(8) == "invalid client op :error");
  CHECK(name(9) == "invalid client op nil");
  CHECK(name(-1) == "invalid client op nil");
  CHECK(proto::errors::invalid_op(nullptr) == "invalid client op nil");
}

TEST_CASE("the catalogue texts are exact (X-2)") {
  namespace e = proto::errors;
  CHECK(e::not_identified == "sent payload with non-identify opcode without identifying first");
  CHECK(e::no_data == "payload has no data");
  CHECK(e::already_identified == "already identified");
  CHECK(e::initial_metadata == "initial metadata: invalid");
  CHECK(e::etf_restricted == "restricted clients may not use ETF");
  CHECK(e::heartbeat_late == "heartbeat took too long");
  CHECK(e::too_large == "payload too large");
  CHECK(e::internal == "internal server error");
  CHECK(e::invalid_dispatch == "invalid dispatch payload");
  CHECK(e::invalid_metadata == "invalid metadata");
  CHECK(e::invalid_query == "invalid query");
  CHECK(e::no_route == "no_route");
  CHECK(e::already_registered("c1", "a") == "c1: already registered for app a");
  CHECK(e::already_registered("my client", "app x") == "my client: already registered for app app x");
  CHECK(e::restricted_dispatch("SEND") == "invalid dispatch type SEND (are you restricted?)");
  CHECK(e::restricted_dispatch("") == "invalid dispatch type  (are you restricted?)");
}

} // TEST_SUITE
