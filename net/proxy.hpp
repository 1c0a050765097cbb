#pragma once
// Forwarding one proxied request to a client's HTTP service (P-4…P-7).

#include <functional>
#include <string>

#include "net/context.hpp"
#include "net/http_api.hpp"
#include "net/proxy_request.hpp"

namespace sy::net {

/// Sends `call` to `up` without blocking; `done` gets the upstream answer
/// (P-6) or a 502/504 (P-7).
void forward(context& ctx, proxy_call call, upstream up, std::string caller_ip,
             std::function<void(http_response)> done);

} // namespace sy::net
