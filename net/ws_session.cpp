// One websocket connection, framed by us (proto/ws_frame) on a plain socket.
//
//   socket --non-blocking read into a per-thread scratch--> frame_reader
//          --(frame, bytes)--> client actor
//   client actor --outbox::send--> inbox (lock-free) --wake list, one post per burst--> queue
//   queue --every queued frame in one buffer--> written at once (non-blocking),
//          the rest after the socket is writable again
//
// Everything runs on the session's strand (with one I/O thread, on that
// thread: session_executor). Reading: the session waits until the socket is
// readable, then reads until it would block; an idle connection
// holds no read buffer, and bytes read but not yet fed wait in `pending_`.
// At most `window` frames (and bytes) wait in the actor's mailbox before
// reading pauses (net/read_credit). Writing (net/ws_writer): every frame queued
// meanwhile leaves in one batch, the queue bounded in bytes; a connection
// over the bound is cut as a slow consumer (L-20). Closing: queued frames
// are flushed, then a close frame; the peer has `close_grace` to answer it.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/client.hpp"
#include "actors/delivery.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "net/context.hpp"
#include "net/handoff.hpp"
#include "net/read_credit.hpp"
#include "net/ws_writer.hpp"
#include "proto/errors.hpp"
#include "proto/ws_frame.hpp"

namespace sy::net {
namespace {

namespace asio = boost::asio;
namespace ws = proto::ws;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// Unhandled frames allowed per connection. peerbench W1, sendto calls per
/// delivered frame: 0.83 with 64 frames, 0.66 with 512 (frames then wait in
/// our write queues, where they can share a write, not in the sender's socket).
constexpr credit_window window{512, 256 * 1024};
constexpr auto close_grace = std::chrono::seconds(2);
/// Reads in one turn before other connections get the thread.
constexpr int reads_per_turn = 16;
/// A write carries queued frames up to about this many bytes.
constexpr std::size_t write_batch = 1 << 20;
/// Buffer capacity of read leftovers an idle connection keeps.
constexpr std::size_t idle_buffer = 4096;

/// Where reads land; only bytes not yet fed are copied out (`pending_`).
std::array<char, 64 * 1024>& scratch() {
  static thread_local std::array<char, 64 * 1024> buf;
  return buf;
}

class ws_session;

/// Where a session's handlers run. Several I/O threads need a strand per
/// session; a single one already runs every handler one at a time, and
/// without the strand a dispatch from it (the wake list's) runs at once,
/// with no queued operation and invoker per woken session.
asio::any_io_executor session_executor(context& ctx) {
  if (ctx.net.io_threads == 1)
    return ctx.ioc.get_executor();
  return asio::make_strand(ctx.ioc);
}

/// What the actors hand to a session: a frame, or (frame empty) a close.
struct inbox_item {
  std::shared_ptr<const std::string> frame;
  std::uint16_t close_code;
};

/// The actors' view of this session; holds it weakly so a gone socket is a no-op.
class session_outbox : public actors::outbox {
public:
  explicit session_outbox(std::weak_ptr<ws_session> s) : session_(std::move(s)) {}
  void send(std::shared_ptr<const std::string> frame) override;
  void close(std::uint16_t code, std::string reason) override;
  void ack(std::size_t frames, std::size_t bytes) override;
  bool closed() const override;

private:
  std::weak_ptr<ws_session> session_;
};

class ws_session : public wakeable, public std::enable_shared_from_this<ws_session> {
public:
  ws_session(context& ctx, tcp::socket socket, proto::encoding enc, std::string peer_ip)
    : ctx_(ctx), socket_(std::move(socket)), enc_(enc),
      data_op_(proto::is_binary(enc) ? ws::opcode::binary : ws::opcode::text), peer_ip_(std::move(peer_ip)),
      timer_(socket_.get_executor()), reader_(ctx.net.max_frame_bytes), writer_(data_op_, ctx.net.max_outbound_bytes) {}

  ~ws_session() {
    if (registry_id_) {
      ctx_.sessions.remove(registry_id_);
      --actors::metrics::connections_open;
    }
  }

