#pragma once
// Bodies of routing dispatches (D-2, D-6) and the frames they produce (D-3,
// D-5, H-13 client objects).

#include <optional>
#include <string>
#include <vector>

#include "query/metadata.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// A validated SEND/BROADCAST body: the target still unparsed.
struct send_body {
  query::value target;
  query::value payload;
  /// String or null.
  query::value nonce;
};

/// D-2: nullopt means `invalid dispatch payload`.
std::optional<send_body> parse_send(const query::value* d);

/// D-6: the query of a QUERY_NODES body (d.target when it is a map, else d).
query::value query_nodes_target(const query::value* d);

/// D-3 / C-2: the `d` of a delivered SEND/BROADCAST/CLIENT_* frame.
query::value delivery(query::value nonce, query::value payload);

/// H-13: one client object.
query::value client_object(const std::string& app_id, const std::string& client_id, const query::metadata& md,
                           const std::string& socket_ip, const std::vector<std::string>& queues,
                           const std::vector<std::string>& tags);

} // namespace sy::proto
