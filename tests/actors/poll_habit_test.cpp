// poll_habit: a thread polls once most of its idle times are short, keeps
// polling over one late event, stops on a quiet node, and does not count a
// poll that found work late as a reason to go on polling.

#include <doctest/doctest.h>

#include "actors/poll_habit.hpp"

#include <chrono>

using sy::actors::poll_habit;

TEST_CASE("a fresh thread sleeps at once; two short idle times make it poll") {
  poll_habit h;
  CHECK_FALSE(h.polls());
  h.idled(true);
  CHECK_FALSE(h.polls());
  h.idled(true);
  CHECK(h.polls());
}

TEST_CASE("one long idle time among short ones does not stop the polling, two in a row do") {
  poll_habit h;
  for (int i = 0; i < 10; ++i)
    h.idled(true);
  h.idled(false);
  CHECK(h.polls());
  h.idled(true);
  h.idled(true);
  h.idled(false);
  h.idled(false);
  CHECK_FALSE(h.polls());
}

TEST_CASE("alternating short and long idle times (a quiet node, two events a message) never poll") {
  poll_habit h;
  for (int i = 0; i < 100; ++i) {
    h.idled(true);
    CHECK_FALSE(h.polls());
    h.idled(false);
    CHECK_FALSE(h.polls());
  }
}

namespace {
using namespace std::chrono_literals;

/// Polls once with a poll of 200 ms; the work turns up after `after`.
bool poll_finding_work_after(poll_habit& h, poll_habit::clock::duration after) {
  auto from = poll_habit::clock::now();
  return h.poll(from, 200ms, [&] { return poll_habit::clock::now() - from >= after; });
}
} // namespace

/// Whether a thread that polls (score 2) still polls after two polls that
/// found work after `after` and then one long idle time (which takes 2).
bool polls_after_two_finds_and_a_long_idle(poll_habit::clock::duration after) {
  poll_habit h;
  h.idled(true);
  h.idled(true);
  REQUIRE(poll_finding_work_after(h, after));
  REQUIRE(poll_finding_work_after(h, after));
  REQUIRE(h.polls());
  h.idled(false);
  return h.polls();
}

TEST_CASE("a poll that finds work at once counts as a short idle time") {
  CHECK(polls_after_two_finds_and_a_long_idle(0ms)); // 4 - 2
}

TEST_CASE("a poll that finds work late (after 2/5 of the poll) counts for nothing") {
  CHECK_FALSE(polls_after_two_finds_and_a_long_idle(100ms)); // 2 - 2
}

TEST_CASE("a poll that finds nothing returns false and does not count: the caller sleeps and calls woke") {
  poll_habit h;
  h.idled(true);
  h.idled(true);
  auto from = poll_habit::clock::now();
  CHECK_FALSE(h.poll(from, 1ms, [] { return false; }));
  CHECK(poll_habit::clock::now() - from >= 1ms);
  h.woke(from, 1ms); // longer than the poll: 2 - 2
  CHECK_FALSE(h.polls());
}
