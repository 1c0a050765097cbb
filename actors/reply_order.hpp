#pragma once
// L-16 for one connection: the replies to its frames (ready, heartbeat acks,
// op 3, QUERY_NODES results) leave in frame order, though the routes among
// those frames are answered later, by the router or an app actor.
//
// Routes straight to an app actor are quiet: the app answers (route_done)
// only with a reply (no_route, QUERY_NODES), when the route asks for an
// answer (every `answer_every`-th) or when asked to settle. One answer
// covers every earlier quiet route to that app, since one sender's messages
// to an actor arrive in order. A successful SEND so costs no message back
// (W1-W3), and a reply that waits behind quiet routes asks the app to settle
// them. No CAF here: the client actor does the sending.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/outbox.hpp"

namespace sy::actors {

class reply_order {
public:
  /// `settle(id)` asks the direct app to answer once the quiet routes up
  /// to `id` are done.
  using settle_fn = std::function<void(std::uint64_t)>;

  /// Every this many quiet routes one asks for an answer, so that the
  /// pending list stays short while nothing else happens.
  static constexpr std::size_t answer_every = 64;
  /// While this many routes are unanswered the session gets no read credit
  /// back (backpressure to the client).
  static constexpr std::size_t max_pending = 512;

  void attach(outbox_ptr out, settle_fn settle) {
    out_ = std::move(out);
    settle_ = std::move(settle);
  }

  /// A new route; its id.
  std::uint64_t open();
  /// Route `id`, just opened, goes quietly to the direct app; true when it
  /// asks for an answer.
  bool quiet(std::uint64_t id);
  /// The direct app changes: the old one answers for its quiet routes.
  void new_direct_app();
  /// Route `id` answered (with `reply`, or "" for none).
  void complete(std::uint64_t id, std::string reply);
  /// An app that got quiet routes is gone (it cannot answer for them): every
  /// quiet route counts as done, without a reply.
  void apps_gone();
  /// A frame of the connection's own: now, or after the routes before it.
  void send(std::shared_ptr<const std::string> bytes);
  /// Before an op 8: whatever waits goes out now (unanswered routes are moot).
  void flush();
  /// One frame of `bytes` bytes handled: its read credit goes back, unless
  /// routes pile up.
  void credit(std::size_t bytes);

  std::size_t pending() const { return pending_.size(); }

private:
  /// A route whose reply is not back yet, and the replies to later frames
  /// that wait for it.
  struct route {
    std::uint64_t id = 0;
    bool done = false;
    /// Done when the direct app of turn `turn` answers it or a later route.
    bool quiet = false;
    std::uint32_t turn = 0;
    std::string reply;
    std::vector<std::shared_ptr<const std::string>> after;
  };

  void settle();
  /// Writes the replies (and what waits behind them) of the done routes at
  /// the front, and gives back held read credit.
  void release();

  outbox_ptr out_;
  settle_fn settle_;
  std::deque<route> pending_;
  std::uint64_t next_ = 1;
  /// The direct app's turn (one more each time it changes), the quiet routes
  /// sent to it since it was last asked to answer, and the last one's id.
  /// Every quiet route is answered for, or counted in `unasked_`.
  std::uint32_t turn_ = 0;
  std::size_t unasked_ = 0;
  std::uint64_t last_quiet_ = 0;
  /// Read credit held back.
  std::size_t owed_ = 0;
  std::size_t owed_bytes_ = 0;
};

} // namespace sy::actors
