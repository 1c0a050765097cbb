#include "actors/delivery.hpp"

#include <chrono>

#include "actors/metrics.hpp"
#include "proto/dispatch.hpp"
#include "proto/json.hpp"
#include "proto/errors.hpp"

namespace sy::actors {

shared_frame::shared_frame(proto::server_frame f)
  : make_([f = std::move(f)](proto::encoding enc) { return proto::encode_frame(enc, f); }) {}

std::shared_ptr<const std::string> shared_frame::bytes(proto::encoding enc) {
  auto& slot = cache_[static_cast<std::size_t>(enc)];
  if (!slot)
    slot = std::make_shared<const std::string>(make_(enc));
  return slot;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void send_frame(const outbox_ptr& out, proto::encoding enc, const proto::server_frame& f) {
  if (out)
    out->send(std::make_shared<const std::string>(proto::encode_frame(enc, f)));
}

std::string reply_empty(const route_request& req) {
  if (req.kind == route_kind::query_nodes)
    return reply_nodes(req, {});
  if (req.q.droppable)
    return {};
  return req.forwarded ? std::string(forwarded_miss) : reply_no_route(req);
}

std::string reply_no_route(const route_request& req) {
  ++metrics::no_route;
  metrics::count_error(proto::errors::no_route);
  auto body = proto::with_payload(req.frame, req.raw_payload);
  if (req.kept_target)
    proto::put_target(body, *req.kept_target);
  else if (!req.kept_target_text.empty())
    proto::put_target(body, proto::kept_value(req.kept_target_text));
  auto echo = proto::echo_of(body);
  return proto::encode_frame(req.reply_enc, proto::invalid(proto::errors::no_route, std::move(echo), now_ms()));
}

std::string reply_nodes(const route_request& req, query::array nodes) {
  if (req.on_nodes) {
    req.on_nodes(std::move(nodes));
    return {};
  }
  query::value d{query::object{{"nodes", query::value{std::move(nodes)}}}};
  return proto::encode_frame(req.reply_enc, proto::dispatch("QUERY_NODES", std::move(d), now_ms()));
}

} // namespace sy::actors
