// cross_node_bench: targeted SEND throughput with the senders on one node and
// the receivers on another (issue 5's cross-node figure); give the same port
// twice for the single-node figure with the same generator. Not a ctest.
//
//   cross_node_bench SENDER_PORT RECEIVER_PORT[,PORT...] [SECONDS=5] [RECEIVERS=100] [SENDERS=4] [WINDOW=256]
//
// Like peerbench W1: receiver i identifies in application "xbench" with
// metadata id=i (on the receiver ports in turn); each sender sends SENDs to
// `/id $eq k`, k round-robin, and keeps at most WINDOW messages undelivered
// (closed loop on delivery, so queues stay bounded). With XB_GROUP=G, like
// W3: receiver i has group=i/G and each sender BROADCASTs to `/group $eq g`,
// g round-robin, with WINDOW broadcasts (G deliveries each) undelivered; a
// group then spans the receiver ports. Prints deliveries per second over the
// measured window (after one second of warm-up) and any op 3 errors.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

std::atomic<long> delivered{0}, errors{0};
std::atomic<bool> stop{false};

ws::stream<tcp::socket> open(asio::io_context& io, unsigned short port, const std::string& identify) {
  ws::stream<tcp::socket> s{io};
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  s.next_layer().set_option(tcp::no_delay(true));
  s.handshake("127.0.0.1", "/gateway/websocket");
  beast::flat_buffer b;
  s.read(b); // hello
  s.text(true);
  s.write(asio::buffer(identify));
  b.clear();
  s.read(b); // ready
  if (beast::buffers_to_string(b.data()).find("\"op\":2") == std::string::npos) {
    std::fprintf(stderr, "identify refused: %s\n", beast::buffers_to_string(b.data()).c_str());
    std::exit(1);
  }
  return s;
}

std::string identify(const std::string& id, const std::string& app, const std::string& metadata) {
  return R"({"op":1,"d":{"client_id":")" + id + R"(","application_id":")" + app + R"(","metadata":)" + metadata
         + "}}";
}

/// Counts every frame a receiver gets; op 3 frames are errors.
struct receiver {
  ws::stream<tcp::socket> s;
  beast::flat_buffer b;
  void read() {
    s.async_read(b, [this](beast::error_code ec, std::size_t) {
      if (ec)
        return;
      auto text = beast::buffers_to_string(b.data());
      (text.find("\"op\":3") != std::string::npos ? errors : delivered)++;
      b.clear();
      read();
    });
  }
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SENDER_PORT RECEIVER_PORT [SECONDS] [RECEIVERS] [SENDERS] [WINDOW]\n", argv[0]);
    return 2;
  }
  auto arg = [&](int i, long dflt) { return argc > i ? std::atol(argv[i]) : dflt; };
  auto send_port = static_cast<unsigned short>(arg(1, 0));
  std::vector<unsigned short> recv_ports;
  for (const char* p = argv[2]; *p;) {
    recv_ports.push_back(static_cast<unsigned short>(std::strtoul(p, const_cast<char**>(&p), 10)));
    if (*p == ',')
      ++p;
    else if (*p)
      return 2;
  }
  long group = std::getenv("XB_GROUP") ? std::atol(std::getenv("XB_GROUP")) : 0;
  double seconds = static_cast<double>(arg(3, 5));
  int n_recv = static_cast<int>(arg(4, 100)), n_send = static_cast<int>(arg(5, 4));
  long window = arg(6, 256);
  std::string tag = std::to_string(::getpid());

  asio::io_context rio;
  std::vector<std::unique_ptr<receiver>> receivers;
  for (int i = 0; i < n_recv; ++i)
    receivers.push_back(std::make_unique<receiver>(receiver{
      open(rio, recv_ports[static_cast<std::size_t>(i) % recv_ports.size()],
           identify("r" + tag + "-" + std::to_string(i), "xbench",
                    R"({"id":{"type":"integer","value":)" + std::to_string(i)
                      + R"(},"group":{"type":"integer","value":)" + std::to_string(group ? i / group : 0) + "}}")),
      {}}));
  long groups = group ? std::max(1L, n_recv / group) : 0;
  for (auto& r : receivers)
    r->read();
  std::thread reader{[&] { rio.run(); }};

  std::atomic<long> sent{0};
  std::vector<std::thread> senders;
  std::string pad(40, 'x');
  for (int j = 0; j < n_send; ++j)
    senders.emplace_back([&, j] {
      asio::io_context io;
      auto s = open(io, send_port, identify("s" + tag + "-" + std::to_string(j), "xbench-tx", "{}"));
      for (long k = j; !stop; k += n_send) {
        long copies = group ? group : 1;
        while (sent - delivered - errors >= window * n_send * copies && !stop)
          std::this_thread::yield();
        std::string frame = std::string(R"({"op":4,"t":")") + (group ? "BROADCAST" : "SEND")
                            + R"(","d":{"target":{"application":"xbench","ops":[{"path":")"
                            + (group ? "/group" : "/id") + R"(","op":"$eq","to":{"value":)"
                            + std::to_string(group ? k % groups : k % n_recv) + R"(}}]},"payload":{"p":")" + pad
                            + R"("}}})";
        s.write(asio::buffer(frame));
        sent += copies;
      }
    });

  std::this_thread::sleep_for(std::chrono::seconds(1)); // warm-up
  long d0 = delivered;
  auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  long d1 = delivered;
  double took = std::chrono::duration<double>(clock_type::now() - t0).count();
  stop = true;
  for (auto& t : senders)
    t.join();
  std::printf("%.0f msg/s delivered (%ld in %.2f s), %ld errors, %d receivers on port %s, %d senders on port %u%s\n",
              (d1 - d0) / took, d1 - d0, took, errors.load(), n_recv, argv[2], n_send, send_port,
              group ? (", broadcast to groups of " + std::to_string(group)).c_str() : "");
  std::fflush(stdout);
  std::_Exit(errors ? 1 : 0); // the receivers' sockets close with the process
}
