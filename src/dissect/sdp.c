/* sdp.c - SDP (RFC 8866) as far as media association needs it: c=, m=,
 * rtpmap/fmtp/ptime, direction, a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761).
 *
 * Lines are read one at a time through views; anything not understood is
 * skipped, and every list is bounded by the sizes in sdp.h.  It runs for
 * every offer and answer, so it avoids per-line string searches: attribute
 * names are dispatched on their length. */
#include "dissect/sdp.h"

#include <stddef.h>
#include <string.h>

#include "util/line_scan.h"

/* RFC 3550 5.1: the payload type is a 7-bit field. */
#define RTP_PAYLOAD_TYPE_MAX 127
#define UDP_PORT_MAX 65535
/* RFC 8866 6.6: rtpmap's encoding parameters (channels); ours is a uint8_t. */
#define RTPMAP_CHANNELS_MAX UINT8_MAX

/* RFC 3551 section 6, tables 4 and 5: the statically assigned payload
 * types.  G722 is listed at 8000 Hz on purpose (RFC 3551 4.5.2: its RTP
 * clock runs at 8000 Hz though it samples at 16000). */
struct static_payload {
	const char *encoding;
	uint32_t clock_rate;
};
static const struct static_payload static_payloads[] = {
	[0] = { "PCMU", 8000 },   [3] = { "GSM", 8000 },    [4] = { "G723", 8000 },
	[5] = { "DVI4", 8000 },   [6] = { "DVI4", 16000 },  [7] = { "LPC", 8000 },
	[8] = { "PCMA", 8000 },   [9] = { "G722", 8000 },   [10] = { "L16", 44100 },
	[11] = { "L16", 44100 },  [12] = { "QCELP", 8000 }, [13] = { "CN", 8000 },
	[14] = { "MPA", 90000 },  [15] = { "G728", 8000 },  [16] = { "DVI4", 11025 },
	[17] = { "DVI4", 22050 }, [18] = { "G729", 8000 },  [25] = { "CelB", 90000 },
	[26] = { "JPEG", 90000 }, [28] = { "nv", 90000 },   [31] = { "H261", 90000 },
	[32] = { "MPV", 90000 },  [33] = { "MP2T", 90000 }, [34] = { "H263", 90000 },
};
#define STATIC_PAYLOAD_COUNT (sizeof(static_payloads) / sizeof(static_payloads[0]))

bool sdp_static_payload(uint8_t pt, const char **encoding, uint32_t *clock_rate)
{
	if (pt >= STATIC_PAYLOAD_COUNT || !static_payloads[pt].encoding)
		return false;
	*encoding = static_payloads[pt].encoding;
	*clock_rate = static_payloads[pt].clock_rate;
	return true;
}

static const char *const direction_names[] = {
	[SDP_DIR_UNSET] = "unset",
	[SDP_DIR_SENDRECV] = "sendrecv",
	[SDP_DIR_SENDONLY] = "sendonly",
	[SDP_DIR_RECVONLY] = "recvonly",
	[SDP_DIR_INACTIVE] = "inactive",
};

const char *sdp_direction_name(enum sdp_direction d)
{
	if (d < SDP_DIR_UNSET || d > SDP_DIR_INACTIVE)
		return direction_names[SDP_DIR_UNSET];
	return direction_names[d];
}

/* RFC 8866 5: fields are separated by SP; HTAB is tolerated too. */
static const bool field_space[256] = { [' '] = true, ['\t'] = true };

/* The next space-separated field of *rest; *rest moves past it.  SDP
 * fields are a few bytes long: plain loops beat unrolling or a call. */
static inline __attribute__((always_inline)) struct view next_field(struct view *rest)
{
	const uint8_t *p = rest->p, *end = p + rest->len;
	while (p < end && field_space[*p])
		p++;
	const uint8_t *start = p;
	while (p < end && !field_space[*p])
		p++;
	*rest = view_make(p, (size_t)(end - p));
	return view_make(start, (size_t)(p - start));
}

