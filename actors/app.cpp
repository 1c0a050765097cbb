// The app actor: one per application id. It owns the members' metadata in a
// query::member_index (so targeted queries do not scan), their outboxes, and
// answers routing for queries addressed to this application:
//
//   router --(route, req)--> app: filter -> selector -> optional -> pick -> push
//   router --(gather, req)--> app: this app's candidates (application absent)
//   router --(deliver, req, ids)--> app: push to the members the router chose

#include "actors/app.hpp"

#include <array>
#include <chrono>
#include <map>
#include <random>
#include <string_view>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/delivery.hpp"
#include "actors/metrics.hpp"
#include "actors/route_cache.hpp"
#include "proto/dispatch.hpp"
#include "query/final_set.hpp"
#include "query/index.hpp"

namespace sy::actors {
namespace {

/// What the app keeps besides metadata (which lives in the index).
struct member_rt {
  outbox_ptr out;
  proto::encoding enc = proto::encoding::json;
  std::string socket_ip;
  std::vector<std::string> tags;
};

/// Hashes std::string and std::string_view alike (lookups without a copy).
struct id_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// A member a query selected; its runtime part is looked up when first
/// delivered to (a cached SEND result is picked from, not delivered to whole).
struct target {
  const query::indexed_client* member;
  const member_rt* rt = nullptr;
};

struct app_state {
  static inline const char* name = "app";
  std::string app_id;
  query::member_index index;
  /// Looked up once per delivery: hashed, not ordered.
  std::unordered_map<std::string, member_rt, id_hash, std::equal_to<>> members;
  /// Results of repeated multi-member queries; cleared on every change below.
  route_cache<target> cache;
  std::mt19937_64 rng{std::random_device{}()};

  void add(member_info& m) {
    cache.clear();
    members.insert_or_assign(m.client_id, member_rt{m.out, m.enc, m.socket_ip, m.tags});
    index.upsert(m.client_id, std::move(m.metadata));
  }

  void remove(const std::string& cid) {
    cache.clear();
    members.erase(cid);
    index.remove(cid);
  }

  void merge(const std::string& cid, md_entries e) {
    cache.clear();
    index.merge(cid, std::move(e.items));
  }

  /// Candidates for routing; for a proxy (P-3) only members with an address.
  std::vector<query::candidate> to_candidates(const std::vector<const query::indexed_client*>& v,
                                              const query::query& q, bool need_address = false) const {
    std::vector<query::candidate> out;
    out.reserve(v.size());
    for (const auto* c : v)
      if (!need_address || has_address(c->client_id))
        out.push_back(query::candidate{app_id, c->client_id,
                                     q.selector ? query::selector_value(*q.selector, c->md) : std::nullopt});
    return out;
  }

  bool has_address(const std::string& cid) const {
    auto it = members.find(cid);
    return it != members.end() && !it->second.socket_ip.empty();
  }

  query::value object_of(const std::string& cid) const {
    const auto* c = index.get(cid);
    auto it = members.find(cid);
    if (!c || it == members.end())
      return {};
    return proto::client_object(app_id, cid, c->md, it->second.socket_ip, {}, it->second.tags);
  }

  query::final_set final_set(const query::query& q, bool need_address) const {
    return query::compute_final_set(q, to_candidates(index.filter(q), q, need_address),
                                    [&] { return to_candidates(index.eligible(q), q, need_address); });
  }

  candidate_list gather(const route_request& req) const {
    candidate_list out;
    bool proxy = req.kind == route_kind::proxy;
    out.filtered = to_candidates(index.filter(req.q), req.q, proxy);
    if (req.q.optional)
      out.eligible = to_candidates(index.eligible(req.q), req.q, proxy);
    if (req.kind == route_kind::query_nodes || proxy) {
      for (const auto* l : {&out.filtered, &out.eligible})
        for (const auto& c : *l)
          out.objects.emplace_back(c.client_id, object_of(c.client_id));
    }
    return out;
  }

  /// The delivery frame of a request, encoded at most once per encoding.
  static shared_frame delivery_of(const route_request& req) {
    const char* t = req.kind == route_kind::broadcast ? "BROADCAST" : "SEND";
    (req.kind == route_kind::broadcast ? metrics::routed_broadcast : metrics::routed_send) += 1;
    auto ts = now_ms();
    return shared_frame([&req, t, ts](proto::encoding enc) {
      return proto::encode_delivery(enc, t, req.nonce(), req.payload(), ts, req.raw_payload);
    });
  }

  /// Writes the frame to one member, or, when that member sent it, into
  /// `*self` (the route's reply: see route_request::sender_out).
  void push(shared_frame& frame, const member_rt& m, const void* sender, std::string* self) {
    if (!m.out)
      return;
    if (self && m.out.get() == sender)
      *self = *frame.bytes(m.enc);
    else
      m.out->send(frame.bytes(m.enc));
  }

  void push(shared_frame& frame, std::string_view id, const void* sender, std::string* self) {
    if (auto it = members.find(id); it != members.end())
      push(frame, it->second, sender, self);
  }

  void push(shared_frame& frame, target& t, const void* sender, std::string* self) {
    if (!t.rt)
      if (auto it = members.find(t.member->client_id); it != members.end())
        t.rt = &it->second;
    if (t.rt)
      push(frame, *t.rt, sender, self);
  }

