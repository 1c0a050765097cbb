#include "query/final_set.hpp"

#include <algorithm>

namespace sy::query {

final_set compute_final_set(const query& q, std::vector<candidate> filtered,
                            const std::function<std::vector<candidate>()>& eligible) {
  final_set fs;
  if (q.selector) {
    if (auto i = select(q.selector->kind, filtered)) {
      fs.members.push_back(std::move(filtered[*i]));
      fs.by_selector = true;
    }
  } else {
    fs.members = std::move(filtered);
  }
  if (fs.members.empty() && q.optional) {
    fs.members = eligible();
    fs.by_selector = false;
  }
  std::sort(fs.members.begin(), fs.members.end(), id_less);
  return fs;
}

std::optional<std::size_t> pick_one(const query& q, const final_set& fs, std::uint64_t random) {
  if (fs.members.empty())
    return std::nullopt;
  if (fs.by_selector)
    return 0;
  if (q.key)
    return pick_by_key(*q.key, fs.members);
  return static_cast<std::size_t>(random % fs.members.size());
}

} // namespace sy::query
