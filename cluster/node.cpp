#include "cluster/node.hpp"

#include <chrono>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/log.hpp"
#include "cluster/cookie.hpp"
#include "cluster/messages.hpp"
#include "cluster/peers.hpp"
#include "cluster/record.hpp"
#include "cluster/ssl_queue.hpp"

#ifndef SY_VERSION
#define SY_VERSION "0.0.0"
#endif

namespace sy::cluster {
namespace {

using namespace std::chrono_literals;

caf::error invalid(std::string what) { return caf::make_error(caf::sec::invalid_argument, std::move(what)); }

bool wildcard(const std::string& addr) { return addr == "0.0.0.0" || addr == "::" || addr == "[::]"; }

bool all_tls(const cluster_settings& s) { return !s.tls_ca.empty() && !s.tls_cert.empty() && !s.tls_key.empty(); }

/// OpenSSL's latest queued error, as text (and the queue emptied).
std::string ssl_error() {
  auto code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

/// Refuses to ask for a pass phrase: without this, OpenSSL would prompt on
/// the terminal for an encrypted key.
int no_passphrase(char*, int, int, void*) { return 0; }

} // namespace

void configure(caf::actor_system_config& cfg, const cluster_settings& s) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{200ms});
  cfg.set("middleman.connection-timeout", caf::timespan{1200ms});
  // Only with all three: the module throws from the system's constructor when
  // a certificate or key is missing; start_cluster reports partial settings.
  if (all_tls(s)) {
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.cafile", s.tls_ca);
    cfg.set("openssl.certificate", s.tls_cert);
    cfg.set("openssl.key", s.tls_key);
  }
}

std::string check_tls(const cluster_settings& s) {
  if (!s.tls())
    return {};
  if (!all_tls(s)) {
    std::string missing;
    for (auto [name, value] : {std::pair{"SINGYEONG_CLUSTER_TLS_CA", &s.tls_ca},
                               std::pair{"SINGYEONG_CLUSTER_TLS_CERT", &s.tls_cert},
                               std::pair{"SINGYEONG_CLUSTER_TLS_KEY", &s.tls_key}})
      if (value->empty())
        missing += (missing.empty() ? "" : ", ") + std::string(name);
    return "SINGYEONG_CLUSTER_TLS_CA, _CERT and _KEY must be set together (missing: " + missing + ")";
  }
  // CAF loads the files for every new link and throws from its I/O thread
  // when one fails: load them once here, as CAF will.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return "cluster TLS: cannot create an OpenSSL context: " + ssl_error();
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  if (SSL_CTX_load_verify_locations(ctx.get(), s.tls_ca.c_str(), nullptr) != 1)
    return "SINGYEONG_CLUSTER_TLS_CA: cannot load CA certificates from " + s.tls_ca + ": " + ssl_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), s.tls_cert.c_str()) != 1)
    return "SINGYEONG_CLUSTER_TLS_CERT: cannot load a certificate from " + s.tls_cert + ": " + ssl_error();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), s.tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return "SINGYEONG_CLUSTER_TLS_KEY: cannot use the key in " + s.tls_key
           + " (it must be an unencrypted PEM key of the certificate): " + ssl_error();
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "SINGYEONG_CLUSTER_TLS_KEY: " + s.tls_key + " does not belong to the certificate in " + s.tls_cert;
  return {};
}

caf::expected<cluster_handle> start_cluster(caf::actor_system& sys, cluster_settings s, caf::actor peer_listener) {
  if (!peer_listener)
    return invalid("cluster: no peer listener");
  if (s.cookie.size() < 16)
    return invalid("COOKIE: must be at least 16 bytes");
  if (s.bind.empty())
    s.bind = "127.0.0.1";
  if (s.host.empty()) {
    if (wildcard(s.bind))
      return invalid("SINGYEONG_CLUSTER_HOST: required when SINGYEONG_CLUSTER_BIND is a wildcard");
    s.host = s.bind;
  }
  if (!valid_field(s.host))
    return invalid("SINGYEONG_CLUSTER_HOST: must not be empty or contain spaces");
  if (s.name.empty())
    s.name = "default";
  if (s.node_id.empty())
    s.node_id = make_node_id();
  if (!valid_field(s.node_id))
    return invalid("cluster: invalid node id");
  if (auto bad = check_tls(s); !bad.empty())
    return invalid(std::move(bad));
  bool tls = s.tls();
  if (tls && !sys.has_openssl_manager())
    return invalid("cluster TLS: the actor system was configured without the TLS settings (configure)");
  peers_config pc;
  pc.node_id = s.node_id;
  pc.cookie = std::move(s.cookie);
  pc.membership.dsn = s.dsn;
  pc.membership.cluster = s.name;
  pc.membership.self = node_record{s.node_id, s.host, s.port, SY_VERSION};
  pc.tls = tls;
  auto peers = spawn_peers(sys, std::move(pc), std::move(peer_listener));
  // With TLS, nothing listens in plain BASP: the plain middleman stays loaded
  // (the openssl module runs on it) but publishes nothing.
  auto port = tls ? caf::openssl::publish(peers, s.port, s.bind.c_str(), true)
                  : sys.middleman().publish(peers, s.port, s.bind.c_str(), true);
  if (!port) {
    caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
    return caf::make_error(caf::sec::cannot_open_port, "SINGYEONG_CLUSTER_PORT: cannot listen on " + s.bind + ':'
                                                           + std::to_string(s.port) + ": " + sys.render(port.error()));
  }
  {
    caf::scoped_actor starter{sys};
    starter->send(peers, start_atom::value, *port);
  }
  if (tls && !ssl_queue_guarded())
    SY_LOG(warn, "cluster") << "OpenSSL's I/O calls are not wrapped (cluster/ssl_queue.cpp): a rejected TLS "
                               "connection may drop other peer links";
  SY_LOG(info, "cluster") << "node " << s.node_id << " listening for peers on " << s.bind << ':' << *port
                          << ", announced as " << s.host << ", cluster " << s.name
                          << (tls ? ", mutual TLS (CA " + s.tls_ca + ")" : std::string{});
  return cluster_handle{peers, s.node_id, *port};
}

} // namespace sy::cluster
