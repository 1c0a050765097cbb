// proto/target_hole's integer_apart, and decode_frame with a known target
// that has an integer hole (proto/json_fast known_hole_at/len): a target
// that is the known text with any integer in the hole is not built and its
// integer is reported; anything else decodes exactly as without it.

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "proto/target_hole.hpp"
#include "query/value.hpp"

using sy::query::value;
namespace proto = sy::proto;

namespace {

std::string send(std::string_view target, std::string_view payload = R"({"n":1})") {
  return R"({"op":4,"t":"SEND","d":{"target":)" + std::string(target) + R"(,"nonce":null,"payload":)"
         + std::string(payload) + "}}";
}

/// A target template: `@` marks the hole.
struct shape {
  std::string before, after;
  std::string with(std::string_view token) const { return before + std::string(token) + after; }
  proto::known_target known(const std::string& text, std::size_t len) const {
    proto::known_target k{std::string_view(text)};
    k.hole_at = before.size();
    k.hole_len = len;
    return k;
  }
};

shape split(std::string_view t) {
  auto at = t.find('@');
  return {std::string(t.substr(0, at)), std::string(t.substr(at + 1))};
}

const shape by_id = split(R"({"application":"bench","ops":[{"path":"/id","op":"$eq","to":{"value":@}}]})");

/// decode_frame of `bytes` with the template's text (its own integer 17) as known.
struct decoded {
  std::string known_text;
  std::string bytes;
  proto::client_frame f;
  bool ok = false;
};

void decode_with(decoded& d, const shape& s, std::string_view token) {
  d.known_text = s.with("17");
  d.bytes = send(s.with(token));
  d.ok = proto::decode_frame(proto::encoding::json, d.bytes, d.f, s.known(d.known_text, 2)).ok;
}

} // namespace

TEST_SUITE("proto.target_hole") {

TEST_CASE("two texts one integer apart: where the token is, in both, with both values") {
  auto h = proto::integer_apart(by_id.with("17"), by_id.with("4093"));
  REQUIRE(h);
  CHECK(h->at == by_id.before.size());
  CHECK(h->len_a == 2);
  CHECK(h->len_b == 4);
  CHECK(h->value_a == 17);
  CHECK(h->value_b == 4093);
  // the common digits at either end belong to the token
  auto g = proto::integer_apart(by_id.with("1234"), by_id.with("1294"));
  REQUIRE(g);
  CHECK(g->at == by_id.before.size());
  CHECK(g->len_a == 4);
  CHECK(g->value_a == 1234);
  CHECK(g->value_b == 1294);
  auto n = proto::integer_apart(by_id.with("-5"), by_id.with("5"));
  REQUIRE(n);
  CHECK(n->value_a == -5);
  CHECK(n->value_b == 5);
  CHECK(n->len_a == 2);
  auto z = proto::integer_apart(R"({"a":[0,1]})", R"({"a":[0,123456789012345678]})");
  REQUIRE(z);
  CHECK(z->value_b == 123456789012345678);
}

TEST_CASE("texts that are equal, or differ elsewhere than in one integer token, have no hole") {
  const char* pairs[][2] = {
    {R"({"a":1})", R"({"a":1})"},                         // equal
    {R"({"a":1,"b":2})", R"({"a":3,"b":4})"},             // two places
    {R"({"a":1})", R"({"a":1.5})"},                       // a float
    {R"({"a":1})", R"({"a":1e3})"},                       // an exponent
    {R"({"a":10})", R"({"a":1E3})"},
    {R"({"a":1})", R"({"a": 2})"},                        // whitespace too
    {R"({"a":"x1"})", R"({"a":"x2"})"},                   // inside a string
    {R"({"a":"1"})", R"({"a":"2"})"},
    {R"({"a\"1":0})", R"({"a\"2":0})"},                   // an escaped quote does not close the string
    {R"({"a1":0})", R"({"a2":0})"},                       // a key
    {R"({"a":1})", R"({"a":null})"},
    {R"({"a":1})", R"({"a":-0})"},                        // -0 is built by the full parser
    {R"({"a":1})", R"({"a":1234567890123456789})"},       // 19 digits
    {R"({"a":1})", R"({"b":1})"},
    {R"({"a":true})", R"({"a":false})"},
  };
  for (auto& p : pairs) {
    INFO(p[0] << " / " << p[1]);
    CHECK_FALSE(proto::integer_apart(p[0], p[1]));
  }
}

TEST_CASE("integer tokens are JSON's integers as the fast parser builds them") {
  CHECK(proto::integer_token("0") == 0);
  CHECK(proto::integer_token("-7") == -7);
  CHECK(proto::integer_token("999999999999999999") == 999999999999999999);
  CHECK(proto::integer_token("-999999999999999999") == -999999999999999999);
  for (const char* bad : {"", "-", "01", "-0", "-01", "1.0", "1e2", "+1", " 1", "1 ", "1234567890123456789", "x"}) {
    INFO(bad);
    CHECK_FALSE(proto::integer_token(bad));
  }
}

