/* ipfrag.h - IP fragment reassembly (IPv4 RFC 791 section 3.2, IPv6
 * RFC 8200 section 4.5) under byte, datagram-count and capture-time limits.
 *
 * Only the fragmentable part is held and returned: the IP layer keeps the
 * addresses in the key and re-reads nothing from the per-fragment headers.
 * Overlaps are resolved deterministically: the bytes that arrived first
 * win; an overlap whose bytes differ is counted ANOMALY_FRAG_BAD. */
#ifndef SIPMON_DISSECT_IPFRAG_H
#define SIPMON_DISSECT_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "dissect/ip.h"
#include "util/netaddr.h"
#include "util/view.h"

/* No reassembled IP payload can exceed the 16-bit length fields. */
#define IPFRAG_MAX_LEN 65535u

/* Which datagram a fragment belongs to.  IPv4 keys on (src, dst, id,
 * protocol) per RFC 791 section 3.2; IPv6 on (src, dst, id) per RFC 8200
 * section 4.5, whose fragments may disagree on Next Header, so protocol
 * is 0 there. */
struct ipfrag_key {
	struct netaddr src, dst; /* family comes from here */
	uint32_t id;
	uint8_t protocol;
};

struct ipfrag_fragment {
	uint32_t offset;     /* byte offset in the fragmentable part */
	struct view data;    /* the fragment's bytes, fully captured */
	bool more;           /* MF / M flag: more fragments follow */
	uint32_t max_end;    /* longest valid datagram (FRAG_TOO_BIG past it) */
	uint8_t next_header; /* protocol of the fragmentable part; the value of
				the offset-0 fragment is kept (RFC 8200 4.5) */
};

/* A completed datagram, owned by the caller until ipfrag_datagram_free(). */
struct ipfrag_datagram {
	struct ipfrag_key key;
	uint8_t next_header;
	uint8_t *data;
	uint32_t len;
};

struct ipfrag_table;

/* anomalies may be NULL (nothing counted). */
struct ipfrag_table *ipfrag_table_new(const struct ip_limits *limits,
				      struct anomaly_counters *anomalies);
void ipfrag_table_free(struct ipfrag_table *t);

/* Adds one fragment received at now_ns.  Returns the datagram it completes
 * (detached from the table), or NULL.  Bad, oversized and evicted
 * fragments are counted, never fatal. */
struct ipfrag_datagram *ipfrag_insert(struct ipfrag_table *t,
				      const struct ipfrag_key *key,
				      const struct ipfrag_fragment *frag,
				      int64_t now_ns);
void ipfrag_datagram_free(struct ipfrag_datagram *d);

/* Drops, as ANOMALY_FRAG_TIMEOUT, every datagram whose first fragment came
 * more than the timeout before now_ns.  Datagrams expire in the order they
 * were started, so one whose capture time runs backwards waits for the
 * ones before it. */
void ipfrag_expire(struct ipfrag_table *t, int64_t now_ns);

/* Bytes of fragment data buffers held (what frag_max_bytes bounds; each
 * datagram also holds a fixed ~1.1 KiB of bookkeeping, bounded by
 * frag_max_datagrams), and datagrams in progress. */
size_t ipfrag_bytes_held(const struct ipfrag_table *t);
size_t ipfrag_datagrams_held(const struct ipfrag_table *t);

#endif
