/* options.c - command-line parsing (see options.h and sipmon.8). */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/xalloc.h"

enum { OPT_REPORT = 256 };

static const struct option long_options[] = {
	{ "input", required_argument, NULL, 'I' },
	{ "no-interface", no_argument, NULL, 'N' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "calls", no_argument, NULL, 'c' },
	{ "limit", required_argument, NULL, 'l' },
	{ "rotate", no_argument, NULL, 'R' },
	{ "report", optional_argument, NULL, OPT_REPORT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = "+I:Nqcl:RhV";

void options_usage(FILE *out)
{
	fprintf(out,
		"Usage: sipmon [options] [BPF filter]\n"
		"\n"
		"  -I, --input FILE       read a pcap/pcapng capture (repeatable; '-' = stdin);\n"
		"                         several files are merged in timestamp order\n"
		"  -N, --no-interface     no terminal interface: read, then print the report\n"
		"  -q, --quiet            with -N, print nothing unless --report asks\n"
		"  -c, --calls            keep only dialogs started by INVITE\n"
		"  -l, --limit N          keep at most N dialogs (default %u)\n"
		"  -R, --rotate           at the limit, forget the oldest dialog instead of\n"
		"                         refusing new ones\n"
		"      --report[=FORMAT]  print the report when input ends: json or text\n"
		"                         (default text)\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n"
		"\n"
		"Trailing arguments form a BPF filter, e.g.  sipmon -I in.pcap udp port 5060\n"
		"See sipmon(8).\n",
		STORE_DEFAULT_MAX_CALLS);
}

/* strtonum-style: the whole string a number within [min, max]. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || s[0] == '-' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static char *join_args(int count, char **args)
{
	size_t len = 0;
	for (int i = 0; i < count; i++)
		len += strlen(args[i]) + 1;
	char *s = xmalloc(len + 1);
	s[0] = '\0';
	for (int i = 0; i < count; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, args[i]);
	}
	return s;
}

enum options_result options_parse(struct options *o, int argc, char **argv,
				  char *errbuf, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->limit = STORE_DEFAULT_MAX_CALLS;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		switch (c) {
		case 'I':
			if (o->input_count >= OPTIONS_MAX_INPUTS) {
				snprintf(errbuf, errlen, "too many -I inputs (at most %d)",
					 OPTIONS_MAX_INPUTS);
				return OPTIONS_ERROR;
			}
			o->inputs[o->input_count++] = optarg;
			break;
		case 'N': o->no_interface = true; break;
		case 'q': o->quiet = true; break;
		case 'c': o->invite_only = true; break;
		case 'R': o->rotate = true; break;
		case 'l':
			if (!parse_u32(optarg, 1, UINT32_MAX, &o->limit)) {
				snprintf(errbuf, errlen, "-l wants a number of dialogs from 1 to %u, not '%s'",
					 UINT32_MAX, optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_REPORT:
			if (!optarg || strcmp(optarg, "text") == 0) {
				o->report = REPORT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				o->report = REPORT_JSON;
			} else {
				snprintf(errbuf, errlen, "--report wants json or text, not '%s'", optarg);
				return OPTIONS_ERROR;
			}
			break;
		case 'h': o->show_help = true; return OPTIONS_EXIT_OK;
		case 'V': o->show_version = true; return OPTIONS_EXIT_OK;
		case ':':
			snprintf(errbuf, errlen, "option %s needs an argument", argv[optind - 1]);
			return OPTIONS_ERROR;
		default:
			if (optopt)
				snprintf(errbuf, errlen, "unknown option -%c", optopt);
			else
				snprintf(errbuf, errlen, "unknown option %s", argv[optind - 1]);
			return OPTIONS_ERROR;
		}
	}
	if (optind < argc)
		o->bpf = join_args(argc - optind, argv + optind);
	return OPTIONS_OK;
}

void options_free(struct options *o)
{
	free(o->bpf);
	o->bpf = NULL;
}
