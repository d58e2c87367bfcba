/* replay_main.c - runs a fuzz harness's entry point over files, without
 * libFuzzer: `make check` uses it to replay every regression input (and
 * the seeds) in the ordinary and the sanitizer builds.
 *
 * Usage: replay_X FILE|DIR...  Each file is read into a buffer of exactly
 * its size, as libFuzzer does, and handed over once; directories are
 * walked one level, in name order.  Exits 0 when every input ran (a
 * finding aborts the process, which is the failure the test sees). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Largest input replayed; libFuzzer's own default -max_len is far below. */
#define REPLAY_MAX_INPUT (16u * 1024 * 1024)

static int replay_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		abort();
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len > REPLAY_MAX_INPUT) {
			fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
				REPLAY_MAX_INPUT);
			fclose(f);
			free(buf);
			return -1;
		}
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		return -1;
	}
	/* Exact size, so a read past the input is an ASan report here too. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		abort();
	if (len)
		memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	(*count)++;
	return 0;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *path, unsigned long *count)
{
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue; /* ., .., and hidden files such as .gitkeep */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			abort();
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_order);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *full;
		if (asprintf(&full, "%s/%s", path, names[i]) < 0)
			abort();
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && replay_file(full, count) < 0)
			rc = -1;
		free(full);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	unsigned long count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (replay_file(argv[i], &count) < 0) {
			rc = 1;
		}
	}
	printf("%s: %lu inputs replayed\n", argv[0], count);
	return rc;
}
