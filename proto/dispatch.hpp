#pragma once
// Bodies of routing dispatches (D-2, D-6) and the frames they produce (D-3,
// D-5, H-13 client objects).

#include <optional>
#include <string>
#include <vector>

#include "proto/frame.hpp"
#include "query/metadata.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// A validated SEND/BROADCAST body, pointing into the decoded frame.
struct send_body {
  const query::value* target = nullptr;
  const query::value* payload = nullptr;
  /// String or null; nullptr when absent.
  const query::value* nonce = nullptr;
};

/// D-2: nullopt means `invalid dispatch payload`. `kept_target`: d.target
/// when the decoder left a null in its place (client_frame::target_kept).
std::optional<send_body> parse_send(const query::value* d, const query::value* kept_target = nullptr);

/// "The received frame" of X-2 for a decoded frame body: {op, t, d, ts}.
query::value echo_of(const query::value& body);

/// D-3: a delivered SEND/BROADCAST frame, encoded; for JSON the payload is
/// written straight from the sender's decoded frame, without a copy. When
/// `raw_payload` is not empty it is the payload's JSON text (and `payload` is
/// ignored): spliced as is into JSON frames, decoded for the others.
std::string encode_delivery(encoding enc, std::string_view t, const query::value& nonce,
                            const query::value& payload, std::int64_t ts, std::string_view raw_payload = {});

/// D-6: the query of a QUERY_NODES body (d.target when it is a map, else d).
query::value query_nodes_target(const query::value* d);

/// D-3 / C-2: the `d` of a delivered SEND/BROADCAST/CLIENT_* frame.
query::value delivery(query::value nonce, query::value payload);

/// H-13: one client object.
query::value client_object(const std::string& app_id, const std::string& client_id, const query::metadata& md,
                           const std::string& socket_ip, const std::vector<std::string>& queues,
                           const std::vector<std::string>& tags);

} // namespace sy::proto
