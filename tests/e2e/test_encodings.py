"""The msgpack and ETF gateways end to end: spec E-3, E-4, E-5, E-9, A-7/L-8,
X-3, M-1 and section 20, with a JSON, a msgpack and an ETF client talking to
each other. Every msgpack/ETF frame received is checked to be a binary
websocket frame in canonical form (re-encoding it with the independent codecs
of encodings_support gives the same bytes), with the envelope keys d, op, t,
ts in order and, for ETF, exactly E-4's atom and binary key kinds."""

import unittest

import encodings_support as es
from encodings_support import Atom, Charlist
from harness import BystanderMixin, GatewayCase, now_ms, uid

PATH = "/gateway/websocket?encoding="
SLOW = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": 5000, "SINGYEONG_IDLE_TIMEOUT_MS": 10000}
LONG = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": 600000, "SINGYEONG_IDLE_TIMEOUT_MS": 600000}
ENCS = ("json", "msgpack", "etf")
DELIVERIES = ("SEND", "BROADCAST", "QUEUE", "CLIENT_CONNECTED", "CLIENT_DISCONNECTED")
ETF_REFUSED = "restricted clients may not use ETF"


def entry(type_, value):
    return {"type": type_, "value": value}


def eq(path, value):
    return {"path": path, "op": "$eq", "to": {"value": value}}


class EncodedCase(GatewayCase):
    """GatewayCase for clients of any encoding (ws.enc says which)."""

    def open(self, enc, node_=None):
        if enc == "json":
            ws = self.connect(path=PATH + "json", node_=node_)
        else:
            ws = (node_ or self.node).ws(path=PATH + enc)
            self._clients.append(ws)
            ws.enc = enc
            hello = self.recv(ws)
            self.assert_server_frame(hello, 0, {"heartbeat_interval": self.SETTINGS["SINGYEONG_HEARTBEAT_INTERVAL_MS"]})
            self.hello = hello
        ws.enc = enc
        return ws

    def send(self, ws, obj):
        es.send(ws, ws.enc, obj)

    def recv(self, ws):
        """The next frame, with the E-3/E-4 shape checks of the module docstring."""
        if ws.enc == "json":
            return ws.recv_json()
        raw = es.recv_raw(ws)
        f = es.CODECS[ws.enc][1](raw)
        self.assertIsInstance(f, dict, f)
        self.assertEqual(list(f.keys()), ["d", "op", "t", "ts"], "G-3 key order: %r" % (f,))
        self.assertEqual(es.CODECS[ws.enc][0](f), raw, "not in canonical form: %r" % raw[:200])
        if ws.enc == "etf":
            self.assertEqual(set(es.key_kinds(f).values()), {"atom"}, "E-4 envelope keys: %r" % (f,))
            d = f["d"]
            if f["op"] == 4 and f["t"] in DELIVERIES:
                self.assertEqual(es.key_kinds(d), {"nonce": "atom", "payload": "atom", "target": "atom"}, f)
                d = d["payload"]
            kinds = es.deep_key_kinds(d)
            self.assertEqual([k for k in kinds if k[1] != "binary"], [], "E-4 keys below d: %r" % (f,))
        return f

    def identify_as(self, ws, cid=None, app="app", restricted=False, **fields):
        cid = cid if cid is not None else uid()
        self.send(ws, {"op": 1, "d": dict({"client_id": cid, "application_id": app}, **fields)})
        self.assert_server_frame(self.recv(ws), 2, {"client_id": cid, "restricted": restricted})
        ws.client_id, ws.app = cid, app
        return ws

    def beat(self, ws):
        self.send(ws, {"op": 5, "d": {"client_id": ws.client_id}})
        self.assert_server_frame(self.recv(ws), 6, {"client_id": ws.client_id})

    def fatal(self, ws, error=None):
        f = self.recv(ws)
        self.assert_error_frame(f, 8, error, any_text=error is None)
        self.assert_closed(ws)
        return f

    def assert_reaches(self, sender, receivers, t, target, payload, nonce):
        """`sender` sends `payload` to `target` as a `t`; each of `receivers` gets it in its own
        encoding with the kinds kept."""
        self.send(sender, {"op": 4, "t": t, "d": {"target": target, "payload": payload, "nonce": nonce}})
        for ws in receivers:
            f = self.assert_server_frame(self.recv(ws), 4, None, t=t)
            self.assert_same_kinds(f["d"], {"nonce": nonce, "payload": payload, "target": None})

    def assert_same_kinds(self, got, want, path=""):
        """Equal values with the same number kinds (int vs float vs bool) at every depth (M-1)."""
        got = es.plain(got)
        self.assertEqual(got, want, path)
        self.assertIs(type(got), type(want), "kind at %r: %r vs %r" % (path or "/", got, want))
        if isinstance(want, dict):
            for k in want:
                self.assert_same_kinds(got[k], want[k], path + "/" + k)
        elif isinstance(want, list):
            for i, (g, w) in enumerate(zip(got, want)):
                self.assert_same_kinds(g, w, "%s/%d" % (path, i))


