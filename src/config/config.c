/* config.c - sipmon.rc settings, aliases and bind lines (see config.h).
 *
 * A configuration file is untrusted text like any other input: lines are
 * bounded, NUL bytes are errors, numbers are range-checked, and a bad line
 * changes nothing. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/live_source.h"
#include "capture/pipeline.h"
#include "options.h"
#include "store/store.h"
#include "ui/quality.h"
#include "ui/window.h"
#include "util/view.h"
#include "util/xalloc.h"

static bool check_bpf(const char *value, char *err, size_t errlen);
static bool check_color(const char *value, char *err, size_t errlen);
static bool check_columns(const char *value, char *err, size_t errlen);
static bool check_sort_column(const char *value, char *err, size_t errlen);

static const char *const sort_orders[] = { "ascending", "descending", NULL };
static const char *const autoscroll_modes[] = { "auto", "yes", "no", NULL };
static const char *const save_formats[] = { "text", "pcap", "pcap-sip", NULL };
static const char *const themes[] = { "color", "mono", NULL };

#define STR(x) #x
#define XSTR(x) STR(x)

/* Colours: "FOREGROUND[,BACKGROUND]" (see config_parse_color). */
#define COLOR_SETTING(id, name, def, what)                                               \
	[id] = { "color." name, SETTING_STRING, SETTING_LIVE, def, what, NULL, 0, 0, NULL, \
		 check_color }

