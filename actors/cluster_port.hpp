#pragma once
// The cluster as the composition root sees it. cluster/ implements it
// (cluster/port.cpp) and main() reaches it through make_cluster() without
// including cluster/, so net/ keeps its dependency rule. A port like
// outbox: declared here, implemented by the layer that owns the machinery.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

namespace sy::actors {

/// A node's membership and peer links (K-2…K-4), before and after start.
class cluster_port {
public:
  virtual ~cluster_port() = default;
  /// Before the actor system exists: the middleman, BASP heartbeats and,
  /// with the TLS files, CAF's openssl module.
  virtual void configure(caf::actor_system_config& cfg) = 0;
  /// Publishes the endpoint and starts membership and peer links; `router`
  /// gets the peer events. Returns "" or why the cluster cannot start.
  virtual std::string start(caf::actor_system& sys, const caf::actor& router) = 0;
  /// Leaves the cluster (our registry record is deleted first).
  virtual void leave() = 0;
};

/// The cluster of the configuration `values` (CFG-11…17, CFG-22; the cluster
/// port defaults to `http_port` + 1). On a bad setting: nullptr, and `error`
/// is the one-line message naming the variable.
std::unique_ptr<cluster_port> make_cluster(const std::map<std::string, std::string>& values,
                                           std::uint16_t http_port, std::string& error);

} // namespace sy::actors
