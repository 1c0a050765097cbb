// proto/ws_frame: RFC 6455 framing on the server side. Client frames are
// built here byte by byte (section 5.2's layout, masked as 5.3 says), so the
// reader is checked against the RFC, not against our own writer.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <random>
#include <vector>

#include "proto/ws_frame.hpp"
#include "tests/support/bytes.hpp"

namespace ws = sy::proto::ws;
using kind = ws::frame_reader::kind;
using sy::test::hx;

namespace {

const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};

/// A client frame: FIN/RSV/opcode byte, mask bit and length, masked payload.
std::string client_frame(std::uint8_t opcode, std::string_view payload, bool fin = true, std::uint8_t rsv = 0,
                         bool masked = true) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode);
  std::uint8_t m = masked ? 0x80 : 0;
  std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(m | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(m | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(m | 127);
    for (int i = 7; i >= 0; --i)
      out += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF);
  }
  if (masked)
    out.append(reinterpret_cast<const char*>(key.data()), 4);
  for (std::size_t i = 0; i < n; ++i)
    out += static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ (masked ? key[i % 4] : 0));
  return out;
}

/// Every event the reader produces from `bytes` given in pieces of `step`.
std::vector<ws::frame_reader::event> read_all(std::string_view bytes, std::size_t step = SIZE_MAX,
                                              std::size_t max = 1 << 20) {
  ws::frame_reader r(max);
  std::vector<ws::frame_reader::event> out;
  while (!bytes.empty()) {
    std::string_view piece = bytes.substr(0, step);
    bytes.remove_prefix(piece.size());
    while (!piece.empty()) {
      auto e = r.next(piece);
      if (e.what != kind::need_more)
        out.push_back(std::move(e));
    }
  }
  return out;
}

} // namespace

TEST_CASE("RFC 6455 5.7: the masked single-frame text example reads as Hello") {
  auto ev = read_all(hx("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == kind::message);
  CHECK(ev[0].data == "Hello");
}

TEST_CASE("a message is the same whether the bytes come at once or one at a time") {
  std::string big(70000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  std::string wire = client_frame(1, "first") + client_frame(2, std::string(300, '\x01')) + client_frame(2, big);
  for (std::size_t step : {SIZE_MAX, std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
    CAPTURE(step);
    auto ev = read_all(wire, step);
    REQUIRE(ev.size() == 3);
    CHECK(ev[0].data == "first");
    CHECK(ev[1].data == std::string(300, '\x01'));
    CHECK(ev[2].data == big);
  }
}

TEST_CASE("fragments are reassembled and control frames between them come out on their own") {
  std::string wire = client_frame(1, "{\"op\"", false) + client_frame(9, "mid") + client_frame(0, ":5", false) +
                     client_frame(0, "}", true);
  auto ev = read_all(wire, 2);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].what == kind::ping);
  CHECK(ev[0].data == "mid");
  CHECK(ev[1].what == kind::message);
  CHECK(ev[1].data == "{\"op\":5}");
}

TEST_CASE("an empty message and an empty ping are events too") {
  auto ev = read_all(client_frame(1, "") + client_frame(9, "") + client_frame(10, "p"));
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].what == kind::message);
  CHECK(ev[0].data.empty());
  CHECK(ev[1].what == kind::ping);
  CHECK(ev[2].what == kind::pong);
  CHECK(ev[2].data == "p");
}

TEST_CASE("next() stops after each event so the caller can pause between messages") {
  std::string wire = client_frame(1, "a") + client_frame(1, "b");
  std::string_view in(wire);
  ws::frame_reader r(100);
  auto e = r.next(in);
  CHECK(e.data == "a");
  CHECK(in.size() == 7);
  e = r.next(in);
  CHECK(e.data == "b");
  CHECK(in.empty());
}

TEST_CASE("close frames: the code and reason are read, an empty body has code 0") {
  auto ev = read_all(client_frame(8, hx("03e8") + "bye") + client_frame(8, ""));
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].what == kind::close);
  CHECK(ev[0].code == 1000);
  CHECK(ev[0].data == "bye");
  CHECK(ev[1].code == 0);
}

TEST_CASE("frames that break RFC 6455 fail the connection with 1002, a bad close reason with 1007") {
  struct bad {
    const char* name;
    std::string wire;
    std::uint16_t code;
  };
  std::string len126 = hx("81 fe 00 05") + std::string(reinterpret_cast<const char*>(key.data()), 4) + "hello";
  bad cases[] = {
    {"unmasked", client_frame(1, "x", true, 0, false), 1002},
    {"RSV1 without an extension", client_frame(1, "x", true, 4), 1002},
    {"RSV3", client_frame(1, "x", true, 1), 1002},
    {"reserved data opcode 3", client_frame(3, "x"), 1002},
    {"reserved control opcode 11", client_frame(11, "x"), 1002},
    {"continuation without a start", client_frame(0, "x"), 1002},
    {"new text inside a fragmented message", client_frame(1, "a", false) + client_frame(1, "b"), 1002},
    {"fragmented ping", client_frame(9, "x", false), 1002},
    {"ping over 125 bytes", client_frame(9, std::string(126, 'p')), 1002},
    {"close with a 1-byte body", client_frame(8, "\x03"), 1002},
    {"close with reserved code 1005", client_frame(8, hx("03ed")), 1002},
    {"close with code 999", client_frame(8, hx("03e7")), 1002},
    {"close with unassigned code 2000", client_frame(8, hx("07d0")), 1002},
    {"close reason not UTF-8", client_frame(8, hx("03e8 ff fe")), 1007},
    {"16-bit length used for 5 bytes", len126, 1002},
    {"64-bit length with its top bit set", hx("81 ff 80 00 00 00 00 00 00 00 37 fa 21 3d"), 1002},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto ev = read_all(c.wire + client_frame(1, "after"));
    REQUIRE(ev.size() == 1); // spent: nothing after the failure comes out
    CHECK(ev[0].what == kind::protocol_error);
    CHECK(ev[0].code == c.code);
  }
}

