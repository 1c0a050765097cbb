// The client actor with a real router, on CAF's deterministic scheduler:
// hello/identify/ready, heartbeat deadlines (L-13, L-14), the idle timeout of
// unidentified connections (L-3), duplicate identities (L-6), and the error
// texts a connection can see (L-2, L-5, L-7, L-15, M-3, A-4).

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/alarm.hpp"
#include "actors/atoms.hpp"
#include "actors/client.hpp"
#include "actors/log.hpp"
#include "actors/options.hpp"
#include "actors/router.hpp"
#include "query/value.hpp"
#include "tests/support/deterministic.hpp"
#include "tests/support/fake_outbox.hpp"
#include "tests/support/fixture_json.hpp"

using sy::query::value;
using sy::test::fake_outbox;
using sy::test::json;

namespace {

std::int64_t op_of(const value& f) {
  const value* op = f.find("op");
  REQUIRE(op != nullptr);
  REQUIRE(op->is_int());
  return op->as_int();
}

const value& d_of(const value& f) {
  const value* d = f.find("d");
  REQUIRE(d != nullptr);
  return *d;
}

std::string error_of(const value& f) {
  const value* e = d_of(f).find("error");
  REQUIRE(e != nullptr);
  REQUIRE(e->is_string());
  return e->as_string();
}

value extra_of(const value& f) {
  const value* e = d_of(f).find("extra_info");
  REQUIRE(e != nullptr);
  return *e;
}

std::string identify_json(std::string_view cid, std::string_view app, std::string_view extra = "") {
  return "{\"op\":1,\"d\":{\"client_id\":\"" + std::string(cid) + "\",\"application_id\":\"" + std::string(app) + "\""
         + std::string(extra) + "}}";
}

const std::string heartbeat_json = "{\"op\":5,\"d\":{\"client_id\":\"c1\"}}";

sy::actors::options interval(std::int64_t hb_ms) {
  sy::actors::options o;
  o.heartbeat_interval_ms = hb_ms;
  return o;
}

/// One router and any number of connections to it.
struct gateway : sy::test::deterministic {
  struct conn {
    std::shared_ptr<fake_outbox> out;
    caf::actor actor;
  };

  caf::actor router;
  caf::actor alarm;

  gateway() {
    sy::log::set_level(sy::log::level::error);
    router = own(sy::actors::spawn_router(sys, "test"));
    alarm = own(sy::actors::spawn_alarm(sys));
    run();
  }

  /// A new connection; its hello has been sent when this returns.
  conn connect(sy::actors::options o = {}) {
    o.alarm = alarm; // the node's deadlines, as main sets them up
    auto out = std::make_shared<fake_outbox>();
    auto opts = std::make_shared<const sy::actors::options>(std::move(o));
    auto a = own(sy::actors::spawn_client(sys, out, sy::actors::connection_info{sy::proto::encoding::json, "127.0.0.1"},
                                          router, opts));
    run();
    return {out, a};
  }

  /// Queues one websocket message without running the actors.
  void post(const conn& c, std::string bytes) {
    caf::anon_send(c.actor, sy::actors::frame_atom::value, std::move(bytes));
  }

  /// Delivers one websocket message and runs until everything settled.
  void send(const conn& c, std::string bytes) {
    post(c, std::move(bytes));
    run();
  }

  /// A connection that completed identify (its ready checked).
  conn identified(std::string_view cid, std::string_view app = "a", sy::actors::options o = {},
                  std::string_view extra = "") {
    auto c = connect(std::move(o));
    send(c, identify_json(cid, app, extra));
    REQUIRE(c.out->count() == 2);
    value ready = c.out->frame(1);
    REQUIRE(op_of(ready) == 2);
    REQUIRE(d_of(ready).find("client_id")->as_string() == cid);
    REQUIRE_FALSE(c.out->closed());
    return c;
  }

