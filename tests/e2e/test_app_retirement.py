"""An application's actor retires once its last client has gone and no sender
routes to it directly any more (L-18; actors/app_directory): with several
senders holding the same application, one moving on must not retire it under
the others, and an application that retired and came back answers SEND,
BROADCAST and QUERY_NODES exactly as if it had never gone (D-3, D-4, D-5, D-6,
L-16, R-9). Deterministic: the rounds are fixed and every expectation is
exact; from the black-box stress campaign of the retirement change.
"""

import random
import time

from harness import uid
from routing_support import BurstReplies, RoutingCase, dispatch, e, message, op


class AppRetirement(BurstReplies, RoutingCase):

    @classmethod
    def setUpClients(cls):
        cls.other = uid("rt-other")
        (cls.o0,) = cls.open_class_clients([
            {"client_id": "o0", "app": cls.other, "metadata": {"id": e("integer", 0)}},
        ])

    def to(self, app, i, nonce, t="SEND", **target):
        q = {"application": app, "ops": [op("/id", "$eq", i)]}
        q.update(target)
        return message(q, {"n": nonce}, nonce=nonce, t=t)

    def test_L18_senders_holding_an_application_keep_it_while_one_of_them_moves_on(self):
        rng = random.Random(18)
        app = uid("rt-shared")
        senders = [self.client(app=uid("rt-tx")) for _ in range(3)]
        for round_ in range(6):
            with self.subTest(round=round_):
                r = self.client(app=app, cid="r%d" % round_, metadata={"id": e("integer", 0)})
                # every sender routes to the app (each holds it), all delivered
                for j, s in enumerate(senders):
                    self.send_all(s, [self.to(app, 0, "a%d-%d-%d" % (round_, j, i)) for i in range(20)] + [self.hb(s)])
                for s in senders:
                    self.assertEqual(self.read_replies(s, 1), [("ack", None)])
                got = self.received(r, 60)
                for j in range(3):  # R-9 per sender
                    self.assertEqual([x for x in got if x.startswith("a%d-%d-" % (round_, j))],
                                     ["a%d-%d-%d" % (round_, j, i) for i in range(20)])
                r.close()
                time.sleep(0.2)  # the app has no client now
                # one sender (chosen by the seed) moves on: the others still hold the app
                mover = rng.randrange(3)
                m = senders[mover]
                self.send_all(m, [self.to(self.other, 0, "moved-%d" % round_), self.hb(m)])
                self.assertEqual(self.read_replies(m, 1), [("ack", None)])
                self.assertEqual(self.received(self.o0, 1), ["moved-%d" % round_])
                time.sleep(0.1)
                # the holders' routes to the empty app: exactly one no_route each, in order,
                # droppable ones silently dropped, QUERY_NODES empty
                for j, s in enumerate(senders):
                    if j == mover:
                        continue
                    k = "late%d-%d" % (round_, j)
                    frames = [self.to(app, 0, k + "-0"), self.to(app, 0, k + "-d", droppable=True),
                              dispatch("QUERY_NODES", {"application": app}),
                              self.to(app, 0, k + "-b", t="BROADCAST"), self.hb(s)]
                    self.send_all(s, frames)
                    self.assertEqual(self.read_replies(s, 4), [("no_route", k + "-0"), ("nodes", ()),
                                                               ("no_route", k + "-b"), ("ack", None)])
                # the app comes back with a new client: every sender reaches it
                r2 = self.client(app=app, cid="back%d" % round_, metadata={"id": e("integer", 0)})
                for j, s in enumerate(senders):
                    k = "b%d-%d" % (round_, j)
                    self.send_all(s, [self.to(app, 0, k), self.to(app, 0, k + "-B", t="BROADCAST"),
                                      dispatch("QUERY_NODES", {"application": app}), self.to(app, 1, k + "-miss"),
                                      self.hb(s)])
                    self.assertEqual(self.read_replies(s, 3),
                                     [("nodes", ("back%d" % round_,)), ("no_route", k + "-miss"), ("ack", None)])
                    self.assertEqual(self.received(r2, 1), [k])
                    self.assertEqual(self.received(r2, 1, t="BROADCAST"), [k + "-B"])
                for s in senders:
                    self.assert_no_reply(s)
                self.assert_silent(r2, 0.1)
                r2.close()
                time.sleep(0.1)

    def test_L18_many_applications_each_used_once_retire_and_stay_routable(self):
        # 300 application ids, each with one receiver that gets one SEND from
        # a sender moving from app to app and then leaves; afterwards every
        # one of them is unroutable (no_route, in order) and a new client of
        # any of them is reached again.
        s = self.client(app=uid("rt-tx"))
        apps = [uid("rt-once") for _ in range(300)]
        for b in range(0, len(apps), 50):
            batch = apps[b:b + 50]
            rs = self.clients([{"client_id": "r", "app": a, "metadata": {"id": e("integer", 0)}} for a in batch])
            self.send_all(s, [self.to(a, 0, "once-%s" % a) for a in batch] + [self.hb(s)])
            self.assertEqual(self.read_replies(s, 1), [("ack", None)])
            for r, a in zip(rs, batch):
                self.assertEqual(self.received(r, 1), ["once-%s" % a])
                r.close(wait=0.2)
        time.sleep(0.3)
        self.send_all(s, [self.to(a, 0, "gone-%s" % a) for a in apps] + [self.hb(s)])
        self.assertEqual(self.read_replies(s, len(apps) + 1),
                         [("no_route", "gone-%s" % a) for a in apps] + [("ack", None)])
        for a in (apps[0], apps[149], apps[-1]):
            r = self.client(app=a, cid="again", metadata={"id": e("integer", 0)})
            self.send_all(s, [self.to(a, 0, "again-%s" % a), self.hb(s)])
            self.assertEqual(self.read_replies(s, 1), [("ack", None)])
            self.assertEqual(self.received(r, 1), ["again-%s" % a])
            r.close()
        self.assert_no_reply(s)
        self.assertTrue(self.node.alive())
        self.assertIn("application retired", self.node.log)
