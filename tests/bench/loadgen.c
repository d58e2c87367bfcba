/* loadgen - load for the live benchmark (tests/bench/live-rate): SIP calls
 * and their media sent over loopback at a set total packet rate.
 *
 * Each call: INVITE (SDP), 100, 180, 200 (SDP), ACK, 1 ms apart; then G.711
 * u-law RTP both ways, 20 ms packets of 160 bytes (the callee's 10 ms after
 * the caller's), for the holding time; then BYE, its 200 1 ms later, and
 * 1 ms after that the next call.  The calls run in C parallel slots, C
 * chosen so that the total is the asked rate.  The slots' first INVITEs are
 * spread over the first 200 ms (no burst of call setups at the start) and
 * their first calls shortened so that calls end evenly spread over the
 * holding time (steady state from 200 ms on).  Each slot has its own RTP
 * ports.
 *
 * Frames leave through a packet socket on lo (AF_PACKET: needs root or
 * CAP_NET_RAW), so any address and port can be used without a socket each,
 * in batches (sendmmsg) paced with clock_nanosleep(TIMER_ABSTIME) every
 * --tick-us; each packet goes out at the first tick at or after its due
 * time.  Falling behind is caught up as fast as possible, and shows as
 * achieved < asked; sending stops at --seconds whatever is left.
 *
 * The frames' destination MAC is not lo's (00:..:00), so once the capture
 * taps have seen them the kernel drops them as "other host" before IP: no
 * UDP lookup and no ICMP port unreachable per packet (which loopback does
 * not rate-limit), and the load costs the sender little more than the
 * copy into lo.  The socket bypasses the qdisc layer (PACKET_QDISC_BYPASS),
 * which also skips the taps on the way out: captures on lo see each frame
 * once, arriving, as on a network card, instead of twice (out and in, of
 * which libpcap drops the first after the kernel has copied it into the
 * capture buffer and counted it); --both-copies sends through the qdisc
 * layer, as traffic of local processes on lo goes.
 *
 *   loadgen --rate PPS --seconds S [--hold S | --calls-per-second N]
 *           [--src IP] [--dst IP] [--sip-port P] [--rtp-base P]
 *           [--tick-us U] [--cpu N] [--pcap FILE] [--both-copies] [--quiet]
 *
 * --pcap FILE writes the packets (Ethernet, due-time timestamps) instead of
 * sending them, as fast as possible: to check what the load contains.
 * The last line on standard output is the result, key=value. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define BATCH 1024
#define PKT_MAX 1514
#define ETH_LEN 14
#define MAX_SLOTS 10000
#define SETUP_NS (5 * MS)   /* INVITE .. ACK, then RTP */
#define BYE_GAP_NS (1 * MS) /* BYE .. 200 */
#define NEXT_GAP_NS (1 * MS) /* 200 .. next INVITE */
#define RTP_HALF_NS (10 * MS)
#define RTP_PAYLOAD 160
#define START_SPREAD_NS (200 * MS)

enum step { S_INVITE, S_TRYING, S_RINGING, S_OK, S_ACK, S_RTP, S_BYE, S_BYE_OK };

struct slot {
	int64_t due;        /* ns from start */
	uint64_t call;      /* call number, from 1 */
	enum step step;
	uint32_t rtp_i;     /* RTP packets sent in this call, both ways */
	uint32_t rtp_n;     /* RTP packets in this call, both ways */
	uint16_t seq[2];
	uint32_t ssrc[2];
	uint16_t port_a, port_b;
};

struct opts {
	double rate, seconds, hold, cps;
	struct in_addr src, dst;
	unsigned sip_port, rtp_base, tick_us;
	int cpu;
	const char *pcap;
	bool quiet, both_copies;
};

