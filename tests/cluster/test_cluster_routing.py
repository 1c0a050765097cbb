"""Transparent routing over a real cluster (spec section 14: K-5…K-8, with
D-3, D-5, D-6, R-3, R-5, R-6, R-9, C-*, H-4, P-3, T-3, T-4; CFG-11…17).

The class starts its own redis-server on a free loopback port and three
real singyeong nodes (SINGYEONG_BIN with CLUSTERING=true; see
cluster_support.py), waits until each node logs "peer up node=<id>" for the
two others, and stops everything in tearDownClass (SIGTERM, exit status 0
within 5 s; then Redis). Every test shares the one healthy cluster; kill -9,
the Redis outage and the wrong cookie are in test_cluster_failures.py.

What crossed a node is read back with the fence of routing_support (a
BROADCAST marker from the same sender, ordered after the frames under test by
R-9 / K-7a), so "nobody else got anything" needs no sleeping.
"""

import json
import os
import random
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_support  # noqa: E402  (puts tests/e2e on sys.path)
from cluster_cases import EVENTS_WITHIN, LOOPBACK, Base, plain_metadata  # noqa: E402
from cluster_support import timing  # noqa: E402
from harness import RECV, uid  # noqa: E402
from routing_support import connected, disconnected, e, message, op, rendezvous_pick  # noqa: E402
from varied_support import F, VariedChecks, fill, matching  # noqa: E402
import wsclient  # noqa: E402

cluster_support.install_sigterm_handler()


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

    def test_K5_a_peers_first_client_of_an_app_is_reached_as_soon_as_it_is_ready_and_after_it_is_replaced(self):
        # A node asks only the peers that may have an application's clients
        # (router_state::peer_apps). A peer notes an app as the other node's
        # before that node admits its first client (K-7's question), and
        # forgets it when the last one leaves unless another is being
        # admitted; so a SEND right after ready, and right after the only
        # client left while its successor identified, must still arrive.
        s = self.on(self.a, uid("first-send"), "s")
        for i in range(40):
            app = uid("first")
            at = (self.b, self.c)[i % 2]
            r = self.on(at, app, "r%d" % i)
            self.sent(s, message({"application": app}, {"i": i}, nonce="n%d" % i), r, {"i": i}, "n%d" % i)
            r2 = self.connect(node_=at)
            r2.send_json({"op": 1, "d": {"client_id": "q%d" % i, "application_id": app}})
            r.close()  # the last client leaves while the next one is being admitted
            self.assert_server_frame(r2.recv_json(RECV), 2, {"client_id": "q%d" % i, "restricted": False})
            self.sent(s, message({"application": app}, {"again": i}, nonce="m%d" % i), r2, {"again": i}, "m%d" % i)
            r2.close()
        f = message({"application": app}, "nobody", nonce="x")
        s.send_json(f)
        self.assert_no_route(s, f)

    def test_K5_an_app_only_one_node_has_is_reached_on_a_peer_as_soon_as_the_peer_has_a_client_of_it(self):
        # A client routes to an application no peer has straight to the app
        # actor of its node (app_directory::local_only), as a single node
        # does. The moment a peer's client of that app is ready, the next
        # SEND for it must reach the peer; once it left, the local client
        # keeps getting everything, in order, across each switch (the
        # switches back come with the peer's p_app_gone, unobservable here).
        app = uid("local")
        s = self.on(self.a, uid("lsend"), "s")
        ra = self.on(self.a, app, "ra", metadata={"at": e("string", "a")})
        n = 0
        to_a = lambda: message({"application": app, "ops": [op("/at", "$eq", "a")]}, {"n": n}, nonce="a%d" % n)
        self.sent(s, to_a(), ra, {"n": 0}, "a0")
        for i in range(20):
            at = (self.b, self.c)[i % 2]
            r = self.on(at, app, "p%d" % i, metadata={"at": e("string", "peer")})
            frame = message({"application": app, "ops": [op("/at", "$eq", "peer")]}, {"i": i}, nonce="p%d" % i)
            self.sent(s, frame, r, {"i": i}, "p%d" % i)
            n += 1
            self.sent(s, to_a(), ra, {"n": n}, "a%d" % n)
            r.close()
        # a stream to the local client while peers' clients of the app come and go
        stop, cycles, churn_error = threading.Event(), [0], []

        def churn():
            try:
                while not stop.is_set():
                    k = cycles[0]
                    r = self.on((self.b, self.c)[k % 2], app, "c%d" % k, metadata={"at": e("string", "peer")})
                    r.close()
                    cycles[0] += 1
            except Exception as x:  # reported by the main thread
                churn_error.append(x)
        t = threading.Thread(target=churn)
        t.start()
        sent = 0
        try:
            while (sent < 1000 or cycles[0] < 30) and sent < 50000 and not churn_error:
                frames = [wsclient.build_frame(wsclient.OP_TEXT, json.dumps(
                    message({"application": app, "ops": [op("/at", "$eq", "a")]}, {"seq": sent + j},
                            nonce=None)).encode()) for j in range(50)]
                s.send_raw(b"".join(frames))
                sent += 50
                time.sleep(0.002)
        finally:
            stop.set()
            t.join()
        self.assertEqual(churn_error, [])
        self.assertGreaterEqual(cycles[0], 30, "peers' clients came and went during the stream")
        got = [ra.recv_json(RECV)["d"]["payload"]["seq"] for _ in range(sent)]
        self.assertEqual(got, list(range(sent)), "order at the local client across the switches")
        self.assert_no_reply(s)

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
        self.assert_unroutable(s, frames, {"application": app, "ops": nowhere}, [rb, rc])
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

    def test_L16_K5_a_SEND_to_the_sender_itself_comes_after_the_replies_to_earlier_frames(self):
        # R-8 across nodes: while SENDs to a client on another node are still
        # being routed, a heartbeat is acked before the sender gets its own
        # copy of a later SEND, the copy a local application delivers.
        far_app, self_app = uid("far"), uid("self")
        far = self.on(self.b, far_app, "far", metadata={"id": e("integer", 0)})
        s = self.on(self.a, self_app, "s", metadata={"id": e("integer", 0)})

        def to(app, nonce):
            return wsclient.build_frame(wsclient.OP_TEXT, json.dumps(
                message({"application": app, "ops": [op("/id", "$eq", 0)]}, {"n": nonce}, nonce=nonce)).encode())
        heartbeat = wsclient.build_frame(wsclient.OP_TEXT, json.dumps({"op": 5, "d": {"client_id": "s"}}).encode())
        frames, want = [], []
        for i in range(30):
            frames += [to(far_app, "far-%d-%d" % (i, j)) for j in range(10)]
            frames += [heartbeat, to(self_app, "self-%d" % i)]
            want += [("ack", None), ("self", "self-%d" % i)]
        s.send_raw(b"".join(frames))
        got = []
        for _ in want:
            f = s.recv_json(RECV)
            if f.get("op") == 6:
                self.assert_server_frame(f, 6, {"client_id": "s"})
                got.append(("ack", None))
            else:
                self.assert_delivery(f, "SEND", {"n": f["d"]["nonce"]}, f["d"]["nonce"])
                got.append(("self", f["d"]["nonce"]))
        self.assertEqual(got, want)
        for i in range(300):
            self.assert_delivery(far.recv_json(RECV), "SEND", {"n": "far-%d-%d" % (i // 10, i % 10)},
                                 "far-%d-%d" % (i // 10, i % 10))
        self.assert_no_reply(s)


if __name__ == "__main__":
    unittest.main()
