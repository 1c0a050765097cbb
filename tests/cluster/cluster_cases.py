"""Helpers shared by the cluster test classes (test_cluster_routing.py,
test_cluster_failures.py): a ClusterCase with delivery and client-event
helpers, and the reserved metadata of a plain loopback client."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster_support import ClusterCase  # noqa: E402  (puts tests/e2e on sys.path)
from harness import RECV  # noqa: E402
from routing_support import message  # noqa: E402
import wsclient  # noqa: E402

LOOPBACK = "127.0.0.1"
EVENTS_WITHIN = 1.0     # K-3a: client-update events cross nodes within 1 s


def plain_metadata(**extra):
    """Reserved metadata of an ordinary loopback client (H-13), plus `extra`."""
    md = {"restricted": False, "encoding": "json", "ip": LOOPBACK, "namespace": None,
          "receive_client_updates": False}
    md.update(extra)
    return md


class Base(ClusterCase):
    """Helpers shared by the cluster classes."""

    def ids(self, nodes):
        return [(n["app_id"], n["client_id"]) for n in nodes]

    def ws_ids(self, clients):
        return sorted(((ws.app, ws.client_id) for ws in clients), key=lambda k: (k[0].encode(), k[1].encode()))

    def sent(self, sender, frame, receiver, payload, nonce=None, t="SEND"):
        """`frame` from `sender` reaches `receiver` with the exact D-3 frame."""
        sender.send_json(frame)
        return self.recv_delivery(receiver, t, payload, nonce)

    def assert_unroutable(self, sender, frames, droppable_target, receivers):
        """D-5: each of `frames` gets no_route with the frame; a droppable SEND
        and BROADCAST to `droppable_target` get nothing; `receivers` (every
        client of their apps) got none of it."""
        for f in frames:
            with self.subTest(frame=f):
                sender.send_json(f)
                self.assert_no_route(sender, f)
        for t in ("SEND", "BROADCAST"):
            sender.send_json(message(dict(droppable_target, droppable=True), 6, nonce="drop", t=t))
        self.assert_no_reply(sender)
        self.assertEqual(self.fence_apps(sender, receivers), [[] for _ in receivers],
                         "droppable/no_route frames must reach nobody")

    def wait_event(self, ws, want, timeout=RECV):
        """Read CLIENT_* events from subscriber `ws` until `want` (t, app, id);
        returns the monotonic arrival time. Other CLIENT_* events are skipped;
        any other frame fails."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("%s/%s: %r not seen within %.1f s; skipped %r"
                          % (ws.app, ws.client_id, want, timeout, skipped[:10]))
            try:
                f = ws.recv_json(left)
            except wsclient.RecvTimeout:
                continue
            at = time.monotonic()
            self.assertIn(f.get("t"), ("CLIENT_CONNECTED", "CLIENT_DISCONNECTED"), "unexpected frame %r" % (f,))
            p = f["d"]["payload"]
            self.assert_client_event(f, f["t"], p.get("app"), p.get("client_id"))
            ev = (f["t"], p["app"], p["client_id"])
            if ev == want:
                return at
            skipped.append(ev)
