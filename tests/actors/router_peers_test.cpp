// The router with a fake peer on CAF's deterministic scheduler: which way a
// route for an application that peer has goes (K-5). A peer that said it
// answers forwarded routes (p_forwards) gets the route as it is (p_routes),
// and its answer decides the sender's reply; so does a BROADCAST for an app
// this node has clients of too (spread: this node routes it over its own).
// A peer that never said so (a build without forwarding) is asked
// (p_gathers) and then gets the delivery (p_deliver), as before forwarding
// existed.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/alarm.hpp"
#include "actors/atoms.hpp"
#include "actors/client.hpp"
#include "actors/log.hpp"
#include "actors/options.hpp"
#include "actors/router.hpp"
#include "proto/peer_wire.hpp"
#include "query/parse.hpp"
#include "tests/support/deterministic.hpp"
#include "tests/support/fake_outbox.hpp"
#include "tests/support/fixture_json.hpp"

using namespace sy::actors;
using sy::query::value;
using sy::test::json;

namespace {

/// What the fake peer was sent.
struct peer_log {
  std::vector<std::vector<std::string>> routes;    // p_routes batches
  std::vector<std::vector<std::string>> questions; // p_gathers batches
  std::vector<std::string> deliveries;             // p_deliver entries
  std::vector<caf::typed_response_promise<std::vector<std::string>>> held; // questions never answered
};

/// A peer node's router that has one client, `far`, of application `app`.
/// With `forwards` it says it answers forwarded routes (each with `flag`);
/// without, it never says so, like a build without forwarding.
caf::behavior fake_peer(caf::event_based_actor* self, std::shared_ptr<peer_log> log, caf::actor router,
                        std::string app, bool forwards, char flag, bool answers) {
  auto tell = [=] {
    self->send(router, p_apps_atom::value, std::vector<std::string>{app});
    if (forwards)
      self->send(router, p_forwards_atom::value);
  };
  return {
    [=](p_apps_atom, const std::vector<std::string>&) {},
    [=](p_forwards_atom) {},
    [=](p_apps_want_atom) { tell(); },
    [=](p_gathers_atom, const std::vector<std::string>& qs) -> caf::result<std::vector<std::string>> {
      log->questions.push_back(qs);
      if (!answers) { // (a frozen peer: the asker's timeout ends the wait)
        log->held.push_back(self->make_response_promise<std::vector<std::string>>());
        return log->held.back();
      }
      sy::proto::peer_answer a;
      a.filtered.push_back(sy::proto::peer_candidate{sy::query::candidate{app, "far", std::nullopt}, value{}});
      return std::vector<std::string>(qs.size(), sy::proto::encode(a));
    },
    [=](p_deliver_atom, const std::vector<std::string>& ds) {
      log->deliveries.insert(log->deliveries.end(), ds.begin(), ds.end());
    },
    [=](p_routes_atom, const std::vector<std::string>& rs) {
      log->routes.push_back(rs);
      return std::string(rs.size(), flag);
    },
    [=](p_holds_atom, const std::string&, const std::string&) { return false; }, // (K-7: not here)
    [=](p_event_atom, const std::string&, const std::string&, const std::string&) {},
  };
}

using next_atom = caf::atom_constant<caf::atom("next")>;

/// One sender of several routes: each next_atom sends the next one.
caf::behavior sender_of(caf::event_based_actor* self, caf::actor router, std::vector<route_request> reqs,
                        std::shared_ptr<std::vector<std::string>> replies) {
  auto i = std::make_shared<std::size_t>(0);
  return {
    [=](next_atom) {
      self->request(router, caf::infinite, route_atom::value, reqs.at((*i)++)).then([=](const std::string& r) {
        replies->push_back(r);
      });
    },
  };
}

/// Sends one route request to the router and keeps the reply.
caf::behavior asker(caf::event_based_actor* self, caf::actor router, route_request req,
                    std::shared_ptr<std::string> reply) {
  self->request(router, caf::infinite, route_atom::value, std::move(req)).then([=](const std::string& r) {
    *reply = r;
    self->quit();
  });
  return {};
}

route_request send_to(const std::string& app, value payload, route_kind kind = route_kind::send,
                      const char* ops = R"([{"path":"/n","op":"$eq","to":{"value":1}}])", const char* more = "") {
  route_request req;
  req.kind = kind;
  value target = json(std::string(R"({"ops":)") + ops + more + "}");
  target.set("application", value{app});
  auto parsed = sy::query::parse_query(target);
  REQUIRE(parsed.ok());
  req.q = std::move(*parsed.parsed);
  req.frame = value{sy::query::object{
    {"d", value{sy::query::object{{"target", target}, {"payload", payload}, {"nonce", value{std::string("n1")}}}}}}};
  return req;
}

struct cluster_of_two : sy::test::deterministic {
  caf::actor router;
  std::shared_ptr<peer_log> log = std::make_shared<peer_log>();

