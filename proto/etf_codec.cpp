#include "proto/etf_codec.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "proto/byte_reader.hpp"
#include "proto/byte_writer.hpp"
#include "proto/json.hpp"
#include "proto/utf8.hpp"

// Format reference: Erlang/OTP's "External Term Format" (erts/doc, erl_ext_dist).

namespace sy::proto {
namespace {

using query::value;

// Term tags used here (erl_ext_dist).
enum tag : unsigned char {
  version_magic = 131, new_float_ext = 70, bit_binary_ext = 77, compressed = 80,
  small_integer_ext = 97, integer_ext = 98, float_ext = 99, atom_ext = 100,
  small_tuple_ext = 104, large_tuple_ext = 105, nil_ext = 106, string_ext = 107,
  list_ext = 108, binary_ext = 109, small_big_ext = 110, large_big_ext = 111,
  small_atom_ext = 115, map_ext = 116, atom_utf8_ext = 118, small_atom_utf8_ext = 119,
};

// An atom's name as UTF-8 (Latin-1 atoms converted), for atom tags only.
bool atom_name(byte_reader& r, unsigned char t, std::string& name, std::size_t at) {
  std::uint64_t len = 0;
  bool small = t == small_atom_ext || t == small_atom_utf8_ext;
  if (!r.be(small ? 1 : 2, len, at, "atom length"))
    return false;
  std::string_view s;
  if (!r.bytes(len, s, at, "atom"))
    return false;
  if (t == atom_ext || t == small_atom_ext) {
    name = latin1_to_utf8(s);
    return true;
  }
  if (!valid_utf8(s))
    return r.fail("atom is not valid UTF-8", at);
  name.assign(s);
  return true;
}

bool is_atom_tag(unsigned char t) {
  return t == atom_ext || t == small_atom_ext || t == atom_utf8_ext || t == small_atom_utf8_ext;
}

bool binary(byte_reader& r, std::string& out, std::size_t at) {
  std::uint64_t len = 0;
  std::string_view s;
  if (!r.be(4, len, at, "binary length") || !r.bytes(len, s, at, "binary"))
    return false;
  if (!valid_utf8(s))
    return r.fail("binary is not valid UTF-8", at);
  out.assign(s);
  return true;
}

// SMALL_BIG_EXT / LARGE_BIG_EXT: int64 when it fits, else a finite double.
bool bignum(byte_reader& r, unsigned char t, value& out, std::size_t at) {
  std::uint64_t n = 0, sign = 0;
  std::string_view digits;
  if (!r.be(t == small_big_ext ? 1 : 4, n, at, "bignum length") || !r.be(1, sign, at, "bignum sign")
      || !r.bytes(n, digits, at, "bignum"))
    return false;
  if (sign > 1)
    return r.fail("bignum sign byte is not 0 or 1", at);
  std::size_t top = digits.size(); // significant digits (little-endian)
  while (top > 0 && digits[top - 1] == 0)
    --top;
  if (top <= 8) {
    std::uint64_t mag = 0;
    for (std::size_t i = top; i-- > 0;)
      mag = (mag << 8) | static_cast<unsigned char>(digits[i]);
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (sign == 0 && mag <= max) {
      out = value{static_cast<std::int64_t>(mag)};
      return true;
    }
    if (sign == 1 && mag <= max + 1) {
      out = value{static_cast<std::int64_t>(0 - mag)};
      return true;
    }
  }
  // Past int64 an integer can only be kept as a float, as in JSON (M-1).
  double d = 0;
  for (std::size_t i = top; i-- > 0;)
    d = d * 256.0 + static_cast<unsigned char>(digits[i]);
  if (!std::isfinite(d))
    return r.fail("integer too large", at);
  out = value{sign ? -d : d};
  return true;
}

bool parse(byte_reader& r, value& out, int depth);

bool open(byte_reader& r, int depth, std::size_t at) {
  if (depth >= max_depth)
    return r.fail("nesting deeper than " + std::to_string(max_depth) + " levels", at);
  return true;
}

bool list(byte_reader& r, value& out, int depth, std::size_t at) {
  std::uint64_t count = 0;
  if (!open(r, depth, at) || !r.be(4, count, at, "list length"))
    return false;
  // Every element takes at least one byte, and so does the tail.
  if (count >= r.left())
    return r.fail("list of " + std::to_string(count) + " elements exceeds the frame", at);
  if (!r.count_values(count, at))
    return false;
  query::array a;
  a.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    a.emplace_back();
    if (!parse(r, a.back(), depth + 1))
      return false;
  }
  if (r.left() == 0)
    return r.fail("truncated list, the tail is missing", r.pos);
  if (r.p[r.pos] != nil_ext)
    return r.fail("improper list (the tail is not NIL_EXT)", r.pos);
  ++r.pos;
  out = value{std::move(a)};
  return true;
}

bool map(byte_reader& r, value& out, int depth, std::size_t at) {
  std::uint64_t count = 0;
  if (!open(r, depth, at) || !r.be(4, count, at, "map arity"))
    return false;
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
    unsigned char t = r.p[r.pos++];
    o.push_back(query::member{});
    if (is_atom_tag(t)) {
      if (!atom_name(r, t, o.back().key, key_at))
        return false;
    } else if (t == binary_ext) {
      if (!binary(r, o.back().key, key_at))
        return false;
    } else {
      return r.fail("map key is not an atom or a binary", key_at);
    }
    if (!parse(r, o.back().val, depth + 1))
      return false;
  }
  out = value{std::move(o)};
  return true;
}

