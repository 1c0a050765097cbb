"""Tiny MessagePack and Erlang External Term Format codecs for the encoding
tests (spec E-3, E-4), written from the formats' specifications (msgpack's
spec.md, Erlang/OTP's erl_ext_dist) and independent of the server's C++ code.
Python standard library only.

ETF values: atoms decode to `Atom` (a str subclass), except nil/true/false,
which decode to None/True/False; binaries decode to plain `str` (or `bytes`
when not UTF-8); map keys keep their kind (an `Atom` key was an atom, a plain
`str` key a binary). Encoding writes str as BINARY_EXT, Atom as
SMALL_ATOM_UTF8_EXT, Charlist as STRING_EXT, tuple as SMALL_TUPLE_EXT.
"""

import struct

import wsclient
from harness import RECV


class Atom(str):
    def __repr__(self):
        return "Atom(%s)" % str.__repr__(self)


class Charlist(list):
    """A list of small integers sent as STRING_EXT (as Erlang does)."""


class DecodeError(ValueError):
    pass


# -- MessagePack ------------------------------------------------------------------
def mp_pack(obj):
    """Smallest forms, floats as float 64, str as str, bytes as bin."""
    if obj is None:
        return b"\xc0"
    if obj is True:
        return b"\xc3"
    if obj is False:
        return b"\xc2"
    if isinstance(obj, int):
        if 0 <= obj <= 0x7F:
            return bytes([obj])
        if -32 <= obj < 0:
            return struct.pack(">b", obj)
        if obj > 0:
            for tag, fmt, top in ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF), (0xCE, ">I", 0xFFFFFFFF),
                                  (0xCF, ">Q", 0xFFFFFFFFFFFFFFFF)):
                if obj <= top:
                    return bytes([tag]) + struct.pack(fmt, obj)
        for tag, fmt, low in ((0xD0, ">b", -0x80), (0xD1, ">h", -0x8000), (0xD2, ">i", -0x80000000),
                              (0xD3, ">q", -0x8000000000000000)):
            if obj >= low:
                return bytes([tag]) + struct.pack(fmt, obj)
        raise ValueError("integer out of range: %r" % obj)
    if isinstance(obj, float):
        return b"\xcb" + struct.pack(">d", obj)
    if isinstance(obj, str):
        return _mp_len(len(obj.encode()), 0xA0, 31, (0xD9, 0xDA, 0xDB)) + obj.encode()
    if isinstance(obj, (bytes, bytearray)):
        return _mp_len(len(obj), None, -1, (0xC4, 0xC5, 0xC6)) + bytes(obj)
    if isinstance(obj, (list, tuple)):
        return _mp_len(len(obj), 0x90, 15, (None, 0xDC, 0xDD)) + b"".join(mp_pack(x) for x in obj)
    if isinstance(obj, dict):
        return _mp_len(len(obj), 0x80, 15, (None, 0xDE, 0xDF)) + b"".join(
            mp_pack(k) + mp_pack(v) for k, v in obj.items())
    raise TypeError("cannot pack %r" % (obj,))


def _mp_len(n, fix, fix_max, tags):
    if n <= fix_max:
        return bytes([fix | n])
    if tags[0] is not None and n <= 0xFF:
        return bytes([tags[0], n])
    if n <= 0xFFFF:
        return bytes([tags[1]]) + struct.pack(">H", n)
    return bytes([tags[2]]) + struct.pack(">I", n)


def mp_unpack(data):
    """Decode exactly one value; bin → bytes; ext and trailing data raise."""
    r = _Reader(data)
    v = _mp_value(r)
    if r.pos != len(data):
        raise DecodeError("trailing data at %d" % r.pos)
    return v


class _Reader:
    def __init__(self, data):
        self.data, self.pos = bytes(data), 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise DecodeError("truncated at %d (need %d bytes)" % (self.pos, n))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]


def _mp_value(r):
    t = r.take(1)[0]
    if t <= 0x7F:
        return t
    if t >= 0xE0:
        return t - 256
    if 0x80 <= t <= 0x8F:
        return _mp_map(r, t & 0x0F)
    if 0x90 <= t <= 0x9F:
        return [_mp_value(r) for _ in range(t & 0x0F)]
    if 0xA0 <= t <= 0xBF:
        return r.take(t & 0x1F).decode("utf-8")
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if t in simple:
        return simple[t]
    fmts = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
            0xCA: ">f", 0xCB: ">d"}
    if t in fmts:
        return r.unpack(fmts[t])
    lens = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I", 0xC4: ">B", 0xC5: ">H", 0xC6: ">I",
            0xDC: ">H", 0xDD: ">I", 0xDE: ">H", 0xDF: ">I"}
    if t in lens:
        n = r.unpack(lens[t])
        if t in (0xD9, 0xDA, 0xDB):
            return r.take(n).decode("utf-8")
        if t in (0xC4, 0xC5, 0xC6):
            return r.take(n)
        if t in (0xDC, 0xDD):
            return [_mp_value(r) for _ in range(n)]
        return _mp_map(r, n)
    raise DecodeError("unsupported msgpack type byte 0x%02x" % t)


def _mp_map(r, n):
    out = {}
    for _ in range(n):
        k = _mp_value(r)
        if not isinstance(k, str):
            raise DecodeError("msgpack map key is not a str: %r" % (k,))
        out[k] = _mp_value(r)
    return out


# -- Erlang External Term Format --------------------------------------------------
def etf_pack(obj):
    """One term with the version byte 131."""
    return b"\x83" + _etf(obj)


