/* signals.c - see signals.h. */
#include "util/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_count;
static int stop_pipe[2] = { -1, -1 };
/* A file being written that a hasty exit must not leave behind. */
static char cleanup_path[4096];
static volatile sig_atomic_t cleanup_set;

static void on_stop_signal(int sig)
{
	if (stop_count++) {
		/* The user insists: leave now, without the report, and without
		 * a half-written temporary file (unlink is async-signal-safe). */
		if (cleanup_set)
			unlink(cleanup_path);
		signal(sig, SIG_DFL);
		raise(sig);
		_exit(128 + sig);
	}
	if (stop_pipe[1] >= 0) {
		char b = 1;
		ssize_t unused = write(stop_pipe[1], &b, 1);
		(void)unused;
	}
}

bool signals_install(void)
{
	if (stop_pipe[0] < 0) {
		if (pipe(stop_pipe) != 0)
			return false;
		for (int i = 0; i < 2; i++) {
			fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
			fcntl(stop_pipe[i], F_SETFL, O_NONBLOCK);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal or SSH session (SIGHUP) stops the run in the same
	 * order, so a capture's output files are flushed and closed rather
	 * than cut mid-buffer.  Under nohup SIGHUP arrives ignored and stays
	 * so: the user asked the run to outlive the terminal. */
	struct sigaction old;
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	/* A closed report pipe (sipmon ... | head) must not kill the
	 * capture: writes fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	return true;
}

int signals_fd(void)
{
	return stop_pipe[0];
}

bool signals_stop_requested(void)
{
	return stop_count > 0;
}

void signals_set_cleanup_path(const char *path)
{
	cleanup_set = 0;
	if (!path)
		return;
	size_t n = strlen(path);
	if (n >= sizeof(cleanup_path))
		return;
	memcpy(cleanup_path, path, n + 1);
	/* The path is whole before the handler may look at it. */
	atomic_signal_fence(memory_order_seq_cst);
	cleanup_set = 1;
}
