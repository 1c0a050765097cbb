#pragma once
// Identify (op 1) parsing and validation (L-4, L-5), and the auth outcome
// table of A-2.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/metadata.hpp"
#include "query/value.hpp"

namespace sy::proto {

/// A validated identify body.
struct identify {
  std::string client_id;
  std::string application_id;
  /// `auth`; nullopt when absent or null.
  std::optional<query::value> auth;
  /// `ip` when it is a non-empty string.
  std::optional<std::string> ip;
  /// `namespace` when it is a string (non-strings count as null).
  std::optional<std::string> ns;
  /// `metadata` as sent (null when absent).
  query::value metadata;
  bool receive_client_updates = false;
  std::vector<std::string> tags;
};

/// Parses identify's `d` (nullptr when absent). nullopt means L-5's
/// `payload has no data`.
std::optional<identify> parse_identify(const query::value* d);

/// whether the client is restricted, given the server password (empty
/// for none). Compared in constant time.
bool is_restricted(const identify& id, std::string_view server_password);

/// Byte equality whose time depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

/// Validates an UPDATE_METADATA body (M-2, M-3), also accepting a string that
/// holds a JSON array for the `list` type (M-1).
query::update_result parse_metadata_update(const query::value& body);

/// The per-key error map of M-3 as a value.
query::value error_map(const query::update_result& r);

} // namespace sy::proto
