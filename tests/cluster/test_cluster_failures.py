"""A real cluster when things go wrong (spec section 14: K-3, K-3a, K-4,
K-7, K-7b, K-8): a node killed with SIGKILL, Redis stopping and coming back,
and a node with the wrong COOKIE.

Each class starts its own redis-server and three real singyeong nodes (see
cluster_support.py) and stops everything in tearDownClass.
"""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_support  # noqa: E402  (puts tests/e2e on sys.path)
from cluster_cases import EVENTS_WITHIN, Base  # noqa: E402
from cluster_support import WRONG_COOKIE, line_level, timing  # noqa: E402
from harness import RECV, uid  # noqa: E402
from routing_support import connected, e, message, op  # noqa: E402

cluster_support.install_sigterm_handler()

DROP_WITHIN = 2.0       # K-3a: a dead peer is dropped within 2 s
REJOIN_WITHIN = 3.0     # K-3a: a node that comes back is a peer again within 3 s
NEW_NODE_AFTER_REDIS = 10.0   # "a new node joins after Redis returns" (membership back-off, K-3)


# =============================================================================
class NodeKilled(Base):
    """kill -9 of one node: the others drop it within 2 s and keep routing;
    restarted on the same ports it is a peer again within 3 s (K-3, K-3a)."""

    def test_K3a_kill9_drops_the_node_within_2s_survivors_route_and_it_rejoins_within_3s(self):
        app = uid("kill")
        s = self.on(self.a, uid("ksend"), "s")
        rb = self.on(self.b, app, "rb", metadata={"at": e("string", "b")})
        rc = self.on(self.c, app, "rc", metadata={"at": e("string", "c")})
        to_b = lambda n: message({"application": app, "ops": [op("/at", "$eq", "b")]}, {"n": n}, nonce="b%d" % n)
        to_c = lambda n: message({"application": app, "ops": [op("/at", "$eq", "c")]}, {"n": n}, nonce="c%d" % n)
        self.sent(s, to_c(1), rc, {"n": 1}, "c1")
        old_id = self.c.id

        t0 = time.time()
        self.c.kill9()
        rc.abort()
        for n in (self.a, self.b):
            line, took = n.wait_line("peer down node=%s" % old_id, DROP_WITHIN + 3.0, since=t0)
            timing("peer down on %s after kill -9" % n.label, took)
            self.assertLessEqual(took, DROP_WITHIN, "K-3a on node %s: %s" % (n.label, line))

        # survivors keep routing between themselves
        self.sent(s, to_b(2), rb, {"n": 2}, "b2")
        back = message({"application": s.app}, "back", nonce="back")
        self.sent(rb, back, s, "back", "back")
        # the client that was on the killed node is gone: no_route
        f = to_c(3)
        s.send_json(f)
        self.assert_no_route(s, f)
        self.assertEqual(self.ids(self.query_nodes(s, {"application": app})), [(app, "rb")])

        # restart on the same ports: a new id, a peer again within 3 s
        self.c.start()
        self.assertNotEqual(self.c.id, old_id, "K-3: a random node id per boot")
        worst = self.cluster.wait_peers(self.nodes, REJOIN_WITHIN, since=self.c.started, new=self.c)
        timing("slowest peer up after the restart", worst)
        rc2 = self.on(self.c, app, "rc", metadata={"at": e("string", "c")})
        self.sent(s, to_c(4), rc2, {"n": 4}, "c4")
        self.sent(rc2, back, s, "back", "back")
        self.sent(rc2, to_b(5), rb, {"n": 5}, "b5")
        self.assertEqual(self.ids(self.query_nodes(rb, {"application": app})), [(app, "rb"), (app, "rc")])
        for n in (self.a, self.b):
            self.assertEqual(n.find("peer down node=%s" % self.c.id), [], n.tail())
        self.assert_alive()


