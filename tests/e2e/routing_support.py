"""Helpers for the routing end-to-end tests: SEND / BROADCAST (spec section 6),
queries (7), routing (8), client updates (9), tags (13).

Built on harness.GatewayCase. The key tool is the *fence*: after the frames
under test, the same sender BROADCASTs a unique marker to a known set of
clients. R-9 guarantees that every receiver gets the sender's earlier frames
before the marker, so reading each receiver up to its marker shows exactly
what it was sent -- no sleeping, no "wait and hope nothing arrives".
"""

import itertools
import json
import time

import wsclient
from harness import RECV, GatewayCase, now_ms, uid

class _Absent:
    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()

# Class-level clients live for a whole TestCase class; a long heartbeat
# interval keeps them clear of the L-13 deadline without heartbeating.
SETTINGS = {
    "SINGYEONG_HEARTBEAT_INTERVAL_MS": 600000,
    "SINGYEONG_IDLE_TIMEOUT_MS": 600000,
}

_markers = itertools.count(1)

# The client object of QUERY_NODES and the HTTP query (D-6, H-13).
NODE_KEYS = {"app_id", "client_id", "metadata", "metadata_types", "socket_ip", "queues", "tags"}
RESERVED_TYPES = {"last_heartbeat_time": "integer", "restricted": "boolean", "encoding": "string",
                  "ip": "string", "namespace": "string", "receive_client_updates": "boolean"}


# -- building frames and queries ---------------------------------------------
def e(type_, value):
    """One metadata entry (M-2)."""
    return {"type": type_, "value": value}


def op(path, name, value):
    """Canonical comparison element (Q-6) with a literal operand."""
    return {"path": path, "op": name, "to": {"value": value}}


def logical(name, *with_):
    """Canonical logical element (Q-7)."""
    return {"op": name, "with": list(with_)}


def dispatch(t, d=ABSENT, ts=ABSENT):
    f = {"op": 4, "t": t}
    if d is not ABSENT:
        f["d"] = d
    if ts is not ABSENT:
        f["ts"] = ts
    return f


def message(target, payload, nonce=ABSENT, t="SEND", ts=ABSENT, **extra):
    """A SEND/BROADCAST request (D-2)."""
    d = {"target": target, "payload": payload}
    if nonce is not ABSENT:
        d["nonce"] = nonce
    d.update(extra)
    return dispatch(t, d, ts=ts)


def echo(frame):
    """'The received frame' as the server must echo it (D-1): keys op, t, d, ts;
    absent t/d/ts are null."""
    return {"op": frame.get("op"), "t": frame.get("t"), "d": frame.get("d"), "ts": frame.get("ts")}


# -- rendezvous hashing, computed independently ------------------------
_M64 = (1 << 64) - 1


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & _M64
    return h


def fmix64(h):
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & _M64
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & _M64
    h ^= h >> 33
    return h


def rendezvous_score(key, app_id, client_id):
    return fmix64(fnv1a64(key.encode() + b"\0" + app_id.encode() + b"\0" + client_id.encode()))


def rendezvous_pick(key, candidates):
    """candidates: iterable of (app_id, client_id). Highest score; ties to the
    bytewise-smallest pair."""
    best = None
    for app, cid in candidates:
        s = rendezvous_score(key, app, cid)
        rank = (-s, app.encode(), cid.encode())
        if best is None or rank < best[0]:
            best = (rank, (app, cid))
    return best[1] if best else None


assert rendezvous_score("k0", "hash", "h1") == 0x8516b8737a29383f  # spec R-5 test vector
assert rendezvous_pick("k0", [("hash", "h%d" % i) for i in range(1, 5)]) == ("hash", "h3")
assert rendezvous_pick("user-9", [("hash", "h%d" % i) for i in range(1, 5)]) == ("hash", "h1")


def bytewise(app, cid):
    return (app.encode(), cid.encode())


def name(ws):
    return "%s/%s" % (getattr(ws, "app", "?"), getattr(ws, "client_id", "?"))


# -- opening many clients ------------------------------------------------------
def open_clients(node_, specs, timeout=RECV):
    """Open and identify many clients, pipelined (all upgrades, then all
    identifies, then all hellos and readies). specs: dicts with client_id,
    app and extra identify fields; "restricted" is the expected ready flag.
    Returns the clients with .client_id, .app and .restricted set."""
    clients = []
    try:
        for _ in specs:
            clients.append(node_.ws(timeout=timeout))
        for ws, spec in zip(clients, specs):
            spec = dict(spec)
            ws.client_id, ws.app = spec.pop("client_id"), spec.pop("app")
            ws.restricted = spec.pop("restricted", False)
            d = {"client_id": ws.client_id, "application_id": ws.app}
            d.update(spec)
            ws.send_json({"op": 1, "d": d})
        for ws in clients:
            hello = ws.recv_json(timeout)
            if hello.get("op") != 0:
                raise AssertionError("%s: expected hello, got %r" % (name(ws), hello))
            ready = ws.recv_json(timeout)
            want = {"client_id": ws.client_id, "restricted": ws.restricted}
            if ready.get("op") != 2 or ready.get("d") != want:
                raise AssertionError("%s: expected ready %r, got %r" % (name(ws), want, ready))
    except BaseException:
        for ws in clients:
            ws.abort()
        raise
    return clients


