#pragma once
// The vocabulary of cluster/: every atom it sends or accepts. Only built-in
// types travel with them (strings, ints, bools, caf::actor), so nothing here
// needs add_message_type on either node. Atom texts are at most 10 characters
// and start with "cl_" so that they never match a pattern of the router's.

#include <caf/atom.hpp>

namespace sy::cluster {

// -- towards the peer listener (the router) -----------------------------------
/// (peer_up, std::string node_id, caf::actor endpoint): `node_id` proved the
/// cookie (K-4); `endpoint` is its published actor. Whatever the listener sends
/// to `endpoint` is delegated, with sender and request id intact, to that
/// node's listener. May repeat for the same id with a new handle: replace.
using peer_up_atom = caf::atom_constant<caf::atom("cl_peer_up")>;
/// (peer_down, std::string node_id): the link to a peer broke or it stopped.
using peer_down_atom = caf::atom_constant<caf::atom("cl_peer_dn")>;

// -- membership -> peer manager (local only) ----------------------------------
/// (members, std::vector<std::string> records): the live records of the
/// cluster (`<node id> <host> <cluster port> <version>`), ours included.
using members_atom = caf::atom_constant<caf::atom("cl_members")>;
/// (stop) -> ok: delete our record and quit.
using stop_atom = caf::atom_constant<caf::atom("cl_stop")>;
/// (tick): the membership loop's timer.
using tick_atom = caf::atom_constant<caf::atom("cl_tick")>;

// -- peer manager internals ---------------------------------------------------
/// (start, uint16_t port): the endpoint is published on `port`; begin.
using start_atom = caf::atom_constant<caf::atom("cl_start")>;
/// (retry): the peer manager's dial timer.
using retry_atom = caf::atom_constant<caf::atom("cl_retry")>;
/// (cl_drain) to itself, while stopping: quit once no dial is in flight.
using drain_atom = caf::atom_constant<caf::atom("cl_drain")>;

// -- cookie handshake between nodes (K-4) -------------------------------------
/// (hello, std::string dialer_id, std::string challenge)
///   -> (std::string responder_id, std::string challenge, std::string proof)
using hello_atom = caf::atom_constant<caf::atom("cl_hello")>;
/// (auth, std::string dialer_id, std::string proof) -> bool accepted
using auth_atom = caf::atom_constant<caf::atom("cl_auth")>;
/// (confirm, std::string dialer_id): the dialer took the accept; the
/// responder announces the peer only now (both sides know each other).
using confirm_atom = caf::atom_constant<caf::atom("cl_confirm")>;

} // namespace sy::cluster
