# livelib.py - helpers shared by the live tests (tests/live/run, overload,
# signals): processes started here are stopped by PID at exit, every wait
# has a deadline, pcap files are read and written with the standard library
# only, and checks count failures instead of stopping at the first one.
import atexit
import json
import os
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SIPMON = os.environ.get("SIPMON") or os.path.join(TOP, "build", "sipmon")
CAP_NET_RAW = 13


def skip(why):
    print("SKIP: " + why)
    sys.stdout.flush()
    sys.exit(77)


def log(msg):
    print(msg)
    sys.stdout.flush()


def capture_permitted():
    """Root, or CAP_NET_RAW in the effective set."""
    if os.geteuid() == 0:
        return True
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_NET_RAW & 1)
    except OSError:
        pass
    return False


def which(name):
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d or ".", name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def require(*tools):
    for t in tools:
        if not which(t):
            skip("%s is not installed" % t)


def require_capture(name):
    if not os.access(SIPMON, os.X_OK):
        skip("%s: sipmon not built at %s" % (name, SIPMON))
    if not capture_permitted():
        skip("%s: capturing on lo needs root or CAP_NET_RAW" % name)


# --- processes -------------------------------------------------------------

class Procs:
    """Every process started through start() is stopped, by its PID, when
    the test exits (normally, on an exception, or on SIGTERM/SIGINT/SIGHUP)."""

    def __init__(self):
        self.procs = []
        atexit.register(self.cleanup)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, self._on_signal)

    def _on_signal(self, sig, frame):
        self.cleanup()
        os._exit(128 + sig)

    def start(self, args, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen([str(a) for a in args], **kw)
        p.args_text = " ".join(str(a) for a in args)
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=3)
                except OSError:
                    pass


def wait_exit(p, timeout):
    """The exit status, or None when the process is still running after
    timeout seconds."""
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def wait_until(pred, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)


def udp_bound(ip, port):
    """True when a UDP socket is bound to ip:port (IPv4, /proc/net/udp)."""
    a = socket_hex(ip, port)
    try:
        with open("/proc/net/udp") as f:
            next(f)
            return any(line.split()[1] == a for line in f)
    except OSError:
        return False


def socket_hex(ip, port):
    b = bytes(int(x) for x in ip.split("."))
    return "%08X:%04X" % (struct.unpack("<I", b)[0], port)


def proc_status(pid):
    d = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                d[k] = v.strip()
    except OSError:
        pass
    return d


def thread_ids(pid, name):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                if f.read().strip() == name:
                    out.append(int(t))
    except OSError:
        pass
    return out


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# --- checks ----------------------------------------------------------------

