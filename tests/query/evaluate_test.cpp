// Operator x type rows (Q-11…Q-16), each checked in the canonical and the
// legacy form, plus version hints, operand paths and missing values.

#include <doctest/doctest.h>

#include "query/evaluate.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

struct row {
  const char* entry; // M-2 entry JSON for key "k", or "" for a missing key
  const char* op;
  const char* operand; // raw operand JSON
  bool expected;
};

metadata with_k(const char* entry) {
  std::string text = std::string(R"({"other": {"type": "integer", "value": 0})");
  if (*entry)
    text += std::string(R"(, "k": )") + entry;
  return md(text + "}");
}

void check_rows(std::initializer_list<row> rows) {
  for (const auto& r : rows) {
    metadata m = with_k(r.entry);
    std::string canonical =
        std::string(R"({"ops": [{"path": "/k", "op": ")") + r.op + R"(", "to": {"value": )" + r.operand + "}}]}";
    std::string legacy = std::string(R"({"ops": [{"k": {")") + r.op + R"(": )" + r.operand + "}}]}";
    INFO("k = " << (*r.entry ? r.entry : "(missing)") << ", " << r.op << " " << r.operand);
    CHECK(matches(q(canonical), m) == r.expected);
    CHECK(matches(q(legacy), m) == r.expected);
  }
}

bool hit(const char* query_text, const metadata& m) { return matches(q(query_text), m); }

} // namespace

TEST_SUITE("query.evaluate") {

TEST_CASE("strings compare bytewise and are never equal to numbers (Q-12, Q-13, Q-15)") {
  const char* s = R"({"type": "string", "value": "abc"})";
  check_rows({{s, "$eq", R"("abc")", true},      {s, "$eq", R"("abd")", false},    {s, "$eq", "1", false},
              {s, "$ne", R"("abd")", true},      {s, "$ne", R"("abc")", false},    {s, "$gt", R"("abb")", true},
              {s, "$gt", R"("abc")", false},     {s, "$gte", R"("abc")", true},    {s, "$lt", R"("abd")", true},
              {s, "$lte", R"("abc")", true},     {s, "$lt", "5", false},           {s, "$gt", "null", false},
              {s, "$in", R"(["x", "abc"])", true}, {s, "$in", R"(["x"])", false},  {s, "$nin", R"(["x"])", true},
              {s, "$nin", R"(["abc"])", false},  {s, "$contains", R"("a")", false}, {s, "$ncontains", R"("a")", true}});
  check_rows({{R"({"type": "string", "value": "B"})", "$lt", R"("a")", true},
              {R"({"type": "string", "value": "\u00e9"})", "$gt", R"("z")", true}});
}

TEST_CASE("integers and floats compare by exact numeric value (Q-12, Q-13)") {
  const char* i = R"({"type": "integer", "value": 5})";
  check_rows({{i, "$eq", "5", true},         {i, "$eq", "5.0", true},      {i, "$eq", "5.5", false},
              {i, "$eq", R"("5")", false},   {i, "$ne", "5.0", false},     {i, "$gt", "4", true},
              {i, "$gt", "4.5", true},       {i, "$gt", "5", false},       {i, "$gte", "5.0", true},
              {i, "$lt", "5.5", true},       {i, "$lte", "5", true},       {i, "$lt", R"("6")", false},
              {i, "$in", "[1, 5.0]", true},  {i, "$in", R"(["5"])", false}, {i, "$nin", "[5]", false},
              {i, "$contains", "5", false},  {i, "$ncontains", "5", true}, {i, "$gt", "true", false}});
  const char* f = R"({"type": "float", "value": 2.5})";
  check_rows({{f, "$eq", "2.5", true},   {f, "$eq", "2", false},  {f, "$gt", "2", true},      {f, "$lt", "3", true},
              {f, "$gte", "2.5", true},  {f, "$in", "[2.5]", true}, {f, "$eq", R"("2.5")", false},
              {R"({"type": "float", "value": 2.0})", "$eq", "2", true},
              {R"({"type": "float", "value": 2.0})", "$in", "[2]", true}});
}

TEST_CASE("an integer is not rounded to a double before comparing with a float (Q-12)") {
  const char* big = R"({"type": "integer", "value": 9007199254740993})";
  check_rows({{big, "$eq", "9007199254740992.0", false}, {big, "$ne", "9007199254740992.0", true},
              {big, "$gt", "9007199254740992.0", true},  {big, "$lt", "9007199254740994.0", true},
              {big, "$eq", "9007199254740993", true},    {big, "$in", "[9007199254740992.0]", false}});
}

TEST_CASE("version-typed values compare by SemVer precedence, build ignored (Q-14)") {
  const char* v = R"({"type": "version", "value": "1.10.0"})";
  check_rows({{v, "$gt", R"("1.9.0")", true},         {v, "$lt", R"("1.9.0")", false},
              {v, "$eq", R"("1.10.0+build")", true},  {v, "$eq", R"("1.10.0")", true},
              {v, "$ne", R"("1.10.0+x")", false},     {v, "$eq", R"("v1.10.0")", false},
              {v, "$ne", R"("v1.10.0")", true},       {v, "$gt", R"("garbage")", false},
              {v, "$lt", R"("garbage")", false},      {v, "$gt", "1", false},
              {v, "$in", R"(["1.10.0+b"])", true},    {v, "$nin", R"(["1.10.0+b"])", false},
              {v, "$gte", R"("1.10.0-rc.1")", true},  {v, "$lt", R"("1.10.0-rc.1")", false},
              {v, "$contains", R"("1.10.0")", false}});
  check_rows({{R"({"type": "version", "value": "1.0.0-alpha.1"})", "$lt", R"("1.0.0-alpha.beta")", true},
              {R"({"type": "version", "value": "1.0.0-alpha.1"})", "$lt", R"("1.0.0-alpha.1.0")", true},
              {R"({"type": "version", "value": "1.0.0-alpha.1"})", "$gt", R"("1.0.0-alpha")", true},
              {R"({"type": "version", "value": "1.0.0-alpha.1"})", "$lt", R"("1.0.0")", true},
              {R"({"type": "version", "value": "1.0.0-2"})", "$lt", R"("1.0.0-10")", true}});
}

TEST_CASE("a string-typed version text compares as a string unless the operand says version (Q-14)") {
  const char* s = R"({"type": "string", "value": "1.10.0"})";
  check_rows({{s, "$gt", R"("1.9.0")", false}, {s, "$eq", R"("1.10.0+a")", false}});
  metadata m = with_k(s);
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$gt", "to": {"type": "version", "value": "1.9.0"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$eq", "to": {"type": "version", "value": "1.10.0+a"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$in", "to": {"type": "version", "value": ["1.10.0+z"]}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$contains", "to": {"type": "version", "value": "1"}}]})", m) == false);
  metadata n = with_k(R"({"type": "integer", "value": 5})");
  CHECK_FALSE(hit(R"({"ops": [{"path": "/k", "op": "$eq", "to": {"type": "version", "value": 5}}]})", n));
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$ne", "to": {"type": "version", "value": 5}}]})", n));
  CHECK(hit(R"({"ops": [{"path": "/k", "op": "$eq", "to": {"type": "string", "value": 5}}]})", n));
}

