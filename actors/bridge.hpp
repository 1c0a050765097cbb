#pragma once
// Asking the router from outside the actor world (HTTP routes) without
// blocking the caller: each call spawns a short-lived actor that makes the
// request and calls back (on a CAF thread) with the answer.

#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "query/query.hpp"
#include "query/value.hpp"

namespace sy::actors {

/// (`raw` is the query as received: what peer nodes are asked with, K-5.)
/// H-4: the final candidate set of `q` as client objects (sorted); on a
/// failure inside the node, `done` gets nullopt-like empty array and false.
void query_nodes(caf::actor_system& sys, const caf::actor& router, query::query q, query::value raw,
                 std::function<void(bool ok, query::array nodes)> done);

/// P-3: the socket_ip of the client a proxy request goes to ("" for none).
void proxy_target(caf::actor_system& sys, const caf::actor& router, query::query q, query::value raw,
                  std::function<void(std::string socket_ip)> done);

/// T-3: the applications whose pooled tags contain every tag, sorted.
void discover(caf::actor_system& sys, const caf::actor& router, std::vector<std::string> tags,
              std::function<void(bool ok, std::vector<std::string> apps)> done);

} // namespace sy::actors
