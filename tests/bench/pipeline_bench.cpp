// Micro-benchmark of the routing core without network or actors: what a
// node does on its CPU for one targeted SEND (peerbench W1's frame), stage
// by stage, in ns per message:
//
//   decode   the websocket message's JSON into a frame (proto::decode_frame)
//   query    parse_send + parse_query of d.target
//   pick     member_index::find among the application's members
//   encode   the delivery frame for a JSON receiver (proto::encode_delivery)
//
// A second line decodes peerbench W3's BROADCAST, whose d.target repeats
// frame after frame, with and without the sender's previous target text
// (a repeated target is not built again: proto::decode_frame's known_target),
// W1's SEND whose target is known but for its id (proto/target_hole), a
// W1 SEND with \u escapes in its payload, and the JSON writer
// on a QUERY_NODES answer listing every member.
//
// Regressions in any stage show here first; the end-to-end figures come
// from peerbench.
//
//   pipeline_bench [members] [min_ms_per_stage]     (defaults 1000, 300)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "proto/dispatch.hpp"
#include "proto/frame.hpp"
#include "proto/json.hpp"
#include "proto/target_hole.hpp"
#include "query/literal_slot.hpp"
#include "query/index.hpp"
#include "query/parse.hpp"

using namespace sy;

namespace {

std::string numbered(const char* prefix, std::size_t n) { return std::string(prefix).append(std::to_string(n)); }

/// peerbench's 100-byte payload object (sender, sequence, route, time, padding).
std::string payload_of(std::size_t to, std::size_t seq) {
  std::string payload = R"({"_s":3,"_q":)" + std::to_string(seq) + R"(,"_r":)" + std::to_string(to) +
                        R"(,"_t":1764652800123456789,"_p":")";
  return payload.append(100 - payload.size() - 2, 'x').append("\"}");
}

/// A BROADCAST as peerbench W3 writes it: to group 0, always the same target.
std::string broadcast_frame(std::size_t seq) {
  return R"({"op":4,"t":"BROADCAST","d":{"target":{"application":"bench","ops":[{"path":"/group","op":"$eq","to":{"value":0}}]},"nonce":null,"payload":)" +
         payload_of(0, seq) + "}}";
}

/// A SEND as peerbench W1 writes it: one receiver by its integer id.
std::string send_frame(std::size_t to, std::size_t seq) {
  std::string payload = payload_of(to, seq);
  return R"({"op":4,"t":"SEND","d":{"target":{"application":"bench","ops":[{"path":"/id","op":"$eq","to":{"value":)" +
         std::to_string(to) + R"(}}]},"nonce":null,"payload":)" + payload + "}}";
}

/// Runs `step(i)` for i = 0, 1, ... for at least `min_ms`; ns per call.
double measure(double min_ms, const std::function<void(std::size_t)>& step) {
  using clock = std::chrono::steady_clock;
  std::size_t i = 0;
  auto start = clock::now();
  double elapsed = 0;
  do {
    for (std::size_t k = 0; k < 256; ++k, ++i)
      step(i);
    elapsed = std::chrono::duration<double, std::milli>(clock::now() - start).count();
  } while (elapsed < min_ms);
  return elapsed * 1e6 / static_cast<double>(i);
}

} // namespace

