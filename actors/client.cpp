// The client actor: one per websocket connection.
//
//   session --(frame, bytes)--> client --decode (proto/)--> handle by phase
//
//   awaiting identify --op 1 ok, router registered us--> ready --op 8/close--> (quit)
//        | any other frame: op 8          | op 5: ack; op 4: dispatch; op 1: op 8
//        | idle timer: close 1000         | heartbeat timer past deadline: op 8
//
// Replies go back through the outbox in the connection's encoding. When the
// actor quits (op 8, kick, session gone), the router sees it go down and runs
// the one cleanup of L-18. Frames are handled strictly one after another:
// identify and metadata updates wait (await) for the router/app answer before
// the next frame is looked at (L-16, M-6).

#include "actors/client.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/app_directory.hpp"
#include "actors/atoms.hpp"
#include "actors/delivery.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "actors/reply_order.hpp"
#include "actors/target_memory.hpp"
#include "proto/dispatch.hpp"
#include "proto/errors.hpp"
#include "proto/identify.hpp"
#include "proto/json.hpp"
#include "query/parse.hpp"

namespace sy::actors {
namespace {

using namespace std::chrono_literals;
using query::value;
namespace errors = proto::errors;

struct client_state {
  static inline const char* name = "client";
  outbox_ptr out;
  connection_info conn;
  caf::actor router;
  std::shared_ptr<const options> opts;
  caf::actor app;
  /// The node's apps, for routing straight to one (null until identified).
  directory_ptr directory;
  /// The app routed to directly, held in the directory (so that the router
  /// does not retire it meanwhile) until the client moves to another one or
  /// ends; shared with the client's end, which gives it back.
  struct direct_route {
    directory_ptr directory;
    std::string name;
    caf::actor app;
    /// Gives the app back; the last to hold it asks `router` to retire it
    /// (after the routes sent to it so far, already in its mailbox).
    void release(const caf::actor& router) {
      if (app && directory->release(name, app))
        caf::anon_send(router, retire_atom::value, name);
      app = caf::actor{};
      name.clear();
    }
  };
  std::shared_ptr<direct_route> direct = std::make_shared<direct_route>();
  /// The direct app is monitored: should it ever quit unasked (an exception
  /// in a handler), its quiet routes count as done and every later route
  /// goes through the router, whose requests fail instead of hanging.
  bool apps_lost = false;
  /// The directory's last local_only answer.
  app_directory::local_memo local_memo;
  /// Routes sent through the router and not answered yet: while there are
  /// any, routes go through the router too, or a direct one could overtake
  /// them. A direct route followed by a routed one cannot be overtaken:
  /// the router reaches the app after the direct message is in its mailbox.
  std::size_t via_router = 0;
  /// The last SEND/BROADCAST target, kept once it repeats (with one integer
  /// changed, or not): its text goes to decode_frame as the known target.
  target_memory targets;
  bool identified = false;
  bool closing = false;
  std::string client_id;
  std::string app_id;
  bool restricted = false;
  query::metadata md;
  caf::actor_clock::time_point last_frame;
  caf::actor_clock::time_point last_hb;

  /// Replies in frame order (L-16), and the read credit.
  reply_order replies;

  void send(const proto::server_frame& f) {
    if (f.code == proto::op::invalid || f.code == proto::op::error)
      if (const auto* e = f.d.find("error"); e && e->is_string())
        metrics::count_error(e->as_string());
    replies.send(std::make_shared<const std::string>(proto::encode_frame(conn.enc, f)));
  }

