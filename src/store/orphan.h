/* orphan.h - RTP streams no SDP announced (--orphan-rtp).
 *
 * Any UDP packet can look like RTP, so an unannounced stream is reported
 * only once it has proved itself: RFC 3550 A.1 sequence validation passed
 * and ORPHAN_MIN_PACKETS packets mostly in sequence.  Until then it is a
 * candidate.  The table is bounded: at its limit the least recently seen
 * stream (a candidate first) is forgotten and counted. */
#ifndef SIPMON_STORE_ORPHAN_H
#define SIPMON_STORE_ORPHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/rtp.h"
#include "store/media.h"

#define ORPHAN_MIN_PACKETS 8
#define ORPHAN_DEFAULT_MAX_STREAMS 4096

struct orphan_table;

struct orphan_table *orphan_table_new(size_t max_streams);
void orphan_table_free(struct orphan_table *t);

/* RFC 5761 4 and RFC 3550 5.1: whether a header could be RTP at all
 * (payload types 64..95 collide with RTCP and are never RTP). */
bool orphan_plausible(const struct rtp_header *h);

/* Accounts one packet; returns its stream. */
struct rtp_stream *orphan_table_packet(struct orphan_table *t, const struct endpoint *src,
				       const struct endpoint *dst, const struct rtp_header *h,
				       int64_t ts_ns);

/* The confirmed streams, first seen first; returns how many (at most
 * max). */
size_t orphan_table_collect(struct orphan_table *t, const struct rtp_stream **out, size_t max);
size_t orphan_table_count(const struct orphan_table *t);

size_t orphan_table_evicted(const struct orphan_table *t);

#endif
