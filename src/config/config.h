/* config.h - sipmon.rc: the settings, address aliases and key bindings a
 * user can change, each remembering where its value came from (a default,
 * FILE:LINE, the command line, the settings window), so that `sipmon -D`
 * can say why sipmon behaves as it does.
 *
 * The file format (doc/sipmon.8, CONFIGURATION; the shipped sipmon.rc):
 *
 *     # a comment line; blank lines are ignored
 *     set NAME VALUE          VALUE is the rest of the line ("..." keeps spaces)
 *     alias ADDR[:PORT] NAME  an address shown as NAME in the call flow
 *     bind KEY ACTION         e.g. bind F2 list.save
 *     unbind KEY              the key does nothing any more
 *
 * Files are read in order (system, ~/.sipmonrc, $SIPMONRC, each -f) and a
 * later value replaces an earlier one; the command line comes last.  A bad
 * line is reported as FILE:LINE: message and the value before it is kept. */
#ifndef SIPMON_CONFIG_CONFIG_H
#define SIPMON_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/netaddr.h"

enum setting_id {
	SET_CAPTURE_DEVICE,
	SET_CAPTURE_BUFFER,
	SET_CAPTURE_RING_SIZE,
	SET_CAPTURE_PROMISC,
	SET_CAPTURE_LIMIT,
	SET_CAPTURE_ROTATE,
	SET_CAPTURE_INVITE_ONLY,
	SET_CAPTURE_KEEP_RTP,
	SET_CAPTURE_ORPHAN_RTP,
	SET_CAPTURE_BPF,
	SET_FILTER_EXPRESSION,
	SET_FILTER_DISPLAY,
	SET_REPORT_INTERVAL,
	SET_SAVE_DIRECTORY,
	SET_SAVE_FORMAT,
	SET_QUALITY_JITTER_MS,
	SET_QUALITY_LOSS_PCT,
	SET_QUALITY_MOS,
	SET_LIST_COLUMNS,
	SET_LIST_SORT,
	SET_LIST_SORT_ORDER,
	SET_LIST_AUTOSCROLL,
	SET_FLOW_COMPRESS,
	SET_UI_THEME,
	/* One per colour role, in the order of enum ui_color (ui/draw.h)
	 * from UI_COLOR_TITLE on. */
	SET_COLOR_TITLE,
	SET_COLOR_HEADER,
	SET_COLOR_CURSOR,
	SET_COLOR_SELECTED,
	SET_COLOR_WARN,
	SET_COLOR_GOOD,
	SET_COLOR_BAD,
	SET_COLOR_NOTICE,
	SET_COLOR_REQUEST,
	SET_COLOR_RESPONSE,
	SET_COLOR_RETRANS,
	SET_COLOR_SDP,
	SET_COLOR_RTP,
	SET_COLOR_START_LINE,
	SET_COLOR_HEADER_NAME,
	SET_COLOR_DIM,
	SET_COLOR_KEY,
	SET_COLOR_DIFF,
	SET_COUNT
};

enum setting_type {
	SETTING_BOOL,     /* yes/no, on/off, true/false, 1/0 */
	SETTING_UINT,     /* within [min, max] */
	SETTING_DOUBLE,   /* within [min, max] */
	SETTING_STRING,   /* anything printable, possibly empty */
	SETTING_CHOICE,   /* one of a list of words */
};

/* When a setting takes effect: at start (capture settings) or at once,
 * also from the settings window (what the interface draws). */
enum setting_scope { SETTING_AT_START, SETTING_LIVE };

struct setting_def {
	const char *name;
	enum setting_type type;
	enum setting_scope scope;
	const char *default_value;
	const char *help;            /* one line, for -D, sipmon.rc and the window */
	const char *option;          /* the command-line option that overrides it, or NULL */
	double min, max;             /* UINT and DOUBLE */
	const char *const *choices;  /* CHOICE: NULL-ended */
	/* Further checks a type cannot express (column lists, colours, BPF). */
	bool (*check)(const char *value, char *err, size_t errlen);
};

#define CONFIG_ORIGIN_LEN 256
#define CONFIG_ORIGIN_DEFAULT "default"
#define CONFIG_ORIGIN_CMDLINE "command line"
#define CONFIG_ORIGIN_WINDOW "settings window"

