#include "query/value.hpp"

namespace sy::query {

const value* value::find(std::string_view key) const {
  if (!is_object())
    return nullptr;
  const auto& o = as_object();
  // Last occurrence wins, as in most JSON readers.
  for (auto it = o.rbegin(); it != o.rend(); ++it)
    if (it->key == key)
      return &it->val;
  return nullptr;
}

void value::set(std::string key, value v) {
  if (!is_object())
    v_ = object{};
  auto& o = as_object();
  for (auto& m : o)
    if (m.key == key) {
      m.val = std::move(v);
      return;
    }
  o.push_back(member{std::move(key), std::move(v)});
}

bool operator==(const value& a, const value& b) {
  if (a.type() != b.type())
    return false;
  switch (a.type()) {
    case kind::null: return true;
    case kind::boolean: return a.as_bool() == b.as_bool();
    case kind::integer: return a.as_int() == b.as_int();
    case kind::floating: return a.as_float() == b.as_float();
    case kind::string: return a.as_string() == b.as_string();
    case kind::array: return a.as_array() == b.as_array();
    case kind::object: {
      const auto& x = a.as_object();
      const auto& y = b.as_object();
      if (x.size() != y.size())
        return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (x[i].key != y[i].key || x[i].val != y[i].val)
          return false;
      return true;
    }
  }
  return false;
}

} // namespace sy::query
