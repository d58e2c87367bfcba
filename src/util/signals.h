/* signals.h - SIGINT/SIGTERM/SIGHUP as an event the main loop can wait for.
 *
 * The handler only sets a flag and writes one byte to a pipe (both
 * async-signal-safe); the main loop (headless or TUI) polls the pipe and
 * stops the pipeline itself.  A second signal leaves at once. */
#ifndef SIPMON_UTIL_SIGNALS_H
#define SIPMON_UTIL_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers; false when the pipe cannot be made. */
bool signals_install(void);

/* A descriptor that becomes readable when a stop was requested. */
int signals_fd(void);

bool signals_stop_requested(void);

/* A temporary file the second signal's immediate exit removes (the report
 * file's rewrite); NULL when there is none any more. */
void signals_set_cleanup_path(const char *path);

#endif
