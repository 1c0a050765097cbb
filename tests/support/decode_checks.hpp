#pragma once
// Test-only checks for the binary decoders (proto::parse_msgpack,
// proto::parse_etf): one input that must decode, one that must be refused
// with a message. Failures show the input as hex.

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "query/value.hpp"
#include "tests/support/bytes.hpp"

namespace sy::test {

/// The signature of proto::parse_msgpack and proto::parse_etf.
using byte_decoder = bool (*)(std::string_view, query::value&, std::string&);

/// The value `decode` makes of `bytes`; REQUIREs success.
inline query::value decode_ok(byte_decoder decode, std::string_view bytes, std::size_t shown) {
  query::value v;
  std::string err;
  bool ok = decode(bytes, v, err);
  INFO("input: " << hex_dump(bytes, shown) << " error: " << err);
  REQUIRE(ok);
  return v;
}

/// The error text of `bytes`, which `decode` must refuse with a non-empty
/// message starting with `prefix`.
inline std::string decode_fails(byte_decoder decode, std::string_view prefix, std::string_view bytes,
                                std::size_t shown) {
  query::value v;
  std::string err;
  bool ok = decode(bytes, v, err);
  INFO("input: " << hex_dump(bytes, shown) << " error: " << err);
  CHECK_FALSE(ok);
  CHECK_FALSE(err.empty());
  CHECK(err.rfind(prefix, 0) == 0);
  return err;
}

} // namespace sy::test
