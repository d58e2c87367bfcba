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

#include "capture/live_source.h"
#include "capture/pipeline.h"
#include "config/config.h"
#include "dissect/dissect.h"
#include "filter/filter.h"
#include "options.h"
#include "output/headless.h"
#include "output/pcap_writer.h"
#include "output/report.h"
#include "output/saver.h"
#include "output/sip_text.h"
#include "output/text_writer.h"
#include "store/store.h"
#include "ui/keymap.h"
#include "ui/ui.h"
#include "util/privileges.h"
#include "util/signals.h"

/* The store grows by many small allocations on the dissection thread.
 * glibc gives that thread its own arena and grows it a page at a time with
 * mprotect(2) (tens of thousands of calls on a large capture); one arena
 * grown in large steps costs a handful. */
#define MALLOC_GROW_STEP (64 * 1024 * 1024)

/* --check-config lists at most this many files read. */
#define CONFIG_FILES_LISTED 16

/* sipmon.rc: the default files (unless -F), then each -f; errors go to
 * stderr as FILE:LINE: message, and the values before them stay.  The
 * command line then overrides what the files said. */
static struct config *load_configuration(struct options *o, size_t *errors)
{
	struct config *cfg = config_new();
	*errors = 0;
	if (!o->no_default_config) {
		char paths[4][CONFIG_ORIGIN_LEN];
		size_t n = config_default_files(paths, 4);
		for (size_t i = 0; i < n; i++)
			*errors += config_load_file(cfg, paths[i], false, stderr);
	}
	for (size_t i = 0; i < o->config_file_count; i++)
		*errors += config_load_file(cfg, o->config_files[i], true, stderr);
	/* Key names and actions are the interface's to check. */
	*errors += keymap_apply(cfg, stderr);
	options_merge_config(o, cfg);
	return cfg;
}

static void tune_malloc(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TOP_PAD, MALLOC_GROW_STEP);
	mallopt(M_TRIM_THRESHOLD, 2 * MALLOC_GROW_STEP);
}

/* Positional arguments: a BPF filter when they compile as one (what
 * sipmon documents); otherwise, as sngrep does, the first is a match
 * expression and the rest the BPF filter. */
static bool split_positional(struct options *o, const char **bpf, char *err, size_t errlen)
{
	*bpf = o->bpf;
	if (!o->bpf || pipeline_bpf_valid(o->bpf, err, errlen))
		return true;
	char rest_err[PCAP_ERRBUF_SIZE + 64] = "";
	if (o->bpf_rest && !pipeline_bpf_valid(o->bpf_rest, rest_err, sizeof(rest_err)))
		return false;
	o->match = o->first_arg;
	*bpf = o->bpf_rest;
	return true;
}

/* The dialog filter of --filter or of a match expression, or NULL. */
static struct filter *build_filter(struct options *o, char *err, size_t errlen, bool *failed)
{
	*failed = false;
	/* A match expression on the command line wins over sipmon.rc's
	 * filter.expression. */
	if (o->filter && o->match && o->filter_from_config)
		o->filter = NULL;
	if (o->filter && o->match) {
		snprintf(err, errlen, "give either --filter or a match expression, not both");
		*failed = true;
		return NULL;
	}
	if ((o->match_icase || o->match_invert) && !o->match) {
		snprintf(err, errlen, "-i and -v go with a match expression");
		*failed = true;
		return NULL;
	}
	if (o->match) {
		struct filter *f = filter_from_sngrep_match(o->match, o->match_icase,
							    o->match_invert, err, errlen);
		*failed = !f;
		return f;
	}
	if (!o->filter)
		return NULL;
	char msg[512];
	size_t pos = 0;
	struct filter *f = filter_compile(o->filter, msg, sizeof(msg), &pos);
	if (!f) {
		/* The expression, and a caret under where it went wrong. */
		int indent = (int)(pos < strlen(o->filter) ? pos : strlen(o->filter));
		snprintf(err, errlen, "--filter: %s\n  %s\n  %*s^", msg, o->filter, indent, "");
		*failed = true;
	}
	return f;
}

/* Frames kept with their dialogs so the interface can save them: SIP
 * always, RTP with -r (sngrep keeps RTP only then, too). */
#define KEEP_FRAME_BUDGET (256u * 1024u * 1024u)

/* Where the saver's frames go: the -O file, the --text file and, in the
 * interface, the store (for saving dialogs later). */
