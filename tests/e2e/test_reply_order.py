"""Replies in frame order (L-16, D-4, D-5, D-6) while SENDs go straight to an
application and a successful one is not answered back inside the server
(actors/reply_order): heartbeat acks, no_route errors and QUERY_NODES results
still come exactly once and in the order of the frames that caused them,
whatever mix of delivered and unroutable messages, applications and counts
(below, at and past the 64 after which a quiet route asks for an answer)
comes before them.
"""

import random
import time

from harness import RECV, uid
from routing_support import BurstReplies, RoutingCase, dispatch, e, echo, message, op


class ReplyOrder(BurstReplies, RoutingCase):
    """Two applications with receivers, one sender."""

    @classmethod
    def setUpClients(cls):
        cls.x_app, cls.y_app = uid("ro-x"), uid("ro-y")
        cls.x0, cls.x1, cls.y0 = cls.open_class_clients([
            {"client_id": "x0", "app": cls.x_app, "metadata": {"id": e("integer", 0)}},
            {"client_id": "x1", "app": cls.x_app, "metadata": {"id": e("integer", 1)}},
            {"client_id": "y0", "app": cls.y_app, "metadata": {"id": e("integer", 0)}},
        ])

    def sender(self):
        return self.client(app=uid("ro-tx"))

    def to(self, app, i, nonce):
        return message({"application": app, "ops": [op("/id", "$eq", i)]}, {"n": nonce}, nonce=nonce)

    def test_L16_D4_after_n_delivered_SENDs_one_heartbeat_is_acked_exactly_once(self):
        for n in (1, 2, 63, 64, 65, 128, 300, 1500):
            with self.subTest(sends=n):
                s = self.sender()
                nonces = ["d%d-%d" % (n, i) for i in range(n)]
                self.send_all(s, [self.to(self.x_app, 0, k) for k in nonces] + [self.hb(s)])
                self.assertEqual(self.read_replies(s, 1), [("ack", None)])
                self.assertEqual(self.received(self.x0, n), nonces)
                self.assert_no_reply(s)

    def test_L16_D5_a_no_route_after_many_delivered_SENDs_comes_before_the_next_ack(self):
        for n in (10, 64, 200):
            with self.subTest(sends=n):
                s = self.sender()
                frames = [self.to(self.x_app, 1, "ok%d" % i) for i in range(n)]
                miss = self.to(self.x_app, 99, "miss-%d" % n)
                self.send_all(s, frames + [miss, self.hb(s)] + frames[:5] + [self.hb(s)])
                self.assertEqual(self.read_replies(s, 3),
                                 [("no_route", "miss-%d" % n), ("ack", None), ("ack", None)])
                self.assertEqual(self.received(self.x1, n + 5),
                                 ["ok%d" % i for i in range(n)] + ["ok%d" % i for i in range(5)])
                self.assert_no_reply(s)

    def test_L16_a_random_mix_over_two_applications_keeps_every_reply_in_frame_order(self):
        rng = random.Random(16)
        for round_ in range(3):
            with self.subTest(round=round_):
                s = self.sender()
                frames, want, to_x0, to_y0 = [], [], [], []
                for i in range(600):
                    kind = rng.choice(["x", "x", "x", "y", "y", "miss-x", "miss-y", "no-app", "hb", "nodes"])
                    k = "r%d-%d" % (round_, i)
                    if kind == "x":
                        frames.append(self.to(self.x_app, 0, k))
                        to_x0.append(k)
                    elif kind == "y":
                        frames.append(self.to(self.y_app, 0, k))
                        to_y0.append(k)
                    elif kind in ("miss-x", "miss-y", "no-app"):
                        app = {"miss-x": self.x_app, "miss-y": self.y_app, "no-app": uid("nobody")}[kind]
                        frames.append(self.to(app, 7, k))
                        want.append(("no_route", k))
                    elif kind == "hb":
                        frames.append(self.hb(s))
                        want.append(("ack", None))
                    else:
                        frames.append(dispatch("QUERY_NODES", {"application": self.x_app}))
                        want.append(("nodes", ("x0", "x1")))
                self.send_all(s, frames)
                self.assertEqual(self.read_replies(s, len(want)), want)
                self.assertEqual(self.received(self.x0, len(to_x0)), to_x0)
                self.assertEqual(self.received(self.y0, len(to_y0)), to_y0)
                self.assert_no_reply(s)

    def test_D5_the_echo_of_a_no_route_behind_delivered_SENDs_is_its_own_frame(self):
        s = self.sender()
        miss = self.to(self.y_app, 5, "echoed")
        self.send_all(s, [self.to(self.y_app, 0, "a%d" % i) for i in range(70)] + [miss])
        f = s.recv_json(RECV)
        self.assert_error_frame(f, 3, "no_route", echo(miss))
        self.assertEqual(len(self.received(self.y0, 70)), 70)
        self.assert_no_reply(s)

    def test_D5_an_empty_application_as_the_first_target_is_unroutable_and_replies_go_on(self):
        # The connection's first SEND/QUERY_NODES naming the application ""
        # once went to no actor at all: no no_route, and every later reply
        # (heartbeat acks included) waited behind it for good.
        for first in ("send", "nodes"):
            with self.subTest(first=first):
                s = self.sender()
                app = uid("ro-after")
                r = self.client(app=app, metadata={"id": e("integer", 0)})
                if first == "send":
                    head = message({"application": "", "ops": []}, {"n": 0}, nonce="empty")
                    want = [("no_route", "empty")]
                else:
                    head = dispatch("QUERY_NODES", {"application": ""})
                    want = [("nodes", ())]
                self.send_all(s, [head, self.hb(s), self.to(app, 0, "after-empty"), self.hb(s)])
                self.assertEqual(self.read_replies(s, 3), want + [("ack", None), ("ack", None)])
                self.assertEqual(self.received(r, 1), ["after-empty"])
                self.assert_no_reply(s)

    def test_L18_an_application_whose_clients_left_answers_every_route_and_comes_back_with_a_new_client(self):
        # The app actor retires once its last client has gone and no sender
        # routes to it directly any more (here: when the sender moves to
        # another app); the routes already on their way still get their
        # no_route, in order, and a new client of the app is reached.
        gone = uid("ro-gone")
        for round_ in range(3):
            with self.subTest(round=round_):
                r = self.client(app=gone, metadata={"id": e("integer", 0)})
                s = self.sender()
                self.send_all(s, [self.to(gone, 0, "before-%d" % i) for i in range(5)] + [self.hb(s)])
                self.assertEqual(self.read_replies(s, 1), [("ack", None)])
                self.assertEqual(self.received(r, 5), ["before-%d" % i for i in range(5)])
                r.close()
                time.sleep(0.3)  # the app has no client now (L-18)
                frames = [self.to(gone, 0, "late-%d" % i) for i in range(100)]
                frames += [self.to(self.x_app, 0, "moved"), self.hb(s)]  # moving on releases the app
                self.send_all(s, frames)
                self.assertEqual(self.read_replies(s, 101),
                                 [("no_route", "late-%d" % i) for i in range(100)] + [("ack", None)])
                self.assertEqual(self.received(self.x0, 1), ["moved"])
                time.sleep(0.3)
                r2 = self.client(app=gone, metadata={"id": e("integer", 0)})
                self.send_all(s, [self.to(gone, 0, "again"), self.hb(s)])
                self.assertEqual(self.read_replies(s, 1), [("ack", None)])
                self.assertEqual(self.received(r2, 1), ["again"])
                self.assert_no_reply(s)
                r2.close()
                s.close()

    def assert_own_copy_after_the_ack(self, s, to_self):
        """40 rounds of 20 SENDs to x0, a heartbeat, and `to_self(nonce)`, a
        SEND only `s` matches: each ack comes before the copy the round's
        SEND gives `s` (its own copy is caused by a later frame, L-16)."""
        frames, want = [], []
        for i in range(40):
            frames += [self.to(self.x_app, 0, "q%d-%d" % (i, j)) for j in range(20)]
            frames += [self.hb(s), to_self("self-%d" % i)]
            want += [("ack", None), ("self", "self-%d" % i)]
        self.send_all(s, frames)
        got = []
        for _ in want:
            f = s.recv_json(RECV)
            if f.get("op") == 6:
                got.append(("ack", None))
            else:
                self.assert_delivery(f, "SEND", {"n": f["d"]["nonce"]}, f["d"]["nonce"])
                got.append(("self", f["d"]["nonce"]))
        self.assertEqual(len(self.received(self.x0, 800)), 800)
        self.assertEqual(got, want)
        self.assert_no_reply(s)

    def test_L16_a_SEND_to_the_sender_itself_comes_after_the_replies_to_earlier_frames(self):
        # the sender is a candidate, also while quiet routes to another
        # application are still in flight.
        self_app = uid("ro-self")
        s = self.client(app=self_app, metadata={"id": e("integer", 0)})
        self.assert_own_copy_after_the_ack(s, lambda nonce: self.to(self_app, 0, nonce))

    def test_L16_a_SEND_to_the_sender_itself_over_every_application_comes_after_earlier_replies(self):
        # The same with no application in the target (R-1 over every app,
        # gathered by the router).
        key = uid("k").replace("-", "_")
        s = self.client(app=uid("ro-any"), metadata={key: e("integer", 1)})
        anyone = {"ops": [op("/" + key, "$eq", 1)]}
        self.assert_own_copy_after_the_ack(s, lambda nonce: message(anyone, {"n": nonce}, nonce=nonce))
