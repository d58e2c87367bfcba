/* anomaly.c - names of the malformed-input reasons (see anomaly.h). */
#include "dissect/anomaly.h"

static const char *const names[ANOMALY_COUNT] = {
	[ANOMALY_NONE] = "none",
#define ANOMALY_NAME(code, name, text) [ANOMALY_##code] = name,
	ANOMALY_LIST(ANOMALY_NAME)
#undef ANOMALY_NAME
};

static const char *const descriptions[ANOMALY_COUNT] = {
	[ANOMALY_NONE] = "no anomaly",
#define ANOMALY_TEXT(code, name, text) [ANOMALY_##code] = text,
	ANOMALY_LIST(ANOMALY_TEXT)
#undef ANOMALY_TEXT
};

const char *anomaly_name(enum anomaly a)
{
	return (a >= 0 && a < ANOMALY_COUNT) ? names[a] : "unknown";
}

const char *anomaly_description(enum anomaly a)
{
	return (a >= 0 && a < ANOMALY_COUNT) ? descriptions[a] : "unknown";
}
