/* test_config.c - sipmon.rc (config/config.h, ui/keymap.h): each
 * directive, every value type with its bounds, errors as FILE:LINE with
 * the earlier value kept, later lines winning, aliases with and without
 * ports, key names, bind/unbind, -D's origins, and saving only what the
 * settings window changed while keeping the user's comments. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "ui/keymap.h"
#include "ui/window.h"

/* Parses text as file "t.rc"; returns the error count and the messages. */
static size_t parse(struct config *cfg, const char *text, char *errors, size_t cap)
{
	FILE *f = fmemopen(errors, cap, "w");
	ck_assert_ptr_nonnull(f);
	size_t n = config_parse(cfg, "t.rc", text, strlen(text), f);
	fclose(f);
	return n;
}

static char errs[4096];

START_TEST(defaults_have_their_origin)
{
	struct config *cfg = config_new();
	ck_assert_str_eq(config_value(cfg, SET_CAPTURE_DEVICE), "any");
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_DEVICE), "default");
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 200000);
	ck_assert(config_bool(cfg, SET_CAPTURE_PROMISC));
	ck_assert_double_eq_tol(config_double(cfg, SET_QUALITY_MOS), 3.6, 1e-9);
	for (int i = 0; i < SET_COUNT; i++) {
		ck_assert_ptr_nonnull(config_setting_def((enum setting_id)i)->name);
		ck_assert(!config_changed(cfg, (enum setting_id)i));
	}
	config_free(cfg);
}
END_TEST

START_TEST(set_lines_of_every_type)
{
	struct config *cfg = config_new();
	const char *rc = "# comment\n"
			 "\n"
			 "   set capture.limit 5000\n"
			 "set capture.promisc off\r\n"
			 "set quality.jitter_ms 12.5\n"
			 "set list.sort_order descending\n"
			 "set capture.device eth0,eth1\n"
			 "set filter.display \"  spaced  \"\n"
			 "set save.directory \"\"\n"
			 "set color.warn 196,default\n"
			 "set list.columns index from:30 to state\n";
	ck_assert_uint_eq(parse(cfg, rc, errs, sizeof(errs)), 0);
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 5000);
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_LIMIT), "t.rc:3");
	ck_assert(!config_bool(cfg, SET_CAPTURE_PROMISC));
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_PROMISC), "t.rc:4");
	ck_assert_double_eq_tol(config_double(cfg, SET_QUALITY_JITTER_MS), 12.5, 1e-9);
	ck_assert_str_eq(config_value(cfg, SET_LIST_SORT_ORDER), "descending");
	ck_assert_str_eq(config_value(cfg, SET_CAPTURE_DEVICE), "eth0,eth1");
	ck_assert_str_eq(config_value(cfg, SET_FILTER_DISPLAY), "  spaced  ");
	ck_assert_str_eq(config_value(cfg, SET_SAVE_DIRECTORY), "");
	ck_assert_str_eq(config_value(cfg, SET_COLOR_WARN), "196,default");
	ck_assert_str_eq(config_value(cfg, SET_LIST_COLUMNS), "index from:30 to state");
	config_free(cfg);
}
END_TEST

