/* keymap.c - the keys in force (see keymap.h): the windows' binding
 * tables are the defaults; sipmon.rc's bind and unbind lines change a
 * copy of their keys, kept here with where each change came from. */
#include "ui/keymap.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ui/window.h"
#include "util/utf8.h"

/* An action can have a few more keys than its defaults (bind adds). */
#define KEYMAP_KEYS_MAX 8
#define KEYMAP_TABLES (UI_KEYMAP_GLOBAL + 1)
#define KEYMAP_NAMES_LEN 64
/* Bindings per window, at most (the call list has the most, ~20). */
#define KEYMAP_ACTIONS_MAX 64

struct keymap_entry {
	int keys[KEYMAP_KEYS_MAX];
	size_t key_count;
	bool changed;
	char origin[CONFIG_ORIGIN_LEN];
	char names[KEYMAP_NAMES_LEN];
};

static struct {
	bool ready;
	struct keymap_entry entries[KEYMAP_TABLES][KEYMAP_ACTIONS_MAX];
} keymap;

static const struct ui_binding *table_of(int id, size_t *count)
{
	if (id == UI_KEYMAP_GLOBAL) {
		*count = ui_global_binding_count;
		return ui_global_bindings;
	}
	const struct ui_window *w = ui_window_of((enum ui_window_id)id);
	*count = w ? w->binding_count : 0;
	return w ? w->bindings : NULL;
}

static void keymap_reset(void)
{
	memset(&keymap, 0, sizeof(keymap));
	for (int id = 0; id < KEYMAP_TABLES; id++) {
		size_t n;
		const struct ui_binding *b = table_of(id, &n);
		for (size_t i = 0; i < n && i < KEYMAP_ACTIONS_MAX; i++) {
			struct keymap_entry *e = &keymap.entries[id][i];
			for (size_t k = 0; k < UI_BINDING_KEYS && b[i].keys[k]; k++)
				e->keys[e->key_count++] = b[i].keys[k];
			snprintf(e->origin, sizeof(e->origin), "%s", CONFIG_ORIGIN_DEFAULT);
		}
	}
	keymap.ready = true;
}

static void ensure_ready(void)
{
	if (!keymap.ready)
		keymap_reset();
}

/* --- key names ---------------------------------------------------------- */

static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{ "Up", UI_FKEY(KEY_UP) },       { "Down", UI_FKEY(KEY_DOWN) },
	{ "Left", UI_FKEY(KEY_LEFT) },   { "Right", UI_FKEY(KEY_RIGHT) },
	{ "PgUp", UI_FKEY(KEY_PPAGE) },  { "PgDn", UI_FKEY(KEY_NPAGE) },
	{ "Home", UI_FKEY(KEY_HOME) },   { "End", UI_FKEY(KEY_END) },
	{ "Ins", UI_FKEY(KEY_IC) },      { "Del", UI_FKEY(KEY_DC) },
	{ "Backspace", UI_FKEY(KEY_BACKSPACE) },
	{ "Enter", UI_KEY_ENTER },       { "Tab", UI_KEY_TAB },
	{ "Esc", UI_KEY_ESC },           { "Space", ' ' },
	{ "BTab", UI_FKEY(KEY_BTAB) },   { "KPEnter", UI_FKEY(KEY_ENTER) },
};
#define NAMED_KEY_COUNT (sizeof(named_keys) / sizeof(named_keys[0]))
#define FUNCTION_KEYS_MAX 12

/* One UTF-8 character, the whole of s (checked by utf8_valid_len: no
 * overlong forms or surrogates); its code point or -1. */
