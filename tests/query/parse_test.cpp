// Valid queries: field coercions (Q-1…Q-5), both op forms and their detection
// (Q-6…Q-9), selectors (Q-19).

#include <doctest/doctest.h>

#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

const comparison& cmp(const node& n) { return std::get<comparison>(n.v); }
const logical& logic(const node& n) { return std::get<logical>(n.v); }

} // namespace

TEST_SUITE("query.parse") {

TEST_CASE("an empty query addresses every application with all defaults (Q-1, Q-5)") {
  query x = q("{}");
  CHECK(x.scope == app_scope::any);
  CHECK_FALSE(x.restricted);
  CHECK_FALSE(x.optional);
  CHECK_FALSE(x.droppable);
  CHECK_FALSE(x.key.has_value());
  CHECK(x.ops.empty());
  CHECK_FALSE(x.selector.has_value());
  CHECK(q(R"({"ops": null, "application": null, "selector": null, "whatever": [1]})").ops.empty());
}

TEST_CASE("restricted, optional and droppable are true only for true and \"true\" (Q-2)") {
  CHECK(q(R"({"restricted": true})").restricted);
  CHECK(q(R"({"optional": "true"})").optional);
  CHECK(q(R"({"droppable": true})").droppable);
  for (const char* other : {"false", R"("false")", "null", "1", R"("TRUE")", "[]", "{}"}) {
    query x = q(std::string(R"({"restricted": )") + other + R"(, "optional": )" + other + R"(, "droppable": )" +
                other + "}");
    CHECK_FALSE(x.restricted);
    CHECK_FALSE(x.optional);
    CHECK_FALSE(x.droppable);
  }
}

TEST_CASE("key keeps strings, turns integers into decimal text, and drops the rest (Q-3)") {
  CHECK(*q(R"({"key": "user-1"})").key == "user-1");
  CHECK(*q(R"({"key": 42})").key == "42");
  CHECK(*q(R"({"key": -7})").key == "-7");
  CHECK(*q(R"({"key": ""})").key == "");
  for (const char* other : {"4.5", "true", "null", "{}", "[1]"})
    CHECK_FALSE(q(std::string(R"({"key": )") + other + "}").key.has_value());
}

TEST_CASE("application is an id, a tag list, or every application (Q-4, T-4)") {
  query a = q(R"({"application": "api"})");
  CHECK(a.scope == app_scope::exact);
  CHECK(a.application == "api");
  query t = q(R"({"application": ["test", "webscale"]})");
  CHECK(t.scope == app_scope::tags);
  CHECK(t.tags == std::vector<std::string>{"test", "webscale"});
  query e = q(R"({"application": []})");
  CHECK(e.scope == app_scope::tags);
  CHECK(e.tags.empty());
}

TEST_CASE("a canonical comparison keeps its path, operator and literal operand (Q-6)") {
  query x = q(R"({"ops": [{"path": "/load/c~1pu", "op": "$lte", "to": {"value": 0.8, "type": "float"}}]})");
  REQUIRE(x.ops.size() == 1);
  const auto& c = cmp(x.ops[0]);
  CHECK(c.at.segments == std::vector<std::string>{"load", "c/pu"});
  CHECK(c.op == cmp_op::lte);
  CHECK(c.to.literal);
  CHECK(c.to.lit == value{0.8});
  CHECK_FALSE(c.to.version);
}

TEST_CASE("an operand may be a path with or without default, and may carry type version (Q-6)") {
  query x = q(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/b", "default": null}},
                          {"path": "/a", "op": "$eq", "to": {"path": "/b"}},
                          {"path": "/a", "op": "$gt", "to": {"type": "version", "value": "1.0.0"}},
                          {"path": "/a", "op": "$eq", "to": {"value": 1, "path": "/b"}}]})");
  REQUIRE(x.ops.size() == 4);
  CHECK_FALSE(cmp(x.ops[0]).to.literal);
  CHECK(cmp(x.ops[0]).to.from.segments == std::vector<std::string>{"b"});
  REQUIRE(cmp(x.ops[0]).to.fallback.has_value());
  CHECK(cmp(x.ops[0]).to.fallback->is_null());
  CHECK_FALSE(cmp(x.ops[1]).to.fallback.has_value());
  CHECK(cmp(x.ops[2]).to.version);
  CHECK(cmp(x.ops[3]).to.literal); // value wins over path
  CHECK(cmp(x.ops[3]).to.lit == value{1});
}

