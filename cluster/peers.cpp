#include "cluster/peers.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>

#include "actors/log.hpp"
#include "cluster/cookie.hpp"
#include "cluster/gate.hpp"
#include "cluster/messages.hpp"
#include "cluster/record.hpp"

namespace sy::cluster {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A node we dial (its id is larger than ours), known from its record.
struct candidate {
  node_record rec;
  enum { idle, dialing, ignored } state = idle;
  clock::time_point next_try{};
  std::chrono::milliseconds backoff{0};
  /// Tags the dial in flight; replies of older dials are stale.
  std::uint64_t attempt = 0;
};

/// A challenge we issued as responder, waiting for the dialer's auth.
struct issued_challenge {
  std::string value;
  clock::time_point at;
};

struct peers_state {
  static inline const char* name = "sy.peers";
  peers_config cfg;
  caf::actor listener;
  caf::actor membership;
  std::uint16_t port = 0;
  bool started = false;
  bool stopping = false;
  /// Why we stop, and until when we wait for dials in flight (drain()).
  caf::error stop_reason;
  clock::time_point stop_deadline{};
  std::uint64_t attempts = 0;
  std::map<std::string, candidate> candidates;
  /// Authenticated peers by node id.
  std::map<std::string, caf::actor> up;
  std::map<std::pair<caf::node_id, std::string>, issued_challenge> issued;
  /// Dialers whose proof we accepted, until they confirm that they took ours:
  /// only then do we announce them, so that a message our listener sends at
  /// once is not dropped by a dialer that does not know us yet.
  std::map<std::pair<caf::node_id, std::string>, caf::actor> confirming;
  /// Node ids whose cookie failure was logged.
  std::set<std::string> cookie_logged;
  /// Node ids whose failed TLS handshake was logged.
  std::set<std::string> tls_logged;
  peer_gate gate;
};

using peers_actor = caf::stateful_actor<peers_state>;

constexpr auto tick_interval = 200ms;
constexpr auto challenge_lifetime = 10s;
constexpr size_t max_issued = 1024;

bool from_local(peers_actor* self) {
  auto& src = self->current_sender();
  return src && src->node() == self->node();
}

std::string where(const node_record& r) { return r.host + ':' + std::to_string(r.port); }

// -- peers --------------------------------------------------------------------

void drop_peer(peers_actor* self, std::map<std::string, caf::actor>::iterator i, const std::string& why) {
  auto& st = self->state;
  auto id = i->first;
  st.gate.revoke(i->second.node());
  st.up.erase(i);
  SY_LOG(info, "peers") << "peer " << id << " down: " << why;
  self->send(st.listener, peer_down_atom::value, id);
  if (auto c = st.candidates.find(id); c != st.candidates.end()) {
    c->second.backoff = 0ms;
    c->second.next_try = clock::now() + st.cfg.min_backoff;
  }
}

void mark_up(peers_actor* self, const std::string& id, caf::actor endpoint) {
  auto& st = self->state;
  if (auto c = st.candidates.find(id); c != st.candidates.end()) {
    c->second.state = candidate::idle;
    c->second.backoff = 0ms;
  }
  auto node = endpoint.node();
  if (auto* other = st.gate.id_of(node); other != nullptr && *other != id)
    if (auto i = st.up.find(*other); i != st.up.end()) {
      self->demonitor(i->second);
      drop_peer(self, i, "its node now proves another id");
    }
  if (auto i = st.up.find(id); i != st.up.end()) {
    if (i->second == endpoint)
      return; // a repeated handshake over the same link
    self->demonitor(i->second);
    st.gate.revoke(i->second.node());
  }
  self->monitor(endpoint);
  st.up[id] = endpoint;
  st.gate.admit(node, id);
  SY_LOG(info, "peers") << "peer " << id << " up (" << caf::to_string(node) << ")";
  self->send(st.listener, peer_up_atom::value, id, std::move(endpoint));
}

/// Whether a down or exit message may be genuine: CAF sends them from the
/// actor that went down (or anonymously), never from a third actor.
bool plausible(peers_actor* self, const caf::actor_addr& source) {
  auto& src = self->current_sender();
  return !src || src->address() == source || src->node() == self->node();
}

void on_down(peers_actor* self, const caf::down_msg& d) {
  auto& st = self->state;
  if (!plausible(self, d.source))
    return;
  for (auto i = st.up.begin(); i != st.up.end(); ++i)
    if (i->second.address() == d.source) {
      drop_peer(self, i, self->system().render(d.reason));
      return;
    }
}

// -- dialing ------------------------------------------------------------------

candidate* current(peers_actor* self, const std::string& id, std::uint64_t attempt) {
  auto i = self->state.candidates.find(id);
  return i == self->state.candidates.end() || i->second.attempt != attempt ? nullptr : &i->second;
}

void dial_failed(peers_actor* self, const std::string& id, std::uint64_t attempt, const std::string& why,
                 bool cookie = false) {
  auto& st = self->state;
  auto* c = current(self, id, attempt);
  if (c == nullptr)
    return;
  c->state = candidate::idle;
  auto cap = cookie ? st.cfg.cookie_backoff : st.cfg.max_backoff;
  c->backoff = c->backoff == 0ms ? st.cfg.min_backoff : std::min(c->backoff * 2, cap);
  c->next_try = clock::now() + c->backoff;
  SY_LOG(debug, "peers") << "dial to " << id << " at " << where(c->rec) << " failed: " << why << "; retry in "
                         << c->backoff.count() << " ms";
}

void cookie_failed(peers_actor* self, const std::string& id, const std::string& at, const std::string& why) {
  auto& st = self->state;
  if (st.cookie_logged.size() >= 4096)
    st.cookie_logged.clear();
  if (st.cookie_logged.insert(id).second)
    SY_LOG(warn, "peers") << "node " << id << " at " << at << " failed the cookie check (" << why
                          << "); it is not a peer";
}

/// With TLS, a dial whose TLS handshake failed: the node's certificate does
/// not chain to our CA, ours does not to its CA, or it speaks plain BASP.
/// Only the dialing side can tell (CAF drops a failed accept silently).
void tls_failed(peers_actor* self, const std::string& id, std::uint64_t attempt, const caf::error& e) {
  auto& st = self->state;
  auto* c = current(self, id, attempt);
  if (c == nullptr)
    return;
  if (st.tls_logged.size() >= 4096)
    st.tls_logged.clear();
  if (st.tls_logged.insert(id).second)
    SY_LOG(warn, "peers") << "node " << id << " at " << where(c->rec) << " failed the TLS handshake ("
                          << self->system().render(e)
                          << ": its certificate is not from our CA, or it does not speak TLS); it is not a peer";
  dial_failed(self, id, attempt, "TLS handshake failed", true);
}

void ignore_record(peers_actor* self, const std::string& id, std::uint64_t attempt, const std::string& got) {
  auto* c = current(self, id, attempt);
  if (c == nullptr)
    return;
  c->state = candidate::ignored;
  SY_LOG(info, "peers") << "record of " << id << " points at " << where(c->rec) << ", which answers as "
                        << (got.empty() ? std::string("this node") : got) << "; ignored until it expires";
}

void authenticate(peers_actor* self, const std::string& id, std::uint64_t attempt, caf::actor remote,
                  std::string mine, const std::string& theirs, const std::string& proof) {
  auto& st = self->state;
  bool good = has_role(theirs, challenge_role::responder)
              && same_proof(make_proof(st.cfg.cookie, mine, id), proof);
  auto answer = good ? make_proof(st.cfg.cookie, theirs, st.cfg.node_id) : std::string{};
  auto* c = current(self, id, attempt);
  auto at = c != nullptr ? where(c->rec) : std::string("?");
  self->request(remote, st.cfg.handshake_timeout, auth_atom::value, st.cfg.node_id, answer)
    .then(
      [=](bool accepted) {
        if (good && accepted) {
          // Confirm first: our listener may message the peer as soon as it
          // hears of it, and that must reach the peer after the confirm.
          self->send(remote, confirm_atom::value, self->state.cfg.node_id);
          mark_up(self, id, remote);
          return;
        }
        cookie_failed(self, id, at, good ? "it rejected our proof" : "its proof is wrong");
        dial_failed(self, id, attempt, "cookie check failed", true);
      },
      [=](caf::error& e) { dial_failed(self, id, attempt, "auth: " + self->system().render(e)); });
}

void say_hello(peers_actor* self, const std::string& id, std::uint64_t attempt, caf::actor remote) {
  auto& st = self->state;
  if (remote.node() == self->node())
    return ignore_record(self, id, attempt, "");
  auto mine = make_challenge(challenge_role::dialer);
  self->request(remote, st.cfg.handshake_timeout, hello_atom::value, st.cfg.node_id, mine)
    .then(
      [=](const std::string& rid, const std::string& theirs, const std::string& proof) {
        if (rid != id)
          return ignore_record(self, id, attempt, rid);
        authenticate(self, id, attempt, remote, mine, theirs, proof);
      },
      [=](caf::error& e) { dial_failed(self, id, attempt, "hello: " + self->system().render(e)); });
}

void dial(peers_actor* self, candidate& c) {
  auto& st = self->state;
  c.state = candidate::dialing;
  auto attempt = c.attempt = ++st.attempts;
  auto id = c.rec.id;
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle() : self->system().middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, c.rec.host, c.rec.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& p, const std::set<std::string>&) {
        if (!p)
          return dial_failed(self, id, attempt, "nothing is published there");
        say_hello(self, id, attempt, caf::actor_cast<caf::actor>(std::move(p)));
      },
      [=](caf::error& e) {
        if (self->state.cfg.tls && e == caf::sec::disconnect_during_handshake)
          return tls_failed(self, id, attempt, e);
        dial_failed(self, id, attempt, "connect: " + self->system().render(e));
      });
}

