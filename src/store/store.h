/* store.h - the call store: every dialog sipmon assembled, indexed by
 * Call-ID, with the media index that ties RTP to dialogs.
 *
 * The dissection thread is its only writer.  Readers (report, status, TUI)
 * take the read lock briefly; the writer holds the write lock for a batch
 * of packets at a time, never while waiting for input. */
#ifndef SIPMON_STORE_STORE_H
#define SIPMON_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/packet.h"
#include "dissect/sip.h"
#include "store/call.h"
#include "store/media.h"

/* Default dialog limit (-l), above sngrep's 20000 because memory per
 * dialog is small; see sipmon.8. */
#define STORE_DEFAULT_MAX_CALLS 200000
/* Messages kept per dialog; older ones are forgotten and counted (a
 * REGISTER refreshed every minute for a week must not grow forever). */
#define STORE_DEFAULT_MAX_MESSAGES 1000u

struct store_config {
	uint32_t max_calls;      /* -l: dialogs kept at once */
	bool rotate;             /* -R: evict the oldest at the limit */
	bool invite_only;        /* -c: keep only dialogs started by INVITE */
	bool keep_messages;      /* keep a record per message (TUI); otherwise
				    messages are only counted, messages_kept
				    stays 0 (a headless report reads none) */
	bool keep_raw;           /* keep message text (TUI, savers) */
	uint32_t max_messages;   /* per dialog */
	bool orphan_rtp;         /* --orphan-rtp: keep RTP no SDP announced */
	size_t keep_frame_bytes; /* frames kept with their dialogs for saving;
				    0 = none (headless) */
};
void store_config_default(struct store_config *cfg);

struct store_stats {
	uint64_t calls_created;
	uint64_t calls_evicted;          /* -R rotations */
	uint64_t messages_over_limit;    /* messages of dialogs refused at the limit */
	uint64_t messages_filtered;      /* messages of dialogs -c left out */
	uint64_t retransmissions;
	uint64_t kept_bytes;             /* frames kept for saving, now */
	uint64_t keep_refused;           /* frames not kept: budget full */
};

/* A SIP message as the dissector hands it over. */
struct sip_event {
	const struct frame *frame;
	struct endpoint src, dst;
	enum transport transport;
	struct view raw;            /* the whole message */
	struct sip_msg *msg;        /* parsed (sip_parse_fast: the store splits
				       From/To itself when it needs them) */
};

struct store;

struct store *store_new(const struct store_config *cfg);
void store_free(struct store *s);

/* Adds one message; returns its dialog, or NULL when it was not stored
 * (limit or -c), which is counted. */
struct call *store_sip_message(struct store *s, const struct sip_event *ev);

/* Keeps a copy of a frame with dialog call_index (writer only); counted
 * and refused once keep_frame_bytes are held. */
void store_keep_frame(struct store *s, uint64_t call_index, uint64_t number, int64_t ts_ns,
		      uint32_t caplen, uint32_t wirelen, int linktype, bool media,
		      const uint8_t *data);

/* The media endpoint a packet to dst belongs to, or NULL. */
struct media_endpoint *store_media_lookup(struct store *s, const struct endpoint *dst);

struct call *store_find(struct store *s, struct view call_id);

/* The orphan-RTP table, or NULL when --orphan-rtp is off. */
struct orphan_table *store_orphans(struct store *s);

/* Dialogs from the oldest (first seen) on; follow call->newer. */
struct call *store_oldest(struct store *s);

/* Readers that keep a reference across lock releases (the TUI) keep a
 * dialog's index, never its pointer: the dialog may be evicted meanwhile.
 * Indexes are 1-based, in creation order; [first, last] spans the stored
 * ones (first > last when none). */
struct call *store_call_by_index(struct store *s, uint64_t index);
uint64_t store_first_index(const struct store *s);
uint64_t store_last_index(const struct store *s);

/* Moves after every batch of changes (the writer calls store_touch() once
 * per batch): readers redraw only when it moved. */
uint64_t store_generation(const struct store *s);
void store_touch(struct store *s);

/* Forgets every dialog (the TUI's "clear"); writer only. */
void store_clear(struct store *s);
size_t store_call_count(const struct store *s);
const struct store_config *store_get_config(const struct store *s);
void store_get_stats(const struct store *s, struct store_stats *out);

/* Where the store counts the malformed input it finds itself (bad SDP,
 * media over a dialog's limit): the dissector's counters, on the
 * dissection thread that owns both. */
struct anomaly_counters;
void store_count_anomalies(struct store *s, struct anomaly_counters *counters);

void store_read_lock(struct store *s);
void store_read_unlock(struct store *s);
void store_write_lock(struct store *s);
void store_write_unlock(struct store *s);

#endif
