"""Shared unittest plumbing for the end-to-end tests: one server per class,
protocol helpers that assert exact frames (spec G-2, X-1, X-2)."""

import itertools
import json
import threading
import time
import unittest

import node
import wsclient
from wsclient import RecvTimeout

_ids = itertools.count(1)

# Generous slack for anything time-based; the spec's bounds are never tightened.
CLOSE_WITHIN = 3.0        # L-17 promises 1 s
RECV = 3.0


def uid(prefix="c"):
    return "%s-%d-%d" % (prefix, int(time.time() * 1000) % 100000, next(_ids))


def now_ms():
    return int(time.time() * 1000)


def frame_json(op, d=None, t=None, **extra):
    f = {"op": op, "d": d}
    if t is not None:
        f["t"] = t
    f.update(extra)
    return f


class GatewayCase(unittest.TestCase):
    """A TestCase with one server shared by all its tests.

    Subclasses set SETTINGS (environment variables) and optionally ARGS.
    """

    SETTINGS = {}
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.node = node.Node(settings=cls.SETTINGS, args=cls.ARGS)

    @classmethod
    def tearDownClass(cls):
        n = cls.__dict__.get("node")
        if n is not None:
            n.stop()

    def setUp(self):
        self._clients = []

    def tearDown(self):
        for c in self._clients:
            c.abort()

    # -- connecting -------------------------------------------------------
    def connect(self, path="/gateway/websocket", node_=None, **kw):
        """Open a websocket and check the hello (L-1). Returns the client."""
        ws = (node_ or self.node).ws(path=path, **kw)
        self._clients.append(ws)
        hello = ws.recv_json(RECV)
        self.assert_server_frame(hello, 0, None)
        self.assertEqual(set(hello["d"].keys()), {"heartbeat_interval"}, hello)
        self.hello = hello
        return ws

    def identify(self, client_id=None, app="app", ws=None, restricted=False, binary=False, **fields):
        """Connect (unless ws given), identify, assert the exact ready (L-10)."""
        if ws is None:
            ws = self.connect()
        cid = client_id if client_id is not None else uid()
        d = {"client_id": cid, "application_id": app}
        d.update(fields)
        ws.send_json({"op": 1, "d": d}, binary=binary)
        ready = ws.recv_json(RECV)
        self.assert_server_frame(ready, 2, {"client_id": cid, "restricted": restricted})
        ws.client_id = cid
        ws.app = app
        return ws

    # -- assertions -------------------------------------------------------
    def assert_server_frame(self, f, op, d, t=None, check_d=True):
        """Exact envelope (G-1, G-2): four keys, integer ts near now."""
        self.assertIsInstance(f, dict, f)
        self.assertEqual(set(f.keys()), {"d", "op", "t", "ts"}, "server frame keys: %r" % (f,))
        self.assertEqual(f["op"], op, f)
        self.assertEqual(f["t"], t, f)
        ts = f["ts"]
        self.assertTrue(isinstance(ts, int) and not isinstance(ts, bool), "ts must be an integer: %r" % (f,))
        self.assertLess(abs(ts - now_ms()), 10000, "ts not near now: %r" % (f,))
        if check_d and d is not None:
            self.assertEqual(f["d"], d, f)
        return f

    def assert_error_frame(self, f, op, error, extra_info=None, any_text=False):
        self.assert_server_frame(f, op, None)
        self.assertIsInstance(f["d"], dict, f)
        self.assertEqual(set(f["d"].keys()), {"error", "extra_info"}, f)
        if any_text:
            self.assertIsInstance(f["d"]["error"], str, f)
            self.assertTrue(f["d"]["error"], "error text must be non-empty: %r" % (f,))
        else:
            self.assertEqual(f["d"]["error"], error, f)
        self.assertEqual(f["d"]["extra_info"], extra_info, f)

    def assert_closed(self, ws, code=1000, timeout=CLOSE_WITHIN):
        """The next thing is the server's close frame with `code` (L-17)."""
        try:
            c = ws.recv_message(timeout)
        except wsclient.ConnectionClosed:
            self.fail("TCP closed without a close frame (want close code %r)" % code)
        except RecvTimeout:
            self.fail("connection not closed within %.1f s (want close code %r)" % (timeout, code))
        self.assertTrue(c.is_close, "expected close frame, got %r" % (c,))
        self.assertEqual(c.code, code, c)
        return c

    def assert_fatal(self, ws, error, extra_info=None, code=1000, any_text=False, timeout=RECV):
        """op 8 with exactly this error, then close (X-1, L-17)."""
        f = ws.recv_json(timeout)
        self.assert_error_frame(f, 8, error, extra_info, any_text=any_text)
        self.assert_closed(ws, code)
        return f

    def assert_invalid(self, ws, error, extra_info=None):
        """op 3 with exactly this error (X-1); connection stays open."""
        f = ws.recv_json(RECV)
        self.assert_error_frame(f, 3, error, extra_info)
        return f

    def heartbeat(self, ws, d="own"):
        """Send op 5 and assert the exact ack (L-11)."""
        if d == "own":
            ws.send_json({"op": 5, "d": {"client_id": ws.client_id}})
        elif d is None:
            ws.send_json({"op": 5})
        else:
            ws.send_json({"op": 5, "d": d})
        ack = ws.recv_json(RECV)
        self.assert_server_frame(ack, 6, {"client_id": ws.client_id})
        return ack

    def assert_silent(self, ws, seconds=0.3):
        """Nothing arrives for `seconds`."""
        try:
            m = ws.recv_message(seconds)
        except RecvTimeout:
            return
        except wsclient.ConnectionClosed:
            self.fail("connection closed while expecting silence")
        self.fail("expected no frame, got %r" % (m,))

    def identify_retrying(self, client_id, app, within=1.0, **fields):
        """Identify with ids whose previous owner just went away (L-6, L-18):
        retry on 'already registered' until `within` seconds have passed."""
        deadline = time.monotonic() + within
        while True:
            ws = self.connect()
            d = {"client_id": client_id, "application_id": app}
            d.update(fields)
            ws.send_json({"op": 1, "d": d})
            f = ws.recv_json(RECV)
            if f.get("op") == 2:
                self.assert_server_frame(f, 2, {"client_id": client_id, "restricted": False})
                ws.client_id, ws.app = client_id, app
                return ws
            self.assertEqual(f.get("op"), 8, str(f)[:300])
            self.assert_error_frame(f, 8, "%s: already registered for app %s" % (client_id, app))
            ws.abort()
            if time.monotonic() > deadline:
                self.fail("ids %s/%s still registered %.1f s after the owner left"
                          % (app[:60], client_id[:60], within))
            time.sleep(0.05)


