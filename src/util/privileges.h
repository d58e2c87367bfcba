/* privileges.h - dropping root once devices and files are open (-Z). */
#ifndef SIPMON_UTIL_PRIVILEGES_H
#define SIPMON_UTIL_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>

/* Becomes user (its uid, gid and supplementary groups) for good; false with
 * one line in errbuf when the user is unknown or the change fails or could
 * be undone. */
bool privileges_drop(const char *user, char *errbuf, size_t errlen);

#endif
