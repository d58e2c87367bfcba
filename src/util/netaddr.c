/* netaddr.c - addresses and endpoints (see netaddr.h). */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/hash.h"

void netaddr_set_v4(struct netaddr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = NETADDR_V4;
	memcpy(a->bytes, b, 4);
}

void netaddr_set_v6(struct netaddr *a, const uint8_t b[16])
{
	a->family = NETADDR_V6;
	memcpy(a->bytes, b, 16);
}

bool netaddr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

bool endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && netaddr_eq(&a->ip, &b->ip);
}

uint64_t endpoint_hash(const struct endpoint *e)
{
	uint64_t h = hash_bytes(e->ip.bytes, e->ip.family == NETADDR_V6 ? 16 : 4,
				e->ip.family);
	return hash_mix(h ^ ((uint64_t)e->port << 17));
}

bool netaddr_parse(struct view text, struct netaddr *out)
{
	char buf[64];
	text = view_trim(text);
	if (text.len == 0 || text.len >= sizeof(buf))
		return false;
	view_to_cstr(text, buf, sizeof(buf));
	uint8_t b[16];
	if (inet_pton(AF_INET, buf, b) == 1) {
		netaddr_set_v4(out, b);
		return true;
	}
	if (inet_pton(AF_INET6, buf, b) == 1) {
		netaddr_set_v6(out, b);
		return true;
	}
	return false;
}

char *netaddr_format(const struct netaddr *a, char *buf, size_t cap)
{
	if (a->family == NETADDR_V4) {
		snprintf(buf, cap, "%u.%u.%u.%u", a->bytes[0], a->bytes[1],
			 a->bytes[2], a->bytes[3]);
	} else if (a->family == NETADDR_V6) {
		if (!inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)cap))
			snprintf(buf, cap, "?");
	} else {
		snprintf(buf, cap, "?");
	}
	return buf;
}

char *endpoint_format(const struct endpoint *e, char *buf, size_t cap)
{
	char ip[NETADDR_STRLEN];
	netaddr_format(&e->ip, ip, sizeof(ip));
	if (e->ip.family == NETADDR_V6)
		snprintf(buf, cap, "[%s]:%u", ip, e->port);
	else
		snprintf(buf, cap, "%s:%u", ip, e->port);
	return buf;
}
