// A minimal cluster node for tests/cluster/test_membership.py: an actor
// system with start_cluster and a listener that prints, one line each, on
// stdout:
//   NODE <id> <cluster port>   once started
//   PEER_UP <id>               a peer proved the cookie
//   PEER_DOWN <id>             a peer's link broke
//   RECV <text>                a peer's listener sent us <text> via our endpoint
//   REPLY <text>               the answer to our request to a peer's endpoint
// On PEER_UP the listener sends "ping from <own id>" to the new peer's
// endpoint and requests (ping, own id), which the peer's listener answers
// with "pong from <its id> to <our id>": the endpoint delegates a peer's
// messages, and replies go straight back to the requester.
//
// Environment: REDIS_DSN, COOKIE, CLUSTER_PORT (default 0), CLUSTER_BIND,
// CLUSTER_HOST, CLUSTER_NAME, NODE_ID (default random), LOG_LEVEL (default
// info), SINGYEONG_CLUSTER_TLS_CA / _CERT / _KEY (mutual TLS on node links,
// CFG-22; all three or none), and PROBE=<host:port>: also connect to that
// endpoint without any handshake and send it "intruder" every 200 ms (a
// non-peer, K-7b; always plain BASP).
// SIGTERM or SIGINT leaves the cluster cleanly and exits 0.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/log.hpp"
#include "cluster/cookie.hpp"
#include "cluster/messages.hpp"
#include "cluster/node.hpp"

namespace {

using namespace sy::cluster;
using namespace std::chrono_literals;

std::string env(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : fallback;
}

void say(const std::string& line) { std::cout << line << std::endl; } // flushed: the test reads it live

struct listener_state {
  static inline const char* name = "test.listener";
};

caf::behavior listener(caf::stateful_actor<listener_state>* self, std::string own_id) {
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  self->set_error_handler([](caf::error&) {});
  return {
    [=](peer_up_atom, const std::string& id, const caf::actor& endpoint) {
      say("PEER_UP " + id);
      self->send(endpoint, "ping from " + own_id);
      self->request(endpoint, 2s, caf::ping_atom::value, own_id)
        .then([=](const std::string& answer) { say("REPLY " + answer); },
              [=](caf::error& e) { say("REPLY_ERROR " + self->system().render(e)); });
    },
    [=](peer_down_atom, const std::string& id) { say("PEER_DOWN " + id); },
    [=](const std::string& text) { say("RECV " + text); },
    [=](caf::ping_atom, const std::string& from) { return "pong from " + own_id + " to " + from; },
  };
}

/// Connects to PROBE's endpoint without a handshake and sends "intruder".
caf::behavior intruder(caf::event_based_actor* self, std::string host, uint16_t port) {
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  self->set_error_handler([](caf::error&) {});
  auto target = std::make_shared<caf::actor>();
  self->send(self, caf::tick_atom::value);
  return {
    [=](caf::tick_atom) {
      if (*target) {
        self->send(*target, std::string("intruder"));
      } else {
        auto mm = self->system().middleman().actor_handle();
        self->request(mm, 1s, caf::connect_atom::value, host, port)
          .then(
            [=](const caf::node_id&, caf::strong_actor_ptr& p, const std::set<std::string>&) {
              *target = caf::actor_cast<caf::actor>(std::move(p));
            },
            [](caf::error&) {});
      }
      self->delayed_send(self, 200ms, caf::tick_atom::value);
    },
  };
}

} // namespace

int main() {
  // Block the stop signals in every thread (CAF's inherit the mask); main
  // waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (auto l = sy::log::parse_level(env("LOG_LEVEL", "info")))
    sy::log::set_level(*l);
  auto dsn = parse_dsn(env("REDIS_DSN"));
  if (!dsn) {
    std::cerr << "REDIS_DSN: invalid\n";
    return 2;
  }
  cluster_settings s;
  s.dsn = *dsn;
  s.cookie = env("COOKIE");
  s.bind = env("CLUSTER_BIND", "127.0.0.1");
  s.host = env("CLUSTER_HOST");
  s.name = env("CLUSTER_NAME", "default");
  s.port = static_cast<uint16_t>(std::stoi(env("CLUSTER_PORT", "0")));
  s.node_id = env("NODE_ID");
  s.tls_ca = env("SINGYEONG_CLUSTER_TLS_CA");
  s.tls_cert = env("SINGYEONG_CLUSTER_TLS_CERT");
  s.tls_key = env("SINGYEONG_CLUSTER_TLS_KEY");

  caf::actor_system_config cfg;
  configure(cfg, s);
  caf::actor_system sys{cfg};
  // The listener needs our id before the first PEER_UP: pick it here.
  if (s.node_id.empty())
    s.node_id = make_node_id();
  auto lst = sys.spawn(listener, s.node_id);
  auto node = start_cluster(sys, s, lst);
  if (!node) {
    std::cerr << sys.render(node.error()) << '\n';
    caf::anon_send_exit(lst, caf::exit_reason::user_shutdown);
    return 2;
  }
  say("NODE " + node->node_id + ' ' + std::to_string(node->port));
  caf::actor probe;
  if (auto p = env("PROBE"); !p.empty()) {
    auto colon = p.rfind(':');
    probe = sys.spawn(intruder, p.substr(0, colon), static_cast<uint16_t>(std::stoi(p.substr(colon + 1))));
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  caf::anon_send_exit(node->peers, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(lst, caf::exit_reason::user_shutdown);
  if (probe)
    caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  say("STOPPED");
  return 0;
}
