#!/usr/bin/env python3
"""pcapgen.py - streaming capture generators for sipmon's soak and
adversarial-memory tests (tests/soak/soak.py).  Standard library only.

Every generator writes a classic pcap (microsecond timestamps, Ethernet)
packet by packet through a Writer, so a capture of any length can be
streamed into `sipmon -I -` through a pipe or a FIFO without ever being
stored.  Standalone:

    pcapgen.py CASE [--OPTION VALUE ...] OUT      (OUT: file, FIFO or -)

    load        signalling-only calls, identical to
                gen-load-pcap.py OUT --calls N --cps R --seconds 0
                (--calls, --cps, --seed)
    tcp-gap     TCP connections whose gaps never fill (--wide, --narrow,
                --narrow-rounds, --deep, --deep-rounds, --seg)
    tcp-tiny    TCP connections holding many 1-byte out-of-order segments
                (--conns, --segs)
    frag        IPv4 and IPv6 fragments that never complete (--count,
                --far, --slow)
    long-dialog one REGISTER dialog refreshed N times, each answered 200
                (--refreshes)
    ws-half     WebSocket connections that each send half a frame (--conns)
    ws-frag     WebSocket connections that each start a fragmented message
                and never finish it (--conns, --frag)

Addresses are documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32) except for `load`, which keeps
gen-load-pcap.py's 10/8 addresses so that both write the same bytes.
"""

import argparse
import heapq
import random
import struct
import sys

# --------------------------------------------------------------------------
# pcap writer

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
REC = struct.Struct("<IIII")
FLUSH_BYTES = 1 << 18


class Writer:
    """Buffers pcap records and writes them to a binary file object.

    packets / bytes count what was handed over so far; mark(label) is the
    generators' way of saying "a milestone was reached": the default does
    nothing, the soak driver samples memory there."""

    def __init__(self, out):
        self.out = out
        self.buf = [PCAP_HEADER]
        self.buf_len = len(PCAP_HEADER)
        self.packets = 0
        self.bytes = 0

    def packet_us(self, sec, usec, frame):
        n = len(frame)
        self.buf.append(REC.pack(sec, usec, n, n))
        self.buf.append(frame)
        self.buf_len += 16 + n
        self.packets += 1
        if self.buf_len >= FLUSH_BYTES:
            self.flush()

    def packet(self, t_us, frame):
        self.packet_us(t_us // 1000000, t_us % 1000000, frame)

    def flush(self):
        if self.buf:
            data = b"".join(self.buf)
            self.out.write(data)
            self.bytes += len(data)
            self.buf = []
            self.buf_len = 0
        self.out.flush()

    def mark(self, label, **info):
        pass

    def close(self):
        self.flush()


# --------------------------------------------------------------------------
# frames

ETH_V4 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
ETH_V6 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x86\xdd"
IP4 = struct.Struct("!BBHHHBBH4s4s")
IP6 = struct.Struct("!IHBB16s16s")
UDP = struct.Struct("!HHHH")
TCP = struct.Struct("!HHIIBBHHH")
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip4_sum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def ipv4_frame(src, dst, proto, payload, ident=0, frag_field=0):
    """Ethernet + IPv4 (with header checksum) around payload; src/dst are
    4-byte strings.  frag_field is flags<<13 | offset/8."""
    hdr = IP4.pack(0x45, 0, 20 + len(payload), ident & 0xFFFF, frag_field, 64, proto, 0,
                   src, dst)
    hdr = hdr[:10] + struct.pack("!H", ip4_sum(hdr)) + hdr[12:]
    return ETH_V4 + hdr + payload


def ipv6_frame(src, dst, next_header, payload):
    return ETH_V6 + IP6.pack(0x60000000, len(payload), next_header, 64, src, dst) + payload


def udp4_frame(src, sport, dst, dport, payload, ident=0):
    return ipv4_frame(src, dst, 17, UDP.pack(sport, dport, 8 + len(payload), 0) + payload, ident)


def tcp4_frame(src, sport, dst, dport, seq, ack, flags, payload=b"", ident=0):
    """TCP checksums are left 0: sipmon never checks them (sipmon.8)."""
    seg = TCP.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                   65535, 0, 0) + payload
    return ipv4_frame(src, dst, 6, seg, ident)


# --------------------------------------------------------------------------
# load: signalling-only calls, byte for byte what gen-load-pcap.py writes
# with --seconds 0 (same seed, same random draws, same merge order), but
# streamed with a sliding-window merge instead of holding every call.