bool parse(byte_reader& r, value& out, int depth) {
  std::size_t at = r.pos;
  if (r.left() == 0)
    return r.fail("truncated input, a term is missing", at);
  unsigned char t = r.p[r.pos++];
  std::uint64_t u = 0;
  std::string s;
  switch (t) {
    case small_integer_ext:
      if (!r.be(1, u, at, "SMALL_INTEGER_EXT"))
        return false;
      out = value{static_cast<std::int64_t>(u)};
      return true;
    case integer_ext:
      if (!r.be(4, u, at, "INTEGER_EXT"))
        return false;
      out = value{static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(u)))};
      return true;
    case small_big_ext:
    case large_big_ext: return bignum(r, t, out, at);
    case new_float_ext: {
      if (!r.be(8, u, at, "NEW_FLOAT_EXT"))
        return false;
      double d = std::bit_cast<double>(u);
      if (!std::isfinite(d))
        return r.fail("NaN or infinite float", at);
      out = value{d};
      return true;
    }
    case atom_ext:
    case small_atom_ext:
    case atom_utf8_ext:
    case small_atom_utf8_ext:
      if (!atom_name(r, t, s, at))
        return false;
      if (s == "nil")
        out = value{};
      else if (s == "true" || s == "false")
        out = value{s == "true"};
      else
        out = value{std::move(s)};
      return true;
    case binary_ext:
      if (!binary(r, s, at))
        return false;
      out = value{std::move(s)};
      return true;
    case string_ext: {
      std::string_view chars;
      if (!open(r, depth, at) || !r.be(2, u, at, "STRING_EXT length") || !r.bytes(u, chars, at, "STRING_EXT"))
        return false;
      if (!r.count_values(chars.size(), at))
        return false;
      query::array a;
      a.reserve(chars.size());
      for (unsigned char c : chars)
        a.emplace_back(static_cast<std::int64_t>(c));
      out = value{std::move(a)};
      return true;
    }
    case nil_ext:
      if (!open(r, depth, at))
        return false;
      out = value{query::array{}};
      return true;
    case list_ext: return list(r, out, depth, at);
    case map_ext: return map(r, out, depth, at);
    case small_tuple_ext:
    case large_tuple_ext: return r.fail("tuples are not supported", at);
    case compressed: return r.fail("compressed terms are not supported", at);
    case float_ext: return r.fail("FLOAT_EXT is not supported (use NEW_FLOAT_EXT)", at);
    case bit_binary_ext: return r.fail("bit binaries are not supported", at);
    case version_magic: return r.fail("unexpected version byte inside a term", at);
    default: return r.fail("unsupported term tag " + std::to_string(t), at);
  }
}

// -- encoding -------------------------------------------------------------------

