/* writer_io.c - the queue and write(2) loop both writers use (see
 * writer_io.h). */
#include "output/writer_io.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

bool writer_enqueue(struct ring *queue, bool lossless, const struct ring_record *hdr,
		    const uint8_t *data, _Atomic uint64_t *drops)
{
	if (lossless ? ring_push_wait(queue, hdr, data) : ring_try_push(queue, hdr, data))
		return true;
	atomic_fetch_add_explicit(drops, 1, memory_order_relaxed);
	return false;
}

void writer_join(struct ring *queue, pthread_t thread, bool *closed)
{
	if (*closed)
		return;
	ring_finish(queue);
	pthread_join(thread, NULL);
	*closed = true;
}

bool writer_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

void writer_fail(struct writer_outcome *o, const char *message, bool say, const char *what)
{
	if (atomic_load(&o->failed))
		return;
	snprintf(o->error, sizeof(o->error), "%s", message);
	if (say)
		fprintf(stderr, "sipmon: %s; no more %s are written\n", o->error, what);
	atomic_store_explicit(&o->failed, true, memory_order_release);
	if (o->on_error == WRITER_ERROR_EXIT)
		atomic_store(&o->wants_exit, true);
}

bool writer_outcome_read(const struct writer_outcome *o, uint64_t *written, uint64_t *bytes,
			 uint64_t *queue_drops, uint64_t *write_drops,
			 char error[PCAP_WRITER_ERROR_LEN])
{
	struct writer_outcome *m = (struct writer_outcome *)o; /* atomics are read, not changed */
	bool failed = atomic_load_explicit(&m->failed, memory_order_acquire);
	*written = atomic_load(&m->written);
	*bytes = atomic_load(&m->bytes);
	*queue_drops = atomic_load(&m->queue_drops);
	*write_drops = atomic_load(&m->write_drops);
	error[0] = '\0';
	if (failed)
		snprintf(error, PCAP_WRITER_ERROR_LEN, "%s", o->error);
	return failed;
}
