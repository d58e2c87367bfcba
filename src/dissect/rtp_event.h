/* rtp_event.h - RFC 4733 telephone-events (DTMF digits carried in RTP).
 *
 * One key press is sent as many packets: the same event code and RTP
 * timestamp repeated while the growing duration is updated (RFC 4733
 * 2.5.1.2), the end bit set in the last one, and that last packet sent up
 * to three times (2.5.1.4).  The tracker below folds all of them into one
 * digit, so "123#" means four key presses. */
#ifndef SIPMON_DISSECT_RTP_EVENT_H
#define SIPMON_DISSECT_RTP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

/* RFC 4733 2.3: event (8 bits), E (1), R (1), volume (6), duration (16). */
#define RTP_EVENT_PAYLOAD_LEN 4

/* RFC 4733 3.2: events 0-15 are the DTMF digits 0-9 * # A-D. */
#define RTP_EVENT_DTMF_LAST 15

/* Digits kept per stream: the report's "events" string (63 + NUL). */
#define RTP_EVENT_DIGITS_MAX 63

struct rtp_event {
	uint8_t event;        /* event code (RFC 4733 3.2 for DTMF) */
	bool end;             /* E bit: last packet(s) of the event */
	uint8_t volume;       /* -dBm0, 0..63 */
	uint16_t duration;    /* in RTP timestamp units since the event began */
};

/* Decodes the first event of a telephone-event payload; RTP_BAD when the
 * payload is shorter than RTP_EVENT_PAYLOAD_LEN. */
enum anomaly rtp_event_decode(struct view payload, struct rtp_event *out);

/* '0'-'9', '*', '#', 'A'-'D' for events 0-15, or 0 for any other event. */
char rtp_event_digit(uint8_t event);

/* Per-stream digit tracker; embedded in struct rtp_stats.  Zero-initialised
 * (or rtp_event_tracker_init) is the empty state. */
struct rtp_event_tracker {
	/* Current event: what a following packet is compared with. */
	bool active;                    /* a digit has been started */
	bool segment_full;              /* current segment reached 0xFFFF */
	uint8_t event;
	uint32_t timestamp;             /* RTP timestamp of the current event */
	uint16_t last_duration;         /* largest duration of this segment */
	uint32_t prior_segments;        /* duration of earlier segments (2.5.1.3) */
	/* What was seen. */
	uint32_t digit_count;           /* digits kept in digits[] */
	uint32_t digits_dropped;        /* digits beyond RTP_EVENT_DIGITS_MAX */
	uint32_t other_events;          /* non-DTMF events (flash, tones) */
	char digits[RTP_EVENT_DIGITS_MAX + 1];
	uint32_t duration_ts[RTP_EVENT_DIGITS_MAX]; /* per digit, clock units */
};

void rtp_event_tracker_init(struct rtp_event_tracker *t);

/* One telephone-event packet (its RTP timestamp, marker bit and decoded
 * payload).  Returns true when the packet started a new event. */
bool rtp_event_tracker_update(struct rtp_event_tracker *t, uint32_t rtp_timestamp,
			      bool marker, const struct rtp_event *ev);

/* Duration of digit i in milliseconds at clock_rate; -1 when unknown. */
double rtp_event_duration_ms(const struct rtp_event_tracker *t, size_t i,
			     uint32_t clock_rate);

#endif
