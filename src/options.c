/* options.c - command-line parsing (see options.h and sipmon.8). */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/live_source.h"
#include "capture/pipeline.h"
#include "store/store.h"
#include "util/xalloc.h"

enum {
	OPT_REPORT = 256,
	OPT_RING_SIZE,
	OPT_NO_PROMISC,
	OPT_REALTIME,
	OPT_REPORT_FILE,
	OPT_REPORT_INTERVAL,
	OPT_ORPHAN_RTP,
	OPT_PCAPNG,
	OPT_POST_ROTATE,
	OPT_ON_WRITE_ERROR,
	OPT_SIP_ONLY,
	OPT_FILTER,
	OPT_CHECK_CONFIG,
	OPT_TEXT,
};

/* -W and -G bounds. */
#define RING_FILES_MAX 100000
#define ROTATE_SECONDS_MAX (366 * 86400)

/* --ring-size bounds, MiB: one record must fit, memory must stay sane. */
#define RING_MIB_MIN 1
#define RING_MIB_MAX 4096
#define BUFFER_MIB_MAX 4096
#define REALTIME_SPEED_MAX 1000.0

static const struct option long_options[] = {
	{ "input", required_argument, NULL, 'I' },
	{ "no-interface", no_argument, NULL, 'N' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "calls", no_argument, NULL, 'c' },
	{ "limit", required_argument, NULL, 'l' },
	{ "rotate", no_argument, NULL, 'R' },
	{ "report", optional_argument, NULL, OPT_REPORT },
	{ "device", required_argument, NULL, 'd' },
	{ "buffer", required_argument, NULL, 'B' },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
	{ "realtime", optional_argument, NULL, OPT_REALTIME },
	{ "report-file", required_argument, NULL, OPT_REPORT_FILE },
	{ "report-interval", required_argument, NULL, OPT_REPORT_INTERVAL },
	{ "user", required_argument, NULL, 'Z' },
	{ "orphan-rtp", no_argument, NULL, OPT_ORPHAN_RTP },
	{ "rtp", no_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'O' },
	{ "rotate-size", required_argument, NULL, 'C' },
	{ "ring-files", required_argument, NULL, 'W' },
	{ "rotate-seconds", required_argument, NULL, 'G' },
	{ "unbuffered", no_argument, NULL, 'U' },
	{ "pcapng", no_argument, NULL, OPT_PCAPNG },
	{ "post-rotate", required_argument, NULL, OPT_POST_ROTATE },
	{ "on-write-error", required_argument, NULL, OPT_ON_WRITE_ERROR },
	{ "sip-only", no_argument, NULL, OPT_SIP_ONLY },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "text", required_argument, NULL, OPT_TEXT },
	{ "icase", no_argument, NULL, 'i' },
	{ "invert", no_argument, NULL, 'v' },
	{ "config", required_argument, NULL, 'f' },
	{ "no-config", no_argument, NULL, 'F' },
	{ "dump-config", no_argument, NULL, 'D' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = "+I:d:B:Z:O:C:W:G:UivrNqcl:Rf:FDhV";

void options_usage(FILE *out)
{
	fprintf(out,
		"Usage: sipmon [options] [BPF filter]\n"
		"\n"
		"  -d, --device DEV[,DEV] capture live on these devices (default: any)\n"
		"  -I, --input FILE       read a pcap/pcapng capture (repeatable; '-' = stdin);\n"
		"                         several files are merged in timestamp order\n"
		"      --realtime[=SPEED] replay -I files at their recorded pace (times SPEED)\n"
		"  -B, --buffer MIB       kernel capture buffer per device (default %u)\n"
		"      --ring-size MIB    ring between capture and dissection per device\n"
		"                         (default %u); when full, packets are dropped and counted\n"
		"      --no-promisc       do not put devices in promiscuous mode\n"
		"  -Z, --user USER        drop root privileges to USER once devices are open\n"
		"  -N, --no-interface     no terminal interface: capture, then print the report\n"
		"  -q, --quiet            with -N, no status line and no report unless --report\n"
		"  -c, --calls            keep only dialogs started by INVITE\n"
		"  -l, --limit N          keep at most N dialogs (default %u)\n"
		"  -R, --rotate           at the limit, forget the oldest dialog instead of\n"
		"                         refusing new ones\n"
		"      --orphan-rtp       also report RTP streams no SDP announced\n"
		"  -r, --rtp              in the interface, keep RTP packets too, so saving a\n"
		"                         dialog to pcap includes its media (sngrep's -r)\n"
		"      --filter EXPR      only dialogs EXPR selects (see sipmon(8), FILTERS)\n"
		"  -i, --icase            the match expression ignores case (sngrep)\n"
		"  -v, --invert           the match expression selects what does not match\n"
		"  -O, --output FILE      write the selected dialogs' packets to FILE (pcap)\n"
		"  -C, --rotate-size SIZE a new file when this one would pass SIZE (k, M, G)\n"
		"  -W, --ring-files N     keep at most N files, deleting the oldest\n"
		"  -G, --rotate-seconds S a new file every S seconds (FILE may hold strftime %%)\n"
		"      --text FILE        write the selected dialogs' SIP messages to FILE as\n"
		"                         text, in capture order (with or without -O)\n"
		"  -U, --unbuffered       write each packet (and message) through at once\n"
		"      --pcapng           write pcapng instead of pcap\n"
		"      --sip-only         write SIP only, not the dialogs' RTP and RTCP\n"
		"      --post-rotate CMD  run CMD FILE for every file closed\n"
		"      --on-write-error A stop (keep capturing, stop writing) or exit (status 3);\n"
		"                         default exit with -N, stop in the interface\n"
		"      --report[=FORMAT]  print the report when input ends: json or text\n"
		"                         (default text)\n"
		"      --report-file PATH rewrite the report (json unless --report=text) in PATH\n"
		"                         while capturing, atomically\n"
		"      --report-interval S  every S seconds (default %u)\n"
		"  -f, --config FILE      also read this configuration file (after the\n"
		"                         system sipmon.rc, ~/.sipmonrc and $SIPMONRC)\n"
		"  -F, --no-config        read none of those default configuration files\n"
		"  -D, --dump-config      print the settings and key bindings in force, each\n"
		"                         with where it came from, and exit\n"
		"      --check-config     check the configuration files; exit 1 on any error\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n"
		"\n"
		"Trailing arguments form a BPF filter, e.g.  sipmon -I in.pcap udp port 5060\n"
		"See sipmon(8).\n",
		LIVE_DEFAULT_BUFFER_MIB, PIPELINE_LIVE_RING_MIB, STORE_DEFAULT_MAX_CALLS,
		OPTIONS_DEFAULT_REPORT_INTERVAL);
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

/* Splits a -d argument "eth0,eth1" into devices. */
static bool add_devices(struct options *o, const char *arg, char *errbuf, size_t errlen)
{
	if (o->device_arg_count >= OPTIONS_MAX_DEVICES) {
		snprintf(errbuf, errlen, "too many -d options");
		return false;
	}
	char *copy = xstrdup(arg);
	o->device_arg_copy[o->device_arg_count++] = copy;
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->device_count >= OPTIONS_MAX_DEVICES) {
			snprintf(errbuf, errlen, "too many devices (at most %d)", OPTIONS_MAX_DEVICES);
			return false;
		}
		o->devices[o->device_count++] = tok;
	}
	if (o->device_count == 0) {
		snprintf(errbuf, errlen, "-d wants a device name");
		return false;
	}
	return true;
}

