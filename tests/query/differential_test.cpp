// Differential test: member_index answers (filter, find, candidates) equal a
// plain scan over matches() and select(), for thousands of random queries in
// both forms over random typed metadata, across random updates and removals.

#include <doctest/doctest.h>

#include <map>
#include <random>

#include "query/evaluate.hpp"
#include "query/index.hpp"
#include "tests/query/json_fixture.hpp"

using namespace sy::query;

namespace {

class generator {
public:
  explicit generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T> const T& one_of(const std::vector<T>& v) { return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))]; }

  value scalar() {
    switch (pick(6)) {
      case 0: return value{one_of<std::int64_t>({-2, -1, 0, 1, 2, 3, 9007199254740993, 9007199254740992})};
      case 1: return value{one_of<double>({-1.5, 0.0, -0.0, 1.0, 1.5, 2.0, 3.25, 9007199254740992.0})};
      case 2: return value{one_of<std::string>({"", "a", "b", "eu", "us", "B", "x"})};
      case 3: return value{one_of<std::string>({"1.0.0", "1.0.0+b", "1.10.0", "1.9.0", "2.0.0-rc.1", "1.0"})};
      case 4: return chance(50) ? value{true} : value{false};
      default: return chance(50) ? value{} : value{array{value{1}}};
    }
  }

  value composite(bool map) {
    if (map) {
      value v{object{}};
      for (int k = pick(4); k > 0; --k)
        v.set(one_of<std::string>({"x", "y", "eu", "a"}), scalar());
      return v;
    }
    array a;
    for (int k = pick(5); k > 0; --k)
      a.push_back(chance(85) ? scalar() : composite(true));
    return value{std::move(a)};
  }

  entry random_entry() {
    switch (pick(7)) {
      case 0: return {mtype::integer, value{one_of<std::int64_t>({-1, 0, 1, 2, 3, 9007199254740993})}};
      case 1: return {mtype::floating, value{one_of<double>({0.0, 1.0, 1.5, 2.0, 9007199254740992.0})}};
      case 2: return {mtype::string, scalar().is_string() ? scalar() : value{"1.0.0"}};
      case 3: return {mtype::version, value{one_of<std::string>({"1.0.0", "1.0.0+a", "1.0.0+b", "1.9.0", "1.10.0",
                                                                  "2.0.0-rc.1", "2.0.0"})}};
      case 4: return {mtype::list, composite(false)};
      case 5: return {mtype::boolean, value{chance(50)}};
      default: return {mtype::map, composite(true)};
    }
  }

  metadata random_metadata() {
    metadata m;
    for (const char* k : {"a", "b", "n", "s", "l", "m", "v"})
      if (chance(70))
        m[k] = random_entry();
    if (chance(80))
      m["restricted"] = entry{mtype::boolean, value{chance(15)}};
    return m;
  }

  // -- queries, as wire JSON ----------------------------------------------------

  std::string key() { return one_of<std::string>({"a", "b", "n", "s", "l", "m", "v", "missing", "restricted"}); }
  std::string pointer() {
    return chance(75) ? std::string("/").append(key()) : one_of<std::string>({"/m/x", "/m/eu", "/l/0", "/l/1", "/m/a/0"});
  }
  std::string op() {
    return one_of<std::string>({"$eq", "$eq", "$in", "$contains", "$gt", "$gte", "$lt", "$lte", "$ne", "$nin",
                                "$ncontains"});
  }
  value operand_for(const std::string& o) {
    if (o == "$in" || o == "$nin") {
      array a;
      for (int k = pick(4); k > 0; --k)
        a.push_back(scalar());
      return value{std::move(a)};
    }
    return chance(85) ? scalar() : composite(chance(50));
  }

  value canonical_comparison() {
    std::string o = op();
    value to{object{}};
    if (chance(85)) {
      to.set("value", operand_for(o));
      if (chance(15))
        to.set("type", "version");
    } else {
      to.set("path", pointer());
      if (chance(50))
        to.set("default", operand_for(o));
    }
    value e{object{}};
    e.set("path", pointer());
    e.set("op", o);
    e.set("to", std::move(to));
    return e;
  }

  value operator_map(int depth) {
    value m{object{}};
    for (int k = 1 + pick(2); k > 0; --k) {
      if (depth > 0 && chance(20)) {
        array kids;
        for (int j = pick(3); j > 0; --j)
          kids.push_back(operator_map(depth - 1));
        m.set(one_of<std::string>({"$and", "$or", "$nor"}), value{std::move(kids)});
      } else {
        std::string o = op();
        m.set(o, operand_for(o));
      }
    }
    return m;
  }

  value element(int depth) {
    int form = depth > 0 ? pick(10) : pick(6);
    if (form < 4)
      return canonical_comparison();
    if (form < 6) {
      value e{object{}};
      for (int k = 1 + pick(2); k > 0; --k)
        e.set(key(), operator_map(1));
      return e;
    }
    array kids;
    for (int k = pick(4); k > 0; --k)
      kids.push_back(element(depth - 1));
    std::string lop = one_of<std::string>({"$and", "$and", "$or", "$nor"});
    value e{object{}};
    if (form < 8) {
      e.set("op", lop);
      e.set("with", value{std::move(kids)});
    } else {
      e.set(lop, value{std::move(kids)});
    }
    return e;
  }

  value random_query() {
    value qv{object{}};
    array ops;
    for (int k = pick(4); k > 0; --k)
      ops.push_back(element(2));
    qv.set("ops", value{std::move(ops)});
    if (chance(20))
      qv.set("restricted", true);
    if (chance(25))
      qv.set("optional", true);
    if (chance(40)) {
      value sel{object{}};
      sel.set(one_of<std::string>({"$min", "$max", "$avg"}), one_of<std::string>({"n", "a", "/m/x", "v"}));
      qv.set("selector", std::move(sel));
    }
    return qv;
  }

