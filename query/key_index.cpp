#include "query/key_index.hpp"

namespace sy::query {
namespace {

enum class family { equal, version, element };

void drop(std::unordered_map<std::string, posting>& m, const std::string& k, slot_id s) {
  auto it = m.find(k);
  if (it == m.end())
    return;
  it->second.erase(s);
  if (it->second.empty())
    m.erase(it); // empty buckets go, so churn cannot grow memory
}

} // namespace

// Calls f(family, bucket) for every bucket entry `e` belongs to; numbers are
// handled by the callers.
template <class F> void key_index::each_bucket(const entry& e, F&& f) {
  if (auto k = bucket_key(e.val))
    f(family::equal, *k);
  if (auto k = version_key(e.val))
    f(family::version, *k);
  if (e.val.is_array()) {
    for (const auto& el : e.val.as_array())
      if (auto k = bucket_key(el))
        f(family::element, *k);
  } else if (e.val.is_object()) {
    for (const auto& m : e.val.as_object())
      f(family::element, member_name_key(m.key));
  }
}

void key_index::add(slot_id s, std::string_view id, const entry& e) {
  each_bucket(e, [&](family fam, const std::string& k) {
    auto& m = fam == family::equal ? equal_ : (fam == family::version ? version_ : elem_);
    m[k].insert(s);
  });
  if (auto n = to_number(e.val); n && !n->is_nan())
    num_[*n].emplace(id, s);
}

void key_index::remove(slot_id s, std::string_view id, const entry& e) {
  each_bucket(e, [&](family fam, const std::string& k) {
    drop(fam == family::equal ? equal_ : (fam == family::version ? version_ : elem_), k, s);
  });
  if (auto n = to_number(e.val); n && !n->is_nan()) {
    auto it = num_.find(*n);
    if (it != num_.end()) {
      it->second.erase(id);
      if (it->second.empty())
        num_.erase(it);
    }
  }
}

} // namespace sy::query
