"""The same SEND / BROADCAST target sent again and again (R-1, R-4, R-6, A-5,
M-6, L-6): every message reaches the members that match *now*, whatever the
node kept from the previous one (it reuses the result of a repeated
multi-member query until membership or metadata change). Each message is
checked with the fences of routing_support.
"""

import time
import unittest

from harness import RECV, uid
from routing_support import RoutingCase, dispatch, e, echo, message, op


def group_target(app, g, **extra):
    return dict({"application": app, "ops": [op("/group", "$eq", g)]}, **extra)


class RepeatedQueries(RoutingCase):

    @classmethod
    def setUpClients(cls):
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": uid("rq-sender")}])[0]

    def setUp(self):
        super().setUp()
        self.app = uid("rq")
        # c0..c3 in group 1, c4 and c5 in group 2, c6 in group "1" (a string)
        groups = [1, 1, 1, 1, 2, 2, "1"]
        self.cs = self.clients([{"client_id": "c%d" % i, "app": self.app,
                                 "metadata": {"group": e("integer" if isinstance(g, int) else "string", g)}}
                                for i, g in enumerate(groups)])
        self.n = 0

    def broadcast(self, target, expected, clients=None):
        """BROADCAST to `target`: exactly the clients named in `expected` get it."""
        clients = self.cs if clients is None else clients
        self.n += 1
        payload = {"n": self.n}
        got = self.deliver(self.sender, message(target, payload, nonce="b%d" % self.n, t="BROADCAST"), clients)
        want = {i for i, ws in enumerate(clients) if ws.client_id in expected}
        self.assert_reached(got, clients, want, "BROADCAST", payload, "b%d" % self.n)

    def sends(self, target, allowed, count=12):
        """`count` SENDs to `target`: each reaches exactly one client, always one
        of `allowed`; returns who got them."""
        for k in range(count):
            self.sender.send_json(message(target, {"k": k}, nonce="s%d" % k))
        got = self.fence_apps(self.sender, self.cs)
        hit = []
        for ws, frames in zip(self.cs, got):
            for f in frames:
                self.assert_delivery(f, "SEND", f["d"]["payload"], f["d"]["nonce"])
                hit.append(ws.client_id)
        self.assertEqual(len(hit), count, hit)
        self.assertTrue(set(hit) <= set(allowed), "SENDs reached %r, allowed %r" % (hit, allowed))
        return hit

    def wait_gone(self, cid):
        """Until QUERY_NODES no longer lists `cid` (its removal was applied)."""
        deadline = time.monotonic() + RECV
        while True:
            ids = {n["client_id"] for n in self.query_nodes(self.sender, {"application": self.app})}
            if cid not in ids:
                return
            self.assertLess(time.monotonic(), deadline, "%s still listed" % cid)
            time.sleep(0.05)

    def test_R6_a_repeated_BROADCAST_follows_metadata_updates_of_its_members(self):
        target = group_target(self.app, 1)
        for _ in range(3):
            self.broadcast(target, {"c0", "c1", "c2", "c3"})
        self.update_metadata(self.cs[1], {"group": e("integer", 2)})  # leaves group 1
        self.broadcast(target, {"c0", "c2", "c3"})
        self.update_metadata(self.cs[4], {"group": e("integer", 1)})  # joins it
        self.broadcast(target, {"c0", "c2", "c3", "c4"})
        self.update_metadata(self.cs[0], {"other": e("string", "x")})  # another key: still in
        self.broadcast(target, {"c0", "c2", "c3", "c4"})
        self.broadcast(group_target(self.app, 2), {"c1", "c5"})
        self.broadcast(target, {"c0", "c2", "c3", "c4"})
        self.assert_no_reply(self.sender)

    def test_R6_a_repeated_BROADCAST_follows_members_joining_leaving_and_coming_back(self):
        target = group_target(self.app, 1)
        self.broadcast(target, {"c0", "c1", "c2", "c3"})
        late = self.clients([{"client_id": "late", "app": self.app, "metadata": {"group": e("integer", 1)}}])[0]
        self.cs.append(late)
        self.broadcast(target, {"c0", "c1", "c2", "c3", "late"})
        gone = self.cs.pop(2)
        gone.abort()
        self.wait_gone("c2")
        self.broadcast(target, {"c0", "c1", "c3", "late"})
        # the same client id comes back (L-6), now in group 2
        back = self.clients([{"client_id": "c2", "app": self.app, "metadata": {"group": e("integer", 2)}}])[0]
        self.cs.append(back)
        self.broadcast(target, {"c0", "c1", "c3", "late"})
        self.broadcast(group_target(self.app, 2), {"c4", "c5", "c2"})
        self.assert_no_reply(self.sender)

    def test_Q12_operands_of_another_JSON_type_are_other_queries(self):
        # integer 1 and float 1.0 are equal; the string "1" is not
        for _ in range(2):
            self.broadcast(group_target(self.app, 1), {"c0", "c1", "c2", "c3"})
            self.broadcast(group_target(self.app, "1"), {"c6"})
            self.broadcast(group_target(self.app, 1.0), {"c0", "c1", "c2", "c3"})
        self.assert_no_reply(self.sender)

    def test_A5_R1_restricted_and_optional_make_other_queries(self):
        r = self.client(app=self.app, cid="r", restricted=True)
        self.update_metadata(r, {"group": e("integer", 1)})
        self.cs.append(r)
        nobody = group_target(self.app, 99)
        for _ in range(2):
            self.broadcast(group_target(self.app, 1), {"c0", "c1", "c2", "c3"})
            self.broadcast(group_target(self.app, 1, restricted=True), {"c0", "c1", "c2", "c3", "r"})
            self.broadcast(dict(nobody, optional=True), {"c%d" % i for i in range(7)})
            self.broadcast(dict(nobody, optional=True, restricted=True), {"c%d" % i for i in range(7)} | {"r"})
            frame = message(nobody, "x", nonce="none", t="BROADCAST")
            self.sender.send_json(frame)
            self.assert_no_route(self.sender, frame)
        self.assert_no_reply(self.sender)

    def test_R4_repeated_SENDs_reach_one_current_member_each(self):
        target = group_target(self.app, 1)
        first = self.sends(target, {"c0", "c1", "c2", "c3"}, count=40)
        self.assertGreater(len(set(first)), 1, "R-4 picks at random: 40 SENDs all went to %r" % first[:1])
        self.update_metadata(self.cs[0], {"group": e("integer", 2)})
        self.update_metadata(self.cs[1], {"group": e("integer", 2)})
        self.update_metadata(self.cs[2], {"group": e("integer", 2)})
        self.assertEqual(set(self.sends(target, {"c3"})), {"c3"})
        self.assert_no_reply(self.sender)

    def test_R6_more_distinct_groups_than_the_node_keeps_all_route_right(self):
        # 12 groups of 2 members each, targeted round-robin three times
        app = uid("rq-many")
        cs = self.clients([{"client_id": "m%02d" % i, "app": app, "metadata": {"group": e("integer", i // 2)}}
                           for i in range(24)])
        for _ in range(3):
            for g in range(12):
                self.broadcast(group_target(app, g), {"m%02d" % (2 * g), "m%02d" % (2 * g + 1)}, clients=cs)
        self.assert_no_reply(self.sender)



class RepeatedTargetText(RoutingCase):
    """The same d.target text frame after frame (the node decodes it once and
    keeps its tree, issue 6): every reply that shows the received frame
    shows it whole, and the text reused as another frame's target means the
    same there."""

    def setUp(self):
        super().setUp()
        self.app = uid("rt")
        self.sender = self.client(app=uid("rt-sender"), cid="s")
        self.cs = self.clients([{"client_id": "c%d" % i, "app": self.app,
                                 "metadata": {"group": e("integer", 1)}} for i in range(2)])
        self.target = group_target(self.app, 1)

    def test_D5_a_repeated_target_that_matches_nobody_echoes_the_whole_frame_each_time(self):
        nobody = group_target(self.app, 99)
        for i in range(3):
            for t in ("SEND", "BROADCAST"):
                frame = message(nobody, {"i": i}, nonce="n%d" % i, t=t)
                self.sender.send_json(frame)
                self.assert_no_route(self.sender, frame)
        self.assert_no_reply(self.sender)

    def test_D2_a_repeated_target_without_payload_is_invalid_dispatch_with_the_whole_frame(self):
        first = message(self.target, {"n": 1}, nonce="a")
        got = self.deliver(self.sender, first, self.cs)
        self.assertEqual(sum(len(g) for g in got), 1, got)
        for _ in range(2):
            bad = dispatch("SEND", {"target": self.target, "nonce": "b"})
            self.sender.send_json(first)  # the target text repeats from here on
            self.sender.send_json(first)
            self.sender.send_json(bad)
            self.assert_invalid(self.sender, "invalid dispatch payload", echo(bad))
        # the SENDs before each bad frame were delivered, once each
        got = self.fence_apps(self.sender, self.cs)
        self.assertEqual(sum(len(g) for g in got), 4, got)
        for frames in got:
            for f in frames:
                self.assert_delivery(f, "SEND", {"n": 1}, "a")
        self.assert_no_reply(self.sender)

    def test_D6_QUERY_NODES_with_the_text_of_the_last_SEND_target_answers_for_that_query(self):
        for n in range(3):  # the target text repeats from the second one
            self.sender.send_json(message(self.target, n, nonce="x%d" % n))
        nodes = self.query_nodes(self.sender, {"target": self.target})
        self.assertEqual(sorted(n["client_id"] for n in nodes), ["c0", "c1"])
        got = self.fence_apps(self.sender, self.cs)
        self.assertEqual(sum(len(g) for g in got), 3, got)

    def test_R4_R6_the_same_text_with_new_payloads_reaches_whoever_matches_now(self):
        frames = [message(self.target, {"k": k}, nonce="s%d" % k) for k in range(10)]
        frames += [message(self.target, {"k": k}, nonce="b%d" % k, t="BROADCAST") for k in range(10, 13)]
        for f in frames:
            self.sender.send_json(f)
        got = self.fence_apps(self.sender, self.cs)
        sends = [f["d"]["payload"]["k"] for g in got for f in g if f["t"] == "SEND"]
        self.assertEqual(sorted(sends), list(range(10)))
        for g in got:
            self.assertEqual([f["d"]["payload"]["k"] for f in g if f["t"] == "BROADCAST"], [10, 11, 12])
        self.update_metadata(self.cs[0], {"group": e("integer", 2)})
        for f in frames:
            self.sender.send_json(f)
        got = self.fence_apps(self.sender, self.cs)
        self.assertEqual(got[0], [])
        self.assertEqual([f["d"]["payload"]["k"] for f in got[1]], list(range(13)))
        self.assert_no_reply(self.sender)


if __name__ == "__main__":
    unittest.main()
