#pragma once
// The outbound side of one websocket connection: frames queue up, bounded in
// bytes (L-20), and leave in batches: every frame queued meanwhile goes into
// one buffer (a slow reader gets many frames per syscall), written without
// blocking. The session writes to its socket and decides what to do when it
// is full; this holds the queue, the batch and how much of it is written.
// No Asio here: it is only bytes.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ws_frame.hpp"

namespace sy::net {

/// A frame waiting to be written: a data frame of the connection's encoding,
/// a control frame, or raw bytes (the handshake response).
struct out_frame {
  std::shared_ptr<const std::string> bytes;
  proto::ws::opcode op;
  bool raw = false;
  /// The one frame larger than the bound let through (see push).
  bool oversize = false;
};

class ws_writer {
public:
  ws_writer(proto::ws::opcode data_op, std::size_t max_bytes) : data_op_(data_op), max_bytes_(max_bytes) {}

  /// Queues a frame; false when it puts the connection over its bound (the
  /// caller then cuts it as a slow consumer, L-20). One frame larger than the
  /// bound at a time (the op 3 echo of a big frame, a big BROADCAST) does not
  /// count while it is queued or being written, so that a reader that keeps
  /// up gets it and the frames after it: the data kept for a connection is
  /// at most the bound plus that one frame.
  bool push(out_frame f);
  /// Frames queued and not yet in a batch.
  bool queued() const { return !queue_.empty(); }
  /// Bytes counted against the bound (queued plus the batch being written).
  std::size_t counted_bytes() const { return counted_; }
  /// Starts a new batch with the queued frames (about `max_batch` bytes at
  /// most, at least one frame).
  void take_batch(std::size_t max_batch);
  /// Adds a frame to the batch itself (the close frame, after the last one).
  void add_to_batch(const out_frame& f) { append(f); }
  /// Nothing to write in the batch.
  bool batch_empty() const { return batch_.empty(); }

  /// What of the batch is not written yet.
  std::string_view unwritten() const { return std::string_view(batch_).substr(written_); }
  /// `n` more bytes of the batch were written; true when that was all of it
  /// (its bytes no longer count against the bound).
  bool advance(std::size_t n);
  /// Drops what is queued (what is being written stays: its buffer is in use).
  void drop_queued();

private:
  void append(const out_frame& f);
  std::size_t counted(const out_frame& f) const;

  proto::ws::opcode data_op_;
  std::size_t max_bytes_;
  std::vector<out_frame> queue_;
  std::string batch_;
  std::size_t written_ = 0;       // of batch_
  std::size_t counted_ = 0;       // queued and in batch_
  std::size_t batch_counted_ = 0; // of those, in batch_
  std::size_t oversize_ = 0;      // of counted_, the one oversize frame's
  std::size_t batch_oversize_ = 0; // of batch_counted_, the same
};

} // namespace sy::net
