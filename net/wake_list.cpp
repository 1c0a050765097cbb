#include "net/wake_list.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sy::net {

void wake_list::add(std::shared_ptr<wakeable> s) {
  if (ready_.push(std::move(s)))
    boost::asio::post(ioc_, [this] { run(); });
}

void wake_list::run() {
  ready_.take_all([](std::shared_ptr<wakeable>&& s) { s->wake(); });
}

} // namespace sy::net