void dial_due(peers_actor* self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  auto now = clock::now();
  for (auto& [id, c] : st.candidates)
    if (c.state == candidate::idle && st.up.count(id) == 0 && now >= c.next_try)
      dial(self, c);
}

/// The records changed: keep a candidate for every listed node we dial.
void on_members(peers_actor* self, const std::vector<std::string>& records) {
  auto& st = self->state;
  std::map<std::string, node_record> listed;
  for (auto& line : records)
    if (auto r = parse_record(line); r && r->id > st.cfg.node_id)
      listed.emplace(r->id, std::move(*r));
  for (auto i = st.candidates.begin(); i != st.candidates.end();)
    i = listed.count(i->first) == 0 ? st.candidates.erase(i) : std::next(i);
  for (auto& [id, rec] : listed) {
    auto& c = st.candidates[id];
    if (c.rec.host != rec.host || c.rec.port != rec.port) {
      if (c.state != candidate::dialing)
        c.state = candidate::idle;
      c.rec = std::move(rec);
    }
  }
  dial_due(self);
}

// -- responding ---------------------------------------------------------------

caf::result<std::string, std::string, std::string> on_hello(peers_actor* self, const std::string& dialer,
                                                            const std::string& challenge) {
  auto& st = self->state;
  auto& src = self->current_sender();
  if (st.stopping || !src || src->node() == self->node() || !valid_field(dialer) || dialer == st.cfg.node_id
      || !has_role(challenge, challenge_role::dialer))
    return caf::sec::invalid_argument;
  auto now = clock::now();
  for (auto i = st.issued.begin(); i != st.issued.end();)
    i = now - i->second.at > challenge_lifetime ? st.issued.erase(i) : std::next(i);
  if (st.issued.size() >= max_issued)
    return caf::sec::invalid_argument;
  auto mine = make_challenge(challenge_role::responder);
  st.issued[{src->node(), dialer}] = {mine, now};
  return {st.cfg.node_id, mine, make_proof(st.cfg.cookie, challenge, st.cfg.node_id)};
}

