/* rtp_event.c - RFC 4733 telephone-event decoding and digit tracking. */
#include "dissect/rtp_event.h"

#include <string.h>

#define RTP_EVENT_END_BIT 0x80
#define RTP_EVENT_VOLUME_MASK 0x3f
/* RFC 4733 2.5.1.3: a segment's duration field saturates at 0xFFFF; a
 * longer event continues in a new segment with a new timestamp. */
#define RTP_EVENT_DURATION_MAX 0xffffu
#define MS_PER_SECOND 1000.0

enum anomaly rtp_event_decode(struct view payload, struct rtp_event *out)
{
	uint8_t event, flags;
	uint16_t duration;
	if (!view_u8(payload, 0, &event) || !view_u8(payload, 1, &flags) ||
	    !view_be16(payload, 2, &duration))
		return ANOMALY_RTP_BAD;
	out->event = event;
	out->end = (flags & RTP_EVENT_END_BIT) != 0;
	out->volume = flags & RTP_EVENT_VOLUME_MASK;
	out->duration = duration;
	return ANOMALY_NONE;
}

char rtp_event_digit(uint8_t event)
{
	/* RFC 4733 3.2: 0-9, then * (10), # (11), A-D (12-15). */
	static const char dtmf[RTP_EVENT_DTMF_LAST + 1] = "0123456789*#ABCD";
	return event <= RTP_EVENT_DTMF_LAST ? dtmf[event] : 0;
}

void rtp_event_tracker_init(struct rtp_event_tracker *t)
{
	memset(t, 0, sizeof(*t));
}

/* The slot of the current digit in duration_ts, or NULL when the current
 * event is not a kept digit. */
static uint32_t *current_duration(struct rtp_event_tracker *t)
{
	if (!t->active || rtp_event_digit(t->event) == 0 || t->digit_count == 0 ||
	    t->digits_dropped > 0)
		return NULL;
	return &t->duration_ts[t->digit_count - 1];
}

static void note_duration(struct rtp_event_tracker *t, uint16_t duration)
{
	if (duration > t->last_duration)
		t->last_duration = duration;
	if (t->last_duration == RTP_EVENT_DURATION_MAX)
		t->segment_full = true;
	uint32_t *d = current_duration(t);
	if (d)
		*d = t->prior_segments + t->last_duration;
}

static void start_event(struct rtp_event_tracker *t, uint32_t rtp_timestamp,
			const struct rtp_event *ev)
{
	t->active = true;
	t->segment_full = false;
	t->event = ev->event;
	t->timestamp = rtp_timestamp;
	t->last_duration = 0;
	t->prior_segments = 0;
	char c = rtp_event_digit(ev->event);
	if (c == 0) {
		t->other_events++;
	} else if (t->digit_count < RTP_EVENT_DIGITS_MAX && t->digits_dropped == 0) {
		t->digits[t->digit_count] = c;
		t->duration_ts[t->digit_count] = 0;
		t->digit_count++;
		t->digits[t->digit_count] = '\0';
	} else {
		/* Once one digit is dropped, later ones are too: the string
		 * stays a prefix of what was dialled. */
		t->digits_dropped++;
	}
	note_duration(t, ev->duration);
}

bool rtp_event_tracker_update(struct rtp_event_tracker *t, uint32_t rtp_timestamp,
			      bool marker, const struct rtp_event *ev)
{
	if (t->active && rtp_timestamp == t->timestamp && ev->event == t->event) {
		/* 2.5.1.2 updates and 2.5.1.4 end retransmissions. */
		note_duration(t, ev->duration);
		return false;
	}
	/* A packet of an earlier event arriving late (its timestamp is
	 * before the current event's) must not start a digit again. */
	if (t->active && (int32_t)(rtp_timestamp - t->timestamp) < 0)
		return false;
	if (t->active && ev->event == t->event && t->segment_full && !marker) {
		/* 2.5.1.3: next segment of a long event, same key press. */
		t->prior_segments += t->last_duration;
		t->timestamp = rtp_timestamp;
		t->last_duration = 0;
		t->segment_full = false;
		note_duration(t, ev->duration);
		return false;
	}
	start_event(t, rtp_timestamp, ev);
	return true;
}

double rtp_event_duration_ms(const struct rtp_event_tracker *t, size_t i,
			     uint32_t clock_rate)
{
	if (i >= t->digit_count || clock_rate == 0)
		return -1.0;
	return (double)t->duration_ts[i] * MS_PER_SECOND / (double)clock_rate;
}
