/* sip_early.h - SIP over UDP parsed on the capture reader's thread.
 *
 * Reading a file leaves the reader thread mostly idle while the dissection
 * thread parses every SIP message.  sip_parse_fast() depends on nothing but
 * the message bytes, so the reader can run it ahead on a plain UDP datagram
 * (not an IP fragment) and pass the result along with the frame; the
 * dissector uses it only when the payload it finds is exactly the one that
 * was parsed, and parses itself otherwise. */
#ifndef SIPMON_DISSECT_SIP_EARLY_H
#define SIPMON_DISSECT_SIP_EARLY_H

#include <stdbool.h>

#include "dissect/sip.h"
#include "util/view.h"

struct sip_early {
	struct view payload;   /* the UDP payload parsed, inside the frame */
	enum anomaly result;   /* what sip_parse_fast() returned */
	struct sip_msg msg;
};

/* The payload of frame when it is one whole UDP datagram in IPv4 or IPv6
 * (no fragment, no tunnel, no IPv6 extension header) and looks like SIP
 * (sip_looks_like()); false otherwise. */
bool sip_early_payload(int linktype, struct view frame, struct view *payload);

/* Parses payload (found by sip_early_payload()) into out. */
void sip_early_parse(struct view payload, struct sip_early *out);

/* The early parse of payload, if e holds one for exactly those bytes. */
static inline struct sip_early *sip_early_for(struct sip_early *e, struct view payload)
{
	return e && e->payload.p == payload.p && e->payload.len == payload.len ? e : NULL;
}

#endif
