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

uint64_t endpoint_hash(const struct endpoint *e)
{
	/* Per media packet: two words mixed, no loop. */
	uint64_t lo, hi;
	memcpy(&lo, e->ip.bytes, 8);
	memcpy(&hi, e->ip.bytes + 8, 8);
	return hash_mix(lo ^ hash_mix(hi ^ ((uint64_t)e->port << 8) ^ e->ip.family));
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

/* Writes the decimal form of v (0..255) at p; returns the end. */
static char *put_octet(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

char *netaddr_format(const struct netaddr *a, char *buf, size_t cap)
{
	if (a->family == NETADDR_V4 && cap >= sizeof("255.255.255.255")) {
		/* Reports print hundreds of thousands of these: no printf. */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_octet(p, a->bytes[i]);
		}
		*p = '\0';
	} else if (a->family == NETADDR_V4) {
		if (cap)
			buf[0] = '\0'; /* callers pass NETADDR_STRLEN bytes */
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
	if (e->ip.family == NETADDR_V6) {
		snprintf(buf, cap, "[%s]:%u", ip, e->port);
		return buf;
	}
	size_t n = strlen(ip);
	if (cap < n + sizeof(":65535")) {
		if (cap)
			buf[0] = '\0'; /* callers pass ENDPOINT_STRLEN bytes */
		return buf;
	}
	memcpy(buf, ip, n);
	char *p = buf + n;
	*p++ = ':';
	char digits[6];
	int d = 0;
	unsigned port = e->port;
	do {
		digits[d++] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	while (d)
		*p++ = digits[--d];
	*p = '\0';
	return buf;
}