static int utf8_char(const unsigned char *s)
{
	size_t len = strlen((const char *)s);
	if (len == 1)
		return s[0] >= 0x21 && s[0] < 0x7f ? s[0] : -1;
	if (len == 0 || utf8_valid_len(s, len) != len)
		return -1;
	static const unsigned char lead_bits[5] = { 0, 0, 0x1f, 0x0f, 0x07 };
	int cp = s[0] & lead_bits[len];
	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

int keymap_parse_key(const char *name)
{
	for (size_t i = 0; i < NAMED_KEY_COUNT; i++)
		if (strcasecmp(name, named_keys[i].name) == 0)
			return named_keys[i].key;
	size_t len = strlen(name);
	if ((name[0] == 'F' || name[0] == 'f') && len >= 2 && len <= 3 && name[1] >= '1' &&
	    name[1] <= '9') {
		int n = name[1] - '0';
		if (len == 3) {
			if (name[2] < '0' || name[2] > '9')
				return -1;
			n = n * 10 + (name[2] - '0');
		}
		return n <= FUNCTION_KEYS_MAX ? UI_FKEY(KEY_F(n)) : -1;
	}
	/* ^X and C-x: control with a letter (or one of @[\]^_). */
	const char *ctrl = NULL;
	if (len == 2 && name[0] == '^')
		ctrl = name + 1;
	else if (len == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-')
		ctrl = name + 2;
	if (ctrl) {
		int c = *ctrl >= 'a' && *ctrl <= 'z' ? *ctrl - 'a' + 'A' : *ctrl;
		if (c < '@' || c > '_')
			return -1;
		/* ^I, ^J, ^[ are Tab, Enter and Esc: name those instead. */
		int code = UI_CTRL(c);
		return code == UI_KEY_TAB || code == UI_KEY_ENTER || code == UI_KEY_ESC ||
		       code == 0 ? -1 : code;
	}
	return utf8_char((const unsigned char *)name);
}

void keymap_key_label(int key, char *buf, size_t cap)
{
	for (size_t i = 0; i < NAMED_KEY_COUNT; i++)
		if (named_keys[i].key == key) {
			snprintf(buf, cap, "%s", named_keys[i].name);
			return;
		}
	for (int n = 1; n <= FUNCTION_KEYS_MAX; n++)
		if (key == UI_FKEY(KEY_F(n))) {
			snprintf(buf, cap, "F%d", n);
			return;
		}
	if (key > 0 && key < 0x20) {
		snprintf(buf, cap, "^%c", key + '@');
	} else if (key >= 0x21 && key < 0x7f) {
		snprintf(buf, cap, "%c", key);
	} else if (key >= 0x80 && key <= 0x10ffff) {
		/* Encode the code point back to UTF-8. */
		char u[5] = "";
		if (key < 0x800) {
			u[0] = (char)(0xc0 | (key >> 6));
			u[1] = (char)(0x80 | (key & 0x3f));
		} else if (key < 0x10000) {
			u[0] = (char)(0xe0 | (key >> 12));
			u[1] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[2] = (char)(0x80 | (key & 0x3f));
		} else {
			u[0] = (char)(0xf0 | (key >> 18));
			u[1] = (char)(0x80 | ((key >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[3] = (char)(0x80 | (key & 0x3f));
		}
		snprintf(buf, cap, "%s", u);
	} else {
		snprintf(buf, cap, "key%d", key & ~UI_KEY_FUNCTION);
	}
}

/* --- lookups ------------------------------------------------------------ */

const struct ui_binding *keymap_find(int id, int key)
{
	ensure_ready();
	size_t n;
	const struct ui_binding *b = table_of(id, &n);
	for (size_t i = 0; i < n && i < KEYMAP_ACTIONS_MAX; i++) {
		const struct keymap_entry *e = &keymap.entries[id][i];
		for (size_t k = 0; k < e->key_count; k++)
			if (e->keys[k] == key)
				return &b[i];
	}
	return NULL;
}

const char *keymap_key_names(int id, size_t i)
{
	ensure_ready();
	size_t n;
	const struct ui_binding *b = table_of(id, &n);
	if (i >= n || i >= KEYMAP_ACTIONS_MAX)
		return "";
	struct keymap_entry *e = &keymap.entries[id][i];
	if (!e->changed)
		return b[i].key_names;
	e->names[0] = '\0';
	for (size_t k = 0; k < e->key_count; k++) {
		char label[16];
		keymap_key_label(e->keys[k], label, sizeof(label));
		size_t used = strlen(e->names);
		snprintf(e->names + used, sizeof(e->names) - used, "%s%s", k ? " " : "", label);
	}
	return e->names;
}

/* --- bind and unbind ---------------------------------------------------- */

static bool find_action(const char *name, int *id_out, size_t *index_out);

const char *keymap_bar_key(const char *action)
{
	static char label[16];
	ensure_ready();
	int id;
	size_t i;
	if (!action || !find_action(action, &id, &i))
		return NULL;
	const struct keymap_entry *e = &keymap.entries[id][i];
	if (!e->changed)
		return NULL;
	if (e->key_count == 0)
		return "";
	keymap_key_label(e->keys[0], label, sizeof(label));
	return label;
}

static bool find_action(const char *name, int *id_out, size_t *index_out)
{
	for (int id = 0; id < KEYMAP_TABLES; id++) {
		size_t n;
		const struct ui_binding *b = table_of(id, &n);
		for (size_t i = 0; i < n && i < KEYMAP_ACTIONS_MAX; i++)
			if (b[i].name && strcmp(b[i].name, name) == 0) {
				*id_out = id;
				*index_out = i;
				return true;
			}
	}
	return false;
}

static void remove_key(int id, int key, const char *origin)
{
	size_t n;
	table_of(id, &n);
	for (size_t i = 0; i < n && i < KEYMAP_ACTIONS_MAX; i++) {
		struct keymap_entry *e = &keymap.entries[id][i];
		size_t o = 0;
		for (size_t k = 0; k < e->key_count; k++)
			if (e->keys[k] != key)
				e->keys[o++] = e->keys[k];
		if (o != e->key_count) {
			e->key_count = o;
			e->changed = true;
			snprintf(e->origin, sizeof(e->origin), "%s", origin);
		}
	}
}

static bool apply_one(const struct config_bind *b, char *err, size_t errlen)
{
	int key = keymap_parse_key(b->key);
	if (key < 0) {
		snprintf(err, errlen, "unknown key '%s' (a character, ^X, F1-F12, Up, PgDn, Enter...)",
			 b->key);
		return false;
	}
	if (!b->action[0]) {
		for (int id = 0; id < KEYMAP_TABLES; id++)
			remove_key(id, key, b->origin);
		return true;
	}
	int id;
	size_t i;
	if (!find_action(b->action, &id, &i)) {
		snprintf(err, errlen, "unknown action '%s' (sipmon -D lists them)", b->action);
		return false;
	}
	struct keymap_entry *e = &keymap.entries[id][i];
	if (e->key_count >= KEYMAP_KEYS_MAX) {
		snprintf(err, errlen, "%s has %d keys already", b->action, KEYMAP_KEYS_MAX);
		return false;
	}
	/* A key does one thing in a window.  A window's own bindings come
	 * before the global ones, so a key bound globally leaves them all. */
	if (id == UI_KEYMAP_GLOBAL)
		for (int w = 0; w < KEYMAP_TABLES; w++)
			remove_key(w, key, b->origin);
	else
		remove_key(id, key, b->origin);
	e->keys[e->key_count++] = key;
	e->changed = true;
	snprintf(e->origin, sizeof(e->origin), "%s", b->origin);
	return true;
}

size_t keymap_apply(const struct config *cfg, FILE *errors)
{
	keymap_reset();
	size_t errs = 0;
	for (size_t i = 0; i < config_bind_count(cfg); i++) {
		const struct config_bind *b = config_bind_at(cfg, i);
		char err[256];
		if (!apply_one(b, err, sizeof(err))) {
			errs++;
			if (errors)
				fprintf(errors, "%s: %s\n", b->origin, err);
		}
	}
	return errs;
}

void keymap_dump(FILE *out)
{
	ensure_ready();
	fprintf(out, "# key bindings: key, action, then where it came from\n");
	for (int id = 0; id < KEYMAP_TABLES; id++) {
		size_t n;
		const struct ui_binding *b = table_of(id, &n);
		for (size_t i = 0; i < n && i < KEYMAP_ACTIONS_MAX; i++) {
			const struct keymap_entry *e = &keymap.entries[id][i];
			if (e->key_count == 0) {
				config_print_origin(out, fprintf(out, "# %s has no key", b[i].name),
						    e->origin);
				continue;
			}
			for (size_t k = 0; k < e->key_count; k++) {
				char label[16];
				keymap_key_label(e->keys[k], label, sizeof(label));
				config_print_origin(out, fprintf(out, "bind %s %s", label, b[i].name),
						    e->origin);
			}
		}
	}
}