START_TEST(bad_lines_keep_the_earlier_value)
{
	struct config *cfg = config_new();
	const char *rc = "set capture.limit 7\n"
			 "set capture.limit 0\n"                 /* 2: below the minimum */
			 "set capture.limit 12abc\n"             /* 3 */
			 "set capture.limit 99999999999\n"       /* 4: above the maximum */
			 "set capture.nosuch 1\n"                /* 5 */
			 "set capture.promisc maybe\n"           /* 6 */
			 "set quality.mos 9\n"                   /* 7 */
			 "set quality.mos nan\n"                 /* 8 */
			 "set list.sort_order sideways\n"        /* 9 */
			 "set list.columns index nosuch\n"       /* 10 */
			 "set list.columns index index\n"        /* 11 */
			 "set list.columns from:1\n"             /* 12: width too small */
			 "set color.bad purple\n"                /* 13 */
			 "set capture.bpf udp and and\n"         /* 14 */
			 "frobnicate x\n"                        /* 15 */
			 "set\n"                                 /* 16 */
			 "set list.sort nosuch\n";               /* 17 */
	ck_assert_uint_eq(parse(cfg, rc, errs, sizeof(errs)), 16);
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 7);
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_LIMIT), "t.rc:1");
	ck_assert(config_bool(cfg, SET_CAPTURE_PROMISC));
	ck_assert_double_eq_tol(config_double(cfg, SET_QUALITY_MOS), 3.6, 1e-9);
	ck_assert_str_eq(config_value(cfg, SET_COLOR_BAD), "red");
	ck_assert_str_eq(config_value(cfg, SET_LIST_SORT), "index");
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:2: capture.limit wants a whole number from 1 to"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:5: unknown setting 'capture.nosuch'"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:6: capture.promisc wants yes or no, not 'maybe'"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:9: list.sort_order wants one of ascending, descending"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:10: list.columns: no column 'nosuch'"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:11: list.columns: column index given twice"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:13: color.bad: a colour is"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:14: capture.bpf: bad BPF filter"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:15: unknown directive 'frobnicate'"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:17: list.sort: no column 'nosuch'"));
	config_free(cfg);
}
END_TEST

START_TEST(later_lines_and_files_win)
{
	struct config *cfg = config_new();
	ck_assert_uint_eq(parse(cfg, "set capture.limit 10\nset capture.limit 20\n", errs,
				sizeof(errs)), 0);
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 20);
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_LIMIT), "t.rc:2");
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	ck_assert_uint_eq(config_parse(cfg, "second.rc", "set capture.limit 30", 20, f), 0);
	fclose(f);
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 30);
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_LIMIT), "second.rc:1");
	char err[256];
	ck_assert(config_set(cfg, SET_CAPTURE_LIMIT, "40", CONFIG_ORIGIN_CMDLINE, err, sizeof(err)));
	ck_assert_str_eq(config_origin(cfg, SET_CAPTURE_LIMIT), "command line");
	config_free(cfg);
}
END_TEST

START_TEST(hostile_lines_are_bounded)
{
	struct config *cfg = config_new();
	/* A line past CONFIG_LINE_MAX, a NUL byte, control characters, a
	 * value past CONFIG_VALUE_MAX; the line after each still counts. */
	size_t long_len = CONFIG_LINE_MAX + 100;
	char *text = malloc(long_len + 256);
	memset(text, 'x', long_len);
	size_t n = long_len;
	n += (size_t)sprintf(text + n, "\nset capture.limit 9\n");
	memcpy(text + n, "set capture.device a\0b\n", 23);
	n += 23;
	n += (size_t)sprintf(text + n, "set filter.display a\x01" "b\n");
	n += (size_t)sprintf(text + n, "set capture.rotate yes");   /* no final newline */
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	size_t e = config_parse(cfg, "h.rc", text, n, f);
	fclose(f);
	ck_assert_uint_eq(e, 3);
	ck_assert_ptr_nonnull(strstr(errs, "h.rc:1: line longer than"));
	ck_assert_ptr_nonnull(strstr(errs, "h.rc:3: NUL byte"));
	ck_assert_ptr_nonnull(strstr(errs, "h.rc:4: filter.display: control characters"));
	ck_assert_uint_eq(config_uint(cfg, SET_CAPTURE_LIMIT), 9);
	ck_assert(config_bool(cfg, SET_CAPTURE_ROTATE));
	ck_assert_str_eq(config_value(cfg, SET_CAPTURE_DEVICE), "any");
	/* A value just past the limit. */
	char *big = malloc(CONFIG_VALUE_MAX + 64);
	int k = sprintf(big, "set filter.display ");
	memset(big + k, 'v', CONFIG_VALUE_MAX + 1);
	big[k + CONFIG_VALUE_MAX + 1] = '\0';
	ck_assert_uint_eq(parse(cfg, big, errs, sizeof(errs)), 1);
	ck_assert_ptr_nonnull(strstr(errs, "value longer than"));
	free(big);
	free(text);
	config_free(cfg);
}
END_TEST

