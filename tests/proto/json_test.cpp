// proto/json: the decode limits of E-9 and the number kinds of M-1, checked
// against byte sequences written by hand (RFC 8259), never against text our
// own encoder produced.

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "proto/json.hpp"
#include "query/value.hpp"

using sy::proto::parse_json;
using sy::proto::to_json;
using sy::query::value;

namespace {

value parse_ok(std::string_view text) {
  value v;
  std::string err;
  bool ok = parse_json(text, v, err);
  INFO("input: " << std::string(text) << " error: " << err);
  REQUIRE(ok);
  return v;
}

// The input with bytes outside printable ASCII as \xNN (long inputs cut).
std::string printable(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  if (text.size() > 80)
    out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

// The error text of a rejected input (X-3 wants it non-empty).
std::string parse_fails(std::string_view text) {
  value v;
  std::string err;
  bool ok = parse_json(text, v, err);
  INFO("input: " << printable(text));
  CHECK_FALSE(ok);
  CHECK_FALSE(err.empty());
  return err;
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

} // namespace

TEST_SUITE("proto.json") {

TEST_CASE("an integer token stays an integer and a token with a fraction or exponent is a float (M-1)") {
  value five = parse_ok("5");
  CHECK(five.is_int());
  CHECK(five.as_int() == 5);

  value five_f = parse_ok("5.0");
  CHECK(five_f.is_float());
  CHECK(five_f.as_float() == 5.0);

  CHECK(parse_ok("5e0").is_float());
  CHECK(parse_ok("5E+2").is_float());
  CHECK(parse_ok("0.5").is_float());
  CHECK(parse_ok("-12").is_int());
  CHECK(parse_ok("-12").as_int() == -12);

  value arr = parse_ok("[5, 5.0, -1, 2.5e-3]");
  REQUIRE(arr.is_array());
  REQUIRE(arr.as_array().size() == 4);
  CHECK(arr.as_array()[0].is_int());
  CHECK(arr.as_array()[1].is_float());
  CHECK(arr.as_array()[2].is_int());
  CHECK(arr.as_array()[3].is_float());

  // The kind survives re-encoding: 5 and 5.0 are written differently.
  CHECK(to_json(parse_ok("5")) == "5");
  CHECK(to_json(parse_ok("5.0")) == "5.0");
  CHECK(to_json(parse_ok("[5,5.0]")) == "[5,5.0]");
}

TEST_CASE("the int64 bounds are integers and an integer past int64 becomes a float (M-1)") {
  value max = parse_ok("9223372036854775807");
  REQUIRE(max.is_int());
  CHECK(max.as_int() == std::numeric_limits<std::int64_t>::max());

  value min = parse_ok("-9223372036854775808");
  REQUIRE(min.is_int());
  CHECK(min.as_int() == std::numeric_limits<std::int64_t>::min());

  value past = parse_ok("9223372036854775808");
  REQUIRE(past.is_float());
  CHECK(past.as_float() == 9223372036854775808.0);

  value umax = parse_ok("18446744073709551615");
  REQUIRE(umax.is_float());
  CHECK(umax.as_float() == 18446744073709551615.0);

  CHECK(parse_ok("18446744073709551616").is_float());
  CHECK(parse_ok("-9223372036854775809").is_float());
  CHECK(parse_ok("4294967296").is_int()); // past uint32, still an integer
  CHECK(parse_ok("4294967296").as_int() == 4294967296LL);
}

TEST_CASE("nesting of exactly 64 levels is accepted and 65 levels are rejected (E-9)") {
  value a64 = parse_ok(nested_arrays(64));
  CHECK(a64.is_array());
  parse_fails(nested_arrays(65));

  value o64 = parse_ok(nested_objects(64));
  CHECK(o64.is_object());
  parse_fails(nested_objects(65));

  // Mixed containers count the same way; scalars are not levels.
  std::string mixed;
  for (int i = 0; i < 32; ++i)
    mixed += "[{\"k\":";
  mixed += "[]";
  for (int i = 0; i < 32; ++i)
    mixed += "}]";
  parse_fails(mixed); // 32*2 + 1 = 65 levels
  std::string mixed64 = mixed;
  mixed64.replace(mixed64.find("[]"), 2, "1");
  CHECK(parse_ok(mixed64).is_array()); // 64 levels
}

TEST_CASE("a very deep input is rejected without recursing on its depth (E-9)") {
  std::string deep(200000, '[');
  std::string err = parse_fails(deep);
  CHECK(err.find("64") != std::string::npos);
}

TEST_CASE("a string that is not valid UTF-8 is rejected (E-9)") {
  parse_fails("\"\xff\"");             // never valid in UTF-8
  parse_fails("\"\xc3\x28\"");         // lead byte without continuation
  parse_fails("\"\x80\"");             // lone continuation byte
  parse_fails("\"\xe2\x82\"");         // truncated 3-byte sequence
  parse_fails("\"\xc0\xaf\"");         // overlong encoding of '/'
  parse_fails("\"\xe0\x80\xaf\"");     // overlong 3-byte encoding
  parse_fails("\"\xed\xa0\x80\"");     // UTF-16 surrogate D800 encoded directly
  parse_fails("\"\xf4\x90\x80\x80\""); // past U+10FFFF
  parse_fails("{\"\xff\":1}");          // in a key too
  parse_fails("[\"ok\", \"\xfe\"]");    // deeper in the document
}

TEST_CASE("valid multi-byte UTF-8 and escaped surrogate pairs decode to the same bytes (E-9, RFC 8259 section 7)") {
  CHECK(parse_ok("\"\xc3\xa9\"").as_string() == "\xc3\xa9");                  // U+00E9
  CHECK(parse_ok("\"\xe2\x82\xac\"").as_string() == "\xe2\x82\xac");          // U+20AC
  CHECK(parse_ok("\"\xf0\x9d\x84\x9e\"").as_string() == "\xf0\x9d\x84\x9e");  // U+1D11E
  CHECK(parse_ok("\"\\ud834\\udd1e\"").as_string() == "\xf0\x9d\x84\x9e");    // same, escaped
  CHECK(parse_ok("\"\\u00e9\\u20AC\"").as_string() == "\xc3\xa9\xe2\x82\xac");
}

TEST_CASE("an escaped lone surrogate is rejected whether it is high or low (E-9, E-2)") {
  // A lone high surrogate is refused by the decoder ...
  parse_fails("\"\\ud800\"");
  parse_fails("\"\\ud800\\u0041\"");
  // ... and a lone low surrogate must be too: it would decode to the bytes
  // ED B0 80, which are not UTF-8, and be sent on to other clients in text
  // frames that a conforming websocket client must reject.
  parse_fails("\"\\udc00\"");
  parse_fails("[\"a\\udfffb\"]");
}

TEST_CASE("a NUL byte in the input is rejected, an escaped \\u0000 is not (E-9)") {
  parse_fails(std::string_view("{\"a\":1}\0", 8));
  parse_fails(std::string_view("\"a\0b\"", 5));
  parse_fails(std::string_view("\0{}", 3));

  value v = parse_ok("\"a\\u0000b\"");
  REQUIRE(v.is_string());
  CHECK(v.as_string() == std::string("a\0b", 3));
}

TEST_CASE("data after the document is rejected, whitespace after it is not (E-9)") {
  parse_fails("{} x");
  parse_fails("{}{}");
  parse_fails("1 2");
  parse_fails("[1],");
  parse_fails("123abc");
  parse_fails("01"); // a leading zero is not a number
  parse_fails("nullx");
  CHECK(parse_ok(" {} \n\t\r ").is_object());
  CHECK(parse_ok("\n[1]\n").is_array());
}

TEST_CASE("empty and whitespace-only input is rejected (X-3)") {
  parse_fails("");
  parse_fails(" \n\t\r ");
}

TEST_CASE("text that RFC 8259 does not allow is rejected (X-3)") {
  parse_fails("{'a':1}");
  parse_fails("{a:1}");
  parse_fails("[1,]");
  parse_fails("{\"a\":1,}");
  parse_fails("[NaN]");
  parse_fails("[Infinity]");
  parse_fails("/* c */ {}");
  parse_fails("{\"a\" 1}");
  parse_fails("\"tab\there\"");  // raw control character in a string
  parse_fails("\"line\nbreak\"");
  parse_fails("\"\\x41\"");      // not a JSON escape
  parse_fails("\"\\u12\"");      // short \u escape
  parse_fails("[1 2]");
  parse_fails("{\"a\":1");
  parse_fails("tru");
  parse_fails("+1");
  parse_fails(".5");
  parse_fails("1.");
}

TEST_CASE("objects keep their key order when re-encoded") {
  const char* text = "{\"b\":1,\"a\":2,\"c\":{\"z\":true,\"y\":null,\"x\":[3,{\"q\":1,\"p\":2}]}}";
  value v = parse_ok(text);
  REQUIRE(v.is_object());
  REQUIRE(v.as_object().size() == 3);
  CHECK(v.as_object()[0].key == "b");
  CHECK(v.as_object()[1].key == "a");
  CHECK(v.as_object()[2].key == "c");
  CHECK(to_json(v) == text);

  // Whitespace goes, order stays.
  CHECK(to_json(parse_ok("{ \"z\" : 1 , \"a\" : [ 1 , 2 ] }")) == "{\"z\":1,\"a\":[1,2]}");
}

TEST_CASE("encoding texts of every length up to 2,000 bytes, and appending after existing text") {
  // The writer's output gathers in blocks: every length around the block
  // edges comes out whole and in order.
  for (std::size_t len = 0; len <= 2000; ++len) {
    std::string body;
    for (std::size_t i = 0; i < len; ++i)
      body.push_back(static_cast<char>('a' + i % 26));
    value v{sy::query::array{value{body}, value{static_cast<std::int64_t>(len)}}};
    std::string want = "[\"" + body + "\"," + std::to_string(len) + "]";
    REQUIRE(to_json(v) == want);
    std::string out = "prefix:";
    sy::proto::append_json(out, v);
    REQUIRE(out == "prefix:" + want);
  }
  // Escapes grow the text while it is written (six bytes for a control character).
  std::string controls(700, '\x01');
  std::string escaped;
  for (std::size_t i = 0; i < controls.size(); ++i)
    escaped += "\\u0001";
  CHECK(to_json(value{controls}) == "\"" + escaped + "\"");
}

TEST_CASE("strings with every RFC 8259 escape decode and round-trip") {
  // Written by hand: \" \\ \/ \b \f \n \r \t \u0041 \u00e9 and a surrogate pair.
  const char* text = "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud834\\udd1e\"";
  value v = parse_ok(text);
  REQUIRE(v.is_string());
  const std::string expected = std::string("\"\\/\b\f\n\r\tA") + "\xc3\xa9" + "\xf0\x9d\x84\x9e";
  CHECK(v.as_string() == expected);

  // Encoding escapes what JSON requires and writes the rest as UTF-8 bytes.
  std::string out = to_json(v);
  CHECK(out == std::string("\"\\\"\\\\/\\b\\f\\n\\r\\tA") + "\xc3\xa9" + "\xf0\x9d\x84\x9e" + "\"");
  CHECK(parse_ok(out) == v);

  // Other control characters come out as \u escapes and come back the same.
  value ctl = parse_ok("\"\\u0001\\u001f\"");
  CHECK(ctl.as_string() == "\x01\x1f");
  CHECK(parse_ok(to_json(ctl)) == ctl);
  CHECK(to_json(value{std::string("\x01")}) == "\"\\u0001\"");
}

TEST_CASE("the object example of RFC 8259 section 13 decodes to the expected values") {
  const char* text = "{\n"
                     "  \"Image\": {\n"
                     "      \"Width\":  800,\n"
                     "      \"Height\": 600,\n"
                     "      \"Title\":  \"View from 15th Floor\",\n"
                     "      \"Thumbnail\": {\n"
                     "          \"Url\":    \"http://www.example.com/image/481989943\",\n"
                     "          \"Height\": 125,\n"
                     "          \"Width\":  100\n"
                     "      },\n"
                     "      \"Animated\" : false,\n"
                     "      \"IDs\": [116, 943, 234, 38793]\n"
                     "    }\n"
                     "}";
  value v = parse_ok(text);
  const value* image = v.find("Image");
  REQUIRE(image != nullptr);
  REQUIRE(image->find("Width") != nullptr);
  CHECK(image->find("Width")->is_int());
  CHECK(image->find("Width")->as_int() == 800);
  CHECK(image->find("Title")->as_string() == "View from 15th Floor");
  CHECK(image->find("Thumbnail")->find("Url")->as_string() == "http://www.example.com/image/481989943");
  CHECK(image->find("Animated")->is_bool());
  CHECK(image->find("Animated")->as_bool() == false);
  const auto& ids = image->find("IDs")->as_array();
  REQUIRE(ids.size() == 4);
  CHECK(ids[3].as_int() == 38793);
  CHECK(to_json(v) == "{\"Image\":{\"Width\":800,\"Height\":600,\"Title\":\"View from 15th Floor\","
                      "\"Thumbnail\":{\"Url\":\"http://www.example.com/image/481989943\",\"Height\":125,"
                      "\"Width\":100},\"Animated\":false,\"IDs\":[116,943,234,38793]}}");
}

TEST_CASE("the array example and the scalar texts of RFC 8259 section 13 decode") {
  const char* text = "[\n"
                     "  {\n"
                     "     \"precision\": \"zip\",\n"
                     "     \"Latitude\":  37.7668,\n"
                     "     \"Longitude\": -122.3959,\n"
                     "     \"Address\":   \"\",\n"
                     "     \"City\":      \"SAN FRANCISCO\",\n"
                     "     \"State\":     \"CA\",\n"
                     "     \"Zip\":       \"94107\",\n"
                     "     \"Country\":   \"US\"\n"
                     "  },\n"
                     "  {\n"
                     "     \"precision\": \"zip\",\n"
                     "     \"Latitude\":  37.371991,\n"
                     "     \"Longitude\": -122.026020,\n"
                     "     \"Address\":   \"\",\n"
                     "     \"City\":      \"SUNNYVALE\",\n"
                     "     \"State\":     \"CA\",\n"
                     "     \"Zip\":       \"94085\",\n"
                     "     \"Country\":   \"US\"\n"
                     "  }\n"
                     "]";
  value v = parse_ok(text);
  REQUIRE(v.is_array());
  REQUIRE(v.as_array().size() == 2);
  const value& first = v.as_array()[0];
  CHECK(first.find("Latitude")->is_float());
  CHECK(first.find("Latitude")->as_float() == doctest::Approx(37.7668));
  CHECK(first.find("Longitude")->as_float() == doctest::Approx(-122.3959));
  CHECK(first.find("Address")->as_string().empty());
  CHECK(first.find("Zip")->is_string());
  CHECK(v.as_array()[1].find("City")->as_string() == "SUNNYVALE");

  CHECK(parse_ok("\"Hello world!\"").as_string() == "Hello world!");
  CHECK(parse_ok("42").as_int() == 42);
  CHECK(parse_ok("true").as_bool() == true);
  CHECK(parse_ok("null").is_null());
  CHECK(parse_ok("{}").as_object().empty());
  CHECK(parse_ok("[]").as_array().empty());
}

} // TEST_SUITE
