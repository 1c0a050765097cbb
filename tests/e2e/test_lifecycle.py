"""Connection lifecycle over the JSON gateway: spec sections 1-3 (E, G, L)."""

import json
import time
import unittest

import node
import wsclient
from harness import CLOSE_WITHIN, RECV, GatewayCase, dumps, uid

HB = 5000
SLOW = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": HB, "SINGYEONG_IDLE_TIMEOUT_MS": 10000}

L2_TEXT = "sent payload with non-identify opcode without identifying first"


class HelloAndEncoding(GatewayCase):
    SETTINGS = SLOW

    def test_L1_hello_is_the_first_frame_with_the_configured_interval_and_integer_ts(self):
        ws = self.connect()  # connect() checks the exact G-2 envelope and d's single key
        self.assertEqual(self.hello["d"], {"heartbeat_interval": HB})
        self.assertEqual(self.hello["op"], 0)
        self.assertIsNone(self.hello["t"])
        # nothing else is sent before the client speaks
        self.assert_silent(ws, 0.3)

    def test_E1_encoding_json_and_absent_encoding_both_establish_the_gateway(self):
        for path in ("/gateway/websocket", "/gateway/websocket?encoding=json"):
            with self.subTest(path=path):
                ws = self.connect(path=path)
                self.assertEqual(self.hello["d"], {"heartbeat_interval": HB})
                self.identify(ws=ws)
                self.heartbeat(ws)

    def test_E1_unknown_encoding_values_are_refused_with_403(self):
        for enc in ("xml", "JSON", "Json", "jsonx", "msgpack2", "etf%20"):
            with self.subTest(encoding=enc):
                self.assertEqual(self.node.upgrade_status("/gateway/websocket?encoding=" + enc), 403)

    def test_E1_an_empty_encoding_value_is_not_absent_and_is_refused_with_403(self):
        self.assertEqual(self.node.upgrade_status("/gateway/websocket?encoding="), 403)

    def test_E1_refused_upgrade_raises_no_websocket(self):
        with self.assertRaises(wsclient.HandshakeError) as cm:
            self.node.ws(path="/gateway/websocket?encoding=xml")
        self.assertEqual(cm.exception.status, 403)
        self.assertNotIn("sec-websocket-accept", cm.exception.headers)

    def test_E1_an_upgrade_for_another_websocket_version_is_refused_with_426_naming_13(self):
        for version in ("8", "12", "14", ""):
            with self.subTest(version=version):
                with self.assertRaises(wsclient.HandshakeError) as cm:
                    self.node.ws(headers={"Sec-WebSocket-Version": version})
                self.assertEqual(cm.exception.status, 426)
                self.assertEqual(cm.exception.headers.get("sec-websocket-version"), "13")
                self.assertNotIn("sec-websocket-accept", cm.exception.headers)

    def test_E1_an_upgrade_without_a_valid_key_is_refused_with_400(self):
        # RFC 6455 4.1: the key is the base64 of 16 bytes (24 characters)
        for key in ("", "short", "!" * 22 + "==", "A" * 24, "AAAAAAAAAAAAAAAAAAAAAA=="[:-1]):
            with self.subTest(key=key):
                with self.assertRaises(wsclient.HandshakeError) as cm:
                    self.node.ws(headers={"Sec-WebSocket-Key": key})
                self.assertEqual(cm.exception.status, 400)
                self.assertNotIn("sec-websocket-accept", cm.exception.headers)
        # the server keeps serving well-formed upgrades
        self.identify(ws=self.connect())

    def test_E1_frames_sent_in_the_same_write_as_the_upgrade_request_are_processed(self):
        cid = uid()
        ws = self.node.ws(connect=False)
        self._clients.append(ws)
        sock = node.socket.create_connection((node.HOST, self.node.port), timeout=5.0)
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        req = ("GET /gateway/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode()
        ident = dumps({"op": 1, "d": {"client_id": cid, "application_id": "app"}})
        sock.sendall(req + wsclient.build_frame(wsclient.OP_TEXT, ident))
        status, headers, rest = wsclient._read_http_head(sock, time.monotonic() + 5.0)
        self.assertEqual(status, 101)
        self.assertEqual(headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")  # RFC 6455 1.3
        ws.sock, ws.buf = sock, rest
        self.assertEqual(ws.recv_json(RECV)["op"], 0)
        self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})

    def test_E3_E4_msgpack_and_etf_upgrades_are_accepted_and_hello_is_a_binary_frame(self):
        # E-1: both are allowed values; E-5: the hello is already in the
        # connection's encoding (a msgpack fixmap of 4 / ETF version 131 + MAP_EXT).
        for enc, head in (("msgpack", b"\x84"), ("etf", b"\x83\x74\x00\x00\x00\x04")):
            with self.subTest(encoding=enc):
                path = "/gateway/websocket?encoding=" + enc
                self.assertEqual(self.node.upgrade_status(path), 101)
                ws = self.node.ws(path=path)
                self._clients.append(ws)
                m = ws.recv_message(RECV)
                self.assertEqual(m.opcode, wsclient.OP_BINARY, m)
                self.assertEqual(m.data[:len(head)], head, m)

    def test_E1_no_subprotocol_is_negotiated_even_when_offered(self):
        ws = self.connect(headers={"Sec-WebSocket-Protocol": "chat, superchat"})
        self.assertNotIn("sec-websocket-protocol", ws.response_headers)
        self.identify(ws=ws)

    def test_E8_a_foreign_origin_is_accepted(self):
        ws = self.connect(headers={"Origin": "http://evil.example"})
        self.identify(ws=ws)
        self.heartbeat(ws)

    def test_E2_json_in_binary_frames_is_accepted_and_replies_are_text_frames(self):
        ws = self.connect()
        # identify and heartbeat in binary frames; recv_json insists on text frames
        self.identify(ws=ws, binary=True)
        ws.send_json({"op": 5, "d": {"client_id": ws.client_id}}, binary=True)
        m = ws.recv_message(RECV)
        self.assertEqual(m.opcode, wsclient.OP_TEXT, m)
        self.assertEqual(json.loads(m.data)["op"], 6)

    def test_E2_a_fragmented_identify_is_reassembled(self):
        ws = self.connect()
        cid = uid()
        data = dumps({"op": 1, "d": {"client_id": cid, "application_id": "app"}})
        ws.send_fragmented(data, [3, 10, 1], ping_between=True)
        self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})

    def test_E1_websocket_ping_is_answered_with_pong(self):
        ws = self.connect()
        ws.ping(b"are-you-there")
        deadline = time.monotonic() + RECV
        while not ws.pongs and time.monotonic() < deadline:
            try:
                m = ws.recv_message(0.2)
                self.fail("unexpected message %r" % (m,))
            except wsclient.RecvTimeout:
                pass
        self.assertEqual(ws.pongs, [b"are-you-there"])


