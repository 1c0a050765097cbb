"""Targeted SEND / BROADCAST routing: spec sections 6 (D-2..D-5, D-7), 7 (Q-1,
Q-8, Q-18, Q-19), 8 (R-*), 13 (T-4), A-5 and M-6.

"Nobody else got it" is checked with fences (see routing_support): after the
frames under test the sender BROADCASTs a marker to every client involved,
and R-9 puts everything the sender sent before it ahead of the marker.
"""

import threading
import unittest

import wsclient
from harness import RECV, dumps, uid
from routing_support import (ABSENT, RoutingCase, disconnected, dispatch, e, echo, logical, message,
                             op, rendezvous_pick)

N_GW = 300
N_OTHER = 20


def gw_meta(i):
    return {"id": e("integer", i),
            "guilds": e("list", ["g%d" % (i % 7), "h%d" % (i % 13), "all"]),
            "shard": e("integer", i % 10),
            "name": e("string", "n%03d" % i)}


def other_meta(j):
    return {"id": e("integer", 1000 + j), "guilds": e("list", ["g%d" % (j % 7), "all"])}


class ManyClients(RoutingCase):
    """300 clients of app "gw" and 20 of app "other" share one server."""

    @classmethod
    def setUpClients(cls):
        cls.gw = cls.open_class_clients([{"client_id": "gw-%03d" % i, "app": "gw", "metadata": gw_meta(i)}
                                         for i in range(N_GW)])
        cls.other = cls.open_class_clients([{"client_id": "o-%02d" % j, "app": "other",
                                             "metadata": other_meta(j)} for j in range(N_OTHER)])
        cls.everyone = cls.gw + cls.other
        cls.sender = cls.open_class_clients([{"client_id": "sender", "app": "senders"}])[0]
        # what the server should hold, for computing expected receivers
        cls.model = [{"id": i, "guilds": ["g%d" % (i % 7), "h%d" % (i % 13), "all"], "shard": i % 10,
                      "name": "n%03d" % i} for i in range(N_GW)]
        cls.model += [{"id": 1000 + j, "guilds": ["g%d" % (j % 7), "all"]} for j in range(N_OTHER)]

    def expect(self, pred, apps=("gw",)):
        return {i for i, ws in enumerate(self.everyone) if ws.app in apps and pred(self.model[i])}

    def deliver_all(self, frame):
        return self.deliver(self.sender, frame, self.everyone)

    def test_D3_D4_SEND_with_eq_on_id_and_contains_on_guilds_reaches_exactly_the_one_right_client(self):
        for i in (0, 1, 7, 150, 298, 299):
            with self.subTest(id=i):
                payload = {"for": i, "data": [1, "x", None, {"deep": True}]}
                frame = message({"application": "gw", "ops": [op("/id", "$eq", i),
                                                              op("/guilds", "$contains", "h%d" % (i % 13))]},
                                payload, nonce="n-%d" % i)
                got = self.deliver_all(frame)
                self.assert_reached(got, self.everyone, {i}, "SEND", payload, "n-%d" % i)
        # D-4: none of these produced a frame to the sender
        self.assert_no_reply(self.sender)

    def test_D3_delivery_carries_a_null_nonce_when_none_was_given_and_the_payload_verbatim(self):
        payloads = [None, 0, -5, 1.5, "text ünï", [], [1, [2, [3]]], {}, {"a": {"b": [None, True, False]}}]
        for k, payload in enumerate(payloads):
            for nonce in (ABSENT, None, "", "nonce with spaces"):
                with self.subTest(payload=payload, nonce=nonce):
                    frame = message({"application": "gw", "ops": [op("/id", "$eq", k)]}, payload, nonce=nonce)
                    got = self.deliver_all(frame)
                    self.assert_reached(got, self.everyone, {k}, "SEND", payload,
                                        None if nonce is ABSENT else nonce)
        self.assert_no_reply(self.sender)

    def test_D5_SEND_whose_ops_match_nobody_is_no_route_and_reaches_nobody(self):
        # client 5 is in guilds g5 and h5, not in g6
        for ts in (ABSENT, 12345):
            with self.subTest(ts=ts):
                frame = message({"application": "gw", "ops": [op("/id", "$eq", 5), op("/guilds", "$contains", "g6")]},
                                {"x": 1}, nonce="lost", ts=ts)
                self.sender.send_json(frame)
                self.assert_no_route(self.sender, frame)
                got = self.fence_apps(self.sender, self.everyone)
                self.assert_reached(got, self.everyone, set(), "SEND", None)
        self.assert_no_reply(self.sender)

    def test_R6_BROADCAST_to_a_subset_reaches_every_match_exactly_once_and_nobody_else(self):
        ids = [3, 17, 64, 65, 199, 250, 299, 1000, 1005, 5000]
        cases = [
            ("guild g3", [op("/guilds", "$contains", "g3")], lambda m: "g3" in m["guilds"]),
            ("id in list", [op("/id", "$in", ids)], lambda m: m["id"] in ids),
            ("shard 4 and id < 150", [op("/shard", "$eq", 4), op("/id", "$lt", 150)],
             lambda m: m.get("shard") == 4 and m["id"] < 150),
            ("guild g1 or h2", [logical("$or", op("/guilds", "$contains", "g1"), op("/guilds", "$contains", "h2"))],
             lambda m: "g1" in m["guilds"] or "h2" in m["guilds"]),
            ("all but one", [op("/id", "$ne", 17)], lambda m: m["id"] != 17),
            ("name range", [op("/name", "$gte", "n100"), op("/name", "$lt", "n110")],
             lambda m: "n100" <= m.get("name", "") < "n110"),
            ("nin", [op("/shard", "$nin", [0, 1, 2, 3, 4, 5, 6, 7])], lambda m: m.get("shard") in (8, 9)),
            ("everyone", [], lambda m: True),
        ]
        for label, ops, pred in cases:
            with self.subTest(case=label):
                payload = {"case": label}
                got = self.deliver_all(message({"application": "gw", "ops": ops}, payload, nonce=label,
                                               t="BROADCAST"))
                self.assert_reached(got, self.everyone, self.expect(pred), "BROADCAST", payload, label)
        self.assert_no_reply(self.sender)

    def test_Q8_the_legacy_query_form_selects_the_same_clients_as_the_canonical_form(self):
        pairs = [
            ("contains", [{"guilds": {"$contains": "g3"}}], [op("/guilds", "$contains", "g3")],
             lambda m: "g3" in m["guilds"]),
            ("two entries of one operator map are AND-ed", [{"id": {"$gte": 10, "$lt": 20}}],
             [op("/id", "$gte", 10), op("/id", "$lt", 20)], lambda m: 10 <= m["id"] < 20),
            ("key-scoped $and", [{"id": {"$and": [{"$gt": 10}, {"$lt": 20}]}}],
             [logical("$and", op("/id", "$gt", 10), op("/id", "$lt", 20))], lambda m: 10 < m["id"] < 20),
            ("key-scoped $or", [{"id": {"$or": [{"$lt": 5}, {"$gt": 295}]}}],
             [logical("$or", op("/id", "$lt", 5), op("/id", "$gt", 295))], lambda m: m["id"] < 5 or m["id"] > 295),
            ("top-level $or", [{"$or": [{"id": {"$eq": 1}}, {"id": {"$eq": 2}}, {"shard": {"$eq": 9}}]}],
             [logical("$or", op("/id", "$eq", 1), op("/id", "$eq", 2), op("/shard", "$eq", 9))],
             lambda m: m["id"] in (1, 2) or m.get("shard") == 9),
            ("two keys in one element are AND-ed", [{"shard": {"$in": [1, 2]}, "guilds": {"$ncontains": "g0"}}],
             [op("/shard", "$in", [1, 2]), op("/guilds", "$ncontains", "g0")],
             lambda m: m.get("shard") in (1, 2) and "g0" not in m["guilds"]),
            ("top-level $nor", [{"$nor": [{"shard": {"$ne": 3}}]}], [logical("$nor", op("/shard", "$ne", 3))],
             lambda m: m.get("shard") == 3),
            ("mixed forms in one ops array", [{"id": {"$lt": 100}}, op("/shard", "$eq", 0)],
             [op("/id", "$lt", 100), op("/shard", "$eq", 0)], lambda m: m["id"] < 100 and m.get("shard") == 0),
            ("legacy inside canonical with", [logical("$or", {"id": {"$eq": 42}}, {"name": {"$eq": "n043"}})],
             [logical("$or", op("/id", "$eq", 42), op("/name", "$eq", "n043"))], lambda m: m["id"] in (42, 43)),
        ]
        for label, legacy, canonical, pred in pairs:
            with self.subTest(case=label):
                results = []
                for form, ops in (("legacy", legacy), ("canonical", canonical)):
                    payload = {"case": label, "form": form}
                    got = self.deliver_all(message({"application": "gw", "ops": ops}, payload, t="BROADCAST"))
                    results.append(self.receivers(got, "BROADCAST", payload, None))
                self.assertEqual(results[0], results[1], "legacy and canonical forms differ")
                self.assertEqual(results[0], self.expect(pred))
        with self.subTest(case="legacy SEND"):
            got = self.deliver_all(message({"application": "gw", "ops": [{"id": {"$eq": 42}}]}, "legacy", nonce="l"))
            self.assert_reached(got, self.everyone, {42}, "SEND", "legacy", "l")
        self.assert_no_reply(self.sender)

    def test_Q1_R1_an_absent_or_null_application_means_every_application(self):
        for app in (ABSENT, None):
            with self.subTest(application=app):
                target = {"ops": [op("/guilds", "$contains", "g2")]}
                if app is not ABSENT:
                    target["application"] = app
                got = self.deliver_all(message(target, "all apps", t="BROADCAST"))
                self.assert_reached(got, self.everyone, self.expect(lambda m: "g2" in m["guilds"], ("gw", "other")),
                                    "BROADCAST", "all apps")
        with self.subTest(case="SEND"):
            got = self.deliver_all(message({"ops": [op("/id", "$eq", 1003)]}, "to other", nonce="o"))
            self.assert_reached(got, self.everyone, {N_GW + 3}, "SEND", "to other", "o")
        with self.subTest(case="a string application keeps only that application"):
            got = self.deliver_all(message({"application": "other", "ops": [op("/guilds", "$contains", "g2")]},
                                           "only other", t="BROADCAST"))
            self.assert_reached(got, self.everyone, self.expect(lambda m: "g2" in m["guilds"], ("other",)),
                                "BROADCAST", "only other")
        self.assert_no_reply(self.sender)

    def test_R4_SEND_without_key_reaches_exactly_one_matching_client(self):
        matching = self.expect(lambda m: "g4" in m["guilds"])
        for k in range(8):
            with self.subTest(attempt=k):
                got = self.deliver_all(message({"application": "gw", "ops": [op("/guilds", "$contains", "g4")]},
                                               {"k": k}, nonce=str(k)))
                hit = self.receivers(got, "SEND", {"k": k}, str(k))
                self.assertEqual(len(hit), 1, hit)
                self.assertLessEqual(hit, matching)
        self.assert_no_reply(self.sender)

    def test_R5_the_same_key_picks_the_same_client_while_the_set_is_unchanged(self):
        for key in ("user-1", "user-2", "guild:123", ""):
            with self.subTest(key=key):
                hits = []
                for k in range(3):
                    got = self.deliver_all(message({"application": "gw", "key": key}, {"key": key, "k": k}))
                    hit = self.receivers(got, "SEND", {"key": key, "k": k}, None)
                    self.assertEqual(len(hit), 1, hit)
                    hits.append(hit)
                self.assertEqual(hits[0], hits[1])
                self.assertEqual(hits[0], hits[2])
        self.assert_no_reply(self.sender)

    def test_R5_a_key_picks_the_rendezvous_winner_among_hundreds_of_candidates(self):
        gw_pairs = [("gw", ws.client_id) for ws in self.gw]
        for key in ("user-1", "abc", "k0", "user-9", ""):
            with self.subTest(key=key, ops="none"):
                pick = rendezvous_pick(key, gw_pairs)
                want = next(i for i, ws in enumerate(self.gw) if ws.client_id == pick[1])
                got = self.deliver_all(message({"application": "gw", "key": key}, key))
                self.assert_reached(got, self.everyone, {want}, "SEND", key)
        # with ops the winner is computed over the filtered set only
        subset = [i for i in range(N_GW) if "g1" in self.model[i]["guilds"]]
        for key in ("user-1", "abc"):
            with self.subTest(key=key, ops="guild g1"):
                pick = rendezvous_pick(key, [("gw", self.gw[i].client_id) for i in subset])
                want = next(i for i in subset if self.gw[i].client_id == pick[1])
                got = self.deliver_all(message({"application": "gw", "key": key,
                                                "ops": [op("/guilds", "$contains", "g1")]}, key))
                self.assert_reached(got, self.everyone, {want}, "SEND", key)
        self.assert_no_reply(self.sender)

    def test_Q3_an_integer_key_hashes_like_its_base_10_text(self):
        gw_pairs = [("gw", ws.client_id) for ws in self.gw]
        for key in (12345, -7, 0):
            with self.subTest(key=key):
                pick = rendezvous_pick(str(key), gw_pairs)
                want = next(i for i, ws in enumerate(self.gw) if ws.client_id == pick[1])
                got = self.deliver_all(message({"application": "gw", "key": key}, "int key"))
                self.assert_reached(got, self.everyone, {want}, "SEND", "int key")
        self.assert_no_reply(self.sender)

    def test_Q3_Q18_a_key_of_another_type_counts_as_null_and_still_reaches_one_client(self):
        for key in (None, 1.5, True, {"a": 1}, ["k"]):
            with self.subTest(key=key):
                got = self.deliver_all(message({"application": "gw", "key": key}, "odd key"))
                self.assertEqual(len(self.receivers(got, "SEND", "odd key", None)), 1)
        self.assert_no_reply(self.sender)


