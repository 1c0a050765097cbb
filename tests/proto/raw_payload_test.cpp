// proto/json's parse_json_frame and proto/frame's raw payloads: a SEND's
// d.payload is kept as its exact text instead of a tree, and everything that
// reads the tree (materialize, echo, non-JSON encodings) gets the same value
// that parse_json would have built.

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "proto/dispatch.hpp"
#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "proto/peer_wire.hpp"
#include "query/value.hpp"

using sy::query::value;
namespace proto = sy::proto;

namespace {

struct framed {
  value tree;
  std::string raw;
};

framed frame_ok(std::string_view text) {
  framed f;
  std::string err;
  std::string_view raw;
  bool ok = proto::parse_json_frame(text, f.tree, err, raw);
  INFO("input: " << std::string(text) << " error: " << err);
  REQUIRE(ok);
  f.raw = std::string(raw);
  return f;
}

value json(std::string_view text) {
  value v;
  std::string err;
  INFO("input: " << std::string(text) << " error: " << err);
  REQUIRE(proto::parse_json(text, v, err));
  return v;
}

const value* payload_in(const value& body) {
  const value* d = body.find("d");
  return d ? d->find("payload") : nullptr;
}

} // namespace

TEST_CASE("an object payload is kept as its exact text and a null stands in the tree") {
  auto f = frame_ok(R"({"op":4,"t":"SEND","d":{"target":{"application":"a"},"nonce":"n1","payload":{"x":[1,2,{"y":null}],"z":"w"}}})");
  CHECK(f.raw == R"({"x":[1,2,{"y":null}],"z":"w"})");
  REQUIRE(payload_in(f.tree));
  CHECK(payload_in(f.tree)->is_null());
  CHECK(*f.tree.find("d")->find("nonce") == value{std::string("n1")});
  CHECK(*f.tree.find("d")->find("target") == json(R"({"application":"a"})"));
  CHECK(*f.tree.find("op") == value{std::int64_t{4}});
}

TEST_CASE("spaces around the payload are not part of its text") {
  auto f = frame_ok("{\"d\" : { \"payload\" \t:\n [ 1 , 2 ] \r\n, \"nonce\":null } }");
  CHECK(f.raw == "[ 1 , 2 ]");
  f = frame_ok("{\"d\":{\"payload\" : {\"a\" : 1 }   }}");
  CHECK(f.raw == "{\"a\" : 1 }");
}

TEST_CASE("scalar payloads, first, middle or last in d, are cut exactly") {
  for (std::string p : {"12.5e3", "-0", "0", "18446744073709551616", R"("a\"b\u00e9\\")", "true", "false", "null",
                        R"("")", "[]", "{}", "[[[]]]"}) {
    for (std::string shape : {R"({"d":{"payload":P}})", R"({"d":{"payload":P,"nonce":null}})",
                              R"({"op":4,"d":{"nonce":"x","payload":P,"target":{}},"t":"SEND"})"}) {
      std::string text = shape.replace(shape.find('P'), 1, p);
      auto f = frame_ok(text);
      INFO(text);
      CHECK(f.raw == p);
      CHECK(json(f.raw) == *payload_in(json(text)));
    }
  }
}

TEST_CASE("a payload anywhere but the first object d is built as usual") {
  for (std::string text : {R"({"payload":{"a":1}})", R"({"d":{"x":{"payload":{"a":1}}}})", R"({"d":[{"payload":1}]})",
                           R"([{"d":{"payload":1}}])", R"({"x":{"d":{"payload":1}}})", R"({"d":5,"e":{"payload":1}})",
                           R"({"d":{"nonce":null}})", R"("d")", "7"}) {
    auto f = frame_ok(text);
    INFO(text);
    CHECK(f.raw.empty());
    CHECK(f.tree == json(text));
  }
}

TEST_CASE("with duplicate d or payload keys the whole tree is built (the last one counts, as in value::find)") {
  for (std::string text : {R"({"d":{"payload":[1],"payload":[2]}})", R"({"d":{"payload":[1]},"d":{"payload":3}})",
                           R"({"d":{"payload":[1]},"d":7})", R"({"d":{"payload":[1],"x":0,"payload":{"a":1}},"op":4})"}) {
    INFO(text);
    auto f = frame_ok(text);
    CHECK(f.raw.empty());
    CHECK(f.tree == json(text));
  }
  // A first d without a payload, or not an object, does not stop the last one.
  auto f = frame_ok(R"({"d":5,"d":{"payload":[9]}})");
  CHECK(f.raw == "[9]");
  f = frame_ok(R"({"d":{"nonce":null},"d":{"payload":[9]}})");
  CHECK(f.raw.empty());
  CHECK(f.tree == json(R"({"d":{"nonce":null},"d":{"payload":[9]}})"));
}