  void start(std::string accept, std::string early) {
    error_code ec;
    socket_.non_blocking(true, ec);
    std::weak_ptr<ws_session> weak = shared_from_this();
    ++actors::metrics::connections_open;
    registry_id_ = ctx_.sessions.add([weak] {
      if (auto s = weak.lock())
        asio::post(s->socket_.get_executor(), [s] { s->goodbye(); });
    });
    writer_.push({std::make_shared<const std::string>(std::move(accept)), ws::opcode::text, true});
    // L-1: hello goes out with the handshake response, before anything the
    // client's frames cause (even a close of its own).
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::hello(ctx_.opts->heartbeat_interval_ms, actors::now_ms()))));
    flush();
    auto out = std::make_shared<session_outbox>(weak);
    actor_ = actors::spawn_client(ctx_.sys, out, actors::connection_info{enc_, peer_ip_, false}, ctx_.router,
                                  ctx_.opts);
    SY_LOG(trace, "ws") << "accepted session=" << this;
    if (ctx_.shutting_down)
      return goodbye();
    pending_ = std::move(early);
    read_more();
  }

  /// From any thread: frames wait in `inbox_`; the node's wake list then
  /// moves all of them onto the write queue (one wake-up per burst, shared
  /// by every session that got frames meanwhile).
  void enqueue(std::shared_ptr<const std::string> frame) {
    if (inbox_.push({std::move(frame), 0}))
      ctx_.wakes.add(shared_from_this());
  }

  /// From any thread: close once the frames enqueued so far are written
  /// (through the inbox, so the close cannot overtake them).
  void enqueue_close(std::uint16_t code) {
    if (inbox_.push({nullptr, code}))
      ctx_.wakes.add(shared_from_this());
  }

  /// From the wake list, on an I/O thread: into the strand (with a single
  /// I/O thread there is none, and this runs at once; session_executor).
  void wake() override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->drain_inbox(); });
  }

  // -- called on the strand -----------------------------------------------------

  void drain_inbox() {
    inbox_.take_all([this](inbox_item&& it) {
      if (it.frame)
        push(std::move(it.frame));
      else
        request_close(it.close_code);
    });
    flush();
  }

  void request_close(std::uint16_t code) {
    if (close_requested_)
      return;
    close_requested_ = true;
    close_code_ = code;
    flush();
  }

  /// Posted by ack() when reading was paused for want of credit.
  void credit() {
    auto hold = std::move(paused_self_);
    read_more();
  }


  void goodbye() {
    if (close_requested_)
      return;
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::goodbye(proto::errors::shutting_down, actors::now_ms()))));
    request_close(1000);
    end_actor();
  }

