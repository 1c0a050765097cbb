#pragma once
// The node's application actors by application id, readable from any actor:
// a client whose query names one application of a node without peers sends
// it straight to that app actor, without the router in between (one actor
// hop less per message). The router adds an app actor when the first client
// of the application comes and retires it once the last one has gone and no
// client routes to it directly any more: a client acquires the app it routes
// to and releases it when it moves to another app or ends, so that an app
// actor never quits with routes still on their way to it. Private to actors/.

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
  /// The caller routes to it directly from now on, until release().
  caf::actor acquire(std::string_view app_id) const;
  /// The caller no longer routes to `app` directly; true when it was the
  /// last to do so (the router may then retire the app).
  bool release(std::string_view app_id, const caf::actor& app) const;
  /// Router only: an app actor was spawned.
  void add(const std::string& app_id, caf::actor app);
  /// Router only: removes the app when no client holds it; true when removed.
  bool retire(std::string_view app_id);
  /// Whether the node has no peers: only then may routes skip the router
  /// (with peers every query is gathered over the cluster, K-5).
  bool alone() const { return alone_.load(std::memory_order_acquire); }
  /// Router only: peers came or went.
  void set_alone(bool alone) { alone_.store(alone, std::memory_order_release); }

private:
  struct entry {
    caf::actor app;
    int holders = 0;
  };
  mutable std::mutex mu_;
  mutable std::map<std::string, entry, std::less<>> apps_;
  std::atomic<bool> alone_{true};
};

using directory_ptr = std::shared_ptr<const app_directory>;

} // namespace sy::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::directory_ptr)
