#!/usr/bin/env python3
"""Writes the capture tests/save/run feeds to --text, and the text files
sipmon must write from it (python3, standard library only, deterministic).

    gen-text-capture.py DIR

DIR/text.pcap (raw IPv4 link type) holds, interleaved:
  A  an INVITE dialog over UDP answered 200 (so --filter status=200 picks
     it only at its 5th message), whose INVITE has a UTF-8 Subject and whose
     INFO carries binary bytes (escape, NUL, lone CR, C1, invalid UTF-8, DEL);
  B  an INVITE over UDP rejected 486 Busy Here;
  C  an INVITE over TCP split over two segments, with other packets between
     them, answered 200;
  D  an OPTIONS ping (not an INVITE dialog: -c leaves it out).
and the expected --text output for: --filter status=200 (expect-200.txt),
no filter (expect-all.txt), -c (expect-calls.txt) and the match expression
'Busy Here' (expect-busy.txt).  The expected text is built here from the
format sipmon documents (sip_text.h), not from sipmon's output."""
import os
import struct
import sys
import time

BASE = 1700000000  # 2023-11-14 22:13:20 UTC
LINKTYPE_RAW = 101


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split('.'))


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    return hdr[:10] + struct.pack('!H', csum16(hdr)) + hdr[12:] + payload


def l4_sum(src, dst, proto, seg):
    return csum16(ip4(src) + ip4(dst) + struct.pack('!BBH', 0, proto, len(seg)) + seg)


