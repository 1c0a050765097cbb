#include "cluster/membership.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "cluster/messages.hpp"
#include "cluster/redis.hpp"

namespace sy::cluster {
namespace {

struct membership_state {
  static inline const char* name = "sy.membership";
  membership_config cfg;
  caf::actor listener;
  std::unique_ptr<redis_client> redis;
  std::string key;
  std::string value;
  std::string pattern;
  /// Redis is unreachable; logged once when it started.
  bool outage = false;
  std::chrono::milliseconds backoff{0};
};

using membership_actor = caf::stateful_actor<membership_state>;

std::chrono::milliseconds fail(membership_actor* self, const std::string& what) {
  auto& st = self->state;
  if (!st.outage) {
    st.outage = true;
    st.backoff = st.cfg.interval;
    SY_LOG(warn, "membership") << "redis at " << st.redis->address() << " is unreachable (" << what
                               << "); keeping current peers, retrying with back-off";
  } else {
    st.backoff = std::min(st.backoff * 2, st.cfg.max_backoff);
  }
  return st.backoff;
}

/// One round: write our record, read everyone's. Returns the delay until the
/// next round.
std::chrono::milliseconds refresh(membership_actor* self) {
  auto& st = self->state;
  if (auto r = st.redis->set_ex(st.key, st.value, st.cfg.ttl_seconds); !r)
    return fail(self, r.error());
  auto keys = st.redis->scan(st.pattern);
  if (!keys)
    return fail(self, keys.error());
  auto values = st.redis->mget(*keys);
  if (!values)
    return fail(self, values.error());
  std::vector<std::string> records;
  for (size_t i = 0; i < keys->size(); ++i) {
    auto& v = (*values)[i];
    if (!v)
      continue; // expired between SCAN and MGET
    auto rec = parse_record(*v);
    if (rec && rec->id == id_of_key(st.cfg.cluster, (*keys)[i]))
      records.push_back(std::move(*v));
  }
  if (st.outage) {
    st.outage = false;
    SY_LOG(info, "membership") << "redis at " << st.redis->address() << " is reachable again";
  }
  self->send(st.listener, members_atom::value, std::move(records));
  return st.cfg.interval;
}

void remove_record(membership_actor* self) {
  auto& st = self->state;
  if (auto r = st.redis->del(st.key); !r)
    SY_LOG(warn, "membership") << "could not delete our record " << st.key << ": " << r.error();
  else
    SY_LOG(debug, "membership") << "deleted our record " << st.key;
}

caf::behavior membership(membership_actor* self, membership_config cfg, caf::actor listener) {
  auto& st = self->state;
  st.key = record_key(cfg.cluster, cfg.self.id);
  st.value = format_record(cfg.self);
  st.pattern = record_pattern(cfg.cluster);
  st.redis = std::make_unique<redis_client>(cfg.dsn, cfg.redis_timeout);
  st.cfg = std::move(cfg);
  st.listener = std::move(listener);
  // Pitfall 7.2: never answer or die on stray messages and errors.
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  self->set_error_handler([](caf::error&) {});
  // An exit (the peer manager died: we are linked) still deletes the record.
  self->set_exit_handler([self](caf::exit_msg& m) {
    remove_record(self);
    self->quit(m.reason);
  });
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) {
      auto next = refresh(self);
      self->delayed_send(self, next, tick_atom::value);
    },
    [self](stop_atom) {
      remove_record(self);
      self->quit();
      return caf::ok_atom::value;
    },
  };
}

} // namespace

caf::actor spawn_membership(caf::local_actor* listener, membership_config cfg) {
  return listener->spawn<caf::detached + caf::linked>(membership, std::move(cfg),
                                                      caf::actor_cast<caf::actor>(listener));
}

} // namespace sy::cluster