TEST_CASE("a payload kept as text is still validated like the rest of the document") {
  value v;
  std::string err;
  std::string_view raw;
  for (const std::string& bad : std::vector<std::string>{std::string("{\"d\":{\"payload\":\"\xff\"}}"), std::string(R"({"d":{"payload":"\udc00"}})"),
                          R"({"d":{"payload":{"a":}}})", R"({"d":{"payload":[1,]}})", R"({"d":{"payload":}})",
                          R"({"d":{"payload":1}} x)", std::string(R"({"d":{"payload":)") + std::string(70, '[')}) {
    INFO(bad);
    err.clear();
    CHECK_FALSE(proto::parse_json_frame(bad, v, err, raw));
    CHECK_FALSE(err.empty());
  }
  // 64 levels in all are allowed, 65 are not (E-9), payload levels included.
  std::string ok = R"({"d":{"payload":)" + std::string(62, '[') + std::string(62, ']') + "}}";
  CHECK(proto::parse_json_frame(ok, v, err, raw));
  std::string deep = R"({"d":{"payload":)" + std::string(63, '[') + std::string(63, ']') + "}}";
  CHECK_FALSE(proto::parse_json_frame(deep, v, err, raw));
}

namespace {

// A random JSON value as text, with random spaces, up to `depth` levels.
std::string random_json(std::mt19937& rng, int depth) {
  auto ws = [&] { return std::string(rng() % 3, " \t\n"[rng() % 3]); };
  int kind = static_cast<int>(rng() % (depth > 0 ? 8 : 6));
  switch (kind) {
    case 0: return "null";
    case 1: return rng() % 2 ? "true" : "false";
    case 2: return std::to_string(static_cast<long long>(rng()) - (1LL << 31));
    case 3: return std::to_string(static_cast<double>(rng() % 10000) / 7.0);
    case 4: return "\"s" + std::to_string(rng() % 100) + (rng() % 2 ? "\\n\\u00e9" : "") + "\"";
    case 5: return "\"payload\"";
    case 6: {
      std::string s = "[" + ws();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i)
        s += (i ? "," : "") + ws() + random_json(rng, depth - 1) + ws();
      return s + "]";
    }
    default: {
      std::string s = "{" + ws();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i)
        s += (i ? "," : "") + ws() + (rng() % 3 ? "\"k" + std::to_string(i) + "\"" : std::string("\"payload\"")) +
             ws() + ":" + ws() + random_json(rng, depth - 1) + ws();
      return s + "}";
    }
  }
}

} // namespace

TEST_CASE("random frames: the text kept plus the tree give exactly what parse_json builds") {
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::string text = "{\"op\":4,\"d\":{\"nonce\":null,\"target\":" + random_json(rng, 2) +
                       ",\"payload\"  :  " + random_json(rng, 4) + " , \"more\":" + random_json(rng, 2) + "},\"t\":\"SEND\"}";
    INFO(text);
    auto f = frame_ok(text);
    REQUIRE_FALSE(f.raw.empty());
    value whole = json(text);
    CHECK(json(f.raw) == *payload_in(whole));
    CHECK(proto::with_payload(f.tree, f.raw) == whole);
  }
}

TEST_CASE("decode_frame keeps a JSON frame's payload as text; materialize and echo restore it") {
  std::string text = R"({"op":4,"t":"SEND","d":{"target":{"application":"a"},"nonce":null,"payload":{"k":[1,"two"]}}})";
  proto::client_frame f;
  REQUIRE(proto::decode_frame(proto::encoding::json, text, f).ok);
  CHECK(f.raw_payload == R"({"k":[1,"two"]})");
  CHECK(f.echo() == proto::echo_of(json(text)));
  f.materialize();
  CHECK(f.raw_payload.empty());
  CHECK(f.body == json(text));
  // A frame decoded afresh into the same object starts clean.
  REQUIRE(proto::decode_frame(proto::encoding::json, R"({"op":5})", f).ok);
  CHECK(f.raw_payload.empty());
}

