#include "proto/frame.hpp"

#include "proto/dispatch.hpp"
#include "proto/errors.hpp"
#include "proto/etf_codec.hpp"
#include "proto/json.hpp"
#include "proto/msgpack_codec.hpp"

namespace sy::proto {

using query::value;

std::optional<encoding> parse_encoding(std::string_view name) {
  if (name == "json")
    return encoding::json;
  if (name == "msgpack")
    return encoding::msgpack;
  if (name == "etf")
    return encoding::etf;
  return std::nullopt;
}

std::string_view to_string(encoding e) {
  switch (e) {
    case encoding::json: return "json";
    case encoding::msgpack: return "msgpack";
    case encoding::etf: return "etf";
  }
  return "json";
}

bool is_binary(encoding e) { return e != encoding::json; }

bool is_supported(encoding e) {
  switch (e) {
    case encoding::json:
    case encoding::msgpack:
    case encoding::etf: return true;
  }
  return false;
}

const std::string* client_frame::t() const {
  const value* t = body.find("t");
  return t && t->is_string() ? &t->as_string() : nullptr;
}

namespace {

/// Sets member `key` of the first `d` object (where the decoder kept it from).
void put_in_d(value& body, std::string_view key, value v) {
  if (!body.is_object())
    return;
  for (auto& m : body.as_object())
    if (m.key == "d" && m.val.is_object()) {
      for (auto& dm : m.val.as_object())
        if (dm.key == key) {
          dm.val = std::move(v);
          return;
        }
      return;
    }
}

void put_payload(value& body, std::string_view raw) { put_in_d(body, "payload", kept_value(raw)); }

} // namespace

void client_frame::materialize() {
  if (target_kept) {
    put_in_d(body, "target", kept_value(raw_target));
    target_kept = false;
  }
  if (raw_payload.empty())
    return;
  put_payload(body, raw_payload);
  raw_payload.clear();
}

void put_target(value& body, value target) { put_in_d(body, "target", std::move(target)); }

value with_payload(const value& body, std::string_view raw) {
  value b = body;
  if (!raw.empty())
    put_payload(b, raw);
  return b;
}

value client_frame::echo() const {
  if (raw_payload.empty() && !target_kept)
    return echo_of(body);
  client_frame whole = *this;
  whole.materialize();
  return echo_of(whole.body);
}

bool decode_value(encoding enc, std::string_view bytes, value& out, std::string& error) {
  switch (enc) {
    case encoding::json: return parse_json(bytes, out, error);
    case encoding::msgpack: return parse_msgpack(bytes, out, error);
    case encoding::etf: return parse_etf(bytes, out, error);
  }
  error = "encoding not supported";
  return false;
}

decode_result decode_frame(encoding enc, std::string_view bytes, client_frame& out, known_target known) {
  decode_result r;
  out.raw_payload.clear();
  out.raw_target = {};
  out.target_kept = false;
  out.kept_int = 0;
  if (enc == encoding::json) {
    frame_texts texts;
    texts.known_target = known;
    if (!parse_json_frame(bytes, out.body, r.error, texts))
      return r;
    out.raw_payload.assign(texts.payload);
    out.raw_target = texts.target;
    out.target_kept = texts.target_kept;
    out.kept_int = texts.kept_int;
  } else if (!decode_value(enc, bytes, out.body, r.error)) {
    return r;
  }
  if (!out.body.is_object()) {
    r.error = std::string(errors::unrecoverable);
    return r;
  }
  const value* o = out.body.find("op");
  if (o && o->is_int())
    out.opcode = o->as_int();
  // Only a SEND or BROADCAST forwards d.payload without reading it; any other
  // frame (UPDATE_METADATA's own `payload` key, say) gets its whole tree.
  if (!out.raw_payload.empty() || out.target_kept) {
    const std::string* t = out.t();
    if (out.opcode != static_cast<long long>(op::dispatch) || !t || (*t != "SEND" && *t != "BROADCAST"))
      out.materialize();
  }
  r.ok = true;
  return r;
}

std::string encode_frame(encoding enc, const server_frame& f) {
  switch (enc) {
    case encoding::json: break;
    case encoding::msgpack: return encode_msgpack_frame(f);
    case encoding::etf: return encode_etf_frame(f);
  }
  std::string s;
  s.reserve(64);
  s += "{\"d\":";
  append_json(s, f.d);
  s += ",\"op\":";
  s += std::to_string(static_cast<std::int64_t>(f.code));
  s += ",\"t\":";
  if (f.t)
    append_json(s, value{*f.t});
  else
    s += "null";
  s += ",\"ts\":";
  s += std::to_string(f.ts);
  s += '}';
  return s;
}

server_frame hello(std::int64_t interval, std::int64_t ts) {
  return {op::hello, value{query::object{{"heartbeat_interval", value{interval}}}}, std::nullopt, ts};
}

server_frame ready(std::string client_id, bool restricted, std::int64_t ts) {
  return {op::ready, value{query::object{{"client_id", value{std::move(client_id)}}, {"restricted", value{restricted}}}},
          std::nullopt, ts};
}

server_frame heartbeat_ack(std::string client_id, std::int64_t ts) {
  return {op::heartbeat_ack, value{query::object{{"client_id", value{std::move(client_id)}}}}, std::nullopt, ts};
}

static value error_body(std::string_view error, value extra) {
  return value{query::object{{"error", value{error}}, {"extra_info", std::move(extra)}}};
}

server_frame invalid(std::string_view error, value extra, std::int64_t ts) {
  return {op::invalid, error_body(error, std::move(extra)), std::nullopt, ts};
}

server_frame fatal(std::string_view error, value extra, std::int64_t ts) {
  return {op::error, error_body(error, std::move(extra)), std::nullopt, ts};
}

server_frame goodbye(std::string_view reason, std::int64_t ts) {
  return {op::goodbye, value{query::object{{"reason", value{reason}}}}, std::nullopt, ts};
}

server_frame dispatch(std::string t, value d, std::int64_t ts) {
  return {op::dispatch, std::move(d), std::move(t), ts};
}

} // namespace sy::proto
