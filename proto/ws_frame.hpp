#pragma once
// RFC 6455 framing, server side, without I/O: a streaming reader that turns
// the bytes of a client connection into whole messages and control frames,
// and the writer half (server frame headers, close payloads). The websocket
// session (net/ws_session.cpp) owns the socket and feeds the reader; having
// our own framing lets the session put every queued frame into one socket
// write, which one-frame-per-call libraries cannot.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sy::proto::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Appends the header of a final, unmasked server frame carrying `length`
/// bytes to `out` (2, 4 or 10 bytes: the shortest length form).
void append_header(std::string& out, opcode op, std::uint64_t length);

/// The payload of a close frame: the code, then the reason cut to fit the
/// 125 bytes of a control frame (never inside a UTF-8 sequence).
std::string close_payload(std::uint16_t code, std::string_view reason);

/// XORs `n` bytes of `data` with the 4-byte `key`, starting at key position
/// `offset` (0..3), in place.
void unmask(std::uint8_t* data, std::size_t n, const std::array<std::uint8_t, 4>& key, std::size_t offset);

/// Reads client frames. Feed it bytes with next(); it consumes them up to
/// the end of one event, so the caller may stop between messages (inbound
/// backpressure) and give the rest later.
class frame_reader {
public:
  enum class kind {
    need_more,      ///< every given byte is used; nothing complete yet
    message,        ///< a whole (reassembled) text or binary message in `data`
    ping,           ///< `data` is the ping's payload
    pong,           ///< `data` is the pong's payload
    close,          ///< `code` (0 when the frame had no body), `data` the reason
    protocol_error, ///< RFC 6455 broken: fail the connection with close `code` (1002 or 1007)
    too_large,      ///< the message would pass the size limit (E-6)
  };

  struct event {
    kind what = kind::need_more;
    std::string data;
    std::uint16_t code = 0;
  };

  /// `max_message`: the largest whole message accepted, in bytes.
  explicit frame_reader(std::size_t max_message) : max_(max_message) {}

  /// Consumes bytes from the front of `in` until one event is complete, or
  /// all of `in` (need_more). After protocol_error or too_large the reader
  /// is spent: it swallows everything and reports need_more.
  event next(std::string_view& in);

private:
  event fail(kind k, std::uint16_t code = 0);
  event start_frame();
  event end_frame();

  std::size_t max_;
  bool spent_ = false;
  // the header being read
  std::array<std::uint8_t, 14> hdr_{};
  std::size_t hdr_have_ = 0;
  bool in_payload_ = false;
  // the frame whose payload is being read
  opcode op_ = opcode::continuation;
  bool fin_ = false;
  std::uint64_t left_ = 0;
  std::array<std::uint8_t, 4> key_{};
  std::size_t key_pos_ = 0;
  // a data message being assembled (possibly over several frames)
  bool in_message_ = false;
  std::string message_;
  std::string control_;
};

} // namespace sy::proto::ws
