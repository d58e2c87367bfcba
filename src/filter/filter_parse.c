/* filter_parse.c - compiles a filter expression (the language is described
 * in filter.h): a hand-written lexer and a recursive-descent parser, one
 * function per precedence level (or < and < not < primary).
 *
 * The input is bounded (FILTER_MAX_EXPR bytes) and so is the recursion
 * (FILTER_MAX_DEPTH parentheses and `not`s).  Every error names the byte
 * where it was found. */
#include "filter/filter_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* RFC 3261 21: response codes run from 100 to 699. */
#define STATUS_MIN 100
#define STATUS_MAX 699
#define PORT_MAX 65535
/* How much of an unknown field name an error message repeats. */
#define FIELD_NAME_SHOWN_MAX 32

#define HEADER_PREFIX "hdr:"
#define HEADER_PREFIX_LEN (sizeof(HEADER_PREFIX) - 1)

static const struct {
	const char *name;
	enum filter_field field;
} field_names[] = {
	{ "from", FILTER_FIELD_FROM },
	{ "to", FILTER_FIELD_TO },
	{ "from_user", FILTER_FIELD_FROM_USER },
	{ "to_user", FILTER_FIELD_TO_USER },
	{ "call_id", FILTER_FIELD_CALL_ID },
	{ "user_agent", FILTER_FIELD_USER_AGENT },
	{ "state", FILTER_FIELD_STATE },
	{ "method", FILTER_FIELD_METHOD },
	{ "status", FILTER_FIELD_STATUS },
	{ "src", FILTER_FIELD_SRC },
	{ "dst", FILTER_FIELD_DST },
	{ "payload", FILTER_FIELD_PAYLOAD },
};
#define FIELD_NAME_COUNT (sizeof(field_names) / sizeof(field_names[0]))

enum token_kind {
	TOKEN_END,
	TOKEN_WORD,     /* a bare word: field, keyword or value */
	TOKEN_STRING,   /* "quoted" */
	TOKEN_OPEN,     /* ( */
	TOKEN_CLOSE,    /* ) */
	TOKEN_EQ,       /* = */
	TOKEN_NE,       /* != */
	TOKEN_MATCH,    /* =~ */
};

struct token {
	enum token_kind kind;
	size_t pos;     /* first byte in the expression */
	size_t len;     /* bytes in the expression, quotes included */
};

struct parser {
	const char *src;
	size_t len;
	size_t next;        /* where the lexer goes on after tok */
	struct token tok;   /* the current token */
	unsigned depth;     /* parentheses and `not`s open */
	struct filter *f;
	char *errbuf;
	size_t errlen;
	size_t *error_pos;
};

/* Records the error "MESSAGE at position POS"; returns false so callers
 * can `return fail_at(...)`. */
static bool __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, size_t pos, const char *fmt, ...)
{
	if (ps->errlen) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(ps->errbuf, ps->errlen, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < ps->errlen)
			snprintf(ps->errbuf + n, ps->errlen - (size_t)n, " at position %zu", pos);
	}
	if (ps->error_pos)
		*ps->error_pos = pos;
	return false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* Bytes that end a bare word: white space and the bytes tokens start with. */
static bool ends_word(char c)
{
	return is_space(c) || is_control(c) || c == '(' || c == ')' || c == '=' || c == '!' ||
	       c == '"';
}

/* RFC 3261 25.1 token: what a header name is made of. */
static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

/* Inside quotes, a backslash escapes only these two. */
static bool is_escapable(char c)
{
	return c == '"' || c == '\\';
}

