/* sip.c - SIP message parsing (RFC 3261 sections 7, 18.3, 20 and 25).
 *
 * One pass over the header block: a vector search finds each line end, a
 * header name is classified by its length and last letter and then
 * compared once, and every field is a view into the message bytes.
 * Nothing is allocated or copied. */
#include "dissect/sip.h"

#include "util/line_scan.h"

/* RFC 3261 7.1: the only SIP-Version there is; compared case-insensitively
 * as the RFC asks. */
#define SIP_VERSION "SIP/2.0"
#define SIP_VERSION_LEN (sizeof(SIP_VERSION) - 1)

/* RFC 3261 7.2 / 21: Status-Code is three digits, classes 1xx to 6xx. */
#define STATUS_CODE_DIGITS 3
#define STATUS_CODE_MIN 100
#define STATUS_CODE_MAX 699
#define STATUS_LINE_CODE_OFFSET (SIP_VERSION_LEN + 1)
#define STATUS_LINE_AFTER_CODE (STATUS_LINE_CODE_OFFSET + STATUS_CODE_DIGITS)

/* Shortest request line "M u SIP/2.0" and the bytes sip_looks_like() needs
 * to judge a status line ("SIP/2.0 200" plus the byte after the code). */
#define REQUEST_LINE_MIN_LEN (1 + 1 + 1 + 1 + SIP_VERSION_LEN)
#define STATUS_LINE_PROBE_LEN (STATUS_LINE_AFTER_CODE + 1)

/* How far sip_looks_like() scans for the end of the method token.  The
 * standard methods have at most 9 letters and extensions are short words;
 * the bound only caps the work spent on payloads that are not SIP. */
#define LOOKS_LIKE_METHOD_MAX 32

/* RFC 3261 20.14: Content-Length is decimal; larger values are refused as
 * malformed rather than risk overflow in length arithmetic. */
#define CONTENT_LENGTH_MAX INT32_MAX

/* RFC 3261 8.1.1.5 keeps CSeq below 2**31; any 32-bit number is accepted. */
#define CSEQ_NUMBER_MAX UINT32_MAX

/* Byte classes, so the scanning loops test one table entry per byte. */
enum {
	CH_TOKEN = 1 << 0,   /* RFC 3261 25.1 token: methods, names, params */
	CH_WSP = 1 << 1,     /* SP, HTAB */
	CH_LWS = 1 << 2,     /* SP, HTAB, CR, LF: white space in a folded value */
	CH_ELEMENT = 1 << 3, /* '"' '<' ';' ',': structure of a header value */
	CH_PARAM_END = 1 << 4, /* ends a parameter name or unquoted value */
};
#define CH_SPACE (CH_WSP | CH_LWS | CH_PARAM_END)
static const uint8_t char_class[256] = {
	['a' ... 'z'] = CH_TOKEN, ['A' ... 'Z'] = CH_TOKEN, ['0' ... '9'] = CH_TOKEN,
	['-'] = CH_TOKEN, ['.'] = CH_TOKEN, ['!'] = CH_TOKEN, ['%'] = CH_TOKEN,
	['*'] = CH_TOKEN, ['_'] = CH_TOKEN, ['+'] = CH_TOKEN, ['`'] = CH_TOKEN,
	['\''] = CH_TOKEN, ['~'] = CH_TOKEN,
	[' '] = CH_SPACE, ['\t'] = CH_SPACE,
	['\r'] = CH_LWS | CH_PARAM_END, ['\n'] = CH_LWS | CH_PARAM_END,
	['"'] = CH_ELEMENT, ['<'] = CH_ELEMENT,
	[';'] = CH_ELEMENT | CH_PARAM_END, [','] = CH_ELEMENT | CH_PARAM_END,
	['='] = CH_PARAM_END,
};

static inline bool is_token(uint8_t c)
{
	return char_class[c] & CH_TOKEN;
}

static inline uint8_t ascii_lower(uint8_t c)
{
	return (uint8_t)(c | (((unsigned)(c - 'A') < 26u) << 5));
}

static inline bool is_wsp(uint8_t c)
{
	return char_class[c] & CH_WSP;
}

/* Linear white space inside a (possibly folded) value. */
static inline bool is_lws(uint8_t c)
{
	return char_class[c] & CH_LWS;
}

/* Up to 8 bytes at p as one word (n is a constant once inlined, so this is
 * a single load). */
static inline uint64_t load_word(const uint8_t *p, size_t n)
{
	uint64_t w = 0;
	memcpy(&w, p, n);
	return w;
}

/* Sets bit 0x20 in every byte: lower-cases ASCII letters. */
#define CASE_FOLD_BITS 0x2020202020202020ULL

/* The first byte in [p, end) whose class has one of the mask bits, or end.
 * Unrolled: most runs scanned are tens of bytes long. */
static inline const uint8_t *scan_to(const uint8_t *p, const uint8_t *end, uint8_t mask)
{
	while (end - p >= 4) {
		if (char_class[p[0]] & mask)
			return p;
		if (char_class[p[1]] & mask)
			return p + 1;
		if (char_class[p[2]] & mask)
			return p + 2;
		if (char_class[p[3]] & mask)
			return p + 3;
		p += 4;
	}
	while (p < end && !(char_class[*p] & mask))
		p++;
	return p;
}