  /// Expects the last frame to be op 8 with `text`, followed by close(1000).
  static void expect_fatal(const conn& c, std::string_view text) {
    REQUIRE(c.out->count() > 0);
    value last = c.out->last();
    CHECK(op_of(last) == 8);
    CHECK(error_of(last) == text);
    CHECK(extra_of(last).is_null());
    CHECK(c.out->count_op(8) == 1);
    CHECK(c.out->close_code() == std::optional<std::uint16_t>(1000));
    // L-17: the op 8 is written before the first close.
    std::string ev = c.out->events();
    auto first_close = ev.find('c');
    REQUIRE(first_close != std::string::npos);
    CHECK(ev.find('s', first_close) == std::string::npos);
  }
};

} // namespace

TEST_SUITE("actors.client") {

// -- hello and identify -------------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "hello is the first frame and carries the configured heartbeat interval (L-1, G-2)") {
  auto c = connect(interval(1234));
  REQUIRE(c.out->count() == 1);
  std::string raw = c.out->raw()[0];
  CHECK(raw.rfind("{\"d\":{\"heartbeat_interval\":1234},\"op\":0,\"t\":null,\"ts\":", 0) == 0);
  value hello = c.out->frame(0);
  CHECK(hello.find("ts")->is_int());
  CHECK(hello.find("ts")->as_int() > 0);
  CHECK_FALSE(c.out->closed());
  CHECK(c.out->acks() == 0);
}

TEST_CASE_FIXTURE(gateway, "identify is answered with ready carrying the client id and restricted false (L-10)") {
  auto c = connect();
  send(c, identify_json("c1", "a"));
  REQUIRE(c.out->count() == 2);
  value ready = c.out->frame(1);
  CHECK(op_of(ready) == 2);
  CHECK(d_of(ready) == json("{\"client_id\":\"c1\",\"restricted\":false}"));
  CHECK(ready.find("t")->is_null());
  CHECK(ready.find("ts")->is_int());
  CHECK_FALSE(c.out->closed());
  CHECK(c.out->acks() == 1);
}

TEST_CASE_FIXTURE(gateway, "no delivery reaches a new member before its ready, whatever order the actors run in (L-9, L-10)") {
  const std::string id0 = R"(,"metadata":{"id":{"type":"integer","value":0}})";
  auto keeper = identified("keeper", "rx", {}, R"(,"metadata":{"id":{"type":"integer","value":1}})");
  auto s = identified("s", "tx");
  const std::string to_id0 = R"({"op":4,"t":"SEND","d":{"target":{"application":"rx","droppable":true,)"
                             R"("ops":[{"path":"/id","op":"$eq","to":{"value":0}}]},"payload":1,"nonce":null}})";
  std::mt19937 rng(9); // schedules: each step runs the oldest or the newest job
  for (int round = 0; round < 200; ++round) {
    auto r = connect();
    post(r, identify_json("r" + std::to_string(round), "rx", id0));
    for (int i = 0; i < 3; ++i)
      post(s, to_id0);
    while (rng() % 2 ? sched.try_run_once() : sched.try_run_once_lifo()) {
    }
    INFO("round " << round);
    REQUIRE(r.out->count() >= 2);
    CHECK(op_of(r.out->frame(1)) == 2);
    caf::anon_send_exit(r.actor, caf::exit_reason::kill);
    run();
  }
}

TEST_CASE_FIXTURE(gateway, "a heartbeat is acked with the identified client id whatever its d says (L-11)") {
  auto c = identified("c1");
  send(c, "{\"op\":5,\"d\":{\"client_id\":\"someone else\"}}");
  send(c, "{\"op\":5}");
  send(c, "{\"op\":5,\"d\":null,\"ts\":5}");
  REQUIRE(c.out->count() == 5);
  for (std::size_t i = 2; i < 5; ++i) {
    value ack = c.out->frame(i);
    CHECK(op_of(ack) == 6);
    CHECK(d_of(ack) == json("{\"client_id\":\"c1\"}"));
    CHECK(ack.find("t")->is_null());
  }
  CHECK_FALSE(c.out->closed());
}