static const struct setting_def settings[SET_COUNT] = {
	[SET_CAPTURE_DEVICE] = { "capture.device", SETTING_STRING, SETTING_AT_START,
		LIVE_DEFAULT_DEVICE, "devices to capture on when no -I file is given (DEV[,DEV])",
		"-d", 0, 0, NULL, NULL },
	[SET_CAPTURE_BUFFER] = { "capture.buffer", SETTING_UINT, SETTING_AT_START,
		XSTR(LIVE_DEFAULT_BUFFER_MIB), "kernel capture buffer per device, MiB", "-B",
		1, 4096, NULL, NULL },
	[SET_CAPTURE_RING_SIZE] = { "capture.ring_size", SETTING_UINT, SETTING_AT_START,
		XSTR(PIPELINE_LIVE_RING_MIB),
		"ring between capture and dissection per device, MiB (full: drops, counted)",
		"--ring-size", 1, 4096, NULL, NULL },
	[SET_CAPTURE_PROMISC] = { "capture.promisc", SETTING_BOOL, SETTING_AT_START, "yes",
		"put devices in promiscuous mode", "--no-promisc", 0, 0, NULL, NULL },
	[SET_CAPTURE_LIMIT] = { "capture.limit", SETTING_UINT, SETTING_AT_START,
		XSTR(STORE_DEFAULT_MAX_CALLS), "dialogs kept in memory at most", "-l",
		1, UINT32_MAX, NULL, NULL },
	[SET_CAPTURE_ROTATE] = { "capture.rotate", SETTING_BOOL, SETTING_AT_START, "no",
		"at the limit, forget the oldest dialog instead of refusing new ones", "-R",
		0, 0, NULL, NULL },
	[SET_CAPTURE_INVITE_ONLY] = { "capture.invite_only", SETTING_BOOL, SETTING_AT_START, "no",
		"keep only dialogs started by INVITE", "-c", 0, 0, NULL, NULL },
	[SET_CAPTURE_KEEP_RTP] = { "capture.keep_rtp", SETTING_BOOL, SETTING_AT_START, "no",
		"keep RTP packets so saving a dialog to pcap includes its media", "-r",
		0, 0, NULL, NULL },
	[SET_CAPTURE_ORPHAN_RTP] = { "capture.orphan_rtp", SETTING_BOOL, SETTING_AT_START, "no",
		"also report RTP streams no SDP announced", "--orphan-rtp", 0, 0, NULL, NULL },
	[SET_CAPTURE_BPF] = { "capture.bpf", SETTING_STRING, SETTING_AT_START, "",
		"BPF filter used when the command line gives none", "trailing arguments",
		0, 0, NULL, check_bpf },
	[SET_FILTER_EXPRESSION] = { "filter.expression", SETTING_STRING, SETTING_AT_START, "",
		"dialog filter (sipmon(8), FILTERS) used when the command line gives none",
		"--filter", 0, 0, NULL, NULL },
	[SET_FILTER_DISPLAY] = { "filter.display", SETTING_STRING, SETTING_LIVE, "",
		"display filter the call list starts with (as typed with /)", NULL,
		0, 0, NULL, NULL },
	[SET_REPORT_INTERVAL] = { "report.interval", SETTING_UINT, SETTING_AT_START,
		XSTR(OPTIONS_DEFAULT_REPORT_INTERVAL), "seconds between --report-file rewrites",
		"--report-interval", 1, 86400, NULL, NULL },
	[SET_SAVE_DIRECTORY] = { "save.directory", SETTING_STRING, SETTING_LIVE, "",
		"directory the save dialog proposes (empty: the current one)", NULL,
		0, 0, NULL, NULL },
	[SET_SAVE_FORMAT] = { "save.format", SETTING_CHOICE, SETTING_LIVE, "text",
		"format the save dialog proposes: text, pcap, pcap-sip", NULL,
		0, 0, save_formats, NULL },
	[SET_QUALITY_JITTER_MS] = { "quality.jitter_ms", SETTING_DOUBLE, SETTING_LIVE, XSTR(QUALITY_BAD_JITTER_MS),
		"jitter above this (ms) is shown as bad", NULL, 0, 10000, NULL, NULL },
	[SET_QUALITY_LOSS_PCT] = { "quality.loss_pct", SETTING_DOUBLE, SETTING_LIVE, XSTR(QUALITY_BAD_LOSS_PCT),
		"packet loss above this (%) is shown as bad", NULL, 0, 100, NULL, NULL },
	[SET_QUALITY_MOS] = { "quality.mos", SETTING_DOUBLE, SETTING_LIVE, XSTR(QUALITY_BAD_MOS),
		"MOS below this is shown as bad", NULL, 1, 5, NULL, NULL },
	[SET_LIST_COLUMNS] = { "list.columns", SETTING_STRING, SETTING_LIVE,
		"index method from to src dst msgs state start duration codec loss mos",
		"call list columns in order, each NAME or NAME:WIDTH", NULL, 0, 0, NULL,
		check_columns },
	[SET_LIST_SORT] = { "list.sort", SETTING_STRING, SETTING_LIVE, "index",
		"column the call list is sorted by", NULL, 0, 0, NULL, check_sort_column },
	[SET_LIST_SORT_ORDER] = { "list.sort_order", SETTING_CHOICE, SETTING_LIVE, "ascending",
		"ascending or descending", NULL, 0, 0, sort_orders, NULL },
	[SET_LIST_AUTOSCROLL] = { "list.autoscroll", SETTING_CHOICE, SETTING_LIVE, "auto",
		"follow new dialogs: auto (live and replay, not files), yes, no", NULL,
		0, 0, autoscroll_modes, NULL },
	[SET_FLOW_COMPRESS] = { "flow.compress", SETTING_BOOL, SETTING_LIVE, "no",
		"call flow: one column per address instead of per address:port", NULL,
		0, 0, NULL, NULL },
	[SET_UI_THEME] = { "ui.theme", SETTING_CHOICE, SETTING_LIVE, "color",
		"color, or mono (attributes only, for terminals with poor colours)", NULL,
		0, 0, themes, NULL },
	COLOR_SETTING(SET_COLOR_TITLE, "title", "white,blue", "the top bar"),
	COLOR_SETTING(SET_COLOR_HEADER, "header", "black,cyan", "column titles"),
	COLOR_SETTING(SET_COLOR_CURSOR, "cursor", "black,white", "the row under the cursor"),
	COLOR_SETTING(SET_COLOR_SELECTED, "selected", "yellow", "selected rows"),
	COLOR_SETTING(SET_COLOR_WARN, "warn", "white,red", "drops and errors"),
	COLOR_SETTING(SET_COLOR_GOOD, "good", "green", "good quality, answered calls"),
	COLOR_SETTING(SET_COLOR_BAD, "bad", "red", "bad quality, failed calls"),
	COLOR_SETTING(SET_COLOR_NOTICE, "notice", "yellow", "calls in progress, notes"),
	COLOR_SETTING(SET_COLOR_REQUEST, "request", "cyan", "requests in the flow"),
	COLOR_SETTING(SET_COLOR_RESPONSE, "response", "green", "responses in the flow"),
	COLOR_SETTING(SET_COLOR_RETRANS, "retrans", "red", "retransmissions"),
	COLOR_SETTING(SET_COLOR_SDP, "sdp", "yellow", "SDP bodies and summaries"),
	COLOR_SETTING(SET_COLOR_RTP, "rtp", "magenta", "RTP streams"),
	COLOR_SETTING(SET_COLOR_START_LINE, "start_line", "white", "request and status lines"),
	COLOR_SETTING(SET_COLOR_HEADER_NAME, "header_name", "green", "SIP header names"),
	COLOR_SETTING(SET_COLOR_DIM, "dim", "blue", "secondary text"),
	COLOR_SETTING(SET_COLOR_KEY, "key", "black,cyan", "key names in the key bar"),
	COLOR_SETTING(SET_COLOR_DIFF, "diff", "black,yellow", "lines only one side of a diff has"),
};

