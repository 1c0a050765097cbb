// member_index::sample: R-4's uniform pick for load-balanced SENDs, done by
// sampling slots instead of listing every member.

#include <doctest/doctest.h>

#include <map>

#include "query/index.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

TEST_SUITE("query.sample") {
  TEST_CASE("sampling only returns eligible members, spread uniformly over them (R-4, A-5)") {
    member_index ix;
    for (int i = 0; i < 10; ++i)
      ix.upsert("c" + std::to_string(i), md(R"({"restricted": {"type": "boolean", "value": false}})"));
    ix.upsert("r", md(R"({"restricted": {"type": "boolean", "value": true}})"));
    ix.remove("c9"); // a free slot must never be returned
    std::mt19937_64 rng{42};
    std::map<std::string, int> seen;
    auto any = q(R"({"application": "a"})");
    for (int i = 0; i < 9000; ++i) {
      const auto* c = ix.sample(any, rng);
      REQUIRE(c != nullptr);
      ++seen[c->client_id];
    }
    CHECK(seen.size() == 9);
    CHECK(seen.count("r") == 0);
    CHECK(seen.count("c9") == 0);
    for (const auto& [id, n] : seen)
      CHECK_MESSAGE(n > 800, id << " picked " << n << " times of 9000");
    for (const auto& [id, n] : seen)
      CHECK_MESSAGE(n < 1200, id << " picked " << n << " times of 9000");
  }

  TEST_CASE("sampling gives up (nullptr) when nothing or almost nothing matches") {
    member_index ix;
    std::mt19937_64 rng{7};
    CHECK(ix.sample(q(R"({"application": "a"})"), rng) == nullptr);
    ix.upsert("only", md(R"({"restricted": {"type": "boolean", "value": true}})"));
    CHECK(ix.sample(q(R"({"application": "a"})"), rng) == nullptr);
    CHECK(ix.sample(q(R"({"application": "a", "restricted": true})"), rng)->client_id == "only");
  }
}
