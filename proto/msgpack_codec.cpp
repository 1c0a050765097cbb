#include "proto/msgpack_codec.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "proto/byte_reader.hpp"
#include "proto/byte_writer.hpp"
#include "proto/json.hpp"
#include "proto/utf8.hpp"

// Format reference: the MessagePack specification (msgpack/msgpack spec.md).
// A codec of our own: Debian 12's libmsgpack-cxx-dev depends on libboost-dev
// (1.74), which cannot be installed next to the libboost1.81-dev we build with.

namespace sy::proto {
namespace {

using query::value;

bool finite_float(byte_reader& r, double d, value& out, std::size_t at) {
  if (!std::isfinite(d))
    return r.fail("NaN or infinite float", at);
  out = value{d};
  return true;
}

// Reads `len` bytes as a string (E-9: must be UTF-8). `kind` names the family.
bool read_string(byte_reader& r, std::uint64_t len, std::string& out, std::size_t at, const char* kind) {
  std::string_view s;
  if (!r.bytes(len, s, at, kind))
    return false;
  if (!valid_utf8(s))
    return r.fail(std::string(kind) + " is not valid UTF-8", at);
  out.assign(s);
  return true;
}

// The length of a str/bin header at the cursor, or false when the next value
// is not a string. Consumes the header only when it is one.
bool string_header(byte_reader& r, std::uint64_t& len, const char*& kind) {
  std::size_t at = r.pos;
  unsigned char tag = r.p[r.pos];
  std::size_t width = 0;
  kind = "str";
  if (tag >= 0xa0 && tag <= 0xbf) {
    ++r.pos;
    len = tag & 0x1f;
    return true;
  }
  switch (tag) {
    case 0xd9: width = 1; break;
    case 0xda: width = 2; break;
    case 0xdb: width = 4; break;
    case 0xc4: width = 1; kind = "bin"; break;
    case 0xc5: width = 2; kind = "bin"; break;
    case 0xc6: width = 4; kind = "bin"; break;
    default: return false;
  }
  ++r.pos;
  return r.be(width, len, at, "string length");
}

bool parse(byte_reader& r, value& out, int depth);

bool parse_array(byte_reader& r, std::uint64_t count, value& out, int depth, std::size_t at) {
  if (depth >= max_depth)
    return r.fail("nesting deeper than " + std::to_string(max_depth) + " levels", at);
  // Every element takes at least one byte.
  if (count > r.left())
    return r.fail("array of " + std::to_string(count) + " elements exceeds the frame", at);
  if (!r.count_values(count, at))
    return false;
  query::array a;
  a.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    a.emplace_back();
    if (!parse(r, a.back(), depth + 1))
      return false;
  }
  out = value{std::move(a)};
  return true;
}

bool parse_map(byte_reader& r, std::uint64_t count, value& out, int depth, std::size_t at) {
  if (depth >= max_depth)
    return r.fail("nesting deeper than " + std::to_string(max_depth) + " levels", at);
  // Every entry takes at least two bytes (key and value).
  if (count > r.left() / 2)
    return r.fail("map of " + std::to_string(count) + " entries exceeds the frame", at);
  if (!r.count_values(2 * count, at))
    return false;
  query::object o;
  o.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    std::size_t key_at = r.pos;
    if (r.left() == 0)
      return r.fail("truncated map", key_at);
    std::uint64_t len = 0;
    const char* kind = nullptr;
    if (!string_header(r, len, kind))
      return r.error.empty() ? r.fail("map key is not a string", key_at) : false;
    o.push_back(query::member{});
    if (!read_string(r, len, o.back().key, key_at, kind) || !parse(r, o.back().val, depth + 1))
      return false;
  }
  out = value{std::move(o)};
  return true;
}

bool parse(byte_reader& r, value& out, int depth) {
  std::size_t at = r.pos;
  if (r.left() == 0)
    return r.fail("truncated input, a value is missing", at);
  unsigned char tag = r.p[r.pos];
  if (tag <= 0x7f) { // positive fixint
    ++r.pos;
    out = value{static_cast<std::int64_t>(tag)};
    return true;
  }
  if (tag >= 0xe0) { // negative fixint
    ++r.pos;
    out = value{static_cast<std::int64_t>(static_cast<std::int8_t>(tag))};
    return true;
  }
  if (tag >= 0x80 && tag <= 0x8f) {
    ++r.pos;
    return parse_map(r, tag & 0x0f, out, depth, at);
  }
  if (tag >= 0x90 && tag <= 0x9f) {
    ++r.pos;
    return parse_array(r, tag & 0x0f, out, depth, at);
  }
  std::uint64_t len = 0;
  const char* kind = nullptr;
  if (string_header(r, len, kind)) {
    std::string s;
    if (!read_string(r, len, s, at, kind))
      return false;
    out = value{std::move(s)};
    return true;
  }
  if (!r.error.empty())
    return false;
  ++r.pos;
  std::uint64_t u = 0;
  switch (tag) {
    case 0xc0: out = value{}; return true;
    case 0xc2: out = value{false}; return true;
    case 0xc3: out = value{true}; return true;
    case 0xcc: case 0xcd: case 0xce:
      if (!r.be(std::size_t{1} << (tag - 0xcc), u, at, "unsigned integer"))
        return false;
      out = value{static_cast<std::int64_t>(u)};
      return true;
    case 0xcf:
      if (!r.be(8, u, at, "unsigned integer"))
        return false;
      // Past int64 an integer can only be kept as a float, as in JSON (M-1).
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        out = value{static_cast<double>(u)};
      else
        out = value{static_cast<std::int64_t>(u)};
      return true;
    case 0xd0:
      if (!r.be(1, u, at, "int 8"))
        return false;
      out = value{static_cast<std::int64_t>(static_cast<std::int8_t>(u))};
      return true;
    case 0xd1:
      if (!r.be(2, u, at, "int 16"))
        return false;
      out = value{static_cast<std::int64_t>(static_cast<std::int16_t>(u))};
      return true;
    case 0xd2:
      if (!r.be(4, u, at, "int 32"))
        return false;
      out = value{static_cast<std::int64_t>(static_cast<std::int32_t>(u))};
      return true;
    case 0xd3:
      if (!r.be(8, u, at, "int 64"))
        return false;
      out = value{static_cast<std::int64_t>(u)};
      return true;
    case 0xca:
      if (!r.be(4, u, at, "float 32"))
        return false;
      return finite_float(r, static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(u))), out, at);
    case 0xcb:
      if (!r.be(8, u, at, "float 64"))
        return false;
      return finite_float(r, std::bit_cast<double>(u), out, at);
    case 0xdc: case 0xdd:
      if (!r.be(tag == 0xdc ? 2 : 4, u, at, "array length"))
        return false;
      return parse_array(r, u, out, depth, at);
    case 0xde: case 0xdf:
      if (!r.be(tag == 0xde ? 2 : 4, u, at, "map length"))
        return false;
      return parse_map(r, u, out, depth, at);
    case 0xc7: case 0xc8: case 0xc9:
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
      return r.fail("extension types are not supported", at);
    default: // 0xc1: "never used"
      return r.fail("invalid type byte 0xc1", at);
  }
}