struct setting_value {
	char *value;
	char *saved;      /* the value as last loaded from or saved to a file */
	char origin[CONFIG_ORIGIN_LEN];
	bool window_set;  /* changed in the settings window since last saved */
	bool b;
	uint32_t u;
	double d;
};

#define CONFIG_FILES_MAX 16

struct config {
	struct setting_value v[SET_COUNT];
	struct config_alias *aliases;
	size_t alias_count;
	struct config_bind *binds;
	size_t bind_count;
	char *files[CONFIG_FILES_MAX];
	size_t file_count;
};

/* --- value checks ------------------------------------------------------- */

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

static bool check_bpf(const char *value, char *err, size_t errlen)
{
	char why[512];
	if (!value[0] || pipeline_bpf_valid(value, why, sizeof(why)))
		return true;
	snprintf(err, errlen, "bad BPF filter: %s", why);
	return false;
}

/* The eight ANSI colours, numbered as terminals (and ncurses' COLOR_*)
 * number them. */
static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};
#define TERMINAL_COLORS_MAX 256

static bool parse_one_color(const char *s, size_t len, short *out)
{
	if (len == 7 && strncasecmp(s, "default", len) == 0)
		return *out = -1, true;
	for (short i = 0; i < 8; i++)
		if (strlen(color_names[i]) == len && strncasecmp(s, color_names[i], len) == 0)
			return *out = i, true;
	if (len == 0 || len > 3)
		return false;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n >= TERMINAL_COLORS_MAX)
		return false;
	*out = (short)n;
	return true;
}

bool config_parse_color(const char *value, short *fg, short *bg)
{
	const char *comma = strchr(value, ',');
	size_t fg_len = comma ? (size_t)(comma - value) : strlen(value);
	*bg = -1;
	if (!parse_one_color(value, fg_len, fg))
		return false;
	return !comma || parse_one_color(comma + 1, strlen(comma + 1), bg);
}

static bool check_color(const char *value, char *err, size_t errlen)
{
	short fg, bg;
	if (config_parse_color(value, &fg, &bg))
		return true;
	snprintf(err, errlen,
		 "a colour is FOREGROUND[,BACKGROUND], each default, black, red, green, yellow, "
		 "blue, magenta, cyan, white or 0-255");
	return false;
}

static bool check_columns(const char *value, char *err, size_t errlen)
{
	return call_list_columns_check(value, err, errlen);
}

static bool check_sort_column(const char *value, char *err, size_t errlen)
{
	if (call_list_column_find(value) >= 0)
		return true;
	snprintf(err, errlen, "no column '%s' (columns: %s)", value, call_list_column_keys());
	return false;
}

