/* utf8.h - UTF-8 validation (RFC 3629): text from the network is shown
 * or written only once checked, so overlong forms, surrogates and code
 * points past U+10FFFF never reach a terminal or a JSON reader. */
#ifndef SIPMON_UTIL_UTF8_H
#define SIPMON_UTIL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence starting at s (n bytes available),
 * or 0 when s does not start one. */
size_t utf8_valid_len(const unsigned char *s, size_t n);

#endif
