"""Configuration: spec section 16 (CFG) - environment, config file, flags."""

import os
import shutil
import time
import unittest

import node
from harness import RECV, uid

ALL_VARIABLES = [
    "PORT", "AUTH", "SINGYEONG_HEARTBEAT_INTERVAL_MS", "SINGYEONG_IDLE_TIMEOUT_MS",
    "SINGYEONG_MAX_FRAME_BYTES", "SINGYEONG_QUEUE_ACK_TIMEOUT_MS", "SINGYEONG_QUEUE_DLQ_TIME_MS",
    "SINGYEONG_QUEUE_GC_INTERVAL_MS", "SINGYEONG_PROXY_TIMEOUT_MS", "SINGYEONG_BIND", "CLUSTERING",
    "REDIS_DSN", "COOKIE", "SINGYEONG_CLUSTER_PORT", "SINGYEONG_CLUSTER_BIND", "SINGYEONG_CLUSTER_HOST",
    "SINGYEONG_CLUSTER_NAME", "SINGYEONG_CLUSTER_QUERY_TIMEOUT_MS", "SINGYEONG_PLUGINS_DIR",
    "SINGYEONG_LOG_LEVEL", "SINGYEONG_MAX_OUTBOUND_BYTES", "SINGYEONG_HTTP_MAX_BODY_BYTES",
    "SINGYEONG_CLUSTER_TLS_CA", "SINGYEONG_CLUSTER_TLS_CERT", "SINGYEONG_CLUSTER_TLS_KEY",
    "SINGYEONG_METRICS_PER_APP", "SINGYEONG_IO_SPIN_US", "SINGYEONG_SCHEDULER",
    "SINGYEONG_WORKER_BATCH", "SINGYEONG_WORKER_SPIN_US",
]


