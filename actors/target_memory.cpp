#include "actors/target_memory.hpp"

#include "proto/json.hpp"
#include "proto/target_hole.hpp"
#include "query/parse.hpp"

namespace sy::actors {

proto::known_target target_memory::known() const {
  proto::known_target k;
  if (!tree_)
    return k;
  k.text = text_;
  k.hole_at = hole_at_;
  k.hole_len = hole_len_;
  return k;
}

query::query target_memory::query_for(std::int64_t n) const {
  query::query q = query_;
  if (varies())
    query::set_literal(q, slot_, n);
  return q;
}

void target_memory::learn(std::string_view text, const query::value& tree, const query::query& q) {
  if (!text.empty() && text == text_) {
    tree_ = std::make_shared<const query::value>(tree);
    query_ = q;
    hole_len_ = 0;
    return;
  }
  if (rest_ > 0) {
    --rest_;
  } else if (!text.empty() && !text_.empty()) {
    if (auto hole = proto::integer_apart(text_, text)) {
      if (learn_hole(*hole, text, tree, q))
        return;
      rest_ = 16; // the number is not a literal: do not parse for it again at once
    }
  }
  text_.assign(text);
  tree_.reset();
  hole_len_ = 0;
}

bool target_memory::learn_hole(const proto::integer_hole& hole, std::string_view text, const query::value& tree,
                               const query::query& q) {
  // The last text's query: the hole must be one of its literals and
  // nothing else (not a flag, a key or a path, whose meaning could change
  // with the number).
  auto before = query::parse_query(proto::kept_value(text_));
  query::literal_slot slot;
  if (!before.ok() || !query::one_literal_apart(*before.parsed, q, hole.value_a, hole.value_b, slot))
    return false;
  text_.assign(text);
  hole_at_ = hole.at;
  hole_len_ = hole.len_b;
  tree_ = std::make_shared<const query::value>(tree);
  query_ = q;
  slot_ = std::move(slot);
  return true;
}

} // namespace sy::actors