class Hashing(RoutingCase):
    """Spec R-5 test vectors: clients h1..h4 of app "hash"."""

    @classmethod
    def setUpClients(cls):
        # identified out of order so that insertion order cannot fake the result
        specs = [{"client_id": "h%d" % i, "app": "hash", "metadata": {"n": e("integer", i)}} for i in (4, 2, 1, 3)]
        cls.h = sorted(cls.open_class_clients(specs), key=lambda ws: ws.client_id)
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": "hash-sender"}])[0]

    def expect_one(self, target, cid, rounds=4):
        want = {[ws.client_id for ws in self.h].index(cid)}
        for k in range(rounds):
            got = self.deliver(self.sender, message(target, {"round": k}, nonce=cid), self.h)
            self.assert_reached(got, self.h, want, "SEND", {"round": k}, cid)

    def test_R5_spec_vectors_key_k0_goes_to_h3_and_user_9_to_h1(self):
        with self.subTest(key="k0"):
            self.expect_one({"application": "hash", "key": "k0"}, "h3")
        with self.subTest(key="user-9"):
            self.expect_one({"application": "hash", "key": "user-9"}, "h1")
        self.assert_no_reply(self.sender)

    def test_R5_the_hash_is_taken_over_the_filtered_set(self):
        # without h3, k0's scores rank h4 (0x96f7...) above h1 (0x8516...) and h2 (0x74c0...)
        self.expect_one({"application": "hash", "key": "k0", "ops": [op("/n", "$ne", 3)]}, "h4")
        # without h3 and h4: h1
        self.expect_one({"application": "hash", "key": "k0", "ops": [op("/n", "$lt", 3)]}, "h1")
        self.assert_no_reply(self.sender)

    def test_R6_BROADCAST_ignores_the_key(self):
        got = self.deliver(self.sender, message({"application": "hash", "key": "k0"}, "all", t="BROADCAST"), self.h)
        self.assert_reached(got, self.h, {0, 1, 2, 3}, "BROADCAST", "all")

    def test_R5_removing_or_adding_a_client_only_moves_keys_from_or_to_it(self):
        app = uid("hm")
        cs = self.clients([{"client_id": "c%d" % i, "app": app} for i in range(1, 7)])
        sub = self.client(receive_client_updates=True)
        keys = ["key-%d" % k for k in range(24)]

        def where(clients):
            """Route every key; return key -> client_id (and check the pick)."""
            out = {}
            pairs = [(app, ws.client_id) for ws in clients]
            for key in keys:
                got = self.deliver(self.sender, message({"application": app, "key": key}, key), clients)
                hit = self.receivers(got, "SEND", key, None)
                self.assertEqual(len(hit), 1, (key, hit))
                out[key] = clients[hit.pop()].client_id
                self.assertEqual(out[key], rendezvous_pick(key, pairs)[1], key)
            return out

        before = where(cs)
        gone = max(cs, key=lambda ws: sum(1 for v in before.values() if v == ws.client_id))
        gone.close()
        self.events(sub, [disconnected(gone)], lambda a, c: a == app, quiet=0)
        rest = [ws for ws in cs if ws is not gone]
        after = where(rest)
        for key in keys:
            if before[key] != gone.client_id:
                self.assertEqual(after[key], before[key], "key %r moved although its client stayed" % key)
        added = self.clients([{"client_id": "c9", "app": app}])[0]
        again = where(rest + [added])
        for key in keys:
            if again[key] != "c9":
                self.assertEqual(again[key], after[key], "key %r moved to a client other than the new one" % key)
        self.assert_no_reply(self.sender)


