/* fuzz_sip.c - libFuzzer harness for the SIP parser (sip.h): the input is
 * one SIP message as a UDP payload or a stream buffer would hold it.
 *
 * Besides the sanitizers' findings, it checks what sip.h promises: every
 * view the parser returns lies inside the message, a framed length fits
 * the buffer, an unfolded value is NUL-terminated within its buffer. */
#include "fuzz.h"

#include "dissect/sip.h"

/* Full and compact names (RFC 3261 7.3.3, 20), and a few that have no
 * short form, in varying case. */
static const char *const header_names[] = {
	"Call-ID", "i", "From", "F", "To", "t", "Via", "v", "CSeq", "cseq",
	"Contact", "m", "Content-Type", "c", "Content-Length", "L",
	"Content-Encoding", "e", "Supported", "k", "Subject", "s",
	"Refer-To", "r", "Referred-By", "b", "Allow-Events", "u",
	"Event", "o", "Accept-Contact", "a", "Reject-Contact", "j",
	"Request-Disposition", "d", "Session-Expires", "x", "Identity", "y",
	"Max-Forwards", "X-Call-ID", "Reason", "User-Agent", "Server", "q",
};

static const char *const param_names[] = {
	"tag", "branch", "received", "rport", "lr", "transport", "maddr",
	"expires", "q", "boundary", "TAG",
};

/* Buffer sizes for sip_value_unfold: the degenerate one, one that cuts
 * most values, one that holds most. */
static const size_t unfold_caps[] = { 1, 2, 16, 512 };

static unsigned check_view(struct view v, struct view msg)
{
	FUZZ_CHECK(fuzz_view_within(v, msg));
	return fuzz_touch(v);
}

static void check_value(struct view value, struct view msg)
{
	check_view(value, msg);
	for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
		struct view p;
		if (sip_param(value, param_names[i], &p))
			check_view(p, msg);
	}
	struct view uri = view_empty(), user = view_empty();
	sip_name_addr(value, &uri, &user);
	check_view(uri, msg);
	check_view(user, msg);

	char buf[512];
	for (size_t i = 0; i < sizeof(unfold_caps) / sizeof(unfold_caps[0]); i++) {
		size_t n = sip_value_unfold(value, buf, unfold_caps[i]);
		FUZZ_CHECK(n < unfold_caps[i]);
		FUZZ_CHECK(buf[n] == '\0');
		FUZZ_CHECK(n <= value.len);
	}
}

static void check_message(struct view msg)
{
	struct sip_msg m;
	enum anomaly a = sip_parse(msg, &m);
	FUZZ_CHECK(a >= ANOMALY_NONE && a < ANOMALY_COUNT);
	FUZZ_CHECK(anomaly_name(a) != NULL);
	if (a != ANOMALY_NONE && a != ANOMALY_SIP_NO_CALL_ID && a != ANOMALY_SIP_BAD_CSEQ &&
	    a != ANOMALY_SIP_BAD_CONTENT_LENGTH)
		return; /* nothing filled in */

	FUZZ_CHECK(sip_method_name(m.method) != NULL);
	FUZZ_CHECK(sip_method_name(m.cseq_method) != NULL);
	if (!m.is_request)
		FUZZ_CHECK(m.status >= 100 && m.status <= 699);
	FUZZ_CHECK(m.content_length >= -1);
	const struct view fields[] = {
		m.method_text, m.request_uri, m.reason, m.call_id, m.from, m.to,
		m.from_uri, m.to_uri, m.from_user, m.to_user, m.from_tag, m.to_tag,
		m.cseq_method_text, m.via_branch, m.content_type, m.user_agent,
		m.reason_header, m.x_call_id, m.replaces, m.refer_to, m.referred_by,
		m.start_line, m.headers, m.body,
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		check_view(fields[i], msg);
	if (m.method_text.len)
		FUZZ_CHECK(sip_method_from_view(m.method_text) < SIP_METHOD_COUNT);
	check_value(m.from, msg);
	check_value(m.to, msg);
	check_value(m.refer_to, msg);
	check_value(m.referred_by, msg);
	check_value(m.request_uri, msg);

	for (size_t i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++) {
		struct view value;
		if (sip_msg_header(&m, header_names[i], &value))
			check_value(value, msg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view msg = view_make(data, size);

	(void)sip_looks_like(msg);
	check_message(msg);

	/* As a stream buffer: the framed message is parsed on its own, in an
	 * allocation of exactly its length (as the TCP consumer hands it). */
	long n = sip_frame_length(msg);
	FUZZ_CHECK(n >= -1);
	FUZZ_CHECK(n <= (long)size);
	if (n > 0) {
		struct view framed = fuzz_dup(view_sub(msg, 0, (size_t)n));
		(void)sip_looks_like(framed);
		check_message(framed);
		/* Framing and parsing must agree on where the message ends:
		 * a stream consumer that frames one way and a parser that
		 * reads another would split messages differently. */
		struct sip_msg m;
		if (sip_parse(framed, &m) == ANOMALY_NONE && m.content_length >= 0) {
			FUZZ_CHECK(!m.body_cut);
			FUZZ_CHECK(m.body.len == (size_t)m.content_length);
		}
		fuzz_free(framed);
	}
	return 0;
}
