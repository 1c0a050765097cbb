"""A SEND / BROADCAST target that differs from the sender's previous one in
one integer, frame after frame ("to the client whose id is N", issue 6; D-2,
D-5, R-1, R-4, R-6, Q-12). The node may remember the shape and route later
frames without parsing them again; each frame must still reach exactly the
clients its own text names, and every reply that shows the received frame
must show it as sent, with the frame's own integer.

Frames are text from templates (varied_support.fill, "@" for the integer).
Each test has a fresh sender and sends its frames back to back before any
fence; see varied_support. The templates' meanings (flags, keys, strings,
legacy and logical forms) are in test_varied_target_meaning.py.
"""

import json
import random
import unittest

from harness import RECV, uid
from routing_support import RoutingCase, e
from varied_support import F, VariedChecks, fill, matching

# Ids of up to 18 digits (the node's integer fast path), both signs, 0, and
# neighbours that only an exact comparison tells apart.
IDS = [0, 1, -1, 2, 5, 10, 17, -17, 170, 4093, -4093, 65536, 2147483647, 2147483648, -2147483649,
       9007199254740992, 9007199254740993, 123456789012345678, -123456789012345678, 999999999999999999]


def by_id(app, key="id"):
    return '{"application":"%s","ops":[{"path":"/%s","op":"$eq","to":{"value":@}}]}' % (app, key)


def shuffled_ids(seed, ids=IDS, extra=()):
    """17 and 4093 first, then every id twice in a seeded order, with runs of
    the same id and the given extra values mixed in."""
    rng = random.Random(seed)
    seq = list(ids) * 2 + list(extra)
    rng.shuffle(seq)
    for v in rng.sample(ids, 3):  # the same id several times in a row
        at = rng.randrange(len(seq))
        seq[at:at] = [v, v, v]
    return [17, 4093] + seq