START_TEST(aliases_with_and_without_ports)
{
	struct config *cfg = config_new();
	const char *rc = "alias 192.0.2.10 pbx\n"
			 "alias 192.0.2.10:5080 pbx-external\n"
			 "alias [2001:db8::1]:5060 core\n"
			 "alias 2001:db8::2 core-b\n"
			 "alias 192.0.2.300 bad\n"       /* 5 */
			 "alias 192.0.2.1:0 bad\n"       /* 6 */
			 "alias 192.0.2.1\n"             /* 7 */
			 "alias [::1 x\n";               /* 8 */
	ck_assert_uint_eq(parse(cfg, rc, errs, sizeof(errs)), 4);
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:5: alias: '192.0.2.300' is not ADDRESS"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:7: alias wants an address and a name"));
	ck_assert_uint_eq(config_alias_count(cfg), 4);
	struct netaddr a;
	ck_assert(netaddr_parse(view_cstr("192.0.2.10"), &a));
	ck_assert_str_eq(config_alias_lookup(cfg, &a, 5060), "pbx");
	ck_assert_str_eq(config_alias_lookup(cfg, &a, 5080), "pbx-external");
	ck_assert_str_eq(config_alias_lookup(cfg, &a, 0), "pbx");
	ck_assert(netaddr_parse(view_cstr("2001:db8::1"), &a));
	ck_assert_str_eq(config_alias_lookup(cfg, &a, 5060), "core");
	ck_assert_ptr_null(config_alias_lookup(cfg, &a, 5061));
	ck_assert(netaddr_parse(view_cstr("2001:db8::2"), &a));
	ck_assert_str_eq(config_alias_lookup(cfg, &a, 1234), "core-b");
	ck_assert(netaddr_parse(view_cstr("192.0.2.11"), &a));
	ck_assert_ptr_null(config_alias_lookup(cfg, &a, 5060));
	config_free(cfg);
}
END_TEST

START_TEST(key_names_round_trip)
{
	static const char *const names[] = { "a", "?", "/", "F1", "F12", "^L", "Up", "PgDn",
					     "Enter", "Esc", "Space", "Tab", "Del", "é" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int key = keymap_parse_key(names[i]);
		ck_assert_msg(key > 0, "%s", names[i]);
		char label[16];
		keymap_key_label(key, label, sizeof(label));
		ck_assert_str_eq(label, names[i]);
	}
	ck_assert_int_eq(keymap_parse_key("C-l"), keymap_parse_key("^L"));
	ck_assert_int_eq(keymap_parse_key("f5"), keymap_parse_key("F5"));
	ck_assert_int_eq(keymap_parse_key("F13"), -1);
	ck_assert_int_eq(keymap_parse_key("F0"), -1);
	ck_assert_int_eq(keymap_parse_key("ab"), -1);
	ck_assert_int_eq(keymap_parse_key("^1"), -1);
	ck_assert_int_eq(keymap_parse_key("^I"), -1);   /* that is Tab */
	ck_assert_int_eq(keymap_parse_key("\xc3"), -1); /* half a character */
	ck_assert_int_eq(keymap_parse_key("\xc0\xaf"), -1);     /* overlong '/' */
	ck_assert_int_eq(keymap_parse_key("\xed\xa0\x80"), -1); /* a surrogate */
	ck_assert_int_eq(keymap_parse_key("\xe2\x82\xac"), 0x20ac); /* the euro sign */
	ck_assert_int_eq(keymap_parse_key(""), -1);
}
END_TEST