/* Values are text for people: printable, one line. */
static bool printable_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool check_typed(enum setting_id id, const char *value, struct setting_value *out,
			char *err, size_t errlen)
{
	const struct setting_def *d = &settings[id];
	if (strlen(value) > CONFIG_VALUE_MAX) {
		snprintf(err, errlen, "%s: value longer than %d bytes", d->name, CONFIG_VALUE_MAX);
		return false;
	}
	if (!printable_line(value)) {
		snprintf(err, errlen, "%s: control characters in the value", d->name);
		return false;
	}
	switch (d->type) {
	case SETTING_BOOL:
		if (!parse_bool(value, &out->b)) {
			snprintf(err, errlen, "%s wants yes or no, not '%s'", d->name, value);
			return false;
		}
		break;
	case SETTING_UINT: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(value, &end, 10);
		if (!value[0] || *end || errno || value[0] == '-' || v < d->min || v > d->max) {
			snprintf(err, errlen, "%s wants a whole number from %.0f to %.0f, not '%s'",
				 d->name, d->min, d->max, value);
			return false;
		}
		out->u = (uint32_t)v;
		break;
	}
	case SETTING_DOUBLE: {
		char *end;
		errno = 0;
		double v = strtod(value, &end);
		if (!value[0] || *end || errno || !isfinite(v) || v < d->min || v > d->max) {
			snprintf(err, errlen, "%s wants a number from %g to %g, not '%s'", d->name,
				 d->min, d->max, value);
			return false;
		}
		out->d = v;
		break;
	}
	case SETTING_CHOICE: {
		bool found = false;
		for (size_t i = 0; d->choices[i]; i++)
			found |= strcmp(value, d->choices[i]) == 0;
		if (!found) {
			char list[256] = "";
			for (size_t i = 0; d->choices[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", d->choices[i]);
			snprintf(err, errlen, "%s wants one of %s, not '%s'", d->name, list, value);
			return false;
		}
		break;
	}
	case SETTING_STRING:
		break;
	}
	if (d->check) {
		char why[512] = "";
		if (!d->check(value, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", d->name, why);
			return false;
		}
	}
	return true;
}

bool config_check_value(enum setting_id id, const char *value, char *err, size_t errlen)
{
	struct setting_value scratch = { 0 };
	return id < SET_COUNT && check_typed(id, value, &scratch, err, errlen);
}

/* --- settings ----------------------------------------------------------- */

const struct setting_def *config_setting_def(enum setting_id id)
{
	return id < SET_COUNT ? &settings[id] : NULL;
}

int config_setting_find(const char *name, size_t len)
{
	for (int i = 0; i < SET_COUNT; i++)
		if (strlen(settings[i].name) == len && memcmp(settings[i].name, name, len) == 0)
			return i;
	return -1;
}

bool config_set(struct config *cfg, enum setting_id id, const char *value, const char *origin,
		char *err, size_t errlen)
{
	if (id >= SET_COUNT) {
		snprintf(err, errlen, "no such setting");
		return false;
	}
	struct setting_value typed = { 0 };
	if (!check_typed(id, value, &typed, err, errlen))
		return false;
	struct setting_value *v = &cfg->v[id];
	char *copy = xstrdup(value);
	free(v->value);
	v->value = copy;
	v->b = typed.b;
	v->u = typed.u;
	v->d = typed.d;
	snprintf(v->origin, sizeof(v->origin), "%s", origin);
	v->window_set = strcmp(origin, CONFIG_ORIGIN_WINDOW) == 0;
	return true;
}

const char *config_value(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT ? cfg->v[id].value : "";
}

const char *config_origin(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT ? cfg->v[id].origin : "";
}

bool config_bool(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT && cfg->v[id].b;
}

uint32_t config_uint(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT ? cfg->v[id].u : 0;
}

double config_double(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT ? cfg->v[id].d : 0;
}

bool config_changed(const struct config *cfg, enum setting_id id)
{
	return id < SET_COUNT && cfg->v[id].window_set &&
	       strcmp(cfg->v[id].value, cfg->v[id].saved) != 0;
}

struct config *config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	for (int i = 0; i < SET_COUNT; i++) {
		char err[256];
		if (!config_set(cfg, (enum setting_id)i, settings[i].default_value, CONFIG_ORIGIN_DEFAULT, err,
				sizeof(err))) {
			/* A default that does not pass its own check. */
			fprintf(stderr, "sipmon: bad default: %s\n", err);
			abort();
		}
		cfg->v[i].saved = xstrdup(cfg->v[i].value);
	}
	cfg->aliases = xcalloc(CONFIG_ALIAS_MAX, sizeof(*cfg->aliases));
	cfg->binds = xcalloc(CONFIG_BIND_MAX, sizeof(*cfg->binds));
	return cfg;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; i < SET_COUNT; i++) {
		free(cfg->v[i].value);
		free(cfg->v[i].saved);
	}
	for (size_t i = 0; i < cfg->file_count; i++)
		free(cfg->files[i]);
	free(cfg->aliases);
	free(cfg->binds);
	free(cfg);
}

