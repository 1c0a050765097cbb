"""Metadata updates and initial metadata: spec section 5 (M)."""

import unittest

import wsclient
from harness import GatewayCase, dumps, uid

SLOW = {"SINGYEONG_HEARTBEAT_INTERVAL_MS": 5000, "SINGYEONG_IDLE_TIMEOUT_MS": 10000}
RESERVED = ["last_heartbeat_time", "restricted", "encoding", "ip", "namespace", "receive_client_updates"]
# a value of the right type for each reserved key, so only the reservation fails
RESERVED_ENTRY = {
    "last_heartbeat_time": {"type": "integer", "value": 1},
    "restricted": {"type": "boolean", "value": False},
    "encoding": {"type": "string", "value": "json"},
    "ip": {"type": "string", "value": "127.0.0.1"},
    "namespace": {"type": "string", "value": "ns"},
    "receive_client_updates": {"type": "boolean", "value": True},
}


def update(d):
    return {"op": 4, "t": "UPDATE_METADATA", "d": d}


def e(type_, value):
    return {"type": type_, "value": value}


class Updates(GatewayCase):
    SETTINGS = SLOW

    def setUp(self):
        super().setUp()
        self.ws = self.identify()

    def accepted(self, d, raw=None):
        """The update gets no reply (M-7); the next frame is the heartbeat ack."""
        if raw is not None:
            self.ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, raw.encode()))
        else:
            self.ws.send_json(update(d))
        self.assert_silent(self.ws, 0.3)
        self.heartbeat(self.ws)

    def rejected(self, d, extra_info, raw=None):
        if raw is not None:
            self.ws.send_raw(wsclient.build_frame(wsclient.OP_TEXT, raw.encode()))
        else:
            self.ws.send_json(update(d))
        self.assert_invalid(self.ws, "invalid metadata", extra_info)
        # op 3 keeps the connection open
        self.heartbeat(self.ws)

    def test_M2_M7_valid_updates_of_all_seven_types_produce_no_reply(self):
        cases = {
            "string": e("string", "hello"),
            "empty string": e("string", ""),
            "integer": e("integer", 42),
            "negative integer": e("integer", -7),
            "int64 max": e("integer", 9223372036854775807),
            "int64 min": e("integer", -9223372036854775808),
            "float": e("float", 1.5),
            "float given an integer": e("float", 5),
            "version": e("version", "1.2.3"),
            "version with pre-release and build": e("version", "1.0.0-alpha.1+build.5"),
            "list": e("list", [1, "two", {"three": 3}]),
            "empty list": e("list", []),
            "list given a string holding a JSON array": e("list", "[1, 2, 3]"),
            "boolean true": e("boolean", True),
            "boolean false": e("boolean", False),
            "map": e("map", {"a": 1, "b": [2]}),
            "empty map value": e("map", {}),
        }
        for name, entry in cases.items():
            with self.subTest(case=name):
                self.accepted({"k_" + name.replace(" ", "_"): entry})
        with self.subTest(case="all at once"):
            self.accepted({"k%d" % i: entry for i, entry in enumerate(cases.values())})

    def test_M2_extra_fields_in_an_entry_are_ignored(self):
        self.accepted({"k": {"type": "string", "value": "v", "hint": "client side", "x": None}})

    def test_M2_keys_are_arbitrary_strings(self):
        self.accepted({"": e("string", "empty key"), "with space/and.dots": e("integer", 1),
                       "ünïcødé": e("boolean", True)})

    def test_M3_an_empty_update_is_a_valid_no_op(self):
        self.accepted({})

    def test_M3_an_entry_that_is_not_a_map_with_type_and_value_is_invalid(self):
        for name, entry in {"number": 5, "string": "string", "null": None, "list": ["string", 1],
                            "no value": {"type": "string"}, "no type": {"value": "x"},
                            "empty map": {}}.items():
            with self.subTest(case=name):
                self.rejected({"k": entry}, {"k": "k: invalid metadata entry"})

    def test_M3_an_unknown_type_is_reported_with_the_sic_message(self):
        for t in ("x", "String", "int", "number", "array", "object", "bool", ""):
            with self.subTest(type=t):
                self.rejected({"k": e(t, 1)}, {"k": "k: type '%s' doesn't exists" % t})

    def test_M3_M4_each_reserved_key_is_forbidden(self):
        for key in RESERVED:
            with self.subTest(key=key):
                self.rejected({key: RESERVED_ENTRY[key]}, {key: "%s: forbidden metadata key" % key})

    def test_M3_checks_run_in_order_entry_then_type_then_reserved_then_value(self):
        # reserved key with an invalid entry -> entry message
        self.rejected({"ip": 5}, {"ip": "ip: invalid metadata entry"})
        # reserved key with an unknown type -> type message
        self.rejected({"restricted": e("nope", True)}, {"restricted": "restricted: type 'nope' doesn't exists"})
        # reserved key with a value failing its type -> reserved message
        self.rejected({"encoding": e("integer", "json")}, {"encoding": "encoding: forbidden metadata key"})

    def test_M1_M3_values_that_fail_their_type(self):
        cases = [
            ("string", 5), ("string", None), ("string", ["a"]), ("string", True),
            ("integer", 1.5), ("integer", "5"), ("integer", None), ("integer", True),
            ("integer", [1]),
            ("float", "1.5"), ("float", None), ("float", False), ("float", [1.0]),
            ("version", "1.0"), ("version", "v1.0.0"), ("version", "1"), ("version", ""),
            ("version", "1.0.0-"), ("version", "01.0.0"), ("version", 1), ("version", None),
            ("list", "not json"), ("list", "{\"a\": 1}"), ("list", "5"), ("list", 5),
            ("list", {"a": 1}), ("list", None),
            ("boolean", "true"), ("boolean", 1), ("boolean", 0), ("boolean", None),
            ("map", [1, 2]), ("map", "{}"), ("map", 5), ("map", None),
        ]
        for t, v in cases:
            with self.subTest(type=t, value=v):
                self.rejected({"k": e(t, v)}, {"k": "k: value fails validation for '%s'" % t})

    def test_M1_integer_rejects_numbers_written_with_fraction_or_exponent_or_out_of_range(self):
        for text in ("1.0", "1e3", "1E2", "-0.0", "9223372036854775808", "-9223372036854775809"):
            with self.subTest(value=text):
                raw = '{"op":4,"t":"UPDATE_METADATA","d":{"k":{"type":"integer","value":%s}}}' % text
                self.rejected(None, {"k": "k: value fails validation for 'integer'"}, raw=raw)

    def test_M1_float_accepts_exponent_notation(self):
        raw = '{"op":4,"t":"UPDATE_METADATA","d":{"k":{"type":"float","value":1e3}}}'
        self.accepted(None, raw=raw)

    def test_M3_every_failing_key_is_listed_and_valid_keys_are_not(self):
        d = {
            "good": e("string", "fine"),
            "bad_entry": 7,
            "bad_type": e("x", 1),
            "ip": RESERVED_ENTRY["ip"],
            "bad_int": e("integer", 1.5),
            "bad_bool": e("boolean", "true"),
            "also_good": e("float", 2),
        }
        self.rejected(d, {
            "bad_entry": "bad_entry: invalid metadata entry",
            "bad_type": "bad_type: type 'x' doesn't exists",
            "ip": "ip: forbidden metadata key",
            "bad_int": "bad_int: value fails validation for 'integer'",
            "bad_bool": "bad_bool: value fails validation for 'boolean'",
        })

    def test_M3_a_non_map_d_is_invalid_metadata_with_null_extra_info(self):
        for d in ([1, 2], "x", 5, None, True):
            with self.subTest(d=d):
                self.rejected(d, None)
        with self.subTest(d="absent"):
            self.rejected(None, None, raw='{"op":4,"t":"UPDATE_METADATA"}')

    def test_M8_many_updates_in_a_row_are_all_accepted(self):
        frames = b"".join(wsclient.build_frame(wsclient.OP_TEXT, dumps(update({"n": e("integer", i)})).encode())
                          for i in range(200))
        self.ws.send_raw(frames)
        self.assert_silent(self.ws, 0.3)
        self.heartbeat(self.ws)

    def test_M11_a_large_list_is_accepted(self):
        self.accepted({"ids": e("list", [uid("x") for _ in range(5000)])})