  std::chrono::milliseconds grace() const { return std::chrono::milliseconds(opts->heartbeat_interval_ms * 3 / 2); }
  caf::actor_clock::time_point deadline() const { return last_hb + grace(); }
};

using client_actor = caf::stateful_actor<client_state>;

/// `what` comes back to this client after `after`, instead of the alarm set
/// before (one deadline at a time: idle until identify, heartbeat after).
template <class Atom>
void set_alarm(client_actor* self, caf::timespan after, Atom what) {
  if (const auto& alarm = self->state.opts->alarm)
    self->send(alarm, alarm_atom::value,
               caf::timespan{(self->clock().now() + after).time_since_epoch()}, caf::atom_value{what});
  else
    self->delayed_send(self, after, what);
}

// -- closing ------------------------------------------------------------------

/// op 8 with `text`, then close (L-17). The actor quits; the router cleans up.
void fatal(client_actor* self, std::string_view text, value extra = {}, std::uint16_t code = 1000) {
  auto& st = self->state;
  if (st.closing)
    return;
  st.closing = true;
  st.replies.flush();
  SY_LOG(debug, "client") << "fatal app=" << st.app_id << " client=" << st.client_id << " error=" << text;
  st.send(proto::fatal(text, std::move(extra), now_ms()));
  st.out->close(code, "");
  self->quit();
}

// -- identify (L-4 … L-10) ------------------------------------------------------

member_info make_member(client_state& st, const proto::identify& id, query::update_result& md_ok) {
  member_info m;
  m.app_id = id.application_id;
  m.client_id = id.client_id;
  m.restricted = st.restricted;
  if (!st.restricted) {
    m.socket_ip = id.ip ? *id.ip : st.conn.peer_ip;
    m.tags = id.tags;
    m.receive_client_updates = id.receive_client_updates;
  }
  query::merge(m.metadata, std::move(md_ok.entries));
  auto put = [&](const char* k, query::mtype t, value v) { m.metadata[k] = query::entry{t, std::move(v)}; };
  put("last_heartbeat_time", query::mtype::integer, value{now_ms()});
  put("restricted", query::mtype::boolean, value{st.restricted});
  put("encoding", query::mtype::string, value{proto::to_string(st.conn.enc)});
  put("ip", query::mtype::string, st.restricted ? value{} : value{m.socket_ip});
  put("namespace", query::mtype::string, id.ns ? value{*id.ns} : value{});
  put("receive_client_updates", query::mtype::boolean, value{m.receive_client_updates});
  m.out = st.out;
  m.enc = st.conn.enc;
  return m;
}

void on_registered(client_actor* self, caf::actor app, directory_ptr dir, member_info m) {
  auto& st = self->state;
  if (st.out->closed()) {
    // The peer closed while we were registering: no ready can reach it, so it
    // never counts as connected (no CLIENT_* events); the router cleans up.
    st.closing = true;
    self->quit();
    return;
  }
  st.identified = true;
  st.app = std::move(app);
  st.directory = std::move(dir);
  st.direct->directory = st.directory;
  st.md = std::move(m.metadata);
  st.last_hb = self->clock().now();
  // (ready and CLIENT_CONNECTED went out with the registration: actors/router admit)
  SY_LOG(info, "client") << "identified app=" << st.app_id << " client=" << st.client_id
                         << " restricted=" << (st.restricted ? "true" : "false");
  set_alarm(self, st.grace(), hb_check_atom::value);
}

void identify(client_actor* self, const proto::client_frame& f) {
  auto& st = self->state;
  auto id = proto::parse_identify(f.d());
  if (!id)
    return fatal(self, errors::no_data);
  st.client_id = id->client_id;
  st.app_id = id->application_id;
  st.restricted = proto::is_restricted(*id, st.opts->auth);
  // L-9 step 1 is computed now but answered after L-6 and L-8 (L-8's order).
  query::update_result md;
  bool md_bad = false;
  value md_extra;
  if (!id->metadata.is_null()) {
    md = proto::parse_metadata_update(id->metadata);
    if (!md.ok()) {
      md_bad = true;
      md_extra = md.not_a_map ? value{} : proto::error_map(md);
    }
  }
  bool etf_bad = st.restricted && st.conn.enc == proto::encoding::etf;
  auto m = make_member(st, *id, md);
  bool dry_run = md_bad || etf_bad;
  self->request(st.router, 10s, register_atom::value, m, dry_run)
    .await(
      [=](const std::string& err, caf::actor app, directory_ptr dir) {
        if (!err.empty())
          return fatal(self, err);
        if (etf_bad)
          return fatal(self, errors::etf_restricted);
        if (md_bad)
          return fatal(self, errors::initial_metadata, md_extra);
        on_registered(self, app, dir, m);
      },
      [=](caf::error&) { fatal(self, errors::internal); });
}

// -- after identify -------------------------------------------------------------

void heartbeat(client_actor* self) {
  auto& st = self->state;
  st.last_hb = self->clock().now();
  auto now = now_ms();
  st.md["last_heartbeat_time"] = query::entry{query::mtype::integer, value{now}};
  st.send(proto::heartbeat_ack(st.client_id, now));
  md_entries e;
  e.items.emplace_back("last_heartbeat_time", st.md["last_heartbeat_time"]);
  self->send(st.app, set_md_atom::value, st.client_id, std::move(e));
}

void update_metadata(client_actor* self, const proto::client_frame& f) {
  auto& st = self->state;
  const value* d = f.d();
  auto r = proto::parse_metadata_update(d ? *d : value{});
  if (!r.ok()) {
    st.send(proto::invalid(errors::invalid_metadata, r.not_a_map ? value{} : proto::error_map(r), now_ms()));
    return;
  }
  if (r.entries.empty())
    return;
  md_entries e{r.entries};
  query::merge(st.md, std::move(r.entries));
  // M-6: the next frame waits until the app actor has applied the update.
  self->request(st.app, 10s, update_md_atom::value, st.client_id, std::move(e))
    .await([](bool) {}, [=](caf::error&) { fatal(self, errors::internal); });
}

/// The client stops routing to its direct app (see direct_route::release).
void release_direct(client_actor* self) {
  auto& d = *self->state.direct;
  if (d.app)
    self->demonitor(d.app);
  d.release(self->state.router);
}

/// SEND, BROADCAST (D-2) and QUERY_NODES (D-6): validate, then hand to the router.
void route(client_actor* self, proto::client_frame& f, route_kind kind) {
  auto& st = self->state;
  route_request req;
  req.kind = kind;
  query::value nodes_target;
  const value* target = &nodes_target;
  if (kind == route_kind::query_nodes) {
    nodes_target = proto::query_nodes_target(f.d());
  } else {
    auto body = proto::parse_send(f.d(), f.target_kept ? st.targets.tree().get() : nullptr);
    if (!body)
      return st.send(proto::invalid(errors::invalid_dispatch, f.echo(), now_ms()));
    target = body->target;
  }
  if (f.target_kept) { // the decoder saw the kept target's text again
    req.q = st.targets.query_for(f.kept_int);
  } else {
    auto parsed = query::parse_query(*target);
    if (!parsed.ok())
      return st.send(proto::invalid(errors::invalid_query, value{parsed.error}, now_ms()));
    req.q = std::move(*parsed.parsed);
    if (kind != route_kind::query_nodes)
      st.targets.learn(f.raw_target, *target, req.q);
  }
  // One application that no peer has (or no peers): straight to its app
  // actor, which answers with route_done when there is a reply or it is
  // asked to (or no_route here when it does not exist).
  bool direct = st.directory && !st.apps_lost && st.via_router == 0 && req.q.scope == query::app_scope::exact &&
                st.directory->local_only(req.q.application, st.local_memo);
  // Peers read the query as sent from the request (target()): from the
  // frame, or from the kept tree when the frame holds a null in its place.
  if (kind == route_kind::query_nodes) {
    req.raw_query = std::move(nodes_target);
  } else {
    if (f.target_kept && st.targets.varies() && !direct) // peers get the tree
      proto::put_target(f.body, proto::kept_value(f.raw_target));
    else if (f.target_kept && st.targets.varies())
      req.kept_target_text.assign(f.raw_target); // only for D-5's echo
    else if (f.target_kept)
      req.kept_target = st.targets.tree();
    req.frame = std::move(f.body); // payload, nonce and (unless kept) target travel inside it
    req.raw_payload = std::move(f.raw_payload);
  }
  req.reply_enc = st.conn.enc;
  req.sender_out = st.out.get();
  auto id = st.replies.open();
  if (direct) {
    auto& d = *st.direct;
    if (!d.app || d.name != req.q.application) { // (a first "" is no app yet)
      auto app = st.directory->acquire(req.q.application);
      if (!app)
        return st.replies.complete(id, reply_empty(req));
      st.replies.new_direct_app(); // the old app answers for its quiet routes first
      release_direct(self);
      d.name = req.q.application;
      d.app = std::move(app);
      self->monitor(d.app);
    }
    bool answer = st.replies.quiet(id);
    self->send(d.app, route_atom::value, std::move(req), id, answer);
    return;
  }
  // No timeout: a timer per message would cost a clock-thread wakeup, and
  // the router always answers (directly, or through the app it delegates to).
  ++st.via_router;
  self->request(st.router, caf::infinite, route_atom::value, std::move(req))
    .then(
      [=](std::string& reply) {
        --self->state.via_router;
        self->state.replies.complete(id, std::move(reply));
      },
      [=](caf::error&) {
        --self->state.via_router;
        self->state.replies.complete(id, {});
      });
}

void dispatch(client_actor* self, proto::client_frame& f) {
  auto& st = self->state;
  const std::string* t = f.t();
  bool is_update = t && *t == "UPDATE_METADATA";
  if (st.restricted && !is_update) // A-4 comes before every other check
    return st.send(proto::invalid(errors::restricted_dispatch(t ? *t : ""), value{}, now_ms()));
  if (is_update)
    return update_metadata(self, f);
  if (t && *t == "SEND")
    return route(self, f, route_kind::send);
  if (t && *t == "BROADCAST")
    return route(self, f, route_kind::broadcast);
  if (t && *t == "QUERY_NODES")
    return route(self, f, route_kind::query_nodes);
  st.send(proto::invalid(errors::invalid_dispatch, f.echo(), now_ms()));
}

void on_frame(client_actor* self, const std::string& bytes) {
  auto& st = self->state;
  if (st.closing)
    return; // L-17: frames after an op 8 are ignored
  st.last_frame = self->clock().now();
  if (st.identified && st.last_frame >= st.deadline())
    return fatal(self, errors::heartbeat_late); // L-14, the lazy check
  proto::client_frame f;
  auto res = proto::decode_frame(st.conn.enc, bytes, f, st.targets.known());
  if (!res.ok)
    return fatal(self, res.error);
  if (!st.identified) {
    if (f.opcode != static_cast<long long>(proto::op::identify))
      return fatal(self, errors::not_identified); // L-2
    return identify(self, f);
  }
  switch (f.opcode.value_or(-1)) {
    case static_cast<long long>(proto::op::identify): return fatal(self, errors::already_identified);
    case static_cast<long long>(proto::op::dispatch): return dispatch(self, f);
    case static_cast<long long>(proto::op::heartbeat): return heartbeat(self);
    default: {
      long long op = f.opcode.value_or(-1);
      return fatal(self, errors::invalid_op(f.opcode ? &op : nullptr));
    }
  }
}

// -- timers ---------------------------------------------------------------------

void check_heartbeat(client_actor* self) {
  auto& st = self->state;
  if (st.closing)
    return;
  auto now = self->clock().now();
  if (now >= st.deadline())
    return fatal(self, errors::heartbeat_late);
  set_alarm(self, st.deadline() - now, hb_check_atom::value);
}

void check_idle(client_actor* self) {
  auto& st = self->state;
  if (st.identified || st.closing)
    return;
  auto limit = std::chrono::milliseconds(st.opts->idle_timeout_ms);
  auto now = self->clock().now();
  if (now - st.last_frame >= limit) {
    st.closing = true;
    SY_LOG(debug, "client") << "idle unidentified connection closed";
    st.out->close(1000, "");
    self->quit();
    return;
  }
  set_alarm(self, st.last_frame + limit - now, idle_atom::value);
}

caf::behavior client(client_actor* self, outbox_ptr out, connection_info conn, caf::actor router,
                     std::shared_ptr<const options> opts) {
  auto& st = self->state;
  st.out = std::move(out);
  st.replies.attach(st.out, [self](std::uint64_t id) {
    self->send(self->state.direct->app, settle_atom::value, id);
  });
  st.conn = std::move(conn);
  st.router = std::move(router);
  st.opts = std::move(opts);
  st.last_frame = self->clock().now();
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  self->attach_functor([out = st.out, alarm = st.opts->alarm, id = self->id(), direct = st.direct,
                        router = st.router](const caf::error&) {
    out->close(1000, "");
    if (alarm)
      caf::anon_send(alarm, forget_atom::value, id);
    direct->release(router);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    if (!s.direct->app || dm.source != s.direct->app.address())
      return;
    SY_LOG(warn, "client") << "application actor gone reason=" << caf::to_string(dm.reason)
                           << " quiet_routes_counted_done pending=" << s.replies.pending();
    s.apps_lost = true; // no direct route from now on
    s.replies.apps_gone();
  });
  if (st.conn.send_hello)
    st.send(proto::hello(st.opts->heartbeat_interval_ms, now_ms()));
  set_alarm(self, std::chrono::milliseconds(st.opts->idle_timeout_ms), idle_atom::value);
  return {
    [=](frame_atom, const std::string& bytes) {
      ++metrics::frames_in;
      on_frame(self, bytes);
      self->state.replies.credit(bytes.size());
    },
    [=](route_done_atom, std::uint64_t id, std::string& reply) {
      self->state.replies.complete(id, std::move(reply));
    },
    [=](hb_check_atom) { check_heartbeat(self); },
    [=](idle_atom) { check_idle(self); },
    [=](health_atom) {
      auto& s = self->state;
      return s.identified && !s.closing && self->clock().now() < s.deadline();
    },
    [=](kick_atom) { fatal(self, errors::heartbeat_late); },
  };
}

} // namespace

caf::actor spawn_client(caf::actor_system& sys, outbox_ptr out, connection_info conn, caf::actor router,
                        std::shared_ptr<const options> opts) {
  return sys.spawn(client, std::move(out), std::move(conn), std::move(router), std::move(opts));
}

} // namespace sy::actors
