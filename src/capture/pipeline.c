/* pipeline.c - reader and dissection threads (see pipeline.h). */
#include "capture/pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/file_source.h"
#include "capture/ring.h"
#include "util/xalloc.h"

/* The dissector holds the store's write lock for at most this many
 * records, so readers (status, TUI) wait briefly at most. */
#define DISSECT_BATCH 256
/* How long the dissection thread sleeps when every ring is empty. */
#define DISSECT_IDLE_WAIT_NS (10 * 1000 * 1000LL)

struct pipeline {
	struct pipeline_config cfg;
	struct dissector *dissector;
	struct store *store;
	struct file_source *files;
	struct ring *file_ring;
	pthread_t reader_thread, dissect_thread;
	bool started;
	volatile int stop;
	uint64_t frame_number;
	_Atomic bool paused;
	_Atomic bool clear_requested;
	_Atomic bool done;
};

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct dissector *d,
			      struct store *store, char *errbuf, size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	p->cfg = *cfg;
	p->dissector = d;
	p->store = store;
	p->files = file_source_open(cfg->inputs, cfg->input_count, cfg->bpf, errbuf, errlen);
	if (!p->files)
		goto fail;
	size_t ring_bytes = cfg->ring_bytes ? cfg->ring_bytes : PIPELINE_FILE_RING_BYTES;
	p->file_ring = ring_new(ring_bytes, file_source_max_record(p->files));
	if (!p->file_ring) {
		snprintf(errbuf, errlen, "cannot allocate a ring of %zu bytes", ring_bytes);
		goto fail;
	}
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
	ring_free(p->file_ring);
	free(p);
}

static void *reader_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_setname_np(pthread_self(), "sipmon-read");
	file_source_run(p->files, p->file_ring, p->cfg.speed, &p->stop);
	return NULL;
}

static void *dissect_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_setname_np(pthread_self(), "sipmon-dissect");
	struct ring *rings[1] = { p->file_ring };
	for (;;) {
		if (atomic_exchange(&p->clear_requested, false)) {
			store_write_lock(p->store);
			store_clear(p->store);
			store_write_unlock(p->store);
		}
		if (atomic_load(&p->paused) && !p->stop) {
			ring_wait_any(rings, 1, DISSECT_IDLE_WAIT_NS);
			continue;
		}
		const struct ring_record *rec = ring_peek(p->file_ring);
		if (!rec) {
			if (ring_finished(p->file_ring))
				break;
			ring_wait_any(rings, 1, DISSECT_IDLE_WAIT_NS);
			continue;
		}
		store_write_lock(p->store);
		for (int n = 0; rec && n < DISSECT_BATCH; n++) {
			struct frame f = {
				.ts_ns = rec->ts_ns,
				.number = ++p->frame_number,
				.caplen = rec->caplen,
				.wirelen = rec->wirelen,
				.linktype = rec->linktype,
				.source = rec->source,
				.data = ring_record_data(rec),
			};
			dissector_frame(p->dissector, &f);
			ring_pop(p->file_ring);
			rec = ring_peek(p->file_ring);
		}
		store_touch(p->store);
		store_write_unlock(p->store);
	}
	store_write_lock(p->store);
	dissector_finish(p->dissector);
	store_touch(p->store);
	store_write_unlock(p->store);
	atomic_store(&p->done, true);
	return NULL;
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
	atomic_store(&p->clear_requested, true);
}

bool pipeline_done(const struct pipeline *p)
{
	return atomic_load(&((struct pipeline *)p)->done);
}

bool pipeline_start(struct pipeline *p, char *errbuf, size_t errlen)
{
	if (pthread_create(&p->dissect_thread, NULL, dissect_main, p) != 0) {
		snprintf(errbuf, errlen, "cannot start the dissection thread");
		return false;
	}
	if (pthread_create(&p->reader_thread, NULL, reader_main, p) != 0) {
		snprintf(errbuf, errlen, "cannot start the reader thread");
		ring_finish(p->file_ring);
		pthread_join(p->dissect_thread, NULL);
		return false;
	}
	p->started = true;
	return true;
}

void pipeline_wait(struct pipeline *p)
{
	if (!p->started)
		return;
	pthread_join(p->reader_thread, NULL);
	pthread_join(p->dissect_thread, NULL);
	p->started = false;
}

void pipeline_stop(struct pipeline *p)
{
	p->stop = 1;
	ring_close(p->file_ring);
}

size_t pipeline_error_count(const struct pipeline *p)
{
	return file_source_error_count(p->files);
}

const char *pipeline_error(const struct pipeline *p, size_t i)
{
	return file_source_error(p->files, i);
}

size_t pipeline_source_count(const struct pipeline *p)
{
	return file_source_count(p->files);
}

void pipeline_source_name(const struct pipeline *p, size_t i, char *buf, size_t cap)
{
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
}
