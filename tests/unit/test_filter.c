/* test_filter.c - the dialog filter language (filter.h): every field and
 * operator, precedence, quoting, every error with its position, hdr: and
 * payload atoms accumulating over a dialog's messages, addresses, the
 * sngrep match expression, and the limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"
#include "filter/filter.h"

#define ERRLEN 256

static struct endpoint endpoint_of(const char *ip, uint16_t port)
{
	struct endpoint e;
	memset(&e, 0, sizeof(e));
	ck_assert_msg(netaddr_parse(view_cstr(ip), &e.ip), "bad test address %s", ip);
	e.port = port;
	return e;
}

/* The dialog most tests look at: an answered call from alice to bob. */
static struct filter_dialog answered_call(void)
{
	struct filter_dialog d = {
		.from = view_cstr("sip:alice@example.com"),
		.to = view_cstr("sip:bob@example.org"),
		.from_user = view_cstr("alice"),
		.to_user = view_cstr("bob"),
		.call_id = view_cstr("abc123@host"),
		.user_agent = view_cstr("Linphone/5.0 (say \"hi\" \\ bye)"),
		.state = "IN CALL",
		.method = "INVITE",
		.final_status = 200,
	};
	d.src = endpoint_of("192.0.2.1", 5060);
	d.dst = endpoint_of("2001:db8::1", 5070);
	return d;
}

static struct filter *compile_ok(const char *expr)
{
	char err[ERRLEN];
	size_t pos = SIZE_MAX;
	struct filter *f = filter_compile(expr, err, sizeof(err), &pos);
	ck_assert_msg(f != NULL, "'%s' did not compile: %s", expr, err);
	return f;
}

static bool eval_on(const char *expr, const struct filter_dialog *d, uint64_t seen)
{
	struct filter *f = compile_ok(expr);
	bool r = filter_eval(f, d, seen);
	filter_free(f);
	return r;
}

static void expect_on(const char *expr, const struct filter_dialog *d, bool expected)
{
	ck_assert_msg(eval_on(expr, d, 0) == expected, "'%s' should be %s", expr,
		      expected ? "true" : "false");
}

static void expect(const char *expr, bool expected)
{
	struct filter_dialog d = answered_call();
	expect_on(expr, &d, expected);
}

static void expect_error(const char *expr, const char *message, size_t position)
{
	char err[ERRLEN];
	size_t pos = SIZE_MAX;
	struct filter *f = filter_compile(expr, err, sizeof(err), &pos);
	ck_assert_msg(f == NULL, "'%s' compiled", expr);
	ck_assert_str_eq(err, message);
	ck_assert_uint_eq(pos, position);
}

struct expectation {
	const char *expr;
	bool value;
};

static void expect_all(const struct expectation *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect(e[i].expr, e[i].value);
}
#define EXPECT_ALL(table) expect_all((table), sizeof(table) / sizeof((table)[0]))

/* --- dialog fields ------------------------------------------------------ */

START_TEST(text_fields_with_every_operator)
{
	static const struct expectation table[] = {
		{ "from=sip:alice@example.com", true },
		{ "from=sip:alice@example", false },
		{ "from=SIP:ALICE@EXAMPLE.COM", false }, /* case-sensitive */
		{ "from!=sip:alice@example.com", false },
		{ "from!=sip:carol@example.com", true },
		{ "from=~alice@", true },
		{ "from=~^alice", false },
		{ "to=sip:bob@example.org", true },
		{ "to=~\\.org$", true },
		{ "to!=sip:bob@example.org", false },
		{ "from_user=alice", true },
		{ "from_user=alic", false },
		{ "from_user=~^a.*e$", true },
		{ "to_user=bob", true },
		{ "to_user!=bob", false },
		{ "to_user=~^b", true },
		{ "call_id=abc123@host", true },
		{ "call_id=abc123", false },
		{ "call_id=~^abc[0-9]+@", true },
		{ "user_agent=~^Linphone/5", true },
		{ "user_agent=~linphone", false },
		{ "user_agent=~\"(?i)linphone\"", true },
		{ "user_agent!=x", true },
	};
	EXPECT_ALL(table);
}
END_TEST

