#include "proto/identify.hpp"

#include "proto/json.hpp"

namespace sy::proto {

using query::value;

std::optional<identify> parse_identify(const value* d) {
  if (!d || !d->is_object())
    return std::nullopt;
  const value* cid = d->find("client_id");
  const value* app = d->find("application_id");
  if (!cid || !cid->is_string() || cid->as_string().empty() || !app || !app->is_string()
      || app->as_string().empty())
    return std::nullopt;
  identify id;
  id.client_id = cid->as_string();
  id.application_id = app->as_string();
  if (const value* a = d->find("auth"); a && !a->is_null())
    id.auth = *a;
  if (const value* ip = d->find("ip"); ip && ip->is_string() && !ip->as_string().empty())
    id.ip = ip->as_string();
  if (const value* ns = d->find("namespace"); ns && ns->is_string())
    id.ns = ns->as_string();
  if (const value* md = d->find("metadata"))
    id.metadata = *md;
  if (const value* r = d->find("receive_client_updates"); r && r->is_bool())
    id.receive_client_updates = r->as_bool();
  if (const value* tags = d->find("tags"); tags && tags->is_array())
    for (const auto& t : tags->as_array())
      if (t.is_string())
        id.tags.push_back(t.as_string());
  return id;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the longer length so the time does not depend on where bytes differ.
  std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool is_restricted(const identify& id, std::string_view server_password) {
  if (server_password.empty())
    return id.auth.has_value();
  if (!id.auth || !id.auth->is_string())
    return true;
  return !constant_time_equal(id.auth->as_string(), server_password);
}

query::update_result parse_metadata_update(const value& body) {
  if (!body.is_object())
    return query::validate_update(body);
  // M-1 (2020 compat): a list may arrive as a string holding a JSON array.
  value copy = body;
  for (auto& m : copy.as_object()) {
    const value* t = m.val.find("type");
    const value* v = m.val.find("value");
    if (t && t->is_string() && t->as_string() == "list" && v && v->is_string()) {
      value decoded;
      std::string err;
      if (parse_json(v->as_string(), decoded, err) && decoded.is_array())
        m.val.set("value", std::move(decoded));
    }
  }
  return query::validate_update(copy);
}

value error_map(const query::update_result& r) {
  query::object o;
  for (const auto& [k, msg] : r.errors)
    o.push_back(query::member{k, value{msg}});
  return value{std::move(o)};
}

} // namespace sy::proto