TEST_CASE("a target that is the known text with another integer in its hole is kept, with that integer") {
  for (const char* token : {"17", "4093", "0", "-1", "-999999999999999999", "999999999999999999", "5"}) {
    INFO(token);
    decoded d;
    decode_with(d, by_id, token);
    REQUIRE(d.ok);
    CHECK(d.f.target_kept);
    CHECK(d.f.kept_int == *proto::integer_token(token));
    CHECK(d.f.raw_target == by_id.with(token)); // the frame's own text
    // what code reading the tree gets is the target as sent
    d.f.materialize();
    CHECK(*d.f.body.find("d")->find("target") == proto::kept_value(by_id.with(token)));
  }
}

TEST_CASE("anything else in the hole, or around it, is built as without a known target") {
  const char* tokens[] = {"1.5", "1e2", "1E2", "-0", "01", "\"17\"", "null", "[17]", " 17", "17 ", "1234567890123456789",
                          "-", "17,\"x\":1"};
  for (const char* token : tokens) {
    INFO(token);
    decoded with;
    decode_with(with, by_id, token);
    proto::client_frame plain;
    auto r = proto::decode_frame(proto::encoding::json, with.bytes, plain);
    CHECK(with.ok == r.ok);
    CHECK_FALSE(with.f.target_kept);
    if (r.ok)
      CHECK(with.f.body == plain.body);
  }
  // a change before or after the hole
  for (const char* t : {R"({"application":"bencx","ops":[{"path":"/id","op":"$eq","to":{"value":17}}]})",
                        R"({"application":"bench","ops":[{"path":"/id","op":"$eq","to":{"value":17}}],"x":1})",
                        R"({"application":"bench","ops":[{"path":"/id","op":"$eq","to":{"value":17}}})"}) {
    INFO(t);
    std::string known_text = by_id.with("17");
    std::string bytes = send(t);
    proto::client_frame with, plain;
    auto a = proto::decode_frame(proto::encoding::json, bytes, with, by_id.known(known_text, 2));
    auto b = proto::decode_frame(proto::encoding::json, bytes, plain);
    CHECK(a.ok == b.ok);
    CHECK(a.error == b.error);
    CHECK_FALSE(with.target_kept);
  }
}

TEST_CASE("random integers and corruptions in and around the hole decode the same with and without the known text") {
  const shape shapes[] = {
    by_id,
    split(R"({"application":"a","ops":[{"path":"/g","op":"$in","to":{"value":[1,@,3]}}]})"),
    split(R"({"ops":[{"$or":[{"x":{"$eq":@}},{"y":{"$gt":2}}]}]})"),
    split(R"({ "application" : "a" , "ops" : [ { "path" : "/n" , "op" : "$lt" , "to" : { "value" : @ } } ] })"),
  };
  const char* odd[] = {"-", "01", "-0", "1.5", "2e3", "\"7\"", "null", "1234567890123456789", " 5", "5 ", "", "--1", "0x1"};
  std::mt19937 rng(21);
  int kept = 0;
  for (int round = 0; round < 4000; ++round) {
    const shape& s = shapes[rng() % std::size(shapes)];
    std::string token;
    if (rng() % 5 == 0) {
      token = odd[rng() % std::size(odd)];
    } else {
      long long n = static_cast<long long>(rng() % 1000000) * (rng() % 2 ? 1 : -1);
      if (rng() % 10 == 0)
        n = 100000000000000000LL + static_cast<long long>(rng());
      token = std::to_string(n);
    }
    std::string bytes = send(s.with(token));
    if (rng() % 3 == 0) { // one byte deleted, inserted or replaced anywhere
      static const char noise[] = "{}[]:,\"\\0123456789-+.eE ";
      std::size_t at = rng() % bytes.size();
      char c = noise[rng() % (sizeof(noise) - 1)];
      switch (rng() % 3) {
        case 0: bytes.erase(at, 1); break;
        case 1: bytes.insert(at, 1, c); break;
        default: bytes[at] = c;
      }
    }
    INFO(bytes);
    std::string known_text = s.with("42");
    proto::client_frame with, plain;
    auto a = proto::decode_frame(proto::encoding::json, bytes, with, s.known(known_text, 2));
    auto b = proto::decode_frame(proto::encoding::json, bytes, plain);
    CHECK(a.ok == b.ok);
    CHECK(a.error == b.error);
    if (!a.ok || !b.ok)
      continue;
    CHECK(with.echo() == plain.echo());
    if (with.target_kept) {
      ++kept;
      // the reported integer is the one the built target has in the hole
      std::string_view t = with.raw_target;
      auto n = proto::integer_token(t.substr(s.before.size(), t.size() - s.before.size() - s.after.size()));
      REQUIRE(n);
      CHECK(with.kept_int == *n);
      CHECK(t.substr(0, s.before.size()) == s.before);
      CHECK(t.substr(t.size() - s.after.size()) == s.after);
    }
    with.materialize();
    plain.materialize();
    CHECK(with.body == plain.body);
  }
  CHECK(kept > 1500);
}

} // TEST_SUITE
