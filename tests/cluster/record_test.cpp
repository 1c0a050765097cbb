#include <doctest/doctest.h>

#include "cluster/record.hpp"

using namespace sy::cluster;

TEST_CASE("K-3: a record is one line '<id> <host> <port> <version>' and parses back") {
  node_record r{"ab12", "10.0.0.7", 4568, "0.1.0"};
  auto line = format_record(r);
  CHECK(line == "ab12 10.0.0.7 4568 0.1.0");
  auto back = parse_record(line);
  REQUIRE(back);
  CHECK(back->id == "ab12");
  CHECK(back->host == "10.0.0.7");
  CHECK(back->port == 4568);
  CHECK(back->version == "0.1.0");
}

TEST_CASE("K-3: malformed records are rejected") {
  CHECK_FALSE(parse_record(""));
  CHECK_FALSE(parse_record("a b 1"));
  CHECK_FALSE(parse_record("a b 1 v extra"));
  CHECK_FALSE(parse_record("a b 1 v "));
  CHECK_FALSE(parse_record("a  1 v"));
  CHECK_FALSE(parse_record("a b 0 v"));
  CHECK_FALSE(parse_record("a b 65536 v"));
  CHECK_FALSE(parse_record("a b 12x v"));
  CHECK_FALSE(parse_record("a\tb 1 v"));
}

TEST_CASE("K-3: keys carry the cluster name and the node id") {
  CHECK(record_key("default", "ab12") == "singyeong:cluster:default:node:ab12");
  CHECK(id_of_key("default", "singyeong:cluster:default:node:ab12") == "ab12");
  CHECK(id_of_key("default", "singyeong:cluster:other:node:ab12").empty());
  CHECK(id_of_key("default", "singyeong:cluster:default:node:").empty());
}

TEST_CASE("K-3: the SCAN pattern escapes glob characters of the cluster name") {
  CHECK(record_pattern("default") == "singyeong:cluster:default:node:*");
  CHECK(record_pattern("a*b?[c]") == "singyeong:cluster:a\\*b\\?\\[c\\]:node:*");
}
