#pragma once
// The actor of one websocket connection (see client.cpp for the flow).

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/options.hpp"
#include "actors/outbox.hpp"
#include "proto/frame.hpp"

namespace sy::actors {

/// Where a connection comes from and how it speaks.
struct connection_info {
  proto::encoding enc = proto::encoding::json;
  /// The peer address, formatted as L-9 says.
  std::string peer_ip;
  /// Whether the actor sends hello; a session that wrote it itself (so it is
  /// surely the first frame on the wire, L-1) says false.
  bool send_hello = true;
};

/// Spawns the actor for one connection; it sends hello at once (unless told not to).
caf::actor spawn_client(caf::actor_system& sys, outbox_ptr out, connection_info conn, caf::actor router,
                        std::shared_ptr<const options> opts);

} // namespace sy::actors
