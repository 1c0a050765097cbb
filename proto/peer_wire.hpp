#pragma once
// What routers of different nodes tell each other (K-5, K-7, K-8), as JSON
// strings: only strings and ids cross nodes, so no domain type needs CAF
// serialization. Pure: encode/decode only.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/select.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// A gather request: what kind of routing, and the query as the client sent it.
struct peer_query {
  std::string kind; // "send" | "broadcast" | "query_nodes" | "proxy"
  query::value query;
};

/// One remote candidate: R-1 steps 1–4 passed on its node.
struct peer_candidate {
  query::candidate c;
  /// H-13 object (QUERY_NODES and proxy only), else null.
  query::value object;
};

/// One node's answer to a gather.
struct peer_answer {
  std::vector<peer_candidate> filtered;
  std::vector<peer_candidate> eligible;
  /// Pooled tags per application (T-2), for tag resolution (T-4).
  std::map<std::string, std::vector<std::string>> tags;
};

/// A delivery to some of a node's clients (D-3): to `targets`, or, when
/// `query` is set, to those the receiving node picks by it (a route
/// forwarded to the one node that may have clients of its application, K-5).
struct peer_delivery {
  std::string event; // "SEND" | "BROADCAST"
  query::value nonce;
  query::value payload;
  /// The payload's JSON text when it was kept as text (then `payload` is
  /// unused): forwarded between nodes without being built or re-encoded.
  std::string raw_payload;
  std::vector<std::pair<std::string, std::string>> targets; // (app id, client id)
  /// The query as the client sent it (forwarded routes only), else null.
  query::value query;
};

std::string encode(const peer_query& q);
std::optional<peer_query> decode_peer_query(std::string_view json);
std::string encode(const peer_answer& a);
std::optional<peer_answer> decode_peer_answer(std::string_view json);
std::string encode(const peer_delivery& d);
std::optional<peer_delivery> decode_peer_delivery(std::string_view json);

} // namespace sy::proto
