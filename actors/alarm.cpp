#include "actors/alarm.hpp"

#include <limits>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/log.hpp"

namespace sy::actors {
namespace {

using time_point = caf::actor_clock::time_point;

struct alarm_state {
  static inline const char* name = "alarm";
  /// One alarm per client: whom to tell (weak: a client that ended is not
  /// kept), when, and which atom.
  struct entry {
    caf::actor_addr who;
    time_point due;
    caf::atom_value what;
  };
  std::unordered_map<caf::actor_id, entry> alarms;
  std::set<std::pair<time_point, caf::actor_id>> by_due;
  /// When the earliest wake-up already asked of CAF's clock comes.
  time_point next_wake = time_point::max();

  void drop(caf::actor_id id) {
    if (auto it = alarms.find(id); it != alarms.end()) {
      by_due.erase({it->second.due, id});
      alarms.erase(it);
    }
  }
};

using alarm_actor = caf::stateful_actor<alarm_state>;

/// Asks CAF's clock for a wake-up at the earliest alarm, unless one comes by then.
void wake_for_earliest(alarm_actor* self) {
  auto& st = self->state;
  if (st.by_due.empty() || st.by_due.begin()->first >= st.next_wake)
    return;
  st.next_wake = st.by_due.begin()->first;
  auto now = self->clock().now();
  self->delayed_send(self, st.next_wake > now ? st.next_wake - now : caf::timespan{0}, tick_atom::value);
}

// (Spawned with an argument: CAF 0.17 binds a reference to a null tuple for
// a function actor spawned with none, which UBSan reports.)
caf::behavior alarm(alarm_actor* self, const std::string& name) {
  SY_LOG(debug, "alarm") << "started " << name;
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    [=](alarm_atom, caf::timespan due_since_epoch, caf::atom_value what) {
      auto& st = self->state;
      const auto& sender = self->current_sender();
      if (!sender)
        return;
      auto id = sender->id();
      st.drop(id);
      auto due = time_point{std::chrono::duration_cast<time_point::duration>(due_since_epoch)};
      st.alarms.emplace(id, alarm_state::entry{sender->address(), due, what});
      st.by_due.emplace(due, id);
      wake_for_earliest(self);
    },
    [=](forget_atom, caf::actor_id id) { self->state.drop(id); },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (now >= st.next_wake)
        st.next_wake = time_point::max();
      while (!st.by_due.empty() && st.by_due.begin()->first <= now) {
        auto id = st.by_due.begin()->second;
        auto it = st.alarms.find(id);
        auto who = caf::actor_cast<caf::actor>(it->second.who);
        auto what = it->second.what;
        st.by_due.erase(st.by_due.begin());
        st.alarms.erase(it);
        if (who)
          caf::anon_send(who, what);
      }
      wake_for_earliest(self);
    },
  };
}

} // namespace

caf::actor spawn_alarm(caf::actor_system& sys) { return sys.spawn(alarm, std::string("clients")); }

} // namespace sy::actors
