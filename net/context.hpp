#pragma once
// What every network component of a node shares: the io_context, the actor
// system and router, the settings, and the set of live websocket sessions
// (for graceful shutdown). No Beast/Asio headers here on purpose.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/options.hpp"
#include "net/wake_list.hpp"
#include "proto/frame.hpp"

namespace boost::asio {
class io_context;
}

namespace sy::net {

/// Network settings (CFG-1, CFG-5, CFG-10, CFG-20, CFG-21).
struct settings {
  std::uint16_t port = 4567;
  /// Listen address; empty = all interfaces, IPv4 and IPv6.
  std::string bind;
  std::size_t max_frame_bytes = 16777216;
  std::size_t max_outbound_bytes = 8388608;
  std::size_t http_max_body_bytes = 16777216;
  std::int64_t proxy_timeout_ms = 30000;
  int io_threads = 2;
  /// How long an idle I/O thread polls before it sleeps (CFG: SINGYEONG_IO_SPIN_US).
  std::chrono::microseconds io_spin{50};
};

/// Live connections (websocket and HTTP), each with a function that says
/// goodbye to it (op 7 and close, or a plain close).
class session_registry {
public:
  /// Adds a session; returns its id.
  std::uint64_t add(std::function<void()> goodbye);
  /// Removes a session (from its destructor).
  void remove(std::uint64_t id);
  /// Calls every session's goodbye.
  void goodbye_all();
  /// Number of live sessions.
  std::size_t size();

private:
  std::mutex mutex_;
  std::uint64_t next_ = 1;
  std::unordered_map<std::uint64_t, std::function<void()>> sessions_;
};

/// Shared by the listener and every session of one node.
struct context {
  context(boost::asio::io_context& i, caf::actor_system& s, caf::actor r, std::shared_ptr<const actors::options> o,
          settings n)
    : ioc(i), sys(s), router(std::move(r)), opts(std::move(o)), net(std::move(n)), wakes(i) {}
  boost::asio::io_context& ioc;
  caf::actor_system& sys;
  caf::actor router;
  std::shared_ptr<const actors::options> opts;
  settings net;
  std::atomic<bool> shutting_down{false};
  session_registry sessions;
  /// Websocket sessions with frames to write (delivered from actor threads).
  wake_list wakes;
};

/// Starts accepting on the configured address; false (with `error` set) if
/// the port cannot be bound.
bool start_listener(context& ctx, std::string& error);

/// Stops accepting new connections.
void stop_listener(context& ctx);

/// True once the listener (and its acceptor) no longer exists.
bool listener_gone();

/// Takes over an upgraded connection: `fd` is the socket, `accept` the 101
/// response to write first, `early` bytes the client sent after its request.
void start_ws_session(context& ctx, int fd, bool v6, std::string accept, std::string early, proto::encoding enc,
                      std::string peer_ip);

} // namespace sy::net
