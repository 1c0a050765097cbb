#pragma once
// The cookie check of K-4, as pure functions over OpenSSL: fresh challenges,
// HMAC-SHA256 proofs and a constant-time comparison. The cookie never leaves
// this process; only challenges and proofs cross the wire.
//
// A challenge is one role byte ('D' when a dialer issues it, 'R' when a
// responder does) followed by 32 random bytes. A node only ever proves a
// challenge of the other role, so a proof obtained from a node in one role can
// never be replayed to a third node in the other role (reflection).

#include <string>
#include <string_view>

namespace sy::cluster {

/// Who issued a challenge.
enum class challenge_role : char { dialer = 'D', responder = 'R' };

/// A fresh challenge: the role byte and 32 random bytes.
std::string make_challenge(challenge_role role);

/// Whether `challenge` is well formed and was issued in `role`.
bool has_role(std::string_view challenge, challenge_role role);

/// HMAC-SHA256(cookie, challenge ‖ node_id): 32 raw bytes.
std::string make_proof(std::string_view cookie, std::string_view challenge, std::string_view node_id);

/// Compares two proofs in constant time (false when the sizes differ).
bool same_proof(std::string_view a, std::string_view b);

/// A random node id per boot (K-3): 32 lowercase hex digits.
std::string make_node_id();

/// `bytes` as lowercase hex (for tests and logs).
std::string to_hex(std::string_view bytes);

} // namespace sy::cluster
