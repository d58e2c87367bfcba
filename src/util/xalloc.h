/* xalloc.h - allocation helpers that never return NULL (the htop way):
 * on exhaustion they restore the terminal through the registered hook,
 * say so, and abort. */
#ifndef SIPMON_UTIL_XALLOC_H
#define SIPMON_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array to hold at least need elements of size bytes: *cap
 * doubles from initial until it does, and the (maybe moved) array is
 * returned.  A size that overflows is treated as exhaustion. */
void *xreserve(void *p, size_t *cap, size_t need, size_t size, size_t initial);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Called before aborting on out-of-memory (the UI uses it to endwin()). */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif
