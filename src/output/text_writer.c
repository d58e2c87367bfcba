/* text_writer.c - the --text file writer (behaviour in text_writer.h).
 *
 * The same shape as the capture-file writer, without rotation: a bounded
 * ring between the dissection thread and this writer's thread, which
 * formats each message straight into an output buffer that only ever holds
 * whole messages and goes to the kernel in one write(2) when the next
 * message might not fit, when a second has passed, or (with -U) after every
 * message.  A queued message is its addresses and transport, then its
 * bytes; the ring record's timestamp is the message's. */
#include "output/text_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/ring.h"
#include "dissect/sip.h"
#include "output/writer_io.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define NS_PER_SEC_TW 1000000000LL
/* Buffered messages reach the kernel at least this often. */
#define TEXT_FLUSH_INTERVAL_NS NS_PER_SEC_TW
/* How long the idle thread sleeps between looks at the flush timer. */
#define TEXT_IDLE_WAKE_NS (100 * 1000 * 1000LL)
/* Output buffer: a few write calls a second on a busy link, and room for
 * the longest message's text. */
#define TEXT_BUFFER_BYTES (1024u * 1024u)
_Static_assert(TEXT_BUFFER_BYTES >= SIP_TEXT_MAX_FOR(SIP_MAX_MESSAGE), "the buffer holds any message");

/* What precedes a message's bytes in the queue. */
struct queued_message {
	struct endpoint src, dst;
	uint8_t transport;
};
/* The producer wakes the sleeping thread once this share of the queue is
 * filled. */
#define TEXT_WAKE_FRACTION 16u
/* Messages taken from the queue between two looks at the timer. */
#define TEXT_BATCH_MESSAGES 1024u

struct text_writer {
	/* Producer side. */
	struct ring *queue;
	uint8_t *scratch;          /* a struct queued_message and the bytes after it */

	struct writer_outcome out; /* read by any thread */

	char *path;
	bool unbuffered;
	bool quiet;
	bool lossless;
	pthread_t thread;
	bool closed;

	/* The writer thread's own. */
	int fd;                    /* -1 once closed */
	bool seekable;
	uint8_t *buf;              /* file_bytes - flushed_bytes bytes not yet written */
	size_t buf_size;
	uint64_t file_bytes, flushed_bytes;
	uint64_t pending;          /* messages in buf */
	int64_t last_flush_ns;
};

/* Writing stops for good: one message, kept for the stats. */
static void fail_writing(struct text_writer *w, int err)
{
	char message[PCAP_WRITER_ERROR_LEN];
	snprintf(message, sizeof(message), "writing %s: %s", w->path, strerror(err));
	writer_fail(&w->out, message, !w->quiet, "messages");
}

/* A write failed: the file is cut back to the messages written whole
 * before this flush (a partial write may have left part of one), closed,
 * and the buffered messages count as lost. */
static void abandon_file(struct text_writer *w, int err)
{
	if (w->seekable && ftruncate(w->fd, (off_t)w->flushed_bytes) != 0) {
		/* Nothing better to do: the message below says writing failed. */
	}
	close(w->fd);
	w->fd = -1;
	atomic_fetch_add(&w->out.write_drops, w->pending);
	w->pending = 0;
	w->file_bytes = w->flushed_bytes;
	fail_writing(w, err);
}

static bool flush_output(struct text_writer *w, int64_t now)
{
	w->last_flush_ns = now;
	if (w->fd < 0 || w->file_bytes == w->flushed_bytes)
		return true;
	errno = 0;
	if (!writer_write_all(w->fd, w->buf, (size_t)(w->file_bytes - w->flushed_bytes))) {
		abandon_file(w, errno ? errno : EIO);
		return false;
	}
	atomic_fetch_add(&w->out.written, w->pending);
	atomic_fetch_add(&w->out.bytes, w->file_bytes - w->flushed_bytes);
	w->flushed_bytes = w->file_bytes;
	w->pending = 0;
	return true;
}

static void write_message(struct text_writer *w, const struct ring_record *rec)
{
	if (w->fd < 0 || rec->caplen < sizeof(struct queued_message)) {
		atomic_fetch_add(&w->out.write_drops, 1);
		return;
	}
	struct queued_message q;
	memcpy(&q, ring_record_data(rec), sizeof(q));
	struct sip_text_message m = {
		.ts_ns = rec->ts_ns, .src = q.src, .dst = q.dst, .transport = (enum transport)q.transport,
		.raw = ring_record_data(rec) + sizeof(q), .len = rec->caplen - sizeof(q),
	};
	size_t most = sip_text_max_bytes(m.len);
	if (w->file_bytes - w->flushed_bytes + most > w->buf_size && !flush_output(w, time_monotonic_ns())) {
		atomic_fetch_add(&w->out.write_drops, 1);
		return;
	}
	size_t len = sip_text_format(&m, w->buf + (w->file_bytes - w->flushed_bytes), most);
	w->file_bytes += len;
	w->pending++;
	if (w->unbuffered)
		flush_output(w, time_monotonic_ns());
}

