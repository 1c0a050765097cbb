"""The HTTP API without the proxy: spec section 11 (H-1..H-4, H-6, H-8..H-10,
H-12..H-15), A-8 (HTTP auth) and section 13 (T-3 discovery by tags).

Every request is a real HTTP/1.1 request against the real binary on the
gateway port; websocket clients supply the clients that the HTTP routes see.
"""

import json
import re
import socket
import threading
import time
import unittest
import urllib.parse

import node
import wsclient
from harness import RECV, uid
from routing_support import SETTINGS, RoutingCase, dispatch, e, message, op

JSON_CT = "application/json; charset=utf-8"
PASSWORD = "secret"
NOT_FOUND = {"code": 404, "error": "not found"}
NOT_AUTHORIZED = {"status": "error", "error": "not authorized"}
INVALID_QUERY = {"errors": ["invalid query"]}
BAD_REQUEST = {"errors": {"detail": "Bad Request"}}
TOO_LARGE = {"errors": ["payload too large"]}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(-((0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
                    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
HTTP_TIMEOUT = 10.0
POLL = 3.0   # deadline for state that changes asynchronously (a disconnect's cleanup)


class HttpCase(RoutingCase):
    """RoutingCase plus HTTP helpers that check H-1 on every JSON answer."""

    SETTINGS = SETTINGS

    def http(self, method, path, headers=None, body=b"", timeout=HTTP_TIMEOUT):
        return wsclient.http_request(node.HOST, self.node.port, method, path, headers=headers, body=body,
                                     timeout=timeout)

    def json_answer(self, status, headers, body, want_status, what=""):
        """Assert the status and the H-1 content type; return the decoded body."""
        self.assertEqual(status, want_status, "%s: status %r, body %r" % (what, status, body[:300]))
        self.assertEqual(headers.get("content-type"), JSON_CT,
                         "%s: JSON answer must have content type %r (H-1): %r" % (what, JSON_CT, headers))
        try:
            return json.loads(body.decode("utf-8"))
        except ValueError as exc:
            self.fail("%s: body is not JSON (%s): %r" % (what, exc, body[:300]))

    def request_json(self, method, path, want_status, headers=None, body=b"", what=None):
        status, h, b = self.http(method, path, headers=headers, body=body)
        return self.json_answer(status, h, b, want_status, what or "%s %s" % (method, path))

    def post_query(self, query, want_status=200, headers=None, raw=None, content_type="application/json"):
        """POST /api/v1/query; `raw` bytes replace the JSON-encoded `query`."""
        body = raw if raw is not None else json.dumps(query).encode("utf-8")
        hdrs = {}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        return self.request_json("POST", "/api/v1/query", want_status, headers=hdrs, body=body,
                                 what="POST /api/v1/query %r" % (body[:120],))

    def discover(self, q, want_status=200, headers=None, raw_qs=None):
        """GET /api/v1/discovery/tags?q=<url-encoded JSON of q>."""
        if raw_qs is None:
            raw_qs = "q=" + urllib.parse.quote(json.dumps(q), safe="")
        path = "/api/v1/discovery/tags" + ("?" + raw_qs if raw_qs else "")
        return self.request_json("GET", path, want_status, headers=headers, what="GET %s" % path)

    def discovered(self, q, headers=None):
        """T-3 success shape; returns the result list."""
        body = self.discover(q, headers=headers)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(set(body), {"status", "result"}, body)
        self.assertEqual(body["status"], "ok", body)
        self.assertIsInstance(body["result"], list, body)
        return body["result"]

    def wait_for(self, fetch, want, what):
        """Poll fetch() until it returns `want` (asynchronous cleanup); fail
        with the last value after POLL seconds."""
        deadline = time.monotonic() + POLL
        while True:
            got = fetch()
            if got == want:
                return got
            if time.monotonic() > deadline:
                self.fail("%s: still %r after %.0f s, want %r" % (what, got, POLL, want))
            time.sleep(0.05)

    def ids(self, nodes):
        self.assertIsInstance(nodes, list, nodes)
        return [(n["app_id"], n["client_id"]) for n in nodes]


# ---------------------------------------------------------------------------
class RoutesWithPassword(HttpCase):
    """A server with AUTH set: the routes that need no auth, the catch-all,
    and A-8 on /api/v1/*."""

    SETTINGS = dict(SETTINGS, AUTH=PASSWORD)
    AUTH = {"Authorization": PASSWORD}

    def normal(self, app, cid, **fields):
        return self.client(app=app, cid=cid, auth=PASSWORD, **fields)

    def test_H3_H1_GET_api_version_answers_v1_and_a_semver_version_without_auth(self):
        for headers in (None, {"Authorization": "wrong"}, self.AUTH):
            with self.subTest(headers=headers):
                body = self.request_json("GET", "/api/version", 200, headers=headers)
                self.assertIsInstance(body, dict, body)
                self.assertEqual(set(body), {"api", "singyeong"}, body)
                self.assertEqual(body["api"], "v1", body)
                self.assertIsInstance(body["singyeong"], str, body)
                self.assertRegex(body["singyeong"], SEMVER, "H-3: the version must be a SemVer string")

    def test_H8_GET_root_redirects_to_the_gateway_with_302(self):
        for path in ("/", "/?x=1"):
            with self.subTest(path=path):
                status, h, b = self.http("GET", path)
                self.assertEqual(status, 302, (h, b[:200]))
                self.assertEqual(h.get("location"), "/gateway/websocket", h)

    def test_H10_GET_gateway_websocket_without_an_upgrade_is_400(self):
        status, h, b = self.http("GET", "/gateway/websocket")
        self.assertEqual(status, 400, (h, b[:200]))

    def raw_exchange(self, data):
        """Sends `data` on a new connection; returns the status of the answer, or None when the
        connection closed without one."""
        with socket.create_connection(("127.0.0.1", self.node.port), timeout=5) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += chunk
        if not got:
            return None
        line = got.split(b"\r\n", 1)[0].split(b" ")
        return int(line[1])

    def test_a_request_the_parser_refuses_gets_400_or_431_before_the_close(self):
        # Not in the spec: what a user of an HTTP server expects (nginx, NATS' monitor port answer so).
        bad = [b"GET / HTTP/9.9\r\n\r\n", b"G@T / HTTP/1.1\r\n\r\n",
               b"POST /api/v1/query HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
               b"POST /api/v1/query HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
               b"POST /api/v1/query HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
               b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"]
        for data in bad:
            with self.subTest(data=data):
                self.assertEqual(self.raw_exchange(data), 400)
        self.assertEqual(self.raw_exchange(b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n"), 431)
        self.assertEqual(self.raw_exchange(b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n"), 431)
        # a connection cut in the middle of a request, or before one, gets nothing
        self.assertIsNone(self.raw_exchange(b"GET / HTTP/1.1\r\nHost: x"))
        self.assertIsNone(self.raw_exchange(b""))
        self.assertEqual(self.http("GET", "/api/version")[0], 200)  # and the node still serves

    def test_H9_A8_unknown_paths_and_wrong_methods_are_404_not_found_without_an_auth_check(self):
        cases = [("GET", "/api/v1/nope"), ("POST", "/api/v1/nope"), ("GET", "/api/v1"), ("GET", "/api/v1/"),
                 ("GET", "/api/v1/query"), ("PUT", "/api/v1/query"), ("DELETE", "/api/v1/query"),
                 ("POST", "/api/v1/discovery/tags"), ("GET", "/api/v1/discovery"),
                 ("POST", "/api/version"), ("DELETE", "/api/version"), ("GET", "/api/versions"),
                 ("GET", "/API/VERSION"), ("GET", "/nope"), ("POST", "/"), ("POST", "/healthz"),
                 ("GET", "/gateway/websocketx"), ("GET", "/api/v1/plugin/nobody/registered/this")]
        for method, path in cases:
            for headers in (None, {"Authorization": "wrong"}, self.AUTH):
                with self.subTest(method=method, path=path, headers=headers):
                    self.assertEqual(self.request_json(method, path, 404, headers=headers), NOT_FOUND)

    def test_H12_HEAD_on_a_GET_route_has_the_GET_status_and_no_body(self):
        cases = [("/api/version", 200, None), ("/healthz", 200, None), ("/metrics", 200, None),
                 ("/", 302, None), ("/api/v1/discovery/tags?q=%5B%5D", 401, None),
                 ("/api/v1/discovery/tags?q=%5B%5D", 200, self.AUTH)]
        for path, want, headers in cases:
            with self.subTest(path=path, headers=headers):
                gs, gh, _ = self.http("GET", path, headers=headers)
                self.assertEqual(gs, want, "GET %s" % path)
                hs, hh, hb = self.http("HEAD", path, headers=headers)
                self.assertEqual(hs, want, "HEAD %s: %r" % (path, hh))
                self.assertEqual(hb, b"", "HEAD %s must not send a body" % path)
                self.assertEqual(hh.get("content-type"), gh.get("content-type"), "HEAD %s" % path)

    def test_H12_a_HEAD_answer_announces_the_GET_body_length_or_no_length(self):
        # H-12 "like GET without a body"; RFC 9110 section 8.6: a Content-Length
        # on a HEAD answer must equal the length GET would send.
        cases = [("/api/version", None), ("/healthz", None), ("/api/v1/discovery/tags?q=%5B%5D", None),
                 ("/api/v1/discovery/tags?q=%5B%5D", self.AUTH)]
        for path, headers in cases:
            with self.subTest(path=path, headers=headers):
                _, _, gb = self.http("GET", path, headers=headers)
                _, hh, _ = self.http("HEAD", path, headers=headers)
                if "content-length" in hh:
                    self.assertEqual(hh["content-length"], str(len(gb)),
                                     "HEAD %s announces a length other than GET's body" % path)

    def test_H14_GET_healthz_is_200_status_ok_without_auth(self):
        for headers in (None, {"Authorization": "wrong"}):
            with self.subTest(headers=headers):
                self.assertEqual(self.request_json("GET", "/healthz", 200, headers=headers), {"status": "ok"})

    def test_H15_GET_metrics_needs_no_auth(self):
        status, h, b = self.http("GET", "/metrics")
        self.assertEqual(status, 200, b[:200])
        self.assertIn("# TYPE", b.decode("utf-8"))

    def test_A8_query_and_discovery_without_or_with_a_wrong_authorization_are_401(self):
        wrong = [None, {"Authorization": ""}, {"Authorization": "wrong"}, {"Authorization": "secre"},
                 {"Authorization": "secretx"}, {"Authorization": "Bearer secret"},
                 {"Authorization": "Basic c2VjcmV0"}, {"Authorization": "SECRET"}, {"X-Authorization": PASSWORD}]
        for headers in wrong:
            with self.subTest(route="query", headers=headers):
                self.assertEqual(self.post_query({"application": "x"}, 401, headers=headers), NOT_AUTHORIZED)
            with self.subTest(route="discovery", headers=headers):
                self.assertEqual(self.discover(["x"], 401, headers=headers), NOT_AUTHORIZED)

    def test_A8_an_unauthorized_request_is_401_before_its_body_or_parameters_are_looked_at(self):
        with self.subTest(body="malformed JSON"):
            self.assertEqual(self.post_query(None, 401, raw=b'{"application":'), NOT_AUTHORIZED)
        with self.subTest(body="invalid query"):
            self.assertEqual(self.post_query({"application": 5}, 401), NOT_AUTHORIZED)
        with self.subTest(discovery="missing q"):
            self.assertEqual(self.discover(None, 401, raw_qs=""), NOT_AUTHORIZED)
        with self.subTest(discovery="invalid q"):
            self.assertEqual(self.discover(None, 401, raw_qs="q=nope"), NOT_AUTHORIZED)

    def test_A8_A5_with_the_password_the_query_works_and_excludes_restricted_clients(self):
        app = uid("authq")
        self.normal(app, "n")
        self.client(app=app, cid="r", restricted=True)   # wrong password: restricted
        for hdr in ("Authorization", "authorization", "AUTHORIZATION"):
            with self.subTest(header_name=hdr):
                got = self.post_query({"application": app}, headers={hdr: PASSWORD})
                self.assertEqual(self.ids(got), [(app, "n")], got)
        got = self.post_query({"application": app, "restricted": True}, headers=self.AUTH)
        self.assertEqual(self.ids(got), [(app, "n"), (app, "r")], got)

    def test_A8_T3_with_the_password_discovery_works(self):
        tag = uid("authtag")
        app = uid("authd")
        self.normal(app, "n", tags=[tag])
        self.assertEqual(self.discovered([tag], headers=self.AUTH), [app])


# ---------------------------------------------------------------------------
class QueryWithoutPassword(HttpCase):
    """POST /api/v1/query (H-2, H-4, H-13) on a server without a password and
    with a small body limit (CFG-21)."""

    LIMIT = 65536
    SETTINGS = dict(SETTINGS, AUTH=None, SINGYEONG_HTTP_MAX_BODY_BYTES=LIMIT)

    def marked(self, mark, app, cid, restricted=False, md=None, **fields):
        metadata = {"mark": e("string", mark)}
        metadata.update(md or {})
        return self.client(app=app, cid=cid, restricted=restricted, metadata=metadata, **fields)

    def test_H4_H13_the_answer_is_the_exact_client_object_list(self):
        app = uid("hq")
        md = {"latency": e("integer", 50), "f": e("float", 1.5), "v": e("version", "1.2.3"),
              "l": e("list", [1, "a"]), "b": e("boolean", True), "m": e("map", {"k": [1]})}
        self.client(app=app, cid="a", metadata=md, namespace="ns1", ip="10.0.0.5", tags=["t1", "t2"],
                    receive_client_updates=True)
        self.client(app=app, cid="b")
        nodes = self.post_query({"application": app})
        self.assertEqual(self.ids(nodes), [(app, "a"), (app, "b")], nodes)
        self.check_node(nodes[0], app, "a",
                        {"latency": 50, "f": 1.5, "v": "1.2.3", "l": [1, "a"], "b": True, "m": {"k": [1]},
                         "restricted": False, "encoding": "json", "ip": "10.0.0.5", "namespace": "ns1",
                         "receive_client_updates": True},
                        {"latency": "integer", "f": "float", "v": "version", "l": "list", "b": "boolean",
                         "m": "map"},
                        "10.0.0.5", ["t1", "t2"])
        self.check_node(nodes[1], app, "b", {"restricted": False, "encoding": "json", "ip": "127.0.0.1",
                                             "namespace": None, "receive_client_updates": False},
                        {}, "127.0.0.1")

    def test_H4_the_answer_is_sorted_bytewise_by_app_id_then_client_id_across_applications(self):
        mark, pre = uid("mark"), uid("sort")
        apps = [pre + "b", pre + "B", pre + "a", pre + "_"]
        cids = ["b", "a", "B", "_", "aa", "\u00e9", "Z", "10", "9"]
        specs = [{"client_id": c, "app": apps[(i + j) % len(apps)], "metadata": {"mark": e("string", mark)}}
                 for i, c in enumerate(cids) for j in range(2)]
        self.clients(specs)
        want = sorted(((s["app"], s["client_id"]) for s in specs), key=lambda p: (p[0].encode(), p[1].encode()))
        got = self.post_query({"ops": [op("/mark", "$eq", mark)]})
        self.assertEqual(self.ids(got), want)

    def test_H4_Q8_canonical_and_legacy_queries_give_the_same_answer(self):
        mark, app = uid("mark"), uid("forms")
        for cid, n in (("c1", 5), ("c2", 15), ("c3", 25)):
            self.marked(mark, app, cid, md={"n": e("integer", n)})
        cases = [
            ([op("/mark", "$eq", mark), op("/n", "$gt", 10)], [{"mark": {"$eq": mark}}, {"n": {"$gt": 10}}],
             ["c2", "c3"]),
            ([op("/n", "$in", [5, 25])], [{"n": {"$in": [5, 25]}}], ["c1", "c3"]),
            ([{"op": "$or", "with": [op("/n", "$lt", 10), op("/n", "$gt", 20)]}],
             [{"$or": [{"n": {"$lt": 10}}, {"n": {"$gt": 20}}]}], ["c1", "c3"]),
            ([op("/n", "$gte", 15), op("/n", "$lte", 15)], [{"n": {"$and": [{"$gte": 15}, {"$lte": 15}]}}],
             ["c2"]),
        ]
        for canonical, legacy, want in cases:
            with self.subTest(legacy=legacy):
                a = self.post_query({"application": app, "ops": canonical})
                b = self.post_query({"application": app, "ops": legacy})
                self.assertEqual(self.ids(a), [(app, c) for c in want])
                self.assertEqual(a, b)

    def test_H4_nothing_matching_is_an_empty_array(self):
        app = uid("empty")
        self.client(app=app, cid="a", metadata={"n": e("integer", 1)})
        for q in ({"application": uid("nobody")}, {"application": app, "ops": [op("/n", "$eq", 2)]},
                  {"application": []}, {"application": [uid("no-such-tag")]}):
            with self.subTest(query=q):
                self.assertEqual(self.post_query(q), [])

    def test_H4_A5_restricted_clients_are_excluded_unless_restricted_is_true(self):
        mark, app = uid("mark"), uid("restr")
        self.marked(mark, app, "n")
        self.marked(mark, app, "r", restricted=True)
        for flag in (None, False, "false", 1):
            q = {"application": app}
            if flag is not None:
                q["restricted"] = flag
            with self.subTest(restricted=flag):
                self.assertEqual(self.ids(self.post_query(q)), [(app, "n")])
        for flag in (True, "true"):
            with self.subTest(restricted=flag):
                self.assertEqual(self.ids(self.post_query({"application": app, "restricted": flag})),
                                 [(app, "n"), (app, "r")])
        with self.subTest(only="restricted match the ops"):
            q = {"application": app, "ops": [op("/restricted", "$eq", True)]}
            self.assertEqual(self.post_query(q), [])
            self.assertEqual(self.ids(self.post_query(dict(q, restricted=True))), [(app, "r")])

    def test_H4_R3_a_selector_reduces_the_answer_to_one_client(self):
        app = uid("sel")
        for cid, lat in (("a", 30), ("b", 10), ("c", 20), ("d", None)):
            self.client(app=app, cid=cid, metadata=None if lat is None else {"latency": e("integer", lat)})
        cases = [({"$min": "latency"}, ["b"]), ({"$max": "latency"}, ["a"]), ({"$avg": "latency"}, ["c"]),
                 ({"$min": "/latency"}, ["b"]), ({"$min": "nope"}, []), ({}, ["a", "b", "c", "d"]),
                 (None, ["a", "b", "c", "d"])]
        for selector, want in cases:
            with self.subTest(selector=selector):
                got = self.post_query({"application": app, "selector": selector})
                self.assertEqual(self.ids(got), [(app, c) for c in want])

    def test_H4_R1_optional_falls_back_to_the_application_when_nothing_matches(self):
        app = uid("opt")
        self.client(app=app, cid="a", metadata={"n": e("integer", 1)})
        self.client(app=app, cid="b", metadata={"n": e("integer", 2)})
        self.client(app=app, cid="r", restricted=True)
        no_match = [op("/n", "$eq", 3)]
        self.assertEqual(self.post_query({"application": app, "ops": no_match}), [])
        got = self.post_query({"application": app, "ops": no_match, "optional": True})
        self.assertEqual(self.ids(got), [(app, "a"), (app, "b")], "fallback keeps the restricted filter")
        got = self.post_query({"application": app, "ops": [op("/n", "$eq", 2)], "optional": True})
        self.assertEqual(self.ids(got), [(app, "b")], "optional does not widen a non-empty answer")
        got = self.post_query({"application": app, "selector": {"$min": "missing"}, "optional": "true"})
        self.assertEqual(self.ids(got), [(app, "a"), (app, "b")])

    def test_H4_T4_a_tag_array_application_resolves_to_the_smallest_matching_application(self):
        tag, pre = uid("qtag"), uid("tq")
        self.client(app=pre + "b", cid="1", tags=[tag])
        self.client(app=pre + "a", cid="1", tags=[tag])
        self.client(app=pre + "a", cid="2")
        got = self.post_query({"application": [tag]})
        self.assertEqual(self.ids(got), [(pre + "a", "1"), (pre + "a", "2")])

    def test_H4_M6_a_metadata_update_over_the_websocket_is_visible_to_the_next_query(self):
        app = uid("upd")
        ws = self.client(app=app, cid="a", metadata={"v": e("integer", 1)})
        q = {"application": app, "ops": [op("/v", "$eq", 2)]}
        self.assertEqual(self.post_query(q), [])
        self.update_metadata(ws, {"v": e("integer", 2), "w": e("string", "new")})
        got = self.post_query(q)
        self.assertEqual(self.ids(got), [(app, "a")])
        self.assertEqual(got[0]["metadata"]["w"], "new", got)
        self.assertEqual(got[0]["metadata_types"]["w"], "string", got)
        self.assertEqual(self.post_query({"application": app, "ops": [op("/v", "$eq", 1)]}), [])

    def test_H4_C_a_client_that_left_is_no_longer_in_the_answer(self):
        app = uid("gone")
        self.client(app=app, cid="stay")
        leaver = self.client(app=app, cid="leave")
        self.assertEqual(self.ids(self.post_query({"application": app})), [(app, "leave"), (app, "stay")])
        leaver.close()
        self.wait_for(lambda: self.ids(self.post_query({"application": app})), [(app, "stay")],
                      "query after a client closed")

    def test_H4_Q18_an_invalid_query_is_400_invalid_query(self):
        bad = [{"application": 5}, {"application": {"a": 1}}, {"application": True}, {"application": ["a", 1]},
               {"ops": "x"}, {"ops": {}}, {"ops": [5]}, {"ops": [{}]}, {"ops": [{"$bad": 1}]},
               {"ops": [{"path": "/a", "op": "$nope", "to": {"value": 1}}]},
               {"ops": [{"path": "/a", "op": "$eq"}]}, {"ops": [{"op": "$and"}]},
               {"ops": [{"path": "/a", "op": "$in", "to": {"value": 5}}]}, {"ops": [{"a": {"$in": 5}}]},
               {"ops": [{"a": {"$bogus": 1}}]}]
        for q in bad:
            with self.subTest(query=q):
                self.assertEqual(self.post_query(q, 400), INVALID_QUERY)

    def test_H2_malformed_JSON_is_400_bad_request(self):
        for raw in (b'{"application":', b"{application: 1}", b"nope", b'{"a":1}}', b"\xff\xfe{}", b"{'a': 1}"):
            for ct in ("application/json", None):
                with self.subTest(body=raw, content_type=ct):
                    self.assertEqual(self.post_query(None, 400, raw=raw, content_type=ct), BAD_REQUEST)

    def test_H2_JSON_that_is_not_an_object_is_400_invalid_query(self):
        for raw in (b"[]", b'[{"application":"x"}]', b"5", b'"text"', b"true", b"null"):
            with self.subTest(body=raw):
                self.assertEqual(self.post_query(None, 400, raw=raw), INVALID_QUERY)

    def test_H2_a_body_with_a_non_JSON_content_type_is_400_invalid_query(self):
        app = uid("ct")
        self.client(app=app, cid="a")
        body = json.dumps({"application": app}).encode()
        for ct in ("text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=x", "application/octet-stream"):
            with self.subTest(content_type=ct):
                self.assertEqual(self.post_query(None, 400, raw=body, content_type=ct), INVALID_QUERY)

    def test_H2_a_JSON_body_without_a_content_type_or_with_parameters_is_accepted(self):
        app = uid("ct")
        self.client(app=app, cid="a")
        body = json.dumps({"application": app}).encode()
        for ct in (None, "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"):
            with self.subTest(content_type=ct):
                got = self.post_query(None, raw=body, content_type=ct)
                self.assertEqual(self.ids(got), [(app, "a")])

    def test_H4_a_query_string_on_the_query_route_does_not_change_the_route(self):
        app = uid("qs")
        self.client(app=app, cid="a")
        body = json.dumps({"application": app}).encode()
        got = self.request_json("POST", "/api/v1/query?x=1", 200, headers={"Content-Type": "application/json"},
                                body=body)
        self.assertEqual(self.ids(got), [(app, "a")])

    def test_H2_an_empty_body_is_a_400_error_not_a_query_for_everybody(self):
        # An empty body is neither JSON nor a query object; either 400 body of
        # H-2 is acceptable, but not the original's "match every client".
        for ct in ("application/json", None):
            with self.subTest(content_type=ct):
                body = self.post_query(None, 400, raw=b"", content_type=ct)
                self.assertIn(body, (BAD_REQUEST, INVALID_QUERY))

    def test_H2_A8_without_a_password_the_authorization_header_is_ignored(self):
        app = uid("noauth")
        self.client(app=app, cid="a")
        for headers in ({"Authorization": "anything"}, {"Authorization": ""}, {"Authorization": "secret"}):
            with self.subTest(headers=headers):
                self.assertEqual(self.ids(self.post_query({"application": app}, headers=headers)), [(app, "a")])

    def padded(self, app, size):
        """A valid query JSON body of exactly `size` bytes (padding in an unknown field, Q-1)."""
        base = {"application": app, "padding": ""}
        n = size - len(json.dumps(base).encode())
        self.assertGreaterEqual(n, 0)
        body = json.dumps(dict(base, padding="x" * n)).encode()
        self.assertEqual(len(body), size)
        return body

    def test_H2_CFG21_a_body_of_exactly_the_limit_is_accepted(self):
        app = uid("limit")
        self.client(app=app, cid="a")
        got = self.post_query(None, raw=self.padded(app, self.LIMIT))
        self.assertEqual(self.ids(got), [(app, "a")])

    def test_H2_CFG21_a_body_larger_than_the_limit_is_413_payload_too_large(self):
        app = uid("limit")
        for size in (self.LIMIT + 1, 4 * self.LIMIT):
            with self.subTest(size=size):
                self.assertEqual(self.post_query(None, 413, raw=self.padded(app, size)), TOO_LARGE)
        with self.subTest(body="oversized and not even JSON"):
            self.assertEqual(self.post_query(None, 413, raw=b"[" * (self.LIMIT + 10)), TOO_LARGE)
        # the server is still fine afterwards
        self.assertEqual(self.post_query({"application": uid("nobody")}), [])

    def test_H2_CFG21_a_chunked_body_larger_than_the_limit_is_413_too(self):
        body = self.padded(uid("chunked"), self.LIMIT + 1000)
        sock = socket.create_connection((node.HOST, self.node.port), timeout=HTTP_TIMEOUT)
        try:
            head = ("POST /api/v1/query HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % (node.HOST, self.node.port))
            data = head.encode()
            for i in range(0, len(body), 8192):
                chunk = body[i:i + 8192]
                data += b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            data += b"0\r\n\r\n"
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may stop reading once the limit is passed
            deadline = time.monotonic() + HTTP_TIMEOUT
            status, h, rest = wsclient._read_http_head(sock, deadline)
            b = wsclient._read_http_body(sock, h, rest, deadline)
        finally:
            sock.close()
        self.assertEqual(self.json_answer(status, h, b, 413, "chunked oversized body"), TOO_LARGE)

    def test_H1_two_requests_on_one_keep_alive_connection_are_both_answered(self):
        sock = socket.create_connection((node.HOST, self.node.port), timeout=HTTP_TIMEOUT)
        try:
            body = b'{"application":"%s"}' % uid("nobody").encode()
            reqs = [b"GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)]
            answers = []
            for req in reqs:
                sock.sendall(req)
                deadline = time.monotonic() + HTTP_TIMEOUT
                status, h, rest = wsclient._read_http_head(sock, deadline)
                self.assertIn("content-length", h, "keep-alive answers need a length: %r" % h)
                n = int(h["content-length"])
                while len(rest) < n:
                    sock.settimeout(max(0.01, deadline - time.monotonic()))
                    chunk = sock.recv(65536)
                    self.assertTrue(chunk, "connection closed mid-body")
                    rest += chunk
                self.assertEqual(len(rest), n, "extra bytes after the body")
                answers.append(self.json_answer(status, h, rest, 200, req[:30]))
        finally:
            sock.close()
        self.assertEqual(answers[0]["api"], "v1")
        self.assertEqual(answers[1], [])

    def test_robustness_50_concurrent_queries_while_websocket_clients_exchange_SENDs(self):
        app_a, app_b = uid("pingA"), uid("pingB")
        a = self.client(app=app_a, cid="a")
        b = self.client(app=app_b, cid="b")
        errors, rounds = [], [0]
        stop = threading.Event()

        def ping_pong():
            i = 0
            try:
                while not stop.is_set() or i < rounds_at_stop[0] + 5:
                    i += 1
                    a.send_json(message({"application": app_b}, {"i": i}))
                    f = b.recv_json(RECV)
                    if f.get("t") != "SEND" or f.get("d", {}).get("payload") != {"i": i}:
                        errors.append("B got %r, want SEND %d" % (f, i))
                        return
                    b.send_json(message({"application": app_a}, {"r": i}))
                    f = a.recv_json(RECV)
                    if f.get("t") != "SEND" or f.get("d", {}).get("payload") != {"r": i}:
                        errors.append("A got %r, want SEND reply %d" % (f, i))
                        return
                    rounds[0] = i
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                errors.append("round %d: %r" % (i, exc))

        rounds_at_stop = [1 << 30]
        pinger = threading.Thread(target=ping_pong, daemon=True)
        pinger.start()
        results = [None] * 50
        barrier = threading.Barrier(50)
        query = json.dumps({"application": app_b}).encode()

        def ask(k):
            try:
                barrier.wait(10)
                out = []
                for _ in range(3):
                    s, h, body = wsclient.http_request(node.HOST, self.node.port, "POST", "/api/v1/query",
                                                       headers={"Content-Type": "application/json"},
                                                       body=query, timeout=20.0)
                    out.append((s, json.loads(body.decode()) if s == 200 else body[:200]))
                results[k] = out
            except Exception as exc:  # noqa: BLE001
                results[k] = [("exception", repr(exc))]

        threads = [threading.Thread(target=ask, args=(k,), daemon=True) for k in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        rounds_at_stop[0] = rounds[0]
        stop.set()
        pinger.join(30)
        self.assertFalse(pinger.is_alive(), "ping-pong thread hung")
        self.assertEqual(errors, [], "websocket traffic was disturbed")
        self.assertGreaterEqual(rounds[0], 5)
        bad = []
        for k, res in enumerate(results):
            if res is None:
                bad.append((k, "thread did not finish"))
                continue
            bad.extend((k, r) for r in res if r[0] != 200 or [(n["app_id"], n["client_id"]) for n in r[1]]
                       != [(app_b, "b")])
        self.assertEqual(bad, [], "%d of 150 queries failed" % len(bad))


# ---------------------------------------------------------------------------
class DiscoveryByTags(HttpCase):
    """GET /api/v1/discovery/tags (T-1..T-3) on a server without a password."""

    SETTINGS = dict(SETTINGS, AUTH=None)

    def test_T3_T2_applications_whose_clients_pool_all_tags_sorted_without_duplicates(self):
        t1, t2, pre = uid("t1"), uid("t2"), uid("d")
        b, B, a, u = pre + "b", pre + "B", pre + "a", pre + "_"
        self.client(app=b, cid="1", tags=[t1])
        self.client(app=b, cid="2", tags=[t2])       # b pools t1 + t2 across two clients
        self.client(app=b, cid="3", tags=[t1, t2])   # and a duplicate holder
        self.client(app=B, cid="1", tags=[t2, t1])
        self.client(app=a, cid="1", tags=[t1])       # only t1
        self.client(app=u, cid="1", tags=[t2, 5, None])
        self.client(app=u, cid="2", tags=[t1])
        cases = [([t1, t2], sorted([b, B, u], key=str.encode)), ([t2, t1], sorted([b, B, u], key=str.encode)),
                 ([t1], sorted([a, b, B, u], key=str.encode)), ([t1, t1], sorted([a, b, B, u], key=str.encode)),
                 ([t1, t2, uid("none")], []), ([uid("none")], []), ([], [])]
        for q, want in cases:
            with self.subTest(q=q):
                self.assertEqual(self.discovered(q), want)

    def test_T3_tags_with_special_characters_are_url_decoded(self):
        app = uid("special")
        tags = [uid("a b&c=d?"), uid("\ud0dc\uadf8/+%")]
        self.client(app=app, cid="1", tags=tags)
        self.assertEqual(self.discovered(tags), [app])

    def test_T3_missing_q_is_400_no_query_parameter(self):
        for qs in ("", "x=1", "Q=%5B%5D", "qq=%5B%5D"):
            with self.subTest(query_string=qs):
                self.assertEqual(self.discover(None, 400, raw_qs=qs),
                                 {"status": "error", "error": "no query parameter"})

    def test_T3_q_that_is_not_a_JSON_array_of_strings_is_400_invalid_query_parameter(self):
        for q in ("", "nope", "[", '{"a":1}', '"tag"', "5", "null", "[1,2]", '["a",1]', '[["a"]]', '[null]',
                  "[{}]"):
            with self.subTest(q=q):
                self.assertEqual(self.discover(None, 400, raw_qs="q=" + urllib.parse.quote(q, safe="")),
                                 {"status": "error", "error": "invalid query parameter"})

    def test_T3_q_with_broken_percent_encoding_or_bytes_is_400_invalid_query_parameter(self):
        for qs in ("q=%FF", "q=%5B%22%FF%22%5D", "q=%ZZ", "q=%5B%22a%22"):
            with self.subTest(query_string=qs):
                self.assertEqual(self.discover(None, 400, raw_qs=qs),
                                 {"status": "error", "error": "invalid query parameter"})

    def test_T1_T3_a_client_leaving_removes_its_tags(self):
        tag, only, app = uid("leave"), uid("only"), uid("leaver")
        self.client(app=app, cid="stay", tags=[tag])
        leaver = self.client(app=app, cid="go", tags=[tag, only])
        self.assertEqual(self.discovered([tag, only]), [app])
        leaver.close()
        self.wait_for(lambda: self.discovered([tag, only]), [], "discovery after the tag holder left")
        self.assertEqual(self.discovered([tag]), [app])

    def test_T3_A6_restricted_clients_tags_do_not_count(self):
        tag, other, app = uid("rtag"), uid("rtag2"), uid("rapp")
        self.client(app=app, cid="r", restricted=True, tags=[tag, other])
        self.client(app=app, cid="n", tags=[other])
        self.assertEqual(self.discovered([tag]), [])
        self.assertEqual(self.discovered([other]), [app])
        self.assertEqual(self.discovered([tag, other]), [])


# ---------------------------------------------------------------------------
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?[ \t]+(\S+)([ \t]+-?\d+)?$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"\s*(,|$)')


def parse_metrics(text):
    """Prometheus text format 0.0.4 → ({(name, labels): value}, {family: type}, problems)."""
    samples, types, helps, problems = {}, {}, set(), []
    if text and not text.endswith("\n"):
        problems.append("text does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                fam = parts[2]
                kind = parts[3].strip() if len(parts) > 3 else ""
                if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    problems.append("line %d: bad TYPE %r" % (n, line))
                if fam in types:
                    problems.append("line %d: second TYPE for %s" % (n, fam))
                types[fam] = kind
            elif len(parts) >= 3 and parts[1] == "HELP":
                helps.add(parts[2])
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("line %d: not a sample: %r" % (n, line))
            continue
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        labels = []
        pos = 0
        while pos < len(labels_text):
            lm = LABEL.match(labels_text, pos)
            if not lm or lm.end() == pos:
                problems.append("line %d: bad labels %r" % (n, labels_text))
                break
            labels.append((lm.group(1), lm.group(2)))
            pos = lm.end()
        try:
            v = float(value)
        except ValueError:
            problems.append("line %d: bad value %r" % (n, value))
            continue
        fam = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) in ("histogram", "summary"):
                fam = name[:-len(suffix)]
        if fam not in types:
            problems.append("line %d: sample %s before/without a TYPE line" % (n, name))
        key = (name, tuple(sorted(labels)))
        if key in samples:
            problems.append("line %d: duplicate sample %r" % (n, key))
        samples[key] = v
    for fam in types:
        if fam not in helps:
            problems.append("family %s has no HELP line" % fam)
    return samples, types, problems


class Metrics(HttpCase):
    """GET /metrics (H-15) on a server of its own, so that the gauges count
    only this class's connections."""

    SETTINGS = dict(SETTINGS, AUTH=None)

    def scrape(self):
        status, h, b = self.http("GET", "/metrics")
        self.assertEqual(status, 200, b[:300])
        self.assertTrue(h.get("content-type", "").startswith("text/plain"), h)
        text = b.decode("utf-8")
        samples, types, problems = parse_metrics(text)
        self.assertEqual(problems, [], "not valid Prometheus text format:\n%s" % text[:3000])
        self.last_text = text
        return samples, types

    def value(self, samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def require(self, samples, name, **labels):
        key = (name, tuple(sorted(labels.items())))
        self.assertIn(key, samples, "metric %s%r missing" % (name, labels))
        return samples[key]

    def gauges(self):
        s, _ = self.scrape()
        return (self.require(s, "singyeong_clients_identified"), self.require(s, "singyeong_connections_open"))

    def test_H15_metrics_is_prometheus_text_with_help_type_and_the_required_families(self):
        samples, types = self.scrape()
        self.assertIn("# HELP ", self.last_text)
        self.assertIn("# TYPE ", self.last_text)
        for fam, kind in (("singyeong_connections_open", "gauge"), ("singyeong_clients_identified", "gauge"),
                          ("singyeong_frames_in_total", "counter"), ("singyeong_frames_out_total", "counter"),
                          ("singyeong_messages_routed_total", "counter"), ("singyeong_no_route_total", "counter"),
                          ("singyeong_errors_total", "counter")):
            with self.subTest(family=fam):
                self.assertEqual(types.get(fam), kind, types)
        for kind in ("send", "broadcast", "queue"):
            with self.subTest(kind=kind):
                self.require(samples, "singyeong_messages_routed_total", kind=kind)
        self.assertIn("histogram", types.values(), "H-15: query evaluation time histogram")

    def test_H15_gauges_count_open_sockets_and_identified_clients(self):
        self.wait_for(self.gauges, (0.0, 0.0), "gauges of an idle server")
        app = uid("gauge")
        c1 = self.client(app=app, cid="1")
        self.client(app=app, cid="2")
        self.client(app=app, cid="r", restricted=True)
        bare1 = self.connect()
        self.connect()
        self.wait_for(self.gauges, (3.0, 5.0), "(identified, open) with 3 identified and 2 bare sockets")
        c1.close()
        self.wait_for(self.gauges, (2.0, 4.0), "after one identified client closed")
        bare1.close()
        self.wait_for(self.gauges, (2.0, 3.0), "after one unidentified socket closed")

    def test_H15_routed_and_frame_counters_grow_with_SENDs(self):
        N = 25
        app_a, app_b = uid("ma"), uid("mb")
        a = self.client(app=app_a, cid="a")
        b = self.client(app=app_b, cid="b")
        before, _ = self.scrape()
        for i in range(N):
            a.send_json(message({"application": app_b}, {"i": i}))
        for i in range(N):
            self.recv_delivery(b, "SEND", {"i": i})
        after, _ = self.scrape()
        grew = lambda name, **kw: self.value(after, name, **kw) - self.value(before, name, **kw)  # noqa: E731
        self.assertGreaterEqual(grew("singyeong_messages_routed_total", kind="send"), N)
        self.assertGreaterEqual(grew("singyeong_frames_in_total"), N)
        self.assertGreaterEqual(grew("singyeong_frames_out_total"), N)
        with self.subTest(kind="broadcast"):
            before = after
            a.send_json(message({"application": app_b}, "bc", t="BROADCAST"))
            self.recv_delivery(b, "BROADCAST", "bc")
            after, _ = self.scrape()
            self.assertGreaterEqual(grew("singyeong_messages_routed_total", kind="broadcast"), 1)

    def test_H15_no_route_and_op3_errors_are_counted(self):
        a = self.client(app=uid("err"), cid="a")
        before, _ = self.scrape()
        for _ in range(3):
            frame = message({"application": uid("nobody")}, None)
            a.send_json(frame)
            self.assert_no_route(a, frame)
        after, _ = self.scrape()
        self.assertEqual(self.value(after, "singyeong_no_route_total")
                         - self.value(before, "singyeong_no_route_total"), 3)
        before = after
        a.send_json(dispatch("NOT_AN_EVENT", {}))
        self.assert_invalid(a, "invalid dispatch payload", {"op": 4, "t": "NOT_AN_EVENT", "d": {}, "ts": None})
        after, _ = self.scrape()
        label = "invalid dispatch payload"
        self.assertEqual(self.value(after, "singyeong_errors_total", error=label)
                         - self.value(before, "singyeong_errors_total", error=label), 1,
                         "errors_total{error=%r} must count the op 3 error; errors now: %r"
                         % (label, sorted(k for k in after if k[0] == "singyeong_errors_total")))

    def test_H15_no_application_or_client_id_appears_in_the_metrics(self):
        app, cid, other = uid("secretapp"), uid("secretclient"), uid("secretnoroute")
        ws = self.client(app=app, cid=cid, tags=[uid("secrettag")], metadata={"k": e("string", "v")})
        self.update_metadata(ws, {"k": e("string", "w")})
        frame = message({"application": other}, None)
        ws.send_json(frame)
        self.assert_no_route(ws, frame)
        ws.send_json(dispatch("UPDATE_METADATA", {cid: e("nope", 1)}))
        f = ws.recv_json(RECV)
        self.assertEqual(f["d"]["error"], "invalid metadata", f)
        dup = self.connect()   # L-6: the error text interpolates both ids
        dup.send_json({"op": 1, "d": {"client_id": cid, "application_id": app}})
        self.assert_fatal(dup, "%s: already registered for app %s" % (cid, app))
        status, _, _ = self.http("POST", "/api/v1/query", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"application": app}).encode())
        self.assertEqual(status, 200)
        self.scrape()
        for secret in (app, cid, other, "secretapp", "secretclient", "secretnoroute", "secrettag"):
            with self.subTest(id=secret):
                self.assertNotIn(secret, self.last_text)


if __name__ == "__main__":
    unittest.main()