struct output {
	struct pcap_writer *writer;
	struct text_writer *text;
	struct saver *saver;
	struct store *store;
	bool write_media;      /* -O without --sip-only */
	bool keep;             /* the interface keeps frames */
	bool keep_media;       /* -r */
};

/* --text: each message of a passing dialog, to the text writer's thread
 * (which formats and writes it). */
static void output_messages(struct output *out, const struct saved_frame *f)
{
	for (size_t i = 0; i < f->message_count; i++) {
		const struct saved_message *m = &f->messages[i];
		if (!m->passes)
			continue;
		struct sip_text_message tm = {
			.ts_ns = f->ts_ns, .src = m->src, .dst = m->dst,
			.transport = (enum transport)m->transport, .raw = m->raw, .len = m->len,
		};
		text_writer_write(out->text, &tm);
	}
}

static void output_frame(void *ctx, const struct saved_frame *f)
{
	struct output *out = ctx;
	if (out->writer && (out->write_media || !f->media))
		pcap_writer_write(out->writer, f->ts_ns, f->caplen, f->wirelen, f->linktype,
				  f->data);
	if (out->keep && (out->keep_media || !f->media))
		for (size_t i = 0; i < f->call_count; i++)
			store_keep_frame(out->store, f->calls[i], f->number, f->ts_ns, f->caplen,
					 f->wirelen, f->linktype, f->media, f->data);
	if (out->text)
		output_messages(out, f);
}

static struct pcap_writer *rotation_target;

/* SIGUSR1 forces a rotation (the writer only sets a flag). */
static void on_sigusr1(int sig)
{
	(void)sig;
	if (rotation_target)
		pcap_writer_request_rotation(rotation_target);
}

static bool output_should_stop(void *ctx)
{
	struct output *out = ctx;
	return (out->writer && pcap_writer_wants_exit(out->writer)) ||
	       (out->text && text_writer_wants_exit(out->text));
}

/* After the pipeline has drained: the saver decides what still waits, the
 * writer writes it and closes the file. */
