#include "query/index.hpp"

#include <algorithm>

#include "query/evaluate.hpp"
#include "query/index_plan.hpp"

namespace sy::query {
namespace {

bool same_entry(const entry& a, const entry& b) { return a.type == b.type && a.val == b.val; }

// R-1 step 2: the restricted filter, from the cached flag.
bool allowed(const query& q, const indexed_client& c) { return q.restricted || !c.restricted; }

// R-1 steps 2 and 4.
bool passes(const query& q, const indexed_client& c) { return allowed(q, c) && matches(q, c.md); }

void sort_by_id(std::vector<const indexed_client*>& v) {
  std::sort(v.begin(), v.end(), [](const auto* a, const auto* b) { return a->client_id < b->client_id; });
}

} // namespace

// -- membership ----------------------------------------------------------------

void member_index::index_entry(slot_id s, const std::string& key, const entry& e) {
  keys_[key].add(s, slots_[s].client_id, e);
}

void member_index::unindex_entry(slot_id s, const std::string& key, const entry& e) {
  auto it = keys_.find(key);
  if (it == keys_.end())
    return;
  it->second.remove(s, slots_[s].client_id, e);
  if (it->second.empty())
    keys_.erase(it);
}

void member_index::upsert(std::string_view client_id, metadata md) {
  auto found = by_id_.find(client_id);
  if (found == by_id_.end()) {
    slot_id s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<slot_id>(slots_.size());
      slots_.emplace_back();
    }
    slots_[s] = indexed_client{std::string(client_id), std::move(md)};
    slots_[s].restricted = is_restricted(slots_[s].md);
    for (const auto& [key, e] : slots_[s].md)
      index_entry(s, key, e);
    by_id_.emplace(std::string(client_id), s);
    return;
  }
  slot_id s = found->second;
  metadata& old = slots_[s].md;
  // Both maps are sorted: walk them together, touching only changed keys.
  auto a = old.begin();
  auto b = md.begin();
  while (a != old.end() || b != md.end()) {
    if (b == md.end() || (a != old.end() && a->first < b->first)) {
      unindex_entry(s, a->first, a->second);
      ++a;
    } else if (a == old.end() || b->first < a->first) {
      index_entry(s, b->first, b->second);
      ++b;
    } else {
      if (!same_entry(a->second, b->second)) {
        unindex_entry(s, a->first, a->second);
        index_entry(s, b->first, b->second);
      }
      ++a;
      ++b;
    }
  }
  old = std::move(md);
  slots_[s].restricted = is_restricted(old);
}

bool member_index::merge(std::string_view client_id, std::vector<std::pair<std::string, entry>> entries) {
  auto found = by_id_.find(client_id);
  if (found == by_id_.end())
    return false;
  slot_id s = found->second;
  metadata& md = slots_[s].md;
  for (auto& [key, e] : entries) {
    auto old = md.find(key);
    if (old != md.end()) {
      if (same_entry(old->second, e))
        continue;
      unindex_entry(s, key, old->second);
      old->second = std::move(e);
      index_entry(s, key, old->second);
    } else {
      index_entry(s, key, md.emplace(key, std::move(e)).first->second);
    }
  }
  slots_[s].restricted = is_restricted(md);
  return true;
}

bool member_index::remove(std::string_view client_id) {
  auto found = by_id_.find(client_id);
  if (found == by_id_.end())
    return false;
  slot_id s = found->second;
  for (const auto& [key, e] : slots_[s].md)
    unindex_entry(s, key, e);
  slots_[s] = indexed_client{};
  free_.push_back(s);
  by_id_.erase(found);
  return true;
}

const indexed_client* member_index::sample(const query& q, std::mt19937_64& rng, int attempts) const {
  if (slots_.empty())
    return nullptr;
  for (int i = 0; i < attempts; ++i) {
    const auto& c = slots_[rng() % slots_.size()];
    if (!c.client_id.empty() && passes(q, c))
      return &c;
  }
  return nullptr;
}

const indexed_client* member_index::get(std::string_view client_id) const {
  auto found = by_id_.find(client_id);
  return found == by_id_.end() ? nullptr : &slots_[found->second];
}

// -- queries -------------------------------------------------------------------