TEST_CASE("lists match $contains by element equality and compare whole for $eq (Q-12, Q-15)") {
  const char* l = R"({"type": "list", "value": ["a", 1, 2.0, null, [1], {"x": 1}]})";
  check_rows({{l, "$contains", R"("a")", true},      {l, "$contains", "1", true},         {l, "$contains", "1.0", true},
              {l, "$contains", "2", true},           {l, "$contains", "null", true},      {l, "$contains", "[1]", true},
              {l, "$contains", R"({"x": 1.0})", true}, {l, "$contains", R"("b")", false}, {l, "$ncontains", R"("b")", true},
              {l, "$ncontains", R"("a")", false},    {l, "$eq", R"(["a", 1, 2, null, [1.0], {"x": 1}])", true},
              {l, "$eq", R"(["a"])", false},         {l, "$ne", R"(["a"])", true},        {l, "$gt", R"(["a"])", false},
              {l, "$in", R"(["a"])", false},         {l, "$in", R"([["a", 1, 2, null, [1], {"x": 1}]])", true}});
}

TEST_CASE("booleans are equal only to booleans and are never ordered (Q-12, Q-13)") {
  const char* b = R"({"type": "boolean", "value": true})";
  check_rows({{b, "$eq", "true", true},  {b, "$eq", R"("true")", false}, {b, "$eq", "1", false},
              {b, "$ne", "false", true}, {b, "$gt", "false", false},     {b, "$lte", "true", false},
              {b, "$in", "[true]", true}, {b, "$contains", "true", false}});
}