START_TEST(state_and_method_ignore_case)
{
	static const struct expectation table[] = {
		{ "state=\"IN CALL\"", true },
		{ "state=\"in call\"", true },
		{ "state!=\"IN CALL\"", false },
		{ "state=COMPLETED", false },
		{ "state!=COMPLETED", true },
		{ "state=~CALL$", true },
		{ "state=~call", false }, /* regexes follow their own flags */
		{ "method=INVITE", true },
		{ "method=invite", true },
		{ "method=Invite", true },
		{ "method!=INVITE", false },
		{ "method=BYE", false },
		{ "method!=bye", true },
		{ "method=~^INV", true },
		{ "method=INV", false },
	};
	EXPECT_ALL(table);
}
END_TEST

START_TEST(status_compares_numbers)
{
	static const struct expectation table[] = {
		{ "status=200", true },
		{ "status=0200", true },
		{ "status=486", false },
		{ "status!=486", true },
		{ "status!=200", false },
		{ "status=~^2", true },
		{ "status=~^[45]", false },
		{ "status=~^200$", true },
	};
	EXPECT_ALL(table);
}
END_TEST

START_TEST(absent_fields_match_only_not_equal)
{
	struct filter_dialog d = answered_call();
	d.final_status = 0;
	d.state = NULL;
	d.method = NULL;
	memset(&d.src, 0, sizeof(d.src));
	expect_on("status=200", &d, false);
	expect_on("status!=200", &d, true);
	expect_on("status=~.", &d, false);
	expect_on("state=\"IN CALL\"", &d, false);
	expect_on("state!=\"IN CALL\"", &d, true);
	expect_on("state=~.", &d, false);
	expect_on("method=INVITE", &d, false);
	expect_on("method!=INVITE", &d, true);
	expect_on("src=192.0.2.1", &d, false);
	expect_on("src!=192.0.2.1", &d, true);
	expect_on("src=~.", &d, false);

	/* An empty text field is the empty value. */
	d.user_agent = view_empty();
	expect_on("user_agent=\"\"", &d, true);
	expect_on("user_agent!=\"\"", &d, false);
	expect_on("user_agent=~^$", &d, true);
	expect_on("user_agent=~.", &d, false);
}
END_TEST

START_TEST(addresses_with_and_without_port)
{
	static const struct expectation table[] = {
		{ "src=192.0.2.1", true },
		{ "src=192.0.2.1:5060", true },
		{ "src=192.0.2.1:5061", false },
		{ "src=192.0.2.2", false },
		{ "src!=192.0.2.1:5061", true },
		{ "src!=192.0.2.1", false },
		{ "src=~^192\\.0\\.2\\.1:5060$", true },
		{ "src=~:5061$", false },
		{ "dst=2001:db8::1", true },
		{ "dst=2001:0db8:0:0:0:0:0:1", true },
		{ "dst=[2001:db8::1]", true },
		{ "dst=[2001:db8::1]:5070", true },
		{ "dst=[2001:db8::1]:5060", false },
		{ "dst=[2001:db8::2]:5070", false },
		{ "dst=~\"^\\[2001:db8::1\\]:5070$\"", true },
		{ "dst=192.0.2.1", false },
		{ "src=2001:db8::1", false },
		{ "src=\"192.0.2.1:5060\"", true },
	};
	EXPECT_ALL(table);

	struct filter_dialog d = answered_call();
	d.src = endpoint_of("::ffff:192.0.2.1", 5060);
	expect_on("src=192.0.2.1", &d, false); /* a mapped address is IPv6 */
	expect_on("src=[::ffff:192.0.2.1]:5060", &d, true);
}
END_TEST

/* --- the language ------------------------------------------------------- */

/* T and F are conditions that are true and false for answered_call(). */
#define T "method=INVITE"
#define F "method=BYE"