/* Reads the token at ps->next into ps->tok. */
static bool lex(struct parser *ps)
{
	size_t i = ps->next;
	while (i < ps->len && is_space(ps->src[i]))
		i++;
	struct token *t = &ps->tok;
	t->pos = i;
	t->len = 1;
	if (i >= ps->len) {
		t->kind = TOKEN_END;
		t->len = 0;
	} else if (ps->src[i] == '(') {
		t->kind = TOKEN_OPEN;
	} else if (ps->src[i] == ')') {
		t->kind = TOKEN_CLOSE;
	} else if (ps->src[i] == '=') {
		t->kind = TOKEN_EQ;
		if (i + 1 < ps->len && ps->src[i + 1] == '~') {
			t->kind = TOKEN_MATCH;
			t->len = 2;
		}
	} else if (ps->src[i] == '!') {
		if (i + 1 >= ps->len || ps->src[i + 1] != '=')
			return fail_at(ps, i, "'!' must be followed by '=' (for negation use 'not')");
		t->kind = TOKEN_NE;
		t->len = 2;
	} else if (ps->src[i] == '"') {
		size_t j = i + 1;
		while (j < ps->len && ps->src[j] != '"')
			j += (ps->src[j] == '\\' && j + 1 < ps->len && is_escapable(ps->src[j + 1])) ? 2 : 1;
		if (j >= ps->len)
			return fail_at(ps, i, "unterminated quoted value");
		t->kind = TOKEN_STRING;
		t->len = j + 1 - i;
	} else if (is_control(ps->src[i])) {
		return fail_at(ps, i, "unexpected control character");
	} else {
		size_t j = i;
		while (j < ps->len && !ends_word(ps->src[j]))
			j++;
		t->kind = TOKEN_WORD;
		t->len = j - i;
	}
	ps->next = t->pos + t->len;
	return true;
}

static bool token_is_word(const struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	return ps->tok.kind == TOKEN_WORD && ps->tok.len == n &&
	       strncasecmp(ps->src + ps->tok.pos, word, n) == 0;
}

static bool token_is_keyword(const struct parser *ps)
{
	return token_is_word(ps, "and") || token_is_word(ps, "or") || token_is_word(ps, "not");
}

static const char *op_spelling(enum token_kind kind)
{
	switch (kind) {
	case TOKEN_EQ: return "=";
	case TOKEN_NE: return "!=";
	case TOKEN_MATCH: return "=~";
	default: return "?";
	}
}

/* The value of a WORD or STRING token, quotes and escapes undone; a heap
 * string the caller owns. */
static char *token_value(const struct parser *ps, size_t *len)
{
	const char *p = ps->src + ps->tok.pos;
	if (ps->tok.kind == TOKEN_WORD) {
		*len = ps->tok.len;
		return xstrndup(p, ps->tok.len);
	}
	size_t inner = ps->tok.len - 2; /* without the quotes */
	char *out = xmalloc(inner + 1);
	size_t n = 0;
	for (size_t i = 1; i <= inner; i++) {
		if (p[i] == '\\' && i < inner && is_escapable(p[i + 1]))
			i++;
		out[n++] = p[i];
	}
	out[n] = '\0';
	*len = n;
	return out;
}

/* Where in the expression byte k of the current token's value came from
 * (k may be the value's length: then the byte after it). */
static size_t value_source_pos(const struct parser *ps, size_t k)
{
	if (ps->tok.kind == TOKEN_WORD)
		return ps->tok.pos + k;
	const char *p = ps->src + ps->tok.pos;
	size_t inner = ps->tok.len - 2, i = 1;
	for (size_t n = 0; n < k && i <= inner; n++)
		i += (p[i] == '\\' && i < inner && is_escapable(p[i + 1])) ? 2 : 1;
	if (i <= inner && p[i] == '\\' && i < inner && is_escapable(p[i + 1]))
		i++; /* point at the escaped byte itself */
	return ps->tok.pos + i;
}

/* `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`; a bare IPv6 address (more
 * than one ':') has no port. */
