// Micro-benchmark of targeted routing queries against one application's
// member_index at 100, 10,000 and 100,000 members. The goal is that a targeted
// query ($eq on a unique id, $contains on a list) costs about the same at every
// size; a full-scan query is shown for contrast.
//
//   routing_bench [min_ms_per_cell]     (default 300)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "query/index.hpp"
#include "query/parse.hpp"

using namespace sy::query;

namespace {

// "prefix" + number, by appending (GCC 12 warns falsely on "lit" + string&&).
std::string numbered(const char* prefix, std::size_t n) { return std::string(prefix).append(std::to_string(n)); }

entry typed(mtype t, value v) { return entry{t, std::move(v)}; }

metadata member_metadata(std::size_t i) {
  metadata m;
  m["id"] = typed(mtype::string, value{numbered("client-", i)});
  array guilds;
  for (std::size_t j = 0; j < 8; ++j) // each guild id is held by two members
    guilds.push_back(value{numbered("g-", i * 4 + j)});
  m["guilds"] = typed(mtype::list, value{std::move(guilds)});
  static const char* regions[] = {"eu", "us", "asia", "sa"};
  m["region"] = typed(mtype::string, value{regions[i % 4]});
  m["latency"] = typed(mtype::integer, value{static_cast<std::int64_t>(i % 500)});
  m["version"] = typed(mtype::version, value{numbered("1.", i % 20) + ".0"});
  m["restricted"] = typed(mtype::boolean, value{false});
  m["encoding"] = typed(mtype::string, value{"json"});
  m["last_heartbeat_time"] = typed(mtype::integer, value{static_cast<std::int64_t>(1700000000000 + i)});
  return m;
}

// Builds a query from a wire-form op list, as the router would receive it.
query make_query(const std::string& path, const std::string& op, value operand, bool with_selector = false) {
  value to{object{}};
  to.set("value", std::move(operand));
  value element{object{}};
  element.set("path", path);
  element.set("op", op);
  element.set("to", std::move(to));
  value q{object{}};
  q.set("application", "bench");
  q.set("ops", value{array{std::move(element)}});
  if (with_selector) {
    value sel{object{}};
    sel.set("$min", "latency");
    q.set("selector", std::move(sel));
  }
  auto r = parse_query(q);
  if (!r.ok()) {
    std::fprintf(stderr, "bad bench query: %s\n", r.error.c_str());
    std::exit(1);
  }
  return *r.parsed;
}

// Runs `queries` round-robin through find() for at least `min_ms`; ns/query.
double measure(const member_index& ix, const std::vector<query>& queries, double min_ms, std::size_t& sink) {
  using clock = std::chrono::steady_clock;
  for (std::size_t k = 0; k < queries.size() && k < 64; ++k) // warm-up
    sink += ix.find(queries[k]).size();
  std::size_t iters = 0;
  auto start = clock::now();
  double elapsed_ms = 0;
  do {
    for (std::size_t k = 0; k < 64; ++k)
      sink += ix.find(queries[(iters + k) % queries.size()]).size();
    iters += 64;
    elapsed_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
  } while (elapsed_ms < min_ms);
  return elapsed_ms * 1e6 / static_cast<double>(iters);
}

} // namespace

int main(int argc, char** argv) {
  double min_ms = argc > 1 ? std::atof(argv[1]) : 300.0;
  const std::size_t sizes[] = {100, 10000, 100000};
  std::size_t sink = 0;
  std::vector<std::vector<double>> rows;

  std::printf("member_index find(), one application, ns/query (>= %.0f ms per cell)\n\n", min_ms);
  std::printf("%9s %12s %14s %16s %14s %14s %12s\n", "members", "$eq id", "$contains", "$eq+$min sel",
              "$min (no ops)", "scan ($ne)", "insert/mbr");
  for (std::size_t n : sizes) {
    using clock = std::chrono::steady_clock;
    member_index ix;
    auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i)
      ix.upsert(numbered("c", i), member_metadata(i));
    double insert_ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / static_cast<double>(n);

    std::mt19937 rng(7);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<query> eq, contains, eq_sel, min_only, scan;
    for (int k = 0; k < 256; ++k) {
      std::size_t i = pick(rng);
      eq.push_back(make_query("/id", "$eq", value{numbered("client-", i)}));
      contains.push_back(make_query("/guilds", "$contains", value{numbered("g-", i * 4 + 5)}));
      eq_sel.push_back(make_query("/region", "$eq", value{"eu"}, true));
      min_only.push_back(make_query("/latency", "$gte", value{0}, true));
      scan.push_back(make_query("/id", "$ne", value{numbered("client-", i)}));
    }
    // "$min (no ops)": a range on the selector key is left to the ordered walk.
    std::vector<double> row{measure(ix, eq, min_ms, sink), measure(ix, contains, min_ms, sink),
                            measure(ix, eq_sel, min_ms, sink), measure(ix, min_only, min_ms, sink),
                            measure(ix, scan, min_ms, sink), insert_ns};
    rows.push_back(row);
    std::printf("%9zu %12.0f %14.0f %16.0f %14.0f %14.0f %12.0f\n", n, row[0], row[1], row[2], row[3], row[4],
                row[5]);
  }
  std::printf("%9s %11.2fx %13.2fx %15.2fx %13.2fx %13.2fx\n", "100k/100", rows[2][0] / rows[0][0],
              rows[2][1] / rows[0][1], rows[2][2] / rows[0][2], rows[2][3] / rows[0][3], rows[2][4] / rows[0][4]);
  std::printf("\n(goal: 100k/100 within 3x for $eq id and $contains; sink %zu)\n", sink);
  return 0;
}