bool on_auth(peers_actor* self, const std::string& dialer, const std::string& proof) {
  auto& st = self->state;
  auto& src = self->current_sender();
  if (st.stopping || !src || src->node() == self->node())
    return false;
  auto i = st.issued.find({src->node(), dialer});
  if (i == st.issued.end())
    return false;
  auto expected = make_proof(st.cfg.cookie, i->second.value, dialer);
  st.issued.erase(i);
  if (!same_proof(expected, proof)) {
    cookie_failed(self, dialer, caf::to_string(src->node()),
                  proof.empty() ? "it rejected our proof" : "its proof is wrong");
    return false;
  }
  if (st.confirming.size() >= 4096)
    st.confirming.clear();
  st.confirming[{src->node(), dialer}] = caf::actor_cast<caf::actor>(src);
  return true;
}

/// The dialer took our accept: it is a peer now on both sides.
void on_confirm(peers_actor* self, const std::string& dialer) {
  auto& st = self->state;
  auto& src = self->current_sender();
  if (st.stopping || !src)
    return;
  auto i = st.confirming.find({src->node(), dialer});
  if (i == st.confirming.end())
    return;
  auto endpoint = std::move(i->second);
  st.confirming.erase(i);
  mark_up(self, dialer, std::move(endpoint));
}

