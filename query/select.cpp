#include "query/select.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "query/path.hpp"

namespace sy::query {
namespace {

std::uint64_t fnv1a64_step(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t fmix64(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Is candidate x a better pick than y, given "better value" c (<0: x better)?
bool better(int c, const candidate& x, const candidate& y) { return c < 0 || (c == 0 && id_less(x, y)); }

std::optional<std::size_t> pick_extreme(bool smallest, std::span<const candidate> cands) {
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < cands.size(); ++k) {
    if (!cands[k].sel)
      continue;
    if (!best) {
      best = k;
      continue;
    }
    int c = *compare(*cands[k].sel, *cands[*best].sel);
    if (better(smallest ? c : -c, cands[k], cands[*best]))
      best = k;
  }
  return best;
}

// Long double holds every int64 exactly on x86-64; the sum runs in id order
// so the mean never depends on where the candidates came from.
long double wide(const number& n) {
  return n.integral ? static_cast<long double>(n.i) : static_cast<long double>(n.f);
}

std::optional<std::size_t> pick_average(std::span<const candidate> cands) {
  std::vector<std::size_t> considered;
  for (std::size_t k = 0; k < cands.size(); ++k)
    if (cands[k].sel)
      considered.push_back(k);
  if (considered.empty())
    return std::nullopt;
  std::sort(considered.begin(), considered.end(),
            [&](std::size_t a, std::size_t b) { return id_less(cands[a], cands[b]); });
  long double sum = 0;
  for (auto k : considered)
    sum += wide(*cands[k].sel);
  long double mean = sum / static_cast<long double>(considered.size());
  std::size_t best = considered.front();
  long double best_dist = std::abs(wide(*cands[best].sel) - mean);
  for (auto k : considered) { // id order: the first of equal distances wins
    long double d = std::abs(wide(*cands[k].sel) - mean);
    if (d < best_dist) {
      best = k;
      best_dist = d;
    }
  }
  return best;
}

} // namespace

bool id_less(const candidate& a, const candidate& b) {
  if (int c = a.app_id.compare(b.app_id))
    return c < 0;
  return a.client_id < b.client_id;
}

std::optional<number> selector_value(const selector& s, const metadata& md) {
  resolved r = resolve(s.at, md);
  if (!r.val)
    return std::nullopt;
  auto n = to_number(*r.val);
  if (n && n->is_nan())
    return std::nullopt;
  return n;
}

std::optional<std::size_t> select(selector_kind kind, std::span<const candidate> cands) {
  switch (kind) {
    case selector_kind::min: return pick_extreme(true, cands);
    case selector_kind::max: return pick_extreme(false, cands);
    case selector_kind::avg: return pick_average(cands);
  }
  return std::nullopt;
}

std::uint64_t rendezvous_score(std::string_view key, std::string_view app_id, std::string_view client_id) {
  static constexpr char zero[1] = {'\0'};
  std::uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a64_step(h, key);
  h = fnv1a64_step(h, std::string_view(zero, 1));
  h = fnv1a64_step(h, app_id);
  h = fnv1a64_step(h, std::string_view(zero, 1));
  h = fnv1a64_step(h, client_id);
  return fmix64(h);
}

std::optional<std::size_t> pick_by_key(std::string_view key, std::span<const candidate> cands) {
  std::optional<std::size_t> best;
  std::uint64_t best_score = 0;
  for (std::size_t k = 0; k < cands.size(); ++k) {
    std::uint64_t s = rendezvous_score(key, cands[k].app_id, cands[k].client_id);
    if (!best || s > best_score || (s == best_score && id_less(cands[k], cands[*best]))) {
      best = k;
      best_score = s;
    }
  }
  return best;
}

} // namespace sy::query