TEST_CASE_FIXTURE(gateway, "every handled frame is acknowledged to the outbox once") {
  auto c = identified("c1");
  const std::string bad_update = "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"integer\",\"value\":\"x\"}}}";
  const std::string good_update = "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"integer\",\"value\":1}}}";
  send(c, heartbeat_json);
  send(c, bad_update);
  send(c, good_update);
  CHECK(c.out->acks() == 4);
  // identify + the three frames above, each acknowledged with its own size
  std::size_t bytes =
    identify_json("c1", "a").size() + std::string(heartbeat_json).size() + bad_update.size() + good_update.size();
  CHECK(c.out->acked_bytes() == bytes);
  CHECK_FALSE(c.out->closed());
}

// -- heartbeat deadline (L-13, L-14) ------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "a 1000 ms client lives at 1400 ms, is acked, and gets op 8 1500 ms after that heartbeat (L-13, L-14)") {
  auto c = identified("c1", "a", interval(1000));
  advance_ms(1400);
  CHECK(c.out->count() == 2);
  CHECK_FALSE(c.out->closed());

  send(c, heartbeat_json);
  REQUIRE(c.out->count() == 3);
  CHECK(op_of(c.out->frame(2)) == 6);

  advance_ms(1499);
  CHECK(c.out->count() == 3);
  CHECK_FALSE(c.out->closed());

  advance_ms(1);
  REQUIRE(c.out->count() == 4);
  expect_fatal(c, "heartbeat took too long");
}

TEST_CASE_FIXTURE(gateway, "without heartbeats the deadline is 1.5 times the interval after ready (L-13, L-14)") {
  auto c = identified("c1", "a", interval(1000));
  advance_ms(1499);
  CHECK(c.out->count() == 2);
  CHECK_FALSE(c.out->closed());
  advance_ms(1);
  REQUIRE(c.out->count() == 3);
  expect_fatal(c, "heartbeat took too long");
}

TEST_CASE_FIXTURE(gateway, "heartbeats every 900 ms keep a 1000 ms client alive across 10 s (L-12, L-14)") {
  auto c = identified("c1", "a", interval(1000));
  const int beats = 12; // 12 x 900 ms = 10.8 s
  for (int i = 0; i < beats; ++i) {
    advance_ms(900);
    REQUIRE_FALSE(c.out->closed());
    send(c, heartbeat_json);
    CHECK(op_of(c.out->last()) == 6);
  }
  CHECK(c.out->count() == static_cast<std::size_t>(2 + beats));
  CHECK(c.out->count_op(6) == static_cast<std::size_t>(beats));
  CHECK(c.out->count_op(8) == 0);
  CHECK_FALSE(c.out->closed());

  // The timer still works once the heartbeats stop.
  advance_ms(1499);
  CHECK_FALSE(c.out->closed());
  advance_ms(1);
  expect_fatal(c, "heartbeat took too long");
}

TEST_CASE_FIXTURE(gateway, "traffic other than heartbeats does not extend the deadline (L-14)") {
  auto c = identified("c1", "a", interval(1000));
  advance_ms(1000);
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"integer\",\"value\":1}}}");
  CHECK(c.out->count() == 2); // M-7: no reply
  advance_ms(499);
  CHECK_FALSE(c.out->closed());
  advance_ms(1);
  expect_fatal(c, "heartbeat took too long");
}

TEST_CASE_FIXTURE(gateway, "a frame handled after the deadline is answered with op 8 only, before the timer fires (L-14 lazy check)") {
  auto c = identified("c1", "a", interval(1000));
  skew_ms(1500); // the deadline has passed; the timer has not been delivered
  send(c, heartbeat_json);
  REQUIRE(c.out->count() == 3);
  CHECK(c.out->count_op(6) == 0);
  expect_fatal(c, "heartbeat took too long");
  CHECK(c.out->acks() == 2); // the late frame itself was handled (lazily), not dropped

  // The overdue timer finds the actor gone: still exactly one op 8.
  advance_ms(0);
  advance_ms(5000);
  CHECK(c.out->count() == 3);
  CHECK(c.out->count_op(8) == 1);
}

