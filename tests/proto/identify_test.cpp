// proto/identify: identify validation (L-4, L-5), the auth table,
// metadata updates (M-1…M-4) and versions.

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/identify.hpp"
#include "query/metadata.hpp"
#include "query/semver.hpp"
#include "query/value.hpp"
#include "tests/support/fixture_json.hpp"

namespace proto = sy::proto;
namespace query = sy::query;
using sy::query::value;
using sy::test::json;

namespace {

std::optional<proto::identify> ident(std::string_view d_json) {
  value d = json(d_json);
  return proto::parse_identify(&d);
}

proto::identify ident_ok(std::string_view d_json) {
  auto id = ident(d_json);
  INFO("d: " << std::string(d_json));
  REQUIRE(id.has_value());
  return *id;
}

/// The identify `{"client_id":"c","application_id":"a"}` plus `auth` given as
/// raw JSON ("" leaves auth out).
proto::identify with_auth(std::string_view auth_json) {
  std::string d = "{\"client_id\":\"c\",\"application_id\":\"a\"";
  if (!auth_json.empty())
    d += ",\"auth\":" + std::string(auth_json);
  return ident_ok(d + "}");
}

query::update_result update(std::string_view body_json) { return proto::parse_metadata_update(json(body_json)); }

/// The single error message of an update that must fail on exactly one key.
std::string only_error(std::string_view body_json) {
  auto r = update(body_json);
  INFO("body: " << std::string(body_json));
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.not_a_map);
  CHECK(r.entries.empty());
  REQUIRE(r.errors.size() == 1);
  return r.errors[0].second;
}

std::string entry_error(std::string_view key, std::string_view entry_json) {
  return only_error("{\"" + std::string(key) + "\":" + std::string(entry_json) + "}");
}

/// The stored entry of a one-key update that must succeed.
query::entry only_entry(std::string_view body_json) {
  auto r = update(body_json);
  std::string errs;
  for (const auto& [k, m] : r.errors)
    errs += k + " -> " + m + "; ";
  INFO("body: " << std::string(body_json) << " errors: " << errs);
  REQUIRE(r.ok());
  REQUIRE(r.entries.size() == 1);
  return r.entries[0].second;
}

bool valid_version(std::string_view s) { return query::parse_semver(s).has_value(); }

int cmp(std::string_view a, std::string_view b) {
  auto x = query::parse_semver(a);
  auto y = query::parse_semver(b);
  INFO(std::string(a) << " vs " << std::string(b));
  REQUIRE(x.has_value());
  REQUIRE(y.has_value());
  return query::compare(*x, *y);
}

} // namespace

