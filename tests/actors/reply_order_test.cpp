// reply_order: replies in frame order (L-16) over routes answered late, and
// quiet direct routes that are answered only with a reply, every
// answer_every-th time, or when something waits and the app is asked to settle.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/reply_order.hpp"
#include "tests/support/fake_outbox.hpp"

using sy::actors::reply_order;
using sy::test::fake_outbox;

namespace {

struct orders {
  std::shared_ptr<fake_outbox> out = std::make_shared<fake_outbox>();
  std::vector<std::uint64_t> settles; // ids the direct app was asked to settle up to
  reply_order r;
  orders() {
    r.attach(out, [this](std::uint64_t id) { settles.push_back(id); });
  }
  void own(const std::string& text) { r.send(std::make_shared<const std::string>(text)); }
  /// A quiet route; returns its id (and whether it asked for an answer).
  std::uint64_t quiet(bool* asked = nullptr) {
    auto id = r.open();
    bool a = r.quiet(id);
    if (asked)
      *asked = a;
    return id;
  }
};

} // namespace

TEST_CASE("without routes pending a frame of the connection's own goes out at once") {
  orders o;
  o.own("ack");
  CHECK(o.out->raw() == std::vector<std::string>{"ack"});
  CHECK(o.settles.empty());
}

TEST_CASE("a reply waits for the routes before it and they leave in frame order") {
  orders o;
  auto a = o.r.open();
  auto b = o.r.open();
  o.own("ack-after-b");
  o.r.complete(b, "reply-b");
  CHECK(o.out->raw().empty());
  o.r.complete(a, "reply-a");
  CHECK(o.out->raw() == std::vector<std::string>{"reply-a", "reply-b", "ack-after-b"});
  CHECK(o.r.pending() == 0);
}

TEST_CASE("successful quiet routes need no answer each, and a frame behind them asks the app to settle once") {
  orders o;
  std::uint64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    bool asked = true;
    last = o.quiet(&asked);
    CHECK_FALSE(asked);
  }
  CHECK(o.r.pending() == 10);
  o.own("ack");
  o.own("ack2");
  CHECK(o.out->raw().empty());
  REQUIRE(o.settles == std::vector<std::uint64_t>{last}); // asked once, up to the last quiet route
  o.r.complete(last, "");                                  // the app's answer to the settle
  CHECK(o.out->raw() == std::vector<std::string>{"ack", "ack2"});
  CHECK(o.r.pending() == 0);
}

TEST_CASE("every answer_every-th quiet route asks for an answer, which settles all before it") {
  orders o;
  std::uint64_t asked_id = 0;
  int asked_count = 0;
  for (std::size_t i = 0; i < 2 * reply_order::answer_every; ++i) {
    bool asked = false;
    auto id = o.quiet(&asked);
    if (asked) {
      ++asked_count;
      asked_id = id;
    }
  }
  CHECK(asked_count == 2);
  CHECK(asked_id == 2 * reply_order::answer_every);
  o.r.complete(reply_order::answer_every, "");
  CHECK(o.r.pending() == reply_order::answer_every);
  o.r.complete(asked_id, "");
  CHECK(o.r.pending() == 0);
  CHECK(o.settles.empty());
  CHECK(o.out->raw().empty());
}

TEST_CASE("a quiet route's reply goes out in order and settles the quiet routes before it") {
  orders o;
  o.quiet();
  o.quiet();
  auto c = o.quiet();
  auto d = o.quiet();
  o.own("ack-after-d");
  REQUIRE(o.settles == std::vector<std::uint64_t>{d});
  o.r.complete(c, "no_route-c"); // implies the two before it are done
  CHECK(o.out->raw() == std::vector<std::string>{"no_route-c"});
  o.r.complete(d, ""); // the settle's answer
  CHECK(o.out->raw() == std::vector<std::string>{"no_route-c", "ack-after-d"});
}

TEST_CASE("a settle's answer after the route's own reply does not repeat or drop that reply") {
  orders o;
  auto a = o.quiet();
  o.own("ack");
  REQUIRE(o.settles == std::vector<std::uint64_t>{a});
  o.r.complete(a, "no_route-a");
  o.r.complete(a, ""); // the settle's answer comes after (same app, in order)
  CHECK(o.out->raw() == std::vector<std::string>{"no_route-a", "ack"});
}

