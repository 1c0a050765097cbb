// target_memory (actors/target_memory.hpp): which targets a client's memory
// keeps, what it hands the decoder, and that the query it gives back for a
// kept frame is the one parsing that frame's target gives.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "actors/target_memory.hpp"
#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "query/literal_slot.hpp"
#include "query/parse.hpp"

using namespace sy;

namespace {

std::string to_id(long long n) {
  return R"({"application":"rx","ops":[{"path":"/id","op":"$eq","to":{"value":)" + std::to_string(n) + "}}]}";
}

query::query parsed(const std::string& text) { return *query::parse_query(proto::kept_value(text)).parsed; }

/// The memory after `text` was built and parsed.
void learn(actors::target_memory& m, const std::string& text) { m.learn(text, proto::kept_value(text), parsed(text)); }

/// decode_frame of a SEND with this target, given what the memory knows.
struct sent {
  std::string bytes;
  proto::client_frame f;
};
void decode(sent& s, const actors::target_memory& m, const std::string& target) {
  s.bytes = R"({"op":4,"t":"SEND","d":{"target":)" + target + R"(,"nonce":null,"payload":{}}})";
  REQUIRE(proto::decode_frame(proto::encoding::json, s.bytes, s.f, m.known()).ok);
}

/// Whether two queries are equal in everything (one_literal_apart finds
/// exactly the literal made to differ).
bool equal(const query::query& a, const std::string& b_shape_text, long long n) {
  query::literal_slot slot;
  auto b = parsed(b_shape_text);
  return query::one_literal_apart(a, parsed(to_id(n + 1)), n, n + 1, slot) && query::same_filter(a, b);
}

} // namespace

TEST_SUITE("actors.target_memory") {

TEST_CASE("a target seen once is not kept; seen twice in a row it is, as it is") {
  actors::target_memory m;
  CHECK(m.known().text.empty());
  learn(m, to_id(7));
  CHECK_FALSE(m.kept());
  CHECK(m.known().text.empty());
  learn(m, to_id(7));
  REQUIRE(m.kept());
  CHECK_FALSE(m.varies());
  CHECK(m.known().text == to_id(7));
  CHECK(m.known().hole_len == 0);
  sent s;
  decode(s, m, to_id(7));
  CHECK(s.f.target_kept);
  CHECK(equal(m.query_for(s.f.kept_int), to_id(7), 7));
  sent other;
  decode(other, m, to_id(8)); // no hole: another id is built
  CHECK_FALSE(other.f.target_kept);
}

TEST_CASE("two targets one id apart make a shape: any id in its place is kept and its query set") {
  actors::target_memory m;
  learn(m, to_id(7));
  learn(m, to_id(1234));
  REQUIRE(m.kept());
  CHECK(m.varies());
  CHECK(m.known().text == to_id(1234));
  for (long long n : {1234LL, 7LL, 0LL, -3LL, 55555555555LL}) {
    INFO(n);
    sent s;
    decode(s, m, to_id(n));
    REQUIRE(s.f.target_kept);
    CHECK(s.f.kept_int == n);
    CHECK(equal(m.query_for(s.f.kept_int), to_id(n), n));
  }
}

TEST_CASE("an integer apart in something other than a comparison literal keeps nothing") {
  const char* shapes[][2] = {
    {R"({"application":"rx","key":1,"ops":[]})", R"({"application":"rx","key":2,"ops":[]})"},
    {R"({"application":"rx","ops":[{"path":"/g","op":"$in","to":{"value":[1,2]}}]})",
     R"({"application":"rx","ops":[{"path":"/g","op":"$in","to":{"value":[1,3]}}]})"},
    {R"({"application":"rx","ops":[{"path":"/a1","op":"$eq","to":{"value":1}}]})",
     R"({"application":"rx","ops":[{"path":"/a2","op":"$eq","to":{"value":1}}]})"},
  };
  for (auto& pair : shapes) {
    INFO(pair[0]);
    actors::target_memory m;
    learn(m, pair[0]);
    learn(m, pair[1]);
    CHECK_FALSE(m.kept());
    CHECK(m.known().text.empty());
  }
}

TEST_CASE("a target that fits neither the kept text nor its shape drops what was kept") {
  actors::target_memory m;
  learn(m, to_id(1));
  learn(m, to_id(2));
  REQUIRE(m.varies());
  const std::string other = R"({"application":"rx","ops":[{"path":"/group","op":"$eq","to":{"value":1}}]})";
  learn(m, other);
  CHECK_FALSE(m.kept());
  sent s;
  decode(s, m, to_id(3));
  CHECK_FALSE(s.f.target_kept);
  // and a text the fast decoder did not record (empty) forgets it too
  learn(m, other);
  REQUIRE(m.kept());
  m.learn({}, proto::kept_value(other), parsed(other));
  CHECK_FALSE(m.kept());
}

} // TEST_SUITE
