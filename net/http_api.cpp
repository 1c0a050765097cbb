// The HTTP routes (H-*, T-3): plain functions from request to response. Routes
// that need the actors (query, discovery) answer asynchronously through the
// bridge; nothing here blocks an io thread.

#include "net/http_api.hpp"

#include "net/proxy.hpp"
#include "net/proxy_request.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "actors/bridge.hpp"
#include "actors/metrics.hpp"
#include "proto/identify.hpp"
#include "proto/json.hpp"
#include "query/parse.hpp"

namespace sy::net {
namespace {

using query::value;

const std::string* header(const http_request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers)
    if (k.size() == name.size()
        && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return &v;
  return nullptr;
}

/// A-8: with a password configured, `Authorization` must equal it.
bool authorized(const context& ctx, const http_request& req) {
  if (ctx.opts->auth.empty())
    return true;
  const std::string* h = header(req, "authorization");
  return h && proto::constant_time_equal(*h, ctx.opts->auth);
}

/// H-2: the body as a JSON object. Returns 0 when it is one; otherwise the
/// status of the answer already written to `res`.
bool json_body(const http_request& req, value& out, http_response& res) {
  const std::string* ct = header(req, "content-type");
  bool is_json = !ct || ct->rfind("application/json", 0) == 0;
  std::string err;
  if (is_json && !proto::parse_json(req.body, out, err)) {
    res = json_response(400, R"({"errors":{"detail":"Bad Request"}})");
    return false;
  }
  if (!is_json || !out.is_object()) {
    res = json_response(400, R"({"errors":["invalid query"]})");
    return false;
  }
  return true;
}

void api_query(context& ctx, const http_request& req, std::function<void(http_response)> done) {
  value body;
  http_response res;
  if (!json_body(req, body, res))
    return done(std::move(res));
  auto parsed = query::parse_query(body);
  if (!parsed.ok())
    return done(json_response(400, R"({"errors":["invalid query"]})"));
  actors::query_nodes(ctx.sys, ctx.router, std::move(*parsed.parsed), body, [done](bool ok, query::array nodes) {
    if (!ok)
      return done(json_response(500, R"({"errors":{"detail":"Internal Server Error"}})"));
    done(json_response(200, proto::to_json(value{std::move(nodes)})));
  });
}

void api_discovery(context& ctx, const http_request& req, std::function<void(http_response)> done) {
  bool found = false;
  auto q = query_param(req.target, "q", found);
  if (!found)
    return done(json_response(400, R"({"status":"error","error":"no query parameter"})"));
  value tags;
  std::string err;
  bool ok = proto::parse_json(q, tags, err) && tags.is_array();
  std::vector<std::string> wanted;
  if (ok)
    for (const auto& t : tags.as_array()) {
      if (!t.is_string()) {
        ok = false;
        break;
      }
      wanted.push_back(t.as_string());
    }
  if (!ok)
    return done(json_response(400, R"({"status":"error","error":"invalid query parameter"})"));
  actors::discover(ctx.sys, ctx.router, std::move(wanted), [done](bool ok, std::vector<std::string> apps) {
    if (!ok)
      return done(json_response(500, R"({"errors":{"detail":"Internal Server Error"}})"));
    query::array result(apps.begin(), apps.end());
    value body{query::object{{"status", value{"ok"}}, {"result", value{std::move(result)}}}};
    done(json_response(200, proto::to_json(body)));
  });
}

void api_proxy(context& ctx, const http_request& req, std::function<void(http_response)> answer) {
  // Every answer is counted by outcome and timed (H-15).
  auto stage = std::make_shared<const char*>("invalid");
  auto done = [answer = std::move(answer), stage, started = std::chrono::steady_clock::now()](http_response r) {
    const char* outcome = r.status == 504 ? "timeout" : r.status == 502 ? "upstream_error" : *stage;
    actors::metrics::proxy_request(
      outcome, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    answer(std::move(r));
  };
  value body;
  http_response res;
  const std::string* ct = header(req, "content-type");
  std::string err;
  if ((!ct || ct->rfind("application/json", 0) == 0) && !proto::parse_json(req.body, body, err))
    return done(json_response(400, R"({"errors":{"detail":"Bad Request"}})"));
  if (ct && ct->rfind("application/json", 0) != 0)
    body = value{}; // H-2: not a valid request, so P-2 fails at row 1
  std::string error_body;
  auto call = parse_proxy(body.is_object() ? body : value{query::object{}}, error_body);
  if (!call)
    return done(json_response(400, error_body));
  auto q = call->q;
  auto raw = call->raw_query;
  auto caller = req.peer_ip;
  context* c = &ctx;
  actors::proxy_target(ctx.sys, ctx.router, std::move(q), std::move(raw),
                       [c, call = std::move(*call), caller, done, stage](std::string ip) mutable {
                         *stage = ip.empty() ? "no_match" : "answered";
                         if (ip.empty())
                           return done(json_response(400, R"({"errors":["no matches"]})"));
                         std::string why;
                         auto up = upstream_for(ip, call.route, why);
                         if (!up)
                           return done(json_response(502, proto::to_json(value{query::object{
                                                            {"errors", value{query::array{value{why}}}}}})));
                         forward(*c, std::move(call), std::move(*up), caller, std::move(done));
                       });
}

http_response not_found() { return json_response(404, R"({"code":404,"error":"not found"})"); }

} // namespace

http_response json_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

std::string target_path(const std::string& target) { return target.substr(0, target.find('?')); }

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string query_param(const std::string& target, const std::string& name, bool& found) {
  found = false;
  auto q = target.find('?');
  if (q == std::string::npos)
    return {};
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    auto eq = part.find('=');
    if (percent_decode(part.substr(0, eq)) == name) {
      found = true;
      return eq == std::string_view::npos ? std::string{} : percent_decode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos)
      break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

void handle_http(context& ctx, const http_request& req, std::function<void(http_response)> done) {
  ++actors::metrics::http_requests;
  auto path = target_path(req.target);
  bool get = req.method == "GET" || req.method == "HEAD"; // H-12
  if (get && path == "/") {
    http_response r;
    r.status = 302;
    r.headers.emplace_back("Location", "/gateway/websocket");
    return done(std::move(r));
  }
  if (get && path == "/gateway/websocket")
    return done(json_response(400, R"({"errors":{"detail":"Bad Request"}})")); // H-10
  if (get && path == "/api/version")
    return done(json_response(200, std::string(R"({"api":"v1","singyeong":")") + SY_VERSION + "\"}"));
  if (get && path == "/healthz")
    return done(ctx.shutting_down ? json_response(503, R"({"status":"shutting down"})")
                                  : json_response(200, R"({"status":"ok"})"));
  if (get && path == "/metrics") {
    http_response r;
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = actors::metrics::render();
    return done(std::move(r));
  }
  bool query = req.method == "POST" && path == "/api/v1/query";
  bool discovery = get && path == "/api/v1/discovery/tags";
  bool proxy = req.method == "POST" && path == "/api/v1/proxy";
  if (!query && !discovery && !proxy)
    return done(not_found()); // H-9: before any auth check
  if (!authorized(ctx, req))
    return done(json_response(401, R"({"status":"error","error":"not authorized"})"));
  if (query)
    return api_query(ctx, req, std::move(done));
  if (proxy)
    return api_proxy(ctx, req, std::move(done));
  api_discovery(ctx, req, std::move(done));
}

} // namespace sy::net