class BeforeIdentify(GatewayCase):
    SETTINGS = SLOW

    def test_L2_every_non_identify_frame_before_identify_is_fatal(self):
        ident = {"client_id": "x", "application_id": "app"}
        cases = {
            "heartbeat": {"op": 5, "d": {"client_id": "x"}},
            "heartbeat without d": {"op": 5},
            "dispatch UPDATE_METADATA": {"op": 4, "t": "UPDATE_METADATA", "d": {}},
            "dispatch SEND": {"op": 4, "t": "SEND", "d": {"target": {"application": "a"}, "payload": 1}},
            "unknown op 42": {"op": 42, "d": ident},
            "server op 0": {"op": 0, "d": {}},
            "server op 2": {"op": 2, "d": {}},
            "server op 8": {"op": 8, "d": {}},
            "missing op with identify data": {"d": ident},
            "empty map": {},
            "op as string": {"op": "1", "d": ident},
            "op null": {"op": None, "d": ident},
            "op boolean": {"op": True, "d": ident},
            "op fractional": {"op": 1.5, "d": ident},
        }
        for name, frame in cases.items():
            with self.subTest(case=name):
                ws = self.connect()
                ws.send_json(frame)
                self.assert_fatal(ws, L2_TEXT)

    def test_L17_frames_after_an_op_8_are_ignored(self):
        ws = self.connect()
        cid = uid()
        ident = dumps({"op": 1, "d": {"client_id": cid, "application_id": "app"}}).encode()
        # a fatal frame immediately followed by a valid identify, in one TCP write
        ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}')
                    + wsclient.build_frame(wsclient.OP_TEXT, ident))
        self.assert_fatal(ws, L2_TEXT)
        # the identify was not processed: the ids are free on a new connection
        self.identify(client_id=cid)


