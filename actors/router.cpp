// The router: one per node. It is the registry of identified clients
// (unique per application and client id, L-6, with the one cleanup of L-18),
// the directory of app actors, the pool of tags per application (T-2), the
// list of CLIENT_* subscribers (C-*), and the entry point of routing:
//
//   client --(route, req)--> router --exact app / tags-> app actor (route)
//                                   --application absent--> every app (gather,
//                                     awaited one by one so later routes of the
//                                     same sender cannot overtake) -> combine
//                                     -> pick -> app actors (deliver)

#include "actors/router.hpp"

#include <map>
#include <random>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/app.hpp"
#include "actors/atoms.hpp"
#include "actors/delivery.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "proto/dispatch.hpp"
#include "proto/errors.hpp"
#include "query/final_set.hpp"
#include "query/tags.hpp"

namespace sy::actors {
namespace {

using namespace std::chrono_literals;
using key_type = std::pair<std::string, std::string>; // (app id, client id)

struct registration {
  caf::actor actor;
  member_info info; // metadata not kept here (the app actor has it)
  bool announced = false;
};

struct router_state {
  static inline const char* name = "router";
  std::map<key_type, registration> clients;
  std::unordered_map<caf::actor_addr, key_type> by_addr;
  std::map<std::string, caf::actor, std::less<>> apps;
  std::map<std::string, std::map<std::string, int>> tag_counts; // app -> tag -> clients
  std::map<key_type, std::pair<outbox_ptr, proto::encoding>> subscribers;
  std::mt19937_64 rng{std::random_device{}()};

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

  void count_tags(const member_info& m, int delta) {
    auto& counts = tag_counts[m.app_id];
    for (const auto& t : m.tags)
      if ((counts[t] += delta) <= 0)
        counts.erase(t);
  }

  std::map<std::string, query::tag_set> pooled_tags() const {
    std::map<std::string, query::tag_set> out;
    for (const auto& [app, counts] : tag_counts)
      for (const auto& [t, n] : counts)
        out[app].insert(t);
    return out;
  }

  /// C-2/C-3 to every subscriber except `skip`.
  void emit(const char* event, const key_type& subject, const key_type* skip) {
    query::value payload{query::object{{"app", query::value{subject.first}}, {"client_id", query::value{subject.second}}}};
    shared_frame frame(proto::dispatch(event, proto::delivery(query::value{}, std::move(payload)), now_ms()));
    for (const auto& [k, sub] : subscribers)
      if (!skip || k != *skip)
        sub.first->send(frame.bytes(sub.second));
  }