/* The first byte in [p, end) whose class has none of the mask bits, or end. */
static inline const uint8_t *scan_past(const uint8_t *p, const uint8_t *end, uint8_t mask)
{
	while (end - p >= 4) {
		if (!(char_class[p[0]] & mask))
			return p;
		if (!(char_class[p[1]] & mask))
			return p + 1;
		if (!(char_class[p[2]] & mask))
			return p + 2;
		if (!(char_class[p[3]] & mask))
			return p + 3;
		p += 4;
	}
	while (p < end && (char_class[*p] & mask))
		p++;
	return p;
}

/* scan_to(p, end, CH_ELEMENT): the first '"', '<', ';' or ',' in [p, end),
 * or end.  It runs over whole Via and From/To values, so sixteen bytes are
 * compared at a time while that many remain (as in line_scan_lf()). */
static inline const uint8_t *scan_to_element(const uint8_t *p, const uint8_t *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), angle = _mm_set1_epi8('<');
	const __m128i semi = _mm_set1_epi8(';'), comma = _mm_set1_epi8(',');
	while (end - p >= 16) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i any = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, quote), _mm_cmpeq_epi8(c, angle)),
					   _mm_or_si128(_mm_cmpeq_epi8(c, semi), _mm_cmpeq_epi8(c, comma)));
		unsigned hits = (unsigned)_mm_movemask_epi8(any);
		if (hits)
			return p + __builtin_ctz(hits);
		p += 16;
	}
#endif
	return scan_to(p, end, CH_ELEMENT);
}

/* name equals the lower-case constant lc of length n, ignoring ASCII case. */
static inline bool name_eq_lower(struct view name, const char *lc, size_t n)
{
	if (name.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(name.p[i]) != (uint8_t)lc[i])
			return false;
	return true;
}

static inline bool is_sip_version(const uint8_t *p)
{
	return ascii_lower(p[0]) == 's' && ascii_lower(p[1]) == 'i' &&
	       ascii_lower(p[2]) == 'p' && p[3] == '/' && p[4] == '2' &&
	       p[5] == '.' && p[6] == '0';
}

/* ---- methods ----------------------------------------------------------- */

struct method_name {
	const char *text;
	uint8_t len;
};
#define METHOD(s) { s, sizeof(s) - 1 }

static const struct method_name method_names[SIP_METHOD_COUNT] = {
	[SIP_METHOD_UNKNOWN] = METHOD("UNKNOWN"),
	[SIP_METHOD_INVITE] = METHOD("INVITE"),
	[SIP_METHOD_ACK] = METHOD("ACK"),
	[SIP_METHOD_BYE] = METHOD("BYE"),
	[SIP_METHOD_CANCEL] = METHOD("CANCEL"),
	[SIP_METHOD_REGISTER] = METHOD("REGISTER"),
	[SIP_METHOD_OPTIONS] = METHOD("OPTIONS"),
	[SIP_METHOD_PRACK] = METHOD("PRACK"),
	[SIP_METHOD_SUBSCRIBE] = METHOD("SUBSCRIBE"),
	[SIP_METHOD_NOTIFY] = METHOD("NOTIFY"),
	[SIP_METHOD_PUBLISH] = METHOD("PUBLISH"),
	[SIP_METHOD_INFO] = METHOD("INFO"),
	[SIP_METHOD_REFER] = METHOD("REFER"),
	[SIP_METHOD_MESSAGE] = METHOD("MESSAGE"),
	[SIP_METHOD_UPDATE] = METHOD("UPDATE"),
};

const char *sip_method_name(enum sip_method m)
{
	if (m <= SIP_METHOD_UNKNOWN || m >= SIP_METHOD_COUNT)
		return method_names[SIP_METHOD_UNKNOWN].text;
	return method_names[m].text;
}

/* RFC 3261 7.1: method names are case-sensitive. */
enum sip_method sip_method_from_view(struct view name)
{
	for (int m = SIP_METHOD_UNKNOWN + 1; m < SIP_METHOD_COUNT; m++)
		if (name.len == method_names[m].len &&
		    memcmp(name.p, method_names[m].text, name.len) == 0)
			return (enum sip_method)m;
	return SIP_METHOD_UNKNOWN;
}

/* ---- start line -------------------------------------------------------- */

struct start_line {
	bool is_request;
	struct view method, uri, reason;
	uint16_t status;
};

/* RFC 3261 7.2: "SIP/2.0 SP 3DIGIT SP Reason-Phrase".  The SP before an
 * empty reason phrase may be missing (some devices omit it). */
static bool parse_status_line(struct view line, struct start_line *out)
{
	if (line.len < STATUS_LINE_AFTER_CODE || !is_sip_version(line.p) ||
	    line.p[SIP_VERSION_LEN] != ' ')
		return false;
	unsigned code = 0;
	for (size_t i = STATUS_LINE_CODE_OFFSET; i < STATUS_LINE_AFTER_CODE; i++) {
		uint8_t c = line.p[i];
		if (c < '0' || c > '9')
			return false;
		code = code * 10 + (unsigned)(c - '0');
	}
	if (code < STATUS_CODE_MIN || code > STATUS_CODE_MAX)
		return false;
	if (line.len > STATUS_LINE_AFTER_CODE && line.p[STATUS_LINE_AFTER_CODE] != ' ')
		return false;
	out->is_request = false;
	out->status = (uint16_t)code;
	out->reason = view_from(line, STATUS_LINE_AFTER_CODE + 1);
	return true;
}

/* RFC 3261 7.1: "Method SP Request-URI SP SIP-Version", single spaces, the
 * URI without spaces. */
