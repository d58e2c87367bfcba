/* fuzz_filter.c - libFuzzer harness for the dialog filter language
 * (filter/filter.h): filter_compile, filter_message_atoms, filter_eval,
 * filter_from_sngrep_match.
 *
 * Input: the expression, then optionally a NUL byte and one SIP message.
 * Without the NUL, a fixed INVITE is the message.  The expression is
 * compiled; if it compiles it is evaluated over the fixed INVITE and the
 * given message, against a dialog with every field set and one with every
 * optional field absent.  The expression also serves as an sngrep match
 * regex.
 *
 * Besides the sanitizers' findings it checks what filter.h promises: an
 * error names a position inside the expression (or just past it) and says
 * "at position N" with that N, even in a short error buffer nothing is
 * written past its end, a filter without hdr:/payload conditions sets no
 * atoms, evaluation is deterministic, and `not (E)` is the negation of E
 * wherever the wrapped expression fits the limits. */
#include "fuzz.h"

#include "dissect/sip.h"
#include "filter/filter.h"

#define ERRLEN 256
/* Error buffers too short for any message: truncation must stay inside. */
static const size_t short_errlens[] = { 1, 2, 9 };
#define NEGATION_OPEN "not ("
#define NEGATION_CLOSE ")"
#define FENCE 0x5a

static const char fixed_invite[] =
	"INVITE sip:bob@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
	"f: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
	"t: <sip:bob@example.org>\r\n"
	"i: abc123@host\r\n"
	"CSeq: 1 INVITE\r\n"
	"User-Agent: Linphone/5.0\r\n"
	"Content-Type: application/sdp\r\n"
	"\r\n"
	"v=0\r\n"
	"m=audio 4000 RTP/AVP 0\r\n";

static struct filter_dialog full_dialog(void)
{
	struct filter_dialog d = {
		.from = view_cstr("sip:alice@example.com"),
		.to = view_cstr("sip:bob@example.org"),
		.from_user = view_cstr("alice"),
		.to_user = view_cstr("bob"),
		.call_id = view_cstr("abc123@host"),
		.user_agent = view_cstr("Linphone/5.0"),
		.state = "IN CALL",
		.method = "INVITE",
		.final_status = 200,
	};
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	netaddr_set_v4(&d.src.ip, v4);
	d.src.port = 5060;
	netaddr_set_v6(&d.dst.ip, v6);
	d.dst.port = 5070;
	return d;
}

static struct filter_dialog empty_dialog(void)
{
	struct filter_dialog d;
	memset(&d, 0, sizeof(d));
	d.method = "UNKNOWN";
	return d;
}

/* An error message ends in " at position N" with N the reported position. */
static void check_error(const char *err, size_t pos, size_t expr_len)
{
	FUZZ_CHECK(err[0] != '\0');
	FUZZ_CHECK(pos <= expr_len);
	char suffix[64];
	snprintf(suffix, sizeof(suffix), " at position %zu", pos);
	size_t n = strlen(err), s = strlen(suffix);
	FUZZ_CHECK(n >= s && strcmp(err + n - s, suffix) == 0);
}

/* Compiling into short buffers writes only inside them, NUL-terminated. */
static void check_short_buffers(const char *expr)
{
	for (size_t i = 0; i < sizeof(short_errlens) / sizeof(short_errlens[0]); i++) {
		size_t len = short_errlens[i];
		char buf[16];
		memset(buf, FENCE, sizeof(buf));
		struct filter *f = filter_compile(expr, buf, len, NULL);
		filter_free(f);
		FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
		for (size_t j = len; j < sizeof(buf); j++)
			FUZZ_CHECK((uint8_t)buf[j] == FENCE);
	}
}

/* The atoms a message sets, from an exact-size copy. */
static uint64_t atoms_of(const struct filter *f, struct view text)
{
	struct view copy = fuzz_dup(text);
	struct sip_msg m;
	enum anomaly a = sip_parse(copy, &m);
	/* A message that does not parse still has a payload. */
	bool parsed = a == ANOMALY_NONE || a == ANOMALY_SIP_NO_CALL_ID ||
		      a == ANOMALY_SIP_BAD_CSEQ || a == ANOMALY_SIP_BAD_CONTENT_LENGTH;
	uint64_t atoms = filter_message_atoms(f, parsed ? &m : NULL, copy);
	FUZZ_CHECK(atoms == filter_message_atoms(f, parsed ? &m : NULL, copy));
	if (!filter_uses_messages(f))
		FUZZ_CHECK(atoms == 0);
	fuzz_free(copy);
	return atoms;
}

