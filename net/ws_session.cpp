// One websocket connection.
//
//   socket --read_some--> whole message --(frame, bytes)--> client actor
//   client actor --outbox::send--> strand --> queue --> one async_write at a time
//
// Everything runs on the session's strand. Reading: messages are assembled
// with read_some so our own size limit (E-6) answers with op 8 before Beast's
// would close silently; at most `max_inflight` messages wait in the actor's
// mailbox before reading pauses (inbound backpressure; the actor's credit is
// an atomic counter, and only a paused session is woken for it, so a frame
// costs no strand hop back). Writing: one write in
// flight, the queue bounded in bytes; a connection over the bound is cut as a
// slow consumer (L-20). Closing: queued frames are flushed, then a close frame
// with the requested code; a peer that does not finish the close handshake is
// dropped after a grace period.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <vector>

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/client.hpp"
#include "actors/delivery.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "net/context.hpp"
#include "proto/errors.hpp"

namespace sy::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr int max_inflight = 64;
constexpr std::size_t read_chunk = 64 * 1024;
constexpr auto close_grace = std::chrono::seconds(2);

class ws_session;

/// The actors' view of this session; holds it weakly so a gone socket is a no-op.
class session_outbox : public actors::outbox {
public:
  explicit session_outbox(std::weak_ptr<ws_session> s) : session_(std::move(s)) {}
  void send(std::shared_ptr<const std::string> frame) override;
  void close(std::uint16_t code, std::string reason) override;
  void ack() override;
  bool closed() const override;

private:
  std::weak_ptr<ws_session> session_;
};

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(context& ctx, tcp::socket socket, proto::encoding enc, std::string peer_ip)
    : ctx_(ctx), ws_(std::move(socket)), enc_(enc), peer_ip_(std::move(peer_ip)), timer_(ws_.get_executor()) {}

  ~ws_session() {
    if (registry_id_) {
      ctx_.sessions.remove(registry_id_);
      --actors::metrics::connections_open;
    }
  }

  void start(std::string raw_request) {
    raw_ = std::move(raw_request);
    websocket::stream_base::timeout t{std::chrono::seconds(10), websocket::stream_base::none(), false};
    ws_.set_option(t);
    // E-6: our own check in on_read answers op 8 + 1009 once a message passes
    // the limit; Beast's, at twice the limit, refuses a frame header that
    // announces far more at once (close 1009 without the optional op 8).
    auto max = ctx_.net.max_frame_bytes;
    ws_.read_message_max(max > SIZE_MAX / 2 ? SIZE_MAX : 2 * max);
    ws_.auto_fragment(false);
    // A close frame from the peer ends the client at once (L-18), even if
    // the peer keeps its TCP connection open after the close handshake.
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::close) {
        peer_closed_ = true;
        end_actor();
      }
    });
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "singyeong"); }));
    ws_.async_accept(asio::buffer(raw_), beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
  }

  /// From any thread: frames wait in `inbox_`; one posted drain moves all of
  /// them onto the write queue (one strand hop per burst, not per frame).
  void enqueue(std::shared_ptr<const std::string> frame) {
    {
      std::lock_guard<std::mutex> guard(inbox_mutex_);
      inbox_.push_back(std::move(frame));
      if (drain_posted_)
        return;
      drain_posted_ = true;
    }
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->drain_inbox(); });
  }

  // -- called on the strand (posted by session_outbox) ------------------------

  void drain_inbox() {
    std::vector<std::shared_ptr<const std::string>> batch;
    {
      std::lock_guard<std::mutex> guard(inbox_mutex_);
      batch.swap(inbox_);
      drain_posted_ = false;
    }
    for (auto& f : batch)
      push(std::move(f));
  }

  void push(std::shared_ptr<const std::string> frame) {
    if (close_requested_)
      return;
    queued_bytes_ += frame->size();
    if (queued_bytes_ > ctx_.net.max_outbound_bytes)
      return slow_consumer();
    ++actors::metrics::frames_out;
    queue_.push_back(std::move(frame));
    if (!writing_)
      do_write();
  }

  void request_close(std::uint16_t code) {
    if (close_requested_)
      return;
    close_requested_ = true;
    close_code_ = code;
    if (!writing_)
      do_close();
  }

  /// Posted by ack() when reading was paused for want of credit.
  void credit() {
    do_read();
    if (reading_)
      paused_self_.reset();
  }

  /// Negative (more acks than frames) counts as none.
  std::int64_t inflight() const { return std::max<std::int64_t>(0, static_cast<std::int64_t>(sent_ - acked_.load())); }

  void goodbye() {
    if (close_requested_ || !accepted_)
      return;
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::goodbye(proto::errors::shutting_down, actors::now_ms()))));
    request_close(1000);
    end_actor();
  }