  explicit cluster_of_two(bool forwards, char flag = '1', bool answers = true) {
    sy::log::set_level(sy::log::level::error);
    router = own(spawn_router(sys, "test"));
    auto peer = own(sys.spawn(fake_peer, log, router, std::string("far-app"), forwards, flag, answers));
    caf::anon_send(router, peer_up_atom::value, std::string("peer-1"), peer);
    run();
  }

  std::string route(route_request req) {
    auto reply = std::make_shared<std::string>("(none)");
    own(sys.spawn(asker, router, std::move(req), reply));
    run();
    return *reply;
  }

  /// The one route the peer got as it is, with nothing asked or delivered besides.
  sy::proto::peer_delivery the_one_route() const {
    REQUIRE(log->routes.size() == 1);
    REQUIRE(log->routes[0].size() == 1);
    CHECK(log->questions.empty());
    CHECK(log->deliveries.empty());
    auto d = sy::proto::decode_peer_delivery(log->routes[0][0]);
    REQUIRE(d);
    CHECK(d->nonce == value{std::string("n1")});
    CHECK(d->query.find("application")->as_string() == "far-app");
    return std::move(*d);
  }
};

/// D-5's no_route (the frame itself is checked where it matters).
void check_no_route(const std::string& reply) {
  value f = json(reply);
  CHECK(f.find("op")->as_int() == 3);
  CHECK(f.find("d")->find("error")->as_string() == "no_route");
}

/// The same, and a client of "far-app" on this node too, "near" (n = 2).
struct cluster_of_two_with_a_client_here : cluster_of_two {
  std::shared_ptr<sy::test::fake_outbox> out = std::make_shared<sy::test::fake_outbox>();

  explicit cluster_of_two_with_a_client_here(bool forwards, char flag = '1', bool answers = true)
    : cluster_of_two(forwards, flag, answers) {
    sy::actors::options o;
    o.alarm = own(spawn_alarm(sys));
    auto client = own(spawn_client(sys, out, connection_info{sy::proto::encoding::json, "127.0.0.1"}, router,
                                   std::make_shared<const sy::actors::options>(std::move(o))));
    run();
    caf::anon_send(client, frame_atom::value,
                   std::string(R"({"op":1,"d":{"client_id":"near","application_id":"far-app",)"
                               R"("metadata":{"n":{"type":"integer","value":2}}}})"));
    run();
    REQUIRE(out->count() == 2); // hello, ready
    REQUIRE(out->frame(1).find("op")->as_int() == 2);
  }

  /// The payloads of the deliveries of `event` "near" got.
  std::vector<value> got_here(std::string_view event = "BROADCAST") const {
    std::vector<value> payloads;
    for (const auto& f : out->frames())
      if (const auto* t = f.find("t"); t && t->is_string() && t->as_string() == event)
        payloads.push_back(*f.find("d")->find("payload"));
    return payloads;
  }
};

constexpr const char* everyone = "[]";
constexpr const char* n_is_2 = R"([{"path":"/n","op":"$eq","to":{"value":2}}])";

} // namespace

