// literal_slot (query/literal_slot.hpp): the one integer literal two parsed
// queries differ in, and setting it, which must give what parsing the
// query with that integer gives.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "query/literal_slot.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

std::string with(std::string_view shape, long long n) {
  std::string s(shape);
  s.replace(s.find('@'), 1, std::to_string(n));
  return s;
}

/// The slot found between the shape with 3 and with 4, or nullopt.
bool apart(std::string_view shape, literal_slot& slot) {
  return one_literal_apart(q(with(shape, 3)), q(with(shape, 4)), 3, 4, slot);
}

} // namespace

TEST_SUITE("query.literal_slot") {

TEST_CASE("a comparison literal, in any form and nesting, is found; setting it is parsing with that value") {
  const char* shapes[] = {
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": @}}]})",
    R"({"application": "a", "ops": [{"path": "/x", "op": "$eq", "to": {"value": 9}}, {"path": "/id", "op": "$gt", "to": {"value": @}}]})",
    R"({"application": "a", "ops": [{"id": {"$eq": @}}]})",
    R"({"application": "a", "ops": [{"id": {"$or": [{"$eq": 1}, {"$eq": @}]}}]})",
    R"({"application": "a", "ops": [{"op": "$or", "with": [{"path": "/a", "op": "$eq", "to": {"value": 1}}, {"op": "$and", "with": [{"path": "/b", "op": "$lt", "to": {"value": @}}]}]}]})",
    R"({"application": "a", "ops": [{"path": "/v", "op": "$gte", "to": {"value": @, "type": "version"}}]})",
    R"({"application": "a", "restricted": true, "optional": true, "droppable": true, "key": "k", "ops": [{"path": "/id", "op": "$ne", "to": {"value": @}}], "selector": {"$min": "/lat"}})",
  };
  for (const char* shape : shapes) {
    INFO(shape);
    literal_slot slot;
    REQUIRE(apart(shape, slot));
    for (long long n : {-5LL, 0LL, 4LL, 77LL, 999999999999999999LL}) {
      query set = q(with(shape, 3));
      set_literal(set, slot, n);
      CHECK(same_filter(set, q(with(shape, n))));
      // everything else equal too, and the literal is n
      literal_slot again;
      CHECK(one_literal_apart(set, q(with(shape, n + 1)), n, n + 1, again));
      CHECK(again == slot);
    }
  }
}

TEST_CASE("an integer anywhere but in a comparison literal has no slot") {
  const char* shapes[] = {
    // an element of an $in array: the literal is the array
    R"({"application": "a", "ops": [{"path": "/id", "op": "$in", "to": {"value": [1, @]}}]})",
    // a default of a path operand
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"path": "/other", "default": @}}]})",
    // the consistent-hashing key, coerced to a string
    R"({"application": "a", "key": @, "ops": []})",
    // a literal that is an object
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": {"n": @}}}]})",
  };
  for (const char* shape : shapes) {
    INFO(shape);
    literal_slot slot;
    CHECK_FALSE(apart(shape, slot));
  }
}

TEST_CASE("two queries apart in anything besides the one literal, or with other values, have no slot") {
  const char* base = R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 3}}]})";
  const char* other[] = {
    R"({"application": "b", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "restricted": true, "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "optional": true, "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "droppable": true, "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "key": "k", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "selector": {"$max": "/x"}, "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": ["t"], "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "ops": [{"path": "/ie", "op": "$eq", "to": {"value": 4}}]})",
    R"({"application": "a", "ops": [{"path": "/id", "op": "$ne", "to": {"value": 4}}]})",
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4, "type": "version"}}]})",
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4.0}}]})",
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": "4"}}]})",
    R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}, {"path": "/x", "op": "$eq", "to": {"value": 1}}]})",
    R"({"application": "a", "ops": [{"op": "$and", "with": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]}]})",
  };
  for (const char* o : other) {
    INFO(o);
    literal_slot slot;
    CHECK_FALSE(one_literal_apart(q(base), q(o), 3, 4, slot));
  }
  // the right shape but not the values said to differ
  literal_slot slot;
  const char* four = R"({"application": "a", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 4}}]})";
  CHECK(one_literal_apart(q(base), q(four), 3, 4, slot));
  CHECK_FALSE(one_literal_apart(q(base), q(four), 4, 3, slot));
  CHECK_FALSE(one_literal_apart(q(base), q(four), 3, 5, slot));
  // two literals apart
  const char* two = R"({"application": "a", "ops": [{"path": "/a", "op": "$eq", "to": {"value": 3}}, {"path": "/b", "op": "$eq", "to": {"value": 3}}]})";
  const char* both = R"({"application": "a", "ops": [{"path": "/a", "op": "$eq", "to": {"value": 4}}, {"path": "/b", "op": "$eq", "to": {"value": 4}}]})";
  CHECK_FALSE(one_literal_apart(q(two), q(both), 3, 4, slot));
}

} // TEST_SUITE