class Bystander:
    """An identified client that heartbeats in a background thread and checks
    every ack (used to prove that one bad connection does not disturb others)."""

    def __init__(self, node_, period=0.05, ack_timeout=2.0):
        self.ws = node_.ws()
        hello = self.ws.recv_json(RECV)
        assert hello["op"] == 0, hello
        self.client_id = uid("bystander")
        self.ws.send_json({"op": 1, "d": {"client_id": self.client_id, "application_id": "bystanders"}})
        ready = self.ws.recv_json(RECV)
        assert ready["op"] == 2 and ready["d"]["client_id"] == self.client_id, ready
        self.period, self.ack_timeout = period, ack_timeout
        self.acks = 0
        self.max_latency = 0.0
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                self.ws.send_json({"op": 5, "d": {"client_id": self.client_id}})
                f = self.ws.recv_json(self.ack_timeout)
            except Exception as e:  # noqa: BLE001 - any failure is recorded
                self.errors.append("heartbeat #%d: %r" % (self.acks + 1, e))
                return
            lat = time.monotonic() - t0
            self.max_latency = max(self.max_latency, lat)
            if f.get("op") != 6 or f.get("d") != {"client_id": self.client_id}:
                self.errors.append("unexpected frame instead of ack: %r" % (f,))
                return
            self.acks += 1
            self._stop.wait(self.period)

    def stop(self):
        """Stop the thread; return (acks, errors)."""
        self._stop.set()
        self._thread.join(10)
        self.ws.close(wait=0.5)
        return self.acks, self.errors


class BystanderMixin:
    """For a GatewayCase (listed before it among the bases): every test runs
    with a Bystander. After each test the bystander must be undisturbed (with
    BYSTANDER_ACKED, also acked at least once), the server alive, and
    still_serving() must pass."""

    BYSTANDER_ACKED = False

    def setUp(self):
        super().setUp()
        self.bystander = Bystander(self.node)

    def tearDown(self):
        acks, errors = self.bystander.stop()
        try:
            self.assertEqual(errors, [], "the bystander client was disturbed")
            if self.BYSTANDER_ACKED:
                self.assertGreater(acks, 0, "the bystander never got an ack")
            self.assertTrue(self.node.alive(), "server died; log tail:\n" + self.node.log[-3000:])
            self.still_serving()
        finally:
            super().tearDown()

    def still_serving(self):
        """Check that the server still accepts new clients (override)."""


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))