class Selectors(RoutingCase):
    """R-3 selectors, Q-19."""

    @classmethod
    def setUpClients(cls):
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": "sel-sender"}])[0]

    def group(self, values, restricted_values=()):
        """One app; clients named by the dict keys, in the given order, with
        metadata load = value (ABSENT = no key). Restricted ones get theirs
        by UPDATE_METADATA (A-3)."""
        app = uid("sel")
        specs = []
        for cid, v in values:
            md = {} if v is ABSENT else {"load": e("float" if isinstance(v, float) else
                                                   "string" if isinstance(v, str) else "integer", v)}
            specs.append({"client_id": cid, "app": app, "metadata": md})
        cs = self.clients(specs)
        for cid, v in restricted_values:
            ws = self.client(app=app, cid=cid, restricted=True)
            self.update_metadata(ws, {"load": e("integer", v)})
            cs.append(ws)
        return app, cs

    def only(self, target, cs, cid, t="SEND", rounds=2):
        want = {[ws.client_id for ws in cs].index(cid)}
        for k in range(rounds):
            got = self.deliver(self.sender, message(target, {"k": k}, t=t), cs)
            self.assert_reached(got, cs, want, t, {"k": k})

    def test_R3_min_and_max_pick_the_extreme_number_with_ties_to_the_smallest_client_id(self):
        app, cs = self.group([("z", 3), ("m", 3.0), ("a", 5), ("b", "1"), ("c", ABSENT), ("e", 9), ("d", 9),
                              ("f", -2.5)], restricted_values=[("r", -100)])
        with self.subTest(selector="$min"):
            self.only({"application": app, "selector": {"$min": "load"}}, cs, "f")
        with self.subTest(selector="$min with a tie"):
            self.only({"application": app, "selector": {"$min": "load"}, "ops": [op("/load", "$gt", 0)]}, cs, "m")
        with self.subTest(selector="$max with a tie"):
            self.only({"application": app, "selector": {"$max": "load"}}, cs, "d")
        with self.subTest(selector="$min including restricted clients"):
            self.only({"application": app, "selector": {"$min": "load"}, "restricted": True}, cs, "r")
        with self.subTest(selector="BROADCAST with a selector reaches one client"):
            self.only({"application": app, "selector": {"$max": "load"}}, cs, "d", t="BROADCAST")
        self.assert_no_reply(self.sender)

    def test_R3_avg_picks_the_value_closest_to_the_mean_with_ties_to_the_smallest_client_id(self):
        with self.subTest(case="mean 5.8 of 3, 3, 5, 9, 9"):
            app, cs = self.group([("z", 3), ("m", 3), ("a", 5), ("d", 9), ("e", 9), ("s", "100")])
            self.only({"application": app, "selector": {"$avg": "load"}}, cs, "a")
        with self.subTest(case="tie: mean 2 of 1 and 3"):
            app, cs = self.group([("y", 1), ("x", 3)])
            self.only({"application": app, "selector": {"$avg": "load"}}, cs, "x")
        with self.subTest(case="mean 14/3 of 0, 4, 10"):
            app, cs = self.group([("q", 0), ("p", 4.0), ("o", 10)])
            self.only({"application": app, "selector": {"$avg": "load"}}, cs, "p")
        self.assert_no_reply(self.sender)

    def test_R3_ties_across_applications_go_to_the_bytewise_smallest_app_id_first(self):
        pre, key = uid("tie"), uid("k").replace("-", "_")
        # bytewise "B" (0x42) < "a" (0x61): the client of app <pre>B wins although its id is "z"
        cs = self.clients([{"client_id": "a", "app": pre + "a", "metadata": {key: e("integer", 1)}},
                           {"client_id": "z", "app": pre + "B", "metadata": {key: e("integer", 1)}},
                           {"client_id": "b", "app": pre + "B", "metadata": {key: e("integer", 2)}}])
        self.only({"selector": {"$min": key}}, cs, "z")
        self.assert_no_reply(self.sender)

    def test_Q19_a_selector_key_starting_with_a_slash_is_a_path(self):
        app = uid("selp")
        cs = self.clients([{"client_id": "c%d" % i, "app": app,
                            "metadata": {"stats": e("map", {"load": v})}} for i, v in enumerate((7, 2, 11, 5))])
        self.only({"application": app, "selector": {"$max": "/stats/load"}}, cs, "c2")
        self.only({"application": app, "selector": {"$min": "/stats/load"}}, cs, "c1")
        self.assert_no_reply(self.sender)

    def test_R3_R4_the_selector_applies_after_ops_and_wins_over_key(self):
        app, cs = self.group([("a", 1), ("b", 2), ("c", 3), ("d", 4)])
        self.only({"application": app, "selector": {"$min": "load"}, "ops": [op("/load", "$gte", 2)]}, cs, "b")
        for key in ("k0", "user-9", "x"):
            with self.subTest(key=key):
                self.only({"application": app, "selector": {"$max": "load"}, "key": key}, cs, "d")
        self.assert_no_reply(self.sender)

    def test_R3_R1_no_numeric_value_empties_the_set_and_optional_falls_back_without_the_selector(self):
        app, cs = self.group([("a", "1"), ("b", ABSENT), ("c", "x")])
        frame = message({"application": app, "selector": {"$min": "load"}}, "none", nonce="n")
        got = self.deliver(self.sender, frame, cs)
        self.assert_no_route(self.sender, frame)
        self.assert_reached(got, cs, set(), "SEND", None)
        # optional: steps 1-3 again, i.e. every client of the app and no selector
        got = self.deliver(self.sender, message({"application": app, "selector": {"$min": "load"},
                                                 "optional": True}, "fb", t="BROADCAST"), cs)
        self.assert_reached(got, cs, {0, 1, 2}, "BROADCAST", "fb")
        got = self.deliver(self.sender, message({"application": app, "selector": {"$min": "load"},
                                                 "optional": True}, "fb1"), cs)
        self.assertEqual(len(self.receivers(got, "SEND", "fb1", None)), 1)
        self.assert_no_reply(self.sender)

    def test_Q19_an_empty_selector_map_is_no_selector(self):
        app, cs = self.group([("a", 1), ("b", 2), ("c", 3)])
        for sel in ({}, None):
            with self.subTest(selector=sel):
                got = self.deliver(self.sender, message({"application": app, "selector": sel}, "x", t="BROADCAST"), cs)
                self.assert_reached(got, cs, {0, 1, 2}, "BROADCAST", "x")
        self.assert_no_reply(self.sender)


