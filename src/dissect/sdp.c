/* sdp.c - SDP (RFC 8866) as far as media association needs it: c=, m=,
 * rtpmap/fmtp/ptime, direction, a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761).
 *
 * Lines are read one at a time through views; anything not understood is
 * skipped, and every list is bounded by the sizes in sdp.h. */
#include "dissect/sdp.h"

#include <string.h>

/* RFC 3550 5.1: the payload type is a 7-bit field. */
#define RTP_PAYLOAD_TYPE_MAX 127
#define UDP_PORT_MAX 65535
/* RFC 8866 5.14: a channel count in rtpmap; ours is a uint8_t. */
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

static inline bool is_field_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* The next space-separated field of *rest (RFC 8866 uses single SP;
 * several spaces and tabs are tolerated); *rest moves past it. */
static struct view next_field(struct view *rest)
{
	size_t i = 0;
	while (i < rest->len && is_field_space(rest->p[i]))
		i++;
	size_t start = i;
	while (i < rest->len && !is_field_space(rest->p[i]))
		i++;
	struct view field = view_make(rest->p + start, i - start);
	*rest = view_from(*rest, i);
	return field;
}

/* The part of v before the first c, and *after what follows it (empty when
 * c does not occur). */
static struct view split_at(struct view v, uint8_t c, struct view *after)
{
	long at = view_find_byte(v, c);
	if (at < 0) {
		*after = view_make(v.p + v.len, 0);
		return v;
	}
	*after = view_from(v, (size_t)at + 1);
	return view_make(v.p, (size_t)at);
}

/* The leading decimal digits of v as a number no larger than max. */
static bool leading_number(struct view v, uint64_t max, uint64_t *out)
{
	size_t n = 0;
	while (n < v.len && v.p[n] >= '0' && v.p[n] <= '9')
		n++;
	return view_to_u64(view_make(v.p, n), max, out);
}

/* "IN IP4 <addr>" / "IN IP6 <addr>" from c= (RFC 8866 5.7) or a=rtcp;
 * a "/ttl" or "/count" suffix is dropped. */