def _sdp(ip, port, sess):
    return ("v=0\r\no=- %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n"
            % (sess, sess, ip, ip, port))


def _sip(first, hdrs, body=""):
    h = first + "\r\n" + "".join("%s: %s\r\n" % kv for kv in hdrs)
    if body:
        h += "Content-Type: application/sdp\r\n"
    h += "Content-Length: %d\r\n\r\n" % len(body.encode())
    return (h + body).encode()


def load_call_packets(i, t0, rnd):
    """gen-load-pcap.py's call_packets(i, t0, 0, rnd), without RTP."""
    a_ip = "10.%d.%d.%d" % (1 + (i >> 16), ((i + 1) >> 8) & 255, (i + 1) & 255)
    b_ip = "10.200.0.1"
    proxy = "10.100.0.1"
    cid = "%08x-%d@%s" % (rnd.getrandbits(32), i, a_ip)
    ftag, ttag, br = "f%d" % i, "t%d" % i, "z9hG4bK%x" % rnd.getrandbits(40)
    a_port, b_port = 20000 + (i % 10000) * 2, 40000 + (i % 10000) * 2
    frm = ("From", '"User %d" <sip:%d@example.com>;tag=%s' % (i, 1000 + i, ftag))
    to = ("To", "<sip:%d@example.com>" % (9000 + i % 500))
    to_t = ("To", "<sip:%d@example.com>;tag=%s" % (9000 + i % 500, ttag))
    via = ("Via", "SIP/2.0/UDP %s:5060;branch=%s" % (a_ip, br))
    ruri = "sip:%d@example.com" % (9000 + i % 500)
    base = [via, ("Max-Forwards", "70"), frm]
    out = []
    A, P = ip4(a_ip), ip4(proxy)
    out.append((t0, A, P, _sip("INVITE %s SIP/2.0" % ruri,
        base + [to, ("Call-ID", cid), ("CSeq", "1 INVITE"),
                ("Contact", "<sip:%d@%s:5060>" % (1000 + i, a_ip))], _sdp(a_ip, a_port, i))))
    out.append((t0 + 0.002, P, A, _sip("SIP/2.0 100 Trying",
        [via, frm, to, ("Call-ID", cid), ("CSeq", "1 INVITE")])))
    out.append((t0 + 0.050, P, A, _sip("SIP/2.0 180 Ringing",
        [via, frm, to_t, ("Call-ID", cid), ("CSeq", "1 INVITE")])))
    ans = t0 + 1.0
    out.append((ans, P, A, _sip("SIP/2.0 200 OK",
        [via, frm, to_t, ("Call-ID", cid), ("CSeq", "1 INVITE"),
         ("Contact", "<sip:%s:5060>" % b_ip)], _sdp(b_ip, b_port, i + 7))))
    out.append((ans + 0.003, A, P, _sip("ACK %s SIP/2.0" % ruri,
        [("Via", "SIP/2.0/UDP %s:5060;branch=%sa" % (a_ip, br)), ("Max-Forwards", "70"),
         frm, to_t, ("Call-ID", cid), ("CSeq", "1 ACK")])))
    for _ in range(2):  # the RTP streams' ssrc, seq, ts draws (no packets)
        rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(32)
    end = ans + 0.02
    out.append((end, A, P, _sip("BYE sip:%s:5060 SIP/2.0" % b_ip,
        [("Via", "SIP/2.0/UDP %s:5060;branch=%sb" % (a_ip, br)), ("Max-Forwards", "70"),
         frm, to_t, ("Call-ID", cid), ("CSeq", "2 BYE")])))
    out.append((end + 0.004, P, A, _sip("SIP/2.0 200 OK",
        [("Via", "SIP/2.0/UDP %s:5060;branch=%sb" % (a_ip, br)), frm, to_t,
         ("Call-ID", cid), ("CSeq", "2 BYE")])))
    return out


