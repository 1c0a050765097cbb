#include "cluster/redis.hpp"

#include <algorithm>
#include <sys/time.h>

#include <hiredis/hiredis.h>

namespace sy::cluster {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string reply_string(const redisReply* r) { return std::string(r->str, r->len); }

} // namespace

void redis_client::reply_deleter::operator()(redisReply* r) const { freeReplyObject(r); }

redis_client::redis_client(redis_dsn dsn, std::chrono::milliseconds timeout)
    : dsn_(std::move(dsn)), timeout_(timeout) {}

redis_client::~redis_client() {
  if (ctx_ != nullptr)
    redisFree(ctx_);
}

std::string redis_client::address() const { return dsn_.host + ':' + std::to_string(dsn_.port); }

redis_result<redis_ok> redis_client::ensure_connected() {
  if (ctx_ != nullptr && !broken_)
    return redis_ok{};
  if (ctx_ == nullptr) {
    ctx_ = redisConnectWithTimeout(dsn_.host.c_str(), dsn_.port, to_timeval(timeout_));
    if (ctx_ == nullptr)
      return redis_error{"cannot allocate a redis context"};
    if (ctx_->err != 0) {
      redis_error e{ctx_->errstr};
      redisFree(ctx_);
      ctx_ = nullptr;
      return e;
    }
  } else if (redisReconnect(ctx_) != REDIS_OK) {
    return redis_error{ctx_->errstr};
  }
  broken_ = false;
  auto r = prepare();
  if (!r)
    broken_ = true;
  return r;
}

redis_result<redis_ok> redis_client::prepare() {
  if (redisSetTimeout(ctx_, to_timeval(timeout_)) != REDIS_OK || redisEnableKeepAlive(ctx_) != REDIS_OK)
    return redis_error{ctx_->errstr[0] != '\0' ? ctx_->errstr : "cannot set socket options"};
  if (!dsn_.password.empty())
    if (auto r = exec({"AUTH", dsn_.password}); !r)
      return redis_error{"AUTH: " + r.error()};
  if (dsn_.db != 0)
    if (auto r = exec({"SELECT", std::to_string(dsn_.db)}); !r)
      return redis_error{"SELECT: " + r.error()};
  return redis_ok{};
}

redis_result<redis_client::reply_ptr> redis_client::exec(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* raw = redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data());
  if (raw == nullptr) {
    broken_ = true; // the context is unusable after any I/O or protocol error
    return redis_error{ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection lost"};
  }
  reply_ptr reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR)
    return redis_error{reply_string(reply.get())};
  return reply;
}

redis_result<redis_client::reply_ptr> redis_client::command(const std::vector<std::string>& args) {
  if (auto c = ensure_connected(); !c)
    return redis_error{c.error()};
  return exec(args);
}

redis_result<redis_ok> redis_client::set_ex(const std::string& key, const std::string& value, int ttl_seconds) {
  auto r = command({"SET", key, value, "EX", std::to_string(ttl_seconds)});
  if (!r)
    return redis_error{r.error()};
  return redis_ok{};
}

redis_result<redis_ok> redis_client::del(const std::string& key) {
  auto r = command({"DEL", key});
  if (!r)
    return redis_error{r.error()};
  return redis_ok{};
}

redis_result<std::vector<std::string>> redis_client::scan(const std::string& pattern) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  // A bound on round trips guards against a server that never ends the scan.
  for (int round = 0; round < 100000; ++round) {
    auto r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "100"});
    if (!r)
      return redis_error{r.error()};
    auto* rep = (*r).get();
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_STRING
        || rep->element[1]->type != REDIS_REPLY_ARRAY)
      return redis_error{"SCAN: unexpected reply"};
    cursor = reply_string(rep->element[0]);
    auto* batch = rep->element[1];
    for (size_t i = 0; i < batch->elements; ++i)
      if (batch->element[i]->type == REDIS_REPLY_STRING)
        keys.push_back(reply_string(batch->element[i]));
    if (cursor == "0") {
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      return keys;
    }
  }
  return redis_error{"SCAN: too many rounds"};
}

redis_result<std::vector<std::optional<std::string>>> redis_client::mget(const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> out;
  if (keys.empty())
    return out;
  std::vector<std::string> args;
  args.reserve(keys.size() + 1);
  args.emplace_back("MGET");
  args.insert(args.end(), keys.begin(), keys.end());
  auto r = command(args);
  if (!r)
    return redis_error{r.error()};
  auto* rep = (*r).get();
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != keys.size())
    return redis_error{"MGET: unexpected reply"};
  out.reserve(keys.size());
  for (size_t i = 0; i < rep->elements; ++i) {
    auto* e = rep->element[i];
    if (e->type == REDIS_REPLY_STRING)
      out.emplace_back(reply_string(e));
    else
      out.emplace_back(std::nullopt);
  }
  return out;
}

} // namespace sy::cluster
