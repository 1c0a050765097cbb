// The router: one per node. It is the registry of identified clients
// (unique per application and client id, L-6 and, with peers, cluster-wide
// K-7, with the one cleanup of L-18), the directory of app actors, the pool of
// tags per application (T-2), the list of CLIENT_* subscribers (C-*, K-8) and
// the set of peer nodes. Routing itself is in fanout.cpp.

#include "actors/router.hpp"

#include "actors/app.hpp"
#include "actors/delivery.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "actors/router_state.hpp"
#include "proto/dispatch.hpp"
#include "proto/errors.hpp"

namespace sy::actors {
namespace {

using namespace std::chrono_literals;

} // namespace

caf::actor router_state::app_of(caf::local_actor* self, const std::string& app_id) {
  auto it = apps.find(app_id);
  if (it == apps.end()) {
    auto a = spawn_app(self->system(), app_id);
    self->link_to(a);
    directory->add(app_id, a);
    it = apps.emplace(app_id, std::move(a)).first;
  }
  return it->second;
}

void router_state::try_retire(caf::event_based_actor* self, const std::string& app_id) {
  if (has_clients(app_id))
    return;
  auto it = apps.find(app_id);
  if (it == apps.end() || !directory->retire(app_id))
    return;
  auto app = std::move(it->second);
  apps.erase(it);
  tag_counts.erase(app_id);
  self->unlink_from(app);
  // After what is already in its mailbox: the routes of the clients that
  // released it were sent before they did.
  self->send_exit(app, caf::exit_reason::user_shutdown);
  SY_LOG(debug, "router") << "application retired app=" << app_id;
}

bool router_state::has_clients(const std::string& app_id) const {
  // (clients is ordered by application: the first key at or after (app, "") tells)
  auto c = clients.lower_bound({app_id, std::string{}});
  return c != clients.end() && c->first.first == app_id;
}

std::vector<std::string> router_state::app_ids() const {
  std::vector<std::string> out;
  for (const auto& [key, reg] : clients)
    if (out.empty() || out.back() != key.first)
      out.push_back(key.first);
  for (const auto& [app, n] : admitting)
    if (!has_clients(app))
      out.push_back(app);
  return out;
}

void router_state::tell_gone_unless_held(caf::event_based_actor* self, const std::string& app_id) {
  if (!has_clients(app_id) && !admitting.count(app_id))
    for (const auto& [id, endpoint] : peers)
      self->send(endpoint, p_app_gone_atom::value, app_id);
}

void router_state::tell_apps(caf::event_based_actor* self, const caf::actor& endpoint) const {
  self->send(endpoint, p_apps_atom::value, app_ids());
  self->send(endpoint, p_forwards_atom::value);
}

bool router_state::may_have(const std::string& id, const query::query& q) const {
  // (tags resolve over every node's pooled tags, T-2)
  return q.scope != query::app_scope::exact || may_have_app(id, q.application);
}

bool router_state::may_have_app(const std::string& id, const std::string& app_id) const {
  auto it = peer_apps.find(id);
  return it == peer_apps.end() || it->second.count(app_id) > 0;
}

bool router_state::any_peer_may_have(const std::string& app_id) const {
  for (const auto& [id, endpoint] : peers)
    if (may_have_app(id, app_id))
      return true;
  return false;
}

bool router_state::local_only(const query::query& q) const {
  return q.scope == query::app_scope::exact ? !any_peer_may_have(q.application) : peers.empty();
}

void router_state::publish_peers() {
  app_directory::app_set held;
  bool all_known = true;
  for (const auto& [id, endpoint] : peers)
    if (auto it = peer_apps.find(id); it != peer_apps.end())
      held.insert(it->second.begin(), it->second.end());
    else
      all_known = false;
  directory->set_peers(peers.empty(), all_known, std::move(held));
}

void router_state::count_tags(const member_info& m, int delta) {
  auto& counts = tag_counts[m.app_id];
  for (const auto& t : m.tags)
    if ((counts[t] += delta) <= 0)
      counts.erase(t);
}

std::map<std::string, query::tag_set> router_state::pooled_tags() const {
  std::map<std::string, query::tag_set> out;
  for (const auto& [app, counts] : tag_counts)
    for (const auto& [t, n] : counts)
      out[app].insert(t);
  return out;
}

void router_state::emit_local(const char* event, const key_type& subject, const key_type* skip) {
  query::value payload{query::object{{"app", query::value{subject.first}}, {"client_id", query::value{subject.second}}}};
  shared_frame frame(proto::dispatch(event, proto::delivery(query::value{}, std::move(payload)), now_ms()));
  for (const auto& [k, sub] : subscribers)
    if (!skip || k != *skip)
      sub.first->send(frame.bytes(sub.second));
}

void router_state::emit(caf::event_based_actor* self, const char* event, const key_type& subject,
                        const key_type* skip) {
  emit_local(event, subject, skip);
  for (const auto& [id, endpoint] : peers)
    self->send(endpoint, p_event_atom::value, std::string(event), subject.first, subject.second);
}

void router_state::end(caf::event_based_actor* self, const key_type& key) {
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
    emit(self, "CLIENT_DISCONNECTED", key, &key);
  }
  tell_gone_unless_held(self, key.first);
  try_retire(self, key.first);
}

