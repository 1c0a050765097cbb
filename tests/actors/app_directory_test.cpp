// app_directory::local_only: whether a query for one application may skip the
// router, as the router's peers told it; a caller's memo never hides a change.

#include <doctest/doctest.h>

#include "actors/app_directory.hpp"

using sy::actors::app_directory;

TEST_CASE("without peers every application is local") {
  app_directory d;
  app_directory::local_memo memo;
  CHECK(d.local_only("a", memo));
  CHECK(d.local_only("b", memo));
}

TEST_CASE("with a peer that has not told its applications nothing is local") {
  app_directory d;
  app_directory::local_memo memo;
  CHECK(d.local_only("a", memo));
  d.set_peers(false, false, {});
  CHECK_FALSE(d.local_only("a", memo));
}

TEST_CASE("an application is local until a peer may have it, and again once none has") {
  app_directory d;
  app_directory::local_memo memo;
  d.set_peers(false, true, {"b"});
  CHECK(d.local_only("a", memo));
  CHECK(d.local_only("a", memo)); // (from the memo)
  CHECK_FALSE(d.local_only("b", memo));
  CHECK(d.local_only("a", memo));
  d.peer_may_have("a");
  CHECK_FALSE(d.local_only("a", memo));
  d.no_peer_has("a");
  CHECK(d.local_only("a", memo));
  d.no_peer_has("b");
  CHECK(d.local_only("b", memo));
}

TEST_CASE("each caller's memo sees every change") {
  app_directory d;
  app_directory::local_memo one, two;
  d.set_peers(false, true, {});
  CHECK(d.local_only("a", one));
  CHECK(d.local_only("a", two));
  d.peer_may_have("a");
  CHECK_FALSE(d.local_only("a", one));
  CHECK_FALSE(d.local_only("a", two));
  d.set_peers(true, false, {}); // the last peer went
  CHECK(d.local_only("a", one));
  d.set_peers(false, true, {"a"});
  CHECK_FALSE(d.local_only("a", one));
  CHECK_FALSE(d.local_only("a", two));
}
