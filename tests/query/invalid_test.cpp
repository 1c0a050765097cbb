// Every invalid-query shape of Q-18, with the reason D-7 carries.

#include <doctest/doctest.h>

#include "tests/query/json_fixture.hpp"

using namespace sy::query::test;

TEST_SUITE("query.invalid") {

TEST_CASE("a query that is not a map is invalid (Q-18)") {
  for (const char* text : {"[]", R"("api")", "null", "5", "true"})
    CHECK(reason(text) == "query must be a map");
}

TEST_CASE("application of another type, or a tag list with a non-string, is invalid (Q-4, Q-18)") {
  for (const char* app : {"5", "true", "{}", "1.5"})
    CHECK(reason(std::string(R"({"application": )") + app + "}") ==
          "application: must be a string, an array of tag strings or null");
  CHECK(reason(R"({"application": ["a", 1]})") == "application[1]: tags must be strings");
  CHECK(reason(R"({"application": [null]})") == "application[0]: tags must be strings");
}

TEST_CASE("ops that is neither an array nor null is invalid (Q-5, Q-18)") {
  CHECK(reason(R"({"ops": {}})") == "ops: must be an array or null");
  CHECK(reason(R"({"ops": "x"})") == "ops: must be an array or null");
  CHECK(reason(R"({"ops": 0})") == "ops: must be an array or null");
}

TEST_CASE("an element or with member that is not a map, or is an empty map, is invalid (Q-18)") {
  CHECK(reason(R"({"ops": [1]})") == "ops[0]: must be a map");
  CHECK(reason(R"({"ops": [{"a": {"$eq": 1}}, []]})") == "ops[1]: must be a map");
  CHECK(reason(R"({"ops": [{}]})") == "ops[0]: must not be an empty map");
  CHECK(reason(R"({"ops": [{"op": "$and", "with": ["x"]}]})") == "ops[0].with[0]: must be a map");
  CHECK(reason(R"({"ops": [{"op": "$or", "with": [{}]}]})") == "ops[0].with[0]: must not be an empty map");
  CHECK(reason(R"({"ops": [{"$or": [null]}]})") == "ops[0].$or[0]: must be a map");
  CHECK(reason(R"({"ops": [{"$nor": [{}]}]})") == "ops[0].$nor[0]: must not be an empty map");
}

TEST_CASE("an unknown operator name is invalid wherever it appears (Q-9, Q-18)") {
  CHECK(reason(R"({"ops": [{"a": 1}, {"b": 2}, {"op": "$foo", "path": "/a", "to": {"value": 1}}]})")
            .starts_with("ops[0]")); // the first bad element is reported
  CHECK(reason(R"({"ops": [{"path": "/a", "op": "$foo", "to": {"value": 1}}]})") ==
        "ops[0]: unknown operator '$foo'");
  CHECK(reason(R"({"ops": [{"op": "eq", "path": "/a", "to": {"value": 1}}]})") == "ops[0]: unknown operator 'eq'");
  CHECK(reason(R"({"ops": [{"$foo": {"$eq": 1}}]})") ==
        "ops[0]: unknown operator '$foo' (keys here name metadata keys)");
  CHECK(reason(R"({"ops": [{"a": {"$foo": 1}}]})") == "ops[0].a: unknown operator '$foo'");
  CHECK(reason(R"({"ops": [{"a": {"lte": 1}}]})") == "ops[0].a: unknown operator 'lte'");
  CHECK(reason(R"({"ops": [{"a": {"$and": [{"$bar": 1}]}}]})") == "ops[0].a.$and[0]: unknown operator '$bar'");
}

TEST_CASE("a $-key beside others in a legacy element is invalid (Q-9)") {
  CHECK(reason(R"({"ops": [{"$and": [], "a": {"$eq": 1}}]})") ==
        "ops[0]: '$and' must be the only key of a legacy logical element");
}

TEST_CASE("a canonical comparison needs path and to (Q-6, Q-18)") {
  CHECK(reason(R"({"ops": [{"op": "$eq", "to": {"value": 1}}]})") == "ops[0]: comparison '$eq' needs 'path'");
  CHECK(reason(R"({"ops": [{"op": "$gt", "path": "/a"}]})") == "ops[0]: comparison '$gt' needs 'to'");
}

TEST_CASE("a comparison path must be a string starting with '/' (Q-10, Q-18)") {
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": 5, "to": {"value": 1}}]})") ==
        "ops[0].path: must be a JSON Pointer string starting with '/'");
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "a", "to": {"value": 1}}]})") ==
        "ops[0].path: must be a JSON Pointer starting with '/', got 'a'");
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "", "to": {"value": 1}}]})") ==
        "ops[0].path: must be a JSON Pointer starting with '/', got ''");
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a~2", "to": {"value": 1}}]})") ==
        "ops[0].path: '~' must be followed by '0' or '1' (RFC 6901), got '/a~2'");
}