/* The part of v before the first c, and *after what follows it (empty when
 * c does not occur). */
static inline __attribute__((always_inline)) struct view
split_at(struct view v, uint8_t c, struct view *after)
{
	size_t i = 0;
	while (i < v.len && v.p[i] != c)
		i++;
	if (i == v.len) {
		*after = view_make(v.p + v.len, 0);
		return v;
	}
	*after = view_make(v.p + i + 1, v.len - i - 1);
	return view_make(v.p, i);
}


/* The decimal digits v starts with, as a number no larger than max. */
static bool leading_decimal(struct view v, uint32_t max, uint32_t *out)
{
	size_t n = 0;
	while (n < v.len && v.p[n] >= '0' && v.p[n] <= '9')
		n++;
	return view_to_u32_exact(view_make(v.p, n), max, out);
}

/* ASCII case-insensitive equality with the lower-case constant lc. */
static inline bool name_eq_lower(struct view name, const char *lc, size_t n)
{
	if (name.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = name.p[i];
		/* Sets the lower-case bit of 'A'..'Z' only, without a branch. */
		c |= (uint8_t)(((unsigned)(c - 'A') < 26u) << 5);
		if (c != (uint8_t)lc[i])
			return false;
	}
	return true;
}
#define NAME_IS(name, lc) name_eq_lower((name), (lc), sizeof(lc) - 1)

/* The common case of an IPv4 address ("192.0.2.1", as inet_pton accepts
 * it: four decimal octets, no leading zeros), parsed without the copy
 * netaddr_parse() needs; anything else is left to netaddr_parse(). */
static bool dotted_quad(struct view v, uint8_t out[4])
{
	const uint8_t *p = v.p, *end = v.p + v.len;
	for (int i = 0; i < 4; i++) {
		if (i > 0 && (p == end || *p++ != '.'))
			return false;
		const uint8_t *digits = p;
		unsigned octet = 0;
		while (p < end && *p >= '0' && *p <= '9' && p - digits < 3)
			octet = octet * 10 + (unsigned)(*p++ - '0');
		if (p == digits || octet > UINT8_MAX || (p - digits > 1 && *digits == '0'))
			return false;
		out[i] = (uint8_t)octet;
	}
	return p == end;
}

/* "IN IP4 <addr>" / "IN IP6 <addr>" from c= (RFC 8866 5.7) or a=rtcp;
 * a "/ttl" or "/count" suffix is dropped. */
static bool parse_connection_address(struct view rest, struct netaddr *out)
{
	struct view nettype = next_field(&rest);
	struct view addrtype = next_field(&rest);
	struct view suffix;
	struct view address = split_at(next_field(&rest), '/', &suffix);
	if (!NAME_IS(nettype, "in") || !(NAME_IS(addrtype, "ip4") || NAME_IS(addrtype, "ip6")))
		return false;
	struct netaddr parsed;
	uint8_t v4[4];
	if (dotted_quad(address, v4))
		netaddr_set_v4(&parsed, v4);
	else if (!netaddr_parse(address, &parsed))
		return false; /* e.g. a host name: not usable for matching */
	*out = parsed;
	return true;
}

static void format_init(struct sdp_format *f, uint8_t pt)
{
	memset(f, 0, sizeof(*f));
	f->pt = pt;
	if (pt < STATIC_PAYLOAD_COUNT && static_payloads[pt].encoding) {
		view_to_cstr(view_cstr(static_payloads[pt].encoding), f->encoding,
			     sizeof(f->encoding));
		f->clock_rate = static_payloads[pt].clock_rate;
	}
}

/* RFC 8866 5.14: "m=<media> <port>[/<number of ports>] <proto> <fmt> ...".
 * Formats are kept when they are payload type numbers; other formats
 * (udptl "t38", MSRP "*") are left out. */
