#include "net/proxy_request.hpp"

#include <algorithm>
#include <array>

#include "proto/json.hpp"
#include "query/parse.hpp"

namespace sy::net {
namespace {

using query::value;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_ctl(const std::string& s) { return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos; }

bool hop_by_hop(const std::string& n) {
  return n == "connection" || n == "keep-alive" || n == "transfer-encoding" || n == "te" || n == "trailer"
         || n == "upgrade" || n.rfind("proxy-", 0) == 0;
}

std::string errors_body(const std::string& text) { return proto::to_json(value{query::object{{"errors", value{query::array{value{text}}}}}}); }

} // namespace

bool drop_response_header(const std::string& n) { return hop_by_hop(n) || n == "content-length"; }

std::optional<proxy_call> parse_proxy(const value& body, std::string& error_body) {
  static const std::array<const char*, 9> valid{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  const value* method = body.find("method");
  const value* route = body.find("route");
  const value* q = body.find("query");
  if (!method || method->is_null()) {
    error_body = R"({"method":["no method provided"]})";
    return std::nullopt;
  }
  if (!route || !route->is_string()) {
    error_body = R"({"route":["no route provided"]})";
    return std::nullopt;
  }
  if (!q || q->is_null()) {
    error_body = R"({"query":["no query provided"]})";
    return std::nullopt;
  }
  auto parsed = query::parse_query(*q);
  if (!parsed.ok()) {
    error_body = R"({"errors":["invalid query"]})";
    return std::nullopt;
  }
  std::string m = method->is_string() ? method->as_string() : proto::to_json(*method);
  bool known = method->is_string() && std::find(valid.begin(), valid.end(), m) != valid.end();
  if (!known) {
    error_body = errors_body(m + " is not a valid method! (valid methods: [\"GET\", \"HEAD\", \"POST\", \"PUT\", "
                                 "\"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\"])");
    return std::nullopt;
  }
  if (m == "CONNECT" || m == "OPTIONS" || m == "TRACE") {
    error_body = errors_body(m + " is not a supported method! (not supported: [\"CONNECT\", \"OPTIONS\", \"TRACE\"])");
    return std::nullopt;
  }
  const value* b = body.find("body");
  bool no_body = !b || b->is_null() || (b->is_string() && b->as_string().empty());
  bool bodyless = m == "GET" || m == "HEAD";
  if (bodyless && !no_body) {
    error_body = errors_body("no body required but one given (you probably wanted to send nil)");
    return std::nullopt;
  }
  proxy_call call;
  call.method = m;
  call.route = route->as_string();
  call.q = std::move(*parsed.parsed);
  call.raw_query = *q;
  if (call.route.empty() || call.route[0] != '/' || has_ctl(call.route)) {
    error_body = errors_body("invalid route");
    return std::nullopt;
  }
  if (const value* h = body.find("headers"); h && h->is_object()) {
    for (const auto& [k, v] : h->as_object()) {
      if (!v.is_string())
        continue; // P-2: non-string header values are ignored
      if (k.empty() || has_ctl(k) || has_ctl(v.as_string()) || k.find(':') != std::string::npos) {
        error_body = errors_body("invalid header");
        return std::nullopt;
      }
      auto n = lower(k);
      if (hop_by_hop(n) || n == "host" || n == "content-length")
        continue;
      call.headers.emplace_back(k, v.as_string());
    }
  }
  if (!bodyless && b && !b->is_null()) {
    if (b->is_string()) {
      call.body = b->as_string();
    } else {
      call.body = proto::to_json(*b);
      call.json_body = b->is_object() || b->is_array();
    }
  }
  return call;
}

std::optional<upstream> upstream_for(const std::string& socket_ip, const std::string& route, std::string& error) {
  std::string base = socket_ip;
  upstream u;
  auto scheme_end = base.find("://");
  if (scheme_end != std::string::npos) {
    auto scheme = lower(base.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") {
      error = "the client's address has an unsupported scheme: " + scheme;
      return std::nullopt;
    }
    u.tls = scheme == "https";
    base = base.substr(scheme_end + 3);
  } else if (std::count(base.begin(), base.end(), ':') > 1 && base.front() != '[') {
    base = "[" + base + "]"; // a bare IPv6 address
  }
  std::string prefix;
  if (auto slash = base.find('/'); slash != std::string::npos) {
    prefix = base.substr(slash);
    base = base.substr(0, slash);
  }
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  std::string authority = base;
  std::string host = authority, port = u.tls ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "the client's address is malformed: " + socket_ip;
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    error = "the client's address is malformed: " + socket_ip;
    return std::nullopt;
  }
  std::string r = route;
  while (!r.empty() && r.front() == '/')
    r.erase(r.begin());
  u.host = host;
  u.port = port;
  u.host_header = authority;
  u.target = prefix + "/" + r;
  return u;
}

} // namespace sy::net
