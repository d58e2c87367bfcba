#!/usr/bin/env python3
"""gen-captures.py - writes sipmon's own golden-test captures.

Usage: tests/golden/gen-captures.py [OUTDIR]     (default: tests/golden/captures)

Every capture is built packet by packet from the SIP, SDP, RTP, TCP,
WebSocket, IP and link-layer rules, with correct IPv4 header checksums and
UDP/TCP checksums (IPv4 and IPv6 pseudo-headers).  Nothing is random at run
time: each capture has its own random.Random seeded from its name, and all
timestamps derive from one fixed epoch, so two runs write byte-identical
files (check with sha256sum).  Standard library only.

For each capture NAME the generator also writes NAME.intent.json, what the
generator meant to put on the wire (calls, messages, dialog states, RTP
streams, expected anomalies), and README.md listing every file.  The intent
describes the records that are actually in the file: a record cut off by a
truncated file is not counted.

Addresses are documentation ranges only: 192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32, MACs 00:00:5e:00:53:xx, example.com and
.invalid names.
"""

import argparse
import base64
import hashlib
import ipaddress
import json
import os
import random
import struct
import sys
import zlib

US = 1000
MS = 1000 * US
S = 1000 * MS
T0 = 1700000000 * S          # 2023-11-14 22:13:20 UTC, every capture starts here

OUT_DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'captures')

# --------------------------------------------------------------------------
# Checksums and addresses


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def is_v6(ip):
    return ':' in ip


def ipb(ip):
    return ipaddress.ip_address(ip).packed


def hostport(ip, port):
    return f'[{ip}]:{port}' if is_v6(ip) else f'{ip}:{port}'


def mac_of(ip):
    """A documentation-range MAC (RFC 7042) derived from an IP address."""
    return bytes([0x00, 0x00, 0x5e, 0x00, 0x53, ipb(ip)[-1]])


def l4_checksum(src, dst, proto, seg):
    if is_v6(src):
        pseudo = ipb(src) + ipb(dst) + struct.pack('!I3xB', len(seg), proto)
    else:
        pseudo = ipb(src) + ipb(dst) + struct.pack('!BBH', 0, proto, len(seg))
    return csum16(pseudo + seg)


# --------------------------------------------------------------------------
# IP, UDP, TCP