class Tags(RoutingCase):
    """T-4: an application given as a tag array."""

    @classmethod
    def setUpClients(cls):
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": "tag-sender"}])[0]

    def setUp(self):
        super().setUp()
        pre = uid("tg")
        self.tx, self.ty = pre + "-x", pre + "-y"
        self.apps = [pre + "0", pre + "1", pre + "2", pre + "3"]
        a0, a1, a2, a3 = self.apps
        # app 0: only a restricted client -- its tags are not stored (A-6, T-1)
        r = self.client(app=a0, cid="r", restricted=True, tags=[self.tx, self.ty])
        normal = self.clients([
            {"client_id": "a1", "app": a1, "tags": [self.tx]},
            {"client_id": "b1", "app": a2, "tags": [self.tx, "unrelated"]},
            {"client_id": "b2", "app": a2, "tags": [self.ty]},
            {"client_id": "b3", "app": a2, "metadata": {"v": e("integer", 3)}},
            {"client_id": "c1", "app": a3, "tags": [self.tx, self.ty], "metadata": {"v": e("integer", 1)}},
        ])
        self.all = [r] + normal
        self.idx = {ws.client_id: i for i, ws in enumerate(self.all)}

    def reached(self, target, cids, t="BROADCAST"):
        got = self.deliver(self.sender, message(target, "tagged", t=t), self.all)
        self.assert_reached(got, self.all, {self.idx[c] for c in cids}, t, "tagged")

    def test_T4_T2_a_tag_array_resolves_to_the_smallest_application_whose_clients_pool_all_tags(self):
        # app 2 pools x (b1) and y (b2); app 3 has both in one client but sorts later
        self.reached({"application": [self.tx, self.ty]}, ["b1", "b2", "b3"])
        self.reached({"application": [self.ty, self.tx]}, ["b1", "b2", "b3"])
        self.assert_no_reply(self.sender)

    def test_T4_A6_restricted_clients_tags_do_not_count(self):
        self.reached({"application": [self.tx]}, ["a1"])
        self.reached({"application": [self.ty]}, ["b1", "b2", "b3"])
        self.reached({"application": [self.tx, self.ty], "restricted": True}, ["b1", "b2", "b3"])
        self.assert_no_reply(self.sender)

    def test_T4_SEND_to_a_tag_array_reaches_one_client_of_the_resolved_application(self):
        for k in range(4):
            got = self.deliver(self.sender, message({"application": [self.tx, self.ty]}, k), self.all)
            hit = self.receivers(got, "SEND", k, None)
            self.assertEqual(len(hit), 1)
            self.assertIn(self.all[hit.pop()].client_id, ("b1", "b2", "b3"))
        self.assert_no_reply(self.sender)

    def test_T4_ops_apply_after_resolution_and_do_not_pick_another_application(self):
        self.reached({"application": [self.tx, self.ty], "ops": [op("/v", "$eq", 3)]}, ["b3"])
        # c1 (v=1) is in app 3, which the tags did not resolve to
        frame = message({"application": [self.tx, self.ty], "ops": [op("/v", "$eq", 1)]}, "x", t="BROADCAST")
        got = self.deliver(self.sender, frame, self.all)
        self.assert_no_route(self.sender, frame)
        self.assert_reached(got, self.all, set(), "BROADCAST", None)
        self.assert_no_reply(self.sender)

    def test_T4_T2_unmatched_or_empty_tag_arrays_are_unroutable_even_with_optional(self):
        for target in ({"application": []}, {"application": [uid("nosuch")]},
                       {"application": [self.tx, uid("nosuch")]},
                       {"application": [uid("nosuch")], "optional": True},
                       {"application": [], "optional": True}):
            with self.subTest(target=target):
                frame = message(target, "x", nonce="t")
                got = self.deliver(self.sender, frame, self.all)
                self.assert_no_route(self.sender, frame)
                self.assert_reached(got, self.all, set(), "SEND", None)
        self.assert_no_reply(self.sender)


