#include "net/config.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "actors/log.hpp"

namespace sy::net {
namespace {

enum class kind { port, positive, count, optional_count, boolean, text, level, optional_port, scheduler };

/// Largest `count` value (SINGYEONG_IO_SPIN_US: one second of polling is
/// already far past any use, and larger ones would overflow as nanoseconds).
constexpr long long max_count = 1000000;

struct definition {
  const char* name;
  const char* fallback;
  kind type;
  const char* meaning;
};

// CFG-1 … CFG-23, in the spec's order.
const std::vector<definition>& definitions() {
  static const std::vector<definition> defs = {
    {"PORT", "4567", kind::port, "HTTP/websocket listen port"},
    {"AUTH", "", kind::text, "server password; empty = none (restricted mode for clients that send one)"},
    {"SINGYEONG_HEARTBEAT_INTERVAL_MS", "45000", kind::positive, "interval sent in hello; deadline = 1.5x"},
    {"SINGYEONG_IDLE_TIMEOUT_MS", "60000", kind::positive, "idle limit for connections that never identify"},
    {"SINGYEONG_MAX_FRAME_BYTES", "16777216", kind::positive, "largest accepted incoming websocket message"},
    {"SINGYEONG_QUEUE_ACK_TIMEOUT_MS", "15000", kind::positive, "queue: unacked message -> dead letters after"},
    {"SINGYEONG_QUEUE_DLQ_TIME_MS", "15000", kind::positive, "queue: dead letter requeued after"},
    {"SINGYEONG_QUEUE_GC_INTERVAL_MS", "1000", kind::positive, "queue: timeout sweep interval"},
    {"SINGYEONG_PROXY_TIMEOUT_MS", "30000", kind::positive, "HTTP proxy upstream timeout"},
    {"SINGYEONG_BIND", "", kind::text, "listen address; empty = all interfaces (IPv4 and IPv6)"},
    {"CLUSTERING", "false", kind::boolean, "true turns clustering on (needs REDIS_DSN and COOKIE)"},
    {"REDIS_DSN", "", kind::text, "redis://[:password@]host[:port][/db], the membership registry"},
    {"COOKIE", "", kind::text, "shared secret of the cluster, at least 16 bytes"},
    {"SINGYEONG_CLUSTER_PORT", "", kind::optional_port, "node-to-node port; empty = PORT + 1"},
    {"SINGYEONG_CLUSTER_BIND", "127.0.0.1", kind::text, "address the node port listens on"},
    {"SINGYEONG_CLUSTER_HOST", "", kind::text, "address announced to peers; empty = the cluster bind address"},
    {"SINGYEONG_CLUSTER_NAME", "default", kind::text, "several clusters can share one Redis"},
    {"SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS", "500", kind::positive, "per-peer answer limit of a query fan-out"},
    {"SINGYEONG_PLUGINS_DIR", "plugins", kind::text, "where plugins are loaded from; empty = none"},
    {"SINGYEONG_LOG_LEVEL", "info", kind::level, "error, warn, info, debug or trace"},
    {"SINGYEONG_MAX_OUTBOUND_BYTES", "8388608", kind::positive, "unsent bytes per connection before it is cut"},
    {"SINGYEONG_HTTP_MAX_BODY_BYTES", "16777216", kind::positive, "largest HTTP body and proxied response"},
    {"SINGYEONG_CLUSTER_TLS_CA", "", kind::text, "CA file for mutual TLS on node links"},
    {"SINGYEONG_CLUSTER_TLS_CERT", "", kind::text, "certificate file for mutual TLS on node links"},
    {"SINGYEONG_CLUSTER_TLS_KEY", "", kind::text, "key file for mutual TLS on node links"},
    {"SINGYEONG_METRICS_PER_APP", "false", kind::boolean, "per-application gauges on /metrics"},
    {"SINGYEONG_IO_THREADS", "1", kind::positive, "threads running sockets (Beast/Asio)"},
    {"SINGYEONG_WORKER_THREADS", "1", kind::positive, "threads running actors (CAF scheduler)"},
    {"SINGYEONG_IO_SPIN_US", "50", kind::count, "µs an idle I/O thread of a busy node polls before it sleeps"},
    {"SINGYEONG_WORKER_SPIN_US", "50", kind::count, "µs an idle actor worker of a busy node polls before it sleeps (sharing)"},
    {"SINGYEONG_WORKER_BATCH", "", kind::optional_count,
     "messages an actor handles before its worker moves on; 0 = its whole mailbox; empty = 32, or 0 with CLUSTERING"},
    {"SINGYEONG_SCHEDULER", "sharing", kind::scheduler,
     "CAF scheduler: sharing (polls, then sleeps: idles cheaply) or stealing (polls more; faster node links)"},
  };
  return defs;
}

const definition* find(const std::string& name) {
  for (const auto& d : definitions())
    if (name == d.name)
      return &d;
  return nullptr;
}

/// `--heartbeat-interval-ms` for SINGYEONG_HEARTBEAT_INTERVAL_MS, `--port` for PORT.
std::string flag_of(const std::string& name) {
  std::string s = name.rfind("SINGYEONG_", 0) == 0 ? name.substr(10) : name;
  for (auto& c : s)
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "--" + s;
}

} // namespace

void config_error(const std::string& line) {
  std::fprintf(stderr, "singyeong: configuration error: %s\n", line.c_str());
  std::exit(2);
}

namespace {

[[noreturn]] void fail(const std::string& line) { config_error(line); }

std::optional<long long> parse_int(const std::string& v) {
  if (v.empty() || v.size() > 18)
    return std::nullopt;
  long long n = 0;
  for (char c : v) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

/// Checks one value against its kind; returns an error text or "".
std::string check(const definition& d, const std::string& v) {
  switch (d.type) {
    case kind::port:
    case kind::optional_port: {
      if (d.type == kind::optional_port && v.empty())
        return "";
      auto n = parse_int(v);
      return n && *n >= 1 && *n <= 65535 ? "" : "must be a port number 1..65535";
    }
    case kind::positive: {
      auto n = parse_int(v);
      return n && *n >= 1 ? "" : "must be a positive integer";
    }
    case kind::count:
    case kind::optional_count: {
      if (d.type == kind::optional_count && v.empty())
        return "";
      auto n = parse_int(v);
      return n && *n <= max_count ? "" : "must be a whole number from 0 to " + std::to_string(max_count);
    }
    case kind::boolean: return v == "true" || v == "false" ? "" : "must be true or false";
    case kind::level: return log::parse_level(v) ? "" : "must be error, warn, info, debug or trace";
    case kind::scheduler: return v == "sharing" || v == "stealing" ? "" : "must be sharing or stealing";
    case kind::text: return "";
  }
  return "";
}

void set(std::map<std::string, std::string>& values, const std::string& name, const std::string& value,
         const std::string& origin) {
  const definition* d = find(name);
  if (!d)
    fail("unknown setting " + name + " (from " + origin + ")");
  auto err = check(*d, value);
  if (!err.empty())
    fail(name + "=" + value + " (from " + origin + "): " + err);
  values[name] = value;
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return v.substr(1, v.size() - 2);
  return v;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

void read_file(std::map<std::string, std::string>& values, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail("cannot read configuration file " + path + ": it is a directory");
  std::ifstream in(path);
  if (!in)
    fail("cannot read configuration file " + path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty() || line[0] == '#')
      continue;
    auto eq = line.find('=');
    std::string origin = path + ":" + std::to_string(n);
    if (eq == std::string::npos)
      fail("line is not NAME=VALUE (from " + origin + ")");
    set(values, trim(line.substr(0, eq)), unquote(trim(line.substr(eq + 1))), origin);
  }
}

} // namespace

std::string help_text() {
  std::string s = "usage: singyeong [--config FILE] [--<setting> VALUE]...\n\n"
                  "Settings (environment variable / flag, default: meaning). The environment overrides\n"
                  "the file, flags override both. --config FILE (or SINGYEONG_CONFIG) reads NAME=VALUE lines.\n\n";
  for (const auto& d : definitions()) {
    s += "  " + std::string(d.name) + " / " + flag_of(d.name) + "\n      default ";
    s += *d.fallback ? std::string(d.fallback) : std::string("(empty)");
    s += ": " + std::string(d.meaning) + "\n";
  }
  return s;
}

load_result load_config(int argc, char** argv) {
  load_result r;
  std::map<std::string, std::string> values;
  for (const auto& d : definitions())
    values[d.name] = d.fallback;
  // Flags first into their own map: --config decides which file is read.
  std::vector<std::pair<std::string, std::string>> flags;
  std::string file;
  if (const char* f = std::getenv("SINGYEONG_CONFIG"))
    file = f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(help_text().c_str(), stdout);
      r.exit_code = 0;
      return r;
    }
    if (a.rfind("--", 0) != 0)
      fail("unexpected argument " + a + " (from command line)");
    std::string name = a, value;
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fail("flag " + a + " needs a value (from command line)");
    }
    if (name == "--config") {
      file = value;
      continue;
    }
    const definition* d = nullptr;
    for (const auto& def : definitions())
      if (flag_of(def.name) == name)
        d = &def;
    if (!d)
      fail("unknown flag " + name + " (from command line)");
    flags.emplace_back(d->name, value);
  }
  if (!file.empty())
    read_file(values, file);
  for (const auto& d : definitions())
    if (const char* v = std::getenv(d.name))
      set(values, d.name, v, "environment");
  for (auto& [name, value] : flags)
    set(values, name, value, "command line");

  auto& c = r.cfg;
  c.values = values;
  c.net.port = static_cast<std::uint16_t>(std::stoi(values["PORT"]));
  c.net.bind = values["SINGYEONG_BIND"];
  c.net.max_frame_bytes = std::stoull(values["SINGYEONG_MAX_FRAME_BYTES"]);
  c.net.max_outbound_bytes = std::stoull(values["SINGYEONG_MAX_OUTBOUND_BYTES"]);
  c.net.http_max_body_bytes = std::stoull(values["SINGYEONG_HTTP_MAX_BODY_BYTES"]);
  c.net.proxy_timeout_ms = std::stoll(values["SINGYEONG_PROXY_TIMEOUT_MS"]);
  c.net.io_threads = std::stoi(values["SINGYEONG_IO_THREADS"]);
  c.net.io_spin = std::chrono::microseconds(std::stoll(values["SINGYEONG_IO_SPIN_US"]));
  c.worker_threads = std::stoi(values["SINGYEONG_WORKER_THREADS"]);
  c.worker_spin = std::chrono::microseconds(std::stoll(values["SINGYEONG_WORKER_SPIN_US"]));
  c.scheduler = values["SINGYEONG_SCHEDULER"];
  c.clustering = values["CLUSTERING"] == "true";
  // Measured with peerbench on 2 cores: W1 (1,000 receivers) 98k -> 141k
  // msg/s with 32 (mean of 4 alternating pairs), sendto calls per delivery
  // 0.63 -> 0.38; W3 unchanged. Node-to-node SENDs were 13 % slower with 32
  // (cross_node_bench, 3 pairs): peer batches are cut per mailbox turn.
  const auto& batch = values["SINGYEONG_WORKER_BATCH"];
  c.worker_batch = batch.empty() ? (c.clustering ? 0 : 32) : static_cast<std::size_t>(std::stoll(batch));
  c.gateway.auth = values["AUTH"];
  c.gateway.heartbeat_interval_ms = std::stoll(values["SINGYEONG_HEARTBEAT_INTERVAL_MS"]);
  c.gateway.idle_timeout_ms = std::stoll(values["SINGYEONG_IDLE_TIMEOUT_MS"]);
  c.log_level = values["SINGYEONG_LOG_LEVEL"];
  c.cluster_query_timeout_ms = std::stoi(values["SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS"]);
  return r;
}

} // namespace sy::net
