"""A SEND's payload is forwarded as the text the sender wrote (D-3): the
server does not build it (proto::parse_json_frame) and JSON receivers get
that exact text spliced into their frame. These tests send hand-written
frame text, so spacing, escapes and number spellings are the sender's own.
"""

import json
import unittest

from harness import RECV, uid
from routing_support import RoutingCase, dispatch, e, echo, op


def send_text(target, payload_text, nonce="n1", t="SEND"):
    """A SEND/BROADCAST frame as text, with the payload text put in as is."""
    return ('{ "op" : 4 , "t" : "%s" , "d" : { "target" : %s ,\n "payload" :\t %s \r\n, "nonce" : %s } }'
            % (t, json.dumps(target), payload_text, json.dumps(nonce)))


ODD_PAYLOADS = [
    '{ "a" : [ 1 , 2.50 , "\\u00e9\\n\\"q\\"" ] , "e" : 1E2 , "z" : -0 }',
    '123456789012345678901234567890',   # past int64: kept digit for digit
    '"text with \\/ and \\ud83d\\ude00"',
    '[ ]',
    'null',
    '{"payload": {"payload": 1}, "d": {"payload": 2}}',
]


class PayloadText(RoutingCase):

    def pair(self, app=None):
        app = app or uid("app")
        rcv = self.client(app=app, metadata={"id": e("integer", 1)})
        snd = self.client(app=uid("snd"))
        return app, rcv, snd

    def test_D3_a_payload_arrives_as_the_JSON_the_sender_wrote_with_its_spacing_escapes_and_numbers(self):
        app, rcv, snd = self.pair()
        for text in ODD_PAYLOADS:
            with self.subTest(payload=text):
                snd.send_text(send_text({"application": app, "ops": [op("/id", "$eq", 1)]}, text))
                f = self.recv_delivery(rcv, "SEND", json.loads(text), "n1")
                # The number past int64 is the sender's integer, not a float.
                self.assertEqual(type(f["d"]["payload"]), type(json.loads(text)))
        self.assert_no_reply(snd)

    def test_D3_a_BROADCAST_payload_arrives_as_the_sender_wrote_it(self):
        app = uid("app")
        js = self.client(app=app, metadata={"id": e("integer", 1)})
        text = ODD_PAYLOADS[0]
        snd = self.client(app=uid("snd"))
        snd.send_text(send_text({"application": app, "ops": []}, text, t="BROADCAST"))
        self.recv_delivery(js, "BROADCAST", json.loads(text), "n1")

    def test_D5_no_route_echoes_the_payload_it_did_not_build(self):
        app, rcv, snd = self.pair()
        target = {"application": app, "ops": [op("/id", "$eq", 2)]}
        text = send_text(target, ODD_PAYLOADS[0], nonce="nr")
        snd.send_text(text)
        self.assert_no_route(snd, json.loads(text))

    def test_D2_with_two_payload_keys_the_last_one_is_delivered(self):
        app, rcv, snd = self.pair()
        snd.send_text('{"op":4,"t":"SEND","d":{"target":{"application":"%s","ops":[]},'
                      '"payload":[1],"nonce":null,"payload":{"second":true}}}' % app)
        self.recv_delivery(rcv, "SEND", {"second": True}, None)
        snd.send_text('{"op":4,"t":"SEND","d":{"payload":[1]},"d":{"target":{"application":"%s","ops":[]},'
                      '"payload":"from the last d"}}' % app)
        self.recv_delivery(rcv, "SEND", "from the last d", None)

    def test_M5_a_metadata_key_named_payload_is_updated_and_queried_like_any_other(self):
        app = uid("app")
        rcv = self.client(app=app)
        snd = self.client(app=uid("snd"))
        self.update_metadata(rcv, {"payload": e("integer", 5), "target": e("string", "t")})
        snd.send_json(dispatch("SEND", {"target": {"application": app, "ops": [op("/payload", "$eq", 5),
                                                                              op("/target", "$eq", "t")]},
                                        "payload": "found", "nonce": None}))
        self.recv_delivery(rcv, "SEND", "found", None)
        self.assert_no_reply(snd)

    def test_D2_a_malformed_SEND_echoes_its_payload_in_invalid_dispatch_payload(self):
        snd = self.client(app=uid("snd"))
        text = '{"op":4,"t":"SEND","d":{"payload":{ "k" : [1, 2] },"nonce":7}}'
        snd.send_text(text)
        f = snd.recv_json(RECV)
        self.assert_error_frame(f, 3, "invalid dispatch payload", echo(json.loads(text)))

    def test_E9_escaped_non_ASCII_arrives_as_written_and_a_lone_surrogate_or_bad_escape_is_fatal(self):
        # Python's json escapes every non-ASCII character by default.
        app, rcv, snd = self.pair()
        target = {"application": app, "ops": [op("/id", "$eq", 1)]}
        good = ['"\\ud55c\\uae00"', '{"k": "\\uD83D\\uDE00 \\u00e9 \\u0000"}', '["\\uffff", "x\\u0041"]']
        for text in good:
            with self.subTest(payload=text):
                snd.send_text(send_text(target, text))
                self.recv_delivery(rcv, "SEND", json.loads(text), "n1")
        for bad in ['"\\ud83d"', '"\\ude00"', '"\\ud83d\\u0041"', '"\\ud83dx"', '"\\ude00\\ud83d"', '"\\u00g9"']:
            with self.subTest(payload=bad):
                ws = self.client(app=uid("bad"))
                ws.send_text(send_text(target, bad))
                self.assert_fatal(ws, None, any_text=True)
        # nothing reached the receiver, and it still gets what comes next
        snd.send_text(send_text(target, '"after"'))
        self.recv_delivery(rcv, "SEND", "after", "n1")
        self.assert_no_reply(snd)


if __name__ == "__main__":
    unittest.main()
