#include <doctest/doctest.h>

#include "cluster/cookie.hpp"

using namespace sy::cluster;

TEST_CASE("K-4: proofs are HMAC-SHA256(cookie, challenge ‖ node id)") {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  CHECK(to_hex(make_proof("Jefe", "what do ya want ", "for nothing?"))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("K-4: challenges are fresh, at least 16 random bytes, and carry their role") {
  auto a = make_challenge(challenge_role::dialer);
  auto b = make_challenge(challenge_role::dialer);
  CHECK(a.size() >= 17);
  CHECK(a != b);
  CHECK(has_role(a, challenge_role::dialer));
  CHECK_FALSE(has_role(a, challenge_role::responder));
  CHECK(has_role(make_challenge(challenge_role::responder), challenge_role::responder));
  CHECK_FALSE(has_role("D", challenge_role::dialer));
}

TEST_CASE("K-4: a proof made with another cookie or for another id does not match") {
  auto c = make_challenge(challenge_role::responder);
  auto good = make_proof("a cookie of 16+ bytes", c, "node-a");
  CHECK(same_proof(good, make_proof("a cookie of 16+ bytes", c, "node-a")));
  CHECK_FALSE(same_proof(good, make_proof("another cookie 16+ b", c, "node-a")));
  CHECK_FALSE(same_proof(good, make_proof("a cookie of 16+ bytes", c, "node-b")));
  CHECK_FALSE(same_proof(good, ""));
  CHECK_FALSE(same_proof("", ""));
}

TEST_CASE("K-3: node ids are 32 hex digits and differ per boot") {
  auto a = make_node_id();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != make_node_id());
}
