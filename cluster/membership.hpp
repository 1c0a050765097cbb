#pragma once
// Membership through Redis (K-3), in a detached actor (its own thread, so the
// synchronous hiredis calls never block the scheduler).
//
// How data flows: every `interval` the actor writes this node's record
// (`SET singyeong:cluster:<name>:node:<id> "<id> <host> <port> <version>" EX
// ttl`), lists the cluster's keys (SCAN MATCH, never KEYS), reads them (MGET)
// and sends `(members_atom, std::vector<std::string> records)` — the value
// lines of every live record, ours included — to its listener (the peer
// manager). When Redis is unreachable it logs that once, sends nothing (the
// listener keeps its peers) and retries with back-off; when Redis answers
// again it logs that once and resumes. On `(stop_atom)` or an exit message it
// deletes its record before quitting, so a clean shutdown leaves no record.

#include <chrono>
#include <string>

#include <caf/fwd.hpp>

#include "cluster/dsn.hpp"
#include "cluster/record.hpp"

namespace sy::cluster {

/// What the membership loop needs to know.
struct membership_config {
  redis_dsn dsn;
  /// SINGYEONG_CLUSTER_NAME.
  std::string cluster;
  /// This node's record.
  node_record self;
  /// Time between two refreshes.
  std::chrono::milliseconds interval{1000};
  /// The record's time to live in Redis, in seconds.
  int ttl_seconds = 3;
  /// Bound on connecting to Redis and on each command.
  std::chrono::milliseconds redis_timeout{500};
  /// Longest wait between two attempts while Redis is unreachable.
  std::chrono::milliseconds max_backoff{4000};
};

/// Spawns the membership actor (detached and linked to `listener`), which
/// sends `(members_atom, std::vector<std::string>)` to `listener`.
caf::actor spawn_membership(caf::local_actor* listener, membership_config cfg);

} // namespace sy::cluster
