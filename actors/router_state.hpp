#pragma once
// The router's state, shared by its parts: router.cpp (registry of
// clients, client-update events, peers, K-7), fanout.cpp (routing over
// local apps and peer nodes, K-5), forwarding.cpp (which routes go to peers
// as they are), peer_answers.cpp (what it answers to peers) and
// peer_batch.cpp (what it sends them). Private to actors/.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/app_directory.hpp"
#include "actors/atoms.hpp"
#include "query/tags.hpp"

namespace sy::actors {

using key_type = std::pair<std::string, std::string>; // (app id, client id)

/// One identified client, as the router knows it.
struct registration {
  caf::actor actor;
  member_info info; // metadata not kept here (the app actor has it)
  bool announced = false;
};

struct router_state {
  static inline const char* name = "router";
  std::map<key_type, registration> clients;
  std::unordered_map<caf::actor_addr, key_type> by_addr;
  std::map<std::string, caf::actor, std::less<>> apps;
  /// The same apps, for clients to route to directly while there are no peers.
  std::shared_ptr<app_directory> directory = std::make_shared<app_directory>();
  std::map<std::string, std::map<std::string, int>> tag_counts; // app -> tag -> clients
  std::map<key_type, std::pair<outbox_ptr, proto::encoding>> subscribers;
  /// Peer nodes by id: their cluster endpoints (K-3, K-4).
  std::map<std::string, caf::actor> peers;
  /// The CAF node of each peer: p_* messages are taken only from these.
  std::map<std::string, caf::node_id> peer_nodes;
  /// The applications each peer may have clients of, by peer id; a peer
  /// missing here is not known yet and is asked about every query. A query
  /// for one application skips the peers known not to have it (K-5: they
  /// would answer with nothing), so a node's traffic for its own apps does
  /// not wait on peers. Each peer tells this through its endpoint (one
  /// forwarder, so in the order sent): its list at peer_up and when asked
  /// (p_apps), each K-7 question before it admits a client (p_holds: so the
  /// app is here before the client gets ready), and when an app's last
  /// client left (p_app_gone). It may list apps the peer no longer has
  /// (asked for nothing), never miss one it has.
  std::map<std::string, std::set<std::string, std::less<>>> peer_apps;
  /// The peers that said they answer forwarded routes (p_forwards).
  std::set<std::string, std::less<>> forwarders;
  /// Identifies per application that asked the peers (K-7) and are not
  /// decided yet: for the peers the app counts as this node's meanwhile.
  std::map<std::string, int> admitting;
  /// SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS (K-5).
  std::chrono::milliseconds peer_timeout{500};
  std::mt19937_64 rng{std::random_device{}()};
  /// Cluster routes still gathering (or forwarded or spread), per sender,
  /// in the order it sent them.
  struct ordered_route {
    std::uint64_t seq = 0;
    bool ready = false;
    std::function<void()> apply;
    /// A gathering (it delivers when it is applied; forwarded and spread
    /// routes deliver when the nodes route them).
    bool gathers = false;
  };
  std::map<caf::actor_addr, std::deque<ordered_route>> in_flight;
  std::map<caf::actor_addr, std::uint64_t> next_seq;
  /// Cluster gatherings, forwarded and spread routes in flight, and those
  /// waiting to start.
  static constexpr int max_running = 1024;
  int running = 0;
  std::deque<std::function<void()>> backlog;
  /// What waits for the next flush, per peer node (peer_batch.cpp): all the
  /// questions and deliveries of one router turn leave in one network
  /// message per peer instead of one each.
  struct peer_outgoing {
    std::vector<std::string> questions;
    std::vector<std::function<void(const std::string*)>> answers; // null = no answer
    std::vector<std::string> deliveries;
    std::vector<std::string> routes;
    std::vector<std::function<void(const char*)>> reached; // its flag; null = no answer
  };
  std::map<std::string, peer_outgoing> outgoing;
  bool flush_due = false;