def ipv4(src, dst, proto, payload, ident, df=False, mf=False, frag_off=0,
         ttl=64, tot_len=None):
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    if tot_len is None:
        tot_len = 20 + len(payload)
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot_len & 0xffff, ident, flags,
                      ttl, proto, 0, ipb(src), ipb(dst))
    hdr = hdr[:10] + struct.pack('!H', csum16(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64, flow=0):
    return struct.pack('!IHBB16s16s', (6 << 28) | flow, len(payload), nh, hlim,
                       ipb(src), ipb(dst)) + payload


def udp_seg(src, sport, dst, dport, payload):
    seg = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ck = l4_checksum(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack('!H', ck) + seg[8:]


def tcp_seg(src, sport, dst, dport, seq, ack, flags, payload=b'', opts=b'',
            win=64240):
    off = (20 + len(opts)) // 4
    seg = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, off << 4, flags, win, 0, 0) + opts + payload
    ck = l4_checksum(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', ck) + seg[18:]


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# --------------------------------------------------------------------------
# Link layers.  name -> (LINKTYPE, description)

LINKS = {
    'eth': (1, 'Ethernet (LINKTYPE_ETHERNET 1)'),
    'vlan': (1, 'Ethernet + 802.1Q tag (0x8100, VID 100)'),
    'qinq': (1, 'Ethernet + 802.1ad S-tag (0x88a8, VID 200) + 802.1Q C-tag (0x8100, VID 100)'),
    'sll': (113, 'Linux cooked v1 (LINKTYPE_LINUX_SLL 113)'),
    'sll2': (276, 'Linux cooked v2 (LINKTYPE_LINUX_SLL2 276)'),
    'null-le': (0, 'BSD NULL (LINKTYPE_NULL 0), AF_INET 2 little-endian'),
    'null-be': (0, 'BSD NULL (LINKTYPE_NULL 0), AF_INET 2 big-endian'),
    'null-darwin6': (0, 'BSD NULL (LINKTYPE_NULL 0), AF_INET6 30 (Darwin) little-endian'),
    'loop': (108, 'OpenBSD LOOP (LINKTYPE_LOOP 108), AF_INET 2 network order'),
    'raw': (101, 'raw IP (LINKTYPE_RAW 101)'),
    'ipv4': (228, 'raw IPv4 (LINKTYPE_IPV4 228)'),
    'ipv6': (229, 'raw IPv6 (LINKTYPE_IPV6 229)'),
}


def link_wrap(link, pkt, outgoing, src_ip=None, dst_ip=None):
    v6 = (pkt[0] >> 4) == 6
    etype = 0x86dd if v6 else 0x0800
    if link in ('eth', 'vlan', 'qinq'):
        hdr = mac_of(dst_ip) + mac_of(src_ip)
        if link == 'vlan':
            hdr += struct.pack('!HH', 0x8100, 100)
        elif link == 'qinq':
            hdr += struct.pack('!HHHH', 0x88a8, 200, 0x8100, 100)
        frame = hdr + struct.pack('!H', etype) + pkt
        if len(frame) < 60:                  # Ethernet minimum, no FCS
            frame += b'\0' * (60 - len(frame))
        return frame
    if link == 'sll':
        return struct.pack('!HHH8sH', 4 if outgoing else 0, 1, 6,
                           mac_of(src_ip) + b'\0\0', etype) + pkt
    if link == 'sll2':
        return struct.pack('!HHIHBB8s', etype, 0, 2, 1, 4 if outgoing else 0, 6,
                           mac_of(src_ip) + b'\0\0') + pkt
    if link == 'null-le':
        return struct.pack('<I', 2) + pkt
    if link == 'null-be':
        return struct.pack('>I', 2) + pkt
    if link == 'null-darwin6':
        return struct.pack('<I', 30 if v6 else 2) + pkt
    if link == 'loop':
        return struct.pack('>I', 24 if v6 else 2) + pkt
    if link in ('raw', 'ipv4', 'ipv6'):
        return pkt
    raise ValueError(link)


# --------------------------------------------------------------------------
# SIP messages


class Party:
    def __init__(self, user, ip, port=5060, display=None, domain='example.com',
                 agent='DemoPhone/1.0', via=None, contact_host=None):
        self.user, self.ip, self.port = user, ip, port
        self.display, self.domain, self.agent = display, domain, agent
        self.via = via                      # sent-by for Via, default ip:port
        self.contact_host = contact_host    # host[:port] for Contact

    def hp(self):
        return hostport(self.ip, self.port)

    def aor(self):
        return f'sip:{self.user}@{self.domain}'

    def nameaddr(self):
        return (f'"{self.display}" ' if self.display else '') + f'<{self.aor()}>'


COMPACT = {'via': 'v', 'from': 'f', 'to': 't', 'call-id': 'i', 'contact': 'm',
           'content-type': 'c', 'content-length': 'l', 'subject': 's', 'supported': 'k'}


class Msg:
    """One SIP message; rendered once, so a retransmission is byte-identical."""

    def __init__(self, first, headers, body=b''):
        self.first = first
        self.headers = [list(h) for h in headers]
        self.body = body
        self.eol = '\r\n'
        self.len_name = 'Content-Length'
        self.with_len = True
        self._raw = None
        # what the generator knows about it (for the intent)
        self.call_id = None
        self.is_req = first.split(' ', 1)[0] != 'SIP/2.0'
        self.method = first.split(' ', 1)[0] if self.is_req else None
        self.status = None if self.is_req else int(first.split(' ')[1])
        self.cseq = None
        self.cseq_method = None
        self.from_user = self.to_user = None
        self.transport = 'UDP'
        self.bad = None                     # why it is malformed (anomaly name)
        self.src = self.dst = None
        self.frm = None
        self.branch = None
        self.ruri = None

    def hdr(self, name):
        names = (name.lower(), COMPACT.get(name.lower()))
        for n, v in self.headers:
            if n.lower() in names:
                return v
        return None

    def hdrs(self, name):
        names = (name.lower(), COMPACT.get(name.lower()))
        return [v for n, v in self.headers if n.lower() in names]

    def set_hdr(self, name, value):
        for h in self.headers:
            if h[0].lower() == name.lower():
                h[1] = value
                return
        self.headers.append([name, value])

    def rename(self, old, new):
        for h in self.headers:
            if h[0].lower() == old.lower():
                h[0] = new

    def raw(self):
        if self._raw is None:
            lines = [self.first] + [f'{n}: {v}' for n, v in self.headers]
            if self.with_len:
                lines.append(f'{self.len_name}: {len(self.body)}')
            self._raw = (self.eol.join(lines) + self.eol + self.eol).encode() + self.body
        return self._raw

    def label(self):
        return self.method if self.is_req else f'{self.status} ({self.cseq_method})'


REASONS = {100: 'Trying', 180: 'Ringing', 183: 'Session Progress', 200: 'OK',
           202: 'Accepted', 302: 'Moved Temporarily', 401: 'Unauthorized',
           403: 'Forbidden', 407: 'Proxy Authentication Required',
           480: 'Temporarily Unavailable', 486: 'Busy Here',
           487: 'Request Terminated', 600: 'Busy Everywhere', 603: 'Decline'}

ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, REFER, NOTIFY, MESSAGE, SUBSCRIBE'


class Dialog:
    def __init__(self, cap, a, b, transport='UDP', call_id=None, cseq=None):
        self.cap, self.a, self.b, self.transport = cap, a, b, transport
        self.call_id = call_id or cap.call_id(a)
        self.tag = {'a': cap.token(10), 'b': None}
        self.cseq = {'a': cseq if cseq is not None else cap.rng.randint(1, 120),
                     'b': cap.rng.randint(1, 120)}
        self.media = {}        # 'a'/'b' -> (ip, port) announced in SDP
        self.pt = 0
        self.sdp_ver = {'a': 0, 'b': 0}
        self.sess = {'a': cap.rng.randint(10**8, 10**9), 'b': cap.rng.randint(10**8, 10**9)}

    def party(self, who):
        return self.a if who == 'a' else self.b

    def contact(self, p):
        host = p.contact_host or p.hp()
        t = {'UDP': '', 'TCP': ';transport=tcp', 'WS': ';transport=ws'}[self.transport]
        return f'sip:{p.user}@{host}{t}'

    def via(self, p, branch):
        v = f'SIP/2.0/{self.transport} {p.via or p.hp()};branch={branch}'
        return v + (';rport' if self.transport == 'UDP' else '')

    def request(self, method, frm='a', body=b'', ctype=None, extra=(), cseq=None,
                branch=None, ruri=None, to_tag=True, contact=None, to=None):
        s, r = self.party(frm), self.party('b' if frm == 'a' else 'a')
        other = 'b' if frm == 'a' else 'a'
        if cseq is None:
            cseq = self.cseq[frm]
            self.cseq[frm] += 1
        branch = branch or self.cap.branch()
        ruri = ruri or self.contact(r)
        to_h = to or r.nameaddr()
        if to_tag and self.tag[other] and to is None:
            to_h += f';tag={self.tag[other]}'
        hdrs = [('Via', self.via(s, branch)), ('Max-Forwards', '70'),
                ('From', f'{s.nameaddr()};tag={self.tag[frm]}'), ('To', to_h),
                ('Call-ID', self.call_id), ('CSeq', f'{cseq} {method}')]
        if contact or method in ('INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY', 'UPDATE', 'REGISTER'):
            hdrs.append(('Contact', contact or f'<{self.contact(s)}>'))
        if method in ('INVITE', 'UPDATE'):
            hdrs.append(('Allow', ALLOW))
        hdrs.append(('User-Agent', s.agent))
        hdrs += list(extra)
        if body:
            hdrs.append(('Content-Type', ctype or 'application/sdp'))
        m = Msg(f'{method} {ruri} SIP/2.0', hdrs, body)
        m.call_id, m.cseq, m.cseq_method = self.call_id, cseq, method
        m.from_user = s.user
        m.to_user = r.user if to is None else to.split('sip:', 1)[1].split('@', 1)[0]
        m.transport, m.frm, m.branch, m.ruri = self.transport, frm, branch, ruri
        m.src, m.dst = (s.ip, s.port), (r.ip, r.port)
        return m

    def response(self, req, code, reason=None, body=b'', ctype=None, extra=(),
                 contact=True):
        frm = 'b' if req.frm == 'a' else 'a'
        s = self.party(frm)
        to_h = req.hdr('To')
        if code > 100 and ';tag=' not in to_h:
            if self.tag[frm] is None:
                self.tag[frm] = self.cap.token(10)
            to_h += f';tag={self.tag[frm]}'
        hdrs = [('Via', v) for v in req.hdrs('Via')]
        hdrs += [('From', req.hdr('From')), ('To', to_h), ('Call-ID', req.hdr('Call-ID')),
                 ('CSeq', req.hdr('CSeq'))]
        if contact and 100 < code < 300 and req.method in ('INVITE', 'SUBSCRIBE', 'REFER', 'UPDATE'):
            hdrs.append(('Contact', f'<{self.contact(s)}>'))
        if req.method == 'INVITE' and 100 < code < 300:
            hdrs.append(('Allow', ALLOW))
        hdrs.append(('Server', s.agent))
        hdrs += list(extra)
        if body:
            hdrs.append(('Content-Type', ctype or 'application/sdp'))
        m = Msg(f'SIP/2.0 {code} {reason or REASONS[code]}', hdrs, body)
        m.call_id, m.cseq, m.cseq_method = req.call_id, req.cseq, req.cseq_method
        m.from_user, m.to_user = req.from_user, req.to_user
        m.transport, m.frm = self.transport, frm
        m.src, m.dst = req.dst, req.src
        return m

    def ack(self, inv, resp):
        if 200 <= resp.status < 300:
            return self.request('ACK', frm=inv.frm, cseq=inv.cseq)
        m = self.request('ACK', frm=inv.frm, cseq=inv.cseq, branch=inv.branch,
                         ruri=inv.ruri, to=resp.hdr('To'))
        m.to_user = inv.to_user
        return m

    def cancel(self, inv):
        return self.request('CANCEL', frm=inv.frm, cseq=inv.cseq, branch=inv.branch,
                            ruri=inv.ruri, to_tag=False)

    # SDP
    def sdp(self, who, codecs=(0, 8, 101), direction=None, port=None, eol='\r\n',
            extra=(), video=None):
        p = self.party(who)
        if who not in self.media or port is not None:
            self.media[who] = (p.ip, port or self.cap.rtp_port(p.ip))
        ip, port = self.media[who]
        self.sdp_ver[who] += 1
        return make_sdp(p.user, ip, port, self.sess[who], self.sdp_ver[who], codecs,
                        direction, eol, extra, video)


RTPMAP = {0: 'PCMU/8000', 8: 'PCMA/8000', 9: 'G722/8000', 18: 'G729/8000',
          101: 'telephone-event/8000'}


def make_sdp(user, ip, port, sess, ver, codecs=(0, 8, 101), direction=None,
             eol='\r\n', extra=(), video=None):
    fam = 'IP6' if is_v6(ip) else 'IP4'
    lines = ['v=0', f'o={user} {sess} {ver} IN {fam} {ip}', 's=call', f'c=IN {fam} {ip}',
             't=0 0', f'm=audio {port} RTP/AVP ' + ' '.join(map(str, codecs))]
    for pt in codecs:
        lines.append(f'a=rtpmap:{pt} {RTPMAP[pt]}')
        if pt == 101:
            lines.append('a=fmtp:101 0-16')
        if pt == 18:
            lines.append('a=fmtp:18 annexb=no')
    lines.append('a=ptime:20')
    lines += list(extra)
    lines.append(f'a={direction or "sendrecv"}')
    if video:
        lines += video
    return (eol.join(lines) + eol).encode()


# --------------------------------------------------------------------------
# The capture being built


class Frame:
    __slots__ = ('ts', 'data', 'iface', 'sip', 'rtp', 'rtcp', 'comment')

    def __init__(self, ts, data, iface):
        self.ts, self.data, self.iface = ts, data, iface
        self.sip, self.rtp, self.rtcp, self.comment = [], None, None, None


class Capture:
    def __init__(self, name, desc, link='eth', fmt='pcap', ifaces=None, tsres=6,
                 endian='<', snaplen=262144, exercises=()):
        self.name, self.desc, self.fmt = name, desc, fmt
        self.exercises = list(exercises)
        self.ifaces = ifaces or [dict(link=link, name='eth0', tsresol=tsres)]
        self.tsres, self.endian, self.snaplen = tsres, endian, snaplen
        self.rng = random.Random(zlib.crc32(name.encode()))
        self.clock = T0
        self.last_ts = 0
        self.frames = []
        self.ipid = self.rng.randint(0x1000, 0xf000)
        self.streams = {}           # (src, dst) -> stream dict, RTP
        self.rtcp_streams = {}
        self.ports = {}
        self.ssrcs = set()
        self.local = set()          # the capturing host's addresses (SLL direction)
        self.tunnel = None          # (ipproto, {inner ip: outer ip})
        self.anomalies = {}
        self.notes = []
        self.not_sip = []
        self.file_error = None
        self.truncate = None        # ('record', fraction) or ('bytes', n)
        self.raw_bytes = None       # for non-capture files
        self.extra = {}
        self.ns_jitter = (tsres == 9)
        self.sort_frames = False

    # ids
    def token(self, n):
        return ''.join(self.rng.choice('0123456789abcdef') for _ in range(n))

    def branch(self):
        return 'z9hG4bK' + self.token(12)

    def call_id(self, party):
        return f'{self.token(16)}@{party.ip if not is_v6(party.ip) else party.domain}'

    def rtp_port(self, ip):
        n = self.ports.get(ip, 0)
        self.ports[ip] = n + 1
        return 20000 + (ipb(ip)[-1] * 100) % 40000 + 2 * n

    def ssrc(self):
        while True:
            v = self.rng.getrandbits(32)
            if v not in self.ssrcs and v:
                self.ssrcs.add(v)
                return v

    # time
    def wait(self, ns):
        self.clock += ns

    def rewind(self, t):
        """Goes back in time to build traffic that overlaps what is built
        already; the frames are sorted by time when written (sort_frames)."""
        self.clock = t
        self.last_ts = t - US

    # frames
    def add_frame(self, data, iface=0):
        ts = max(self.clock, self.last_ts + US)
        if self.ns_jitter:
            ts += (len(self.frames) * 7919) % 1000
        self.last_ts = ts
        self.clock = max(self.clock, ts)
        f = Frame(ts, data, iface)
        self.frames.append(f)
        return f

    def emit_ip(self, pkt, iface=0, src=None, dst=None):
        if self.tunnel:
            proto, amap = self.tunnel
            osrc, odst = amap[src], amap[dst]
            self.ipid = (self.ipid + 1) & 0xffff
            pkt = ipv4(osrc, odst, proto, pkt, self.ipid)
            src, dst = osrc, odst
        link = self.ifaces[iface]['link']
        return self.add_frame(link_wrap(link, pkt, src in self.local, src, dst), iface)

    def ip(self, src, dst, proto, l4, df=False):
        if is_v6(src):
            return ipv6(src, dst, proto, l4)
        self.ipid = (self.ipid + 1) & 0xffff
        return ipv4(src, dst, proto, l4, self.ipid, df=df)

    def udp(self, src, dst, payload, iface=0):
        """src, dst: (ip, port)."""
        seg = udp_seg(src[0], src[1], dst[0], dst[1], payload)
        return self.emit_ip(self.ip(src[0], dst[0], 17, seg), iface, src[0], dst[0])

    def send(self, msg, delay=2 * MS, retrans=False, iface=0):
        """A SIP message over UDP in one datagram."""
        self.wait(delay)
        f = self.udp(msg.src, msg.dst, msg.raw(), iface)
        f.sip.append((msg, retrans))
        return msg

    # RTP / RTCP
    def stream(self, src, dst, pt, call_id, announced=True):
        key = (src, dst)
        if key not in self.streams:
            self.streams[key] = dict(src=src, dst=dst, pt=pt, ssrc=self.ssrc(),
                                     seq=self.rng.getrandbits(16),
                                     ts=self.rng.getrandbits(32), call_id=call_id,
                                     packets=0, octets=0, announced=announced)
        return key

    def rtp(self, key, marker=False, iface=0):
        s = self.streams[key]
        hdr = struct.pack('!BBHII', 0x80, (0x80 if marker else 0) | s['pt'],
                          s['seq'] & 0xffff, s['ts'] & 0xffffffff, s['ssrc'])
        fill = 0xd5 if s['pt'] == 8 else 0xff
        payload = bytes([fill ^ ((s['seq'] + i) % 3) for i in range(160)])
        s['seq'] += 1
        s['ts'] += 160
        s['packets'] += 1
        s['octets'] += 160
        f = self.udp(s['src'], s['dst'], hdr + payload, iface)
        f.rtp = key

    def rtcp(self, key, iface=0):
        s = self.streams[key]
        src = (s['src'][0], s['src'][1] + 1)
        dst = (s['dst'][0], s['dst'][1] + 1)
        secs, frac = divmod(self.clock, S)
        ntp = ((secs + 2208988800) << 32) | ((frac << 32) // S)
        sr = struct.pack('!BBHIQIII', 0x80, 200, 6, s['ssrc'], ntp, s['ts'] & 0xffffffff,
                         s['packets'], s['octets'])
        cname = f'{s["src"][0]}'.encode()
        chunk = struct.pack('!IBB', s['ssrc'], 1, len(cname)) + cname + b'\0'
        chunk += b'\0' * (-len(chunk) % 4)
        sdes = struct.pack('!BBH', 0x81, 202, len(chunk) // 4) + chunk
        f = self.udp(src, dst, sr + sdes, iface)
        rk = (src, dst)
        self.rtcp_streams.setdefault(rk, dict(src=src, dst=dst, ssrc=s['ssrc'],
                                              call_id=s['call_id'], packets=0))
        self.rtcp_streams[rk]['packets'] += 1
        f.rtcp = rk

    def talk(self, d, n, dirs=('ab', 'ba'), rtcp_every=0, src_override=None, iface=0):
        """n packets of 20 ms G.711 each way, per the SDP offer/answer of d."""
        keys = []
        for dd in dirs:
            s, r = dd[0], dd[1]
            src = d.media[s]
            if src_override and s in src_override:
                src = src_override[s]
            keys.append(self.stream(src, d.media[r], d.pt, d.call_id))
        t0 = self.clock + 20 * MS
        for i in range(n):
            for k, key in enumerate(keys):
                self.clock = t0 + i * 20 * MS + k * (7 * MS + 311 * US)
                self.rtp(key, marker=(i == 0 and self.streams[key]['packets'] == 0), iface=iface)
                if rtcp_every and i % rtcp_every == rtcp_every - 1:
                    self.wait(1 * MS)
                    self.rtcp(key, iface)
        self.clock = t0 + n * 20 * MS

    # helpers for the intent
    def anomaly(self, name, n=1):
        self.anomalies[name] = self.anomalies.get(name, 0) + n


# --------------------------------------------------------------------------
# TCP connections


class Tcp:
    def __init__(self, cap, cli, srv, iface=0):
        self.c, self.iface = cap, iface
        self.ep = {'c': cli, 's': srv}
        self.nxt = {'c': cap.rng.getrandbits(32), 's': cap.rng.getrandbits(32)}

    @staticmethod
    def other(d):
        return 's' if d == 'c' else 'c'

    def seg(self, d, flags, payload=b'', seq=None, ack=None, opts=b'', delay=1 * MS):
        self.c.wait(delay)
        src, dst = self.ep[d], self.ep[self.other(d)]
        seq = self.nxt[d] if seq is None else seq
        if ack is None:
            ack = self.nxt[self.other(d)] if flags & ACK else 0
        seg = tcp_seg(src[0], src[1], dst[0], dst[1], seq, ack, flags, payload, opts)
        return self.c.emit_ip(self.c.ip(src[0], dst[0], 6, seg, df=True), self.iface,
                              src[0], dst[0])

    def open(self):
        mss = struct.pack('!BBH', 2, 4, 1440 if is_v6(self.ep['c'][0]) else 1460)
        self.seg('c', SYN, opts=mss)
        self.nxt['c'] += 1
        self.seg('s', SYN | ACK, opts=mss, delay=20 * MS)
        self.nxt['s'] += 1
        self.seg('c', ACK, delay=20 * MS)

    def close(self):
        self.seg('c', FIN | ACK, delay=50 * MS)
        self.nxt['c'] += 1
        self.seg('s', FIN | ACK, delay=20 * MS)
        self.nxt['s'] += 1
        self.seg('c', ACK, delay=20 * MS)

    def pieces(self, d, data, cuts=()):
        """Splits data at the offsets in cuts: [(seq, bytes, start, end)]."""
        bounds = [0] + sorted(cuts) + [len(data)]
        base = self.nxt[d]
        out = [(base + a, data[a:b], a, b) for a, b in zip(bounds, bounds[1:])]
        self.nxt[d] += len(data)
        return out

    def send(self, d, data, cuts=(), sip=(), order=None, ack=True, delay=2 * MS,
             gap=1 * MS):
        """Sends data in segments; sip: [(msg, end offset in data)].  A message
        is attached to the segment holding its last byte."""
        ps = self.pieces(d, data, cuts)
        order = list(range(len(ps))) if order is None else order
        frames = {}
        first = True
        for i in order:
            seq, chunk, a, b = ps[i]
            f = self.seg(d, PSH | ACK, chunk, seq=seq, delay=delay if first else gap)
            first = False
            frames.setdefault(i, f)
        for m, end in sip:
            for i, (seq, chunk, a, b) in enumerate(ps):
                if a < end <= b:
                    frames[i].sip.append((m, False))
        if ack:
            self.seg(self.other(d), ACK, delay=1 * MS)
        return ps

    def send_msgs(self, d, msgs, cuts=(), **kw):
        data, sip = b'', []
        for m in msgs:
            data += m.raw()
            sip.append((m, len(data)))
        return self.send(d, data, cuts, sip, **kw)


# --------------------------------------------------------------------------
# WebSocket (RFC 6455) frames


def ws_frame(payload, opcode=1, mask=None, form=None, fin=True):
    n = len(payload)
    if form is None:
        form = 7 if n < 126 else (16 if n < 65536 else 64)
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    if form == 7:
        assert n < 126
        hdr = struct.pack('!BB', b0, mbit | n)
    elif form == 16:
        hdr = struct.pack('!BBH', b0, mbit | 126, n)
    else:
        hdr = struct.pack('!BBQ', b0, mbit | 127, n)
    if mask:
        hdr += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return hdr + payload


# --------------------------------------------------------------------------
# Writers


def pcap_bytes(c, frames):
    bo = c.endian
    magic = 0xa1b23c4d if c.tsres == 9 else 0xa1b2c3d4
    link = LINKS[c.ifaces[0]['link']][0]
    recs = [struct.pack(bo + 'IHHiIII', magic, 2, 4, 0, 0, c.snaplen, link)]
    for f in frames:
        sec, frac = divmod(f.ts, S)
        if c.tsres != 9:
            frac //= 1000
        data = f.data[:c.snaplen]
        recs.append(struct.pack(bo + 'IIII', sec, frac, len(data), len(f.data)) + data)
    return recs


def ng_opt(bo, code, val):
    return struct.pack(bo + 'HH', code, len(val)) + val + b'\0' * (-len(val) % 4)


def ng_block(bo, btype, body):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(bo + 'II', btype, n) + body + struct.pack(bo + 'I', n)


def pcapng_bytes(c, frames):
    bo = c.endian
    opts = (ng_opt(bo, 3, b'Linux 6.1 (documentation host)') +
            ng_opt(bo, 4, b'sipmon tests/golden/gen-captures.py') + ng_opt(bo, 0, b''))
    recs = [ng_block(bo, 0x0A0D0D0A, struct.pack(bo + 'IHHq', 0x1A2B3C4D, 1, 0, -1) + opts)]
    for ifc in c.ifaces:
        o = ng_opt(bo, 2, ifc['name'].encode())
        if ifc.get('tsresol_opt', True):
            o += ng_opt(bo, 9, bytes([ifc['tsresol']]))
        o += ng_opt(bo, 0, b'')
        recs.append(ng_block(bo, 1, struct.pack(bo + 'HHI', LINKS[ifc['link']][0], 0,
                                                 c.snaplen) + o))
    for f in frames:
        res = c.ifaces[f.iface]['tsresol']
        units = f.ts // 10 ** (9 - res)
        data = f.data[:c.snaplen]
        body = struct.pack(bo + 'IIIII', f.iface, units >> 32, units & 0xffffffff,
                           len(data), len(f.data)) + data + b'\0' * (-len(data) % 4)
        if f.comment:
            body += ng_opt(bo, 1, f.comment.encode()) + ng_opt(bo, 0, b'')
        recs.append(ng_block(bo, 6, body))
    return recs


# --------------------------------------------------------------------------
# Intent


def sngrep_state(msgs):
    """The call state sngrep 1.x (call_update_state) derives: None for a
    dialog not started by INVITE."""
    if not msgs or msgs[0].method != 'INVITE':
        return None
    state, invcseq = None, None
    for m in msgs:
        rr = m.method if m.is_req else m.status
        num = isinstance(rr, int)
        if state is None:
            if rr == 'INVITE':
                invcseq, state = m.cseq, 'CALL SETUP'
        elif state == 'CALL SETUP':
            if rr == 'ACK' and invcseq == m.cseq:
                state = 'IN CALL'
            elif rr == 'CANCEL':
                state = 'CANCELLED'
            elif rr in (480, 486, 600):
                state = 'BUSY'
            elif num and rr > 400 and invcseq == m.cseq:
                state = 'REJECTED'
            elif num and rr > 300:
                state = 'DIVERTED'
        elif state == 'IN CALL':
            if rr == 'BYE':
                state = 'COMPLETED'
        elif rr == 'INVITE':
            invcseq, state = m.cseq, 'CALL SETUP'
    return state


def stream_json(s):
    return {'src': hostport(*s['src']), 'dst': hostport(*s['dst']),
            'ssrc': '0x%08x' % s['ssrc'], 'packets': s['count']}


def build_intent(c, frames, fname, expect_states):
    calls, order = {}, []
    sip_total, sip_cut, malformed = 0, 0, []
    rtp_count, rtcp_count = {}, {}
    for f in frames:
        cut = len(f.data) > c.snaplen
        for m, retr in f.sip:
            sip_total += 1
            if cut:
                sip_cut += 1
            if m.bad:
                malformed.append({'reason': m.bad, 'call_id': m.call_id,
                                  'first_line': m.first})
                continue
            if m.call_id not in calls:
                calls[m.call_id] = []
                order.append(m.call_id)
            calls[m.call_id].append((m, retr))
        if f.rtp:
            rtp_count[f.rtp] = rtp_count.get(f.rtp, 0) + 1
        if f.rtcp:
            rtcp_count[f.rtcp] = rtcp_count.get(f.rtcp, 0) + 1
    out_calls = []
    for cid in order:
        ms = calls[cid]
        first = ms[0][0]
        fm = first.method if first.is_req else None
        finals = [m.status for m, r in ms if not m.is_req and m.status >= 200
                  and m.cseq_method == fm]
        state = sngrep_state([m for m, r in ms])
        if cid in expect_states and expect_states[cid] != state:
            raise SystemExit(f'{c.name}: call {cid}: state {state}, expected {expect_states[cid]}')
        rtp = []
        for key, s in c.streams.items():
            if s['call_id'] == cid and key in rtp_count:
                rtp.append(stream_json(dict(s, count=rtp_count[key])) |
                           {'payload_type': s['pt']})
        call = {'call_id': cid, 'first_method': fm, 'from_user': first.from_user,
                'to_user': first.to_user, 'transport': first.transport,
                'messages': len(ms), 'retransmissions': sum(1 for m, r in ms if r),
                'final_status': finals[-1] if finals else None, 'state': state,
                'sequence': [m.label() + (' (retransmission)' if r else '') for m, r in ms],
                'rtp_streams': rtp}
        rtcp = [stream_json(dict(s, count=rtcp_count[k])) for k, s in c.rtcp_streams.items()
                if s['call_id'] == cid and k in rtcp_count]
        if rtcp:
            call['rtcp_streams'] = rtcp
        out_calls.append(call)
    for cid in expect_states:
        if cid not in calls:
            raise SystemExit(f'{c.name}: expected call {cid} missing')
    orphans = [stream_json(dict(s, count=rtp_count[k])) | {'payload_type': s['pt']}
               for k, s in c.streams.items() if s['call_id'] is None and k in rtp_count]
    fmt = {'container': c.fmt, 'byte_order': 'big-endian' if c.endian == '>' else 'little-endian',
           'interfaces': [{'name': i['name'], 'linktype': LINKS[i['link']][0],
                           'link': LINKS[i['link']][1], 'tsresol': i['tsresol']}
                          for i in c.ifaces],
           'snaplen': c.snaplen}
    if c.fmt == 'pcap':
        fmt['timestamps'] = 'nanosecond' if c.tsres == 9 else 'microsecond'
    intent = {'capture': fname, 'description': c.desc, 'format': fmt,
              'packets': len(frames), 'sip_messages': sip_total}
    if sip_cut:
        intent['sip_messages_cut_by_snaplen'] = sip_cut
    intent['calls'] = out_calls
    intent['orphan_rtp_streams'] = orphans
    intent['malformed_sip'] = malformed
    intent['not_sip'] = c.not_sip
    intent['anomalies'] = dict(sorted(c.anomalies.items()))
    intent['file_error'] = c.file_error
    intent.update(c.extra)
    intent['notes'] = c.notes
    return intent


def render(c):
    """-> (file name, bytes, intent)."""
    ext = '.pcapng' if c.fmt == 'pcapng' else '.pcap'
    fname = c.name + ext
    if c.raw_bytes is not None:
        fname = c.name + c.extra.pop('_ext', ext)
        data, frames = c.raw_bytes, []
    else:
        if c.sort_frames:
            c.frames = [f for i, f in sorted(enumerate(c.frames), key=lambda x: (x[1].ts, x[0]))]
        recs = (pcapng_bytes if c.fmt == 'pcapng' else pcap_bytes)(c, c.frames)
        frames = c.frames
        if c.truncate and c.truncate[0] == 'record':
            last = recs[-1]
            recs = recs[:-1] + [last[:16 + (len(last) - 16) // 2]]
            frames = c.frames[:-1]
        data = b''.join(recs)
        if c.truncate and c.truncate[0] == 'bytes':
            data = data[:c.truncate[1]]
            frames = []
    return fname, data, build_intent(c, frames, fname, getattr(c, 'expect', {}))


# --------------------------------------------------------------------------
# Call flows

ALICE = Party('alice', '192.0.2.10', display='Alice')
BOB = Party('bob', '198.51.100.20', display='Bob', agent='DemoPhone/2.3')
CAROL = Party('carol', '203.0.113.30', display='Carol')
PBX_IP = '203.0.113.1'
ALICE6 = Party('alice', '2001:db8:a::10', display='Alice')
BOB6 = Party('bob', '2001:db8:b::20', display='Bob', agent='DemoPhone/2.3')


def expect(c, d, state):
    if not hasattr(c, 'expect'):
        c.expect = {}
    c.expect[d.call_id] = state


def basic_call(c, a=ALICE, b=BOB, n_rtp=8, codec=0, iface=0, bye=True, rtcp_every=0,
               transport='UDP', d=None):
    """INVITE/100/180/200/ACK, RTP both ways, BYE/200 over UDP."""
    d = d or Dialog(c, a, b, transport)
    d.pt = codec
    inv = c.send(d.request('INVITE', body=d.sdp('a')), iface=iface)
    c.send(d.response(inv, 100), delay=3 * MS, iface=iface)
    c.send(d.response(inv, 180), delay=40 * MS, iface=iface)
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(codec, 101))),
                delay=1200 * MS, iface=iface)
    c.send(d.ack(inv, ok), delay=3 * MS, iface=iface)
    c.talk(d, n_rtp, rtcp_every=rtcp_every, iface=iface)
    if bye:
        by = c.send(d.request('BYE'), delay=30 * MS, iface=iface)
        c.send(d.response(by, 200), delay=3 * MS, iface=iface)
        expect(c, d, 'COMPLETED')
    else:
        expect(c, d, 'IN CALL')
    return d


def simple_capture(name, desc, exercises, link='eth', a=ALICE, b=BOB, **kw):
    c = Capture(name, desc, link=link, exercises=exercises, **kw)
    c.local.add(a.ip)
    basic_call(c, a, b)
    return c


# --------------------------------------------------------------------------
# The captures


def caps_formats():
    out = []
    out.append(simple_capture(
        'fmt-pcap-usec', 'classic pcap, little-endian, microsecond timestamps, one basic call',
        ['pcap magic a1b2c3d4 (written little-endian: d4 c3 b2 a1)', 'microsecond timestamps']))
    out.append(simple_capture(
        'fmt-pcap-nsec', 'classic pcap, little-endian, nanosecond timestamps, one basic call',
        ['pcap magic a1b23c4d (nanosecond)', 'timestamps with sub-microsecond digits'],
        tsres=9))
    out.append(simple_capture(
        'fmt-pcap-be', 'classic pcap written big-endian (magic bytes a1 b2 c3 d4), one basic call',
        ['byte-swapped pcap header and record headers'], endian='>'))

    c = Capture('fmt-pcapng', 'pcapng: SHB + one IDB (if_tsresol=9, nanoseconds) + EPBs, one basic call',
                fmt='pcapng', ifaces=[dict(link='eth', name='eth0', tsresol=9)],
                exercises=['pcapng SHB with options', 'IDB with if_name and if_tsresol=9',
                           'EPBs, the first with an opt_comment option'])
    c.ns_jitter = True
    c.local.add(ALICE.ip)
    basic_call(c)
    c.frames[0].comment = 'first INVITE (EPB comment option)'
    out.append(c)

    c = Capture('fmt-pcapng-2if', 'pcapng with two interfaces of different link types '
                '(eth0: Ethernet, if_tsresol 6; tun0: raw IP, if_tsresol 9); one call on each; EPBs only (no SPB)',
                fmt='pcapng', ifaces=[dict(link='eth', name='eth0', tsresol=6),
                                      dict(link='raw', name='tun0', tsresol=9)],
                exercises=['two IDBs with different LINKTYPEs in one section',
                           'per-interface timestamp resolution', 'EPB interface_id 0 and 1'])
    c.local.update([ALICE.ip])
    basic_call(c, iface=0)
    c.wait(300 * MS)
    basic_call(c, Party('dave', '192.0.2.44', display='Dave'),
               Party('erin', '198.51.100.55', display='Erin'), iface=1, codec=8)
    c.notes.append('libpcap up to at least 1.10 refuses pcapng files whose interfaces '
                   'have different link types ("an interface has a type ... different '
                   'from the type of the first interface"); Wireshark reads it.')
    out.append(c)

    c = Capture('fmt-pcapng-2if-eth', 'pcapng with two Ethernet interfaces (eth0 if_tsresol 6, '
                'eth1 if_tsresol 9); one call on each, the second starting during the first\'s RTP',
                fmt='pcapng', ifaces=[dict(link='eth', name='eth0', tsresol=6),
                                      dict(link='eth', name='eth1', tsresol=9)],
                exercises=['two IDBs of the same LINKTYPE (readable by libpcap)',
                           'per-interface timestamp resolution', 'EPB interface_id 0 and 1'])
    c.local.update([ALICE.ip])
    c.ns_jitter = True
    basic_call(c, iface=0, n_rtp=10)
    c.rewind(T0 + 1300 * MS)
    basic_call(c, Party('dave', '192.0.2.44', display='Dave'),
               Party('erin', '198.51.100.55', display='Erin'), iface=1, codec=8, n_rtp=4)
    c.sort_frames = True
    out.append(c)

    c = Capture('fmt-pcapng-be', 'pcapng written big-endian (byte-order magic 1a2b3c4d on disk), '
                'IDB without if_tsresol (default microseconds), one basic call',
                fmt='pcapng', endian='>',
                ifaces=[dict(link='eth', name='eth0', tsresol=6, tsresol_opt=False)],
                exercises=['big-endian pcapng section', 'default timestamp resolution'])
    c.local.add(ALICE.ip)
    basic_call(c)
    out.append(c)

    c = simple_capture('fmt-truncated-record',
                       'classic pcap cut in the middle of the last record\'s packet data '
                       '(the 200 OK to BYE)', ['file ends inside a record: the last record is '
                                               'incomplete and must be reported, not read'])
    c.truncate = ('record', 0.5)
    c.file_error = 'truncated record at end of file (after the last complete record)'
    c.notes.append('The intent counts only complete records: the final 200 OK (BYE) is cut off, '
                   'so the call has BYE but no 200 to it; sngrep state is COMPLETED already at BYE.')
    out.append(c)

    c = simple_capture('fmt-truncated-header', 'classic pcap cut inside the 24-byte global header '
                       '(16 bytes left)', ['file shorter than the pcap global header'])
    c.truncate = ('bytes', 16)
    c.expect = {}
    c.file_error = 'truncated pcap global header'
    out.append(c)

    c = Capture('fmt-text', 'a text file named .pcap: not a capture', exercises=['non-capture input'])
    c.raw_bytes = (b'This is not a capture file.\n'
                   b'INVITE sip:bob@example.com SIP/2.0\n'
                   b'It only looks like one by its name.\n')
    c.file_error = 'not a pcap or pcapng file (unknown magic)'
    out.append(c)
    return out


def caps_links():
    out = []
    v4 = [('eth', 'linktype-ethernet'), ('vlan', 'linktype-vlan'), ('qinq', 'linktype-qinq'),
          ('sll', 'linktype-sll'), ('sll2', 'linktype-sll2'), ('null-le', 'linktype-null-le'),
          ('null-be', 'linktype-null-be'), ('loop', 'linktype-loop'), ('raw', 'linktype-raw'),
          ('ipv4', 'linktype-ipv4')]
    for link, name in v4:
        c = simple_capture(name, f'{LINKS[link][1]}: one basic IPv4 call', [], link=link)
        if link == 'eth':
            # an ARP request first: not IP, must be skipped silently
            arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac_of(ALICE.ip),
                              ipb(ALICE.ip), b'\0' * 6, ipb('192.0.2.1'))
            fr = Frame(T0 - 5 * MS, (b'\xff' * 6 + mac_of(ALICE.ip) + b'\x08\x06' + arp +
                                     b'\0' * 18), 0)
            c.frames.insert(0, fr)
            c.exercises.append('one ARP frame (ethertype 0x0806) that is not IP')
            c.exercises.append('short frames padded to 60 bytes (IP total length must be used)')
        if link in ('sll', 'sll2'):
            c.exercises.append('packet type 4 (outgoing) for the capturing host 192.0.2.10, 0 (to us) otherwise')
        out.append(c)
    out.append(simple_capture('linktype-null-darwin-ipv6',
                              f'{LINKS["null-darwin6"][1]}: one basic IPv6 call',
                              [], link='null-darwin6', a=ALICE6, b=BOB6))
    out.append(simple_capture('linktype-ipv6', f'{LINKS["ipv6"][1]}: one basic IPv6 call',
                              [], link='ipv6', a=ALICE6, b=BOB6))
    return out


def big_sdp(d, who, eol='\r\n'):
    p = d.party(who)
    ip = p.ip
    fam = 'IP6' if is_v6(ip) else 'IP4'
    cands = []
    port = None
    d.media[who] = (ip, d.cap.rtp_port(ip))
    port = d.media[who][1]
    for i in range(12):
        cands.append(f'a=candidate:{i + 1} 1 UDP {2130706431 - i * 1000} {ip} {port} typ host')
        cands.append(f'a=candidate:{i + 1} 2 UDP {2130706430 - i * 1000} {ip} {port + 1} typ host')
    video = [f'm=video {port + 2} RTP/AVP 96 97 98 99 100', f'c=IN {fam} {ip}', 'a=rtcp-mux']
    for pt, prof in zip((96, 97, 98, 99, 100), ('42e01f', '42801f', '640c1f', '4d001f', '42e00a')):
        video += [f'a=rtpmap:{pt} H264/90000',
                  f'a=fmtp:{pt} profile-level-id={prof};packetization-mode=1;max-fs=3600;max-mbps=108000',
                  f'a=rtcp-fb:{pt} nack', f'a=rtcp-fb:{pt} nack pli', f'a=rtcp-fb:{pt} ccm fir',
                  f'a=rtcp-fb:{pt} goog-remb']
    video += ['a=sendrecv', 'a=label:main-video', 'a=content:main']
    d.sdp_ver[who] += 1
    return make_sdp(p.user, ip, port, d.sess[who], d.sdp_ver[who], (0, 8, 9, 18, 101), None,
                    eol, ['a=rtcp:%d IN %s %s' % (port + 1, fam, ip), 'a=ice-ufrag:Xq8r',
                          'a=ice-pwd:asd88fgpdd777uzjYhagZg9zs8W6oi2Z'] + cands, video)


def answer_no_video(d, who, codec):
    body = d.sdp(who, codecs=(codec, 101))
    return body + b'm=video 0 RTP/AVP 96\r\n'


def frag_v4(c, pkt_l4, src, dst, proto, mtu=1500):
    """IPv4 fragments of one datagram: list of IP packets."""
    c.ipid = (c.ipid + 1) & 0xffff
    per = (mtu - 20) // 8 * 8
    frs = []
    for off in range(0, len(pkt_l4), per):
        chunk = pkt_l4[off:off + per]
        frs.append(ipv4(src, dst, proto, chunk, c.ipid, mf=off + per < len(pkt_l4), frag_off=off))
    return frs


def frag_v6(c, l4, src, dst, proto, mtu=1280):
    """IPv6 fragments with Hop-by-Hop and Destination Options headers in the
    unfragmentable part, before the Fragment header."""
    ident = c.rng.getrandbits(32)
    hbh = struct.pack('!BB', 60, 0) + b'\x01\x04\0\0\0\0'          # -> DestOpts, PadN
    dopt = struct.pack('!BB', 44, 0) + b'\x01\x04\0\0\0\0'         # -> Fragment, PadN
    per = (mtu - 40 - len(hbh) - len(dopt) - 8) // 8 * 8
    frs = []
    for off in range(0, len(l4), per):
        chunk = l4[off:off + per]
        more = off + per < len(l4)
        fh = struct.pack('!BBHI', proto, 0, off | (1 if more else 0), ident)
        frs.append(ipv6(src, dst, 0, hbh + dopt + fh + chunk))
    return frs


def send_fragmented(c, msg, order=None, dup=None, drop_last=False):
    l4 = udp_seg(msg.src[0], msg.src[1], msg.dst[0], msg.dst[1], msg.raw())
    if is_v6(msg.src[0]):
        frs = frag_v6(c, l4, msg.src[0], msg.dst[0], 17)
    else:
        frs = frag_v4(c, l4, msg.src[0], msg.dst[0], 17)
    seq = list(order) if order else list(range(len(frs)))
    if dup is not None:
        seq.insert(seq.index(dup) + 1, dup)
    if drop_last:
        seq = [i for i in seq if i != len(frs) - 1]
    c.wait(2 * MS)
    last = None
    done = set()
    for i in seq:
        f = c.emit_ip(frs[i], 0, msg.src[0], msg.dst[0])
        c.wait(50 * US)
        done.add(i)
        if len(done) == len(frs) and last is None:
            last = f
    if last is not None:
        last.sip.append((msg, False))
    return len(frs)


def frag_call(c, order=None, dup=None):
    d = Dialog(c, ALICE6 if c.v6 else ALICE, BOB6 if c.v6 else BOB)
    d.pt = 8
    inv = d.request('INVITE', body=big_sdp(d, 'a'), extra=[('Subject', 'big SDP offer')])
    n = send_fragmented(c, inv, order, dup)
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    ok = c.send(d.response(inv, 200, body=answer_no_video(d, 'b', 8)), delay=900 * MS)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 6)
    by = c.send(d.request('BYE'), delay=30 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    return inv, n


def caps_ip():
    out = []
    c = Capture('ip4-frag', 'IPv4: INVITE with a big SDP (audio + ICE candidates + video) in 3 '
                'fragments, in order', exercises=['IPv4 fragment reassembly (MF, offsets)',
                                                  'UDP checksum over the reassembled datagram',
                                                  'answer rejects video (m=video 0): RTP only for audio'])
    c.v6 = False
    c.local.add(ALICE.ip)
    inv, n = frag_call(c)
    assert n == 3, n
    c.extra['fragmented_messages'] = [{'message': 'INVITE', 'udp_bytes': len(inv.raw()) + 8,
                                       'fragments': n}]
    out.append(c)

    c = Capture('ip4-frag-reorder', 'IPv4: the same big INVITE in 3 fragments sent out of order '
                '(3, 1, 2) with fragment 1 duplicated', exercises=['out-of-order fragments',
                                                                   'a duplicated fragment (must not count twice)'])
    c.v6 = False
    c.local.add(ALICE.ip)
    inv, n = frag_call(c, order=[2, 0, 1], dup=0)
    c.extra['fragmented_messages'] = [{'message': 'INVITE', 'fragments': n,
                                       'frames': 4, 'order_sent': [3, 1, 1, 2]}]
    out.append(c)

    c = Capture('ip4-frag-incomplete', 'IPv4: an INVITE whose last fragment never arrives, '
                'then an unrelated OPTIONS/200 that is complete',
                exercises=['a fragment set that never completes (must expire, not decode)'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    c.v6 = False
    inv = d.request('INVITE', body=big_sdp(d, 'a'))
    send_fragmented(c, inv, drop_last=True)
    c.wait(2 * S)
    d2 = Dialog(c, Party('monitor', '192.0.2.99', agent='DemoMonitor/1.0'), BOB)
    op = c.send(d2.request('OPTIONS', ruri=f'sip:{BOB.ip}'))
    c.send(d2.response(op, 200, extra=[('Accept', 'application/sdp')], contact=False))
    c.anomaly('frag_timeout')
    c.notes.append('The two fragments of the INVITE (call %s) are not a SIP message: '
                   'it never completes.' % d.call_id)
    out.append(c)

    c = Capture('ip6-frag-ext', 'IPv6: INVITE with big SDP fragmented; every fragment has '
                'Hop-by-Hop and Destination Options headers before the Fragment header',
                exercises=['IPv6 extension header chain 0 -> 60 -> 44 -> 17',
                           'IPv6 fragment reassembly', 'IPv6 UDP checksum', 'c=IN IP6 SDP'])
    c.v6 = True
    c.local.add(ALICE6.ip)
    inv, n = frag_call(c)
    c.extra['fragmented_messages'] = [{'message': 'INVITE', 'udp_bytes': len(inv.raw()) + 8,
                                       'fragments': n}]
    out.append(c)

    c = Capture('ip-4in4', 'IPv4-in-IPv4 (protocol 4) tunnel 203.0.113.101 <-> 203.0.113.102 '
                'carrying one basic call (signalling and RTP)', exercises=['IP-in-IP, inner IPv4'])
    c.tunnel = (4, {ALICE.ip: '203.0.113.101', BOB.ip: '203.0.113.102'})
    basic_call(c)
    out.append(c)

    c = Capture('ip-6in4', 'IPv6-in-IPv4 (protocol 41) tunnel 203.0.113.101 <-> 203.0.113.102 '
                'carrying one basic IPv6 call', exercises=['6in4, inner IPv6 with IPv6 SDP'])
    c.tunnel = (41, {ALICE6.ip: '203.0.113.101', BOB6.ip: '203.0.113.102'})
    basic_call(c, ALICE6, BOB6)
    out.append(c)

    c = Capture('ip6-call', 'IPv6 SIP/UDP call over Ethernet, c=IN IP6 SDP, RTP over IPv6',
                exercises=['IPv6 SIP', 'IPv6 SDP (c=IN IP6, o=... IN IP6)', 'RTP over IPv6',
                           'Via/Contact with [IPv6]:port'])
    c.local.add(ALICE6.ip)
    basic_call(c, ALICE6, BOB6, n_rtp=12)
    out.append(c)
    return out


# ---- TCP

def tcp_parties(port=5060):
    a = Party('alice', ALICE.ip, port=port, display='Alice')
    b = Party('bob', BOB.ip, port=port, display='Bob', agent='DemoPhone/2.3')
    return a, b


def caps_tcp():
    out = []
    # several messages in one segment
    c = Capture('tcp-multi', 'SIP over TCP 5060: 100 Trying + 180 Ringing + 200 OK (with SDP) in '
                'one segment; CRLF keep-alive ping/pong; handshake and FIN',
                exercises=['several SIP messages in one TCP segment, framed by Content-Length',
                           'RFC 5626 CRLFCRLF ping / CRLF pong between messages (not SIP)',
                           'TCP three-way handshake and FIN close'])
    c.local.add(ALICE.ip)
    a, b = tcp_parties()
    d = Dialog(c, a, b, 'TCP')
    t = Tcp(c, (a.ip, 49152 + 1234), (b.ip, 5060))
    t.open()
    inv = d.request('INVITE', body=d.sdp('a'))
    t.send_msgs('c', [inv])
    d.pt = 0
    r100, r180 = d.response(inv, 100), d.response(inv, 180)
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(0, 101)))
    t.send_msgs('s', [r100, r180, ok], delay=5 * MS)
    t.send_msgs('c', [d.ack(inv, ok)])
    t.send('c', b'\r\n\r\n', delay=5 * MS)
    t.send('s', b'\r\n', delay=2 * MS)
    c.talk(d, 8)
    by = d.request('BYE')
    t.send_msgs('c', [by])
    t.send_msgs('s', [d.response(by, 200)])
    t.close()
    expect(c, d, 'COMPLETED')
    c.not_sip.append('CRLFCRLF keep-alive from the client and CRLF pong from the server')
    out.append(c)

    # one message across 3 segments
    c = Capture('tcp-split', 'SIP over TCP 5060: the INVITE split across 3 segments (cut inside '
                'the From header line and inside the SDP body); the 200 OK split in 2 at the '
                'header/body boundary', exercises=['TCP reassembly of one SIP message over 3 segments',
                                                   'Content-Length framing across segments'])
    c.local.add(ALICE.ip)
    a, b = tcp_parties()
    d = Dialog(c, a, b, 'TCP')
    d.pt = 8
    t = Tcp(c, (a.ip, 49152 + 4321), (b.ip, 5060))
    t.open()
    inv = d.request('INVITE', body=d.sdp('a'))
    raw = inv.raw()
    cut1 = raw.index(b'From: ') + 12
    body_at = raw.index(b'\r\n\r\n') + 4
    cut2 = body_at + raw[body_at:].index(b'm=audio') + 4
    t.send_msgs('c', [inv], cuts=(cut1, cut2))
    r100 = d.response(inv, 100)
    t.send_msgs('s', [r100])
    t.send_msgs('s', [d.response(inv, 180)], delay=40 * MS)
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(8, 101)))
    t.send_msgs('s', [ok], cuts=(ok.raw().index(b'\r\n\r\n') + 2,), delay=800 * MS)
    t.send_msgs('c', [d.ack(inv, ok)])
    c.talk(d, 8)
    by = d.request('BYE')
    t.send_msgs('c', [by])
    t.send_msgs('s', [d.response(by, 200)])
    t.close()
    expect(c, d, 'COMPLETED')
    c.extra['split_messages'] = [
        {'message': 'INVITE', 'segments': 3, 'cuts': [
            'inside the From header line (after "From: \\"Alic")',
            'inside the SDP body (after "m=au")']},
        {'message': '200 (INVITE)', 'segments': 2, 'cuts': ['after the last header CRLF, before the empty line']}]
    out.append(c)

    # out of order + retransmission
    c = Capture('tcp-reorder', 'SIP over TCP 5060: INVITE in 3 segments sent out of order '
                '(1, 3, 2) with a duplicate ACK; the 200 OK segment retransmitted after 200 ms',
                exercises=['out-of-order TCP segments held until the gap fills',
                           'a retransmitted segment delivered once (the 200 counts once)'])
    c.local.add(ALICE.ip)
    a, b = tcp_parties()
    d = Dialog(c, a, b, 'TCP')
    t = Tcp(c, (a.ip, 49152 + 777), (b.ip, 5060))
    t.open()
    inv = d.request('INVITE', body=d.sdp('a'))
    raw = inv.raw()
    c1 = raw.index(b'Call-ID') + 3
    c2 = raw.index(b'\r\n\r\n') + 30
    base = t.nxt['c']
    ps = t.send('c', raw, cuts=(c1, c2), sip=[(inv, len(raw))], order=[0, 2], ack=False)
    t.seg('s', ACK, ack=base + c1)          # the gap: duplicate ACK for the missing bytes
    t.seg('s', ACK, ack=base + c1, delay=100 * US)
    seq, chunk, lo, hi = ps[1]
    f = t.seg('c', PSH | ACK, chunk, seq=seq, delay=2 * MS)
    t.seg('s', ACK)
    t.send_msgs('s', [d.response(inv, 100)])
    d.pt = 0
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(0, 101)))
    s_base = t.nxt['s']
    t.send_msgs('s', [ok], ack=False, delay=1 * S)
    t.seg('s', PSH | ACK, ok.raw(), seq=s_base, delay=200 * MS)     # retransmission
    t.seg('c', ACK)
    t.send_msgs('c', [d.ack(inv, ok)])
    c.talk(d, 8)
    by = d.request('BYE')
    t.send_msgs('c', [by])
    t.send_msgs('s', [d.response(by, 200)])
    t.close()
    expect(c, d, 'COMPLETED')
    c.extra['tcp'] = {'out_of_order_segments': 1, 'retransmitted_segments': 1,
                      'retransmitted_bytes': len(ok.raw())}
    c.notes.append('The INVITE is attached to segment 2 (its last byte is in segment 3, which '
                   'arrives first); it completes when segment 2 fills the gap.')
    # the INVITE completes with the late segment 2: move it there
    for fr in c.frames:
        fr.sip = [(m, r) for m, r in fr.sip if m is not inv]
    f.sip.append((inv, False))
    out.append(c)

    # non-standard port
    c = Capture('tcp-port15060', 'SIP over TCP on port 15060 (both Via sent-by and the '
                'server port), one basic call', exercises=['SIP over TCP on a non-standard port, '
                                                           'recognised by content'])
    c.local.add(ALICE.ip)
    a, b = tcp_parties(15060)
    d = Dialog(c, a, b, 'TCP')
    t = Tcp(c, (a.ip, 50123), (b.ip, 15060))
    t.open()
    d.pt = 8
    inv = d.request('INVITE', body=d.sdp('a'))
    t.send_msgs('c', [inv])
    t.send_msgs('s', [d.response(inv, 100)])
    t.send_msgs('s', [d.response(inv, 180)], delay=40 * MS)
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(8, 101)))
    t.send_msgs('s', [ok], delay=700 * MS)
    t.send_msgs('c', [d.ack(inv, ok)])
    c.talk(d, 8)
    by = d.request('BYE', frm='b')
    t.send_msgs('s', [by])
    t.send_msgs('c', [d.response(by, 200)])
    t.close()
    expect(c, d, 'COMPLETED')
    c.notes.append('tshark needs -d tcp.port==15060,sip to decode it. The callee hangs up (BYE from bob).')
    out.append(c)

    # HTTP over TCP: nothing
    c = Capture('tcp-http', 'HTTP/1.1 over TCP port 8080 (GET + 200 with an HTML body that quotes '
                'a SIP request line); must produce no SIP', exercises=['a non-SIP TCP stream is ignored',
                                                                        '"HTTP/1.1 200 OK" is not a SIP status line'])
    c.local.add(ALICE.ip)
    t = Tcp(c, (ALICE.ip, 51000), ('203.0.113.80', 8080))
    t.open()
    req = (b'GET /docs/sip.html HTTP/1.1\r\nHost: www.example.com:8080\r\n'
           b'User-Agent: demo-browser/1.0\r\nAccept: text/html\r\n\r\n')
    t.send('c', req)
    html = (b'<html><head><title>SIP primer</title></head><body>\n<pre>\n'
            b'INVITE sip:bob@example.com SIP/2.0\nCall-ID: not-a-call@example.com\nCSeq: 1 INVITE\n'
            b'</pre>\n</body></html>\n')
    resp = (b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n'
            b'Server: demo-httpd/1.0\r\n\r\n' % len(html)) + html
    t.send('s', resp, delay=15 * MS)
    t.close()
    c.not_sip.append('HTTP GET and 200 OK on TCP 8080 (the body quotes an INVITE line)')
    out.append(c)
    return out


