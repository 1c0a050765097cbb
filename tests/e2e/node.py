"""Start and stop the singyeong server binary for black-box tests."""

import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import wsclient


def scratch_dir(prefix):
    """A new temporary directory (server logs, certificates), removed when
    this test process exits; kept when SY_KEEP_TEST_DIRS is set."""
    d = tempfile.mkdtemp(prefix=prefix)
    if not os.environ.get("SY_KEEP_TEST_DIRS"):
        atexit.register(shutil.rmtree, d, True)
    return d

DEFAULT_BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "singyeong")
HOST = "127.0.0.1"

# Variables that configure the server (spec section 16). They are removed from
# the inherited environment so that only what a test sets reaches the server.
_CONFIG_NAMES = ("PORT", "AUTH", "CLUSTERING", "REDIS_DSN", "COOKIE")


def binary():
    return os.environ.get("SINGYEONG_BIN") or os.path.normpath(DEFAULT_BIN)


def clean_env():
    env = {}
    for k, v in os.environ.items():
        if k in _CONFIG_NAMES or k.startswith("SINGYEONG_"):
            continue
        env[k] = v
    return env


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


_handed_out = set()
_rng = random.Random(os.getpid() ^ int(time.time() * 1000))


def free_port():
    """A loopback port nobody listens on, for a server a test starts.

    Not one the kernel picked with bind(port 0): those come from the ephemeral
    range, from which every outgoing connection of every test running in
    parallel also takes its local port, so one could be taken between our
    check and the server's listen (CI saw it). The port is a random one below
    the ephemeral range instead, checked by binding it, and never handed out
    twice by one test process."""
    lo, _ = _ephemeral_range()
    top = lo - 1 if lo > 12000 else 65535
    bottom = 10000 if lo > 12000 else 61000
    for _ in range(500):
        port = _rng.randint(bottom, top)
        if port in _handed_out:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((HOST, port))
        except OSError:
            continue
        finally:
            s.close()
        _handed_out.add(port)
        return port
    raise AssertionError("no free loopback port in %d-%d after 500 tries" % (bottom, top))


def listens(log, port):
    """Whether a server log says that the server listens on `port` (net/server's line)."""
    return ("listening port=%d " % port) in log


_held = {}