static void output_finish(void *ctx)
{
	struct output *out = ctx;
	if (out->saver) {
		store_write_lock(out->store);
		saver_finish(out->saver);
		store_write_unlock(out->store);
	}
	if (out->writer) {
		rotation_target = NULL;
		pcap_writer_close(out->writer);
	}
	if (out->text)
		text_writer_close(out->text);
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
	size_t config_errors;
	struct config *cfg = load_configuration(&opt, &config_errors);
	if (opt.check_config || opt.dump_config) {
		int rc = 0;
		if (opt.dump_config) {
			config_dump(cfg, stdout);
			keymap_dump(stdout);
		} else if (config_errors) {
			rc = EXIT_USAGE;
		} else {
			const char *files[CONFIG_FILES_LISTED];
			size_t n = config_files_read(cfg, files, CONFIG_FILES_LISTED);
			printf("configuration OK:");
			for (size_t i = 0; i < n; i++)
				printf(" %s", files[i]);
			printf(n ? "\n" : " no file read, defaults\n");
		}
		config_free(cfg);
		options_free(&opt);
		return rc;
	}
	const char *bpf;
	if (!split_positional(&opt, &bpf, err, sizeof(err))) {
		fprintf(stderr, "sipmon: bad filter '%s': %s\n", opt.bpf, err);
		options_free(&opt);
		config_free(cfg);
		return EXIT_USAGE;
	}
	bool filter_failed;
	struct filter *filter = build_filter(&opt, err, sizeof(err), &filter_failed);
	if (filter_failed) {
		fprintf(stderr, "sipmon: %s\n", err);
		options_free(&opt);
		config_free(cfg);
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
	/* Only the interface shows messages and their text and saves
	 * dialogs later. */
	scfg.keep_messages = interface;
	scfg.keep_raw = interface;
	scfg.keep_frame_bytes = interface ? KEEP_FRAME_BUDGET : 0;
	struct store *store = store_new(&scfg);

	struct dissect_config dcfg;
	dissect_config_default(&dcfg);
	dcfg.filter = filter;
	struct dissector *d = dissector_new(&dcfg, store);
	static struct output out;
	out.store = store;

	struct pipeline_config pcfg = {
		.inputs = opt.inputs,
		.input_count = opt.input_count,
		.devices = opt.devices,
		.device_count = opt.device_count,
		.bpf = bpf,
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
	if (opt.output) {
		struct pcap_writer_config wcfg = {
			.path = opt.output,
			.rotate_bytes = opt.rotate_bytes,
			.ring_files = opt.ring_files,
			.rotate_seconds = opt.rotate_seconds,
			.pcapng = opt.pcapng,
			.unbuffered = opt.unbuffered,
			.post_rotate = opt.post_rotate,
			/* The writer's messages would garble the interface's screen. */
			.quiet = interface,
			/* Nothing read from a file may be lost. */
			.lossless = !pipeline_is_live(p),
			/* Headless runs for days: a full disk must be seen. */
			.on_error = opt.on_write_error >= 0 ? (enum writer_error_policy)opt.on_write_error
				    : interface ? WRITER_ERROR_STOP_WRITING : WRITER_ERROR_EXIT,
		};
		signal(SIGXFSZ, SIG_IGN);
		out.writer = pcap_writer_open(&wcfg, err, sizeof(err));
		if (!out.writer) {
			fprintf(stderr, "sipmon: %s\n", err);
			status = EXIT_WRITE;
			goto out;
		}
		rotation_target = out.writer;
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;
		sigaction(SIGUSR1, &sa, NULL);
	}
	if (opt.text_output) {
		struct text_writer_config tcfg = {
			.path = opt.text_output,
			.unbuffered = opt.unbuffered,
			.quiet = interface,
			.lossless = !pipeline_is_live(p),
			.on_error = opt.on_write_error >= 0 ? (enum writer_error_policy)opt.on_write_error
				    : interface ? WRITER_ERROR_STOP_WRITING : WRITER_ERROR_EXIT,
		};
		out.text = text_writer_open(&tcfg, err, sizeof(err));
		if (!out.text) {
			fprintf(stderr, "sipmon: %s\n", err);
			status = EXIT_WRITE;
			goto out;
		}
	}
	out.write_media = !opt.sip_only;
	out.keep = interface;
	out.keep_media = opt.keep_rtp;
	if (out.writer || out.keep || out.text) {
		struct saver_config svcfg = {
			.sip_only = (!out.writer || opt.sip_only) && (!out.keep || !opt.keep_rtp),
			.filtered = filter != NULL,
			.messages = out.text != NULL,
		};
		out.saver = saver_new(&svcfg, store, output_frame, &out);
		saver_attach(out.saver, d);
	}
	/* Devices and the output file are open: root is not needed any
	 * more. */
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
	sources.filtered = filter != NULL;
	sources.saver = out.saver;
	sources.writer = out.writer;
	sources.text = out.text;
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
			.config = cfg, .config_errors = config_errors,
			.writer = out.writer, .text = out.text,
		};
		status = ui_run(&ui);
		pipeline_stop(p);
		pipeline_wait(p);
		output_finish(&out);
	} else {
		struct headless_config hcfg = {
			.status_line = !opt.quiet,
			.report_file = opt.report_file,
			.report_file_format = opt.report == REPORT_TEXT ? REPORT_TEXT : REPORT_JSON,
			.report_interval_s = opt.report_interval,
			.should_stop = output_should_stop,
			.after_drain = output_finish,
			.ctx = &out,
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
	if (out.writer) {
		struct pcap_writer_stats ws;
		pcap_writer_stats(out.writer, &ws);
		if (ws.failed) {
			/* Headless, the writer said it when it happened. */
			if (interface)
				fprintf(stderr, "sipmon: %s\n", ws.error);
			if (!interface && pcap_writer_wants_exit(out.writer))
				status = EXIT_WRITE;
		}
	}
	if (out.text) {
		struct text_writer_stats ts;
		text_writer_stats(out.text, &ts);
		if (ts.failed) {
			if (interface)
				fprintf(stderr, "sipmon: %s\n", ts.error);
			if (!interface && text_writer_wants_exit(out.text))
				status = EXIT_WRITE;
		}
	}
out:
	fflush(stdout);
#ifdef SIPMON_FREE_AT_EXIT
	/* Sanitizer builds free everything so leak checking sees a clean
	 * heap; otherwise the kernel reclaims a large store far faster than
	 * a million free() calls. */
	saver_free(out.saver);
	pcap_writer_free(out.writer);
	text_writer_free(out.text);
	pipeline_free(p);
	dissector_free(d);
	store_free(store);
	filter_free(filter);
	options_free(&opt);
	config_free(cfg);
#endif
	return status;
}
