// proto/json's frame_texts and proto/frame's kept targets: a client's
// d.target text is recorded, and when it repeats the text of its previous
// frame it is not built again (a null stands in; the caller has the tree).
// Everything that reads the tree (materialize, echo) gets what parse_json
// would have built, and anything unusual goes the full parser's way.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "query/value.hpp"

using sy::query::value;
namespace proto = sy::proto;

namespace {

const std::string target = R"({"application":"bench","ops":[{"path":"/group","op":"$eq","to":{"value":0}}]})";

std::string send(std::string_view t, std::string_view payload = R"({"n":1})", std::string_view type = "SEND") {
  return R"({"op":4,"t":")" + std::string(type) + R"(","d":{"target":)" + std::string(t) + R"(,"nonce":null,"payload":)"
         + std::string(payload) + "}}";
}

/// The texts are views into the parsed bytes: they stay here with them.
struct parsed {
  std::unique_ptr<std::string> text;
  bool ok = false;
  value tree;
  std::string error;
  proto::frame_texts texts;
};

parsed parse(std::string text, std::string_view known = {}) {
  parsed p;
  p.text = std::make_unique<std::string>(std::move(text));
  p.texts.known_target = known;
  p.ok = proto::parse_json_frame(*p.text, p.tree, p.error, p.texts);
  return p;
}

/// decode_frame of `bytes`, which must outlive `f` (its raw texts are views).
bool decoded(const std::string& bytes, proto::client_frame& f, std::string_view known) {
  return proto::decode_frame(proto::encoding::json, bytes, f, known).ok;
}

value json(std::string_view text) {
  value v;
  std::string err;
  REQUIRE(proto::parse_json(text, v, err));
  return v;
}

const value* target_in(const value& body) {
  const value* d = body.find("d");
  return d ? d->find("target") : nullptr;
}

} // namespace

TEST_CASE("d.target's exact text is recorded and its tree still built") {
  auto p = parse(R"({"op":4,"t":"SEND","d":{"target": )" + target + R"( ,"nonce":null,"payload":{"n":1}}})");
  REQUIRE(p.ok);
  CHECK(p.texts.target == target);
  CHECK_FALSE(p.texts.target_kept);
  REQUIRE(target_in(p.tree));
  CHECK(*target_in(p.tree) == json(target));
  CHECK(p.texts.payload == R"({"n":1})");
}

TEST_CASE("a target repeating the known text is not built: a null stands in") {
  auto p = parse(send(target, R"({"n":2})"), target);
  REQUIRE(p.ok);
  CHECK(p.texts.target_kept);
  CHECK(p.texts.target == target);
  REQUIRE(target_in(p.tree));
  CHECK(target_in(p.tree)->is_null());
  CHECK(p.texts.payload == R"({"n":2})");
  CHECK(*p.tree.find("t") == value{std::string("SEND")});
  CHECK(*p.tree.find("d")->find("nonce") == value{});
}

TEST_CASE("a target differing from the known text in one byte is built") {
  std::string other = target;
  other[other.find('0')] = '1'; // "value":1
  auto p = parse(send(other), target);
  REQUIRE(p.ok);
  CHECK_FALSE(p.texts.target_kept);
  CHECK(p.texts.target == other);
  CHECK(*target_in(p.tree) == json(other));
  // Whitespace makes a different text, not a different target: built too.
  auto spaced = parse(send(R"({"application": "bench"})"), R"({"application":"bench"})");
  REQUIRE(spaced.ok);
  CHECK_FALSE(spaced.texts.target_kept);
  CHECK(*target_in(spaced.tree) == json(R"({"application":"bench"})"));
}

TEST_CASE("a known text followed by more than a member separator fails as it would without it") {
  // The known object is a prefix of the bytes here, but what follows is not JSON.
  std::string bad = R"({"op":4,"t":"SEND","d":{"target":)" + target + R"(x,"payload":1}})";
  auto with = parse(bad, target);
  auto without = parse(bad);
  CHECK_FALSE(with.ok);
  CHECK_FALSE(without.ok);
  CHECK(with.error == without.error);
  CHECK(with.texts.target.empty());
  CHECK_FALSE(with.texts.target_kept);
}