START_TEST(bind_and_unbind_change_the_keys)
{
	struct config *cfg = config_new();
	const char *rc = "bind F9 list.rtp\n"
			 "unbind ^L\n"
			 "bind s list.raw\n"          /* s leaves list.save */
			 "bind q global.stats\n"      /* q leaves global.back */
			 "bind nokey list.rtp\n"      /* 5 */
			 "bind F9 list.nosuch\n"      /* 6 */
			 "bind F9\n";                 /* 7: shape, found by the parser */
	ck_assert_uint_eq(parse(cfg, rc, errs, sizeof(errs)), 1);
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:7: bind wants a key and an action"));
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	ck_assert_uint_eq(keymap_apply(cfg, f), 2);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:5: unknown key 'nokey'"));
	ck_assert_ptr_nonnull(strstr(errs, "t.rc:6: unknown action 'list.nosuch'"));
	const struct ui_binding *b = keymap_find(UI_WIN_CALL_LIST, keymap_parse_key("F9"));
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "list.rtp");
	ck_assert_ptr_null(keymap_find(UI_KEYMAP_GLOBAL, keymap_parse_key("^L")));
	ck_assert_ptr_nonnull(keymap_find(UI_KEYMAP_GLOBAL, keymap_parse_key("F5")));
	b = keymap_find(UI_WIN_CALL_LIST, 's');
	ck_assert_str_eq(b->name, "list.raw");
	ck_assert_str_eq(keymap_find(UI_WIN_CALL_LIST, 'S')->name, "list.save");
	ck_assert_str_eq(keymap_find(UI_KEYMAP_GLOBAL, 'q')->name, "global.stats");
	/* Help shows the keys in force. */
	size_t count = ui_window_of(UI_WIN_CALL_LIST)->binding_count;
	bool found = false;
	for (size_t i = 0; i < count; i++)
		if (strcmp(ui_window_of(UI_WIN_CALL_LIST)->bindings[i].name, "list.rtp") == 0) {
			ck_assert_ptr_nonnull(strstr(keymap_key_names(UI_WIN_CALL_LIST, i), "F9"));
			found = true;
		}
	ck_assert(found);
	/* -D says where each binding came from. */
	char dump[65536];
	f = fmemopen(dump, sizeof(dump), "w");
	keymap_dump(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(dump, "bind F9 list.rtp"));
	ck_assert_ptr_nonnull(strstr(dump, "# t.rc:1"));
	ck_assert_ptr_nonnull(strstr(dump, "bind F5 global.clear"));
	/* Applying again starts from the defaults. */
	struct config *plain = config_new();
	ck_assert_uint_eq(keymap_apply(plain, NULL), 0);
	ck_assert_str_eq(keymap_find(UI_WIN_CALL_LIST, 's')->name, "list.save");
	ck_assert_str_eq(keymap_find(UI_KEYMAP_GLOBAL, UI_CTRL('l'))->name, "global.clear");
	config_free(plain);
	config_free(cfg);
}
END_TEST

