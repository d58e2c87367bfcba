/* live_source.h - capturing from a network device with libpcap.
 *
 * Each device has its own capture thread and ring.  The thread never waits
 * for the dissector: when the ring is full the packet is dropped and
 * counted, so a busy server sees drops in the status, not a stalled
 * capture.  Kernel and interface drops come from pcap_stats(). */
#ifndef SIPMON_CAPTURE_LIVE_SOURCE_H
#define SIPMON_CAPTURE_LIVE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/ring.h"

/* Defaults documented in sipmon.8. */
#define LIVE_DEFAULT_DEVICE "any"
#define LIVE_DEFAULT_BUFFER_MIB 32
#define LIVE_SNAPLEN 262144

struct live_config {
	const char *bpf;       /* may be NULL */
	bool promiscuous;
	unsigned buffer_mib;   /* kernel buffer (-B) */
};

struct live_source;

/* Opens and activates device; NULL with one line in errbuf on failure
 * (permission, no such device, bad filter). */
struct live_source *live_source_open(const char *device, const struct live_config *cfg,
				     char *errbuf, size_t errlen);
void live_source_free(struct live_source *ls);

/* Capture thread body: copies every packet into ring until
 * live_source_break() or a device error (then errbuf-style text is kept,
 * see live_source_error()).  Finishes the ring on return. */
void live_source_run(struct live_source *ls, struct ring *ring);

/* Makes live_source_run() return soon (async-signal-safe). */
void live_source_break(struct live_source *ls);

struct live_drops {
	uint64_t kernel, interface, ring;
	uint64_t captured;
};
void live_source_drops(const struct live_source *ls, struct live_drops *out);

const char *live_source_error(const struct live_source *ls); /* NULL when none */

#endif
