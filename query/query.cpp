#include "query/query.hpp"

#include <array>
#include <utility>

namespace sy::query {
namespace {

constexpr std::array<std::pair<cmp_op, std::string_view>, 10> cmp_names{{
    {cmp_op::eq, "$eq"},   {cmp_op::ne, "$ne"},   {cmp_op::gt, "$gt"},         {cmp_op::gte, "$gte"},
    {cmp_op::lt, "$lt"},   {cmp_op::lte, "$lte"}, {cmp_op::in, "$in"},         {cmp_op::nin, "$nin"},
    {cmp_op::contains, "$contains"},              {cmp_op::ncontains, "$ncontains"},
}};

constexpr std::array<std::pair<logic_op, std::string_view>, 3> logic_names{{
    {logic_op::and_, "$and"}, {logic_op::or_, "$or"}, {logic_op::nor, "$nor"},
}};

} // namespace

std::string_view to_string(cmp_op op) {
  for (const auto& [o, name] : cmp_names)
    if (o == op)
      return name;
  return "$eq";
}

std::string_view to_string(logic_op op) {
  for (const auto& [o, name] : logic_names)
    if (o == op)
      return name;
  return "$and";
}

std::optional<cmp_op> parse_cmp_op(std::string_view name) {
  for (const auto& [o, n] : cmp_names)
    if (n == name)
      return o;
  return std::nullopt;
}

std::optional<logic_op> parse_logic_op(std::string_view name) {
  for (const auto& [o, n] : logic_names)
    if (n == name)
      return o;
  return std::nullopt;
}

namespace {

bool same_path(const path& a, const path& b) { return a.segments == b.segments; }

bool same_nodes(const std::vector<node>& a, const std::vector<node>& b);

bool same_operand(const operand& a, const operand& b) {
  if (a.literal != b.literal || a.version != b.version)
    return false;
  if (a.literal)
    return a.lit == b.lit;
  return same_path(a.from, b.from) && a.fallback.has_value() == b.fallback.has_value() &&
         (!a.fallback || *a.fallback == *b.fallback);
}

bool same_node(const node& a, const node& b) {
  if (a.v.index() != b.v.index())
    return false;
  if (const auto* x = std::get_if<comparison>(&a.v)) {
    const auto& y = std::get<comparison>(b.v);
    return x->op == y.op && same_path(x->at, y.at) && same_operand(x->to, y.to);
  }
  const auto& x = std::get<logical>(a.v);
  const auto& y = std::get<logical>(b.v);
  return x.op == y.op && same_nodes(x.with, y.with);
}

bool same_nodes(const std::vector<node>& a, const std::vector<node>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_node(a[i], b[i]))
      return false;
  return true;
}

} // namespace

bool same_filter(const query& a, const query& b) {
  return a.restricted == b.restricted && a.optional == b.optional && same_nodes(a.ops, b.ops);
}

} // namespace sy::query
