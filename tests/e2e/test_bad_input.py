"""Bad input must hurt only the connection that sent it: spec E-6, E-9, G-5,
X-3, D-1 and the slow-consumer rule L-20.

Every test runs with an identified "bystander" client heartbeating in the
background; each of its heartbeats must be acked, and after each test the
server must still accept a new identify.
"""

import socket
import time
import unittest

import wsclient
from harness import CLOSE_WITHIN, RECV, BystanderMixin, GatewayCase, dumps, uid
from wsclient import OP_BINARY, OP_CONT, OP_PING, OP_TEXT, build_frame

LIMIT = 65536
SETTINGS = {
    "SINGYEONG_HEARTBEAT_INTERVAL_MS": 5000,
    "SINGYEONG_IDLE_TIMEOUT_MS": 10000,
    "SINGYEONG_MAX_FRAME_BYTES": LIMIT,
    "SINGYEONG_MAX_OUTBOUND_BYTES": LIMIT,
}
STATES = ("unidentified", "identified")


class WithBystander(BystanderMixin, GatewayCase):
    SETTINGS = SETTINGS
    BYSTANDER_ACKED = True

    def still_serving(self):
        # the server still accepts a new identify
        self.heartbeat(self.identify())

    def victim(self, state):
        return self.identify() if state == "identified" else self.connect()

    def assert_connection_ends(self, ws, allow_op8=True):
        """The connection is closed (close frame of any code, or TCP end); the
        only frame allowed before that is an op 8 with a non-empty error."""
        c, msgs = ws.wait_close(CLOSE_WITHIN)
        for m in msgs:
            self.assertTrue(allow_op8 and isinstance(m, dict), "unexpected frame before close: %r" % (m,))
            self.assert_error_frame(m, 8, None, any_text=True)
        self.assertLessEqual(len(msgs), 1, msgs)
        return c, msgs


