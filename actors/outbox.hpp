#pragma once
// The port through which actors talk to a connection. net/ implements it for
// websocket sessions; tests implement it with a recorder. Every method may be
// called from any thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sy::actors {

/// A connection as seen by the actors.
class outbox {
public:
  virtual ~outbox() = default;
  /// Queues one encoded frame for writing (in the connection's encoding).
  virtual void send(std::shared_ptr<const std::string> frame) = 0;
  /// Writes what is queued, then closes with this websocket close code.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  /// Inbound frames have been processed: `frames` of them, `bytes` bytes in
  /// all (read credit, inbound backpressure).
  virtual void ack(std::size_t frames, std::size_t bytes) = 0;
  /// True once the peer has closed (nothing sent now can reach it).
  virtual bool closed() const { return false; }
};

using outbox_ptr = std::shared_ptr<outbox>;

} // namespace sy::actors
