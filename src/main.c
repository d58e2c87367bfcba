/* main.c - sipmon: a live SIP network sniffer for the terminal.
 * Builds the pipeline from the command line; nothing else. */
#include "config.h"

#include <malloc.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pipeline.h"
#include "dissect/dissect.h"
#include "options.h"
#include "output/report.h"
#include "store/store.h"

static struct pipeline *running;
static volatile sig_atomic_t signals_seen;

/* First SIGINT/SIGTERM: stop reading, report what was read.  Second: leave
 * at once. */
static void on_signal(int sig)
{
	if (signals_seen++)
		_exit(128 + sig);
	if (running)
		pipeline_stop(running);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void print_report(enum report_format fmt, struct pipeline *p, struct dissector *d,
			 struct store *store)
{
	size_t n = pipeline_source_count(p);
	char names[OPTIONS_MAX_INPUTS][1100];
	const char *sources[OPTIONS_MAX_INPUTS];
	for (size_t i = 0; i < n && i < OPTIONS_MAX_INPUTS; i++) {
		pipeline_source_name(p, i, names[i], sizeof(names[i]));
		sources[i] = names[i];
	}
	struct report_input in = {
		.sources = sources,
		.source_count = n,
		.counters = dissector_counters(d),
		.malformed = dissector_malformed(d),
		.store = store,
	};
	pipeline_drops(p, &in.drops);
	static char out_buffer[1 << 20];
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	store_read_lock(store);
	if (fmt == REPORT_JSON)
		report_write_json(stdout, &in);
	else
		report_write_text(stdout, &in);
	store_read_unlock(store);
	fflush(stdout);
}

/* The store grows by many small allocations on the dissection thread.
 * glibc gives that thread its own arena and grows it a page at a time with
 * mprotect(2) (tens of thousands of calls on a large capture); one arena
 * grown in large steps costs a handful. */
#define MALLOC_GROW_STEP (64 * 1024 * 1024)

static void tune_malloc(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TOP_PAD, MALLOC_GROW_STEP);
	mallopt(M_TRIM_THRESHOLD, 2 * MALLOC_GROW_STEP);
}

static bool bpf_syntax_ok(const char *bpf, char *err, size_t errlen)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	bool ok = dead && pcap_compile(dead, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	else
		snprintf(err, errlen, "%s", dead ? pcap_geterr(dead) : "cannot check");
	if (dead)
		pcap_close(dead);
	return ok;
}

int main(int argc, char **argv)
{
	tune_malloc();
	struct options opt;
	char err[1024] = "";
	enum options_result r = options_parse(&opt, argc, argv, err, sizeof(err));
	if (r == OPTIONS_ERROR) {
		fprintf(stderr, "sipmon: %s (see sipmon --help)\n", err);
		return EXIT_USAGE;
	}
	if (opt.show_help) {
		options_usage(stdout);
		return 0;
	}
	if (opt.show_version) {
		printf("sipmon %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (opt.input_count == 0) {
		fprintf(stderr, "sipmon: no input: read a capture with -I FILE (see sipmon --help)\n");
		options_free(&opt);
		return EXIT_USAGE;
	}

	/* A filter that does not compile is a command-line error, found
	 * before any input is opened. */
	if (opt.bpf && !bpf_syntax_ok(opt.bpf, err, sizeof(err))) {
		fprintf(stderr, "sipmon: bad filter '%s': %s\n", opt.bpf, err);
		options_free(&opt);
		return EXIT_USAGE;
	}

	/* Without the terminal interface in this build, reading a file
	 * prints the report: text unless --report says otherwise. */
	enum report_format fmt = opt.report;
	if (fmt == REPORT_NONE && !(opt.no_interface && opt.quiet))
		fmt = REPORT_TEXT;

	struct store_config scfg;
	store_config_default(&scfg);
	scfg.max_calls = opt.limit;
	scfg.rotate = opt.rotate;
	scfg.invite_only = opt.invite_only;
	/* Nothing shows message text in a report-only run. */
	scfg.keep_raw = false;
	struct store *store = store_new(&scfg);

	struct dissect_config dcfg;
	dissect_config_default(&dcfg);
	struct dissector *d = dissector_new(&dcfg, store);

	struct pipeline_config pcfg = {
		.inputs = opt.inputs,
		.input_count = opt.input_count,
		.bpf = opt.bpf,
	};
	int status = 0;
	struct pipeline *p = pipeline_new(&pcfg, d, store, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sipmon: %s\n", err);
		status = EXIT_INPUT;
		goto out;
	}
	running = p;
	install_signals();
	if (!pipeline_start(p, err, sizeof(err))) {
		fprintf(stderr, "sipmon: %s\n", err);
		status = EXIT_INPUT;
		goto out;
	}
	pipeline_wait(p);

	if (fmt != REPORT_NONE)
		print_report(fmt, p, d, store);
	for (size_t i = 0; i < pipeline_error_count(p); i++) {
		fprintf(stderr, "sipmon: %s\n", pipeline_error(p, i));
		status = EXIT_INPUT;
	}
out:
	running = NULL;
	fflush(stdout);
#ifdef SIPMON_FREE_AT_EXIT
	/* Sanitizer builds free everything so leak checking sees a clean
	 * heap; otherwise the kernel reclaims a large store far faster than
	 * a million free() calls. */
	pipeline_free(p);
	dissector_free(d);
	store_free(store);
	options_free(&opt);
#else
	(void)p;
#endif
	return status;
}