class RestrictedAndOptional(RoutingCase):
    """A-5 restricted filter, R-1 step 6 optional fallback."""

    @classmethod
    def setUpClients(cls):
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": "ro-sender"}])[0]

    def setUp(self):
        super().setUp()
        self.app, self.app2 = uid("ro"), uid("ro2")
        self.cs = self.clients([{"client_id": "n1", "app": self.app, "metadata": {"v": e("integer", 1)}},
                                {"client_id": "n2", "app": self.app, "metadata": {"v": e("integer", 2)}},
                                {"client_id": "x1", "app": self.app2, "metadata": {"v": e("integer", 1)}}])
        for cid, v in (("r1", 1), ("r2", 2)):
            ws = self.client(app=self.app, cid=cid, restricted=True)
            self.update_metadata(ws, {"v": e("integer", v)})
            self.cs.append(ws)
        self.idx = {ws.client_id: i for i, ws in enumerate(self.cs)}

    def reached(self, target, cids, t="BROADCAST"):
        got = self.deliver(self.sender, message(target, "p", t=t), self.cs)
        self.assert_reached(got, self.cs, {self.idx[c] for c in cids}, t, "p")

    def test_A5_restricted_clients_are_excluded_unless_the_query_says_restricted_true(self):
        for flag in (ABSENT, False, "false", "yes", 1, None):
            with self.subTest(restricted=flag):
                target = {"application": self.app}
                if flag is not ABSENT:
                    target["restricted"] = flag
                self.reached(target, ["n1", "n2"])
        for flag in (True, "true"):
            with self.subTest(restricted=flag):
                self.reached({"application": self.app, "restricted": flag}, ["n1", "n2", "r1", "r2"])
        with self.subTest(case="reserved key restricted"):
            self.reached({"application": self.app, "restricted": True, "ops": [op("/restricted", "$eq", True)]},
                         ["r1", "r2"])
        self.assert_no_reply(self.sender)

    def test_A5_D5_a_SEND_that_only_restricted_clients_match_is_no_route_without_restricted_true(self):
        target = {"application": self.app, "ops": [op("/restricted", "$eq", True), op("/v", "$eq", 2)]}
        frame = message(target, "p", nonce="r")
        got = self.deliver(self.sender, frame, self.cs)
        self.assert_no_route(self.sender, frame)
        self.assert_reached(got, self.cs, set(), "SEND", None)
        self.reached(dict(target, restricted=True), ["r2"], t="SEND")
        self.assert_no_reply(self.sender)

    def test_R1_optional_fallback_keeps_the_application_and_restricted_filters(self):
        nomatch = [op("/v", "$eq", 999)]
        for flag in (True, "true"):
            with self.subTest(optional=flag):
                self.reached({"application": self.app, "ops": nomatch, "optional": flag}, ["n1", "n2"])
        with self.subTest(case="with restricted true"):
            self.reached({"application": self.app, "ops": nomatch, "optional": True, "restricted": True},
                         ["n1", "n2", "r1", "r2"])
        with self.subTest(case="SEND"):
            got = self.deliver(self.sender, message({"application": self.app, "ops": nomatch, "optional": True},
                                                    "one"), self.cs)
            hit = self.receivers(got, "SEND", "one", None)
            self.assertEqual(len(hit), 1)
            self.assertIn(self.cs[hit.pop()].client_id, ("n1", "n2"))
        self.assert_no_reply(self.sender)

    def test_R1_optional_does_not_widen_a_set_that_is_not_empty(self):
        self.reached({"application": self.app, "ops": [op("/v", "$eq", 2)], "optional": True}, ["n2"])
        self.assert_no_reply(self.sender)

    def test_R1_optional_false_or_not_true_is_no_route(self):
        for flag in (False, "false", 1, "yes"):
            with self.subTest(optional=flag):
                frame = message({"application": self.app, "ops": [op("/v", "$eq", 999)], "optional": flag}, "x")
                got = self.deliver(self.sender, frame, self.cs)
                self.assert_no_route(self.sender, frame)
                self.assert_reached(got, self.cs, set(), "SEND", None)
        self.assert_no_reply(self.sender)