START_TEST(dump_names_each_origin)
{
	struct config *cfg = config_new();
	ck_assert_uint_eq(parse(cfg, "set capture.limit 5\nalias 10.0.0.1:5070 edge\n", errs,
				sizeof(errs)), 0);
	char err[128];
	ck_assert(config_set(cfg, SET_CAPTURE_ROTATE, "yes", CONFIG_ORIGIN_CMDLINE, err,
			     sizeof(err)));
	char dump[16384];
	FILE *f = fmemopen(dump, sizeof(dump), "w");
	config_dump(cfg, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(dump, "set capture.limit 5 "));
	ck_assert_ptr_nonnull(strstr(dump, "# t.rc:1\n"));
	ck_assert_ptr_nonnull(strstr(dump, "set capture.rotate yes"));
	ck_assert_ptr_nonnull(strstr(dump, "# command line\n"));
	ck_assert_ptr_nonnull(strstr(dump, "set capture.bpf \"\""));
	ck_assert_ptr_nonnull(strstr(dump, "alias 10.0.0.1:5070 edge"));
	ck_assert_ptr_nonnull(strstr(dump, "# t.rc:2\n"));
	config_free(cfg);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(save_rewrites_only_what_changed)
{
	char path[] = "/tmp/sipmon-test-rc-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *user = "# my settings\n"
			   "set quality.mos 3.0   \n"
			   "alias 10.0.0.1 pbx\n"
			   "# keep this comment\n"
			   "set quality.mos 3.2\n"
			   "set capture.limit 100\n";
	ck_assert_int_eq(write(fd, user, strlen(user)), (int)strlen(user));
	close(fd);
	struct config *cfg = config_new();
	ck_assert_uint_eq(config_load_file(cfg, path, true, NULL), 0);
	char err[256];
	/* The command line's values are not the user's to save. */
	ck_assert(config_set(cfg, SET_CAPTURE_LIMIT, "5", CONFIG_ORIGIN_CMDLINE, err, sizeof(err)));
	ck_assert(config_set(cfg, SET_QUALITY_MOS, "4", CONFIG_ORIGIN_WINDOW, err, sizeof(err)));
	ck_assert(config_set(cfg, SET_FLOW_COMPRESS, "yes", CONFIG_ORIGIN_WINDOW, err, sizeof(err)));
	ck_assert(config_changed(cfg, SET_QUALITY_MOS));
	ck_assert(!config_changed(cfg, SET_CAPTURE_LIMIT));
	ck_assert(config_save_changes(cfg, path, err, sizeof(err)));
	ck_assert_str_eq(slurp(path), "# my settings\n"
				      "set quality.mos 3.0   \n"
				      "alias 10.0.0.1 pbx\n"
				      "# keep this comment\n"
				      "set quality.mos 4\n"
				      "set capture.limit 100\n"
				      "set flow.compress yes\n");
	ck_assert(!config_changed(cfg, SET_QUALITY_MOS));
	/* Nothing changed: the file stays the same. */
	ck_assert(config_save_changes(cfg, path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(slurp(path), "set flow.compress yes\n"));
	/* A new file is created. */
	unlink(path);
	ck_assert(config_set(cfg, SET_UI_THEME, "mono", CONFIG_ORIGIN_WINDOW, err, sizeof(err)));
	ck_assert(config_save_changes(cfg, path, err, sizeof(err)));
	ck_assert_str_eq(slurp(path), "set ui.theme mono\n");
	/* An unwritable place is an error, not a crash. */
	ck_assert(config_set(cfg, SET_UI_THEME, "color", CONFIG_ORIGIN_WINDOW, err, sizeof(err)));
	ck_assert(!config_save_changes(cfg, "/nonexistent-dir/x.rc", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.rc"));
	unlink(path);
	config_free(cfg);
}
END_TEST

START_TEST(files_missing_or_not_text)
{
	struct config *cfg = config_new();
	ck_assert_uint_eq(config_load_file(cfg, "/nonexistent/sipmon.rc", false, NULL), 0);
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	ck_assert_uint_eq(config_load_file(cfg, "/nonexistent/sipmon.rc", true, f), 1);
	ck_assert_uint_eq(config_load_file(cfg, "/tmp", true, f), 1);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(errs, "/nonexistent/sipmon.rc: cannot read"));
	ck_assert_ptr_nonnull(strstr(errs, "/tmp: is a directory"));
	const char *read[4];
	ck_assert_uint_eq(config_files_read(cfg, read, 4), 0);
	config_free(cfg);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("settings");
	tcase_add_test(tc, defaults_have_their_origin);
	tcase_add_test(tc, set_lines_of_every_type);
	tcase_add_test(tc, bad_lines_keep_the_earlier_value);
	tcase_add_test(tc, later_lines_and_files_win);
	tcase_add_test(tc, hostile_lines_are_bounded);
	tcase_add_test(tc, dump_names_each_origin);
	tcase_add_test(tc, save_rewrites_only_what_changed);
	tcase_add_test(tc, files_missing_or_not_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("aliases");
	tcase_add_test(tc, aliases_with_and_without_ports);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_test(tc, key_names_round_trip);
	tcase_add_test(tc, bind_and_unbind_change_the_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
