/* pipeline.c - capture and dissection threads (see pipeline.h).
 *
 * Sources: all -I files share one reader thread (it merges them by
 * timestamp and waits for room: files never drop); each live device has its
 * own capture thread (it never waits: a full ring is a counted drop).  Each
 * source has its own single-producer ring; the one dissection thread takes
 * the oldest record at the head of any ring. */
#include "capture/pipeline.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/file_source.h"
#include "capture/live_source.h"
#include "capture/ring.h"
#include "util/xalloc.h"

/* The dissector holds the store's write lock for at most this many
 * records, so readers (status, TUI) wait briefly at most. */
#define DISSECT_BATCH 256
/* How long the dissection thread sleeps when every ring is empty. */
#define DISSECT_IDLE_WAIT_NS (10 * 1000 * 1000LL)
#define MAX_SOURCES (1 + PIPELINE_MAX_DEVICES)

struct source {
	struct ring *ring;
	pthread_t thread;
	bool started;
	struct live_source *live;   /* NULL for the file reader */
	uint16_t id;                /* record.source offset for live devices */
};

struct pipeline {
	struct pipeline_config cfg;
	struct dissector *dissector;
	struct store *store;
	struct file_source *files;
	struct source sources[MAX_SOURCES];
	struct ring *rings[MAX_SOURCES];
	size_t source_count;
	pthread_t dissect_thread;
	bool started;
	volatile int stop;
	uint64_t frame_number;
	_Atomic bool paused;
	_Atomic bool clear_requested;
	_Atomic bool done;
	int done_pipe[2];           /* readable once done (pipeline_done_fd()) */
	char *errors[PIPELINE_MAX_DEVICES];
	size_t error_count;
};

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct dissector *d,
			      struct store *store, char *errbuf, size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	p->done_pipe[0] = p->done_pipe[1] = -1;
	if (pipe(p->done_pipe) == 0) {
		for (int i = 0; i < 2; i++)
			fcntl(p->done_pipe[i], F_SETFD, FD_CLOEXEC);
	} else {
		p->done_pipe[0] = p->done_pipe[1] = -1; /* waiters fall back to ticks */
	}
	p->cfg = *cfg;
	p->dissector = d;
	p->store = store;
	if (cfg->device_count > PIPELINE_MAX_DEVICES) {
		snprintf(errbuf, errlen, "too many devices (at most %d)", PIPELINE_MAX_DEVICES);
		goto fail;
	}
	if (cfg->input_count) {
		p->files = file_source_open(cfg->inputs, cfg->input_count, cfg->bpf, errbuf, errlen);
		if (!p->files)
			goto fail;
		struct source *src = &p->sources[p->source_count++];
		src->ring = ring_new(PIPELINE_FILE_RING_BYTES, file_source_max_record(p->files));
		if (!src->ring) {
			snprintf(errbuf, errlen, "cannot allocate the file ring");
			goto fail;
		}
	}
	struct live_config lcfg = {
		.bpf = cfg->bpf,
		.promiscuous = cfg->promiscuous,
		.buffer_mib = cfg->buffer_mib,
	};
	size_t ring_bytes = cfg->ring_bytes ? cfg->ring_bytes : (size_t)PIPELINE_LIVE_RING_MIB << 20;
	for (size_t i = 0; i < cfg->device_count; i++) {
		struct source *src = &p->sources[p->source_count];
		src->live = live_source_open(cfg->devices[i], &lcfg, errbuf, errlen);
		if (!src->live)
			goto fail;
		src->id = (uint16_t)(cfg->input_count + i);
		src->ring = ring_new(ring_bytes, LIVE_SNAPLEN);
		p->source_count++;
		if (!src->ring) {
			snprintf(errbuf, errlen, "cannot allocate a ring of %zu bytes", ring_bytes);
			goto fail;
		}
	}
	for (size_t i = 0; i < p->source_count; i++)
		p->rings[i] = p->sources[i].ring;
	return p;