static bool parse_request_line(struct view line, struct start_line *out)
{
	size_t method_len = 0;
	while (method_len < line.len && is_token(line.p[method_len]))
		method_len++;
	if (method_len == 0 || line.len < method_len + REQUEST_LINE_MIN_LEN - 1 ||
	    line.p[method_len] != ' ')
		return false;
	size_t version = line.len - SIP_VERSION_LEN;
	size_t uri_start = method_len + 1, uri_end = version - 1;
	if (uri_end <= uri_start || line.p[uri_end] != ' ' ||
	    !is_sip_version(line.p + version) ||
	    memchr(line.p + uri_start, ' ', uri_end - uri_start))
		return false;
	out->is_request = true;
	out->method = view_make(line.p, method_len);
	out->uri = view_make(line.p + uri_start, uri_end - uri_start);
	return true;
}

static bool parse_start_line(struct view line, struct start_line *out)
{
	if (line.len > SIP_VERSION_LEN && is_sip_version(line.p) &&
	    line.p[SIP_VERSION_LEN] == ' ')
		return parse_status_line(line, out);
	return parse_request_line(line, out);
}

/* The line at the start of v without its CRLF or LF; *next is where the
 * following line starts (v.len when the line is not terminated). */
static struct view first_line(struct view v, size_t *next, bool *terminated)
{
	const uint8_t *lf = line_scan_lf(v.p, v.p + v.len);
	size_t end = lf ? (size_t)(lf - v.p) : v.len;
	*next = lf ? end + 1 : v.len;
	*terminated = lf != NULL;
	if (lf && end > 0 && v.p[end - 1] == '\r')
		end--;
	return view_make(v.p, end);
}

/* RFC 3261 7.5 / RFC 5626 3.5.1: CRLFs before a start line are keep-alives
 * to be ignored.  Bare LFs are treated alike. */
static size_t keepalive_length(struct view v)
{
	size_t n = 0;
	while (n < v.len && (v.p[n] == '\r' || v.p[n] == '\n'))
		n++;
	return n;
}

bool sip_looks_like(struct view payload)
{
	const uint8_t *p = payload.p;
	if (payload.len < STATUS_LINE_PROBE_LEN)
		return false;
	if (is_sip_version(p) && p[SIP_VERSION_LEN] == ' ') {
		const uint8_t *code = p + STATUS_LINE_CODE_OFFSET;
		uint8_t after = p[STATUS_LINE_AFTER_CODE];
		return code[0] >= '1' && code[0] <= '6' &&
		       code[1] >= '0' && code[1] <= '9' &&
		       code[2] >= '0' && code[2] <= '9' &&
		       (after == ' ' || after == '\r' || after == '\n');
	}
	/* Reject binary and other text cheaply before looking for a line end. */
	size_t scan = payload.len < LOOKS_LIKE_METHOD_MAX ? payload.len : LOOKS_LIKE_METHOD_MAX;
	size_t i = 0;
	while (i < scan && is_token(p[i]))
		i++;
	if (i == 0 || i == scan || p[i] != ' ')
		return false;
	size_t next;
	bool terminated;
	struct view line = first_line(payload, &next, &terminated);
	struct start_line sl;
	return terminated && parse_request_line(line, &sl);
}

/* ---- header lines ------------------------------------------------------ */

enum header_step {
	HEADER_FIELD,     /* name and value found */
	HEADER_MALFORMED, /* a line that is no header (skipped) */
	HEADER_BLOCK_END, /* the empty line; the cursor is at the body */
	HEADER_DATA_END,  /* the bytes ended before an empty line */
};

struct header_cursor {
	const uint8_t *p, *end;
};

/* Reads the header field at the cursor with its continuation lines (RFC
 * 3261 7.3.1: a line starting with SP or HTAB continues the previous one).
 * The name must be a token; white space may surround ':' (RFC 3261 25.1
 * HCOLON).  The value is trimmed of surrounding white space.  Inlined:
 * it runs once per header line, the hottest loop of the parser. */
static inline __attribute__((always_inline)) enum header_step
header_next(struct header_cursor *c, struct view *name, struct view *value)
{
	const uint8_t *line = c->p, *end = c->end;
	if (line >= end)
		return HEADER_DATA_END;
	const uint8_t *lf = line_scan_lf(line, end);
	const uint8_t *line_end = lf ? lf : end;
	const uint8_t *next = lf ? lf + 1 : end;
	if (line_end == line || (line_end == line + 1 && line[0] == '\r')) {
		c->p = next;
		return lf ? HEADER_BLOCK_END : HEADER_DATA_END;
	}
	while (next < end && is_wsp(*next)) {
		lf = line_scan_lf(next, end);
		line_end = lf ? lf : end;
		next = lf ? lf + 1 : end;
	}
	c->p = next;

	const uint8_t *name_end = scan_past(line, line_end, CH_TOKEN);
	const uint8_t *q = scan_past(name_end, line_end, CH_WSP);
	if (name_end == line || q == line_end || *q != ':')
		return HEADER_MALFORMED;
	q = scan_past(q + 1, line_end, CH_LWS);
	while (line_end > q && is_lws(line_end[-1]))
		line_end--;
	*name = view_make(line, (size_t)(name_end - line));
	*value = view_make(q, (size_t)(line_end - q));
	return HEADER_FIELD;
}

/* The headers sip_parse() extracts, and their names (RFC 3261 7.3.3 for
 * the compact forms). */