# ---- WebSocket

WS_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


def ws_handshake(c, t):
    key = base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(16)))
    acc = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
    req = (b'GET /ws HTTP/1.1\r\nHost: pbx.example.com:8080\r\nUpgrade: websocket\r\n'
           b'Connection: Upgrade\r\nSec-WebSocket-Key: ' + key + b'\r\n'
           b'Origin: https://www.example.com\r\nSec-WebSocket-Protocol: sip\r\n'
           b'Sec-WebSocket-Version: 13\r\n\r\n')
    t.send('c', req)
    resp = (b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            b'Sec-WebSocket-Accept: ' + acc + b'\r\nSec-WebSocket-Protocol: sip\r\n\r\n')
    t.send('s', resp, delay=3 * MS)


def ws_parties():
    a = Party('alice', ALICE.ip, port=0, display='Alice', agent='DemoWebPhone/0.9',
              via='df7jal23ls0d.invalid', contact_host='df7jal23ls0d.invalid')
    b = Party('echo', '203.0.113.5', port=8080, agent='DemoPBX/2.1')
    return a, b


def caps_ws():
    out = []
    c = Capture('ws-frames', 'SIP over WebSocket (RFC 7118) on TCP 8080: HTTP upgrade + 101, '
                'SIP in text frames (client masked, server unmasked) with 16-bit and 64-bit '
                'lengths, frames split across TCP segments, CRLF keep-alives and ping/pong in '
                '7-bit frames, close frames', exercises=[
                    'HTTP GET Upgrade: websocket, Sec-WebSocket-Protocol: sip, 101 answer',
                    'client->server frames masked, server->client unmasked',
                    '16-bit payload length (126) for every SIP message (all are >125 bytes)',
                    '64-bit payload length (127) for the 200 OK, a non-minimal encoding RFC 6455 '
                    'forbids but real stacks accept',
                    '7-bit length: CRLFCRLF keep-alive text frame (SIP.js style) and its CRLF '
                    'answer, ping and pong control frames, close frames',
                    'the ACK frame split across two TCP segments inside its payload',
                    'the BYE frame split across two TCP segments inside its header (masking key)'])
    c.local.add(ALICE.ip)
    a, b = ws_parties()
    d = Dialog(c, a, b, 'WS')
    t = Tcp(c, (a.ip, 52044), (b.ip, 8080))
    t.open()
    ws_handshake(c, t)

    def mask():
        return bytes(c.rng.getrandbits(8) for _ in range(4))

    def send(dd, m, form=None, cuts=(), delay=2 * MS):
        fr = ws_frame(m.raw(), mask=mask() if dd == 'c' else None, form=form)
        t.send(dd, fr, cuts=cuts, sip=[(m, len(fr))], delay=delay)
        return fr

    d.pt = 0
    d.media['a'] = (a.ip, c.rtp_port(a.ip))
    inv = d.request('INVITE', body=make_sdp('alice', a.ip, d.media['a'][1], d.sess['a'], 1))
    send('c', inv)
    send('s', d.response(inv, 100))
    send('s', d.response(inv, 180), delay=30 * MS)
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(0, 101)))
    send('s', ok, form=64, delay=600 * MS)
    ack = d.ack(inv, ok)
    send('c', ack, cuts=(40,))                            # inside the payload
    t.send('c', ws_frame(b'\r\n\r\n', mask=mask()), delay=10 * MS)   # keep-alive
    t.send('s', ws_frame(b'\r\n'), delay=2 * MS)
    t.send('c', ws_frame(b'ka', opcode=9, mask=mask()), delay=5 * MS)  # ping
    t.send('s', ws_frame(b'ka', opcode=10), delay=2 * MS)              # pong
    c.talk(d, 8)
    by = d.request('BYE')
    send('c', by, cuts=(6,))                              # inside the masking key
    send('s', d.response(by, 200))
    t.send('c', ws_frame(struct.pack('!H', 1000), opcode=8, mask=mask()), delay=20 * MS)
    t.send('s', ws_frame(struct.pack('!H', 1000), opcode=8), delay=2 * MS)
    t.close()
    expect(c, d, 'COMPLETED')
    c.not_sip += ['WebSocket text frame "\\r\\n\\r\\n" (keep-alive) and its "\\r\\n" answer',
                  'WebSocket ping/pong and close frames', 'the HTTP upgrade request and 101 answer']
    c.notes.append('No realistic SIP message fits the 7-bit length form (<=125 bytes): the 7-bit '
                   'frames here are keep-alive, control and close frames; ws-continuation.pcap '
                   'has SIP in a 7-bit frame (a continuation fragment).')
    c.notes.append('The 200 OK uses the 127 (64-bit) length form for a length that fits 16 bits: '
                   'RFC 6455 5.2 requires the minimal form; this is deliberate (tolerated by real '
                   'stacks and by Wireshark).')
    out.append(c)

    c = Capture('ws-continuation', 'SIP over WebSocket: a MESSAGE request sent as two frames '
                '(text FIN=0 with 16-bit length, then continuation FIN=1 with a 7-bit length), '
                'answered 202 in one frame', exercises=['WebSocket message fragmentation (RFC 6455 5.4)',
                                                         'SIP in a frame with the 7-bit length form'])
    c.local.add(ALICE.ip)
    a, b = ws_parties()
    b = Party('bob', '203.0.113.5', port=8080, agent='DemoPBX/2.1')
    d = Dialog(c, a, b, 'WS')
    t = Tcp(c, (a.ip, 52100), (b.ip, 8080))
    t.open()
    ws_handshake(c, t)
    msg = d.request('MESSAGE', body=b'Hello Bob, this is a WebSocket client.',
                    ctype='text/plain;charset=UTF-8', ruri='sip:bob@example.com')
    raw = msg.raw()
    k1 = bytes(c.rng.getrandbits(8) for _ in range(4))
    k2 = bytes(c.rng.getrandbits(8) for _ in range(4))
    f1 = ws_frame(raw[:-100], mask=k1, fin=False)
    f2 = ws_frame(raw[-100:], opcode=0, mask=k2, fin=True)
    t.send('c', f1 + f2, sip=[(msg, len(f1) + len(f2))])
    r = d.response(msg, 202)
    fr = ws_frame(r.raw())
    t.send('s', fr, sip=[(r, len(fr))], delay=20 * MS)
    t.send('c', ws_frame(struct.pack('!H', 1000), opcode=8, mask=k1), delay=20 * MS)
    t.send('s', ws_frame(struct.pack('!H', 1000), opcode=8), delay=2 * MS)
    t.close()
    c.not_sip += ['the HTTP upgrade request and 101 answer', 'close frames']
    out.append(c)
    return out