class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            log("FAIL: %s: %s" % (self.name, what))
        return bool(cond)

    def eq(self, what, got, want):
        return self.ok(got == want, "%s: got %r, want %r" % (what, got, want))

    def finish(self):
        log("%s: %d checks passed, %d failed" % (self.name, self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


# --- pcap ------------------------------------------------------------------

LINKTYPE_ETHERNET = 1


def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET):
    """frames: iterable of (timestamp in integer microseconds, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for ts_us, data in frames:
            f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(data),
                                len(data)))
            f.write(data)


def rfc3339_ns(ts_ns):
    """sipmon's time format: RFC 3339 UTC, microseconds (truncated)."""
    sec = ts_ns // 1000000000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%06dZ" % (
        ts_ns % 1000000000 // 1000)


def read_pcap(path):
    """Yields (timestamp in integer nanoseconds, linktype, bytes) from a pcap
    file (microsecond or nanosecond)."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            e = "<"
        else:
            e = ">"
            magic = struct.unpack(">I", hdr[:4])[0]
        mul = 1 if magic == 0xA1B23C4D else 1000
        linktype = struct.unpack(e + "I", hdr[20:24])[0] & 0xFFFF
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, frac, incl, _ = struct.unpack(e + "IIII", rh)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec * 1000000000 + frac * mul, linktype, data


def udp_of(linktype, data):
    """(src ip, sport, dst ip, dport, payload) of an IPv4 UDP frame, or None."""
    if linktype == LINKTYPE_ETHERNET:
        if len(data) < 14 or data[12:14] != b"\x08\x00":
            return None
        ip = data[14:]
    elif linktype in (101, 12, 228):
        ip = data
    else:
        return None
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    udp = ip[ihl:total]
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack(">HH", udp[:4])
    src = ".".join(str(b) for b in ip[12:16])
    dst = ".".join(str(b) for b in ip[16:20])
    return src, sport, dst, dport, udp[8:]


def ip_checksum(h):
    s = sum(struct.unpack(">%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth_udp(src, sport, dst, dport, payload, ident=0):
    """An Ethernet II / IPv4 / UDP frame (UDP checksum 0: none).  Its
    destination MAC is not lo's (00:..:00): replayed onto lo, the kernel
    drops it as "other host" once the captures have seen it, instead of
    answering each with an ICMP port unreachable (not rate-limited on lo)."""
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0x4000, 64,
                      17, 0, bytes(int(x) for x in src.split(".")),
                      bytes(int(x) for x in dst.split(".")))
    iph = iph[:10] + struct.pack(">H", ip_checksum(iph)) + iph[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + iph + udp


def rtp_packet(seq, ts, ssrc, pt=8, marker=False, payload_len=160, fill=0xD5):
    return struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + bytes([fill]) * payload_len


def rtp_pcap(path, packets, ssrc, seq0=1000, ts0=16000, port=16000):
    """packets G.711 A-law packets, 20 ms apart, for sipp's play_pcap_audio
    (sipp rewrites the addresses and ports)."""
    frames = []
    for i in range(packets):
        frames.append((1000000 + i * 20000,
                       eth_udp("10.0.0.1", port, "10.0.0.2", port,
                               rtp_packet(seq0 + i, ts0 + 160 * i, ssrc, marker=(i == 0)),
                               ident=i)))
    write_pcap(path, frames)


def sip_text(lines, body=b""):
    head = "\r\n".join(lines).encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head + body


# --- the state machine of sipmon.8 (DIALOGS, Call states) ------------------

def invite_state(messages):
    """The state sipmon.8 documents for an INVITE dialog that saw these
    messages in this order; each is (is_request, method or status, cseq)."""
    state, invite_cseq = None, None
    for is_req, what, cseq in messages:
        method = what if is_req else None
        status = 0 if is_req else what
        if state == "CALL SETUP":
            if method == "ACK" and cseq == invite_cseq:
                state = "IN CALL"
            elif method == "CANCEL":
                state = "CANCELLED"
            elif status in (480, 486, 600):
                state = "BUSY"
            elif status >= 400 and cseq == invite_cseq:
                state = "REJECTED"
            elif 300 <= status < 400:
                state = "DIVERTED"
        elif state == "IN CALL":
            if method == "BYE":
                state = "COMPLETED"
        elif method == "INVITE":
            state, invite_cseq = "CALL SETUP", cseq
    return state


# --- generated SIP ---------------------------------------------------------

def call_messages(call_id, a, b, n=0, sdp_port=None):
    """The 7 messages of a basic call from a=(ip, port) to b=(ip, port):
    [(from, to, is_request, method or status, cseq, cseq method, bytes)]."""
    ua, ub = "%s:%d" % a, "%s:%d" % b
    tag_a, tag_b = "a%d" % n, "b%d" % n
    frm = "From: \"alice\" <sip:alice%d@%s>;tag=%s" % (n, ua, tag_a)
    to0 = "To: <sip:bob%d@%s>" % (n, ub)
    to1 = to0 + ";tag=" + tag_b
    cid = "Call-ID: " + call_id
    sdp_a = sdp_b = b""
    if sdp_port:
        sdp_a = ("v=0\r\no=alice 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                 "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (a[0], a[0], sdp_port[0])
                 ).encode()
        sdp_b = ("v=0\r\no=bob 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                 "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (b[0], b[0], sdp_port[1])
                 ).encode()

    def via(branch):
        return "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s-%d" % (ua, branch, n)

    ct = ["Content-Type: application/sdp"]
    inv = ["INVITE sip:bob%d@%s SIP/2.0" % (n, ub), via("inv"), "Max-Forwards: 70", frm, to0,
           cid, "CSeq: 1 INVITE", "Contact: <sip:alice%d@%s>" % (n, ua)]
    resp = [via("inv"), frm, to1, cid, "CSeq: 1 INVITE"]
    out = [
        (a, b, True, "INVITE", 1, "INVITE", sip_text(inv + (ct if sdp_a else []), sdp_a)),
        (b, a, False, 100, 1, "INVITE", sip_text(["SIP/2.0 100 Trying", via("inv"), frm, to0,
                                                  cid, "CSeq: 1 INVITE"])),
        (b, a, False, 180, 1, "INVITE", sip_text(["SIP/2.0 180 Ringing"] + resp)),
        (b, a, False, 200, 1, "INVITE",
         sip_text(["SIP/2.0 200 OK"] + resp + ["Contact: <sip:bob%d@%s>" % (n, ub)] +
                  (ct if sdp_b else []), sdp_b)),
        (a, b, True, "ACK", 1, "ACK", sip_text(["ACK sip:bob%d@%s SIP/2.0" % (n, ub), via("ack"),
                                               "Max-Forwards: 70", frm, to1, cid,
                                               "CSeq: 1 ACK"])),
        (a, b, True, "BYE", 2, "BYE", sip_text(["BYE sip:bob%d@%s SIP/2.0" % (n, ub), via("bye"),
                                               "Max-Forwards: 70", frm, to1, cid,
                                               "CSeq: 2 BYE"])),
        (b, a, False, 200, 2, "BYE", sip_text(["SIP/2.0 200 OK", via("bye"), frm, to1, cid,
                                               "CSeq: 2 BYE"])),
    ]
    return out
