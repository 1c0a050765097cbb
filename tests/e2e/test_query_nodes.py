"""QUERY_NODES: spec D-6 with the client object of H-13, the final candidate
set of R-1 (A-5, R-3, R-1 step 6), D-7 for invalid queries."""

import unittest

from harness import RECV, uid
from routing_support import (ABSENT, RoutingCase, bytewise, disconnected, dispatch, e, message, op)


class QueryNodes(RoutingCase):
    def asker(self):
        return self.client(app=uid("asker"))

    def test_D6_H13_the_result_is_the_exact_client_object_with_every_reserved_key(self):
        app = uid("qn")
        md = {"latency": e("integer", 50), "f": e("float", 1.5), "s": e("string", "x"), "v": e("version", "1.2.3"),
              "l": e("list", [1, "a", {"b": None}]), "l2": e("list", "[1, 2]"), "b": e("boolean", True),
              "m": e("map", {"k": [1]})}
        self.client(app=app, cid="a", metadata=md, namespace="ns1", ip="10.0.0.5", tags=["t1", "t2"],
                    receive_client_updates=True)
        self.client(app=app, cid="b")
        self.client(app=app, cid="r", restricted=True, ip="10.9.9.9", tags=["t3"], receive_client_updates=True,
                    namespace="rns")
        nodes = self.query_nodes(self.asker(), {"application": app, "restricted": True})
        self.assertEqual(self.node_ids(nodes), [(app, "a"), (app, "b"), (app, "r")], nodes)
        with self.subTest(client="a: all seven types, namespace, ip, tags, subscribed"):
            self.check_node(nodes[0], app, "a",
                            {"latency": 50, "f": 1.5, "s": "x", "v": "1.2.3", "l": [1, "a", {"b": None}],
                             "l2": [1, 2], "b": True, "m": {"k": [1]}, "restricted": False, "encoding": "json",
                             "ip": "10.0.0.5", "namespace": "ns1", "receive_client_updates": True},
                            {"latency": "integer", "f": "float", "s": "string", "v": "version", "l": "list",
                             "l2": "list", "b": "boolean", "m": "map"},
                            "10.0.0.5", ["t1", "t2"])
        with self.subTest(client="b: defaults"):
            self.check_node(nodes[1], app, "b", {"restricted": False, "encoding": "json", "ip": "127.0.0.1",
                                                 "namespace": None, "receive_client_updates": False},
                            {}, "127.0.0.1")
        with self.subTest(client="r: restricted, so no ip, tags or subscription (A-6)"):
            self.check_node(nodes[2], app, "r", {"restricted": True, "encoding": "json", "ip": None,
                                                 "namespace": "rns", "receive_client_updates": False},
                            {}, None)

    def test_L9_socket_ip_is_a_non_empty_string_ip_from_identify_or_else_the_peer_address(self):
        app = uid("ip")
        cases = [("url", "http://example.test:8080", "http://example.test:8080"),
                 ("host-port", "svc.internal:3000", "svc.internal:3000"),
                 ("empty", "", "127.0.0.1"), ("number", 5, "127.0.0.1"), ("null", None, "127.0.0.1")]
        for cid, ip, _ in cases:
            self.client(app=app, cid=cid, ip=ip)
        nodes = {n["client_id"]: n for n in self.query_nodes(self.asker(), {"application": app})}
        for cid, _, want in cases:
            with self.subTest(ip=cid):
                self.assertEqual(nodes[cid]["socket_ip"], want, nodes[cid])
                self.assertEqual(nodes[cid]["metadata"]["ip"], want, nodes[cid])

    def test_D6_nodes_are_sorted_bytewise_by_app_id_then_client_id(self):
        pre, mark = uid("sort"), uid("mark")
        apps = [pre + "b", pre + "B", pre + "a", pre + "_"]
        cids = ["b", "a", "B", "_", "aa", "\u00e9", "Z", "a b", "10", "9"]
        specs = [{"client_id": c, "app": apps[(i + j) % len(apps)], "metadata": {"mark": e("string", mark)}}
                 for i, c in enumerate(cids) for j in range(2)]
        self.clients(specs)
        nodes = self.query_nodes(self.asker(), {"ops": [op("/mark", "$eq", mark)]})
        want = sorted(((s["app"], s["client_id"]) for s in specs), key=lambda p: bytewise(*p))
        self.assertEqual(self.node_ids(nodes), want)

    def test_D6_Q1_an_absent_application_lists_every_application_including_the_requester(self):
        x = self.client(app=uid("qa"))
        y = self.client(app=uid("qb"))
        me = self.asker()
        ids = self.node_ids(self.query_nodes(me, {}))
        for ws in (x, y, me):
            self.assertIn((ws.app, ws.client_id), ids)
        self.assertEqual(ids, sorted(ids, key=lambda p: bytewise(*p)))
        self.assertEqual(len(ids), len(set(ids)), ids)

    def test_D6_an_empty_result_is_an_empty_list_not_an_error(self):
        me = self.asker()
        for d in ({"application": uid("nobody")}, {"application": me.app, "ops": [op("/x", "$eq", 1)]},
                  {"application": []}, {"application": uid("nobody"), "droppable": False}):
            with self.subTest(d=d):
                self.assertEqual(self.query_nodes(me, d), [])
        self.heartbeat(me)

    def test_D6_a_map_target_is_the_query_and_otherwise_d_itself_is(self):
        a, b = uid("ta"), uid("tb")
        self.client(app=a, cid="x")
        self.client(app=b, cid="y")
        me = self.asker()
        cases = [
            ("target map wins over d's own fields", {"target": {"application": a}, "application": b}, [(a, "x")]),
            ("other keys of d are ignored, even invalid ones",
             {"target": {"application": b}, "ops": "not an array", "selector": 5}, [(b, "y")]),
            ("d itself", {"application": b}, [(b, "y")]),
            ("non-map target: d itself", {"target": "ignored", "application": a}, [(a, "x")]),
            ("null target: d itself", {"target": None, "application": b}, [(b, "y")]),
        ]
        for label, d, want in cases:
            with self.subTest(case=label):
                self.assertEqual(self.node_ids(self.query_nodes(me, d)), want)

    def test_D6_A5_restricted_clients_are_listed_only_with_restricted_true(self):
        app = uid("qr")
        self.client(app=app, cid="n")
        self.client(app=app, cid="r", restricted=True)
        me = self.asker()
        for flag, want in ((ABSENT, ["n"]), (False, ["n"]), ("yes", ["n"]), (True, ["n", "r"]), ("true", ["n", "r"])):
            with self.subTest(restricted=flag):
                d = {"application": app}
                if flag is not ABSENT:
                    d["restricted"] = flag
                self.assertEqual([c for _, c in self.node_ids(self.query_nodes(me, d))], want)
        with self.subTest(case="as target map"):
            nodes = self.query_nodes(me, {"target": {"application": app, "restricted": True}})
            self.assertEqual([c for _, c in self.node_ids(nodes)], ["n", "r"])

    def test_D6_R1_ops_selector_and_optional_shape_the_list_but_key_does_not_pick_one(self):
        app = uid("qs")
        for cid, v in (("a", 5), ("b", 1), ("c", 9), ("d", 9)):
            self.client(app=app, cid=cid, metadata={"v": e("integer", v)})
        self.client(app=app, cid="r", restricted=True)
        me = self.asker()
        cases = [
            ({"application": app, "ops": [op("/v", "$gt", 1)]}, ["a", "c", "d"]),
            ({"application": app, "ops": [{"v": {"$lt": 9}}]}, ["a", "b"]),
            ({"application": app, "selector": {"$max": "v"}}, ["c"]),
            ({"application": app, "selector": {"$min": "v"}}, ["b"]),
            ({"application": app, "selector": {"$avg": "v"}}, ["a"]),
            ({"application": app, "ops": [op("/v", "$eq", 7)], "optional": True}, ["a", "b", "c", "d"]),
            ({"application": app, "ops": [op("/v", "$eq", 7)], "optional": True, "restricted": True},
             ["a", "b", "c", "d", "r"]),
            ({"application": app, "selector": {"$min": "nokey"}}, []),
            ({"application": app, "selector": {"$min": "nokey"}, "optional": True}, ["a", "b", "c", "d"]),
            ({"application": app, "key": "k0"}, ["a", "b", "c", "d"]),
        ]
        for d, want in cases:
            with self.subTest(d=d):
                self.assertEqual([c for _, c in self.node_ids(self.query_nodes(me, d))], want)

    def test_D6_D7_an_invalid_query_is_op_3_invalid_query_and_the_connection_stays_open(self):
        me = self.asker()
        cases = [
            ("d is a number", 5), ("d is a string", "gw"), ("d is an array", [{"application": "x"}]),
            ("d is null", None), ("d is absent", ABSENT),
            ("application is a number", {"application": 5}),
            ("application array holds a non-string", {"application": ["a", None]}),
            ("ops is a map", {"ops": {}}),
            ("unknown operator", {"ops": [op("/x", "$like", 1)]}),
            ("bad path", {"ops": [op("x", "$eq", 1)]}),
            ("empty element", {"ops": [{}]}),
            ("selector with two entries", {"selector": {"$min": "a", "$max": "b"}}),
            ("unknown selector", {"selector": {"$sum": "a"}}),
            ("invalid target map", {"target": {"application": 5}, "application": "fine"}),
            ("invalid ops inside target map", {"target": {"ops": [5]}}),
        ]
        for label, d in cases:
            with self.subTest(case=label):
                me.send_json(dispatch("QUERY_NODES", d))
                self.assert_invalid_query(me, label)
        self.heartbeat(me)

    def test_D6_L16_the_reply_goes_to_the_requester_only_and_in_frame_order(self):
        app = uid("qo")
        other = self.client(app=app, cid="o")
        me = self.client(app=app, cid="me")
        order = []
        for _ in range(20):
            me.send_json(dispatch("QUERY_NODES", {"application": app}))
            me.send_json({"op": 5, "d": {"client_id": me.client_id}})
            pair = [me.recv_json(RECV), me.recv_json(RECV)]
            order.append(tuple(f.get("op") for f in pair))
            for f in pair:
                if f.get("op") == 4:
                    self.assert_server_frame(f, 4, None, t="QUERY_NODES")
                    self.assertEqual(self.node_ids(f["d"]["nodes"]), [(app, "me"), (app, "o")])
                else:
                    self.assert_server_frame(f, 6, {"client_id": "me"})
        self.assertEqual(order, [(4, 6)] * 20, "op order of (QUERY_NODES reply, heartbeat ack) pairs")
        # the other candidate got nothing before this fence
        got = self.fence_apps(me, [other, me])
        self.assertEqual(got, [[], []])

    def test_D6_M5_M6_an_update_shows_in_the_next_query_with_its_new_type(self):
        app = uid("qm")
        u = self.client(app=app, cid="u", metadata={"v": e("integer", 1), "keep": e("string", "k")})
        u.send_json(dispatch("UPDATE_METADATA", {"v": e("string", "now a string"), "n": e("boolean", False)}))
        nodes = self.query_nodes(u, {"application": app})
        self.assertEqual(len(nodes), 1, nodes)
        md, types = nodes[0]["metadata"], nodes[0]["metadata_types"]
        self.assertEqual((md["v"], md["keep"], md["n"]), ("now a string", "k", False))
        self.assertEqual((types["v"], types["keep"], types["n"]), ("string", "string", "boolean"))
        # from another connection, after a round trip on the updating one
        u.send_json(dispatch("UPDATE_METADATA", {"v": e("list", [3])}))
        self.heartbeat(u)
        nodes = self.query_nodes(self.asker(), {"application": app, "ops": [op("/v", "$contains", 3)]})
        self.assertEqual(self.node_ids(nodes), [(app, "u")])
        self.assertEqual(nodes[0]["metadata_types"]["v"], "list")

    def test_L11_D6_a_heartbeat_moves_last_heartbeat_time_forward(self):
        app = uid("qh")
        u = self.client(app=app, cid="u")
        first = self.query_nodes(u, {"application": app})[0]["metadata"]["last_heartbeat_time"]
        self.heartbeat(u)
        second = self.query_nodes(u, {"application": app})[0]["metadata"]["last_heartbeat_time"]
        self.assertGreaterEqual(second, first)

    def test_L18_D6_a_client_that_left_is_no_longer_listed(self):
        app = uid("ql")
        sub = self.client(receive_client_updates=True)
        stay = self.client(app=app, cid="stay")
        leave = self.client(app=app, cid="leave")
        me = self.asker()
        self.assertEqual(self.node_ids(self.query_nodes(me, {"application": app})), [(app, "leave"), (app, "stay")])
        leave.close()
        self.events(sub, [disconnected(leave)], lambda a, c: a == app, quiet=0)
        self.assertEqual(self.node_ids(self.query_nodes(me, {"application": app})), [(app, "stay")])
        # and a SEND can no longer pick it
        frame = message({"application": app, "ops": [op("/restricted", "$eq", False)]}, "x", nonce="n")
        me.send_json(frame)
        self.recv_delivery(stay, "SEND", "x", "n")
        self.heartbeat(stay)


if __name__ == "__main__":
    unittest.main()
