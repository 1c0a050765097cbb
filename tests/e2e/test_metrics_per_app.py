"""H-15 / CFG-23: per-application client gauges on /metrics appear only with
SINGYEONG_METRICS_PER_APP=true, and then follow the clients of each app."""

import re
import time
import unittest

import node
import wsclient
from routing_support import SETTINGS, RoutingCase


def scrape(case):
    status, headers, body = wsclient.http_request(node.HOST, case.node.port, "GET", "/metrics")
    case.assertEqual(status, 200)
    return body.decode("utf-8")


def app_gauges(text):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r'^singyeong_app_clients\{app="([^"]*)"\} (\d+)$', text, re.M)}


class PerAppMetricsOn(RoutingCase):
    SETTINGS = dict(SETTINGS, SINGYEONG_METRICS_PER_APP="true")

    def wait_gauges(self, want, within=3.0):
        deadline = time.monotonic() + within
        while True:
            got = app_gauges(scrape(self))
            if all(got.get(k, 0) == v for k, v in want.items()) or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def test_H15_CFG23_per_app_gauges_count_the_identified_clients_of_each_application(self):
        a1 = self.client(app="alpha")
        self.client(app="alpha")
        self.client(app="beta")
        got = self.wait_gauges({"alpha": 2, "beta": 1})
        self.assertEqual(got.get("alpha"), 2, got)
        self.assertEqual(got.get("beta"), 1, got)
        a1.close()
        got = self.wait_gauges({"alpha": 1, "beta": 1})
        self.assertEqual(got.get("alpha"), 1, got)


class PerAppMetricsOff(RoutingCase):
    def test_H15_without_the_setting_no_application_id_appears_on_metrics(self):
        self.client(app="secret-app-name")
        text = scrape(self)
        self.assertNotIn("secret-app-name", text)
        self.assertEqual(app_gauges(text), {})


if __name__ == "__main__":
    unittest.main()