static bool parse_media(struct view rest, struct sdp_media *m)
{
	/* The formats array is filled entry by entry: clear the rest only. */
	memset(m, 0, offsetof(struct sdp_media, formats));
	m->type = next_field(&rest);
	struct view count_text;
	struct view port_text = split_at(next_field(&rest), '/', &count_text);
	m->proto = next_field(&rest);
	uint32_t n;
	if (m->type.len == 0 || m->proto.len == 0 || !view_to_u32_exact(port_text, UDP_PORT_MAX, &n))
		return false;
	m->port = (uint16_t)n;
	m->port_count = 1;
	if (view_to_u32_exact(count_text, UDP_PORT_MAX, &n) && n > 0)
		m->port_count = (uint16_t)n;

	for (struct view fmt = next_field(&rest); fmt.len; fmt = next_field(&rest)) {
		if (m->format_count == SDP_MAX_FORMATS)
			break;
		if (!view_to_u32_exact(fmt, RTP_PAYLOAD_TYPE_MAX, &n) || sdp_media_format(m, (uint8_t)n))
			continue;
		format_init(&m->formats[m->format_count++], (uint8_t)n);
	}
	return true;
}

const struct sdp_format *sdp_media_format(const struct sdp_media *m, uint8_t pt)
{
	for (uint8_t i = 0; i < m->format_count; i++)
		if (m->formats[i].pt == pt)
			return &m->formats[i];
	return NULL;
}

/* The format of m named by the payload type at the start of *value. */
static struct sdp_format *attribute_format(struct sdp_media *m, struct view *value)
{
	uint32_t pt;
	if (!view_to_u32_exact(next_field(value), RTP_PAYLOAD_TYPE_MAX, &pt))
		return NULL;
	for (uint8_t i = 0; i < m->format_count; i++)
		if (m->formats[i].pt == pt)
			return &m->formats[i];
	return NULL;
}

/* RFC 8866 6.6: "a=rtpmap:<payload type> <encoding name>/<clock rate>
 * [/<encoding parameters>]"; only for payload types of the m= line. */
static void parse_rtpmap(struct view value, struct sdp_media *m)
{
	struct sdp_format *f = attribute_format(m, &value);
	if (!f)
		return;
	struct view after_name, channels;
	struct view name = split_at(next_field(&value), '/', &after_name);
	struct view rate = split_at(after_name, '/', &channels);
	uint32_t n;
	f->has_rtpmap = true;
	view_to_cstr(name, f->encoding, sizeof(f->encoding));
	f->clock_rate = view_to_u32_exact(rate, UINT32_MAX, &n) ? n : 0;
	f->channels = view_to_u32_exact(channels, RTPMAP_CHANNELS_MAX, &n) ? (uint8_t)n : 0;
}

/* RFC 8866 6.15: "a=fmtp:<format> <format specific parameters>". */
static void parse_fmtp(struct view value, struct sdp_media *m)
{
	struct sdp_format *f = attribute_format(m, &value);
	if (f)
		f->fmtp = view_trim(value);
}

/* RFC 3605 2.1: "a=rtcp:<port> [IN IP4|IP6 <address>]". */
static void parse_rtcp(struct view value, struct sdp_media *m)
{
	uint32_t port;
	if (!view_to_u32_exact(next_field(&value), UDP_PORT_MAX, &port))
		return;
	m->rtcp_port = (uint16_t)port;
	parse_connection_address(value, &m->rtcp_addr);
}