enum sip_field {
	FIELD_OTHER = 0,
	FIELD_CALL_ID,
	FIELD_FROM,
	FIELD_TO,
	FIELD_VIA,
	FIELD_CSEQ,
	FIELD_CONTENT_TYPE,
	FIELD_CONTENT_LENGTH,
	FIELD_USER_AGENT,
	FIELD_SERVER,
	FIELD_REASON,
	FIELD_X_CALL_ID,
	FIELD_REPLACES,
	FIELD_REFER_TO,
	FIELD_REFERRED_BY,
};

/* The names sip_parse() looks for, lower case, with their compact forms
 * (RFC 3261 7.3.3 and the IANA registry: i f t v c l r b) as names of
 * their own. */
struct known_header {
	char name[16];
	uint8_t len;
	uint8_t field; /* enum sip_field */
};
#define KNOWN(s, f) { s, sizeof(s) - 1, f }
enum {
	KH_NONE, /* 0 in known_header_at[][]: no name there */
	KH_I, KH_F, KH_T, KH_V, KH_C, KH_L, KH_R, KH_B,
	KH_TO, KH_VIA, KH_FROM, KH_CSEQ, KH_X_CID, KH_SERVER, KH_REASON,
	KH_CALL_ID, KH_REFER_TO, KH_REPLACES, KH_X_CALL_ID, KH_USER_AGENT,
	KH_REFERRED_BY, KH_CONTENT_TYPE, KH_CONTENT_LENGTH,
};
static const struct known_header known_headers[] = {
	[KH_I] = KNOWN("i", FIELD_CALL_ID),      [KH_F] = KNOWN("f", FIELD_FROM),
	[KH_T] = KNOWN("t", FIELD_TO),           [KH_V] = KNOWN("v", FIELD_VIA),
	[KH_C] = KNOWN("c", FIELD_CONTENT_TYPE), [KH_L] = KNOWN("l", FIELD_CONTENT_LENGTH),
	[KH_R] = KNOWN("r", FIELD_REFER_TO),     [KH_B] = KNOWN("b", FIELD_REFERRED_BY),
	[KH_TO] = KNOWN("to", FIELD_TO),
	[KH_VIA] = KNOWN("via", FIELD_VIA),
	[KH_FROM] = KNOWN("from", FIELD_FROM),   [KH_CSEQ] = KNOWN("cseq", FIELD_CSEQ),
	[KH_X_CID] = KNOWN("x-cid", FIELD_X_CALL_ID),
	[KH_SERVER] = KNOWN("server", FIELD_SERVER),
	[KH_REASON] = KNOWN("reason", FIELD_REASON),
	[KH_CALL_ID] = KNOWN("call-id", FIELD_CALL_ID),
	[KH_REFER_TO] = KNOWN("refer-to", FIELD_REFER_TO),
	[KH_REPLACES] = KNOWN("replaces", FIELD_REPLACES),
	[KH_X_CALL_ID] = KNOWN("x-call-id", FIELD_X_CALL_ID),
	[KH_USER_AGENT] = KNOWN("user-agent", FIELD_USER_AGENT),
	[KH_REFERRED_BY] = KNOWN("referred-by", FIELD_REFERRED_BY),
	[KH_CONTENT_TYPE] = KNOWN("content-type", FIELD_CONTENT_TYPE),
	[KH_CONTENT_LENGTH] = KNOWN("content-length", FIELD_CONTENT_LENGTH),
};

/* Longest name in known_headers. */
#define KNOWN_HEADER_MAX_LEN 14
/* The five low bits of a letter tell it apart from the other letters
 * whatever its case. */
#define LETTER_BITS 31
#define LETTER_KEY(c) ((c) & LETTER_BITS)

/* The known name of each length and last letter (no two share both): one
 * table read and one comparison classify a header.  A switch on the length
 * compiles to an indirect jump whose target changes with every header of
 * a message, which the processor keeps mispredicting. */
static const uint8_t known_header_at[KNOWN_HEADER_MAX_LEN + 1][LETTER_BITS + 1] = {
	[1][LETTER_KEY('i')] = KH_I, [1][LETTER_KEY('f')] = KH_F,
	[1][LETTER_KEY('t')] = KH_T, [1][LETTER_KEY('v')] = KH_V,
	[1][LETTER_KEY('c')] = KH_C, [1][LETTER_KEY('l')] = KH_L,
	[1][LETTER_KEY('r')] = KH_R, [1][LETTER_KEY('b')] = KH_B,
	[2][LETTER_KEY('o')] = KH_TO,
	[3][LETTER_KEY('a')] = KH_VIA,
	[4][LETTER_KEY('m')] = KH_FROM, [4][LETTER_KEY('q')] = KH_CSEQ,
	[5][LETTER_KEY('d')] = KH_X_CID,
	[6][LETTER_KEY('r')] = KH_SERVER, [6][LETTER_KEY('n')] = KH_REASON,
	[7][LETTER_KEY('d')] = KH_CALL_ID,
	[8][LETTER_KEY('o')] = KH_REFER_TO, [8][LETTER_KEY('s')] = KH_REPLACES,
	[9][LETTER_KEY('d')] = KH_X_CALL_ID,
	[10][LETTER_KEY('t')] = KH_USER_AGENT,
	[11][LETTER_KEY('y')] = KH_REFERRED_BY,
	[12][LETTER_KEY('e')] = KH_CONTENT_TYPE,
	[14][LETTER_KEY('h')] = KH_CONTENT_LENGTH,
};