class InitialMetadata(GatewayCase):
    SETTINGS = SLOW

    def fails(self, metadata, extra_info):
        cid, app = uid("init"), uid("app")
        ws = self.connect()
        ws.send_json({"op": 1, "d": {"client_id": cid, "application_id": app, "metadata": metadata}})
        self.assert_fatal(ws, "initial metadata: invalid", extra_info)
        # L-9 step 1: nothing was registered, so the ids are free at once
        ok = self.identify(client_id=cid, app=app)
        self.heartbeat(ok)

    def test_M10_valid_initial_metadata_and_namespace_are_accepted(self):
        ws = self.identify(namespace="prod", metadata={
            "role": e("string", "api"), "n": e("integer", 1), "f": e("float", 1),
            "v": e("version", "2.0.0"), "l": e("list", "[1]"), "b": e("boolean", False),
            "m": e("map", {"x": None}),
        })
        self.heartbeat(ws)

    def test_M10_empty_or_null_initial_metadata_means_none(self):
        for md in ({}, None):
            with self.subTest(metadata=md):
                self.heartbeat(self.identify(metadata=md))

    def test_M10_invalid_initial_metadata_is_fatal_with_the_per_key_errors(self):
        with self.subTest(case="one bad key"):
            self.fails({"good": e("string", "x"), "n": e("integer", "1")},
                       {"n": "n: value fails validation for 'integer'"})
        with self.subTest(case="reserved keys"):
            self.fails({"namespace": RESERVED_ENTRY["namespace"], "restricted": RESERVED_ENTRY["restricted"]},
                       {"namespace": "namespace: forbidden metadata key",
                        "restricted": "restricted: forbidden metadata key"})
        with self.subTest(case="every kind of failure"):
            self.fails({"a": None, "b": e("thing", 1), "c": e("version", "v1.0.0"),
                        "d": e("map", [])},
                       {"a": "a: invalid metadata entry", "b": "b: type 'thing' doesn't exists",
                        "c": "c: value fails validation for 'version'",
                        "d": "d: value fails validation for 'map'"})

    def test_M10_non_map_initial_metadata_is_fatal_with_null_extra_info(self):
        for md in ([1], "role=api", 5, True):
            with self.subTest(metadata=md):
                self.fails(md, None)


if __name__ == "__main__":
    unittest.main()
