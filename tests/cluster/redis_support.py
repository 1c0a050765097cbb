"""A redis-server of our own for the cluster tests, and the process helpers
every harness in tests/cluster shares.

RedisServer is one redis-server on a free loopback port, without persistence,
restartable on the same port, with a tiny RESP client (command, scan, keys).
Children started with preexec_fn=die_with_parent get SIGKILL when the test
process dies (PR_SET_PDEATHSIG); install_sigterm_handler() turns SIGTERM into
SystemExit so that clean-ups stop what the tests started. Nothing else is
ever signalled.

Used by test_membership.py (cluster_node harness, also test_tls.py) and
cluster_support.py (real server clusters, test_cluster_routing.py and
test_cluster_failures.py).
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
REDIS = os.environ.get("REDIS_SERVER_BIN") or "/usr/bin/redis-server"


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from node import PortTaken, free_port, hold_port, release_port, scratch_dir  # noqa: E402,F401  (one free-port helper for all tests)


_prctl = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent():
    """Child side of fork: get SIGKILL if the test process dies (PR_SET_PDEATHSIG)."""
    _prctl(1, signal.SIGKILL)


def _on_sigterm(signum, frame):
    raise SystemExit(1)  # run the clean-ups: stop every process we started


def install_sigterm_handler():
    signal.signal(signal.SIGTERM, _on_sigterm)


def timing(what, seconds):
    print("  [timing] %s: %.0f ms" % (what, seconds * 1000), file=sys.stderr, flush=True)


class RedisServer:
    """A redis-server of our own without persistence; restartable on the same port.

    args: extra redis-server arguments for the next start (e.g. --requirepass);
    password: sent with AUTH before every command when set."""

    def __init__(self):
        self.port = free_port()
        self.dir = scratch_dir("sy-cluster-redis-")
        self.proc = None
        self.args = []
        self.password = None

    @property
    def dsn(self):
        return "redis://%s:%d" % (HOST, self.port)

    def start(self, wait=10.0):
        """Start redis-server; on the first start, a port another test's process
        took after free_port() gets a new port, up to 3 times."""
        first = self.proc is None
        for attempt in range(3):
            try:
                return self._start(wait)
            except PortTaken:
                if not first or attempt == 2:
                    raise
                self.port = free_port()

    def _start(self, wait):
        release_port(self.port)
        log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", self.dir] + self.args,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                with open(os.path.join(self.dir, "redis.log"), "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                kind = PortTaken if "Address already in use" in text[-2000:] else AssertionError
                raise kind("redis-server exited with %r at start; log tail:\n%s"
                           % (self.proc.returncode, text[-2000:]))
            try:
                if self.command("PING") == "PONG":
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError("redis-server did not answer PING within %.0f s" % wait)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stop it; its port stays ours for a restart on the same port (hold_port)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        hold_port(self.port)

    def command(self, *args, db=0):
        """One command over RESP (after AUTH and SELECT when needed); returns str, int, None or a list."""
        commands = []
        if self.password:
            commands.append(("AUTH", self.password))
        if db:
            commands.append(("SELECT", str(db)))
        commands.append(args)
        out = b""
        for c in commands:
            out += b"*%d\r\n" % len(c)
            for a in c:
                a = a.encode() if isinstance(a, str) else a
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        with socket.create_connection((HOST, self.port), timeout=2) as s:
            s.sendall(out)
            with s.makefile("rb") as f:
                replies = [read_reply(f) for _ in commands]
        return replies[-1]

    def scan(self, pattern, db=0):
        """Every key matching `pattern` (SCAN, in the order found)."""
        found, cursor = [], "0"
        while True:
            cursor, batch = self.command("SCAN", cursor, "MATCH", pattern, "COUNT", "100", db=db)
            found.extend(batch)
            if cursor == "0":
                return found

    def keys(self, pattern="singyeong:cluster:*", db=0):
        return set(self.scan(pattern, db=db))

    def records(self, cluster):
        """{key: value} of the cluster's membership records (K-3)."""
        return {k: self.command("GET", k) for k in self.scan("singyeong:cluster:%s:node:*" % cluster)}


def read_reply(f):
    """One RESP reply from the binary file `f`; an error reply raises AssertionError."""
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise AssertionError("redis error: " + rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise OSError("bad redis reply %r" % line)
