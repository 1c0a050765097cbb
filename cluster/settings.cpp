#include "cluster/settings.hpp"

#include <filesystem>
#include <fstream>
#include <utility>

#include "cluster/dsn.hpp"

namespace sy::cluster {

std::string settings_from(const std::map<std::string, std::string>& values, std::uint16_t http_port,
                          cluster_settings& out) {
  auto v = [&](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? std::string{} : it->second;
  };
  out.query_timeout_ms = std::stoi(v("SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS"));
  auto dsn = cluster::parse_dsn(v("REDIS_DSN"));
  if (!dsn)
    return "REDIS_DSN is required with CLUSTERING=true and must look like redis://[:password@]host[:port][/db]";
  if (v("COOKIE").size() < 16)
    return "COOKIE is required with CLUSTERING=true and must be at least 16 bytes";
  auto& k = out;
  k.dsn = *dsn;
  k.cookie = v("COOKIE");
  k.bind = v("SINGYEONG_CLUSTER_BIND");
  k.host = v("SINGYEONG_CLUSTER_HOST");
  k.name = v("SINGYEONG_CLUSTER_NAME");
  auto port = v("SINGYEONG_CLUSTER_PORT");
  k.port = static_cast<std::uint16_t>(port.empty() ? http_port + 1 : std::stoi(port));
  // K-2: peers could not reach a wildcard address.
  if ((k.bind == "0.0.0.0" || k.bind == "::") && k.host.empty())
    return "SINGYEONG_CLUSTER_HOST is required when SINGYEONG_CLUSTER_BIND is a wildcard (" + k.bind + ")";
  // CFG-22: mutual TLS on node links, all three files or none.
  k.tls_ca = v("SINGYEONG_CLUSTER_TLS_CA");
  k.tls_cert = v("SINGYEONG_CLUSTER_TLS_CERT");
  k.tls_key = v("SINGYEONG_CLUSTER_TLS_KEY");
  const std::pair<const char*, const std::string*> tls_files[] = {
    {"SINGYEONG_CLUSTER_TLS_CA", &k.tls_ca}, {"SINGYEONG_CLUSTER_TLS_CERT", &k.tls_cert},
    {"SINGYEONG_CLUSTER_TLS_KEY", &k.tls_key}};
  std::string missing;
  for (auto [name, path] : tls_files)
    if (path->empty())
      missing += (missing.empty() ? "" : ", ") + std::string(name);
  if (k.tls() && !missing.empty())
    return "SINGYEONG_CLUSTER_TLS_CA, _CERT and _KEY must be set together (missing: " + missing + ")";
  for (auto [name, path] : tls_files) {
    std::error_code ec;
    if (!path->empty() && (std::filesystem::is_directory(*path, ec) || !std::ifstream(*path)))
      return std::string(name) + "=" + *path + ": cannot read the file";
  }
  return {};
}

} // namespace sy::cluster
