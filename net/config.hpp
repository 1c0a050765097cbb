#pragma once
// Configuration of a node (section 16): defaults, then the file named by
// --config / SINGYEONG_CONFIG, then the environment, then the flags.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "actors/options.hpp"
#include "net/context.hpp"

namespace sy::net {

/// Every setting of the node, resolved.
struct config {
  actors::options gateway;
  settings net;
  std::string log_level = "info";
  bool clustering = false;
  /// CFG-17 (the cluster's other settings are read from `values` by cluster/).
  int cluster_query_timeout_ms = 500;
  /// CAF scheduler threads.
  int worker_threads = 1;
  /// Messages an actor handles per turn on a worker (0 = unbounded).
  std::size_t worker_batch = 32;
  /// With "sharing": how long an idle worker polls before it sleeps.
  std::chrono::microseconds worker_spin{50};
  /// CAF scheduler policy: "sharing" (actors/spin_sharing) or "stealing".
  std::string scheduler = "sharing";
  /// All settings by variable name (for the ones later modules read).
  std::map<std::string, std::string> values;
};

/// Outcome of loading: `exit_code` >= 0 means stop now with that status
/// (0 after --help, 2 on a configuration error, already reported).
struct load_result {
  config cfg;
  int exit_code = -1;
};

/// Loads the configuration from argv and the process environment.
load_result load_config(int argc, char** argv);

/// Reports a configuration error in the one-line format and exits with 2.
[[noreturn]] void config_error(const std::string& line);

/// The --help text: every setting, its default and meaning.
std::string help_text();

} // namespace sy::net
