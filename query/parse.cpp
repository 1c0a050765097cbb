// Top-level query fields (Q-1… ). The `ops` elements are parsed in
// parse_ops.cpp.

#include "query/parse.hpp"

namespace sy::query {
namespace {

// `true` or the string "true"; anything else is false.
bool coerce_bool(const value* v) {
  return v && ((v->is_bool() && v->as_bool()) || (v->is_string() && v->as_string() == "true"));
}

// a string as-is, an integer as decimal text, anything else null.
std::optional<std::string> coerce_key(const value* v) {
  if (v && v->is_string())
    return v->as_string();
  if (v && v->is_int())
    return std::to_string(v->as_int());
  return std::nullopt;
}

//
bool parse_application(const value* v, query& q, std::string& error) {
  if (!v || v->is_null())
    return true;
  if (v->is_string()) {
    q.scope = app_scope::exact;
    q.application = v->as_string();
    return true;
  }
  if (!v->is_array()) {
    error = "application: must be a string, an array of tag strings or null";
    return false;
  }
  q.scope = app_scope::tags;
  const auto& items = v->as_array();
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (!items[k].is_string()) {
      error = std::string("application[").append(std::to_string(k)).append("]: tags must be strings");
      return false;
    }
    q.tags.push_back(items[k].as_string());
  }
  return true;
}

//
bool parse_selector(const value* v, query& q, std::string& error) {
  if (!v || v->is_null())
    return true;
  if (!v->is_object()) {
    error = "selector: must be a map such as {\"$min\": \"latency\"} or null";
    return false;
  }
  const auto& entries = v->as_object();
  if (entries.empty())
    return true;
  if (entries.size() > 1) {
    error = std::string("selector: must have exactly one entry, got ").append(std::to_string(entries.size()));
    return false;
  }
  const auto& [name, arg] = entries.front();
  selector s;
  if (name == "$min")
    s.kind = selector_kind::min;
  else if (name == "$max")
    s.kind = selector_kind::max;
  else if (name == "$avg")
    s.kind = selector_kind::avg;
  else {
    error = std::string("selector: unknown selector '").append(name).append("' (expected $min, $max or $avg)");
    return false;
  }
  if (!arg.is_string()) {
    error = std::string("selector.").append(name).append(": must be a string naming a metadata key");
    return false;
  }
  const std::string& k = arg.as_string();
  if (!k.empty() && k[0] == '/') {
    std::string why;
    auto p = parse_pointer(k, why);
    if (!p) {
      error = std::string("selector.").append(name).append(": ").append(why).append(", got '").append(k).append("'");
      return false;
    }
    s.at = std::move(*p);
  } else {
    s.at = key_path(k);
  }
  q.selector = std::move(s);
  return true;
}

} // namespace

parse_result parse_query(const value& v) {
  parse_result r;
  if (!v.is_object()) {
    r.error = "query must be a map";
    return r;
  }
  query q;
  if (!parse_application(v.find("application"), q, r.error))
    return r;
  q.restricted = coerce_bool(v.find("restricted"));
  q.optional = coerce_bool(v.find("optional"));
  q.droppable = coerce_bool(v.find("droppable"));
  q.key = coerce_key(v.find("key"));
  const value* ops = v.find("ops");
  if (ops && !ops->is_null() && !parse_ops(*ops, "ops", q.ops, r.error))
    return r;
  if (!parse_selector(v.find("selector"), q, r.error))
    return r;
  r.parsed = std::move(q);
  return r;
}

} // namespace sy::query
