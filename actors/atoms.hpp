#pragma once
// The message vocabulary between actors: every atom and every local-only
// message type, in one place. Atom texts are at most 10 characters.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/outbox.hpp"
#include "proto/frame.hpp"
#include "query/metadata.hpp"
#include "query/query.hpp"
#include "query/select.hpp"

namespace sy::actors {

// -- connection ---------------------------------------------------------------
/// (frame, bytes): one websocket message from the session.
using frame_atom = caf::atom_constant<caf::atom("frame")>;
/// (hb_check, generation): heartbeat deadline timer (L-14).
using hb_check_atom = caf::atom_constant<caf::atom("hb_check")>;
/// (idle, generation): unidentified idle timer (L-3).
using idle_atom = caf::atom_constant<caf::atom("idle")>;
/// (health) -> bool: is this client healthy (L-6)?
using health_atom = caf::atom_constant<caf::atom("health")>;
/// (kick): terminate as stale (L-6).
using kick_atom = caf::atom_constant<caf::atom("kick")>;
/// (alarm, timespan, atom): to the alarm actor: send me this atom after
/// this long, instead of the alarm set before (actors/alarm).
using alarm_atom = caf::atom_constant<caf::atom("alarm")>;
/// (forget, actor id): to the alarm actor: that client has ended.
using forget_atom = caf::atom_constant<caf::atom("forget")>;
/// (tick): the alarm actor's own wake-up.
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// -- registry -----------------------------------------------------------------
/// (register, member, dry_run) -> (error text or "", app actor).
using register_atom = caf::atom_constant<caf::atom("register")>;
/// (add, member): a client joins its application.
using add_atom = caf::atom_constant<caf::atom("add")>;
/// (remove, client id): a client leaves its application.
using remove_atom = caf::atom_constant<caf::atom("remove")>;
/// (retire, app id): to the router: a client no longer routes to this app
/// directly and was the last to (actors/app_directory).
using retire_atom = caf::atom_constant<caf::atom("retire")>;
/// (update_md, client id, entries) -> ok: merge metadata (M-5).
using update_md_atom = caf::atom_constant<caf::atom("update_md")>;
/// (set_md, client id, entries): merge without a reply (heartbeat time).
using set_md_atom = caf::atom_constant<caf::atom("set_md")>;
/// (count) -> size: number of registered clients (diagnostics, tests).
using count_atom = caf::atom_constant<caf::atom("count")>;

// -- routing ------------------------------------------------------------------
/// (route, route_request) -> encoded reply or "": client -> router -> app;
/// route and deliver. The reply (no_route, QUERY_NODES result) comes back to
/// the client, which writes it in frame order (L-16).
using route_atom = caf::atom_constant<caf::atom("route")>;
/// (route, route_request, route id, answer) client -> app directly
/// (app_directory): no router hop, and no per-request response handler in
/// the client. The app answers with (route_done, route id, reply) as a plain
/// message only when there is a reply (no_route, QUERY_NODES result) or
/// `answer` is set; a route_done also says that every earlier direct route
/// of that client to that app is done (one sender's messages arrive in order).
using route_done_atom = caf::atom_constant<caf::atom("route_done")>;
/// (settle, route id) client -> app: answer (route_done, route id, "") once
/// the routes sent before are done (a reply of the client waits behind them).
using settle_atom = caf::atom_constant<caf::atom("settle")>;
/// (gather, route_request) -> candidate_list: one app's share of a query.
using gather_atom = caf::atom_constant<caf::atom("gather")>;
/// (deliver, route_request, client ids): push the message to those members.
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

/// (discover, tags) -> application ids matching them (T-3), sorted.
using discover_atom = caf::atom_constant<caf::atom("discover")>;

// -- cluster (K-*) --------------------------------------------------------------
// The first two are sent by cluster/ (same atom texts as cluster/messages.hpp);
// the p_* ones go from router to router through a peer's endpoint and carry
// only strings (proto/peer_wire JSON) and ids.
/// (peer_up, node id, endpoint): a peer proved the cookie.
using peer_up_atom = caf::atom_constant<caf::atom("cl_peer_up")>;
/// (peer_down, node id): its link broke.
using peer_down_atom = caf::atom_constant<caf::atom("cl_peer_dn")>;
/// (p_gathers, [peer_query json]) -> [peer_answer json], in the same order:
/// the questions of one router turn in one network message.
using p_gathers_atom = caf::atom_constant<caf::atom("p_gathers")>;
/// (p_deliver, [peer_delivery json]): the deliveries of one router turn.
using p_deliver_atom = caf::atom_constant<caf::atom("p_deliver")>;
/// (p_routes, [peer_delivery json with a query]) -> flags, one per route in
/// order: '1' when it reached a client (or was droppable), '0' when none
/// matched. Routes forwarded to the one peer that may have the application.
using p_routes_atom = caf::atom_constant<caf::atom("p_routes")>;
/// (p_forwards): the sending node answers p_routes. Sent with every p_apps;
/// a build without forwarding ignores it and is never forwarded to.
using p_forwards_atom = caf::atom_constant<caf::atom("p_forwards")>;
/// (flush): sent by the router to itself; what it queued for peers leaves.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
/// (p_holds, app id, client id) -> bool: a healthy holder here (K-7)?
using p_holds_atom = caf::atom_constant<caf::atom("p_holds")>;
/// (p_event, event, app id, client id): CLIENT_* from a peer (K-8).
using p_event_atom = caf::atom_constant<caf::atom("p_event")>;
/// (p_apps, [app id]): the applications the sending node has clients of
/// (router_state::peer_apps); (p_apps_want): send me yours.
using p_apps_atom = caf::atom_constant<caf::atom("p_apps")>;
using p_apps_want_atom = caf::atom_constant<caf::atom("p_apps_wnt")>;
/// (p_app_gone, app id): the sending node's last client of it left.
using p_app_gone_atom = caf::atom_constant<caf::atom("p_app_gone")>;
/// (peer_tmo, ms): the fan-out's per-peer timeout.
using peer_timeout_atom = caf::atom_constant<caf::atom("peer_tmo")>;

/// What a routing dispatch asks for.
enum class route_kind : std::uint8_t { send, broadcast, query_nodes, proxy };

/// One SEND, BROADCAST or QUERY_NODES on its way through router and apps.
struct route_request {
  route_kind kind = route_kind::send;
  query::query q;
  /// The decoded SEND/BROADCAST frame as received (payload, nonce, and
  /// D-5's extra_info are read from it when needed, never copied); a kept
  /// payload (raw_payload) or target (kept_target) has a null in its place.
  query::value frame;
  /// The query as the client sent it, when it is not d.target of `frame`
  /// (QUERY_NODES, HTTP); read it with target().
  query::value raw_query;
  /// d.target when `frame` holds a null in its place: a target the client
  /// repeated, shared with its cache (actors/client). Read it with target().
  std::shared_ptr<const query::value> kept_target;
  /// d.target's exact text when `frame` holds a null in its place and
  /// there is no kept_target: a target that differed from the client's
  /// kept one in an integer (actors/target_memory). Only on routes straight
  /// to an app, never to peers (target() does not read it); D-5's echo
  /// decodes it.
  std::string kept_target_text;
  /// The query as the client sent it (what peers get, K-5).
  const query::value& target() const {
    if (!raw_query.is_null())
      return raw_query;
    if (kept_target)
      return *kept_target;
    static const query::value none;
    const query::value* d = frame.find("d");
    const query::value* t = d ? d->find("target") : nullptr;
    return t ? *t : none;
  }
  /// d.payload's exact JSON text when the client's JSON frame was decoded
  /// without building it (proto::parse_json_frame); `frame` then holds a null
  /// in its place. Empty when the payload is in `frame`.
  std::string raw_payload;
  /// d.payload of the frame as a tree (null when absent, or when it is only
  /// in `raw_payload`).
  const query::value& payload() const {
    static const query::value none;
    const query::value* d = frame.find("d");
    const query::value* p = d ? d->find("payload") : nullptr;
    return p ? *p : none;
  }
  /// d.nonce of the frame (null when absent).
  const query::value& nonce() const {
    static const query::value none;
    const query::value* d = frame.find("d");
    const query::value* n = d ? d->find("nonce") : nullptr;
    return n ? *n : none;
  }
  /// The encoding of the requester's reply.
  proto::encoding reply_enc = proto::encoding::json;
  /// The sending client's outbox (identity only), when a client sent it: a
  /// delivery to the sender itself goes back as the route's reply, so
  /// it leaves after the replies to the sender's earlier frames (L-16).
  const void* sender_out = nullptr;
  /// A route a peer forwarded (K-5): when no client matches, the reply is
  /// forwarded_miss instead of an error frame, which the asking node writes.
  bool forwarded = false;
  /// When set, QUERY_NODES results go here instead (HTTP query, H-4).
  std::function<void(query::array)> on_nodes;
  /// Proxy (P-3): gets the chosen client's socket_ip, or "" for no match.
  std::function<void(std::string)> on_target;
};

/// One app's answer to a gather: steps 1–4 (and steps 1–3 for `optional`).
struct candidate_list {
  std::vector<query::candidate> filtered;
  std::vector<query::candidate> eligible;
  /// H-13 objects by client id (QUERY_NODES only), for both lists.
  std::vector<std::pair<std::string, query::value>> objects;
};

/// Metadata entries to merge, in update order.
struct md_entries {
  std::vector<std::pair<std::string, query::entry>> items;
};

/// What the router and the app actor know about a registered client.
struct member_info {
  std::string app_id;
  std::string client_id;
  bool restricted = false;
  /// Proxy address (L-9 step 2); empty when restricted.
  std::string socket_ip;
  std::vector<std::string> tags;
  bool receive_client_updates = false;
  query::metadata metadata;
  outbox_ptr out;
  proto::encoding enc = proto::encoding::json;
};

} // namespace sy::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::md_entries)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::member_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::route_request)
/// The router shares its request with the app actors it gathers from (no copy of the frame).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const sy::actors::route_request>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::candidate_list)