# ---- dialog states

def state_call(c, outcome, a, b, n_rtp=5):
    d = Dialog(c, a, b)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a')))
    c.send(d.response(inv, 100), delay=3 * MS)
    if outcome in ('completed', 'incall', 'setup', 'cancel'):
        c.send(d.response(inv, 180), delay=40 * MS)
    if outcome in ('completed', 'incall'):
        return basic_tail(c, d, inv, n_rtp, bye=(outcome == 'completed'))
    if outcome == 'setup':
        expect(c, d, 'CALL SETUP')
        return d
    if outcome == 'cancel':
        can = c.send(d.cancel(inv), delay=2 * S)
        c.send(d.response(can, 200), delay=3 * MS)
        r487 = c.send(d.response(inv, 487), delay=2 * MS)
        c.send(d.ack(inv, r487), delay=3 * MS)
        expect(c, d, 'CANCELLED')
        return d
    code = {'busy486': 486, 'busy600': 600, 'busy480': 480, 'reject403': 403,
            'reject603': 603, 'divert302': 302}[outcome]
    extra = []
    if code == 302:
        extra = [('Contact', f'<sip:carol@{CAROL.ip}>'), ('Diversion', f'<sip:{b.user}@example.com>;reason=unconditional')]
    if code == 480:
        extra = [('Reason', 'Q.850;cause=18;text="No user responding"')]
    r = c.send(d.response(inv, code, extra=extra), delay=300 * MS)
    c.send(d.ack(inv, r), delay=3 * MS)
    expect(c, d, {486: 'BUSY', 600: 'BUSY', 480: 'BUSY', 403: 'REJECTED', 603: 'REJECTED',
                  302: 'DIVERTED'}[code])
    return d