class VariedIntegerTargets(VariedChecks, RoutingCase):

    def setUp(self):
        super().setUp()
        self.app = uid("vt")
        self.sender = self.client(app=uid("vt-sender"), cid="s")

    def sends_to_ids(self, template, receivers, seq, t="SEND", layout=0):
        values = [ws.md for ws in receivers]
        return [F(fill(template, n), matching(values, n), t=t, layout=layout,
                  reply=None if matching(values, n) else "no_route", payload={"k": k, "n": n})
                for k, n in enumerate(seq)]

    def test_R1_R4_SEND_to_the_client_whose_id_is_N_reaches_exactly_that_client_for_every_N(self):
        rs = self.id_receivers(self.app, IDS)
        frames = self.sends_to_ids(by_id(self.app), rs, shuffled_ids(1))
        self.assertTrue(all(len(f.to) == 1 for f in frames))
        self.run_frames(self.sender, rs, frames)

    def test_R1_R4_the_same_without_application_matches_in_every_application(self):
        # no "application": the query is resolved over every application
        key = uid("vid")
        rs = self.id_receivers(self.app, IDS, key=key)
        template = '{"ops":[{"path":"/%s","op":"$eq","to":{"value":@}}]}' % key
        frames = self.sends_to_ids(template, rs, shuffled_ids(2, extra=[-5, 4094]), layout=1)
        self.assertEqual(sum(1 for f in frames if f.reply), 2)
        self.run_frames(self.sender, rs, frames)

    def test_R4_R6_SEND_and_BROADCAST_alternating_on_one_shape_reach_the_client_with_that_id(self):
        rs = self.id_receivers(self.app, IDS)
        rng = random.Random(3)
        frames = [F(fill(by_id(self.app), n), matching(IDS, n), t=rng.choice(["SEND", "BROADCAST"]))
                  for n in shuffled_ids(3)]
        self.run_frames(self.sender, rs, frames)

    def test_R6_BROADCAST_to_group_N_reaches_every_member_of_group_N_each_time(self):
        groups = [0, 0, 0, 1, 1, -1, -1, 7, 7, 7, 4093, 4093, 123456789012345678, 123456789012345678,
                  9007199254740992, 9007199254740992, 9007199254740993, 9007199254740993, 12]
        rs = self.id_receivers(self.app, groups, key="group")
        template = by_id(self.app, key="group")
        rng = random.Random(4)
        seq = sorted(set(groups)) * 4 + [2, -7, 4094]  # the last three: no members
        rng.shuffle(seq)
        seq = [0, 1] + seq
        frames = [F(fill(template, g), matching(groups, g), t="BROADCAST",
                    reply=None if matching(groups, g) else "no_route") for g in seq]
        self.run_frames(self.sender, rs, frames)
        # membership changes; the same shape keeps following it
        self.update_metadata(rs[0], {"group": e("integer", 7)})
        self.update_metadata(rs[7], {"group": e("integer", 2)})
        self.update_metadata(rs[18], {"group": e("integer", 4093)})
        groups[0], groups[7], groups[18] = 7, 2, 4093
        seq = sorted(set(groups) | {12}) * 4
        rng.shuffle(seq)
        frames = [F(fill(template, g), matching(groups, g), t="BROADCAST",
                    reply=None if matching(groups, g) else "no_route") for g in seq]
        self.run_frames(self.sender, rs, frames)

    def test_M6_metadata_updates_between_frames_of_one_shape_are_followed(self):
        rs = self.id_receivers(self.app, [1, 2, 3, 4])
        t = by_id(self.app)

        def to(n, ws):
            f = F(fill(t, n))
            self.sender.send_text(f.text)
            self.recv_delivery(ws, "SEND", f.payload, f.nonce)

        for n, ws in ((1, rs[0]), (2, rs[1]), (3, rs[2]), (4, rs[3]), (3, rs[2])):
            to(n, ws)
        self.update_metadata(rs[2], {"id": e("integer", 30)})
        to(30, rs[2])
        gone = F(fill(t, 3))
        self.sender.send_text(gone.text)
        self.assert_no_route(self.sender, gone.obj)
        self.update_metadata(rs[0], {"id": e("integer", 3)})
        to(3, rs[0])
        to(2, rs[1])
        self.assertEqual(self.fence_apps(self.sender, rs), [[], [], [], []])
        self.assert_no_reply(self.sender)

    def test_D6_QUERY_NODES_between_frames_of_one_shape_answers_for_its_own_integer(self):
        rs = self.id_receivers(self.app, [5, 6, 17, 4093])
        t = by_id(self.app)
        for n, ws in ((17, rs[2]), (4093, rs[3]), (5, rs[0])):
            f = F(fill(t, n))
            self.sender.send_text(f.text)
            self.recv_delivery(ws, "SEND", f.payload, f.nonce)
        for n, want in ((6, ["r1"]), (17, ["r2"]), (99, [])):
            with self.subTest(n=n):
                self.sender.send_text('{"op":4,"t":"QUERY_NODES","d":{"target":%s}}' % fill(t, n))
                f = self.sender.recv_json(RECV)
                self.assert_server_frame(f, 4, None, t="QUERY_NODES")
                self.assertEqual([x["client_id"] for x in f["d"]["nodes"]], want, f)
        f = F(fill(t, 6))
        self.sender.send_text(f.text)
        self.recv_delivery(rs[1], "SEND", f.payload, f.nonce)
        self.assert_no_reply(self.sender)

    def test_R9_two_senders_each_with_its_own_shape_interleaved(self):
        groups = [1, 1, 2, 2, 3]
        rs = self.clients([{"client_id": "r%d" % i, "app": self.app,
                            "metadata": {"id": e("integer", i), "group": e("integer", g)}}
                           for i, g in enumerate(groups)])
        other = self.client(app=uid("vt-sender"), cid="s2")
        rng = random.Random(5)
        sent = {"s": [], "s2": []}
        for k in range(40):
            n, g = rng.randrange(5), rng.choice([1, 2, 3])
            a = F(fill(by_id(self.app), n), {n}, payload={"from": "s", "k": k})
            b = F(fill(by_id(self.app, "group"), g), matching(groups, g), t="BROADCAST",
                  payload={"from": "s2", "k": k})
            self.sender.send_text(a.text)
            other.send_text(b.text)
            sent["s"].append(a)
            sent["s2"].append(b)
        got = [a + b for a, b in zip(self.fence_apps(self.sender, rs), self.fence_apps(other, rs))]
        for i, frames in enumerate(got):
            for who in ("s", "s2"):
                have = [f["d"]["payload"] for f in frames if f["d"]["payload"]["from"] == who]
                self.assertEqual(have, [f.payload for f in sent[who] if i in f.to], "r%d from %s" % (i, who))
        self.assert_no_reply(self.sender)
        self.assert_no_reply(other)