TEST_CASE_FIXTURE(gateway, "frames after the timer's op 8 are ignored (L-14, L-17)") {
  auto c = identified("c1", "a", interval(1000));
  advance_ms(1500);
  expect_fatal(c, "heartbeat took too long");
  auto n = c.out->count();
  send(c, heartbeat_json);
  send(c, identify_json("c1", "a"));
  CHECK(c.out->count() == n);
  CHECK(c.out->count_op(6) == 0);
}

// -- unidentified connections (L-2, L-3, L-5, G-5) ----------------------------------------

TEST_CASE_FIXTURE(gateway, "an unidentified connection is closed with 1000 and no op 8 after the idle timeout (L-3)") {
  sy::actors::options o;
  o.idle_timeout_ms = 500;
  auto c = connect(o);
  advance_ms(499);
  CHECK_FALSE(c.out->closed());
  advance_ms(1);
  CHECK(c.out->closed());
  CHECK(c.out->close_code() == std::optional<std::uint16_t>(1000));
  CHECK(c.out->ops() == std::vector<std::int64_t>{0}); // hello only
}

TEST_CASE_FIXTURE(gateway, "identify within the idle window prevents the idle close (L-3)") {
  sy::actors::options o;
  o.idle_timeout_ms = 500;
  auto c = connect(o);
  advance_ms(300);
  send(c, identify_json("c1", "a"));
  REQUIRE(c.out->count() == 2);
  CHECK(op_of(c.out->frame(1)) == 2);
  advance_ms(1000);
  CHECK_FALSE(c.out->closed());
  send(c, heartbeat_json);
  CHECK(op_of(c.out->last()) == 6);
  CHECK_FALSE(c.out->closed());
}

TEST_CASE_FIXTURE(gateway, "any frame other than op 1 before identify gets op 8 (L-2)") {
  for (const char* f : {"{\"op\":5}", "{\"op\":4,\"t\":\"SEND\",\"d\":{}}", "{\"op\":99}", "{\"d\":{}}",
                        "{\"op\":\"1\",\"d\":{\"client_id\":\"c\",\"application_id\":\"a\"}}", "{\"op\":1.0}",
                        "{\"op\":0}", "{\"op\":8}"}) {
    CAPTURE(f);
    auto c = connect();
    send(c, f);
    REQUIRE(c.out->count() == 2);
    expect_fatal(c, "sent payload with non-identify opcode without identifying first");
  }
}

TEST_CASE_FIXTURE(gateway, "identify without usable ids gets op 8 payload has no data and registers nothing (L-5)") {
  for (const char* f : {"{\"op\":1}", "{\"op\":1,\"d\":null}", "{\"op\":1,\"d\":5}", "{\"op\":1,\"d\":[]}",
                        "{\"op\":1,\"d\":{\"client_id\":\"c1\"}}", "{\"op\":1,\"d\":{\"application_id\":\"a\"}}",
                        "{\"op\":1,\"d\":{\"client_id\":\"\",\"application_id\":\"a\"}}",
                        "{\"op\":1,\"d\":{\"client_id\":\"c1\",\"application_id\":7}}"}) {
    CAPTURE(f);
    auto c = connect();
    send(c, f);
    REQUIRE(c.out->count() == 2);
    expect_fatal(c, "payload has no data");
  }
  identified("c1", "a");
}

TEST_CASE_FIXTURE(gateway, "a frame that is not a map gets op 8 decode: payload: unrecoverable, before or after identify (G-5)") {
  for (const char* f : {"[1]", "5", "null", "\"x\""}) {
    CAPTURE(f);
    auto before = connect();
    send(before, f);
    expect_fatal(before, "decode: payload: unrecoverable");

    static int n = 0;
    auto after = identified("g5-" + std::to_string(n++));
    send(after, f);
    expect_fatal(after, "decode: payload: unrecoverable");
  }
}

