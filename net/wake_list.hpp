#pragma once
// Sessions that have frames waiting, gathered from any thread (the actors
// deliver from CAF's threads) and woken from one io_context handler: one
// post, and at most one wake-up of the I/O thread, per burst of deliveries
// across every connection, instead of one per delivery. No Asio headers.

#include <memory>

#include "net/handoff.hpp"

namespace boost::asio {
class io_context;
}

namespace sy::net {

/// Something the wake list can wake (a websocket session).
class wakeable {
public:
  virtual ~wakeable() = default;
  /// Called on an I/O thread, outside the session's strand.
  virtual void wake() = 0;
};

class wake_list {
public:
  explicit wake_list(boost::asio::io_context& ioc) : ioc_(ioc) {}
  /// From any thread: `s` is woken soon. The caller adds a session only
  /// once until it is woken (the session's own inbox says when).
  void add(std::shared_ptr<wakeable> s);

private:
  void run();

  boost::asio::io_context& ioc_;
  handoff<std::shared_ptr<wakeable>> ready_;
};

} // namespace sy::net