static struct slot *slots;
static unsigned nslots;
static pid_t pid;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Due times: a timing wheel.  A slot's next packet is due at most
 * RTP_HALF_NS after its current one, and the first ones within
 * START_SPREAD_NS of the start, so WHEEL_SIZE buckets of WHEEL_NS (409.6 ms)
 * hold every pending one; a bucket is a list of slots.  (A heap of 10000
 * slots cost a fifth of the sender's time.) */
#define WHEEL_NS 100000LL
#define WHEEL_SIZE 4096
_Static_assert(WHEEL_NS * WHEEL_SIZE > START_SPREAD_NS + SETUP_NS, "wheel too short");
_Static_assert(WHEEL_NS * WHEEL_SIZE > RTP_HALF_NS, "wheel too short");
static int32_t wheel[WHEEL_SIZE];
static int32_t *wheel_next;
static int64_t wheel_pos; /* bucket number (due / WHEEL_NS) of the earliest pending */

static void wheel_add(unsigned i)
{
	unsigned b = (unsigned)(slots[i].due / WHEEL_NS) % WHEEL_SIZE;
	wheel_next[i] = wheel[b];
	wheel[b] = (int32_t)i;
}

/* The earliest due time pending (from wheel_pos on). */
static int64_t wheel_first_due(void)
{
	for (int64_t p = wheel_pos; p < wheel_pos + WHEEL_SIZE; p++) {
		int32_t i = wheel[p % WHEEL_SIZE];
		if (i < 0)
			continue;
		int64_t best = slots[i].due;
		for (; i >= 0; i = wheel_next[i])
			if (slots[i].due < best)
				best = slots[i].due;
		return best;
	}
	return INT64_MAX;
}

static uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* --- packets ------------------------------------------------------------ */

struct counters {
	uint64_t packets, sip, rtp, bytes, calls_started, calls_completed, errors;
};

static char ip_a[INET_ADDRSTRLEN], ip_b[INET_ADDRSTRLEN];

/* Destination 02:00:00:00:00:02 (locally administered, not lo's), source
 * 02:00:00:00:00:01, IPv4. */
static const uint8_t eth_header[ETH_LEN] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };

/* An Ethernet frame with an IPv4 UDP datagram; returns the frame length. */
static size_t udp_packet(uint8_t *buf, struct in_addr src, uint16_t sport, struct in_addr dst,
			 uint16_t dport, const void *payload, size_t len)
{
	static uint16_t ident;
	size_t total = 20 + 8 + len;
	memcpy(buf, eth_header, ETH_LEN);
	uint8_t *ip = buf + ETH_LEN, *udp = ip + 20;
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ident++;
	ip[4] = (uint8_t)(ident >> 8);
	ip[5] = (uint8_t)ident;
	ip[6] = 0x40; /* DF */
	ip[7] = 0;
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	udp[6] = udp[7] = 0; /* no checksum */
	memcpy(udp + 8, payload, len);
	return ETH_LEN + total;
}

static int sdp(char *out, size_t cap, const char *who, const char *ip, unsigned port)
{
	return snprintf(out, cap,
			"v=0\r\n"
			"o=%s 1 1 IN IP4 %s\r\n"
			"s=loadgen\r\n"
			"c=IN IP4 %s\r\n"
			"t=0 0\r\n"
			"m=audio %u RTP/AVP 0 101\r\n"
			"a=rtpmap:0 PCMU/8000\r\n"
			"a=rtpmap:101 telephone-event/8000\r\n"
			"a=fmtp:101 0-15\r\n"
			"a=ptime:20\r\n"
			"a=sendrecv\r\n",
			who, ip, ip, port);
}

/* The SIP message of slot s's current step; *from_a says its direction. */
static int sip_message(const struct opts *o, struct slot *s, char *out, size_t cap, bool *from_a)
{
	char body[512] = "";
	int blen = 0;
	const char *first = NULL, *cseq = "1 INVITE", *branch = "i";
	bool to_tag = true, request = true;
	switch (s->step) {
	case S_INVITE:
		first = "INVITE";
		to_tag = false;
		blen = sdp(body, sizeof(body), "alice", ip_a, s->port_a);
		break;
	case S_TRYING:
		first = "100 Trying";
		to_tag = false;
		request = false;
		break;
	case S_RINGING:
		first = "180 Ringing";
		request = false;
		break;
	case S_OK:
		first = "200 OK";
		request = false;
		blen = sdp(body, sizeof(body), "bob", ip_b, s->port_b);
		break;
	case S_ACK:
		first = "ACK";
		cseq = "1 ACK";
		branch = "a";
		break;
	case S_BYE:
		first = "BYE";
		cseq = "2 BYE";
		branch = "b";
		break;
	case S_BYE_OK:
		first = "200 OK";
		cseq = "2 BYE";
		branch = "b";
		request = false;
		break;
	default:
		return 0;
	}
	*from_a = request;
	unsigned long long n = (unsigned long long)s->call;
	char start[128];
	if (request)
		snprintf(start, sizeof(start), "%s sip:bob%llu@%s:%u SIP/2.0", first, n, ip_b,
			 o->sip_port + 2);
	else
		snprintf(start, sizeof(start), "SIP/2.0 %s", first);
	char totag[32] = "";
	if (to_tag)
		snprintf(totag, sizeof(totag), ";tag=b%llu", n);
	return snprintf(out, cap,
			"%s\r\n"
			"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%d-%llu-%s\r\n"
			"Max-Forwards: 70\r\n"
			"From: \"Alice %llu\" <sip:alice%llu@%s:%u>;tag=a%llu\r\n"
			"To: <sip:bob%llu@%s:%u>%s\r\n"
			"Call-ID: lg-%d-%llu@loadgen\r\n"
			"CSeq: %s\r\n"
			"Contact: <sip:%s%llu@%s:%u>\r\n"
			"User-Agent: sipmon-loadgen\r\n"
			"%s"
			"Content-Length: %d\r\n"
			"\r\n"
			"%s",
			start, ip_a, o->sip_port, (int)pid, n, branch, n, n, ip_a, o->sip_port, n, n,
			ip_b, o->sip_port + 2, totag, (int)pid, n, cseq, request ? "alice" : "bob", n,
			request ? ip_a : ip_b, request ? o->sip_port : o->sip_port + 2,
			blen ? "Content-Type: application/sdp\r\n" : "", blen, body);
}

