"""Transparent routing over a real cluster (spec section 14: K-3…K-8, with
D-3, D-5, D-6, R-3, R-5, C-*, H-4, T-3, T-4; CFG-11…17).

Every class starts its own redis-server on a free loopback port and three
real singyeong nodes (SINGYEONG_BIN with CLUSTERING=true; see
cluster_support.py), waits until each node logs "peer up node=<id>" for the
two others, and stops everything in tearDownClass (SIGTERM, exit status 0
within 5 s; then Redis). The non-destructive tests share one cluster;
kill -9, the Redis outage and the wrong cookie have classes of their own.

What crossed a node is read back with the fence of routing_support (a
BROADCAST marker from the same sender, ordered after the frames under test by
R-9 / K-7a), so "nobody else got anything" needs no sleeping.
"""

import json
import os
import random
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_support  # noqa: E402  (puts tests/e2e on sys.path)
from cluster_support import WRONG_COOKIE, ClusterCase, line_level, timing  # noqa: E402
from harness import RECV, uid  # noqa: E402
from routing_support import connected, disconnected, e, message, op, rendezvous_pick  # noqa: E402
from varied_support import F, VariedChecks, fill, matching  # noqa: E402
import wsclient  # noqa: E402

cluster_support.install_sigterm_handler()

LOOPBACK = "127.0.0.1"
DROP_WITHIN = 2.0       # K-3a: a dead peer is dropped within 2 s
REJOIN_WITHIN = 3.0     # K-3a: a node that comes back is a peer again within 3 s
EVENTS_WITHIN = 1.0     # K-3a: client-update events cross nodes within 1 s
NEW_NODE_AFTER_REDIS = 10.0   # "a new node joins after Redis returns" (membership back-off, K-3)


def plain_metadata(**extra):
    """Reserved metadata of an ordinary loopback client (H-13), plus `extra`."""
    md = {"restricted": False, "encoding": "json", "ip": LOOPBACK, "namespace": None,
          "receive_client_updates": False}
    md.update(extra)
    return md


