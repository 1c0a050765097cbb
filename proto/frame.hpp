#pragma once
// The frame envelope (G-*): decoding client frames in a connection's
// encoding, and building/encoding server frames.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/json_fast.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// Opcodes of section 2.
enum class op : std::int64_t {
  hello = 0, identify = 1, ready = 2, invalid = 3, dispatch = 4,
  heartbeat = 5, heartbeat_ack = 6, goodbye = 7, error = 8,
};

/// Wire encodings (E-1).
enum class encoding : std::uint8_t { json, msgpack, etf };

/// Parses the `encoding` query parameter value; nullopt for unknown names.
std::optional<encoding> parse_encoding(std::string_view name);
/// The wire name of an encoding.
std::string_view to_string(encoding e);
/// Whether frames of this encoding go out as binary websocket frames.
bool is_binary(encoding e);
/// Whether this build can speak the encoding (others are refused with 403).
bool is_supported(encoding e);

/// A decoded client frame. `body` is the whole decoded map.
struct client_frame {
  query::value body;
  /// The exact JSON text of d.payload when the decoder kept it as text (a
  /// JSON SEND or BROADCAST, see parse_json_frame); `body` then holds a null
  /// in its place. Empty when the payload is in `body` (or absent).
  std::string raw_payload;
  /// The exact JSON text of d.target when the fast JSON decoder read the
  /// frame (any frame type; a view into the decoded bytes: valid while they
  /// live), else empty. Equal texts are equal targets (actors/client reuses
  /// the parsed query of a SEND/BROADCAST); different texts may still be
  /// equal targets.
  std::string_view raw_target;
  /// d.target was the `known_target` given to decode_frame, so `body` holds
  /// a null in its place (the caller has that target's tree).
  bool target_kept = false;
  /// With target_kept, when the known target had an integer hole: the
  /// integer this frame had there.
  std::int64_t kept_int = 0;
  /// Puts what was kept as text (payload, target) into `body`, for code
  /// that reads the tree.
  void materialize();
  /// `op` when present and an integer.
  std::optional<long long> opcode;
  /// `d`, or nullptr when absent.
  const query::value* d() const { return body.find("d"); }
  /// `t` when it is a string.
  const std::string* t() const;
  /// The frame as "the received frame" of X-2: {op, t, d, ts}, absent -> null.
  query::value echo() const;
};

/// Outcome of decoding bytes into a client frame.
struct decode_result {
  bool ok = false;
  /// Fatal error text (X-3 decoder message, or G-5's unrecoverable).
  std::string error;
};

/// Decodes one websocket message in the given encoding (E-9 limits apply).
/// `known`: empty, or the raw_target of an earlier frame of this decoder,
/// optionally with an integer hole (proto/json_fast); a d.target with that
/// text (any integer in its hole) is not built again (target_kept, kept_int).
decode_result decode_frame(encoding enc, std::string_view bytes, client_frame& out, known_target known = {});

/// A server frame before encoding: {d, op, t, ts} (G-2).
struct server_frame {
  op code;
  query::value d;
  std::optional<std::string> t;
  std::int64_t ts = 0;
};

/// Encodes a server frame in the given encoding (G-3 key order for JSON).
std::string encode_frame(encoding enc, const server_frame& f);

/// `body` with d.payload set to the value of the JSON text `raw` (the text
/// was validated when the frame was decoded); `body` itself when `raw` is empty.
query::value with_payload(const query::value& body, std::string_view raw);
/// Sets d.target of a decoded frame's `body` (where a kept one stood).
void put_target(query::value& body, query::value target);

/// Decodes a JSON-or-other value (used for payload-only decoding in tests).
bool decode_value(encoding enc, std::string_view bytes, query::value& out, std::string& error);

// -- frame builders -------------------------------------------------------------

server_frame hello(std::int64_t heartbeat_interval, std::int64_t ts);
server_frame ready(std::string client_id, bool restricted, std::int64_t ts);
server_frame heartbeat_ack(std::string client_id, std::int64_t ts);
/// op 3 (connection stays open).
server_frame invalid(std::string_view error, query::value extra, std::int64_t ts);
/// op 8 (connection closes).
server_frame fatal(std::string_view error, query::value extra, std::int64_t ts);
server_frame goodbye(std::string_view reason, std::int64_t ts);
server_frame dispatch(std::string t, query::value d, std::int64_t ts);

} // namespace sy::proto
