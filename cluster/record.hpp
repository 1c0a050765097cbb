#pragma once
// Membership records in Redis (K-3): the key layout and the one-line value
// `<node id> <host> <cluster port> <version>`. Pure string work, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::cluster {

/// One node as announced in Redis.
struct node_record {
  std::string id;
  std::string host;
  std::uint16_t port = 0;
  std::string version;
};

/// `singyeong:cluster:<cluster>:node:<id>`.
std::string record_key(std::string_view cluster, std::string_view id);

/// A SCAN MATCH pattern for every record of `cluster` (glob characters in the
/// cluster name are escaped).
std::string record_pattern(std::string_view cluster);

/// The id part of a key made by record_key, or "" when `key` is not one.
std::string_view id_of_key(std::string_view cluster, std::string_view key);

/// The value line of a record.
std::string format_record(const node_record& r);

/// Parses a value line; nullopt unless it has exactly four space-separated
/// non-empty fields and a port in 1..65535.
std::optional<node_record> parse_record(std::string_view line);

/// Whether `s` can be one field of a record (non-empty, no whitespace or
/// control characters).
bool valid_field(std::string_view s);

} // namespace sy::cluster
