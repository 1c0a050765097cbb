// member_index: indexed lookups give matches() semantics (Q-12, Q-14), R-1
// steps 2/4/5/6 and the K-5 candidate answer, and updates keep it exact.

#include <doctest/doctest.h>

#include "query/index.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

std::string ids(const std::vector<const indexed_client*>& v) {
  std::string out;
  for (const auto* c : v)
    out += (out.empty() ? "" : ",") + c->client_id;
  return out;
}

std::string find(const member_index& ix, const char* query_text) { return ids(ix.find(q(query_text))); }

member_index sample() {
  member_index ix;
  ix.upsert("a", md(R"({"id": {"type": "string", "value": "id-a"}, "n": {"type": "integer", "value": 1},
                        "v": {"type": "version", "value": "1.0.0+a"}, "s": {"type": "string", "value": "1.0.0+a"},
                        "l": {"type": "list", "value": ["x", 1]}, "m": {"type": "map", "value": {"eu": 1}},
                        "restricted": {"type": "boolean", "value": false}})"));
  ix.upsert("b", md(R"({"id": {"type": "string", "value": "id-b"}, "n": {"type": "float", "value": 1.0},
                        "v": {"type": "version", "value": "1.10.0"}, "l": {"type": "list", "value": ["y", 1.0]},
                        "m": {"type": "map", "value": {"us": 1}}})"));
  ix.upsert("c", md(R"({"id": {"type": "string", "value": "id-c"}, "n": {"type": "integer", "value": 9007199254740993},
                        "v": {"type": "version", "value": "2.0.0-rc.1"}, "l": {"type": "list", "value": []}})"));
  ix.upsert("r", md(R"({"id": {"type": "string", "value": "id-r"}, "n": {"type": "float", "value": 0.5},
                        "restricted": {"type": "boolean", "value": true}})"));
  return ix;
}

} // namespace

TEST_SUITE("query.index") {

TEST_CASE("$eq and $in buckets treat integer 1 and float 1.0 as one value (Q-12)") {
  auto ix = sample();
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 1}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 1.0}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"n": {"$in": [1.0, 7]}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 9007199254740992.0}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 9007199254740993}}]})") == "c");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-b"}}]})") == "b");
}

TEST_CASE("version-typed values share a bucket by precedence; string-typed ones need the hint (Q-14)") {
  auto ix = sample();
  CHECK(find(ix, R"({"ops": [{"v": {"$eq": "1.0.0+b"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"v": {"$in": ["1.0.0", "1.10.0+z"]}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"s": {"$eq": "1.0.0+b"}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"s": {"$eq": "1.0.0+a"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"path": "/s", "op": "$eq", "to": {"value": "1.0.0+b", "type": "version"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"path": "/v", "op": "$eq", "to": {"value": "garbage", "type": "version"}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"v": {"$gt": "1.9.0"}}]})") == "b,c");
}

TEST_CASE("$contains finds list elements by value and map members by name (Q-15)") {
  auto ix = sample();
  CHECK(find(ix, R"({"ops": [{"l": {"$contains": 1}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"l": {"$contains": "y"}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"m": {"$contains": "eu"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"m": {"$contains": 1}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"l": {"$ncontains": 1}}]})") == "c"); // negation: complement, no index
}

TEST_CASE("numeric ranges use exact order across integers and floats (Q-13)") {
  auto ix = sample();
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": 1}}]})") == "c");
  CHECK(find(ix, R"({"ops": [{"n": {"$gte": 1.0}}]})") == "a,b,c");
  CHECK(find(ix, R"({"ops": [{"n": {"$lt": 9007199254740993}}]})") == "a,b");
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": 9007199254740992.0}}]})") == "c");
  CHECK(find(ix, R"({"restricted": true, "ops": [{"n": {"$lte": 1}}]})") == "a,b,r");
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": "1"}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": null}}]})") == "");
}

TEST_CASE("restricted members are left out unless the query allows them (R-1 step 2, A-5)") {
  auto ix = sample();
  CHECK(find(ix, "{}") == "a,b,c");
  CHECK(find(ix, R"({"restricted": true})") == "a,b,c,r");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-r"}}]})") == "");
  CHECK(find(ix, R"({"restricted": "true", "ops": [{"id": {"$eq": "id-r"}}]})") == "r");
}

TEST_CASE("the most selective conjunct narrows and the others are verified (R-1 step 4)") {
  auto ix = sample();
  CHECK(find(ix, R"({"ops": [{"n": {"$gte": 0}}, {"l": {"$contains": "x"}}, {"id": {"$ne": "id-b"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"op": "$and", "with": [{"id": {"$eq": "id-a"}}, {"n": {"$eq": 2}}]}]})") == "");
  CHECK(find(ix, R"({"ops": [{"$or": [{"id": {"$eq": "id-a"}}, {"id": {"$eq": "id-c"}}]}]})") == "a,c");
  CHECK(find(ix, R"({"ops": [{"nope": {"$eq": 1}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"nope": {"$ne": 1}}]})") == "a,b,c");
}