static bool parse_address(const char *text, size_t len, struct endpoint *out, bool *any_port)
{
	struct view v = view_make(text, len), ip = v, port = view_empty();
	if (len && text[0] == '[') {
		long close = view_find_byte(v, ']');
		if (close < 0)
			return false;
		ip = view_sub(v, 1, (size_t)close - 1);
		struct view rest = view_from(v, (size_t)close + 1);
		if (rest.len) {
			if (rest.p[0] != ':')
				return false;
			port = view_from(rest, 1);
			if (port.len == 0)
				return false;
		}
	} else {
		long colon = view_find_byte(v, ':');
		if (colon >= 0 && view_find_byte(view_from(v, (size_t)colon + 1), ':') < 0) {
			ip = view_sub(v, 0, (size_t)colon);
			port = view_from(v, (size_t)colon + 1);
			if (port.len == 0)
				return false;
		}
	}
	memset(out, 0, sizeof(*out));
	if (ip.len == 0 || !netaddr_parse(ip, &out->ip))
		return false;
	/* Brackets are for IPv6 only, and a port needs digits only. */
	if (text[0] == '[' && out->ip.family != NETADDR_V6)
		return false;
	*any_port = port.len == 0;
	if (port.len) {
		uint64_t n;
		for (size_t i = 0; i < port.len; i++)
			if (port.p[i] < '0' || port.p[i] > '9')
				return false;
		if (!view_to_u64(port, PORT_MAX, &n))
			return false;
		out->port = (uint16_t)n;
	}
	return true;
}

static bool parse_status(const char *text, size_t len, uint16_t *out)
{
	uint64_t n;
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	if (!view_to_u64(view_make(text, len), STATUS_MAX, &n) || n < STATUS_MIN)
		return false;
	*out = (uint16_t)n;
	return true;
}

/* The atom an identical earlier message-level condition already has
 * (`hdr:X=v` and `hdr:X!=v` share one), or -1. */
static int find_atom(const struct filter *f, const struct filter_condition *c)
{
	bool regex = c->op == FILTER_OP_MATCH;
	for (unsigned i = 0; i < f->atom_count; i++) {
		const struct filter_condition *a = &f->conditions[f->atom_condition[i]];
		if (a->field != c->field || (a->op == FILTER_OP_MATCH) != regex)
			continue;
		if (c->field == FILTER_FIELD_HEADER && strcasecmp(a->header, c->header) != 0)
			continue;
		if (a->value_len == c->value_len && memcmp(a->value, c->value, c->value_len) == 0)
			return (int)i;
	}
	return -1;
}

/* Checks and prepares the value of c (the current token); on success the
 * condition is complete except for its atom. */
static bool prepare_value(struct parser *ps, struct filter_condition *c)
{
	size_t at = ps->tok.pos;
	if (c->op == FILTER_OP_MATCH) {
		bool repeated = false;
		if (c->field == FILTER_FIELD_HEADER || c->field == FILTER_FIELD_PAYLOAD)
			repeated = find_atom(ps->f, c) >= 0;
		if (repeated)
			return true; /* the first one's regex serves */
		int errcode;
		size_t offset;
		c->re = filter_regex_compile(c->value, c->value_len, 0, &errcode, &offset);
		if (!c->re) {
			PCRE2_UCHAR why[FILTER_REGEX_ERROR_LEN];
			pcre2_get_error_message(errcode, why, sizeof(why));
			if (offset > c->value_len)
				offset = c->value_len;
			return fail_at(ps, value_source_pos(ps, offset), "bad regular expression (%s)",
				       (const char *)why);
		}
		return true;
	}
	if (c->field == FILTER_FIELD_STATUS && !parse_status(c->value, c->value_len, &c->status))
		return fail_at(ps, at, "status needs a number from %d to %d", STATUS_MIN, STATUS_MAX);
	if ((c->field == FILTER_FIELD_SRC || c->field == FILTER_FIELD_DST) &&
	    !parse_address(c->value, c->value_len, &c->addr, &c->any_port))
		return fail_at(ps, at, "expected an address: ip, ip:port, [ipv6] or [ipv6]:port");
	return true;
}

/* An error message repeats at most FIELD_NAME_SHOWN_MAX bytes of a name,
 * and says so when it cuts. */
static int shown_len(size_t len)
{
	return len > FIELD_NAME_SHOWN_MAX ? FIELD_NAME_SHOWN_MAX : (int)len;
}

static const char *shown_more(size_t len)
{
	return len > FIELD_NAME_SHOWN_MAX ? "..." : "";
}

/* Which field the word at the current token names; header gets the name
 * after "hdr:". */