TEST_CASE("an answer from one direct app does not settle quiet routes to another") {
  orders o;
  auto a = o.quiet(); // to app A (will be a no_route)
  o.r.new_direct_app();
  REQUIRE(o.settles == std::vector<std::uint64_t>{a}); // A answers for its quiet routes
  auto b = o.quiet();                                  // to app B
  o.own("ack");
  REQUIRE(o.settles == std::vector<std::uint64_t>{a, b});
  o.r.complete(b, ""); // B answers first: A's route is not done by that
  CHECK(o.out->raw().empty());
  CHECK(o.r.pending() == 2);
  o.r.complete(a, "no_route-a");
  o.r.complete(a, "");
  CHECK(o.out->raw() == std::vector<std::string>{"no_route-a", "ack"});
  CHECK(o.r.pending() == 0);
}

TEST_CASE("a routed answer behind quiet routes asks the app to settle them") {
  orders o;
  auto q = o.quiet();
  auto routed = o.r.open(); // through the router
  o.r.complete(routed, "nodes");
  REQUIRE(o.settles == std::vector<std::uint64_t>{q});
  CHECK(o.out->raw().empty());
  o.r.complete(q, "");
  CHECK(o.out->raw() == std::vector<std::string>{"nodes"});
}

TEST_CASE("no settle is asked for when an answer is already coming") {
  orders o;
  std::uint64_t asked_id = 0;
  for (std::size_t i = 0; i < reply_order::answer_every; ++i) {
    bool asked = false;
    auto id = o.quiet(&asked);
    if (asked)
      asked_id = id;
  }
  REQUIRE(asked_id != 0);
  o.own("ack"); // the asked route's answer will release it
  CHECK(o.settles.empty());
  o.r.complete(asked_id, "");
  CHECK(o.out->raw() == std::vector<std::string>{"ack"});
}

TEST_CASE("read credit is held back while too many routes are unanswered and given back after") {
  orders o;
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < reply_order::max_pending; ++i)
    ids.push_back(o.r.open());
  o.r.credit(10);
  o.r.credit(20);
  CHECK(o.out->acks() == 0);
  o.r.complete(ids.front(), "");
  CHECK(o.out->acks() == 2);
  CHECK(o.out->acked_bytes() == 30);
  o.r.credit(5);
  CHECK(o.out->acks() == 3);
}

TEST_CASE("flush sends every waiting reply and frame, in order, and forgets the routes") {
  orders o;
  auto a = o.r.open();
  auto b = o.r.open();
  o.own("ack");
  o.r.complete(b, "reply-b");
  o.r.flush();
  CHECK(o.out->raw() == std::vector<std::string>{"reply-b", "ack"});
  CHECK(o.r.pending() == 0);
  o.r.complete(a, "late"); // moot
  CHECK(o.out->raw().size() == 2);
}

TEST_CASE("when the apps are gone their quiet routes count as done; routed ones still wait") {
  orders o;
  o.quiet();
  auto routed = o.r.open();
  o.quiet();
  o.own("ack");
  std::vector<std::uint64_t> held;
  for (std::size_t i = 0; i < reply_order::max_pending; ++i)
    held.push_back(o.quiet());
  o.r.credit(7);
  CHECK(o.out->acks() == 0);
  o.r.apps_gone();
  CHECK(o.out->raw().empty()); // the routed route is still before the ack
  CHECK(o.r.pending() == reply_order::max_pending + 3 - 1);
  o.r.complete(routed, "reply");
  CHECK(o.out->raw() == std::vector<std::string>{"reply", "ack"});
  CHECK(o.r.pending() == 0);
  CHECK(o.out->acks() == 1);
  CHECK(o.out->acked_bytes() == 7);
}

TEST_CASE("a reply that goes out at once asks for no settle of the quiet routes after it") {
  orders o;
  std::vector<std::uint64_t> misses;
  for (int i = 0; i < 10; ++i) {
    misses.push_back(o.quiet()); // to be a no_route
    o.quiet();                   // delivered, quiet
  }
  for (auto m : misses)
    o.r.complete(m, "no_route-" + std::to_string(m)); // each releases itself and the quiet one before it
  CHECK(o.out->raw().size() == 10);
  CHECK(o.settles.empty()); // nothing waited behind the quiet routes
  o.own("ack");             // now something waits: one settle, for the last quiet route
  CHECK(o.settles == std::vector<std::uint64_t>{misses.back() + 1});
}