TEST_CASE("a known text that is not an object is never taken as the target") {
  for (std::string known : {"1", "\"bench\"", "null", "[1]"}) {
    auto p = parse(send(known), known);
    INFO(known);
    REQUIRE(p.ok);
    CHECK_FALSE(p.texts.target_kept);
    CHECK(*target_in(p.tree) == json(known));
  }
}

TEST_CASE("duplicate targets go to the full parser: no text, nothing kept, both built") {
  std::string text = R"({"op":4,"t":"SEND","d":{"target":)" + target + R"(,"target":{"application":"x"},"payload":1}})";
  auto p = parse(text, target);
  REQUIRE(p.ok);
  CHECK(p.texts.target.empty());
  CHECK_FALSE(p.texts.target_kept);
  CHECK(*target_in(p.tree) == json(R"({"application":"x"})")); // the last one counts
  CHECK(p.tree.find("d")->as_object().size() == 3);
}

TEST_CASE("frames outside the fast subset record no target text and keep none") {
  auto p = parse(R"({"op":4,"t":"SEND","ts":1.5,"d":{"target":)" + target + R"(,"payload":1}})", target);
  REQUIRE(p.ok);
  CHECK(p.texts.target.empty());
  CHECK_FALSE(p.texts.target_kept);
  CHECK(*target_in(p.tree) == json(target));
}

TEST_CASE("decode_frame keeps a repeated target only for SEND and BROADCAST") {
  for (std::string t : {"SEND", "BROADCAST"}) {
    proto::client_frame f;
    std::string bytes = send(target, "[1]", t);
    REQUIRE(decoded(bytes, f, target));
    CHECK(f.target_kept);
    CHECK(target_in(f.body)->is_null());
    // echo() is the frame as received, target and payload included.
    value e = f.echo();
    CHECK(*target_in(e) == json(target));
    CHECK(*e.find("d")->find("payload") == json("[1]"));
    f.materialize();
    CHECK_FALSE(f.target_kept);
    CHECK(*target_in(f.body) == json(target));
  }
  for (std::string t : {"QUERY_NODES", "UPDATE_METADATA", "OTHER"}) {
    proto::client_frame f;
    INFO(t);
    std::string bytes = send(target, "[1]", t);
    REQUIRE(decoded(bytes, f, target));
    CHECK_FALSE(f.target_kept);
    CHECK(*target_in(f.body) == json(target));
    CHECK(*f.body.find("d")->find("payload") == json("[1]"));
  }
}

TEST_CASE("a QUERY_NODES frame (no payload) repeating the target text gets its tree") {
  std::string text = R"({"op":4,"t":"QUERY_NODES","d":{"target":)" + target + "}}";
  proto::client_frame f;
  REQUIRE(decoded(text, f, target));
  CHECK_FALSE(f.target_kept);
  REQUIRE(target_in(f.body));
  CHECK(*target_in(f.body) == json(target));
}

TEST_CASE("a SEND without payload echoes its kept target (invalid dispatch's echo)") {
  std::string text = R"({"op":4,"t":"SEND","d":{"target":)" + target + R"(,"nonce":"x"}})";
  proto::client_frame f;
  REQUIRE(decoded(text, f, target));
  CHECK(f.raw_payload.empty());
  CHECK(f.target_kept);
  value e = f.echo();
  CHECK(*target_in(e) == json(target));
  CHECK(*e.find("d") == json(R"({"target":)" + target + R"(,"nonce":"x"})"));
}

TEST_CASE("put_target restores a kept target for code that reads the tree") {
  proto::client_frame f;
  std::string bytes = send(target);
  REQUIRE(decoded(bytes, f, target));
  REQUIRE(f.target_kept);
  value body = proto::with_payload(f.body, f.raw_payload);
  proto::put_target(body, json(target));
  value whole;
  std::string err;
  REQUIRE(proto::parse_json(send(target), whole, err));
  CHECK(body == whole);
}