class Decoding(WithBystander):
    def test_G5_json_that_is_not_a_map_is_fatal_with_decode_payload_unrecoverable(self):
        for state in STATES:
            for doc in ("[]", "[1,2]", '[{"op":5}]', "5", "-1.5", '"hello"', "null", "true", "false"):
                with self.subTest(state=state, doc=doc):
                    ws = self.victim(state)
                    ws.send_text(doc)
                    self.assert_fatal(ws, "decode: payload: unrecoverable")

    def test_G5_non_map_json_in_a_binary_frame_is_fatal_too(self):
        ws = self.victim("identified")
        ws.send_binary(b"[5]")
        self.assert_fatal(ws, "decode: payload: unrecoverable")

    def test_X3_malformed_json_is_fatal_with_a_non_empty_error(self):
        docs = ["not json", "", " ", '{"op":', '{"op":5', "{op:5}", "{'op':5}", '{"op":5,}',
                '{"op":5 "d":1}', '{"op":5,"d":NaN}', '{"op":5,"d":undefined}', "\x00",
                '{"op":5,"d":"unterminated}']
        for state in STATES:
            for doc in docs:
                with self.subTest(state=state, doc=doc):
                    ws = self.victim(state)
                    ws.send_text(doc)
                    self.assert_fatal(ws, None, any_text=True)

    def test_X3_a_valid_document_followed_by_garbage_is_not_processed(self):
        with self.subTest(state="unidentified"):
            ws = self.connect()
            cid = uid()
            ws.send_text(dumps({"op": 1, "d": {"client_id": cid, "application_id": "app"}}) + " trailing")
            self.assert_fatal(ws, None, any_text=True)
        with self.subTest(state="identified"):
            ws = self.identify()
            ws.send_text('{"op":5}{"op":5}')
            self.assert_fatal(ws, None, any_text=True)

    def test_X3_random_binary_bytes_are_fatal(self):
        junk = bytes([0x00, 0xFF, 0x13, 0x37, 0x80, 0x7B, 0x22]) + bytes(range(256))
        for state in STATES:
            with self.subTest(state=state):
                ws = self.victim(state)
                ws.send_binary(junk)
                self.assert_fatal(ws, None, any_text=True)

    def test_E9_invalid_utf8_inside_a_json_string_in_a_binary_frame_is_fatal(self):
        bad = {
            "lone continuation byte": b"\x80",
            "invalid start byte": b"\xff\xfe",
            "truncated sequence": b"\xc3\x28",
            "overlong encoding": b"\xc0\xaf",
            "utf-16 surrogate": b"\xed\xa0\x80",
            "beyond U+10FFFF": b"\xf4\x90\x80\x80",
        }
        for name, seq in bad.items():
            with self.subTest(state="unidentified", case=name):
                ws = self.connect()
                ws.send_binary(b'{"op":1,"d":{"client_id":"a' + seq + b'","application_id":"app"}}')
                self.assert_fatal(ws, None, any_text=True)
            with self.subTest(state="identified", case=name):
                ws = self.identify()
                ws.send_binary(b'{"op":5,"d":{"client_id":"' + seq + b'"}}')
                self.assert_fatal(ws, None, any_text=True)
        with self.subTest(case="invalid utf-8 in a key"):
            ws = self.identify()
            ws.send_binary(b'{"op":5,"\xff":1}')
            self.assert_fatal(ws, None, any_text=True)

    def test_E9_invalid_utf8_in_a_text_frame_is_fatal_as_in_a_binary_frame(self):
        # The websocket layer hands the message to the decoder, whose E-9
        # check answers op 8 (a bare 1007 close would tell the client nothing).
        for state in STATES:
            for seq in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80"):
                with self.subTest(state=state, seq=seq):
                    ws = self.victim(state)
                    ws.send_text(b'{"op":5,"d":{"client_id":"' + seq + b'"}}')
                    self.assert_fatal(ws, None, any_text=True)

    def test_E9_nesting_deeper_than_64_levels_is_fatal(self):
        deep_arrays = '{"op":5,"d":' + "[" * 100 + "]" * 100 + "}"
        deep_maps = '{"op":5,"d":' + '{"a":' * 100 + "1" + "}" * 100 + "}"
        only_open = "[" * 60000
        for state in STATES:
            for name, doc in (("arrays", deep_arrays), ("maps", deep_maps), ("60000 open brackets", only_open)):
                with self.subTest(state=state, case=name):
                    ws = self.victim(state)
                    ws.send_text(doc)
                    self.assert_fatal(ws, None, any_text=True)

    def test_E9_moderate_nesting_is_accepted(self):
        ws = self.connect()
        cid = uid()
        nested = '{"a":' * 20 + "[" * 20 + "1" + "]" * 20 + "}" * 20
        ws.send_text('{"op":1,"d":{"client_id":"%s","application_id":"app","extra":%s}}' % (cid, nested))
        self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})
        ws.client_id = cid
        ws.send_text('{"op":5,"d":' + "[" * 30 + "]" * 30 + "}")
        self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": cid})


class Dispatch(WithBystander):
    def test_D1_an_unknown_dispatch_event_is_invalid_dispatch_payload_with_the_received_frame(self):
        ws = self.identify()
        cases = [
            ({"op": 4, "t": "NOPE", "d": {"a": 1}}, {"op": 4, "t": "NOPE", "d": {"a": 1}, "ts": None}),
            ({"op": 4, "t": "NOPE", "d": [1, "x"], "ts": 123}, {"op": 4, "t": "NOPE", "d": [1, "x"], "ts": 123}),
            ({"op": 4, "t": "update_metadata", "d": {}}, {"op": 4, "t": "update_metadata", "d": {}, "ts": None}),
            ({"op": 4, "t": "QUEUE_CONFIRM", "d": {"queue": "q"}},
             {"op": 4, "t": "QUEUE_CONFIRM", "d": {"queue": "q"}, "ts": None}),
            ({"op": 4, "t": "CLIENT_CONNECTED", "d": None}, {"op": 4, "t": "CLIENT_CONNECTED", "d": None, "ts": None}),
            ({"op": 4, "t": "CLIENT_DISCONNECTED"}, {"op": 4, "t": "CLIENT_DISCONNECTED", "d": None, "ts": None}),
            ({"op": 4, "t": None, "d": {"x": 1}}, {"op": 4, "t": None, "d": {"x": 1}, "ts": None}),
            ({"op": 4, "d": "z"}, {"op": 4, "t": None, "d": "z", "ts": None}),
            ({"op": 4, "t": 5, "d": {}}, {"op": 4, "t": 5, "d": {}, "ts": None}),
            ({"op": 4, "t": "NOPE", "d": 1, "extra": "ignored"}, {"op": 4, "t": "NOPE", "d": 1, "ts": None}),
        ]
        for frame, echoed in cases:
            with self.subTest(frame=frame):
                ws.send_json(frame)
                self.assert_invalid(ws, "invalid dispatch payload", echoed)
        # op 3 keeps the connection open
        self.heartbeat(ws)