private:
  void on_accept(beast::error_code ec) {
    raw_.clear();
    raw_.shrink_to_fit();
    if (ec) {
      SY_LOG(debug, "ws") << "upgrade failed peer=" << peer_ip_ << " error=" << ec.message();
      return;
    }
    accepted_ = true;
    SY_LOG(trace, "ws") << "accepted session=" << this;
    ws_.binary(proto::is_binary(enc_));
    std::weak_ptr<ws_session> weak = shared_from_this();
    ++actors::metrics::connections_open;
    registry_id_ = ctx_.sessions.add([weak] {
      if (auto s = weak.lock())
        asio::post(s->ws_.get_executor(), [s] { s->goodbye(); });
    });
    auto out = std::make_shared<session_outbox>(weak);
    // L-1: hello is written before the first read, so it is on the wire before
    // anything the client's frames cause (even a close of its own).
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::hello(ctx_.opts->heartbeat_interval_ms, actors::now_ms()))));
    actor_ = actors::spawn_client(ctx_.sys, out, actors::connection_info{enc_, peer_ip_, false}, ctx_.router,
                                  ctx_.opts);
    if (ctx_.shutting_down)
      return goodbye();
    do_read();
  }

  // -- reading ------------------------------------------------------------------

  void do_read() {
    if (reading_ || read_stopped_)
      return;
    if (inflight() >= max_inflight) {
      // Paused: no operation holds us, so hold ourselves until credit comes.
      // ack() wakes us only once it sees `paused_`; credit that came between
      // the check and the flag is seen by the second check (both seq_cst).
      paused_self_ = shared_from_this();
      paused_.store(true);
      if (inflight() >= max_inflight)
        return;
      paused_.store(false); // a credit() may still come: it reads again, harmlessly
      paused_self_.reset();
    }
    reading_ = true;
    ws_.async_read_some(buf_, read_chunk, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
      if (ec != websocket::error::closed && ec != asio::error::operation_aborted)
        SY_LOG(debug, "ws") << "read ended peer=" << peer_ip_ << " session=" << this << " error=" << ec.message();
      read_stopped_ = true;
      peer_closed_ = true;
      end_actor();
      return;
    }
    if (buf_.size() > ctx_.net.max_frame_bytes)
      return too_large();
    if (ws_.is_message_done()) {
      ++sent_;
      caf::anon_send(actor_, actors::frame_atom::value, beast::buffers_to_string(buf_.data()));
      buf_.consume(buf_.size());
    }
    do_read();
  }

  /// E-6: op 8 `payload too large`, then close 1009.
  void too_large() {
    read_stopped_ = true;
    buf_.clear();
    SY_LOG(info, "ws") << "frame over SINGYEONG_MAX_FRAME_BYTES peer=" << peer_ip_;
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::fatal(proto::errors::too_large, {}, actors::now_ms()))));
    request_close(1009);
    end_actor();
  }

  // -- writing ------------------------------------------------------------------

  void do_write() {
    writing_ = true;
    ws_.async_write(asio::buffer(*queue_.front()), beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (!queue_.empty()) {
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    if (ec) {
      queue_.clear();
      read_stopped_ = true;
      end_actor();
      return;
    }
    if (!queue_.empty())
      return do_write();
    if (close_requested_)
      do_close();
  }

  /// L-20: drop what is queued and cut the connection with 1008.
  void slow_consumer() {
    ++actors::metrics::slow_consumers;
    SY_LOG(warn, "ws") << "slow consumer disconnected peer=" << peer_ip_ << " queued_bytes=" << queued_bytes_;
    if (writing_) {
      // The frame being written stays (its buffer is in use); the rest goes.
      auto front = std::move(queue_.front());
      queue_.clear();
      queue_.push_back(std::move(front));
      queued_bytes_ = queue_.front()->size();
    } else {
      queue_.clear();
      queued_bytes_ = 0;
    }
    close_requested_ = true;
    close_code_ = 1008;
    close_reason_ = "slow consumer";
    arm_close_timer();
    if (!writing_)
      do_close();
    end_actor();
  }

  // -- closing ------------------------------------------------------------------

  void do_close() {
    if (close_started_)
      return;
    close_started_ = true;
    arm_close_timer();
    websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
    ws_.async_close(reason, beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
  }

  void arm_close_timer() {
    if (timer_armed_)
      return;
    timer_armed_ = true;
    timer_.expires_after(close_grace);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        beast::get_lowest_layer(self->ws_).close();
    });
  }

  void on_close(beast::error_code) {
    timer_.cancel();
    beast::get_lowest_layer(ws_).close();
    end_actor();
  }

  /// The connection is over for the actor: it quits and the router cleans up.
  void end_actor() {
    paused_self_.reset();
    if (actor_) {
      caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
      actor_ = nullptr;
    }
  }

  context& ctx_;
  websocket::stream<beast::tcp_stream> ws_;
  proto::encoding enc_;
  std::string peer_ip_;
  asio::steady_timer timer_;
  std::string raw_;
  beast::flat_buffer buf_;
  caf::actor actor_;
  std::shared_ptr<ws_session> paused_self_;
  std::atomic<bool> peer_closed_{false};
  std::mutex inbox_mutex_;
  std::vector<std::shared_ptr<const std::string>> inbox_;
  bool drain_posted_ = false;
  std::uint64_t registry_id_ = 0;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  /// Frames handed to the actor (strand only) and frames it has handled
  /// (any thread): their difference is the inbound backlog.
  std::uint64_t sent_ = 0;
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<bool> paused_{false};
  bool accepted_ = false;
  bool reading_ = false;
  bool read_stopped_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_started_ = false;
  bool timer_armed_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;

  friend class session_outbox;
};

void session_outbox::send(std::shared_ptr<const std::string> frame) {
  if (auto s = session_.lock())
    s->enqueue(std::move(frame));
}

void session_outbox::close(std::uint16_t code, std::string) {
  if (auto s = session_.lock())
    asio::post(s->ws_.get_executor(), [s, code] { s->request_close(code); });
}

bool session_outbox::closed() const {
  auto s = session_.lock();
  return !s || s->peer_closed_.load();
}

void session_outbox::ack() {
  if (auto s = session_.lock()) {
    s->acked_.fetch_add(1);
    if (s->paused_.exchange(false))
      asio::post(s->ws_.get_executor(), [s] { s->credit(); });
  }
}

} // namespace

void start_ws_session(context& ctx, int fd, bool v6, std::string raw_request, proto::encoding enc,
                      std::string peer_ip) {
  tcp::socket socket(asio::make_strand(ctx.ioc));
  beast::error_code ec;
  socket.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    SY_LOG(warn, "ws") << "cannot take over socket: " << ec.message();
    ::close(fd);
    return;
  }
  std::make_shared<ws_session>(ctx, std::move(socket), enc, std::move(peer_ip))->start(std::move(raw_request));
}

} // namespace sy::net