# =============================================================================
class PeerFrozen(Base):
    """A peer that stops answering (SIGSTOP) delays only the queries for
    applications it has clients of: each node tells its peers which
    applications it has (router_state::peer_apps), so a query for one
    application asks only the peers that may have it (K-5's answer is the
    same: the others have no candidates)."""

    TIMEOUT = 0.5  # SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS of cluster_support.SETTINGS

    def timed_send(self, sender, app, receiver):
        """Seconds from a SEND to `app` to its delivery to `receiver`."""
        t0 = time.monotonic()
        self.sent(sender, message({"application": app}, {"to": app}, nonce=app), receiver, {"to": app}, app)
        return time.monotonic() - t0

    def test_K5_a_frozen_peer_delays_only_the_apps_it_has_clients_of(self):
        only_a, shared, left_b = uid("only-a"), uid("shared"), uid("left-b")
        s1, s2, s3 = (self.on(self.a, uid("fsend"), "s%d" % i) for i in (1, 2, 3))
        ra = self.on(self.a, only_a, "ra")
        sa = self.on(self.a, shared, "sa")
        self.on(self.b, shared, "sb", metadata={"never": e("boolean", True)})
        la = self.on(self.a, left_b, "la")
        lb = self.on(self.b, left_b, "lb")
        # B's client of left_b leaves: A hears that B has no client of it left
        t0 = time.time()
        lb.close()
        self.a.wait_line("peer app gone node=%s app=%s" % (self.b.id, left_b), 5.0, since=t0)
        # A SEND to an app B never had does not wait for B, nor one to an app it had no longer
        fast_before = self.timed_send(s1, only_a, ra)
        self.b.proc.send_signal(signal.SIGSTOP)
        try:
            fast = self.timed_send(s1, only_a, ra)
            gone = self.timed_send(s3, left_b, la)
            # ...but one to an app B has waits for its answer until the peer timeout (then A's client gets it)
            slow = self.timed_send(s2, shared, sa)
        finally:
            self.b.proc.send_signal(signal.SIGCONT)
        timing("SEND to an app the frozen peer does not have", fast)
        timing("SEND to an app the frozen peer had", gone)
        timing("SEND to an app the frozen peer has", slow)
        self.assertLess(fast, self.TIMEOUT / 2, "waited for a peer that has no client of the app (%.3f s before)"
                        % fast_before)
        self.assertLess(gone, self.TIMEOUT / 2, "waited for a peer whose last client of the app left")
        self.assertGreaterEqual(slow, self.TIMEOUT * 0.8, "did not ask the peer that has a client of the app")
        self.assert_alive()


# =============================================================================
class FrozenPeerCase(Base):
    """A sender's route that could take a shorter way (no peer, or one peer)
    while its earlier route still waits on a frozen peer must not overtake
    it (R-9)."""

    TIMEOUT = 6.0  # longer than a frozen peer takes to be dropped (K-3a: 2 s)
    SETTINGS = dict(cluster_support.SETTINGS, SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS=int(TIMEOUT * 1000))

    def assert_no_overtaking(self, receiver_node, frozen, second="SEND", also_on=None):
        """A client of a new app on `receiver_node` and one on `frozen` (and
        one on `also_on`); the sender on node A. The first SEND (to the
        receiver) asks `frozen` and waits for the timeout; once A dropped
        `frozen`, the second frame (a `second`, to the receiver) could go the
        short way and must still arrive second."""
        app = uid("switch")
        s = self.on(self.a, uid("wsend"), "s")
        receiver = self.on(receiver_node, app, "r", metadata={"at": e("string", "r")})
        self.on(frozen, app, "f", metadata={"at": e("string", "f")})
        if also_on is not None:
            self.on(also_on, app, "x", metadata={"at": e("string", "x")})
        to_r = lambda n, t="SEND": message({"application": app, "ops": [op("/at", "$eq", "r")]}, {"n": n},
                                           nonce="r%d" % n, t=t)
        self.sent(s, to_r(0), receiver, {"n": 0}, "r0")
        t0 = time.time()
        frozen.proc.send_signal(signal.SIGSTOP)
        try:
            s.send_json(to_r(1))  # asks the frozen peer, which has a client of the app: waits for the timeout
            self.a.wait_line("peer down node=%s" % frozen.id, DROP_WITHIN + 3.0, since=t0)
            s.send_json(to_r(2, second))
            got = [receiver.recv_json(self.TIMEOUT + 3.0), receiver.recv_json(RECV)]
        finally:
            frozen.proc.send_signal(signal.SIGCONT)
        for f, t in zip(got, ("SEND", second)):
            self.assert_delivery(f, t, f["d"]["payload"], f["d"]["nonce"])
        self.assertEqual([f["d"]["nonce"] for f in got], ["r1", "r2"], "the later frame overtook the earlier one")
        self.assertGreaterEqual(time.time() - t0, self.TIMEOUT * 0.8, "the first SEND did not wait for the peer")
        self.assert_no_reply(s)


class SwitchWhileAsking(FrozenPeerCase):
    """A query for an application no peer has is routed on the node alone
    (app_directory::local_only)."""

    def test_R9_K5_a_route_needing_no_peer_waits_for_the_senders_route_still_asking_a_dropped_peer(self):
        self.assert_no_overtaking(self.a, self.b)  # then no peer has the app