#define CONFIG_VALUE_MAX 1024
/* A line longer than this is an error, not a buffer overflow. */
#define CONFIG_LINE_MAX 4096
#define CONFIG_ALIAS_MAX 1024
#define CONFIG_BIND_MAX 512
#define CONFIG_ALIAS_NAME_LEN 64
#define CONFIG_KEY_NAME_LEN 16
#define CONFIG_ACTION_NAME_LEN 48
/* A configuration file is a page of text; beyond this it is not one. */
#define CONFIG_FILE_MAX (1024 * 1024)

struct config_alias {
	struct netaddr addr;
	uint16_t port;               /* 0: any port */
	char name[CONFIG_ALIAS_NAME_LEN];
	char origin[CONFIG_ORIGIN_LEN];
};

/* A bind or unbind line, kept in order; the interface applies them to its
 * key tables (ui/keymap.c), which know the keys and actions. */
struct config_bind {
	char key[CONFIG_KEY_NAME_LEN];
	char action[CONFIG_ACTION_NAME_LEN];  /* "" for unbind */
	char origin[CONFIG_ORIGIN_LEN];
};

struct config;

struct config *config_new(void);
void config_free(struct config *cfg);

const struct setting_def *config_setting_def(enum setting_id id);
/* The setting called name, or -1. */
int config_setting_find(const char *name, size_t len);

/* Sets a value after checking it; origin is kept with it.  On a bad value
 * the old one stays and err says why. */
bool config_set(struct config *cfg, enum setting_id id, const char *value, const char *origin,
		char *err, size_t errlen);
/* Whether value would be accepted (without setting it). */
bool config_check_value(enum setting_id id, const char *value, char *err, size_t errlen);

const char *config_value(const struct config *cfg, enum setting_id id);
const char *config_origin(const struct config *cfg, enum setting_id id);
bool config_bool(const struct config *cfg, enum setting_id id);
uint32_t config_uint(const struct config *cfg, enum setting_id id);
double config_double(const struct config *cfg, enum setting_id id);
/* Whether the settings window changed the value away from the one last
 * loaded from or saved to a file (what saving writes). */
bool config_changed(const struct config *cfg, enum setting_id id);

/* Parses one file's text (len bytes, no NUL needed).  Errors go to errors
 * as "name:LINE: message"; returns how many there were. */
size_t config_parse(struct config *cfg, const char *name, const char *text, size_t len,
		    FILE *errors);
/* Reads and parses a file.  A file that does not exist is no error unless
 * must_exist; returns the number of errors (1 for an unreadable file). */
size_t config_load_file(struct config *cfg, const char *path, bool must_exist, FILE *errors);
/* The files read by default, in order: the system file, ~/.sipmonrc and
 * $SIPMONRC (when set).  Writes at most cap paths; returns the count. */
size_t config_default_files(char paths[][CONFIG_ORIGIN_LEN], size_t cap);
/* ~/.sipmonrc (HOME, else the password database); false without a home. */
bool config_user_file(char *path, size_t cap);
/* Names of the files actually read, in order. */
size_t config_files_read(const struct config *cfg, const char **out, size_t cap);

size_t config_alias_count(const struct config *cfg);
const struct config_alias *config_alias_at(const struct config *cfg, size_t i);
/* The alias of an address and port (an alias with a port wins over one
 * without), or NULL. */
const char *config_alias_lookup(const struct config *cfg, const struct netaddr *a, uint16_t port);

size_t config_bind_count(const struct config *cfg);
const struct config_bind *config_bind_at(const struct config *cfg, size_t i);

/* The settings as sipmon.rc lines, each with where its value came from
 * (for -D); aliases too.  Key bindings are the interface's to print. */
void config_dump(const struct config *cfg, FILE *out);
/* Ends a -D line of `written` characters with its origin comment, aligned. */
void config_print_origin(FILE *out, int written, const char *origin);

/* Writes the settings changed since loading into path (~/.sipmonrc):
 * each replaces that setting's last `set` line, or is appended; every
 * other line, comments included, stays as it was.  Atomic (rename). */
bool config_save_changes(struct config *cfg, const char *path, char *err, size_t errlen);

/* The checks of some settings, shared with the places that use them. */
bool config_parse_color(const char *value, short *fg, short *bg);

#endif