/* --- aliases and binds -------------------------------------------------- */

size_t config_alias_count(const struct config *cfg)
{
	return cfg->alias_count;
}

const struct config_alias *config_alias_at(const struct config *cfg, size_t i)
{
	return i < cfg->alias_count ? &cfg->aliases[i] : NULL;
}

const char *config_alias_lookup(const struct config *cfg, const struct netaddr *a, uint16_t port)
{
	const char *any_port = NULL;
	/* The last alias of an address wins, as later lines win. */
	for (size_t i = cfg->alias_count; i-- > 0;) {
		const struct config_alias *al = &cfg->aliases[i];
		if (!netaddr_eq(&al->addr, a))
			continue;
		if (al->port && al->port == port)
			return al->name;
		if (!al->port && !any_port)
			any_port = al->name;
	}
	return any_port;
}

size_t config_bind_count(const struct config *cfg)
{
	return cfg->bind_count;
}

const struct config_bind *config_bind_at(const struct config *cfg, size_t i)
{
	return i < cfg->bind_count ? &cfg->binds[i] : NULL;
}

/* "10.0.0.1", "10.0.0.1:5060", "::1", "[::1]:5060". */
static bool parse_alias_address(struct view t, struct netaddr *addr, uint16_t *port)
{
	*port = 0;
	struct view host = t;
	struct view port_text = { NULL, 0 };
	if (t.len && t.p[0] == '[') {
		const uint8_t *close = memchr(t.p, ']', t.len);
		if (!close)
			return false;
		host = (struct view){ t.p + 1, (size_t)(close - t.p) - 1 };
		size_t used = (size_t)(close - t.p) + 1;
		if (used < t.len) {
			if (t.p[used] != ':')
				return false;
			port_text = (struct view){ t.p + used + 1, t.len - used - 1 };
		}
	} else {
		const uint8_t *colon = memchr(t.p, ':', t.len);
		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		if (colon && !memchr(colon + 1, ':', t.len - (size_t)(colon - t.p) - 1)) {
			host = (struct view){ t.p, (size_t)(colon - t.p) };
			port_text = (struct view){ colon + 1, t.len - host.len - 1 };
		}
	}
	if (port_text.p) {
		uint32_t v = 0;
		if (port_text.len == 0 || port_text.len > 5)
			return false;
		for (size_t i = 0; i < port_text.len; i++) {
			if (port_text.p[i] < '0' || port_text.p[i] > '9')
				return false;
			v = v * 10 + (uint32_t)(port_text.p[i] - '0');
		}
		if (v == 0 || v > 65535)
			return false;
		*port = (uint16_t)v;
	}
	return netaddr_parse(host, addr);
}

/* --- the file format ---------------------------------------------------- */

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static struct view trim(struct view v)
{
	while (v.len && (is_space(v.p[0]) || v.p[0] == '\r'))
		v.p++, v.len--;
	while (v.len && (is_space(v.p[v.len - 1]) || v.p[v.len - 1] == '\r'))
		v.len--;
	return v;
}

/* The next word of *rest (up to a space), advancing past it. */
static struct view next_word(struct view *rest)
{
	*rest = trim(*rest);
	size_t n = 0;
	while (n < rest->len && !is_space(rest->p[n]))
		n++;
	struct view w = { rest->p, n };
	rest->p += n;
	rest->len -= n;
	return w;
}

static bool view_is(struct view v, const char *word)
{
	return v.len == strlen(word) && memcmp(v.p, word, v.len) == 0;
}

