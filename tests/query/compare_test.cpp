// Value semantics below the operators: exact numbers, Q-12 equality, Q-13/Q-14
// ordering, and the bucket keys the indexes rely on.

#include <doctest/doctest.h>

#include <cmath>

#include "query/compare.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;
using namespace sy::query::test;

TEST_SUITE("query.compare") {

TEST_CASE("integers and floats compare exactly, never through a rounded double (Q-12, Q-13)") {
  auto i = number::of_int(9007199254740993);
  auto f = number::of_float(9007199254740992.0);
  CHECK(*compare(i, f) > 0);
  CHECK(*compare(f, i) < 0);
  CHECK(*compare(number::of_int(1), number::of_float(1.0)) == 0);
  CHECK(*compare(number::of_int(0), number::of_float(-0.0)) == 0);
  CHECK(*compare(number::of_int(2), number::of_float(2.5)) < 0);
  CHECK(*compare(number::of_int(-3), number::of_float(-2.5)) < 0);
  CHECK(*compare(number::of_int(INT64_MAX), number::of_float(9223372036854775808.0)) < 0);
  CHECK(*compare(number::of_int(INT64_MIN), number::of_float(-9223372036854775808.0)) == 0);
  CHECK(*compare(number::of_int(INT64_MIN), number::of_float(-HUGE_VAL)) > 0);
  CHECK_FALSE(compare(number::of_int(1), number::of_float(std::nan(""))).has_value());
}

TEST_CASE("equality follows Q-12 for every kind") {
  CHECK(equal(json("null"), json("null")));
  CHECK_FALSE(equal(json("null"), json("false")));
  CHECK(equal(json("1"), json("1.0")));
  CHECK_FALSE(equal(json("9007199254740993"), json("9007199254740992.0")));
  CHECK_FALSE(equal(json("\"1\""), json("1")));
  CHECK(equal(json("[1, [2.0], {\"a\": null}]"), json("[1.0, [2], {\"a\": null}]")));
  CHECK_FALSE(equal(json("[1, 2]"), json("[2, 1]")));
  CHECK_FALSE(equal(json("[1]"), json("[1, 1]")));
  CHECK(equal(json(R"({"a": 1, "b": 2})"), json(R"({"b": 2.0, "a": 1})")));
  CHECK_FALSE(equal(json(R"({"a": 1})"), json(R"({"a": 1, "b": 2})")));
  CHECK(equal(json(R"({"a": 1, "a": 2})"), json(R"({"a": 2})"))); // last duplicate wins, as value::find
  CHECK_FALSE(equal(value{std::nan("")}, value{std::nan("")}));
}

TEST_CASE("version equality and ordering use SemVer precedence; unparsable sides fail (Q-14)") {
  CHECK(equal(json("\"1.0.0+a\""), json("\"1.0.0+b\""), true));
  CHECK_FALSE(equal(json("\"1.0.0+a\""), json("\"1.0.0+b\""), false));
  CHECK_FALSE(equal(json("\"1.0\""), json("\"1.0\""), true));
  CHECK(*order(json("\"1.10.0\""), json("\"1.9.0\""), true) > 0);
  CHECK(*order(json("\"1.10.0\""), json("\"1.9.0\""), false) < 0);
  CHECK_FALSE(order(json("\"v1.0.0\""), json("\"1.0.0\""), true).has_value());
  CHECK_FALSE(order(json("1"), json("\"1.0.0\""), true).has_value());
}

TEST_CASE("version numbers past 64 bits are valid and compare by value (Q-14: SemVer sets no bound)") {
  CHECK(*order(json("\"18446744073709551616.0.0\""), json("\"18446744073709551615.0.0\""), true) > 0);
  CHECK(*order(json("\"1.99999999999999999999999.0\""), json("\"1.100000000000000000000000.0\""), true) < 0);
  CHECK(*order(json("\"1.0.18446744073709551616\""), json("\"1.0.9\""), true) > 0);
  CHECK(equal(json("\"123456789012345678901234567890.0.0+b\""), json("\"123456789012345678901234567890.0.0\""), true));
  CHECK_FALSE(order(json("\"01.0.0\""), json("\"1.0.0\""), true).has_value());
}

TEST_CASE("only number/number and string/string pairs are ordered (Q-13)") {
  CHECK(*order(json("1"), json("1.5"), false) < 0);
  CHECK(*order(json("\"b\""), json("\"a\""), false) > 0);
  for (const char* other : {"null", "true", "[1]", "{\"a\": 1}", "\"1\""})
    CHECK_FALSE(order(json("1"), json(other), false).has_value());
  CHECK_FALSE(order(json("[1]"), json("[1]"), false).has_value());
  CHECK_FALSE(order(json("true"), json("false"), false).has_value());
}

TEST_CASE("bucket keys are equal exactly when values are equal (index contract for Q-12)") {
  const char* values[] = {"null", "true", "false", "0", "-0.0", "1", "1.0", "1.5", "9007199254740993",
                          "9007199254740992.0", "9007199254740992", "\"1\"", "\"\"", "[]", "[1]", "[1.0]",
                          "[[1], 2]", "[[1, 2]]", "{}", R"({"a": 1})", R"({"a": 1.0})", R"({"a": 1, "b": 2})",
                          R"({"b": 2, "a": 1})", R"(["a", "b"])", R"(["ab"])", "9223372036854775807",
                          "9223372036854775808.0", "-9223372036854775808", "1e300"};
  for (const char* a : values)
    for (const char* b : values) {
      INFO(a << " vs " << b);
      CHECK((*bucket_key(json(a)) == *bucket_key(json(b))) == equal(json(a), json(b)));
    }
  CHECK_FALSE(bucket_key(value{std::nan("")}).has_value());
  CHECK_FALSE(bucket_key(value{array{value{std::nan("")}}}).has_value());
}

TEST_CASE("version keys are equal exactly when precedence is equal (index contract for Q-14)") {
  const char* versions[] = {"1.0.0", "1.0.0+a", "1.0.0+b.2", "1.0.0-rc.1", "1.0.0-rc.1+x", "1.0.0-rc.2",
                            "1.0.0-alpha", "1.0.0-alpha.1", "1.10.0", "10.0.0"};
  for (const char* a : versions)
    for (const char* b : versions) {
      INFO(a << " vs " << b);
      CHECK((*version_key(value{a}) == *version_key(value{b})) == equal(value{a}, value{b}, true));
    }
  CHECK_FALSE(version_key(value{"1.0"}).has_value());
  CHECK_FALSE(version_key(value{1}).has_value());
  CHECK(member_name_key("a") != *bucket_key(value{"a"}));
}

} // TEST_SUITE