TEST_SUITE("proto.identify") {

// -- L-5 -------------------------------------------------------------------------

TEST_CASE("identify without d or with a non-map d has no data (L-5)") {
  CHECK_FALSE(proto::parse_identify(nullptr).has_value());
  for (const char* d : {"null", "5", "\"c\"", "[]", "[{\"client_id\":\"c\",\"application_id\":\"a\"}]", "true"}) {
    CAPTURE(d);
    CHECK_FALSE(ident(d).has_value());
  }
}

TEST_CASE("identify whose client_id or application_id is missing, not a string or empty has no data (L-5)") {
  for (const char* d : {
           "{}",
           "{\"application_id\":\"a\"}",
           "{\"client_id\":\"c\"}",
           "{\"client_id\":5,\"application_id\":\"a\"}",
           "{\"client_id\":null,\"application_id\":\"a\"}",
           "{\"client_id\":[\"c\"],\"application_id\":\"a\"}",
           "{\"client_id\":{\"id\":\"c\"},\"application_id\":\"a\"}",
           "{\"client_id\":true,\"application_id\":\"a\"}",
           "{\"client_id\":\"c\",\"application_id\":5}",
           "{\"client_id\":\"c\",\"application_id\":null}",
           "{\"client_id\":\"c\",\"application_id\":1.5}",
           "{\"client_id\":\"\",\"application_id\":\"a\"}",
           "{\"client_id\":\"c\",\"application_id\":\"\"}",
           "{\"client_id\":\"\",\"application_id\":\"\"}",
           "{\"Client_id\":\"c\",\"application_id\":\"a\"}",
       }) {
    CAPTURE(d);
    CHECK_FALSE(ident(d).has_value());
  }
}

TEST_CASE("a minimal identify gets the defaults of L-4") {
  auto id = ident_ok("{\"client_id\":\"c1\",\"application_id\":\"app\"}");
  CHECK(id.client_id == "c1");
  CHECK(id.application_id == "app");
  CHECK_FALSE(id.auth.has_value());
  CHECK_FALSE(id.ip.has_value());
  CHECK_FALSE(id.ns.has_value());
  CHECK(id.metadata.is_null());
  CHECK(id.receive_client_updates == false);
  CHECK(id.tags.empty());
}

TEST_CASE("ids are kept verbatim, spaces included, and unknown fields are ignored (L-4)") {
  auto id = ident_ok("{\"client_id\":\"my client\",\"application_id\":\" a b \",\"reconnect\":true,\"x\":[1]}");
  CHECK(id.client_id == "my client");
  CHECK(id.application_id == " a b ");
}

TEST_CASE("a non-string namespace counts as null (L-4)") {
  const std::string base = "{\"client_id\":\"c\",\"application_id\":\"a\",\"namespace\":";
  CHECK(ident_ok(base + "\"ns\"}").ns == std::optional<std::string>("ns"));
  CHECK(ident_ok(base + "\"\"}").ns == std::optional<std::string>(""));
  for (const char* ns : {"null", "5", "true", "[\"ns\"]", "{\"ns\":1}"}) {
    CAPTURE(ns);
    CHECK_FALSE(ident_ok(base + ns + "}").ns.has_value());
  }
}

TEST_CASE("tags keep their string elements in order and ignore the rest (L-4)") {
  const std::string base = "{\"client_id\":\"c\",\"application_id\":\"a\",\"tags\":";
  CHECK(ident_ok(base + "[\"x\",1,null,\"y\",[\"z\"],{\"w\":1},true,\"\"]}").tags ==
        std::vector<std::string>{"x", "y", ""});
  CHECK(ident_ok(base + "[]}").tags.empty());
  for (const char* tags : {"\"x\"", "5", "null", "{\"x\":1}"}) {
    CAPTURE(tags);
    CHECK(ident_ok(base + tags + "}").tags.empty());
  }
}

TEST_CASE("receive_client_updates is true only for JSON true (L-4)") {
  const std::string base = "{\"client_id\":\"c\",\"application_id\":\"a\",\"receive_client_updates\":";
  CHECK(ident_ok(base + "true}").receive_client_updates == true);
  for (const char* v : {"false", "\"true\"", "1", "1.0", "null", "[true]", "{}"}) {
    CAPTURE(v);
    CHECK(ident_ok(base + v + "}").receive_client_updates == false);
  }
}

TEST_CASE("ip is kept only when it is a non-empty string (L-4, L-9)") {
  const std::string base = "{\"client_id\":\"c\",\"application_id\":\"a\",\"ip\":";
  CHECK(ident_ok(base + "\"10.0.0.1:8080\"}").ip == std::optional<std::string>("10.0.0.1:8080"));
  CHECK(ident_ok(base + "\"http://h\"}").ip == std::optional<std::string>("http://h"));
  for (const char* ip : {"\"\"", "null", "5", "[\"1.2.3.4\"]"}) {
    CAPTURE(ip);
    CHECK_FALSE(ident_ok(base + ip + "}").ip.has_value());
  }
}

TEST_CASE("auth is absent when missing or null and kept as sent otherwise (L-4)") {
  CHECK_FALSE(with_auth("").auth.has_value());
  CHECK_FALSE(with_auth("null").auth.has_value());
  CHECK(with_auth("\"\"").auth == std::optional<value>(value{""}));
  CHECK(with_auth("\"pw\"").auth == std::optional<value>(value{"pw"}));
  CHECK(with_auth("5").auth == std::optional<value>(value{5}));
  CHECK(with_auth("{\"p\":1}").auth == std::optional<value>(json("{\"p\":1}")));
}

TEST_CASE("metadata is passed through as sent (L-4, M-10)") {
  const std::string base = "{\"client_id\":\"c\",\"application_id\":\"a\",\"metadata\":";
  CHECK(ident_ok(base + "{\"k\":{\"type\":\"integer\",\"value\":1}}}").metadata ==
        json("{\"k\":{\"type\":\"integer\",\"value\":1}}"));
  CHECK(ident_ok(base + "null}").metadata.is_null());
  CHECK(ident_ok(base + "5}").metadata == value{5});
}

// -- A-2 -------------------------------------------------------------------------

TEST_CASE("without a server password only an absent or null auth is normal (A-2)") {
  CHECK_FALSE(proto::is_restricted(with_auth(""), ""));
  CHECK_FALSE(proto::is_restricted(with_auth("null"), ""));
  for (const char* auth : {"\"\"", "\"pw\"", "5", "0", "false", "true", "[]", "{}", "\"null\""}) {
    CAPTURE(auth);
    CHECK(proto::is_restricted(with_auth(auth), ""));
  }
}

TEST_CASE("with a server password only the exactly equal string is normal (A-2)") {
  CHECK_FALSE(proto::is_restricted(with_auth("\"secret\""), "secret"));
  for (const char* auth : {"", "null", "\"\"", "\"Secret\"", "\"secret \"", "\" secret\"", "\"secre\"",
                           "\"secrets\"", "\"secret\\u0000\"", "[\"secret\"]", "{\"secret\":1}", "5", "true"}) {
    CAPTURE(auth);
    CHECK(proto::is_restricted(with_auth(auth), "secret"));
  }
  // A number never equals a numeric password: auth must be a string.
  CHECK(proto::is_restricted(with_auth("0"), "0"));
  CHECK_FALSE(proto::is_restricted(with_auth("\"0\""), "0"));
  CHECK_FALSE(proto::is_restricted(with_auth("\"p\\u00e9\""), "p\xc3\xa9"));
}

TEST_CASE("constant_time_equal is byte equality (A-2)") {
  CHECK(proto::constant_time_equal("", ""));
  CHECK(proto::constant_time_equal("abc", "abc"));
  CHECK(proto::constant_time_equal("\xff\x00\x01", "\xff\x00\x01"));
  CHECK(proto::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  CHECK_FALSE(proto::constant_time_equal("abc", "abd"));
  CHECK_FALSE(proto::constant_time_equal("abc", "Abc"));
  CHECK_FALSE(proto::constant_time_equal("abc", "ab"));
  CHECK_FALSE(proto::constant_time_equal("ab", "abc"));
  CHECK_FALSE(proto::constant_time_equal("", "a"));
  CHECK_FALSE(proto::constant_time_equal("a", ""));
  // A shorter string padded with NULs must not equal the longer one.
  CHECK_FALSE(proto::constant_time_equal(std::string_view("a\0", 2), std::string_view("a", 1)));
  CHECK_FALSE(proto::constant_time_equal(std::string_view("a", 1), std::string_view("a\0", 2)));
  CHECK_FALSE(proto::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

// -- M-1 / M-2 -------------------------------------------------------------------

TEST_CASE("all seven metadata types accept their values and keep the update order (M-1, M-2)") {
  auto r = update("{\"s\":{\"type\":\"string\",\"value\":\"x\"},"
                  "\"i\":{\"type\":\"integer\",\"value\":-5},"
                  "\"f\":{\"type\":\"float\",\"value\":1.5},"
                  "\"v\":{\"type\":\"version\",\"value\":\"1.0.0-alpha.1+build.5\"},"
                  "\"l\":{\"type\":\"list\",\"value\":[1,\"a\",null]},"
                  "\"b\":{\"type\":\"boolean\",\"value\":false},"
                  "\"m\":{\"type\":\"map\",\"value\":{\"z\":1,\"a\":[2]}}}");
  REQUIRE(r.ok());
  CHECK(r.errors.empty());
  REQUIRE(r.entries.size() == 7);
  const std::vector<std::pair<std::string, query::mtype>> expected{
      {"s", query::mtype::string}, {"i", query::mtype::integer}, {"f", query::mtype::floating},
      {"v", query::mtype::version}, {"l", query::mtype::list},   {"b", query::mtype::boolean},
      {"m", query::mtype::map}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(r.entries[i].first == expected[i].first);
    CHECK(r.entries[i].second.type == expected[i].second);
  }
  CHECK(r.entries[0].second.val == value{"x"});
  CHECK(r.entries[1].second.val == value{-5});
  CHECK(r.entries[2].second.val == value{1.5});
  CHECK(r.entries[3].second.val == value{"1.0.0-alpha.1+build.5"});
  CHECK(r.entries[4].second.val == json("[1,\"a\",null]"));
  CHECK(r.entries[5].second.val == value{false});
  CHECK(r.entries[6].second.val == json("{\"z\":1,\"a\":[2]}"));
}

TEST_CASE("float accepts an integer and stores it as a float (M-1)") {
  auto e = only_entry("{\"f\":{\"type\":\"float\",\"value\":5}}");
  CHECK(e.type == query::mtype::floating);
  CHECK(e.val.is_float());
  CHECK(e.val.as_float() == 5.0);
  CHECK(only_entry("{\"f\":{\"type\":\"float\",\"value\":-9223372036854775808}}").val.is_float());
  CHECK(only_entry("{\"f\":{\"type\":\"float\",\"value\":2.5e3}}").val == value{2500.0});
}

TEST_CASE("integer accepts only integer tokens within int64 (M-1)") {
  CHECK(only_entry("{\"i\":{\"type\":\"integer\",\"value\":9223372036854775807}}").val.is_int());
  for (const char* v : {"5.0", "1e2", "9223372036854775808", "\"5\"", "true", "null"}) {
    CAPTURE(v);
    CHECK(entry_error("i", std::string("{\"type\":\"integer\",\"value\":") + v + "}") ==
          "i: value fails validation for 'integer'");
  }
}

TEST_CASE("a list may arrive as a string holding a JSON array and is stored decoded (M-1)") {
  auto e = only_entry("{\"l\":{\"type\":\"list\",\"value\":\"[1, \\\"a\\\", {\\\"b\\\": 2.0}]\"}}");
  CHECK(e.type == query::mtype::list);
  REQUIRE(e.val.is_array());
  CHECK(e.val == json("[1,\"a\",{\"b\":2.0}]"));
  CHECK(e.val.as_array()[2].find("b")->is_float());
  CHECK(only_entry("{\"l\":{\"type\":\"list\",\"value\":\"[]\"}}").val == json("[]"));

  // Strings that do not hold an array fail as lists.
  for (const char* v : {"\"{}\"", "\"5\"", "\"not json\"", "\"[1,\"", "\"\""}) {
    CAPTURE(v);
    CHECK(entry_error("l", std::string("{\"type\":\"list\",\"value\":") + v + "}") ==
          "l: value fails validation for 'list'");
  }
  // Only the list type decodes strings.
  CHECK(only_entry("{\"s\":{\"type\":\"string\",\"value\":\"[1]\"}}").val == value{"[1]"});
  CHECK(entry_error("m", "{\"type\":\"map\",\"value\":\"{}\"}") == "m: value fails validation for 'map'");
}

TEST_CASE("extra fields in an entry are ignored and keys are arbitrary strings (M-2)") {
  auto e = only_entry("{\"k\":{\"hint\":\"x\",\"value\":\"v\",\"type\":\"string\",\"more\":[1]}}");
  CHECK(e.val == value{"v"});
  auto r = update("{\"\":{\"type\":\"integer\",\"value\":1},\"a b/c\":{\"type\":\"integer\",\"value\":2}}");
  REQUIRE(r.ok());
  REQUIRE(r.entries.size() == 2);
  CHECK(r.entries[0].first.empty());
  CHECK(r.entries[1].first == "a b/c");
}

TEST_CASE("an empty update is a valid no-op (M-3)") {
  auto r = update("{}");
  CHECK(r.ok());
  CHECK(r.entries.empty());
  CHECK(r.errors.empty());
}

// -- M-3 -------------------------------------------------------------------------

TEST_CASE("an entry that is not a map with both type and value is an invalid metadata entry (M-3)") {
  for (const char* e : {"5", "null", "\"string\"", "[]", "[\"string\",\"x\"]", "{}", "{\"type\":\"string\"}",
                        "{\"value\":\"x\"}", "{\"Type\":\"string\",\"value\":\"x\"}"}) {
    CAPTURE(e);
    CHECK(entry_error("k", e) == "k: invalid metadata entry");
  }
  // A null value is present: the type check answers.
  CHECK(entry_error("k", "{\"type\":\"string\",\"value\":null}") == "k: value fails validation for 'string'");
}

TEST_CASE("an unknown type is reported with its name and the original's spelling (M-3)") {
  for (const char* t : {"str", "String", "int", "floating", "bool", "semver", "array", "object", ""}) {
    CAPTURE(t);
    CHECK(entry_error("k", std::string("{\"type\":\"") + t + "\",\"value\":1}") ==
          std::string("k: type '") + t + "' doesn't exists");
  }
  // A non-string type is an unknown type too.
  for (const char* t : {"5", "null", "[\"string\"]"}) {
    CAPTURE(t);
    std::string msg = entry_error("k", std::string("{\"type\":") + t + ",\"value\":1}");
    CHECK(msg.rfind("k: type '", 0) == 0);
    CHECK(msg.size() > std::string_view("' doesn't exists").size());
    CHECK(msg.substr(msg.size() - std::string_view("' doesn't exists").size()) == "' doesn't exists");
  }
}

TEST_CASE("every reserved key is forbidden whatever its value (M-3, M-4)") {
  for (const char* key : {"last_heartbeat_time", "restricted", "encoding", "ip", "namespace", "receive_client_updates"}) {
    CAPTURE(key);
    CHECK(query::is_reserved_key(key));
    CHECK(entry_error(key, "{\"type\":\"string\",\"value\":\"x\"}") == std::string(key) + ": forbidden metadata key");
    // The value check comes after the reserved-key check.
    CHECK(entry_error(key, "{\"type\":\"integer\",\"value\":\"x\"}") == std::string(key) + ": forbidden metadata key");
  }
  CHECK_FALSE(query::is_reserved_key("Restricted"));
  CHECK_FALSE(query::is_reserved_key("ip "));
  CHECK_FALSE(query::is_reserved_key("tags"));
  CHECK(only_entry("{\"IP\":{\"type\":\"string\",\"value\":\"x\"}}").val == value{"x"});
}

TEST_CASE("the checks of M-3 run in order: entry shape, then type, then reserved key, then value") {
  // A reserved key with an unknown type reports the type error.
  CHECK(entry_error("restricted", "{\"type\":\"nope\",\"value\":1}") == "restricted: type 'nope' doesn't exists");
  // A reserved key with a broken entry reports the entry error.
  CHECK(entry_error("ip", "{\"value\":1}") == "ip: invalid metadata entry");
  CHECK(entry_error("ip", "7") == "ip: invalid metadata entry");
  // An unknown type wins over a value that would fail anyway.
  CHECK(entry_error("k", "{\"type\":\"nope\",\"value\":{}}") == "k: type 'nope' doesn't exists");
}

TEST_CASE("a value that does not satisfy its type fails with the type's wire name (M-1, M-3)") {
  struct row {
    const char* type;
    const char* value;
  };
  for (const row& r : std::initializer_list<row>{{"string", "5"},       {"string", "[\"x\"]"},  {"float", "\"1.5\""},
                                                 {"float", "null"},    {"version", "\"1.0\""}, {"version", "\"v1.0.0\""},
                                                 {"version", "100"},   {"list", "{}"},         {"list", "5"},
                                                 {"boolean", "\"true\""}, {"boolean", "0"},    {"map", "[]"},
                                                 {"map", "null"}}) {
    CAPTURE(r.type);
    CAPTURE(r.value);
    CHECK(entry_error("k", std::string("{\"type\":\"") + r.type + "\",\"value\":" + r.value + "}") ==
          std::string("k: value fails validation for '") + r.type + "'");
  }
}

TEST_CASE("one failing key rejects the whole update and every failing key is listed in order (M-3)") {
  auto r = update("{\"good\":{\"type\":\"string\",\"value\":\"x\"},"
                  "\"bad\":{\"type\":\"integer\",\"value\":\"x\"},"
                  "\"also_good\":{\"type\":\"boolean\",\"value\":true},"
                  "\"ip\":{\"type\":\"string\",\"value\":\"1.2.3.4\"},"
                  "\"odd\":{\"type\":\"odd\",\"value\":1},"
                  "\"shape\":[]}");
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.not_a_map);
  CHECK(r.entries.empty());
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0] == std::pair<std::string, std::string>{"bad", "bad: value fails validation for 'integer'"});
  CHECK(r.errors[1] == std::pair<std::string, std::string>{"ip", "ip: forbidden metadata key"});
  CHECK(r.errors[2] == std::pair<std::string, std::string>{"odd", "odd: type 'odd' doesn't exists"});
  CHECK(r.errors[3] == std::pair<std::string, std::string>{"shape", "shape: invalid metadata entry"});

  CHECK(proto::error_map(r) == json("{\"bad\":\"bad: value fails validation for 'integer'\","
                                    "\"ip\":\"ip: forbidden metadata key\","
                                    "\"odd\":\"odd: type 'odd' doesn't exists\","
                                    "\"shape\":\"shape: invalid metadata entry\"}"));
}

TEST_CASE("an update body that is not a map is flagged as such without per-key errors (M-3)") {
  for (const char* body : {"null", "5", "\"x\"", "[]", "[{\"k\":{\"type\":\"string\",\"value\":\"x\"}}]", "true"}) {
    CAPTURE(body);
    auto r = update(body);
    CHECK(r.not_a_map);
    CHECK_FALSE(r.ok());
    CHECK(r.errors.empty());
    CHECK(r.entries.empty());
  }
}

// -- Q-14 ------------------------------------------------------------------------

TEST_CASE("versions are valid exactly when they match SemVer 2.0.0 (Q-14)") {
  for (const char* v : {"0.0.0", "1.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                        "1.0.0-x.7.z.92", "1.0.0-x-y-z.--", "1.0.0-alpha0.valid", "1.0.0-0A", "1.0.0+20130313144700",
                        "1.0.0-beta+exp.sha.5114f85", "1.0.0+21AF26D3----117B344092BD", "1.0.0-alpha.1+build.5",
                        "1.0.0+build.01", "1.0.0-rc.1+b-1", "99999999999.0.0"}) {
    CAPTURE(v);
    CHECK(valid_version(v));
  }
  for (const char* v : {"1.0", "v1.0.0", "01.0.0", "1.01.0", "1.0.01", "1.0.0-01", "1.0.0-alpha..1", "1",
                        "1.0.0.0", "", "1.0.0-", "1.0.0+", "1.0.0-alpha_beta", " 1.0.0", "1.0.0 ", "1.0.0+a+b",
                        "-1.0.0", "1..0", "a.b.c", "1.0.0-+", "+1.0.0", "1.0.0-beta.01", "1.0.0-.a", "1.0.0-a.",
                        "1.0.0+.b", "1.0.0-\xc3\xa9", "1.2.x", "1.-2.3"}) {
    CAPTURE(v);
    CHECK_FALSE(valid_version(v));
  }
}

TEST_CASE("the version type accepts exactly the valid versions (M-1, Q-14)") {
  CHECK(only_entry("{\"v\":{\"type\":\"version\",\"value\":\"1.0.0-alpha.1+build.5\"}}").val ==
        value{"1.0.0-alpha.1+build.5"});
  for (const char* v : {"1.0", "v1.0.0", "01.0.0", "1.0.0-01", "1.0.0-alpha..1"}) {
    CAPTURE(v);
    CHECK(entry_error("v", std::string("{\"type\":\"version\",\"value\":\"") + v + "\"}") ==
          "v: value fails validation for 'version'");
  }
}

TEST_CASE("version precedence follows the SemVer 2.0.0 example list (Q-14)") {
  const std::vector<const char*> ordered{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    CHECK(cmp(ordered[i], ordered[i]) == 0);
    for (std::size_t j = i + 1; j < ordered.size(); ++j) {
      CHECK(cmp(ordered[i], ordered[j]) < 0);
      CHECK(cmp(ordered[j], ordered[i]) > 0);
    }
  }
}

TEST_CASE("version cores compare numerically and build metadata is ignored (Q-14)") {
  CHECK(cmp("1.0.0", "2.0.0") < 0);
  CHECK(cmp("2.0.0", "2.1.0") < 0);
  CHECK(cmp("2.1.0", "2.1.1") < 0);
  CHECK(cmp("1.9.0", "1.10.0") < 0);
  CHECK(cmp("1.10.0", "1.9.0") > 0);
  CHECK(cmp("1.0.0+a", "1.0.0+b") == 0);
  CHECK(cmp("1.0.0-rc.1+x", "1.0.0-rc.1") == 0);
  CHECK(cmp("1.0.0-2", "1.0.0-10") < 0);
  CHECK(cmp("1.0.0-10", "1.0.0-a") < 0); // numeric < alphanumeric
  CHECK(cmp("1.0.0-B", "1.0.0-a") < 0);  // ASCII order
  CHECK(cmp("0.9.9", "1.0.0-alpha") < 0);
}

} // TEST_SUITE