# Invalid targets; "APP" is replaced by an application that has a client, so a
# server that ignored the broken part would deliver something.
INVALID_TARGETS = [
    ("target is a string", "APP"),
    ("target is an array", ["APP"]),
    ("target is a number", 5),
    ("application is a number", {"application": 5}),
    ("application is a map", {"application": {"name": "APP"}}),
    ("application is a boolean", {"application": True}),
    ("application array holds a non-string", {"application": ["APP", 5]}),
    ("ops is a map", {"application": "APP", "ops": {"path": "/id", "op": "$eq", "to": {"value": 1}}}),
    ("ops is a string", {"application": "APP", "ops": "[]"}),
    ("ops element is not a map", {"application": "APP", "ops": [5]}),
    ("ops element is an empty map", {"application": "APP", "ops": [{}]}),
    ("unknown operator", {"application": "APP", "ops": [op("/id", "$foo", 1)]}),
    ("unknown operator, upper case", {"application": "APP", "ops": [op("/id", "$EQ", 1)]}),
    ("operator without $", {"application": "APP", "ops": [op("/id", "eq", 1)]}),
    ("path missing", {"application": "APP", "ops": [{"op": "$eq", "to": {"value": 1}}]}),
    ("to missing", {"application": "APP", "ops": [{"path": "/id", "op": "$eq"}]}),
    ("path without leading slash", {"application": "APP", "ops": [op("id", "$eq", 1)]}),
    ("empty path", {"application": "APP", "ops": [op("", "$eq", 1)]}),
    ("path is a number", {"application": "APP", "ops": [{"path": 5, "op": "$eq", "to": {"value": 1}}]}),
    ("to is not a map", {"application": "APP", "ops": [{"path": "/id", "op": "$eq", "to": 1}]}),
    ("to has neither value nor path", {"application": "APP", "ops": [{"path": "/id", "op": "$eq", "to": {}}]}),
    ("to.path is not a string", {"application": "APP",
                                 "ops": [{"path": "/id", "op": "$eq", "to": {"path": 5}}]}),
    ("logical with is not an array", {"application": "APP", "ops": [{"op": "$and", "with": {}}]}),
    ("logical without with", {"application": "APP", "ops": [{"op": "$or"}]}),
    ("invalid element inside with", {"application": "APP", "ops": [logical("$or", op("/id", "$eq", 1), {})]}),
    ("literal $in operand not an array", {"application": "APP", "ops": [op("/id", "$in", 1)]}),
    ("literal $nin operand not an array", {"application": "APP", "ops": [op("/id", "$nin", "1")]}),
    ("legacy operator map not a map", {"application": "APP", "ops": [{"id": 1}]}),
    ("legacy unknown operator", {"application": "APP", "ops": [{"id": {"$foo": 1}}]}),
    ("legacy $in operand not an array", {"application": "APP", "ops": [{"id": {"$in": 1}}]}),
    ("legacy logical operand not an array", {"application": "APP", "ops": [{"$or": {"id": {"$eq": 1}}}]}),
    ("legacy key-scoped logical operand not an array", {"application": "APP", "ops": [{"id": {"$and": 1}}]}),
    ("legacy element key starting with $", {"application": "APP", "ops": [{"$where": {"$eq": 1}}]}),
    ("selector is a string", {"application": "APP", "selector": "$min"}),
    ("selector is an array", {"application": "APP", "selector": [{"$min": "id"}]}),
    ("selector with two entries", {"application": "APP", "selector": {"$min": "id", "$max": "id"}}),
    ("unknown selector", {"application": "APP", "selector": {"$median": "id"}}),
    ("selector value not a string", {"application": "APP", "selector": {"$min": 5}}),
]


