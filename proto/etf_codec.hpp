#pragma once
// Erlang External Term Format <-> query::value (E-4) with the decode limits
// of E-9. A codec of our own: no atom table, nothing is created or executed
// from client input; atoms are read as names only.
//
// Incoming (after the version byte 131): atoms `true`/`false`/`nil` are
// booleans/null and any other atom its name as a string (ATOM_EXT and
// SMALL_ATOM_EXT are Latin-1, converted to UTF-8); binaries are strings
// (valid UTF-8 only); SMALL_INTEGER_EXT, INTEGER_EXT and bignums within int64
// are integers; NEW_FLOAT_EXT is a float; STRING_EXT is an array of
// integers, NIL_EXT an empty array, LIST_EXT a proper list (its tail must be
// NIL_EXT); MAP_EXT is an object whose keys are atoms or binaries.
// Decisions: a bignum outside int64 becomes a float (as a JSON integer token
// past int64 does) and one too large even for a double is a decode error;
// FLOAT_EXT (the pre-R11 text form) and NaN/infinite floats are decode errors.
// Tuples, pids, ports, references, funs, bit binaries, compressed terms
// (tag 80), distribution headers and every other tag are decode errors.
//
// Outgoing: the envelope is a MAP_EXT with atom keys d, op, t, ts; in `d` of
// a SEND, BROADCAST, QUEUE, CLIENT_CONNECTED or CLIENT_DISCONNECTED dispatch
// the top-level keys nonce/payload/target are atoms; every other key is a
// binary; strings are BINARY_EXT; null/true/false are atoms; integers are
// SMALL_INTEGER_EXT (0..255), INTEGER_EXT (int32) or SMALL_BIG_EXT; floats
// NEW_FLOAT_EXT; arrays proper lists (empty = NIL_EXT); objects MAP_EXT.
// Atoms are SMALL_ATOM_UTF8_EXT (ATOM_UTF8_EXT past 255 bytes). Nothing is
// compressed.

#include <string>
#include <string_view>

#include "proto/frame.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// Decodes exactly one ETF term (version byte included) filling all of
/// `bytes`. On failure returns false and sets `error` to a non-empty
/// description.
bool parse_etf(std::string_view bytes, query::value& out, std::string& error);

/// The ETF encoding of `v` with the version byte (every map key a binary).
std::string to_etf(const query::value& v);

/// Whether a dispatch of this event gets atom keys nonce/payload/target in
/// its `d` (E-4).
bool etf_atom_delivery_keys(std::string_view t);

/// A server frame as ETF with the key kinds of E-4.
std::string encode_etf_frame(const server_frame& f);

} // namespace sy::proto
