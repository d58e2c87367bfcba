/* headless.c - see headless.h. */
#include "output/headless.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "output/pcap_writer.h"
#include "output/text_writer.h"
#include "util/signals.h"
#include "util/timefmt.h"

#define STATUS_INTERVAL_NS (1000 * 1000 * 1000LL)
/* poll() wakes at least this often to notice the end of a file input. */
#define HEADLESS_TICK_MS 100

struct status_sample {
	int64_t at_ns;
	uint64_t packets;
};

static void print_status(const struct report_sources *rs, struct pipeline *p,
			 struct dissector *d, struct store *store, struct status_sample *last)
{
	store_read_lock(store);
	const struct capture_counters *c = dissector_counters(d);
	uint64_t packets = c->packets, streams = c->rtp_streams;
	size_t dialogs = store_call_count(store);
	store_read_unlock(store);
	struct drop_counters drops;
	pipeline_drops(p, &drops);

	int64_t now = time_monotonic_ns();
	double secs = last->at_ns ? (double)(now - last->at_ns) / 1e9 : 0;
	double rate = secs > 0 ? (double)(packets - last->packets) / secs : 0;
	last->at_ns = now;
	last->packets = packets;
	bool dropping = drops.kernel || drops.interface || drops.ring;
	/* -O and --text: what was written and what could not be, beside the
	 * capture's own drops (packets with -O, messages with --text alone). */
	char saving[96] = "";
	if (rs->writer || rs->text) {
		uint64_t saved = 0, lost = 0;
		if (rs->writer) {
			struct pcap_writer_stats ws;
			pcap_writer_stats(rs->writer, &ws);
			saved = ws.written;
			lost = ws.queue_drops + ws.write_drops;
		}
		if (rs->text) {
			struct text_writer_stats ts;
			text_writer_stats(rs->text, &ts);
			if (!rs->writer)
				saved = ts.written;
			lost += ts.queue_drops + ts.write_drops;
		}
		snprintf(saving, sizeof(saving), "  saved %" PRIu64 " not saved %" PRIu64, saved,
			 lost);
		dropping = dropping || lost;
	}
	/* \r and erase-to-end: one line rewritten in place. */
	fprintf(stderr,
		"\r\033[Ksipmon: %s%s  %.0f pkt/s  %" PRIu64 " packets  %zu dialogs  %" PRIu64
		" streams  drops: kernel %" PRIu64 " interface %" PRIu64 " ring %" PRIu64 "%s%s",
		rs->count ? rs->ptrs[0] : "", rs->count > 1 ? " (+more)" : "", rate, packets,
		dialogs, streams, drops.kernel, drops.interface, drops.ring, saving,
		dropping ? "  (INCOMPLETE)" : "");
	fflush(stderr);
}

bool headless_run(const struct headless_config *cfg, const struct report_sources *rs,
		  struct pipeline *p, struct dissector *d, struct store *store)
{
	bool status = cfg->status_line && isatty(STDERR_FILENO);
	bool ok = true;
	struct status_sample last = { 0, 0 };
	int64_t next_status = 0;
	int64_t report_every = (int64_t)cfg->report_interval_s * 1000000000LL;
	int64_t next_report = cfg->report_file ? time_monotonic_ns() + report_every : INT64_MAX;
	char err[4200];

	while (!pipeline_done(p) && !signals_stop_requested() &&
	       !(cfg->should_stop && cfg->should_stop(cfg->ctx))) {
		/* The end of the input wakes the loop at once: waiting for
		 * the next tick would add up to a tick to every file run. */
		struct pollfd pfd[] = {
			{ .fd = signals_fd(), .events = POLLIN },
			{ .fd = pipeline_done_fd(p), .events = POLLIN },
		};
		poll(pfd, sizeof(pfd) / sizeof(pfd[0]), HEADLESS_TICK_MS);
		int64_t now = time_monotonic_ns();
		if (status && now >= next_status) {
			print_status(rs, p, d, store, &last);
			next_status = now + STATUS_INTERVAL_NS;
		}
		if (now >= next_report) {
			if (!report_write_file(cfg->report_file, cfg->report_file_format, rs, p, d,
					       store, err, sizeof(err))) {
				fprintf(stderr, "%ssipmon: %s\n", status ? "\n" : "", err);
				ok = false;
			}
			next_report = now + report_every;
		}
	}
	pipeline_stop(p);
	pipeline_wait(p);
	if (cfg->after_drain)
		cfg->after_drain(cfg->ctx);
	if (status) {
		print_status(rs, p, d, store, &last);
		fputc('\n', stderr);
	}
	if (cfg->report_file &&
	    !report_write_file(cfg->report_file, cfg->report_file_format, rs, p, d, store, err,
			       sizeof(err))) {
		fprintf(stderr, "sipmon: %s\n", err);
		ok = false;
	}
	return ok;
}
