// same_filter (query.hpp): when two parsed queries select the same members,
// so that a kept routing result may be reused (actors/route_cache).

#include <doctest/doctest.h>

#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

bool same(const char* a, const char* b) { return same_filter(q(a), q(b)); }

} // namespace

TEST_SUITE("query.same_filter") {

TEST_CASE("the same query text, and texts that parse to the same tree, are the same filter") {
  const char* group = R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]})";
  CHECK(same(group, group));
  CHECK(same(group, R"({"ops": [{"to": {"value": 0}, "op": "$eq", "path": "/group"}], "application": "a"})"));
  // Q-8's legacy form parses to the same comparison
  CHECK(same(group, R"({"application": "a", "ops": [{"group": {"$eq": 0}}]})"));
  // what does not choose members is not compared
  CHECK(same(group, R"({"application": "b", "droppable": true, "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]})"));
  CHECK(same(R"({"application": "a"})", R"({"application": "a", "ops": []})"));
}

TEST_CASE("any difference in what chooses members makes another filter") {
  const char* base = R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]})";
  const char* other[] = {
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 1}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": "0"}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0.5}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": null}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$ne", "to": {"value": 0}}]})",
    R"({"application": "a", "ops": [{"path": "/grou", "op": "$eq", "to": {"value": 0}}]})",
    R"({"application": "a", "ops": [{"path": "/group/0", "op": "$eq", "to": {"value": 0}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"path": "/other"}}]})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0, "type": "version"}}]})",
    R"({"application": "a", "restricted": true, "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]})",
    R"({"application": "a", "optional": true, "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]})",
    R"({"application": "a", "ops": []})",
    R"({"application": "a", "ops": [{"path": "/group", "op": "$eq", "to": {"value": 0}},
                                    {"path": "/group", "op": "$eq", "to": {"value": 0}}]})",
    R"({"application": "a", "ops": [{"$or": [{"path": "/group", "op": "$eq", "to": {"value": 0}}]}]})",
  };
  for (const char* o : other) {
    CAPTURE(o);
    CHECK_FALSE(same(base, o));
    CHECK_FALSE(same(o, base));
  }
}

TEST_CASE("operands from paths compare their path and default; logical nodes their operator and children") {
  const char* from = R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/b", "default": 3}}]})";
  CHECK(same(from, from));
  CHECK_FALSE(same(from, R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/b", "default": 4}}]})"));
  CHECK_FALSE(same(from, R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/b"}}]})"));
  CHECK_FALSE(same(from, R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/c", "default": 3}}]})"));
  const char* any = R"({"ops": [{"$or": [{"path": "/a", "op": "$eq", "to": {"value": 1}},
                                         {"path": "/a", "op": "$eq", "to": {"value": 2}}]}]})";
  CHECK(same(any, any));
  CHECK_FALSE(same(any, R"({"ops": [{"$nor": [{"path": "/a", "op": "$eq", "to": {"value": 1}},
                                               {"path": "/a", "op": "$eq", "to": {"value": 2}}]}]})"));
  CHECK_FALSE(same(any, R"({"ops": [{"$or": [{"path": "/a", "op": "$eq", "to": {"value": 2}},
                                              {"path": "/a", "op": "$eq", "to": {"value": 1}}]}]})"));
  CHECK_FALSE(same(any, R"({"ops": [{"$or": [{"path": "/a", "op": "$eq", "to": {"value": 1}}]}]})"));
}

}
