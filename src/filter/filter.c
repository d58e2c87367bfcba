/* filter.c - the dialog filter language (see filter.h for the language):
 * evaluating a compiled expression on messages (hdr: and payload atoms)
 * and on dialogs, the regex matching both share, and the sngrep match
 * expression.  Compiling the text is filter_parse.c's part.
 *
 * Every regex search runs over a bounded view with its length (never a
 * NUL-terminated copy) and under PCRE2 match, depth and heap limits, so a
 * hostile payload costs bounded time; a search that hits a limit counts
 * as no match. */
#include "filter/filter_impl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* Backtracking steps one search may take (pcre2_set_match_limit), the
 * figure the call list's payload filter uses too.  Measured: `^(a+)+$`
 * over a SIP_MAX_MESSAGE payload of 'a's gives up after 0.5 ms with JIT,
 * 4 ms interpreted; ordinary patterns over SIP messages stay far below
 * the limit. */
#define FILTER_MATCH_LIMIT 100000u
/* Nested backtracking points of the interpreter (pcre2_set_depth_limit),
 * and the heap its frames may take, in KiB (pcre2_set_heap_limit). */
#define FILTER_DEPTH_LIMIT 10000u
#define FILTER_HEAP_LIMIT_KIB (8u * 1024u)
/* The JIT's stack: PCRE2's own default start, and enough room to grow for
 * patterns that recurse once per byte over a whole message. */
#define FILTER_JIT_STACK_START (32u * 1024u)
#define FILTER_JIT_STACK_MAX (1024u * 1024u)
/* Only whether there is a match matters: one pair of offsets. */
#define FILTER_MATCH_PAIRS 1u

/* The decimal form of any uint16_t status, with its NUL. */
#define STATUS_TEXT_LEN sizeof("65535")

struct filter *filter_new(void)
{
	struct filter *f = xcalloc(1, sizeof(*f));
	f->root = FILTER_NO_NODE;
	f->match_data = pcre2_match_data_create(FILTER_MATCH_PAIRS, NULL);
	f->match_ctx = pcre2_match_context_create(NULL);
	if (!f->match_data || !f->match_ctx) {
		filter_free(f);
		return NULL;
	}
	pcre2_set_match_limit(f->match_ctx, FILTER_MATCH_LIMIT);
	pcre2_set_depth_limit(f->match_ctx, FILTER_DEPTH_LIMIT);
	pcre2_set_heap_limit(f->match_ctx, FILTER_HEAP_LIMIT_KIB);
	/* NULL when PCRE2 was built without JIT: the interpreter is used. */
	f->jit_stack = pcre2_jit_stack_create(FILTER_JIT_STACK_START, FILTER_JIT_STACK_MAX, NULL);
	if (f->jit_stack)
		pcre2_jit_stack_assign(f->match_ctx, NULL, f->jit_stack);
	return f;
}

void filter_condition_release(struct filter_condition *c)
{
	free(c->value);
	free(c->header);
	pcre2_code_free(c->re);
	c->value = NULL;
	c->header = NULL;
	c->re = NULL;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (uint32_t i = 0; i < f->condition_count; i++)
		filter_condition_release(&f->conditions[i]);
	free(f->conditions);
	free(f->nodes);
	pcre2_match_data_free(f->match_data);
	pcre2_match_context_free(f->match_ctx);
	pcre2_jit_stack_free(f->jit_stack);
	free(f);
}

uint32_t filter_add_node(struct filter *f, enum filter_node_kind kind)
{
	if (f->node_count == f->node_cap) {
		f->node_cap = f->node_cap ? f->node_cap * 2 : FILTER_INITIAL_NODES;
		f->nodes = xrealloc(f->nodes, f->node_cap * sizeof(*f->nodes));
	}
	struct filter_node *n = &f->nodes[f->node_count];
	n->kind = kind;
	n->condition = 0;
	n->child = FILTER_NO_NODE;
	n->next = FILTER_NO_NODE;
	return f->node_count++;
}

