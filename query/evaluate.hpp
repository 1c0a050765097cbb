#pragma once
// Evaluating a parsed query against one client's metadata (Q-11…
// steps 2 and 4). Never fails: every odd pairing is simply false.

#include "query/metadata.hpp"
#include "query/query.hpp"

namespace sy::query {

/// R-1 step 4: true when every element of `q.ops` holds for `md` (an empty
/// `ops` holds for everyone). Application, restricted and selector are not
/// looked at here.
bool matches(const query& q, const metadata& md);

/// One element of `ops` against `md`.
bool matches(const node& n, const metadata& md);

/// One comparison against `md`.
bool matches(const comparison& c, const metadata& md);

/// True when the reserved key `restricted` (M-4) holds boolean true.
bool is_restricted(const metadata& md);

/// R-1 step 2: the client may be a candidate (not restricted, or the query
/// allows restricted clients).
inline bool eligible(const query& q, const metadata& md) { return q.restricted || !is_restricted(md); }

} // namespace sy::query
