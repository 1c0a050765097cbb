"""Helpers for SEND / BROADCAST targets that differ from frame to frame in one
integer ("to the client whose id is N", issue 6): frames written as text from
a target template with "@" where the integer goes, and a checker that sends a
run of them back to back and then reads every receiver up to a fence.

A node may remember a client's target and route later frames of the same
shape without parsing them (actors/target_memory); it only does so for frames
that follow each other, so a run is sent without anything in between and the
fence (whose target is another shape) comes last. Every frame must still mean
what its own text says: the checks compare with what each frame asks for.
"""

import itertools
import json

from harness import RECV
from routing_support import name

_k = itertools.count(1)


def fill(template, token):
    """The template with `token` (an int or the exact text to put) at "@"."""
    assert template.count("@") == 1, template
    return template.replace("@", str(token))


class F:
    """One SEND/BROADCAST frame as text.

    to:    indexes (into the checked receivers) that must get it, once each;
    reply: what the sender must get back ("no_route", "invalid query" or
           None for nothing);
    echo:  for "no_route", the extra_info wanted (default: the frame as
           sent, D-1) or a function(case, extra_info) that checks it.
    """

    def __init__(self, target_text, to=(), t="SEND", reply=None, ts=None, payload=None, nonce="auto",
                 layout=0, echo=None):
        self.k = next(_k)
        self.target_text = target_text
        self.t = t
        self.to = frozenset(to)
        self.reply = reply
        self.echo = echo
        self.payload = {"k": self.k} if payload is None else payload
        self.nonce = "n%d" % self.k if nonce == "auto" else nonce
        p, n = json.dumps(self.payload, separators=(",", ":")), json.dumps(self.nonce)
        if layout == 0:
            d = '{"target":%s,"payload":%s,"nonce":%s}' % (target_text, p, n)
        else:  # payload and nonce first, target last
            d = '{"nonce":%s,"payload":%s,"target":%s}' % (n, p, target_text)
        ts_text = "" if ts is None else ',"ts":%d' % ts
        self.text = '{"op":4,"t":"%s","d":%s%s}' % (t, d, ts_text)
        try:
            self.obj = json.loads(self.text)
        except ValueError:
            self.obj = None  # deliberately broken text

    def __repr__(self):
        return "F(k=%d, %s, target=%s)" % (self.k, self.t, self.target_text)


class VariedChecks:
    """Mixin for a routing_support.RoutingCase (or cluster ClusterCase)."""

    def run_frames(self, sender, receivers, frames):
        """Send `frames` back to back; the sender must get exactly the replies
        the frames ask for, in order, and each receiver exactly the frames
        naming it, in order, with the exact D-3 frame."""
        for f in frames:
            sender.send_text(f.text)
        for f in frames:
            if f.reply == "no_route":
                try:
                    got = sender.recv_json(RECV)
                except AssertionError as exc:
                    self.fail("no no_route for %r: %s" % (f, exc))
                if callable(f.echo):
                    self.assert_server_frame(got, 3, None)
                    self.assertEqual(set(got["d"]), {"error", "extra_info"}, got)
                    self.assertEqual(got["d"]["error"], "no_route", got)
                    f.echo(self, got["d"]["extra_info"])
                else:
                    self.assert_error_frame(got, 3, "no_route", self.echo_of(f) if f.echo is None else f.echo)
            elif f.reply == "invalid query":
                self.assert_invalid_query(sender, f.target_text)
            else:
                self.assertIsNone(f.reply, f)
        got = self.fence_apps(sender, receivers)
        wrong = []
        for i, (ws, frames_got) in enumerate(zip(receivers, got)):
            want = [f for f in frames if i in f.to]
            have = [(g.get("d") or {}).get("payload") if isinstance(g, dict) else g for g in frames_got]
            if have != [f.payload for f in want]:
                wrong.append("%s wants %r\n      got %r" % (name(ws), [f.payload for f in want], have))
                continue
            for g, f in zip(frames_got, want):
                self.assert_delivery(g, f.t, f.payload, f.nonce)
        if wrong:
            by_k = {f.k: f.target_text for f in frames}
            self.fail("%d of %d receivers wrong:\n  %s\nframes (k: target): %s"
                      % (len(wrong), len(receivers), "\n  ".join(wrong[:12]),
                         json.dumps(by_k, indent=0)[:6000]))
        self.assert_no_reply(sender)

    def echo_of(self, f):
        """D-1's "received frame" of `f`, as the sender wrote it."""
        return {"op": f.obj.get("op"), "t": f.obj.get("t"), "d": f.obj.get("d"), "ts": f.obj.get("ts")}

    def id_receivers(self, app, ids, key="id", type_="integer", open_=None):
        """One receiver per value of `ids` (client ids r0, r1, ...), metadata
        {key: ids[i]}; returns them (ws.md holds the value)."""
        specs = [{"client_id": "r%d" % i, "app": app, "metadata": {key: {"type": type_, "value": v}}}
                 for i, v in enumerate(ids)]
        cs = (open_ or self.clients)(specs)
        for ws, v in zip(cs, ids):
            ws.md = v
        return cs


def equal_number(a, b):
    """Q-12 numeric equality as Python does it (int/float compared exactly);
    bools are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return False


def matching(values, want):
    """Indexes of `values` equal (Q-12, numbers only) to `want`."""
    return {i for i, v in enumerate(values) if equal_number(v, want)}
