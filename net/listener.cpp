// Accepting connections and serving plain HTTP on them.
//
//   acceptor --socket--> http_session: read request
//        upgrade to /gateway/websocket, known encoding --> hand the socket to ws_session
//        anything else --> handle_http (http_api.cpp) --> write, keep-alive loop

#include <array>
#include <chrono>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp> // is_upgrade

#include "actors/log.hpp"
#include "net/context.hpp"
#include "net/http_api.hpp"
#include "net/ws_handshake.hpp"

namespace sy::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// L-9's peer address format.
std::string format_peer(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4())
    return a.to_string();
  auto bytes = a.to_v6().to_bytes();
  std::string s;
  char buf[8];
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%02x%02x", bytes[i], bytes[i + 1]);
    if (i)
      s += ':';
    s += buf;
  }
  return s;
}

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(context& ctx, tcp::socket socket) : ctx_(ctx), stream_(std::move(socket)) {}

  ~http_session() {
    if (registry_id_)
      ctx_.sessions.remove(registry_id_);
  }

  void start() {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (ec)
      return;
    peer_ip_ = format_peer(ep);
    // Shutdown closes idle keep-alive connections, so that every socket is
    // gone before the io_context is.
    std::weak_ptr<http_session> weak = shared_from_this();
    registry_id_ = ctx_.sessions.add([weak] {
      if (auto s = weak.lock())
        asio::post(s->stream_.get_executor(), [s] {
          beast::error_code ignored;
          s->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
          s->stream_.socket().close(ignored);
        });
    });
    do_read();
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(ctx_.net.http_max_body_bytes);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buf_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return write(json_response(413, R"({"errors":["payload too large"]})"), false);
    // A request the parser refused gets an answer before the close (a
    // closed, cut or timed-out connection gets none).
    if (ec == http::error::header_limit)
      return write(json_response(431, R"({"errors":["request header too large"]})"), false);
    if (ec && &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return write(json_response(400, R"({"errors":["malformed request"]})"), false);
    if (ec)
      return;
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req))
      return upgrade(req);
    http_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req)
      r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    r.peer_ip = peer_ip_;
    bool head = r.method == "HEAD";
    bool keep_alive = req.keep_alive();
    handle_http(ctx_, r, [self = shared_from_this(), head, keep_alive](http_response res) {
      asio::post(self->stream_.get_executor(), [self, res = std::move(res), keep_alive, head]() mutable {
        self->write(std::move(res), keep_alive, head);
      });
    });
  }

  void upgrade(http::request<http::string_body>& req) {
    std::string target(req.target());
    if (target_path(target) != "/gateway/websocket")
      return write(json_response(404, R"({"code":404,"error":"not found"})"), false);
    bool found = false;
    auto name = query_param(target, "encoding", found);
    auto enc = found ? proto::parse_encoding(name) : std::optional<proto::encoding>(proto::encoding::json);
    if (!enc || !proto::is_supported(*enc) || ctx_.shutting_down) // E-1, E-4
      return write(json_response(403, R"({"errors":["forbidden"]})"), false);
    int status = 400;
    std::string why;
    auto field = [&](http::field f) {
      auto v = req[f];
      return std::string_view(v.data(), v.size());
    };
    upgrade_request u{req.method() == http::verb::get, req.version(), req.find(http::field::host) != req.end(),
                      field(http::field::sec_websocket_version), field(http::field::sec_websocket_key)};
    std::string accept = websocket_accept(u, status, why);
    if (accept.empty()) {
      SY_LOG(debug, "http") << "bad websocket handshake peer=" << peer_ip_ << " why=" << why;
      http_response res{static_cast<unsigned>(status), {{"content-type", "text/plain; charset=utf-8"}}, why};
      if (status == 426)
        res.headers.emplace_back("sec-websocket-version", "13");
      return write(std::move(res), false);
    }
    // Bytes the client sent after its request belong to the websocket.
    std::string early = beast::buffers_to_string(buf_.data());
    stream_.expires_never();
    bool v6 = stream_.socket().local_endpoint().address().is_v6();
    int fd = stream_.release_socket().release();
    ctx_.sessions.remove(registry_id_); // the websocket session registers itself
    registry_id_ = 0;
    SY_LOG(trace, "http") << "upgrade fd=" << fd << " session=" << this;
    start_ws_session(ctx_, fd, v6, std::move(accept), std::move(early), *enc, peer_ip_);
  }

  /// Writes a response; for HEAD (H-12) only its header, with GET's length.
  void write(http_response res, bool keep_alive, bool head = false) {
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->result(res.status);
    msg->version(11);
    msg->set(http::field::server, "singyeong");
    for (auto& [k, v] : res.headers) {
      if (beast::iequals(k, "server"))
        msg->set(k, v);
      else
        msg->insert(k, v); // repeated headers (set-cookie) all go out
    }
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    auto sr = std::make_shared<http::response_serializer<http::string_body>>(*msg);
    auto then = [self = shared_from_this(), msg, sr, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        if (!ec)
          self->drain(std::make_shared<std::array<char, 4096>>(), 0);
        return;
      }
      self->do_read();
    };
    if (head)
      http::async_write_header(stream_, *sr, std::move(then));
    else
      http::async_write(stream_, *sr, std::move(then));
  }

  /// After the last answer: reads what the client still sends (up to 1 MiB,
  /// for at most 1 s in all) before the socket closes, so that closing with
  /// unread data does not reset the connection and lose the answer on its way.
  void drain(std::shared_ptr<std::array<char, 4096>> scratch, std::size_t total) {
    if (total == 0)
      stream_.expires_after(std::chrono::seconds(1)); // for every read after it
    stream_.async_read_some(asio::buffer(*scratch),
                            [self = shared_from_this(), scratch, total](beast::error_code ec, std::size_t n) {
                              if (!ec && total + n < (1u << 20))
                                self->drain(scratch, total + n);
                            });
  }

  context& ctx_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_ip_;
  std::uint64_t registry_id_ = 0;
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(context& ctx) : ctx_(ctx), acceptor_(asio::make_strand(ctx.ioc)) {}

  bool open(std::string& error) {
    beast::error_code ec;
    auto addr = ctx_.net.bind.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                      : asio::ip::make_address(ctx_.net.bind, ec);
    if (ec) {
      error = "SINGYEONG_BIND: not an IP address: " + ctx_.net.bind;
      return false;
    }
    tcp::endpoint ep(addr, ctx_.net.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && addr.is_v6())
      acceptor_.set_option(asio::ip::v6_only(false), ec); // all interfaces means IPv4 too
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on port " + std::to_string(ctx_.net.port) + ": " + ec.message();
      return false;
    }
    return true;
  }

  void accept() {
    acceptor_.async_accept(asio::make_strand(ctx_.ioc), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<http_session>(ctx_, std::move(socket))->start();
    } else {
      SY_LOG(warn, "listener") << "accept failed: " << ec.message();
    }
    accept();
  }

  context& ctx_;
  tcp::acceptor acceptor_;
};

std::shared_ptr<listener> the_listener;
std::weak_ptr<listener> listener_alive;

} // namespace

bool start_listener(context& ctx, std::string& error) {
  auto l = std::make_shared<listener>(ctx);
  if (!l->open(error))
    return false;
  l->accept();
  the_listener = l;
  listener_alive = l;
  return true;
}

void stop_listener(context&) {
  if (the_listener)
    the_listener->stop();
  the_listener.reset();
}

bool listener_gone() { return listener_alive.expired(); }

} // namespace sy::net