static void start_call(struct slot *s, uint64_t call, int64_t at, uint32_t rtp_n)
{
	s->call = call;
	s->step = S_INVITE;
	s->due = at;
	s->rtp_i = 0;
	s->rtp_n = rtp_n;
	for (int d = 0; d < 2; d++) {
		s->ssrc[d] = mix32(((uint64_t)pid << 40) ^ (call << 1) ^ (uint64_t)d);
		s->seq[d] = (uint16_t)mix32(call * 2 + (uint64_t)d + 7);
	}
}

/* Builds slot s's next frame into buf; advances the slot.  Returns the
 * frame length. */
static size_t next_packet(const struct opts *o, struct slot *s, uint8_t *buf,
			  struct counters *c, uint64_t *next_call, uint32_t rtp_n)
{
	size_t len;
	if (s->step == S_RTP) {
		unsigned d = s->rtp_i & 1; /* 0: caller to callee */
		uint32_t k = s->rtp_i >> 1;
		uint8_t rtp[12 + RTP_PAYLOAD];
		rtp[0] = 0x80;
		rtp[1] = (uint8_t)(k == 0 ? 0x80 : 0x00); /* marker on the first; PT 0 */
		uint16_t seq = (uint16_t)(s->seq[d] + k);
		uint32_t ts = k * RTP_PAYLOAD, ssrc = s->ssrc[d];
		rtp[2] = (uint8_t)(seq >> 8);
		rtp[3] = (uint8_t)seq;
		rtp[4] = (uint8_t)(ts >> 24);
		rtp[5] = (uint8_t)(ts >> 16);
		rtp[6] = (uint8_t)(ts >> 8);
		rtp[7] = (uint8_t)ts;
		rtp[8] = (uint8_t)(ssrc >> 24);
		rtp[9] = (uint8_t)(ssrc >> 16);
		rtp[10] = (uint8_t)(ssrc >> 8);
		rtp[11] = (uint8_t)ssrc;
		memset(rtp + 12, 0xff, RTP_PAYLOAD); /* u-law silence */
		if (d == 0)
			len = udp_packet(buf, o->src, s->port_a, o->dst, s->port_b, rtp, sizeof(rtp));
		else
			len = udp_packet(buf, o->dst, s->port_b, o->src, s->port_a, rtp, sizeof(rtp));
		c->rtp++;
		if (++s->rtp_i == s->rtp_n) {
			s->step = S_BYE;
			s->due += RTP_HALF_NS;
		} else {
			s->due += RTP_HALF_NS;
		}
	} else {
		char msg[PKT_MAX - ETH_LEN - 28];
		bool from_a = true;
		int n = sip_message(o, s, msg, sizeof(msg), &from_a);
		if (n < 0 || (size_t)n >= sizeof(msg))
			n = 0;
		if (from_a)
			len = udp_packet(buf, o->src, (uint16_t)o->sip_port, o->dst,
					 (uint16_t)(o->sip_port + 2), msg, (size_t)n);
		else
			len = udp_packet(buf, o->dst, (uint16_t)(o->sip_port + 2), o->src,
					 (uint16_t)o->sip_port, msg, (size_t)n);
		c->sip++;
		switch (s->step) {
		case S_INVITE:
			c->calls_started++;
			/* fall through */
		case S_TRYING:
		case S_RINGING:
		case S_OK:
			s->step++;
			s->due += MS;
			break;
		case S_ACK:
			s->step = s->rtp_n ? S_RTP : S_BYE;
			s->due += MS;
			break;
		case S_BYE:
			s->step = S_BYE_OK;
			s->due += BYE_GAP_NS;
			break;
		default: /* S_BYE_OK */
			c->calls_completed++;
			start_call(s, (*next_call)++, s->due + NEXT_GAP_NS, rtp_n);
			break;
		}
	}
	c->packets++;
	c->bytes += len;
	return len;
}

