/* netaddr.h - IPv4/IPv6 addresses and transport endpoints, with hashing and
 * the report's text form ("ip:port", "[v6]:port"). */
#ifndef SIPMON_UTIL_NETADDR_H
#define SIPMON_UTIL_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/view.h"

enum { NETADDR_V4 = 4, NETADDR_V6 = 6 };

/* Longest text form: "[" + INET6_ADDRSTRLEN + "]:" + 5 digits. */
#define ENDPOINT_STRLEN 56
#define NETADDR_STRLEN 46

struct netaddr {
	uint8_t family;     /* NETADDR_V4, NETADDR_V6, or 0 when unset */
	uint8_t bytes[16];  /* IPv4 uses the first 4; the rest stay zero */
};

struct endpoint {
	struct netaddr ip;
	uint16_t port;
};

void netaddr_set_v4(struct netaddr *a, const uint8_t b[4]);
void netaddr_set_v6(struct netaddr *a, const uint8_t b[16]);
/* Inline: compared for every media packet. */
static inline bool netaddr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

static inline bool endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && netaddr_eq(&a->ip, &b->ip);
}
uint64_t endpoint_hash(const struct endpoint *e);

/* Parses a textual IPv4 or IPv6 address (no brackets, no port). */
bool netaddr_parse(struct view text, struct netaddr *out);

/* Formats into buf (NETADDR_STRLEN / ENDPOINT_STRLEN bytes); returns buf. */
char *netaddr_format(const struct netaddr *a, char *buf, size_t cap);
char *endpoint_format(const struct endpoint *e, char *buf, size_t cap);

#endif
