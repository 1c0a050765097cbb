#pragma once
// A recording sy::actors::outbox for actor tests: every frame sent (kept as
// bytes and decoded with proto::parse_json for assertions), every close call
// and the number of acks, plus the order of sends and closes. Thread-safe, as
// the outbox contract requires.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/outbox.hpp"
#include "proto/json.hpp"
#include "query/value.hpp"

namespace sy::test {

class fake_outbox : public actors::outbox {
public:
  struct close_call {
    std::uint16_t code;
    std::string reason;
  };

  // -- outbox -------------------------------------------------------------------

  void send(std::shared_ptr<const std::string> frame) override {
    std::lock_guard<std::mutex> g{mx_};
    events_.push_back('s');
    raw_.push_back(frame ? *frame : std::string{});
  }

  void close(std::uint16_t code, std::string reason) override {
    std::lock_guard<std::mutex> g{mx_};
    events_.push_back('c');
    closes_.push_back({code, std::move(reason)});
  }

  void ack(std::size_t frames, std::size_t bytes) override {
    std::lock_guard<std::mutex> g{mx_};
    acks_ += frames;
    acked_bytes_ += bytes;
  }

  // -- inspection -----------------------------------------------------------------

  /// The encoded frames, in send order.
  std::vector<std::string> raw() const {
    std::lock_guard<std::mutex> g{mx_};
    return raw_;
  }

  /// Number of frames sent so far.
  std::size_t count() const {
    std::lock_guard<std::mutex> g{mx_};
    return raw_.size();
  }

  /// Frame `i` decoded; throws when out of range or not JSON.
  query::value frame(std::size_t i) const {
    std::string bytes;
    {
      std::lock_guard<std::mutex> g{mx_};
      if (i >= raw_.size())
        throw std::out_of_range("fake_outbox: no frame " + std::to_string(i) + " (have "
                                + std::to_string(raw_.size()) + ")");
      bytes = raw_[i];
    }
    return decode(bytes);
  }

  /// Every frame decoded.
  std::vector<query::value> frames() const {
    std::vector<query::value> out;
    for (const auto& b : raw())
      out.push_back(decode(b));
    return out;
  }

  /// The last frame decoded; throws when nothing was sent.
  query::value last() const {
    auto n = count();
    if (n == 0)
      throw std::out_of_range("fake_outbox: no frame sent");
    return frame(n - 1);
  }

  /// The `op` of every frame (-1 when a frame has no integer op).
  std::vector<std::int64_t> ops() const {
    std::vector<std::int64_t> out;
    for (const auto& f : frames()) {
      const query::value* op = f.find("op");
      out.push_back(op && op->is_int() ? op->as_int() : -1);
    }
    return out;
  }

  /// How many frames have this op.
  std::size_t count_op(std::int64_t op) const {
    std::size_t n = 0;
    for (auto o : ops())
      n += o == op ? 1 : 0;
    return n;
  }

  /// Close calls, in order.
  std::vector<close_call> closes() const {
    std::lock_guard<std::mutex> g{mx_};
    return closes_;
  }

  /// Whether close was called at least once.
  bool closed() const {
    std::lock_guard<std::mutex> g{mx_};
    return !closes_.empty();
  }

  /// Code of the first close call, if any.
  std::optional<std::uint16_t> close_code() const {
    std::lock_guard<std::mutex> g{mx_};
    if (closes_.empty())
      return std::nullopt;
    return closes_.front().code;
  }

  /// 's' per send and 'c' per close, in call order.
  std::string events() const {
    std::lock_guard<std::mutex> g{mx_};
    return events_;
  }

  std::size_t acks() const {
    std::lock_guard<std::mutex> g{mx_};
    return acks_;
  }

  /// Bytes of the acknowledged frames.
  std::size_t acked_bytes() const {
    std::lock_guard<std::mutex> g{mx_};
    return acked_bytes_;
  }

  static query::value decode(const std::string& bytes) {
    query::value v;
    std::string err;
    if (!proto::parse_json(bytes, v, err))
      throw std::runtime_error("fake_outbox: frame is not JSON (" + err + "): " + bytes);
    return v;
  }

private:
  mutable std::mutex mx_;
  std::vector<std::string> raw_;
  std::vector<close_call> closes_;
  std::string events_;
  std::size_t acks_ = 0;
  std::size_t acked_bytes_ = 0;
};

} // namespace sy::test