/* A header name (token characters only, 1 to 16 bytes) equals the
 * lower-case name lc of the same length, ignoring ASCII case.  Setting bit
 * 0x20 lower-cases letters; on the other token characters it yields bytes
 * that no known name holds ('-', '.' and digits map to themselves), so it
 * is exact.  Two possibly overlapping loads of the widest word that fits
 * cover the name. */
static inline __attribute__((always_inline)) bool
token_eq_known(const uint8_t *a, const char *lc, size_t n)
{
	const uint8_t *b = (const uint8_t *)lc;
	if (n >= 8)
		return ((load_word(a, 8) | CASE_FOLD_BITS) == (load_word(b, 8) | CASE_FOLD_BITS)) &&
		       ((load_word(a + n - 8, 8) | CASE_FOLD_BITS) ==
			(load_word(b + n - 8, 8) | CASE_FOLD_BITS));
	if (n >= 4)
		return ((load_word(a, 4) | CASE_FOLD_BITS) == (load_word(b, 4) | CASE_FOLD_BITS)) &&
		       ((load_word(a + n - 4, 4) | CASE_FOLD_BITS) ==
			(load_word(b + n - 4, 4) | CASE_FOLD_BITS));
	if (n >= 2)
		return ((load_word(a, 2) | CASE_FOLD_BITS) == (load_word(b, 2) | CASE_FOLD_BITS)) &&
		       ((load_word(a + n - 2, 2) | CASE_FOLD_BITS) ==
			(load_word(b + n - 2, 2) | CASE_FOLD_BITS));
	return (a[0] | 0x20) == b[0];
}

static inline __attribute__((always_inline)) enum sip_field
classify_header(struct view name)
{
	if (name.len == 0 || name.len > KNOWN_HEADER_MAX_LEN)
		return FIELD_OTHER;
	uint8_t k = known_header_at[name.len][LETTER_KEY(name.p[name.len - 1])];
	if (k == KH_NONE || !token_eq_known(name.p, known_headers[k].name, name.len))
		return FIELD_OTHER;
	return (enum sip_field)known_headers[k].field;
}

/* ---- values: parameters, name-addr ------------------------------------- */

/* Just past the quoted-string starting at p[0] == '"' (RFC 3261 25.1, with
 * quoted-pair escapes), or end when it is not closed. */
static const uint8_t *skip_quoted(const uint8_t *p, const uint8_t *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				break;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return end;
}

/* The first ';' or ',' at or after p outside quoted strings, or end. */
static const uint8_t *next_separator(const uint8_t *p, const uint8_t *end)
{
	for (;;) {
		p = scan_to_element(p, end);
		if (p == end || *p == ';' || *p == ',')
			return p;
		p = *p == '"' ? skip_quoted(p, end) : p + 1;
	}
}

/* RFC 3261 20.10 / 25.1: the first element of a name-addr or addr-spec
 * value (From, To, Contact, Via...).  *spec gets the addr-spec: the part
 * inside <...>, or without <...> the text up to the first ';', ',' or
 * white space.  Returns where the element's header parameters start (its
 * first ';'), or end: parameters inside <...> belong to the URI, and
 * without <...> all parameters belong to the header. */
static const uint8_t *name_addr_split(const uint8_t *p, const uint8_t *end, struct view *spec)
{
	p = scan_past(p, end, CH_LWS);
	const uint8_t *start = p;
	for (;;) {
		p = scan_to_element(p, end);
		if (p < end && *p == '"') {
			p = skip_quoted(p, end);
			continue;
		}
		if (p < end && *p == '<')
			break;
		/* A bare addr-spec. */
		if (spec)
			*spec = view_make(start, (size_t)(scan_to(start, p, CH_LWS) - start));
		return (p < end && *p == ';') ? p : end;
	}
	const uint8_t *uri = scan_past(p + 1, end, CH_LWS);
	const uint8_t *gt = memchr(uri, '>', (size_t)(end - uri));
	const uint8_t *uri_end = gt ? gt : end;
	if (spec) {
		while (uri_end > uri && is_lws(uri_end[-1]))
			uri_end--;
		*spec = view_make(uri, (size_t)(uri_end - uri));
	}
	const uint8_t *sep = gt ? next_separator(gt + 1, end) : end;
	return (sep < end && *sep == ';') ? sep : end;
}

/* RFC 3261 25.1 generic-param: `;name[=token|host|quoted-string]`, with
 * optional white space around ';' and '='.  Names compare case-
 * insensitively; the search ends with the element (at ',').  p is at the
 * first ';' of the parameters, or end. */
static bool param_find(const uint8_t *p, const uint8_t *end, const char *name,
		       size_t name_len, struct view *out)
{
	while (p < end && *p == ';') {
		const uint8_t *name_start = scan_past(p + 1, end, CH_LWS);
		const uint8_t *name_end = scan_to(name_start, end, CH_PARAM_END);
		p = scan_past(name_end, end, CH_LWS);
		struct view value = view_make(p, 0);
		if (p < end && *p == '=') {
			const uint8_t *value_start = scan_past(p + 1, end, CH_LWS);
			p = (value_start < end && *value_start == '"')
				    ? skip_quoted(value_start, end)
				    : scan_to(value_start, end, CH_PARAM_END);
			value = view_make(value_start, (size_t)(p - value_start));
		}
		if ((size_t)(name_end - name_start) == name_len) {
			size_t i = 0;
			while (i < name_len && ascii_lower(name_start[i]) == (uint8_t)name[i])
				i++;
			if (i == name_len) {
				*out = value;
				return true;
			}
		}
		p = next_separator(p, end);
	}
	return false;
}
#define PARAM_FIND(from, end, lc, out) param_find((from), (end), (lc), sizeof(lc) - 1, (out))