START_TEST(precedence_not_and_or)
{
	static const struct expectation table[] = {
		{ T " or " T " and " F, true },     /* T or (T and F) */
		{ "(" T " or " T ") and " F, false },
		{ F " and " F " or " T, true },     /* (F and F) or T */
		{ F " and (" F " or " T ")", false },
		{ "not " T " or " T, true },        /* (not T) or T */
		{ "not (" T " or " T ")", false },
		{ "not " F " and " F, false },      /* (not F) and F */
		{ "not (" F " and " F ")", true },
		{ "not not " T, true },
		{ "not not not " T, false },
		{ T " and " T " and " T " and " F, false },
		{ F " or " F " or " F " or " T, true },
		{ "((" T "))", true },
		{ "not (not (" F "))", false },
		{ F " or not " F " and " T, true }, /* F or ((not F) and T) */
		{ F " or " T " and not " T, false },
	};
	EXPECT_ALL(table);
}
END_TEST

START_TEST(spacing_and_case_of_names)
{
	static const struct expectation table[] = {
		{ "  from = sip:alice@example.com  ", true },
		{ "from\t=\r\nsip:alice@example.com", true },
		{ "FROM=sip:alice@example.com AND NOT Method=bye", true },
		{ "Status=200 Or status=300", true },
		{ "(method=INVITE)and(status=200)", true },
		{ "method=INVITE and(status=404)", false },
	};
	EXPECT_ALL(table);
	/* A keyword needs space before it: "192.0.2.9and" is one word. */
	expect_error("src!=192.0.2.9and method=INVITE",
		     "expected an address: ip, ip:port, [ipv6] or [ipv6]:port at position 5", 5);
}
END_TEST

START_TEST(quoting_and_escapes)
{
	static const struct expectation table[] = {
		{ "user_agent=\"Linphone/5.0 (say \\\"hi\\\" \\\\ bye)\"", true },
		{ "user_agent=\"Linphone/5.0 (say \\\"hi\\\" \\ bye)\"", true }, /* \ before SP */
		{ "user_agent=~\"\\(say \\\"hi\\\"\"", true },
		{ "user_agent=~\"\\\\\\\\ bye\"", true }, /* regex \\ : one backslash */
		{ "call_id=~\"^\\w+\\d@\"", true },      /* \w and \d reach PCRE2 */
		{ "from=\"sip:alice@example.com\"", true },
		{ "state=\"IN CALL\" and method=\"INVITE\"", true },
		{ "to_user=\"\"", false },
	};
	EXPECT_ALL(table);

	struct filter_dialog d = answered_call();
	d.to_user = view_cstr("and");
	expect_on("to_user=\"and\"", &d, true);
	d.to_user = view_cstr("a=(b)!");
	expect_on("to_user=\"a=(b)!\"", &d, true);
	d.to_user = view_cstr("");
	expect_on("to_user=\"\"", &d, true);
	/* Bytes beyond ASCII are ordinary value bytes. */
	d.to_user = view_cstr("jos\xc3\xa9");
	expect_on("to_user=jos\xc3\xa9", &d, true);
}
END_TEST

/* --- errors ------------------------------------------------------------- */