TEST_CASE_FIXTURE(gateway, "bytes that are not JSON get op 8 with a non-empty decoder message (X-3)") {
  for (const char* f : {"{", "", "{\"op\":5} x", "\xff"}) {
    CAPTURE(f);
    auto c = connect();
    send(c, f);
    REQUIRE(c.out->count() == 2);
    value last = c.out->last();
    CHECK(op_of(last) == 8);
    CHECK_FALSE(error_of(last).empty());
    CHECK(error_of(last) != "decode: payload: unrecoverable");
    CHECK(c.out->close_code() == std::optional<std::uint16_t>(1000));
  }
}

// -- duplicate identities (L-6) ------------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "a second identify of healthy ids gets op 8 already registered and leaves the first alone (L-6)") {
  auto c1 = identified("c1", "a");
  auto c2 = connect();
  send(c2, identify_json("c1", "a"));
  REQUIRE(c2.out->count() == 2);
  expect_fatal(c2, "c1: already registered for app a");

  CHECK(c1.out->count() == 2);
  CHECK_FALSE(c1.out->closed());
  send(c1, heartbeat_json);
  CHECK(op_of(c1.out->last()) == 6);

  // The same client id under another application is another client.
  identified("c1", "b");
}

TEST_CASE_FIXTURE(gateway, "the duplicate check answers before initial metadata is validated (L-6, L-8)") {
  auto c1 = identified("c1", "a");
  auto c2 = connect();
  send(c2, identify_json("c1", "a", ",\"metadata\":{\"ip\":{\"type\":\"string\",\"value\":\"x\"}}"));
  expect_fatal(c2, "c1: already registered for app a");
  CHECK_FALSE(c1.out->closed());
}

TEST_CASE_FIXTURE(gateway, "after the first client's deadline passed and its timer fired a new identify gets ready (L-6, L-14)") {
  auto c1 = identified("c1", "a", interval(1000));
  advance_ms(1500);
  expect_fatal(c1, "heartbeat took too long");
  identified("c1", "a", interval(1000));
}

TEST_CASE_FIXTURE(gateway, "a second identify evicts a client past its deadline with op 8 heartbeat took too long and gets ready (L-6)") {
  auto c1 = identified("c1", "a", interval(1000));
  skew_ms(1600); // c1 is stale, but its timer has not been handled yet
  auto c2 = connect(interval(1000));
  send(c2, identify_json("c1", "a"));

  REQUIRE(c1.out->count() == 3);
  expect_fatal(c1, "heartbeat took too long");
  REQUIRE(c2.out->count() == 2);
  CHECK(op_of(c2.out->frame(1)) == 2);
  CHECK_FALSE(c2.out->closed());

  // The overdue timer of c1 changes nothing; c2 now holds the ids.
  advance_ms(0);
  CHECK(c1.out->count_op(8) == 1);
  auto c3 = connect();
  send(c3, identify_json("c1", "a"));
  expect_fatal(c3, "c1: already registered for app a");
  CHECK_FALSE(c2.out->closed());
}

TEST_CASE_FIXTURE(gateway, "after the first client's actor is killed a new identify of its ids gets ready (L-6, L-18)") {
  auto c1 = identified("c1", "a");
  caf::anon_send_exit(c1.actor, caf::exit_reason::kill);
  run();
  CHECK(c1.out->closed());
  CHECK(c1.out->count_op(8) == 0);
  auto c2 = identified("c1", "a");
  CHECK_FALSE(c2.out->closed());
}

// -- after identify (L-7, L-15) -------------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "a second identify on an identified connection gets op 8 already identified and frees the ids (L-7, L-18)") {
  auto c = identified("c1", "a");
  send(c, identify_json("c1", "a"));
  REQUIRE(c.out->count() == 3);
  expect_fatal(c, "already identified");

  auto other = identified("c2", "a");
  send(other, identify_json("c9", "z"));
  expect_fatal(other, "already identified");

  identified("c1", "a"); // cleanup ran: the ids are free again
}