TEST_CASE("$min and $max pick one member, ties to the smallest client id (R-1 step 5, R-3)") {
  auto ix = sample();
  CHECK(find(ix, R"({"selector": {"$min": "n"}})") == "a"); // a and b tie at 1
  CHECK(find(ix, R"({"selector": {"$max": "n"}})") == "c");
  CHECK(find(ix, R"({"restricted": true, "selector": {"$min": "n"}})") == "r");
  CHECK(find(ix, R"({"ops": [{"id": {"$ne": "id-a"}}], "selector": {"$min": "n"}})") == "b");
  CHECK(find(ix, R"({"ops": [{"l": {"$contains": "y"}}], "selector": {"$max": "n"}})") == "b");
  CHECK(find(ix, R"({"selector": {"$min": "id"}})") == ""); // no numeric value
  CHECK(find(ix, R"({"selector": {"$avg": "n"}})") == "a"); // mean ~3e15: 1 and 1.0 are closer than c
}

TEST_CASE("optional falls back to the restricted-filtered members without ops or selector (R-1 step 6)") {
  auto ix = sample();
  CHECK(find(ix, R"({"optional": true, "ops": [{"id": {"$eq": "none"}}]})") == "a,b,c");
  CHECK(find(ix, R"({"optional": true, "restricted": true, "ops": [{"id": {"$eq": "none"}}]})") == "a,b,c,r");
  CHECK(find(ix, R"({"optional": true, "selector": {"$max": "id"}})") == "a,b,c");
  CHECK(find(ix, R"({"optional": true, "ops": [{"id": {"$eq": "id-b"}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "none"}}]})") == "");
}

TEST_CASE("an update is visible at once in every index and a removal leaves none behind (M-6)") {
  auto ix = sample();
  auto changed = ix.get("a")->md;
  changed["id"].val = value{"id-a2"};
  changed["n"] = entry{mtype::integer, value{50}};
  changed["l"].val = value{array{value{"z"}}};
  changed.erase("m");
  ix.upsert("a", changed);
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-a"}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-a2"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 1}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": 40}}]})") == "a,c");
  CHECK(find(ix, R"({"ops": [{"l": {"$contains": "x"}}]})") == "");
  CHECK(find(ix, R"({"ops": [{"l": {"$contains": "z"}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"m": {"$contains": "eu"}}]})") == "");
  CHECK(ix.remove("c"));
  CHECK_FALSE(ix.remove("c"));
  CHECK(ix.get("c") == nullptr);
  CHECK(ix.size() == 3);
  CHECK(find(ix, R"({"selector": {"$max": "n"}})") == "a");
  CHECK(find(ix, R"({"ops": [{"v": {"$gt": "1.9.0"}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"n": {"$gt": 100}}]})") == "");
  ix.upsert("c", md(R"({"n": {"type": "integer", "value": 2}})")); // re-added, reusing a slot
  CHECK(find(ix, R"({"ops": [{"n": {"$in": [2]}}]})") == "c");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-c"}}]})") == "");
}

TEST_CASE("a key whose type changes moves between version and plain semantics (M-5, Q-14)") {
  member_index ix;
  ix.upsert("x", md(R"({"k": {"type": "string", "value": "1.0.0+a"}})"));
  CHECK(find(ix, R"({"ops": [{"k": {"$eq": "1.0.0+b"}}]})") == "");
  ix.upsert("x", md(R"({"k": {"type": "version", "value": "1.0.0+a"}})"));
  CHECK(find(ix, R"({"ops": [{"k": {"$eq": "1.0.0+b"}}]})") == "x");
}

TEST_CASE("merge replaces only the given keys and re-indexes them at once (M-5, M-6)") {
  auto ix = sample();
  CHECK(ix.merge("b", {{"n", entry{mtype::integer, value{7}}}, {"new", entry{mtype::list, value{array{value{"q"}}}}}}));
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 1}}]})") == "a");
  CHECK(find(ix, R"({"ops": [{"n": {"$eq": 7}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"new": {"$contains": "q"}}]})") == "b");
  CHECK(find(ix, R"({"ops": [{"id": {"$eq": "id-b"}}]})") == "b"); // untouched key still indexed
  CHECK(find(ix, R"({"selector": {"$max": "n"}})") == "c");
  CHECK_FALSE(ix.merge("nobody", {{"n", entry{mtype::integer, value{1}}}}));
  CHECK(ix.get("nobody") == nullptr);
}

TEST_CASE("candidates() is the K-5 answer: filtered members with selector values, pre-reduced (K-5)") {
  auto ix = sample();
  auto all = ix.candidates(q(R"({"ops": [{"n": {"$gte": 1}}]})"), "app");
  REQUIRE(all.size() == 3);
  CHECK(all[0].app_id == "app");
  CHECK_FALSE(all[0].sel.has_value());
  auto winner = ix.candidates(q(R"({"selector": {"$max": "n"}})"), "app");
  REQUIRE(winner.size() == 1);
  CHECK(winner[0].client_id == "c");
  CHECK(*winner[0].sel == number::of_int(9007199254740993));
  auto avg = ix.candidates(q(R"({"selector": {"$avg": "/m/eu"}})"), "app");
  REQUIRE(avg.size() == 1);
  CHECK(avg[0].client_id == "a");
  CHECK(ix.eligible(q("{}")).size() == 3);
  CHECK(ids(ix.filter(q(R"({"optional": true, "ops": [{"id": {"$eq": "none"}}]})"))) == "");
}

} // TEST_SUITE