private:
  std::mt19937 rng_;
};

using population = std::map<std::string, metadata>;

// The reference: R-1 steps 2, 4, 5 and 6 by brute force.
std::vector<std::string> reference(const query& q, const population& pop, bool with_rest) {
  std::vector<std::string> out;
  std::vector<candidate> cands;
  for (const auto& [id, md] : pop)
    if (eligible(q, md) && matches(q, md)) {
      out.push_back(id);
      cands.push_back({"app", id, q.selector ? selector_value(*q.selector, md) : std::nullopt});
    }
  if (!with_rest)
    return out;
  if (q.selector) {
    auto k = select(q.selector->kind, cands);
    out = k ? std::vector<std::string>{cands[*k].client_id} : std::vector<std::string>{};
  }
  if (out.empty() && q.optional)
    for (const auto& [id, md] : pop)
      if (eligible(q, md))
        out.push_back(id);
  return out;
}

std::vector<std::string> names(const std::vector<const indexed_client*>& v) {
  std::vector<std::string> out;
  for (const auto* c : v)
    out.push_back(c->client_id);
  return out;
}

void compare_once(const query& q, const member_index& ix, const population& pop) {
  CHECK(names(ix.filter(q)) == reference(q, pop, false));
  auto want = reference(q, pop, true);
  CHECK(names(ix.find(q)) == want);
  // The K-5 path: candidates() combined by select() and the step-6 fallback.
  auto cands = ix.candidates(q, "app");
  std::vector<std::string> combined;
  if (q.selector) {
    if (auto k = select(q.selector->kind, cands))
      combined.push_back(cands[*k].client_id);
  } else {
    for (const auto& c : cands)
      combined.push_back(c.client_id);
  }
  if (combined.empty() && q.optional)
    combined = names(ix.eligible(q));
  CHECK(combined == want);
}

} // namespace

TEST_SUITE("query.differential") {

TEST_CASE("index answers equal a scan over matches() for random queries, updates and removals (R-1, Q-12)") {
  generator g(20240611);
  member_index ix;
  population pop;
  auto put = [&](const std::string& id, metadata m) {
    pop[id] = m;
    ix.upsert(id, std::move(m));
  };
  for (int k = 0; k < 150; ++k)
    put(std::string("c").append(std::to_string(k)), g.random_metadata());

  int queries = 0;
  for (int round = 0; round < 40; ++round) {
    for (int k = 0; k < 100; ++k) {
      value text = g.random_query();
      auto parsed = parse_query(text);
      INFO("round " << round << " query " << k << ": " << parsed.error);
      REQUIRE(parsed.ok());
      compare_once(*parsed.parsed, ix, pop);
      ++queries;
    }
    for (int k = 0; k < 25; ++k) { // random churn
      std::string id = std::string("c").append(std::to_string(g.pick(180)));
      int what = g.pick(10);
      if (what < 2) {
        bool was = pop.erase(id) > 0;
        CHECK(ix.remove(id) == was);
      } else if (what < 5 || !pop.contains(id)) {
        put(id, g.random_metadata());
      } else if (what < 7) {
        metadata m = pop[id];
        const std::string key = g.key();
        if (g.chance(30))
          m.erase(key);
        else
          m[key] = g.random_entry();
        put(id, std::move(m));
      } else { // M-5 merge of one or two keys
        std::vector<std::pair<std::string, entry>> entries;
        for (int j = 1 + g.pick(2); j > 0; --j)
          entries.emplace_back(g.key(), g.random_entry());
        for (const auto& [key, e] : entries)
          pop[id][key] = e;
        CHECK(ix.merge(id, std::move(entries)));
      }
    }
    CHECK(ix.size() == pop.size());
  }
  CHECK(queries == 4000);
}

} // TEST_SUITE