class Base(ClusterCase):
    """Helpers shared by the cluster classes."""

    def ids(self, nodes):
        return [(n["app_id"], n["client_id"]) for n in nodes]

    def ws_ids(self, clients):
        return sorted(((ws.app, ws.client_id) for ws in clients), key=lambda k: (k[0].encode(), k[1].encode()))

    def sent(self, sender, frame, receiver, payload, nonce=None, t="SEND"):
        """`frame` from `sender` reaches `receiver` with the exact D-3 frame."""
        sender.send_json(frame)
        return self.recv_delivery(receiver, t, payload, nonce)

    def wait_event(self, ws, want, timeout=RECV):
        """Read CLIENT_* events from subscriber `ws` until `want` (t, app, id);
        returns the monotonic arrival time. Other CLIENT_* events are skipped;
        any other frame fails."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("%s/%s: %r not seen within %.1f s; skipped %r"
                          % (ws.app, ws.client_id, want, timeout, skipped[:10]))
            try:
                f = ws.recv_json(left)
            except wsclient.RecvTimeout:
                continue
            at = time.monotonic()
            self.assertIn(f.get("t"), ("CLIENT_CONNECTED", "CLIENT_DISCONNECTED"), "unexpected frame %r" % (f,))
            p = f["d"]["payload"]
            self.assert_client_event(f, f["t"], p.get("app"), p.get("client_id"))
            ev = (f["t"], p["app"], p["client_id"])
            if ev == want:
                return at
            skipped.append(ev)


# =============================================================================
class RoutingAcrossNodes(VariedChecks, Base):
    """One healthy three-node cluster shared by every test of the class."""

    def test_K5_D3_SEND_by_metadata_reaches_a_client_on_another_node_with_the_exact_frame(self):
        app = uid("send")
        s = self.on(self.a, uid("sender"), "s")
        ra = self.on(self.a, app, "ra", metadata={"zone": e("string", "a")})
        rb = self.on(self.b, app, "rb", metadata={"zone": e("string", "b")})
        rc = self.on(self.c, app, "rc", metadata={"zone": e("string", "c")})
        clients = [ra, rb, rc]
        payload = {"hello": "from A", "n": [1, 2.5, None, True], "m": {"k": "v"}}
        frame = message({"application": app, "ops": [op("/zone", "$eq", "c")]}, payload, nonce="n-1")
        got = self.deliver(s, frame, clients)
        self.assert_reached(got, clients, {2}, "SEND", payload, "n-1")
        # legacy ops, no nonce, from C back to A
        frame = message({"application": app, "ops": [{"zone": {"$eq": "a"}}]}, "text payload")
        got = self.deliver(rc, frame, clients)
        self.assert_reached(got, clients, {0}, "SEND", "text payload", None)
        # null payload, from B to C
        frame = message({"application": app, "ops": [op("/zone", "$eq", "c")]}, None, nonce=None)
        got = self.deliver(rb, frame, clients)
        self.assert_reached(got, clients, {2}, "SEND", None, None)
        # D-4: nothing comes back to the senders
        for ws in (s, rb):
            self.assert_no_reply(ws)

    def test_K5_a_target_repeated_frame_after_frame_reaches_the_other_nodes_every_time(self):
        # the sender's node decodes a repeated d.target once (issue 6); its peers get it with each frame
        app = uid("again")
        s = self.on(self.a, uid("asend"), "s")
        ra = self.on(self.a, app, "ra", metadata={"zone": e("string", "y")})
        rb = self.on(self.b, app, "rb", metadata={"zone": e("string", "x")})
        rc = self.on(self.c, app, "rc", metadata={"zone": e("string", "x")})
        target = {"application": app, "ops": [op("/zone", "$eq", "x")]}
        for i in range(4):
            s.send_json(message(target, {"i": i}, nonce="b%d" % i, t="BROADCAST"))
        for i in range(6):
            s.send_json(message(target, {"i": 4 + i}, nonce="s%d" % i))
        got = self.fence_apps(s, [ra, rb, rc])
        self.assertEqual(got[0], [], "zone y must get nothing")
        sends = []
        for frames in got[1:]:
            self.assertEqual([f["d"]["payload"]["i"] for f in frames if f["t"] == "BROADCAST"], [0, 1, 2, 3])
            sends += [f["d"]["payload"]["i"] for f in frames if f["t"] == "SEND"]
        self.assertEqual(sorted(sends), list(range(4, 10)))
        nowhere = {"application": app, "ops": [op("/zone", "$eq", "nowhere")]}
        for i in range(3):
            f = message(nowhere, i, nonce="nw%d" % i)
            s.send_json(f)
            self.assert_no_route(s, f)
        self.assert_no_reply(s)

    def test_K5_a_target_varying_in_one_integer_reaches_the_client_with_that_id_on_any_node_every_time(self):
        # the sender's node may route a target that repeats its last one with another integer
        # without parsing it (issue 6); its peers must get each frame's target as sent
        app, key = uid("vary"), uid("vid")  # a key of its own: the last shape names no application
        s = self.on(self.a, uid("vsend"), "s")
        ids = ((self.a, [1, -1, 17]), (self.b, [2, 4093, 0, 123456789012345678]),
               (self.c, [3, 5, -17, 9007199254740993, 9007199254740992]))
        rs, values, groups = [], [], []
        for n, vs in ids:
            rs += self.many_on(n, [{"client_id": "r%s%d" % (n.label, i), "app": app,
                                    "metadata": {key: e("integer", v), "group": e("integer", i % 2)}}
                                   for i, v in enumerate(vs)])
            values += vs
            groups += [i % 2 for i in range(len(vs))]
        rng = random.Random(7)
        seq = values * 3 + [6, -6, 4094]
        rng.shuffle(seq)

        def frames(template, seq, values, ts=()):
            return [F(fill(template, v), matching(values, v), t=t,
                      reply=None if matching(values, v) else "no_route")
                    for v, t in zip(seq, ts or [rng.choice(("SEND", "BROADCAST")) for _ in seq])]

        by_id = '{"application":"%s","ops":[{"path":"/%s","op":"$eq","to":{"value":@}}]}' % (app, key)
        self.run_frames(s, rs, frames(by_id, [17, 4093] + seq, values))
        by_group = by_id.replace("/" + key, "/group")
        gs = [0, 1, 1, 0, 2, 0, 1, -1, 1, 0, 0, 1, 5, 1]
        self.run_frames(s, rs, frames(by_group, gs, groups, ["BROADCAST"] * len(gs)))
        # no application: every node answers for every application
        everywhere = '{"ops":[{"path":"/%s","op":"$eq","to":{"value":@}}]}' % key
        seq = values * 2 + [-4093, 7777]
        rng.shuffle(seq)
        self.run_frames(s, rs, frames(everywhere, seq, values))

    def test_K5_every_node_reaches_every_node(self):
        app = uid("mesh")
        clients = [self.on(n, app, "m-" + n.label, metadata={"at": e("string", n.label)}) for n in self.nodes]
        for sender in clients:
            for receiver in clients:
                with self.subTest(sender=sender.client_id, receiver=receiver.client_id):
                    payload = {"from": sender.client_id, "to": receiver.client_id}
                    frame = message({"application": app, "ops": [op("/at", "$eq", receiver.at.label)]},
                                    payload, nonce="%s>%s" % (sender.client_id, receiver.client_id))
                    got = self.deliver(sender, frame, clients)
                    self.assert_reached(got, clients, {clients.index(receiver)}, "SEND", payload, frame["d"]["nonce"])

    def test_R3_K5_selectors_pick_over_the_union_of_all_nodes(self):
        app = uid("sel")
        # load: s1=5 (A), s7=1 (A), s4="x" (A, not a number), s2=9 (B), s5 none (B), s3=1 (C)
        specs = {
            self.a: [("s1", 5), ("s7", 1), ("s4", "x")],
            self.b: [("s2", 9), ("s5", None)],
            self.c: [("s3", 1)],
        }
        clients = []
        for n, rows in specs.items():
            for cid, load in rows:
                md = {} if load is None else {"load": e("integer" if isinstance(load, int) else "string", load)}
                clients.append(self.on(n, app, cid, metadata=md))
        by_id = {ws.client_id: i for i, ws in enumerate(clients)}
        sender = self.on(self.b, uid("selsend"), "x")
        # $min ties s3 (C) and s7 (A) at 1 -> bytewise-smallest s3; $max -> s2; $avg of 5,1,9,1 = 4 -> s1 (5)
        for selector, want in (("$min", "s3"), ("$max", "s2"), ("$avg", "s1")):
            with self.subTest(selector=selector):
                q = {"application": app, "selector": {selector: "load"}}
                payload = {"selector": selector}
                got = self.deliver(sender, message(q, payload, nonce=selector), clients)
                self.assert_reached(got, clients, {by_id[want]}, "SEND", payload, selector)
                got = self.deliver(sender, message(q, payload, nonce=selector, t="BROADCAST"), clients)
                self.assert_reached(got, clients, {by_id[want]}, "BROADCAST", payload, selector)
                for n in self.nodes:
                    ws = self.on(n, uid("selq"), "q")
                    self.assertEqual(self.ids(self.query_nodes(ws, q)), [(app, want)],
                                     "QUERY_NODES %r on %r" % (q, n))
                    self.assertEqual(self.ids(self.http_query(n, q)), [(app, want)],
                                     "POST /api/v1/query %r on %r" % (q, n))
                    ws.abort()

    def test_R5_K5_key_hashing_picks_over_the_union_of_all_nodes(self):
        app = "hash"
        placement = [("h1", self.a), ("h2", self.b), ("h3", self.c), ("h4", self.b)]
        clients = [self.on(n, app, cid) for cid, n in placement]
        members = [(app, cid) for cid, _ in placement]
        self.assertEqual(rendezvous_pick("k0", members), (app, "h3"))
        self.assertEqual(rendezvous_pick("user-9", members), (app, "h1"))
        for sender_node in (self.a, self.c):
            with self.subTest(sender=sender_node.label):
                sender = self.on(sender_node, uid("hashsend"), "s")
                keys = ["k0", "user-9"] + ["key-%d" % i for i in range(16)]
                expected = [[] for _ in clients]
                for k in keys:
                    sender.send_json(message({"application": app, "key": k}, {"key": k}, nonce=k))
                    expected[[cid for _, cid in members].index(rendezvous_pick(k, members)[1])].append(k)
                got = self.fence_apps(sender, clients)
                for ws, frames, want in zip(clients, got, expected):
                    for f in frames:
                        self.assert_delivery(f, "SEND", f["d"]["payload"], f["d"]["nonce"])
                    self.assertEqual([f["d"]["nonce"] for f in frames], want,
                                     "keys delivered to %s (on node %s)" % (ws.client_id, ws.at.label))
                self.assertEqual(got[2][0]["d"]["payload"], {"key": "k0"}, "R-5 vector: k0 -> h3")
                self.assertEqual(got[0][0]["d"]["payload"], {"key": "user-9"}, "R-5 vector: user-9 -> h1")
                # D-6: QUERY_NODES with a key still lists the whole set (no pick)
                self.assertEqual(self.ids(self.query_nodes(sender, {"application": app, "key": "k0"})), members)
                sender.abort()

    def test_R6_K5_BROADCAST_reaches_every_match_on_every_node_exactly_once(self):
        app1, app2 = uid("bca"), uid("bcb")
        tok = uid("tok")

        def md(region=None):
            m = {"tok": e("string", tok)}
            if region:
                m["region"] = e("string", region)
            return m

        a1 = self.on(self.a, app1, "a1", metadata=md("eu"))
        a2 = self.on(self.a, app1, "a2", metadata=md("us"))
        b1 = self.on(self.b, app1, "b1", metadata=md("eu"))
        c1 = self.on(self.c, app1, "c1", metadata=md("eu"))
        c2 = self.on(self.c, app1, "c2", metadata=md())
        c3 = self.on(self.c, app2, "c3", metadata=md("eu"))
        b9 = self.on(self.b, app2, "b9", metadata=md("us"))
        clients = [a1, a2, b1, c1, c2, c3, b9]
        eu = [op("/region", "$eq", "eu")]
        # the sender b1 is itself a match
        payload = {"to": "app1/eu"}
        got = self.deliver(b1, message({"application": app1, "ops": eu}, payload, nonce="b-1", t="BROADCAST"),
                           clients)
        self.assert_reached(got, clients, {0, 2, 3}, "BROADCAST", payload, "b-1")
        payload = {"to": "any app/eu"}
        got = self.deliver(a2, message({"ops": [op("/tok", "$eq", tok)] + eu}, payload, nonce="b-2",
                                       t="BROADCAST"), clients)
        self.assert_reached(got, clients, {0, 2, 3, 5}, "BROADCAST", payload, "b-2")
        payload = {"to": "app1/all"}
        got = self.deliver(c3, message({"application": app1}, payload, t="BROADCAST"), clients)
        self.assert_reached(got, clients, {0, 1, 2, 3, 4}, "BROADCAST", payload, None)
        for ws in (a2, b1, c3):
            self.assert_no_reply(ws)

    def test_D5_K5_no_route_only_when_nothing_matches_anywhere_and_droppable_is_silent(self):
        app = uid("nr")
        rb = self.on(self.b, app, "rb", metadata={"zone": e("string", "b")})
        rc = self.on(self.c, app, "rc", metadata={"zone": e("string", "c")})
        s = self.on(self.a, uid("nrsend"), "s")
        nowhere = [op("/zone", "$eq", "nowhere")]
        frames = [
            message({"application": uid("nobody")}, 1, nonce="nr-1"),
            message({"application": app, "ops": nowhere}, 2, nonce="nr-2"),
            message({"application": app, "ops": nowhere}, 3, nonce="nr-3", t="BROADCAST"),
            message({"ops": [op("/zone", "$eq", uid("nowhere"))]}, 4, nonce="nr-4"),
            message({"application": app, "ops": nowhere, "selector": {"$min": "zone"}}, 5, nonce="nr-5"),
        ]
        for f in frames:
            with self.subTest(frame=f):
                s.send_json(f)
                self.assert_no_route(s, f)
        for t in ("SEND", "BROADCAST"):
            s.send_json(message({"application": app, "ops": nowhere, "droppable": True}, 6, nonce="drop", t=t))
        self.assert_no_reply(s)
        got = self.fence_apps(s, [rb, rc])
        self.assertEqual(got, [[], []], "droppable/no_route frames must reach nobody")
        # a match on another node is not no_route
        f = message({"application": app, "ops": [op("/zone", "$eq", "c")]}, 7, nonce="nr-7")
        self.sent(s, f, rc, 7, "nr-7")
        self.assert_no_reply(s)

    def test_D6_H4_QUERY_NODES_and_HTTP_query_return_the_union_sorted_by_app_and_client_id(self):
        qa, qb = uid("qa"), uid("qb")
        mark = int(time.time() * 1000) % 1000000007
        md = {"mark": e("integer", mark)}
        placement = [(self.b, qa, "q1"), (self.c, qa, "q2"), (self.a, qa, "q3"), (self.c, qa, "Q0"),
                     (self.a, qb, "a"), (self.c, qb, "b"), (self.b, qb, "c")]
        for n, app, cid in placement:
            self.on(n, app, cid, metadata=md)
        want_a = [(qa, "Q0"), (qa, "q1"), (qa, "q2"), (qa, "q3")]
        want_all = want_a + [(qb, "a"), (qb, "b"), (qb, "c")]
        cases = [({"application": qa}, want_a),
                 ({"ops": [op("/mark", "$eq", mark)]}, want_all),
                 ({"application": qb, "ops": [{"mark": {"$gte": mark}}]}, want_all[4:]),
                 ({"application": qa, "ops": [op("/mark", "$ne", mark)], "optional": True}, want_a),
                 ({"application": qa, "ops": [op("/mark", "$ne", mark)]}, [])]
        for n in self.nodes:
            asker = self.on(n, uid("qask"), "asker")
            for q, want in cases:
                with self.subTest(node=n.label, query=q):
                    nodes = self.query_nodes(asker, q)
                    self.assertEqual(self.ids(nodes), want, "QUERY_NODES on node %s" % n.label)
                    for item, (app, cid) in zip(nodes, want):
                        self.check_node(item, app, cid, plain_metadata(mark=mark), {"mark": "integer"}, LOOPBACK)
                    # D-6: {"target": query} form
                    self.assertEqual(self.ids(self.query_nodes(asker, {"target": q, "ignored": 1})), want)
                    body = self.http_query(n, q)
                    self.assertIsInstance(body, list, body)
                    self.assertEqual(self.ids(body), want, "POST /api/v1/query on node %s" % n.label)
                    for item, (app, cid) in zip(body, want):
                        self.check_node(item, app, cid, plain_metadata(mark=mark), {"mark": "integer"}, LOOPBACK)
            self.assert_no_reply(asker)

    def discovered(self, n, tags):
        path = "/api/v1/discovery/tags?q=" + urllib.parse.quote(json.dumps(tags), safe="")
        status, h, body = n.http("GET", path)
        self.assertEqual(status, 200, "GET %s on node %s: %r" % (path, n.label, body[:300]))
        doc = json.loads(body.decode("utf-8"))
        self.assertEqual(set(doc), {"status", "result"}, doc)
        self.assertEqual(doc["status"], "ok", doc)
        return doc["result"]

    def tagged_apps(self):
        """d1: tag tx on A, ty on C (pooled across nodes); d2: both on B;
        d3: tx only (A and C). Returns (tx, ty, d1, d2, d3, clients)."""
        tx, ty = uid("tx"), uid("ty")
        d1, d2, d3 = uid("da"), uid("db"), uid("dc")
        clients = [
            self.on(self.a, d1, "d1-a", tags=[tx], metadata={"n": e("integer", 1)}),
            self.on(self.c, d1, "d1-c", tags=[ty, "other"], metadata={"n": e("integer", 2)}),
            self.on(self.b, d2, "d2-b", tags=[tx, ty], metadata={"n": e("integer", 2)}),
            self.on(self.a, d3, "d3-a", tags=[tx]),
            self.on(self.c, d3, "d3-c", tags=[tx, "other"]),
        ]
        return tx, ty, d1, d2, d3, clients

    def test_P3_K5_a_proxy_request_on_one_node_reaches_the_service_of_a_client_on_another(self):
        import http.server
        import threading

        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                body = b"from-upstream"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        app = uid("px")
        c_node = self.nodes[2]
        self.on(c_node, app, "svc", ip="127.0.0.1:%d" % server.server_address[1])
        for n in self.nodes[:2]:
            with self.subTest(node=n.label):
                status, h, body = n.http("POST", "/api/v1/proxy", headers={"Content-Type": "application/json"},
                                         body=json.dumps({"method": "GET", "route": "/x?y=%s" % n.label,
                                                          "query": {"application": app}}).encode("utf-8"))
                self.assertEqual(status, 200, body)
                self.assertEqual(body, b"from-upstream")
                self.assertEqual(seen[-1], "/x?y=%s" % n.label)

    def test_T3_K5_discovery_by_tags_pools_tags_across_nodes(self):
        tx, ty, d1, d2, d3, _ = self.tagged_apps()
        for n in self.nodes:
            with self.subTest(node=n.label):
                self.assertEqual(self.discovered(n, [tx, ty]), sorted([d1, d2]),
                                 "T-2/T-3: %s pools tx (node A) and ty (node C)" % d1)
                self.assertEqual(self.discovered(n, [tx]), sorted([d1, d2, d3]))
                self.assertEqual(self.discovered(n, [ty, "other"]), [d1])
                self.assertEqual(self.discovered(n, [uid("none")]), [])

    def test_T4_K5_an_application_tag_array_resolves_over_tags_pooled_across_nodes(self):
        tx, ty, d1, d2, d3, clients = self.tagged_apps()
        # [tx, ty] matches d1 (pooled over A and C) and d2; the smallest is d1.
        sender = self.on(self.b, uid("tagsend"), "s")
        q = {"application": [tx, ty], "ops": [op("/n", "$eq", 2)]}
        payload = {"tags": "resolved"}
        got = self.deliver(sender, message(q, payload, nonce="t-1"), clients)
        self.assert_reached(got, clients, {1}, "SEND", payload, "t-1")
        for n in self.nodes:
            ws = self.on(n, uid("tagq"), "q")
            with self.subTest(node=n.label):
                self.assertEqual(self.ids(self.query_nodes(ws, {"application": [tx, ty]})),
                                 [(d1, "d1-a"), (d1, "d1-c")])
                self.assertEqual(self.ids(self.http_query(n, {"application": [ty, "other"]})),
                                 [(d1, "d1-a"), (d1, "d1-c")])
            ws.abort()
        payload = {"tags": "broadcast"}
        got = self.deliver(sender, message({"application": [tx, ty]}, payload, t="BROADCAST"), clients)
        self.assert_reached(got, clients, {0, 1}, "BROADCAST", payload, None)

    def test_K7_a_client_id_is_unique_per_application_across_the_cluster(self):
        app = uid("dup")
        x = self.on(self.a, app, "x")
        for n in (self.b, self.c, self.a):
            with self.subTest(node=n.label):
                ws = self.connect(node_=n)
                ws.send_json({"op": 1, "d": {"client_id": "x", "application_id": app}})
                self.assert_fatal(ws, "x: already registered for app %s" % app)
        self.heartbeat(x)   # the holder is undisturbed
        self.on(self.b, app, "y")          # another id of the same application
        self.on(self.c, uid("dup2"), "x")  # the same id in another application
        # once the holder is gone, another node may take the id
        x.close()
        deadline = time.monotonic() + 3.0
        while True:
            ws = self.connect(node_=self.c)
            ws.send_json({"op": 1, "d": {"client_id": "x", "application_id": app}})
            f = ws.recv_json(RECV)
            if f.get("op") == 2:
                self.assert_server_frame(f, 2, {"client_id": "x", "restricted": False})
                break
            self.assert_error_frame(f, 8, "x: already registered for app %s" % app)
            ws.abort()
            self.assertLess(time.monotonic(), deadline, "id still held 3 s after its holder closed")
            time.sleep(0.05)
        ws.client_id, ws.app = "x", app
        self.heartbeat(ws)
        other = self.connect(node_=self.a)
        other.send_json({"op": 1, "d": {"client_id": "x", "application_id": app}})
        self.assert_fatal(other, "x: already registered for app %s" % app)

    def test_K8_C2_C3_client_updates_reach_subscribers_on_every_node_within_1s(self):
        subs = []
        for n in self.nodes:
            s = self.on(n, uid("sub"), "sub-" + n.label, receive_client_updates=True)
            self.wait_event(s, connected(s))
            subs.append(s)
        for subject_node in (self.c, self.a):
            with self.subTest(subject_on=subject_node.label):
                x = self.on(subject_node, uid("subject"), "x")
                ready_at = time.monotonic()
                for s in subs:
                    took = self.wait_event(s, connected(x)) - ready_at
                    timing("CLIENT_CONNECTED %s -> %s" % (subject_node.label, s.at.label), took)
                    self.assertLessEqual(took, EVENTS_WITHIN, "C-2 on node %s" % s.at.label)
                x.close()
                closed_at = time.monotonic()
                for s in subs:
                    took = self.wait_event(s, disconnected(x)) - closed_at
                    timing("CLIENT_DISCONNECTED %s -> %s" % (subject_node.label, s.at.label), took)
                    self.assertLessEqual(took, EVENTS_WITHIN, "C-3 on node %s" % s.at.label)
                for s in subs:   # exactly once (C-3), nothing more about x
                    self.assertEqual(self.events(s, [], lambda app, cid: app == x.app, quiet=0.3), [],
                                     "duplicate events on node %s" % s.at.label)

    def test_K7a_R9_frames_from_one_sender_arrive_in_order_across_nodes(self):
        app = uid("order")
        rc = self.on(self.c, app, "rc", metadata={"at": e("string", "c")})
        rb = self.on(self.b, app, "rb", metadata={"at": e("string", "b")})
        ra = self.on(self.a, app, "ra", metadata={"at": e("string", "a")})
        s = self.on(self.a, uid("osend"), "s")
        want = {"c": [], "b": [], "a": []}
        frames = []
        for i in range(400):
            at = "c" if i % 2 == 0 else ("b" if i % 4 == 1 else "a")   # 200 to C, 100 each to B and A
            want[at].append(i)
            frames.append(wsclient.build_frame(wsclient.OP_TEXT, json.dumps(
                message({"application": app, "ops": [op("/at", "$eq", at)]}, {"seq": i}, nonce=str(i)))))
        s.send_raw(b"".join(frames))
        for ws, at in ((rc, "c"), (rb, "b"), (ra, "a")):
            got = []
            for _ in want[at]:
                f = ws.recv_json(RECV)
                self.assert_delivery(f, "SEND", f["d"]["payload"], f["d"]["nonce"])
                got.append(f["d"]["payload"]["seq"])
            self.assertEqual(got, want[at], "order at node %s" % at.upper())
        self.assert_no_reply(s)


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
        self.recv_delivery(x, "BROADCAST", "bad side")   # only itself
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