static void copy_view(char *dst, size_t cap, struct view v)
{
	size_t n = v.len < cap - 1 ? v.len : cap - 1;
	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

static bool parse_set(struct config *cfg, struct view rest, const char *origin, char *err,
		      size_t errlen)
{
	struct view name = next_word(&rest);
	struct view value = trim(rest);
	if (!name.len) {
		snprintf(err, errlen, "set wants a setting name and a value");
		return false;
	}
	int id = config_setting_find((const char *)name.p, name.len);
	if (id < 0) {
		char n[64];
		copy_view(n, sizeof(n), name);
		snprintf(err, errlen, "unknown setting '%s'", n);
		return false;
	}
	/* "..." keeps leading and trailing spaces, or says "empty". */
	if (value.len >= 2 && value.p[0] == '"' && value.p[value.len - 1] == '"')
		value = (struct view){ value.p + 1, value.len - 2 };
	if (value.len > CONFIG_VALUE_MAX) {
		snprintf(err, errlen, "%s: value longer than %d bytes", settings[id].name,
			 CONFIG_VALUE_MAX);
		return false;
	}
	char text[CONFIG_VALUE_MAX + 1];
	copy_view(text, sizeof(text), value);
	return config_set(cfg, (enum setting_id)id, text, origin, err, errlen);
}

static bool parse_alias(struct config *cfg, struct view rest, const char *origin, char *err,
			size_t errlen)
{
	struct view addr_text = next_word(&rest);
	struct view name = trim(rest);
	if (!addr_text.len || !name.len) {
		snprintf(err, errlen, "alias wants an address and a name");
		return false;
	}
	struct config_alias al;
	memset(&al, 0, sizeof(al));
	if (!parse_alias_address(addr_text, &al.addr, &al.port)) {
		char a[64];
		copy_view(a, sizeof(a), addr_text);
		snprintf(err, errlen, "alias: '%s' is not ADDRESS or ADDRESS:PORT", a);
		return false;
	}
	if (name.len >= CONFIG_ALIAS_NAME_LEN) {
		snprintf(err, errlen, "alias: name longer than %d bytes", CONFIG_ALIAS_NAME_LEN - 1);
		return false;
	}
	copy_view(al.name, sizeof(al.name), name);
	if (!printable_line(al.name)) {
		snprintf(err, errlen, "alias: control characters in the name");
		return false;
	}
	if (cfg->alias_count >= CONFIG_ALIAS_MAX) {
		snprintf(err, errlen, "more than %d aliases", CONFIG_ALIAS_MAX);
		return false;
	}
	snprintf(al.origin, sizeof(al.origin), "%s", origin);
	cfg->aliases[cfg->alias_count++] = al;
	return true;
}

/* Keys and actions are checked by the interface's key tables when it
 * applies them (ui/keymap.c); here only their shape. */
static bool parse_bind(struct config *cfg, struct view rest, bool unbind, const char *origin,
		       char *err, size_t errlen)
{
	struct view key = next_word(&rest);
	struct view action = next_word(&rest);
	struct view extra = trim(rest);
	if (!key.len || (!unbind && !action.len) || (unbind && action.len) || extra.len) {
		snprintf(err, errlen, unbind ? "unbind wants one key" : "bind wants a key and an action");
		return false;
	}
	if (key.len >= CONFIG_KEY_NAME_LEN || action.len >= CONFIG_ACTION_NAME_LEN) {
		snprintf(err, errlen, "%s: key or action name too long", unbind ? "unbind" : "bind");
		return false;
	}
	if (cfg->bind_count >= CONFIG_BIND_MAX) {
		snprintf(err, errlen, "more than %d bind and unbind lines", CONFIG_BIND_MAX);
		return false;
	}
	struct config_bind *b = &cfg->binds[cfg->bind_count];
	copy_view(b->key, sizeof(b->key), key);
	copy_view(b->action, sizeof(b->action), action);
	if (!printable_line(b->key) || !printable_line(b->action)) {
		snprintf(err, errlen, "control characters in a key or action");
		return false;
	}
	snprintf(b->origin, sizeof(b->origin), "%s", origin);
	cfg->bind_count++;
	return true;
}

static bool parse_line(struct config *cfg, struct view line, const char *origin, char *err,
		       size_t errlen)
{
	line = trim(line);
	if (!line.len || line.p[0] == '#')
		return true;
	if (memchr(line.p, '\0', line.len)) {
		snprintf(err, errlen, "NUL byte in the line");
		return false;
	}
	struct view rest = line;
	struct view word = next_word(&rest);
	if (view_is(word, "set"))
		return parse_set(cfg, rest, origin, err, errlen);
	if (view_is(word, "alias"))
		return parse_alias(cfg, rest, origin, err, errlen);
	if (view_is(word, "bind"))
		return parse_bind(cfg, rest, false, origin, err, errlen);
	if (view_is(word, "unbind"))
		return parse_bind(cfg, rest, true, origin, err, errlen);
	char w[32];
	copy_view(w, sizeof(w), word);
	snprintf(err, errlen, "unknown directive '%s' (set, alias, bind, unbind)", w);
	return false;
}

size_t config_parse(struct config *cfg, const char *name, const char *text, size_t len,
		    FILE *errors)
{
	size_t errs = 0;
	size_t line_no = 0;
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	while (p < end) {
		line_no++;
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char origin[CONFIG_ORIGIN_LEN];
		snprintf(origin, sizeof(origin), "%s:%zu", name, line_no);
		char err[1024] = "";
		bool ok;
		if (n > CONFIG_LINE_MAX) {
			snprintf(err, sizeof(err), "line longer than %d bytes", CONFIG_LINE_MAX);
			ok = false;
		} else {
			ok = parse_line(cfg, (struct view){ p, n }, origin, err, sizeof(err));
		}
		if (!ok) {
			errs++;
			if (errors)
				fprintf(errors, "%s: %s\n", origin, err);
		}
		p += n + (nl ? 1 : 0);
	}
	return errs;
}

static char *read_bounded(const char *path, size_t *len, bool *missing, char *err, size_t errlen)
{
	*missing = false;
	FILE *f = fopen(path, "rb");
	if (!f) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "is a directory");
		return NULL;
	}
	char *buf = xmalloc(CONFIG_FILE_MAX + 1);
	size_t n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	bool failed = ferror(f);
	fclose(f);
	if (failed || n > CONFIG_FILE_MAX) {
		free(buf);
		snprintf(err, errlen, failed ? "read error" : "larger than %d bytes: not a configuration file",
			 CONFIG_FILE_MAX);
		return NULL;
	}
	*len = n;
	return buf;
}