class Handshake(EncodedCase):
    SETTINGS = SLOW

    def test_E3_E5_msgpack_hello_is_a_binary_msgpack_map_with_str_keys(self):
        ws = self.node.ws(path=PATH + "msgpack")
        self._clients.append(ws)
        raw = es.recv_raw(ws)
        self.assertEqual(raw[:3], b"\x84\xa1d", raw)  # fixmap of 4, str key "d"
        self.assertEqual(raw[3:24], b"\x81\xb2heartbeat_interval\xcd", raw)
        hello = es.mp_unpack(raw)
        self.assertEqual(hello["d"], {"heartbeat_interval": 5000})
        self.assertEqual((hello["op"], hello["t"]), (0, None))
        self.assertIs(type(hello["ts"]), int)
        self.assertLess(abs(hello["ts"] - now_ms()), 10000)
        self.assertEqual(es.mp_pack(hello), raw)

    def test_E4_E5_etf_hello_has_atom_envelope_keys_and_a_binary_heartbeat_interval_key(self):
        ws = self.node.ws(path=PATH + "etf")
        self._clients.append(ws)
        raw = es.recv_raw(ws)
        want = (b"\x83\x74\x00\x00\x00\x04\x77\x01d\x74\x00\x00\x00\x01\x6d\x00\x00\x00\x12heartbeat_interval"
                b"\x62\x00\x00\x13\x88\x77\x02op\x61\x00\x77\x01t\x77\x03nil\x77\x02ts\x6e\x06\x00")
        self.assertEqual(raw[:len(want)], want)
        ts = es.etf_unpack(raw)["ts"]
        self.assertLess(abs(ts - now_ms()), 10000)
        self.assertEqual(len(raw), len(want) + 6)  # SMALL_BIG_EXT of 6 digits for a ms timestamp

    def test_E3_identify_ready_and_heartbeat_work_over_msgpack_with_str_or_bin_strings(self):
        ws = self.identify_as(self.open("msgpack"))
        self.beat(ws)
        # E-3: bin is a string too, in keys and values alike
        ws2 = self.open("msgpack")
        cid = uid("bin")
        self.send(ws2, {b"op": 1, b"d": {b"client_id": cid.encode(), "application_id": b"app"}})
        self.assert_server_frame(self.recv(ws2), 2, {"client_id": cid, "restricted": False})
        ws2.client_id = cid
        self.beat(ws2)

    def test_E4_identify_ready_and_heartbeat_work_over_etf_with_binary_or_atom_keys(self):
        ws = self.identify_as(self.open("etf"))  # binary keys, as the Elixir client sends
        self.beat(ws)
        ws2 = self.open("etf")
        cid = uid("atom")
        self.send(ws2, {Atom("op"): 1, Atom("d"): {Atom("client_id"): Atom(cid), Atom("application_id"): "app",
                                                   Atom("auth"): None}, Atom("t"): None})
        self.assert_server_frame(self.recv(ws2), 2, {"client_id": cid, "restricted": False})
        ws2.client_id = cid
        self.send(ws2, {Atom("op"): 5, Atom("d"): {Atom("client_id"): cid}})
        self.assert_server_frame(self.recv(ws2), 6, {"client_id": cid})