def udp(src, sport, dst, dport, payload):
    seg = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ck = l4_sum(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack('!H', ck) + seg[8:]


SYN, PSH, ACK = 0x02, 0x08, 0x10


def tcp(src, sport, dst, dport, seq, ack, flags, payload=b''):
    seg = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags,
                      64240, 0, 0) + payload
    ck = l4_sum(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', ck) + seg[18:]


class Capture:
    def __init__(self):
        self.frames = []      # (ts_ns, bytes)
        self.messages = []    # (ts_ns, dialog, src, dst, transport, bytes)
        self.ident = 1

    def packet(self, ts, src, dst, proto, l4):
        self.frames.append((ts, ipv4(src, dst, proto, l4, self.ident)))
        self.ident += 1

    def udp_msg(self, ts, dialog, src, sport, dst, dport, msg):
        self.packet(ts, src, dst, 17, udp(src, sport, dst, dport, msg))
        self.messages.append((ts, dialog, '%s:%d' % (src, sport), '%s:%d' % (dst, dport), 'UDP', msg))


def sip(first, call_id, cseq, extra=(), body=b'', ctype=None, via='192.0.2.10:5060'):
    lines = [first, 'Via: SIP/2.0/UDP %s;branch=z9hG4bK%s%d' % (via, call_id[:6], cseq[0]),
             'From: <sip:alice@example.com>;tag=a1', 'To: <sip:bob@example.com>',
             'Call-ID: %s' % call_id, 'CSeq: %d %s' % cseq, 'Max-Forwards: 70']
    lines += list(extra)
    if ctype:
        lines.append('Content-Type: %s' % ctype)
    lines.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


SDP = (b'v=0\r\no=a 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n'
       b'm=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n')
BINARY = b'esc \x1b[31m nul \x00 lone-cr \r! utf8 \xc3\xa9 c1 \xc2\x9b bad \xff\xfe del \x7f end\r\n'


def build():
    c = Capture()
    ms = 1000000
    t = BASE * 1000000000
    A, B, C, D = 'late-a@192.0.2.10', 'busy-b@192.0.2.10', 'tcp-c@192.0.2.30', 'ping-d@192.0.2.40'
    a, b, srv = '192.0.2.10', '192.0.2.11', '198.51.100.20'
    rq = 'sip:bob@198.51.100.20'
    # TCP handshake of dialog C (no SIP yet).
    cl, cport, sport = '192.0.2.30', 40000, 5060
    cseq0, sseq0 = 1000, 5000
    c.packet(t + 1 * ms, cl, srv, 6, tcp(cl, cport, srv, sport, cseq0, 0, SYN))
    c.packet(t + 2 * ms, srv, cl, 6, tcp(srv, sport, cl, cport, sseq0, cseq0 + 1, SYN | ACK))
    c.packet(t + 3 * ms, cl, srv, 6, tcp(cl, cport, srv, sport, cseq0 + 1, sseq0 + 1, ACK))
    c.udp_msg(t + 10 * ms, 'A', a, 5060, srv, 5060,
              sip('INVITE %s SIP/2.0' % rq, A, (1, 'INVITE'), ['Subject: caf\u00e9'.encode().decode('latin-1')],
                  SDP, 'application/sdp'))
    c.udp_msg(t + 11 * ms, 'B', b, 5060, srv, 5060,
              sip('INVITE %s SIP/2.0' % rq, B, (1, 'INVITE'), (), SDP, 'application/sdp', via='192.0.2.11:5060'))
    c.udp_msg(t + 12 * ms, 'A', srv, 5060, a, 5060, sip('SIP/2.0 100 Trying', A, (1, 'INVITE')))
    # C's INVITE, first part.
    invite_c = sip('INVITE %s SIP/2.0' % rq, C, (1, 'INVITE'), (), SDP, 'application/sdp',
                   via='192.0.2.30:40000').replace(b'SIP/2.0/UDP', b'SIP/2.0/TCP')
    half = 90
    c.packet(t + 13 * ms, cl, srv, 6, tcp(cl, cport, srv, sport, cseq0 + 1, sseq0 + 1, ACK, invite_c[:half]))
    c.udp_msg(t + 14 * ms, 'B', srv, 5060, b, 5060, sip('SIP/2.0 100 Trying', B, (1, 'INVITE')))
    c.udp_msg(t + 15 * ms, 'A', srv, 5060, a, 5060, sip('SIP/2.0 180 Ringing', A, (1, 'INVITE')))
    c.udp_msg(t + 16 * ms, 'D', '192.0.2.40', 5060, srv, 5060,
              sip('OPTIONS %s SIP/2.0' % rq, D, (1, 'OPTIONS'), via='192.0.2.40:5060'))
    c.udp_msg(t + 17 * ms, 'D', srv, 5060, '192.0.2.40', 5060, sip('SIP/2.0 200 OK', D, (1, 'OPTIONS')))
    # C's INVITE completes here.
    c.packet(t + 18 * ms, cl, srv, 6, tcp(cl, cport, srv, sport, cseq0 + 1 + half, sseq0 + 1, PSH | ACK,
                                          invite_c[half:]))
    c.messages.append((t + 18 * ms, 'C', '%s:%d' % (cl, cport), '%s:%d' % (srv, sport), 'TCP', invite_c))
    c.udp_msg(t + 19 * ms, 'B', srv, 5060, b, 5060, sip('SIP/2.0 486 Busy Here', B, (1, 'INVITE')))
    c.udp_msg(t + 20 * ms, 'B', b, 5060, srv, 5060, sip('ACK %s SIP/2.0' % rq, B, (1, 'ACK'), via='192.0.2.11:5060'))
    c.udp_msg(t + 21 * ms, 'A', srv, 5060, a, 5060,
              sip('SIP/2.0 200 OK', A, (1, 'INVITE'), (), SDP, 'application/sdp'))
    ok_c = sip('SIP/2.0 200 OK', C, (1, 'INVITE'), (), SDP, 'application/sdp', via='192.0.2.30:40000')
    c.packet(t + 22 * ms, srv, cl, 6, tcp(srv, sport, cl, cport, sseq0 + 1, cseq0 + 1 + len(invite_c), PSH | ACK, ok_c))
    c.messages.append((t + 22 * ms, 'C', '%s:%d' % (srv, sport), '%s:%d' % (cl, cport), 'TCP', ok_c))
    c.udp_msg(t + 23 * ms, 'A', a, 5060, srv, 5060, sip('ACK %s SIP/2.0' % rq, A, (1, 'ACK')))
    c.udp_msg(t + 24 * ms, 'A', a, 5060, srv, 5060,
              sip('INFO %s SIP/2.0' % rq, A, (2, 'INFO'), (), BINARY, 'application/octet-stream'))
    c.udp_msg(t + 25 * ms, 'A', srv, 5060, a, 5060, sip('SIP/2.0 200 OK', A, (2, 'INFO')))
    return c


def escape(raw):
    """sip_text.h: printable ASCII, tab, LF, CR before LF and valid UTF-8
    except C1 controls as they are; every other byte as \\xNN."""
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if 0x20 <= ch < 0x7f or ch in (9, 10) or (ch == 13 and raw[i + 1:i + 2] == b'\n'):
            out.append(ch)
            i += 1
            continue
        if ch >= 0x80:
            n = 2 if 0xc0 <= ch < 0xe0 else 3 if 0xe0 <= ch < 0xf0 else 4 if 0xf0 <= ch < 0xf8 else 0
            seq = raw[i:i + n]
            try:
                cp = ord(seq.decode('utf-8')) if n and len(seq) == n else None
            except UnicodeDecodeError:
                cp = None
            if cp is not None and not 0x80 <= cp <= 0x9f:
                out += seq
                i += n
                continue
        out += b'\\x%02x' % ch
        i += 1
    return bytes(out)


def text(c, dialogs):
    out = bytearray()
    for ts, d, src, dst, transport, raw in c.messages:
        if d not in dialogs:
            continue
        secs, ns = divmod(ts, 1000000000)
        when = time.strftime('%Y/%m/%d %H:%M:%S', time.gmtime(secs)) + '.%06d' % (ns // 1000)
        out += ('%s %s -> %s %s\n' % (when, src, dst, transport)).encode() + escape(raw) + b'\n\n'
    return bytes(out)


def main():
    d = sys.argv[1]
    c = build()
    with open(os.path.join(d, 'text.pcap'), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 65535, LINKTYPE_RAW))
        for ts, data in c.frames:
            sec, ns = divmod(ts, 1000000000)
            f.write(struct.pack('<IIII', sec, ns, len(data), len(data)) + data)
    for name, dialogs in (('expect-200.txt', 'AC'), ('expect-all.txt', 'ABCD'),
                          ('expect-calls.txt', 'ABC'), ('expect-busy.txt', 'B')):
        with open(os.path.join(d, name), 'wb') as f:
            f.write(text(c, dialogs))


main()
