#include "query/evaluate.hpp"

#include "query/compare.hpp"

namespace sy::query {
namespace {

// B of a comparison: the literal, the value at the operand path, or the
// default; `version` says whether B itself is a version-typed value.
struct operand_value {
  const value* val = nullptr;
  bool version = false;
};

operand_value operand_of(const operand& o, const metadata& md) {
  if (o.literal)
    return {&o.lit, false};
  resolved r = resolve(o.from, md);
  if (r.val)
    return {r.val, r.version};
  return {o.fallback ? &*o.fallback : nullptr, false};
}

bool is_in(const value& a, const value& b, bool version) {
  if (!b.is_array())
    return false;
  for (const auto& e : b.as_array())
    if (equal(a, e, version))
      return true;
  return false;
}

bool contains(const value& a, const value& b, bool version) {
  if (a.is_array()) {
    for (const auto& e : a.as_array())
      if (equal(e, b, version))
        return true;
    return false;
  }
  return a.is_object() && b.is_string() && a.find(b.as_string()) != nullptr;
}

// The positive operator behind each (possibly negated) one.
bool positive(cmp_op op, const value& a, const value& b, bool version) {
  switch (op) {
    case cmp_op::eq:
    case cmp_op::ne: return equal(a, b, version);
    case cmp_op::in:
    case cmp_op::nin: return is_in(a, b, version);
    case cmp_op::contains:
    case cmp_op::ncontains: return contains(a, b, version);
    default: break;
  }
  auto c = order(a, b, version);
  if (!c)
    return false;
  switch (op) {
    case cmp_op::gt: return *c > 0;
    case cmp_op::gte: return *c >= 0;
    case cmp_op::lt: return *c < 0;
    case cmp_op::lte: return *c <= 0;
    default: return false;
  }
}

bool negated(cmp_op op) { return op == cmp_op::ne || op == cmp_op::nin || op == cmp_op::ncontains; }

} // namespace

bool matches(const comparison& c, const metadata& md) {
  resolved a = resolve(c.at, md);
  operand_value b = operand_of(c.to, md);
  // Version comparison applies when either side is a version-typed value or
  // the operand says so.
  bool version = a.version || b.version || c.to.version;
  bool holds = a.val && b.val && positive(c.op, *a.val, *b.val, version);
  return negated(c.op) ? !holds : holds;
}

bool matches(const node& n, const metadata& md) {
  if (const auto* c = std::get_if<comparison>(&n.v))
    return matches(*c, md);
  const auto& l = std::get<logical>(n.v);
  switch (l.op) {
    case logic_op::and_:
      for (const auto& child : l.with)
        if (!matches(child, md))
          return false;
      return true;
    case logic_op::or_:
      for (const auto& child : l.with)
        if (matches(child, md))
          return true;
      return false;
    case logic_op::nor:
      for (const auto& child : l.with)
        if (matches(child, md))
          return false;
      return true;
  }
  return false;
}

bool matches(const query& q, const metadata& md) {
  for (const auto& n : q.ops)
    if (!matches(n, md))
      return false;
  return true;
}

bool is_restricted(const metadata& md) {
  auto it = md.find("restricted");
  return it != md.end() && it->second.val.is_bool() && it->second.val.as_bool();
}

} // namespace sy::query