bool sip_param(struct view value, const char *name, struct view *out)
{
	char lower[64];
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(lower) || value.len == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)ascii_lower((uint8_t)name[i]);
	const uint8_t *end = value.p + value.len;
	return param_find(name_addr_split(value.p, end, NULL), end, lower, n, out);
}

static bool starts_with_scheme(struct view uri, const char *lc, size_t n)
{
	return uri.len >= n && name_eq_lower(view_make(uri.p, n), lc, n);
}
#define HAS_SCHEME(uri, lc) starts_with_scheme((uri), (lc), sizeof(lc) - 1)

/* The user part of a sip:, sips: (RFC 3261 19.1.1, without the password)
 * or tel: URI (RFC 3966, the number without parameters); empty for other
 * URIs and for SIP URIs without a user part. */
static struct view uri_user(struct view uri)
{
	size_t scheme_len = 0;
	bool tel = false;
	if (uri.len > 0) {
		switch (ascii_lower(uri.p[0])) {
		case 's':
			scheme_len = HAS_SCHEME(uri, "sip:") ? sizeof("sip:") - 1
				     : HAS_SCHEME(uri, "sips:") ? sizeof("sips:") - 1 : 0;
			break;
		case 't':
			tel = HAS_SCHEME(uri, "tel:");
			scheme_len = tel ? sizeof("tel:") - 1 : 0;
			break;
		}
	}
	if (scheme_len == 0)
		return view_make(uri.p, 0);
	struct view rest = view_from(uri, scheme_len);
	if (tel) {
		long semi = view_find_byte(rest, ';');
		if (semi >= 0)
			rest.len = (size_t)semi;
		return rest;
	}
	long at = view_find_byte(rest, '@');
	if (at < 0)
		return view_make(rest.p, 0);
	struct view userinfo = view_make(rest.p, (size_t)at);
	long colon = view_find_byte(userinfo, ':');
	if (colon >= 0)
		userinfo.len = (size_t)colon;
	return userinfo;
}

/* Only the first element of a multi-valued header (Contact) is read. */
void sip_name_addr(struct view value, struct view *uri, struct view *user)
{
	struct view spec = view_make(value.p, 0);
	if (value.len)
		name_addr_split(value.p, value.p + value.len, &spec);
	if (uri)
		*uri = spec;
	if (user)
		*user = uri_user(spec);
}

/* ---- the message ------------------------------------------------------- */


/* RFC 3261 20.16: "CSeq: 1*DIGIT LWS Method". */
static bool parse_cseq(struct view value, uint32_t *number, struct view *method)
{
	size_t i = 0;
	uint64_t n = 0;
	while (i < value.len && value.p[i] >= '0' && value.p[i] <= '9') {
		n = n * 10 + (uint64_t)(value.p[i] - '0');
		if (n > CSEQ_NUMBER_MAX)
			return false;
		i++;
	}
	if (i == 0 || i == value.len || !is_lws(value.p[i]))
		return false;
	while (i < value.len && is_lws(value.p[i]))
		i++;
	size_t method_start = i;
	while (i < value.len && is_token(value.p[i]))
		i++;
	if (i == method_start || i != value.len)
		return false; /* value is trimmed: anything left is junk */
	*number = (uint32_t)n;
	*method = view_make(value.p + method_start, i - method_start);
	return true;
}

/* From / To: the URI, its user and the tag (RFC 3261 8.1.1.2-3). */
static void take_party(struct view value, struct view *uri, struct view *user, struct view *tag)
{
	const uint8_t *end = value.p + value.len;
	const uint8_t *params = name_addr_split(value.p, end, uri);
	*user = uri_user(*uri);
	PARAM_FIND(params, end, "tag", tag);
}

/* The first Via value may hold several via-parms (RFC 3261 20.42); the
 * branch is taken from the first one, where param_find() stops. */
static struct view via_branch(struct view value)
{
	struct view branch = view_empty();
	const uint8_t *end = value.p + value.len;
	PARAM_FIND(name_addr_split(value.p, end, NULL), end, "branch", &branch);
	return branch;
}

struct parse_state {
	struct sip_msg *m;
	uint32_t seen;        /* bit per enum sip_field: first value taken */
	bool cseq_ok;
	bool content_length_bad;
};

static void take_field(struct parse_state *st, enum sip_field field, struct view value)
{
	struct sip_msg *m = st->m;
	uint32_t bit = 1u << field;
	if (st->seen & bit)
		return; /* a repeated single-valued header: the first one counts */
	st->seen |= bit;
	switch (field) {
	case FIELD_CALL_ID:
		m->call_id = value;
		break;
	case FIELD_FROM:
		m->from = value;
		break;
	case FIELD_TO:
		m->to = value;
		break;
	case FIELD_VIA:
		m->via_branch = via_branch(value);
		break;
	case FIELD_CSEQ:
		st->cseq_ok = parse_cseq(value, &m->cseq, &m->cseq_method_text);
		if (st->cseq_ok)
			m->cseq_method = sip_method_from_view(m->cseq_method_text);
		break;
	case FIELD_CONTENT_TYPE:
		m->content_type = value;
		break;
	case FIELD_CONTENT_LENGTH: {
		uint32_t n;
		if (view_to_u32_exact(value, CONTENT_LENGTH_MAX, &n))
			m->content_length = (long)n;
		else
			st->content_length_bad = true;
		break;
	}
	case FIELD_USER_AGENT:
		m->user_agent = value; /* preferred over Server */
		break;
	case FIELD_SERVER:
		if (!(st->seen & (1u << FIELD_USER_AGENT)))
			m->user_agent = value;
		break;
	case FIELD_REASON:
		m->reason_header = value;
		break;
	case FIELD_X_CALL_ID:
		m->x_call_id = value;
		break;
	case FIELD_REPLACES:
		m->replaces = value;
		break;
	case FIELD_REFER_TO:
		m->refer_to = value;
		break;
	case FIELD_REFERRED_BY:
		m->referred_by = value;
		break;
	case FIELD_OTHER:
		break;
	}
}