def cpu_seconds(pid):
    """User plus system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def to_k(k):
    """The query for the member of application `app` whose metadata `k` is `k`."""
    return {"application": "app", "ops": [{"path": "/k", "op": "$eq", "to": {"value": k}}]}


def identified_pair(test, n):
    """Two clients of application `app`, identified with metadata k = 1 (rx) and 2 (tx)."""
    rx, tx = n.ws(), n.ws()
    for ws, cid, k in ((rx, "rx", 1), (tx, "tx", 2)):
        test.assertEqual(ws.recv_json(RECV)["op"], 0)
        ws.send_json({"op": 1, "d": {"client_id": cid, "application_id": "app", "metadata": {
            "k": {"type": "integer", "value": k}}}})
        test.assertEqual(ws.recv_json(RECV)["op"], 2)
    return rx, tx


def hello_interval(n):
    ws = n.ws()
    try:
        hello = ws.recv_json(RECV)
        assert hello["op"] == 0, hello
        return hello["d"]["heartbeat_interval"]
    finally:
        ws.abort()


def identify_restricted(n, **fields):
    ws = n.ws()
    try:
        assert ws.recv_json(RECV)["op"] == 0
        d = {"client_id": uid(), "application_id": "app"}
        d.update(fields)
        ws.send_json({"op": 1, "d": d})
        ready = ws.recv_json(RECV)
        assert ready["op"] == 2, ready
        return ready["d"]["restricted"]
    finally:
        ws.abort()


class Config(unittest.TestCase):
    def setUp(self):
        self.dir = node.scratch_dir("sy-e2e-cfg-")
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text, name="singyeong.env"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, **kw):
        n = node.Node(**kw)
        self.nodes.append(n)
        return n

    def stop(self, n):
        self.nodes.remove(n)
        n.stop()

    def assert_startup_error(self, args=(), settings=None, names=()):
        """Exit code 2, and one stderr line containing every string in names."""
        code, err, out = node.run(args=args, settings=settings)
        self.assertEqual(code, 2, "exit code %r; stderr:\n%s" % (code, err))
        lines = [ln for ln in err.splitlines() if all(s in ln for s in names)]
        self.assertTrue(lines, "no stderr line names %r; stderr:\n%s" % (list(names), err))
        return err

    # -- help ---------------------------------------------------------------
    def test_CFG_help_exits_0_and_lists_every_variable(self):
        code, err, out = node.run(args=["--help"])
        self.assertEqual(code, 0, err)
        text = out + err
        missing = [v for v in ALL_VARIABLES if v not in text]
        self.assertEqual(missing, [], "--help does not mention these variables:\n" + text)

    # -- config file ----------------------------------------------------------
    def test_CFG_config_file_with_comments_and_blank_lines_is_read(self):
        path = self.write("# singyeong settings\n\nSINGYEONG_HEARTBEAT_INTERVAL_MS=2345\n\n   \n# done\n")
        n = self.start(args=["--config", path])
        self.assertEqual(hello_interval(n), 2345)
        self.stop(n)

    def test_CFG_SINGYEONG_CONFIG_names_the_config_file_too(self):
        path = self.write("SINGYEONG_HEARTBEAT_INTERVAL_MS=3456\n")
        n = self.start(settings={"SINGYEONG_CONFIG": path})
        self.assertEqual(hello_interval(n), 3456)
        self.stop(n)

    def test_CFG_a_string_setting_from_the_config_file_is_applied(self):
        path = self.write("AUTH=filesecret\n")
        n = self.start(args=["--config", path], settings={"AUTH": None})
        self.assertFalse(identify_restricted(n, auth="filesecret"))
        self.assertTrue(identify_restricted(n, auth="other"))
        self.stop(n)

    def test_CFG_config_file_values_may_be_quoted_as_in_systemd_environment_files(self):
        path = self.write('AUTH="two words"\n')
        n = self.start(args=["--config", path], settings={"AUTH": None})
        self.assertFalse(identify_restricted(n, auth="two words"))
        self.stop(n)

    def test_CFG1_PORT_from_the_config_file_is_used_when_the_environment_has_none(self):
        port = node.free_port()
        path = self.write("PORT=%d\n" % port)
        n = self.start(port=port, settings={"PORT": None}, args=["--config", path])
        self.assertEqual(hello_interval(n), 45000)  # CFG-3 default
        self.stop(n)

    def test_CFG_an_unknown_key_in_the_config_file_is_a_startup_error_naming_key_and_file(self):
        path = self.write("# ok\nSINGYEONG_HEARTBEAT_INTERVAL_MS=1000\n\nSINGYEONG_NO_SUCH_KNOB=1\n")
        self.assert_startup_error(args=["--config", path], names=["SINGYEONG_NO_SUCH_KNOB", path])

    def test_CFG_a_wrongly_typed_value_in_the_config_file_names_key_and_file(self):
        path = self.write("SINGYEONG_HEARTBEAT_INTERVAL_MS=soon\n")
        self.assert_startup_error(args=["--config", path], names=["SINGYEONG_HEARTBEAT_INTERVAL_MS", path])

    def test_CFG_a_missing_config_file_is_a_startup_error_naming_it(self):
        path = os.path.join(self.dir, "does-not-exist.env")
        self.assert_startup_error(args=["--config", path], names=[path])

    def test_CFG_an_unreadable_config_file_is_a_startup_error_naming_it(self):
        path = os.path.join(self.dir, "a-directory.env")
        os.mkdir(path)  # reading a directory fails even for root
        self.assert_startup_error(args=["--config", path], names=[path])

    # -- environment ------------------------------------------------------------
    def test_CFG1_PORT_out_of_range_is_a_startup_error_naming_PORT(self):
        for value in ("70000", "65536", "-1"):
            with self.subTest(PORT=value):
                self.assert_startup_error(settings={"PORT": value}, names=["PORT"])

    def test_CFG1_non_numeric_PORT_is_a_startup_error(self):
        for value in ("abc", "80x", "4.5"):
            with self.subTest(PORT=value):
                self.assert_startup_error(settings={"PORT": value}, names=["PORT"])

    def test_CFG3_non_numeric_heartbeat_interval_in_the_environment_is_a_startup_error(self):
        self.assert_startup_error(settings={"SINGYEONG_HEARTBEAT_INTERVAL_MS": "abc"},
                                  names=["SINGYEONG_HEARTBEAT_INTERVAL_MS"])

    def test_CFG_io_and_worker_spin_accept_zero_and_reject_anything_but_a_whole_number(self):
        for name in ("SINGYEONG_IO_SPIN_US", "SINGYEONG_WORKER_SPIN_US"):
            for value in ("0", "1000000"):
                with self.subTest(**{name: value}):
                    n = self.start(settings={name: value, "SINGYEONG_HEARTBEAT_INTERVAL_MS": "1234"})
                    self.assertEqual(hello_interval(n), 1234)
                    self.stop(n)
            for value in ("-1", "abc", "1.5", "", "1000001", "99999999999999999"):
                with self.subTest(**{name: value}):
                    self.assert_startup_error(settings={name: value}, names=[name])

    def test_CFG_scheduler_is_sharing_or_stealing_and_both_run_clients(self):
        for value in ("sharing", "stealing"):
            with self.subTest(SINGYEONG_SCHEDULER=value):
                n = self.start(settings={"SINGYEONG_SCHEDULER": value})
                a, b = identified_pair(self, n)
                try:
                    b.send_json({"op": 4, "t": "SEND", "d": {"target": to_k(1), "nonce": None,
                                                             "payload": {"n": value}}})
                    got = a.recv_json(RECV)
                    self.assertEqual((got["op"], got["t"], got["d"]["payload"]), (4, "SEND", {"n": value}))
                finally:
                    a.abort()
                    b.abort()
                self.stop(n)
        for value in ("", "Sharing", "work-stealing", "testing"):
            with self.subTest(SINGYEONG_SCHEDULER=value):
                self.assert_startup_error(settings={"SINGYEONG_SCHEDULER": value}, names=["SINGYEONG_SCHEDULER"])

    def test_CFG_worker_batch_and_spin_keep_every_senders_order(self):
        # An actor that hands its worker on after each message must still
        # deliver one sender's messages in the order sent, and its
        # replies in frame order (L-16: a no_route before the next ack);
        # so must a worker that polls (or not) before it sleeps.
        for value, spin in (("1", "50"), ("0", "0"), ("", "1000")):
            with self.subTest(SINGYEONG_WORKER_BATCH=value, SINGYEONG_WORKER_SPIN_US=spin):
                n = self.start(settings={"SINGYEONG_WORKER_BATCH": value, "SINGYEONG_WORKER_SPIN_US": spin})
                rx, tx = identified_pair(self, n)
                try:
                    for i in range(300):
                        tx.send_json({"op": 4, "t": "SEND", "d": {"target": to_k(1), "nonce": None, "payload": i}})
                        if i % 50 == 0:
                            tx.send_json({"op": 4, "t": "SEND", "d": {"target": to_k(9), "nonce": str(i),
                                                                      "payload": i}})
                            tx.send_json({"op": 5, "d": {}})
                    got = [rx.recv_json(RECV)["d"]["payload"] for _ in range(300)]
                    self.assertEqual(got, list(range(300)))
                    replies = [tx.recv_json(RECV) for _ in range(12)]
                    self.assertEqual([r["op"] for r in replies], [3, 6] * 6)
                    self.assertEqual([r["d"]["error"] for r in replies[::2]], ["no_route"] * 6)
                finally:
                    rx.abort()
                    tx.abort()
                self.stop(n)
        for value in ("-1", "abc", "1.5", "1000001"):
            with self.subTest(SINGYEONG_WORKER_BATCH=value):
                self.assert_startup_error(settings={"SINGYEONG_WORKER_BATCH": value},
                                          names=["SINGYEONG_WORKER_BATCH"])

    def test_CFG_one_or_several_io_threads_deliver_every_frame_in_order(self):
        # One I/O thread drains a woken session's frames at once; several go
        # through each session's strand. Both keep R-9's order and L-16's.
        for value in ("1", "2", "4"):
            with self.subTest(SINGYEONG_IO_THREADS=value):
                n = self.start(settings={"SINGYEONG_IO_THREADS": value})
                rx, tx = identified_pair(self, n)
                try:
                    for i in range(500):
                        tx.send_json({"op": 4, "t": "SEND", "d": {"target": to_k(1), "nonce": None, "payload": i}})
                        if i % 100 == 0:
                            tx.send_json({"op": 5, "d": {}})
                    got = [rx.recv_json(RECV)["d"]["payload"] for _ in range(500)]
                    self.assertEqual(got, list(range(500)))
                    self.assertEqual([tx.recv_json(RECV)["op"] for _ in range(5)], [6] * 5)
                finally:
                    rx.abort()
                    tx.abort()
                self.stop(n)
        for value in ("0", "-1", "two"):
            with self.subTest(SINGYEONG_IO_THREADS=value):
                self.assert_startup_error(settings={"SINGYEONG_IO_THREADS": value}, names=["SINGYEONG_IO_THREADS"])

    def test_CFG_an_idle_node_stops_polling_after_a_burst(self):
        # The I/O thread polls for SINGYEONG_IO_SPIN_US after its last event,
        # the actor worker for SINGYEONG_WORKER_SPIN_US after its last job,
        # then they sleep: an idle node (clients connected, nothing sent)
        # uses almost no CPU even right after traffic.
        n = self.start(settings={"SINGYEONG_IO_SPIN_US": "1000", "SINGYEONG_WORKER_SPIN_US": "1000"})
        ws = n.ws()
        try:
            self.assertEqual(ws.recv_json(RECV)["op"], 0)
            ws.send_json({"op": 1, "d": {"client_id": uid(), "application_id": "app"}})
            self.assertEqual(ws.recv_json(RECV)["op"], 2)
            for _ in range(200):
                ws.send_json({"op": 5, "d": {}})
            for _ in range(200):
                self.assertEqual(ws.recv_json(RECV)["op"], 6)
            before = cpu_seconds(n.proc.pid)
            time.sleep(2.0)
            used = cpu_seconds(n.proc.pid) - before
            self.assertLess(used, 0.5, "an idle node used %.2f s of CPU in 2 s" % used)
        finally:
            ws.abort()

    def test_CFG19_an_unknown_log_level_is_a_startup_error(self):
        self.assert_startup_error(settings={"SINGYEONG_LOG_LEVEL": "nope"}, names=["SINGYEONG_LOG_LEVEL"])

    def test_CFG19_every_documented_log_level_is_accepted(self):
        for level in ("error", "warn", "info", "debug", "trace"):
            with self.subTest(level=level):
                n = self.start(settings={"SINGYEONG_LOG_LEVEL": level})
                self.stop(n)

    # -- flags and precedence ------------------------------------------------------
    def test_CFG3_heartbeat_interval_flag_sets_the_hello_interval(self):
        n = self.start(args=["--heartbeat-interval-ms", "1234"])
        self.assertEqual(hello_interval(n), 1234)
        self.stop(n)

    def test_CFG_environment_overrides_the_file_and_flags_override_both(self):
        path = self.write("SINGYEONG_HEARTBEAT_INTERVAL_MS=1111\n")
        with self.subTest(case="file only"):
            n = self.start(args=["--config", path])
            self.assertEqual(hello_interval(n), 1111)
            self.stop(n)
        with self.subTest(case="env over file"):
            n = self.start(args=["--config", path], settings={"SINGYEONG_HEARTBEAT_INTERVAL_MS": 2222})
            self.assertEqual(hello_interval(n), 2222)
            self.stop(n)
        with self.subTest(case="flag over env and file"):
            n = self.start(args=["--config", path, "--heartbeat-interval-ms", "3333"],
                           settings={"SINGYEONG_HEARTBEAT_INTERVAL_MS": 2222})
            self.assertEqual(hello_interval(n), 3333)
            self.stop(n)

    def test_CFG1_port_flag_overrides_PORT_in_the_environment(self):
        port, other = node.free_port(), node.free_port()
        while other == port:
            other = node.free_port()
        n = self.start(port=port, settings={"PORT": other}, args=["--port", str(port)])
        self.assertEqual(hello_interval(n), 45000)
        self.assertFalse(node.port_open(other), "server also/instead listens on the PORT from the environment")
        self.stop(n)

    def test_CFG_an_unknown_flag_is_a_startup_error_naming_it(self):
        self.assert_startup_error(args=["--no-such-flag", "1"], names=["no-such-flag"])


if __name__ == "__main__":
    unittest.main()
