#pragma once
// The node's application actors by application id, readable from any actor:
// a client whose query names one application of a node without peers sends
// it straight to that app actor, without the router in between (one actor
// hop less per message). The router adds an app actor when the first client
// of the application comes and retires it once the last one has gone and no
// client routes to it directly any more: a client acquires the app it routes
// to and releases it when it moves to another app or ends, so that an app
// actor never quits with routes still on their way to it.
//
// With peers, a query for one application also goes straight to its app
// actor when no peer may have clients of it (the router publishes what its
// peers told it, K-5): a cluster's node-local traffic then costs what a
// single node's does. Private to actors/.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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
  /// A caller's last answer of local_only, reused while nothing changed.
  struct local_memo {
    std::uint64_t version = 0;
    std::string app_id;
    bool local = false;
  };
  /// Whether a query for `app_id` needs no peer: there are none, or each
  /// has told its applications and none lists `app_id` (K-5). Only then may
  /// routes skip the router.
  bool local_only(std::string_view app_id, local_memo& memo) const;
  using app_set = std::set<std::string, std::less<>>;
  /// Router only: peers came or went, or one told its whole list. `held`:
  /// the apps any peer may have; `all_known`: every peer has told.
  void set_peers(bool alone, bool all_known, app_set held);
  /// Router only: a peer may have clients of `app_id` from now on (K-7).
  void peer_may_have(const std::string& app_id);
  /// Router only: no peer has clients of `app_id` any more.
  void no_peer_has(const std::string& app_id);

private:
  struct entry {
    caf::actor app;
    int holders = 0;
  };
  mutable std::mutex mu_;
  mutable std::map<std::string, entry, std::less<>> apps_;
  std::atomic<bool> alone_{true};
  /// Bumped (under mu_) whenever what the peers may have changes.
  std::atomic<std::uint64_t> version_{1};
  bool all_known_ = true;
  app_set peer_held_;
};

using directory_ptr = std::shared_ptr<const app_directory>;

} // namespace sy::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sy::actors::directory_ptr)