fail:
	pipeline_free(p);
	return NULL;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	file_source_free(p->files);
	for (size_t i = 0; i < p->source_count; i++) {
		live_source_free(p->sources[i].live);
		ring_free(p->sources[i].ring);
	}
	for (size_t i = 0; i < p->error_count; i++)
		free(p->errors[i]);
	for (int i = 0; i < 2; i++)
		if (p->done_pipe[i] >= 0)
			close(p->done_pipe[i]);
	free(p);
}

static void *source_main(void *arg)
{
	struct source *src = arg;
	pthread_setname_np(pthread_self(), "sipmon-capture");
	live_source_run(src->live, src->ring);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_setname_np(pthread_self(), "sipmon-read");
	file_source_run(p->files, p->sources[0].ring, p->cfg.speed, &p->stop);
	return NULL;
}

/* The ring whose head record is the oldest, or NULL when all are empty. */
static struct ring *oldest_head(struct pipeline *p, const struct ring_record **out)
{
	struct ring *best = NULL;
	const struct ring_record *best_rec = NULL;
	for (size_t i = 0; i < p->source_count; i++) {
		const struct ring_record *rec = ring_peek(p->rings[i]);
		if (rec && (!best_rec || rec->ts_ns < best_rec->ts_ns)) {
			best = p->rings[i];
			best_rec = rec;
		}
	}
	*out = best_rec;
	return best;
}

static bool all_finished(struct pipeline *p)
{
	for (size_t i = 0; i < p->source_count; i++)
		if (!ring_finished(p->rings[i]))
			return false;
	return true;
}

static void dissect_record(struct pipeline *p, const struct ring_record *rec, uint16_t source)
{
	struct frame f = {
		.ts_ns = rec->ts_ns,
		.number = ++p->frame_number,
		.caplen = rec->caplen,
		.wirelen = rec->wirelen,
		.linktype = rec->linktype,
		.source = source,
		.data = ring_record_data(rec),
		.sip_early = ring_record_extra(rec),
	};
	dissector_frame(p->dissector, &f);
}

static uint16_t source_id(struct pipeline *p, struct ring *ring, const struct ring_record *rec)
{
	for (size_t i = 0; i < p->source_count; i++)
		if (p->rings[i] == ring)
			return p->sources[i].live ? p->sources[i].id : rec->source;
	return 0;
}

static void *dissect_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_setname_np(pthread_self(), "sipmon-dissect");
	for (;;) {
		if (atomic_exchange(&p->clear_requested, false)) {
			store_write_lock(p->store);
			store_clear(p->store);
			store_write_unlock(p->store);
		}
		if (atomic_load(&p->paused) && !p->stop) {
			ring_wait_any(p->rings, p->source_count, DISSECT_IDLE_WAIT_NS);
			continue;
		}
		const struct ring_record *rec;
		struct ring *ring = oldest_head(p, &rec);
		if (!ring) {
			if (all_finished(p))
				break;
			ring_wait_any(p->rings, p->source_count, DISSECT_IDLE_WAIT_NS);
			continue;
		}
		store_write_lock(p->store);
		for (int n = 0; ring && n < DISSECT_BATCH; n++) {
			dissect_record(p, rec, source_id(p, ring, rec));
			ring_pop(ring);
			ring = p->source_count == 1 ? ring : oldest_head(p, &rec);
			if (p->source_count == 1)
				rec = ring_peek(ring);
			if (!rec)
				ring = NULL;
		}
		store_touch(p->store);
		store_write_unlock(p->store);
	}
	store_write_lock(p->store);
	dissector_finish(p->dissector);
	store_touch(p->store);
	store_write_unlock(p->store);
	atomic_store(&p->done, true);
	if (p->done_pipe[1] >= 0) {
		/* Wakes a waiter now rather than at its next tick. */
		ssize_t n;
		do
			n = write(p->done_pipe[1], "", 1);
		while (n < 0 && errno == EINTR);
	}
	return NULL;
}