static void check_negation(const struct filter *f, const char *expr, size_t expr_len,
			   const struct filter_dialog *dialogs, size_t ndialogs,
			   const uint64_t *seen, size_t nseen)
{
	size_t cap = sizeof(NEGATION_OPEN) - 1 + expr_len + sizeof(NEGATION_CLOSE);
	char *wrapped = malloc(cap);
	if (!wrapped)
		abort();
	snprintf(wrapped, cap, "%s%s%s", NEGATION_OPEN, expr, NEGATION_CLOSE);
	char err[ERRLEN];
	size_t pos;
	struct filter *neg = filter_compile(wrapped, err, sizeof(err), &pos);
	if (!neg) {
		/* Only the limits can refuse what compiled alone. */
		FUZZ_CHECK(strstr(err, "too long") || strstr(err, "nested too deeply"));
		free(wrapped);
		return;
	}
	FUZZ_CHECK(filter_uses_messages(neg) == filter_uses_messages(f));
	for (size_t d = 0; d < ndialogs; d++)
		for (size_t s = 0; s < nseen; s++)
			FUZZ_CHECK(filter_eval(neg, &dialogs[d], seen[s]) !=
				   filter_eval(f, &dialogs[d], seen[s]));
	filter_free(neg);
	free(wrapped);
}

static void check_sngrep(const char *expr, size_t expr_len, struct view message)
{
	char err[ERRLEN];
	bool icase = expr_len & 1, invert = expr_len & 2;
	struct filter *f = filter_from_sngrep_match(expr, icase, invert, err, sizeof(err));
	if (!f) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(filter_uses_messages(f));
	struct filter_dialog d = empty_dialog();
	uint64_t atoms = atoms_of(f, message);
	FUZZ_CHECK((atoms & ~UINT64_C(1)) == 0);
	FUZZ_CHECK(filter_eval(f, &d, atoms) == ((atoms != 0) != invert));
	filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The expression is a C string: up to the first NUL, in its own
	 * allocation. */
	const uint8_t *nul = memchr(data, '\0', size);
	size_t expr_len = nul ? (size_t)(nul - data) : size;
	char *expr = malloc(expr_len + 1);
	if (!expr)
		abort();
	memcpy(expr, data, expr_len);
	expr[expr_len] = '\0';
	struct view message = nul ? view_make(nul + 1, size - expr_len - 1)
				  : view_make(fixed_invite, sizeof(fixed_invite) - 1);

	char err[ERRLEN];
	size_t pos = SIZE_MAX;
	struct filter *f = filter_compile(expr, err, sizeof(err), &pos);
	check_short_buffers(expr);
	if (!f) {
		check_error(err, pos, expr_len);
		char again[ERRLEN];
		size_t pos_again = SIZE_MAX;
		FUZZ_CHECK(filter_compile(expr, again, sizeof(again), &pos_again) == NULL);
		FUZZ_CHECK(pos_again == pos && strcmp(again, err) == 0);
	} else {
		const struct filter_dialog dialogs[] = { full_dialog(), empty_dialog() };
		uint64_t invite = atoms_of(f, view_make(fixed_invite, sizeof(fixed_invite) - 1));
		uint64_t given = atoms_of(f, message);
		const uint64_t seen[] = { 0, invite, given, invite | given, UINT64_MAX };
		for (size_t d = 0; d < sizeof(dialogs) / sizeof(dialogs[0]); d++)
			for (size_t s = 0; s < sizeof(seen) / sizeof(seen[0]); s++)
				FUZZ_CHECK(filter_eval(f, &dialogs[d], seen[s]) ==
					   filter_eval(f, &dialogs[d], seen[s]));
		check_negation(f, expr, expr_len, dialogs, sizeof(dialogs) / sizeof(dialogs[0]), seen,
			       sizeof(seen) / sizeof(seen[0]));
		filter_free(f);
	}
	check_sngrep(expr, expr_len, message);
	free(expr);
	return 0;
}
