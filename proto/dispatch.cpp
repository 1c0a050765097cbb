#include "proto/dispatch.hpp"

#include "proto/json.hpp"

namespace sy::proto {

using query::value;

std::optional<send_body> parse_send(const value* d, const value* kept_target) {
  if (!d || !d->is_object())
    return std::nullopt;
  const value* target = kept_target ? kept_target : d->find("target");
  const value* payload = d->find("payload");
  const value* nonce = d->find("nonce");
  if (!target || target->is_null() || !payload)
    return std::nullopt;
  if (nonce && !nonce->is_null() && !nonce->is_string())
    return std::nullopt;
  return send_body{target, payload, nonce};
}

value echo_of(const value& body) {
  auto field = [&](std::string_view k) {
    const value* v = body.find(k);
    return v ? *v : value{};
  };
  return value{query::object{{"op", field("op")}, {"t", field("t")}, {"d", field("d")}, {"ts", field("ts")}}};
}

std::string encode_delivery(encoding enc, std::string_view t, const value& nonce, const value& payload,
                            std::int64_t ts, std::string_view raw_payload) {
  if (enc != encoding::json) {
    if (raw_payload.empty())
      return encode_frame(enc, dispatch(std::string(t), delivery(nonce, payload), ts));
    return encode_frame(enc, dispatch(std::string(t), delivery(nonce, kept_value(raw_payload)), ts));
  }
  std::string s;
  s.reserve(96 + raw_payload.size());
  s += R"({"d":{"nonce":)";
  append_json(s, nonce);
  s += R"(,"payload":)";
  if (raw_payload.empty())
    append_json(s, payload);
  else
    s += raw_payload;
  s += R"(,"target":null},"op":4,"t":")";
  s += t; // one of our own event names: no escaping needed
  s += R"(","ts":)";
  s += std::to_string(ts);
  s += '}';
  return s;
}

value query_nodes_target(const value* d) {
  if (!d)
    return value{};
  if (const value* t = d->find("target"); t && t->is_object())
    return *t;
  return *d;
}

value delivery(value nonce, value payload) {
  return value{query::object{{"nonce", std::move(nonce)}, {"payload", std::move(payload)}, {"target", value{}}}};
}

value client_object(const std::string& app_id, const std::string& client_id, const query::metadata& md,
                    const std::string& socket_ip, const std::vector<std::string>& queues,
                    const std::vector<std::string>& tags) {
  query::object values, types;
  for (const auto& [k, e] : md) {
    values.push_back(query::member{k, e.val});
    types.push_back(query::member{k, value{query::to_string(e.type)}});
  }
  query::array q(queues.begin(), queues.end());
  query::array t(tags.begin(), tags.end());
  return value{query::object{
    {"app_id", value{app_id}},
    {"client_id", value{client_id}},
    {"metadata", value{std::move(values)}},
    {"metadata_types", value{std::move(types)}},
    {"socket_ip", socket_ip.empty() ? value{} : value{socket_ip}},
    {"queues", value{std::move(q)}},
    {"tags", value{std::move(t)}},
  }};
}

} // namespace sy::proto
