/* options.h - the command line.  Letters follow sngrep where sngrep has
 * them (so its users feel at home) and tcpdump for file rotation. */
#ifndef SIPMON_OPTIONS_H
#define SIPMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "output/report.h"

#define OPTIONS_MAX_INPUTS 64
#define OPTIONS_MAX_DEVICES 16
#define OPTIONS_MAX_CONFIG_FILES 8
/* --report-interval default, in seconds. */
#define OPTIONS_DEFAULT_REPORT_INTERVAL 10

struct options {
	const char *inputs[OPTIONS_MAX_INPUTS]; /* -I, repeatable */
	size_t input_count;
	bool no_interface;          /* -N */
	bool quiet;                 /* -q */
	bool invite_only;           /* -c */
	uint32_t limit;             /* -l */
	bool rotate;                /* -R */
	enum report_format report;  /* --report[=json|text] */
	const char *devices[OPTIONS_MAX_DEVICES]; /* -d, comma lists split */
	size_t device_count;
	char *device_arg_copy[OPTIONS_MAX_DEVICES];
	size_t device_arg_count;
	uint32_t buffer_mib;        /* -B */
	uint32_t ring_mib;          /* --ring-size */
	bool no_promisc;            /* --no-promisc */
	double realtime;            /* --realtime[=SPEED]: 0 = off */
	const char *report_file;    /* --report-file */
	uint32_t report_interval;   /* --report-interval, seconds */
	const char *user;           /* -Z */
	bool orphan_rtp;            /* --orphan-rtp */
	bool keep_rtp;              /* -r: keep RTP frames for saving (sngrep) */
	/* Saving (-O) and filtering. */
	const char *output;         /* -O */
	const char *text_output;    /* --text */
	uint64_t rotate_bytes;      /* -C, with k/M/G */
	uint32_t ring_files;        /* -W */
	uint32_t rotate_seconds;    /* -G */
	bool unbuffered;            /* -U */
	bool pcapng;                /* --pcapng */
	const char *post_rotate;    /* --post-rotate */
	int on_write_error;         /* --on-write-error: -1 default, else enum writer_error_policy */
	bool sip_only;              /* --sip-only */
	const char *filter;         /* --filter */
	bool match_icase;           /* -i */
	bool match_invert;          /* -v */
	const char *match;          /* sngrep's positional match expression, when any */
	char *bpf;                  /* trailing arguments joined by spaces */
	const char *first_arg;      /* the first trailing argument */
	char *bpf_rest;             /* the ones after it, joined (NULL if none) */
	bool show_help;
	bool show_version;
	/* Configuration (sipmon.rc). */
	const char *config_files[OPTIONS_MAX_CONFIG_FILES]; /* -f, read after the default ones */
	size_t config_file_count;
	bool no_default_config;     /* -F */
	bool dump_config;           /* -D */
	bool check_config;          /* --check-config */
	bool filter_from_config;    /* filter is filter.expression, not --filter */
	/* Settings the command line gave, as text for -D (NULL: not given). */
	const char *given[SET_COUNT];
	char *given_copy;           /* -d's devices joined, for given[] */
};

enum options_result { OPTIONS_OK = 0, OPTIONS_EXIT_OK, OPTIONS_ERROR };

/* Parses argv; on OPTIONS_ERROR, errbuf holds one line for the user. */
enum options_result options_parse(struct options *o, int argc, char **argv,
				  char *errbuf, size_t errlen);
void options_free(struct options *o);

/* After the configuration files are read: what the command line did not
 * give comes from cfg, and what it gave goes into cfg (origin "command
 * line"), so cfg and -D tell what is in force. */
void options_merge_config(struct options *o, struct config *cfg);

void options_usage(FILE *out);

/* Exit statuses (documented in sipmon.8, EXIT STATUS). */
enum {
	EXIT_USAGE = 1,      /* bad command line */
	EXIT_INPUT = 2,      /* an input could not be read, or was truncated */
	EXIT_WRITE = 3,      /* the output file could not be written (headless) */
};

#endif