def gen_load(w, calls=100000, cps=200.0, seed=1, marks=()):
    """marks: call counts at which w.mark("calls", calls=N) is called, once
    N calls have started (their INVITE written)."""
    rnd = random.Random(seed)
    marks = sorted(set(m for m in marks if 0 < m <= calls))
    heap = []
    ident = 0

    def emit(item):
        nonlocal ident
        t, _, _, s, d, p = item
        fr = udp4_frame(s, 5060, d, 5060, p, ident)
        sec = int(t)
        w.packet_us(sec, int(round((t - sec) * 1e6)) % 1000000, fr)
        ident += 1

    mi = 0
    for i in range(calls):
        t0 = 1700000000.0 + i / cps
        # every packet still to come is at t0 or later; ties go to the
        # older call, as in heapq.merge
        while heap and heap[0][0] <= t0:
            emit(heapq.heappop(heap))
        for k, (t, s, d, p) in enumerate(load_call_packets(i, t0, rnd)):
            heapq.heappush(heap, (t, i, k, s, d, p))
        if mi < len(marks) and i + 1 == marks[mi]:
            # later calls start after t0: what is due by t0 (call i's
            # INVITE included) can go out now, in merge order
            while heap and heap[0][0] <= t0:
                emit(heapq.heappop(heap))
            w.mark("calls", calls=i + 1)
            mi += 1
    while heap:
        emit(heapq.heappop(heap))
    for m in marks[mi:]:
        w.mark("calls", calls=m)


# --------------------------------------------------------------------------
# TCP: gaps that never fill

T_BASE_US = 1700000000 * 1000000
SERVER4 = ip4("192.0.2.10")
SIP_PORT = 5060


def client4(c):
    """Distinct client endpoint number c: 198.51.100.x / 203.0.113.x, ports
    1024-64999."""
    host, port = divmod(c, 63976)
    if host >= 510:
        raise ValueError("too many clients")
    net = "198.51.100.%d" if host < 255 else "203.0.113.%d"
    return ip4(net % (1 + host % 255)), 1024 + port