START_TEST(errors_name_the_position)
{
	expect_error("", "expected a field, 'not' or '(' at position 0", 0);
	expect_error("   ", "expected a field, 'not' or '(' at position 3", 3);
	expect_error("from=", "expected a value after '=' at position 5", 5);
	expect_error("to_user=bob and from=", "expected a value after '=' at position 21", 21);
	expect_error("from!= and to=x", "expected a value after '!=' at position 7", 7);
	expect_error("payload=~", "expected a value after '=~' at position 9", 9);
	expect_error("method=and", "expected a value after '=' at position 7", 7);
	expect_error("from==x", "expected a value after '=' at position 5", 5);
	expect_error("frm=alice", "unknown field 'frm' at position 0", 0);
	expect_error("method=INVITE and Frm!=x", "unknown field 'Frm' at position 18", 18);
	expect_error("a_field_name_far_longer_than_any_real_one=1",
		     "unknown field 'a_field_name_far_longer_than_any...' at position 0", 0);
	expect_error("hdr:Via (", "expected '=', '!=' or '=~' after 'hdr:Via' at position 8", 8);
	expect_error("method INVITE", "expected '=', '!=' or '=~' after 'method' at position 7", 7);
	expect_error("method", "expected '=', '!=' or '=~' after 'method' at position 6", 6);
	expect_error("user_agent=\"abc", "unterminated quoted value at position 11", 11);
	expect_error("user_agent=\"abc\\\"", "unterminated quoted value at position 11", 11);
	expect_error("(method=INVITE", "expected 'and', 'or' or ')' at position 14", 14);
	expect_error("(method=INVITE status=200)", "expected 'and', 'or' or ')' at position 15",
		     15);
	expect_error("method=INVITE)", "unexpected ')' at position 13", 13);
	expect_error("method=INVITE from=x", "expected 'and' or 'or' at position 14", 14);
	expect_error("method=INVITE and", "expected a field, 'not' or '(' at position 17", 17);
	expect_error("method=INVITE or or from=x", "expected a field, 'not' or '(' at position 17",
		     17);
	expect_error("not", "expected a field, 'not' or '(' at position 3", 3);
	expect_error("()", "expected a field, 'not' or '(' at position 1", 1);
	expect_error("\"from\"=x", "expected a field, 'not' or '(' at position 0", 0);
	expect_error("=x", "expected a field, 'not' or '(' at position 0", 0);
	expect_error("method!INVITE",
		     "'!' must be followed by '=' (for negation use 'not') at position 6", 6);
	expect_error("from=a\x01", "unexpected control character at position 6", 6);
	expect_error("payload=foo", "payload can only be matched with '=~' at position 7", 7);
	expect_error("payload!=foo", "payload can only be matched with '=~' at position 7", 7);
	expect_error("hdr:=x", "expected a header name after 'hdr:' at position 4", 4);
	expect_error("hdr:X-Fo@o=1",
		     "a header name is made of letters, digits and -.!%*_+`'~ at position 8", 8);
	expect_error("status=abc", "status needs a number from 100 to 699 at position 7", 7);
	expect_error("status=99", "status needs a number from 100 to 699 at position 7", 7);
	expect_error("status=700", "status needs a number from 100 to 699 at position 7", 7);
	expect_error("status=\" 200\"", "status needs a number from 100 to 699 at position 7", 7);
	expect_error("status=-200", "status needs a number from 100 to 699 at position 7", 7);
}
END_TEST

START_TEST(address_errors)
{
	static const char *const bad[] = {
		"src=300.1.1.1", "src=192.0.2.1:99999", "src=192.0.2.1:", "src=192.0.2.1:+1",
		"src=[192.0.2.1]:5060", "src=[2001:db8::1", "src=[2001:db8::1]5060",
		"src=[2001:db8::1]:", "src=host.example.com", "src=\"\"", "src=[]:5060",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], "expected an address: ip, ip:port, [ipv6] or [ipv6]:port at position 4",
			     4);
	expect_error("method=INVITE and dst=1.2.3",
		     "expected an address: ip, ip:port, [ipv6] or [ipv6]:port at position 22", 22);
}
END_TEST

START_TEST(regex_errors_point_into_the_pattern)
{
	/* Bare word: the pattern starts at 6. */
	expect_error("from=~a**", "bad regular expression (quantifier does not follow a repeatable "
				  "item) at position 8", 8);
	/* Quoted: the pattern starts after the quote at 10. */
	expect_error("payload=~\"a(b\"",
		     "bad regular expression (missing closing parenthesis) at position 13", 13);
	/* An escape before the error shifts it: the ')' is at byte 13. */
	expect_error("payload=~\"\\\"a)\"",
		     "bad regular expression (unmatched closing parenthesis) at position 13", 13);
	expect_error("method=INVITE and hdr:Via=~\"[\"",
		     "bad regular expression (missing terminating ] for character class) at position 29",
		     29);
}
END_TEST

START_TEST(error_buffer_is_optional_and_bounded)
{
	size_t pos = 0;
	ck_assert_ptr_null(filter_compile("from=", NULL, 0, &pos));
	ck_assert_uint_eq(pos, 5);
	ck_assert_ptr_null(filter_compile("from=", NULL, 0, NULL));
	char small[8];
	ck_assert_ptr_null(filter_compile("frm=x", small, sizeof(small), NULL));
	ck_assert_str_eq(small, "unknown");
	char err[ERRLEN];
	ck_assert_ptr_null(filter_compile(NULL, err, sizeof(err), &pos));
	ck_assert_str_eq(err, "no expression at position 0");
	filter_free(NULL);
}
END_TEST

/* --- message-level atoms ------------------------------------------------ */

