"""Authentication and restricted mode: spec section 4 (A)."""

import unittest

from harness import GatewayCase

SLOW = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": 5000, "SINGYEONG_IDLE_TIMEOUT_MS": 10000}
ABSENT = object()

RESTRICTED_ONLY = ["SEND", "BROADCAST", "QUERY_NODES", "QUEUE", "QUEUE_REQUEST",
                   "QUEUE_REQUEST_CANCEL", "QUEUE_ACK", "NOT_AN_EVENT", "QUEUE_CONFIRM"]


class AuthTable:
    """Mixin: run an A-2 table against the class's server."""

    TABLE = []

    def check_table(self):
        for auth, restricted in self.TABLE:
            with self.subTest(auth="absent" if auth is ABSENT else auth):
                fields = {} if auth is ABSENT else {"auth": auth}
                ws = self.identify(restricted=restricted, **fields)
                # a wrong password never closes the connection
                self.heartbeat(ws)


class NoPassword(AuthTable, GatewayCase):
    SETTINGS = dict(SLOW, AUTH=None)
    TABLE = [
        (ABSENT, False),
        (None, False),
        ("", True),
        ("x", True),
        (5, True),
        (True, True),
        ({}, True),
        (["x"], True),
    ]

    def test_A2_without_server_password_only_absent_or_null_auth_is_unrestricted(self):
        self.check_table()


class EmptyPassword(AuthTable, GatewayCase):
    # an empty AUTH means "no password"
    SETTINGS = dict(SLOW, AUTH="")
    TABLE = [
        (ABSENT, False),
        (None, False),
        ("", True),
        ("x", True),
    ]

    def test_A1_A2_empty_AUTH_means_no_password(self):
        self.check_table()


class WithPassword(AuthTable, GatewayCase):
    SETTINGS = dict(SLOW, AUTH="secret")
    TABLE = [
        ("secret", False),
        ("Secret", True),
        ("secret ", True),
        ("secre", True),
        ("secretsecret", True),
        ("", True),
        (ABSENT, True),
        (None, True),
        (5, True),
        (["secret"], True),
        ({"auth": "secret"}, True),
    ]

    def test_A2_with_server_password_only_the_equal_string_is_unrestricted(self):
        self.check_table()

    def restricted(self, **fields):
        return self.identify(restricted=True, auth="wrong", **fields)

    def test_A4_restricted_client_may_not_dispatch_anything_but_UPDATE_METADATA(self):
        ws = self.restricted()
        bodies = [
            {"target": {"application": "app", "ops": []}, "payload": {"x": 1}, "nonce": "n"},
            {},
            "not even a map",
        ]
        for t in RESTRICTED_ONLY:
            for d in bodies:
                with self.subTest(t=t, d=d):
                    ws.send_json({"op": 4, "t": t, "d": d})
                    self.assert_invalid(ws, "invalid dispatch type %s (are you restricted?)" % t, None)
        # the connection stays open
        self.heartbeat(ws)

    def test_A4_restricted_dispatch_with_null_t_names_an_empty_type(self):
        ws = self.restricted()
        ws.send_json({"op": 4, "t": None, "d": {"payload": 1}})
        self.assert_invalid(ws, "invalid dispatch type  (are you restricted?)", None)
        self.heartbeat(ws)

    def test_A3_restricted_client_may_update_metadata_and_heartbeat(self):
        ws = self.restricted()
        ws.send_json({"op": 4, "t": "UPDATE_METADATA",
                      "d": {"role": {"type": "string", "value": "worker"},
                            "n": {"type": "integer", "value": 3}}})
        self.assert_silent(ws, 0.3)
        self.heartbeat(ws)
        # and gets the normal M-3 validation, not the restricted error
        ws.send_json({"op": 4, "t": "UPDATE_METADATA", "d": {"n": {"type": "integer", "value": "3"}}})
        self.assert_invalid(ws, "invalid metadata", {"n": "n: value fails validation for 'integer'"})
        self.heartbeat(ws)

    def test_A6_restricted_identify_with_ip_tags_and_client_updates_is_still_ready(self):
        ws = self.restricted(ip="10.1.2.3", tags=["a"], receive_client_updates=True, namespace="ns")
        self.heartbeat(ws)

    def test_A4_the_restricted_check_only_applies_to_restricted_clients(self):
        ws = self.identify(auth="secret")
        ws.send_json({"op": 4, "t": "SEND", "d": {}})
        # D-2: a normal client gets payload validation instead
        self.assert_invalid(ws, "invalid dispatch payload", {"op": 4, "t": "SEND", "d": {}, "ts": None})
        self.heartbeat(ws)


if __name__ == "__main__":
    unittest.main()