static bool parse_field(struct parser *ps, enum filter_field *field, char **header)
{
	const char *word = ps->src + ps->tok.pos;
	size_t len = ps->tok.len;
	if (len >= HEADER_PREFIX_LEN && strncasecmp(word, HEADER_PREFIX, HEADER_PREFIX_LEN) == 0) {
		size_t name_at = ps->tok.pos + HEADER_PREFIX_LEN;
		if (len == HEADER_PREFIX_LEN)
			return fail_at(ps, name_at, "expected a header name after 'hdr:'");
		for (size_t i = HEADER_PREFIX_LEN; i < len; i++)
			if (!is_token_char(word[i]))
				return fail_at(ps, ps->tok.pos + i,
					       "a header name is made of letters, digits and -.!%%*_+`'~");
		*field = FILTER_FIELD_HEADER;
		*header = xstrndup(word + HEADER_PREFIX_LEN, len - HEADER_PREFIX_LEN);
		return true;
	}
	for (size_t i = 0; i < FIELD_NAME_COUNT; i++) {
		if (strlen(field_names[i].name) == len &&
		    strncasecmp(word, field_names[i].name, len) == 0) {
			*field = field_names[i].field;
			return true;
		}
	}
	return fail_at(ps, ps->tok.pos, "unknown field '%.*s%s'", shown_len(len), word,
		       shown_more(len));
}

/* FIELD OP VALUE, the current token being FIELD. */
static uint32_t parse_condition(struct parser *ps)
{
	struct filter_condition c = { .atom = -1 };
	size_t field_at = ps->tok.pos, field_len = ps->tok.len;
	if (!parse_field(ps, &c.field, &c.header))
		goto fail;
	if (!lex(ps))
		goto fail;
	switch (ps->tok.kind) {
	case TOKEN_EQ: c.op = FILTER_OP_EQ; break;
	case TOKEN_NE: c.op = FILTER_OP_NE; break;
	case TOKEN_MATCH: c.op = FILTER_OP_MATCH; break;
	default:
		fail_at(ps, ps->tok.pos, "expected '=', '!=' or '=~' after '%.*s%s'",
			shown_len(field_len), ps->src + field_at, shown_more(field_len));
		goto fail;
	}
	if (c.field == FILTER_FIELD_PAYLOAD && c.op != FILTER_OP_MATCH) {
		fail_at(ps, ps->tok.pos, "payload can only be matched with '=~'");
		goto fail;
	}
	enum token_kind op = ps->tok.kind;
	if (!lex(ps))
		goto fail;
	if ((ps->tok.kind != TOKEN_WORD && ps->tok.kind != TOKEN_STRING) || token_is_keyword(ps)) {
		fail_at(ps, ps->tok.pos, "expected a value after '%s'", op_spelling(op));
		goto fail;
	}
	c.value = token_value(ps, &c.value_len);
	if (!prepare_value(ps, &c))
		goto fail;

	if (c.field == FILTER_FIELD_HEADER || c.field == FILTER_FIELD_PAYLOAD) {
		c.atom = find_atom(ps->f, &c);
		if (c.atom < 0 && ps->f->atom_count == FILTER_MAX_ATOMS) {
			fail_at(ps, field_at, "too many hdr: and payload conditions (at most %d)",
				FILTER_MAX_ATOMS);
			goto fail;
		}
	}
	uint32_t index = filter_add_condition(ps->f, &c);
	if (c.field == FILTER_FIELD_HEADER || c.field == FILTER_FIELD_PAYLOAD) {
		if (c.atom < 0) {
			ps->f->conditions[index].atom = (int)ps->f->atom_count;
			ps->f->atom_condition[ps->f->atom_count++] = index;
		}
	}
	uint32_t node = filter_add_node(ps->f, FILTER_NODE_CONDITION);
	ps->f->nodes[node].condition = index;
	if (!lex(ps))
		return FILTER_NO_NODE;
	return node;

fail:
	filter_condition_release(&c);
	return FILTER_NO_NODE;
}

static uint32_t parse_or(struct parser *ps);

/* Counts one more open parenthesis or `not` at the current token. */
static bool enter(struct parser *ps)
{
	if (ps->depth == FILTER_MAX_DEPTH)
		return fail_at(ps, ps->tok.pos,
			       "nested too deeply (at most %d parentheses and 'not's)",
			       FILTER_MAX_DEPTH);
	ps->depth++;
	return true;
}