TEST_CASE("maps match $contains by member name and $eq regardless of key order (Q-12, Q-15)") {
  const char* m = R"({"type": "map", "value": {"a": 1, "b": [2]}})";
  check_rows({{m, "$contains", R"("a")", true},  {m, "$contains", R"("c")", false},
              {m, "$contains", "1", false},      {m, "$ncontains", R"("c")", true},
              {m, "$eq", R"({"b": [2], "a": 1.0})", true}, {m, "$eq", R"({"a": 1})", false},
              {m, "$gt", R"({"a": 0})", false},  {m, "$nin", R"([{"a": 1, "b": [2.0]}])", false}});
}

TEST_CASE("a missing value fails every positive operator and passes every negation (Q-16)") {
  check_rows({{"", "$eq", "1", false},        {"", "$ne", "1", true},        {"", "$gt", "1", false},
              {"", "$gte", "1", false},       {"", "$lt", "1", false},       {"", "$lte", "1", false},
              {"", "$in", "[1, null]", false}, {"", "$nin", "[1, null]", true}, {"", "$contains", "1", false},
              {"", "$ncontains", "1", true},  {"", "$eq", "null", false},    {"", "$ne", "null", true}});
}

TEST_CASE("an operand path compares with the same client's value, its default, or is missing (Q-6, Q-16)") {
  metadata m = md(R"({"a": {"type": "integer", "value": 3}, "b": {"type": "float", "value": 3.0},
                      "c": {"type": "integer", "value": 4}, "l": {"type": "list", "value": [3, 4]},
                      "s": {"type": "string", "value": "1.0.0"}, "v": {"type": "version", "value": "1.0.0+x"}})");
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/b"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$lt", "to": {"path": "/c"}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/c"}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/nope"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$ne", "to": {"path": "/nope"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/nope", "default": 3}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$ne", "to": {"path": "/nope", "default": null}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"path": "/c", "default": 3}}]})", m) == false);
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$in", "to": {"path": "/l"}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/a", "op": "$in", "to": {"path": "/c"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$nin", "to": {"path": "/c"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/l", "op": "$contains", "to": {"path": "/c"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/a", "op": "$eq", "to": {"value": 3, "path": "/c"}}]})", m)); // value wins
  CHECK(hit(R"({"ops": [{"path": "/s", "op": "$eq", "to": {"path": "/v"}}]})", m)); // B version-typed
}

TEST_CASE("paths reach into lists and maps; deeper values are untyped (Q-10, Q-11)") {
  metadata m = md(R"({"load": {"type": "map", "value": {"cpu": 0.5, "a/b": 1, "m~n": 2, "": 3,
                                                          "v": "1.10.0", "list": [10, 20]}},
                      "key2": {"type": "integer", "value": 7},
                      "restricted": {"type": "boolean", "value": false}})");
  CHECK(hit(R"({"ops": [{"path": "/load/cpu", "op": "$lt", "to": {"value": 0.8}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/load/a~1b", "op": "$eq", "to": {"value": 1}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/load/m~0n", "op": "$eq", "to": {"value": 2}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/load/", "op": "$eq", "to": {"value": 3}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/load/list/1", "op": "$eq", "to": {"value": 20}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/load/list/01", "op": "$eq", "to": {"value": 20}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/load/list/2", "op": "$gte", "to": {"value": 0}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/load/list/-", "op": "$gte", "to": {"value": 0}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/load/cpu/x", "op": "$gte", "to": {"value": 0}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"path": "/load/v", "op": "$gt", "to": {"value": "1.9.0"}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/key2", "op": "$eq", "to": {"value": 7}}]})", m));
  CHECK(hit(R"({"ops": [{"path": "/restricted", "op": "$eq", "to": {"value": false}}]})", m));
}

