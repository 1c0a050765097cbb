#include "query/index_plan.hpp"

#include <algorithm>

namespace sy::query {
namespace {

void add_list(probe& p, const posting* list) {
  if (list && !list->empty()) {
    p.lists.push_back(list);
    p.size += list->size();
  }
}

// Members that can equal B: plain Q-12 equals (unless the operand forces
// version mode) and versions of the same precedence. Version-typed
// members sit in both families; matches() sorts out which applies.
void add_equal(probe& p, const key_index* ki, const value& b, bool version_hint) {
  if (!ki)
    return;
  if (!version_hint)
    if (auto k = bucket_key(b))
      add_list(p, ki->equal(*k));
  if (auto k = version_key(b))
    add_list(p, ki->version(*k));
}

std::optional<probe> range_probe(const comparison& c, const key_index* ki) {
  const value& b = c.to.lit;
  if (c.to.version) {
    if (version_key(b))
      return std::nullopt; // precedence ranges are not indexed: scan
    return probe{};        // B is no version: nothing is comparable
  }
  if (b.is_string())
    return std::nullopt; // string and version ranges are not indexed: scan
  auto n = to_number(b);
  if (!n || n->is_nan() || !ki)
    return probe{}; // null, booleans, arrays, maps, NaN: incomparable to all
  probe p;
  p.nums = &ki->numbers();
  p.op = c.op;
  p.bound = *n;
  return p;
}

} // namespace

void conjuncts(const std::vector<node>& ops, std::vector<const comparison*>& out) {
  for (const auto& n : ops) {
    if (const auto* c = std::get_if<comparison>(&n.v))
      out.push_back(c);
    else if (const auto& l = std::get<logical>(n.v); l.op == logic_op::and_)
      conjuncts(l.with, out);
  }
}

std::optional<probe> probe_for(const comparison& c, const key_map& keys) {
  if (!c.to.literal || !c.at.top_level())
    return std::nullopt;
  auto it = keys.find(c.at.key());
  const key_index* ki = it == keys.end() ? nullptr : &it->second;
  const value& b = c.to.lit;
  probe p;
  switch (c.op) {
    case cmp_op::eq: add_equal(p, ki, b, c.to.version); return p;
    case cmp_op::in:
      for (const auto& e : b.as_array()) // a literal $in operand is an array
        add_equal(p, ki, e, c.to.version);
      return p;
    case cmp_op::contains:
      if (c.to.version)
        return std::nullopt; // element precedence is not indexed: scan
      if (ki) {
        if (auto k = bucket_key(b))
          add_list(p, ki->element(*k));
        if (b.is_string())
          add_list(p, ki->element(member_name_key(b.as_string())));
      }
      return p;
    case cmp_op::gt:
    case cmp_op::gte:
    case cmp_op::lt:
    case cmp_op::lte: return range_probe(c, ki);
    default: return std::nullopt; // negations are complements: scan
  }
}

std::optional<probe> plan(const query& q, const key_map& keys, bool exact_only) {
  std::vector<const comparison*> parts;
  conjuncts(q.ops, parts);
  std::optional<probe> best;
  std::optional<probe> range;
  for (const auto* c : parts) {
    auto p = probe_for(*c, keys);
    if (!p)
      continue;
    if (p->ranged()) {
      if (!range)
        range = std::move(p);
    } else if (!best || p->size < best->size) {
      best = std::move(p);
      if (best->size == 0)
        break;
    }
  }
  if (best || exact_only)
    return best;
  return range;
}

std::vector<slot_id> collect(const probe& p) {
  std::vector<slot_id> out;
  if (p.ranged()) {
    auto lo = p.nums->begin();
    auto hi = p.nums->end();
    switch (p.op) {
      case cmp_op::gt: lo = p.nums->upper_bound(p.bound); break;
      case cmp_op::gte: lo = p.nums->lower_bound(p.bound); break;
      case cmp_op::lt: hi = p.nums->lower_bound(p.bound); break;
      default: hi = p.nums->upper_bound(p.bound); break; // lte
    }
    for (auto it = lo; it != hi; ++it)
      for (const auto& [id, s] : it->second)
        out.push_back(s);
  } else {
    out.reserve(p.size);
    for (const auto* list : p.lists)
      out.insert(out.end(), list->begin(), list->end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace sy::query