  /// L-18: a registration ends, exactly once.
  void end(caf::event_based_actor* self, const key_type& key) {
    auto it = clients.find(key);
    if (it == clients.end())
      return;
    auto reg = std::move(it->second);
    by_addr.erase(reg.actor.address());
    clients.erase(it);
    --metrics::clients_identified;
    metrics::app_clients(key.first, -1);
    count_tags(reg.info, -1);
    self->send(app_of(self, key.first), remove_atom::value, key.second);
    if (reg.announced) {
      subscribers.erase(key);
      emit("CLIENT_DISCONNECTED", key, &key);
    }
  }
};

using router_actor = caf::stateful_actor<router_state>;

/// Records a new registration and tells its application.
caf::actor admit(router_actor* self, caf::actor client, member_info m) {
  auto& st = self->state;
  key_type key{m.app_id, m.client_id};
  self->monitor(client);
  st.by_addr[client.address()] = key;
  st.count_tags(m, +1);
  auto app = st.app_of(self, m.app_id);
  registration reg{client, m, false};
  reg.info.metadata.clear();
  st.clients[key] = std::move(reg);
  ++metrics::clients_identified;
  metrics::app_clients(key.first, +1);
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
  auto existing = it->second.actor;
  auto evict_and_admit = [=](bool healthy) mutable {
    auto& s = self->state;
    if (healthy) {
      rp.deliver(proto::errors::already_registered(m.client_id, m.app_id), caf::actor{});
      return;
    }
    // Stale (or already gone): the old connection ends as in L-14.
    auto cur = s.clients.find(key);
    if (cur != s.clients.end() && cur->second.actor == existing) {
      self->send(existing, kick_atom::value);
      s.end(self, key);
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

/// C-2: the client got its ready.
void on_connected(router_actor* self) {
  auto& st = self->state;
  auto it = st.by_addr.find(self->current_sender()->address());
  if (it == st.by_addr.end())
    return;
  auto key = it->second;
  auto& reg = st.clients[key];
  reg.announced = true;
  if (reg.info.receive_client_updates && !reg.info.restricted)
    st.subscribers[key] = {reg.info.out, reg.info.enc};
  st.emit("CLIENT_CONNECTED", key, nullptr);
}

void on_down(router_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.by_addr.find(dm.source);
  if (it == st.by_addr.end())
    return;
  auto key = it->second;
  st.end(self, key);
  SY_LOG(debug, "router") << "client left app=" << key.first << " client=" << key.second;
}

// -- routing ----------------------------------------------------------------------

std::string empty_result(const route_request& req) {
  if (req.kind == route_kind::proxy) {
    req.on_target({});
    return {};
  }
  if (req.kind == route_kind::query_nodes)
    return reply_nodes(req, {});
  return req.q.droppable ? std::string{} : reply_no_route(req);
}

/// Candidates of every application, collected for one query.
struct gathering {
  route_request req;
  std::vector<caf::actor> apps;
  std::vector<query::candidate> filtered, eligible;
  std::map<key_type, query::value> objects;
  caf::response_promise rp;
};

std::string combine(router_actor* self, const std::shared_ptr<gathering>& g) {
  auto& st = self->state;
  auto fs = query::compute_final_set(g->req.q, std::move(g->filtered), [&] { return g->eligible; });
  if (fs.members.empty())
    return empty_result(g->req);
  if (g->req.kind == route_kind::query_nodes) {
    ++metrics::routed_query;
    query::array nodes;
    for (const auto& c : fs.members)
      nodes.push_back(g->objects[{c.app_id, c.client_id}]);
    return reply_nodes(g->req, std::move(nodes));
  }
  if (g->req.kind == route_kind::proxy) {
    auto& c = fs.members[*query::pick_one(g->req.q, fs, st.rng())];
    const query::value* ip = g->objects[{c.app_id, c.client_id}].find("socket_ip");
    g->req.on_target(ip && ip->is_string() ? ip->as_string() : std::string{});
    return {};
  }
  std::map<std::string, std::vector<std::string>> by_app;
  if (g->req.kind == route_kind::broadcast) {
    for (auto& c : fs.members)
      by_app[c.app_id].push_back(std::move(c.client_id));
  } else {
    auto& c = fs.members[*query::pick_one(g->req.q, fs, st.rng())];
    by_app[c.app_id].push_back(c.client_id);
  }
  for (auto& [app, ids] : by_app)
    self->send(st.app_of(self, app), deliver_atom::value, g->req, std::move(ids));
  return {};
}

/// Asks the apps one after another; the router handles nothing else meanwhile
/// (await), which keeps R-9 order against later routes of the same sender.
void gather_from(router_actor* self, std::shared_ptr<gathering> g, std::size_t i) {
  if (i == g->apps.size()) {
    g->rp.deliver(combine(self, g));
    return;
  }
  self->request(g->apps[i], 5s, gather_atom::value, g->req)
    .await(
      [=](candidate_list& cl) {
        for (auto& c : cl.filtered)
          g->filtered.push_back(std::move(c));
        for (auto& c : cl.eligible)
          g->eligible.push_back(std::move(c));
        for (auto& [cid, obj] : cl.objects) {
          const query::value* a = obj.find("app_id");
          if (a && a->is_string())
            g->objects[{a->as_string(), cid}] = std::move(obj);
        }
        gather_from(self, g, i + 1);
      },
      [=](caf::error&) { gather_from(self, g, i + 1); });
}

caf::response_promise on_route(router_actor* self, route_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  const auto& q = req.q;
  std::string app;
  switch (q.scope) {
    case query::app_scope::exact: app = q.application; break;
    case query::app_scope::tags: {
      auto resolved = query::resolve_tags(q.tags, st.pooled_tags());
      if (!resolved) {
        rp.deliver(empty_result(req));
        return rp;
      }
      app = *resolved;
      break;
    }
    case query::app_scope::any: {
      auto g = std::make_shared<gathering>();
      g->req = std::move(req);
      g->rp = rp;
      for (const auto& [name, a] : st.apps)
        g->apps.push_back(a);
      gather_from(self, g, 0);
      return rp;
    }
  }
  auto it = st.apps.find(app);
  if (it == st.apps.end())
    rp.deliver(empty_result(req));
  else
    rp.delegate(it->second, route_atom::value, std::move(req));
  return rp;
}

caf::behavior router(router_actor* self, std::string node_name) {
  SY_LOG(debug, "router") << "started node=" << node_name;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    [=](register_atom, member_info& m, bool dry_run) { return on_register(self, std::move(m), dry_run); },
    [=](connected_atom) { on_connected(self); },
    [=](route_atom, route_request& req) { return on_route(self, req); },
    [=](discover_atom, const std::vector<std::string>& tags) {
      std::vector<std::string> apps;
      for (const auto& [app, pooled] : self->state.pooled_tags())
        if (query::tags_match(tags, pooled))
          apps.push_back(app);
      return apps;
    },
    [=](count_atom) { return static_cast<std::uint64_t>(self->state.clients.size()); },
  };
}

} // namespace

caf::actor spawn_router(caf::actor_system& sys, std::string node_name) {
  return sys.spawn(router, std::move(node_name));
}

} // namespace sy::actors