def gen_tcp_gap(w, wide=100000, narrow=64, narrow_rounds=300, deep=1024, deep_rounds=100,
                seg=1400, gap=100):
    """Three phases; every data segment lands after a gap that never fills.

    wide: `wide` connections (more than the 65536 tracked) each send a SYN
    and one 100-byte segment after a gap: the least recently used are
    evicted (tcp_conn_limit).

    narrow: `narrow` other connections, round robin, each send
    `narrow_rounds` segments of `seg` bytes, each after its own gap of `gap`
    bytes: every direction passes its 256-segment / 256 KiB budget, so its
    oldest gap is given up again and again (tcp_gap), while all of them
    together stay under the 64 MiB total.

    deep: `deep` other connections do the same for `deep_rounds` rounds:
    together they pass the 64 MiB total before any one passes its own
    budget (tcp_limit)."""
    t = T_BASE_US
    ident = 0
    payload = b"a" * seg
    for c in range(wide):
        ip, port = client4(c)
        isn = (c * 2654435761) & 0xFFFFFFFF
        w.packet(t, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn, 0, TCP_SYN, b"", ident))
        w.packet(t + 1, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn + 1 + gap, 0,
                                   TCP_ACK | TCP_PSH, payload[:100], ident + 1))
        t += 2
        ident += 2
    w.mark("wide", conns=wide)
    first = wide
    for phase, conns_n, rounds in (("narrow", narrow, narrow_rounds), ("deep", deep, deep_rounds)):
        conns = []
        for c in range(first, first + conns_n):
            ip, port = client4(c)
            isn = (c * 2654435761) & 0xFFFFFFFF
            conns.append((ip, port, isn))
            w.packet(t, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn, 0, TCP_SYN, b"", ident))
            t += 1
            ident += 1
        first += conns_n
        step = seg + gap
        for r in range(rounds):
            for ip, port, isn in conns:
                w.packet(t, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn + 1 + gap + r * step,
                                       0, TCP_ACK | TCP_PSH, payload, ident))
                t += 1
                ident += 1
            if r + 1 in (rounds // 2, rounds):
                w.mark(phase, rounds=r + 1)


def gen_tcp_tiny(w, conns=16384, segs=255, gap=1):
    """conns connections, round robin, each sending segs 1-byte segments,
    each after a 1-byte gap: each direction ends up holding segs queued
    segments (under the 256-segment budget) of one byte each."""
    t = T_BASE_US
    ident = 0
    cl = []
    for c in range(conns):
        ip, port = client4(c)
        isn = (c * 2654435761) & 0xFFFFFFFF
        cl.append((ip, port, isn))
        w.packet(t, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn, 0, TCP_SYN, b"", ident))
        t += 1
        ident += 1
    # the frames differ only in seq (and ident, left 0): build them from a
    # template per connection
    for r in range(segs):
        off = 1 + gap + r * (1 + gap)
        for ip, port, isn in cl:
            w.packet(t, tcp4_frame(ip, port, SERVER4, SIP_PORT, isn + off, 0,
                                   TCP_ACK | TCP_PSH, b"a", 0))
            t += 1
        if r + 1 in (segs // 4, segs // 2, segs):
            w.mark("segs", segs=r + 1)


# --------------------------------------------------------------------------
# IP fragments that never complete

FRAG_SRC4, FRAG_DST4 = ip4("192.0.2.20"), ip4("192.0.2.21")
FRAG_SRC6 = bytes.fromhex("20010db8000000000000000000000020")
FRAG_DST6 = bytes.fromhex("20010db8000000000000000000000021")


def frag_frame(v6, ident, offset, payload, more=True):
    if v6:
        fh = struct.pack("!BBHI", 17, 0, (offset & 0xFFF8) | (1 if more else 0), ident)
        return ipv6_frame(FRAG_SRC6, FRAG_DST6, 44, fh + payload)
    return ipv4_frame(FRAG_SRC4, FRAG_DST4, 17, payload, ident,
                      (0x2000 if more else 0) | (offset >> 3))


def gen_frag(w, count=200000, far=20000, slow=3000, seed=7):
    """Three phases, IPv4 and IPv6 alternating, random identifications,
    never the last fragment:

    count: first fragments (offset 0, 1208 bytes) 1 us apart: more
    datagrams than the 1024 held (frag_limit by count).

    far: fragments at offset 63000 (a 64 KiB buffer each): the 4 MiB byte
    limit is reached after ~64 of them (frag_limit by bytes).

    slow: first fragments 0.1 s apart: fewer than 1024 are ever held, the
    30-second timeout expires them (frag_timeout)."""
    rnd = random.Random(seed)
    t = T_BASE_US
    udp_head = UDP.pack(5060, 5060, 8 + 4000, 0)
    first = udp_head + b"f" * 1200
    for k in range(count):
        v6 = k & 1
        w.packet(t, frag_frame(v6, rnd.getrandbits(32 if v6 else 16), 0, first))
        t += 1
    w.mark("count", fragments=count)
    tail = b"t" * 1000
    for k in range(far):
        v6 = k & 1
        w.packet(t, frag_frame(v6, rnd.getrandbits(32 if v6 else 16), 63000, tail))
        t += 1
    w.mark("far", fragments=count + far)
    for k in range(slow):
        v6 = k & 1
        w.packet(t, frag_frame(v6, rnd.getrandbits(32 if v6 else 16), 0, first))
        t += 100000
    w.mark("slow", fragments=count + far + slow)


# --------------------------------------------------------------------------
# one dialog, many messages

def gen_long_dialog(w, refreshes=100000):
    """One REGISTER dialog: the same Call-ID refreshed `refreshes` times
    (CSeq n, a new branch each time), each answered 200 OK: 2 x refreshes
    messages in one dialog."""
    ua, reg = ip4("192.0.2.30"), ip4("192.0.2.31")
    cid = "soak-register-1@192.0.2.30"
    frm = '<sip:alice@example.com>;tag=soak1'
    to = '<sip:alice@example.com>'
    t = T_BASE_US
    ident = 0
    marks = set(refreshes * k // 10 for k in range(1, 11))
    for n in range(1, refreshes + 1):
        br = "z9hG4bKsoak%d" % n
        via = "SIP/2.0/UDP 192.0.2.30:5060;branch=%s" % br
        req = ("REGISTER sip:example.com SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
               "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d REGISTER\r\n"
               "Contact: <sip:alice@192.0.2.30:5060>;expires=60\r\n"
               "Content-Length: 0\r\n\r\n" % (via, frm, to, cid, n)).encode()
        resp = ("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=reg1\r\n"
                "Call-ID: %s\r\nCSeq: %d REGISTER\r\n"
                "Contact: <sip:alice@192.0.2.30:5060>;expires=60\r\n"
                "Content-Length: 0\r\n\r\n" % (via, frm, to, cid, n)).encode()
        w.packet(t, udp4_frame(ua, 5060, reg, 5060, req, ident))
        w.packet(t + 5000, udp4_frame(reg, 5060, ua, 5060, resp, ident + 1))
        t += 1000000
        ident += 2
        if n in marks:
            w.mark("messages", messages=2 * n)


# --------------------------------------------------------------------------
# WebSocket

WS_PORT = 8080


def ws_upgrade_request(host):
    return ("GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: sip\r\n\r\n" % host).encode()


WS_UPGRADE_RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       b"Connection: Upgrade\r\n"
                       b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                       b"Sec-WebSocket-Protocol: sip\r\n\r\n")


def ws_frame_header(opcode, fin, length, mask=b"\x01\x02\x03\x04"):
    b0 = (0x80 if fin else 0) | opcode
    if length < 126:
        return struct.pack("!BB", b0, 0x80 | length) + mask
    if length < 65536:
        return struct.pack("!BBH", b0, 0x80 | 126, length) + mask
    return struct.pack("!BBQ", b0, 0x80 | 127, length) + mask


def _ws_open(w, t, c, ident):
    """Handshake of client c; returns (ip, port, client next seq, t)."""
    ip, port = client4(c)
    cseq = (c * 2654435761) & 0xFFFFFFFF
    sseq = (c * 40503 + 7) & 0xFFFFFFFF
    req = ws_upgrade_request("192.0.2.10:%d" % WS_PORT)
    w.packet(t, tcp4_frame(ip, port, SERVER4, WS_PORT, cseq, sseq, TCP_ACK | TCP_PSH, req, ident))
    w.packet(t + 1, tcp4_frame(SERVER4, WS_PORT, ip, port, sseq, cseq + len(req),
                               TCP_ACK | TCP_PSH, WS_UPGRADE_RESPONSE, ident + 1))
    return ip, port, cseq + len(req), sseq + len(WS_UPGRADE_RESPONSE)


def gen_ws_half(w, conns=100000, announced=500, sent=200):
    """conns WebSocket connections (upgrade, 101) whose client then sends
    the first `sent` bytes of a text frame announcing `announced`."""
    t = T_BASE_US
    hdr = ws_frame_header(0x1, True, announced)
    body = hdr + b"x" * sent
    for c in range(conns):
        ip, port, cnext, snext = _ws_open(w, t, c, 0)
        w.packet(t + 2, tcp4_frame(ip, port, SERVER4, WS_PORT, cnext, snext,
                                   TCP_ACK | TCP_PSH, body, 0))
        t += 3
        if c + 1 in (conns // 4, conns // 2, 3 * conns // 4, conns):
            w.mark("conns", conns=c + 1)


def gen_ws_frag(w, conns=65536, frag=16384):
    """conns WebSocket connections whose client sends the first fragment
    (FIN clear) of a text message, `frag` bytes, and never the rest."""
    t = T_BASE_US
    body = ws_frame_header(0x1, False, frag) + b"y" * frag
    for c in range(conns):
        ip, port, cnext, snext = _ws_open(w, t, c, 0)
        w.packet(t + 2, tcp4_frame(ip, port, SERVER4, WS_PORT, cnext, snext,
                                   TCP_ACK | TCP_PSH, body, 0))
        t += 3
        if c + 1 in (conns // 4, conns // 2, 3 * conns // 4, conns):
            w.mark("conns", conns=c + 1)


GENERATORS = {
    "load": (gen_load, {"calls": int, "cps": float, "seed": int}),
    "tcp-gap": (gen_tcp_gap, {"wide": int, "narrow": int, "narrow_rounds": int, "deep": int,
                              "deep_rounds": int, "seg": int}),
    "tcp-tiny": (gen_tcp_tiny, {"conns": int, "segs": int}),
    "frag": (gen_frag, {"count": int, "far": int, "slow": int}),
    "long-dialog": (gen_long_dialog, {"refreshes": int}),
    "ws-half": (gen_ws_half, {"conns": int}),
    "ws-frag": (gen_ws_frag, {"conns": int, "frag": int}),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", choices=sorted(GENERATORS))
    ap.add_argument("out", help="output path (a FIFO works), or - for stdout")
    ap.add_argument("--calls", type=int)
    ap.add_argument("--cps", type=float)
    ap.add_argument("--seed", type=int)
    for name in ("wide", "narrow", "narrow-rounds", "deep", "deep-rounds", "seg", "conns", "segs", "count", "far", "slow",
                 "refreshes", "frag"):
        ap.add_argument("--" + name, type=int)
    a = ap.parse_args()
    fn, params = GENERATORS[a.case]
    kw = {k: getattr(a, k) for k in params if getattr(a, k, None) is not None}
    out = sys.stdout.buffer if a.out == "-" else open(a.out, "wb")
    w = Writer(out)
    try:
        fn(w, **kw)
        w.close()
    except BrokenPipeError:
        return 1
    if out is not sys.stdout.buffer:
        out.close()
    print("%s: %d packets, %d bytes -> %s" % (a.case, w.packets, w.bytes, a.out),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