/* not-expr := 'not' not-expr | '(' or-expr ')' | condition */
static uint32_t parse_not(struct parser *ps)
{
	if (token_is_word(ps, "not")) {
		if (!enter(ps) || !lex(ps))
			return FILTER_NO_NODE;
		uint32_t operand = parse_not(ps);
		ps->depth--;
		if (operand == FILTER_NO_NODE)
			return FILTER_NO_NODE;
		uint32_t node = filter_add_node(ps->f, FILTER_NODE_NOT);
		ps->f->nodes[node].child = operand;
		return node;
	}
	if (ps->tok.kind == TOKEN_OPEN) {
		if (!enter(ps) || !lex(ps))
			return FILTER_NO_NODE;
		uint32_t inner = parse_or(ps);
		ps->depth--;
		if (inner == FILTER_NO_NODE)
			return FILTER_NO_NODE;
		if (ps->tok.kind != TOKEN_CLOSE) {
			fail_at(ps, ps->tok.pos, "expected 'and', 'or' or ')'");
			return FILTER_NO_NODE;
		}
		if (!lex(ps))
			return FILTER_NO_NODE;
		return inner;
	}
	if (ps->tok.kind == TOKEN_WORD && !token_is_keyword(ps))
		return parse_condition(ps);
	fail_at(ps, ps->tok.pos, "expected a field, 'not' or '('");
	return FILTER_NO_NODE;
}

/* and-expr := not-expr ('and' not-expr)*   and or-expr likewise: one node
 * with the operands as siblings. */
static uint32_t parse_chain(struct parser *ps, const char *keyword, enum filter_node_kind kind,
			    uint32_t (*operand)(struct parser *))
{
	uint32_t first = operand(ps);
	if (first == FILTER_NO_NODE || !token_is_word(ps, keyword))
		return first;
	uint32_t node = filter_add_node(ps->f, kind);
	ps->f->nodes[node].child = first;
	uint32_t last = first;
	while (token_is_word(ps, keyword)) {
		if (!lex(ps))
			return FILTER_NO_NODE;
		uint32_t next = operand(ps);
		if (next == FILTER_NO_NODE)
			return FILTER_NO_NODE;
		ps->f->nodes[last].next = next;
		last = next;
	}
	return node;
}

static uint32_t parse_and(struct parser *ps)
{
	return parse_chain(ps, "and", FILTER_NODE_AND, parse_not);
}

static uint32_t parse_or(struct parser *ps)
{
	return parse_chain(ps, "or", FILTER_NODE_OR, parse_and);
}

struct filter *filter_compile(const char *expr, char *errbuf, size_t errlen, size_t *error_pos)
{
	struct parser ps = {
		.src = expr, .errbuf = errbuf, .errlen = errlen, .error_pos = error_pos,
	};
	if (errlen)
		errbuf[0] = '\0';
	if (!expr) {
		fail_at(&ps, 0, "no expression");
		return NULL;
	}
	ps.len = strnlen(expr, FILTER_MAX_EXPR + 1);
	if (ps.len > FILTER_MAX_EXPR) {
		fail_at(&ps, FILTER_MAX_EXPR, "expression too long (at most %d bytes)", FILTER_MAX_EXPR);
		return NULL;
	}
	ps.f = filter_new();
	if (!ps.f) {
		fail_at(&ps, 0, "out of memory");
		return NULL;
	}
	if (!lex(&ps))
		goto fail;
	ps.f->root = parse_or(&ps);
	if (ps.f->root == FILTER_NO_NODE)
		goto fail;
	if (ps.tok.kind == TOKEN_CLOSE) {
		fail_at(&ps, ps.tok.pos, "unexpected ')'");
		goto fail;
	}
	if (ps.tok.kind != TOKEN_END) {
		fail_at(&ps, ps.tok.pos, "expected 'and' or 'or'");
		goto fail;
	}
	return ps.f;

fail:
	filter_free(ps.f);
	return NULL;
}
