#pragma once
// The server side of the websocket opening handshake (RFC 6455 4.2): checks
// an upgrade request and writes the 101 response. The listener calls it;
// the bytes go out as the first write of the websocket session.

#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sy::net {

/// The 101 response to `req`, or empty when the request is not a valid
/// websocket handshake; then `status` is the HTTP status to refuse it with
/// (426 for a version other than 13, else 400) and `why` says what is wrong.
std::string websocket_accept(const boost::beast::http::request<boost::beast::http::string_body>& req, int& status,
                             std::string& why);

} // namespace sy::net
