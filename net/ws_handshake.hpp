#pragma once
// The server side of the websocket opening handshake (RFC 6455 4.2): checks
// an upgrade request and writes the 101 response. The listener parses the
// request (Beast) and calls it; the bytes go out as the first write of the
// websocket session. No Beast headers here.

#include <string>
#include <string_view>

namespace sy::net {

/// The parts of an upgrade request the handshake checks.
struct upgrade_request {
  bool is_get = false;
  /// 11 for HTTP/1.1.
  unsigned http_version = 0;
  bool has_host = false;
  std::string_view ws_version;
  std::string_view ws_key;
};

/// The 101 response to `req`, or empty when the request is not a valid
/// websocket handshake; then `status` is the HTTP status to refuse it with
/// (426 for a version other than 13, else 400) and `why` says what is wrong.
std::string websocket_accept(const upgrade_request& req, int& status, std::string& why);

} // namespace sy::net
