"""A small synchronous websocket client (RFC 6455) over a raw socket.

Written for black-box tests: besides the normal operations it can send
deliberately broken input (invalid UTF-8 in text frames, fragmented messages,
unmasked frames, frame headers announcing lengths that never arrive).
Python standard library only.
"""

import base64
import hashlib
import json
import os
import socket
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


class RecvTimeout(AssertionError):
    """Nothing (complete) arrived within the timeout."""


class ConnectionClosed(Exception):
    """The TCP connection ended without (further) close frame."""

    def __init__(self, message="connection closed", reset=False):
        super().__init__(message)
        self.reset = reset


class ServerClosed(AssertionError):
    """A close frame arrived where a data message was expected."""

    def __init__(self, close):
        super().__init__("server sent close frame code=%r reason=%r" % (close.code, close.reason))
        self.close = close


class ProtocolError(AssertionError):
    """The server violated RFC 6455 or the JSON framing rules."""


class HandshakeError(AssertionError):
    def __init__(self, status, headers, body):
        super().__init__("websocket upgrade refused: status %r headers %r body %r" % (status, headers, body[:200]))
        self.status = status
        self.headers = headers
        self.body = body


class Frame:
    __slots__ = ("fin", "rsv", "opcode", "payload", "masked")

    def __init__(self, fin, rsv, opcode, payload, masked):
        self.fin, self.rsv, self.opcode, self.payload, self.masked = fin, rsv, opcode, payload, masked

    def __repr__(self):
        return "Frame(fin=%r, opcode=%r, payload=%r)" % (self.fin, self.opcode, self.payload[:200])


class Message:
    """A complete data message (text or binary)."""

    __slots__ = ("opcode", "data")

    def __init__(self, opcode, data):
        self.opcode, self.data = opcode, data

    @property
    def is_close(self):
        return False

    def __repr__(self):
        return "Message(opcode=%r, data=%r)" % (self.opcode, self.data[:300])


class Close:
    """A close frame received from the server (code None if it had no body)."""

    __slots__ = ("code", "reason", "raw")

    def __init__(self, code, reason, raw):
        self.code, self.reason, self.raw = code, reason, raw

    @property
    def is_close(self):
        return True

    def __repr__(self):
        return "Close(code=%r, reason=%r)" % (self.code, self.reason)


def _read_http_head(sock, deadline):
    buf = b""
    while b"\r\n\r\n" not in buf:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RecvTimeout("no complete HTTP response head; got %r" % buf[:300])
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            raise RecvTimeout("no complete HTTP response head; got %r" % buf[:300])
        if not chunk:
            raise ConnectionClosed("EOF during HTTP response head; got %r" % buf[:300])
        buf += chunk
        if len(buf) > 1 << 20:
            raise ProtocolError("HTTP response head too large")
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ProtocolError("bad HTTP status line %r" % lines[0])
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            k = k.strip().lower()
            v = v.strip()
            headers[k] = headers[k] + ", " + v if k in headers else v
    return status, headers, rest


def _read_http_body(sock, headers, rest, deadline):
    """Read a body: by Content-Length if given, else until EOF (best effort)."""
    body = rest
    length = headers.get("content-length")
    want = int(length) if length is not None and length.isdigit() else None
    while want is None or len(body) < want:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionError):
            break
        if not chunk:
            break
        body += chunk
    return body


def http_request(host, port, method, path, headers=None, body=b"", timeout=5.0):
    """Send one HTTP/1.1 request (Connection: close); return (status, headers, body)."""
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        hdrs = {"Host": "%s:%d" % (host, port), "Connection": "close"}
        if body:
            hdrs["Content-Length"] = str(len(body))
        hdrs.update(headers or {})
        req = "%s %s HTTP/1.1\r\n" % (method, path)
        req += "".join("%s: %s\r\n" % kv for kv in hdrs.items())
        req += "\r\n"
        sock.sendall(req.encode("iso-8859-1") + body)
        status, rh, rest = _read_http_head(sock, deadline)
        return status, rh, _read_http_body(sock, rh, rest, deadline)
    finally:
        sock.close()


def http_get(host, port, path, headers=None, timeout=5.0):
    return http_request(host, port, "GET", path, headers=headers, timeout=timeout)


