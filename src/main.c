/* main.c - sipmon: a live SIP network sniffer for the terminal.
 * Builds the pipeline from the command line; nothing else. */
#include "config.h"

#include <malloc.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/live_source.h"
#include "capture/pipeline.h"
#include "dissect/dissect.h"
#include "options.h"
#include "output/headless.h"
#include "output/report.h"
#include "store/store.h"
#include "ui/ui.h"
#include "util/privileges.h"
#include "util/signals.h"

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

/* A filter that does not compile is a command-line error, found before any
 * input is opened. */
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
	char err[4200] = "";
	enum options_result r = options_parse(&opt, argc, argv, err, sizeof(err));
	if (r == OPTIONS_ERROR) {
		fprintf(stderr, "sipmon: %s (see sipmon --help)\n", err);
		options_free(&opt);
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
	if (opt.bpf && !bpf_syntax_ok(opt.bpf, err, sizeof(err))) {
		fprintf(stderr, "sipmon: bad filter '%s': %s\n", opt.bpf, err);
		options_free(&opt);
		return EXIT_USAGE;
	}
	/* No input named: capture live on the default device. */
	if (opt.input_count == 0 && opt.device_count == 0)
		opt.devices[opt.device_count++] = LIVE_DEFAULT_DEVICE;

	/* The terminal interface is the default.  With -N or --report, or
	 * when the output is not a terminal, the report is printed at the
	 * end instead: text unless --report says otherwise. */
	bool interface = !opt.no_interface && opt.report == REPORT_NONE &&
			 isatty(STDOUT_FILENO);
	enum report_format fmt = opt.report;
	if (fmt == REPORT_NONE && !(opt.no_interface && opt.quiet))
		fmt = REPORT_TEXT;

	struct store_config scfg;
	store_config_default(&scfg);
	scfg.max_calls = opt.limit;
	scfg.rotate = opt.rotate;
	scfg.invite_only = opt.invite_only;
	scfg.orphan_rtp = opt.orphan_rtp;
	/* Only the interface shows message text. */
	scfg.keep_raw = interface;
	struct store *store = store_new(&scfg);

	struct dissect_config dcfg;
	dissect_config_default(&dcfg);
	struct dissector *d = dissector_new(&dcfg, store);

	struct pipeline_config pcfg = {
		.inputs = opt.inputs,
		.input_count = opt.input_count,
		.devices = opt.devices,
		.device_count = opt.device_count,
		.bpf = opt.bpf,
		.ring_bytes = (size_t)opt.ring_mib << 20,
		.speed = opt.realtime,
		.promiscuous = !opt.no_promisc,
		.buffer_mib = opt.buffer_mib,
	};
	int status = 0;
	static struct report_sources sources;
	struct pipeline *p = pipeline_new(&pcfg, d, store, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sipmon: %s\n", err);
		status = EXIT_INPUT;
		goto out;
	}
	/* Devices (and, later, output files) are open: root is not needed
	 * any more. */
	if (opt.user && !privileges_drop(opt.user, err, sizeof(err))) {
		fprintf(stderr, "sipmon: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	if (!signals_install()) {
		fprintf(stderr, "sipmon: cannot set up signal handling\n");
		status = EXIT_INPUT;
		goto out;
	}
	report_sources_init(&sources, p);
	if (!pipeline_start(p, err, sizeof(err))) {
		fprintf(stderr, "sipmon: %s\n", err);
		status = EXIT_INPUT;
		goto out;
	}
	if (interface) {
		struct ui_context ui = {
			.store = store, .pipeline = p, .dissector = d,
			.mode = pipeline_is_live(p) ? "device" : opt.realtime > 0 ? "replay" : "file",
			.sources = sources.ptrs, .source_count = sources.count,
		};
		status = ui_run(&ui);
		pipeline_stop(p);
		pipeline_wait(p);
	} else {
		struct headless_config hcfg = {
			.status_line = !opt.quiet,
			.report_file = opt.report_file,
			.report_file_format = opt.report == REPORT_TEXT ? REPORT_TEXT : REPORT_JSON,
			.report_interval_s = opt.report_interval,
		};
		if (!headless_run(&hcfg, &sources, p, d, store))
			status = EXIT_INPUT;
		if (fmt != REPORT_NONE)
			report_print(fmt, &sources, p, d, store);
	}
	for (size_t i = 0; i < pipeline_error_count(p); i++) {
		fprintf(stderr, "sipmon: %s\n", pipeline_error(p, i));
		status = EXIT_INPUT;
	}
out:
	fflush(stdout);
#ifdef SIPMON_FREE_AT_EXIT
	/* Sanitizer builds free everything so leak checking sees a clean
	 * heap; otherwise the kernel reclaims a large store far faster than
	 * a million free() calls. */
	pipeline_free(p);
	dissector_free(d);
	store_free(store);
	options_free(&opt);
#endif
	return status;
}