class Errors(RoutingCase):
    """D-2, D-5, D-7 and Q-18 on a sender that stays connected."""

    @classmethod
    def setUpClients(cls):
        cls.app = uid("err")
        cls.sender = cls.open_class_clients([{"client_id": "s", "app": "err-sender"}])[0]
        cls.rcv = cls.open_class_clients([{"client_id": "r", "app": cls.app, "metadata": {"id": e("integer", 1)}}])

    def tearDown(self):
        try:
            # whatever the test did, the receiver got nothing and the sender nothing more
            got = self.fence_apps(self.sender, self.rcv)
            self.assertEqual(got, [[]], "receiver got frames")
            self.assert_no_reply(self.sender)
        finally:
            super().tearDown()

    def test_D5_an_unroutable_SEND_or_BROADCAST_is_no_route_with_the_received_frame_and_the_connection_stays_open(self):
        nosuch = {"application": uid("nosuch")}
        cases = [
            ("SEND with nonce", message(nosuch, {"x": 1}, nonce="abc")),
            ("SEND without nonce", message(nosuch, [1, 2])),
            ("SEND with null payload", message(nosuch, None, nonce=None)),
            ("SEND with ts", message(nosuch, "p", nonce="n", ts=1234567)),
            ("SEND with extra fields", message(nosuch, "p", nonce="n", sender="me")),
            ("ops match nobody", message({"application": self.app, "ops": [op("/id", "$eq", 2)]}, "p", nonce="o")),
            ("BROADCAST", message(nosuch, "p", nonce="b", t="BROADCAST")),
            ("droppable false", message(dict(nosuch, droppable=False), "p")),
            ("droppable 'false'", message(dict(nosuch, droppable="false"), "p")),
            ("droppable 1 is not true", message(dict(nosuch, droppable=1), "p")),
        ]
        for label, frame in cases:
            with self.subTest(case=label):
                self.sender.send_json(frame)
                self.assert_no_route(self.sender, frame)
        with self.subTest(case="unknown top-level keys are not echoed"):
            frame = message(nosuch, "p", nonce="k")
            self.sender.send_json(dict(frame, extra="x"))
            self.assert_no_route(self.sender, frame)
        self.heartbeat(self.sender)

    def test_L16_D5_the_no_route_reply_comes_before_the_reply_to_the_next_frame(self):
        frame = message({"application": uid("nosuch")}, "p", nonce="order")
        order = []
        for _ in range(20):
            self.sender.send_json(frame)
            self.sender.send_json({"op": 5, "d": {"client_id": self.sender.client_id}})
            first, second = self.sender.recv_json(RECV), self.sender.recv_json(RECV)
            order.append((first.get("op"), second.get("op")))
            for f in (first, second):
                if f.get("op") == 3:
                    self.assert_error_frame(f, 3, "no_route", echo(frame))
                else:
                    self.assert_server_frame(f, 6, {"client_id": self.sender.client_id})
        self.assertEqual(order, [(3, 6)] * 20, "op order of (no_route, heartbeat ack) pairs")

    def test_D5_a_droppable_unroutable_message_is_dropped_silently(self):
        for t in ("SEND", "BROADCAST"):
            for flag in (True, "true"):
                with self.subTest(t=t, droppable=flag):
                    self.sender.send_json(message({"application": self.app, "ops": [op("/id", "$eq", 2)],
                                                   "droppable": flag}, "p", nonce="d", t=t))
                    self.assert_no_reply(self.sender)

    def test_D5_droppable_does_not_stop_a_routable_message(self):
        for t in ("SEND", "BROADCAST"):
            with self.subTest(t=t):
                self.sender.send_json(message({"application": self.app, "droppable": True}, "p", nonce="d", t=t))
                self.recv_delivery(self.rcv[0], t, "p", "d")

    def test_D7_invalid_queries_get_invalid_query_with_a_reason_and_nothing_is_sent(self):
        for label, target in INVALID_TARGETS:
            target = self.fill(target)
            for t in ("SEND", "BROADCAST"):
                with self.subTest(case=label, t=t):
                    self.sender.send_json(message(target, "never", nonce="inv", t=t))
                    self.assert_invalid_query(self.sender, label)
            with self.subTest(case=label, droppable=True):
                # droppable silences no_route, not an invalid query
                self.sender.send_json(message(dict(target, droppable=True) if isinstance(target, dict) else target,
                                              "never", nonce="inv"))
                self.assert_invalid_query(self.sender, label)
        self.heartbeat(self.sender)

    def fill(self, v):
        if v == "APP":
            return self.app
        if isinstance(v, list):
            return [self.fill(x) for x in v]
        if isinstance(v, dict):
            return {k: self.fill(x) for k, x in v.items()}
        return v

    def test_Q18_restricted_optional_droppable_and_key_never_make_a_query_invalid(self):
        for field, value in (("restricted", "maybe"), ("restricted", [1]), ("optional", {"x": 1}),
                             ("optional", 0), ("droppable", None), ("droppable", []), ("key", {"k": 1}),
                             ("key", 2.5), ("selector", None), ("ops", None), ("unknown_field", "x")):
            with self.subTest(field=field, value=value):
                self.sender.send_json(message({"application": self.app, field: value}, field, nonce=str(value)))
                self.recv_delivery(self.rcv[0], "SEND", field, str(value))

    def test_D2_malformed_SEND_or_BROADCAST_d_is_invalid_dispatch_payload_with_the_received_frame(self):
        target = {"application": self.app}
        bodies = [
            ("d missing", ABSENT),
            ("d null", None),
            ("d an array", [target, "p"]),
            ("d a string", "SEND"),
            ("d a number", 5),
            ("d empty", {}),
            ("target missing", {"payload": "p", "nonce": "n"}),
            ("target null", {"target": None, "payload": "p"}),
            ("payload missing", {"target": target, "nonce": "n"}),
            ("nonce a number", {"target": target, "payload": "p", "nonce": 5}),
            ("nonce a map", {"target": target, "payload": "p", "nonce": {"id": "n"}}),
            ("nonce a boolean", {"target": target, "payload": "p", "nonce": True}),
            ("nonce an array", {"target": target, "payload": "p", "nonce": ["n"]}),
        ]
        for t in ("SEND", "BROADCAST"):
            for label, d in bodies:
                for ts in (ABSENT, 77):
                    with self.subTest(t=t, case=label, ts=ts):
                        frame = dispatch(t, d, ts=ts)
                        self.sender.send_json(frame)
                        self.assert_invalid(self.sender, "invalid dispatch payload", echo(frame))
        self.heartbeat(self.sender)

    def test_D2_a_null_payload_is_allowed_and_a_target_that_fails_Q18_is_invalid_query_not_dispatch(self):
        self.sender.send_json(message({"application": self.app}, None, nonce="null"))
        self.recv_delivery(self.rcv[0], "SEND", None, "null")
        self.sender.send_json(message(5, "p"))
        self.assert_invalid_query(self.sender, "target 5")