def upgrade_status(host, port, path, headers=None, timeout=5.0):
    """Attempt a websocket upgrade; return the HTTP status code of the answer."""
    key = base64.b64encode(os.urandom(16)).decode()
    h = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    h.update(headers or {})
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        req = "GET %s HTTP/1.1\r\nHost: %s:%d\r\n" % (path, host, port)
        req += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        sock.sendall(req.encode("iso-8859-1"))
        status, _, _ = _read_http_head(sock, deadline)
        return status
    finally:
        sock.close()


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def build_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None, mask_key=None):
    """Encode one frame. `length` overrides the announced payload length."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = mask_key if mask_key is not None else os.urandom(4)
        head += key
        payload = _apply_mask(payload, key)
    return head + payload


def _apply_mask(data, key):
    if not data:
        return data
    n = len(data)
    reps = (n + 3) // 4
    k = int.from_bytes((key * reps)[:n], "big")
    return (int.from_bytes(data, "big") ^ k).to_bytes(n, "big")


class WSClient:
    """One websocket connection.

    recv_* methods take a timeout in seconds and raise RecvTimeout when it
    expires; a hang therefore fails instead of blocking.
    """

    def __init__(self, host, port, path="/gateway/websocket", timeout=5.0, headers=None,
                 rcvbuf=None, connect=True):
        self.host, self.port, self.path = host, port, path
        self.sock = None
        self.buf = b""
        self.close_sent = False
        self.close_received = None
        self.eof = False
        self.auto_pong = True
        self.pongs = []
        self.response_headers = {}
        self._frag_opcode = None
        self._frag_data = b""
        if connect:
            self.connect(timeout=timeout, headers=headers, rcvbuf=rcvbuf)

    # -- connection -------------------------------------------------------
    def connect(self, timeout=5.0, headers=None, rcvbuf=None):
        deadline = time.monotonic() + timeout
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(timeout)
        sock.connect((self.host, self.port))
        self.sock = sock
        key = base64.b64encode(os.urandom(16)).decode()
        h = {
            "Host": "%s:%d" % (self.host, self.port),
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        }
        h.update(headers or {})
        req = "GET %s HTTP/1.1\r\n" % self.path
        req += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        sock.sendall(req.encode("iso-8859-1"))
        status, rh, rest = _read_http_head(sock, deadline)
        if status != 101:
            body = _read_http_body(sock, rh, rest, min(deadline, time.monotonic() + 1.0))
            sock.close()
            self.sock = None
            raise HandshakeError(status, rh, body)
        if rh.get("upgrade", "").lower() != "websocket":
            raise ProtocolError("101 without 'Upgrade: websocket': %r" % rh)
        if "upgrade" not in rh.get("connection", "").lower():
            raise ProtocolError("101 without 'Connection: Upgrade': %r" % rh)
        if rh.get("sec-websocket-accept") != accept_key(key):
            raise ProtocolError("bad Sec-WebSocket-Accept %r (want %r)"
                                % (rh.get("sec-websocket-accept"), accept_key(key)))
        self.response_headers = rh
        self.buf = rest
        return self

    def fileno(self):
        return self.sock.fileno()

    def abort(self):
        """Drop the TCP connection without a close handshake."""
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    # -- sending ----------------------------------------------------------
    def send_raw(self, data):
        self.sock.settimeout(10.0)
        self.sock.sendall(data)

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
        self.send_raw(build_frame(opcode, payload, fin=fin, mask=mask, rsv=rsv, length=length))

    def send_text(self, text):
        """Send a text frame; `text` may be bytes (sent verbatim, e.g. invalid UTF-8)."""
        self.send_frame(OP_TEXT, text)

    def send_binary(self, data):
        self.send_frame(OP_BINARY, data)

    def send_json(self, obj, binary=False):
        data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        self.send_frame(OP_BINARY if binary else OP_TEXT, data)

    def send_fragmented(self, payload, sizes, opcode=OP_TEXT, ping_between=False):
        """Send one message split into fragments of the given sizes (rest goes last)."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        chunks = []
        pos = 0
        for s in sizes:
            chunks.append(payload[pos:pos + s])
            pos += s
        chunks.append(payload[pos:])
        out = b""
        for i, c in enumerate(chunks):
            op = opcode if i == 0 else OP_CONT
            out += build_frame(op, c, fin=(i == len(chunks) - 1))
            if ping_between and i < len(chunks) - 1:
                out += build_frame(OP_PING, b"mid")
        self.send_raw(out)

    def ping(self, payload=b""):
        self.send_frame(OP_PING, payload)

    def send_close(self, code=1000, reason=""):
        payload = b"" if code is None else struct.pack("!H", code) + reason.encode()
        self.send_frame(OP_CLOSE, payload)
        self.close_sent = True

    def close(self, code=1000, reason="", wait=1.0):
        """Polite close: send a close frame, wait briefly for the answer, drop TCP."""
        if self.sock is None:
            return
        try:
            if not self.close_sent:
                self.send_close(code, reason)
            if self.close_received is None and wait:
                deadline = time.monotonic() + wait
                while self.close_received is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self.recv_message(remaining)
        except (RecvTimeout, ConnectionClosed, OSError, ProtocolError):
            pass
        self.abort()

    # -- receiving --------------------------------------------------------
    def _fill(self, n, deadline):
        while len(self.buf) < n:
            if self.eof:
                raise ConnectionClosed("EOF")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RecvTimeout("timed out waiting for data (have %d of %d bytes)" % (len(self.buf), n))
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                raise RecvTimeout("timed out waiting for data (have %d of %d bytes)" % (len(self.buf), n))
            except ConnectionResetError:
                self.eof = True
                raise ConnectionClosed("connection reset", reset=True)
            if not chunk:
                self.eof = True
                raise ConnectionClosed("EOF")
            self.buf += chunk

    def recv_frame(self, timeout=3.0):
        """Read exactly one raw frame (no processing)."""
        if self.sock is None:
            raise ConnectionClosed("socket already closed")
        deadline = time.monotonic() + timeout
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        fin = bool(b0 & 0x80)
        rsv = (b0 >> 4) & 7
        opcode = b0 & 0xF
        masked = bool(b1 & 0x80)
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            self._fill(4, deadline)
            n = struct.unpack("!H", self.buf[2:4])[0]
            pos = 4
        elif n == 127:
            self._fill(10, deadline)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            pos = 10
        if masked:
            self._fill(pos + 4, deadline)
            key = self.buf[pos:pos + 4]
            pos += 4
        if n > 1 << 30:
            raise ProtocolError("server frame announces %d bytes" % n)
        self._fill(pos + n, deadline)
        payload = self.buf[pos:pos + n]
        self.buf = self.buf[pos + n:]
        if masked:
            payload = _apply_mask(payload, key)
        return Frame(fin, rsv, opcode, payload, masked)

    def recv_message(self, timeout=3.0):
        """Return the next Message or Close. Pings are answered, pongs recorded.

        Raises RecvTimeout, ConnectionClosed (EOF without close frame) or
        ProtocolError (the server broke RFC 6455).
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            f = self.recv_frame(remaining)
            if f.masked:
                raise ProtocolError("server sent a masked frame: %r" % f)
            if f.rsv:
                raise ProtocolError("server frame with RSV bits %d: %r" % (f.rsv, f))
            if f.opcode >= 8:
                if not f.fin or len(f.payload) > 125:
                    raise ProtocolError("bad control frame %r" % f)
                if f.opcode == OP_PING:
                    if self.auto_pong and not self.close_sent:
                        try:
                            self.send_frame(OP_PONG, f.payload)
                        except OSError:
                            pass
                    continue
                if f.opcode == OP_PONG:
                    self.pongs.append(f.payload)
                    continue
                if f.opcode == OP_CLOSE:
                    code, reason = None, ""
                    if len(f.payload) == 1:
                        raise ProtocolError("close frame with 1-byte body")
                    if len(f.payload) >= 2:
                        code = struct.unpack("!H", f.payload[:2])[0]
                        reason = f.payload[2:].decode("utf-8", "replace")
                    c = Close(code, reason, f.payload)
                    self.close_received = c
                    if not self.close_sent:
                        try:
                            self.send_close(1000 if code is None or code in (1005, 1006) else code)
                        except OSError:
                            pass
                    return c
                raise ProtocolError("server sent reserved control opcode %r" % f)
            if f.opcode == OP_CONT:
                if self._frag_opcode is None:
                    raise ProtocolError("continuation without start: %r" % f)
                self._frag_data += f.payload
                if f.fin:
                    m = Message(self._frag_opcode, self._frag_data)
                    self._frag_opcode, self._frag_data = None, b""
                    return m
                continue
            if f.opcode in (OP_TEXT, OP_BINARY):
                if self._frag_opcode is not None:
                    raise ProtocolError("new data frame inside a fragmented message: %r" % f)
                if f.fin:
                    return Message(f.opcode, f.payload)
                self._frag_opcode, self._frag_data = f.opcode, f.payload
                continue
            raise ProtocolError("server sent reserved opcode %r" % f)

    def recv_json(self, timeout=3.0):
        """Next data message decoded as JSON. It must be a text frame (E-2).

        A close frame raises ServerClosed.
        """
        m = self.recv_message(timeout)
        if m.is_close:
            raise ServerClosed(m)
        if m.opcode != OP_TEXT:
            raise ProtocolError("JSON server frame sent as opcode %d, not text: %r" % (m.opcode, m))
        try:
            text = m.data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("text frame is not UTF-8: %r" % m.data[:200])
        try:
            return json.loads(text)
        except ValueError as e:
            raise ProtocolError("server text frame is not JSON (%s): %r" % (e, text[:300]))

    def wait_close(self, timeout=3.0):
        """Read until the server's close frame or EOF.

        Returns (close, messages): close is a Close, or None when the TCP
        connection ended without a close frame; messages lists the data
        messages (decoded JSON where possible) read before that.
        """
        deadline = time.monotonic() + timeout
        msgs = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RecvTimeout("connection still open after %.1f s; messages read: %r" % (timeout, msgs[:5]))
            try:
                m = self.recv_message(remaining)
            except ConnectionClosed:
                return None, msgs
            if m.is_close:
                return m, msgs
            try:
                msgs.append(json.loads(m.data.decode("utf-8")))
            except ValueError:
                msgs.append(m)
