#include "query/metadata.hpp"

#include <array>

#include "query/semver.hpp"

namespace sy::query {

std::string_view to_string(mtype t) {
  switch (t) {
    case mtype::string: return "string";
    case mtype::integer: return "integer";
    case mtype::floating: return "float";
    case mtype::version: return "version";
    case mtype::list: return "list";
    case mtype::boolean: return "boolean";
    case mtype::map: return "map";
  }
  return "string";
}

std::optional<mtype> parse_mtype(std::string_view name) {
  static constexpr std::array<mtype, 7> all{mtype::string, mtype::integer, mtype::floating, mtype::version,
                                            mtype::list,   mtype::boolean, mtype::map};
  for (auto t : all)
    if (to_string(t) == name)
      return t;
  return std::nullopt;
}

bool is_reserved_key(std::string_view key) {
  return key == "last_heartbeat_time" || key == "restricted" || key == "encoding" || key == "ip"
         || key == "namespace" || key == "receive_client_updates";
}

std::optional<value> coerce(mtype t, const value& v) {
  switch (t) {
    case mtype::string:
      if (v.is_string())
        return v;
      break;
    case mtype::integer:
      if (v.is_int())
        return v;
      break;
    case mtype::floating:
      if (v.is_number())
        return value{v.as_double()};
      break;
    case mtype::version:
      if (v.is_string() && parse_semver(v.as_string()))
        return v;
      break;
    case mtype::list:
      if (v.is_array())
        return v;
      break;
    case mtype::boolean:
      if (v.is_bool())
        return v;
      break;
    case mtype::map:
      if (v.is_object())
        return v;
      break;
  }
  return std::nullopt;
}

update_result validate_update(const value& body) {
  update_result r;
  if (!body.is_object()) {
    r.not_a_map = true;
    return r;
  }
  for (const auto& [key, e] : body.as_object()) {
    const value* type = e.find("type");
    const value* val = e.find("value");
    if (!e.is_object() || !type || !val) {
      r.errors.emplace_back(key, key + ": invalid metadata entry");
      continue;
    }
    std::optional<mtype> t = type->is_string() ? parse_mtype(type->as_string()) : std::nullopt;
    if (!t) {
      std::string shown = type->is_string() ? type->as_string() : std::string("?");
      r.errors.emplace_back(key, key + ": type '" + shown + "' doesn't exists");
      continue;
    }
    if (is_reserved_key(key)) {
      r.errors.emplace_back(key, key + ": forbidden metadata key");
      continue;
    }
    auto stored = coerce(*t, *val);
    if (!stored) {
      r.errors.emplace_back(key, key + ": value fails validation for '" + std::string(to_string(*t)) + "'");
      continue;
    }
    r.entries.emplace_back(key, entry{*t, std::move(*stored)});
  }
  if (!r.errors.empty())
    r.entries.clear();
  return r;
}

void merge(metadata& md, std::vector<std::pair<std::string, entry>> entries) {
  for (auto& [k, e] : entries)
    md.insert_or_assign(std::move(k), std::move(e));
}

} // namespace sy::query
