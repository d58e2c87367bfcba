/* fuzz_config.c - libFuzzer harness for sipmon.rc (config/config.h) and the
 * key bindings it carries (ui/keymap.h).
 *
 * Input: the text of a configuration file, any bytes.  It is parsed, its
 * bind/unbind lines applied to the key tables, and dumped as -D does.
 *
 * Besides the sanitizers' findings it checks what config.h promises: at
 * most one error per line, every value in force passes its own check (a
 * bad line changes nothing), every alias read is found again by its own
 * address and port, keymap errors are at most one per bind line, and the
 * dump names every setting. */
#include "fuzz.h"

#include "config/config.h"
#include "ui/keymap.h"

/* The dump of all settings, aliases and bindings fits in this. */
#define DUMP_MAX (4 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (size)
		memcpy(text, data, size);
	struct config *cfg = config_new();
	FILE *sink = fopen("/dev/null", "w");
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	size_t errs = config_parse(cfg, "fuzz.rc", text, size, sink);
	FUZZ_CHECK(errs <= lines);
	for (int i = 0; i < SET_COUNT; i++) {
		char err[512];
		FUZZ_CHECK(config_check_value((enum setting_id)i, config_value(cfg, (enum setting_id)i),
					      err, sizeof(err)));
	}
	for (size_t i = 0; i < config_alias_count(cfg); i++) {
		const struct config_alias *a = config_alias_at(cfg, i);
		FUZZ_CHECK(config_alias_lookup(cfg, &a->addr, a->port) != NULL);
	}
	size_t key_errs = keymap_apply(cfg, sink);
	FUZZ_CHECK(key_errs <= config_bind_count(cfg));
	char *dump = malloc(DUMP_MAX);
	FILE *out = fmemopen(dump, DUMP_MAX, "w");
	config_dump(cfg, out);
	keymap_dump(out);
	fclose(out);
	dump[DUMP_MAX - 1] = '\0';
	for (int i = 0; i < SET_COUNT; i++) {
		char want[128];
		snprintf(want, sizeof(want), "set %s ", config_setting_def((enum setting_id)i)->name);
		FUZZ_CHECK(strstr(dump, want) != NULL);
	}
	free(dump);
	fclose(sink);
	config_free(cfg);
	free(text);
	return 0;
}
