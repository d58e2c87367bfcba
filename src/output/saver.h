/* saver.h - which captured frames go to the output file (-O): the SIP and,
 * unless --sip-only, RTP/RTCP frames of the dialogs that pass the filter,
 * in capture order.
 *
 * A dialog may be decided after its first packets (a filter on its final
 * status is true only at the 200 OK), and TCP segments or IP fragments
 * belong to a dialog only once the message they carry completes.  Frames
 * therefore wait in a delay line, bounded in bytes and in capture time;
 * the oldest leaves when one of its dialogs passes (written), or when it is
 * too old or the line is full (not written; a dialog that passes later
 * counts those frames as lost).
 *
 * With saver_config.messages (--text), each frame also carries the SIP
 * messages that completed in it, so the text file gets the same dialogs'
 * messages in the same order, late-matched ones included. */
#ifndef SIPMON_OUTPUT_SAVER_H
#define SIPMON_OUTPUT_SAVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/dissect.h"
#include "store/store.h"

#define SAVER_DEFAULT_PENDING_MIB 64u
#define SAVER_DEFAULT_WINDOW_S 60u

/* A SIP message that completed in a frame (saver_config.messages). */
struct saved_message {
	uint64_t call;            /* its dialog's index */
	struct endpoint src, dst;
	uint8_t transport;        /* enum transport */
	bool passes;              /* its dialog passes: write it */
	uint32_t len;
	const uint8_t *raw;
};

/* A decided frame: its bytes, and the dialogs it belongs to. */
struct saved_frame {
	uint64_t number;          /* capture order */
	int64_t ts_ns;
	uint32_t caplen, wirelen;
	int linktype;
	bool media;               /* RTP/RTCP */
	const uint8_t *data;
	const uint64_t *calls;    /* dialog indexes */
	size_t call_count;
	const struct saved_message *messages; /* with saver_config.messages */
	size_t message_count;
};

/* Where decided frames go (the pcap writer, the interface's store of
 * frames for saving, or a test). */
typedef void (*saver_sink_fn)(void *ctx, const struct saved_frame *f);

struct saver_config {
	bool sip_only;               /* --sip-only: no RTP/RTCP frames */
	size_t pending_bytes;        /* the delay line's size; 0 = default */
	int64_t window_ns;           /* how long a frame may wait; 0 = default */
	bool filtered;               /* dialogs pass only once their filter_pass
					is set (the dissector evaluates --filter);
					otherwise every stored dialog passes */
	bool messages;               /* frames carry their SIP messages (--text);
					their bytes count in pending_bytes */
};

struct saver;

/* The saver hands frames to sink and reads dialogs from store (on the
 * dissection thread, under the store's write lock). */
struct saver *saver_new(const struct saver_config *cfg, struct store *store,
			saver_sink_fn sink, void *sink_ctx);
void saver_free(struct saver *s);

/* Makes the saver the dissector's observer. */
void saver_attach(struct saver *s, struct dissector *d);

/* End of input: every waiting frame is decided now. */
void saver_finish(struct saver *s);

struct saver_stats {
	uint64_t frames_written;     /* handed to the writer */
	uint64_t frames_not_matching;/* frames of dialogs that did not pass */
	uint64_t frames_lost;        /* left the line before their dialog passed */
	uint64_t messages_written;   /* of passing dialogs, handed to the sink */
	uint64_t pending_frames, pending_bytes;
};
void saver_get_stats(const struct saver *s, struct saver_stats *out);

/* Whether dialog c passes the saver's filter (the TUI shows it). */
bool saver_dialog_passes(const struct saver *s, const struct call *c);

#endif