class SwitchToForwarding(FrozenPeerCase):
    """A route for an application that only one peer may have is forwarded to
    it (forwarding.cpp, plan_for_peers)."""

    def test_R9_K5_a_route_for_the_one_peer_left_waits_for_the_senders_route_still_asking_a_dropped_peer(self):
        self.assert_no_overtaking(self.b, self.c)  # then only B may have the app


class SwitchToSpread(FrozenPeerCase):
    """A BROADCAST for an application several nodes may have is spread to
    them (forwarding.cpp, plan_for_peers)."""

    def test_R9_K5_a_broadcast_that_could_be_spread_waits_for_the_senders_route_still_asking_a_dropped_peer(self):
        self.assert_no_overtaking(self.b, self.c, second="BROADCAST", also_on=self.a)  # then A and B have it


# =============================================================================
class RedisOutage(Base):
    """Redis stops: current peers keep routing (K-3). Redis returns: a fourth
    node joins."""

    def test_K3_routing_survives_a_redis_outage_and_a_new_node_joins_when_it_returns(self):
        app = uid("out")
        clients = [self.on(n, app, "p-" + n.label.lower(), metadata={"at": e("string", n.label)})
                   for n in self.nodes]
        pa, pb, pc = clients

        def to(label, payload, nonce):
            return message({"application": app, "ops": [op("/at", "$eq", label)]}, payload, nonce=nonce)

        self.sent(pa, to("C", 0, "0"), pc, 0, "0")

        t0 = time.time()
        self.cluster.redis.stop()
        time.sleep(3.5)   # longer than a record's time to live and several membership rounds
        self.assert_alive()
        for sender, receiver in ((pa, pc), (pc, pb), (pb, pa), (pa, pb)):
            with self.subTest(sender=sender.client_id, receiver=receiver.client_id):
                p = {"from": sender.client_id, "during": "outage"}
                self.sent(sender, to(receiver.at.label, p, "o"), receiver, p, "o")
        got = self.deliver(pb, message({"application": app}, "all", t="BROADCAST"), clients)
        self.assert_reached(got, clients, {0, 1, 2}, "BROADCAST", "all", None)
        # new clients on one node are visible to the others; ids stay unique
        late = self.on(self.b, app, "late", metadata={"at": e("string", "late")})
        self.sent(pc, to("late", "hi", "late"), late, "hi", "late")
        dup = self.connect(node_=self.c)
        dup.send_json({"op": 1, "d": {"client_id": "late", "application_id": app}})
        self.assert_fatal(dup, "late: already registered for app %s" % app)
        self.assertEqual(self.ids(self.query_nodes(pa, {"application": app})),
                         [(app, "late"), (app, "p-a"), (app, "p-b"), (app, "p-c")])
        for n in self.nodes:
            self.assertEqual(n.find("peer down node=", since=t0), [], "K-3: %r dropped a live peer\n%s"
                             % (n, n.tail()))
            logged = [l for l in n.find("", since=t0)
                      if "redis" in l.lower() and line_level(l) in ("WARN", "ERROR")]
            self.assertEqual(len(logged), 1, "K-3: the outage is logged once on node %s: %r" % (n.label, logged))

        t1 = time.time()
        self.cluster.redis.start()
        d = self.cluster.add_node(label="D")
        worst = self.cluster.wait_peers(self.nodes + [d], NEW_NODE_AFTER_REDIS, since=t1, new=d)
        timing("slowest peer up of the new node after Redis returned", worst)
        pd = self.on(d, app, "p-d", metadata={"at": e("string", "D")})
        self.sent(pa, to("D", "to d", "d"), pd, "to d", "d")
        self.sent(pd, to("C", "from d", "d"), pc, "from d", "d")
        self.assertEqual(self.ids(self.query_nodes(pd, {"application": app})),
                         [(app, "late"), (app, "p-a"), (app, "p-b"), (app, "p-c"), (app, "p-d")])
        for n in self.nodes:
            self.assertEqual(n.find("peer down node=", since=t0), [], n.tail())
        self.assert_alive(*(self.nodes + [d]))


