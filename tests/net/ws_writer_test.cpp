// net/ws_writer: the outbound bound (L-20), and the one frame past it that a
// reader who keeps up still gets.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "net/ws_writer.hpp"

using sy::net::out_frame;
using sy::net::ws_writer;
namespace ws = sy::proto::ws;

namespace {

out_frame text(std::size_t n) { return out_frame{std::make_shared<const std::string>(n, 'x'), ws::opcode::text}; }

/// Writes the whole current batch in two parts, as two partial socket writes.
void write_batch(ws_writer& w) {
  auto left = w.unwritten().size();
  CHECK_FALSE(w.advance(left / 2));
  CHECK(w.advance(left - left / 2));
}

} // namespace

TEST_SUITE("net.ws_writer") {

TEST_CASE("small frames past the bound cut the connection") {
  ws_writer w{ws::opcode::text, 1000};
  for (int i = 0; i < 10; ++i)
    REQUIRE(w.push(text(100)));
  CHECK_FALSE(w.push(text(1)));
}

TEST_CASE("one frame larger than the bound goes out, and so do the frames after it while it is written") {
  ws_writer w{ws::opcode::text, 1000};
  REQUIRE(w.push(text(100)));
  REQUIRE(w.push(text(5000)));  // the op 3 echo of a big frame
  REQUIRE(w.push(text(100)));   // the heartbeat ack after it
  w.take_batch(1 << 20);
  CHECK(w.unwritten().size() == 100 + 2 + 5000 + 4 + 100 + 2);
  CHECK(w.advance(10) == false); // half-written: the small frames still count, the big one not
  for (int i = 0; i < 8; ++i)
    REQUIRE(w.push(text(100)));  // 100 in the batch + 800 queued + 100 = the bound
  CHECK_FALSE(w.push(text(200)));
}

TEST_CASE("a second frame larger than the bound while the first is pending counts against it") {
  ws_writer w{ws::opcode::text, 1000};
  REQUIRE(w.push(text(5000)));
  CHECK_FALSE(w.push(text(5000)));
}

TEST_CASE("once the big frame is written another may go, and the bound is the plain one again") {
  ws_writer w{ws::opcode::text, 1000};
  REQUIRE(w.push(text(5000)));
  w.take_batch(1 << 20);
  write_batch(w);
  REQUIRE(w.push(text(5000)));
  w.take_batch(1 << 20);
  write_batch(w);
  for (int i = 0; i < 10; ++i)
    REQUIRE(w.push(text(100)));
  CHECK_FALSE(w.push(text(1)));
}

TEST_CASE("dropping the queue keeps the count of the batch being written") {
  ws_writer w{ws::opcode::text, 1000};
  REQUIRE(w.push(text(5000)));
  w.take_batch(1 << 20);
  REQUIRE(w.push(text(900)));
  w.drop_queued();
  CHECK(w.counted_bytes() == 5000);
  REQUIRE(w.push(text(1000))); // the big one in the batch still does not count
  CHECK_FALSE(w.push(text(1)));
}

} // TEST_SUITE