TEST_CASE_FIXTURE(gateway, "any other op after identify gets op 8 invalid client op with the original's names (L-15)") {
  const std::vector<std::pair<std::string, std::string>> rows{
      {"{\"op\":0}", "invalid client op :hello"},
      {"{\"op\":2}", "invalid client op :ready"},
      {"{\"op\":3}", "invalid client op :invalid"},
      {"{\"op\":6}", "invalid client op :heartbeat_ack"},
      {"{\"op\":7}", "invalid client op :goodbye"},
      {"{\"op\":8,\"d\":{\"error\":\"x\"}}", "invalid client op :error"},
      {"{\"op\":9}", "invalid client op nil"},
      {"{\"op\":-1}", "invalid client op nil"},
      {"{\"op\":4294967300}", "invalid client op nil"},
      {"{\"d\":{}}", "invalid client op nil"},
      {"{\"op\":null}", "invalid client op nil"},
      {"{\"op\":\"5\"}", "invalid client op nil"},
      {"{\"op\":5.0}", "invalid client op nil"},
      {"{\"op\":[5]}", "invalid client op nil"},
  };
  int n = 0;
  for (const auto& [frame, text] : rows) {
    CAPTURE(frame);
    auto c = identified("l15-" + std::to_string(n++));
    send(c, frame);
    REQUIRE(c.out->count() == 3);
    expect_fatal(c, text);
    send(c, heartbeat_json); // L-17: ignored after the op 8
    CHECK(c.out->count() == 3);
  }
}

// -- metadata (M-3, M-7, L-9, M-10) --------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "an invalid metadata update gets op 3 with the per-key map and the client stays alive (M-3)") {
  auto c = identified("c1");
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"ok\":{\"type\":\"string\",\"value\":\"x\"},"
          "\"bad\":{\"type\":\"integer\",\"value\":\"x\"},\"ip\":{\"type\":\"string\",\"value\":\"x\"}}}");
  REQUIRE(c.out->count() == 3);
  value f = c.out->frame(2);
  CHECK(op_of(f) == 3);
  CHECK(error_of(f) == "invalid metadata");
  CHECK(extra_of(f) == json("{\"bad\":\"bad: value fails validation for 'integer'\",\"ip\":\"ip: forbidden metadata key\"}"));
  CHECK_FALSE(c.out->closed());

  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":[1]}");
  REQUIRE(c.out->count() == 4);
  CHECK(op_of(c.out->frame(3)) == 3);
  CHECK(error_of(c.out->frame(3)) == "invalid metadata");
  CHECK(extra_of(c.out->frame(3)).is_null());

  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\"}");
  REQUIRE(c.out->count() == 5);
  CHECK(error_of(c.out->frame(4)) == "invalid metadata");
  CHECK(extra_of(c.out->frame(4)).is_null());

  send(c, heartbeat_json);
  REQUIRE(c.out->count() == 6);
  CHECK(op_of(c.out->frame(5)) == 6);
  CHECK_FALSE(c.out->closed());
}

TEST_CASE_FIXTURE(gateway, "a valid or empty metadata update gets no reply (M-3, M-7)") {
  auto c = identified("c1");
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"list\",\"value\":\"[1,2]\"}}}");
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{}}");
  CHECK(c.out->count() == 2);
  send(c, heartbeat_json);
  CHECK(c.out->ops() == std::vector<std::int64_t>{0, 2, 6});
  CHECK_FALSE(c.out->closed());
}