class Identify(GatewayCase):
    SETTINGS = SLOW

    def test_L4_L10_identify_answers_ready_with_client_id_and_restricted_false(self):
        ws = self.connect()
        ws.send_json({"op": 1, "d": {"client_id": "ready-check-1", "application_id": "app-l10"}})
        ready = ws.recv_json(RECV)
        self.assert_server_frame(ready, 2, {"client_id": "ready-check-1", "restricted": False})
        self.assertEqual(set(ready["d"].keys()), {"client_id", "restricted"})

    def test_L4_unknown_and_null_identify_fields_are_ignored(self):
        variants = {
            "client library extras": {"sender": "me", "reconnect": True, "ts": 123, "auth": None,
                                      "metadata": {}, "namespace": None, "ip": None, "tags": [],
                                      "receive_client_updates": False},
            "unknown field": {"frobnicate": {"a": [1, 2, 3]}},
            "metadata null": {"metadata": None},
            "namespace non-string": {"namespace": 5},
            "tags not an array": {"tags": "web"},
            "tags with non-strings": {"tags": ["a", 1, None]},
            "receive_client_updates not boolean": {"receive_client_updates": "yes"},
            "ip string": {"ip": "10.0.0.1:8080"},
            "namespace string": {"namespace": "prod"},
        }
        for name, extra in variants.items():
            with self.subTest(case=name):
                ws = self.identify(**extra)
                self.heartbeat(ws)
        with self.subTest(case="top-level ts and unknown envelope key"):
            ws = self.connect()
            cid = uid()
            ws.send_json({"op": 1, "d": {"client_id": cid, "application_id": "app"}, "ts": 1, "t": None, "x": 2})
            self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})

    def test_L5_every_malformed_identify_is_fatal_with_payload_has_no_data(self):
        cases = {
            "d missing": {"op": 1},
            "d null": {"op": 1, "d": None},
            "d list": {"op": 1, "d": [{"client_id": "a", "application_id": "b"}]},
            "d string": {"op": 1, "d": "client"},
            "d number": {"op": 1, "d": 7},
            "client_id missing": {"op": 1, "d": {"application_id": "b"}},
            "application_id missing": {"op": 1, "d": {"client_id": "a"}},
            "both missing": {"op": 1, "d": {}},
            "client_id integer": {"op": 1, "d": {"client_id": 1, "application_id": "b"}},
            "client_id null": {"op": 1, "d": {"client_id": None, "application_id": "b"}},
            "client_id list": {"op": 1, "d": {"client_id": ["a"], "application_id": "b"}},
            "application_id integer": {"op": 1, "d": {"client_id": "a", "application_id": 2}},
            "application_id map": {"op": 1, "d": {"client_id": "a", "application_id": {}}},
            "application_id boolean": {"op": 1, "d": {"client_id": "a", "application_id": True}},
            "client_id empty": {"op": 1, "d": {"client_id": "", "application_id": "b"}},
            "application_id empty": {"op": 1, "d": {"client_id": "a", "application_id": ""}},
        }
        for name, frame in cases.items():
            with self.subTest(case=name):
                ws = self.connect()
                ws.send_json(frame)
                self.assert_fatal(ws, "payload has no data")

    def test_L6_duplicate_id_of_healthy_client_is_rejected_and_the_first_keeps_working(self):
        cid, app = uid("dup"), uid("app")
        first = self.identify(client_id=cid, app=app)
        second = self.connect()
        second.send_json({"op": 1, "d": {"client_id": cid, "application_id": app}})
        self.assert_fatal(second, "%s: already registered for app %s" % (cid, app))
        # the existing client is untouched
        self.assert_silent(first, 0.2)
        self.heartbeat(first)

    def test_L6_ids_are_interpolated_verbatim_in_the_duplicate_error(self):
        cid, app = "we ird:id %s {}", "app with spaces/üñí"
        first = self.identify(client_id=cid, app=app)
        second = self.connect()
        second.send_json({"op": 1, "d": {"client_id": cid, "application_id": app}})
        self.assert_fatal(second, "%s: already registered for app %s" % (cid, app))
        self.heartbeat(first)

    def test_L6_same_client_id_in_another_application_is_allowed(self):
        cid = uid("shared")
        a = self.identify(client_id=cid, app=uid("app-a"))
        b = self.identify(client_id=cid, app=uid("app-b"))
        self.heartbeat(a)
        self.heartbeat(b)

    def test_L6_duplicate_after_the_first_closed_its_websocket_gets_straight_in(self):
        cid, app = uid("reconnect"), uid("app")
        first = self.identify(client_id=cid, app=app)
        first.close()
        self.identify_retrying(cid, app, within=1.0)

    def test_L6_duplicate_after_the_first_dropped_its_tcp_connection_gets_straight_in(self):
        cid, app = uid("drop"), uid("app")
        first = self.identify(client_id=cid, app=app)
        first.abort()
        ws = self.identify_retrying(cid, app, within=1.0)
        self.heartbeat(ws)

    def test_L7_a_second_identify_is_fatal_with_already_identified(self):
        for name, same in (("same ids", True), ("different ids", False)):
            with self.subTest(case=name):
                cid, app = uid("twice"), uid("app")
                ws = self.identify(client_id=cid, app=app)
                d = {"client_id": cid if same else cid + "-other", "application_id": app}
                ws.send_json({"op": 1, "d": d})
                self.assert_fatal(ws, "already identified")
                # L-18: the failed connection was cleaned up; the ids are free again,
                # and the second identify did not register anything
                self.identify_retrying(cid, app, within=1.0)
                if not same:
                    self.identify(client_id=cid + "-other", app=app)

    def test_L11_heartbeat_is_acked_with_own_client_id_whatever_d_holds(self):
        ws = self.identify()
        for d in ("own", None, {"client_id": "someone-else"}, 5, "garbage", [1, 2], {}, True):
            with self.subTest(d=d):
                if d is None:
                    # d absent altogether
                    self.heartbeat(ws, d=None)
                else:
                    self.heartbeat(ws, d=d)
        with self.subTest(d="explicit null"):
            ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5,"d":null}'))
            self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": ws.client_id})

    def test_L12_rapid_heartbeats_are_all_acked_in_order(self):
        self._burst(50)

    def test_L12_a_burst_of_500_heartbeats_in_one_write_is_all_acked(self):
        self._burst(500)

    def _burst(self, n):
        ws = self.identify()
        ws.send_raw(b"".join(wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}') for _ in range(n)))
        for i in range(n):
            self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": ws.client_id})
        self.assert_silent(ws, 0.2)

    def test_L15_server_only_and_unknown_opcodes_after_identify_are_fatal(self):
        cases = [
            ({"op": 0, "d": {}}, "invalid client op :hello"),
            ({"op": 2, "d": {}}, "invalid client op :ready"),
            ({"op": 3, "d": {}}, "invalid client op :invalid"),
            ({"op": 6, "d": {}}, "invalid client op :heartbeat_ack"),
            ({"op": 7, "d": {}}, "invalid client op :goodbye"),
            ({"op": 8, "d": {}}, "invalid client op :error"),
            ({"op": 42, "d": {}}, "invalid client op nil"),
            ({"op": 9}, "invalid client op nil"),
            ({"op": -1}, "invalid client op nil"),
            ({"op": "5", "d": {}}, "invalid client op nil"),
            ({"op": None}, "invalid client op nil"),
            ({"op": True}, "invalid client op nil"),
            ({"op": 5.5}, "invalid client op nil"),
            ({"d": {"client_id": "x"}}, "invalid client op nil"),
        ]
        for frame, text in cases:
            with self.subTest(frame=frame):
                ws = self.identify()
                ws.send_json(frame)
                self.assert_fatal(ws, text)

    def test_L16_replies_come_in_frame_order(self):
        ws = self.identify()
        ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}')
                    + wsclient.build_frame(wsclient.OP_TEXT, b'{"op":4,"t":"UPDATE_METADATA","d":{"k":5}}')
                    + wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}'))
        self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": ws.client_id})
        self.assert_invalid(ws, "invalid metadata", {"k": "k: invalid metadata entry"})
        self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": ws.client_id})

    def test_L17_frames_sent_after_an_op_8_on_a_client_are_ignored(self):
        ws = self.identify()
        ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, b'{"op":0}')
                    + wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}')
                    + wsclient.build_frame(wsclient.OP_TEXT, b'{"op":5}'))
        # op 8, then the close frame; no ack in between
        self.assert_fatal(ws, "invalid client op :hello")

    def test_L17_client_initiated_close_is_answered_with_a_close_frame(self):
        ws = self.identify()
        ws.send_close(1000, "bye")
        c, msgs = ws.wait_close(CLOSE_WITHIN)
        self.assertEqual(msgs, [])
        self.assertIsNotNone(c, "server dropped TCP without answering the close frame")
        self.assertEqual(c.code, 1000)