static bool parse_speed(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > REALTIME_SPEED_MAX)
		return false;
	*out = v;
	return true;
}

/* "100M"-style sizes: a number with an optional k, M or G (powers of
 * 1000, as tcpdump's -C). */
static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return false;
	uint64_t mult = 1;
	switch (*end) {
	case 'k': case 'K': mult = 1000ULL; end++; break;
	case 'm': case 'M': mult = 1000000ULL; end++; break;
	case 'g': case 'G': mult = 1000000000ULL; end++; break;
	case '\0': break;
	default: return false;
	}
	if (*end || v == 0 || v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
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
	o->buffer_mib = LIVE_DEFAULT_BUFFER_MIB;
	o->ring_mib = PIPELINE_LIVE_RING_MIB;
	o->report_interval = OPTIONS_DEFAULT_REPORT_INTERVAL;
	o->on_write_error = -1;
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
		case 'c': o->invite_only = true; o->given[SET_CAPTURE_INVITE_ONLY] = "yes"; break;
		case 'R': o->rotate = true; o->given[SET_CAPTURE_ROTATE] = "yes"; break;
		case 'l':
			if (!parse_u32(optarg, 1, UINT32_MAX, &o->limit)) {
				snprintf(errbuf, errlen, "-l wants a number of dialogs from 1 to %u, not '%s'",
					 UINT32_MAX, optarg);
				return OPTIONS_ERROR;
			}
			o->given[SET_CAPTURE_LIMIT] = optarg;
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
		case 'd':
			if (!add_devices(o, optarg, errbuf, errlen))
				return OPTIONS_ERROR;
			break;
		case 'B':
			if (!parse_u32(optarg, 1, BUFFER_MIB_MAX, &o->buffer_mib)) {
				snprintf(errbuf, errlen, "-B wants MiB from 1 to %d, not '%s'",
					 BUFFER_MIB_MAX, optarg);
				return OPTIONS_ERROR;
			}
			o->given[SET_CAPTURE_BUFFER] = optarg;
			break;
		case OPT_RING_SIZE:
			if (!parse_u32(optarg, RING_MIB_MIN, RING_MIB_MAX, &o->ring_mib)) {
				snprintf(errbuf, errlen, "--ring-size wants MiB from %d to %d, not '%s'",
					 RING_MIB_MIN, RING_MIB_MAX, optarg);
				return OPTIONS_ERROR;
			}
			o->given[SET_CAPTURE_RING_SIZE] = optarg;
			break;
		case OPT_NO_PROMISC: o->no_promisc = true; o->given[SET_CAPTURE_PROMISC] = "no"; break;
		case OPT_REALTIME:
			o->realtime = 1.0;
			if (optarg && !parse_speed(optarg, &o->realtime)) {
				snprintf(errbuf, errlen, "--realtime wants a speed above 0 and up to %g, not '%s'",
					 REALTIME_SPEED_MAX, optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_REPORT_FILE: o->report_file = optarg; break;
		case OPT_REPORT_INTERVAL:
			if (!parse_u32(optarg, 1, 86400, &o->report_interval)) {
				snprintf(errbuf, errlen, "--report-interval wants seconds from 1 to 86400, not '%s'",
					 optarg);
				return OPTIONS_ERROR;
			}
			o->given[SET_REPORT_INTERVAL] = optarg;
			break;
		case 'Z': o->user = optarg; break;
		case OPT_ORPHAN_RTP: o->orphan_rtp = true; o->given[SET_CAPTURE_ORPHAN_RTP] = "yes"; break;
		case 'r': o->keep_rtp = true; o->given[SET_CAPTURE_KEEP_RTP] = "yes"; break;
		case 'O': o->output = optarg; break;
		case 'C':
			if (!parse_size(optarg, &o->rotate_bytes)) {
				snprintf(errbuf, errlen, "-C wants a size such as 100M, not '%s'", optarg);
				return OPTIONS_ERROR;
			}
			break;
		case 'W':
			if (!parse_u32(optarg, 1, RING_FILES_MAX, &o->ring_files)) {
				snprintf(errbuf, errlen, "-W wants a number of files from 1 to %d, not '%s'",
					 RING_FILES_MAX, optarg);
				return OPTIONS_ERROR;
			}
			break;
		case 'G':
			if (!parse_u32(optarg, 1, ROTATE_SECONDS_MAX, &o->rotate_seconds)) {
				snprintf(errbuf, errlen, "-G wants seconds from 1 to %d, not '%s'",
					 ROTATE_SECONDS_MAX, optarg);
				return OPTIONS_ERROR;
			}
			break;
		case 'U': o->unbuffered = true; break;
		case OPT_PCAPNG: o->pcapng = true; break;
		case OPT_POST_ROTATE: o->post_rotate = optarg; break;
		case OPT_ON_WRITE_ERROR:
			if (strcmp(optarg, "stop") == 0) {
				o->on_write_error = 0;
			} else if (strcmp(optarg, "exit") == 0) {
				o->on_write_error = 1;
			} else {
				snprintf(errbuf, errlen, "--on-write-error wants stop or exit, not '%s'", optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_SIP_ONLY: o->sip_only = true; break;
		case OPT_FILTER: o->filter = optarg; o->given[SET_FILTER_EXPRESSION] = optarg; break;
		case OPT_TEXT: o->text_output = optarg; break;
		case 'i': o->match_icase = true; break;
		case 'v': o->match_invert = true; break;
		case 'f':
			if (o->config_file_count >= OPTIONS_MAX_CONFIG_FILES) {
				snprintf(errbuf, errlen, "too many -f files (at most %d)",
					 OPTIONS_MAX_CONFIG_FILES);
				return OPTIONS_ERROR;
			}
			o->config_files[o->config_file_count++] = optarg;
			break;
		case 'F': o->no_default_config = true; break;
		case 'D': o->dump_config = true; break;
		case OPT_CHECK_CONFIG: o->check_config = true; break;
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
	if (o->device_count) {
		/* -D shows the devices as one capture.device value. */
		o->given_copy = join_args((int)o->device_count, (char **)o->devices);
		for (char *p = o->given_copy; *p; p++)
			if (*p == ' ')
				*p = ',';
		o->given[SET_CAPTURE_DEVICE] = o->given_copy;
	}
	if (optind < argc) {
		o->bpf = join_args(argc - optind, argv + optind);
		o->given[SET_CAPTURE_BPF] = o->bpf;
		o->first_arg = argv[optind];
		if (optind + 1 < argc)
			o->bpf_rest = join_args(argc - optind - 1, argv + optind + 1);
	}
	/* -U applies to --text as well. */
	if ((o->rotate_bytes || o->ring_files || o->rotate_seconds || (o->unbuffered && !o->text_output) ||
	     o->pcapng || o->post_rotate || o->sip_only) && !o->output) {
		snprintf(errbuf, errlen, "-C, -W, -G, -U, --pcapng, --post-rotate and --sip-only go with -O FILE");
		return OPTIONS_ERROR;
	}
	if (o->ring_files && !o->rotate_bytes && !o->rotate_seconds) {
		snprintf(errbuf, errlen, "-W keeps a ring of files: it needs -C or -G to rotate");
		return OPTIONS_ERROR;
	}
	if (o->realtime > 0 && o->input_count == 0) {
		snprintf(errbuf, errlen, "--realtime replays -I files; give one");
		return OPTIONS_ERROR;
	}
	return OPTIONS_OK;
}

void options_merge_config(struct options *o, struct config *cfg)
{
	for (int i = 0; i < SET_COUNT; i++) {
		char err[512];
		/* Values the command line checked already; a value only the
		 * command line accepts (a BPF filter that is really a match
		 * expression) stays out of cfg. */
		if (o->given[i])
			config_set(cfg, (enum setting_id)i, o->given[i], CONFIG_ORIGIN_CMDLINE, err,
				   sizeof(err));
	}
	if (!o->given[SET_CAPTURE_DEVICE] && o->input_count == 0) {
		char err[128];
		if (!add_devices(o, config_value(cfg, SET_CAPTURE_DEVICE), err, sizeof(err)))
			o->device_count = 0;
	}
	o->buffer_mib = config_uint(cfg, SET_CAPTURE_BUFFER);
	o->ring_mib = config_uint(cfg, SET_CAPTURE_RING_SIZE);
	o->no_promisc = !config_bool(cfg, SET_CAPTURE_PROMISC);
	o->limit = config_uint(cfg, SET_CAPTURE_LIMIT);
	o->rotate = config_bool(cfg, SET_CAPTURE_ROTATE);
	o->invite_only = config_bool(cfg, SET_CAPTURE_INVITE_ONLY);
	o->keep_rtp = config_bool(cfg, SET_CAPTURE_KEEP_RTP);
	o->orphan_rtp = config_bool(cfg, SET_CAPTURE_ORPHAN_RTP);
	o->report_interval = config_uint(cfg, SET_REPORT_INTERVAL);
	const char *bpf = config_value(cfg, SET_CAPTURE_BPF);
	if (!o->bpf && bpf[0])
		o->bpf = xstrdup(bpf);
	const char *filter = config_value(cfg, SET_FILTER_EXPRESSION);
	if (!o->filter && filter[0]) {
		o->filter = filter;
		o->filter_from_config = true;
	}
}

void options_free(struct options *o)
{
	free(o->given_copy);
	o->given_copy = NULL;
	free(o->bpf);
	o->bpf = NULL;
	free(o->bpf_rest);
	o->bpf_rest = NULL;
	for (size_t i = 0; i < o->device_arg_count; i++)
		free(o->device_arg_copy[i]);
	o->device_arg_count = 0;
}
