#pragma once
// The peer manager (K-3, K-4): one actor per node that is also the node's
// published endpoint.
//
// How data flows:
// - Membership (its linked, detached child) sends it the live records every
//   second. For each record of a node with a larger id than ours (the smaller
//   id dials, so two nodes never open two links to each other) that is not a
//   peer yet, it asks the middleman actor to connect (`connect_atom`, with a
//   timeout — never the blocking remote_actor) and gets the remote endpoint.
//   With TLS that is the openssl module's middleman actor: a node whose
//   certificate does not chain to our CA (or that speaks plain BASP) fails
//   the TLS handshake, which is logged once per node and retried with the
//   cookie back-off. A failed TLS accept is not visible to us (CAF drops the
//   connection); the dialing side logs it.
// - Handshake, dialer D to responder R, both knowing the cookie k:
//     D -> R  (hello, D's id, cD)            cD: fresh challenge of D
//     R -> D  (R's id, cR, HMAC(k, cD ‖ R's id))
//     D -> R  (auth, D's id, HMAC(k, cR ‖ D's id))   ("" if R's proof failed)
//     R -> D  true | false
//   A record whose address answers with another id is ignored until it
//   expires; a failed or wrong-cookie node is retried with back-off while its
//   record exists, and logged once.
// - Once both proofs held, each side monitors the other's endpoint and sends
//   `(peer_up_atom, id, endpoint)` to its peer listener (the router); a
//   down_msg (link lost: remote_link_unreachable, or the peer stopped) sends
//   `(peer_down_atom, id)`. A live link is never dropped because a record is
//   missing (Redis may have restarted empty).
// - Any other message from a peer is delegated to the listener (sender and
//   request id kept, so replies go straight back); messages from nodes that
//   are not peers are dropped and logged once per node.
// - On an exit message it asks membership to delete our record, then quits.

#include <chrono>
#include <string>

#include <caf/fwd.hpp>

#include "cluster/membership.hpp"

namespace sy::cluster {

/// What the peer manager needs to know.
struct peers_config {
  /// This node's id (K-3).
  std::string node_id;
  /// COOKIE (K-4).
  std::string cookie;
  /// Membership settings; `membership.self.port` is set when started.
  membership_config membership;
  /// Bound on the middleman's connect to a peer.
  std::chrono::milliseconds connect_timeout{1000};
  /// Bound on each handshake round trip.
  std::chrono::milliseconds handshake_timeout{1000};
  /// Back-off after a failed dial: doubles from min up to max.
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{2000};
  /// Cap of the back-off for a node that failed the cookie check (or, with
  /// TLS, the TLS handshake).
  std::chrono::milliseconds cookie_backoff{15000};
  /// Mutual TLS (CFG-22): dial through the openssl module's middleman actor
  /// (the system must have it loaded) instead of the plain one.
  bool tls = false;
};

/// Spawns the peer manager. It does nothing but answer handshakes until it
/// gets `(start_atom, uint16_t published_port)` from a local actor, which
/// starts membership.
caf::actor spawn_peers(caf::actor_system& sys, peers_config cfg, caf::actor listener);

} // namespace sy::cluster
