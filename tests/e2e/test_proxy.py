"""HTTP request proxying end to end: spec section 12 (P-1..P-8), with H-1, H-2,
A-8 (HTTP API), R-4/R-5 (target pick) and L-4 (the `ip` identify field).

Every proxied request is a real HTTP/1.1 request to the real binary; the
chosen client's service is a real HTTP server started inside the test
(http.server on 127.0.0.1, port 0) that records what it received and answers
what the test programmed. Failure modes (never answering, resetting, closing)
use raw TCP listeners.

Not tested: the default target address (no `ip` → the peer address without a
port → port 80), which would need a privileged port.
"""

import http.server
import json
import os
import random
import socket
import string
import struct
import threading
import time
import unittest

import node
import wsclient
from harness import RECV, uid
from routing_support import SETTINGS, RoutingCase, e, message, op, rendezvous_pick

HOST = node.HOST
JSON_CT = "application/json; charset=utf-8"
DEFAULT_CT = "text/plain; charset=utf-8"
HTTP_TIMEOUT = 10.0
UPSTREAM_WAIT = 10.0   # safety bound for upstream handlers that wait for the test
NOT_AUTHORIZED = {"status": "error", "error": "not authorized"}
NO_MATCHES = {"errors": ["no matches"]}
INVALID_QUERY = {"errors": ["invalid query"]}
INVALID_ROUTE = {"errors": ["invalid route"]}
INVALID_HEADER = {"errors": ["invalid header"]}
BAD_REQUEST = {"errors": {"detail": "Bad Request"}}
TOO_LARGE = {"errors": ["payload too large"]}
NO_METHOD = {"method": ["no method provided"]}
NO_ROUTE = {"route": ["no route provided"]}
NO_QUERY = {"query": ["no query provided"]}
BODY_GIVEN = {"errors": ["no body required but one given (you probably wanted to send nil)"]}
HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade")


def not_valid(m):
    return {"errors": ['%s is not a valid method! (valid methods: ["GET", "HEAD", "POST", "PUT", "DELETE", '
                       '"CONNECT", "OPTIONS", "TRACE", "PATCH"])' % m]}


def not_supported(m):
    return {"errors": ['%s is not a supported method! (not supported: ["CONNECT", "OPTIONS", "TRACE"])' % m]}


def random_text(n, seed):
    rnd = random.Random(seed)
    return "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(n))


def random_bytes(n, seed):
    return random.Random(seed).getrandbits(8 * n).to_bytes(n, "big")


def media_type(value):
    return value.split(";", 1)[0].strip().lower() if value is not None else None


# -- a raw HTTP/1.1 client that keeps header names as sent ---------------------
class Answer:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def one(self, name):
        """The single value of header `name`, None if absent; several → AssertionError."""
        vals = self.all(name)
        if len(vals) > 1:
            raise AssertionError("header %r appears %d times: %r" % (name, len(vals), self.headers))
        return vals[0] if vals else None

    def __repr__(self):
        return "Answer(%r, %r, %r)" % (self.status, self.headers, self.body[:300])


def _recv(sock, deadline, what):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise wsclient.RecvTimeout("timed out: %s" % what)
    sock.settimeout(remaining)
    try:
        return sock.recv(1 << 20)
    except socket.timeout:
        raise wsclient.RecvTimeout("timed out: %s" % what)
    except ConnectionResetError:
        return b""


