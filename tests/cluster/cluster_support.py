"""Real clusters of the real server for black-box tests (spec section 14, K-*).

A Cluster is one redis-server of our own (redis_support.RedisServer: free
loopback port, no persistence) and N singyeong nodes (SINGYEONG_BIN,
CLUSTERING=true) on loopback. Nodes log to a file per boot; the tests read
"cluster node=<id>", "peer up node=<id>" and "peer down node=<id>" lines from
it, with the time stamp the server put on each line.

Everything started here is stopped here: SIGTERM (exit status 0 expected
within 5 s) in Cluster.stop(), SIGKILL on failure paths, and every child
gets SIGKILL if the test process dies (PR_SET_PDEATHSIG). Nothing else is
ever signalled.

ClusterCase is routing_support.RoutingCase (tests/e2e) over a cluster:
cls.nodes (cls.a, cls.b, cls.c, ...) instead of one cls.node.
"""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.normpath(os.path.join(HERE, "..", "e2e"))
if E2E not in sys.path:
    sys.path.insert(0, E2E)

import node as e2e_node  # noqa: E402  (tests/e2e)
import routing_support  # noqa: E402
import wsclient  # noqa: E402
from harness import RECV  # noqa: E402
from redis_support import HOST, die_with_parent, free_port, install_sigterm_handler, timing  # noqa: E402
from redis_support import RedisServer as Redis  # noqa: E402

COOKIE = "cluster-routing-cookie-0123456789"
WRONG_COOKIE = "another-cookie-not-the-cluster-s"
NO_CLUSTERING = "clustering is not part of this build"

# Class-level clients live for a whole class: a long heartbeat interval keeps
# them clear of the L-13 deadline without heartbeating.
SETTINGS = dict(routing_support.SETTINGS, SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS=500)

JOIN_WITHIN = 5.0      # set-up: every node sees every other (K-3a says 2 s)
STOP_WITHIN = 5.0


def binary():
    return e2e_node.binary()


class ClusteringMissing(AssertionError):
    pass


PortTaken = e2e_node.PortTaken


# -- one node ------------------------------------------------------------------
_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z\s")
_ID = re.compile(r"cluster node=(\S+)")
_LEVEL = re.compile(r"^\S+\s+(ERROR|WARN|INFO|DEBUG|TRACE)\b", re.I)