uint32_t filter_add_condition(struct filter *f, const struct filter_condition *c)
{
	if (f->condition_count == f->condition_cap) {
		f->condition_cap = f->condition_cap ? f->condition_cap * 2 : FILTER_INITIAL_CONDITIONS;
		f->conditions = xrealloc(f->conditions, f->condition_cap * sizeof(*f->conditions));
	}
	f->conditions[f->condition_count] = *c;
	return f->condition_count++;
}

pcre2_code *filter_regex_compile(const char *pattern, size_t len, uint32_t options, int *errcode,
				 size_t *erroffset)
{
	PCRE2_SIZE at = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, options, errcode, &at, NULL);
	*erroffset = at;
	if (re)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* no JIT: interpreted */
	return re;
}

/* Whether re finds a match in the len bytes at subject. */
static bool regex_search(const struct filter *f, const pcre2_code *re, const void *subject,
			 size_t len)
{
	/* An empty view may have no bytes at all; PCRE2 wants a pointer. */
	static const uint8_t no_bytes[1];
	if (!subject)
		subject = no_bytes;
	int rc = pcre2_match(re, subject, len, 0, 0, f->match_data, f->match_ctx);
	/* Limits reached and other errors are negative too: no match. */
	return rc >= 0;
}

static bool text_matches(const struct filter *f, const struct filter_condition *c, struct view v)
{
	if (c->op == FILTER_OP_MATCH)
		return regex_search(f, c->re, v.p, v.len);
	return view_eq(v, view_make(c->value, c->value_len));
}

/* method and state: names sipmon itself spells, compared ignoring case. */
static bool name_matches(const struct filter *f, const struct filter_condition *c,
			 const char *name)
{
	if (!name)
		return false;
	size_t len = strlen(name);
	if (c->op == FILTER_OP_MATCH)
		return regex_search(f, c->re, name, len);
	return len == c->value_len && strncasecmp(name, c->value, len) == 0;
}

static bool status_matches(const struct filter *f, const struct filter_condition *c,
			   uint16_t status)
{
	if (status == 0)
		return false;
	if (c->op != FILTER_OP_MATCH)
		return status == c->status;
	char text[STATUS_TEXT_LEN];
	int n = snprintf(text, sizeof(text), "%u", (unsigned)status);
	return n > 0 && (size_t)n < sizeof(text) && regex_search(f, c->re, text, (size_t)n);
}

static bool endpoint_matches(const struct filter *f, const struct filter_condition *c,
			     const struct endpoint *e)
{
	if (e->ip.family == 0)
		return false;
	if (c->op != FILTER_OP_MATCH)
		return netaddr_eq(&e->ip, &c->addr.ip) && (c->any_port || e->port == c->addr.port);
	char text[ENDPOINT_STRLEN];
	endpoint_format(e, text, sizeof(text));
	return regex_search(f, c->re, text, strlen(text));
}

/* Whether the dialog field of c has the value c asks for (= or =~; the
 * caller negates for !=). */
static bool dialog_field_matches(const struct filter *f, const struct filter_condition *c,
				 const struct filter_dialog *d)
{
	switch (c->field) {
	case FILTER_FIELD_FROM: return text_matches(f, c, d->from);
	case FILTER_FIELD_TO: return text_matches(f, c, d->to);
	case FILTER_FIELD_FROM_USER: return text_matches(f, c, d->from_user);
	case FILTER_FIELD_TO_USER: return text_matches(f, c, d->to_user);
	case FILTER_FIELD_CALL_ID: return text_matches(f, c, d->call_id);
	case FILTER_FIELD_USER_AGENT: return text_matches(f, c, d->user_agent);
	case FILTER_FIELD_STATE: return name_matches(f, c, d->state);
	case FILTER_FIELD_METHOD: return name_matches(f, c, d->method);
	case FILTER_FIELD_STATUS: return status_matches(f, c, d->final_status);
	case FILTER_FIELD_SRC: return endpoint_matches(f, c, &d->src);
	case FILTER_FIELD_DST: return endpoint_matches(f, c, &d->dst);
	case FILTER_FIELD_HEADER:
	case FILTER_FIELD_PAYLOAD:
		break;
	}
	return false;
}

