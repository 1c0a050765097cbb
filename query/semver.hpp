#pragma once
// SemVer 2.0.0 parsing and precedence.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sy::query {

/// A parsed semantic version; build metadata is dropped (it has no precedence).
/// The core numbers are kept as their digits (no leading zeros), so that
/// SemVer's unbounded numbers compare exactly: by length, then digit by digit.
struct semver {
  std::string major = "0", minor = "0", patch = "0";
  std::vector<std::string> pre;
};

/// Parses a SemVer 2.0.0 string; nullopt if it is not valid.
std::optional<semver> parse_semver(std::string_view s);

/// Precedence comparison: negative, zero or positive.
int compare(const semver& a, const semver& b);

} // namespace sy::query