static const char invite_msg[] =
	"INVITE sip:bob@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
	"Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK0\r\n"
	"f: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
	"t: <sip:bob@example.org>\r\n"
	"i: abc123@host\r\n"
	"CSeq: 1 INVITE\r\n"
	"User-Agent: Linphone/5.0\r\n"
	"X-Custom:   spaced value  \r\n"
	"c: application/sdp\r\n"
	"\r\n"
	"v=0\r\n"
	"m=audio 4000 RTP/AVP 0\r\n";

static const char ringing_msg[] =
	"SIP/2.0 180 Ringing\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
	"To: <sip:bob@example.org>;tag=2\r\n"
	"Call-ID: abc123@host\r\n"
	"CSeq: 1 INVITE\r\n"
	"Server: Asterisk PBX\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char bye_msg[] =
	"BYE sip:alice@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bK9\r\n"
	"From: <sip:bob@example.org>;tag=2\r\n"
	"To: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
	"Call-ID: abc123@host\r\n"
	"CSeq: 1 BYE\r\n"
	"Reason: Q.850;cause=16\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* The atoms one message sets, the message text held in an allocation of
 * exactly its length so a read past it is caught under ASan. */
static uint64_t atoms_of(const struct filter *f, const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	struct view raw = view_make(copy, len);
	struct sip_msg m;
	enum anomaly a = sip_parse(raw, &m);
	ck_assert_msg(a == ANOMALY_NONE, "test message does not parse: %s", anomaly_name(a));
	uint64_t atoms = filter_message_atoms(f, &m, raw);
	free(copy);
	return atoms;
}

static bool holds_for(const char *expr, const char *text)
{
	struct filter *f = compile_ok(expr);
	struct filter_dialog d = answered_call();
	bool r = filter_eval(f, &d, atoms_of(f, text));
	filter_free(f);
	return r;
}