/* RFC 8866 6.7: the four direction attributes, all 8 letters long. */
static enum sdp_direction direction_attribute(struct view name)
{
	if (NAME_IS(name, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (NAME_IS(name, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (NAME_IS(name, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (NAME_IS(name, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_UNSET;
}

struct sdp_parse_state {
	struct sdp *sdp;
	struct sdp_media *media;  /* the m= section being read, or NULL */
	bool in_media;            /* past the first m= (even one not kept) */
	uint32_t session_ptime_ms;
};

/* RFC 8866 5.13: "a=<attribute-name>[:<attribute-value>]".  Names are
 * compared without regard to case (senders differ). */
static void parse_attribute(struct sdp_parse_state *st, struct view line)
{
	struct view value;
	struct view name = split_at(line, ':', &value);
	struct sdp_media *m = st->media;
	uint32_t n;
	switch (name.len) {
	case 4:
		if (m && NAME_IS(name, "fmtp"))
			parse_fmtp(value, m);
		else if (m && NAME_IS(name, "rtcp")) /* media-level only (RFC 3605) */
			parse_rtcp(value, m);
		break;
	case 5:
		/* ptime is media-level (RFC 8866 6.4); a session-level one is
		 * taken as the default of every m= section. */
		if (!NAME_IS(name, "ptime") || !leading_decimal(value, UINT32_MAX, &n))
			break;
		if (m)
			m->ptime_ms = n;
		else if (!st->in_media)
			st->session_ptime_ms = n;
		break;
	case 6:
		if (m && NAME_IS(name, "rtpmap"))
			parse_rtpmap(value, m);
		break;
	case 8: {
		enum sdp_direction dir = direction_attribute(name);
		if (dir != SDP_DIR_UNSET) {
			if (m)
				m->direction = dir;
			else if (!st->in_media)
				st->sdp->session_direction = dir;
		} else if (m && NAME_IS(name, "rtcp-mux")) { /* media-level (RFC 5761 5.1.1) */
			m->rtcp_mux = true;
		}
		break;
	}
	default:
		break;
	}
}

/* Media-level values fall back to session-level ones (RFC 8866 5.7 for
 * c=, 6.7 for the direction, whose default is sendrecv). */
static void inherit_session_values(struct sdp_parse_state *st)
{
	struct sdp *s = st->sdp;
	for (uint8_t i = 0; i < s->media_count; i++) {
		struct sdp_media *m = &s->media[i];
		if (m->addr.family == 0)
			m->addr = s->session_addr;
		if (m->direction == SDP_DIR_UNSET)
			m->direction = s->session_direction != SDP_DIR_UNSET
					       ? s->session_direction
					       : SDP_DIR_SENDRECV;
		if (m->ptime_ms == 0)
			m->ptime_ms = st->session_ptime_ms;
	}
}

static void parse_line(struct sdp_parse_state *st, uint8_t type, struct view value)
{
	struct sdp *s = st->sdp;
	switch (type) {
	case 'c':
		if (!st->in_media)
			parse_connection_address(value, &s->session_addr);
		else if (st->media)
			parse_connection_address(value, &st->media->addr);
		break;
	case 'm':
		st->in_media = true;
		st->media = NULL;
		if (s->media_count == SDP_MAX_MEDIA) {
			if (s->media_dropped < UINT8_MAX)
				s->media_dropped++;
		} else if (parse_media(value, &s->media[s->media_count])) {
			st->media = &s->media[s->media_count++];
		}
		break;
	case 'a':
		parse_attribute(st, value);
		break;
	default:
		break;
	}
}

enum anomaly sdp_parse(struct view body, struct sdp *out)
{
	/* Only what is used gets cleared: media[] is filled as m= lines come. */
	memset(out, 0, offsetof(struct sdp, media));
	if (body.len == 0)
		return ANOMALY_SDP_BAD;
	const uint8_t *p = body.p, *end = body.p + body.len;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	/* RFC 8866 5: a session description starts with "v=". */
	if (end - p < 2 || p[0] != 'v' || p[1] != '=')
		return ANOMALY_SDP_BAD;

	struct sdp_parse_state st = { .sdp = out };
	while (p < end) {
		const uint8_t *lf = line_scan_lf(p, end);
		const uint8_t *line_end = lf ? lf : end;
		const uint8_t *next = lf ? lf + 1 : end;
		if (line_end > p && line_end[-1] == '\r')
			line_end--;
		/* RFC 8866 5: "<type>=<value>", type one letter. */
		if (line_end - p >= 2 && p[1] == '=')
			parse_line(&st, p[0], view_make(p + 2, (size_t)(line_end - p - 2)));
		p = next;
	}
	inherit_session_values(&st);
	return ANOMALY_NONE;
}