static void *writer_thread(void *arg)
{
	struct text_writer *w = arg;
	struct ring *const rings[1] = { w->queue };
	pthread_setname_np(pthread_self(), "sipmon-text");
	for (;;) {
		int64_t now = time_monotonic_ns();
		if (now - w->last_flush_ns >= TEXT_FLUSH_INTERVAL_NS)
			flush_output(w, now);
		unsigned n = 0;
		struct ring_cursor cur;
		ring_cursor_start(w->queue, &cur);
		for (const struct ring_record *rec; n < TEXT_BATCH_MESSAGES && (rec = ring_cursor_next(w->queue, &cur)); n++)
			write_message(w, rec);
		ring_release(w->queue, &cur);
		if (n)
			continue;
		if (ring_finished(w->queue))
			break;
		ring_wait_any(rings, 1, TEXT_IDLE_WAKE_NS);
	}
	if (w->fd >= 0 && flush_output(w, time_monotonic_ns())) {
		int fd = w->fd;
		w->fd = -1;
		if (close(fd) != 0)
			fail_writing(w, errno);
	}
	return NULL;
}

static void writer_free_memory(struct text_writer *w)
{
	ring_free(w->queue);
	free(w->scratch);
	free(w->buf);
	free(w->path);
	free(w);
}

struct text_writer *text_writer_open(const struct text_writer_config *cfg, char *errbuf, size_t errlen)
{
	if (!cfg->path || !cfg->path[0]) {
		snprintf(errbuf, errlen, "no text file name");
		return NULL;
	}
	/* A file-size limit must show as EFBIG, not kill the program. */
	signal(SIGXFSZ, SIG_IGN);
	struct text_writer *w = xcalloc(1, sizeof(*w));
	w->fd = -1;
	w->path = xstrdup(cfg->path);
	w->scratch = xmalloc(sizeof(struct queued_message) + SIP_MAX_MESSAGE);
	w->unbuffered = cfg->unbuffered;
	w->quiet = cfg->quiet;
	w->lossless = cfg->lossless;
	w->out.on_error = cfg->on_error;
	w->buf_size = TEXT_BUFFER_BYTES;
	w->buf = xmalloc(w->buf_size);
	size_t queue_bytes = cfg->queue_bytes ? cfg->queue_bytes : TEXT_WRITER_DEFAULT_QUEUE_BYTES;
	w->queue = ring_new(queue_bytes, sizeof(struct queued_message) + SIP_MAX_MESSAGE);
	if (!w->queue) {
		snprintf(errbuf, errlen, "cannot allocate a %zu-byte queue for the text file", queue_bytes);
		writer_free_memory(w);
		return NULL;
	}
	/* Woken for a batch, not for every message (the thread looks by
	 * itself every TEXT_IDLE_WAKE_NS); with -U for every message. */
	if (!w->unbuffered)
		ring_set_wake_bytes(w->queue, ring_capacity(w->queue) / TEXT_WAKE_FRACTION);
	w->fd = open(cfg->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (w->fd < 0) {
		snprintf(errbuf, errlen, "cannot create %s: %s", cfg->path, strerror(errno));
		writer_free_memory(w);
		return NULL;
	}
	struct stat st;
	w->seekable = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode);
	w->last_flush_ns = time_monotonic_ns();

	/* Signals belong to the main thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(errbuf, errlen, "cannot start the text file writer: %s", strerror(rc));
		close(w->fd);
		writer_free_memory(w);
		return NULL;
	}
	return w;
}

bool text_writer_write(struct text_writer *w, const struct sip_text_message *m)
{
	size_t len = m->raw ? m->len : 0;
	if (atomic_load_explicit(&w->out.failed, memory_order_relaxed) || len > SIP_MAX_MESSAGE) {
		atomic_fetch_add_explicit(&w->out.write_drops, 1, memory_order_relaxed);
		return false;
	}
	struct queued_message q;
	memset(&q, 0, sizeof(q));
	q.src = m->src;
	q.dst = m->dst;
	q.transport = (uint8_t)m->transport;
	memcpy(w->scratch, &q, sizeof(q));
	if (len)
		memcpy(w->scratch + sizeof(q), m->raw, len);
	struct ring_record hdr = { .ts_ns = m->ts_ns, .caplen = (uint32_t)(sizeof(q) + len) };
	return writer_enqueue(w->queue, w->lossless, &hdr, w->scratch, &w->out.queue_drops);
}

void text_writer_close(struct text_writer *w)
{
	if (w)
		writer_join(w->queue, w->thread, &w->closed);
}

void text_writer_free(struct text_writer *w)
{
	if (!w)
		return;
	text_writer_close(w);
	writer_free_memory(w);
}

void text_writer_stats(const struct text_writer *w, struct text_writer_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->failed = writer_outcome_read(&w->out, &out->written, &out->bytes, &out->queue_drops,
					  &out->write_drops, out->error);
}

bool text_writer_wants_exit(const struct text_writer *w)
{
	return atomic_load(&((struct text_writer *)w)->out.wants_exit);
}
