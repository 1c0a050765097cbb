// Parsing of `ops` elements: form detection, the canonical comparison
// and logical forms and the legacy key-scoped form. Every
// rejection names where it happened, e.g. "ops[0].with[1].to: …".

#include "query/parse.hpp"

#include <initializer_list>
#include <string_view>

namespace sy::query {
namespace {

// Message text is built by appending (GCC 12 warns falsely on "lit" + string&&).
std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts)
    out.append(p);
  return out;
}

std::string quoted(std::string_view s) { return concat({"'", s, "'"}); }

std::string at_index(std::string_view where, std::size_t k) { return concat({where, "[", std::to_string(k), "]"}); }

std::string member_of(std::string_view where, std::string_view name) { return concat({where, ".", name}); }

bool fail(std::string& error, std::string_view where, std::initializer_list<std::string_view> why) {
  error = concat({where, ": "});
  for (auto p : why)
    error.append(p);
  return false;
}

bool needs_array(cmp_op op) { return op == cmp_op::in || op == cmp_op::nin; }

node make_logical(logic_op op, std::vector<node> with) { return node{logical{op, std::move(with)}}; }

// A conjunction without a needless wrapper around a single child.
node conjunction(std::vector<node> parts) {
  if (parts.size() == 1)
    return std::move(parts.front());
  return make_logical(logic_op::and_, std::move(parts));
}

class ops_parser {
public:
  explicit ops_parser(std::string& error) : error_(error) {}

  // Any element of `ops` or of a `with` array.
  bool element(const value& v, const std::string& where, node& out) {
    if (!v.is_object())
      return fail(error_, where, {"must be a map"});
    if (v.as_object().empty())
      return fail(error_, where, {"must not be an empty map"});
    const value* op = v.find("op");
    if (op && op->is_string())
      return canonical(v, op->as_string(), where, out);
    if (v.as_object().size() == 1) {
      const auto& only = v.as_object().front();
      if (auto lop = parse_logic_op(only.key))
        return legacy_logical(*lop, only.val, member_of(where, only.key), out);
    }
    return legacy_keyed(v, where, out);
  }

private:
  bool canonical(const value& v, const std::string& name, const std::string& where, node& out) {
    if (auto cop = parse_cmp_op(name))
      return canonical_comparison(v, *cop, where, out);
    if (auto lop = parse_logic_op(name)) {
      const value* with = v.find("with");
      if (!with)
        return fail(error_, where, {"logical operator ", quoted(name), " needs 'with'"});
      if (!with->is_array())
        return fail(error_, member_of(where, "with"), {"must be an array of elements"});
      logical l{*lop, {}};
      if (!elements(with->as_array(), member_of(where, "with"), l.with))
        return false;
      out = node{std::move(l)};
      return true;
    }
    return fail(error_, where, {"unknown operator ", quoted(name)});
  }

  bool canonical_comparison(const value& v, cmp_op op, const std::string& where, node& out) {
    const value* p = v.find("path");
    const value* to = v.find("to");
    if (!p)
      return fail(error_, where, {"comparison ", quoted(to_string(op)), " needs 'path'"});
    if (!to)
      return fail(error_, where, {"comparison ", quoted(to_string(op)), " needs 'to'"});
    comparison c;
    c.op = op;
    if (!pointer(*p, member_of(where, "path"), c.at))
      return false;
    if (!canonical_operand(*to, op, member_of(where, "to"), c.to))
      return false;
    out = node{std::move(c)};
    return true;
  }

  bool canonical_operand(const value& to, cmp_op op, const std::string& where, operand& out) {
    const value* lit = to.is_object() ? to.find("value") : nullptr;
    const value* from = to.is_object() ? to.find("path") : nullptr;
    if (!lit && !(from && from->is_string()))
      return fail(error_, where, {"must be a map with 'value' or a string 'path'"});
    const value* type = to.find("type");
    out.version = type && type->is_string() && type->as_string() == "version";
    if (lit) { // `value` wins over `path`
      if (needs_array(op) && !lit->is_array())
        return fail(error_, member_of(where, "value"), {quoted(to_string(op)), " needs an array"});
      out.literal = true;
      out.lit = *lit;
      return true;
    }
    out.literal = false;
    if (!pointer(*from, member_of(where, "path"), out.from))
      return false;
    if (const value* d = to.find("default"))
      out.fallback = *d;
    return true;
  }

