#include "actors/metrics.hpp"

#include <array>
#include <map>
#include <mutex>

namespace sy::actors::metrics {
namespace {

std::mutex errors_mutex;
std::map<std::string, std::int64_t> errors;
std::atomic<bool> per_app{false};
std::map<std::string, std::int64_t> app_counts; // under errors_mutex

/// A Prometheus histogram with ten fixed upper bounds.
struct histogram {
  std::array<double, 10> bounds;
  std::array<counter, 11> buckets{};
  std::atomic<double> sum{0};
  counter count{0};

  void observe(double v) {
    std::size_t i = 0;
    while (i < bounds.size() && v > bounds[i])
      ++i;
    ++buckets[i];
    ++count;
    double cur = sum.load();
    while (!sum.compare_exchange_weak(cur, cur + v)) {
    }
  }

  void render(std::string& out, const std::string& name, const char* help) const {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += buckets[i];
      out += name + "_bucket{le=\"" + std::to_string(static_cast<long long>(bounds[i])) + "\"} "
             + std::to_string(cumulative) + "\n";
    }
    cumulative += buckets[bounds.size()];
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
    out += name + "_sum " + std::to_string(sum.load()) + "\n";
    out += name + "_count " + std::to_string(count.load()) + "\n";
  }
};

histogram query_us{{5, 10, 25, 50, 100, 250, 500, 1000, 5000, 25000}};
histogram proxy_ms{{1, 5, 10, 25, 50, 100, 250, 1000, 5000, 30000}};
std::map<std::string, std::int64_t> proxy_outcomes; // under errors_mutex

/// The catalogue entry of an error text, without interpolated parts.
std::string entry_of(std::string_view text) {
  if (text.find(": already registered for app ") != std::string_view::npos)
    return "already registered";
  if (text.rfind("invalid client op", 0) == 0)
    return "invalid client op";
  if (text.rfind("invalid dispatch type", 0) == 0)
    return "invalid dispatch type";
  if (text.rfind("invalid JSON", 0) == 0)
    return "decode error";
  return std::string(text);
}

void line(std::string& out, const char* name, const char* type, const char* help, std::int64_t v) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

} // namespace

void set_per_app(bool on) { per_app = on; }

void app_clients(const std::string& app, int delta) {
  std::lock_guard<std::mutex> guard(errors_mutex);
  if ((app_counts[app] += delta) <= 0)
    app_counts.erase(app);
}

/// A Prometheus label value: backslash, quote and newline escaped.
static std::string label_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void count_error(std::string_view text) {
  std::lock_guard<std::mutex> guard(errors_mutex);
  ++errors[entry_of(text)];
}

void observe_query_us(double us) { query_us.observe(us); }

void proxy_request(std::string_view outcome, double ms) {
  proxy_ms.observe(ms);
  std::lock_guard<std::mutex> guard(errors_mutex);
  ++proxy_outcomes[std::string(outcome)];
}

std::string render() {
  std::string out;
  line(out, "singyeong_connections_open", "gauge", "open websocket connections", connections_open);
  line(out, "singyeong_clients_identified", "gauge", "identified clients", clients_identified);
  line(out, "singyeong_frames_in_total", "counter", "websocket messages received", frames_in);
  line(out, "singyeong_frames_out_total", "counter", "websocket messages queued for sending", frames_out);
  out += "# HELP singyeong_messages_routed_total messages routed by kind\n"
         "# TYPE singyeong_messages_routed_total counter\n";
  out += "singyeong_messages_routed_total{kind=\"send\"} " + std::to_string(routed_send) + "\n";
  out += "singyeong_messages_routed_total{kind=\"broadcast\"} " + std::to_string(routed_broadcast) + "\n";
  out += "singyeong_messages_routed_total{kind=\"query\"} " + std::to_string(routed_query) + "\n";
  out += "singyeong_messages_routed_total{kind=\"queue\"} 0\n";
  line(out, "singyeong_no_route_total", "counter", "SEND/BROADCAST without any match", no_route);
  line(out, "singyeong_slow_consumer_disconnects_total", "counter", "connections cut as slow consumers",
       slow_consumers);
  out += "# HELP singyeong_cluster_routes_total routes that needed peer nodes, by how\n"
         "# TYPE singyeong_cluster_routes_total counter\n";
  out += "singyeong_cluster_routes_total{how=\"gathered\"} " + std::to_string(cluster_gathered) + "\n";
  out += "singyeong_cluster_routes_total{how=\"forwarded\"} " + std::to_string(cluster_forwarded) + "\n";
  out += "singyeong_cluster_routes_total{how=\"spread\"} " + std::to_string(cluster_spread) + "\n";
  line(out, "singyeong_http_requests_total", "counter", "HTTP requests answered", http_requests);
  out += "# HELP singyeong_errors_total error frames sent, by catalogue entry\n"
         "# TYPE singyeong_errors_total counter\n";
  {
    std::lock_guard<std::mutex> guard(errors_mutex);
    for (const auto& [k, v] : errors)
      out += "singyeong_errors_total{error=\"" + label_value(k) + "\"} " + std::to_string(v) + "\n";
    if (per_app) {
      out += "# HELP singyeong_app_clients identified clients per application\n"
             "# TYPE singyeong_app_clients gauge\n";
      for (const auto& [app, n] : app_counts)
        out += "singyeong_app_clients{app=\"" + label_value(app) + "\"} " + std::to_string(n) + "\n";
    }
  }
  query_us.render(out, "singyeong_query_duration_microseconds", "routing decision time");
  out += "# HELP singyeong_proxy_requests_total proxied HTTP requests by outcome\n"
         "# TYPE singyeong_proxy_requests_total counter\n";
  {
    std::lock_guard<std::mutex> guard(errors_mutex);
    for (const char* o : {"answered", "invalid", "no_match", "timeout", "upstream_error"}) {
      auto it = proxy_outcomes.find(o);
      out += std::string("singyeong_proxy_requests_total{outcome=\"") + o + "\"} "
             + std::to_string(it == proxy_outcomes.end() ? 0 : it->second) + "\n";
    }
  }
  proxy_ms.render(out, "singyeong_proxy_duration_milliseconds", "time to answer a proxied request");
  return out;
}

} // namespace sy::actors::metrics