# =============================================================================
class WrongCookie(Base):
    """A node with another COOKIE (same Redis, same cluster name) never becomes
    a peer: nothing crosses in either direction (K-4, K-7b)."""

    @classmethod
    def setUpClients(cls):
        cls.app = uid("ck")
        cls.bad = cls.cluster.add_node(cookie=WRONG_COOKIE, label="X")
        cls.good = []
        for n, cid in ((cls.a, "g1"), (cls.b, "g2"), (cls.c, "g3")):
            cls.good += cls.open_on(n, [{"client_id": cid, "app": cls.app,
                                         "metadata": {"side": e("string", "good")}}])
        cls.x = cls.open_on(cls.bad, [{"client_id": "x1", "app": cls.app,
                                       "metadata": {"side": e("string", "bad")}}])[0]
        # K-3a: a node with the right cookie would be a peer within 2 s
        time.sleep(max(0.0, cls.bad.started + 3.0 - time.time()))

    def test_K7b_it_never_becomes_a_peer_and_each_good_node_logs_it_once(self):
        bad = self.bad
        self.assertEqual([l for l in bad.lines() if "peer up node=" in l], [], bad.tail())
        for n in self.nodes:
            with self.subTest(node=n.label):
                self.assertEqual(n.find("peer up node=%s" % bad.id), [], n.tail())
                self.assertEqual(n.peers_up(), {m.id for m in self.nodes if m is not n})
                logged = [l for l in n.lines() if bad.id in l
                          and "cookie" in l.replace(self.cluster.name, "").lower()
                          and line_level(l) in ("INFO", "WARN", "ERROR")]
                self.assertEqual(len(logged), 1, "K-7b: node %s logs the bad node once: %r\n%s"
                                 % (n.label, logged, n.tail()))
                self.assertEqual(n.find("peer down node="), [], n.tail())
        self.assert_alive(*(self.nodes + [bad]))

    def test_K7b_its_clients_are_invisible_to_the_cluster_and_vice_versa(self):
        want_good = [(self.app, "g1"), (self.app, "g2"), (self.app, "g3")]
        for ws in self.good:
            with self.subTest(node=ws.at.label):
                self.assertEqual(self.ids(self.query_nodes(ws, {"application": self.app})), want_good)
                self.assertEqual(self.ids(self.http_query(ws.at, {"application": self.app})), want_good)
        self.assertEqual(self.ids(self.query_nodes(self.x, {"application": self.app})), [(self.app, "x1")])
        self.assertEqual(self.ids(self.http_query(self.bad, {"application": self.app})), [(self.app, "x1")])

    def test_K7b_nothing_it_sends_is_delivered_and_nothing_reaches_it(self):
        x, g1 = self.x, self.good[0]
        to_good = message({"application": self.app, "ops": [op("/side", "$eq", "good")]}, "in", nonce="in")
        x.send_json(to_good)
        self.assert_no_route(x, to_good)
        to_bad = message({"application": self.app, "ops": [op("/side", "$eq", "bad")]}, "out", nonce="out")
        for ws in self.good:
            ws.send_json(to_bad)
            self.assert_no_route(ws, to_bad)
        # BROADCAST to the whole application from either side stays on that side
        got = self.deliver(g1, message({"application": self.app}, "good side", t="BROADCAST"), self.good)
        self.assert_reached(got, self.good, {0, 1, 2}, "BROADCAST", "good side", None)
        x.send_json(message({"application": self.app}, "bad side", t="BROADCAST"))
        self.recv_delivery(x, "BROADCAST", "bad side")   # R-8: only itself
        self.assert_no_reply(x)
        got = self.fence_apps(g1, self.good)
        self.assertEqual(got, [[], [], []], "frames from the bad node reached good clients")
        self.assert_silent(x, 0.5)

    def test_K7_K7b_ids_are_not_checked_against_it(self):
        app = uid("cktwin")
        held_good = self.on(self.a, app, "t1")
        held_bad = self.on(self.bad, app, "u1")
        for n, cid in ((self.bad, "t1"), (self.b, "u1")):
            with self.subTest(node=n.label, client=cid):
                twin = self.on(n, app, cid)
                self.heartbeat(twin)
        self.heartbeat(held_good)
        self.heartbeat(held_bad)

    def test_K8_K7b_client_updates_do_not_cross(self):
        sa = self.on(self.a, uid("cksub"), "sa", receive_client_updates=True)
        sx = self.on(self.bad, uid("cksub"), "sx", receive_client_updates=True)
        self.wait_event(sa, connected(sa))
        self.wait_event(sx, connected(sx))
        app = uid("ckev")
        on_bad = self.on(self.bad, app, "on-bad")
        on_good = self.on(self.c, app, "on-good")
        seen_a = self.events(sa, [connected(on_good)], lambda a, c: a == app, quiet=EVENTS_WITHIN + 0.5)
        seen_x = self.events(sx, [connected(on_bad)], lambda a, c: a == app, quiet=0.2)
        self.assertEqual(seen_a, [connected(on_good)], "subscriber on a good node")
        self.assertEqual(seen_x, [connected(on_bad)], "subscriber on the bad node")


if __name__ == "__main__":
    unittest.main()