def hold_port(port):
    """Keep a stopped server's port bound (not listening) until release_port, so that no other test's
    process picks it with free_port (whose bind then fails) before the server restarts on it."""
    if port in _held:
        return
    if len(_held) >= 64:  # (the oldest hold goes: a test process keeps at most 64 sockets for this)
        release_port(next(iter(_held)))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (despite the old connections' TIME_WAIT)
    try:
        s.bind((HOST, port))
    except OSError:
        s.close()
        return
    _held[port] = s


def release_port(port):
    s = _held.pop(port, None)
    if s is not None:
        s.close()


def port_open(port, timeout=0.2):
    try:
        s = socket.create_connection((HOST, port), timeout=timeout)
    except OSError:
        return False
    s.close()
    return True


# What the server logs when it cannot listen on a port (net/listener.cpp,
# cluster/node.cpp).
PORT_TAKEN = "cannot listen on"


class PortTaken(AssertionError):
    """The server could not listen on a port the test chose for it."""


class Node:
    """One running server process.

    settings: extra environment variables (values converted with str()).
    args: extra command-line arguments.
    """

    def __init__(self, settings=None, args=(), port=None, start=True, base_env=True):
        self.own_port = port is None and base_env and "PORT" not in (settings or {})
        self.port = port or free_port()
        self.env = clean_env()
        if base_env:
            self.env.update({
                "PORT": str(self.port),
                "SINGYEONG_BIND": HOST,
                "SINGYEONG_LOG_LEVEL": "debug",
            })
        for k, v in (settings or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        self.args = list(args)
        self.proc = None
        self.workdir = scratch_dir("sy-e2e-")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.returncode = None
        if start:
            self.start()

    def start(self, wait=10.0):
        """Start the process; a port we chose that another test's process took
        before the server listened is replaced, up to 3 times."""
        for attempt in range(3):
            try:
                return self._start(wait)
            except PortTaken:
                if not self.own_port or attempt == 2:
                    raise
                self.port = free_port()
                self.env["PORT"] = str(self.port)

    def _start(self, wait):
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary()] + self.args, env=self.env, cwd=self.workdir,
                                     stdin=subprocess.DEVNULL, stdout=self._logf,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._logf.close()
                kind = PortTaken if PORT_TAKEN in self.log else AssertionError
                raise kind("server exited with %r during start-up; log:\n%s"
                           % (self.proc.returncode, self.log[-4000:]))
            if port_open(self.port) and self._listening():
                return self
            time.sleep(0.05)
        self.kill()
        raise AssertionError("server did not accept TCP on port %d within %.0f s; log:\n%s"
                             % (self.port, wait, self.log[-4000:]))

    def _listening(self):
        """Our own server listens on the port (its log says so), not another test's process that
        took the port first (CI saw a cluster node's BASP port answer), as far as the log level tells."""
        level = self.env.get("SINGYEONG_LOG_LEVEL", "info")
        for i, a in enumerate(self.args):
            if a == "--log-level" and i + 1 < len(self.args):
                level = self.args[i + 1]
            elif a.startswith("--log-level="):
                level = a.split("=", 1)[1]
        if level in ("warn", "error"):
            return True
        return listens(self.log, self.port)

    @property
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self):
        """Send SIGTERM without waiting."""
        self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout=5.0):
        """Wait for the process to exit; return its code, or None (then kill it)."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            if self.proc.poll() is not None:
                self._logf.close()
        return self.returncode

    def stop(self, timeout=5.0):
        """SIGTERM; assert exit code 0 within `timeout` seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            code = self.proc.returncode
            self._logf.close()
            raise AssertionError("server had already exited with %r; log tail:\n%s"
                                 % (code, self.log[-4000:]))
        self.terminate()
        code = self.wait_exit(timeout)
        if code is None:
            raise AssertionError("server did not exit within %.0f s of SIGTERM (killed); log tail:\n%s"
                                 % (timeout, self.log[-4000:]))
        if code != 0:
            raise AssertionError("server exited with %r after SIGTERM (want 0); log tail:\n%s"
                                 % (code, self.log[-4000:]))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        try:
            self._logf.close()
        except Exception:
            pass

    # -- clients ----------------------------------------------------------
    def ws(self, path="/gateway/websocket", **kw):
        return wsclient.WSClient(HOST, self.port, path=path, **kw)

    def http_get(self, path, headers=None):
        return wsclient.http_get(HOST, self.port, path, headers=headers)

    def upgrade_status(self, path, headers=None):
        return wsclient.upgrade_status(HOST, self.port, path, headers=headers)


def run(args=(), settings=None, timeout=5.0, base_env=True):
    """Run the binary to completion; return (exit code, stderr text, stdout text).

    With base_env, PORT (a free port), SINGYEONG_BIND and SINGYEONG_LOG_LEVEL
    are set first so that a binary that wrongly starts serving does not clash
    with anything. A process still running after `timeout` is killed and
    reported as an AssertionError.
    """
    env = clean_env()
    if base_env:
        env.update({"PORT": str(free_port()), "SINGYEONG_BIND": HOST, "SINGYEONG_LOG_LEVEL": "debug"})
    for k, v in (settings or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    workdir = scratch_dir("sy-e2e-run-")
    proc = subprocess.Popen([binary()] + list(args), env=env, cwd=workdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError("%r still running after %.0f s (killed); stderr:\n%s"
                             % (list(args), timeout, err.decode("utf-8", "replace")[-3000:]))
    return proc.returncode, err.decode("utf-8", "replace"), out.decode("utf-8", "replace")
