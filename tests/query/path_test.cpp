// JSON Pointer paths into metadata (Q-10, Q-11).

#include <doctest/doctest.h>

#include "query/path.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

namespace {

std::vector<std::string> segs(std::string_view text) {
  std::string why;
  auto p = parse_pointer(text, why);
  REQUIRE(p.has_value());
  return p->segments;
}

const value* at(const metadata& m, std::string_view text) {
  std::string why;
  auto p = parse_pointer(text, why);
  REQUIRE(p.has_value());
  return resolve(*p, m).val;
}

} // namespace

TEST_SUITE("query.path") {

TEST_CASE("pointers split on '/' and unescape ~1 then ~0 (Q-10, RFC 6901)") {
  CHECK(segs("/a") == std::vector<std::string>{"a"});
  CHECK(segs("/a/b/0") == std::vector<std::string>{"a", "b", "0"});
  CHECK(segs("/") == std::vector<std::string>{""});
  CHECK(segs("//") == std::vector<std::string>{"", ""});
  CHECK(segs("/a~1b") == std::vector<std::string>{"a/b"});
  CHECK(segs("/m~0n") == std::vector<std::string>{"m~n"});
  CHECK(segs("/~01") == std::vector<std::string>{"~1"});
}

TEST_CASE("a pointer must start with '/' and use only ~0 and ~1 (Q-10)") {
  std::string why;
  for (const char* bad : {"", "a", "a/b", "/~", "/~2", "/a~"})
    CHECK_FALSE(parse_pointer(bad, why).has_value());
}

TEST_CASE("resolution walks maps by name and lists by canonical index, else missing (Q-10)") {
  metadata m = md(R"({"m": {"type": "map", "value": {"x": {"y": [5, {"z": 6}]}, "key2": 1}},
                      "l": {"type": "list", "value": [[7, 8], 9]}})");
  REQUIRE(at(m, "/m/x/y/0"));
  CHECK(*at(m, "/m/x/y/0") == value{5});
  CHECK(*at(m, "/m/x/y/1/z") == value{6});
  CHECK(*at(m, "/m/key2") == value{1}); // digits in names are names (unlike orig 2022)
  CHECK(*at(m, "/l/0/1") == value{8});
  CHECK(at(m, "/l/00") == nullptr);
  CHECK(at(m, "/l/01") == nullptr);
  CHECK(at(m, "/l/2") == nullptr);
  CHECK(at(m, "/l/-") == nullptr);
  CHECK(at(m, "/l/+1") == nullptr);
  CHECK(at(m, "/l/99999999999999999999999") == nullptr);
  CHECK(at(m, "/m/x/y/0/0") == nullptr);
  CHECK(at(m, "/nope") == nullptr);
  CHECK(at(m, "/m/nope") == nullptr);
}

TEST_CASE("only a one-segment path carries the declared version type (Q-11)") {
  metadata m = md(R"({"v": {"type": "version", "value": "1.0.0"}, "s": {"type": "string", "value": "1.0.0"},
                      "m": {"type": "map", "value": {"v": "1.0.0"}}})");
  CHECK(resolve(key_path("v"), m).version);
  CHECK_FALSE(resolve(key_path("s"), m).version);
  std::string why;
  CHECK_FALSE(resolve(*parse_pointer("/m/v", why), m).version);
}

} // TEST_SUITE
