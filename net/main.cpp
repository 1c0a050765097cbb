// singyeong: composition root of a node.
//
//   configuration (net/config) -> logger level -> CAF actor system -> router
//   -> cluster (membership, peer links) when CLUSTERING=true
//   -> net::serve (listener, sessions) until SIGTERM/SIGINT -> leave the
//   cluster (record deleted) -> router exit -> wait for every actor -> exit 0.
//
// CAF's own configuration parsing is not used (it would silently read a
// caf-application.ini from the working directory); ours is section 16's.

#include <caf/all.hpp>

#include "actors/alarm.hpp"
#include "actors/cluster_port.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "actors/router.hpp"
#include "actors/spin_sharing.hpp"
#include "net/config.hpp"
#include "net/server.hpp"

int main(int argc, char** argv) {
  using namespace sy;
  auto loaded = net::load_config(argc, argv);
  if (loaded.exit_code >= 0)
    return loaded.exit_code;
  auto& cfg = loaded.cfg;
  log::set_level(*log::parse_level(cfg.log_level));
  actors::metrics::set_per_app(cfg.values["SINGYEONG_METRICS_PER_APP"] == "true");

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(cfg.worker_threads));
  caf_cfg.set("logger.console-verbosity", caf::atom("quiet"));
  // An actor hands the worker on after this many messages, so a client with
  // a full mailbox cannot hold back the app actor that delivers its routes
  // (net/config.cpp has the measurements). 0: CAF's default, unbounded.
  if (cfg.worker_batch > 0)
    caf_cfg.set("scheduler.max-throughput", cfg.worker_batch);
  // Sharing (the default, actors/spin_sharing) polls SINGYEONG_WORKER_SPIN_US
  // after the last job, then sleeps: it costs nothing idle. CAF's stealing
  // polls longer: measured, node-to-node SENDs (cross_node_bench) +20 %, but
  // 12x the CPU at 50 msg/s (0.86 against 0.07 CPU-s in 5 s) and 2.4x at
  // 1,000 msg/s, and a 10 ms sleep once idle.
  if (cfg.scheduler == "stealing")
    caf_cfg.set("scheduler.policy", caf::atom("stealing"));
  else
    actors::use_spin_sharing(caf_cfg, cfg.worker_spin);
  // The cluster is reached through its port (implemented in cluster/).
  std::unique_ptr<actors::cluster_port> cluster;
  if (cfg.clustering) {
    std::string err;
    cluster = actors::make_cluster(cfg.values, cfg.net.port, err);
    if (!cluster)
      net::config_error(err);
    cluster->configure(caf_cfg);
  }
  int status = 0;
  {
    caf::actor_system sys{caf_cfg};
    auto router = actors::spawn_router(sys, "local", cfg.cluster_query_timeout_ms);
    auto alarm = actors::spawn_alarm(sys);
    auto stop_actors = [&] {
      caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(alarm, caf::exit_reason::user_shutdown);
      sys.await_all_actors_done();
    };
    if (cluster) {
      if (auto err = cluster->start(sys, router); !err.empty()) {
        SY_LOG(error, "main") << "cannot start clustering: " << err;
        stop_actors();
        cluster.reset();
        return 1;
      }
    }
    auto gateway = cfg.gateway;
    gateway.alarm = alarm;
    auto opts = std::make_shared<const actors::options>(std::move(gateway));
    SY_LOG(info, "main") << "singyeong " << SY_VERSION << " starting";
    status = net::serve(sys, router, opts, cfg.net);
    if (cluster)
      cluster->leave();
    stop_actors();
    cluster.reset(); // its actor handle goes before the system does
  }
  SY_LOG(info, "main") << "exit status=" << status;
  return status;
}
