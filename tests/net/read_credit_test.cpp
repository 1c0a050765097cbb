// net/read_credit: when a connection stops reading and when it reads again.
#include <doctest/doctest.h>

#include "net/read_credit.hpp"

using sy::net::credit_window;
using sy::net::read_credit;

TEST_SUITE("net.read_credit") {

TEST_CASE("the window fills by frames and resumes once half of them are handled") {
  read_credit c{credit_window{4, 1000}};
  for (int i = 0; i < 3; ++i)
    c.sent(10);
  CHECK_FALSE(c.full());
  c.sent(10);
  CHECK(c.full());
  REQUIRE(c.pause());
  CHECK(c.paused());
  CHECK_FALSE(c.ack(1, 10)); // 3 left: more than half
  CHECK(c.ack(1, 10));       // 2 left: reading resumes, once
  CHECK_FALSE(c.paused());
  CHECK_FALSE(c.ack(1, 10));
  CHECK(c.inflight() == 1);
  CHECK(c.inflight_bytes() == 10);
}

TEST_CASE("the window fills by bytes, whatever the number of frames") {
  read_credit c{credit_window{512, 1000}};
  c.sent(600);
  CHECK_FALSE(c.full());
  c.sent(400);
  CHECK(c.full());
  REQUIRE(c.pause());
  CHECK_FALSE(c.ack(1, 400)); // 600 bytes left: more than half
  CHECK(c.ack(1, 600));
}

TEST_CASE("reading resumes only when both frames and bytes are down to half") {
  read_credit c{credit_window{4, 100}};
  c.sent(100); // one big frame fills the bytes
  c.sent(1);
  c.sent(1);
  c.sent(1);
  REQUIRE(c.pause());
  CHECK_FALSE(c.ack(2, 2)); // 2 frames left, but 100 bytes
  CHECK(c.ack(1, 100));
}

TEST_CASE("a pause that finds the backlog already handled does not stop reading") {
  read_credit c{credit_window{2, 1000}};
  c.sent(1);
  c.sent(1);
  CHECK(c.full());
  CHECK_FALSE(c.ack(2, 2)); // handled before the reader paused: nobody to resume
  CHECK_FALSE(c.pause());   // the reader sees it and carries on
  CHECK_FALSE(c.paused());
}

TEST_CASE("acks counted before their frames never make the backlog negative") {
  read_credit c{credit_window{2, 1000}};
  CHECK_FALSE(c.ack(1, 5));
  CHECK(c.inflight() == 0);
  CHECK(c.inflight_bytes() == 0);
  CHECK_FALSE(c.full());
}

TEST_CASE("a cancelled pause is never resumed") {
  read_credit c{credit_window{1, 1000}};
  c.sent(1);
  REQUIRE(c.pause());
  c.cancel();
  CHECK_FALSE(c.ack(1, 1));
}
}