namespace {

/// Records a new registration and tells its application.
caf::actor admit(router_actor* self, caf::actor client, member_info m) {
  auto& st = self->state;
  key_type key{m.app_id, m.client_id};
  self->monitor(client);
  st.by_addr[client.address()] = key;
  st.count_tags(m, +1);
  auto app = st.app_of(self, m.app_id);
  auto& reg = st.clients[key] = registration{client, m, true}; // announced: C-2 below
  reg.info.metadata.clear();
  ++metrics::clients_identified;
  metrics::app_clients(key.first, +1);
  // L-9 steps 4 and 5 here, not in the client actor: ready is in the
  // connection's queue before the app can route anything to the new member
  // (L-10), and a client that got ready counts as connected however soon it
  // leaves (C-2, then C-3).
  if (m.out)
    m.out->send(std::make_shared<const std::string>(
      proto::encode_frame(m.enc, proto::ready(m.client_id, m.restricted, now_ms()))));
  if (reg.info.receive_client_updates && !reg.info.restricted)
    st.subscribers[key] = {reg.info.out, reg.info.enc};
  st.emit(self, "CLIENT_CONNECTED", key, nullptr);
  self->send(app, add_atom::value, std::move(m));
  return app;
}

using register_promise = caf::typed_response_promise<std::string, caf::actor, directory_ptr>;

/// K-7: with no holder here, every peer is asked; one healthy holder there
/// rejects. A peer that does not answer in time counts as not holding it.
void admit_unless_held_elsewhere(router_actor* self, register_promise rp, caf::actor client, member_info m,
                                 bool dry_run) {
  // The peers asked below note the app as this node's (peer_apps); when no
  // client is admitted after all, they hear that it is gone again.
  auto decide = [=](bool held) mutable {
    auto& st = self->state;
    if (auto it = st.admitting.find(m.app_id); it != st.admitting.end() && --it->second == 0)
      st.admitting.erase(it);
    if (!held && !dry_run) {
      rp.deliver(std::string{}, admit(self, client, std::move(m)), directory_ptr{st.directory});
      return;
    }
    rp.deliver(held ? proto::errors::already_registered(m.client_id, m.app_id) : std::string{}, caf::actor{},
               directory_ptr{});
    st.tell_gone_unless_held(self, m.app_id);
  };
  auto& st = self->state;
  ++st.admitting[m.app_id]; // (decide takes it back)
  if (st.peers.empty())
    return decide(false);
  auto pending = std::make_shared<std::size_t>(st.peers.size());
  auto held = std::make_shared<bool>(false);
  for (const auto& [id, endpoint] : st.peers)
    self->request(endpoint, st.peer_timeout, p_holds_atom::value, m.app_id, m.client_id)
      .await(
        [=](bool h) mutable {
          *held = *held || h;
          if (--*pending == 0)
            decide(*held);
        },
        [=](caf::error&) mutable {
          if (--*pending == 0)
            decide(*held);
        });
}

/// L-6: answer a register request, checking an existing holder's health.
caf::result<std::string, caf::actor, directory_ptr> on_register(router_actor* self, member_info m, bool dry_run) {
  auto& st = self->state;
  auto client = caf::actor_cast<caf::actor>(self->current_sender());
  key_type key{m.app_id, m.client_id};
  auto rp = self->make_response_promise<std::string, caf::actor, directory_ptr>();
  auto it = st.clients.find(key);
  if (it == st.clients.end()) {
    admit_unless_held_elsewhere(self, rp, client, std::move(m), dry_run);
    return rp;
  }
  auto existing = it->second.actor;
  auto evict_and_admit = [=](bool healthy) mutable {
    auto& s = self->state;
    if (healthy) {
      rp.deliver(proto::errors::already_registered(m.client_id, m.app_id), caf::actor{}, directory_ptr{});
      return;
    }
    // Stale (or already gone): the old connection ends as in L-14.
    auto cur = s.clients.find(key);
    if (cur != s.clients.end() && cur->second.actor == existing) {
      self->send(existing, kick_atom::value);
      s.end(self, key);
      SY_LOG(info, "router") << "evicted stale client app=" << key.first << " client=" << key.second;
    }
    admit_unless_held_elsewhere(self, rp, client, std::move(m), dry_run);
  };
  self->request(existing, 2s, health_atom::value)
    .await([=](bool healthy) mutable { evict_and_admit(healthy); },
           [=](caf::error&) mutable { evict_and_admit(false); });
  return rp;
}

/// The id of the proven peer that sent the current message, or nullptr.
const std::string* sending_peer(router_actor* self) {
  const auto& s = self->current_sender();
  if (!s)
    return nullptr;
  for (const auto& [id, node] : self->state.peer_nodes)
    if (node == s->node())
      return &id;
  return nullptr;
}

/// K-7, the peer side: does a healthy client hold these ids here?
caf::result<bool> on_holds(router_actor* self, const std::string& app, const std::string& cid) {
  auto& st = self->state;
  // The asking node admits a client of `app` next (unless we hold it).
  if (const auto* peer = sending_peer(self))
    if (auto known = st.peer_apps.find(*peer); known != st.peer_apps.end())
      if (known->second.insert(app).second)
        st.directory->peer_may_have(app);
  auto it = st.clients.find({app, cid});
  if (it == st.clients.end())
    return false;
  auto rp = self->make_response_promise<bool>();
  self->request(it->second.actor, 2s, health_atom::value)
    .await([=](bool healthy) mutable { rp.deliver(healthy); }, [=](caf::error&) mutable { rp.deliver(false); });
  return rp;
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

/// Peer bookkeeping is told by cluster/ on this node only; anything else
/// arriving over the network is accepted only from a proven peer (K-4, K-7b).
bool from_local(router_actor* self) {
  const auto& s = self->current_sender();
  return !s || s->node() == self->node();
}

bool from_peer(router_actor* self) { return sending_peer(self) != nullptr; }

caf::behavior router(router_actor* self, std::string node_name) {
  SY_LOG(debug, "router") << "started node=" << node_name;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    [=](register_atom, member_info& m, bool dry_run) { return on_register(self, std::move(m), dry_run); },
    [=](retire_atom, const std::string& app) { self->state.try_retire(self, app); },
    [=](route_atom, route_request& req) { return on_route(self, req); },
    [=](discover_atom, const std::vector<std::string>& tags) { return on_discover(self, tags); },
    [=](count_atom) { return static_cast<std::uint64_t>(self->state.clients.size()); },
    [=](peer_timeout_atom, int ms) { self->state.peer_timeout = std::chrono::milliseconds(ms); },
    // -- peers (K-3…K-8); only cluster/ sends these, for proven peers -------------
    [=](peer_up_atom, const std::string& id, caf::actor endpoint) {
      if (!from_local(self) || !endpoint)
        return;
      SY_LOG(info, "router") << "peer up node=" << id;
      auto& st = self->state;
      st.peer_nodes[id] = endpoint.node();
      st.peer_apps.erase(id); // asked about everything until it tells
      st.forwarders.erase(id);
      // Ours to it, and its to us: whichever side learns of the other last
      // gets through (the other side's message is dropped as not a peer's).
      st.tell_apps(self, endpoint);
      self->send(endpoint, p_apps_want_atom::value);
      st.peers[id] = std::move(endpoint);
      st.publish_peers();
    },
    [=](peer_down_atom, const std::string& id) {
      if (!from_local(self))
        return;
      SY_LOG(info, "router") << "peer down node=" << id;
      self->state.peers.erase(id);
      self->state.peer_nodes.erase(id);
      self->state.peer_apps.erase(id);
      self->state.forwarders.erase(id);
      self->state.publish_peers();
    },
    [=](p_gathers_atom, const std::vector<std::string>& questions) -> caf::result<caf::message> {
      if (!from_peer(self))
        return caf::message{};
      return on_peer_gathers(self, questions);
    },
    [=](p_deliver_atom, const std::vector<std::string>& deliveries) {
      if (from_peer(self))
        for (const auto& json : deliveries)
          on_peer_deliver(self, json);
    },
    [=](p_routes_atom, const std::vector<std::string>& routes) -> caf::result<caf::message> {
      if (!from_peer(self))
        return caf::message{};
      return on_peer_routes(self, routes);
    },
    [=](flush_atom) {
      if (from_local(self))
        flush_peers(self);
    },
    [=](p_holds_atom, const std::string& app, const std::string& cid) -> caf::result<bool> {
      if (!from_peer(self))
        return false;
      return on_holds(self, app, cid);
    },
    [=](p_apps_atom, const std::vector<std::string>& apps) {
      if (const auto* peer = sending_peer(self)) {
        self->state.peer_apps[*peer] = {apps.begin(), apps.end()};
        self->state.publish_peers();
      }
    },
    [=](p_apps_want_atom) {
      auto& st = self->state;
      if (const auto* peer = sending_peer(self))
        if (auto it = st.peers.find(*peer); it != st.peers.end())
          st.tell_apps(self, it->second);
    },
    [=](p_forwards_atom) {
      if (const auto* peer = sending_peer(self))
        self->state.forwarders.insert(*peer);
    },
    [=](p_app_gone_atom, const std::string& app) {
      auto& st = self->state;
      if (const auto* peer = sending_peer(self))
        if (auto known = st.peer_apps.find(*peer); known != st.peer_apps.end()) {
          known->second.erase(app);
          SY_LOG(debug, "router") << "peer app gone node=" << *peer << " app=" << app;
          if (!st.any_peer_may_have(app))
            st.directory->no_peer_has(app);
        }
    },
    [=](p_event_atom, const std::string& event, const std::string& app, const std::string& cid) {
      if (from_peer(self) && (event == "CLIENT_CONNECTED" || event == "CLIENT_DISCONNECTED"))
        self->state.emit_local(event.c_str(), {app, cid}, nullptr);
    },
  };
}

} // namespace

caf::actor spawn_router(caf::actor_system& sys, std::string node_name, int peer_timeout_ms) {
  auto r = sys.spawn(router, std::move(node_name));
  caf::anon_send(r, peer_timeout_atom::value, peer_timeout_ms);
  return r;
}

} // namespace sy::actors