class FrameSize(WithBystander):
    def padded(self, frame, size):
        """JSON text of `frame` with a "pad" member making it exactly `size` bytes."""
        frame = dict(frame, pad="")
        base = len(dumps(frame).encode())
        frame["pad"] = "x" * (size - base)
        data = dumps(frame).encode()
        self.assertEqual(len(data), size)
        return data

    def test_E6_a_message_larger_than_max_frame_bytes_is_fatal_with_payload_too_large_and_1009(self):
        for state in STATES:
            for binary in (False, True):
                with self.subTest(state=state, binary=binary):
                    ws = self.victim(state)
                    ws.send_frame(OP_BINARY if binary else OP_TEXT, self.padded({"op": 5}, 70000))
                    self.assert_fatal(ws, "payload too large", code=1009)

    def test_E6_a_message_of_exactly_max_frame_bytes_is_processed(self):
        ws = self.connect()
        cid = uid()
        ws.send_text(self.padded({"op": 1, "d": {"client_id": cid, "application_id": "app"}}, LIMIT))
        self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})
        ws.client_id = cid
        ws.send_text(self.padded({"op": 5}, LIMIT))
        self.assert_server_frame(ws.recv_json(RECV), 6, {"client_id": cid})

    def test_E6_a_fragmented_message_over_the_limit_is_fatal_with_1009(self):
        for state in STATES:
            with self.subTest(state=state):
                ws = self.victim(state)
                ws.send_fragmented(self.padded({"op": 5}, 90000), [30000, 30000])
                self.assert_fatal(ws, "payload too large", code=1009)

    def test_E6_a_frame_announcing_a_huge_length_is_refused_with_1009_once_past_the_limit(self):
        for state in STATES:
            with self.subTest(state=state):
                ws = self.victim(state)
                try:
                    # 1 TiB announced, 200 kB (properly masked) actually sent
                    ws.send_frame(OP_TEXT, b'{"op":5,"d":"' + b"x" * 200000, length=1 << 40)
                except OSError:
                    pass  # the server may cut us before it has read everything
                self._expect_1009(ws)

    def test_E6_a_frame_header_announcing_more_than_the_limit_is_refused_without_waiting_for_the_body(self):
        # The size check is made on the frame header: op 8 and 1009 come at
        # once, whatever the announced length, before the body arrives.
        for state in STATES:
            for length in (1 << 40, 3 * LIMIT, LIMIT + 1):
                with self.subTest(state=state, announced=length):
                    ws = self.victim(state)
                    ws.send_frame(OP_TEXT, b'{"op":5' + b" " * 1000, length=length)
                    self.assert_fatal(ws, "payload too large", code=1009, timeout=CLOSE_WITHIN)

    def _expect_1009(self, ws):
        c, msgs = ws.wait_close(CLOSE_WITHIN)
        # the op 8 is optional here, the 1009 close is not
        for m in msgs:
            self.assert_error_frame(m, 8, "payload too large")
        self.assertLessEqual(len(msgs), 1)
        self.assertIsNotNone(c, "TCP dropped without a close frame (want 1009)")
        self.assertEqual(c.code, 1009, c)


