#include "net/ws_writer.hpp"

#include <algorithm>


namespace sy::net {
namespace {

/// Buffer capacity an idle connection keeps (W6).
constexpr std::size_t idle_buffer = 4096;
/// The size of the (unmasked) header proto::ws::append_header writes.
constexpr std::size_t header_size(std::size_t length) { return length < 126 ? 2 : (length <= 0xFFFF ? 4 : 10); }

} // namespace

namespace ws = proto::ws;

std::size_t ws_writer::counted(const out_frame& f) const {
  // The handshake response and the close frame (written once) count nothing;
  // a pong counts with its header, so a client flooding pings without
  // reading is cut like any slow consumer.
  if (f.raw || f.op == ws::opcode::close)
    return 0;
  return f.op == data_op_ ? f.bytes->size() : f.bytes->size() + 2;
}

bool ws_writer::push(out_frame f) {
  auto n = counted(f);
  f.oversize = n > max_bytes_ && oversize_ == 0;
  if (counted_ - oversize_ + (f.oversize ? 0 : n) > max_bytes_)
    return false;
  counted_ += n;
  if (f.oversize)
    oversize_ = n;
  queue_.push_back(std::move(f));
  return true;
}

void ws_writer::append(const out_frame& f) {
  if (!f.raw)
    ws::append_header(batch_, f.op, f.bytes->size());
  batch_counted_ += counted(f);
  if (f.oversize)
    batch_oversize_ += counted(f);
  batch_.append(*f.bytes);
}

void ws_writer::take_batch(std::size_t max_batch) {
  batch_.clear();
  written_ = 0;
  batch_counted_ = 0;
  // Size the buffer once: growing it frame by frame copied the batch over
  // and over (the idle buffer is released after each burst, W6).
  std::size_t taken = 0, bytes = 0;
  for (; taken < queue_.size() && (taken == 0 || bytes < max_batch); ++taken)
    bytes += queue_[taken].bytes->size() + (queue_[taken].raw ? 0 : header_size(queue_[taken].bytes->size()));
  batch_.reserve(bytes);
  for (std::size_t k = 0; k < taken; ++k)
    append(queue_[k]);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
}

bool ws_writer::advance(std::size_t n) {
  written_ += n;
  if (written_ < batch_.size())
    return false;
  counted_ -= std::min(counted_, batch_counted_);
  oversize_ -= std::min(oversize_, batch_oversize_);
  batch_counted_ = 0;
  batch_oversize_ = 0;
  if (queue_.empty() && batch_.capacity() > idle_buffer)
    std::string().swap(batch_);
  else
    batch_.clear();
  written_ = 0;
  return true;
}

void ws_writer::drop_queued() {
  queue_.clear();
  counted_ = batch_counted_;
  oversize_ = batch_oversize_;
}

} // namespace sy::net