TEST_CASE("a canonical logical element holds its children, possibly none (Q-7)") {
  query x = q(R"({"ops": [{"op": "$or", "with": [{"path": "/a", "op": "$eq", "to": {"value": 1}},
                                                 {"op": "$nor", "with": []}]}]})");
  const auto& l = logic(x.ops[0]);
  CHECK(l.op == logic_op::or_);
  REQUIRE(l.with.size() == 2);
  CHECK(logic(l.with[1]).op == logic_op::nor);
  CHECK(logic(l.with[1]).with.empty());
}

TEST_CASE("a legacy key-scoped element becomes comparisons on that one key (Q-8)") {
  query x = q(R"({"ops": [{"latency": {"$lte": 100}}]})");
  const auto& c = cmp(x.ops[0]);
  CHECK(c.at.segments == std::vector<std::string>{"latency"});
  CHECK(c.op == cmp_op::lte);
  CHECK(c.to.lit == value{100});
  // The key is literal: no pointer escapes, slashes are part of the name.
  CHECK(cmp(q(R"({"ops": [{"a/b~0": {"$eq": 1}}]})").ops[0]).at.segments == std::vector<std::string>{"a/b~0"});
}

TEST_CASE("legacy entries and keys are all AND-ed, nested logic stays on the key (Q-8)") {
  query x = q(R"({"ops": [{"score": {"$gt": 10, "$or": [{"$lt": 20}, {"$eq": 99}]}, "region": {"$eq": "eu"}}]})");
  const auto& all = logic(x.ops[0]);
  CHECK(all.op == logic_op::and_);
  REQUIRE(all.with.size() == 2);
  const auto& score = logic(all.with[0]);
  REQUIRE(score.with.size() == 2);
  CHECK(cmp(score.with[0]).op == cmp_op::gt);
  const auto& either = logic(score.with[1]);
  CHECK(either.op == logic_op::or_);
  CHECK(cmp(either.with[1]).at.key() == "score");
  CHECK(cmp(all.with[1]).at.key() == "region");
}

TEST_CASE("a top-level legacy logical element takes elements of any form (Q-8, Q-9)") {
  query x = q(R"({"ops": [{"$or": [{"region": {"$eq": "eu"}},
                                   {"path": "/region", "op": "$eq", "to": {"value": "us"}},
                                   {"op": "$and", "with": []}]}]})");
  const auto& l = logic(x.ops[0]);
  CHECK(l.op == logic_op::or_);
  REQUIRE(l.with.size() == 3);
  CHECK(cmp(l.with[1]).to.lit == value{"us"});
}

TEST_CASE("form detection looks at a string op first, then a lone logical key, else keys (Q-9)") {
  // "op" that is not a string makes "op" an ordinary metadata key.
  query x = q(R"({"ops": [{"op": {"$eq": 5}}]})");
  CHECK(cmp(x.ops[0]).at.key() == "op");
  // A string op wins even when other keys are present.
  query y = q(R"({"ops": [{"op": "$ne", "path": "/a", "to": {"value": 1}, "region": {"$eq": "eu"}}]})");
  CHECK(cmp(y.ops[0]).op == cmp_op::ne);
}

TEST_CASE("selectors take a key name, or a path when it starts with '/' (Q-19)") {
  query a = q(R"({"selector": {"$min": "latency"}})");
  REQUIRE(a.selector.has_value());
  CHECK(a.selector->kind == selector_kind::min);
  CHECK(a.selector->at.segments == std::vector<std::string>{"latency"});
  query b = q(R"({"selector": {"$max": "/load/cpu"}})");
  CHECK(b.selector->kind == selector_kind::max);
  CHECK(b.selector->at.segments == std::vector<std::string>{"load", "cpu"});
  query c = q(R"({"selector": {"$avg": "a/b"}})");
  CHECK(c.selector->kind == selector_kind::avg);
  CHECK(c.selector->at.segments == std::vector<std::string>{"a/b"});
  CHECK_FALSE(q(R"({"selector": {}})").selector.has_value());
}

TEST_CASE("restricted, optional, droppable and key never make a query invalid (Q-18)") {
  CHECK(reason(R"({"restricted": {}, "optional": [], "droppable": 3, "key": {"a": 1}})").empty());
}

} // TEST_SUITE