def basic_tail(c, d, inv, n_rtp, bye=True):
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(d.pt, 101))), delay=1 * S)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, n_rtp)
    if bye:
        by = c.send(d.request('BYE'), delay=30 * MS)
        c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED' if bye else 'IN CALL')
    return d


def digest(user, realm, pw, method, uri, nonce, nc, cnonce):
    h = lambda s: hashlib.md5(s.encode()).hexdigest()
    return h(f'{h(f"{user}:{realm}:{pw}")}:{nonce}:{nc}:{cnonce}:auth:{h(f"{method}:{uri}")}')


def caps_states():
    out = []
    c = Capture('states-invite', 'INVITE dialogs, one call per final state, each with its own '
                'Call-ID: COMPLETED, IN CALL, CALL SETUP, CANCELLED, BUSY (486, 600, 480), '
                'REJECTED (403, 603), DIVERTED (302)',
                exercises=['sngrep 1.x call states', 'CANCEL / 200 (CANCEL) / 487 / ACK',
                           'non-2xx ACK in the INVITE transaction (same branch)',
                           'RTP only for answered calls'])
    c.local.add(ALICE.ip)
    outcomes = ['completed', 'incall', 'setup', 'cancel', 'busy486', 'busy600', 'busy480',
                'reject403', 'reject603', 'divert302']
    for i, o in enumerate(outcomes):
        b = Party(f'{2001 + i}', BOB.ip, display=None, agent='DemoPhone/2.3')
        a = Party(f'{1001 + i}', ALICE.ip, display=None)
        state_call(c, o, a, b)
        c.wait(500 * MS)
    out.append(c)

    c = Capture('states-auth', 'authentication: REGISTER -> 401 (WWW-Authenticate) -> REGISTER '
                '(Authorization) -> 200; INVITE -> 407 (Proxy-Authenticate) -> ACK -> INVITE '
                '(Proxy-Authorization) -> 100/180/200/ACK, RTP, BYE/200',
                exercises=['REGISTER challenge/response (same Call-ID, CSeq +1)',
                           'INVITE 407 then a new INVITE in the same call: sngrep REJECTED -> '
                           'CALL SETUP -> IN CALL -> COMPLETED',
                           'digest responses computed for the password "secret"'])
    c.local.add(ALICE.ip)
    reg_a = Party('alice', ALICE.ip, display='Alice')
    registrar = Party('alice', PBX_IP, display='Alice', agent='DemoPBX/2.1')
    d = Dialog(c, reg_a, registrar)
    d.tag['b'] = None
    ruri = 'sip:example.com'
    r1 = c.send(d.request('REGISTER', ruri=ruri, extra=[('Expires', '3600')]))
    nonce = c.token(24)
    c.send(d.response(r1, 401, extra=[('WWW-Authenticate', f'Digest realm="example.com", '
                                       f'nonce="{nonce}", algorithm=MD5, qop="auth"')]))
    cn = c.token(8)
    resp = digest('alice', 'example.com', 'secret', 'REGISTER', ruri, nonce, '00000001', cn)
    d.tag['b'] = None
    r2 = c.send(d.request('REGISTER', ruri=ruri, to_tag=False, extra=[
        ('Expires', '3600'),
        ('Authorization', f'Digest username="alice", realm="example.com", nonce="{nonce}", '
                          f'uri="{ruri}", response="{resp}", algorithm=MD5, cnonce="{cn}", '
                          f'qop=auth, nc=00000001')]), delay=20 * MS)
    d.tag['b'] = None
    c.send(d.response(r2, 200, extra=[('Contact', f'<sip:alice@{ALICE.hp()}>;expires=3600'),
                                      ('Date', 'Tue, 14 Nov 2023 22:13:21 GMT')]))
    c.wait(1 * S)
    pbx = Party('9196', PBX_IP, agent='DemoPBX/2.1')
    d = Dialog(c, ALICE, pbx)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a'), ruri='sip:9196@example.com'))
    nonce = c.token(24)
    r407 = c.send(d.response(inv, 407, extra=[('Proxy-Authenticate', f'Digest realm="example.com", '
                                               f'nonce="{nonce}", algorithm=MD5, qop="auth"')]))
    c.send(d.ack(inv, r407), delay=3 * MS)
    d.tag['b'] = None
    cn = c.token(8)
    resp = digest('alice', 'example.com', 'secret', 'INVITE', 'sip:9196@example.com', nonce,
                  '00000001', cn)
    inv2 = c.send(d.request('INVITE', body=d.sdp('a'), ruri='sip:9196@example.com', to_tag=False,
                            extra=[('Proxy-Authorization', f'Digest username="alice", '
                                    f'realm="example.com", nonce="{nonce}", uri="sip:9196@example.com", '
                                    f'response="{resp}", algorithm=MD5, cnonce="{cn}", qop=auth, '
                                    f'nc=00000001')]), delay=5 * MS)
    c.send(d.response(inv2, 100), delay=3 * MS)
    c.send(d.response(inv2, 180), delay=20 * MS)
    basic_tail(c, d, inv2, 6)
    out.append(c)

    c = Capture('states-nondialog', 'requests outside INVITE dialogs: MESSAGE -> 202, OPTIONS -> '
                '200, SUBSCRIBE -> 200 then NOTIFY -> 200 (same Call-ID), each its own Call-ID',
                exercises=['non-INVITE transactions (no sngrep call state)',
                           'SUBSCRIBE/NOTIFY dialog (presence, PIDF body)'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    m = c.send(d.request('MESSAGE', body=b'Lunch at noon?', ctype='text/plain',
                         ruri='sip:bob@example.com'))
    c.send(d.response(m, 202), delay=10 * MS)
    c.wait(300 * MS)
    d = Dialog(c, ALICE, BOB)
    o = c.send(d.request('OPTIONS', extra=[('Accept', 'application/sdp')]))
    c.send(d.response(o, 200, extra=[('Allow', ALLOW), ('Accept', 'application/sdp')]), delay=5 * MS)
    c.wait(300 * MS)
    d = Dialog(c, ALICE, BOB)
    sub = c.send(d.request('SUBSCRIBE', ruri='sip:bob@example.com', extra=[
        ('Event', 'presence'), ('Expires', '3600'), ('Accept', 'application/pidf+xml')]))
    c.send(d.response(sub, 200, extra=[('Expires', '3600')]), delay=8 * MS)
    pidf = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
            b'<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@example.com">\r\n'
            b'  <tuple id="t1"><status><basic>open</basic></status></tuple>\r\n</presence>\r\n')
    n = c.send(d.request('NOTIFY', frm='b', body=pidf, ctype='application/pidf+xml', extra=[
        ('Event', 'presence'), ('Subscription-State', 'active;expires=3600')]), delay=5 * MS)
    c.send(d.response(n, 200), delay=4 * MS)
    out.append(c)

    # in-dialog requests
    c = Capture('dialog-indialog', 'in-dialog requests in one established call: INFO (DTMF) -> '
                '200, UPDATE (session timer, no SDP) -> 200, REFER -> 202, NOTIFY (sipfrag 100) -> '
                '200, NOTIFY (sipfrag 200, terminated) -> 200, BYE -> 200',
                exercises=['INFO', 'UPDATE', 'REFER/202 with Refer-To and Referred-By',
                           'NOTIFY with message/sipfrag in the REFER subscription',
                           'requests from the callee side (NOTIFY from bob)'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a'), extra=[('Supported', 'timer, replaces')]))
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(0, 101))), delay=1 * S)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 5)
    info = c.send(d.request('INFO', body=b'Signal=5\r\nDuration=160\r\n',
                            ctype='application/dtmf-relay'))
    c.send(d.response(info, 200), delay=4 * MS)
    c.talk(d, 5)
    up = c.send(d.request('UPDATE', extra=[('Session-Expires', '1800;refresher=uac')]))
    c.send(d.response(up, 200, extra=[('Session-Expires', '1800;refresher=uac'),
                                      ('Require', 'timer')]), delay=4 * MS)
    c.talk(d, 5)
    ref = c.send(d.request('REFER', extra=[('Refer-To', f'<sip:carol@{CAROL.ip}>'),
                                           ('Referred-By', '<sip:alice@example.com>')]))
    c.send(d.response(ref, 202), delay=4 * MS)
    n1 = c.send(d.request('NOTIFY', frm='b', body=b'SIP/2.0 100 Trying\r\n',
                          ctype='message/sipfrag;version=2.0',
                          extra=[('Event', 'refer'), ('Subscription-State', 'active;expires=60')]),
                delay=10 * MS)
    c.send(d.response(n1, 200), delay=4 * MS)
    n2 = c.send(d.request('NOTIFY', frm='b', body=b'SIP/2.0 200 OK\r\n',
                          ctype='message/sipfrag;version=2.0',
                          extra=[('Event', 'refer'),
                                 ('Subscription-State', 'terminated;reason=noresource')]),
                delay=1500 * MS)
    c.send(d.response(n2, 200), delay=4 * MS)
    by = c.send(d.request('BYE'), delay=20 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    c.notes.append('The transferred call bob -> carol is not in the capture.')
    out.append(c)

    # hold / resume
    c = Capture('dialog-hold', 're-INVITE hold (a=sendonly, answered a=recvonly) and resume '
                '(a=sendrecv), with RTP both ways before and after and only alice->bob '
                '(music on hold) during the hold', exercises=[
                    're-INVITE in an established dialog (CSeq +1, SDP o= version +1)',
                    'media direction attributes', 'RTP streams that pause and resume (same SSRC)'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 8
    inv = c.send(d.request('INVITE', body=d.sdp('a')))
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(8, 101))), delay=1 * S)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 6)
    h = c.send(d.request('INVITE', body=d.sdp('a', direction='sendonly')), delay=10 * MS)
    c.send(d.response(h, 100), delay=3 * MS)
    hok = c.send(d.response(h, 200, body=d.sdp('b', codecs=(8, 101), direction='recvonly')),
                 delay=10 * MS)
    c.send(d.ack(h, hok), delay=3 * MS)
    c.talk(d, 6, dirs=('ab',))
    r = c.send(d.request('INVITE', body=d.sdp('a', direction='sendrecv')), delay=10 * MS)
    c.send(d.response(r, 100), delay=3 * MS)
    rok = c.send(d.response(r, 200, body=d.sdp('b', codecs=(8, 101), direction='sendrecv')),
                 delay=10 * MS)
    c.send(d.ack(r, rok), delay=3 * MS)
    c.talk(d, 6)
    by = c.send(d.request('BYE'), delay=20 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    out.append(c)

    # 100rel / PRACK
    c = Capture('dialog-100rel', 'reliable provisional response: INVITE (Supported: 100rel) -> '
                '183 (Require: 100rel, RSeq: 1, SDP answer) -> PRACK (RAck) -> 200 (PRACK) -> '
                '200 (INVITE) -> ACK; early media after the 183; BYE',
                exercises=['183 Session Progress with SDP (early media)', 'PRACK and its 200',
                           'final status from the 200 (INVITE), not the 200 (PRACK)'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a'), extra=[('Supported', '100rel, timer')]))
    c.send(d.response(inv, 100), delay=3 * MS)
    r183 = c.send(d.response(inv, 183, body=d.sdp('b', codecs=(0, 101)),
                             extra=[('Require', '100rel'), ('RSeq', '1')]), delay=50 * MS)
    pr = c.send(d.request('PRACK', extra=[('RAck', f'1 {inv.cseq} INVITE')]), delay=5 * MS)
    c.send(d.response(pr, 200), delay=5 * MS)
    c.talk(d, 6, dirs=('ba',))         # early media (ringback) from bob
    ok = c.send(d.response(inv, 200), delay=10 * MS)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 6)
    by = c.send(d.request('BYE', frm='b'), delay=20 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    out.append(c)

    # retransmissions
    c = Capture('retrans-udp', 'UDP retransmissions: INVITE sent 3 times (T1 timing: 0, +0.5 s, '
                '+1.5 s, same branch), 200 OK sent 3 times (+0.5 s, +1.5 s) until the ACK, BYE '
                'sent twice', exercises=['retransmissions counted, not new transactions',
                                         'byte-identical retransmitted datagrams'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a')))
    c.send(inv, delay=500 * MS, retrans=True)
    c.send(inv, delay=1000 * MS, retrans=True)
    c.send(d.response(inv, 100), delay=20 * MS)
    c.send(d.response(inv, 180), delay=30 * MS)
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(0, 101))), delay=1 * S)
    c.send(ok, delay=500 * MS, retrans=True)
    c.send(ok, delay=1000 * MS, retrans=True)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 8)
    by = c.send(d.request('BYE'), delay=20 * MS)
    c.send(by, delay=500 * MS, retrans=True)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    out.append(c)
    return out


# ---- SIP syntax

ISUP_IAM = bytes.fromhex('01006001 0a000207 05839021 43050a06 83135515 320400'.replace(' ', ''))


def caps_sip():
    out = []
    c = Capture('sip-compact', 'SIP syntax variants in one call: INVITE with compact header '
                'names (v f t i m l c s k) and a folded Subject, 200 OK with mixed-case header '
                'names, BYE with folded From and To header lines',
                exercises=['compact forms i f t v m l c (and s, k)', 'header names in any case',
                           'folded (continuation) header lines, RFC 3261 7.3.1'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 0
    inv = d.request('INVITE', body=d.sdp('a'), extra=[('Subject', 'quarterly\r\n  review'),
                                                        ('Supported', 'replaces')])
    for full, short in (('Via', 'v'), ('From', 'f'), ('To', 't'), ('Call-ID', 'i'),
                        ('Contact', 'm'), ('Content-Type', 'c'), ('Subject', 's'),
                        ('Supported', 'k')):
        inv.rename(full, short)
    inv.len_name = 'l'
    c.send(inv)
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    ok = d.response(inv, 200, body=d.sdp('b', codecs=(0, 101)))
    for full, odd in (('Via', 'VIA'), ('From', 'from'), ('To', 'tO'), ('Call-ID', 'call-id'),
                      ('CSeq', 'CSEQ'), ('Contact', 'CoNtAcT'), ('Content-Type', 'content-TYPE')):
        ok.rename(full, odd)
    ok.len_name = 'CONTENT-LENGTH'
    c.send(ok, delay=1 * S)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 6)
    by = d.request('BYE')
    f = by.hdr('From')
    by.set_hdr('From', f.replace(' <', '\r\n\t<', 1))
    t = by.hdr('To')
    by.set_hdr('To', t.replace(';tag', '\r\n ;tag', 1))
    c.send(by, delay=20 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    out.append(c)

    c = Capture('sip-bare-lf', 'an INVITE whose every line (headers, empty line and SDP) ends in '
                'a bare LF; the rest of the call uses CRLF', exercises=['bare LF line ends in a whole message'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 8
    inv = d.request('INVITE', body=d.sdp('a', eol='\n'))
    inv.eol = '\n'
    c.send(inv)
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    basic_tail(c, d, inv, 6)
    out.append(c)

    c = Capture('sip-multipart', 'an INVITE with a multipart/mixed body: application/sdp and an '
                'application/isup IAM (binary, Content-Disposition: signal;handling=optional)',
                exercises=['SDP found inside multipart/mixed', 'binary body part (ISUP)',
                           'MIME-Version and boundary parameter'])
    c.local.add(ALICE.ip)
    gw = Party('+15555550100', ALICE.ip, display=None, agent='DemoGateway/3.0')
    callee = Party('+15555550199', BOB.ip, display=None)
    d = Dialog(c, gw, callee)
    d.pt = 0
    bnd = b'unique-boundary-1'
    body = (b'--' + bnd + b'\r\nContent-Type: application/sdp\r\n\r\n' + d.sdp('a') +
            b'\r\n--' + bnd + b'\r\nContent-Type: application/isup;version=itu-t92+\r\n'
            b'Content-Disposition: signal;handling=optional\r\n\r\n' + ISUP_IAM +
            b'\r\n--' + bnd + b'--\r\n')
    inv = d.request('INVITE', body=body, ctype='multipart/mixed;boundary=' + bnd.decode(),
                    extra=[('MIME-Version', '1.0')])
    c.send(inv)
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    basic_tail(c, d, inv, 6)
    out.append(c)

    c = Capture('sip-highport', 'SIP over UDP between ports 34567 and 45678 (no 5060 anywhere), '
                'one basic call', exercises=['SIP recognised by content on unusual UDP ports'])
    c.local.add(ALICE.ip)
    a = Party('alice', ALICE.ip, port=34567, display='Alice')
    b = Party('bob', BOB.ip, port=45678, display='Bob', agent='DemoPhone/2.3')
    basic_call(c, a, b)
    c.notes.append('tshark decodes it through its heuristic SIP dissector (enabled by default).')
    out.append(c)

    c = Capture('nonsip-udp', 'UDP that is not SIP: binary junk on port 5060, an HTTP request '
                'over UDP on a high port, CRLF keep-alives to 5060; nothing here is SIP',
                exercises=['a non-SIP datagram on 5060 (must not parse, at most an anomaly)',
                           '"GET / HTTP/1.1" is not a SIP request line',
                           'CRLF keep-alives (RFC 5626 over UDP) are not messages'])
    c.local.add(ALICE.ip)
    junk = bytes(c.rng.getrandbits(8) for _ in range(96))
    c.udp((ALICE.ip, 5060), (BOB.ip, 5060), junk)
    c.wait(100 * MS)
    c.udp(('192.0.2.50', 41000), ('198.51.100.80', 40080),
          b'GET /status HTTP/1.1\r\nHost: 198.51.100.80:40080\r\nUser-Agent: demo/1.0\r\n\r\n')
    c.wait(100 * MS)
    c.udp(('198.51.100.80', 40080), ('192.0.2.50', 41000),
          b'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n')
    c.wait(100 * MS)
    c.udp((ALICE.ip, 5060), (PBX_IP, 5060), b'\r\n\r\n')
    c.wait(100 * MS)
    c.udp((ALICE.ip, 5060), (PBX_IP, 5060), b'\r\n')
    c.not_sip += ['96 bytes of binary junk 192.0.2.10:5060 -> 198.51.100.20:5060',
                  'HTTP GET and 200 over UDP 192.0.2.50:41000 <-> 198.51.100.80:40080',
                  'CRLFCRLF and CRLF keep-alives to 203.0.113.1:5060']
    c.notes.append('The junk datagram on 5060 may be counted as sip_bad_start_line, depending on '
                   'whether sipmon counts anomalies for non-SIP payloads on the SIP port; '
                   'the intent lists none.')
    out.append(c)
    return out


# ---- malformed

def caps_malformed():
    out = []
    c = Capture('snaplen-200', 'one basic call captured with snaplen 200: every SIP message is '
                'cut (caplen 200 < wire length); RTP headers are intact',
                exercises=['caplen < wirelen', 'SIP messages cut by snaplen',
                           'RTP streams still found from their headers'], snaplen=200)
    c.local.add(ALICE.ip)
    basic_call(c)
    c.anomaly('sip_cut', 7)
    c.notes.append('The intent lists the call as it was on the wire. With 158 bytes of SIP '
                   'per message (200 - 14 - 20 - 8) the Call-ID header is beyond the cut in most '
                   'messages, so what a decoder can reconstruct is less: this capture tests that '
                   'cut messages are reported as such and RTP is still seen.')
    c.expect = {}
    out.append(c)

    c = Capture('malformed-ip', 'bad IP/UDP framing between good traffic: IPv4 total length '
                'smaller than its header, IPv4 total length larger than the frame, a UDP header '
                'cut to 4 bytes; then a good OPTIONS/200', exercises=[
                    'IPv4 total length 12 (< 20)', 'IPv4 total length 1400 in a 300-byte frame',
                    'IPv4 datagram of 24 bytes with protocol UDP (truncated UDP header), padded '
                    'to 60 bytes by Ethernet'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    bad1 = d.request('OPTIONS')
    seg = udp_seg(ALICE.ip, 5060, BOB.ip, 5060, bad1.raw())
    c.ipid += 1
    c.emit_ip(ipv4(ALICE.ip, BOB.ip, 17, seg, c.ipid, tot_len=12), 0, ALICE.ip, BOB.ip)
    c.wait(100 * MS)
    d = Dialog(c, ALICE, BOB)
    bad2 = d.request('OPTIONS')
    seg = udp_seg(ALICE.ip, 5060, BOB.ip, 5060, bad2.raw())
    c.ipid += 1
    c.emit_ip(ipv4(ALICE.ip, BOB.ip, 17, seg, c.ipid, tot_len=1400), 0, ALICE.ip, BOB.ip)
    c.wait(100 * MS)
    c.ipid += 1
    c.emit_ip(ipv4(ALICE.ip, BOB.ip, 17, struct.pack('!HH', 5060, 5060), c.ipid), 0,
              ALICE.ip, BOB.ip)
    c.wait(100 * MS)
    d = Dialog(c, ALICE, BOB)
    o = c.send(d.request('OPTIONS'))
    c.send(d.response(o, 200, contact=False), delay=5 * MS)
    c.anomaly('ip_bad_total_len', 2)
    c.anomaly('udp_short', 1)
    c.notes.append('The two OPTIONS inside the bad-length datagrams are not SIP messages in the '
                   'intent (Call-IDs %s and %s); only the last OPTIONS/200 is.' % (bad1.call_id,
                                                                                  bad2.call_id))
    out.append(c)

    c = Capture('malformed-sip', 'SIP messages that cannot be used: an OPTIONS without Call-ID, a '
                'MESSAGE with CSeq "abc MESSAGE"; then a good OPTIONS/200',
                exercises=['missing Call-ID', 'CSeq without a number'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    m = d.request('OPTIONS')
    m.headers = [h for h in m.headers if h[0] != 'Call-ID']
    m.bad = 'sip_no_call_id'
    m.call_id = None
    c.send(m)
    c.wait(200 * MS)
    d = Dialog(c, ALICE, BOB)
    m = d.request('MESSAGE', body=b'bad cseq', ctype='text/plain')
    m.set_hdr('CSeq', 'abc MESSAGE')
    m.bad = 'sip_bad_cseq'
    c.send(m)
    c.wait(200 * MS)
    d = Dialog(c, ALICE, BOB)
    o = c.send(d.request('OPTIONS'))
    c.send(d.response(o, 200, contact=False), delay=5 * MS)
    c.anomaly('sip_no_call_id')
    c.anomaly('sip_bad_cseq')
    c.notes.append('Neither malformed message is answered; they are listed under malformed_sip, '
                   'not as calls. The bad-CSeq MESSAGE does have a Call-ID.')
    out.append(c)
    return out


# ---- RTP

def caps_rtp():
    out = []
    c = Capture('rtp-orphan', 'one basic call with RTP, plus a one-way RTP stream (PCMA) '
                'between ports no SDP announced', exercises=['RTP not announced by any SDP'])
    c.local.add(ALICE.ip)
    d = basic_call(c, n_rtp=8)
    c.wait(200 * MS)
    key = c.stream(('192.0.2.77', 30000), ('198.51.100.88', 30002), 8, None, announced=False)
    for i in range(10):
        c.wait(20 * MS)
        c.rtp(key, marker=(i == 0))
    c.notes.append('The orphan stream is found only by RTP heuristics '
                   '(tshark: -o rtp.heuristic_rtp:TRUE).')
    out.append(c)

    c = Capture('rtp-nat', 'one call where bob\'s RTP comes from source port 61234 instead of '
                'the port his SDP announced (NAT), to the address alice announced',
                exercises=['RTP matched by its destination when the source port differs from the SDP'])
    c.local.add(ALICE.ip)
    d = Dialog(c, ALICE, BOB)
    d.pt = 0
    inv = c.send(d.request('INVITE', body=d.sdp('a')))
    c.send(d.response(inv, 100), delay=3 * MS)
    c.send(d.response(inv, 180), delay=40 * MS)
    ok = c.send(d.response(inv, 200, body=d.sdp('b', codecs=(0, 101))), delay=1 * S)
    c.send(d.ack(inv, ok), delay=3 * MS)
    c.talk(d, 10, src_override={'b': (BOB.ip, 61234)})
    by = c.send(d.request('BYE'), delay=30 * MS)
    c.send(d.response(by, 200), delay=3 * MS)
    expect(c, d, 'COMPLETED')
    c.notes.append('SDP of bob announces %s; his RTP leaves from %s.' % (
        hostport(*d.media['b']), hostport(BOB.ip, 61234)))
    out.append(c)

    c = Capture('rtp-rtcp', 'one call with 1 s of RTP each way (50 packets, PCMA) and RTCP SR+SDES '
                'on RTP port + 1 every 0.5 s', exercises=['RTCP on port+1 (sender reports)',
                                                         'a full second of RTP'])
    c.local.add(ALICE.ip)
    basic_call(c, n_rtp=50, codec=8, rtcp_every=25)
    out.append(c)
    return out


# --------------------------------------------------------------------------

GROUPS = [('File formats', caps_formats), ('Link types', caps_links), ('IP layer', caps_ip),
          ('TCP', caps_tcp), ('WebSocket', caps_ws), ('Dialogs and states', caps_states),
          ('SIP syntax', caps_sip), ('Malformed input and snaplen', caps_malformed),
          ('RTP', caps_rtp)]

README_HEAD = """# sipmon golden-test captures

Generated by `tests/golden/gen-captures.py` (python3, standard library only,
deterministic: `python3 tests/golden/gen-captures.py` rewrites this folder
byte for byte).  Do not edit the files here by hand; change the generator.

Every capture `NAME` has a sidecar `NAME.intent.json` saying what the
generator put on the wire.  Addresses are documentation ranges only
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, MACs
00:00:5e:00:53:xx, example.com, *.invalid).  Every capture starts at
about 2023-11-14 22:13:20 UTC (1700000000).

## Intent files

- `packets`: records in the file that are complete (a record cut off by a
  truncated file is not counted).
- `sip_messages`: SIP messages on the wire whose bytes are all in the file
  (over TCP/WebSocket/fragments: once, however many segments carry them;
  retransmitted TCP segments do not add messages; UDP retransmissions do).
  Messages inside datagrams with bad IP framing and fragment sets that never
  complete are not counted.  `sip_messages_cut_by_snaplen` says how many of
  them the snaplen cut.
- `calls[]`, one per Call-ID, in order of first appearance:
  `call_id`, `first_method`, `from_user`/`to_user` (user parts of From/To of
  the first message), `transport` (UDP, TCP or WS), `messages` (on the wire,
  retransmissions included), `retransmissions` (byte-identical UDP
  re-sends), `final_status` (the last final response, >= 200, whose CSeq
  method is the first method: 487 for a cancelled INVITE, 200 for a REGISTER
  answered 401 then 200; null when none), `state`, `sequence` (every message
  in order), `rtp_streams[]` (`src`/`dst` as "ip:port", IPv6 as "[ip]:port",
  `ssrc` "0x%08x", `packets`, `payload_type`), `rtcp_streams[]` when present.
- `state` is what sngrep 1.x (`call_update_state()`) derives, null for
  dialogs not started by INVITE: first INVITE -> CALL SETUP; in CALL SETUP:
  ACK with the INVITE's CSeq -> IN CALL, CANCEL -> CANCELLED, 480/486/600 ->
  BUSY, other responses > 400 with the INVITE's CSeq -> REJECTED (403, 407,
  603 here), other responses > 300 -> DIVERTED (302 here); in IN CALL: BYE ->
  COMPLETED; in any other state a new INVITE -> CALL SETUP (so INVITE 407,
  ACK, INVITE with credentials, 200, ACK, BYE ends COMPLETED).  A 200 without
  its ACK stays CALL SETUP in sngrep, so every IN CALL call here has its ACK.
  (Quirks of that code kept out of these captures: exactly 400 and 4xx to a
  PRACK would read as DIVERTED; later sngrep releases also call 181 DIVERTED.)
- `orphan_rtp_streams[]`: RTP no SDP announced.
- `malformed_sip[]`: SIP-looking messages that cannot be attributed
  (missing Call-ID, bad CSeq), with the anomaly name sipmon uses.
- `not_sip[]`: traffic that must produce no SIP message.
- `anomalies`: the anomalies (names from src/dissect/anomaly.h) the
  generator meant to create; sipmon may count related ones too.
- `file_error`: for inputs that are not (whole) captures.
- RTP is G.711 (PT 0 or 8), 20 ms, 160-byte payloads, marker on the first
  packet, every stream its own SSRC.  RTP flows only in calls with an SDP
  answer (200 or reliable 183); rejected, cancelled and unanswered calls have
  none.

## Deliberate departures from the RFCs

- `ws-frames.pcap`: the 200 OK frame uses the 64-bit payload length form
  (127) for a length below 65536; RFC 6455 5.2 requires the minimal form.
  Real stacks and Wireshark accept it.
- `ws-frames.pcap`: no SIP message fits a 7-bit length (<= 125 bytes), so
  the 7-bit frames there are CRLF keep-alives (SIP.js style), ping/pong and
  close; `ws-continuation.pcap` carries SIP in a 7-bit continuation frame.
- `fmt-pcapng-2if.pcapng`: two interfaces with different link types is legal
  pcapng, but libpcap (1.10) refuses such files; Wireshark reads them.
- the malformed-* and fmt-* inputs are broken on purpose.

## Checking with tshark

    tshark -r FILE -Y sip -T fields -e sip.Call-ID -e sip.Method -e sip.Status-Code
    tshark -q -z rtp,streams -r FILE
    tshark -d tcp.port==15060,sip -r tcp-port15060.pcap
    tshark -o tcp.reassemble_out_of_order:TRUE -r tcp-reorder.pcap
    tshark -o rtp.heuristic_rtp:TRUE -q -z rtp,streams -r rtp-orphan.pcap
    capinfos FILE

With those options (and `-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE
-o tcp.check_checksum:TRUE`: no checksum is bad) tshark 4.0 finds every
call with exactly the message sequence of its intent, and every RTP stream
with its SSRC and packet count, except where the input is broken on purpose:

- `malformed-ip.pcap`: tshark flags both bad IPv4 total lengths and the cut
  UDP header, but still dissects the OPTIONS whose total length (1400)
  exceeds its frame; the intent does not count it.
- `malformed-sip.pcap`: tshark shows the message without Call-ID and the one
  with `CSeq: abc MESSAGE` as ordinary SIP; the intent lists them under
  `malformed_sip`, not as calls.
- `snaplen-200.pcap`: tshark sees the start lines but no Call-ID in the cut
  messages; the intent describes the call as it was on the wire.
- `tcp-reorder.pcap`: tshark 4.0 finds the out-of-order INVITE only with
  `tcp.reassemble_out_of_order:TRUE` (off by default).
- `fmt-text.pcap`, `fmt-truncated-header.pcap`: not readable;
  `fmt-truncated-record.pcap`: read up to the cut record, then an error.

## Files
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('outdir', nargs='?', default=OUT_DEFAULT)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    written = []
    readme = [README_HEAD]
    total = 0
    for title, fn in GROUPS:
        readme.append(f'\n### {title}\n\n| file | bytes | packets | SIP | what it exercises |\n'
                      '| --- | ---: | ---: | ---: | --- |\n')
        for c in fn():
            fname, data, intent = render(c)
            ex = '; '.join([c.desc] + c.exercises)
            with open(os.path.join(args.outdir, fname), 'wb') as f:
                f.write(data)
            base = fname.rsplit('.', 1)[0]
            with open(os.path.join(args.outdir, base + '.intent.json'), 'w',
                      encoding='utf-8', newline='\n') as f:
                f.write(json.dumps(intent, indent=2, ensure_ascii=False) + '\n')
            written += [fname, base + '.intent.json']
            total += len(data)
            readme.append(f'| `{fname}` | {len(data)} | {intent["packets"]} | '
                          f'{intent["sip_messages"]} | {ex.replace("|", "/")} |\n')
    readme.append(f'\nTotal capture bytes: {total}.\n')
    with open(os.path.join(args.outdir, 'README.md'), 'w', encoding='utf-8', newline='\n') as f:
        f.write(''.join(readme))
    written.append('README.md')
    for old in sorted(os.listdir(args.outdir)):
        if old not in written and (old.endswith(('.pcap', '.pcapng', '.intent.json'))):
            os.remove(os.path.join(args.outdir, old))
            print(f'removed stale {old}', file=sys.stderr)
    print(f'{len(written) // 2} captures, {total} bytes in {args.outdir}')


if __name__ == '__main__':
    main()
