// cluster/'s side of actors/cluster_port.hpp: the settings from the
// configuration, then configure / start_cluster / the exit that leaves.

#include <caf/all.hpp>

#include "actors/cluster_port.hpp"
#include "actors/log.hpp"
#include "cluster/node.hpp"
#include "cluster/settings.hpp"

namespace sy::cluster {
namespace {

class node_port : public actors::cluster_port {
public:
  explicit node_port(cluster_settings s) : settings_(std::move(s)) {}

  void configure(caf::actor_system_config& cfg) override { cluster::configure(cfg, settings_); }

  std::string start(caf::actor_system& sys, const caf::actor& router) override {
    auto started = start_cluster(sys, settings_, router);
    if (!started)
      return sys.render(started.error());
    peers_ = started->peers;
    SY_LOG(info, "cluster") << "cluster node=" << started->node_id << " port=" << started->port;
    return {};
  }

  void leave() override {
    if (peers_)
      caf::anon_send_exit(peers_, caf::exit_reason::user_shutdown);
  }

private:
  cluster_settings settings_;
  caf::actor peers_;
};

} // namespace
} // namespace sy::cluster

namespace sy::actors {

std::unique_ptr<cluster_port> make_cluster(const std::map<std::string, std::string>& values,
                                           std::uint16_t http_port, std::string& error) {
  cluster::cluster_settings s;
  error = cluster::settings_from(values, http_port, s);
  if (!error.empty())
    return nullptr;
  return std::make_unique<cluster::node_port>(std::move(s));
}

} // namespace sy::actors
