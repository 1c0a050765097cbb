"""Forwarded routes (K-5 without the question and answer): a SEND or
BROADCAST for an application that the sender's node has no client of and
exactly one peer may have goes to that peer as it is, and the peer routes it
over its own clients. A BROADCAST without selector or `optional` for an
application several nodes have is spread the same way: every node that may
have it (the sender's too) routes it over its own clients. What a user sees
must be what gathering gives: the exact D-3 frame, D-5's no_route with the
frame (or silence when droppable), R-3/R-5/R-1 step 6 over the right
clients, R-8's own copy, R-9 order per receiver and L-16 order of the
sender's replies, also while the route changes between forwarding,
spreading, gathering and staying local as clients come and go.

Which way a route went is read from GET /metrics
(singyeong_cluster_routes_total{how="gathered"|"forwarded"|"spread"}) on
the sender's node; everything else is black-box over real websockets, three
real nodes and a real redis-server (cluster_support.py).
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_support  # noqa: E402  (puts tests/e2e on sys.path)
from cluster_cases import Base  # noqa: E402
from harness import RECV, uid  # noqa: E402
from routing_support import BurstReplies, connected, disconnected, e, message, op, rendezvous_pick  # noqa: E402

cluster_support.install_sigterm_handler()


class ForwardingToOnePeer(BurstReplies, Base):
    """One healthy three-node cluster shared by every test of the class."""

    def routes(self, n):
        """The node's cluster route counters: {"gathered": int, "forwarded": int, "spread": int}."""
        status, _, body = n.http("GET", "/metrics")
        self.assertEqual(status, 200)
        out = {}
        for how in ("gathered", "forwarded", "spread"):
            m = re.search(r'^singyeong_cluster_routes_total\{how="%s"\} (\d+)$' % how, body.decode(), re.M)
            self.assertIsNotNone(m, "no %s counter on %r" % (how, n))
            out[how] = int(m.group(1))
        return out

    def assert_routes(self, n, before, gathered, forwarded, spread=0):
        after = self.routes(n)
        self.assertEqual(tuple(after[k] - before[k] for k in ("gathered", "forwarded", "spread")),
                         (gathered, forwarded, spread), "routes on %r (gathered, forwarded, spread)" % n)

    def assert_split(self, n, before, total, gathered_at_least=0, spread_at_least=0):
        """`total` routes since `before`, none forwarded, gathered and spread at least as given."""
        after = self.routes(n)
        gathered, forwarded, spread = (after[k] - before[k] for k in ("gathered", "forwarded", "spread"))
        self.assertEqual((gathered + spread, forwarded), (total, 0), "routes on %r" % n)
        self.assertGreaterEqual(gathered, gathered_at_least, "gathered on %r" % n)
        self.assertGreaterEqual(spread, spread_at_least, "spread on %r" % n)

    def assert_burst_in_order(self, s, app, receiver, t):
        """90 frames of `t` in one write, every third to zone b (`receiver`, the one client there), the
        rest to a zone nobody has, with heartbeats between: the sender's replies come in frame order
        (L-16), the hits in order at the receiver (R-9)."""
        burst, want, hits = [], [], []
        for i in range(90):
            hit = i % 3 == 0
            ops = [op("/zone", "$eq", "b" if hit else "nowhere")]
            burst.append(message({"application": app, "ops": ops}, {"n": "m%d" % i}, nonce="m%d" % i, t=t))
            (hits if hit else want).append("m%d" % i if hit else ("no_route", "m%d" % i))
            if i % 7 == 0:
                burst.append(self.hb(s))
                want.append(("ack", None))
        self.send_all(s, burst)
        self.assertEqual(self.read_replies(s, len(want)), want)
        self.assertEqual(self.received(receiver, len(hits), t=t), hits)

    def frames(self, target, tag, count, t="SEND"):
        return [message(target, {"n": "%s%d" % (tag, i)}, nonce="%s%d" % (tag, i), t=t) for i in range(count)]

    def test_K5_D3_a_route_for_an_app_only_one_peer_has_is_forwarded_and_arrives_as_the_exact_frame(self):
        app = uid("fwd")
        rb1 = self.on(self.b, app, "rb1", metadata={"zone": e("string", "x")})
        rb2 = self.on(self.b, app, "rb2", metadata={"zone": e("string", "y")})
        s = self.on(self.a, uid("fsend"), "s")
        clients = [rb1, rb2]
        before = self.routes(self.a)
        payloads = [{"k": [1, 2.5, None, True], "m": {"x": "y"}}, "text", None,
                    123456789012345678901234567890, [], {"\u00e9": "\u2603 \\\" \n"}]
        for i, p in enumerate(payloads):
            nonce = "f%d" % i if i % 2 == 0 else None
            with self.subTest(payload=p):
                got = self.deliver(s, message({"application": app, "ops": [op("/zone", "$eq", "x")]}, p,
                                              nonce=nonce), clients)
                self.assert_reached(got, clients, {0}, "SEND", p, nonce)
        got = self.deliver(s, message({"application": app}, "all", nonce="b", t="BROADCAST"), clients)
        self.assert_reached(got, clients, {0, 1}, "BROADCAST", "all", "b")
        self.assert_no_reply(s)
        # each frame and each fence BROADCAST went to B as it was; none asked the peers
        self.assert_routes(self.a, before, 0, 2 * (len(payloads) + 1))
        # the same from C, and from B's own node (no peer needed there at all)
        before_b = self.routes(self.b)
        sc = self.on(self.c, uid("fsend"), "s")
        got = self.deliver(sc, message({"application": app, "ops": [op("/zone", "$eq", "y")]}, 7, nonce="c"),
                           clients)
        self.assert_reached(got, clients, {1}, "SEND", 7, "c")
        got = self.deliver(rb1, message({"application": app, "ops": [op("/zone", "$eq", "y")]}, 8), clients)
        self.assert_reached(got, clients, {1}, "SEND", 8, None)
        self.assert_routes(self.b, before_b, 0, 0)

    def test_D5_K5_a_forwarded_route_that_matches_nothing_there_is_no_route_with_the_frame_in_frame_order(self):
        app = uid("fnr")
        rb = self.on(self.b, app, "rb", metadata={"zone": e("string", "b"), "load": e("string", "n/a")})
        s = self.on(self.a, uid("fnrsend"), "s")
        nowhere = [op("/zone", "$eq", "nowhere")]
        frames = [
            message({"application": app, "ops": nowhere}, {"p": 2}, nonce="nr-2"),
            message({"application": app, "ops": nowhere}, "3", nonce="nr-3", t="BROADCAST"),
            message({"application": app, "ops": nowhere, "optional": False}, None),
            # no numeric value empties the set
            message({"application": app, "selector": {"$min": "load"}}, 5, nonce="nr-5"),
        ]
        before = self.routes(self.a)
        self.assert_unroutable(s, frames, {"application": app, "ops": nowhere}, [rb])
        self.assert_routes(self.a, before, 0, len(frames) + 2 + 1)
        # a burst of hits and misses with heartbeats: replies in frame order (L-16), hits in order
        self.assert_burst_in_order(s, app, rb, "SEND")
        self.assert_no_reply(s)

    def test_R3_R5_R1_selectors_keys_and_optional_pick_over_the_one_peers_clients(self):
        app = uid("fsel")
        loads = {"r1": 40, "r2": 10, "r3": 30, "r4": 20}
        rs = [self.on(self.c, app, cid, metadata={"load": e("integer", v), "kind": e("string", "w")})
              for cid, v in loads.items()]
        s = self.on(self.a, uid("fselsend"), "s")
        before = self.routes(self.a)
        # $min -> r2 (10), $max -> r1 (40)
        for selector, want in (("$min", "r2"), ("$max", "r1")):
            for t in ("SEND", "BROADCAST"):
                with self.subTest(selector=selector, t=t):
                    q = {"application": app, "selector": {selector: "load"}}
                    got = self.deliver(s, message(q, selector, nonce=selector, t=t), rs)
                    self.assert_reached(got, rs, {list(loads).index(want)}, t, selector, selector)
        # the rendezvous pick over the peer's members
        members = [(app, cid) for cid in loads]
        keys = ["key-%d" % i for i in range(12)]
        for k in keys:
            s.send_json(message({"application": app, "key": k}, {"key": k}, nonce=k))
        got = self.fence_apps(s, rs)
        for (cid, frames) in zip(loads, got):
            self.assertEqual([f["d"]["nonce"] for f in frames],
                             [k for k in keys if rendezvous_pick(k, members) == (app, cid)], "keys to %s" % cid)
        # R-1 step 6: optional falls back to every client of the app
        q = {"application": app, "ops": [op("/kind", "$eq", "none")], "optional": True}
        got = self.deliver(s, message(q, "fb", t="BROADCAST"), rs)
        self.assert_reached(got, rs, {0, 1, 2, 3}, "BROADCAST", "fb", None)
        got = self.deliver(s, message(q, "fb1"), rs)
        self.assertEqual(len(self.receivers(got, "SEND", "fb1", None)), 1)
        self.assert_no_reply(s)
        self.assert_routes(self.a, before, 0, 4 * 2 + len(keys) + 1 + 2 * 2)

    def test_K7a_R9_order_holds_while_a_route_moves_between_forwarding_gathering_and_local(self):
        # One sender streams to an app that only B has (forwarded); then C gets a client of it
        # (SENDs gathered: two peers may have it; BROADCASTs spread when no gathering is before
        # them), then B's and C's clients leave and A gets one (local), then A's leaves and B gets
        # one again (forwarded). Every receiver gets its frames in order.
        app = uid("fmove")
        sub = self.on(self.a, uid("fmovesub"), "sub", receive_client_updates=True)
        self.wait_event(sub, connected(sub))
        s = self.on(self.a, uid("fmovesend"), "s")
        target = {"application": app}
        rb = self.on(self.b, app, "rb", metadata={"at": e("string", "b")})
        before = self.routes(self.a)
        # (to rb by metadata: an f frame gathered once A knows of rc could otherwise pick rc)
        self.send_all(s, self.frames({"application": app, "ops": [op("/at", "$eq", "b")]}, "f", 150))
        rc = self.on(self.c, app, "rc", metadata={"at": e("string", "c")})  # ready once A knows of it
        mixed, to_b, to_c = [], [], []
        for i in range(150):
            n = "g%d" % i
            if i % 3 == 0:
                mixed.append(message(target, {"n": n}, nonce=n, t="BROADCAST"))
                to_b.append(("BROADCAST", n))
                to_c.append(("BROADCAST", n))
            else:
                at = "b" if i % 3 == 1 else "c"
                mixed.append(message({"application": app, "ops": [op("/at", "$eq", at)]}, {"n": n}, nonce=n))
                (to_b if at == "b" else to_c).append(("SEND", n))
        self.send_all(s, mixed)
        self.assertEqual(self.received(rb, 150), ["f%d" % i for i in range(150)])
        for ws, want in ((rb, to_b), (rc, to_c)):
            got = []
            for _ in want:
                f = ws.recv_json(RECV)
                self.assert_delivery(f, f.get("t"), {"n": f["d"]["nonce"]}, f["d"]["nonce"])
                got.append((f["t"], f["d"]["nonce"]))
            self.assertEqual(got, want, "order at %s" % ws.client_id)
        # the f frames were forwarded until A heard of rc (some may still have been routing then);
        # of the mixed ones the SENDs were gathered and each BROADCAST gathered or spread
        after = self.routes(self.a)
        gathered, forwarded, spread = (after[k] - before[k] for k in ("gathered", "forwarded", "spread"))
        self.assertEqual(gathered + forwarded + spread, 300)
        self.assertGreaterEqual(gathered, 100)
        self.assertGreaterEqual(forwarded, 1)
        self.assertLessEqual(spread, 50)
        rb.close()
        rc.close()
        self.events(sub, [disconnected(rb), disconnected(rc)], lambda app, cid: False, quiet=0)  # (either order)
        ra = self.on(self.a, app, "ra")
        self.send_all(s, self.frames(target, "h", 100))
        self.assertEqual(self.received(ra, 100), ["h%d" % i for i in range(100)])
        ra.close()
        self.wait_event(sub, disconnected(ra))
        rb2 = self.on(self.b, app, "rb2")
        before = self.routes(self.a)
        self.send_all(s, self.frames(target, "i", 100))
        self.assertEqual(self.received(rb2, 100), ["i%d" % i for i in range(100)])
        self.assert_routes(self.a, before, 0, 100)
        self.assert_no_reply(s)

    # -- spread BROADCASTs: an app on several nodes ----------------------------------------

    def spread_app(self, tag):
        """Clients of a fresh app on every node: ra on A, rb1 and rb2 on B, rc on C."""
        app = uid(tag)
        ra = self.on(self.a, app, "ra", metadata={"zone": e("string", "a"), "load": e("integer", 10)})
        rb1 = self.on(self.b, app, "rb1", metadata={"zone": e("string", "b"), "load": e("integer", 50)})
        rb2 = self.on(self.b, app, "rb2", metadata={"zone": e("string", "x"), "load": e("integer", 20)})
        rc = self.on(self.c, app, "rc", metadata={"zone": e("string", "x"), "load": e("integer", 30)})
        return app, [ra, rb1, rb2, rc]

    def test_K5_D3_a_broadcast_for_an_app_on_every_node_is_spread_and_each_node_delivers_the_exact_frame(self):
        app, clients = self.spread_app("spr")
        s = self.on(self.a, uid("sprsend"), "s")
        before = self.routes(self.a)
        payloads = [{"k": [1, 2.5, None, True], "m": {"x": "y"}}, "text", None,
                    123456789012345678901234567890, [], {"\u00e9": "\u2603 \\\" \n"}]
        cases = [([], {0, 1, 2, 3}), ([op("/zone", "$eq", "x")], {2, 3}), ([op("/zone", "$eq", "a")], {0}),
                 ([op("/load", "$gte", 20), op("/zone", "$ne", "x")], {1})]
        n = 0
        for i, p in enumerate(payloads):
            ops, want = cases[i % len(cases)]
            nonce = "s%d" % i if i % 2 == 0 else None
            with self.subTest(payload=p, ops=ops):
                got = self.deliver(s, message({"application": app, "ops": ops}, p, nonce=nonce, t="BROADCAST"),
                                   clients)
                self.assert_reached(got, clients, want, "BROADCAST", p, nonce)
            n += 2  # (and the fence)
        self.assert_no_reply(s)
        # every one of them, fences included, was spread: nothing asked the peers
        self.assert_routes(self.a, before, 0, 0, n)
        # from C, whose own client is one of the receivers
        before_c = self.routes(self.c)
        sc = self.on(self.c, uid("sprsend"), "s")
        got = self.deliver(sc, message({"application": app, "ops": [op("/zone", "$eq", "x")]}, 7, nonce="c",
                                       t="BROADCAST"), clients)
        self.assert_reached(got, clients, {2, 3}, "BROADCAST", 7, "c")
        self.assert_routes(self.c, before_c, 0, 0, 2)

    def test_R8_L16_a_spread_broadcast_that_matches_its_sender_gives_the_own_copy_before_the_next_ack(self):
        app, clients = self.spread_app("sprown")
        ra = clients[0]
        before = self.routes(self.a)
        for i in range(20):
            f = message({"application": app}, {"n": "o%d" % i}, nonce="o%d" % i, t="BROADCAST")
            self.send_all(ra, [f, self.hb(ra)])
            self.assert_delivery(ra.recv_json(RECV), "BROADCAST", {"n": "o%d" % i}, "o%d" % i)
            self.assertEqual(self.read_replies(ra, 1), [("ack", None)])
        for ws in clients[1:]:
            self.assertEqual(self.received(ws, 20, t="BROADCAST"), ["o%d" % i for i in range(20)])
        self.assert_no_reply(ra)
        self.assert_routes(self.a, before, 0, 0, 20)

    def test_D5_a_spread_broadcast_that_matches_nothing_on_any_node_is_no_route_and_replies_keep_frame_order(self):
        app, clients = self.spread_app("sprnr")
        s = self.on(self.a, uid("sprnrsend"), "s")
        nowhere = [op("/zone", "$eq", "nowhere")]
        frames = [message({"application": app, "ops": nowhere}, {"p": 2}, nonce="nr-2", t="BROADCAST"),
                  message({"application": app, "ops": nowhere, "optional": False}, None, t="BROADCAST")]
        before = self.routes(self.a)
        self.assert_unroutable(s, frames, {"application": app, "ops": nowhere}, clients)
        # the two frames spread; the droppable SEND gathered, and the BROADCAST and the fence right
        # behind it too when it was still gathering then (they must not overtake it)
        self.assert_split(self.a, before, len(frames) + 3, gathered_at_least=1, spread_at_least=len(frames))
        # a burst of hits on one node, misses everywhere and heartbeats: replies in frame order
        # (L-16), hits in order at the one receiver
        self.assert_burst_in_order(s, app, clients[1], "BROADCAST")
        self.assertEqual(self.fence_apps(s, clients), [[] for _ in clients])
        self.assert_no_reply(s)

    def test_R3_R1_a_broadcast_with_a_selector_or_optional_is_gathered_over_every_node(self):
        # Spread, each node would pick its own $max or fall back on its own.
        app, clients = self.spread_app("sprsel")
        s = self.on(self.a, uid("sprselsend"), "s")
        before = self.routes(self.a)
        for selector, want in (("$max", 1), ("$min", 0)):
            with self.subTest(selector=selector):
                got = self.deliver(s, message({"application": app, "selector": {selector: "load"}}, selector,
                                              nonce=selector, t="BROADCAST"), clients)
                self.assert_reached(got, clients, {want}, "BROADCAST", selector, selector)
        # only rc matches: the others must not fall back; nothing matches: all of them get it
        for ops, want in (([op("/load", "$eq", 30)], {3}), ([op("/load", "$eq", 99)], {0, 1, 2, 3})):
            with self.subTest(ops=ops):
                q = {"application": app, "ops": ops, "optional": True}
                got = self.deliver(s, message(q, "opt", t="BROADCAST"), clients)
                self.assert_reached(got, clients, want, "BROADCAST", "opt", None)
        self.assert_no_reply(s)
        # the four were gathered; each fence right behind one gathered too when that one was still
        # gathering then, else it spread
        self.assert_split(self.a, before, 8, gathered_at_least=4)

    def test_K5_R9_a_burst_alternating_between_apps_on_different_peers_is_forwarded_throughout_in_order(self):
        # Each route goes to its own peer while the sender's route to the other is still in flight.
        x, y = uid("fx"), uid("fy")
        rb = self.on(self.b, x, "rb")
        rc = self.on(self.c, y, "rc")
        s = self.on(self.a, uid("fxysend"), "s")
        before = self.routes(self.a)
        burst = [message({"application": x if i % 2 == 0 else y}, {"n": "a%d" % i}, nonce="a%d" % i)
                 for i in range(120)]
        self.send_all(s, burst)
        self.assertEqual(self.received(rb, 60), ["a%d" % i for i in range(0, 120, 2)])
        self.assertEqual(self.received(rc, 60), ["a%d" % i for i in range(1, 120, 2)])
        self.assert_no_reply(s)
        self.assert_routes(self.a, before, 0, 120)

    def test_K5_a_forwarded_route_to_a_peer_whose_last_client_left_is_no_route_and_nothing_is_lost(self):
        app = uid("fgone")
        sub = self.on(self.a, uid("fgonesub"), "sub", receive_client_updates=True)
        self.wait_event(sub, connected(sub))
        rb = self.on(self.b, app, "rb")
        s = self.on(self.a, uid("fgonesend"), "s")
        self.sent(s, message({"application": app}, 1, nonce="one"), rb, 1, "one")
        rb.close()
        self.wait_event(sub, disconnected(rb))
        # B's p_app_gone may not be in yet (then the route is still forwarded): no_route either way
        for i in range(20):
            f = message({"application": app}, i, nonce="gone%d" % i)
            s.send_json(f)
            self.assert_no_route(s, f)
        # and the app comes back on B: forwarded again, delivered
        rb2 = self.on(self.b, app, "rb2")
        self.sent(s, message({"application": app}, 2, nonce="two"), rb2, 2, "two")
        self.assert_no_reply(s)
        self.assert_alive()


if __name__ == "__main__":
    unittest.main()