  static std::string_view id_of(const std::string& id) { return id; }
  static std::string_view id_of(const query::indexed_client* c) { return c->client_id; }

  /// Pushes the message to these members (client ids or index entries).
  /// With `own_copy_back` the sender's own copy is returned (the route's
  /// reply) instead of pushed; without (the router's choice, whose reply
  /// goes elsewhere) it is pushed like any other.
  template <class Members>
  std::string deliver(const route_request& req, const Members& to, bool own_copy_back = true) {
    auto frame = delivery_of(req);
    std::string own;
    for (const auto& m : to)
      push(frame, id_of(m), req.sender_out, own_copy_back ? &own : nullptr);
    return own;
  }

  void observe(std::chrono::steady_clock::time_point started) {
    metrics::observe_query_us(
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
  }

  /// A query addressed to this application only; returns the reply frame.
  std::string route(const route_request& req) {
    auto started = std::chrono::steady_clock::now();
    bool message = req.kind == route_kind::send || req.kind == route_kind::broadcast;
    // Load balancing over everyone (no ops, selector or key): sample instead
    // of listing every member (W2).
    if (req.kind == route_kind::send && req.q.ops.empty() && !req.q.selector && !req.q.key)
      if (const auto* c = index.sample(req.q, rng))
        return deliver(req, std::array{c}); // (no vector for the one member)
    // No selector or key: R-1's final set is the filtered members (else, with
    // `optional`, the eligible ones) in id order, as index.filter gives them,
    // so the members are delivered to without building candidates (W1, W3).
    // A repeated query with several members reuses the last result.
    if (message && !req.q.selector && !req.q.key) {
      auto* targets = cache.find(req.q);
      std::vector<const query::indexed_client*> found;
      if (!targets) {
        found = index.filter(req.q);
        if (found.empty() && req.q.optional)
          found = index.eligible(req.q);
        if (found.size() >= cache.min_members) {
          std::vector<target> t;
          t.reserve(found.size());
          for (const auto* c : found)
            t.push_back(target{c});
          targets = cache.put(req.q, std::move(t));
        }
      }
      observe(started);
      if (targets) {
        auto frame = delivery_of(req);
        std::string self;
        if (req.kind == route_kind::send)
          push(frame, (*targets)[rng() % targets->size()], req.sender_out, &self); // R-4's uniform pick
        else
          for (auto& t : *targets)
            push(frame, t, req.sender_out, &self);
        return self;
      }
      if (found.empty())
        return reply_empty(req);
      if (req.kind == route_kind::send)
        found = {found[rng() % found.size()]}; // R-4's uniform pick
      return deliver(req, found);
    }
    auto fs = final_set(req.q, req.kind == route_kind::proxy);
    observe(started);
    if (req.kind == route_kind::query_nodes) {
      ++metrics::routed_query;
      query::array nodes;
      for (const auto& c : fs.members)
        nodes.push_back(object_of(c.client_id));
      return reply_nodes(req, std::move(nodes));
    }
    if (req.kind == route_kind::proxy) {
      auto pick = query::pick_one(req.q, fs, rng());
      req.on_target(pick ? members.at(fs.members[*pick].client_id).socket_ip : std::string{});
      return {};
    }
    if (fs.members.empty()) {
      return reply_empty(req);
    }
    std::vector<std::string> ids;
    if (req.kind == route_kind::broadcast) {
      for (auto& c : fs.members)
        ids.push_back(std::move(c.client_id));
    } else {
      ids.push_back(fs.members[*query::pick_one(req.q, fs, rng())].client_id);
    }
    return deliver(req, ids);
  }
};

using app_actor = caf::stateful_actor<app_state>;

caf::behavior app(app_actor* self, std::string app_id) {
  self->state.app_id = std::move(app_id);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    // -- membership -----------------------------------------------------------
    [=](add_atom, member_info& m) { self->state.add(m); },
    [=](remove_atom, const std::string& cid) { self->state.remove(cid); },
    [=](update_md_atom, const std::string& cid, md_entries& e) {
      self->state.merge(cid, std::move(e));
      return true;
    },
    [=](set_md_atom, const std::string& cid, md_entries& e) { self->state.merge(cid, std::move(e)); },
    [=](count_atom) { return static_cast<std::uint64_t>(self->state.members.size()); },
    // -- routing --------------------------------------------------------------
    [=](route_atom, const route_request& req) { return self->state.route(req); },
    // Straight from a client (app_directory): a reply, or an answer asked for,
    // goes back as route_done.
    [=](route_atom, const route_request& req, std::uint64_t id, bool answer) {
      auto reply = self->state.route(req);
      if (answer || !reply.empty())
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), route_done_atom::value, id,
                   std::move(reply));
    },
    [=](settle_atom, std::uint64_t id) {
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), route_done_atom::value, id, std::string{});
    },
    // The router's request, shared (not copied: it holds the whole frame).
    [=](gather_atom, const std::shared_ptr<const route_request>& req) { return self->state.gather(*req); },
    [=](deliver_atom, const route_request& req, const std::vector<std::string>& ids) {
      self->state.deliver(req, ids, false);
    },
  };
}

} // namespace

caf::actor spawn_app(caf::actor_system& sys, std::string app_id) { return sys.spawn(app, std::move(app_id)); }

} // namespace sy::actors