static void note_soft(struct sip_msg *m, enum anomaly a)
{
	if (m->soft_anomaly == ANOMALY_NONE)
		m->soft_anomaly = a;
}

void sip_msg_split_parties(struct sip_msg *m)
{
	if (m->from.p)
		take_party(m->from, &m->from_uri, &m->from_user, &m->from_tag);
	if (m->to.p)
		take_party(m->to, &m->to_uri, &m->to_user, &m->to_tag);
}

enum anomaly sip_parse(struct view msg, struct sip_msg *out)
{
	enum anomaly a = sip_parse_fast(msg, out);
	if (a == ANOMALY_NONE || a == ANOMALY_SIP_BAD_CSEQ || a == ANOMALY_SIP_NO_CALL_ID ||
	    a == ANOMALY_SIP_BAD_CONTENT_LENGTH)
		sip_msg_split_parties(out);
	return a;
}

enum anomaly sip_parse_fast(struct view msg, struct sip_msg *out)
{
	memset(out, 0, sizeof(*out));
	out->content_length = -1;
	msg = view_from(msg, keepalive_length(msg));
	if (msg.len > SIP_MAX_MESSAGE)
		return ANOMALY_SIP_TOO_BIG;

	size_t headers_start;
	bool terminated;
	struct view line = first_line(msg, &headers_start, &terminated);
	struct start_line sl;
	if (!parse_start_line(line, &sl))
		return ANOMALY_SIP_BAD_START_LINE;
	out->start_line = line;
	out->is_request = sl.is_request;
	if (sl.is_request) {
		out->method_text = sl.method;
		out->method = sip_method_from_view(sl.method);
		out->request_uri = sl.uri;
	} else {
		out->status = sl.status;
		out->reason = sl.reason;
	}

	struct parse_state st = { .m = out };
	struct header_cursor cur = { msg.p + headers_start, msg.p + msg.len };
	const uint8_t *headers_end, *body_start = NULL;
	for (;;) {
		const uint8_t *line_start = cur.p;
		struct view name, value;
		enum header_step step = header_next(&cur, &name, &value);
		if (step == HEADER_FIELD) {
			out->header_count++;
			enum sip_field field = classify_header(name);
			if (field != FIELD_OTHER)
				take_field(&st, field, value);
			continue;
		}
		if (step == HEADER_MALFORMED) {
			note_soft(out, ANOMALY_SIP_BAD_HEADER);
			continue;
		}
		headers_end = line_start;
		if (step == HEADER_BLOCK_END)
			body_start = cur.p;
		break;
	}
	out->headers = view_make(msg.p + headers_start,
				 (size_t)(headers_end - (msg.p + headers_start)));

	/* RFC 3261 18.3: the body is what follows the empty line, bounded by
	 * Content-Length; without Content-Length (UDP) it runs to the end. */
	if (body_start) {
		struct view rest = view_make(body_start, (size_t)(msg.p + msg.len - body_start));
		out->body = rest;
		if (out->content_length >= 0) {
			out->body = view_sub(rest, 0, (size_t)out->content_length);
			out->body_cut = rest.len < (size_t)out->content_length;
		}
	} else {
		out->body = view_make(msg.p + msg.len, 0);
		out->body_cut = out->content_length > 0;
		note_soft(out, ANOMALY_SIP_CUT);
	}
	if (out->body_cut)
		note_soft(out, ANOMALY_SIP_CUT);

	if (out->call_id.len == 0)
		return ANOMALY_SIP_NO_CALL_ID;
	if (!st.cseq_ok)
		return ANOMALY_SIP_BAD_CSEQ;
	if (st.content_length_bad)
		return ANOMALY_SIP_BAD_CONTENT_LENGTH;
	return ANOMALY_NONE;
}

/* ---- stream framing ---------------------------------------------------- */

/* Offset just past the empty line ending the header block that starts at
 * from (CRLFCRLF, LFLF or a mix), or 0 when it is not in v yet. */
static size_t header_block_end(struct view v, size_t from)
{
	size_t pos = from;
	while (pos < v.len) {
		const uint8_t *lf = memchr(v.p + pos, '\n', v.len - pos);
		if (!lf)
			return 0;
		size_t after = (size_t)(lf - v.p) + 1;
		if (after < v.len && v.p[after] == '\n')
			return after + 1;
		if (after + 1 < v.len && v.p[after] == '\r' && v.p[after + 1] == '\n')
			return after + 2;
		pos = after;
	}
	return 0;
}

/* Could v still become a start line once more bytes arrive?  Lets garbage
 * on a stream be refused early instead of after SIP_MAX_MESSAGE bytes. */
