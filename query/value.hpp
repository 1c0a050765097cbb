#pragma once
// A JSON-shaped value: what metadata, payloads and queries are made of.
// Integers and floats are kept apart (M-1); objects keep their key order so a
// payload leaves the server as it came in.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sy::query {

class value;
struct member;

/// An ordered list of values.
using array = std::vector<value>;
/// An object as an ordered list of members (insertion order kept).
using object = std::vector<member>;

/// The kinds a value can have.
enum class kind : std::uint8_t { null, boolean, integer, floating, string, array, object };

/// A JSON value with integer/float distinction.
class value {
public:
  using storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, array, object>;

  value() = default;
  value(std::nullptr_t) {}
  value(bool b) : v_(b) {}
  value(int i) : v_(static_cast<std::int64_t>(i)) {}
  value(std::int64_t i) : v_(i) {}
  value(double d) : v_(d) {}
  value(std::string s) : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(array a) : v_(std::move(a)) {}
  value(object o) : v_(std::move(o)) {}

  /// The kind of this value.
  kind type() const { return static_cast<kind>(v_.index()); }
  bool is_null() const { return type() == kind::null; }
  bool is_bool() const { return type() == kind::boolean; }
  bool is_int() const { return type() == kind::integer; }
  bool is_float() const { return type() == kind::floating; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return type() == kind::string; }
  bool is_array() const { return type() == kind::array; }
  bool is_object() const { return type() == kind::object; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  /// A number as a double (integers converted).
  double as_double() const { return is_int() ? static_cast<double>(as_int()) : as_float(); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const array& as_array() const { return std::get<array>(v_); }
  array& as_array() { return std::get<array>(v_); }
  const object& as_object() const { return std::get<object>(v_); }
  object& as_object() { return std::get<object>(v_); }

  /// Member lookup on an object; nullptr when absent or not an object.
  const value* find(std::string_view key) const;
  /// Sets (replaces or appends) a member; turns a non-object into an object.
  void set(std::string key, value v);

  const storage& raw() const { return v_; }

private:
  storage v_;
};

/// One member of an object.
struct member {
  std::string key;
  value val;
};

/// Structural equality (used by tests and caches; query semantics live in eval).
bool operator==(const value& a, const value& b);
inline bool operator!=(const value& a, const value& b) { return !(a == b); }

} // namespace sy::query