def _atom(name):
    b = name.encode("utf-8")
    if len(b) <= 255:
        return bytes([119, len(b)]) + b
    return bytes([118]) + struct.pack(">H", len(b)) + b


def _etf(obj):
    if obj is None:
        return _atom("nil")
    if obj is True:
        return _atom("true")
    if obj is False:
        return _atom("false")
    if isinstance(obj, Atom):
        return _atom(obj)
    if isinstance(obj, int):
        if 0 <= obj <= 255:
            return bytes([97, obj])
        if -(1 << 31) <= obj < (1 << 31):
            return bytes([98]) + struct.pack(">i", obj)
        mag = abs(obj)
        digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
        if len(digits) <= 255:
            return bytes([110, len(digits), 1 if obj < 0 else 0]) + digits
        return bytes([111]) + struct.pack(">I", len(digits)) + bytes([1 if obj < 0 else 0]) + digits
    if isinstance(obj, float):
        return bytes([70]) + struct.pack(">d", obj)
    if isinstance(obj, str):
        obj = obj.encode("utf-8")
    if isinstance(obj, (bytes, bytearray)):
        return bytes([109]) + struct.pack(">I", len(obj)) + bytes(obj)
    if isinstance(obj, Charlist):
        return bytes([107]) + struct.pack(">H", len(obj)) + bytes(obj)
    if isinstance(obj, tuple):
        return bytes([104, len(obj)]) + b"".join(_etf(x) for x in obj)
    if isinstance(obj, list):
        if not obj:
            return bytes([106])
        return bytes([108]) + struct.pack(">I", len(obj)) + b"".join(_etf(x) for x in obj) + bytes([106])
    if isinstance(obj, dict):
        return bytes([116]) + struct.pack(">I", len(obj)) + b"".join(_etf(k) + _etf(v) for k, v in obj.items())
    raise TypeError("cannot encode %r" % (obj,))


def etf_unpack(data):
    """Decode one term (version byte first); anything outside E-4's mapping raises."""
    r = _Reader(data)
    if r.take(1) != b"\x83":
        raise DecodeError("no version byte 131")
    v = _etf_value(r)
    if r.pos != len(r.data):
        raise DecodeError("trailing data at %d" % r.pos)
    return v


def _etf_atom_name(r, t):
    n = r.unpack(">B" if t in (115, 119) else ">H")
    raw = r.take(n)
    return raw.decode("latin-1" if t in (100, 115) else "utf-8")


def _etf_value(r, key=False):
    t = r.take(1)[0]
    if t in (100, 115, 118, 119):
        name = _etf_atom_name(r, t)
        if not key and name in ("nil", "true", "false"):
            return {"nil": None, "true": True, "false": False}[name]
        return Atom(name)
    if t == 97:
        return r.take(1)[0]
    if t == 98:
        return r.unpack(">i")
    if t in (110, 111):
        n = r.unpack(">B" if t == 110 else ">I")
        sign = r.take(1)[0]
        mag = int.from_bytes(r.take(n), "little")
        return -mag if sign else mag
    if t == 70:
        return r.unpack(">d")
    if t == 109:
        raw = r.take(r.unpack(">I"))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
    if t == 107:
        return list(r.take(r.unpack(">H")))
    if t == 106:
        return []
    if t == 108:
        items = [_etf_value(r) for _ in range(r.unpack(">I"))]
        if r.take(1)[0] != 106:
            raise DecodeError("improper list")
        return items
    if t == 116:
        out = {}
        for _ in range(r.unpack(">I")):
            k = _etf_value(r, key=True)
            out[k] = _etf_value(r)
        return out
    raise DecodeError("unsupported ETF tag %d at %d" % (t, r.pos - 1))


def plain(obj):
    """The value with Atom keys and values turned into plain str (for comparisons)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(x) for x in obj]
    if isinstance(obj, Atom):
        return str(obj)
    return obj


def key_kinds(obj):
    """{key: "atom" | "binary"} of a decoded ETF map."""
    return {str(k): ("atom" if isinstance(k, Atom) else "binary") for k in obj}


def deep_key_kinds(obj, path=""):
    """Every map key below `obj` as (path, kind) pairs, for "binary everywhere" checks."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = path + "/" + str(k)
            out.append((p, "atom" if isinstance(k, Atom) else "binary"))
            out.extend(deep_key_kinds(v, p))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(deep_key_kinds(v, "%s/%d" % (path, i)))
    return out


# -- websocket helpers --------------------------------------------------------------
CODECS = {
    "msgpack": (mp_pack, mp_unpack),
    "etf": (etf_pack, etf_unpack),
}


def send(ws, enc, obj):
    """Send one frame in the connection's encoding (binary frames for msgpack/ETF)."""
    if enc == "json":
        ws.send_json(obj)
    else:
        ws.send_binary(CODECS[enc][0](obj))


def recv_raw(ws, timeout=RECV):
    """Next data message's bytes; it must be a binary frame (E-3, E-4)."""
    m = ws.recv_message(timeout)
    if m.is_close:
        raise wsclient.ServerClosed(m)
    if m.opcode != wsclient.OP_BINARY:
        raise wsclient.ProtocolError("msgpack/ETF frame sent as opcode %d, not binary: %r" % (m.opcode, m))
    return m.data


def recv(ws, enc, timeout=RECV):
    """Next frame decoded in the connection's encoding (ETF keys as Atom/str)."""
    if enc == "json":
        return ws.recv_json(timeout)
    return CODECS[enc][1](recv_raw(ws, timeout))