START_TEST(headers_by_full_and_compact_name)
{
	static const struct {
		const char *expr;
		bool value;
	} table[] = {
		{ "hdr:Call-ID=abc123@host", true }, /* written "i:" */
		{ "hdr:i=abc123@host", true },
		{ "hdr:call-id=abc123@host", true },
		{ "hdr:I=abc123@host", true },
		{ "hdr:From=~alice", true },
		{ "hdr:f=~\"^\\\"Alice\\\" <sip:alice@example.com>;tag=1$\"", true },
		{ "hdr:Content-Type=application/sdp", true },
		{ "hdr:c=application/sdp", true },
		{ "hdr:X-Custom=\"spaced value\"", true }, /* trimmed */
		{ "hdr:x-custom=~\"^spaced value$\"", true },
		{ "hdr:X-Custom=spaced", false },
		{ "hdr:Via=~192\\.0\\.2\\.1:", true },  /* the first Via */
		{ "hdr:Via=~192\\.0\\.2\\.9:", false }, /* not the second */
		{ "hdr:v=~z9hG4bK1", true },
		{ "hdr:User-Agent=Linphone/5.0", true },
		{ "hdr:User-Agent=linphone/5.0", false }, /* values are case-sensitive */
		{ "hdr:Server=~.", false },              /* absent */
		{ "hdr:Server!=x", true },
		{ "hdr:Call-ID!=abc123@host", false },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		ck_assert_msg(holds_for(table[i].expr, invite_msg) == table[i].value,
			      "'%s' should be %s", table[i].expr, table[i].value ? "true" : "false");
}
END_TEST

START_TEST(atoms_accumulate_over_the_dialog)
{
	struct filter *f = compile_ok("payload=~\"m=audio\" and not payload=~^BYE and hdr:Server=~Asterisk");
	ck_assert(filter_uses_messages(f));
	struct filter_dialog d = answered_call();
	uint64_t seen = 0;
	ck_assert(!filter_eval(f, &d, seen));

	uint64_t invite = atoms_of(f, invite_msg);
	ck_assert_uint_eq(invite, 1u << 0); /* atoms are numbered left to right */
	seen |= invite;
	ck_assert(!filter_eval(f, &d, seen)); /* no Server yet */

	uint64_t ringing = atoms_of(f, ringing_msg);
	ck_assert_uint_eq(ringing, 1u << 2);
	seen |= ringing;
	ck_assert(filter_eval(f, &d, seen)); /* audio seen, Asterisk seen, no BYE */

	uint64_t bye = atoms_of(f, bye_msg);
	ck_assert_uint_eq(bye, 1u << 1);
	seen |= bye;
	ck_assert(!filter_eval(f, &d, seen)); /* a BYE was seen: false for good */
	filter_free(f);
}
END_TEST

START_TEST(negated_payload_is_true_until_a_message_matches)
{
	struct filter *f = compile_ok("not payload=~Reason:");
	struct filter_dialog d = answered_call();
	uint64_t seen = 0;
	ck_assert(filter_eval(f, &d, seen));
	seen |= atoms_of(f, invite_msg);
	ck_assert(filter_eval(f, &d, seen));
	seen |= atoms_of(f, ringing_msg);
	ck_assert(filter_eval(f, &d, seen));
	seen |= atoms_of(f, bye_msg);
	ck_assert(!filter_eval(f, &d, seen));
	filter_free(f);

	/* != on a header: no message so far had it equal. */
	f = compile_ok("hdr:CSeq!=\"1 BYE\"");
	seen = atoms_of(f, invite_msg);
	ck_assert(filter_eval(f, &d, seen));
	seen |= atoms_of(f, bye_msg);
	ck_assert(!filter_eval(f, &d, seen));
	filter_free(f);
}
END_TEST

START_TEST(atoms_mix_with_dialog_fields)
{
	struct filter *f = compile_ok("(status=~^2 or payload=~\"m=video\") and from_user=alice");
	struct filter_dialog d = answered_call();
	ck_assert(filter_eval(f, &d, 0));
	d.final_status = 486;
	ck_assert(!filter_eval(f, &d, 0));
	ck_assert(filter_eval(f, &d, 1)); /* once a message had m=video */
	d.from_user = view_cstr("carol");
	ck_assert(!filter_eval(f, &d, 1));
	filter_free(f);

	f = compile_ok("method=INVITE and status=200");
	ck_assert(!filter_uses_messages(f));
	d = answered_call();
	ck_assert(filter_eval(f, &d, 0));
	filter_free(f);
}
END_TEST

START_TEST(identical_atoms_share_a_bit)
{
	struct filter *f = compile_ok("hdr:i=abc123@host or hdr:Call-ID=abc123@host or "
				      "hdr:CALL-ID!=abc123@host or payload=~\"m=audio\" or "
				      "payload=~\"m=audio\" or hdr:call-id=~abc");
	/* hdr:i and hdr:Call-ID are different names for sip_msg_header() but
	 * not for the atom table, which compares the names as written. */
	uint64_t atoms = atoms_of(f, invite_msg);
	ck_assert_uint_eq(atoms, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3));
	filter_free(f);
}
END_TEST

START_TEST(payload_is_matched_as_a_view)
{
	struct filter *f =
		compile_ok("payload=~after and payload=~\"^INVITE\" and payload=~\"x\\x00a\"");
	/* A NUL inside the payload does not end it, and nothing ends it but
	 * its length (the copy has no byte after it). */
	static const char bytes[] = { 'I', 'N', 'V', 'I', 'T', 'E', ' ', 'x', '\0',
				      'a', 'f', 't', 'e', 'r' };
	char *copy = malloc(sizeof(bytes));
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, sizeof(bytes));
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_make(copy, sizeof(bytes))), 7);
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_make(copy, sizeof(bytes) - 1)), 6);
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_make(copy, 9)), 2);
	free(copy);
	/* No message text at all. */
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_empty()), 0);
	filter_free(f);

	/* Without a parsed message, header atoms do not hold. */
	f = compile_ok("hdr:Call-ID=~. or payload=~Call-ID");
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_cstr(ringing_msg)), 2);
	filter_free(f);
}
END_TEST

START_TEST(hostile_payload_costs_bounded_time)
{
	/* Exponential backtracking without limits. */
	struct filter *f = compile_ok("payload=~\"^(a+)+$\" or payload=~\"(x*)*y\"");
	size_t len = SIP_MAX_MESSAGE;
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memset(text, 'a', len);
	text[len - 1] = 'b';
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_make(text, len)), 0);
	memset(text, 'x', len);
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_make(text, len)), 0);
	free(text);
	filter_free(f);
}
END_TEST