class RoutingCase(GatewayCase):
    """GatewayCase plus class-level clients and routing assertions."""

    SETTINGS = SETTINGS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._class_clients = []
        try:
            cls.setUpClients()
        except BaseException:
            cls._close_class_clients()
            cls.node.kill()
            raise

    @classmethod
    def setUpClients(cls):
        """Override to open class-level clients with cls.open_class_clients()."""

    @classmethod
    def tearDownClass(cls):
        cls._close_class_clients()
        super().tearDownClass()

    @classmethod
    def _close_class_clients(cls):
        for ws in getattr(cls, "_class_clients", []):
            ws.abort()

    @classmethod
    def open_class_clients(cls, specs):
        clients = open_clients(cls.node, specs)
        cls._class_clients.extend(clients)
        return clients

    # -- per-test clients ---------------------------------------------------
    def client(self, app=None, cid=None, restricted=False, **fields):
        """Identify a per-test client (closed in tearDown). Restricted ones
        send a password to the password-less server (A-2)."""
        if restricted:
            fields.setdefault("auth", "not-the-password")
        ws = self.identify(client_id=cid if cid is not None else uid("c"),
                           app=app if app is not None else uid("app"),
                           restricted=restricted, **fields)
        ws.restricted = restricted
        return ws

    def clients(self, specs):
        cs = open_clients(self.node, specs)
        self._clients.extend(cs)
        return cs

    def update_metadata(self, ws, d):
        """UPDATE_METADATA, then a heartbeat round trip: the update was
        processed (L-16) and accepted (no op 3 came first)."""
        ws.send_json(dispatch("UPDATE_METADATA", d))
        self.heartbeat(ws)

    # -- expectations -------------------------------------------------------
    def assert_delivery(self, f, t, payload, nonce=None):
        """Exact D-3 frame."""
        self.assert_server_frame(f, 4, {"nonce": nonce, "payload": payload, "target": None}, t=t)

    def recv_delivery(self, ws, t, payload, nonce=None, timeout=RECV):
        try:
            f = ws.recv_json(timeout)
        except wsclient.RecvTimeout:
            self.fail("%s: no %s delivery (payload %r) within %.1f s" % (name(ws), t, payload, timeout))
        self.assert_delivery(f, t, payload, nonce)
        return f

    def assert_no_reply(self, ws):
        """Nothing answered the frames `ws` sent before. Sends a heartbeat and
        an unroutable SEND with a unique nonce, then reads up to that SEND's
        no_route: the only other frame allowed is the heartbeat ack. (L-16
        alone would make the ack a fence; the second fence also covers
        replies that a server produces out of frame order.)"""
        ws.send_json({"op": 5, "d": {"client_id": ws.client_id}})
        nonce = "no-reply-%d" % next(_markers)
        marker = message({"application": uid("nobody")}, None, nonce=nonce)
        ws.send_json(marker)
        others = []
        while True:
            try:
                f = ws.recv_json(RECV)
            except wsclient.RecvTimeout:
                self.fail("%s: no no_route for the marker SEND; frames read: %r" % (name(ws), others))
            if f.get("op") == 3 and isinstance(f.get("d"), dict) and f["d"].get("error") == "no_route" \
                    and isinstance(f["d"].get("extra_info"), dict) \
                    and (f["d"]["extra_info"].get("d") or {}).get("nonce") == nonce:
                self.assert_error_frame(f, 3, "no_route", echo(marker))
                break
            others.append(f)
        acks = [f for f in others if f.get("op") == 6]
        rest = [f for f in others if f.get("op") != 6]
        self.assertEqual(rest, [], "%s: unexpected replies" % name(ws))
        self.assertEqual(len(acks), 1, "%s: want exactly one heartbeat ack, got %r" % (name(ws), others))
        self.assert_server_frame(acks[0], 6, {"client_id": ws.client_id})

    def assert_no_route(self, ws, frame):
        """D-5: op 3 no_route carrying the received frame."""
        f = ws.recv_json(RECV)
        self.assert_error_frame(f, 3, "no_route", echo(frame))
        return f

    def assert_invalid_query(self, ws, what=None):
        """D-7: op 3 invalid query with a non-empty human readable reason."""
        f = ws.recv_json(RECV)
        self.assert_server_frame(f, 3, None)
        self.assertIsInstance(f["d"], dict, f)
        self.assertEqual(set(f["d"]), {"error", "extra_info"}, f)
        self.assertEqual(f["d"]["error"], "invalid query", "for %r: %r" % (what, f))
        self.assertIsInstance(f["d"]["extra_info"], str, "for %r: %r" % (what, f))
        self.assertTrue(f["d"]["extra_info"].strip(), "empty reason for %r: %r" % (what, f))
        return f

    # -- the fence ----------------------------------------------------------
    def fence(self, sender, query, clients):
        """BROADCAST a unique marker from `sender` to `query`, which must match
        exactly `clients`; read every client up to its marker. Returns, per
        client (same order), the frames that arrived before the marker."""
        marker = {"fence": next(_markers), "at": uid("f")}
        nonce = "fence-%d" % marker["fence"]
        sender.send_json(message(query, marker, nonce=nonce, t="BROADCAST"))
        before = []
        for ws in clients:
            seen = []
            deadline = time.monotonic() + RECV
            while True:
                remaining = deadline - time.monotonic()
                try:
                    f = ws.recv_json(max(0.01, remaining))
                except wsclient.RecvTimeout:
                    self.fail("%s: fence BROADCAST never arrived (frames before: %r)"
                              % (name(ws), seen[:5]))
                if (isinstance(f, dict) and f.get("t") == "BROADCAST" and isinstance(f.get("d"), dict)
                        and f["d"].get("nonce") == nonce):
                    self.assert_delivery(f, "BROADCAST", marker, nonce)
                    break
                seen.append(f)
            before.append(seen)
        return before

    def fence_apps(self, sender, clients):
        """Fence every application of `clients`, one BROADCAST per application
        with "restricted": true; `clients` must be *all* clients of those
        applications. Returns per-client frame lists in the order given."""
        by_app = {}
        for i, ws in enumerate(clients):
            by_app.setdefault(ws.app, []).append(i)
        out = [None] * len(clients)
        for app, idx in by_app.items():
            got = self.fence(sender, {"application": app, "restricted": True}, [clients[i] for i in idx])
            for i, frames in zip(idx, got):
                out[i] = frames
        return out

    def deliver(self, sender, frame, clients):
        """Send `frame` from `sender`, then fence_apps(clients)."""
        sender.send_json(frame)
        return self.fence_apps(sender, clients)

    def assert_reached(self, got, clients, expected, t, payload, nonce=None):
        """`got` from fence(): each client in `expected` (a set of indexes)
        received exactly one exact delivery, every other client nothing."""
        wrong = []
        for i, (ws, frames) in enumerate(zip(clients, got)):
            if i in expected:
                if len(frames) != 1:
                    wrong.append("%s (expected once) got %d frames: %r" % (name(ws), len(frames), frames[:3]))
                else:
                    self.assert_delivery(frames[0], t, payload, nonce)
            elif frames:
                wrong.append("%s (expected nothing) got %r" % (name(ws), frames[:3]))
        if wrong:
            self.fail("%d of %d clients wrong (expected %d receivers):\n  %s"
                      % (len(wrong), len(clients), len(expected), "\n  ".join(wrong[:15])))

    def receivers(self, got, t=None, payload=ABSENT, nonce=ABSENT):
        """Indexes of the clients that received exactly one frame; every
        frame is checked against t/payload/nonce when given; any client with
        more than one frame fails."""
        out = set()
        for i, frames in enumerate(got):
            if not frames:
                continue
            self.assertEqual(len(frames), 1, "client #%d got several frames: %r" % (i, frames[:3]))
            f = frames[0]
            if t is not None:
                self.assert_delivery(f, t, f["d"]["payload"] if payload is ABSENT else payload,
                                     f["d"]["nonce"] if nonce is ABSENT else nonce)
            out.add(i)
        return out

    # -- QUERY_NODES --------------------------------------------------------
    def query_nodes(self, ws, d):
        ws.send_json(dispatch("QUERY_NODES", d))
        f = ws.recv_json(RECV)
        self.assert_server_frame(f, 4, None, t="QUERY_NODES")
        self.assertIsInstance(f["d"], dict, f)
        self.assertEqual(set(f["d"]), {"nodes"}, f)
        self.assertIsInstance(f["d"]["nodes"], list, f)
        return f["d"]["nodes"]

    def node_ids(self, nodes):
        return [(n["app_id"], n["client_id"]) for n in nodes]

    def check_node(self, n, app, cid, metadata, types, socket_ip, tags=()):
        """Exact H-13 object (QUERY_NODES and the HTTP query); last_heartbeat_time
        only needs to be a plausible integer (it is returned)."""
        self.assertIsInstance(n, dict, n)
        self.assertEqual(set(n), NODE_KEYS, n)
        lht = n["metadata"].get("last_heartbeat_time")
        self.assertTrue(isinstance(lht, int) and not isinstance(lht, bool), n)
        self.assertLess(abs(lht - now_ms()), 60000, "last_heartbeat_time not near now: %r" % (n,))
        want = {"app_id": app, "client_id": cid,
                "metadata": dict(metadata, last_heartbeat_time=lht),
                "metadata_types": dict(RESERVED_TYPES, **types),
                "socket_ip": socket_ip, "queues": [], "tags": list(tags)}
        self.assertEqual(n, want)
        return lht

    # -- client update events -----------------------------------------------
    def assert_client_event(self, f, t, app, cid):
        self.assert_server_frame(f, 4, {"nonce": None, "payload": {"app": app, "client_id": cid},
                                        "target": None}, t=t)

    def events(self, ws, want, relevant, quiet=0.3, timeout=RECV):
        """Read CLIENT_* events from subscriber `ws` until `want` (a list of
        (t, app, client_id)) have all been seen, then for `quiet` more seconds.
        Returns the events (as (t, app, client_id)) for which relevant(app,
        client_id) holds, in arrival order; other events are checked for shape
        and skipped (they belong to other tests)."""
        missing = list(want)
        seen = []
        deadline = time.monotonic() + timeout
        quiet_until = None
        while True:
            if not missing and quiet_until is None:
                quiet_until = time.monotonic() + quiet
            end = quiet_until if quiet_until is not None else deadline
            remaining = end - time.monotonic()
            if remaining <= 0:
                if missing:
                    self.fail("%s: events %r not seen; relevant events seen: %r" % (name(ws), missing, seen))
                return seen
            try:
                f = ws.recv_json(remaining)
            except wsclient.RecvTimeout:
                continue
            self.assertIn(f.get("t"), ("CLIENT_CONNECTED", "CLIENT_DISCONNECTED"),
                          "%s: unexpected frame %r" % (name(ws), f))
            p = f.get("d", {}).get("payload") if isinstance(f.get("d"), dict) else None
            self.assertIsInstance(p, dict, f)
            self.assert_client_event(f, f["t"], p.get("app"), p.get("client_id"))
            ev = (f["t"], p["app"], p["client_id"])
            if relevant(p["app"], p["client_id"]):
                seen.append(ev)
            if ev in missing:
                missing.remove(ev)


