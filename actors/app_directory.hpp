#pragma once
// The node's application actors by application id, readable from any actor:
// a client whose query names one application of a node without peers sends
// it straight to that app actor, without the router in between (one actor
// hop less per message). The router writes it; nothing is ever removed (app
// actors live as long as the router). Private to actors/.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

namespace sy::actors {

class app_directory {
public:
  /// The app actor of `app_id`, or an invalid handle when there is none.
  caf::actor find(std::string_view app_id) const;
  /// Router only: an app actor was spawned.
  void add(const std::string& app_id, caf::actor app);
  /// Whether the node has no peers: only then may routes skip the router
  /// (with peers every query is gathered over the cluster, K-5).
  bool alone() const { return alone_.load(std::memory_order_acquire); }
  /// Router only: peers came or went.
  void set_alone(bool alone) { alone_.store(alone, std::memory_order_release); }

private:
  mutable std::mutex mu_;
  std::map<std::string, caf::actor, std::less<>> apps_;
  std::atomic<bool> alone_{true};
};

using directory_ptr = std::shared_ptr<const app_directory>;

} // namespace sy::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::directory_ptr)