/* --- output ------------------------------------------------------------- */

static FILE *pcap_open(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	uint32_t hdr[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 65535, 1 }; /* ns, Ethernet */
	fwrite(hdr, sizeof(hdr), 1, f);
	return f;
}

static void pcap_write(FILE *f, int64_t t_ns, const uint8_t *frame, size_t len)
{
	t_ns += 1700000000LL * 1000000000LL;
	uint32_t rec[4] = { (uint32_t)(t_ns / 1000000000LL), (uint32_t)(t_ns % 1000000000LL),
			    (uint32_t)len, (uint32_t)len };
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(frame, len, 1, f);
}

/* Sends n messages; each one that fails is counted and skipped. */
static void send_batch(int fd, struct mmsghdr *msgs, unsigned n, struct counters *c)
{
	for (unsigned off = 0; off < n;) {
		int r = sendmmsg(fd, msgs + off, n - off, 0);
		if (r <= 0) {
			c->errors++;
			off++;
		} else {
			off += (unsigned)r;
		}
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: loadgen --rate PPS --seconds S [--hold S | --calls-per-second N]\n"
		"               [--src IP] [--dst IP] [--sip-port P] [--rtp-base P]\n"
		"               [--tick-us U] [--cpu N] [--pcap FILE] [--both-copies] [--quiet]\n"
		"  --rate PPS            total packets per second, SIP and RTP (required)\n"
		"  --seconds S           how long to send (default 5)\n"
		"  --hold S              RTP time of each call (default 2)\n"
		"  --calls-per-second N  new calls per second instead (sets --hold)\n"
		"  --src IP, --dst IP    caller and callee (default 127.0.10.1, 127.0.10.2)\n"
		"  --sip-port P          caller's SIP port; the callee's is P+2 (default 25060)\n"
		"  --rtp-base P          first RTP port; slot i uses P+2i and P+20000+2i\n"
		"                        (default 20000)\n"
		"  --tick-us U           pacing interval (default 250)\n"
		"  --cpu N               run on CPU N\n"
		"  --pcap FILE           write the packets to FILE instead of sending\n"
		"  --both-copies         let captures see each packet twice, as lo shows what\n"
		"                        local processes send (default: once, as a NIC would)\n");
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	struct opts o = { .rate = 0, .seconds = 5, .hold = 2, .cps = 0, .sip_port = 25060,
			  .rtp_base = 20000, .tick_us = 250, .cpu = -1 };
	inet_pton(AF_INET, "127.0.10.1", &o.src);
	inet_pton(AF_INET, "127.0.10.2", &o.dst);
	static const struct option lopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "hold", required_argument, NULL, 'H' },
		{ "calls-per-second", required_argument, NULL, 'c' },
		{ "src", required_argument, NULL, 'S' },
		{ "dst", required_argument, NULL, 'D' },
		{ "sip-port", required_argument, NULL, 'p' },
		{ "rtp-base", required_argument, NULL, 'b' },
		{ "tick-us", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "both-copies", no_argument, NULL, '2' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	double v;
	while ((ch = getopt_long(argc, argv, "r:s:H:c:S:D:p:b:t:C:w:q2h", lopts, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'r': ok = parse_double(optarg, &o.rate) && o.rate > 0; break;
		case 's': ok = parse_double(optarg, &o.seconds) && o.seconds > 0; break;
		case 'H': ok = parse_double(optarg, &o.hold); break;
		case 'c': ok = parse_double(optarg, &o.cps) && o.cps > 0; break;
		case 'S': ok = inet_pton(AF_INET, optarg, &o.src) == 1; break;
		case 'D': ok = inet_pton(AF_INET, optarg, &o.dst) == 1; break;
		case 'p': ok = parse_double(optarg, &v) && v >= 1 && v <= 65533; o.sip_port = (unsigned)v; break;
		case 'b': ok = parse_double(optarg, &v) && v >= 1 && v <= 45535; o.rtp_base = (unsigned)v; break;
		case 't': ok = parse_double(optarg, &v) && v >= 1 && v <= 1000000; o.tick_us = (unsigned)v; break;
		case 'C': ok = parse_double(optarg, &v) && v < CPU_SETSIZE; o.cpu = (int)v; break;
		case 'w': o.pcap = optarg; break;
		case 'q': o.quiet = true; break;
		case '2': o.both_copies = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
		if (!ok) {
			const char *name = "?";
			for (const struct option *lo = lopts; lo->name; lo++)
				if (lo->val == ch)
					name = lo->name;
			fprintf(stderr, "loadgen: bad value for --%s: %s\n", name, optarg);
			return 1;
		}
	}
	if (o.rate <= 0 || optind != argc) {
		usage(stderr);
		return 1;
	}
	pid = getpid();
	inet_ntop(AF_INET, &o.src, ip_a, sizeof(ip_a));
	inet_ntop(AF_INET, &o.dst, ip_b, sizeof(ip_b));

	/* Rate per slot: 7 SIP messages and 100 RTP packets per second of
	 * holding time, per cycle of hold + setup and teardown gaps. */
	double gaps = (double)(SETUP_NS + BYE_GAP_NS + NEXT_GAP_NS) / 1e9;
	if (o.cps > 0)
		o.hold = (o.rate / o.cps - 7) / 100;
	if (o.hold < 0.02)
		o.hold = 0;
	uint32_t rtp_n = 2 * (uint32_t)(o.hold * 50 + 0.5);
	double hold = rtp_n / 100.0;
	double per_slot = (7 + rtp_n) / (hold + gaps);
	double want_slots = o.rate / per_slot;
	nslots = (unsigned)(want_slots + 0.5);
	if (nslots < 1)
		nslots = 1;
	if (nslots > MAX_SLOTS) {
		fprintf(stderr, "loadgen: %.0f pps needs %u parallel calls, more than %d\n", o.rate,
			nslots, MAX_SLOTS);
		return 1;
	}
	if (o.rtp_base + 20000 + 2 * nslots > 65535) {
		fprintf(stderr, "loadgen: --rtp-base %u leaves no room for %u calls\n", o.rtp_base,
			nslots);
		return 1;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			perror("loadgen: --cpu");
	}

	slots = calloc(nslots, sizeof(*slots));
	wheel_next = calloc(nslots, sizeof(*wheel_next));
	if (!slots || !wheel_next) {
		fprintf(stderr, "loadgen: out of memory\n");
		return 1;
	}
	/* First calls: INVITEs spread over START_SPREAD_NS, holding times
	 * spread over (0, hold], so that calls end evenly from the start. */
	uint64_t next_call = 1;
	for (unsigned i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];
		uint32_t n = rtp_n ? 2 * (uint32_t)((rtp_n / 2) * (uint64_t)(i + 1) / nslots) : 0;
		s->port_a = (uint16_t)(o.rtp_base + 2 * i);
		s->port_b = (uint16_t)(o.rtp_base + 20000 + 2 * i);
		start_call(s, next_call++, START_SPREAD_NS * i / nslots, n ? n : (rtp_n ? 2 : 0));
	}
	for (unsigned b = 0; b < WHEEL_SIZE; b++)
		wheel[b] = -1;
	for (unsigned i = 0; i < nslots; i++)
		wheel_add(i);

	int fd = -1;
	FILE *pcap = NULL;
	if (o.pcap) {
		pcap = pcap_open(o.pcap);
		if (!pcap) {
			fprintf(stderr, "loadgen: %s: %s\n", o.pcap, strerror(errno));
			return 1;
		}
	} else {
		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0) {
			fprintf(stderr, "loadgen: packet socket: %s (needs root or CAP_NET_RAW)\n",
				strerror(errno));
			return 2;
		}
		struct sockaddr_ll ll = { .sll_family = AF_PACKET,
					  .sll_protocol = 0, /* send only */
					  .sll_ifindex = (int)if_nametoindex("lo") };
		if (ll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) != 0) {
			fprintf(stderr, "loadgen: cannot bind to lo: %s\n", strerror(errno));
			return 2;
		}
		int sndbuf = 16 << 20;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
		if (!o.both_copies) {
			int one = 1;
			setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
		}
	}
	if (!o.quiet)
		fprintf(stderr,
			"loadgen: %.0f pps for %.1f s: %u parallel calls of %.2f s RTP "
			"(%.1f calls/s), %s\n",
			o.rate, o.seconds, nslots, hold, nslots / (hold + gaps),
			o.pcap ? o.pcap : "sending");

	static uint8_t bufs[BATCH][PKT_MAX];
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	struct counters c = { 0 };
	int64_t duration = (int64_t)(o.seconds * 1e9);
	int64_t tick = (int64_t)o.tick_us * 1000;
	int64_t start = now_ns() + MS, next_tick = start, last_send = start;
	int64_t behind_max = 0;

	bool stop = false;
	while (!stop) {
		int64_t now;
		if (pcap) {
			now = wheel_first_due(); /* virtual time */
		} else {
			sleep_until(next_tick);
			now = now_ns() - start;
		}
		int64_t limit = now < duration ? now : duration - 1;
		unsigned nb = 0;
		while (!stop && wheel_pos <= limit / WHEEL_NS) {
			unsigned b = (unsigned)(wheel_pos % WHEEL_SIZE);
			int32_t list = wheel[b], keep = -1;
			wheel[b] = -1;
			while (list >= 0) {
				unsigned i = (unsigned)list;
				struct slot *s = &slots[i];
				list = wheel_next[i];
				if (s->due > limit || stop) {
					/* Later in this bucket: next time. */
					wheel_next[i] = keep;
					keep = (int32_t)i;
					continue;
				}
				int64_t due = s->due;
				if (now - due > behind_max)
					behind_max = now - due;
				size_t len = next_packet(&o, s, bufs[nb], &c, &next_call, rtp_n);
				wheel_add(i); /* at least 1 ms on: another bucket */
				if (pcap) {
					pcap_write(pcap, due, bufs[nb], len);
					continue;
				}
				iov[nb].iov_base = bufs[nb];
				iov[nb].iov_len = len;
				msgs[nb].msg_hdr = (struct msghdr){ .msg_iov = &iov[nb], .msg_iovlen = 1 };
				if (++nb == BATCH) {
					send_batch(fd, msgs, nb, &c);
					nb = 0;
					/* Catching up: stop at the deadline all the same. */
					if (now_ns() - start >= duration)
						stop = true;
				}
			}
			wheel[b] = keep;
			if (keep >= 0)
				break;
			wheel_pos++;
		}
		send_batch(fd, msgs, nb, &c);
		if (!pcap)
			last_send = now_ns();
		int64_t first = wheel_first_due();
		if (first >= duration || (!pcap && last_send - start >= duration))
			stop = true;
		if (!pcap) {
			next_tick += tick;
			if (start + first > next_tick)
				next_tick = start + first;
		}
	}
	double secs = pcap ? o.seconds : (double)(last_send - start) / 1e9;
	if (pcap && fclose(pcap) != 0) {
		fprintf(stderr, "loadgen: %s: %s\n", o.pcap, strerror(errno));
		return 1;
	}
	if (fd >= 0)
		close(fd);
	uint64_t sent = c.packets - c.errors;
	if (!o.quiet)
		fprintf(stderr,
			"loadgen: sent %llu packets (%llu SIP, %llu RTP, %llu bytes) in %.3f s: "
			"%.0f pps (asked %.0f); %llu calls started, %llu completed; "
			"%llu send errors; at most %.1f ms behind\n",
			(unsigned long long)sent, (unsigned long long)c.sip,
			(unsigned long long)c.rtp, (unsigned long long)c.bytes, secs,
			secs > 0 ? sent / secs : 0, o.rate, (unsigned long long)c.calls_started,
			(unsigned long long)c.calls_completed, (unsigned long long)c.errors,
			behind_max / 1e6);
	printf("packets=%llu sip=%llu rtp=%llu bytes=%llu errors=%llu seconds=%.3f pps=%.0f "
	       "asked=%.0f calls=%llu completed=%llu slots=%u behind_ms=%.1f\n",
	       (unsigned long long)sent, (unsigned long long)c.sip, (unsigned long long)c.rtp,
	       (unsigned long long)c.bytes, (unsigned long long)c.errors, secs,
	       secs > 0 ? sent / secs : 0, o.rate, (unsigned long long)c.calls_started,
	       (unsigned long long)c.calls_completed, nslots, behind_max / 1e6);
	return c.errors ? 3 : 0;
}
