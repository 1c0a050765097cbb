#pragma once
// Inbound backpressure of one connection (ARCHITECTURE "backpressure both
// ways"): frames handed to the client actor and frames it has handled. The
// session stops reading while too many are unhandled (CAF mailboxes are
// unbounded) and reads again once half of them are: one wake-up per half
// window, not one per handled frame.

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace sy::net {

class read_credit {
public:
  /// Session thread: a frame went to the actor.
  void sent() { sent_.fetch_add(1); }
  /// Frames not yet handled (more acks than frames count as none).
  std::int64_t inflight() const {
    return std::max<std::int64_t>(0, static_cast<std::int64_t>(sent_.load() - acked_.load()));
  }
  /// Whether reading is paused.
  bool paused() const { return paused_.load(); }
  /// Session thread, with `max` frames unhandled: pauses, true; or false
  /// when acks meanwhile brought the backlog down to `resume_at` (and no
  /// ack() claimed the resume). After true, exactly one ack() returns true.
  bool pause(std::int64_t resume_at) {
    paused_.store(true);
    if (inflight() > resume_at)
      return true;
    // Acks that came before the flag are seen here (seq_cst): resume
    // ourselves, unless an ack() took the flag (its resume comes).
    return !paused_.exchange(false);
  }
  /// Any thread: a frame was handled; true when this ack must resume reading.
  bool ack(std::int64_t resume_at) {
    auto acked = acked_.fetch_add(1) + 1;
    return paused_.load() && static_cast<std::int64_t>(sent_.load() - acked) <= resume_at && paused_.exchange(false);
  }
  /// The reader is gone: no resume is wanted any more.
  void cancel() { paused_.store(false); }

private:
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<bool> paused_{false};
};

} // namespace sy::net