size_t config_load_file(struct config *cfg, const char *path, bool must_exist, FILE *errors)
{
	size_t len;
	bool missing;
	char err[256];
	char *text = read_bounded(path, &len, &missing, err, sizeof(err));
	if (!text) {
		if (missing && !must_exist)
			return 0;
		if (errors)
			fprintf(errors, "%s: %s\n", path, err);
		return 1;
	}
	size_t errs = config_parse(cfg, path, text, len, errors);
	free(text);
	if (cfg->file_count < CONFIG_FILES_MAX)
		cfg->files[cfg->file_count++] = xstrdup(path);
	/* What the files say is what "changed" is measured against. */
	for (int i = 0; i < SET_COUNT; i++) {
		free(cfg->v[i].saved);
		cfg->v[i].saved = xstrdup(cfg->v[i].value);
	}
	return errs;
}

size_t config_files_read(const struct config *cfg, const char **out, size_t cap)
{
	size_t n = 0;
	for (; n < cfg->file_count && n < cap; n++)
		out[n] = cfg->files[n];
	return n;
}

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && home[0])
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

bool config_user_file(char *path, size_t cap)
{
	const char *home = home_dir();
	if (!home || !home[0])
		return false;
	snprintf(path, cap, "%s/.sipmonrc", home);
	return true;
}

size_t config_default_files(char paths[][CONFIG_ORIGIN_LEN], size_t cap)
{
	size_t n = 0;
	if (n < cap)
		snprintf(paths[n++], CONFIG_ORIGIN_LEN, "%s/sipmon.rc", SYSCONFDIR);
	if (n < cap && config_user_file(paths[n], CONFIG_ORIGIN_LEN))
		n++;
	const char *env = getenv("SIPMONRC");
	if (env && env[0] && n < cap)
		snprintf(paths[n++], CONFIG_ORIGIN_LEN, "%s", env);
	return n;
}

/* --- -D and the settings window's save ---------------------------------- */

/* A value as a `set` line needs it: quoted when spaces at its ends or an
 * empty value would otherwise be lost. */
