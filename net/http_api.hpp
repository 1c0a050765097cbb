#pragma once
// The HTTP routes of a node as plain functions: a request in, a response out.
// No Beast here, so route logic compiles fast and is easy to test.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/context.hpp"

namespace sy::net {

/// An HTTP request as the routes see it.
struct http_request {
  std::string method;
  std::string target; // path and query string
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer_ip;
};

/// An HTTP response to write.
struct http_response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Answers one non-websocket request (H-*); `done` may be called later and
/// from another thread.
void handle_http(context& ctx, const http_request& req, std::function<void(http_response)> done);

/// A JSON response with the right content type (H-1).
http_response json_response(unsigned status, std::string body);

/// Splits a target into path and the value of query parameter `name`
/// (percent-decoded); `found` tells whether the parameter was present.
std::string query_param(const std::string& target, const std::string& name, bool& found);

/// The path part of a target.
std::string target_path(const std::string& target);

} // namespace sy::net
