/* dialog_text.h - the text of a dialog that the display filters search
 * (From and To URIs, Call-ID, source and destination address:port), folded
 * to lower case once per dialog and kept by dialog index.
 *
 * The filters ignore case and run over every dialog when the user types
 * or widens a filter: with the folding and the address formatting done
 * once, testing a dialog is one substring search over one string, with no
 * formatting, folding or allocation.  A dialog's identity never changes
 * after its first message (the store sets it then), so one fold stays
 * right for the dialog's whole life.  The payload regex's last verdict on
 * the dialog is kept alongside (dialog_text_verdict()). */
#ifndef SIPMON_UI_DIALOG_TEXT_H
#define SIPMON_UI_DIALOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/call.h"
#include "ui/text_field.h"

enum dialog_text_field {
	DIALOG_TEXT_FROM = 0,  /* From URI */
	DIALOG_TEXT_TO,        /* To URI */
	DIALOG_TEXT_CALL_ID,
	DIALOG_TEXT_SRC,       /* source address:port */
	DIALOG_TEXT_DST,       /* destination address:port */
	DIALOG_TEXT_FIELDS
};

struct dialog_text;

/* What the user typed, folded the same way; filters come from text
 * fields, so they are at most TEXT_FIELD_MAX bytes. */
struct dialog_needle {
	char text[TEXT_FIELD_MAX + 1];
	size_t len;
	bool has_separator;   /* could span two fields of the joined text */
};

void dialog_needle_set(struct dialog_needle *n, const char *typed);

/* Under the store's read lock: the folded text of dialog index, which
 * is c, made the first time it is asked for (only then is c read: a
 * filter pass over 100k dialogs touches their texts, not the dialogs).
 * Valid until dialog_text_forget_before() drops it (or, for a dialog
 * older than every kept text, until the next call). */
struct dialog_text *dialog_text_of(uint64_t index, const struct call *c);

/* Frees the texts of dialogs below index first: the store evicted or
 * cleared them, and indexes are never reused. */
void dialog_text_forget_before(uint64_t first);

/* Whether any field (or field f) contains the needle; the empty needle
 * is in every field, as an empty substring is in every string. */
bool dialog_text_contains(const struct dialog_text *t, const struct dialog_needle *n);
bool dialog_text_field_contains(const struct dialog_text *t, enum dialog_text_field f,
				const struct dialog_needle *n);

/* The payload regex's last verdict on the dialog is kept with its text,
 * so that widening the search does not run the regex over every dialog
 * again.  It holds while the filter (its generation, never 0) and the
 * dialog's message count are what they were. */
bool dialog_text_verdict(const struct dialog_text *t, uint32_t generation, uint32_t messages,
			 bool *passes);
void dialog_text_keep_verdict(struct dialog_text *t, uint32_t generation, uint32_t messages,
			      bool passes);

#endif
