#include "proto/peer_wire.hpp"

#include "proto/json.hpp"

namespace sy::proto {
namespace {

using query::value;

value of_candidate(const peer_candidate& pc) {
  value sel;
  if (pc.c.sel)
    sel = pc.c.sel->integral ? value{pc.c.sel->i} : value{pc.c.sel->f};
  return value{query::object{{"app", value{pc.c.app_id}}, {"cid", value{pc.c.client_id}}, {"sel", std::move(sel)},
                             {"obj", pc.object}}};
}

bool to_candidate(const value& v, peer_candidate& out) {
  const value* app = v.find("app");
  const value* cid = v.find("cid");
  const value* sel = v.find("sel");
  const value* obj = v.find("obj");
  if (!app || !app->is_string() || !cid || !cid->is_string())
    return false;
  out.c.app_id = app->as_string();
  out.c.client_id = cid->as_string();
  if (sel && sel->is_int())
    out.c.sel = query::number::of_int(sel->as_int());
  else if (sel && sel->is_float())
    out.c.sel = query::number::of_float(sel->as_float());
  if (obj)
    out.object = *obj;
  return true;
}

bool candidates(const value* v, std::vector<peer_candidate>& out) {
  if (!v || !v->is_array())
    return false;
  for (const auto& e : v->as_array()) {
    peer_candidate pc;
    if (!to_candidate(e, pc))
      return false;
    out.push_back(std::move(pc));
  }
  return true;
}

std::optional<value> parse(std::string_view json) {
  value v;
  std::string err;
  if (!parse_json_unlimited(json, v, err) || !v.is_object())
    return std::nullopt;
  return v;
}

} // namespace

std::string encode(const peer_query& q) {
  return to_json(value{query::object{{"kind", value{q.kind}}, {"query", q.query}}});
}

std::optional<peer_query> decode_peer_query(std::string_view json) {
  auto v = parse(json);
  if (!v)
    return std::nullopt;
  const value* kind = v->find("kind");
  const value* q = v->find("query");
  if (!kind || !kind->is_string() || !q)
    return std::nullopt;
  return peer_query{kind->as_string(), *q};
}

std::string encode(const peer_answer& a) {
  query::array f, e;
  for (const auto& c : a.filtered)
    f.push_back(of_candidate(c));
  for (const auto& c : a.eligible)
    e.push_back(of_candidate(c));
  query::object tags;
  for (const auto& [app, ts] : a.tags)
    tags.push_back(query::member{app, value{query::array(ts.begin(), ts.end())}});
  return to_json(value{query::object{
    {"filtered", value{std::move(f)}}, {"eligible", value{std::move(e)}}, {"tags", value{std::move(tags)}}}});
}

std::optional<peer_answer> decode_peer_answer(std::string_view json) {
  auto v = parse(json);
  if (!v)
    return std::nullopt;
  peer_answer a;
  if (!candidates(v->find("filtered"), a.filtered) || !candidates(v->find("eligible"), a.eligible))
    return std::nullopt;
  if (const value* tags = v->find("tags"); tags && tags->is_object())
    for (const auto& [app, ts] : tags->as_object())
      if (ts.is_array())
        for (const auto& t : ts.as_array())
          if (t.is_string())
            a.tags[app].push_back(t.as_string());
  return a;
}

std::string encode(const peer_delivery& d) {
  query::array targets;
  for (const auto& [app, cid] : d.targets)
    targets.push_back(value{query::array{value{app}, value{cid}}});
  std::string s = R"({"event":)";
  append_json(s, value{d.event});
  s += R"(,"nonce":)";
  append_json(s, d.nonce);
  s += R"(,"payload":)";
  if (d.raw_payload.empty())
    append_json(s, d.payload);
  else
    s += d.raw_payload;
  s += R"(,"targets":)";
  append_json(s, value{std::move(targets)});
  if (!d.query.is_null()) {
    s += R"(,"query":)";
    append_json(s, d.query);
  }
  s += '}';
  return s;
}

std::optional<peer_delivery> decode_peer_delivery(std::string_view json) {
  value whole;
  std::string err;
  std::string_view raw;
  if (!parse_json_keeping(json, whole, err, raw, {}, "payload") || !whole.is_object())
    return std::nullopt;
  const value* v = &whole;
  const value* event = v->find("event");
  const value* targets = v->find("targets");
  if (!event || !event->is_string() || !targets || !targets->is_array())
    return std::nullopt;
  peer_delivery d;
  d.event = event->as_string();
  if (const value* n = v->find("nonce"))
    d.nonce = *n;
  if (const value* p = v->find("payload"))
    d.payload = *p;
  d.raw_payload = std::string(raw);
  if (const value* q = v->find("query"))
    d.query = *q;
  for (const auto& t : targets->as_array()) {
    if (!t.is_array() || t.as_array().size() != 2 || !t.as_array()[0].is_string() || !t.as_array()[1].is_string())
      return std::nullopt;
    d.targets.emplace_back(t.as_array()[0].as_string(), t.as_array()[1].as_string());
  }
  return d;
}

} // namespace sy::proto
