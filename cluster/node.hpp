#pragma once
// Starting a cluster node (K-2…K-4): what the actor system needs, and the one
// call that publishes the endpoint and starts membership and peer links.
//
// Use, from main() when CLUSTERING=true:
//   caf::actor_system_config cfg;  sy::cluster::configure(cfg, settings);
//   caf::actor_system sys{cfg};
//   auto c = sy::cluster::start_cluster(sys, settings, router);
//   ... on shutdown: caf::anon_send_exit(c->peers, caf::exit_reason::user_shutdown);
// The router then gets (peer_up_atom, id, endpoint) — an upsert: it may repeat
// for an id with a new handle — and (peer_down_atom, id) (cluster/messages.hpp).
// It reaches a peer's router by sending or requesting to that peer's endpoint:
// the endpoint delegates every message of a peer to its own listener with the
// sender and request id intact, so the peer's reply goes straight back to the
// requester. A request to a peer that dies waits for its whole timeout (CAF
// 0.17), so K-5's per-query timeout is the bound. Once the router has sent to a
// peer, its own handle is reachable over BASP too: it should pass remote
// senders through a peer_gate (cluster/gate.hpp) fed from peer_up/peer_down.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "cluster/dsn.hpp"

namespace sy::cluster {

/// The cluster part of the configuration (CFG-11…17).
struct cluster_settings {
  /// REDIS_DSN, parsed.
  redis_dsn dsn;
  /// COOKIE: at least 16 bytes.
  std::string cookie;
  /// SINGYEONG_CLUSTER_BIND; empty means 127.0.0.1 (never all interfaces
  /// unless asked).
  std::string bind = "127.0.0.1";
  /// SINGYEONG_CLUSTER_HOST, announced to the others; empty = `bind`.
  std::string host;
  /// SINGYEONG_CLUSTER_NAME.
  std::string name = "default";
  /// SINGYEONG_CLUSTER_PORT; 0 picks a free port.
  std::uint16_t port = 0;
  /// SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS: for the router's fan-out (K-5); the
  /// cluster layer only carries it.
  int query_timeout_ms = 500;
  /// This node's id; empty = a fresh random one (the normal case).
  std::string node_id;
  /// SINGYEONG_CLUSTER_TLS_CA / _CERT / _KEY (CFG-22): PEM files for mutual
  /// TLS on node links; all three or none. With TLS, a link is only made to
  /// and accepted from a node whose certificate chains to `tls_ca` (CN and
  /// SAN are not checked: the CA key is the secret), and the cookie
  /// handshake (K-4) still runs on top. The key must not be encrypted.
  std::string tls_ca, tls_cert, tls_key;

  /// Whether any of the TLS files is set (start_cluster insists on all three).
  bool tls() const { return !tls_ca.empty() || !tls_cert.empty() || !tls_key.empty(); }
};

/// A started cluster node.
struct cluster_handle {
  /// The peer manager, also the endpoint published for peers. Send it an
  /// exit message to leave the cluster: it deletes our record first.
  caf::actor peers;
  /// This node's id (K-3).
  std::string node_id;
  /// The port the endpoint listens on.
  std::uint16_t port = 0;
};

/// Prepares a config for clustering: loads the middleman and turns on BASP
/// heartbeats (200 ms, link dropped after 1.2 s of silence) so that a hung
/// peer is dropped within 2 s. With all three TLS files set it also loads
/// CAF's openssl module and gives it the files (`openssl.cafile`,
/// `.certificate`, `.key`). Call once, before constructing the system, with
/// the settings later passed to start_cluster.
void configure(caf::actor_system_config& cfg, const cluster_settings& s);

/// Checks the TLS files of `s` (CFG-22): none, or all three set, loadable as
/// PEM (the key unencrypted and matching the certificate). Returns an error
/// naming the variable, or an empty string.
std::string check_tls(const cluster_settings& s);

/// Publishes the endpoint on `bind:port`, then starts membership and peer
/// links; `peer_listener` gets peer_up/peer_down and every message peers send
/// to our endpoint. With TLS the endpoint is published (and peers dialed)
/// through the openssl module only. Fails when the settings are invalid
/// (check_tls included, and TLS must match what configure() was given) or
/// the port cannot be bound.
caf::expected<cluster_handle> start_cluster(caf::actor_system& sys, cluster_settings s, caf::actor peer_listener);

} // namespace sy::cluster