class RequestReply(RoutingCase):
    def test_D2_D3_a_nonce_request_gets_a_reply_carrying_the_same_nonce(self):
        a = self.client(app=uid("asker"))
        b = self.client(app=uid("answerer"))
        for k in range(20):
            nonce = "req-%d" % k
            a.send_json(message({"application": b.app}, {"q": "ping", "k": k}, nonce=nonce))
            f = self.recv_delivery(b, "SEND", {"q": "ping", "k": k}, nonce)
            b.send_json(message({"application": a.app}, {"a": "pong", "k": k}, nonce=f["d"]["nonce"]))
            self.recv_delivery(a, "SEND", {"a": "pong", "k": k}, nonce)
        # several outstanding requests answered out of order
        nonces = ["multi-%d" % k for k in range(10)]
        for n in nonces:
            a.send_json(message({"application": b.app}, n, nonce=n))
        got = [self.recv_delivery(b, "SEND", n, n) for n in nonces]
        for f in reversed(got):
            b.send_json(message({"application": a.app}, "re:" + f["d"]["payload"], nonce=f["d"]["nonce"]))
        for n in reversed(nonces):
            self.recv_delivery(a, "SEND", "re:" + n, n)
        self.assert_no_reply(a)
        self.assert_no_reply(b)

    def test_R8_the_sender_is_an_ordinary_candidate_and_receives_its_own_message(self):
        a = self.client(app=uid("self"))
        a.send_json(message({"application": a.app}, "to me", nonce="me"))
        self.recv_delivery(a, "SEND", "to me", "me")
        b = self.client(app=a.app)
        a.send_json(message({"application": a.app}, "both", t="BROADCAST"))
        self.recv_delivery(a, "BROADCAST", "both")
        self.recv_delivery(b, "BROADCAST", "both")
        self.assert_no_reply(a)
        self.assert_no_reply(b)


class MetadataVisibility(RoutingCase):
    def test_M6_a_metadata_update_is_visible_to_the_very_next_query_of_another_client(self):
        app = uid("m6")
        u = self.client(app=app, metadata={"v": e("integer", 0), "guilds": e("list", [])})
        s = self.client(app=uid("m6-sender"))
        for k in range(1, 31):
            with self.subTest(round=k):
                u.send_json(dispatch("UPDATE_METADATA", {"v": e("integer", k), "guilds": e("list", ["g%d" % k])}))
                # the heartbeat round trip on the updating connection is the only synchronisation
                self.heartbeat(u)
                s.send_json(message({"application": app, "ops": [op("/v", "$eq", k),
                                                                 op("/guilds", "$contains", "g%d" % k)]},
                                    k, nonce="new"))
                old = message({"application": app, "ops": [op("/v", "$eq", k - 1)]}, k, nonce="old")
                s.send_json(old)
                self.assert_no_route(s, old)
                self.recv_delivery(u, "SEND", k, "new")
        self.assert_no_reply(s)

    def test_M6_L16_an_update_is_visible_to_the_next_frame_of_the_same_connection(self):
        app = uid("m6self")
        u = self.client(app=app)
        for k in range(10):
            u.send_json(dispatch("UPDATE_METADATA", {"v": e("integer", k)}))
            u.send_json(message({"application": app, "ops": [op("/v", "$eq", k)]}, k, nonce="self"))
            self.recv_delivery(u, "SEND", k, "self")
        self.assert_no_reply(u)


class Flood(RoutingCase):
    SENDERS, RECEIVERS, PER_SENDER = 4, 4, 2000

    def test_R9_R10_a_flood_from_four_senders_loses_nothing_duplicates_nothing_and_keeps_per_sender_order(self):
        app = uid("flood")
        rcv = self.clients([{"client_id": "r%d" % k, "app": app, "metadata": {"r": e("integer", k)}}
                            for k in range(self.RECEIVERS)])
        snd = self.clients([{"client_id": "s%d" % s, "app": app + "-senders"} for s in range(self.SENDERS)])

        def is_broadcast(n):
            return n % 10 == 9

        def frame(s, n):
            if is_broadcast(n):
                return message({"application": app}, {"s": s, "n": n}, nonce="%d-%d" % (s, n), t="BROADCAST")
            return message({"application": app, "ops": [op("/r", "$eq", n % self.RECEIVERS)]},
                           {"s": s, "n": n}, nonce="%d-%d" % (s, n))

        results = [[] for _ in rcv]
        errors = []

        def read(k):
            ws, fences = rcv[k], 0
            try:
                while fences < self.SENDERS:
                    f = ws.recv_json(10.0)
                    results[k].append(f)
                    if isinstance(f.get("d"), dict) and isinstance(f["d"].get("payload"), dict) \
                            and "fence" in f["d"]["payload"]:
                        fences += 1
            except Exception as ex:  # noqa: BLE001 - reported below
                errors.append("receiver r%d after %d frames: %r" % (k, len(results[k]), ex))

        threads = [threading.Thread(target=read, args=(k,), daemon=True) for k in range(len(rcv))]
        for th in threads:
            th.start()
        wire = [[wsclient.build_frame(wsclient.OP_TEXT, dumps(frame(s, n)).encode()) for n in range(self.PER_SENDER)]
                for s in range(self.SENDERS)]
        for start in range(0, self.PER_SENDER, 100):
            for s, ws in enumerate(snd):
                ws.send_raw(b"".join(wire[s][start:start + 100]))
        for s, ws in enumerate(snd):
            ws.send_json(message({"application": app}, {"fence": s}, t="BROADCAST"))
        for th in threads:
            th.join(30)
        self.assertEqual(errors, [])
        for k, frames in enumerate(results):
            per_sender = {s: [] for s in range(self.SENDERS)}
            fenced = set()
            for f in frames:
                self.assert_server_frame(f, 4, None, t=f.get("t"))
                self.assertIn(f["t"], ("SEND", "BROADCAST"), f)
                p = f["d"]["payload"]
                if "fence" in p:
                    self.assert_delivery(f, "BROADCAST", p, None)
                    fenced.add(p["fence"])
                    continue
                s, n = p["s"], p["n"]
                self.assert_delivery(f, "BROADCAST" if is_broadcast(n) else "SEND", p, "%d-%d" % (s, n))
                self.assertNotIn(s, fenced, "r%d: message %d of sender %d after that sender's fence" % (k, n, s))
                per_sender[s].append(n)
            for s in range(self.SENDERS):
                want = [n for n in range(self.PER_SENDER) if is_broadcast(n) or n % self.RECEIVERS == k]
                got = per_sender[s]
                if got != want:
                    self.fail("r%d from s%d: %d received, %d expected; missing %r, duplicated %r, first "
                              "out-of-order position %r" % (
                                  k, s, len(got), len(want), sorted(set(want) - set(got))[:10],
                                  sorted(n for n in set(got) if got.count(n) > 1)[:10],
                                  next((i for i in range(1, len(got)) if got[i] <= got[i - 1]), None)))
        for ws in snd:
            self.assert_no_reply(ws)


if __name__ == "__main__":
    unittest.main()
