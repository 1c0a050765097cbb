#pragma once
// The parsed query (Q-1…Q-19): what parse_query produces and what matches(),
// the selectors and member_index consume. Both wire forms (canonical
// and legacy Q-8) end up as the same tree.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "query/path.hpp"
#include "query/value.hpp"

namespace sy::query {

/// The ten comparison operators.
enum class cmp_op : std::uint8_t { eq, ne, gt, gte, lt, lte, in, nin, contains, ncontains };
/// The three logical operators.
enum class logic_op : std::uint8_t { and_, or_, nor };

/// Wire name of a comparison operator ("$eq", …).
std::string_view to_string(cmp_op op);
/// Wire name of a logical operator ("$and", …).
std::string_view to_string(logic_op op);
/// Comparison operator by wire name; nullopt when it is not one.
std::optional<cmp_op> parse_cmp_op(std::string_view name);
/// Logical operator by wire name; nullopt when it is not one.
std::optional<logic_op> parse_logic_op(std::string_view name);

/// The right-hand side B of a comparison.
struct operand {
  /// True for `{"value": …}` (and legacy raw operands); false for `{"path": …}`.
  bool literal = true;
  /// The literal value (when `literal`).
  value lit;
  /// The path in the same client's metadata (when not `literal`).
  path from;
  /// `default`, used when `from` is missing; absent means B is missing.
  std::optional<value> fallback;
  /// `"type": "version"`: compare by SemVer precedence.
  bool version = false;
};

/// `A <op> B` where A is the value at `at`.
struct comparison {
  /// Where A is read (legacy keys become one-segment paths).
  path at;
  /// The operator.
  cmp_op op = cmp_op::eq;
  /// B.
  operand to;
};

struct node;

/// `$and` / `$or` / `$nor` over child elements.
struct logical {
  /// The operator.
  logic_op op = logic_op::and_;
  /// The children (empty: `$and`/`$nor` true, `$or` false).
  std::vector<node> with;
};

/// One element of `ops`: a comparison or a logical combination.
struct node {
  /// The element itself.
  std::variant<comparison, logical> v;
};

/// The three selectors.
enum class selector_kind : std::uint8_t { min, max, avg };

/// A selector: kind plus the path of the numeric value it looks at.
struct selector {
  /// `$min`, `$max` or `$avg`.
  selector_kind kind = selector_kind::min;
  /// The key (one segment) or path whose numeric value is considered.
  path at;
};

/// Which applications a query addresses.
enum class app_scope : std::uint8_t {
  any,   ///< `application` absent or null: every application
  exact, ///< a string: that application id
  tags,  ///< an array of strings: resolved per T-4
};

/// A parsed, valid query.
struct query {
  /// Which applications are addressed.
  app_scope scope = app_scope::any;
  /// The application id when `scope == exact`.
  std::string application;
  /// The wanted tags when `scope == tags` (possibly empty: matches nothing).
  std::vector<std::string> tags;
  /// Also allow restricted clients (Q-2 coerced; A-5).
  bool restricted = false;
  /// Fall back to R-1 step 6 when nothing matches (Q-2 coerced).
  bool optional = false;
  /// Drop an unroutable SEND/BROADCAST silently (Q-2 coerced; D-5).
  bool droppable = false;
  /// Q-3 coerced consistent-hashing key.
  std::optional<std::string> key;
  /// The elements of `ops`, AND-ed.
  std::vector<node> ops;
  /// The selector, if any (`{}` and null mean none).
  std::optional<sy::query::selector> selector;
};

/// Whether two queries select the same members of one application
/// (R-1 steps 2 to 4 and 6): equal `ops` (structurally: same paths,
/// operators and literals of the same JSON type), `restricted` and
/// `optional`. Scope, selector, key and `droppable` are not compared. Used
/// to reuse a routing result (actors/route_cache); a false "different" only
/// costs a fresh lookup.
bool same_filter(const query& a, const query& b);

} // namespace sy::query
