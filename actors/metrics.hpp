#pragma once
// Node-wide counters for GET /metrics (H-15): plain atomics bumped where the
// events happen, rendered in the Prometheus text format on demand.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace sy::actors::metrics {

/// A monotonically increasing counter or a gauge.
using counter = std::atomic<std::int64_t>;

// One cache line each: frames_in and routed_* are bumped by the CAF worker
// and frames_out by the I/O thread for every message; sharing a line, each
// bump moved it between the cores.
alignas(64) inline counter connections_open{0};
alignas(64) inline counter clients_identified{0};
alignas(64) inline counter frames_in{0};
alignas(64) inline counter frames_out{0};
alignas(64) inline counter routed_send{0};
alignas(64) inline counter routed_broadcast{0};
alignas(64) inline counter routed_query{0};
alignas(64) inline counter no_route{0};
alignas(64) inline counter slow_consumers{0};
alignas(64) inline counter http_requests{0};
/// Routes that needed peers (K-5): gathered (asked every peer that may have
/// candidates), forwarded (sent to the one peer that may, to route there)
/// or spread (a BROADCAST sent to every peer that may, each routing it over
/// its own clients as this node does).
alignas(64) inline counter cluster_gathered{0};
alignas(64) inline counter cluster_forwarded{0};
alignas(64) inline counter cluster_spread{0};

/// Counts one error frame sent, by its catalogue text (interpolations
/// folded: "already registered", "invalid client op", …).
void count_error(std::string_view text);

/// Per-application client gauges (H-15: only shown when enabled, so that an
/// open metrics port does not list who is connected by default).
void set_per_app(bool on);
/// One client of `app` came (+1) or went (-1).
void app_clients(const std::string& app, int delta);

/// Records one proxied request (P-*): its outcome (answered, invalid,
/// no_match, timeout, upstream_error) and how long the answer took.
void proxy_request(std::string_view outcome, double ms);

/// Records one query evaluation (routing decision) time in microseconds.
void observe_query_us(double us);

/// The whole exposition (text format 0.0.4).
std::string render();

} // namespace sy::actors::metrics