  /// The actor of `app_id`, spawned on first use and linked to the router.
  caf::actor app_of(caf::local_actor* self, const std::string& app_id);
  /// Ends the actor of `app_id` when the application has no clients and no
  /// client routes to it directly (it would otherwise stay for good: a
  /// node with ever new application ids would grow without bound).
  void try_retire(caf::event_based_actor* self, const std::string& app_id);
  void count_tags(const member_info& m, int delta);
  /// T-2 pools of this node's clients.
  std::map<std::string, query::tag_set> pooled_tags() const;
  /// C-2/C-3 to this node's subscribers except `skip`.
  void emit_local(const char* event, const key_type& subject, const key_type* skip);
  /// C-2/C-3 here and on every peer (K-8).
  void emit(caf::event_based_actor* self, const char* event, const key_type& subject, const key_type* skip);
  /// L-18: a registration ends, exactly once.
  void end(caf::event_based_actor* self, const key_type& key);
  /// Whether this node has a client of `app_id`.
  bool has_clients(const std::string& app_id) const;
  /// The applications this node has clients of or is admitting one of.
  std::vector<std::string> app_ids() const;
  /// p_app_gone to every peer unless this node has a client of `app_id` or
  /// is admitting one.
  void tell_gone_unless_held(caf::event_based_actor* self, const std::string& app_id);
  /// Tells a peer this node's applications, and that it answers forwarded
  /// routes.
  void tell_apps(caf::event_based_actor* self, const caf::actor& endpoint) const;
  /// Whether peer `id` must be asked about `q` (peer_apps).
  bool may_have(const std::string& id, const query::query& q) const;
  /// Whether peer `id` may have clients of `app_id` (or has not told).
  bool may_have_app(const std::string& id, const std::string& app_id) const;
  /// Whether some peer may have clients of `app_id` (or has not told).
  bool any_peer_may_have(const std::string& app_id) const;
  /// Whether `q` needs no peer: no peers, or one application none may have.
  bool local_only(const query::query& q) const;
  /// Tells the directory what the peers may have, after peers or a whole
  /// peer_apps list changed (clients then route without the router to the
  /// apps no peer has).
  void publish_peers();
};

using router_actor = caf::stateful_actor<router_state>;

// -- fanout.cpp ------------------------------------------------------------------

/// A route request from a local client (or HTTP): answered with the reply frame.
caf::response_promise on_route(router_actor* self, route_request& req);
/// T-3: applications whose tags, pooled over the cluster, hold every tag.
caf::result<std::vector<std::string>> on_discover(router_actor* self, const std::vector<std::string>& tags);

// -- forwarding.cpp --------------------------------------------------------------

/// How a route that may need peers goes to them (K-5).
struct peer_plan {
  enum how_t { gather, forward, spread } how = gather;
  /// forward: the one peer; spread: every peer that may have the application.
  std::vector<std::string> peers;
};

/// Forward when the application is only on one peer that answers forwarded
/// routes; spread a BROADCAST without selector or `optional` when every
/// peer that may have the app does; else gather. Never past a gathering of
/// the same sender still in flight (it delivers when it is applied).
peer_plan plan_for_peers(const router_state& st, const route_request& req, const caf::actor_addr& sender);
/// What a forwarded or spread route tells the peer: the message and its query.
std::string forwarded(const route_request& req);

// -- peer_answers.cpp ------------------------------------------------------------

/// K-5, the peer side: deliver to some of this node's clients.
void on_peer_deliver(router_actor* self, const std::string& json);
/// K-5, the peer side: this node's answers (peer_answer JSON) to a batch of
/// questions (peer_query JSON), in their order.
caf::response_promise on_peer_gathers(router_actor* self, const std::vector<std::string>& questions);
/// K-5, the peer side: route forwarded routes (peer_delivery JSON with a
/// query) over this node's clients; answered with one flag per route.
caf::response_promise on_peer_routes(router_actor* self, const std::vector<std::string>& routes);

// -- peer_batch.cpp --------------------------------------------------------------

/// Queues a question for `node`; `answer` gets its answer, or null when the
/// peer did not answer within the timeout (or is gone).
void ask_peer(router_actor* self, const std::string& node, std::string question,
              std::function<void(const std::string*)> answer);
/// Queues a delivery for `node`.
void deliver_to_peer(router_actor* self, const std::string& node, std::string delivery);
/// Queues a forwarded route for `node`; `reached` gets its flag ('1': a
/// client there got it), or null when the peer did not answer in time (or
/// is gone).
void route_via_peer(router_actor* self, const std::string& node, std::string route,
                    std::function<void(const char*)> reached);
/// Sends everything queued, per peer in this order: one p_deliver message,
/// one p_routes request, one p_gathers request (a sender's delivery decided
/// before its forwarded route, and the route before a later question).
void flush_peers(router_actor* self);

} // namespace sy::actors
