/* multipart.c - finding the SDP in a SIP body: the body itself for
 * application/sdp, or the application/sdp part of a multipart body
 * (RFC 2046 5.1; RFC 5621 for SIP), as SIP-I sends SDP beside ISUP. */
#include "dissect/multipart.h"

#include "dissect/sip.h"

/* Nested multiparts followed this deep (RFC 5621 allows nesting; real
 * traffic nests at most once or twice). */
#define MULTIPART_MAX_DEPTH 3
/* Parts looked at per body: bounds the work a crafted body can cause. */
#define MULTIPART_MAX_PARTS 32
/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX_LEN 70
/* RFC 2046 5.1.1: "--" introduces every boundary delimiter line. */
#define DASH_DASH "--"
#define DASH_DASH_LEN (sizeof(DASH_DASH) - 1)

static inline bool is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* The type/subtype of a Content-Type value, without parameters. */
static struct view media_type(struct view content_type)
{
	long semi = view_find_byte(content_type, ';');
	if (semi >= 0)
		content_type.len = (size_t)semi;
	return view_trim(content_type);
}

/* RFC 2046 5.1.1: the boundary parameter, quoted or not. */
static bool boundary_of(struct view content_type, struct view *boundary)
{
	struct view b;
	if (!sip_param(content_type, "boundary", &b))
		return false;
	if (b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"')
		b = view_make(b.p + 1, b.len - 2);
	if (b.len == 0 || b.len > BOUNDARY_MAX_LEN)
		return false;
	*boundary = b;
	return true;
}

struct delimiter {
	size_t start;      /* offset of the "--" */
	size_t line_end;   /* offset just past the delimiter line */
	bool closing;      /* "--boundary--": no part follows */
};

/* The next delimiter line at or after from (RFC 2046 5.1.1): "--boundary"
 * at the start of a line, then "--" or optional white space and the line
 * end.  The line break before it belongs to the delimiter. */
static bool next_delimiter(struct view body, size_t from, struct view dash_boundary,
			   struct delimiter *out)
{
	while (from < body.len) {
		long hit = view_find(view_from(body, from), dash_boundary);
		if (hit < 0)
			return false;
		size_t start = from + (size_t)hit;
		from = start + 1;
		if (start > 0 && body.p[start - 1] != '\n')
			continue;
		size_t i = start + dash_boundary.len;
		bool closing = i + DASH_DASH_LEN <= body.len &&
			       memcmp(body.p + i, DASH_DASH, DASH_DASH_LEN) == 0;
		if (closing)
			i += DASH_DASH_LEN;
		while (i < body.len && is_wsp(body.p[i]))
			i++;
		if (i < body.len && body.p[i] == '\r')
			i++;
		if (i < body.len && body.p[i] != '\n' && !closing)
			continue; /* a longer word that starts like the boundary */
		if (i < body.len && body.p[i] == '\n')
			i++;
		out->start = start;
		out->line_end = i;
		out->closing = closing;
		return true;
	}
	return false;
}

/* Splits a body part into its Content-Type (empty when absent; RFC 2046
 * 5.1 then means text/plain) and its content after the empty line.  False
 * when the part has no empty line. */
static bool split_part(struct view part, struct view *content_type, struct view *content)
{
	*content_type = view_make(part.p, 0);
	size_t pos = 0;
	while (pos < part.len) {
		struct view rest = view_from(part, pos);
		long lf = view_find_byte(rest, '\n');
		if (lf < 0)
			return false;
		struct view line = view_make(rest.p, (size_t)lf);
		pos += (size_t)lf + 1;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0) {
			*content = view_from(part, pos);
			return true;
		}
		long colon = view_find_byte(line, ':');
		if (colon < 0)
			continue;
		if (view_eq_nocase(view_trim(view_make(line.p, (size_t)colon)), "content-type"))
			*content_type = view_trim(view_from(line, (size_t)colon + 1));
	}
	return false;
}

static bool find_sdp(struct view content_type, struct view body, int depth,
		     struct view *sdp)
{
	struct view type = media_type(content_type);
	if (view_eq_nocase(type, "application/sdp")) {
		*sdp = body;
		return true;
	}
	struct view boundary;
	if (depth >= MULTIPART_MAX_DEPTH || !view_starts_with_nocase(type, "multipart/") ||
	    !boundary_of(content_type, &boundary))
		return false;

	uint8_t needle[DASH_DASH_LEN + BOUNDARY_MAX_LEN];
	memcpy(needle, DASH_DASH, DASH_DASH_LEN);
	memcpy(needle + DASH_DASH_LEN, boundary.p, boundary.len);
	struct view dash_boundary = view_make(needle, DASH_DASH_LEN + boundary.len);

	/* Whatever precedes the first delimiter is the preamble. */
	struct delimiter d;
	if (!next_delimiter(body, 0, dash_boundary, &d))
		return false;
	for (int parts = 0; !d.closing && parts < MULTIPART_MAX_PARTS; parts++) {
		size_t part_start = d.line_end;
		size_t part_end = body.len; /* a body cut short ends the last part */
		bool more = next_delimiter(body, part_start, dash_boundary, &d);
		if (more) {
			part_end = d.start;
			if (part_end > part_start && body.p[part_end - 1] == '\n')
				part_end--;
			if (part_end > part_start && body.p[part_end - 1] == '\r')
				part_end--;
		}
		struct view part_type, content;
		if (split_part(view_make(body.p + part_start, part_end - part_start),
			       &part_type, &content) &&
		    find_sdp(part_type, content, depth + 1, sdp))
			return true;
		if (!more)
			break;
	}
	return false;
}

bool multipart_find_sdp(struct view content_type, struct view body, struct view *sdp)
{
	return find_sdp(content_type, body, 0, sdp);
}