def raw_http(port, method, path, headers=(), body=b"", timeout=HTTP_TIMEOUT):
    """One request with Connection: close; returns an Answer (header names as sent)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        hdrs = [("Host", "%s:%d" % (HOST, port)), ("Connection", "close")]
        if body or method in ("POST", "PUT", "PATCH"):
            hdrs.append(("Content-Length", str(len(body))))
        hdrs += list(headers)
        data = ("%s %s HTTP/1.1\r\n" % (method, path)
                + "".join("%s: %s\r\n" % kv for kv in hdrs) + "\r\n").encode("utf-8") + body
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the server may answer (e.g. 413) before reading everything
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = _recv(sock, deadline, "no complete response head within %.1f s; got %r" % (timeout, buf[:300]))
            if not chunk:
                raise AssertionError("connection closed before a complete response head; got %r" % buf[:300])
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("iso-8859-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        rh = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            rh.append((k.strip(), v.strip()))
        ans = Answer(status, rh, b"", None)
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body_out = b""
        elif ans.one("content-length") is not None:
            want = int(ans.one("content-length"))
            body_out = rest
            while len(body_out) < want:
                chunk = _recv(sock, deadline, "body: %d of %d bytes" % (len(body_out), want))
                if not chunk:
                    raise AssertionError("body truncated: %d of %d announced bytes" % (len(body_out), want))
                body_out += chunk
            if len(body_out) > want:
                raise AssertionError("%d bytes after a %d-byte body" % (len(body_out) - want, want))
        elif "chunked" in (ans.one("transfer-encoding") or "").lower():
            raw = rest
            body_out = b""
            while True:
                while b"\r\n" not in raw:
                    raw += _recv(sock, deadline, "chunk size line")
                size_line, raw = raw.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(raw) < size + 2:
                    chunk = _recv(sock, deadline, "chunk data")
                    if not chunk:
                        raise AssertionError("chunked body truncated")
                    raw += chunk
                if size == 0:
                    break
                body_out += raw[:size]
                raw = raw[size + 2:]
        else:
            body_out = rest
            while True:
                chunk = _recv(sock, deadline, "body until EOF")
                if not chunk:
                    break
                body_out += chunk
        ans.body = body_out
        ans.elapsed = time.monotonic() - t0
        return ans
    finally:
        sock.close()


# -- upstream HTTP servers ---------------------------------------------------
class Recorded:
    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def one(self, name):
        vals = self.all(name)
        if len(vals) > 1:
            raise AssertionError("upstream got header %r %d times: %r" % (name, len(vals), self.headers))
        return vals[0] if vals else None

    def __repr__(self):
        return "Recorded(%s %s, %r, %r)" % (self.method, self.path, self.headers, self.body[:200])


class Reply:
    """What an upstream answers. headers: list of (name, value); Content-Length
    is added unless given or chunked. wait: an Event to wait for first."""

    def __init__(self, status=200, headers=(), body=b"", chunked=False, wait=None, delay=0.0):
        self.status, self.headers, self.body = status, list(headers), body
        self.chunked, self.wait, self.delay = chunked, wait, delay


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = self.headers.get("Content-Length")
        return self.rfile.read(int(n)) if n else b""

    def _handle(self):
        rec = Recorded(self.command, self.path, list(self.headers.items()), self._read_body())
        reply = self.upstream._record(rec)
        if reply.wait is not None:
            reply.wait.wait(UPSTREAM_WAIT)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response_only(reply.status)
        names = {k.lower() for k, _ in reply.headers}
        for k, v in reply.headers:
            self.send_header(k, v)
        bodyless = reply.status in (204, 304) or reply.status < 200
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in names and not bodyless:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD" or bodyless:
            return
        if reply.chunked:
            for i in range(0, len(reply.body), 8192):
                part = reply.body[i:i + 8192]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Upstream:
    """A recording HTTP server on 127.0.0.1. `reply` is a Reply or a function
    Recorded → Reply."""

    def __init__(self, reply=None):
        self.reply = reply if reply is not None else Reply(200, [("Content-Type", "text/plain")], b"ok")
        self.requests = []
        self.cond = threading.Condition()
        handler = type("Handler", (_Handler,), {"upstream": self})
        self.httpd = _Server((HOST, 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def hostport(self):
        return "%s:%d" % (HOST, self.port)

    def _record(self, rec):
        with self.cond:
            self.requests.append(rec)
            self.cond.notify_all()
            reply = self.reply
        return reply(rec) if callable(reply) else reply

    def wait_requests(self, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
            return len(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class RawUpstream:
    """A TCP listener that reads each request head and then: 'hang' (never
    answers), 'stall' (sends a head announcing 100 bytes, 10 bytes, then
    nothing), 'close' (FIN without answer) or 'reset' (RST without answer)."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.heads = []
        self.conns = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def hostport(self):
        return "%s:%d" % (HOST, self.port)

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        conn.settimeout(0.05)
        deadline = time.monotonic() + UPSTREAM_WAIT
        while b"\r\n\r\n" not in buf and time.monotonic() < deadline and not self.stop.is_set():
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
        self.heads.append(buf)
        try:
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            if self.behaviour == "close":
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
                return
            if self.behaviour == "stall":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
                             + b"x" * 10)
        except OSError:
            return
        # 'hang' and 'stall': keep the connection open, drain what comes
        while not self.stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def closed_port():
    """A loopback port nobody listens on."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- the test case base ------------------------------------------------------
class ProxyCase(RoutingCase):
    SETTINGS = SETTINGS
    PASSWORD = None          # server AUTH; clients then identify with it
    AUTH_HEADER = None       # Authorization sent on proxy requests

    def upstream(self, reply=None):
        up = Upstream(reply)
        self.addCleanup(up.close)
        return up

    def raw_upstream(self, behaviour):
        up = RawUpstream(behaviour)
        self.addCleanup(up.close)
        return up

    def target(self, ip, app=None, cid=None, **fields):
        """Identify a normal client whose L-4 `ip` is `ip` (an Upstream → its
        host:port)."""
        if not isinstance(ip, str):
            ip = ip.hostport
        if self.PASSWORD is not None and not fields.get("restricted"):
            fields.setdefault("auth", self.PASSWORD)
        return self.client(app=app or uid("px"), cid=cid, ip=ip, **fields)

    def post_proxy(self, req, raw=None, headers=(), content_type="application/json", auth="default",
                   timeout=HTTP_TIMEOUT):
        body = raw if raw is not None else json.dumps(req).encode("utf-8")
        hdrs = []
        if content_type is not None:
            hdrs.append(("Content-Type", content_type))
        if auth == "default":
            auth = self.AUTH_HEADER
        if auth is not None:
            hdrs.append(("Authorization", auth))
        hdrs += list(headers)
        return raw_http(self.node.port, "POST", "/api/v1/proxy", hdrs, body, timeout)

    def check_length(self, a):
        if a.status in (204, 304) or a.status < 200:
            return
        self.assertEqual(a.one("content-length"), str(len(a.body)),
                         "P-6: content-length must be recomputed from the body: %r" % (a,))
        self.assertIsNone(a.one("transfer-encoding"), a)

    def proxied(self, req, status=200, **kw):
        """A request that the upstream answers: status as given, content-length
        consistent (P-6)."""
        a = self.post_proxy(req, **kw)
        self.assertEqual(a.status, status, "request %r: %r" % (str(req)[:300], a))
        self.check_length(a)
        return a

    def json_error(self, req, status, body=None, **kw):
        """An answer of the server itself: status, H-1 content type, exact JSON body."""
        a = self.post_proxy(req, **kw)
        self.assertEqual(a.status, status, "request %r: %r" % (str(req)[:300], a))
        self.assertEqual(a.one("content-type"), JSON_CT, "H-1 content type: %r" % (a,))
        try:
            got = json.loads(a.body.decode("utf-8"))
        except ValueError as exc:
            self.fail("body is not JSON (%s): %r" % (exc, a))
        if body is not None:
            self.assertEqual(got, body, "request %r" % (str(req)[:300],))
        return got

    def gateway_error(self, req, status, **kw):
        """P-7: status with {"errors": ["<non-empty reason>"]}."""
        got = self.json_error(req, status, **kw)
        self.assertIsInstance(got, dict, got)
        self.assertEqual(set(got), {"errors"}, got)
        self.assertIsInstance(got["errors"], list, got)
        self.assertEqual(len(got["errors"]), 1, got)
        self.assertIsInstance(got["errors"][0], str, got)
        self.assertTrue(got["errors"][0].strip(), "P-7: the reason must be non-empty: %r" % (got,))
        return got

    def assert_untouched(self, *ups):
        for up in ups:
            self.assertEqual(up.requests, [], "this upstream must not have been contacted")

    @staticmethod
    def req(app, method="GET", route="/", **extra):
        r = {"method": method, "route": route, "query": {"application": app}}
        r.update(extra)
        return r


# ============================================================================
class ProxySuccessTest(ProxyCase):
    """Requests that reach an upstream: P-4, P-5, P-6, P-8, L-4."""

    def test_P5_P6_each_of_GET_POST_PUT_PATCH_DELETE_HEAD_reaches_the_upstream_and_its_answer_comes_back(self):
        up = self.upstream(lambda r: Reply(200, [("Content-Type", "text/x-method"), ("X-Seen-Method", r.method)],
                                           ("seen %s" % r.method).encode()))
        ws = self.target(up)
        for i, m in enumerate(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")):
            with self.subTest(method=m):
                a = self.proxied(self.req(ws.app, m, "/m/%d" % i))
                self.assertEqual(len(up.requests), i + 1, up.requests)
                rec = up.requests[i]
                self.assertEqual((rec.method, rec.path), (m, "/m/%d" % i), rec)
                self.assertEqual(a.one("x-seen-method"), m, a)
                self.assertEqual(a.one("content-type"), "text/x-method", a)
                self.assertEqual(a.body, b"" if m == "HEAD" else ("seen %s" % m).encode(), a)

    def test_P4_the_route_and_its_query_string_reach_the_upstream_exactly_without_a_double_slash(self):
        up = self.upstream()
        for form in ("%s", "http://%s", "http://%s/"):
            ip = form % up.hostport
            ws = self.target(ip)
            for route in ("/a/b?x=1", "/", "/?q=1&r=two", "/p%20q/%E2%9C%93?x=a%26b&y=", "/deep/er/path/"):
                with self.subTest(ip=ip, route=route):
                    n = len(up.requests)
                    self.proxied(self.req(ws.app, "GET", route))
                    self.assertEqual(len(up.requests), n + 1)
                    self.assertEqual(up.requests[-1].path, route, "ip %r" % ip)

    def test_P5_request_headers_are_forwarded_and_hop_by_hop_and_host_from_the_caller_are_dropped(self):
        up = self.upstream()
        ws = self.target(up)
        headers = {"X-Custom-Thing": "abc def", "Accept": "text/x-test", "Authorization": "Token upstream-only",
                   "Host": "evil.example", "Connection": "x-caller-token", "Keep-Alive": "timeout=9",
                   "Upgrade": "websocket", "Proxy-Authorization": "Basic Zm9vOmJhcg==", "Proxy-Foo": "bar",
                   "TE": "trailers", "Trailer": "X-Foo"}
        self.proxied(self.req(ws.app, "GET", "/h", headers=headers))
        rec = up.requests[-1]
        self.assertEqual(rec.one("x-custom-thing"), "abc def", rec)
        self.assertEqual(rec.one("accept"), "text/x-test", rec)
        self.assertEqual(rec.one("authorization"), "Token upstream-only", rec)
        self.assertEqual(rec.all("host"), [up.hostport], "P-2: the caller's Host is dropped: %r" % (rec,))
        for h in ("keep-alive", "upgrade", "proxy-authorization", "proxy-foo", "te", "trailer"):
            self.assertEqual(rec.all(h), [], "P-2: hop-by-hop %r from the caller must be dropped: %r" % (h, rec))
        for v in rec.all("connection"):
            self.assertNotIn("x-caller-token", v.lower(), rec)

    def test_P2_non_map_headers_and_non_string_header_values_are_ignored(self):
        up = self.upstream()
        ws = self.target(up)
        self.proxied(self.req(ws.app, "GET", "/list", headers=["X-A: 1"]))
        self.assertEqual(up.requests[-1].all("x-a"), [], up.requests[-1])
        self.proxied(self.req(ws.app, "GET", "/mixed", headers={"X-Num": 5, "X-Null": None, "X-Map": {"a": 1},
                                                                 "X-Ok": "yes"}))
        rec = up.requests[-1]
        self.assertEqual(rec.one("x-ok"), "yes", rec)
        for h in ("x-num", "x-null", "x-map"):
            self.assertEqual(rec.all(h), [], rec)

    def test_P5_X_Forwarded_For_is_the_caller_ip_or_appended_after_the_callers_own(self):
        up = self.upstream()
        ws = self.target(up)
        cases = [(None, "127.0.0.1"),
                 ({"X-Forwarded-For": "10.1.2.3"}, "10.1.2.3, 127.0.0.1"),
                 ({"x-forwarded-for": "10.9.9.9, 10.8.8.8"}, "10.9.9.9, 10.8.8.8, 127.0.0.1")]
        for headers, want in cases:
            with self.subTest(headers=headers):
                req = self.req(ws.app, "GET", "/xff")
                if headers is not None:
                    req["headers"] = headers
                self.proxied(req)
                self.assertEqual(up.requests[-1].all("x-forwarded-for"), [want], up.requests[-1])

    def test_P5_a_string_body_is_sent_verbatim(self):
        up = self.upstream()
        ws = self.target(up)
        text = "h\u00e9llo \u2713\r\nline two\u0000end {not json"
        for m in ("POST", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=m):
                self.proxied(self.req(ws.app, m, "/s", body=text, headers={"Content-Type": "text/csv"}))
                rec = up.requests[-1]
                self.assertEqual(rec.method, m)
                self.assertEqual(rec.body, text.encode("utf-8"), rec)
                self.assertEqual(rec.all("content-type"), ["text/csv"], rec)

    def test_P5_a_callers_content_length_or_transfer_encoding_cannot_change_the_body_framing(self):
        up = self.upstream()
        ws = self.target(up)
        for headers in ({"Content-Length": "10"}, {"content-length": "1"}, {"Transfer-Encoding": "chunked"}):
            with self.subTest(headers=headers):
                self.proxied(self.req(ws.app, "POST", "/framing", body="abc", headers=headers))
                rec = up.requests[-1]
                self.assertEqual(rec.body, b"abc", rec)
                self.assertIn(rec.one("content-length"), ("3", None), rec)
                self.assertIsNone(rec.one("transfer-encoding"), rec)

    def test_P5_an_object_or_array_body_is_sent_as_JSON_with_content_type_application_json(self):
        up = self.upstream()
        ws = self.target(up)
        for body in ({"a": 1, "b": [True, None, "x"], "c": {"d": 1.5}}, [1, "two", {"three": 3}], {}):
            with self.subTest(body=body):
                self.proxied(self.req(ws.app, "POST", "/o", body=body))
                rec = up.requests[-1]
                self.assertEqual(json.loads(rec.body.decode("utf-8")), body, rec)
                cts = rec.all("content-type")
                self.assertEqual(len(cts), 1, rec)
                self.assertEqual(media_type(cts[0]), "application/json", rec)

    def test_P5_a_callers_content_type_is_kept_for_an_object_body(self):
        up = self.upstream()
        ws = self.target(up)
        self.proxied(self.req(ws.app, "PUT", "/o", body={"k": "v"},
                              headers={"content-type": "application/vnd.test+json"}))
        rec = up.requests[-1]
        self.assertEqual(json.loads(rec.body.decode("utf-8")), {"k": "v"}, rec)
        self.assertEqual(rec.all("content-type"), ["application/vnd.test+json"], rec)

    def test_P5_a_number_or_boolean_body_is_sent_as_its_JSON_text(self):
        up = self.upstream()
        ws = self.target(up)
        for body, want in ((42, b"42"), (-7, b"-7"), (1.5, b"1.5"), (True, b"true"), (False, b"false")):
            with self.subTest(body=body):
                self.proxied(self.req(ws.app, "POST", "/n", body=body))
                self.assertEqual(up.requests[-1].body, want, up.requests[-1])

    def test_P1_P5_an_absent_null_or_empty_body_sends_an_empty_body(self):
        up = self.upstream()
        ws = self.target(up)
        for m in ("GET", "HEAD", "POST", "DELETE"):
            for body in ("absent", None, ""):
                with self.subTest(method=m, body=body):
                    req = self.req(ws.app, m, "/e")
                    if body != "absent":
                        req["body"] = body
                    self.proxied(req)
                    rec = up.requests[-1]
                    self.assertEqual(rec.method, m)
                    self.assertEqual(rec.body, b"", rec)
                    self.assertIn(rec.one("content-length"), (None, "0"), rec)
                    self.assertIsNone(rec.one("transfer-encoding"), rec)

    def test_P6_upstream_status_and_body_are_returned_verbatim_including_4xx_and_5xx(self):
        binary = bytes(range(256)) * 4
        cases = [(200, b"fine"), (201, b'{"id": 7}'), (404, b"no such thing"), (500, b"upstream broke\n"),
                 (503, b""), (418, binary)]
        state = {}
        up = self.upstream(lambda r: Reply(state["status"], [("Content-Type", "application/octet-stream")],
                                           state["body"]))
        ws = self.target(up)
        for status, body in cases:
            with self.subTest(status=status):
                state.update(status=status, body=body)
                a = self.proxied(self.req(ws.app, "GET", "/status/%d" % status), status=status)
                self.assertEqual(a.body, body, a)
                self.assertEqual(a.one("content-type"), "application/octet-stream", a)

    def test_P6_a_204_from_the_upstream_is_returned(self):
        up = self.upstream(Reply(204, [("X-Empty", "yes")]))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "DELETE", "/thing"), status=204)
        self.assertEqual(a.one("x-empty"), "yes", a)
        self.assertEqual(a.body, b"")

    def test_P5_a_302_from_the_upstream_is_returned_not_followed(self):
        elsewhere = self.upstream()
        location = "http://%s/elsewhere" % elsewhere.hostport
        up = self.upstream(Reply(302, [("Location", location), ("Content-Type", "text/html")], b"<a>moved</a>"))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/old"), status=302)
        self.assertEqual(a.one("location"), location, a)
        self.assertEqual(a.body, b"<a>moved</a>", a)
        self.assertEqual([r.path for r in up.requests], ["/old"], "P-5: the redirect must not be followed")
        self.assert_untouched(elsewhere)

    def test_P6_response_header_names_are_lowercased_and_hop_by_hop_and_content_length_are_not_copied(self):
        body = b"response body"
        up = self.upstream(Reply(200, [("Content-Type", "application/x-custom; charset=latin1"),
                                       ("X-Upstream-Mixed-Case", "Value-Kept AS sent"),
                                       ("Content-Length", str(len(body))),
                                       ("Connection", "x-hop-token"),
                                       ("Keep-Alive", "timeout=5, max=100"),
                                       ("Proxy-Authenticate", "Basic realm=x"),
                                       ("Proxy-Foo", "bar"),
                                       ("Upgrade", "h2c"),
                                       ("Trailer", "X-Late"),
                                       ("TE", "trailers")], body))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/hdr"))
        self.assertEqual(a.body, body)
        names = [k for k, _ in a.headers]
        self.assertIn("x-upstream-mixed-case", names, "P-6: upstream names are lowercased: %r" % (a.headers,))
        self.assertNotIn("X-Upstream-Mixed-Case", names, a.headers)
        self.assertEqual(a.one("x-upstream-mixed-case"), "Value-Kept AS sent", a)
        self.assertEqual(a.one("content-type"), "application/x-custom; charset=latin1", a)
        self.assertIn("content-type", names, "P-6: lowercased: %r" % (a.headers,))
        for h in ("keep-alive", "proxy-authenticate", "proxy-foo", "upgrade", "trailer", "te"):
            self.assertEqual(a.all(h), [], "P-6: hop-by-hop %r must not be copied: %r" % (h, a.headers))
        for v in a.all("connection"):
            self.assertNotIn("x-hop-token", v.lower(), a.headers)

    def test_P6_repeated_upstream_headers_such_as_set_cookie_are_all_returned(self):
        up = self.upstream(Reply(200, [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"),
                                       ("Set-Cookie", "b=2; HttpOnly")], b"cookies"))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/cookies"))
        self.assertEqual(sorted(a.all("set-cookie")), ["a=1; Path=/", "b=2; HttpOnly"], a.headers)

    def test_P6_a_chunked_upstream_answer_comes_back_with_a_recomputed_content_length(self):
        body = random_bytes(50000, 1)
        up = self.upstream(Reply(200, [("Content-Type", "application/octet-stream")], body, chunked=True))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/chunked"))
        self.assertEqual(a.body, body)
        self.assertEqual(a.one("content-length"), str(len(body)), a.headers)
        self.assertEqual(a.all("transfer-encoding"), [], "P-6: transfer-encoding is hop-by-hop: %r" % (a.headers,))

    def test_P6_without_an_upstream_content_type_the_answer_is_text_plain_utf8(self):
        up = self.upstream(Reply(200, [("X-Other", "1")], b"no type given"))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/plain"))
        self.assertEqual(a.body, b"no type given")
        self.assertEqual(a.all("content-type"), [DEFAULT_CT], a.headers)

    def test_P5_P6_a_1_MiB_request_body_and_a_1_MiB_response_body_pass_intact(self):
        big = random_text(1 << 20, 2)
        resp = random_bytes(1 << 20, 3)
        up = self.upstream(Reply(200, [("Content-Type", "application/octet-stream")], resp))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "POST", "/big", body=big), timeout=30)
        self.assertEqual(up.requests[-1].body, big.encode(), "request body altered (len %d)"
                         % len(up.requests[-1].body))
        self.assertEqual(len(a.body), len(resp))
        self.assertEqual(a.body, resp)

    def test_P8_the_target_client_sees_nothing_on_its_websocket(self):
        up = self.upstream()
        ws = self.target(up)
        self.proxied(self.req(ws.app, "POST", "/quiet", body={"x": 1}))
        self.assertEqual(len(up.requests), 1)
        self.assert_no_reply(ws)

    def test_H2_a_proxy_body_without_content_type_or_with_json_parameters_is_accepted(self):
        up = self.upstream()
        ws = self.target(up)
        self.proxied(self.req(ws.app, "GET", "/ct1"), content_type=None)
        self.proxied(self.req(ws.app, "GET", "/ct2"), content_type="application/json; charset=utf-8")
        self.assertEqual([r.path for r in up.requests], ["/ct1", "/ct2"])


# ============================================================================
def proxy_counters(port):
    """H-15: the proxy outcome counters and the duration count from /metrics."""
    import re
    status, headers, body = wsclient.http_request(HOST, port, "GET", "/metrics")
    text = body.decode("utf-8")
    counts = {m.group(1): int(m.group(2))
              for m in re.finditer(r'^singyeong_proxy_requests_total\{outcome="([a-z_]+)"\} (\d+)$', text, re.M)}
    m = re.search(r"^singyeong_proxy_duration_milliseconds_count (\d+)$", text, re.M)
    counts["_timed"] = int(m.group(1)) if m else -1
    return counts


class ProxyMetricsTest(ProxyCase):
    def test_H15_proxy_requests_are_counted_by_outcome_and_timed(self):
        up = self.upstream()
        app = uid("pm")
        self.target(up, app=app)
        before = proxy_counters(self.node.port)
        self.proxied(self.req(app))
        self.proxied(self.req(app))
        self.json_error(self.req(uid("nobody")), 400, {"errors": ["no matches"]})
        self.json_error({"route": "/", "query": {"application": app}}, 400)
        after = proxy_counters(self.node.port)
        self.assertEqual(after["answered"] - before["answered"], 2, after)
        self.assertEqual(after["no_match"] - before["no_match"], 1, after)
        self.assertEqual(after["invalid"] - before["invalid"], 1, after)
        self.assertEqual(after["_timed"] - before["_timed"], 4, after)


class ProxyValidationTest(ProxyCase):
    """P-2 (validation table, route/header checks) and H-2. Every query
    matches a real client, so a check that is skipped shows up as a request
    reaching the upstream."""

    @classmethod
    def setUpClients(cls):
        cls.up = Upstream()
        cls.app = uid("val")
        cls.open_class_clients([{"client_id": "v1", "app": cls.app, "ip": cls.up.hostport}])

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.up.close()

    def setUp(self):
        super().setUp()
        self.n_before = len(self.up.requests)

    def rejected(self, req, body, **kw):
        self.json_error(req, 400, body, **kw)
        self.assertEqual(len(self.up.requests), self.n_before,
                         "a rejected request reached the upstream: %r" % (self.up.requests[self.n_before:],))

    def q(self):
        return {"application": self.app}

    def test_P2_row1_a_missing_or_null_method_is_no_method_provided(self):
        for req in ({"route": "/", "query": self.q()}, {"method": None, "route": "/", "query": self.q()}, {}):
            with self.subTest(req=req):
                self.rejected(req, NO_METHOD)

    def test_P2_row2_a_missing_null_or_non_string_route_is_no_route_provided(self):
        for route in ("absent", None, 5, ["/"], {"p": "/"}):
            with self.subTest(route=route):
                req = {"method": "GET", "query": self.q()}
                if route != "absent":
                    req["route"] = route
                self.rejected(req, NO_ROUTE)

    def test_P2_row3_a_missing_or_null_query_is_no_query_provided(self):
        self.rejected({"method": "GET", "route": "/"}, NO_QUERY)
        self.rejected({"method": "GET", "route": "/", "query": None}, NO_QUERY)

    def test_P2_row4_an_invalid_query_is_invalid_query(self):
        for q in (5, "app", [], {"application": 5}, {"application": self.app, "ops": {"a": 1}},
                  {"application": self.app, "ops": [{"path": "x", "op": "$eq", "to": {"value": 1}}]},
                  {"application": self.app, "selector": {"$median": "x"}}):
            with self.subTest(query=q):
                self.rejected({"method": "GET", "route": "/", "query": q}, INVALID_QUERY)

    def test_P2_row5_an_unknown_method_is_not_a_valid_method(self):
        for m, shown in (("FOO", "FOO"), ("get", "get"), ("", ""), ("PROPFIND", "PROPFIND"), (5, "5"),
                         (True, "true")):
            with self.subTest(method=m):
                self.rejected({"method": m, "route": "/", "query": self.q()}, not_valid(shown))

    def test_P2_row6_CONNECT_OPTIONS_and_TRACE_are_not_supported(self):
        for m in ("CONNECT", "OPTIONS", "TRACE"):
            with self.subTest(method=m):
                self.rejected({"method": m, "route": "/", "query": self.q()}, not_supported(m))

    def test_P2_row7_GET_or_HEAD_with_a_body_is_rejected(self):
        for m in ("GET", "HEAD"):
            for body in ("x", " ", {}, [], 0, False, {"a": 1}):
                with self.subTest(method=m, body=body):
                    self.rejected({"method": m, "route": "/", "query": self.q(), "body": body}, BODY_GIVEN)

    def test_P2_the_first_failing_row_answers(self):
        cases = [({"method": None, "route": 5, "query": None}, NO_METHOD),
                 ({"method": "FOO", "route": None, "query": {"application": 5}}, NO_ROUTE),
                 ({"method": "FOO", "route": "/", "query": None}, NO_QUERY),
                 ({"method": "FOO", "route": "/", "query": {"application": 5}}, INVALID_QUERY),
                 ({"method": "FOO", "route": "/", "query": self.q(), "body": "x"}, not_valid("FOO")),
                 ({"method": "TRACE", "route": "/", "query": self.q(), "body": "x"}, not_supported("TRACE")),
                 ({"method": "GET", "route": "no-slash", "query": self.q(), "body": "x",
                   "headers": {"X": "a\r\nb"}}, BODY_GIVEN)]
        for req, body in cases:
            with self.subTest(req=req):
                self.rejected(req, body)

    def test_P2_a_route_without_leading_slash_or_with_CR_LF_NUL_is_invalid_route(self):
        for route in ("a/b", "", "http://evil.example/x", "?x=1", "/a\r\nX-Injected: yes", "/a\nb", "/a\rb",
                      "/a\u0000b", "/a HTTP/1.1\r\nHost: evil\r\n\r\nGET /b"):
            with self.subTest(route=route):
                self.rejected({"method": "GET", "route": route, "query": self.q()}, INVALID_ROUTE)

    def test_P2_CR_LF_NUL_in_a_header_name_or_value_is_invalid_header(self):
        for headers in ({"X-Ok": "v\r\nX-Injected: yes"}, {"X-Ok": "a\nb"}, {"X-Ok": "a\rb"},
                        {"X-Ok": "a\u0000b"}, {"X-Bad\r\nX-Injected": "v"}, {"X-Bad\n": "v"},
                        {"X-Bad\u0000": "v"}):
            with self.subTest(headers=headers):
                self.rejected({"method": "POST", "route": "/", "query": self.q(), "body": "b",
                               "headers": headers}, INVALID_HEADER)

    def test_P2_P3_route_and_header_checks_come_before_target_selection(self):
        nobody = {"application": uid("nobody")}
        self.rejected({"method": "GET", "route": "nope", "query": nobody}, INVALID_ROUTE)
        self.rejected({"method": "GET", "route": "/", "query": nobody, "headers": {"X": "a\nb"}}, INVALID_HEADER)

    def test_H2_a_body_that_is_not_JSON_is_bad_request(self):
        for raw in (b"not json", b'{"method": "GET",', b""):
            with self.subTest(raw=raw):
                self.rejected(None, BAD_REQUEST, raw=raw)

    def test_H2_a_JSON_body_that_is_not_an_object_or_has_another_content_type_fails_at_row_1(self):
        good = json.dumps({"method": "GET", "route": "/", "query": self.q()}).encode()
        self.rejected(None, NO_METHOD, raw=b"[1, 2]")
        self.rejected(None, NO_METHOD, raw=b'"GET"')
        self.rejected(None, NO_METHOD, raw=b"null")
        self.rejected(None, NO_METHOD, raw=good, content_type="text/plain")


# ============================================================================
class ProxyTargetTest(ProxyCase):
    """P-3 target choice: query, restricted clients, selector, key (R-4, R-5)."""

    def test_P3_nothing_matching_is_400_no_matches(self):
        self.json_error(self.req(uid("nobody")), 400, NO_MATCHES)
        up = self.upstream()
        ws = self.target(up, metadata={"zone": e("string", "a")})
        req = {"method": "GET", "route": "/", "query": {"application": ws.app,
                                                        "ops": [op("/zone", "$eq", "b")]}}
        self.json_error(req, 400, NO_MATCHES)
        self.assert_untouched(up)

    def test_P3_ops_select_the_matching_client(self):
        app = uid("zones")
        ups = {z: self.upstream() for z in ("a", "b", "c")}
        for z, up in ups.items():
            self.target(up, app=app, metadata={"zone": e("string", z)})
        for z in ("b", "c", "a"):
            with self.subTest(zone=z):
                self.proxied({"method": "GET", "route": "/z", "query": {"application": app,
                                                                          "ops": [op("/zone", "$eq", z)]}})
        for z, up in ups.items():
            self.assertEqual(len(up.requests), 1, "zone %s: %r" % (z, up.requests))

    def test_P3_A6_a_restricted_client_is_never_a_target_even_when_restricted_clients_are_allowed(self):
        app = uid("restr")
        r_up = self.upstream()
        self.target(r_up, app=app, restricted=True)   # its ip is ignored: socket_ip null
        self.json_error({"method": "GET", "route": "/", "query": {"application": app, "restricted": True}},
                        400, NO_MATCHES)
        n_up = self.upstream()
        self.target(n_up, app=app)
        for i in range(10):
            self.proxied({"method": "GET", "route": "/r/%d" % i,
                          "query": {"application": app, "restricted": True}})
        self.assertEqual(len(n_up.requests), 10)
        self.assert_untouched(r_up)

    def test_P3_restricted_clients_are_removed_before_the_selector(self):
        app = uid("sel-r")
        r_up, low, high = self.upstream(), self.upstream(), self.upstream()
        r = self.target(r_up, app=app, restricted=True)
        self.update_metadata(r, {"load": e("integer", 0)})   # the smallest load
        self.target(low, app=app, metadata={"load": e("integer", 2)})
        self.target(high, app=app, metadata={"load": e("integer", 9)})
        for i in range(3):
            self.proxied({"method": "GET", "route": "/min", "query": {"application": app, "restricted": True,
                                                                      "selector": {"$min": "load"}}})
        self.assertEqual(len(low.requests), 3)
        self.assert_untouched(r_up, high)

    def test_P3_restricted_clients_are_removed_before_the_optional_fallback(self):
        app = uid("opt")
        r_up, n_up = self.upstream(), self.upstream()
        r = self.target(r_up, app=app, restricted=True)
        self.update_metadata(r, {"only": e("boolean", True)})
        self.target(n_up, app=app)
        q = {"application": app, "restricted": True, "optional": True, "ops": [op("/only", "$eq", True)]}
        self.proxied({"method": "GET", "route": "/fallback", "query": q})
        self.assertEqual(len(n_up.requests), 1)
        self.assert_untouched(r_up)

    def test_P3_R4_the_selector_picks_the_client(self):
        app = uid("sel")
        ups = {}
        for load in (5, 2, 9):
            ups[load] = self.upstream()
            self.target(ups[load], app=app, metadata={"load": e("integer", load)})
        for sel, want in (({"$min": "load"}, 2), ({"$max": "load"}, 9), ({"$min": "/load"}, 2)):
            with self.subTest(selector=sel):
                before = {k: len(u.requests) for k, u in ups.items()}
                for _ in range(3):
                    self.proxied({"method": "GET", "route": "/s",
                                  "query": {"application": app, "selector": sel}})
                got = {k: len(u.requests) - before[k] for k, u in ups.items()}
                self.assertEqual(got, {k: (3 if k == want else 0) for k in ups}, "selector %r" % (sel,))

    def test_P3_R5_key_picks_the_rendezvous_client_every_time(self):
        app = uid("hash")
        ups = {}
        for i in range(1, 5):
            cid = "h%d" % i
            ups[cid] = self.upstream()
            self.target(ups[cid], app=app, cid=cid)
        for key in ("k0", "user-9", "abc", "another key", "42"):
            with self.subTest(key=key):
                _, want = rendezvous_pick(key, [(app, c) for c in ups])
                before = {c: len(u.requests) for c, u in ups.items()}
                for _ in range(4):
                    self.proxied({"method": "GET", "route": "/k",
                                  "query": {"application": app, "key": key}})
                got = {c: len(u.requests) - before[c] for c, u in ups.items()}
                self.assertEqual(got, {c: (4 if c == want else 0) for c in ups}, "key %r" % key)

    def test_P3_R4_without_key_or_selector_either_candidate_can_be_picked(self):
        app = uid("rand")
        ups = [self.upstream(), self.upstream()]
        for up in ups:
            self.target(up, app=app)
        for i in range(40):
            self.proxied({"method": "GET", "route": "/r", "query": {"application": app}})
        counts = [len(up.requests) for up in ups]
        self.assertEqual(sum(counts), 40)
        self.assertNotIn(0, counts, "R-4: a random pick over 2 clients chose one of them 40 times: %r" % counts)

    def test_P3_Q3_an_integer_key_hashes_like_its_decimal_text(self):
        app = uid("ikey")
        ups = {}
        for i in range(1, 5):
            cid = "i%d" % i
            ups[cid] = self.upstream()
            self.target(ups[cid], app=app, cid=cid)
        for key in (7, 12345, 0):
            with self.subTest(key=key):
                _, want = rendezvous_pick(str(key), [(app, c) for c in ups])
                before = {c: len(u.requests) for c, u in ups.items()}
                self.proxied({"method": "GET", "route": "/k", "query": {"application": app, "key": key}})
                got = {c: len(u.requests) - before[c] for c, u in ups.items()}
                self.assertEqual(got, {c: (1 if c == want else 0) for c in ups}, "key %r" % key)

    def test_P7_an_ftp_address_is_502(self):
        up = self.upstream()
        ws = self.target("ftp://%s" % up.hostport)
        self.gateway_error(self.req(ws.app, "GET", "/f"), 502)
        self.assert_untouched(up)

    def test_P4_P7_an_https_address_on_a_plain_http_port_is_502_documents_current_https_limit(self):
        # Documents the current limit: no test here has an upstream with a
        # certificate the server trusts, so only the failure side of https is
        # covered: a TLS handshake against a plain HTTP port must fail (P-7),
        # and the request must never go out in clear text.
        up = self.upstream()
        ws = self.target("https://%s" % up.hostport)
        self.gateway_error(self.req(ws.app, "GET", "/tls"), 502)
        for rec in up.requests:
            self.assertNotEqual(rec.path, "/tls", "the request was sent in clear text over an https address")


# ============================================================================
class ProxyConcurrencyTest(ProxyCase):
    """Issue 4: the proxy never blocks other traffic."""

    N = 20
    ROUND_TRIPS = 50

    def test_P8_twenty_slow_proxied_requests_succeed_while_websocket_messages_keep_flowing(self):
        release = threading.Event()
        self.addCleanup(release.set)
        up = self.upstream(lambda r: Reply(200, [("Content-Type", "text/plain")],
                                           ("answer for %s" % r.path).encode(), wait=release, delay=0.3))
        target = self.target(up)
        a = self.client(app=uid("chat-a"))
        b = self.client(app=uid("chat-b"))
        results = [None] * self.N

        def call(i):
            try:
                results[i] = self.post_proxy(self.req(target.app, "GET", "/slow/%d" % i), timeout=20)
            except BaseException as exc:   # noqa: BLE001 - reported below
                results[i] = exc

        threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(self.N)]
        for t in threads:
            t.start()
        arrived = up.wait_requests(self.N, 5.0)
        self.assertEqual(arrived, self.N, "only %d of %d proxied requests reached the upstream at once"
                         % (arrived, self.N))
        for i in range(self.ROUND_TRIPS):
            ping = {"ping": i}
            a.send_json(message({"application": b.app}, ping, nonce="p%d" % i))
            self.recv_delivery(b, "SEND", ping, nonce="p%d" % i)
            pong = {"pong": i}
            b.send_json(message({"application": a.app}, pong, nonce="q%d" % i))
            self.recv_delivery(a, "SEND", pong, nonce="q%d" % i)
        pending = sum(1 for r in results if r is None)
        self.assertEqual(pending, self.N, "the upstream has not answered yet, so every proxied request must "
                                          "still be pending: %r" % ([r for r in results if r is not None][:3],))
        release.set()
        for t in threads:
            t.join(25)
        for i, r in enumerate(results):
            with self.subTest(request=i):
                self.assertIsInstance(r, Answer, "request %d: %r" % (i, r))
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, ("answer for /slow/%d" % i).encode(), r)
        self.assertEqual(sorted(r.path for r in up.requests), sorted("/slow/%d" % i for i in range(self.N)))


# ============================================================================
class ProxyFailureTest(ProxyCase):
    """P-7 with SINGYEONG_PROXY_TIMEOUT_MS=500."""

    TIMEOUT_MS = 500
    SETTINGS = dict(SETTINGS, SINGYEONG_PROXY_TIMEOUT_MS=TIMEOUT_MS)

    def test_P7_CFG9_an_upstream_that_never_answers_gives_504_after_the_timeout(self):
        up = self.raw_upstream("hang")
        ws = self.target(up)
        self.gateway_error(self.req(ws.app, "GET", "/hang"), 504, timeout=10)
        self.assertEqual(len(up.heads), 1, "the request should have reached the upstream")
        self.assertTrue(up.heads[0].startswith(b"GET /hang HTTP/1.1\r\n"), up.heads[0][:200])

    def test_P7_CFG9_the_504_does_not_come_before_the_configured_timeout(self):
        up = self.raw_upstream("hang")
        ws = self.target(up)
        t0 = time.monotonic()
        self.gateway_error(self.req(ws.app, "POST", "/hang", body="x"), 504, timeout=10)
        self.assertGreaterEqual(time.monotonic() - t0, self.TIMEOUT_MS / 1000.0 * 0.9)

    def test_P7_an_upstream_that_stops_in_the_middle_of_its_body_gives_504(self):
        up = self.raw_upstream("stall")
        ws = self.target(up)
        self.gateway_error(self.req(ws.app, "GET", "/stall"), 504, timeout=10)

    def test_P7_connection_refused_is_502(self):
        ws = self.target("127.0.0.1:%d" % closed_port())
        self.gateway_error(self.req(ws.app, "GET", "/refused"), 502)
        ws2 = self.target("http://127.0.0.1:%d" % closed_port())
        self.gateway_error(self.req(ws2.app, "POST", "/refused", body={"a": 1}), 502)

    def test_P7_an_upstream_that_resets_without_answering_is_502(self):
        up = self.raw_upstream("reset")
        ws = self.target(up)
        self.gateway_error(self.req(ws.app, "GET", "/reset"), 502)
        self.assertGreaterEqual(len(up.heads), 1)

    def test_P7_an_upstream_that_closes_without_answering_is_502(self):
        up = self.raw_upstream("close")
        ws = self.target(up)
        self.gateway_error(self.req(ws.app, "GET", "/close"), 502)
        self.assertGreaterEqual(len(up.heads), 1)

    def test_P7_after_upstream_failures_the_proxy_still_works(self):
        hang = self.raw_upstream("hang")
        ws_h = self.target(hang)
        self.gateway_error(self.req(ws_h.app, "GET", "/h"), 504)
        up = self.upstream(Reply(200, [("Content-Type", "text/plain")], b"alive"))
        ws = self.target(up)
        self.assertEqual(self.proxied(self.req(ws.app, "GET", "/ok")).body, b"alive")


# ============================================================================
class ProxyLimitTest(ProxyCase):
    """CFG-21 with SINGYEONG_HTTP_MAX_BODY_BYTES=65536 (H-2, P-4)."""

    LIMIT = 65536
    SETTINGS = dict(SETTINGS, SINGYEONG_HTTP_MAX_BODY_BYTES=LIMIT)

    def test_P4_CFG21_a_response_below_the_limit_passes_intact(self):
        body = random_bytes(self.LIMIT // 2, 4)
        up = self.upstream(Reply(200, [("Content-Type", "application/octet-stream")], body))
        ws = self.target(up)
        self.assertEqual(self.proxied(self.req(ws.app, "GET", "/small")).body, body)

    def test_P4_P7_CFG21_a_response_larger_than_the_limit_is_502(self):
        body = random_bytes(2 * self.LIMIT, 5)
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                up = self.upstream(Reply(200, [("Content-Type", "application/octet-stream")], body,
                                         chunked=chunked))
                ws = self.target(up)
                self.gateway_error(self.req(ws.app, "GET", "/huge"), 502)

    def test_P4_P7_CFG21_a_response_of_exactly_the_limit_passes_and_one_byte_more_is_502(self):
        state = {}
        up = self.upstream(lambda r: Reply(200, [("Content-Type", "application/octet-stream")], state["body"]))
        ws = self.target(up)
        state["body"] = random_bytes(self.LIMIT, 7)
        self.assertEqual(self.proxied(self.req(ws.app, "GET", "/exact")).body, state["body"])
        state["body"] = random_bytes(self.LIMIT + 1, 8)
        self.gateway_error(self.req(ws.app, "GET", "/one-more"), 502)

    def test_H2_CFG21_a_proxy_request_body_larger_than_the_limit_is_413(self):
        up = self.upstream()
        ws = self.target(up)
        req = self.req(ws.app, "POST", "/big", body=random_text(self.LIMIT + 1000, 6))
        self.json_error(req, 413, TOO_LARGE)
        self.assert_untouched(up)
        self.proxied(self.req(ws.app, "POST", "/after", body="small"))
        self.assertEqual([r.path for r in up.requests], ["/after"])


# ============================================================================
class ProxyAuthTest(ProxyCase):
    """A-8 with AUTH=secret."""

    PASSWORD = "secret"
    AUTH_HEADER = "secret"
    SETTINGS = dict(SETTINGS, AUTH=PASSWORD)

    def test_A8_a_missing_or_wrong_Authorization_is_401_not_authorized(self):
        up = self.upstream()
        ws = self.target(up)
        req = self.req(ws.app, "GET", "/secret")
        for auth in (None, "wrong", "Bearer secret", "secre", "secretsecret", ""):
            with self.subTest(auth=auth):
                self.json_error(req, 401, NOT_AUTHORIZED, auth=auth)
        self.assert_untouched(up)

    def test_A8_the_auth_check_comes_before_body_validation(self):
        self.json_error(None, 401, NOT_AUTHORIZED, raw=b"not json", auth=None)
        self.json_error({"route": "/"}, 401, NOT_AUTHORIZED, auth="wrong")

    def test_A8_the_right_password_is_proxied_and_is_not_forwarded_upstream(self):
        up = self.upstream(Reply(200, [("Content-Type", "text/plain")], b"welcome"))
        ws = self.target(up)
        a = self.proxied(self.req(ws.app, "GET", "/secret"))
        self.assertEqual(a.body, b"welcome")
        self.assertEqual(len(up.requests), 1)
        self.assertEqual(up.requests[0].all("authorization"), [],
                         "P-5: only the supplied headers go upstream, not the server password: %r"
                         % (up.requests[0],))
        self.proxied(self.req(ws.app, "GET", "/own", headers={"Authorization": "upstream-token"}))
        self.assertEqual(up.requests[1].all("authorization"), ["upstream-token"], up.requests[1])


if __name__ == "__main__":
    unittest.main()


# ============================================================================
def _make_certificates(folder):
    """A throw-away CA and a certificate for localhost / 127.0.0.1 signed by it
    (openssl command line)."""
    import subprocess

    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=folder, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=singyeong-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost")
    with open(os.path.join(folder, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")
    # Trusted, but for another name.
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.csr",
        "-subj", "/CN=other.example")
    with open(os.path.join(folder, "other.cnf"), "w") as f:
        f.write("subjectAltName=DNS:other.example\n")
    run("x509", "-req", "-in", "other.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "other.pem", "-days", "2", "-extfile", "other.cnf")
    # A second, untrusted authority for the negative case.
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")


class TlsUpstream(Upstream):
    """The recording upstream behind TLS with the given certificate."""

    def __init__(self, cert, key, reply=None):
        import ssl
        self.reply = reply if reply is not None else Reply(200, [("Content-Type", "text/plain")], b"secure")
        self.requests = []
        self.cond = threading.Condition()
        handler = type("Handler", (_Handler,), {"upstream": self})
        self.httpd = _Server((HOST, 0), handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()


class ProxyTlsTest(ProxyCase):
    """P-4: an https:// client address is fetched over TLS with the
    certificate verified (the trust store is OpenSSL's default, pointed at a
    test CA with SSL_CERT_FILE)."""

    @classmethod
    def setUpClass(cls):
        cls.certs = node.scratch_dir("sy-tls-")
        _make_certificates(cls.certs)
        cls.SETTINGS = dict(SETTINGS, SSL_CERT_FILE=os.path.join(cls.certs, "ca.pem"))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        import shutil
        super().tearDownClass()
        shutil.rmtree(cls.certs, ignore_errors=True)

    def tls_upstream(self, which="srv"):
        up = TlsUpstream(os.path.join(self.certs, which + ".pem"), os.path.join(self.certs, which + ".key"))
        self.addCleanup(up.close)
        return up

    def test_P4_an_https_address_with_a_trusted_certificate_is_fetched_over_tls(self):
        for host in ("localhost", "127.0.0.1"):
            with self.subTest(host=host):
                up = self.tls_upstream()
                app = uid("tls")
                self.target("https://%s:%d" % (host, up.port), app=app)
                a = self.proxied(self.req(app, route="/secure/path?x=1"))
                self.assertEqual(a.body, b"secure")
                self.assertEqual(len(up.requests), 1)
                self.assertEqual(up.requests[0].path, "/secure/path?x=1")

    def test_P4_P7_an_untrusted_certificate_is_a_502_and_nothing_is_sent(self):
        up = self.tls_upstream("rogue")
        app = uid("tls")
        self.target("https://localhost:%d" % up.port, app=app)
        self.gateway_error(self.req(app), 502)
        self.assert_untouched(up)

    def test_P4_P7_a_certificate_for_another_host_name_is_a_502(self):
        up = self.tls_upstream("other")  # signed by the trusted CA, for other.example
        app = uid("tls")
        self.target("https://localhost:%d" % up.port, app=app)
        self.gateway_error(self.req(app), 502)
        self.assert_untouched(up)
