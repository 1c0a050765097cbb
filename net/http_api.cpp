#include "net/http_api.hpp"

namespace sy::net {

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
    auto key = percent_decode(part.substr(0, eq));
    if (key == name) {
      found = true;
      return eq == std::string_view::npos ? std::string{} : percent_decode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos)
      break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

http_response handle_http(context& ctx, const http_request& req) {
  auto path = target_path(req.target);
  bool get = req.method == "GET" || req.method == "HEAD";
  if (get && path == "/") {
    http_response r;
    r.status = 302;
    r.headers.emplace_back("Location", "/gateway/websocket");
    return r;
  }
  if (get && path == "/gateway/websocket")
    return json_response(400, R"({"errors":{"detail":"Bad Request"}})");
  if (get && path == "/api/version")
    return json_response(200, std::string(R"({"api":"v1","singyeong":")") + SY_VERSION + "\"}");
  if (get && path == "/healthz") {
    if (ctx.shutting_down)
      return json_response(503, R"({"status":"shutting down"})");
    return json_response(200, R"({"status":"ok"})");
  }
  return json_response(404, R"({"code":404,"error":"not found"})");
}

} // namespace sy::net