TEST_CASE("a delivery from a payload kept as text equals the one from its tree, in every encoding") {
  std::string raw = R"({ "a" : [1, 2.5, "\u00e9"], "b": {"c": null}, "d": true })";
  value tree = json(raw);
  value nonce{std::string("n")};
  std::string from_raw = proto::encode_delivery(proto::encoding::json, "SEND", nonce, value{}, 42, raw);
  std::string from_tree = proto::encode_delivery(proto::encoding::json, "SEND", nonce, tree, 42);
  CHECK(json(from_raw) == json(from_tree));
  CHECK(from_raw.find(raw) != std::string::npos); // spliced, not re-encoded
  for (auto enc : {proto::encoding::msgpack, proto::encoding::etf})
    CHECK(proto::encode_delivery(enc, "BROADCAST", nonce, value{}, 42, raw) ==
          proto::encode_delivery(enc, "BROADCAST", nonce, tree, 42));
}

TEST_CASE("a peer delivery carries a payload kept as text between nodes as that text") {
  proto::peer_delivery d;
  d.event = "BROADCAST";
  d.nonce = value{std::string("n")};
  d.raw_payload = R"({ "a" : [1, 2.50], "big": 123456789012345678901234567890 })";
  d.targets = {{"app", "c1"}, {"app", "c2"}};
  std::string wire = proto::encode(d);
  CHECK(wire.find(d.raw_payload) != std::string::npos);
  auto back = proto::decode_peer_delivery(wire);
  REQUIRE(back);
  CHECK(back->raw_payload == d.raw_payload);
  CHECK(back->event == "BROADCAST");
  CHECK(back->nonce == d.nonce);
  CHECK(back->targets == d.targets);
  // A payload held as a tree (from a msgpack or ETF sender) travels as JSON.
  proto::peer_delivery t;
  t.event = "SEND";
  t.payload = json(R"({"k":[true,null]})");
  t.targets = {{"app", "c1"}};
  back = proto::decode_peer_delivery(proto::encode(t));
  REQUIRE(back);
  CHECK(json(back->raw_payload) == t.payload);
  CHECK(back->nonce.is_null());
  // Deliveries without the payload, or with it twice, still decode.
  back = proto::decode_peer_delivery(R"({"event":"SEND","targets":[["a","b"]]})");
  REQUIRE(back);
  CHECK(back->raw_payload.empty());
  CHECK(back->payload.is_null());
  back = proto::decode_peer_delivery(R"({"event":"SEND","payload":1,"payload":2,"targets":[]})");
  REQUIRE(back);
  CHECK(back->raw_payload.empty());
  CHECK(back->payload == value{std::int64_t{2}});
  CHECK_FALSE(proto::decode_peer_delivery(R"({"event":"SEND","payload":[1,"targets":[]})"));
}

TEST_CASE("a forwarded route carries its query next to the payload kept as text, and a delivery none") {
  proto::peer_delivery d;
  d.event = "SEND";
  d.raw_payload = R"({"x": 1.5e300, "s": "q\"uery"})";
  d.query = json(R"({"application":"app","ops":[{"path":"/id","op":"$eq","to":{"value":12345678901234}}],"droppable":true})");
  std::string wire = proto::encode(d);
  CHECK(wire.find(d.raw_payload) != std::string::npos);
  auto back = proto::decode_peer_delivery(wire);
  REQUIRE(back);
  CHECK(back->query == d.query);
  CHECK(back->raw_payload == d.raw_payload);
  CHECK(back->targets.empty());
  // a delivery to chosen clients has no query on the wire, and decodes with a null one
  d.query = value{};
  d.targets = {{"app", "c1"}};
  wire = proto::encode(d);
  CHECK(wire.find("\"query\"") == std::string::npos);
  back = proto::decode_peer_delivery(wire);
  REQUIRE(back);
  CHECK(back->query.is_null());
  CHECK(back->targets == d.targets);
}

TEST_CASE("decode_frame keeps the payload as text only for a SEND or BROADCAST dispatch") {
  for (std::string text : {R"({"op":4,"t":"UPDATE_METADATA","d":{"payload":{"type":"integer","value":5}}})",
                           R"({"op":4,"t":"QUERY_NODES","d":{"payload":[1]}})", R"({"op":1,"d":{"payload":[1]}})",
                           R"({"op":4,"d":{"payload":[1]}})", R"({"op":"4","t":"SEND","d":{"payload":[1]}})"}) {
    INFO(text);
    proto::client_frame f;
    REQUIRE(proto::decode_frame(proto::encoding::json, text, f).ok);
    CHECK(f.raw_payload.empty());
    CHECK(f.body == json(text));
  }
  for (std::string t : {"SEND", "BROADCAST"}) {
    proto::client_frame f;
    REQUIRE(proto::decode_frame(proto::encoding::json, R"({"d":{"payload":[1]},"t":")" + t + R"(","op":4})", f).ok);
    CHECK(f.raw_payload == "[1]");
  }
}
