// Selectors (R-3), rendezvous hashing with the spec's vectors (R-5) and tag
// resolution (T-2, T-4).

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "query/select.hpp"
#include "query/tags.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

candidate ci(const char* app, const char* client, std::int64_t v) { return {app, client, number::of_int(v)}; }
candidate cf(const char* app, const char* client, double v) { return {app, client, number::of_float(v)}; }
candidate cn(const char* app, const char* client) { return {app, client, std::nullopt}; }

std::string chosen(selector_kind k, const std::vector<candidate>& c) {
  auto i = select(k, c);
  return i ? c[*i].app_id + "/" + c[*i].client_id : "none";
}

std::vector<candidate> hash_clients(int n) {
  std::vector<candidate> c;
  for (int i = 1; i <= n; ++i)
    c.push_back(cn("hash", std::string("h").append(std::to_string(i)).c_str()));
  return c;
}

} // namespace

TEST_SUITE("query.select") {

TEST_CASE("$min and $max pick the smallest and largest numeric value, ignoring the rest (R-3)") {
  std::vector<candidate> c{ci("a", "x", 5), cf("a", "y", 2.5), cn("a", "z"), ci("a", "w", 9)};
  CHECK(chosen(selector_kind::min, c) == "a/y");
  CHECK(chosen(selector_kind::max, c) == "a/w");
}

TEST_CASE("selector ties go to the bytewise-smallest (app_id, client_id) whatever the input order (R-3)") {
  std::vector<candidate> c{ci("b", "a", 1), cf("a", "z", 1.0), ci("a", "m", 1), ci("B", "q", 1)};
  for (int round = 0; round < 6; ++round) {
    CHECK(chosen(selector_kind::min, c) == "B/q"); // 'B' < 'a' < 'b' bytewise
    CHECK(chosen(selector_kind::max, c) == "B/q");
    CHECK(chosen(selector_kind::avg, c) == "B/q");
    std::next_permutation(c.begin(), c.end(), id_less);
  }
}

TEST_CASE("$max compares integers and floats exactly (R-3, Q-12)") {
  std::vector<candidate> c{cf("a", "float", 9007199254740992.0), ci("a", "int", 9007199254740993)};
  CHECK(chosen(selector_kind::max, c) == "a/int");
  CHECK(chosen(selector_kind::min, c) == "a/float");
}

TEST_CASE("$avg picks the value closest to the mean of the considered values (R-3)") {
  std::vector<candidate> c{ci("a", "p", 1), ci("a", "q", 2), ci("a", "r", 10), cn("a", "s")};
  CHECK(chosen(selector_kind::avg, c) == "a/q"); // mean 13/3, 2 is closest
  std::vector<candidate> tie{ci("a", "z", 0), ci("a", "b", 10), ci("a", "y", 0), ci("a", "c", 10)};
  CHECK(chosen(selector_kind::avg, tie) == "a/b"); // mean 5: all at distance 5
  std::vector<candidate> one{cf("a", "only", -2.5)};
  CHECK(chosen(selector_kind::avg, one) == "a/only");
}

TEST_CASE("no candidate with a numeric value selects nothing (R-3)") {
  std::vector<candidate> c{cn("a", "x"), cn("a", "y")};
  CHECK(chosen(selector_kind::min, c) == "none");
  CHECK(chosen(selector_kind::avg, {}) == "none");
}

TEST_CASE("selector values are numbers at the selector path only (R-3, Q-19)") {
  metadata m = md(R"({"latency": {"type": "integer", "value": 20}, "s": {"type": "string", "value": "5"},
                      "v": {"type": "version", "value": "1.0.0"}, "load": {"type": "map", "value": {"cpu": 0.25}}})");
  auto sel = [](path p) { return selector{selector_kind::min, std::move(p)}; };
  CHECK(*selector_value(sel(key_path("latency")), m) == number::of_int(20));
  CHECK_FALSE(selector_value(sel(key_path("s")), m).has_value());
  CHECK_FALSE(selector_value(sel(key_path("v")), m).has_value());
  CHECK_FALSE(selector_value(sel(key_path("nope")), m).has_value());
  CHECK(*selector_value(q(R"({"selector": {"$max": "/load/cpu"}})").selector.value(), m) == number::of_float(0.25));
  metadata nan = md("{}");
  nan["x"] = entry{mtype::floating, value{std::nan("")}};
  CHECK_FALSE(selector_value(sel(key_path("x")), nan).has_value());
}

TEST_CASE("the rendezvous score matches the spec's test vector (R-5)") {
  CHECK(rendezvous_score("k0", "hash", "h1") == 0x8516b8737a29383fULL);
  CHECK(rendezvous_score("k0", "hash", "h3") == 0xe203573b96202405ULL);
}

TEST_CASE("among h1..h4 key k0 picks h3 and key user-9 picks h1 (R-5)") {
  auto c = hash_clients(4);
  CHECK(c[*pick_by_key("k0", c)].client_id == "h3");
  CHECK(c[*pick_by_key("user-9", c)].client_id == "h1");
  std::reverse(c.begin(), c.end());
  CHECK(c[*pick_by_key("k0", c)].client_id == "h3");
  CHECK_FALSE(pick_by_key("k0", {}).has_value());
}

TEST_CASE("adding or removing a client only moves keys to or from that client (R-5)") {
  auto four = hash_clients(4);
  auto five = hash_clients(5);
  auto three = hash_clients(4);
  three.erase(three.begin() + 1); // without h2
  int moved_to_h5 = 0;
  for (int k = 0; k < 500; ++k) {
    std::string key = "key-" + std::to_string(k);
    const auto& before = four[*pick_by_key(key, four)].client_id;
    const auto& grown = five[*pick_by_key(key, five)].client_id;
    const auto& shrunk = three[*pick_by_key(key, three)].client_id;
    CHECK((grown == before || grown == "h5"));
    moved_to_h5 += grown == "h5";
    if (before != "h2")
      CHECK(shrunk == before);
  }
  CHECK(moved_to_h5 > 0);
}

TEST_CASE("equal scores go to the bytewise-smallest (app_id, client_id) (R-5)") {
  std::vector<candidate> c{cn("hash", "h1"), cn("hash", "h1")};
  CHECK(*pick_by_key("k0", c) == 0);
}

TEST_CASE("tags match when the application's pooled tags hold every wanted tag (T-2)") {
  tag_set pooled{"test", "webscale", "eu"};
  std::vector<std::string> want{"test", "webscale"};
  CHECK(tags_match(want, pooled));
  std::vector<std::string> more{"test", "us"};
  CHECK_FALSE(tags_match(more, pooled));
  CHECK_FALSE(tags_match({}, pooled));
}

TEST_CASE("a tag query resolves to the bytewise-smallest matching application (T-4)") {
  std::map<std::string, tag_set> apps{{"zeta", {"a", "b"}}, {"Beta", {"a"}}, {"alpha", {"a", "b", "c"}}};
  std::vector<std::string> ab{"a", "b"};
  CHECK(*resolve_tags(ab, apps) == "alpha");
  std::vector<std::string> a{"a"};
  CHECK(*resolve_tags(a, apps) == "Beta");
  std::vector<std::string> d{"d"};
  CHECK_FALSE(resolve_tags(d, apps).has_value());
  CHECK_FALSE(resolve_tags({}, apps).has_value());
}

} // TEST_SUITE