static bool parse_connection_address(struct view rest, struct netaddr *out)
{
	struct view nettype = next_field(&rest);
	struct view addrtype = next_field(&rest);
	struct view address = next_field(&rest);
	struct view suffix;
	address = split_at(address, '/', &suffix);
	if (!view_eq_nocase(nettype, "IN") ||
	    !(view_eq_nocase(addrtype, "IP4") || view_eq_nocase(addrtype, "IP6")))
		return false;
	struct netaddr parsed;
	if (!netaddr_parse(address, &parsed))
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
 * Formats are payload types only for RTP profiles; other formats (udptl
 * "t38", MSRP "*") are not numbers and are left out. */
static bool parse_media(struct view rest, struct sdp_media *m)
{
	memset(m, 0, sizeof(*m));
	m->type = next_field(&rest);
	struct view port_count;
	struct view port = split_at(next_field(&rest), '/', &port_count);
	m->proto = next_field(&rest);
	uint64_t n;
	if (m->type.len == 0 || m->proto.len == 0 || !view_to_u64(port, UDP_PORT_MAX, &n))
		return false;
	m->port = (uint16_t)n;
	m->port_count = 1;
	if (port_count.len && view_to_u64(port_count, UDP_PORT_MAX, &n) && n > 0)
		m->port_count = (uint16_t)n;

	for (struct view fmt = next_field(&rest); fmt.len; fmt = next_field(&rest)) {
		if (m->format_count == SDP_MAX_FORMATS)
			break;
		if (!view_to_u64(fmt, RTP_PAYLOAD_TYPE_MAX, &n) ||
		    sdp_media_format(m, (uint8_t)n))
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

static struct sdp_format *media_format_mut(struct sdp_media *m, struct view pt_text)
{
	uint64_t pt;
	if (!view_to_u64(pt_text, RTP_PAYLOAD_TYPE_MAX, &pt))
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
	struct sdp_format *f = media_format_mut(m, next_field(&value));
	if (!f)
		return;
	struct view after_name, after_rate;
	struct view name = split_at(next_field(&value), '/', &after_name);
	struct view rate = split_at(after_name, '/', &after_rate);
	uint64_t n;
	f->has_rtpmap = true;
	view_to_cstr(name, f->encoding, sizeof(f->encoding));
	f->clock_rate = view_to_u64(rate, UINT32_MAX, &n) ? (uint32_t)n : 0;
	f->channels = view_to_u64(after_rate, RTPMAP_CHANNELS_MAX, &n) ? (uint8_t)n : 0;
}

/* RFC 8866 6.15: "a=fmtp:<format> <format specific parameters>". */
static void parse_fmtp(struct view value, struct sdp_media *m)
{
	struct sdp_format *f = media_format_mut(m, next_field(&value));
	if (f)
		f->fmtp = view_trim(value);
}

/* RFC 3605 2.1: "a=rtcp:<port> [IN IP4|IP6 <address>]". */
static void parse_rtcp(struct view value, struct sdp_media *m)
{
	uint64_t port;
	if (!view_to_u64(next_field(&value), UDP_PORT_MAX, &port))
		return;
	m->rtcp_port = (uint16_t)port;
	parse_connection_address(value, &m->rtcp_addr);
}

static enum sdp_direction direction_attribute(struct view name)
{
	if (view_eq_nocase(name, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (view_eq_nocase(name, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (view_eq_nocase(name, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (view_eq_nocase(name, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_UNSET;
}

struct sdp_parse_state {
	struct sdp *sdp;
	struct sdp_media *media;  /* the m= section being read, or NULL */
	bool in_media;            /* past the first m= (even one not kept) */
	uint32_t session_ptime_ms;
};

/* RFC 8866 5.13: "a=<attribute-name>[:<attribute-value>]". */
static void parse_attribute(struct sdp_parse_state *st, struct view line)
{
	struct view value;
	struct view name = split_at(line, ':', &value);
	enum sdp_direction dir = direction_attribute(name);
	uint64_t n;
	if (!st->in_media) {
		/* ptime is media-level (RFC 8866 6.4); a session-level one is
		 * taken as the default of every m= section. */
		if (dir != SDP_DIR_UNSET)
			st->sdp->session_direction = dir;
		else if (view_eq_nocase(name, "ptime") && leading_number(value, UINT32_MAX, &n))
			st->session_ptime_ms = (uint32_t)n;
		return;
	}
	struct sdp_media *m = st->media;
	if (!m)
		return; /* attributes of an m= section that was not kept */
	if (dir != SDP_DIR_UNSET)
		m->direction = dir;
	else if (view_eq_nocase(name, "rtpmap"))
		parse_rtpmap(value, m);
	else if (view_eq_nocase(name, "fmtp"))
		parse_fmtp(value, m);
	else if (view_eq_nocase(name, "ptime") && leading_number(value, UINT32_MAX, &n))
		m->ptime_ms = (uint32_t)n;
	else if (view_eq_nocase(name, "rtcp"))
		parse_rtcp(value, m);
	else if (view_eq_nocase(name, "rtcp-mux"))
		m->rtcp_mux = true;
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
	memset(out, 0, sizeof(*out));
	size_t pos = 0;
	while (pos < body.len && (body.p[pos] == '\r' || body.p[pos] == '\n'))
		pos++;
	/* RFC 8866 5: a session description starts with "v=". */
	if (!view_starts_with(view_from(body, pos), "v="))
		return ANOMALY_SDP_BAD;

	struct sdp_parse_state st = { .sdp = out };
	while (pos < body.len) {
		struct view rest = view_from(body, pos);
		long lf = view_find_byte(rest, '\n');
		struct view line = lf >= 0 ? view_make(rest.p, (size_t)lf) : rest;
		pos += lf >= 0 ? (size_t)lf + 1 : rest.len;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		/* RFC 8866 5: "<type>=<value>", type one letter. */
		if (line.len < 2 || line.p[1] != '=')
			continue;
		parse_line(&st, line.p[0], view_from(line, 2));
	}
	inherit_session_values(&st);
	return ANOMALY_NONE;
}
