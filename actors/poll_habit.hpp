#pragma once
// Whether a thread that has run out of work polls for a while before it
// sleeps (the actor worker, actors/spin_sharing; the I/O threads,
// net/server), judged from its recent idle times: polling pays on a busy
// node, where the next job comes within the poll and a sleep would cost a
// wake-up, and only costs on a quiet one (issue 6, peerbench on 2 cores:
// with the I/O thread always polling 50 µs, W1 at 10,000 msg/s took 5.3
// CPU-s in 5 s, nats-server 2.8).
//
// Each idle time shorter than the poll adds 1 (up to 4), each longer one
// takes 2; the thread polls from 2 up. At 1,000 msg/s one idle time in two
// is short (a message is two events apart), so the score stays below 2; in
// a round trip (W4) nearly all are short, and one late answer does not stop
// the polling (resetting to 0 there raised W4's p99 from 109 to 281 µs).
//
// A poll that finds work late (after 2/5 of the poll) counts for nothing:
// it burnt most of a wake-up's worth of core and saved little. At 10,000
// msg/s most idle times are 20-100 µs, and counting those late finds as
// short kept both threads polling at 0.9 core where sleeping needs 0.4
// (and the poller's core was the generator's: p90 200 -> 120 µs without
// them); in a round trip (W4) nearly all finds come within 20 µs. The time
// is read after `ready`, so on the I/O thread it includes the handlers the
// poll ran: reading it before (the idle time alone) brought W1 at 10,000
// msg/s back to 0.85-0.88 core (2026-12-07). On a node at full load the
// finds then count for nothing, but misses are rare there and a short
// sleep still counts, so the threads keep polling (W1-W3 at their maximum
// unchanged).

#include <algorithm>
#include <chrono>
#include <thread>

namespace sy::actors {

class poll_habit {
public:
  /// Whether to poll at the next idle time.
  bool polls() const { return score_ >= 2; }
  /// An idle time ended; `short_one`: it was shorter than the poll.
  void idled(bool short_one) { score_ = short_one ? std::min(score_ + 1, 4) : std::max(score_ - 2, 0); }

  using clock = std::chrono::steady_clock;

  /// An idle time that began at `idle_from`: when the habit says so, tries
  /// `ready` (yielding the core between tries: a thread or process that is
  /// ready to run gets it) until it finds work or `spin` has passed. True
  /// when it found work (a short idle time, counted when it was prompt);
  /// else the caller sleeps and then calls woke().
  template <class Ready>
  bool poll(clock::time_point idle_from, std::chrono::microseconds spin, Ready&& ready) {
    if (!polls())
      return false;
    for (;;) {
      if (ready()) {
        if (clock::now() - idle_from < spin * 2 / 5)
          idled(true);
        return true;
      }
      if (clock::now() - idle_from >= spin)
        return false;
      std::this_thread::yield();
    }
  }

  /// The caller slept since `idle_from` and has work again.
  void woke(clock::time_point idle_from, std::chrono::microseconds spin) { idled(clock::now() - idle_from < spin); }

private:
  int score_ = 0;
};

} // namespace sy::actors