void put_atom(std::string& out, std::string_view name) {
  if (name.size() <= 255) {
    put_byte(out, small_atom_utf8_ext);
    put_be(out, name.size(), 1);
  } else {
    put_byte(out, atom_utf8_ext);
    put_be(out, name.size(), 2);
  }
  out.append(name);
}

void put_binary(std::string& out, std::string_view s) {
  put_byte(out, binary_ext);
  put_be(out, s.size(), 4);
  out.append(s);
}

void put_int(std::string& out, std::int64_t i) {
  if (i >= 0 && i <= 255) {
    put_byte(out, small_integer_ext);
    put_be(out, static_cast<std::uint64_t>(i), 1);
  } else if (i >= INT32_MIN && i <= INT32_MAX) {
    put_byte(out, integer_ext);
    put_be(out, static_cast<std::uint64_t>(i), 4);
  } else {
    std::uint64_t mag = i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    int n = (64 - std::countl_zero(mag) + 7) / 8;
    put_byte(out, small_big_ext);
    put_be(out, static_cast<std::uint64_t>(n), 1);
    put_byte(out, i < 0 ? 1 : 0);
    for (int k = 0; k < n; ++k)
      put_be(out, (mag >> (8 * k)) & 0xff, 1);
  }
}

// `atom_keys`: write the keys nonce/payload/target of this map as atoms.
void put_value(std::string& out, const value& v, bool atom_keys = false) {
  switch (v.type()) {
    case query::kind::null: put_atom(out, "nil"); break;
    case query::kind::boolean: put_atom(out, v.as_bool() ? "true" : "false"); break;
    case query::kind::integer: put_int(out, v.as_int()); break;
    case query::kind::floating:
      // No decoder yields a non-finite float, and Erlang has none: nil.
      if (!std::isfinite(v.as_float())) {
        put_atom(out, "nil");
        break;
      }
      put_byte(out, new_float_ext);
      put_be(out, std::bit_cast<std::uint64_t>(v.as_float()), 8);
      break;
    case query::kind::string: put_binary(out, v.as_string()); break;
    case query::kind::array:
      if (!v.as_array().empty()) {
        put_byte(out, list_ext);
        put_be(out, v.as_array().size(), 4);
        for (const auto& e : v.as_array())
          put_value(out, e);
      }
      put_byte(out, nil_ext);
      break;
    case query::kind::object:
      put_byte(out, map_ext);
      put_be(out, v.as_object().size(), 4);
      for (const auto& m : v.as_object()) {
        if (atom_keys && (m.key == "nonce" || m.key == "payload" || m.key == "target"))
          put_atom(out, m.key);
        else
          put_binary(out, m.key);
        put_value(out, m.val);
      }
      break;
  }
}

} // namespace

bool parse_etf(std::string_view bytes, value& out, std::string& error) {
  byte_reader r(bytes, "ETF");
  r.limit_values();
  if (bytes.empty()) {
    error = "invalid ETF: empty frame";
    return false;
  }
  if (r.p[0] != version_magic) {
    error = "invalid ETF: version byte is " + std::to_string(r.p[0]) + ", not 131";
    return false;
  }
  r.pos = 1;
  value v;
  if (!parse(r, v, 0) || !r.at_end("term")) {
    error = std::move(r.error);
    return false;
  }
  out = std::move(v);
  return true;
}

std::string to_etf(const value& v) {
  std::string s(1, static_cast<char>(version_magic));
  put_value(s, v);
  return s;
}

bool etf_atom_delivery_keys(std::string_view t) {
  return t == "SEND" || t == "BROADCAST" || t == "QUEUE" || t == "CLIENT_CONNECTED" || t == "CLIENT_DISCONNECTED";
}

std::string encode_etf_frame(const server_frame& f) {
  std::string s(1, static_cast<char>(version_magic));
  put_byte(s, map_ext);
  put_be(s, 4, 4);
  put_atom(s, "d");
  put_value(s, f.d, f.code == op::dispatch && f.t && etf_atom_delivery_keys(*f.t));
  put_atom(s, "op");
  put_int(s, static_cast<std::int64_t>(f.code));
  put_atom(s, "t");
  if (f.t)
    put_binary(s, *f.t);
  else
    put_atom(s, "nil");
  put_atom(s, "ts");
  put_int(s, f.ts);
  return s;
}

} // namespace sy::proto
