#include "cluster/node.hpp"

#include <chrono>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/log.hpp"
#include "cluster/cookie.hpp"
#include "cluster/messages.hpp"
#include "cluster/peers.hpp"
#include "cluster/record.hpp"

#ifndef SY_VERSION
#define SY_VERSION "0.0.0"
#endif

namespace sy::cluster {
namespace {

using namespace std::chrono_literals;

caf::error invalid(std::string what) { return caf::make_error(caf::sec::invalid_argument, std::move(what)); }

bool wildcard(const std::string& addr) { return addr == "0.0.0.0" || addr == "::" || addr == "[::]"; }

} // namespace

void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{200ms});
  cfg.set("middleman.connection-timeout", caf::timespan{1200ms});
}

caf::expected<cluster_handle> start_cluster(caf::actor_system& sys, cluster_settings s, caf::actor peer_listener) {
  if (!peer_listener)
    return invalid("cluster: no peer listener");
  if (s.cookie.size() < 16)
    return invalid("COOKIE: must be at least 16 bytes");
  if (s.bind.empty())
    s.bind = "127.0.0.1";
  if (s.host.empty()) {
    if (wildcard(s.bind))
      return invalid("SINGYEONG_CLUSTER_HOST: required when SINGYEONG_CLUSTER_BIND is a wildcard");
    s.host = s.bind;
  }
  if (!valid_field(s.host))
    return invalid("SINGYEONG_CLUSTER_HOST: must not be empty or contain spaces");
  if (s.name.empty())
    s.name = "default";
  if (s.node_id.empty())
    s.node_id = make_node_id();
  if (!valid_field(s.node_id))
    return invalid("cluster: invalid node id");
  peers_config pc;
  pc.node_id = s.node_id;
  pc.cookie = std::move(s.cookie);
  pc.membership.dsn = s.dsn;
  pc.membership.cluster = s.name;
  pc.membership.self = node_record{s.node_id, s.host, s.port, SY_VERSION};
  auto peers = spawn_peers(sys, std::move(pc), std::move(peer_listener));
  auto port = sys.middleman().publish(peers, s.port, s.bind.c_str(), true);
  if (!port) {
    caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
    return caf::make_error(caf::sec::cannot_open_port, "SINGYEONG_CLUSTER_PORT: cannot listen on " + s.bind + ':'
                                                           + std::to_string(s.port) + ": " + sys.render(port.error()));
  }
  {
    caf::scoped_actor starter{sys};
    starter->send(peers, start_atom::value, *port);
  }
  SY_LOG(info, "cluster") << "node " << s.node_id << " listening for peers on " << s.bind << ':' << *port
                          << ", announced as " << s.host << ", cluster " << s.name;
  return cluster_handle{peers, s.node_id, *port};
}

} // namespace sy::cluster
