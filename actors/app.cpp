#include "actors/app.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"

namespace sy::actors {
namespace {

struct app_state {
  static inline const char* name = "app";
  std::string app_id;
  std::map<std::string, member_info, std::less<>> members;

  void merge(const std::string& cid, md_entries e) {
    auto it = members.find(cid);
    if (it != members.end())
      query::merge(it->second.metadata, std::move(e.items));
  }
};

using app_actor = caf::stateful_actor<app_state>;

caf::behavior app(app_actor* self, std::string app_id) {
  self->state.app_id = std::move(app_id);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    return caf::message{};
  });
  return {
    [=](add_atom, member_info& m) { self->state.members.insert_or_assign(m.client_id, std::move(m)); },
    [=](remove_atom, const std::string& cid) { self->state.members.erase(cid); },
    [=](update_md_atom, const std::string& cid, md_entries& e) {
      self->state.merge(cid, std::move(e));
      return true;
    },
    [=](set_md_atom, const std::string& cid, md_entries& e) { self->state.merge(cid, std::move(e)); },
    [=](count_atom) { return static_cast<std::uint64_t>(self->state.members.size()); },
  };
}

} // namespace

caf::actor spawn_app(caf::actor_system& sys, std::string app_id) { return sys.spawn(app, std::move(app_id)); }

} // namespace sy::actors
