#include "actors/router.hpp"

#include <map>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/app.hpp"
#include "actors/atoms.hpp"
#include "actors/log.hpp"
#include "proto/errors.hpp"

namespace sy::actors {
namespace {

using namespace std::chrono_literals;
using key_type = std::pair<std::string, std::string>; // (app id, client id)

struct router_state {
  static inline const char* name = "router";
  std::map<key_type, caf::actor> clients;
  std::unordered_map<caf::actor_addr, key_type> by_addr;
  std::map<std::string, caf::actor, std::less<>> apps;

  /// The actor of `app_id`, spawned on first use and linked to the router so
  /// it ends with it.
  caf::actor app_of(caf::local_actor* self, const std::string& app_id) {
    auto it = apps.find(app_id);
    if (it == apps.end()) {
      auto a = spawn_app(self->system(), app_id);
      self->link_to(a);
      it = apps.emplace(app_id, std::move(a)).first;
    }
    return it->second;
  }
};

using router_actor = caf::stateful_actor<router_state>;

/// Records a new registration and tells its application.
caf::actor admit(router_actor* self, caf::actor client, member_info m) {
  auto& st = self->state;
  key_type key{m.app_id, m.client_id};
  self->monitor(client);
  st.by_addr[client.address()] = key;
  st.clients[key] = client;
  auto app = st.app_of(self, m.app_id);
  self->send(app, add_atom::value, std::move(m));
  return app;
}

/// L-6: answer a register request, checking an existing holder's health.
caf::result<std::string, caf::actor> on_register(router_actor* self, member_info m, bool dry_run) {
  auto& st = self->state;
  auto client = caf::actor_cast<caf::actor>(self->current_sender());
  key_type key{m.app_id, m.client_id};
  auto it = st.clients.find(key);
  if (it == st.clients.end()) {
    if (dry_run)
      return {std::string{}, caf::actor{}};
    return {std::string{}, admit(self, client, std::move(m))};
  }
  auto rp = self->make_response_promise<std::string, caf::actor>();
  auto existing = it->second;
  auto evict_and_admit = [=](bool healthy) mutable {
    auto& s = self->state;
    if (healthy) {
      rp.deliver(proto::errors::already_registered(m.client_id, m.app_id), caf::actor{});
      return;
    }
    // Stale (or already gone): the old connection ends as in L-14.
    auto cur = s.clients.find(key);
    if (cur != s.clients.end() && cur->second == existing) {
      s.by_addr.erase(existing.address());
      s.clients.erase(cur);
      self->send(existing, kick_atom::value);
      self->send(s.app_of(self, key.first), remove_atom::value, key.second);
      SY_LOG(info, "router") << "evicted stale client app=" << key.first << " client=" << key.second;
    }
    if (dry_run) {
      rp.deliver(std::string{}, caf::actor{});
      return;
    }
    rp.deliver(std::string{}, admit(self, client, std::move(m)));
  };
  self->request(existing, 2s, health_atom::value)
    .await([=](bool healthy) mutable { evict_and_admit(healthy); },
           [=](caf::error&) mutable { evict_and_admit(false); });
  return rp;
}

/// L-18: a client actor went away; its registration ends exactly once.
void on_down(router_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.by_addr.find(dm.source);
  if (it == st.by_addr.end())
    return;
  auto key = it->second;
  st.by_addr.erase(it);
  st.clients.erase(key);
  self->send(st.app_of(self, key.first), remove_atom::value, key.second);
  SY_LOG(debug, "router") << "client left app=" << key.first << " client=" << key.second;
}

caf::behavior router(router_actor* self, std::string node_name) {
  SY_LOG(debug, "router") << "started node=" << node_name;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    [=](register_atom, member_info& m, bool dry_run) { return on_register(self, std::move(m), dry_run); },
    [=](count_atom) { return static_cast<std::uint64_t>(self->state.clients.size()); },
  };
}

} // namespace

caf::actor spawn_router(caf::actor_system& sys, std::string node_name) {
  return sys.spawn(router, std::move(node_name));
}

} // namespace sy::actors
