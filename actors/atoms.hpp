#pragma once
// The message vocabulary between actors: every atom and every local-only
// message type, in one place. Atom texts are at most 10 characters.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/outbox.hpp"
#include "query/metadata.hpp"

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

// -- registry -----------------------------------------------------------------
/// (register, member, dry_run) -> (error text or "", app actor).
using register_atom = caf::atom_constant<caf::atom("register")>;
/// (add, member): a client joins its application.
using add_atom = caf::atom_constant<caf::atom("add")>;
/// (remove, client id): a client leaves its application.
using remove_atom = caf::atom_constant<caf::atom("remove")>;
/// (update_md, client id, entries) -> ok: merge metadata (M-5).
using update_md_atom = caf::atom_constant<caf::atom("update_md")>;
/// (set_md, client id, entries): merge without a reply (heartbeat time).
using set_md_atom = caf::atom_constant<caf::atom("set_md")>;
/// (count) -> size: number of registered clients (diagnostics, tests).
using count_atom = caf::atom_constant<caf::atom("count")>;

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
};

} // namespace sy::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::md_entries)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::member_info)
