/* writer_io.c - the queue and write(2) loop both writers use (see
 * writer_io.h). */
#include "output/writer_io.h"

#include <errno.h>
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