static void format_value(const char *v, char *buf, size_t cap)
{
	size_t n = strlen(v);
	bool quote = n == 0 || is_space((uint8_t)v[0]) || is_space((uint8_t)v[n - 1]) ||
		     (v[0] == '"' && n >= 2 && v[n - 1] == '"');
	snprintf(buf, cap, quote ? "\"%s\"" : "%s", v);
}

/* -D lines end in "# origin" at this column, or one space further on. */
#define DUMP_COMMENT_COLUMN 48

void config_print_origin(FILE *out, int written, const char *origin)
{
	fprintf(out, "%*s# %s\n", written < DUMP_COMMENT_COLUMN ? DUMP_COMMENT_COLUMN - written : 1, "",
		origin);
}

void config_dump(const struct config *cfg, FILE *out)
{
	fprintf(out, "# settings: value, then where it came from\n");
	for (int i = 0; i < SET_COUNT; i++) {
		char v[CONFIG_VALUE_MAX + 3];
		format_value(cfg->v[i].value, v, sizeof(v));
		config_print_origin(out, fprintf(out, "set %s %s", settings[i].name, v),
				    cfg->v[i].origin);
	}
	fprintf(out, "# aliases\n");
	for (size_t i = 0; i < cfg->alias_count; i++) {
		const struct config_alias *al = &cfg->aliases[i];
		char a[ENDPOINT_STRLEN];
		if (al->port) {
			struct endpoint e = { .ip = al->addr, .port = al->port };
			endpoint_format(&e, a, sizeof(a));
		} else {
			netaddr_format(&al->addr, a, sizeof(a));
		}
		config_print_origin(out, fprintf(out, "alias %s %s", a, al->name), al->origin);
	}
}

/* Whether line is "set NAME ..." for this name. */
static bool is_set_line(struct view line, const char *name)
{
	struct view rest = line;
	struct view w = next_word(&rest);
	if (!view_is(w, "set"))
		return false;
	return view_is(next_word(&rest), name);
}

bool config_save_changes(struct config *cfg, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	bool missing;
	char *text = read_bounded(path, &len, &missing, err, errlen);
	if (!text && !missing)
		return false;
	if (!text) {
		text = xstrdup("");
		len = 0;
	}
	/* Lines of the old file; the last set line of a changed setting is
	 * replaced, the others are kept byte for byte. */
	size_t cap = 64, count = 0;
	struct view *lines = xmalloc(cap * sizeof(*lines));
	for (const uint8_t *p = (const uint8_t *)text, *end = p + len; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (count == cap)
			lines = xrealloc(lines, (cap *= 2) * sizeof(*lines));
		lines[count++] = (struct view){ p, n };
		p += n + (nl ? 1 : 0);
	}
	char tmp[CONFIG_ORIGIN_LEN + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		free(lines);
		free(text);
		return false;
	}
	int replace_at[SET_COUNT];
	for (int i = 0; i < SET_COUNT; i++) {
		replace_at[i] = -1;
		if (!config_changed(cfg, (enum setting_id)i))
			continue;
		for (size_t l = 0; l < count; l++)
			if (is_set_line(lines[l], settings[i].name))
				replace_at[i] = (int)l;
	}
	for (size_t l = 0; l < count; l++) {
		int which = -1;
		for (int i = 0; i < SET_COUNT; i++)
			if (replace_at[i] == (int)l)
				which = i;
		if (which >= 0) {
			char v[CONFIG_VALUE_MAX + 3];
			format_value(cfg->v[which].value, v, sizeof(v));
			fprintf(f, "set %s %s\n", settings[which].name, v);
		} else {
			fwrite(lines[l].p, 1, lines[l].len, f);
			fputc('\n', f);
		}
	}
	for (int i = 0; i < SET_COUNT; i++) {
		if (!config_changed(cfg, (enum setting_id)i) || replace_at[i] >= 0)
			continue;
		char v[CONFIG_VALUE_MAX + 3];
		format_value(cfg->v[i].value, v, sizeof(v));
		fprintf(f, "set %s %s\n", settings[i].name, v);
	}
	free(lines);
	free(text);
	bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	for (int i = 0; i < SET_COUNT; i++) {
		free(cfg->v[i].saved);
		cfg->v[i].saved = xstrdup(cfg->v[i].value);
		cfg->v[i].window_set = false;
	}
	return true;
}
