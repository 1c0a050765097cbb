#pragma once
// A client's memory of its last SEND/BROADCAST d.target (issue 6). Clients
// send one target with new payloads (a broadcast to a group), or the same
// target with one integer changed (to the client whose id is N): once a
// text repeats, or repeats with one integer literal of the query changed,
// later frames with that text (any integer in that place) are decoded
// without building the target and routed without parsing it again.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/frame.hpp"
#include "proto/target_hole.hpp"
#include "query/literal_slot.hpp"
#include "query/query.hpp"
#include "query/value.hpp"

namespace sy::actors {

class target_memory {
public:
  /// What decode_frame gets as the known target (empty text: nothing kept).
  proto::known_target known() const;
  /// Whether a target is kept (frames can come back with target_kept).
  bool kept() const { return tree_ != nullptr; }
  /// Whether the kept target has an integer hole (frames that match it
  /// carry their integer in kept_int).
  bool varies() const { return hole_len_ != 0; }
  /// The kept target's tree: exactly the target of a kept frame when
  /// !varies(); else the shape of it, with another integer in the hole.
  const std::shared_ptr<const query::value>& tree() const { return tree_; }
  /// The parsed query of a frame whose target was kept, `n` its kept_int.
  query::query query_for(std::int64_t n) const;
  /// After a target that was built and parsed (`text` its raw_target, empty
  /// when the fast decoder did not record it): the last text, kept when it
  /// repeats the one before, or differs from it only in the integer of one
  /// comparison literal; whatever was kept before is dropped.
  void learn(std::string_view text, const query::value& tree, const query::query& q);

private:
  bool learn_hole(const proto::integer_hole& hole, std::string_view text, const query::value& tree,
                  const query::query& q);

  /// The last target text (the kept one when tree_ is set).
  std::string text_;
  std::size_t hole_at_ = 0;
  std::size_t hole_len_ = 0;
  std::shared_ptr<const query::value> tree_;
  query::query query_;
  query::literal_slot slot_;
  /// Misses left before a hole is looked for again, after one whose
  /// number was not a literal (each look costs a parse of the last text).
  unsigned rest_ = 0;
};

} // namespace sy::actors