private:
  // -- reading ------------------------------------------------------------------

  /// Feeds what is pending, then reads what the socket has, until it would
  /// block or the actor's backlog is full.
  void read_more() {
    for (int round = 0; round < reads_per_turn; ++round) {
      if (read_done_)
        return;
      if (!pending_.empty()) {
        std::string_view in(pending_);
        feed(in);
        pending_.erase(0, pending_.size() - in.size());
        if (!pending_.empty())
          return; // paused: credit() comes back here
        if (pending_.capacity() > idle_buffer)
          std::string().swap(pending_);
      }
      if (read_done_ || credit_.paused())
        return;
      auto& buf = scratch();
      error_code ec;
      std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again)
        return wait_readable();
      if (ec)
        return on_read_end(ec);
      std::string_view in(buf.data(), n);
      feed(in);
      if (!in.empty()) {
        pending_.assign(in.data(), in.size());
        return;
      }
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->read_more(); });
  }

  void wait_readable() {
    if (waiting_ || read_done_)
      return;
    waiting_ = true;
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      self->waiting_ = false;
      if (ec)
        return; // cancelled: the socket was closed
      self->read_more();
    });
  }

  /// True (and paused) when the actor's window of unhandled frames is full.
  bool blocked() {
    if (!actor_ || !credit_.full())
      return false;
    // Paused: no operation holds us, so hold ourselves until credit comes.
    paused_self_ = shared_from_this();
    if (credit_.pause())
      return true;
    paused_self_.reset();
    return false;
  }

  /// Hands whole messages to the actor until `in` is used up or reading
  /// pauses; `in` keeps what is left.
  void feed(std::string_view& in) {
    while (!in.empty() && !read_done_) {
      if (blocked())
        return;
      auto e = reader_.next(in);
      switch (e.what) {
        case ws::frame_reader::kind::need_more: break;
        case ws::frame_reader::kind::message:
          if (actor_ && !close_requested_) {
            credit_.sent(e.data.size());
            caf::anon_send(actor_, actors::frame_atom::value, std::move(e.data));
          }
          break;
        case ws::frame_reader::kind::ping:
          push_control(ws::opcode::pong, std::move(e.data));
          break;
        case ws::frame_reader::kind::pong: break;
        case ws::frame_reader::kind::close: return on_peer_close(e.code);
        case ws::frame_reader::kind::protocol_error: return protocol_error(e.code);
        case ws::frame_reader::kind::too_large: return too_large();
      }
    }
  }

  void on_read_end(const error_code& ec) {
    if (ec != asio::error::eof && ec != asio::error::operation_aborted)
      SY_LOG(debug, "ws") << "read ended peer=" << peer_ip_ << " session=" << this << " error=" << ec.message();
    read_done_ = true;
    peer_closed_ = true;
    end_actor();
    flush(); // finishes once nothing is left to write
  }

  /// A close frame from the peer ends the client at once (L-18) and is
  /// answered with its own code (or an empty close), after what is queued.
  void on_peer_close(std::uint16_t code) {
    close_received_ = true;
    read_done_ = true;
    peer_closed_ = true;
    end_actor();
    if (!close_requested_) {
      close_requested_ = true;
      close_code_ = code;
    }
    flush();
  }

  /// RFC 6455 broken: close with 1002 (1007 for a bad close reason), no op 8.
  void protocol_error(std::uint16_t code) {
    SY_LOG(debug, "ws") << "websocket protocol error peer=" << peer_ip_ << " close=" << code;
    request_close(code);
    end_actor();
  }

  /// E-6: op 8 `payload too large`, then close 1009.
  void too_large() {
    SY_LOG(info, "ws") << "frame over SINGYEONG_MAX_FRAME_BYTES peer=" << peer_ip_;
    push(std::make_shared<const std::string>(
      proto::encode_frame(enc_, proto::fatal(proto::errors::too_large, {}, actors::now_ms()))));
    request_close(1009);
    end_actor();
  }

  // -- writing ------------------------------------------------------------------

  void push(std::shared_ptr<const std::string> frame) {
    if (close_requested_)
      return;
    if (!writer_.push({std::move(frame), data_op_}))
      return slow_consumer();
    ++actors::metrics::frames_out;
  }

  void push_control(ws::opcode op, std::string payload) {
    if (close_requested_)
      return;
    if (!writer_.push({std::make_shared<const std::string>(std::move(payload)), op}))
      return slow_consumer();
    flush();
  }

  /// Writes what is queued (unless the socket is full); once the queue is
  /// empty after a close was asked for, the close frame goes last.
  void flush() {
    if (writing_ || finished_)
      return;
    for (;;) {
      writer_.take_batch(write_batch);
      if (!writer_.queued() && close_requested_ && !close_queued_) {
        close_queued_ = true;
        auto body = close_code_ ? ws::close_payload(close_code_, close_reason_) : std::string();
        writer_.add_to_batch({std::make_shared<const std::string>(std::move(body)), ws::opcode::close});
      }
      if (writer_.batch_empty()) {
        if (close_queued_ && (close_received_ || read_done_))
          finish(); // the close handshake is done (or the peer is gone)
        else if (close_queued_)
          arm_close_timer();
        else if (read_done_)
          finish();
        return;
      }
      if (!write_now())
        return;
    }
  }

  /// The batch, written at once while the socket takes it (the usual case:
  /// no asynchronous operation, no completion handler). True when all of it
  /// is written; otherwise the rest waits for writability, or the
  /// connection failed.
  bool write_now() {
    auto rest = writer_.unwritten();
    error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(rest.data(), rest.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      n = 0;
    } else if (ec) {
      write_failed();
      return false;
    }
    if (writer_.advance(n))
      return true;
    writing_ = true;
    socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
      self->writing_ = false;
      if (self->finished_)
        return;
      if (ec)
        return self->write_failed();
      if (self->write_now())
        self->flush();
    });
    return false;
  }

  void write_failed() {
    writer_.drop_queued();
    read_done_ = true;
    peer_closed_ = true;
    finish();
  }

  void slow_consumer() {
    ++actors::metrics::slow_consumers;
    SY_LOG(warn, "ws") << "slow consumer disconnected peer=" << peer_ip_
                       << " queued_bytes=" << writer_.counted_bytes();
    writer_.drop_queued();
    close_requested_ = true;
    close_code_ = 1008;
    close_reason_ = "slow consumer";
    arm_close_timer();
    end_actor();
    flush();
  }

  // -- closing ------------------------------------------------------------------

  /// A peer that does not answer our close (or never reads) is cut after
  /// the grace period.
  void arm_close_timer() {
    if (timer_armed_)
      return;
    timer_armed_ = true;
    timer_.expires_after(close_grace);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->finish();
    });
  }

  void finish() {
    if (finished_)
      return;
    finished_ = true;
    read_done_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    end_actor();
  }

  /// The connection is over for the actor: it quits and the router cleans up.
  void end_actor() {
    paused_self_.reset();
    credit_.cancel();
    if (actor_) {
      caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
      actor_ = nullptr;
    }
  }

  context& ctx_;
  tcp::socket socket_;
  proto::encoding enc_;
  ws::opcode data_op_;
  std::string peer_ip_;
  asio::steady_timer timer_;
  ws::frame_reader reader_;
  std::string pending_;
  caf::actor actor_;
  std::shared_ptr<ws_session> paused_self_;
  std::atomic<bool> peer_closed_{false};
  handoff<inbox_item> inbox_;
  std::uint64_t registry_id_ = 0;
  ws_writer writer_;
  read_credit credit_{window};
  bool waiting_ = false;
  bool read_done_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_queued_ = false;
  bool close_received_ = false;
  bool finished_ = false;
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
    s->enqueue_close(code);
}

bool session_outbox::closed() const {
  auto s = session_.lock();
  return !s || s->peer_closed_.load();
}

void session_outbox::ack(std::size_t frames, std::size_t bytes) {
  if (auto s = session_.lock()) {
    if (s->credit_.ack(frames, bytes))
      asio::post(s->socket_.get_executor(), [s] { s->credit(); });
  }
}

} // namespace

void start_ws_session(context& ctx, int fd, bool v6, std::string accept, std::string early, proto::encoding enc,
                      std::string peer_ip) {
  tcp::socket socket(session_executor(ctx));
  error_code ec;
  socket.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    SY_LOG(warn, "ws") << "cannot take over socket: " << ec.message();
    ::close(fd);
    return;
  }
  std::make_shared<ws_session>(ctx, std::move(socket), enc, std::move(peer_ip))
    ->start(std::move(accept), std::move(early));
}

} // namespace sy::net
