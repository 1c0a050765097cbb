#include "proto/ws_frame.hpp"

#include <algorithm>
#include <cstring>

#include "proto/byte_reader.hpp"
#include "proto/byte_writer.hpp"
#include "proto/utf8.hpp"

namespace sy::proto::ws {
namespace {

constexpr std::size_t max_control = 125;

bool is_control(opcode op) { return static_cast<std::uint8_t>(op) >= 8; }

bool known(std::uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

/// RFC 6455 7.4: the codes a peer may put on the wire (1004-1006 and 1015
/// are reserved for local use, 1016-2999 unassigned).
bool valid_close_code(std::uint16_t c) { return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999); }

/// Bytes of header: 2, then 0/2/8 of extended length, then 4 of mask.
std::size_t header_size(std::uint8_t second) {
  std::uint8_t len = second & 0x7F;
  return 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + ((second & 0x80) ? 4 : 0);
}

} // namespace

void append_header(std::string& out, opcode op, std::uint64_t length) {
  // Built on the stack and appended once: a header per delivered frame.
  char h[10];
  std::size_t n = 2;
  h[0] = static_cast<char>(0x80 | static_cast<unsigned>(op));
  if (length < 126) {
    h[1] = static_cast<char>(length);
  } else {
    std::size_t width = length <= 0xFFFF ? 2 : 8;
    h[1] = static_cast<char>(width == 2 ? 126 : 127);
    for (std::size_t i = 0; i < width; ++i)
      h[2 + i] = static_cast<char>((length >> (8 * (width - 1 - i))) & 0xFF);
    n += width;
  }
  out.append(h, n);
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::size_t n = std::min(reason.size(), max_control - 2);
  while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80)
    --n; // do not cut a UTF-8 sequence
  std::string out;
  out.reserve(2 + n);
  put_be(out, code, 2);
  out.append(reason.substr(0, n));
  return out;
}

void unmask(std::uint8_t* data, std::size_t n, const std::array<std::uint8_t, 4>& key, std::size_t offset) {
  std::size_t i = 0;
  for (; i < n && ((offset + i) & 3) != 0; ++i)
    data[i] ^= key[(offset + i) & 3];
  std::uint64_t wide;
  std::uint8_t rep[8];
  for (int j = 0; j < 8; ++j)
    rep[j] = key[j & 3];
  std::memcpy(&wide, rep, 8);
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    w ^= wide;
    std::memcpy(data + i, &w, 8);
  }
  for (; i < n; ++i)
    data[i] ^= key[(offset + i) & 3];
}

frame_reader::event frame_reader::fail(kind k, std::uint16_t code) {
  spent_ = true;
  message_.clear();
  message_.shrink_to_fit();
  control_.clear();
  event e;
  e.what = k;
  e.code = code;
  return e;
}

/// Checks the header in hdr_ and sets up reading the payload.
frame_reader::event frame_reader::start_frame() {
  std::uint8_t b0 = hdr_[0], b1 = hdr_[1];
  std::uint8_t raw_op = b0 & 0x0F;
  if ((b0 & 0x70) != 0 || !known(raw_op) || !(b1 & 0x80))
    return fail(kind::protocol_error, 1002); // RSV without extension, reserved opcode, unmasked
  // The header is complete here (next() collected header_size() bytes).
  byte_reader r(std::string_view(reinterpret_cast<const char*>(hdr_.data()), hdr_have_), "websocket frame");
  r.pos = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len == 126) {
    r.be(2, len, 2, "length");
    if (len < 126)
      return fail(kind::protocol_error, 1002); // not the minimal encoding
  } else if (len == 127) {
    r.be(8, len, 2, "length");
    if (len <= 0xFFFF || (len >> 63) != 0)
      return fail(kind::protocol_error, 1002);
  }
  std::size_t at = r.pos;
  op_ = static_cast<opcode>(raw_op);
  fin_ = (b0 & 0x80) != 0;
  std::copy_n(hdr_.begin() + at, 4, key_.begin());
  key_pos_ = 0;
  left_ = len;
  if (is_control(op_)) {
    if (!fin_ || len > max_control)
      return fail(kind::protocol_error, 1002);
    control_.clear();
  } else {
    if ((op_ == opcode::continuation) != in_message_)
      return fail(kind::protocol_error, 1002); // a continuation with no start, or a new start inside
    if (len > max_ || message_.size() > max_ - len)
      return fail(kind::too_large); // E-6, decided from the header: no need to read the body
    if (!in_message_) {
      in_message_ = true;
      message_.clear();
      if (fin_)
        message_.reserve(len);
    }
  }
  in_payload_ = true;
  return {};
}

/// The payload of the current frame is complete.
frame_reader::event frame_reader::end_frame() {
  in_payload_ = false;
  hdr_have_ = 0;
  event e;
  switch (op_) {
    case opcode::ping: e.what = kind::ping; e.data = std::move(control_); return e;
    case opcode::pong: e.what = kind::pong; e.data = std::move(control_); return e;
    case opcode::close: {
      if (control_.size() == 1)
        return fail(kind::protocol_error, 1002);
      e.what = kind::close;
      if (control_.size() >= 2) {
        e.code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_[0]) << 8) |
                                            static_cast<unsigned char>(control_[1]));
        if (!valid_close_code(e.code))
          return fail(kind::protocol_error, 1002);
        e.data = control_.substr(2);
        if (!valid_utf8(e.data))
          return fail(kind::protocol_error, 1007);
      }
      return e;
    }
    default:
      if (!fin_)
        return e; // need_more: the message goes on in a continuation frame
      in_message_ = false;
      e.what = kind::message;
      e.data = std::move(message_);
      message_ = std::string();
      return e;
  }
}

frame_reader::event frame_reader::next(std::string_view& in) {
  if (spent_) {
    in = {};
    return {};
  }
  while (true) {
    if (!in_payload_) {
      // Collect the header: first the two bytes that say how long it is.
      std::size_t want = hdr_have_ < 2 ? 2 : header_size(hdr_[1]);
      while (hdr_have_ < want) {
        if (in.empty())
          return {};
        std::size_t take = std::min(want - hdr_have_, in.size());
        std::memcpy(hdr_.data() + hdr_have_, in.data(), take);
        hdr_have_ += take;
        in.remove_prefix(take);
        if (hdr_have_ >= 2)
          want = header_size(hdr_[1]);
      }
      if (!(hdr_[1] & 0x80)) // unmasked: nothing more to read of the header
        return fail(kind::protocol_error, 1002);
      event e = start_frame();
      if (e.what != kind::need_more)
        return e;
    }
    if (left_ > 0) {
      if (in.empty())
        return {};
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, in.size()));
      std::string& into = is_control(op_) ? control_ : message_;
      std::size_t at = into.size();
      into.append(in.data(), take);
      unmask(reinterpret_cast<std::uint8_t*>(into.data() + at), take, key_, key_pos_);
      key_pos_ = (key_pos_ + take) & 3;
      left_ -= take;
      in.remove_prefix(take);
      if (left_ > 0)
        return {};
    }
    event e = end_frame();
    if (e.what != kind::need_more)
      return e;
  }
}

} // namespace sy::proto::ws
