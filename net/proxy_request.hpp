#pragma once
// POST /api/v1/proxy bodies (P-1, P-2) and upstream addresses (P-4): plain
// validation, no I/O.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "query/query.hpp"
#include "query/value.hpp"

namespace sy::net {

/// A validated proxy request, before the target is known.
struct proxy_call {
  std::string method;
  std::string route;
  query::query q;
  /// The query as received (for peer nodes, K-5).
  query::value raw_query;
  /// Request headers to forward (hop-by-hop and Host already dropped).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Body bytes (empty for GET/HEAD).
  std::string body;
  bool json_body = false;
};

/// Validates a proxy body per P-2. On failure returns nullopt and sets
/// `error_body` to the exact 400 body.
std::optional<proxy_call> parse_proxy(const query::value& body, std::string& error_body);

/// An upstream URL split for a client connection.
struct upstream {
  bool tls = false;
  std::string host;
  std::string port;
  /// Path and query string, starting with '/'.
  std::string target;
  /// The Host header value.
  std::string host_header;
};

/// P-4: the upstream for a client's socket_ip and a route; nullopt (with
/// `error`) for a scheme other than http/https or a malformed address.
std::optional<upstream> upstream_for(const std::string& socket_ip, const std::string& route, std::string& error);

/// P-6: whether a response header is dropped (hop-by-hop or content-length).
bool drop_response_header(const std::string& lowercase_name);

} // namespace sy::net