TEST_CASE_FIXTURE(gateway, "invalid initial metadata gets op 8 initial metadata: invalid and registers nothing (L-9, M-10)") {
  auto c = connect();
  send(c, identify_json("c1", "a", ",\"metadata\":{\"ip\":{\"type\":\"string\",\"value\":\"x\"},"
                                   "\"n\":{\"type\":\"integer\",\"value\":1}}"));
  REQUIRE(c.out->count() == 2);
  value last = c.out->last();
  CHECK(op_of(last) == 8);
  CHECK(error_of(last) == "initial metadata: invalid");
  CHECK(extra_of(last) == json("{\"ip\":\"ip: forbidden metadata key\"}"));
  CHECK(c.out->close_code() == std::optional<std::uint16_t>(1000));

  auto m = connect();
  send(m, identify_json("c1", "a", ",\"metadata\":5"));
  REQUIRE(m.out->count() == 2);
  CHECK(error_of(m.out->last()) == "initial metadata: invalid");
  CHECK(extra_of(m.out->last()).is_null());

  // Nothing was registered; valid initial metadata is accepted.
  identified("c1", "a", {}, ",\"metadata\":{\"n\":{\"type\":\"float\",\"value\":1}}");
}

// -- restricted mode (A-2, A-4) -------------------------------------------------------------

TEST_CASE_FIXTURE(gateway, "a restricted client's dispatch other than UPDATE_METADATA gets op 3 invalid dispatch type (A-2, A-4)") {
  auto c = connect(); // no server password: any auth makes the client restricted
  send(c, identify_json("r1", "a", ",\"auth\":\"pw\""));
  REQUIRE(c.out->count() == 2);
  CHECK(d_of(c.out->frame(1)) == json("{\"client_id\":\"r1\",\"restricted\":true}"));

  send(c, "{\"op\":4,\"t\":\"SEND\",\"d\":{\"target\":{},\"payload\":1,\"nonce\":null}}");
  REQUIRE(c.out->count() == 3);
  value f = c.out->frame(2);
  CHECK(op_of(f) == 3);
  CHECK(error_of(f) == "invalid dispatch type SEND (are you restricted?)");
  CHECK(extra_of(f).is_null());

  // Checked before anything else about the dispatch: a broken body or t.
  send(c, "{\"op\":4,\"t\":\"QUERY_NODES\"}");
  CHECK(error_of(c.out->last()) == "invalid dispatch type QUERY_NODES (are you restricted?)");
  send(c, "{\"op\":4,\"t\":null,\"d\":5}");
  CHECK(error_of(c.out->last()) == "invalid dispatch type  (are you restricted?)");
  send(c, "{\"op\":4}");
  CHECK(error_of(c.out->last()) == "invalid dispatch type  (are you restricted?)");
  CHECK(c.out->count_op(3) == 4);

  // UPDATE_METADATA is allowed: a valid one gets no reply, an invalid one M-3's op 3.
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"integer\",\"value\":1}}}");
  CHECK(c.out->count() == 6);
  send(c, "{\"op\":4,\"t\":\"UPDATE_METADATA\",\"d\":{\"k\":{\"type\":\"nope\",\"value\":1}}}");
  CHECK(error_of(c.out->last()) == "invalid metadata");
  CHECK(extra_of(c.out->last()) == json("{\"k\":\"k: type 'nope' doesn't exists\"}"));

  send(c, "{\"op\":5}");
  CHECK(op_of(c.out->last()) == 6);
  CHECK_FALSE(c.out->closed());
}

TEST_CASE_FIXTURE(gateway, "with a server password the right auth is normal and a wrong one is restricted without closing (A-2)") {
  sy::actors::options o;
  o.auth = "secret";
  auto good = connect(o);
  send(good, identify_json("n1", "a", ",\"auth\":\"secret\""));
  REQUIRE(good.out->count() == 2);
  CHECK(d_of(good.out->frame(1)) == json("{\"client_id\":\"n1\",\"restricted\":false}"));

  for (const char* auth : {"", ",\"auth\":\"Secret\"", ",\"auth\":null", ",\"auth\":5"}) {
    CAPTURE(auth);
    static int n = 0;
    auto bad = connect(o);
    std::string cid = "r" + std::to_string(n++);
    send(bad, identify_json(cid, "a", auth));
    REQUIRE(bad.out->count() == 2);
    CHECK(op_of(bad.out->frame(1)) == 2);
    CHECK(d_of(bad.out->frame(1)).find("restricted")->as_bool() == true);
    CHECK_FALSE(bad.out->closed());
  }
}

} // TEST_SUITE
