#!/usr/bin/env python3
"""Rough throughput of targeted SENDs from a client on one node to a client on
another (issue 5's cross-node figure). Not a ctest: a measurement.

    tests/bench/cross_node.py SENDER_PORT RECEIVER_PORT [COUNT]

Both ports are websocket ports of running nodes (the same port twice measures
a single node with the same generator). The generator is one Python process,
so it, not the server, is the limit at a few tens of thousands of msg/s:
compare figures taken with this same script only.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import wsclient  # noqa: E402


def client(port, cid, app, md):
    ws = wsclient.WSClient("127.0.0.1", port)
    ws.recv_json()
    ws.send_json({"op": 1, "d": {"client_id": cid, "application_id": app, "metadata": md}})
    ws.recv_json()
    return ws


def main():
    send_port, recv_port = int(sys.argv[1]), int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    tag = str(os.getpid())
    receiver = client(recv_port, "r" + tag, "xbench", {"id": {"type": "integer", "value": 7}})
    sender = client(send_port, "s" + tag, "xbench-tx", {})
    frame = json.dumps({"op": 4, "t": "SEND", "d": {
        "target": {"application": "xbench", "ops": [{"path": "/id", "op": "$eq", "to": {"value": 7}}]},
        "payload": {"p": "x" * 60}}})
    got = [0]

    def receive():
        while got[0] < count:
            receiver.recv_json(10)
            got[0] += 1

    t = threading.Thread(target=receive)
    t.start()
    started = time.time()
    for _ in range(count):
        sender.send_text(frame)
    t.join()
    elapsed = time.time() - started
    print("%d messages in %.2f s = %.0f msg/s" % (count, elapsed, count / elapsed))


if __name__ == "__main__":
    main()
