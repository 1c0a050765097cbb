#include "actors/bridge.hpp"

#include <chrono>
#include <memory>

#include <caf/all.hpp>

#include "actors/atoms.hpp"

namespace sy::actors {

using namespace std::chrono_literals;

void query_nodes(caf::actor_system&, const caf::actor& router, query::query q, query::value raw,
                 std::function<void(bool, query::array)> done) {
  // The router answers through `on_nodes`; the callback may run on any CAF
  // thread, exactly once.
  auto once = std::make_shared<std::function<void(bool, query::array)>>(std::move(done));
  route_request req;
  req.kind = route_kind::query_nodes;
  req.q = std::move(q);
  req.raw_query = std::move(raw);
  req.on_nodes = [once](query::array nodes) {
    if (*once) {
      (*once)(true, std::move(nodes));
      *once = nullptr;
    }
  };
  caf::anon_send(router, route_atom::value, std::move(req));
}

void proxy_target(caf::actor_system&, const caf::actor& router, query::query q, query::value raw,
                  std::function<void(std::string)> done) {
  route_request req;
  req.kind = route_kind::proxy;
  req.q = std::move(q);
  req.raw_query = std::move(raw);
  req.on_target = std::move(done);
  caf::anon_send(router, route_atom::value, std::move(req));
}

void discover(caf::actor_system& sys, const caf::actor& router, std::vector<std::string> tags,
              std::function<void(bool, std::vector<std::string>)> done) {
  // (The int argument avoids CAF 0.17's argument-less spawn, which UBSan flags.)
  sys.spawn([router, tags = std::move(tags), done = std::move(done)](caf::event_based_actor* self, int) {
    self->request(router, 5s, discover_atom::value, tags)
      .then([=](const std::vector<std::string>& apps) { done(true, apps); },
            [=](caf::error&) { done(false, {}); });
  }, 0);
}

} // namespace sy::actors
