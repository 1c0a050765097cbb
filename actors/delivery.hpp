#pragma once
// Encoding outbound routing frames once per encoding and pushing them to
// outboxes (D-3, D-5, D-6, C-2/C-3).

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "actors/atoms.hpp"
#include "proto/frame.hpp"

namespace sy::actors {

/// One server frame, encoded lazily at most once per encoding and shared by
/// every receiver of that encoding.
class shared_frame {
public:
  /// `make` encodes the frame in one encoding.
  explicit shared_frame(std::function<std::string(proto::encoding)> make) : make_(std::move(make)) {}
  /// A frame built as a value.
  explicit shared_frame(proto::server_frame f);
  /// The bytes for this encoding.
  std::shared_ptr<const std::string> bytes(proto::encoding enc);

private:
  std::function<std::string(proto::encoding)> make_;
  std::array<std::shared_ptr<const std::string>, 3> cache_;
};

/// Milliseconds since the epoch (G-2 `ts`).
std::int64_t now_ms();

/// Sends one frame to one outbox in its encoding.
void send_frame(const outbox_ptr& out, proto::encoding enc, const proto::server_frame& f);

/// A forwarded route's reply when no client matched (route_request::forwarded).
inline constexpr std::string_view forwarded_miss = "miss";

/// The reply when no client matches: D-5's no_route (nothing when the query
/// is droppable; forwarded_miss for a peer's route), or D-6's empty
/// QUERY_NODES answer. Not for proxies.
std::string reply_empty(const route_request& req);

/// D-5: op 3 `no_route` with the received frame, encoded for the sender.
std::string reply_no_route(const route_request& req);

/// D-6: the QUERY_NODES answer with these client objects (already sorted),
/// encoded for the requester; empty when it went to `on_nodes` instead.
std::string reply_nodes(const route_request& req, query::array nodes);

} // namespace sy::actors
