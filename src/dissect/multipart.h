/* multipart.h - finding the SDP part of a multipart body (RFC 2046 5.1),
 * as in SIP-I INVITEs carrying SDP and ISUP together. */
#ifndef SIPMON_DISSECT_MULTIPART_H
#define SIPMON_DISSECT_MULTIPART_H

#include <stdbool.h>

#include "util/view.h"

/* Given a message's Content-Type value and body, finds the SDP to use:
 * the body itself for application/sdp, the application/sdp part of a
 * multipart/mixed or multipart/alternative body (nested multiparts
 * followed to a small depth). */
bool multipart_find_sdp(struct view content_type, struct view body, struct view *sdp);

#endif