/* --- sngrep ------------------------------------------------------------- */

START_TEST(sngrep_match_expression)
{
	char err[ERRLEN];
	struct filter_dialog d = answered_call();
	struct filter *f = filter_from_sngrep_match("invite", false, false, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert(filter_uses_messages(f));
	ck_assert(!filter_eval(f, &d, atoms_of(f, invite_msg))); /* case-sensitive */
	filter_free(f);

	f = filter_from_sngrep_match("invite", true, false, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert(filter_eval(f, &d, atoms_of(f, invite_msg)));
	ck_assert(!filter_eval(f, &d, atoms_of(f, bye_msg)));
	filter_free(f);

	f = filter_from_sngrep_match("^BYE", false, true, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	uint64_t seen = atoms_of(f, invite_msg);
	ck_assert(filter_eval(f, &d, seen));
	seen |= atoms_of(f, bye_msg);
	ck_assert(!filter_eval(f, &d, seen));
	filter_free(f);

	f = filter_from_sngrep_match("bye", true, true, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert(filter_eval(f, &d, atoms_of(f, ringing_msg)));
	ck_assert(!filter_eval(f, &d, atoms_of(f, bye_msg)));
	filter_free(f);

	/* Characters that the filter language would treat specially are plain
	 * regex here. */
	f = filter_from_sngrep_match("a=(b)! \"c\" or not", false, false, err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(filter_message_atoms(f, NULL, view_cstr("xa=b! \"c\" or noty")), 1);
	filter_free(f);

	ck_assert_ptr_null(filter_from_sngrep_match("a(b", false, false, err, sizeof(err)));
	ck_assert_str_eq(err, "bad regular expression (missing closing parenthesis) at position 3");
	ck_assert_ptr_null(filter_from_sngrep_match(NULL, false, false, err, sizeof(err)));
	ck_assert_str_eq(err, "no match expression");
}
END_TEST

/* --- limits ------------------------------------------------------------- */

START_TEST(expression_length_limit)
{
	char *expr = malloc(FILTER_MAX_EXPR + 2);
	ck_assert_ptr_nonnull(expr);
	/* call_id="aaa...a" of exactly FILTER_MAX_EXPR bytes compiles. */
	static const char head[] = "call_id=\"";
	memcpy(expr, head, sizeof(head) - 1);
	memset(expr + sizeof(head) - 1, 'a', FILTER_MAX_EXPR - sizeof(head));
	expr[FILTER_MAX_EXPR - 1] = '"';
	expr[FILTER_MAX_EXPR] = '\0';
	filter_free(compile_ok(expr));

	expr[FILTER_MAX_EXPR - 1] = 'a';
	expr[FILTER_MAX_EXPR] = '"';
	expr[FILTER_MAX_EXPR + 1] = '\0';
	expect_error(expr, "expression too long (at most 4096 bytes) at position 4096", 4096);
	free(expr);
}
END_TEST

/* n opening parentheses (or `not `s), a condition, and the closing ones. */
static char *nested(unsigned n, bool with_not)
{
	const char *open = with_not ? "not " : "(";
	size_t cap = n * strlen(open) + sizeof("method=INVITE") + n;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	size_t used = 0;
	for (unsigned i = 0; i < n; i++)
		used += (size_t)sprintf(s + used, "%s", open);
	used += (size_t)sprintf(s + used, "method=INVITE");
	for (unsigned i = 0; !with_not && i < n; i++)
		s[used++] = ')';
	s[used] = '\0';
	return s;
}

START_TEST(nesting_depth_limit)
{
	char *s = nested(FILTER_MAX_DEPTH, false);
	expect(s, true);
	free(s);
	s = nested(FILTER_MAX_DEPTH + 1, false);
	expect_error(s, "nested too deeply (at most 64 parentheses and 'not's) at position 64", 64);
	free(s);

	s = nested(FILTER_MAX_DEPTH, true); /* an even number of nots */
	expect(s, true);
	free(s);
	s = nested(FILTER_MAX_DEPTH + 1, true);
	expect_error(s, "nested too deeply (at most 64 parentheses and 'not's) at position 256",
		     FILTER_MAX_DEPTH * 4);
	free(s);

	/* Depth counts what is open, not what was opened: a long flat chain
	 * of groups is fine. */
	char flat[FILTER_MAX_EXPR];
	size_t used = 0;
	for (int i = 0; i < 2 * FILTER_MAX_DEPTH; i++)
		used += (size_t)snprintf(flat + used, sizeof(flat) - used, "%s(not status=486)",
					 i ? " and " : "");
	expect(flat, true);
}
END_TEST

START_TEST(atom_count_limit)
{
	char expr[FILTER_MAX_EXPR];
	size_t used = 0, last_at = 0;
	for (int i = 0; i <= FILTER_MAX_ATOMS; i++) {
		if (i)
			used += (size_t)snprintf(expr + used, sizeof(expr) - used, " or ");
		last_at = used;
		used += (size_t)snprintf(expr + used, sizeof(expr) - used, "hdr:X-N=%d", i);
		if (i == FILTER_MAX_ATOMS - 1) {
			struct filter *f = compile_ok(expr);
			ck_assert(filter_uses_messages(f));
			/* The last atom is bit 63. */
			ck_assert_uint_eq(filter_message_atoms(f, NULL, view_empty()), 0);
			struct filter_dialog d = answered_call();
			ck_assert(filter_eval(f, &d, UINT64_C(1) << 63));
			ck_assert(!filter_eval(f, &d, 0));
			filter_free(f);
		}
	}
	char message[ERRLEN];
	snprintf(message, sizeof(message),
		 "too many hdr: and payload conditions (at most 64) at position %zu", last_at);
	expect_error(expr, message, last_at);

	/* Repeating one condition costs one atom, and dialog fields none. */
	used = 0;
	for (int i = 0; i < FILTER_MAX_ATOMS + FILTER_MAX_ATOMS / 4; i++)
		used += (size_t)snprintf(expr + used, sizeof(expr) - used,
					 "%spayload=~x and status!=%d", i ? " or " : "", 100 + i);
	filter_free(compile_ok(expr));
}
END_TEST

START_TEST(bit_63_reaches_the_header)
{
	/* The 64th atom is matched against a message like the first. */
	char expr[FILTER_MAX_EXPR];
	size_t used = 0;
	for (int i = 0; i < FILTER_MAX_ATOMS - 1; i++)
		used += (size_t)snprintf(expr + used, sizeof(expr) - used, "payload=~never%d or ", i);
	snprintf(expr + used, sizeof(expr) - used, "hdr:Server=~Asterisk");
	struct filter *f = compile_ok(expr);
	ck_assert(filter_message_atoms(f, NULL, view_empty()) == 0);
	ck_assert(atoms_of(f, ringing_msg) == UINT64_C(1) << 63);
	filter_free(f);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("dialog fields");
	tcase_add_test(tc, text_fields_with_every_operator);
	tcase_add_test(tc, state_and_method_ignore_case);
	tcase_add_test(tc, status_compares_numbers);
	tcase_add_test(tc, absent_fields_match_only_not_equal);
	tcase_add_test(tc, addresses_with_and_without_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("language");
	tcase_add_test(tc, precedence_not_and_or);
	tcase_add_test(tc, spacing_and_case_of_names);
	tcase_add_test(tc, quoting_and_escapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, errors_name_the_position);
	tcase_add_test(tc, address_errors);
	tcase_add_test(tc, regex_errors_point_into_the_pattern);
	tcase_add_test(tc, error_buffer_is_optional_and_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_test(tc, headers_by_full_and_compact_name);
	tcase_add_test(tc, atoms_accumulate_over_the_dialog);
	tcase_add_test(tc, negated_payload_is_true_until_a_message_matches);
	tcase_add_test(tc, atoms_mix_with_dialog_fields);
	tcase_add_test(tc, identical_atoms_share_a_bit);
	tcase_add_test(tc, payload_is_matched_as_a_view);
	tcase_add_test(tc, hostile_payload_costs_bounded_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("sngrep");
	tcase_add_test(tc, sngrep_match_expression);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, expression_length_limit);
	tcase_add_test(tc, nesting_depth_limit);
	tcase_add_test(tc, atom_count_limit);
	tcase_add_test(tc, bit_63_reaches_the_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
