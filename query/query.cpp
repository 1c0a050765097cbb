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

} // namespace sy::query
