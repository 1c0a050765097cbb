#pragma once
// A small synchronous Redis client (hiredis 0.14), for the membership loop's
// own thread. This is the only file that includes hiredis. Every call is
// bounded by the timeout (connect and each command); any I/O error marks the
// connection broken and the next call reconnects (redisReconnect). Errors are
// values, never exceptions.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cluster/dsn.hpp"

struct redisContext;
struct redisReply;

namespace sy::cluster {

/// What went wrong talking to Redis: a connection error or a server reply.
struct redis_error {
  std::string text;
};

/// Success without a value.
struct redis_ok {};

/// Either a value or a redis_error.
template <class T>
class redis_result {
public:
  redis_result(T value) : v_(std::move(value)) {}
  redis_result(redis_error e) : v_(std::move(e)) {}
  /// Whether the call succeeded.
  explicit operator bool() const noexcept { return v_.index() == 0; }
  /// The value; only when the call succeeded.
  T& operator*() { return std::get<0>(v_); }
  /// Member access to the value; only when the call succeeded.
  T* operator->() { return &std::get<0>(v_); }
  /// The error text; only when the call failed.
  const std::string& error() const { return std::get<1>(v_).text; }

private:
  std::variant<T, redis_error> v_;
};

/// One connection to one Redis server, (re)connected on demand. Not
/// thread-safe: use it from one thread (a detached actor).
class redis_client {
public:
  /// `timeout` bounds connecting and every command.
  redis_client(redis_dsn dsn, std::chrono::milliseconds timeout);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// SET key value EX ttl_seconds.
  redis_result<redis_ok> set_ex(const std::string& key, const std::string& value, int ttl_seconds);

  /// Every key matching `pattern`, through SCAN … MATCH … COUNT 100 (never
  /// KEYS); sorted, without duplicates.
  redis_result<std::vector<std::string>> scan(const std::string& pattern);

  /// MGET: one entry per key, nullopt where the key is gone.
  redis_result<std::vector<std::optional<std::string>>> mget(const std::vector<std::string>& keys);

  /// DEL key.
  redis_result<redis_ok> del(const std::string& key);

  /// `host:port` of the server (for logs).
  std::string address() const;

private:
  struct reply_deleter {
    void operator()(redisReply* r) const;
  };
  using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

  redis_result<redis_ok> ensure_connected();
  redis_result<redis_ok> prepare();
  redis_result<reply_ptr> command(const std::vector<std::string>& args);
  redis_result<reply_ptr> exec(const std::vector<std::string>& args);

  redis_dsn dsn_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
  bool broken_ = false;
};

} // namespace sy::cluster