/* Whether one message satisfies the message-level condition c (= or =~). */
static bool message_matches(const struct filter *f, const struct filter_condition *c,
			    const struct sip_msg *msg, struct view raw)
{
	if (c->field == FILTER_FIELD_PAYLOAD)
		return regex_search(f, c->re, raw.p, raw.len);
	struct view value;
	if (!msg || !sip_msg_header(msg, c->header, &value))
		return false;
	return text_matches(f, c, value);
}

uint64_t filter_message_atoms(const struct filter *f, const struct sip_msg *msg, struct view raw)
{
	uint64_t atoms = 0;
	for (unsigned i = 0; i < f->atom_count; i++)
		if (message_matches(f, &f->conditions[f->atom_condition[i]], msg, raw))
			atoms |= UINT64_C(1) << i;
	return atoms;
}

static bool condition_holds(const struct filter *f, const struct filter_condition *c,
			    const struct filter_dialog *d, uint64_t seen_atoms)
{
	bool positive = c->atom >= 0 ? (seen_atoms >> c->atom) & 1u : dialog_field_matches(f, c, d);
	return c->op == FILTER_OP_NE ? !positive : positive;
}

/* Recursion depth is bounded by FILTER_MAX_DEPTH: only parentheses and
 * `not` nest nodes; operands of one and/or are a sibling list. */
static bool node_holds(const struct filter *f, uint32_t index, const struct filter_dialog *d,
		       uint64_t seen_atoms)
{
	const struct filter_node *n = &f->nodes[index];
	switch (n->kind) {
	case FILTER_NODE_CONDITION:
		return condition_holds(f, &f->conditions[n->condition], d, seen_atoms);
	case FILTER_NODE_NOT:
		return !node_holds(f, n->child, d, seen_atoms);
	case FILTER_NODE_AND:
		for (uint32_t c = n->child; c != FILTER_NO_NODE; c = f->nodes[c].next)
			if (!node_holds(f, c, d, seen_atoms))
				return false;
		return true;
	case FILTER_NODE_OR:
		for (uint32_t c = n->child; c != FILTER_NO_NODE; c = f->nodes[c].next)
			if (node_holds(f, c, d, seen_atoms))
				return true;
		return false;
	}
	return false;
}

bool filter_eval(const struct filter *f, const struct filter_dialog *d, uint64_t seen_atoms)
{
	return node_holds(f, f->root, d, seen_atoms);
}

bool filter_uses_messages(const struct filter *f)
{
	return f->atom_count > 0;
}

struct filter *filter_from_sngrep_match(const char *regex, bool icase, bool invert, char *errbuf,
					size_t errlen)
{
	if (errlen)
		errbuf[0] = '\0';
	if (!regex) {
		if (errlen)
			snprintf(errbuf, errlen, "no match expression");
		return NULL;
	}
	size_t len = strnlen(regex, FILTER_MAX_EXPR + 1);
	if (len > FILTER_MAX_EXPR) {
		if (errlen)
			snprintf(errbuf, errlen, "match expression too long (at most %d bytes)",
				 FILTER_MAX_EXPR);
		return NULL;
	}
	int errcode;
	size_t at;
	pcre2_code *re = filter_regex_compile(regex, len, icase ? PCRE2_CASELESS : 0, &errcode, &at);
	if (!re) {
		if (errlen) {
			PCRE2_UCHAR why[FILTER_REGEX_ERROR_LEN];
			pcre2_get_error_message(errcode, why, sizeof(why));
			snprintf(errbuf, errlen, "bad regular expression (%s) at position %zu",
				 (const char *)why, at);
		}
		return NULL;
	}
	struct filter *f = filter_new();
	if (!f) {
		pcre2_code_free(re);
		if (errlen)
			snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	struct filter_condition c = {
		.field = FILTER_FIELD_PAYLOAD,
		.op = FILTER_OP_MATCH,
		.value = xstrndup(regex, len),
		.value_len = len,
		.re = re,
		.atom = 0,
	};
	f->atom_condition[0] = filter_add_condition(f, &c);
	f->atom_count = 1;
	uint32_t match = filter_add_node(f, FILTER_NODE_CONDITION);
	f->nodes[match].condition = f->atom_condition[0];
	f->root = match;
	if (invert) {
		f->root = filter_add_node(f, FILTER_NODE_NOT);
		f->nodes[f->root].child = match;
	}
	return f;
}