TEST_SUITE("actors.router_peers") {

TEST_CASE("a route for an app only a forwarding peer has goes to it as it is, and its answer is the reply") {
  cluster_of_two c(true);
  CHECK(c.route(send_to("far-app", json(R"({"k":[1,2]})"))) == "");
  auto d = c.the_one_route();
  CHECK(d.event == "SEND");
  CHECK(json(d.raw_payload) == json(R"({"k":[1,2]})")); // (the peer keeps it as text)
  CHECK(d.targets.empty());
}

TEST_CASE("a forwarded route the peer found no client for is answered with no_route carrying the frame") {
  cluster_of_two c(true, '0');
  auto reply = c.route(send_to("far-app", value{std::string("p")}));
  REQUIRE(c.log->routes.size() == 1);
  check_no_route(reply);
  CHECK(json(reply).find("d")->find("extra_info")->find("d")->find("payload")->as_string() == "p");
}

TEST_CASE("a peer that never said it answers forwarded routes is asked and then gets the delivery") {
  cluster_of_two c(false);
  CHECK(c.route(send_to("far-app", value{std::int64_t{7}})) == "");
  CHECK(c.log->routes.empty());
  REQUIRE(c.log->questions.size() == 1);
  REQUIRE(c.log->deliveries.size() == 1);
  auto d = sy::proto::decode_peer_delivery(c.log->deliveries[0]);
  REQUIRE(d);
  CHECK(d->targets == std::vector<std::pair<std::string, std::string>>{{"far-app", "far"}});
  CHECK(d->query.is_null());
}

TEST_CASE("a BROADCAST for an app a forwarding peer and this node have goes to the peer as it is and here") {
  cluster_of_two_with_a_client_here c(true, '0');
  CHECK(c.route(send_to("far-app", value{std::string("b")}, route_kind::broadcast, everyone)) == "");
  CHECK(c.got_here() == std::vector<value>{value{std::string("b")}});
  CHECK(c.the_one_route().event == "BROADCAST");
}

TEST_CASE("a spread BROADCAST is no_route only when neither this node nor the peer found a client") {
  {
    cluster_of_two_with_a_client_here c(true, '0');
    check_no_route(c.route(send_to("far-app", value{std::string("b")}, route_kind::broadcast)));
    CHECK(c.got_here().empty());
    CHECK(c.log->routes.size() == 1);
  }
  {
    cluster_of_two_with_a_client_here c(true, '1'); // (the peer's hit)
    CHECK(c.route(send_to("far-app", value{std::string("b")}, route_kind::broadcast)) == "");
    CHECK(c.got_here().empty());
  }
  {
    cluster_of_two_with_a_client_here c(true, '0'); // (this node's hit)
    CHECK(c.route(send_to("far-app", value{std::string("b")}, route_kind::broadcast, n_is_2)) == "");
    CHECK(c.got_here().size() == 1);
  }
}

TEST_CASE("a BROADCAST for an app this node and a peer without forwarding have is gathered") {
  cluster_of_two_with_a_client_here c(false);
  CHECK(c.route(send_to("far-app", value{std::string("b")}, route_kind::broadcast, everyone)) == "");
  CHECK(c.got_here().size() == 1);
  CHECK(c.log->routes.empty());
  CHECK(c.log->questions.size() == 1);
  REQUIRE(c.log->deliveries.size() == 1);
  CHECK(sy::proto::decode_peer_delivery(c.log->deliveries[0])->targets ==
        std::vector<std::pair<std::string, std::string>>{{"far-app", "far"}});
}

TEST_CASE("a SEND, or a BROADCAST with a selector, for an app a peer and this node have is gathered") {
  cluster_of_two_with_a_client_here c(true);
  CHECK(c.route(send_to("far-app", value{std::string("s")}, route_kind::send, everyone)) == "");
  CHECK(c.route(send_to("far-app", value{std::string("m")}, route_kind::broadcast, everyone,
                        R"(,"selector":{"$max":"n"})")) == "");
  CHECK(c.log->routes.empty());
  CHECK(c.log->questions.size() == 2);
}

TEST_CASE("a route of a sender whose earlier route still waits on a peer that has gone since waits for it (R-9)") {
  cluster_of_two_with_a_client_here c(true, '1', false); // (the peer never answers questions)
  auto replies = std::make_shared<std::vector<std::string>>();
  std::vector<route_request> reqs;
  reqs.push_back(send_to("far-app", value{std::string("first")}, route_kind::send, n_is_2)); // gathered
  reqs.push_back(send_to("far-app", value{std::string("second")}, route_kind::send, n_is_2));
  auto s = c.own(c.sys.spawn(sender_of, c.router, std::move(reqs), replies));
  caf::anon_send(s, next_atom::value);
  c.run();
  REQUIRE(c.log->questions.size() == 1); // the first one asks the peer, which does not answer
  caf::anon_send(c.router, peer_down_atom::value, std::string("peer-1"));
  c.run(); // this node is alone now
  caf::anon_send(s, next_atom::value);
  c.run();
  c.advance_ms(600); // the first one's question times out: it is routed here
  CHECK(c.got_here("SEND") == std::vector<value>{value{std::string("first")}, value{std::string("second")}});
  CHECK(*replies == std::vector<std::string>{"", ""});
}

TEST_CASE("a BROADCAST behind a route of the same sender still gathering is gathered too, and comes after it") {
  cluster_of_two_with_a_client_here c(true, '1', false); // (the peer never answers questions)
  auto replies = std::make_shared<std::vector<std::string>>();
  std::vector<route_request> reqs;
  reqs.push_back(send_to("far-app", value{std::string("first")}, route_kind::send, n_is_2)); // gathered
  reqs.push_back(send_to("far-app", value{std::string("second")}, route_kind::broadcast, n_is_2));
  auto s = c.own(c.sys.spawn(sender_of, c.router, std::move(reqs), replies));
  caf::anon_send(s, next_atom::value);
  caf::anon_send(s, next_atom::value);
  c.run();
  CHECK(c.log->routes.empty()); // not spread: it would reach "near" before the first one
  CHECK(c.log->questions.size() == 1); // (both questions in one batch)
  REQUIRE(c.log->questions[0].size() == 2);
  c.advance_ms(600);
  CHECK(c.got_here("SEND") == std::vector<value>{value{std::string("first")}});
  CHECK(c.got_here() == std::vector<value>{value{std::string("second")}});
  CHECK(c.out->frames().back().find("t")->as_string() == "BROADCAST");
  CHECK(*replies == std::vector<std::string>{"", ""});
}

} // TEST_SUITE
