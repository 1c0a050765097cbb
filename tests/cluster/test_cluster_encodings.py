"""msgpack and ETF across nodes (E-3, E-4, K-5): a JSON client on A, a msgpack
client on B and an ETF client on C. Between nodes a payload travels as JSON
(its text, or the tree a binary client sent), so every route that crosses a
node must still arrive in the receiver's encoding with the kinds of
test_encodings' single-node checks: integers stay integers, 5.0 stays a
float, 5000000000 and text with non-ASCII characters come through as sent.
Gathered SENDs (the app is on all three nodes), spread BROADCASTs and
forwarded SENDs (an app only one peer has) are each checked, with the way
each went read from the sender's node's /metrics. Real binary, three nodes,
real redis-server."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_support  # noqa: E402  (puts tests/e2e on sys.path)
from cluster_cases import Base  # noqa: E402
from harness import uid  # noqa: E402
from test_encodings import ENCS, PAYLOAD, EncodedCase, entry, eq  # noqa: E402

cluster_support.install_sigterm_handler()


class CrossNodeEncodings(EncodedCase, Base):
    """One three-node cluster; the EncodedCase checks of every binary frame."""

    def routes(self, n):
        status, _, body = n.http("GET", "/metrics")
        self.assertEqual(status, 200)
        return {how: int(re.search(r'^singyeong_cluster_routes_total\{how="%s"\} (\d+)$' % how, body.decode(),
                                   re.M).group(1)) for how in ("gathered", "forwarded", "spread")}

    def grew(self, before, n, how, by):
        after = self.routes(n)
        self.assertEqual(after[how] - before[how], by, "%s routes on %r" % (how, n))

    def trio(self):
        """One app; json on A, msgpack on B, etf on C."""
        app = uid("xenc")
        at = dict(zip(ENCS, (self.a, self.b, self.c)))
        clients = {enc: self.identify_as(self.open(enc, at[enc]), cid=enc, app=app,
                                         metadata={"enc": entry("string", enc)}) for enc in ENCS}
        for enc, ws in clients.items():
            ws.at = at[enc]
        return app, clients

    def test_E3_E4_K5_a_SEND_between_nodes_arrives_in_the_receivers_encoding_with_kinds_kept(self):
        app, c = self.trio()
        for src in ENCS:
            before = self.routes(c[src].at)
            for dst in ENCS:
                if dst == src:
                    continue
                with self.subTest(src=src, dst=dst):
                    self.assert_reaches(c[src], [c[dst]], "SEND", {"application": app, "ops": [eq("/enc", dst)]},
                                        dict(PAYLOAD, sender=src), "n-%s-%s" % (src, dst))
            self.grew(before, c[src].at, "gathered", 2)
        for ws in c.values():
            self.assert_silent(ws, 0.2)

    def test_E3_E4_K5_a_spread_BROADCAST_reaches_all_three_nodes_in_their_own_encodings(self):
        app, c = self.trio()
        for src in ENCS:
            with self.subTest(src=src):
                before = self.routes(c[src].at)
                # (the sender's own copy included, R-8)
                self.assert_reaches(c[src], [c[dst] for dst in ENCS], "BROADCAST", {"application": app}, PAYLOAD,
                                    None)
                self.grew(before, c[src].at, "spread", 1)

    def test_E3_E4_K5_a_forwarded_SEND_to_the_one_peer_with_the_app_keeps_kinds_both_ways(self):
        # The app of each receiver is on its node only: from the others the SEND is forwarded.
        at = dict(zip(ENCS, (self.a, self.b, self.c)))
        apps = {enc: uid("xfwd-" + enc) for enc in ENCS}
        rx = {enc: self.identify_as(self.open(enc, at[enc]), cid="r-" + enc, app=apps[enc]) for enc in ENCS}
        tx = {enc: self.identify_as(self.open(enc, at[enc]), cid="s-" + enc, app=uid("xfwd-tx")) for enc in ENCS}
        for src in ENCS:
            before = self.routes(at[src])
            for dst in ENCS:
                if dst == src:
                    continue
                with self.subTest(src=src, dst=dst):
                    self.assert_reaches(tx[src], [rx[dst]], "SEND", {"application": apps[dst]},
                                        dict(PAYLOAD, sender=src), "f-%s-%s" % (src, dst))
                    # the ack follows the route's answer (L-16): the next SEND, forwarded to the other
                    # peer, is not behind a route still in flight to this one
                    self.beat(tx[src])
            self.grew(before, at[src], "forwarded", 2)
        for ws in list(rx.values()) + list(tx.values()):
            self.assert_silent(ws, 0.2)


if __name__ == "__main__":
    unittest.main()