class IdleTimeout(GatewayCase):
    SETTINGS = {"SINGYEONG_IDLE_TIMEOUT_MS": 500, "SINGYEONG_HEARTBEAT_INTERVAL_MS": 2000}

    def test_L3_idle_unidentified_connection_is_closed_with_1000_and_no_payload(self):
        ws = self.connect()
        t0 = time.monotonic()
        try:
            m = ws.recv_message(3.0)
        except wsclient.ConnectionClosed:
            self.fail("TCP dropped without a close frame (want close code 1000)")
        elapsed = time.monotonic() - t0
        self.assertTrue(m.is_close, "expected a bare close, got %r" % (m,))
        self.assertEqual(m.code, 1000, m)
        self.assertGreaterEqual(elapsed, 0.35, "closed %.3f s after hello, idle timeout is 0.5 s" % elapsed)

    def test_L3_idle_timeout_does_not_apply_to_identified_clients(self):
        ws = self.identify()
        # three idle timeouts of silence, well within the 3 s heartbeat deadline
        self.assert_silent(ws, 1.5)
        self.heartbeat(ws)


class HeartbeatDeadline(GatewayCase):
    INTERVAL = 300
    SETTINGS = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": INTERVAL, "SINGYEONG_IDLE_TIMEOUT_MS": 5000}

    def test_L1_hello_carries_the_configured_short_interval(self):
        self.connect()
        self.assertEqual(self.hello["d"], {"heartbeat_interval": self.INTERVAL})

    def test_L14_client_that_never_heartbeats_gets_heartbeat_took_too_long_and_close(self):
        ws = self.connect()
        t0 = time.monotonic()
        self.identify(ws=ws)
        self.assert_fatal(ws, "heartbeat took too long", timeout=3.0)
        elapsed = time.monotonic() - t0
        # deadline = 1.5 x 300 ms after identify (L-13)
        self.assertGreaterEqual(elapsed, 0.4, "cut after %.3f s, deadline is 0.45 s" % elapsed)

    def test_L14_heartbeating_keeps_a_client_alive_past_several_deadlines(self):
        ws = self.identify()
        end = time.monotonic() + 1.8  # four deadlines
        n = 0
        while time.monotonic() < end:
            self.heartbeat(ws)
            n += 1
            time.sleep(0.1)
        self.assertGreater(n, 5)
        # and once it stops, the deadline is enforced
        self.assert_fatal(ws, "heartbeat took too long", timeout=3.0)

    def test_L14_non_heartbeat_traffic_does_not_extend_the_deadline(self):
        ws = self.connect()
        t0 = time.monotonic()
        self.identify(ws=ws)
        update = dumps({"op": 4, "t": "UPDATE_METADATA",
                        "d": {"n": {"type": "integer", "value": 1}}}).encode()
        got = None
        while time.monotonic() - t0 < 3.0:
            try:
                ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, update))
            except OSError:
                break
            try:
                got = ws.recv_json(0.1)
                break
            except wsclient.RecvTimeout:
                continue
        if got is None:
            got = ws.recv_json(RECV)
        elapsed = time.monotonic() - t0
        self.assert_error_frame(got, 8, "heartbeat took too long")
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 3.0, "metadata updates kept the client alive for %.1f s" % elapsed)
        self.assert_closed(ws)

    def test_L6_stale_registration_is_evicted_and_the_newcomer_gets_ready(self):
        cid, app = uid("stale"), uid("app")
        first = self.identify(client_id=cid, app=app)
        time.sleep(0.7)  # past the 450 ms deadline without heartbeating
        second = self.identify(client_id=cid, app=app)
        self.assert_fatal(first, "heartbeat took too long")
        self.heartbeat(second)


