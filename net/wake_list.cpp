#include "net/wake_list.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sy::net {

void wake_list::add(std::shared_ptr<wakeable> s) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    ready_.push_back(std::move(s));
    if (posted_)
      return;
    posted_ = true;
  }
  boost::asio::post(ioc_, [this] { run(); });
}

void wake_list::run() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    running_.swap(ready_);
    posted_ = false;
  }
  for (auto& s : running_)
    s->wake();
  running_.clear();
}

} // namespace sy::net