int main(int argc, char** argv) {
  std::size_t members = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  double min_ms = argc > 2 ? std::atof(argv[2]) : 300.0;

  query::member_index ix;
  for (std::size_t i = 0; i < members; ++i) {
    query::metadata m;
    m["id"] = query::entry{query::mtype::integer, query::value{static_cast<std::int64_t>(i)}};
    m["restricted"] = query::entry{query::mtype::boolean, query::value{false}};
    ix.upsert(numbered("client-", i), std::move(m));
  }
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < 1024; ++i)
    frames.push_back(send_frame((i * 7919) % members, i));

  std::size_t sink = 0;
  std::vector<proto::client_frame> decoded(frames.size());
  double decode_ns = measure(min_ms, [&](std::size_t i) {
    proto::client_frame f;
    auto r = proto::decode_frame(proto::encoding::json, frames[i % frames.size()], f);
    sink += r.ok;
    if (i < decoded.size())
      decoded[i] = std::move(f);
  });
  std::vector<query::query> queries(decoded.size());
  double query_ns = measure(min_ms, [&](std::size_t i) {
    auto& f = decoded[i % decoded.size()];
    auto body = proto::parse_send(f.d());
    auto q = query::parse_query(*body->target);
    sink += q.ok();
    if (i < queries.size())
      queries[i] = std::move(*q.parsed);
  });
  double pick_ns = measure(min_ms, [&](std::size_t i) { sink += ix.find(queries[i % queries.size()]).size(); });
  double encode_ns = measure(min_ms, [&](std::size_t i) {
    auto& f = decoded[i % decoded.size()];
    auto body = proto::parse_send(f.d());
    sink += proto::encode_delivery(proto::encoding::json, "SEND", *body->nonce, *body->payload, 1700000000000,
                                   f.raw_payload)
              .size();
  });

  std::printf("routing core, one targeted SEND among %zu members, ns/message (>= %.0f ms per stage)\n\n", members,
              min_ms);
  std::printf("%10s %10s %10s %10s %10s %14s\n", "decode", "query", "pick", "encode", "total", "msgs/s/core");
  double total = decode_ns + query_ns + pick_ns + encode_ns;
  std::printf("%10.0f %10.0f %10.0f %10.0f %10.0f %14.0f\n", decode_ns, query_ns, pick_ns, encode_ns, total,
              1e9 / total);

  std::vector<std::string> broadcasts;
  for (std::size_t i = 0; i < 1024; ++i)
    broadcasts.push_back(broadcast_frame(i));
  proto::client_frame first;
  proto::decode_frame(proto::encoding::json, broadcasts[0], first);
  std::string known(first.raw_target);
  auto decode_broadcast = [&](std::string_view k) {
    return measure(min_ms, [&](std::size_t i) {
      proto::client_frame f;
      sink += proto::decode_frame(proto::encoding::json, broadcasts[i % broadcasts.size()], f, k).ok;
      sink += f.target_kept;
    });
  };
  double bcast_ns = decode_broadcast({});
  double bcast_known_ns = decode_broadcast(known);
  std::printf("\nW3's BROADCAST decode, ns/message: %.0f; its target repeating the previous one: %.0f\n", bcast_ns,
              bcast_known_ns);
  // W1's SEND after two targets one id apart (actors/target_memory): the
  // decoder knows the target with a hole at the id, and the query is the
  // kept one with its literal set.
  std::string t0(decoded[0].raw_target), t1(decoded[1].raw_target);
  auto hole = proto::integer_apart(t0, t1);
  query::literal_slot slot;
  if (!hole || !query::one_literal_apart(queries[0], queries[1], hole->value_a, hole->value_b, slot)) {
    std::fprintf(stderr, "pipeline_bench: W1's targets are not one id apart\n");
    return 1;
  }
  proto::known_target holed{std::string_view(t0)};
  holed.hole_at = hole->at;
  holed.hole_len = hole->len_a;
  double varied_decode_ns = measure(min_ms, [&](std::size_t i) {
    proto::client_frame f;
    sink += proto::decode_frame(proto::encoding::json, frames[i % frames.size()], f, holed).ok;
    sink += f.target_kept;
  });
  double varied_query_ns = measure(min_ms, [&](std::size_t i) {
    query::query q = queries[0];
    query::set_literal(q, slot, static_cast<std::int64_t>(i % members));
    sink += q.ops.size();
  });
  std::printf("W1's SEND with its target known but for the id: decode %.0f, query %.0f ns/message\n", varied_decode_ns,
              varied_query_ns);
  // Non-ASCII text as Python's json writes it by default: \u escapes.
  std::vector<std::string> escaped;
  for (std::size_t i = 0; i < 1024; ++i) {
    std::string f = send_frame(i % members, i);
    auto at = f.find("xxxxxxxxxxxx");
    escaped.push_back(f.replace(at, 12, "\\ud55c\\uae00"));
  }
  double escaped_ns = measure(min_ms, [&](std::size_t i) {
    proto::client_frame f;
    sink += proto::decode_frame(proto::encoding::json, escaped[i % escaped.size()], f).ok;
  });
  std::printf("W1's SEND with two \\u-escaped characters in its payload, decode ns/message: %.0f\n", escaped_ns);
  // The JSON writer: a QUERY_NODES answer listing every member.
  query::array nodes;
  for (std::size_t i = 0; i < members; ++i) {
    query::metadata m;
    m["id"] = query::entry{query::mtype::integer, query::value{static_cast<std::int64_t>(i)}};
    nodes.push_back(proto::client_object("bench", numbered("client-", i), m, "127.0.0.1:4567", {}, {}));
  }
  query::value answer{query::object{{"nodes", query::value{std::move(nodes)}}}};
  double nodes_ns = measure(min_ms, [&](std::size_t) { sink += proto::to_json(answer).size(); });
  std::printf("QUERY_NODES answer of %zu members, to_json us: %.1f\n", members, nodes_ns / 1000);
  std::printf("\n(sink %zu)\n", sink);
  return 0;
}