static bool start_line_prefix_plausible(struct view v)
{
	size_t i = 0;
	while (i < v.len && i < LOOKS_LIKE_METHOD_MAX && is_token(v.p[i]))
		i++;
	if (i == v.len)
		return true;
	/* "SIP/2.0" is no token: a status line in the making. */
	static const char version[] = SIP_VERSION " ";
	size_t n = v.len < sizeof(version) - 1 ? v.len : sizeof(version) - 1;
	bool version_prefix = true;
	for (size_t k = 0; k < n; k++)
		if (ascii_lower(v.p[k]) != ascii_lower((uint8_t)version[k]))
			version_prefix = false;
	return version_prefix || (i > 0 && v.p[i] == ' ');
}

long sip_frame_length(struct view buf)
{
	size_t lead = keepalive_length(buf);
	if (lead > SIP_MAX_MESSAGE)
		return -1;
	struct view msg = view_from(buf, lead);
	if (msg.len == 0)
		return 0;

	size_t headers_start;
	bool terminated;
	first_line(msg, &headers_start, &terminated);
	if (!terminated)
		return (msg.len <= SIP_MAX_MESSAGE && start_line_prefix_plausible(msg)) ? 0 : -1;
	if (!sip_looks_like(msg))
		return -1;

	size_t end = header_block_end(msg, headers_start - 1);
	if (end == 0)
		return msg.len > SIP_MAX_MESSAGE ? -1 : 0;
	if (end > SIP_MAX_MESSAGE)
		return -1;

	/* RFC 3261 18.3: Content-Length frames the body on streams.  It is
	 * mandatory there; a message without it is taken as having no body. */
	struct header_cursor cur = { msg.p + headers_start, msg.p + end };
	uint32_t content_length = 0;
	struct view name, value;
	enum header_step step;
	while ((step = header_next(&cur, &name, &value)) != HEADER_BLOCK_END &&
	       step != HEADER_DATA_END) {
		if (step != HEADER_FIELD || classify_header(name) != FIELD_CONTENT_LENGTH)
			continue;
		if (!view_to_u32_exact(value, SIP_MAX_MESSAGE, &content_length))
			return -1;
		break;
	}
	if (end + content_length > SIP_MAX_MESSAGE)
		return -1;
	if (msg.len < end + content_length)
		return 0;
	return (long)(lead + end + content_length);
}

/* ---- lookups on a parsed message --------------------------------------- */

/* RFC 3261 7.3.3 and the IANA SIP header registry's compact forms. */
static const struct {
	char compact;
	const char *full;
} compact_forms[] = {
	{ 'i', "call-id" },        { 'f', "from" },          { 't', "to" },
	{ 'v', "via" },            { 'm', "contact" },       { 'l', "content-length" },
	{ 'c', "content-type" },   { 'k', "supported" },     { 's', "subject" },
	{ 'e', "content-encoding" }, { 'o', "event" },       { 'u', "allow-events" },
	{ 'r', "refer-to" },       { 'b', "referred-by" },   { 'x', "session-expires" },
	{ 'y', "identity" },
};
#define COMPACT_FORM_COUNT (sizeof(compact_forms) / sizeof(compact_forms[0]))

bool sip_msg_header(const struct sip_msg *m, const char *name, struct view *value)
{
	struct view wanted = view_cstr(name);
	if (wanted.len == 0 || m->headers.len == 0)
		return false;
	/* The other spelling of the same header, if it has one. */
	const char *alias = NULL;
	char alias_letter[2] = { 0, 0 };
	for (size_t i = 0; i < COMPACT_FORM_COUNT; i++) {
		if (wanted.len == 1 && ascii_lower(wanted.p[0]) == (uint8_t)compact_forms[i].compact) {
			alias = compact_forms[i].full;
			break;
		}
		if (wanted.len > 1 && view_eq_nocase(wanted, compact_forms[i].full)) {
			alias_letter[0] = compact_forms[i].compact;
			alias = alias_letter;
			break;
		}
	}

	struct header_cursor cur = { m->headers.p, m->headers.p + m->headers.len };
	struct view hname, hvalue;
	enum header_step step;
	while ((step = header_next(&cur, &hname, &hvalue)) != HEADER_BLOCK_END &&
	       step != HEADER_DATA_END) {
		if (step != HEADER_FIELD)
			continue;
		if (view_eq_nocase(hname, name) || (alias && view_eq_nocase(hname, alias))) {
			*value = hvalue;
			return true;
		}
	}
	return false;
}

/* RFC 3261 7.3.1: a folded line is equivalent to one SP. */
size_t sip_value_unfold(struct view value, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	/* Values are rarely folded: without a line break they copy as they
	 * are (LF and a lone CR both count as breaks below). */
	size_t take = value.len < cap - 1 ? value.len : cap - 1;
	if (take == 0 || (!memchr(value.p, '\n', take) && !memchr(value.p, '\r', take))) {
		if (take)
			memcpy(buf, value.p, take);
		buf[take] = '\0';
		return take;
	}
	size_t n = 0, i = 0;
	while (i < value.len && n < cap - 1) {
		uint8_t c = value.p[i];
		if (c != '\r' && c != '\n') {
			buf[n++] = (char)c;
			i++;
			continue;
		}
		while (n > 0 && is_wsp((uint8_t)buf[n - 1]))
			n--;
		while (i < value.len && is_lws(value.p[i]))
			i++;
		if (n > 0 && i < value.len)
			buf[n++] = ' ';
	}
	buf[n] = '\0';
	return n;
}
