/* sip.h - SIP message parsing (RFC 3261 section 7 and 20).
 *
 * The parser never copies: every field is a view into the message bytes,
 * so a parsed message lives only as long as those bytes.  Header names are
 * matched case-insensitively, compact forms (RFC 3261 7.3.3, i f t v m l c
 * k s e o u r b x y) are understood, folded continuation lines are part of
 * the value (sip_value_unfold() joins them), bare LF line ends are
 * tolerated. */
#ifndef SIPMON_DISSECT_SIP_H
#define SIPMON_DISSECT_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

enum sip_method {
	SIP_METHOD_UNKNOWN = 0,
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_REGISTER,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_PRACK,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_UPDATE,
	SIP_METHOD_COUNT
};

const char *sip_method_name(enum sip_method m);        /* "INVITE"; "UNKNOWN" */
enum sip_method sip_method_from_view(struct view name); /* case-sensitive, RFC 3261 7.1 */

/* Largest SIP message sipmon accepts; larger ones count as SIP_TOO_BIG. */
#define SIP_MAX_MESSAGE (64 * 1024)

struct sip_msg {
	bool is_request;
	enum sip_method method;     /* request method (UNKNOWN for extensions) */
	struct view method_text;    /* the method token as written */
	struct view request_uri;
	uint16_t status;            /* response code, 100..699 */
	struct view reason;         /* reason phrase */

	struct view call_id;        /* trimmed value */
	struct view from, to;       /* whole header values */
	struct view from_uri, to_uri;   /* addr-spec: no display name, <>, params */
	struct view from_user, to_user; /* user part of the URI (may be empty) */
	struct view from_tag, to_tag;   /* tag parameter (may be empty) */
	uint32_t cseq;
	enum sip_method cseq_method;
	struct view cseq_method_text;
	struct view via_branch;     /* branch parameter of the top Via */
	struct view content_type;   /* value, parameters included */
	long content_length;        /* -1 when the header is absent */
	struct view user_agent;     /* User-Agent, or Server in responses */
	struct view reason_header;  /* Reason header (RFC 3326) */
	/* For relating dialogs to each other (empty when absent): */
	struct view x_call_id;      /* X-Call-ID, or X-CID (B2BUA leg link) */
	struct view replaces;       /* Replaces (RFC 3891) */
	struct view refer_to;       /* Refer-To / r (RFC 3515) */
	struct view referred_by;    /* Referred-By / b (RFC 3892) */

	struct view start_line;     /* without its line end */
	struct view headers;        /* from the first header to the blank line */
	struct view body;           /* as captured: may be shorter than claimed */
	bool body_cut;              /* fewer body bytes than Content-Length says */
	uint16_t header_count;      /* header fields read (malformed lines not included) */
	/* The first problem that did not stop the parse: SIP_BAD_HEADER (a
	 * header line without ':' or with a bad name was skipped) or SIP_CUT
	 * (no empty line ends the headers, or body_cut); ANOMALY_NONE
	 * otherwise.  Meaningful when sip_parse() returned ANOMALY_NONE. */
	enum anomaly soft_anomaly;
};

/* Parses the message at the start of msg (one whole UDP payload, or one
 * framed stream message).  Returns ANOMALY_NONE, or why it is not a usable
 * SIP message.  A message cut short (body shorter than Content-Length)
 * still parses, with body_cut set.  Leading CRLF keep-alives are skipped.
 * The checks run in this order: SIP_TOO_BIG, SIP_BAD_START_LINE, then
 * after all headers SIP_NO_CALL_ID, SIP_BAD_CSEQ, SIP_BAD_CONTENT_LENGTH;
 * on those three, the fields read so far are filled in.  A CSeq method
 * different from the request method is not an error. */
enum anomaly sip_parse(struct view msg, struct sip_msg *out);

/* sip_parse() without splitting From and To: from_uri, from_user,
 * from_tag and the To ones stay empty until sip_msg_split_parties().  The
 * hot path parses every message but needs the parties only when a message
 * starts a dialog. */
enum anomaly sip_parse_fast(struct view msg, struct sip_msg *out);
void sip_msg_split_parties(struct sip_msg *m);

/* Cheap test of whether payload starts like a SIP message: a request line
 * "METHOD SP URI SP SIP/2.0" or a status line "SIP/2.0 SP 3DIGIT".  Used to
 * recognise SIP on any port without mistaking other protocols for it. */
bool sip_looks_like(struct view payload);

/* For stream transports (RFC 3261 18.3): the length of the first complete
 * message in buf (headers + Content-Length body).  0 when more bytes are
 * needed; -1 when buf does not start with a SIP message or its framing is
 * unusable (bad Content-Length, over SIP_MAX_MESSAGE).  A message without
 * Content-Length (mandatory on streams) is taken as having no body.
 * Leading CRLF keep-alives (RFC 5626 3.5.1) are part of the length so they
 * get consumed; a buffer of keep-alives alone gives 0. */
long sip_frame_length(struct view buf);

/* The first value of header `name` (full or compact form, any case). */
bool sip_msg_header(const struct sip_msg *m, const char *name, struct view *value);

/* Copies a header value into buf with folded lines joined by one space
 * (RFC 3261 7.3.1), NUL-terminated, truncated to cap-1; returns length. */
size_t sip_value_unfold(struct view value, char *buf, size_t cap);

/* The value of parameter `name` (e.g. "tag", "branch") in a header value
 * such as `"Bob" <sip:bob@x>;tag=abc`. */
bool sip_param(struct view value, const char *name, struct view *out);

/* The addr-spec and its user part from a From/To/Contact value. */
void sip_name_addr(struct view value, struct view *uri, struct view *user);

#endif
