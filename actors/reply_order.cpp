#include "actors/reply_order.hpp"

namespace sy::actors {

std::uint64_t reply_order::open() {
  auto id = next_++;
  pending_.emplace_back().id = id;
  return id;
}

bool reply_order::quiet(std::uint64_t id) {
  auto& r = pending_.back();
  r.quiet = true;
  r.turn = turn_;
  last_quiet_ = id;
  if (++unasked_ < answer_every)
    return false;
  unasked_ = 0;
  return true;
}

void reply_order::settle() {
  if (unasked_ == 0)
    return;
  unasked_ = 0;
  settle_(last_quiet_);
}

void reply_order::new_direct_app() {
  settle();
  ++turn_;
}

void reply_order::complete(std::uint64_t id, std::string reply) {
  // Ids are consecutive and `pending_` is in id order: index directly.
  if (pending_.empty() || id < pending_.front().id || id - pending_.front().id >= pending_.size())
    return;
  auto& r = pending_[id - pending_.front().id];
  // A reply, or a routed route's answer, that may wait behind quiet routes.
  bool waits = !r.quiet || !reply.empty();
  if (r.quiet) // its app answered: every earlier quiet route to it is done
    for (auto& q : pending_) {
      if (q.id >= id)
        break;
      if (q.quiet && q.turn == r.turn)
        q.done = true;
    }
  if (!r.done) { // (a settle's answer can follow the route's own reply)
    r.done = true;
    r.reply = std::move(reply);
  }
  release();
  // Only while this route is still held back (quiet routes before it): one
  // that went out leaves nothing waiting, and later replies settle themselves.
  if (waits && !pending_.empty() && pending_.front().id <= id)
    settle();
}

void reply_order::apps_gone() {
  for (auto& r : pending_)
    if (r.quiet)
      r.done = true;
  unasked_ = 0;
  release();
}

void reply_order::release() {
  while (!pending_.empty() && pending_.front().done) {
    auto front = std::move(pending_.front());
    pending_.pop_front();
    if (!front.reply.empty())
      out_->send(std::make_shared<const std::string>(std::move(front.reply)));
    // These were produced before the next route was sent.
    for (auto& b : front.after)
      out_->send(std::move(b));
  }
  if (owed_ > 0 && pending_.size() < max_pending) {
    out_->ack(owed_, owed_bytes_);
    owed_ = owed_bytes_ = 0;
  }
}

void reply_order::send(std::shared_ptr<const std::string> bytes) {
  if (pending_.empty())
    return out_->send(std::move(bytes));
  pending_.back().after.push_back(std::move(bytes)); // L-16
  settle();
}

void reply_order::flush() {
  for (auto& r : pending_) {
    if (!r.reply.empty())
      out_->send(std::make_shared<const std::string>(std::move(r.reply)));
    for (auto& b : r.after)
      out_->send(std::move(b));
  }
  pending_.clear();
}

void reply_order::credit(std::size_t bytes) {
  if (pending_.size() >= max_pending) {
    ++owed_;
    owed_bytes_ += bytes;
  } else {
    out_->ack(1, bytes);
  }
}

} // namespace sy::actors
