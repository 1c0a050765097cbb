"""Cluster membership and peer links with real processes (K-2…K-4, K-3a, K-7b).

Each test starts its own redis-server on a free loopback port and several
`cluster_node` processes (tests/cluster/cluster_node.cpp), which print
`NODE <id> <port>`, `PEER_UP <id>`, `PEER_DOWN <id>` and `RECV <text>` lines.
Everything a test starts is stopped by the test, also when it fails; nothing
else is ever signalled. Measured timings are printed to stderr. test_tls.py
reuses the harness (Node with `tls=`, ClusterBase); the redis-server and the
process helpers are redis_support.py's.
"""

import os
import signal
import subprocess
import threading
import time
import unittest

from redis_support import (HOST, RedisServer, die_with_parent, free_port, hold_port, install_sigterm_handler,
                           release_port, scratch_dir, timing)

COOKIE = "a-shared-cookie-of-32-bytes-long"
WRONG_COOKIE = "another-cookie-of-32-bytes-long!"
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("CLUSTER_NODE_BIN") or os.path.join(
    HERE, "..", "..", "build-cluster", "tests", "cluster", "cluster_node")


class Node:
    """One cluster_node process; its stdout lines are collected with their time."""

    def __init__(self, redis_port, cookie=COOKIE, port=None, node_id=None, probe=None, dsn=None, tls=None):
        self.dsn = dsn or f"redis://{HOST}:{redis_port}"
        self.cookie = cookie
        self.own_port = port is None  # chosen here: replaced if another test's process takes it first
        self.port = port or free_port()
        self.node_id = node_id
        self.probe = probe
        self.tls = tls  # None (plain BASP) or (CA file, certificate file, key file): CFG-22
        self.dir = scratch_dir("sy-cluster-node-")
        self.proc = None
        self.id = None
        self.started = None
        self.lines = []  # (monotonic time, line)
        self.cond = threading.Condition()

    def start(self):
        """Start the process; a port chosen here that another test's process took
        before the node listened is replaced, up to 3 times."""
        for attempt in range(3):
            try:
                return self._start()
            except AssertionError:
                if not (self.own_port and self.id is None and "cannot listen" in self.stderr() and attempt < 2):
                    raise
                self._reap()
                self.port = free_port()

    def _start(self):
        release_port(self.port)
        env = {k: v for k, v in os.environ.items()
               if k not in ("REDIS_DSN", "COOKIE", "NODE_ID", "PROBE") and not k.startswith("CLUSTER_")
               and not k.startswith("SINGYEONG_CLUSTER_TLS_")}
        env.update({
            "REDIS_DSN": self.dsn,
            "COOKIE": self.cookie,
            "CLUSTER_PORT": str(self.port),
            "CLUSTER_BIND": HOST,
            "LOG_LEVEL": "info",
        })
        if self.node_id:
            env["NODE_ID"] = self.node_id
        if self.probe:
            env["PROBE"] = self.probe
        if self.tls:
            ca, cert, key = self.tls
            env.update({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": cert,
                        "SINGYEONG_CLUSTER_TLS_KEY": key})
        with self.cond:
            self.lines = []
        self.stderr_path = os.path.join(self.dir, f"node-{time.monotonic_ns()}.err")
        err = open(self.stderr_path, "wb")
        self.started = time.monotonic()  # K-3a counts from the start of the process
        self.proc = subprocess.Popen([BIN], env=env, stdout=subprocess.PIPE, stderr=err,
                                     preexec_fn=die_with_parent)
        err.close()
        self.reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 10
        while True:  # (a node that exits at once, say on a taken port, is not waited for)
            try:
                line = self.wait_for("NODE ", 0.2)
                break
            except AssertionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise
        _, self.id, port = line.split()
        assert int(port) == self.port
        return self

    def _read(self, proc):
        for raw in proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), raw.decode().strip()))
                self.cond.notify_all()

    def wait_for(self, prefix, timeout, after=0.0):
        """The first line starting with `prefix` seen at or after `after`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if t >= after and line.startswith(prefix):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no '{prefix}' within {timeout} s; got {[l for _, l in self.lines]}\n"
                                         f"stderr: {self.stderr()}")
                self.cond.wait(left)

    def arrival(self, prefix, timeout, after=0.0):
        """Waits for `prefix` (after `after`) and returns when it was printed."""
        self.wait_for(prefix, timeout, after)
        with self.cond:
            return next(t for t, line in self.lines if t >= after and line.startswith(prefix))

    def count(self, prefix):
        with self.cond:
            return sum(1 for _, line in self.lines if line.startswith(prefix))

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def send(self, sig):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill9(self):
        """SIGKILL; its port stays ours for a restart on it (hold_port)."""
        self.send(signal.SIGKILL)
        self._reap()
        hold_port(self.port)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.send(signal.SIGCONT)
            self.send(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def _reap(self):
        self.proc.wait()
        self.reader.join(2)
        self.proc.stdout.close()


class ClusterBase(unittest.TestCase):
    """Per test: a redis-server of our own; node() starts a Node stopped at clean-up."""

    def setUp(self):
        self.redis = RedisServer()
        self.addCleanup(self.redis.stop)
        self.redis.start()

    def node(self, **kw):
        n = Node(self.redis.port, **kw)
        self.addCleanup(n.stop)
        return n.start()

    def assert_peers(self, nodes, within, since=None, new=None):
        """Every node prints PEER_UP for every other within `within` s (counted from `since`, or
        from the later start of the two); with `new`, only pairs that include `new` are checked.
        Returns the slowest time."""
        worst = 0.0
        for a in nodes:
            for b in nodes:
                if a is b or (new is not None and new not in (a, b)):
                    continue
                start = since if since is not None else max(a.started, b.started)
                t = a.arrival("PEER_UP " + b.id, within + 1, after=start)
                self.assertLessEqual(t - start, within, f"{a.id} saw {b.id} after {t - start:.2f} s")
                worst = max(worst, t - start)
        return worst

    def assert_reach_each_other(self, nodes):
        """Every node gets every other's ping and the pong to its own (the endpoint delegates a
        peer's messages), and logs no REPLY_ERROR."""
        for a in nodes:
            for b in nodes:
                if a is not b:
                    a.wait_for("RECV ping from " + b.id, 2)
                    a.wait_for(f"REPLY pong from {b.id} to {a.id}", 2)
            self.assertEqual(a.count("REPLY_ERROR"), 0)