class BurstReplies:
    """For tests that pipeline frames on one connection and read the sender's
    replies in frame order (L-16). SENDs carry the payload {"n": nonce}."""

    def send_all(self, ws, frames):
        """Every frame in one write: the server reads them as one burst."""
        ws.send_raw(b"".join(wsclient.build_frame(wsclient.OP_TEXT, json.dumps(f).encode()) for f in frames))

    def hb(self, ws):
        return {"op": 5, "d": {"client_id": ws.client_id}}

    def read_replies(self, ws, n):
        """The next `n` frames to the sender, each as (kind, detail)."""
        out = []
        for _ in range(n):
            f = ws.recv_json(RECV)
            if f.get("op") == 6:
                self.assert_server_frame(f, 6, {"client_id": ws.client_id})
                out.append(("ack", None))
            elif f.get("op") == 3:
                self.assertEqual(f["d"]["error"], "no_route", f)
                out.append(("no_route", f["d"]["extra_info"]["d"]["nonce"]))
            elif f.get("op") == 4 and f.get("t") == "QUERY_NODES":
                out.append(("nodes", tuple(sorted(n["client_id"] for n in f["d"]["nodes"]))))
            else:
                self.fail("unexpected frame to the sender: %r" % (f,))
        return out

    def received(self, ws, n, t="SEND"):
        """The nonces of the next `n` deliveries (exact D-3 frames) to `ws`."""
        got = []
        for _ in range(n):
            f = ws.recv_json(RECV)
            self.assert_delivery(f, t, {"n": f["d"]["nonce"]}, f["d"]["nonce"])
            got.append(f["d"]["nonce"])
        return got


def connected(ws):
    return ("CLIENT_CONNECTED", ws.app, ws.client_id)


def disconnected(ws):
    return ("CLIENT_DISCONNECTED", ws.app, ws.client_id)


__all__ = ["ABSENT", "SETTINGS", "RoutingCase", "bytewise", "connected", "disconnected", "dispatch",
           "e", "echo", "logical", "message", "name", "now_ms", "op", "open_clients", "rendezvous_pick",
           "rendezvous_score", "uid"]