class EtfRestrictedWithAuth(EncodedCase):
    SETTINGS = dict(SLOW, AUTH="s3cret-password")

    def test_A7_L8_a_wrong_or_missing_password_over_etf_is_refused(self):
        for auth in ("wrong", None, 5):
            with self.subTest(auth=auth):
                ws = self.open("etf")
                d = {"client_id": uid(), "application_id": "app"}
                if auth is not None:
                    d["auth"] = auth
                self.send(ws, {"op": 1, "d": d})
                self.fatal(ws, ETF_REFUSED)

    def test_A7_the_right_password_over_etf_is_a_normal_client(self):
        self.beat(self.identify_as(self.open("etf"), auth="s3cret-password"))

    def test_A7_only_etf_is_refused_a_restricted_msgpack_client_gets_ready(self):
        self.beat(self.identify_as(self.open("msgpack"), auth="wrong", restricted=True))


class EtfRestrictedWithoutAuth(EncodedCase):
    SETTINGS = SLOW

    def test_A2_A7_any_password_sent_to_a_server_without_one_restricts_and_etf_is_refused(self):
        for auth in ("", "anything"):
            with self.subTest(auth=auth):
                ws = self.open("etf")
                self.send(ws, {"op": 1, "d": {"client_id": uid(), "application_id": "app", "auth": auth}})
                self.fatal(ws, ETF_REFUSED)
        self.beat(self.identify_as(self.open("etf"), auth=None))


MSGPACK_BAD = [
    ("truncated map", b"\x82\xa2op\x01"),
    ("extension type", b"\x81\xa2op\xd4\x01\x00"),
    ("invalid UTF-8 str", b"\x81\xa2op\xa1\xff"),
    ("bin that is not UTF-8", b"\x81\xc4\x02op\xc4\x01\xff"),
    ("integer map key", b"\x81\x01\x01"),
    ("nesting of 65 levels", b"\x81\xa1d" + b"\x91" * 63 + b"\x90"),
    ("array length past the frame", b"\x81\xa1d\xdd\xff\xff\xff\xff"),
    ("str length past the frame", b"\x81\xa1d\xdb\x7f\xff\xff\xff"),
    ("data after the value", b"\x80\xc0"),
    ("never-used byte 0xc1", b"\xc1"),
]
ETF_BAD = [
    ("no version byte", es.etf_pack({"op": 1})[1:]),
    ("tuple", es.etf_pack({"op": 1, "d": (1, 2)})),
    ("compressed term", b"\x83\x50\x00\x00\x00\x0a\x78\x9c\x2b\x01\x00\x00\x74\x00\x74"),
    ("improper list", b"\x83\x74\x00\x00\x00\x01\x77\x01d\x6c\x00\x00\x00\x01\x61\x01\x61\x02"),
    ("pid", b"\x83\x58\x77\x01a\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"),
    ("fun", b"\x83\x71\x77\x01m\x77\x01f\x61\x01"),
    ("binary that is not UTF-8", es.etf_pack({"op": b"\xff"})),
    ("integer map key", es.etf_pack({1: 1})),
    ("nesting of 65 levels", es.etf_pack({"d": [[[]]]}).replace(b"\x6c\x00\x00\x00\x01\x6a\x6a",
                                                                b"\x6c\x00\x00\x00\x01" * 63 + b"\x6a" * 64)),
    ("list length past the frame", b"\x83\x6c\xff\xff\xff\xff\x6a"),
    ("binary length past the frame", b"\x83\x74\x00\x00\x00\x01\x6d\x7f\xff\xff\xff"),
    ("data after the term", es.etf_pack({}) + b"\x6a"),
]


class Malformed(BystanderMixin, EncodedCase):
    SETTINGS = SLOW

    def still_serving(self):
        for enc in ("msgpack", "etf"):
            self.beat(self.identify_as(self.open(enc)))

    def check_table(self, enc, table):
        for state in ("unidentified", "identified"):
            for why, data in table:
                with self.subTest(state=state, why=why):
                    ws = self.open(enc)
                    if state == "identified":
                        self.identify_as(ws)
                    ws.send_binary(data)
                    f = self.fatal(ws)
                    self.assertNotEqual(f["d"]["error"], "decode: payload: unrecoverable", f)

    def test_X3_E9_malformed_msgpack_gets_op_8_with_a_decoder_message_and_a_close(self):
        self.check_table("msgpack", MSGPACK_BAD)

    def test_X3_E4_E9_malformed_etf_gets_op_8_with_a_decoder_message_and_a_close(self):
        self.check_table("etf", ETF_BAD)

    def test_G5_a_well_formed_non_map_frame_is_decode_payload_unrecoverable(self):
        for enc, data in (("msgpack", es.mp_pack([1])), ("msgpack", es.mp_pack(None)), ("etf", es.etf_pack([])),
                          ("etf", es.etf_pack("x")), ("etf", es.etf_pack(None))):
            with self.subTest(enc=enc, data=data):
                ws = self.open(enc)
                ws.send_binary(data)
                self.fatal(ws, "decode: payload: unrecoverable")