  bool pointer(const value& p, const std::string& where, path& out) {
    if (!p.is_string())
      return fail(error_, where, {"must be a JSON Pointer string starting with '/'"});
    std::string why;
    auto parsed = parse_pointer(p.as_string(), why);
    if (!parsed)
      return fail(error_, where, {why, ", got ", quoted(p.as_string())});
    out = std::move(*parsed);
    return true;
  }

  bool elements(const array& items, const std::string& where, std::vector<node>& out) {
    out.reserve(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) {
      node n;
      if (!element(items[k], at_index(where, k), n))
        return false;
      out.push_back(std::move(n));
    }
    return true;
  }

  // {"$or": [<element>, ...]} (Q-8 top-level logical).
  bool legacy_logical(logic_op op, const value& arg, const std::string& where, node& out) {
    if (!arg.is_array())
      return fail(error_, where, {"must be an array of elements"});
    logical l{op, {}};
    if (!elements(arg.as_array(), where, l.with))
      return false;
    out = node{std::move(l)};
    return true;
  }

  // {"<key>": <operator map>, ...}: every key must hold.
  bool legacy_keyed(const value& v, const std::string& where, node& out) {
    std::vector<node> parts;
    for (const auto& [key, opmap] : v.as_object()) {
      if (!key.empty() && key[0] == '$') {
        if (parse_logic_op(key))
          return fail(error_, where, {quoted(key), " must be the only key of a legacy logical element"});
        return fail(error_, where, {"unknown operator ", quoted(key), " (keys here name metadata keys)"});
      }
      node n;
      if (!operator_map(key, opmap, member_of(where, key), n))
        return false;
      parts.push_back(std::move(n));
    }
    out = conjunction(std::move(parts));
    return true;
  }

  // {"$gt": 10, "$or": [<operator map>, ...]} applied to one key; all entries hold.
  bool operator_map(const std::string& key, const value& m, const std::string& where, node& out) {
    if (!m.is_object())
      return fail(error_, where, {"must be an operator map such as {\"$eq\": <value>}"});
    std::vector<node> parts;
    for (const auto& [name, arg] : m.as_object()) {
      node n;
      if (!operator_entry(key, name, arg, where, n))
        return false;
      parts.push_back(std::move(n));
    }
    out = conjunction(std::move(parts)); // an empty map: an empty $and, true
    return true;
  }

  bool operator_entry(const std::string& key, const std::string& name, const value& arg, const std::string& where,
                      node& out) {
    if (auto cop = parse_cmp_op(name)) {
      if (needs_array(*cop) && !arg.is_array())
        return fail(error_, member_of(where, name), {quoted(name), " needs an array"});
      comparison c;
      c.at = key_path(key);
      c.op = *cop;
      c.to.lit = arg;
      out = node{std::move(c)};
      return true;
    }
    if (auto lop = parse_logic_op(name)) {
      std::string here = member_of(where, name);
      if (!arg.is_array())
        return fail(error_, here, {"must be an array of operator maps"});
      logical l{*lop, {}};
      for (std::size_t k = 0; k < arg.as_array().size(); ++k) {
        node n;
        if (!operator_map(key, arg.as_array()[k], at_index(here, k), n))
          return false;
        l.with.push_back(std::move(n));
      }
      out = node{std::move(l)};
      return true;
    }
    return fail(error_, where, {"unknown operator ", quoted(name)});
  }

  std::string& error_;
};

} // namespace

bool parse_ops(const value& ops, const std::string& where, std::vector<node>& out, std::string& error) {
  if (!ops.is_array())
    return fail(error, where, {"must be an array or null"});
  ops_parser p(error);
  out.clear();
  out.reserve(ops.as_array().size());
  for (std::size_t k = 0; k < ops.as_array().size(); ++k) {
    node n;
    if (!p.element(ops.as_array()[k], at_index(where, k), n))
      return false;
    out.push_back(std::move(n));
  }
  return true;
}

} // namespace sy::query
