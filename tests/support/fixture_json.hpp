#pragma once
// Test-only: JSON text in a test case read as a value with the real decoder
// (proto::parse_json); a fixture that does not parse fails the test.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "proto/json.hpp"
#include "query/value.hpp"

namespace sy::test {

inline query::value json(std::string_view text) {
  query::value v;
  std::string err;
  bool ok = proto::parse_json(text, v, err);
  INFO("fixture JSON: " << std::string(text) << " error: " << err);
  REQUIRE(ok);
  return v;
}

} // namespace sy::test