TEST_CASE("E-6: a message over the limit is refused from the header, before its body arrives") {
  ws::frame_reader r(100);
  std::string header = hx("81 ff 00 00 01 00 00 00 00 00") + std::string(reinterpret_cast<const char*>(key.data()), 4);
  std::string_view in(header); // 1 TiB announced, no body sent
  CHECK(r.next(in).what == kind::too_large);

  CHECK(read_all(client_frame(1, std::string(100, 'x')), SIZE_MAX, 100).at(0).what == kind::message);
  CHECK(read_all(client_frame(1, std::string(101, 'x')), SIZE_MAX, 100).at(0).what == kind::too_large);
  // fragments count together
  auto ev = read_all(client_frame(1, std::string(60, 'x'), false) + client_frame(0, std::string(41, 'x')), 7, 100);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == kind::too_large);
}

TEST_CASE("server frame headers use the shortest length form and are never masked") {
  auto header = [](ws::opcode op, std::uint64_t n) {
    std::string h;
    ws::append_header(h, op, n);
    return h;
  };
  CHECK(header(ws::opcode::text, 5) == hx("81 05"));
  CHECK(header(ws::opcode::binary, 126) == hx("82 7e 00 7e"));
  CHECK(header(ws::opcode::text, 65536) == hx("81 7f 00 00 00 00 00 01 00 00"));
  CHECK(header(ws::opcode::close, 0) == hx("88 00"));
}

TEST_CASE("close payloads carry the code and a reason cut to 123 bytes without splitting a character") {
  CHECK(ws::close_payload(1008, "slow consumer") == hx("03f0") + "slow consumer");
  std::string long_reason = std::string(122, 'a') + "\xc3\xa9"; // 124 bytes, the last character 2 bytes
  auto p = ws::close_payload(1000, long_reason);
  CHECK(p.size() == 2 + 122);
}

TEST_CASE("unmask is its own inverse at every key offset and length") {
  for (std::size_t off = 0; off < 4; ++off)
    for (std::size_t n : {0, 1, 7, 8, 9, 31, 100}) {
      std::string s(n, '\0');
      for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>(i * 7 + 1);
      std::string orig = s;
      auto* p = reinterpret_cast<std::uint8_t*>(s.data());
      ws::unmask(p, n, key, off);
      for (std::size_t i = 0; i < n; ++i)
        CHECK(static_cast<std::uint8_t>(s[i]) == (static_cast<std::uint8_t>(orig[i]) ^ key[(off + i) % 4]));
      ws::unmask(p, n, key, off);
      CHECK(s == orig);
    }
}

TEST_CASE("random messages split at random points read back whole, in order") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> sent;
    std::string wire;
    int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      std::string m(rng() % (round % 10 == 0 ? 70000 : 300), '\0');
      for (auto& c : m)
        c = static_cast<char>(rng());
      sent.push_back(m);
      // sometimes fragmented, with a ping between the fragments
      if (m.size() > 2 && rng() % 3 == 0) {
        std::size_t cut = 1 + rng() % (m.size() - 1);
        wire += client_frame(2, m.substr(0, cut), false) + client_frame(9, "p") + client_frame(0, m.substr(cut));
      } else {
        wire += client_frame(2, m);
      }
    }
    ws::frame_reader r(1 << 20);
    std::vector<std::string> got;
    std::string_view rest(wire);
    while (!rest.empty()) {
      std::string_view piece = rest.substr(0, 1 + rng() % 5000);
      rest.remove_prefix(piece.size());
      while (!piece.empty()) {
        auto e = r.next(piece);
        REQUIRE(e.what != kind::protocol_error);
        if (e.what == kind::message)
          got.push_back(std::move(e.data));
      }
    }
    CHECK(got == sent);
  }
}

TEST_CASE("random bytes never make the reader overrun, loop or accept past its limit") {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 200, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    ws::frame_reader r(64);
    std::string_view in(junk);
    int events = 0;
    while (!in.empty()) {
      auto before = in.size();
      auto e = r.next(in);
      if (e.what == kind::message)
        CHECK(e.data.size() <= 64);
      if (e.what == kind::ping || e.what == kind::pong || e.what == kind::close)
        CHECK(e.data.size() <= 125);
      REQUIRE((in.size() < before || e.what != kind::need_more)); // progress every call
      REQUIRE(++events < 1000);
    }
  }
}