// -- lifecycle ----------------------------------------------------------------

void on_start(peers_actor* self, std::uint16_t port) {
  auto& st = self->state;
  if (st.stopping || st.membership)
    return;
  st.port = port;
  auto cfg = st.cfg.membership;
  cfg.self.port = port;
  st.membership = spawn_membership(self, std::move(cfg));
  if (!st.started) {
    st.started = true;
    self->send(self, retry_atom::value);
  }
}

/// Quits once no dial is in flight, or at the deadline. A connection that
/// CAF's middleman completes for us after we (and the BASP broker) began to
/// stop is what we suspect behind the broker's memory left at exit once in
/// CI (tests/lsan.supp); waiting for our own dials costs at most the connect
/// timeout, and usually nothing.
void drain(peers_actor* self) {
  auto& st = self->state;
  bool dialing = std::any_of(st.candidates.begin(), st.candidates.end(),
                             [](const auto& kv) { return kv.second.state == candidate::dialing; });
  if (!dialing || clock::now() >= st.stop_deadline)
    return self->quit(st.stop_reason);
  self->delayed_send(self, 20ms, drain_atom::value);
}

void stop(peers_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  st.stop_reason = std::move(reason);
  st.stop_deadline = clock::now() + st.cfg.connect_timeout + 1s;
  if (!st.membership)
    return drain(self);
  // Delete our record first (K-3), then quit.
  self->request(st.membership, 3s, stop_atom::value)
    .then([=](caf::ok_atom) { drain(self); }, [=](caf::error&) { drain(self); });
}

void on_exit(peers_actor* self, caf::exit_msg& m) {
  auto& st = self->state;
  if (auto& src = self->current_sender(); src && src->node() != self->node()) {
    st.gate.admits(src, self->node()); // a remote node may not stop us (logs non-peers once)
    return;
  }
  if (st.membership && m.source == st.membership.address()) {
    st.membership = nullptr;
    if (!st.stopping) { // it crashed: start another one in a second
      SY_LOG(error, "peers") << "membership stopped: " << self->system().render(m.reason) << "; restarting it";
      self->delayed_send(self, 1s, start_atom::value, st.port);
    }
    return;
  }
  stop(self, std::move(m.reason));
}

/// Messages outside the behavior: a peer's are for the listener, the rest is
/// dropped (pitfall 7.2: never answer with an error).
caf::result<caf::message> on_other(peers_actor* self, caf::message_view& x) {
  auto& st = self->state;
  auto& src = self->current_sender();
  if (src && src->node() != self->node() && st.gate.admits(src, self->node()) && st.listener)
    self->delegate(st.listener, x.move_content_to_message());
  return caf::message{};
}

caf::behavior peers(peers_actor* self, peers_config cfg, caf::actor listener) {
  self->state.cfg = std::move(cfg);
  self->state.listener = std::move(listener);
  self->set_default_handler([self](caf::scheduled_actor*, caf::message_view& x) { return on_other(self, x); });
  self->set_error_handler([](caf::error&) {});
  self->set_down_handler([self](caf::down_msg& d) { on_down(self, d); });
  self->set_exit_handler([self](caf::exit_msg& m) { on_exit(self, m); });
  auto local_only = [self] {
    if (from_local(self))
      return true;
    self->state.gate.admits(self->current_sender(), self->node()); // logs non-peers once
    return false;
  };
  return {
    [=](start_atom, std::uint16_t port) {
      if (local_only())
        on_start(self, port);
    },
    [=](members_atom, const std::vector<std::string>& records) {
      if (local_only())
        on_members(self, records);
    },
    [=](drain_atom) {
      if (local_only() && self->state.stopping)
        drain(self);
    },
    [=](retry_atom) {
      if (!local_only() || self->state.stopping)
        return;
      dial_due(self);
      self->delayed_send(self, tick_interval, retry_atom::value);
    },
    [=](hello_atom, const std::string& dialer, const std::string& challenge) {
      return on_hello(self, dialer, challenge);
    },
    [=](auth_atom, const std::string& dialer, const std::string& proof) { return on_auth(self, dialer, proof); },
    [=](confirm_atom, const std::string& dialer) { on_confirm(self, dialer); },
  };
}

} // namespace

caf::actor spawn_peers(caf::actor_system& sys, peers_config cfg, caf::actor listener) {
  return sys.spawn(peers, std::move(cfg), std::move(listener));
}

} // namespace sy::cluster