def line_time(line):
    """Wall-clock time (seconds since the epoch) of a server log line, or None."""
    m = _TS.match(line)
    if not m:
        return None
    s = m.group(1)
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(s, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()


def line_level(line):
    m = _LEVEL.match(line)
    return m.group(1).upper() if m else None


class ClusterNode:
    """One singyeong process with clustering on. Restartable with the same
    ports (a new boot has a new node id and a new log file)."""

    def __init__(self, redis, cluster_name, cookie=COOKIE, settings=None, label="?"):
        self.redis = redis
        self.label = label
        self.port = free_port()
        self.cluster_port = free_port()
        self.env = e2e_node.clean_env()
        self.env.update({
            "PORT": str(self.port),
            "SINGYEONG_BIND": HOST,
            "SINGYEONG_LOG_LEVEL": "debug",
            "SINGYEONG_PLUGINS_DIR": "",
            "CLUSTERING": "true",
            "REDIS_DSN": redis.dsn,
            "COOKIE": cookie,
            "SINGYEONG_CLUSTER_PORT": str(self.cluster_port),
            "SINGYEONG_CLUSTER_BIND": HOST,
            "SINGYEONG_CLUSTER_NAME": cluster_name,
        })
        for k, v in (settings or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        self.workdir = e2e_node.scratch_dir("sy-cluster-%s-" % label)
        self.proc = None
        self.id = None
        self.boots = 0
        self.log_path = None
        self.started = None        # time.time() when the current boot was started
        self.returncode = None

    def __repr__(self):
        return "node %s (id %s, port %d)" % (self.label, self.id, self.port)

    def start(self, wait=10.0):
        """Start a boot; on the first, a port taken between free_port() and the
        server's listen (another test's process) gets new ports, up to 3 times."""
        for attempt in range(3):
            try:
                return self._start(wait)
            except PortTaken:
                if self.boots > 1 or attempt == 2:
                    raise
                self.boots -= 1
                self.port = free_port()
                self.cluster_port = free_port()
                self.env["PORT"] = str(self.port)
                self.env["SINGYEONG_CLUSTER_PORT"] = str(self.cluster_port)

    def _start(self, wait):
        self.boots += 1
        self.id = None
        self.log_path = os.path.join(self.workdir, "server-%d.log" % self.boots)
        e2e_node.release_port(self.port)
        e2e_node.release_port(self.cluster_port)
        logf = open(self.log_path, "wb")
        self.started = time.time()
        self.proc = subprocess.Popen([binary()], env=self.env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=logf, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        logf.close()
        deadline = time.monotonic() + wait
        while True:
            log = self.log
            if NO_CLUSTERING in log:
                self.kill()
                raise ClusteringMissing("%s (%s): %r" % (binary(), NO_CLUSTERING, log[-2000:]))
            if self.proc.poll() is not None:
                kind = PortTaken if e2e_node.PORT_TAKEN in log else AssertionError
                raise kind("%r exited with %r during start-up; log:\n%s"
                           % (self, self.proc.returncode, log[-4000:]))
            if self.id is None:
                m = _ID.search(log)
                if m:
                    self.id = m.group(1)
            # (its own "listening" line: an open port may be another test's process that took it first)
            if self.id is not None and e2e_node.listens(log, self.port) and e2e_node.port_open(self.port):
                return self
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("%r: no 'cluster node=<id>' line and open port within %.0f s; log:\n%s"
                                     % (self, wait, log[-4000:]))
            time.sleep(0.03)

    # -- logs ---------------------------------------------------------------
    @property
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def lines(self):
        return self.log.splitlines()

    def tail(self, n=40):
        return "\n".join(self.lines()[-n:])

    def find(self, needle, since=None):
        """Lines containing `needle` (stamped at or after `since`, wall clock)."""
        out = []
        for line in self.lines():
            if needle in line:
                t = line_time(line)
                if since is None or t is None or t >= since - 0.005:
                    out.append(line)
        return out

    def wait_line(self, needle, timeout, since=None):
        """The first line containing `needle` (see find); returns (line, seconds
        from `since` to the line's own time stamp)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.find(needle, since)
            if got:
                t = line_time(got[0])
                ref = since if since is not None else self.started
                return got[0], (t if t is not None else time.time()) - ref
            if time.monotonic() > deadline:
                raise AssertionError("%r: no log line with %r within %.1f s; log tail:\n%s"
                                     % (self, needle, timeout, self.tail()))
            time.sleep(0.02)

    def peers_up(self):
        """Node ids this boot currently logs as peers (up minus later down)."""
        up = set()
        for line in self.lines():
            m = re.search(r"peer (up|down) node=(\S+)", line)
            if m:
                (up.add if m.group(1) == "up" else up.discard)(m.group(2))
        return up

    # -- process --------------------------------------------------------------
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL; its ports stay ours for a restart on them (hold_port)."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(5)
        self._term_sent = False
        e2e_node.hold_port(self.port)
        e2e_node.hold_port(self.cluster_port)

    kill = kill9

    def terminate(self):
        """SIGTERM without waiting (stop() then checks the exit)."""
        if self.alive() and not getattr(self, "_term_sent", False):
            self.proc.send_signal(signal.SIGTERM)
            self._term_sent = True

    def stop(self, timeout=STOP_WITHIN):
        """SIGTERM; assert exit status 0 within `timeout` (else SIGKILL and fail)."""
        if self.proc is None:
            return
        if self.proc.poll() is not None and not getattr(self, "_term_sent", False):
            code = self.proc.returncode
            self.proc = None
            if code == -signal.SIGKILL:
                return  # killed by the test itself
            raise AssertionError("%r had already exited with %r; log tail:\n%s" % (self, code, self.tail()))
        self.terminate()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None
            raise AssertionError("%r did not exit within %.0f s of SIGTERM (killed); log tail:\n%s"
                                 % (self, timeout, self.tail()))
        self.proc = None
        self._term_sent = False
        self.returncode = code
        if code != 0:
            raise AssertionError("%r exited with %r after SIGTERM (want 0); log tail:\n%s"
                                 % (self, code, self.tail()))

    # -- clients ----------------------------------------------------------------
    def ws(self, path="/gateway/websocket", **kw):
        return wsclient.WSClient(HOST, self.port, path=path, **kw)

    def http(self, method, path, headers=None, body=b"", timeout=10.0):
        return wsclient.http_request(HOST, self.port, method, path, headers=headers, body=body, timeout=timeout)


# -- a cluster -------------------------------------------------------------------
class Cluster:
    def __init__(self, name, size=3, settings=None):
        self.name = name
        self.settings = dict(SETTINGS, **(settings or {}))
        self.redis = Redis()
        self.nodes = []
        self.size = size

    def add_node(self, cookie=COOKIE, start=True, label=None):
        n = ClusterNode(self.redis, self.name, cookie=cookie, settings=self.settings,
                        label=label or "ABCDEFGHIJ"[len(self.nodes)])
        self.nodes.append(n)
        if start:
            n.start()
        return n

    def start(self):
        self.redis.start()
        for _ in range(self.size):
            self.add_node()
        self.wait_peers(self.nodes, JOIN_WITHIN)
        return self

    def wait_peers(self, nodes, within, since=None, new=None):
        """Every node in `nodes` logs "peer up node=<id>" for every other one
        (only pairs with `new` when given), stamped within `within` s of
        `since` (default: the later start of the two). Returns the slowest."""
        worst = 0.0
        for a in nodes:
            for b in nodes:
                if a is b or (new is not None and new not in (a, b)):
                    continue
                ref = since if since is not None else max(a.started, b.started)
                _, took = a.wait_line("peer up node=%s" % b.id, within + 2.0, since=ref)
                if took > within:
                    raise AssertionError("%r logged peer up for %r %.2f s after %s (bound %.1f s); log tail:\n%s"
                                         % (a, b, took, "the reference" if since else "both had started",
                                            within, a.tail()))
                worst = max(worst, took)
        return worst

    def kill_all(self):
        for n in self.nodes:
            try:
                n.kill9()
            except Exception:  # noqa: BLE001 - best effort on a failure path
                pass
        self.redis.stop()

    def stop(self):
        """SIGTERM every node (exit 0 within 5 s each), then Redis. Raises the
        collected failures after everything was stopped."""
        errors = []
        for n in self.nodes:
            n.terminate()
        for n in self.nodes:
            try:
                n.stop()
            except AssertionError as exc:
                errors.append(str(exc))
            except Exception as exc:  # noqa: BLE001
                errors.append("%r: %r" % (n, exc))
        self.redis.stop()
        if errors:
            raise AssertionError("\n\n".join(errors))


# -- unittest base -----------------------------------------------------------------
class ClusterCase(routing_support.RoutingCase):
    """RoutingCase over a cluster of NODES nodes shared by the class's tests."""

    NODES = 3
    SETTINGS = SETTINGS

    @classmethod
    def setUpClass(cls):
        name = "%s-%d-%d" % (cls.__name__, os.getpid(), int(time.time() * 1000) % 1000000)
        cls.cluster = Cluster(name, size=cls.NODES, settings=cls.SETTINGS)
        cls._class_clients = []
        try:
            cls.cluster.start()
            cls.nodes = list(cls.cluster.nodes)
            cls.a, cls.b, cls.c = cls.nodes[:3]
            cls.node = cls.a
            cls.setUpClients()
        except BaseException:
            cls._close_class_clients()
            cls.cluster.kill_all()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._close_class_clients()
        cls.cluster.stop()

    @classmethod
    def open_on(cls, n, specs):
        """Class-level clients on node n (pipelined identify)."""
        return _open_clients_at(n, specs, cls._class_clients)

    # -- per-test clients ---------------------------------------------------------
    def on(self, n, app, cid, **fields):
        """Connect to node n and identify (exact hello and ready checked)."""
        ws = self.connect(node_=n)
        ws = self.identify(client_id=cid, app=app, ws=ws, **fields)
        ws.at = n
        return ws

    def many_on(self, n, specs):
        return _open_clients_at(n, specs, self._clients)

    def http_query(self, n, query, want_status=200):
        status, h, body = n.http("POST", "/api/v1/query", headers={"Content-Type": "application/json"},
                                 body=json.dumps(query, separators=(",", ":")).encode("utf-8"))
        self.assertEqual(status, want_status, "POST /api/v1/query on %r: %r %r" % (n, status, body[:300]))
        return _json(self, body)

    def assert_alive(self, *nodes):
        for n in nodes or self.nodes:
            self.assertTrue(n.alive(), "%r died; log tail:\n%s" % (n, n.tail()))


def _open_clients_at(n, specs, owned):
    """routing_support.open_clients on node n, each marked with ws.at = n and added to `owned`."""
    clients = routing_support.open_clients(n, specs)
    owned.extend(clients)
    for ws in clients:
        ws.at = n
    return clients


def _json(case, body):
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError as exc:
        case.fail("body is not JSON (%s): %r" % (exc, body[:300]))


__all__ = ["COOKIE", "WRONG_COOKIE", "Cluster", "ClusterCase", "ClusterNode", "ClusteringMissing", "RECV",
           "Redis", "SETTINGS", "install_sigterm_handler", "line_level", "line_time", "timing"]