TEST_CASE("to must be a map with value or a string path (Q-6, Q-18)") {
  const char* bad = "ops[0].to: must be a map with 'value' or a string 'path'";
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a", "to": 1}]})") == bad);
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a", "to": {}}]})") == bad);
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a", "to": {"default": 1}}]})") == bad);
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a", "to": {"path": 3}}]})") == bad);
  CHECK(reason(R"({"ops": [{"op": "$eq", "path": "/a", "to": {"path": "b"}}]})") ==
        "ops[0].to.path: must be a JSON Pointer starting with '/', got 'b'");
}

TEST_CASE("a logical element needs with, and with must be an array (Q-7, Q-18)") {
  CHECK(reason(R"({"ops": [{"op": "$and"}]})") == "ops[0]: logical operator '$and' needs 'with'");
  CHECK(reason(R"({"ops": [{"op": "$or", "with": {}}]})") == "ops[0].with: must be an array of elements");
  CHECK(reason(R"({"ops": [{"op": "$or", "with": [{"op": "$and", "with": [{"op": "$nor", "with": 1}]}]}]})") ==
        "ops[0].with[0].with[0].with: must be an array of elements");
}

TEST_CASE("a legacy operator map must be a map and a legacy logical operand an array (Q-8, Q-18)") {
  CHECK(reason(R"({"ops": [{"a": 5}]})") == R"(ops[0].a: must be an operator map such as {"$eq": <value>})");
  CHECK(reason(R"({"ops": [{"a": {"$and": [5]}}]})") ==
        R"(ops[0].a.$and[0]: must be an operator map such as {"$eq": <value>})");
  CHECK(reason(R"({"ops": [{"a": {"$or": {"$eq": 1}}}]})") == "ops[0].a.$or: must be an array of operator maps");
  CHECK(reason(R"({"ops": [{"$or": {"a": {"$eq": 1}}}]})") == "ops[0].$or: must be an array of elements");
  CHECK(reason(R"({"ops": [{"op": 5}]})") == R"(ops[0].op: must be an operator map such as {"$eq": <value>})");
}

TEST_CASE("a literal $in or $nin operand that is not an array is invalid (Q-15, Q-18)") {
  CHECK(reason(R"({"ops": [{"op": "$in", "path": "/a", "to": {"value": 1}}]})") ==
        "ops[0].to.value: '$in' needs an array");
  CHECK(reason(R"({"ops": [{"op": "$nin", "path": "/a", "to": {"value": null}}]})") ==
        "ops[0].to.value: '$nin' needs an array");
  CHECK(reason(R"({"ops": [{"a": {"$in": "x"}}]})") == "ops[0].a.$in: '$in' needs an array");
  CHECK(reason(R"({"ops": [{"a": {"$or": [{"$nin": {}}]}}]})") == "ops[0].a.$or[0].$nin: '$nin' needs an array");
  // An operand path is not a literal: it is checked at routing time instead.
  CHECK(reason(R"({"ops": [{"op": "$in", "path": "/a", "to": {"path": "/b", "default": 1}}]})").empty());
}

TEST_CASE("a selector must be null or a map with one known entry naming a string (Q-19, Q-18)") {
  for (const char* sel : {R"("latency")", "5", "[]", "true"})
    CHECK(reason(std::string(R"({"selector": )") + sel + "}") ==
          R"(selector: must be a map such as {"$min": "latency"} or null)");
  CHECK(reason(R"({"selector": {"$min": "a", "$max": "b"}})") == "selector: must have exactly one entry, got 2");
  CHECK(reason(R"({"selector": {"$median": "a"}})") ==
        "selector: unknown selector '$median' (expected $min, $max or $avg)");
  CHECK(reason(R"({"selector": {"min": "a"}})") == "selector: unknown selector 'min' (expected $min, $max or $avg)");
  CHECK(reason(R"({"selector": {"$max": 5}})") == "selector.$max: must be a string naming a metadata key");
  CHECK(reason(R"({"selector": {"$avg": null}})") == "selector.$avg: must be a string naming a metadata key");
  CHECK(reason(R"({"selector": {"$min": "/a~"}})") ==
        "selector.$min: '~' must be followed by '0' or '1' (RFC 6901), got '/a~'");
}

} // TEST_SUITE