class WebsocketViolations(WithBystander):
    def test_E9_websocket_protocol_violations_close_only_the_offending_connection(self):
        cases = {
            "unmasked client frame": build_frame(OP_TEXT, b'{"op":5}', mask=False),
            "reserved data opcode 3": build_frame(3, b"x"),
            "reserved control opcode 11": build_frame(11, b"x"),
            "RSV bits without extension": build_frame(OP_TEXT, b'{"op":5}', rsv=4),
            "continuation without a start": build_frame(OP_CONT, b'{"op":5}'),
            "fragmented ping": build_frame(OP_PING, b"x", fin=False),
            "ping payload over 125 bytes": build_frame(OP_PING, b"x" * 126),
            "text frame inside a fragmented message": build_frame(OP_TEXT, b'{"op"', fin=False)
            + build_frame(OP_TEXT, b'{"op":5}'),
            "close frame with 1-byte body": build_frame(wsclient.OP_CLOSE, b"\x03"),
            "close frame with reserved code 1005": build_frame(wsclient.OP_CLOSE, b"\x03\xed"),
            "16-bit length for a 5-byte payload": b"\x81\xfe\x00\x05\x00\x00\x00\x00hello",
        }
        for state in STATES:
            for name, raw in cases.items():
                with self.subTest(state=state, case=name):
                    ws = self.victim(state)
                    ws.send_raw(raw)
                    # RFC 6455 7.1.7: the connection is failed with 1002, no op 8
                    c, msgs = ws.wait_close(CLOSE_WITHIN)
                    self.assertEqual(msgs, [])
                    self.assertIsNotNone(c, "TCP dropped without a close frame (want 1002)")
                    self.assertEqual(c.code, 1002, c)

    def test_E9_a_connection_dropped_mid_frame_hurts_nobody(self):
        for state in STATES:
            with self.subTest(state=state):
                ws = self.victim(state)
                ws.send_raw(build_frame(OP_TEXT, b'{"op":5,"d":"' + b"x" * 5000 + b'"}')[:3000])
                ws.abort()
        time.sleep(0.3)


class SlowConsumer(WithBystander):
    def non_reader(self):
        """A connection with a tiny receive buffer, past its hello."""
        ws = self.node.ws(rcvbuf=4096)
        self._clients.append(ws)
        self.assertEqual(ws.recv_json(RECV)["op"], 0)
        return ws

    def flood(self, ws, frame, per_write, limit, seconds, pause=0.0):
        """Writes `frame` until `limit` are sent, time is up or the server
        stops taking them; returns how many were sent."""
        batch = frame * per_write
        sent = 0
        ws.sock.settimeout(5.0)
        end = time.monotonic() + seconds
        try:
            while sent < limit and time.monotonic() < end:
                ws.sock.sendall(batch)
                sent += per_write
                if pause:
                    time.sleep(pause)
        except (socket.timeout, OSError):
            pass  # the server stopped reading from us or already cut us
        return sent

    def test_L20_a_client_that_never_reads_is_cut_as_slow_consumer_while_others_are_unaffected(self):
        cid = "slow-" + "x" * 4000  # every ack carries the id: ~4 KiB per ack
        ws = self.non_reader()
        ws.send_json({"op": 1, "d": {"client_id": cid, "application_id": "slow"}})
        self.assert_server_frame(ws.recv_json(RECV), 2, {"client_id": cid, "restricted": False})
        ws.client_id = cid

        # up to 20000 heartbeats (~80 MB of acks), in small writes so that
        # only the outbound side is under test, not bursts of input
        sent = self.flood(ws, build_frame(OP_TEXT, b'{"op":5}'), 20, 20000, 10.0, pause=0.0005)
        self.assertGreaterEqual(sent, 1000, "could not even send 1000 heartbeats")

        # now read what made it through; the connection must end
        c, msgs = ws.wait_close(30.0)
        for m in msgs:
            self.assertIsInstance(m, dict, m)
            self.assertEqual(m.get("op"), 6, "only acks may precede the cut (no op 8, L-20): %r" % (m,))
        self.assertLess(len(msgs), sent, "every ack was delivered: the client was never cut")
        if c is not None:
            self.assertEqual((c.code, c.reason), (1008, "slow consumer"))
        ws.abort()

        # L-18 cleanup: the ids are free again; the event was logged
        self.identify_retrying(cid, "slow", within=1.0)
        self.assertIn("slow consumer", self.node.log.lower())
        self.assertLess(self.bystander.max_latency, 2.0)

    def test_L20_a_client_flooding_pings_without_reading_is_cut_as_slow_consumer(self):
        # Every ping is answered with a pong; unread pongs count against
        # SINGYEONG_MAX_OUTBOUND_BYTES like any other frame.
        ws = self.non_reader()
        sent = self.flood(ws, build_frame(OP_PING, b"p" * 125), 200, 400000, 20.0)
        ws.auto_pong = False
        c, msgs = ws.wait_close(30.0)
        self.assertEqual(msgs, [])
        self.assertLess(len(ws.pongs), sent, "every ping was answered: the client was never cut")
        if c is not None:
            self.assertEqual((c.code, c.reason), (1008, "slow consumer"))
        ws.abort()


if __name__ == "__main__":
    unittest.main()