class VariedTargetReplies(VariedChecks, RoutingCase):
    """Replies that carry the received frame (D-1, D-2, D-5) show the
    frame's own integer, however the node routed it."""

    def setUp(self):
        super().setUp()
        self.app = uid("vr")
        self.sender = self.client(app=uid("vr-sender"), cid="s")
        self.rs = self.id_receivers(self.app, [0, 5, 17, 4093])

    def test_D5_no_route_for_an_id_nobody_has_echoes_the_whole_frame_with_that_id(self):
        t = by_id(self.app)
        frames = [F(fill(t, 17), {2}), F(fill(t, 4093), {3}),
                  F(fill(t, 999), reply="no_route"),
                  F(fill(t, 5), {1}),
                  F(fill(t, -999), reply="no_route", ts=1234567890123, nonce=None),
                  F(fill(t, 0), {0}),
                  F(fill(t, 424242), reply="no_route", t="BROADCAST",
                    payload={"target": json.loads(fill(t, 5)), "deep": [1, {"n": 2.5}]}),
                  F(fill(t, 123456789012345678), reply="no_route", layout=1, nonce="last"),
                  F(fill(t, 17), {2}, t="BROADCAST"),
                  F(fill(t, 18), reply="no_route")]
        self.run_frames(self.sender, self.rs, frames)

    def test_D5_no_route_echo_through_every_application_and_to_an_application_with_no_clients(self):
        key = uid("vid")
        rs = self.id_receivers(uid("vr-every"), [1, 2], key=key)
        every = '{"ops":[{"path":"/%s","op":"$eq","to":{"value":@}}]}' % key
        frames = [F(fill(every, 1), {0}), F(fill(every, 2), {1}), F(fill(every, 3), reply="no_route"),
                  F(fill(every, 1), {0}), F(fill(every, -3), reply="no_route", t="BROADCAST"),
                  F(fill(every, 2), {1})]
        self.run_frames(self.sender, rs, frames)
        s2 = self.client(app=uid("vr-sender"), cid="s2")
        nowhere = by_id(uid("no-such-app"))
        frames = [F(fill(nowhere, n), reply="no_route", t=t)
                  for n, t in ((17, "SEND"), (4093, "SEND"), (5, "BROADCAST"), (-1, "SEND"), (0, "SEND"))]
        self.run_frames(s2, rs, frames)

    def test_D5_a_droppable_shape_stays_silent_for_every_id(self):
        t = '{"application":"%s","droppable":true,"ops":[{"path":"/id","op":"$eq","to":{"value":@}}]}' % self.app
        frames = [F(fill(t, n), {i} if i is not None else ())
                  for n, i in ((17, 2), (4093, 3), (6, None), (5, 1), (7, None), (0, 0), (-5, None))]
        self.run_frames(self.sender, self.rs, frames)

    def test_D2_a_varied_target_without_payload_or_with_a_bad_nonce_echoes_its_own_integer(self):
        t = by_id(self.app)
        for n, ws in ((17, self.rs[2]), (4093, self.rs[3]), (5, self.rs[1])):
            f = F(fill(t, n))
            self.sender.send_text(f.text)
            self.recv_delivery(ws, "SEND", f.payload, f.nonce)
        for text in ('{"op":4,"t":"SEND","d":{"target":%s,"nonce":"np"}}' % fill(t, 6),
                     '{"op":4,"t":"BROADCAST","d":{"target":%s,"payload":1,"nonce":7},"ts":5}' % fill(t, 0),
                     '{"op":4,"t":"SEND","d":{"nonce":null,"target":%s}}' % fill(t, -12)):
            with self.subTest(text=text):
                self.sender.send_text(text)
                obj = json.loads(text)
                self.assert_invalid(self.sender, "invalid dispatch payload",
                                    {"op": 4, "t": obj["t"], "d": obj["d"], "ts": obj.get("ts")})
        f = F(fill(t, 0))
        self.sender.send_text(f.text)
        self.recv_delivery(self.rs[0], "SEND", f.payload, f.nonce)
        self.assert_no_reply(self.sender)


