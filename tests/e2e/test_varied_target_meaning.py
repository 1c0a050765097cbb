"""What the integer that changes from frame to frame means where it stands
(Q-1…Q-19, R-1, R-3, R-5): a comparison literal in every form (canonical,
legacy, nested logicals, ordering, $in arrays, operand defaults), or no
literal at all (a flag, a key, a string, a path, an ignored field, a place
that makes the query invalid). The node only skips parsing a frame for an
integer that is a comparison literal; every frame here must do what its own
text says. Runs of each shape are sent back to back by a fresh sender (see
varied_support); the receivers are one population with several keys.
"""

import random
import unittest

from harness import uid
from routing_support import RoutingCase, e, rendezvous_pick
from varied_support import F, VariedChecks, fill

IDS = [0, 1, -1, 2, 3, 5, 10, 17, -17, 4093, 65536, -4093, 123456789012345678, 9007199254740993,
       9007199254740992, 999]


class VariedTargetMeaning(VariedChecks, RoutingCase):

    def setUp(self):
        super().setUp()
        self.app = uid("vm")
        self.pop = [{"id": n, "group": i % 4, "score": (i * 7) % 11 + 0.5, "list": [n, n + 1]}
                    for i, n in enumerate(IDS)]
        types = {"id": "integer", "group": "integer", "score": "float", "list": "list"}
        self.rs = self.clients([{"client_id": "r%02d" % i, "app": self.app,
                                 "metadata": {k: e(types[k], v) for k, v in md.items()}}
                                for i, md in enumerate(self.pop)])

    def sender(self):
        return self.client(app=uid("vm-sender"))

    def where(self, pred):
        return {i for i, md in enumerate(self.pop) if pred(md)}

    def shape(self, template, seq, pred, t="BROADCAST", sender=None, **kw):
        """Frames of `template` for each n of `seq`; `pred(md, n)` says who matches."""
        out = []
        for n in seq:
            to = self.where(lambda md: pred(md, n))
            if t == "SEND" and to:
                self.assertEqual(len(to), 1, "a SEND test needs one match (n=%r)" % (n,))
            out.append(F(fill(template, n), to, t=t, reply=None if to else "no_route", **kw))
        return out

    def q(self, ops, **extra):
        """A target text with `ops` (text, one "@") and extra fields (text)."""
        more = "".join(',"%s":%s' % kv for kv in extra.items())
        return '{"application":"%s"%s,"ops":[%s]}' % (self.app, more, ops)

    def seq(self, seed, values=IDS, extra=(), times=2):
        rng = random.Random(seed)
        s = list(values) * times + list(extra)
        rng.shuffle(s)
        return [17, 4093] + s

    # -- the integer is a comparison literal ------------------------------------
    def test_Q8_legacy_key_scoped_and_logical_forms_with_a_varying_integer(self):
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"id":{"$eq":@}}'), self.seq(1, extra=[6]), lambda md, n: md["id"] == n, t="SEND"))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"$or":[{"group":{"$eq":3}},{"id":{"$eq":@}}]}'), self.seq(2, extra=[3, 3]),
            lambda md, n: md["group"] == 3 or md["id"] == n))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"id":{"$and":[{"$gte":@},{"$lte":4093}]}}'), self.seq(3),
            lambda md, n: n <= md["id"] <= 4093))

    def test_Q13_Q15_ordering_and_negated_ops_with_a_varying_bound_select_the_right_sets(self):
        for k, (name, pred) in enumerate((("$lt", lambda a, n: a < n), ("$gte", lambda a, n: a >= n),
                                          ("$ne", lambda a, n: a != n), ("$gt", lambda a, n: a > n))):
            with self.subTest(op=name):
                template = self.q('{"path":"/id","op":"%s","to":{"value":@}}' % name)
                self.run_frames(self.sender(), self.rs, self.shape(
                    template, self.seq(10 + k, extra=[-10 ** 17, 10 ** 18]), lambda md, n: pred(md["id"], n)))

    def test_Q17_a_varying_comparison_inside_nested_logicals(self):
        # the constant branch compares another key with a value N also takes
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"op":"$or","with":[{"path":"/group","op":"$eq","to":{"value":3}},'
                   '{"path":"/id","op":"$eq","to":{"value":@}}]}'),
            [5, 6, 3, 8, 3, 1, 2, 3, 0, 10, 3, -1] + self.seq(20),
            lambda md, n: md["group"] == 3 or md["id"] == n))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"op":"$and","with":[{"op":"$nor","with":[{"path":"/id","op":"$eq","to":{"value":@}}]},'
                   '{"path":"/group","op":"$eq","to":{"value":1}}]}'),
            self.seq(21, extra=[1, 1]), lambda md, n: md["group"] == 1 and md["id"] != n))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/group","op":"$eq","to":{"value":2}},'
                   '{"op":"$or","with":[{"path":"/id","op":"$eq","to":{"value":2}},'
                   '{"op":"$and","with":[{"path":"/id","op":"$gt","to":{"value":@}}]}]}'),
            self.seq(22, extra=[2, 2]), lambda md, n: md["group"] == 2 and (md["id"] == 2 or md["id"] > n)))

    def test_Q15_in_nin_and_contains_with_a_varying_integer(self):
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/id","op":"$in","to":{"value":[1,@]}}'), self.seq(30, extra=[1]),
            lambda md, n: md["id"] in (1, n)))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/id","op":"$nin","to":{"value":[@,5]}}'), self.seq(31),
            lambda md, n: md["id"] not in (n, 5)))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/list","op":"$contains","to":{"value":@}}'), self.seq(32, extra=[4094, 11]),
            lambda md, n: n in md["list"]))
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"list":{"$ncontains":@}}'), self.seq(33), lambda md, n: n not in md["list"]))

    def test_Q6_an_operand_path_default_of_N_or_a_value_next_to_a_path_compares_with_N(self):
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/id","op":"$eq","to":{"path":"/absent","default":@}}'), self.seq(40),
            lambda md, n: md["id"] == n))
        # the default only stands in for a missing path: /group is never missing
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/id","op":"$eq","to":{"path":"/group","default":@}}'), self.seq(41),
            lambda md, n: md["id"] == md["group"]))
        # "value" wins over "path"
        self.run_frames(self.sender(), self.rs, self.shape(
            self.q('{"path":"/id","op":"$eq","to":{"path":"/group","value":@}}'), self.seq(42),
            lambda md, n: md["id"] == n, t="SEND"))

    def test_R3_a_varying_group_with_a_selector_picks_within_that_group(self):
        for sel, pick in (("$min", min), ("$max", max)):
            with self.subTest(selector=sel):
                def pred(md, n, pick=pick):
                    scores = [m["score"] for m in self.pop if m["group"] == n]
                    return md["group"] == n and md["score"] == pick(scores)
                self.run_frames(self.sender(), self.rs, self.shape(
                    self.q('{"path":"/group","op":"$eq","to":{"value":@}}', selector='{"%s":"score"}' % sel),
                    [0, 1, 2, 3, 1, 0, 3, 3, 2, 7, 1, 2, 0, -1, 3], pred, t="SEND"))

    def test_D2_shapes_switching_and_coming_back_route_by_each_frame(self):
        s = self.sender()
        by_id = self.q('{"path":"/id","op":"$eq","to":{"value":@}}')
        frames = []
        for k, (template, pred, t) in enumerate((
                (by_id, lambda md, n: md["id"] == n, "SEND"),
                (self.q('{"path":"/group","op":"$eq","to":{"value":@}}'), lambda md, n: md["group"] == n,
                 "BROADCAST"),
                (by_id, lambda md, n: md["id"] == n, "SEND"),
                (self.q('{"id":{"$eq":@}}'), lambda md, n: md["id"] == n, "SEND"),
                (self.q('{"path":"/id","op":"$eq","to":{"value":@}}', optional="true"),
                 lambda md, n: md["id"] == n, "BROADCAST"),
                (by_id, lambda md, n: md["id"] == n, "SEND"))):
            values = [0, 1, 2, 3, 7] if "group" in template else [v for v in IDS if v != 0] + [0, 6]
            frames += self.shape(template, self.seq(50 + k, values=values, times=1), pred, t=t)
        # optional and no match: every client of the application
        for f in frames:
            if not f.to and "optional" in f.target_text:
                f.to, f.reply = frozenset(range(len(self.rs))), None
        self.run_frames(s, self.rs, frames)

    # -- the integer is no literal --------------------------------------------
    def test_Q2_an_integer_as_optional_droppable_or_restricted_means_false_every_time(self):
        r = self.client(app=self.app, cid="restricted", restricted=True)
        self.update_metadata(r, {"id": e("integer", 7)})
        rs = self.rs + [r]
        everyone, nobody = frozenset(range(len(self.rs))), frozenset()
        ints = [0, 1, 2, 1, -1, 17, 1, 4093, 0, 1, 123, 1, 10]
        # flag: (who gets a BROADCAST to id 7 when it is true, when false)
        for flag, when_true in (("optional", everyone), ("droppable", nobody), ("restricted", {len(rs) - 1})):
            with self.subTest(flag=flag):
                template = self.q('{"path":"/id","op":"$eq","to":{"value":7}}').replace(
                    '"ops":', '"%s":@,"ops":' % flag)
                frames = [F(fill(template, n), t="BROADCAST", reply="no_route") for n in ints]
                frames += [F(fill(template, v), when_true, t="BROADCAST") for v in ("true", '"true"')]
                frames += [F(fill(template, n), t="BROADCAST", reply="no_route") for n in (1, 2, 1)]
                self.run_frames(self.sender(), rs, frames)

    def test_Q3_R5_an_integer_key_hashes_as_its_decimal_text_for_every_N(self):
        members = [(self.app, ws.client_id) for ws in self.rs]
        template = '{"application":"%s","key":@}' % self.app
        keys = [17, 4093] + list(range(-3, 40)) + [123456789012345678, 17, 17]
        frames = [F(fill(template, n), {members.index(rendezvous_pick(str(n), members))}) for n in keys]
        frames += [F(fill(template, '"%d"' % n), {members.index(rendezvous_pick(str(n), members))})
                   for n in (17, 5, 4093)]
        self.assertGreater(len({f.to for f in frames}), 5, "the keys must spread over the members")
        self.run_frames(self.sender(), self.rs, frames)

    def test_Q6_an_integer_inside_a_string_literal_is_part_of_that_string(self):
        words = ["user-17", "user-4093", "user-5", "user--5", "17", "4093", "5", 'x",17,"y', 'x",5,"y']
        named = self.clients([{"client_id": "w%d" % i, "app": self.app, "metadata": {"name": e("string", w)}}
                              for i, w in enumerate(words)])
        numbered = self.clients([{"client_id": "n%d" % n, "app": self.app, "metadata": {"name": e("integer", n)}}
                                 for n in (17, 4093, 5, -5)])
        rs = named + numbered
        for template, word in (('"user-@"', "user-%d"), ('"@"', "%d"), ('"x\\",@,\\"y"', 'x",%d,"y'), ('@', None)):
            with self.subTest(literal=template):
                t = self.q('{"path":"/name","op":"$eq","to":{"value":%s}}' % template)
                frames = []
                for n in (17, 4093, 5, -5, 5, 17, 6, 4093, 5, 17):
                    if word is None:
                        to = {len(named) + i for i, m in enumerate((17, 4093, 5, -5)) if m == n}
                    else:
                        to = {i for i, w in enumerate(words) if w == word % n}
                    frames.append(F(fill(t, n), to, reply=None if to else "no_route"))
                self.run_frames(self.sender(), rs, frames)

    def test_Q10_an_integer_inside_a_path_names_another_key_or_index_each_time(self):
        ns = [17, 4093, 5, 0]
        keyed = self.clients([{"client_id": "k%d" % n, "app": self.app,
                               "metadata": {"id%d" % n: e("integer", 1), "slots": e("list", [10, 11, 12, 13])}}
                              for n in ns])
        t = self.q('{"path":"/id@","op":"$eq","to":{"value":1}}')
        frames = [F(fill(t, n), {ns.index(n)} if n in ns else (), t="SEND", reply=None if n in ns else "no_route")
                  for n in (17, 4093, 5, 0, 5, 6, 17, 0, 4093)]
        self.run_frames(self.sender(), keyed, frames)
        t = self.q('{"path":"/slots/@","op":"$eq","to":{"value":12}}')
        frames = [F(fill(t, i), range(len(ns)) if i == 2 else (), t="BROADCAST",
                    reply=None if i == 2 else "no_route")
                  for i in (0, 1, 2, 3, 2, 4, 2)]
        self.run_frames(self.sender(), keyed, frames)

    def test_Q1_an_integer_in_an_ignored_field_changes_nothing(self):
        five = {IDS.index(5)}
        for ops in ('{"path":"/id","op":"$eq","to":{"value":5,"note":@}}',
                    '{"path":"/id","op":"$eq","hint":@,"to":{"value":5}}',
                    '{"path":"/id","op":"$eq","to":{"value":5,"default":@}}'):
            with self.subTest(ops=ops):
                self.run_frames(self.sender(), self.rs,
                                [F(fill(self.q(ops), n), five) for n in (17, 4093, 5, 6, 0, -1, 5)])
        t = '{"application":"%s","hint":@,"ops":[{"path":"/id","op":"$eq","to":{"value":5}}]}' % self.app
        self.run_frames(self.sender(), self.rs, [F(fill(t, n), five) for n in (17, 4093, 5, 6, 0, -1, 5)])

    def test_D7_an_integer_where_the_query_needs_another_type_is_invalid_every_time(self):
        for template in ('{"application":@}', '{"application":["t",@]}',
                         self.q('{"path":"/id","op":"$in","to":{"value":@}}'),
                         self.q('{"path":"/id","op":"$nin","to":{"value":@}}'),
                         self.q('@'), '{"application":"%s","ops":@}' % self.app,
                         self.q('{"path":@,"op":"$eq","to":{"value":1}}'),
                         self.q('{"path":"/id","op":"$eq","to":@}'),
                         self.q('{"id":@}'), self.q('{"$or":@}'),
                         '{"application":"%s","selector":{"$min":@}}' % self.app):
            with self.subTest(template=template):
                s = self.sender()
                frames = [F(fill(template, n), reply="invalid query") for n in (17, 4093, 5, 6, 17)]
                frames.append(F(self.q('{"path":"/id","op":"$eq","to":{"value":5}}'), {IDS.index(5)}))
                self.run_frames(s, self.rs, frames)


if __name__ == "__main__":
    unittest.main()
