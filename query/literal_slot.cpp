#include "query/literal_slot.hpp"

namespace sy::query {
namespace {

/// Walks two node lists in step; records the one literal difference.
class differ {
public:
  differ(std::int64_t va, std::int64_t vb, literal_slot& slot) : va_(va), vb_(vb), slot_(slot) {}

  bool nodes(const std::vector<node>& a, const std::vector<node>& b) {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      at_.push_back(static_cast<std::uint32_t>(i));
      bool same = one(a[i], b[i]);
      at_.pop_back();
      if (!same)
        return false;
    }
    return true;
  }

  bool found() const { return found_; }

private:
  bool one(const node& a, const node& b) {
    if (a.v.index() != b.v.index())
      return false;
    if (const auto* x = std::get_if<comparison>(&a.v)) {
      const auto& y = std::get<comparison>(b.v);
      return x->op == y.op && x->at.segments == y.at.segments && operands(x->to, y.to);
    }
    const auto& x = std::get<logical>(a.v);
    const auto& y = std::get<logical>(b.v);
    return x.op == y.op && nodes(x.with, y.with);
  }

  bool operands(const operand& a, const operand& b) {
    if (a.literal != b.literal || a.version != b.version || a.from.segments != b.from.segments ||
        a.fallback != b.fallback)
      return false;
    if (a.lit == b.lit)
      return true;
    if (found_ || !a.lit.is_int() || !b.lit.is_int() || a.lit.as_int() != va_ || b.lit.as_int() != vb_)
      return false;
    found_ = true;
    slot_ = at_;
    return true;
  }

  std::int64_t va_, vb_;
  literal_slot& slot_;
  literal_slot at_;
  bool found_ = false;
};

bool same_selector(const std::optional<selector>& a, const std::optional<selector>& b) {
  if (a.has_value() != b.has_value())
    return false;
  return !a || (a->kind == b->kind && a->at.segments == b->at.segments);
}

} // namespace

bool one_literal_apart(const query& a, const query& b, std::int64_t va, std::int64_t vb, literal_slot& slot) {
  if (a.scope != b.scope || a.application != b.application || a.tags != b.tags || a.restricted != b.restricted ||
      a.optional != b.optional || a.droppable != b.droppable || a.key != b.key || !same_selector(a.selector, b.selector))
    return false;
  differ d(va, vb, slot);
  return d.nodes(a.ops, b.ops) && d.found();
}

void set_literal(query& q, const literal_slot& slot, std::int64_t v) {
  std::vector<node>* list = &q.ops;
  for (std::size_t i = 0;; ++i) {
    node& n = (*list)[slot[i]];
    if (i + 1 == slot.size()) {
      std::get<comparison>(n.v).to.lit = value{v};
      return;
    }
    list = &std::get<logical>(n.v).with;
  }
}

} // namespace sy::query
