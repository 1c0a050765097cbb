"""Mutual TLS on node links (CFG-22, K-4) with real processes.

The `openssl` command line makes, in a temporary directory, a cluster CA with
two node certificates and a second, foreign CA with one certificate. The
cluster_node processes (harness of test_membership.py) get the files through
SINGYEONG_CLUSTER_TLS_CA / _CERT / _KEY; the cookie (K-4) still runs on top.
Each test starts its own redis-server; everything started is stopped by PID
at clean-up. The last tests run the real server (SINGYEONG_BIN) for the
configuration checks and a two-node TLS cluster.

Only the dialing side of a failed TLS handshake can log it (CAF drops a failed
accept silently), and the node with the smaller id dials: a bad node gets the
largest id ("f" * 32) where the good nodes must log it.
"""

import os
import shutil
import subprocess
import time
import unittest

from redis_support import HOST, scratch_dir, timing
from test_membership import BIN, ClusterBase  # (also installs the SIGTERM handler)

OPENSSL = shutil.which("openssl")
SINGYEONG_BIN = os.environ.get("SINGYEONG_BIN")
LOW, HIGH = "0" * 32, "f" * 32
SETTLE = 4.0  # how long a bad node is given to (wrongly) become a peer: > 2 s of K-3a, several dials


class Certs:
    """A cluster CA with certificates `node1`, `node2`, and a foreign CA with `foreign`."""

    def __init__(self):
        self.dir = scratch_dir("sy-cluster-tls-")
        self._ca("ca")
        self._ca("foreign-ca")
        self._cert("node1", "ca")
        self._cert("node2", "ca")
        self._cert("foreign", "foreign-ca")

    def path(self, name):
        return os.path.join(self.dir, name)

    def tls(self, name, ca="ca"):
        """(CA file, certificate file, key file) for a node."""
        return self.path(ca + ".pem"), self.path(name + ".pem"), self.path(name + ".key")

    def _run(self, *args):
        subprocess.run([OPENSSL, *args], cwd=self.dir, check=True, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _ca(self, name):
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name)

    def _cert(self, name, ca):
        self._run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
        self._run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                  "-CAcreateserial", "-out", name + ".pem", "-days", "2")

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipIf(OPENSSL is None, "no openssl command line")
class TlsCase(ClusterBase):
    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.certs = Certs()
        timing("certificates made", time.monotonic() - t0)

    @classmethod
    def tearDownClass(cls):
        cls.certs.remove()

    def good(self, cert="node1", **kw):
        return self.node(tls=self.certs.tls(cert), **kw)

    def tls_failures_logged(self, good, bad):
        return [l for l in good.stderr().splitlines() if "failed the TLS handshake" in l and bad.id in l]

    def assert_never_peers(self, goods, bads):
        for bad in bads:
            for good in goods:
                self.assertEqual(bad.count("PEER_UP " + good.id), 0, bad.stderr())
                self.assertEqual(good.count("PEER_UP " + bad.id), 0, good.stderr())

    def assert_links_kept(self, goods):
        """A rejected connection must not drop the healthy links (CAF left OpenSSL's error queue
        filled after a failed handshake: cluster/ssl_queue.cpp)."""
        for good in goods:
            self.assertEqual(good.count("PEER_DOWN"), 0, good.stderr())

    def test_three_tls_nodes_become_peers_within_2s_and_reach_each_other(self):
        """CFG-22, K-3a: certificates from the same CA (two nodes share one: CN is not checked)."""
        nodes = [self.good("node1"), self.good("node2"), self.good("node1")]
        worst = self.assert_peers(nodes, 2.0)
        timing("TLS: slowest PEER_UP after the later node started", worst)
        for a in nodes:
            self.assertIn("mutual TLS", a.stderr())  # logged before the NODE line start() waits for
        self.assert_reach_each_other(nodes)
        self.assertEqual(len(self.redis.keys()), 3)

    def test_node_with_a_foreign_certificate_never_becomes_a_peer_and_is_logged_once(self):
        """CFG-22: a certificate from another CA is rejected as dialer and as responder; the good
        nodes log each such node they dial once, and keep their links."""
        goods = [self.good("node1"), self.good("node2")]
        self.assert_peers(goods, 2.0)
        # Trusts our CA, so only the good side's check can refuse it; the good nodes dial it.
        high = self.node(tls=self.certs.tls("foreign", ca="ca"), node_id=HIGH)
        # Entirely foreign (its CA too); it dials the good nodes.
        low = self.node(tls=self.certs.tls("foreign", ca="foreign-ca"), node_id=LOW)
        time.sleep(SETTLE)
        self.assert_never_peers(goods, [high, low])
        for good in goods:
            self.assertEqual(len(self.tls_failures_logged(good, high)), 1, good.stderr())
        self.assert_links_kept(goods)

    def test_plain_node_never_becomes_a_peer_of_tls_nodes(self):
        """CFG-22: a node without TLS can neither dial TLS nodes nor be dialed by them, and its
        plain messages (PROBE, no handshake) reach nobody."""
        goods = [self.good("node1"), self.good("node2")]
        self.assert_peers(goods, 2.0)
        low = self.node(node_id=LOW, probe=f"{HOST}:{goods[0].port}")
        high = self.node(node_id=HIGH)
        time.sleep(SETTLE)
        self.assert_never_peers(goods, [high, low])
        self.assertEqual(goods[0].count("RECV intruder"), 0)
        self.assert_links_kept(goods)

    def test_invalid_tls_settings_stop_the_node(self):
        """start_cluster: all three files or none, each loadable, the key matching the certificate."""
        ca, cert, key = self.certs.tls("node1")
        _, other_cert, _ = self.certs.tls("node2")
        cases = [
            ({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": cert}, "SINGYEONG_CLUSTER_TLS_KEY"),
            ({"SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_CA"),
            ({"SINGYEONG_CLUSTER_TLS_CA": self.certs.path("missing.pem"), "SINGYEONG_CLUSTER_TLS_CERT": cert,
              "SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_CA"),
            ({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": key,
              "SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_CERT"),
            ({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": other_cert,
              "SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_KEY: cannot use the key"),
        ]
        for tls, expect in cases:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SINGYEONG_", "CLUSTER_"))}
            env.update({"REDIS_DSN": f"redis://{HOST}:{self.redis.port}", "COOKIE": "a-shared-cookie-of-32-bytes",
                        "CLUSTER_BIND": HOST}, **tls)
            r = subprocess.run([BIN], env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 2, (tls, r.stdout, r.stderr))
            self.assertIn(expect, r.stderr.decode(), tls)
            self.assertNotIn(b"NODE ", r.stdout)


@unittest.skipIf(OPENSSL is None, "no openssl command line")
@unittest.skipUnless(SINGYEONG_BIN, "SINGYEONG_BIN is not set")
class ServerTlsCase(unittest.TestCase):
    """The real server: CFG-22 checks in the configuration, and a TLS cluster."""

    @classmethod
    def setUpClass(cls):
        cls.certs = Certs()

    @classmethod
    def tearDownClass(cls):
        cls.certs.remove()

    def run_server(self, tls):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SINGYEONG_") and k != "CLUSTERING"}
        env.update({"CLUSTERING": "true", "REDIS_DSN": f"redis://{HOST}:1", "COOKIE": "a-shared-cookie-of-32-bytes",
                    "SINGYEONG_PLUGINS_DIR": ""}, **tls)
        return subprocess.run([SINGYEONG_BIN], env=env, cwd=self.certs.dir, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10)

    def test_partial_or_unreadable_tls_files_are_a_configuration_error(self):
        """CFG-22: all three or none; a set file must be readable (exit 2, one line naming it)."""
        ca, cert, key = self.certs.tls("node1")
        cases = [
            ({"SINGYEONG_CLUSTER_TLS_CA": ca}, "SINGYEONG_CLUSTER_TLS_CERT, SINGYEONG_CLUSTER_TLS_KEY"),
            ({"SINGYEONG_CLUSTER_TLS_CERT": cert, "SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_CA"),
            ({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": self.certs.path("nope.pem"),
              "SINGYEONG_CLUSTER_TLS_KEY": key}, "SINGYEONG_CLUSTER_TLS_CERT="),
            ({"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": cert,
              "SINGYEONG_CLUSTER_TLS_KEY": self.certs.dir}, "SINGYEONG_CLUSTER_TLS_KEY="),
        ]
        for tls, expect in cases:
            r = self.run_server(tls)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 2, (tls, err))
            self.assertIn("configuration error", err, tls)
            self.assertIn(expect, err, tls)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_two_servers_with_tls_become_peers(self):
        """CFG-22 through main: configure() gets the files, the nodes join within 2 s (K-3a)."""
        import cluster_support  # noqa: E402  (tests/e2e helpers; only here)

        ca, cert, key = self.certs.tls("node1")
        settings = {"SINGYEONG_CLUSTER_TLS_CA": ca, "SINGYEONG_CLUSTER_TLS_CERT": cert,
                    "SINGYEONG_CLUSTER_TLS_KEY": key}
        name = "tls-%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
        cluster = cluster_support.Cluster(name, size=2, settings=settings)
        try:
            cluster.start()
            worst = cluster.wait_peers(cluster.nodes, 2.0)
            timing("TLS, real server: slowest peer up after the later node started", worst)
            for n in cluster.nodes:
                self.assertTrue(n.find("mutual TLS"), n.tail())
        except BaseException:
            cluster.kill_all()
            raise
        cluster.stop()


if __name__ == "__main__":
    unittest.main()
