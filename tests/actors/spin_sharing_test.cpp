// spin_sharing: an actor system scheduled by it runs every message, whether
// its workers poll or sleep when the queue runs dry, from any number of
// sending threads, and shuts down with nothing left waiting.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/spin_sharing.hpp"

namespace {

/// Adds what it is sent to `total`.
caf::behavior summer(caf::event_based_actor*, const std::shared_ptr<std::atomic<std::int64_t>>& total) {
  return {
    [=](std::int64_t x) { *total += x; },
  };
}

/// Sends `per_thread` numbers from each of `threads` threads, in bursts with
/// pauses between them (so workers both poll and sleep), to 8 actors;
/// returns the sum they counted within 10 s and before they were told to
/// exit (an exit would wake a sleeping worker and so hide a job left in the
/// queue).
std::int64_t run(std::chrono::microseconds spin, std::size_t workers, int threads, int per_thread) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", workers);
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  sy::actors::use_spin_sharing(cfg, spin);
  auto total = std::make_shared<std::atomic<std::int64_t>>(0);
  std::int64_t counted = 0;
  {
    caf::actor_system sys{cfg};
    REQUIRE(dynamic_cast<caf::scheduler::coordinator<sy::actors::spin_sharing>*>(&sys.scheduler()) != nullptr);
    std::vector<caf::actor> actors;
    for (int i = 0; i < 8; ++i)
      actors.push_back(sys.spawn(summer, total));
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t)
      senders.emplace_back([&, t] {
        for (int i = 1; i <= per_thread; ++i) {
          caf::anon_send(actors[(t + i) % actors.size()], static_cast<std::int64_t>(i));
          if (i % 500 == 0)
            std::this_thread::sleep_for(std::chrono::microseconds(200 * (t + 1)));
        }
      });
    for (auto& s : senders)
      s.join();
    // A job left in the queue while its worker sleeps would never run: the
    // total would stop short of the sum.
    auto want = static_cast<std::int64_t>(threads) * per_thread * (per_thread + 1) / 2;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (total->load() != want && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    counted = total->load();
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }
  return counted;
}

std::int64_t expected(int threads, int per_thread) {
  return static_cast<std::int64_t>(threads) * per_thread * (per_thread + 1) / 2;
}

} // namespace

TEST_CASE("every message runs with one polling worker and several sending threads") {
  CHECK(run(std::chrono::microseconds(50), 1, 3, 20000) == expected(3, 20000));
}

TEST_CASE("every message runs when workers never poll (spin 0) and sleep after each job") {
  CHECK(run(std::chrono::microseconds(0), 1, 2, 5000) == expected(2, 5000));
}

TEST_CASE("every message runs with several workers sharing the queue") {
  CHECK(run(std::chrono::microseconds(50), 3, 4, 10000) == expected(4, 10000));
  CHECK(run(std::chrono::microseconds(1000), 2, 1, 10000) == expected(1, 10000));
}