class VariedNumberSpellings(VariedChecks, RoutingCase):
    """After a run of one shape, a frame with another number spelling, a
    number past 18 digits or past int64, or broken text in the integer's
    place means what its own text says (Q-12, M-1, X-3)."""

    def setUp(self):
        super().setUp()
        self.app = uid("vn")
        # int64's ends, 19 digits, and the 64-bit wrap-arounds of the numbers
        # past int64 below (-1, 0, -2**63 and those of +-99999999999999999999)
        self.ids = [0, -1, 5, 10, 17, 4093, -17, 9007199254740992, 9007199254740993,
                    2 ** 63 - 1, -2 ** 63, 1234567890123456789, -1234567890123456789, 10 ** 18,
                    -999999999999999999, 99999999999999999999 % 2 ** 64,
                    (-99999999999999999999) % 2 ** 64 - 2 ** 64]
        self.rs = self.id_receivers(self.app, self.ids)
        self.t = by_id(self.app)

    def m(self, n):
        return F(fill(self.t, n), matching(self.ids, n))

    def around(self, odd):
        """A fresh sender: three integers (the shape is learnt), `odd`, two more."""
        s = self.client(app=uid("vn-sender"), cid="s")
        self.run_frames(s, self.rs, [self.m(17), self.m(4093), self.m(5), odd, self.m(10), self.m(0)])

    def test_Q12_a_float_exponent_or_spaced_number_in_the_integer_place_means_its_value(self):
        for token in ("17.0", "1e1", "1E1", "1.7e1", "170e-1", "1.7E+1", " 17", "17 ", "\t17\n", "-0", "0.0",
                      "-0.0", "-17.0", "4093.5", "1e-1", "5.000000000000001", "9007199254740992.0",
                      "9007199254740993.0", "4.093e3", "-1.0"):
            value = json.loads(token)
            to = matching(self.ids, value)
            with self.subTest(token=token, value=value):
                self.around(F(fill(self.t, token), to, reply=None if to else "no_route"))

    def test_Q12_M1_integers_past_18_digits_and_past_int64_mean_their_value(self):
        for token in ("9223372036854775807", "-9223372036854775808", "1234567890123456789",
                      "-1234567890123456789", "1000000000000000000", "-999999999999999999"):
            with self.subTest(token=token):
                to = matching(self.ids, int(token))
                self.assertEqual(len(to), 1)
                self.around(F(fill(self.t, token), to))
        # past int64: nobody, not the client holding the number's 64-bit wrap-around
        for token in ("9223372036854775808", "18446744073709551615", "18446744073709551616",
                      "99999999999999999999", "-99999999999999999999"):
            with self.subTest(token=token):
                odd = F(fill(self.t, token), reply="no_route")

                def check(case, info, odd=odd, token=token):
                    # the number as decoded: the integer, or the double nearest to it
                    literal = info["d"]["target"]["ops"][0]["to"]["value"]
                    case.assertIn(literal, (int(token), float(token)), info)
                    want = json.loads(odd.text)
                    want["d"]["target"]["ops"][0]["to"]["value"] = literal
                    case.assertEqual(info, case.echo_of(odd) | {"d": want["d"]})
                odd.echo = check
                self.around(odd)

    def test_X3_broken_number_text_in_the_integer_place_is_fatal_and_disturbs_nobody(self):
        t = self.t

        def learnt_shape():
            s = self.client(app=uid("vn-bad"), cid="s")
            for n in (17, 4093, 5):
                f = self.m(n)
                s.send_text(f.text)
                self.recv_delivery(self.rs[self.ids.index(n)], "SEND", f.payload, f.nonce)
            return s

        for token in ("-", "01", "-01", "00", "--5", "+5", "1.", ".5", "0x10", "1e", "5 5", "", "1_0",
                      "\u0661", "NaN", "Infinity", "-Infinity", "5-", "0-1", "17]", "17}", "1e400"):
            with self.subTest(token=token):
                s = learnt_shape()
                s.send_text(F(fill(t, token)).text)
                self.assert_fatal(s, None, any_text=True)
        # the rest of a frame broken after a target of the learnt shape is fatal too
        for tail in ('"payload":{"a":},"nonce":"x"}}', '"payload":1', '"payload":1,"nonce":"x"}},'):
            with self.subTest(tail=tail):
                s = learnt_shape()
                s.send_text('{"op":4,"t":"SEND","d":{"target":%s,%s' % (fill(t, 10), tail))
                self.assert_fatal(s, None, any_text=True)
        # nothing else reached anyone; another sender is routed as before
        s = self.client(app=uid("vn-after"), cid="s")
        self.assertEqual(self.fence_apps(s, self.rs), [[]] * len(self.rs))
        self.run_frames(s, self.rs, [self.m(n) for n in (17, 4093, 10, 0, -17, 5)])


if __name__ == "__main__":
    unittest.main()