bool pipeline_start(struct pipeline *p, char *errbuf, size_t errlen)
{
	if (pthread_create(&p->dissect_thread, NULL, dissect_main, p) != 0) {
		snprintf(errbuf, errlen, "cannot start the dissection thread");
		return false;
	}
	p->started = true;
	for (size_t i = 0; i < p->source_count; i++) {
		struct source *src = &p->sources[i];
		int rc = src->live ? pthread_create(&src->thread, NULL, source_main, src)
				   : pthread_create(&src->thread, NULL, reader_main, p);
		if (rc != 0) {
			snprintf(errbuf, errlen, "cannot start a capture thread");
			pipeline_stop(p);
			for (size_t k = i; k < p->source_count; k++)
				ring_finish(p->sources[k].ring);
			pipeline_wait(p);
			return false;
		}
		src->started = true;
	}
	return true;
}

void pipeline_wait(struct pipeline *p)
{
	if (!p->started)
		return;
	for (size_t i = 0; i < p->source_count; i++) {
		struct source *src = &p->sources[i];
		if (src->started) {
			pthread_join(src->thread, NULL);
			src->started = false;
			const char *err = src->live ? live_source_error(src->live) : NULL;
			if (err && p->error_count < PIPELINE_MAX_DEVICES)
				p->errors[p->error_count++] = xstrdup(err);
		}
	}
	pthread_join(p->dissect_thread, NULL);
	p->started = false;
}

/* Async-signal-safe: only flags, pcap_breakloop() and a condition
 * broadcast-free close. */
void pipeline_stop(struct pipeline *p)
{
	p->stop = 1;
	atomic_store(&p->paused, false);
	for (size_t i = 0; i < p->source_count; i++) {
		if (p->sources[i].live)
			live_source_break(p->sources[i].live);
		else
			ring_close(p->sources[i].ring);
	}
}

void pipeline_set_paused(struct pipeline *p, bool paused)
{
	atomic_store(&p->paused, paused);
}

bool pipeline_paused(const struct pipeline *p)
{
	return atomic_load(&((struct pipeline *)p)->paused);
}

void pipeline_request_clear(struct pipeline *p)
{
	if (atomic_load(&p->done)) {
		/* The dissection thread is gone: nobody else writes now. */
		store_write_lock(p->store);
		store_clear(p->store);
		store_write_unlock(p->store);
		return;
	}
	atomic_store(&p->clear_requested, true);
}

bool pipeline_done(const struct pipeline *p)
{
	return atomic_load(&((struct pipeline *)p)->done);
}

int pipeline_done_fd(const struct pipeline *p)
{
	return p->done_pipe[0];
}

void pipeline_progress(const struct pipeline *p, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	if (p->files)
		file_source_progress(p->files, done, total);
}

size_t pipeline_error_count(const struct pipeline *p)
{
	return (p->files ? file_source_error_count(p->files) : 0) + p->error_count;
}

const char *pipeline_error(const struct pipeline *p, size_t i)
{
	size_t nf = p->files ? file_source_error_count(p->files) : 0;
	if (i < nf)
		return file_source_error(p->files, i);
	i -= nf;
	return i < p->error_count ? p->errors[i] : NULL;
}

size_t pipeline_source_count(const struct pipeline *p)
{
	return (p->files ? file_source_count(p->files) : 0) + p->cfg.device_count;
}

void pipeline_source_name(const struct pipeline *p, size_t i, char *buf, size_t cap)
{
	size_t nf = p->files ? file_source_count(p->files) : 0;
	if (i >= nf) {
		snprintf(buf, cap, "device:%s", p->cfg.devices[i - nf]);
		return;
	}
	const char *path = file_source_path(p->files, i);
	if (path && strcmp(path, "-") == 0)
		snprintf(buf, cap, "stdin");
	else
		snprintf(buf, cap, "file:%s", path ? path : "?");
}

void pipeline_drops(const struct pipeline *p, struct drop_counters *out)
{
	/* Files never drop: the reader waits for the dissector. */
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->source_count; i++) {
		if (!p->sources[i].live)
			continue;
		struct live_drops d;
		live_source_drops(p->sources[i].live, &d);
		out->kernel += d.kernel;
		out->interface += d.interface;
		out->ring += d.ring;
	}
}

bool pipeline_is_live(const struct pipeline *p)
{
	return p->cfg.device_count > 0;
}

/* Compiled once against a dead Ethernet handle: a filter's syntax does not
 * depend on the input, so a bad one is found before any input is opened. */
bool pipeline_bpf_valid(const char *bpf, char *err, size_t errlen)
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