PAYLOAD = {"i": 5, "f": 5.0, "neg": -7, "big": 5000000000, "s": "h\u00e9llo \u2713", "t": True, "n": None,
           "l": [1, 2.5, None, False, "x", [], {}], "m": {"nonce": "inner", "payload": {"k": [0.25]}}}


class MixedTraffic(EncodedCase):
    SETTINGS = LONG

    def trio(self, **fields):
        app = uid("mix")
        return app, {enc: self.identify_as(self.open(enc), cid=enc, app=app,
                                           metadata={"enc": entry("string", enc)}, **fields) for enc in ENCS}

    def test_E3_E4_SEND_between_every_pair_arrives_in_the_receivers_encoding_with_kinds_kept(self):
        app, c = self.trio()
        for src in ENCS:
            for dst in ENCS:
                with self.subTest(src=src, dst=dst):
                    self.assert_reaches(c[src], [c[dst]], "SEND", {"application": app, "ops": [eq("/enc", dst)]},
                                        dict(PAYLOAD, sender=src), "n-%s-%s" % (src, dst))
        for ws in c.values():
            self.assert_silent(ws, 0.2)

    def test_E3_E4_BROADCAST_from_each_reaches_all_three_in_their_own_encodings(self):
        app, c = self.trio()
        for src in ENCS:
            with self.subTest(src=src):
                self.assert_reaches(c[src], [c[dst] for dst in ENCS], "BROADCAST", {"application": app}, PAYLOAD,
                                    None)

    def query_nodes(self, ws, query):
        self.send(ws, {"op": 4, "t": "QUERY_NODES", "d": query})
        f = self.assert_server_frame(self.recv(ws), 4, None, t="QUERY_NODES")
        return es.plain(f["d"]["nodes"])

    def test_M1_metadata_set_over_msgpack_and_etf_keeps_its_kinds_for_json_queries(self):
        app, c = self.trio()
        self.send(c["msgpack"], {"op": 4, "t": "UPDATE_METADATA", "d": {
            "count": entry("integer", 42), "ratio": entry("float", 2.0), "big": entry("integer", 5000000000),
            "list": entry("list", [1, 2.5, "x"])}})
        self.send(c["etf"], {"op": 4, "t": "UPDATE_METADATA", "d": {
            "count": entry("integer", 7), "ratio": entry("float", 0.5), "big": entry("integer", 5000000000),
            "chars": entry("list", Charlist([1, 2, 3]))}})
        for enc in ("msgpack", "etf"):
            self.beat(c[enc])  # the update was processed before the ack (M-6)
        j = c["json"]
        nodes = self.query_nodes(j, {"application": app, "ops": [eq("/count", 42)]})
        self.assertEqual([n["client_id"] for n in nodes], ["msgpack"], nodes)
        md, types = nodes[0]["metadata"], nodes[0]["metadata_types"]
        self.assert_same_kinds(md["count"], 42)
        self.assert_same_kinds(md["ratio"], 2.0)
        self.assert_same_kinds(md["list"], [1, 2.5, "x"])
        self.assertEqual((types["count"], types["ratio"], types["big"], types["list"]),
                         ("integer", "float", "integer", "list"))
        self.assertEqual(md["encoding"], "msgpack")
        nodes = self.query_nodes(j, {"application": app, "ops": [eq("/big", 5000000000)]})
        self.assertEqual([n["client_id"] for n in nodes], ["etf", "msgpack"], nodes)
        # the ETF client's metadata, seen by a JSON, a msgpack and an ETF query
        for asker in ENCS:
            with self.subTest(asker=asker):
                nodes = self.query_nodes(c[asker], {"application": app, "ops": [eq("/count", 7)]})
                self.assertEqual([n["client_id"] for n in nodes], ["etf"], nodes)
                md, types = nodes[0]["metadata"], nodes[0]["metadata_types"]
                self.assert_same_kinds(md["count"], 7)
                self.assert_same_kinds(md["ratio"], 0.5)
                self.assert_same_kinds(md["big"], 5000000000)
                self.assert_same_kinds(md["chars"], [1, 2, 3])  # STRING_EXT is a list of integers
                self.assertEqual((types["count"], types["ratio"], types["chars"], md["encoding"]),
                                 ("integer", "float", "list", "etf"))

    def test_M1_a_float_sent_over_msgpack_or_etf_is_not_an_integer(self):
        app, c = self.trio()
        for enc in ("msgpack", "etf"):
            with self.subTest(enc=enc):
                self.send(c[enc], {"op": 4, "t": "UPDATE_METADATA", "d": {"bad": entry("integer", 42.0)}})
                f = self.recv(c[enc])
                self.assert_error_frame(f, 3, "invalid metadata",
                                        {"bad": "bad: value fails validation for 'integer'"})
                self.beat(c[enc])

    def recv_event(self, ws, t, app):
        """The next CLIENT_* event about `app`; events about earlier tests' clients are skipped."""
        while True:
            f = self.recv(ws)
            if f["op"] == 4 and str(f["t"]).startswith("CLIENT_") and f["d"]["payload"]["app"] != app:
                continue
            return self.assert_server_frame(f, 4, None, t=t)

    def test_E4_C2_C3_client_events_reach_an_etf_subscriber_with_atom_delivery_keys(self):
        app = uid("ev")
        sub = self.identify_as(self.open("etf"), cid="sub", app=app, receive_client_updates=True)
        f = self.recv_event(sub, "CLIENT_CONNECTED", app)
        self.assertEqual(es.plain(f["d"]), {"nonce": None, "payload": {"app": app, "client_id": "sub"}, "target": None})
        other = self.identify_as(self.open("msgpack"), cid="other", app=app)
        f = self.recv_event(sub, "CLIENT_CONNECTED", app)
        self.assertEqual(es.plain(f["d"]["payload"]), {"app": app, "client_id": "other"})
        other.close()
        f = self.recv_event(sub, "CLIENT_DISCONNECTED", app)
        self.assertEqual(es.plain(f["d"]["payload"]), {"app": app, "client_id": "other"})

    def test_E4_U3_U8_queue_frames_in_etf_have_the_key_kinds_of_E4(self):
        app, c = self.trio()
        q = uid("q")
        self.send(c["etf"], {"op": 4, "t": "QUEUE_REQUEST", "d": {"queue": q}})
        self.send(c["etf"], {"op": 5, "d": {"client_id": "etf"}})
        f = self.recv(c["etf"])
        if f["op"] == 3 and f["d"]["error"] == "invalid dispatch payload":
            self.skipTest("this build does not implement queues (section 10) yet")
        self.assert_server_frame(f, 6, {"client_id": "etf"})
        for src in ("json", "msgpack"):
            with self.subTest(src=src):
                self.send(c[src], {"op": 4, "t": "QUEUE", "d": {
                    "queue": q, "target": {"application": app}, "payload": {"x": 1.5, "src": src}, "nonce": src}})
                self.assert_server_frame(self.recv(c[src]), 4, {"queue": q}, t="QUEUE_CONFIRM")
                f = self.assert_server_frame(self.recv(c["etf"]), 4, None, t="QUEUE")
                d = es.plain(f["d"])
                self.assertEqual(set(d["payload"]), {"id", "payload", "queue"}, d)
                self.assert_same_kinds(d, {"nonce": src, "target": None, "payload": {
                    "id": d["payload"]["id"], "payload": {"x": 1.5, "src": src}, "queue": q}})
                self.send(c["etf"], {"op": 4, "t": "QUEUE_ACK", "d": {"queue": q, "id": d["payload"]["id"]}})
                self.send(c["etf"], {"op": 4, "t": "QUEUE_REQUEST", "d": {"queue": q}})
                self.beat(c["etf"])


if __name__ == "__main__":
    unittest.main()
