// The proxy's HTTP client: resolve, connect, write, read, all asynchronous on
// the upstream connection's own strand, bounded by SINGYEONG_PROXY_TIMEOUT_MS
// for the whole exchange and by SINGYEONG_HTTP_MAX_BODY_BYTES for the answer.
// Redirects are answered as they are, never followed (P-5).

#include "net/proxy.hpp"

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "actors/log.hpp"
#include "proto/json.hpp"

namespace sy::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

/// Certificates are verified against the system's trust store (OpenSSL's
/// default paths; SSL_CERT_FILE / SSL_CERT_DIR override it, as usual).
ssl::context& tls_context() {
  static ssl::context ctx = [] {
    ssl::context c{ssl::context::tls_client};
    c.set_default_verify_paths();
    c.set_verify_mode(ssl::verify_peer);
    return c;
  }();
  return ctx;
}

http_response failure(unsigned status, const std::string& reason) {
  using query::value;
  return json_response(status, proto::to_json(value{query::object{{"errors", value{query::array{value{reason}}}}}}));
}

class upstream_call : public std::enable_shared_from_this<upstream_call> {
public:
  upstream_call(context& ctx, upstream up, std::function<void(http_response)> done)
    : ctx_(ctx), up_(std::move(up)), done_(std::move(done)), resolver_(asio::make_strand(ctx.ioc)),
      stream_(resolver_.get_executor()) {
    if (up_.tls)
      tls_.emplace(resolver_.get_executor(), tls_context());
  }

  ~upstream_call() {
    if (registry_id_)
      ctx_.sessions.remove(registry_id_);
  }

  /// The strand everything of this call runs on.
  asio::any_io_executor executor() { return resolver_.get_executor(); }

  void start(const proxy_call& call, const std::string& caller_ip) {
    // On shutdown the upstream connection is closed (the call then fails).
    std::weak_ptr<upstream_call> weak = shared_from_this();
    registry_id_ = ctx_.sessions.add([weak] {
      if (auto c = weak.lock())
        asio::post(c->executor(), [c] {
          c->resolver_.cancel();
          c->lowest().close();
        });
    });
    req_.method_string(call.method);
    req_.target(up_.target);
    req_.version(11);
    req_.set(http::field::host, up_.host_header);
    std::string forwarded = caller_ip;
    bool has_type = false;
    for (const auto& [k, v] : call.headers) {
      if (beast::iequals(k, "x-forwarded-for")) {
        forwarded = v + ", " + caller_ip;
        continue;
      }
      has_type = has_type || beast::iequals(k, "content-type");
      req_.insert(k, v);
    }
    req_.set("X-Forwarded-For", forwarded);
    if (call.json_body && !has_type)
      req_.set(http::field::content_type, "application/json");
    req_.keep_alive(false);
    if (call.method != "GET" && call.method != "HEAD") {
      req_.body() = call.body;
      req_.prepare_payload();
    }
    head_ = call.method == "HEAD";
    lowest().expires_after(std::chrono::milliseconds(ctx_.net.proxy_timeout_ms));
    auto self = shared_from_this();
    resolver_.async_resolve(up_.host, up_.port, [self](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec)
        return self->fail(ec, "cannot resolve " + self->up_.host);
      self->lowest().async_connect(r, [self](beast::error_code ec, const tcp::endpoint&) {
        if (ec)
          return self->fail(ec, "cannot connect to " + self->up_.host_header);
        if (self->tls_)
          return self->handshake();
        self->exchange(self->stream_);
      });
    });
  }

private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : stream_; }

  /// TLS with SNI and the certificate checked against the host name (P-4).
  void handshake() {
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), up_.host.c_str()))
      return finish(failure(502, "cannot set the TLS server name for " + up_.host));
    tls_->set_verify_callback(ssl::host_name_verification(up_.host));
    tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail(ec, "TLS handshake with " + self->up_.host_header + " failed");
      self->exchange(*self->tls_);
    });
  }

  template <class Stream>
  void exchange(Stream& s) {
    http::async_write(s, req_, [self = shared_from_this(), &s](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail(ec, "cannot send the request to " + self->up_.host_header);
      self->read(s);
    });
  }

  template <class Stream>
  void read(Stream& s) {
    parser_.body_limit(ctx_.net.http_max_body_bytes);
    parser_.skip(head_);
    http::async_read(s, buf_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit)
        return self->finish(failure(502, "the upstream response is larger than SINGYEONG_HTTP_MAX_BODY_BYTES"));
      if (ec)
        return self->fail(ec, "no complete answer from " + self->up_.host_header);
      self->respond();
    });
  }

  void respond() {
    auto& res = parser_.get();
    http_response out;
    out.status = res.result_int();
    bool has_type = false;
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (drop_response_header(name))
        continue;
      has_type = has_type || name == "content-type";
      out.headers.emplace_back(name, std::string(f.value()));
    }
    if (!has_type)
      out.headers.emplace_back("content-type", "text/plain; charset=utf-8");
    out.body = std::move(res.body());
    finish(std::move(out));
  }

  void fail(beast::error_code ec, const std::string& what) {
    if (ec == beast::error::timeout)
      return finish(failure(504, "the upstream did not answer within SINGYEONG_PROXY_TIMEOUT_MS"));
    finish(failure(502, what + ": " + ec.message()));
  }

  void finish(http_response res) {
    if (!done_)
      return;
    SY_LOG(debug, "proxy") << req_.method_string() << " " << up_.host_header << up_.target << " -> " << res.status;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(res));
  }

  context& ctx_;
  upstream up_;
  std::function<void(http_response)> done_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  http::request<http::string_body> req_;
  beast::flat_buffer buf_;
  http::response_parser<http::string_body> parser_;
  bool head_ = false;
  std::uint64_t registry_id_ = 0;
};

} // namespace

void forward(context& ctx, proxy_call call, upstream up, std::string caller_ip,
             std::function<void(http_response)> done) {
  auto c = std::make_shared<upstream_call>(ctx, std::move(up), std::move(done));
  asio::post(c->executor(), [c, call = std::move(call), ip = std::move(caller_ip)] { c->start(call, ip); });
}

} // namespace sy::net
