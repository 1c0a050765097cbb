#pragma once
// Inbound backpressure of one connection (ARCHITECTURE "backpressure both
// ways"): frames (and their bytes) handed to the client actor, and those it
// has handled. The session stops reading while too many frames or too many
// bytes are unhandled (CAF mailboxes are unbounded) and reads again once
// both are down to half: one wake-up per half window, not one per handled
// frame.
//
// The window is wide (hundreds of small frames): under load the frames a
// sender has in flight wait in the server's queues rather than in its socket,
// so more frames for one receiver leave in one write. The byte bound keeps
// a connection's share of memory small whatever its frame sizes.

#include <atomic>
#include <cstdint>

namespace sy::net {

/// The bounds of one connection's unhandled frames.
struct credit_window {
  std::int64_t frames;
  std::int64_t bytes;
};

class read_credit {
public:
  explicit read_credit(credit_window max) : max_(max) {}

  /// Session thread: a frame of `bytes` bytes went to the actor.
  void sent(std::size_t bytes) {
    sent_bytes_.fetch_add(bytes);
    sent_.fetch_add(1);
  }
  /// Frames not yet handled.
  std::int64_t inflight() const { return diff(sent_, acked_); }
  /// Bytes of the frames not yet handled.
  std::int64_t inflight_bytes() const { return diff(sent_bytes_, acked_bytes_); }
  /// Whether another frame must wait (the window is full).
  bool full() const { return inflight() >= max_.frames || inflight_bytes() >= max_.bytes; }
  /// Whether reading is paused.
  bool paused() const { return paused_.load(); }
  /// Session thread, with the window full: pauses, true; or false when acks
  /// meanwhile brought the backlog down to half (and no ack() claimed the
  /// resume). After true, exactly one ack() returns true.
  bool pause() {
    paused_.store(true);
    if (!drained())
      return true;
    // Acks that came before the flag are seen here (seq_cst): resume
    // ourselves, unless an ack() took the flag (its resume comes).
    return !paused_.exchange(false);
  }
  /// Any thread: `frames` frames of `bytes` bytes in all were handled; true
  /// when this ack must resume reading.
  bool ack(std::size_t frames, std::size_t bytes) {
    acked_bytes_.fetch_add(bytes);
    acked_.fetch_add(frames);
    return paused_.load() && drained() && paused_.exchange(false);
  }
  /// The reader is gone: no resume is wanted any more.
  void cancel() { paused_.store(false); }

private:
  static std::int64_t diff(const std::atomic<std::uint64_t>& a, const std::atomic<std::uint64_t>& b) {
    auto d = static_cast<std::int64_t>(a.load() - b.load());
    return d < 0 ? 0 : d; // an ack may be counted before its frame's send
  }
  bool drained() const { return inflight() <= max_.frames / 2 && inflight_bytes() <= max_.bytes / 2; }

  credit_window max_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<std::uint64_t> sent_bytes_{0};
  std::atomic<std::uint64_t> acked_bytes_{0};
  std::atomic<bool> paused_{false};
};

} // namespace sy::net
