// poll_habit: a thread polls once most of its idle times are short, keeps
// polling over one late event, and stops on a quiet node.

#include <doctest/doctest.h>

#include "actors/poll_habit.hpp"

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
