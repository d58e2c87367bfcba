/* filter_impl.h - what a compiled filter holds, shared by the parser
 * (filter_parse.c) and the evaluator (filter.c); callers see only the
 * opaque struct filter of filter.h.
 *
 * An expression compiles to a tree of nodes in one array: a condition
 * leaf, `not` with one operand, and `and` / `or` with a list of operands
 * (siblings linked by next), so a long chain `a and b and c ...` is wide,
 * not deep, and the tree is only as deep as its parentheses and `not`s. */
#ifndef SIPMON_FILTER_FILTER_IMPL_H
#define SIPMON_FILTER_FILTER_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>

#include "filter/filter.h"

/* Room for a PCRE2 error text (its longest messages are about 100 bytes). */
#define FILTER_REGEX_ERROR_LEN 128
/* First allocation of the node and condition arrays; they double. */
#define FILTER_INITIAL_NODES 16
#define FILTER_INITIAL_CONDITIONS 8
/* A node index meaning "none". */
#define FILTER_NO_NODE UINT32_MAX

enum filter_field {
	/* About the dialog. */
	FILTER_FIELD_FROM,
	FILTER_FIELD_TO,
	FILTER_FIELD_FROM_USER,
	FILTER_FIELD_TO_USER,
	FILTER_FIELD_CALL_ID,
	FILTER_FIELD_USER_AGENT,
	FILTER_FIELD_STATE,
	FILTER_FIELD_METHOD,
	FILTER_FIELD_STATUS,
	FILTER_FIELD_SRC,
	FILTER_FIELD_DST,
	/* About messages: atoms. */
	FILTER_FIELD_HEADER,
	FILTER_FIELD_PAYLOAD,
};

enum filter_op { FILTER_OP_EQ, FILTER_OP_NE, FILTER_OP_MATCH };

struct filter_condition {
	enum filter_field field;
	enum filter_op op;
	char *value;            /* as the user meant it (quotes undone), NUL-ended */
	size_t value_len;
	char *header;           /* FILTER_FIELD_HEADER: the name, NUL-ended */
	pcre2_code *re;         /* FILTER_OP_MATCH, except on a repeated atom */
	struct endpoint addr;   /* src / dst with = and != */
	bool any_port;          /* the address was given without a port */
	uint16_t status;        /* status with = and != */
	int atom;               /* message-level: its bit; -1 for dialog fields */
};

enum filter_node_kind {
	FILTER_NODE_CONDITION,
	FILTER_NODE_NOT,
	FILTER_NODE_AND,
	FILTER_NODE_OR,
};

struct filter_node {
	enum filter_node_kind kind;
	uint32_t condition;     /* FILTER_NODE_CONDITION: index in conditions */
	uint32_t child;         /* not: its operand; and/or: the first operand */
	uint32_t next;          /* the next operand of the enclosing and/or */
};

struct filter {
	/* Hot: read on every evaluation. */
	struct filter_node *nodes;
	struct filter_condition *conditions;
	uint32_t root;
	unsigned atom_count;
	/* The condition that defines each atom (a repeated `hdr:X=v` or the
	 * same with != shares its bit). */
	uint32_t atom_condition[FILTER_MAX_ATOMS];
	/* Scratch space and limits of every regex search. */
	pcre2_match_data *match_data;
	pcre2_match_context *match_ctx;
	pcre2_jit_stack *jit_stack;

	uint32_t node_count, node_cap;
	uint32_t condition_count, condition_cap;
};

/* An empty filter with its matching resources; NULL when PCRE2 cannot
 * allocate them. */
struct filter *filter_new(void);
uint32_t filter_add_node(struct filter *f, enum filter_node_kind kind);
/* Takes ownership of what c points to. */
uint32_t filter_add_condition(struct filter *f, const struct filter_condition *c);
/* Frees what c owns (a condition never added to a filter). */
void filter_condition_release(struct filter_condition *c);

/* pcre2_compile() over len bytes (no NUL needed), then JIT when PCRE2 has
 * it.  NULL with PCRE2's error code and the offset in the pattern. */
pcre2_code *filter_regex_compile(const char *pattern, size_t len, uint32_t options, int *errcode,
				 size_t *erroffset);

#endif
