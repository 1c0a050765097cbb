#pragma once
// A CAF 0.17 actor system on the deterministic test scheduler, without CAF's
// own test DSL (caf/test/*).
//
// * `cfg.set("scheduler.policy", caf::atom("testing"))` before the system is
//   built makes `sys.scheduler()` a `caf::scheduler::test_coordinator`: no
//   worker threads; jobs run only inside `sched.run()`.
// * The actor clock is a `caf::detail::test_actor_clock`: time moves only when
//   the test says so. `sched.advance_time(d)` moves it and delivers every
//   delayed message (and request timeout) that is due; `run()` then lets the
//   actors handle them. Never loop on `trigger_timeouts()`: the client's
//   timers re-arm themselves.
// * `skew(d)` moves the clock *without* delivering due timers (the clock's
//   `current_time` is a public member). It models "the deadline has passed but
//   the timer has not been handled yet", e.g. for the lazy check of L-14.
//
// The destructor kills every actor handed to `own()` and drains the queue:
// the actor_system destructor waits for all actors, and with no scheduler
// threads a live actor would hang it.

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

namespace sy::test {

class deterministic {
public:
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;

  deterministic()
    : sys{configure(cfg)}, sched{dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())} {}

  deterministic(const deterministic&) = delete;
  deterministic& operator=(const deterministic&) = delete;

  ~deterministic() {
    for (auto& a : owned_)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    owned_.clear();
  }

  /// Runs every queued job until nothing is left to do (time stands still).
  std::size_t run() { return sched.run(); }

  /// Moves time forward, delivers what is due, and runs the actors.
  std::size_t advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    return sched.run();
  }
  std::size_t advance_ms(long long ms) { return advance(std::chrono::milliseconds(ms)); }

  /// Moves the clock forward without delivering any delayed message.
  void skew(std::chrono::milliseconds d) { sched.clock().current_time += d; }
  void skew_ms(long long ms) { skew(std::chrono::milliseconds(ms)); }

  /// Registers an actor to be killed when the fixture ends.
  caf::actor own(caf::actor a) {
    owned_.push_back(a);
    return a;
  }

private:
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.set("scheduler.policy", caf::atom("testing"));
    c.set("logger.console-verbosity", caf::atom("quiet"));
    return c;
  }

  std::vector<caf::actor> owned_;
};

} // namespace sy::test