// -- encoding -------------------------------------------------------------------

void put_int(std::string& out, std::int64_t i) {
  if (i >= 0) {
    auto u = static_cast<std::uint64_t>(i);
    if (u <= 0x7f)
      return put_byte(out, static_cast<unsigned>(u));
    if (u <= 0xff)
      return put_byte(out, 0xcc), put_be(out, u, 1);
    if (u <= 0xffff)
      return put_byte(out, 0xcd), put_be(out, u, 2);
    if (u <= 0xffffffffu)
      return put_byte(out, 0xce), put_be(out, u, 4);
    return put_byte(out, 0xcf), put_be(out, u, 8);
  }
  auto bits = static_cast<std::uint64_t>(i);
  if (i >= -32)
    return put_byte(out, static_cast<unsigned>(bits & 0xff));
  if (i >= INT8_MIN)
    return put_byte(out, 0xd0), put_be(out, bits, 1);
  if (i >= INT16_MIN)
    return put_byte(out, 0xd1), put_be(out, bits, 2);
  if (i >= INT32_MIN)
    return put_byte(out, 0xd2), put_be(out, bits, 4);
  return put_byte(out, 0xd3), put_be(out, bits, 8);
}

void put_str(std::string& out, std::string_view s) {
  std::uint64_t n = s.size();
  if (n <= 31)
    put_byte(out, 0xa0 | static_cast<unsigned>(n));
  else if (n <= 0xff)
    put_byte(out, 0xd9), put_be(out, n, 1);
  else if (n <= 0xffff)
    put_byte(out, 0xda), put_be(out, n, 2);
  else
    put_byte(out, 0xdb), put_be(out, n, 4);
  out.append(s);
}

// Header of an array (fix 0x90, 16-bit 0xdc) or a map (fix 0x80, 16-bit 0xde).
void put_container(std::string& out, std::size_t n, unsigned fix, unsigned tag16) {
  if (n <= 15)
    put_byte(out, fix | static_cast<unsigned>(n));
  else if (n <= 0xffff)
    put_byte(out, tag16), put_be(out, n, 2);
  else
    put_byte(out, tag16 + 1), put_be(out, n, 4);
}

} // namespace

bool parse_msgpack(std::string_view bytes, value& out, std::string& error) {
  byte_reader r(bytes, "msgpack");
  r.limit_values();
  value v;
  if (!parse(r, v, 0) || !r.at_end("value")) {
    error = std::move(r.error);
    return false;
  }
  out = std::move(v);
  return true;
}

void append_msgpack(std::string& out, const value& v) {
  switch (v.type()) {
    case query::kind::null: put_byte(out, 0xc0); break;
    case query::kind::boolean: put_byte(out, v.as_bool() ? 0xc3 : 0xc2); break;
    case query::kind::integer: put_int(out, v.as_int()); break;
    case query::kind::floating:
      put_byte(out, 0xcb);
      put_be(out, std::bit_cast<std::uint64_t>(v.as_float()), 8);
      break;
    case query::kind::string: put_str(out, v.as_string()); break;
    case query::kind::array:
      put_container(out, v.as_array().size(), 0x90, 0xdc);
      for (const auto& e : v.as_array())
        append_msgpack(out, e);
      break;
    case query::kind::object:
      put_container(out, v.as_object().size(), 0x80, 0xde);
      for (const auto& m : v.as_object()) {
        put_str(out, m.key);
        append_msgpack(out, m.val);
      }
      break;
  }
}

std::string to_msgpack(const value& v) {
  std::string s;
  append_msgpack(s, v);
  return s;
}

std::string encode_msgpack_frame(const server_frame& f) {
  std::string s;
  s.reserve(64);
  put_byte(s, 0x84);
  put_str(s, "d");
  append_msgpack(s, f.d);
  put_str(s, "op");
  put_int(s, static_cast<std::int64_t>(f.code));
  put_str(s, "t");
  if (f.t)
    put_str(s, *f.t);
  else
    put_byte(s, 0xc0);
  put_str(s, "ts");
  put_int(s, f.ts);
  return s;
}

} // namespace sy::proto
