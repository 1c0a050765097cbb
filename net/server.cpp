#include "net/server.hpp"

#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/log.hpp"
#include "actors/poll_habit.hpp"

namespace sy::net {
namespace {

namespace asio = boost::asio;
constexpr auto drain_limit = std::chrono::seconds(3);

/// Runs the I/O loop, polling for up to `spin` after the last handler before
/// blocking when the node is busy (actors/poll_habit): a frame an actor
/// answers within that time is written without waking a sleeping thread.
/// Between polls the thread yields its core: on a machine whose cores are
/// all busy (load-balanced SENDs to 1,000 clients, issue 6) an actor or
/// another process that is ready to run gets it, where plain polling took
/// 7-10 % of the throughput; a lone round trip (W4) keeps its latency.
void run_io(asio::io_context& ioc, std::chrono::microseconds spin) {
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  actors::poll_habit habit;
  for (;;) {
    if (ioc.poll() > 0) {
      last = clock::now();
      continue;
    }
    if (ioc.stopped())
      return;
    // Idle since `last`.
    if (!habit.poll(last, spin, [&] { return ioc.stopped() || ioc.poll() > 0; })) {
      if (ioc.run_one() == 0)
        return;
      habit.woke(last, spin);
    }
    last = clock::now();
  }
}

/// Polls until every connection and the listener are gone (so no socket
/// outlives the io_context) or the drain limit passes, then stops io.
void drain(context& ctx, std::shared_ptr<asio::steady_timer> timer, std::chrono::steady_clock::time_point until) {
  if ((ctx.sessions.size() == 0 && listener_gone()) || std::chrono::steady_clock::now() >= until) {
    SY_LOG(info, "server") << "stopped open_sessions=" << ctx.sessions.size();
    ctx.ioc.stop();
    return;
  }
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([&ctx, timer, until](const boost::system::error_code&) { drain(ctx, timer, until); });
}

} // namespace

int serve(caf::actor_system& sys, caf::actor router, std::shared_ptr<const actors::options> opts, settings s) {
  // The io_context goes first at the end: destroying it destroys the sessions
  // still holding handlers, and they unregister from `ctx`.
  auto ioc = std::make_unique<asio::io_context>(s.io_threads);
  context ctx{*ioc, sys, std::move(router), std::move(opts), s};
  {
    // Before the listener: a SIGTERM that comes as soon as the port accepts
    // is a graceful shutdown, not the default action (exit by the signal).
    asio::signal_set signals(*ioc, SIGINT, SIGTERM);
    std::string error;
    if (!start_listener(ctx, error)) {
      SY_LOG(error, "server") << error;
      return 1;
    }
    SY_LOG(info, "server") << "listening port=" << s.port << " bind=" << (s.bind.empty() ? "*" : s.bind);
    signals.async_wait([&ctx](const boost::system::error_code& ec, int sig) {
      if (ec)
        return;
      SY_LOG(info, "server") << "signal " << sig << ": shutting down sessions=" << ctx.sessions.size();
      ctx.shutting_down = true;
      stop_listener(ctx);
      ctx.sessions.goodbye_all();
      // The first check comes after the posted closes above have run.
      auto timer = std::make_shared<asio::steady_timer>(ctx.ioc);
      timer->expires_after(std::chrono::milliseconds(1));
      auto until = std::chrono::steady_clock::now() + drain_limit;
      timer->async_wait([&ctx, timer, until](const boost::system::error_code&) { drain(ctx, timer, until); });
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < s.io_threads; ++i)
      threads.emplace_back([&ctx, &s] { run_io(ctx.ioc, s.io_spin); });
    run_io(*ioc, s.io_spin);
    for (auto& t : threads)
      t.join();
  }
  ioc.reset();
  return 0;
}

} // namespace sy::net
