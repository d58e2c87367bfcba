/* fuzz_sdp.c - libFuzzer harness for the SDP parser (sdp.h) and for
 * finding the SDP in a (multipart) body (multipart.h).
 *
 * Input: a Content-Type value, a line feed, then the body.  Without a line
 * feed the whole input is the body of an application/sdp message.  The
 * body is parsed directly, and the SDP multipart_find_sdp() picks from it
 * is parsed again, both from allocations of exactly their size. */
#include "fuzz.h"

#include "dissect/multipart.h"
#include "dissect/sdp.h"

static bool netaddr_family_ok(const struct netaddr *a)
{
	return a->family == 0 || a->family == NETADDR_V4 || a->family == NETADDR_V6;
}

static bool direction_ok(enum sdp_direction d)
{
	return d >= SDP_DIR_UNSET && d <= SDP_DIR_INACTIVE;
}

static void check_sdp(struct view body)
{
	struct sdp s;
	memset(&s, 0xA5, sizeof(s)); /* nothing may be read before it is written */
	enum anomaly a = sdp_parse(body, &s);
	FUZZ_CHECK(a == ANOMALY_NONE || a == ANOMALY_SDP_BAD);
	if (a != ANOMALY_NONE)
		return;
	FUZZ_CHECK(s.media_count <= SDP_MAX_MEDIA);
	FUZZ_CHECK(netaddr_family_ok(&s.session_addr));
	FUZZ_CHECK(direction_ok(s.session_direction));
	FUZZ_CHECK(sdp_direction_name(s.session_direction) != NULL);
	for (uint8_t i = 0; i < s.media_count; i++) {
		const struct sdp_media *m = &s.media[i];
		FUZZ_CHECK(fuzz_view_within(m->type, body));
		FUZZ_CHECK(fuzz_view_within(m->proto, body));
		fuzz_touch(m->type);
		fuzz_touch(m->proto);
		FUZZ_CHECK(netaddr_family_ok(&m->addr));
		FUZZ_CHECK(netaddr_family_ok(&m->rtcp_addr));
		FUZZ_CHECK(direction_ok(m->direction));
		FUZZ_CHECK(m->format_count <= SDP_MAX_FORMATS);
		for (uint8_t j = 0; j < m->format_count; j++) {
			const struct sdp_format *f = &m->formats[j];
			FUZZ_CHECK(f->pt <= 127);
			FUZZ_CHECK(memchr(f->encoding, '\0', sizeof(f->encoding)) != NULL);
			FUZZ_CHECK(fuzz_view_within(f->fmtp, body));
			fuzz_touch(f->fmtp);
			FUZZ_CHECK(sdp_media_format(m, f->pt) != NULL);
		}
		/* Every payload type may be asked for, listed or not. */
		for (unsigned pt = 0; pt <= 127; pt++) {
			const struct sdp_format *f = sdp_media_format(m, (uint8_t)pt);
			FUZZ_CHECK(f == NULL || f->pt == pt);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view in = view_make(data, size);
	struct view content_type, body;
	long lf = view_find_byte(in, '\n');
	if (lf < 0) {
		content_type = fuzz_dup(view_cstr("application/sdp"));
		body = fuzz_dup(in);
	} else {
		content_type = fuzz_dup(view_sub(in, 0, (size_t)lf));
		body = fuzz_dup(view_from(in, (size_t)lf + 1));
	}

	check_sdp(body);

	struct view sdp;
	if (multipart_find_sdp(content_type, body, &sdp)) {
		FUZZ_CHECK(fuzz_view_within(sdp, body));
		struct view exact = fuzz_dup(sdp);
		check_sdp(exact);
		fuzz_free(exact);
	}

	fuzz_free(content_type);
	fuzz_free(body);
	return 0;
}