std::vector<const indexed_client*> member_index::scan(const query& q) const {
  std::vector<const indexed_client*> out;
  for (const auto& [id, s] : by_id_)
    if (passes(q, slots_[s]))
      out.push_back(&slots_[s]);
  return out;
}

std::vector<const indexed_client*> member_index::verify(const query& q, const std::vector<slot_id>& slots) const {
  std::vector<const indexed_client*> out;
  for (slot_id s : slots)
    if (passes(q, slots_[s]))
      out.push_back(&slots_[s]);
  sort_by_id(out);
  return out;
}

std::vector<const indexed_client*> member_index::filter(const query& q) const {
  if (q.ops.empty())
    return eligible(q);
  if (auto p = plan(q, keys_, false))
    return verify(q, collect(*p));
  return scan(q);
}

std::vector<const indexed_client*> member_index::eligible(const query& q) const {
  std::vector<const indexed_client*> out;
  out.reserve(by_id_.size());
  for (const auto& [id, s] : by_id_)
    if (allowed(q, slots_[s]))
      out.push_back(&slots_[s]);
  return out;
}

// $min/$max on a top-level key: walk the ordered numbers from the wanted end
// and stop at the first group with a passing member (ties inside a group go to
// the smallest client id, R-3). Gives up (nullopt) after visiting `budget`
// members; a finished walk returns the winner or nullptr.
std::optional<const indexed_client*> member_index::walk_extreme(const query& q, std::size_t budget) const {
  auto it = keys_.find(q.selector->at.key());
  if (it == keys_.end())
    return nullptr;
  const number_map& nums = it->second.numbers();
  std::size_t visited = 0;
  auto first_in = [&](const id_group& group) -> const indexed_client* {
    for (const auto& [id, s] : group) { // id order: the first passing member wins
      ++visited;
      if (passes(q, slots_[s]))
        return &slots_[s];
      if (visited > budget)
        return nullptr;
    }
    return nullptr;
  };
  auto walk = [&](auto first, auto last) -> std::optional<const indexed_client*> {
    for (; first != last; ++first) {
      if (const auto* c = first_in(first->second))
        return c;
      if (visited > budget)
        return std::nullopt;
    }
    return nullptr;
  };
  if (q.selector->kind == selector_kind::min)
    return walk(nums.begin(), nums.end());
  return walk(nums.rbegin(), nums.rend());
}

// R-1 step 5 over this index: the selected member, or nullptr. For $min/$max
// on a top-level key the ordered walk usually stops after a few members; if
// it runs past the size of the best bucket, that bucket is verified instead,
// so the cost stays within about twice the cheaper of the two.
const indexed_client* member_index::pick(const query& q) const {
  const selector& sel = *q.selector;
  auto exact = plan(q, keys_, true);
  if (sel.kind != selector_kind::avg && sel.at.top_level()) {
    if (auto walked = walk_extreme(q, exact ? exact->size : static_cast<std::size_t>(-1)))
      return *walked;
  }
  auto members = exact ? verify(q, collect(*exact)) : filter(q);
  std::vector<candidate> cands;
  cands.reserve(members.size());
  for (const auto* m : members)
    cands.push_back(candidate{{}, m->client_id, selector_value(sel, m->md)});
  auto chosen = select(sel.kind, cands);
  return chosen ? members[*chosen] : nullptr;
}

std::vector<const indexed_client*> member_index::find(const query& q) const {
  std::vector<const indexed_client*> out;
  if (q.selector) {
    if (const auto* c = pick(q))
      out.push_back(c);
  } else {
    out = filter(q);
  }
  if (out.empty() && q.optional)
    out = eligible(q);
  return out;
}

std::vector<candidate> member_index::candidates(const query& q, std::string_view app_id) const {
  std::vector<candidate> out;
  auto as_candidate = [&](const indexed_client& c) {
    return candidate{std::string(app_id), c.client_id,
                     q.selector ? selector_value(*q.selector, c.md) : std::nullopt};
  };
  if (q.selector && q.selector->kind != selector_kind::avg) {
    if (const auto* c = pick(q))
      out.push_back(as_candidate(*c));
    return out;
  }
  for (const auto* c : filter(q)) {
    candidate cand = as_candidate(*c);
    if (!q.selector || cand.sel)
      out.push_back(std::move(cand));
  }
  return out;
}

} // namespace sy::query