class ClusterTest(ClusterBase):
    def test_three_nodes_become_peers_within_2s_and_reach_each_other(self):
        """K-3a: a new node is a peer of every other within 2 s; the endpoint delegates a peer's messages."""
        nodes = [self.node() for _ in range(3)]
        timing("slowest PEER_UP after the later node started", self.assert_peers(nodes, 2.0))
        self.assert_reach_each_other(nodes)
        self.assertEqual(len(self.redis.keys()), 3)

    def test_password_and_database_of_the_dsn_are_used(self):
        """K-2: redis://:password@host:port/db authenticates and selects the database."""
        self.redis.stop()
        self.redis.args = ["--requirepass", "s3cret"]
        self.redis.password = "s3cret"
        self.redis.start()
        dsn = f"redis://:s3cret@{HOST}:{self.redis.port}/3"
        a, b = self.node(dsn=dsn), self.node(dsn=dsn)
        self.assert_peers([a, b], 2.0)
        self.assertEqual(len(self.redis.keys(db=3)), 2)
        self.assertEqual(len(self.redis.keys(db=0)), 0)

    def test_kill9_peer_is_dropped_within_2s_and_rejoins_within_3s(self):
        """K-3, K-3a: a dead peer is dropped at once; restarted, it is a peer again within 3 s."""
        a, b, c = (self.node() for _ in range(3))
        self.assert_peers([a, b, c], 2.0)
        t0 = time.monotonic()
        c.kill9()
        for n in (a, b):
            t = n.arrival("PEER_DOWN " + c.id, 3, after=t0)
            self.assertLessEqual(t - t0, 2.0)
            timing("PEER_DOWN after kill -9", t - t0)
        old_id = c.id
        c.start()  # same cluster port, new id
        self.assertNotEqual(c.id, old_id)
        timing("slowest PEER_UP after restart", self.assert_peers([a, b, c], 3.0, since=c.started, new=c))
        self.assertEqual(a.count("PEER_UP " + old_id), 1)

    def test_hung_peer_is_dropped_within_2s_and_rejoins_when_it_resumes(self):
        """K-3a: a SIGSTOPped peer is dropped by link heartbeats within 2 s, and rejoins after SIGCONT."""
        a, b, c = (self.node() for _ in range(3))
        self.assert_peers([a, b, c], 2.0)
        t0 = time.monotonic()
        c.send(signal.SIGSTOP)
        for n in (a, b):
            t = n.arrival("PEER_DOWN " + c.id, 4, after=t0)
            timing("PEER_DOWN after SIGSTOP", t - t0)
            self.assertLessEqual(t - t0, 2.0)
        t1 = time.monotonic()
        c.send(signal.SIGCONT)
        for n in (a, b):
            t = n.arrival("PEER_UP " + c.id, 5, after=t1)
            timing("PEER_UP after SIGCONT", t - t1)
            self.assertLessEqual(t - t1, 3.0)
        self.assertEqual(a.count("PEER_DOWN " + b.id), 0)

    def test_wrong_cookie_node_never_becomes_a_peer_and_is_logged_once(self):
        """K-4, K-7b: both as dialer (smallest id) and as responder (largest id), a node with
        another cookie never becomes a peer; its messages are dropped; the good nodes log it once."""
        a, b = self.node(), self.node()
        self.assert_peers([a, b], 2.0)
        low = self.node(cookie=WRONG_COOKIE, node_id="0" * 32, probe=f"{HOST}:{a.port}")
        high = self.node(cookie=WRONG_COOKIE, node_id="f" * 32)
        time.sleep(5)
        for bad in (low, high):
            for good in (a, b):
                self.assertEqual(bad.count("PEER_UP " + good.id), 0, bad.stderr())
                self.assertEqual(good.count("PEER_UP " + bad.id), 0)
                logged = [l for l in good.stderr().splitlines() if "failed the cookie check" in l and bad.id in l]
                self.assertEqual(len(logged), 1, good.stderr())
        self.assertEqual(a.count("RECV intruder"), 0)
        dropped = [l for l in a.stderr().splitlines() if "dropping messages from node" in l]
        self.assertEqual(len(dropped), 1, a.stderr())
        self.assertEqual(a.count("PEER_DOWN"), 0)

    def test_redis_outage_keeps_peers_and_membership_resumes(self):
        """K-3: Redis down keeps current peers and is logged once; when it returns a new node joins."""
        nodes = [self.node() for _ in range(3)]
        self.assert_peers(nodes, 2.0)
        self.redis.stop()
        time.sleep(6)
        for n in nodes:
            self.assertEqual(n.count("PEER_DOWN"), 0, n.stderr())
            outage = [l for l in n.stderr().splitlines() if "is unreachable" in l]
            self.assertEqual(len(outage), 1, n.stderr())
        t0 = time.monotonic()
        self.redis.start()  # same port, empty
        d = self.node()
        worst = self.assert_peers(nodes + [d], 10.0, since=t0, new=d)
        timing("slowest PEER_UP of the new node after Redis returned", worst)
        for n in nodes:
            self.assertIn("reachable again", n.stderr())
            self.assertEqual(n.count("PEER_DOWN"), 0)

    def test_clean_shutdown_deletes_the_record_first(self):
        """K-3: on a clean shutdown a node deletes its record; its peers drop it at once."""
        a, b = self.node(), self.node()
        self.assert_peers([a, b], 2.0)
        key = f"singyeong:cluster:default:node:{b.id}"
        self.assertIn(key, self.redis.keys())
        t0 = time.monotonic()
        b.send(signal.SIGTERM)
        self.assertEqual(b.proc.wait(5), 0)
        b.wait_for("STOPPED", 1)
        self.assertNotIn(key, self.redis.keys())
        t = a.arrival("PEER_DOWN " + b.id, 2, after=t0)
        timing("PEER_DOWN after SIGTERM", t - t0)


install_sigterm_handler()

if __name__ == "__main__":
    unittest.main()
