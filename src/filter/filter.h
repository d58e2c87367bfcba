/* filter.h - the dialog filter language of `--filter EXPR`.
 *
 * LANGUAGE
 *
 * An expression is made of conditions `FIELD OP VALUE` joined with `and`,
 * `or`, `not` and parentheses.  It selects dialogs: a dialog is shown (or
 * reported) while the expression is true for it.
 *
 *   from=sip:alice@example.com and not status=~^5
 *   (method=INVITE or method=MESSAGE) and src=192.0.2.1
 *   hdr:User-Agent=~"^Asterisk" or payload=~"m=video"
 *   state="IN CALL" and dst=[2001:db8::1]:5060
 *
 * Fields about the dialog, looked at in its current state:
 *   from, to          the From / To URI of its first message (no display
 *                     name, no <>, no parameters): sip:alice@example.com
 *   from_user, to_user  the user part of those URIs: alice
 *   call_id           the Call-ID
 *   user_agent        the first User-Agent (or Server) seen
 *   state             the call state: "CALL SETUP", "IN CALL", "CANCELLED",
 *                     "REJECTED", "BUSY", "DIVERTED", "COMPLETED"; a dialog
 *                     that does not start with INVITE has none
 *   method            the method of the dialog's first message: INVITE, ...
 *   status            the dialog's final response code (100 to 699); a
 *                     dialog without one has none
 *   src, dst          the addresses of the dialog's first message.  The
 *                     value is `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`
 *                     (a bare IPv6 address without brackets is an address
 *                     without port).  Without a port any port matches:
 *                     `src=192.0.2.1` matches 192.0.2.1:5060.
 *
 * Fields about the messages; such a condition becomes true for a dialog
 * once ANY of its messages so far satisfied it, and stays true:
 *   hdr:NAME          the first header NAME of a message; full or compact
 *                     name (hdr:Call-ID and hdr:i are the same), any case.
 *                     The value is as written, white space around it
 *                     removed; folded lines are not joined.
 *   payload           the whole text of a message (=~ only)
 *
 * Operators:
 *   =     equal, byte for byte and case-sensitive, except for method and
 *         state, which ignore ASCII case (method=invite matches INVITE).
 *         status=N compares numbers.
 *   !=    exactly `not (FIELD = VALUE)`.  So a field without a value
 *         (status before a final response, state of a non-INVITE dialog)
 *         satisfies `!=`, and `hdr:X!=v` is true while no message so far
 *         had header X equal to v.
 *   =~    the value is a PCRE2 regular expression, searched anywhere in
 *         the field (anchor with ^ and $).  Case-sensitive unless the
 *         pattern says (?i).  For status it searches the decimal code, for
 *         src and dst the text "ip:port" ("[ipv6]:port").  A field without
 *         a value does not match.  Matching has a step limit: a search that
 *         exceeds it counts as no match.
 *   not   negation; binds tighter than `and`, which binds tighter than `or`:
 *         `not a or b and c` is `(not a) or (b and c)`.
 *   ( )   grouping.
 *
 * `not payload=~foo` is true only while no message of the dialog so far
 * contained foo: the whole expression is evaluated again each time the
 * dialog changes.
 *
 * Values are bare words or "double quoted".  A bare word runs up to white
 * space or one of  ( ) = ! "  and must not be `and`, `or` or `not`.  Inside
 * quotes, \" stands for " and \\ for \; a backslash before any other
 * character stands for itself, so regular expressions such as "\d+\.\d"
 * need no doubling.  Field names and the keywords and, or, not are not
 * case-sensitive.  White space (space, tab, line ends) between tokens is
 * free.
 *
 * Limits: an expression has at most FILTER_MAX_EXPR bytes, at most
 * FILTER_MAX_DEPTH nested parentheses and `not`s, and at most
 * FILTER_MAX_ATOMS different hdr: and payload conditions.
 *
 * A bad expression is refused with a message that ends in "at position N",
 * N being the 0-based byte offset in the expression where the problem is
 * (for a bad regular expression, the byte of the pattern PCRE2 points at).
 */
#ifndef SIPMON_FILTER_FILTER_H
#define SIPMON_FILTER_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/sip.h"
#include "util/netaddr.h"
#include "util/view.h"

/* Longest expression accepted: a command-line argument, not a program. */
#define FILTER_MAX_EXPR 4096
/* Parentheses and `not`s nested in each other; bounds the parser's and the
 * evaluator's recursion. */
#define FILTER_MAX_DEPTH 64
/* Message-level conditions: one bit each in the caller's per-dialog mask. */
#define FILTER_MAX_ATOMS 64

/* A compiled expression.  Evaluating it uses scratch space inside it: use
 * one filter from one thread at a time. */
struct filter;

/* Compiles expr; NULL with errbuf and *error_pos on error.  At most
 * FILTER_MAX_ATOMS (64) message-level predicates. */
struct filter *filter_compile(const char *expr, char *errbuf, size_t errlen, size_t *error_pos);
void filter_free(struct filter *f);

/* The dialog-level facts an expression can look at (all views; nothing is
 * copied). */
struct filter_dialog {
	struct view from, to, from_user, to_user, call_id, user_agent;
	const char *state;            /* call_state_name(), NULL for non-INVITE dialogs */
	const char *method;           /* sip_method_name() of the first method */
	uint16_t final_status;        /* 0 = none */
	struct endpoint src, dst;     /* family 0 = unknown */
};

/* Bit i set when message-level atom i holds for this message (msg parsed,
 * raw its text).  msg may be NULL when the message did not parse: then
 * only payload conditions can hold. */
uint64_t filter_message_atoms(const struct filter *f, const struct sip_msg *msg, struct view raw);

/* The expression's value for a dialog whose messages so far set
 * seen_atoms (the OR of filter_message_atoms() over them). */
bool filter_eval(const struct filter *f, const struct filter_dialog *d, uint64_t seen_atoms);

/* Whether the expression uses message-level atoms at all (callers can
 * skip work). */
bool filter_uses_messages(const struct filter *f);

/* sngrep's positional match expression: `payload=~REGEX`, case-insensitive
 * with icase (sngrep -i), negated with invert (sngrep -v).  NULL with
 * errbuf ("... at position N" of the regex) when the regex is bad.
 *
 * One difference remains, on purpose: sngrep tests only the message that
 * would start a dialog (a message of a Call-ID it does not know yet; one
 * that fails is dropped, and the next message of that Call-ID is tested
 * again), then keeps every later message of the dialog whatever it says.
 * Here the condition holds once any message of the dialog matched (with
 * invert: while none did), and the whole dialog is shown. */
struct filter *filter_from_sngrep_match(const char *regex, bool icase, bool invert, char *errbuf,
					size_t errlen);

#endif
