#pragma once
// A CAF 0.17 scheduler policy: CAF's work sharing (one queue for all
// workers, a worker sleeps on a condition variable when it is empty), except
// that an idle worker polls the queue for a while before it sleeps, and a
// job is handed over without waking anyone when no worker sleeps.
//
// Why (issue 6, peerbench W2: SENDs from 4 senders, each to a random one of
// 1,000 clients): with CAF's sharing the worker drained its queue faster
// than the I/O thread filled it and went to sleep about 30,000 times a
// second; each enqueue then paid a futex wake, under the queue's lock, so
// the woken worker blocked again on that lock (about 59,000 futex calls in
// 2 s). CAF's stealing polls instead and was 10 % faster there, but sleeps
// 10 ms once it has been idle a while, and costs 12x the CPU at 50 msg/s.
// A poll of `spin` after the last job keeps both: a burst is handed over
// for the cost of a lock, a quiet node sleeps.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/coordinator.hpp>

#include "actors/poll_habit.hpp"

namespace sy::actors {

class spin_sharing : public caf::policy::unprofiled {
public:
  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::mutex lock;
    std::condition_variable cv;
    std::deque<caf::resumable*> queue; // guarded by lock
    int sleepers = 0;                  // guarded by lock
    /// queue.size(), readable without the lock (for polling).
    std::atomic<std::size_t> size{0};
    /// How long an idle worker polls before it sleeps (use_spin_sharing).
    std::chrono::microseconds spin{0};
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
    /// Whether this worker polls when it next finds the queue empty.
    poll_habit habit;
  };

  template <class Coordinator>
  void enqueue(Coordinator* self, caf::resumable* job) {
    auto& q = d(self);
    bool wake;
    {
      std::lock_guard<std::mutex> guard(q.lock);
      q.queue.push_back(job);
      q.size.store(q.queue.size(), std::memory_order_release);
      wake = q.sleepers > 0;
    }
    if (wake)
      q.cv.notify_one(); // outside the lock: the woken worker does not block on it
  }

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    enqueue(self, job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }

  /// A job that gave up its worker (max-throughput) goes to the back.
  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }

  /// The next job; polls first when the worker's habit says so
  /// (actors/poll_habit). At 1,000 msg/s a poll after each message only cost
  /// latency (W1 at that rate: p50 40 -> 68 µs with any poll of 10 µs or
  /// more), as the poller holds a core the clients on this machine are
  /// woken on.
  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& q = d(self->parent());
    auto& w = d(self);
    auto idle_from = poll_habit::clock::now();
    caf::resumable* job = nullptr;
    auto take = [&] {
      if (q.size.load(std::memory_order_acquire) == 0)
        return false;
      std::lock_guard<std::mutex> guard(q.lock);
      if (!q.queue.empty())
        job = pop(q);
      return job != nullptr;
    };
    if (w.habit.poll(idle_from, q.spin, take))
      return job;
    std::unique_lock<std::mutex> guard(q.lock);
    if (q.queue.empty()) {
      ++q.sleepers;
      q.cv.wait(guard, [&] { return !q.queue.empty(); });
      --q.sleepers;
    }
    w.habit.woke(idle_from, q.spin);
    return pop(q);
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker*, UnaryFunction) {}

  /// At shutdown: every job still queued.
  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& q = d(self);
    std::unique_lock<std::mutex> guard(q.lock);
    while (!q.queue.empty())
      f(pop(q));
  }

private:
  /// Takes the front job (the lock is held).
  static caf::resumable* pop(coordinator_data& q) {
    auto* job = q.queue.front();
    q.queue.pop_front();
    q.size.store(q.queue.size(), std::memory_order_release);
    return job;
  }
};

/// Makes `cfg`'s actor system schedule with spin_sharing, polling `spin`.
inline void use_spin_sharing(caf::actor_system_config& cfg, std::chrono::microseconds spin) {
  cfg.module_factories.push_back([spin](caf::actor_system& sys) -> caf::actor_system::module* {
    auto* c = new caf::scheduler::coordinator<spin_sharing>(sys);
    c->data().spin = spin;
    return c;
  });
}

} // namespace sy::actors