TEST_CASE("logical operators follow Q-17, including their empty cases") {
  metadata m = md(R"({"a": {"type": "integer", "value": 1}})");
  CHECK(hit(R"({"ops": [{"op": "$and", "with": []}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"op": "$or", "with": []}]})", m));
  CHECK(hit(R"({"ops": [{"op": "$nor", "with": []}]})", m));
  CHECK(hit(R"({"ops": []})", m));
  const char* t = R"({"path": "/a", "op": "$eq", "to": {"value": 1}})";
  const char* f = R"({"path": "/a", "op": "$eq", "to": {"value": 2}})";
  auto with = [](const char* op, std::initializer_list<const char*> kids) {
    std::string s = std::string(R"({"ops": [{"op": ")") + op + R"(", "with": [)";
    bool first = true;
    for (const char* k : kids) {
      s.append(first ? "" : ",").append(k);
      first = false;
    }
    return s + "]}]}";
  };
  CHECK(hit(with("$and", {t, t}).c_str(), m));
  CHECK_FALSE(hit(with("$and", {t, f}).c_str(), m));
  CHECK(hit(with("$or", {f, t}).c_str(), m));
  CHECK_FALSE(hit(with("$or", {f, f}).c_str(), m));
  CHECK(hit(with("$nor", {f, f}).c_str(), m));
  CHECK_FALSE(hit(with("$nor", {f, t}).c_str(), m));
  CHECK_FALSE(hit((std::string(R"({"ops": [)") + t + "," + f + "]}").c_str(), m)); // top level is AND
  CHECK(hit(R"({"ops": [{"op": "$or", "with": [{"op": "$nor", "with": [{"a": {"$eq": 1}}]},
                                               {"$and": [{"a": {"$gt": 0}}, {"a": {"$lt": 2}}]}]}]})", m));
}

TEST_CASE("legacy operator maps AND their entries and nest $and/$or/$nor on the same key (Q-8)") {
  metadata m = md(R"({"score": {"type": "integer", "value": 15}, "region": {"type": "string", "value": "eu"}})");
  CHECK(hit(R"({"ops": [{"score": {"$and": [{"$gt": 10}, {"$lt": 20}]}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"score": {"$and": [{"$gt": 10}, {"$lt": 12}]}}]})", m));
  CHECK(hit(R"({"ops": [{"score": {"$gt": 10, "$lt": 20}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"score": {"$gt": 10, "$lt": 12}}]})", m));
  CHECK(hit(R"({"ops": [{"score": {"$or": [{"$lt": 0}, {"$eq": 15}]}}]})", m));
  CHECK(hit(R"({"ops": [{"score": {"$nor": [{"$lt": 0}, {"$gt": 100}]}}]})", m));
  CHECK(hit(R"({"ops": [{"score": {"$gt": 1}, "region": {"$eq": "eu"}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"score": {"$gt": 1}, "region": {"$eq": "us"}}]})", m));
  CHECK(hit(R"({"ops": [{"$or": [{"region": {"$eq": "us"}}, {"region": {"$eq": "eu"}}]}]})", m));
  CHECK(hit(R"({"ops": [{"score": {}}]})", m)); // no entry that could fail
}

TEST_CASE("the Q-20 example holds in both forms") {
  metadata m = md(R"({"region": {"type": "string", "value": "eu"}, "version": {"type": "version", "value": "2.1.0"},
                      "load": {"type": "map", "value": {"cpu": 0.9}}, "guilds": {"type": "list", "value": ["123"]},
                      "latency": {"type": "integer", "value": 20}})");
  CHECK(hit(R"({"application": "api", "key": "user-1234", "ops": [
      {"path": "/region", "op": "$eq", "to": {"value": "eu"}},
      {"path": "/version", "op": "$gte", "to": {"value": "2.0.0"}},
      {"op": "$or", "with": [{"path": "/load/cpu", "op": "$lt", "to": {"value": 0.8}},
                             {"path": "/guilds", "op": "$contains", "to": {"value": "123"}}]}],
      "selector": {"$min": "latency"}})", m));
  CHECK(hit(R"({"ops": [{"region": {"$eq": "eu"}}, {"version": {"$gte": "2.0.0"}}]})", m));
  CHECK_FALSE(hit(R"({"ops": [{"region": {"$eq": "eu"}}, {"version": {"$gte": "2.10.0"}}]})", m));
}

TEST_CASE("the restricted key decides eligibility unless the query allows restricted clients (A-5, R-1)") {
  metadata r = md(R"({"restricted": {"type": "boolean", "value": true}})");
  metadata n = md(R"({"restricted": {"type": "boolean", "value": false}})");
  CHECK(is_restricted(r));
  CHECK_FALSE(is_restricted(n));
  CHECK_FALSE(is_restricted(metadata{}));
  CHECK_FALSE(eligible(q("{}"), r));
  CHECK(eligible(q(R"({"restricted": true})"), r));
  CHECK(eligible(q("{}"), n));
}

} // TEST_SUITE
