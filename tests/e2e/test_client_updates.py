"""CLIENT_CONNECTED / CLIENT_DISCONNECTED: spec C-1..C-5, with L-4, L-7, L-18,
A-6 and M-4.

Every test uses its own application ids and only looks at events about them
(a subscriber also sees the comings and goings of other tests' clients)."""

import unittest

from harness import RECV, uid
from routing_support import ABSENT, RoutingCase, connected, disconnected


class ClientUpdates(RoutingCase):
    def subscriber(self, app=None, cid=None, **fields):
        return self.client(app=app, cid=cid, receive_client_updates=True, **fields)

    def mine(self, app_prefix):
        return lambda app, cid: app.startswith(app_prefix)

    def test_C1_C2_a_subscriber_gets_CLIENT_CONNECTED_for_itself_after_its_ready(self):
        pre = uid("self")
        s = self.subscriber(app=pre)
        # identify() has read ready first; the first event about s is its own CONNECTED
        self.assertEqual(self.events(s, [connected(s)], self.mine(pre)), [connected(s)])

    def test_C2_every_subscriber_in_every_application_gets_CLIENT_CONNECTED_for_others(self):
        pre = uid("cc")
        s1 = self.subscriber(app=pre + "-a")
        s2 = self.subscriber(app=pre + "-b")
        x = self.client(app=pre + "-c")
        y = self.client(app=pre + "-a")
        self.assertEqual(sorted(self.events(s1, [connected(s1), connected(s2), connected(x), connected(y)],
                                            self.mine(pre))),
                         sorted([connected(s1), connected(s2), connected(x), connected(y)]))
        self.assertEqual(sorted(self.events(s2, [connected(s2), connected(x), connected(y)], self.mine(pre))),
                         sorted([connected(s2), connected(x), connected(y)]))

    def leaves_once(self, how):
        pre = uid("dc")
        s = self.subscriber(app=pre + "-s")
        x = self.client(app=pre + "-x", cid="x")
        self.events(s, [connected(s), connected(x)], self.mine(pre), quiet=0)
        how(x)
        first = self.events(s, [disconnected(x)], self.mine(pre), quiet=0)
        # a later client as a marker, then a quiet spell: no second DISCONNECTED
        y = self.client(app=pre + "-y")
        rest = self.events(s, [connected(y)], self.mine(pre))
        seen = first + rest
        self.assertEqual(seen.count(disconnected(x)), 1, seen)
        self.assertEqual(seen, [disconnected(x), connected(y)], seen)
        return s

    def test_C3_L18_CLIENT_DISCONNECTED_arrives_exactly_once_when_a_client_closes(self):
        self.leaves_once(lambda x: x.close())

    def test_C3_L18_CLIENT_DISCONNECTED_arrives_exactly_once_when_a_client_drops_its_tcp_connection(self):
        self.leaves_once(lambda x: x.abort())

    def test_C3_L7_CLIENT_DISCONNECTED_arrives_exactly_once_when_a_second_identify_kicks_a_client(self):
        def kick(x):
            x.send_json({"op": 1, "d": {"client_id": x.client_id, "application_id": x.app}})
            self.assert_fatal(x, "already identified")
        self.leaves_once(kick)

    def test_C3_L15_CLIENT_DISCONNECTED_arrives_exactly_once_when_an_invalid_op_kicks_a_client(self):
        def kick(x):
            x.send_json({"op": 2, "d": None})
            self.assert_fatal(x, "invalid client op :ready")
        self.leaves_once(kick)

    def test_C3_a_subscriber_sees_another_subscriber_leave(self):
        pre = uid("ss")
        s1 = self.subscriber(app=pre)
        s2 = self.subscriber(app=pre)
        self.events(s1, [connected(s2)], self.mine(pre), quiet=0)
        s2.close()
        seen = self.events(s1, [disconnected(s2)], self.mine(pre))
        self.assertEqual(seen.count(disconnected(s2)), 1, seen)

    def test_C4_failed_identifies_and_unidentified_connections_emit_nothing(self):
        pre = uid("fail")
        s = self.subscriber(app=pre + "-s")
        x = self.client(app=pre + "-x", cid="x")
        self.events(s, [connected(s), connected(x)], self.mine(pre), quiet=0)
        attempts = [
            ("duplicate of a healthy client (L-6)", {"client_id": "x", "application_id": x.app},
             "x: already registered for app %s" % x.app, None),
            ("empty client_id (L-5)", {"client_id": "", "application_id": pre + "-bad"}, "payload has no data", None),
            ("non-string application_id (L-5)", {"client_id": "n", "application_id": 5}, "payload has no data", None),
            ("invalid initial metadata (L-9)", {"client_id": "m", "application_id": pre + "-bad",
                                                "metadata": {"k": {"type": "integer", "value": "1"}}},
             "initial metadata: invalid", {"k": "k: value fails validation for 'integer'"}),
        ]
        for label, d, error, extra in attempts:
            with self.subTest(case=label):
                ws = self.connect()
                ws.send_json({"op": 1, "d": d})
                self.assert_fatal(ws, error, extra)
        idle = self.connect()
        idle.close()
        y = self.client(app=pre + "-y")
        seen = self.events(s, [connected(y)], self.mine(pre), quiet=0.5)
        self.assertEqual(seen, [connected(y)], "events for failed identifies: %r" % (seen,))
        # the duplicate attempt did not disturb the registered client
        self.heartbeat(x)

    def test_C1_A6_restricted_clients_cannot_subscribe_but_others_see_them_come_and_go(self):
        pre = uid("rs")
        s = self.subscriber(app=pre + "-s")
        r = self.subscriber(app=pre + "-r", cid="r", restricted=True)
        x = self.client(app=pre + "-x")
        self.events(s, [connected(s), connected(r), connected(x)], self.mine(pre), quiet=0)
        # r got nothing: neither its own CONNECTED nor x's
        self.assert_silent(r, 0.3)
        self.heartbeat(r)
        nodes = self.query_nodes(s, {"application": r.app, "restricted": True})
        self.assertEqual(len(nodes), 1, nodes)
        self.assertIs(nodes[0]["metadata"]["receive_client_updates"], False, nodes)
        r.close()
        seen = self.events(s, [disconnected(r)], self.mine(pre))
        self.assertEqual(seen, [disconnected(r)])

    def test_C1_L4_only_json_true_subscribes_and_non_subscribers_get_nothing(self):
        pre = uid("ns")
        s = self.subscriber(app=pre + "-s")
        values = [("absent", ABSENT), ("false", False), ("null", None), ("string true", "true"), ("one", 1),
                  ("list", [True]), ("map", {"x": True})]
        quiet = []
        for label, v in values:
            fields = {} if v is ABSENT else {"receive_client_updates": v}
            quiet.append((label, self.client(app=pre + "-q", cid=label, **fields)))
        x = self.client(app=pre + "-x")
        x.close()
        self.events(s, [connected(x), disconnected(x)], self.mine(pre), quiet=0)
        nodes = {n["client_id"]: n for n in self.query_nodes(s, {"application": pre + "-q"})}
        for label, ws in quiet:
            with self.subTest(receive_client_updates=label):
                self.assert_silent(ws, 0.1)
                self.heartbeat(ws)
                self.assertIs(nodes[label]["metadata"]["receive_client_updates"], False, nodes[label])
        with self.subTest(receive_client_updates=True):
            self.assertIs(self.query_nodes(s, {"application": s.app})[0]["metadata"]["receive_client_updates"],
                          True)

    def test_C5_DISCONNECTED_never_comes_before_CONNECTED_for_clients_that_leave_at_once(self):
        pre = uid("c5")
        s = self.subscriber(app=pre + "-s")
        self.events(s, [connected(s)], self.mine(pre), quiet=0)
        cs = self.clients([{"client_id": "c%02d" % i, "app": pre + "-c"} for i in range(20)])
        for i, ws in enumerate(cs):
            if i % 2:
                ws.abort()
            else:
                ws.close(wait=0)
        seen = self.events(s, [disconnected(ws) for ws in cs], self.mine(pre))
        for ws in cs:
            with self.subTest(client=ws.client_id):
                self.assertEqual([ev for ev in seen if ev[2] == ws.client_id], [connected(ws), disconnected(ws)])

    def test_C5_L16_a_client_that_closes_right_after_identify_gets_ready_first_if_it_was_registered(self):
        pre = uid("race")
        s = self.subscriber(app=pre + "-s")
        self.events(s, [connected(s)], self.mine(pre), quiet=0)
        subjects = []
        for i in range(10):
            ws = self.node.ws()
            self._clients.append(ws)
            ws.client_id, ws.app = "r%d" % i, pre + "-r"
            ws.send_json({"op": 1, "d": {"client_id": ws.client_id, "application_id": ws.app}})
            ws.send_close()
            subjects.append(ws)
        before_close = {}
        for ws in subjects:
            close, msgs = ws.wait_close(RECV)
            before_close[ws.client_id] = [m.get("op") if isinstance(m, dict) else m for m in msgs]
            # end the TCP connection too, so that only the event order is tested here
            ws.abort()
        marker = self.client(app=pre + "-m")
        seen = self.events(s, [connected(marker)], self.mine(pre), quiet=0.3)
        # whoever was seen connecting must also be seen leaving
        pending = [disconnected(ws) for ws in subjects if connected(ws) in seen and disconnected(ws) not in seen]
        if pending:
            seen += self.events(s, pending, self.mine(pre), quiet=0.3)
        for ws in subjects:
            with self.subTest(client=ws.client_id):
                mine = [ev for ev in seen if ev[1] == ws.app and ev[2] == ws.client_id]
                self.assertIn(mine, ([], [connected(ws), disconnected(ws)]), seen)
                # The ready itself may be lost: once the server has answered the
                # client's close frame, RFC 6455 forbids sending it anything
                # (the server never registers a client whose close it saw first).
                self.assertIn(before_close[ws.client_id], ([0], [0, 2]),
                              "ops of the frames before the close frame")

    def test_L18_C3_a_completed_close_handshake_ends_the_registration_even_if_the_client_keeps_its_socket(self):
        pre = uid("half")
        s = self.subscriber(app=pre + "-s")
        x = self.client(app=pre + "-x", cid="x")
        self.events(s, [connected(s), connected(x)], self.mine(pre), quiet=0)
        x.send_close()
        close, msgs = x.wait_close(RECV)
        self.assertEqual(msgs, [])
        self.assertIsNotNone(close, "no close frame in answer to the client's")
        self.assertEqual(close.code, 1000, close)
        # x's TCP socket is deliberately left open: the websocket is over all the same
        seen = self.events(s, [disconnected(x)], self.mine(pre))
        self.assertEqual(seen, [disconnected(x)])
        self.assertEqual(self.query_nodes(s, {"application": x.app}), [])


if __name__ == "__main__":
    unittest.main()