class GracefulShutdown(unittest.TestCase):
    def _read_goodbye(self, ws, who):
        f = ws.recv_json(RECV)
        self.assertEqual(set(f.keys()), {"d", "op", "t", "ts"}, (who, f))
        self.assertEqual((f["op"], f["d"], f["t"]), (7, {"reason": "server shutting down"}, None), (who, f))
        self.assertIsInstance(f["ts"], int, f)
        c = ws.recv_message(CLOSE_WITHIN)
        self.assertTrue(c.is_close, (who, c))
        self.assertEqual(c.code, 1000, (who, c))

    def test_L19_sigterm_sends_goodbye_to_every_connection_then_exits_0(self):
        n = node.Node(settings=SLOW)
        clients = []
        try:
            unidentified = n.ws()
            self.assertEqual(unidentified.recv_json(RECV)["op"], 0)
            identified = []
            for i in range(2):
                ws = n.ws()
                self.assertEqual(ws.recv_json(RECV)["op"], 0)
                ws.send_json({"op": 1, "d": {"client_id": "shut-%d" % i, "application_id": "app"}})
                self.assertEqual(ws.recv_json(RECV)["op"], 2)
                identified.append(ws)
            clients = [unidentified] + identified
            n.terminate()
            t0 = time.monotonic()
            self._read_goodbye(unidentified, "unidentified")
            for i, ws in enumerate(identified):
                self._read_goodbye(ws, "identified %d" % i)
            code = n.wait_exit(max(0.1, 5.0 - (time.monotonic() - t0)))
            self.assertIsNotNone(code, "server did not exit within 5 s of SIGTERM; log:\n" + n.log[-3000:])
            self.assertEqual(code, 0, n.log[-3000:])
        finally:
            for ws in clients:
                ws.abort()
            n.kill()


if __name__ == "__main__":
    unittest.main()
