/* keymap.h - the keys in force: each window's default bindings (their
 * tables in the window files) changed by sipmon.rc's bind and unbind lines.
 *
 * Keys are named as sipmon.rc writes them: a character ("a", "?", "/"),
 * ^X or C-x for control keys, F1..F12, Up, Down, Left, Right, PgUp, PgDn,
 * Home, End, Ins, Del, Enter, Tab, Esc, Space, Backspace.  Actions are
 * WINDOW.NAME as in the tables ("list.save", "global.quit"). */
#ifndef SIPMON_UI_KEYMAP_H
#define SIPMON_UI_KEYMAP_H

#include <stddef.h>
#include <stdio.h>

struct config;

/* Resets every window to its defaults and applies the configuration's
 * bind/unbind lines in order.  A bad line is reported on errors as
 * "FILE:LINE: message" and skipped; returns how many there were. */
size_t keymap_apply(const struct config *cfg, FILE *errors);

/* Every action with the keys in force and where they came from, as
 * sipmon.rc bind lines (for -D). */
void keymap_dump(FILE *out);

/* What a key bar shows for an action: NULL when sipmon.rc left its keys
 * alone (the bar's own text stands), "" when it has no key any more (the
 * bar leaves it out), else the first key in force.  The text lasts until
 * the next call. */
const char *keymap_bar_key(const char *action);

/* A key name as above, or -1. */
int keymap_parse_key(const char *name);
/* The name of a key code, as keymap_parse_key reads it. */
void keymap_key_label(int key, char *buf, size_t cap);

#endif
