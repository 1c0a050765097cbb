#pragma once
// The cluster's settings (CFG-11…17, CFG-22) from the resolved configuration
// values, with the start-up checks of K-2 and CFG-22.

#include <cstdint>
#include <map>
#include <string>

#include "cluster/node.hpp"

namespace sy::cluster {

/// Fills `out` from the configuration `values` (variable name -> value);
/// `http_port` is PORT (the cluster port defaults to PORT + 1). Returns ""
/// or the one-line error naming the variable.
std::string settings_from(const std::map<std::string, std::string>& values, std::uint16_t http_port,
                          cluster_settings& out);

} // namespace sy::cluster
