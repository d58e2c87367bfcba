/* report.c - JSON and text reports (see report.h and sipmon.8, REPORT). */
#include "output/report.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/emodel.h"
#include "output/pcap_writer.h"
#include "output/saver.h"
#include "output/text_writer.h"
#include "store/orphan.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

static void json_time(struct json *j, int64_t ts_ns, bool known)
{
	char buf[TIMEFMT_LEN];
	if (!known)
		json_null(j);
	else
		json_string(j, time_format_rfc3339(ts_ns, buf, sizeof(buf)));
}

static void json_endpoint(struct json *j, const struct endpoint *e)
{
	char buf[ENDPOINT_STRLEN];
	if (e->ip.family == 0)
		json_null(j);
	else
		json_string(j, endpoint_format(e, buf, sizeof(buf)));
}

#define MS_DECIMALS 3
#define PCT_DECIMALS 2
#define MOS_DECIMALS 2

static void json_opt_double(struct json *j, bool known, double v, int decimals)
{
	if (known)
		json_double(j, v, decimals);
	else
		json_null(j);
}

void stream_figures(const struct rtp_stream *s, struct rtp_figures *out)
{
	const struct emodel_codec *codec = emodel_codec_lookup(s->codec[0] ? s->codec : NULL, s->pt);
	rtp_stats_figures(&s->stats, codec, s->rtcp.rtt_ms, out);
}

static bool listed(const struct report_input *in, const struct call *c)
{
	return !in->filtered || c->filter_pass;
}

static uint64_t dialogs_not_matching(const struct report_input *in)
{
	uint64_t n = 0;
	for (const struct call *c = store_oldest(in->store); c; c = c->newer)
		n += !c->filter_pass;
	return n;
}

static void write_capture(struct json *j, const struct report_input *in)
{
	const struct capture_counters *c = in->counters;
	const struct store_config *cfg = store_get_config(in->store);
	struct store_stats st;
	store_get_stats(in->store, &st);

	json_key(j, "capture");
	json_object_begin(j);
	json_key(j, "sources");
	json_array_begin(j);
	for (size_t i = 0; i < in->source_count; i++)
		json_string(j, in->sources[i]);
	json_array_end(j);
	json_key(j, "packets"); json_u64(j, c->packets);
	json_key(j, "bytes"); json_u64(j, c->bytes);
	json_key(j, "sip_messages"); json_u64(j, c->sip_messages);
	json_key(j, "rtp_packets"); json_u64(j, c->rtp_packets);
	json_key(j, "rtcp_packets"); json_u64(j, c->rtcp_packets);
	json_key(j, "malformed"); json_u64(j, in->malformed);
	json_key(j, "truncated"); json_u64(j, c->truncated);
	json_key(j, "dropped");
	json_object_begin(j);
	json_key(j, "kernel"); json_u64(j, in->drops.kernel);
	json_key(j, "interface"); json_u64(j, in->drops.interface);
	json_key(j, "ring"); json_u64(j, in->drops.ring);
	json_object_end(j);
	json_key(j, "first"); json_time(j, c->first_ns, c->packets > 0);
	json_key(j, "last"); json_time(j, c->last_ns, c->packets > 0);
	/* Additions to the contract: why things were malformed, and what the
	 * dialog limit did. */
	json_key(j, "malformed_reasons");
	json_object_begin(j);
	for (int a = 1; a < ANOMALY_COUNT; a++) {
		if (c->anomalies.count[a]) {
			json_key(j, anomaly_name((enum anomaly)a));
			json_u64(j, c->anomalies.count[a]);
		}
	}
	json_object_end(j);
	json_key(j, "not_ip"); json_u64(j, c->not_ip);
	json_key(j, "retransmissions"); json_u64(j, st.retransmissions);
	/* --orphan-rtp: streams its bounded table forgot (oldest first). */
	const struct orphan_table *orphans = store_orphans(in->store);
	if (orphans) {
		json_key(j, "orphan_streams_evicted");
		json_u64(j, orphan_table_evicted(orphans));
	}
	json_key(j, "dialogs");
	json_object_begin(j);
	json_key(j, "stored"); json_u64(j, store_call_count(in->store));
	json_key(j, "created"); json_u64(j, st.calls_created);
	json_key(j, "limit"); json_u64(j, cfg->max_calls);
	json_key(j, "at_limit");
	json_string(j, cfg->rotate ? "rotate" : "refuse");
	json_key(j, "evicted"); json_u64(j, st.calls_evicted);
	json_key(j, "refused_messages"); json_u64(j, st.messages_over_limit);
	json_key(j, "filtered_messages"); json_u64(j, st.messages_filtered);
	json_key(j, "invite_only"); json_bool(j, cfg->invite_only);
	json_key(j, "filtered"); json_bool(j, in->filtered);
	json_key(j, "not_matching");
	if (in->filtered) json_u64(j, dialogs_not_matching(in)); else json_null(j);
	json_object_end(j);
	if (in->saver && in->writer) {
		struct saver_stats ss;
		struct pcap_writer_stats ws;
		saver_get_stats(in->saver, &ss);
		pcap_writer_stats(in->writer, &ws);
		json_key(j, "saved");
		json_object_begin(j);
		json_key(j, "packets"); json_u64(j, ws.written);
		json_key(j, "bytes"); json_u64(j, ws.bytes);
		json_key(j, "files"); json_u64(j, ws.files_opened);
		json_key(j, "files_deleted"); json_u64(j, ws.files_deleted);
		json_key(j, "queue_drops"); json_u64(j, ws.queue_drops);
		json_key(j, "write_drops"); json_u64(j, ws.write_drops);
		json_key(j, "lost_before_match"); json_u64(j, ss.frames_lost);
		json_key(j, "error");
		if (ws.failed) json_string(j, ws.error); else json_null(j);
		json_object_end(j);
	}
	if (in->text) {
		struct text_writer_stats ts;
		text_writer_stats(in->text, &ts);
		json_key(j, "saved_text");
		json_object_begin(j);
		json_key(j, "messages"); json_u64(j, ts.written);
		json_key(j, "bytes"); json_u64(j, ts.bytes);
		json_key(j, "queue_drops"); json_u64(j, ts.queue_drops);
		json_key(j, "write_drops"); json_u64(j, ts.write_drops);
		json_key(j, "error");
		if (ts.failed) json_string(j, ts.error); else json_null(j);
		json_object_end(j);
	}
	json_object_end(j);
}

static void write_stream(struct json *j, const struct rtp_stream *s)
{
	char ssrc[16];
	json_object_begin(j);
	json_key(j, "src"); json_endpoint(j, &s->src);
	json_key(j, "dst"); json_endpoint(j, &s->dst);
	snprintf(ssrc, sizeof(ssrc), "0x%08" PRIx32, s->ssrc);
	json_key(j, "ssrc"); json_string(j, ssrc);
	json_key(j, "pt"); json_u64(j, s->pt);
	json_key(j, "codec");
	if (s->codec[0]) json_string(j, s->codec); else json_null(j);
	json_key(j, "clock_rate");
	if (s->clock_rate) json_u64(j, s->clock_rate); else json_null(j);
	json_key(j, "first"); json_time(j, s->first_ns, s->packets > 0);
	json_key(j, "last"); json_time(j, s->last_ns, s->packets > 0);
	json_key(j, "packets"); json_u64(j, s->packets);
	struct rtp_figures f;
	stream_figures(s, &f);
	json_key(j, "expected"); json_u64(j, f.expected);
	json_key(j, "lost"); json_u64(j, f.lost);
	json_key(j, "lost_pct"); json_double(j, f.lost_pct, PCT_DECIMALS);
	json_key(j, "duplicates"); json_u64(j, f.duplicates);
	json_key(j, "out_of_order"); json_u64(j, f.out_of_order);
	json_key(j, "seq_errors"); json_u64(j, f.seq_errors);
	json_key(j, "max_delta_ms"); json_opt_double(j, f.has_timing, f.max_delta_ms, MS_DECIMALS);
	json_key(j, "mean_delta_ms"); json_opt_double(j, f.has_timing, f.mean_delta_ms, MS_DECIMALS);
	json_key(j, "jitter_ms"); json_opt_double(j, f.has_jitter, f.jitter_ms, MS_DECIMALS);
	json_key(j, "max_jitter_ms"); json_opt_double(j, f.has_jitter, f.max_jitter_ms, MS_DECIMALS);
	json_key(j, "mean_jitter_ms"); json_opt_double(j, f.has_jitter, f.mean_jitter_ms, MS_DECIMALS);
	json_key(j, "mos"); json_opt_double(j, f.has_mos, f.mos, MOS_DECIMALS);
	json_key(j, "r_factor"); json_opt_double(j, f.has_mos, f.r_factor, MOS_DECIMALS);
	json_key(j, "events");
	if (f.events[0]) json_string(j, f.events); else json_null(j);
	json_key(j, "event_packets"); json_u64(j, f.event_packets);
	json_key(j, "rtcp");
	if (!s->rtcp.seen) {
		json_null(j);
	} else {
		json_object_begin(j);
		json_key(j, "fraction_lost"); json_double(j, s->rtcp.fraction_lost, PCT_DECIMALS + 2);
		json_key(j, "cumulative_lost"); json_i64(j, s->rtcp.cumulative_lost);
		json_key(j, "jitter_ms");
		json_opt_double(j, s->rtcp.jitter_ms >= 0, s->rtcp.jitter_ms, MS_DECIMALS);
		json_key(j, "rtt_ms"); json_opt_double(j, s->rtcp.rtt_ms >= 0, s->rtcp.rtt_ms, MS_DECIMALS);
		json_key(j, "mos_lq"); json_opt_double(j, s->rtcp.mos_lq >= 0, s->rtcp.mos_lq, 1);
		json_key(j, "mos_cq"); json_opt_double(j, s->rtcp.mos_cq >= 0, s->rtcp.mos_cq, 1);
		json_key(j, "reports"); json_u64(j, s->rtcp.reports);
		json_object_end(j);
	}
	json_object_end(j);
}

static void write_call(struct json *j, const struct call *c)
{
	json_object_begin(j);
	json_key(j, "call_id"); json_string_n(j, c->call_id, c->call_id_len);
	json_key(j, "index"); json_u64(j, c->index);
	json_key(j, "first_method"); json_string(j, sip_method_name(c->first_method));
	json_key(j, "from"); json_string(j, c->from_uri);
	/* A URI without a user part (sip:host) has no user: null, not "". */
	json_key(j, "from_user"); json_string(j, c->from_user[0] ? c->from_user : NULL);
	json_key(j, "to"); json_string(j, c->to_uri);
	json_key(j, "to_user"); json_string(j, c->to_user[0] ? c->to_user : NULL);
	json_key(j, "src"); json_endpoint(j, &c->src);
	json_key(j, "dst"); json_endpoint(j, &c->dst);
	json_key(j, "transport"); json_string(j, transport_name(c->transport));
	json_key(j, "user_agent"); json_string(j, c->user_agent);
	json_key(j, "start"); json_time(j, c->start_ns, true);
	json_key(j, "end"); json_time(j, c->end_ns, true);
	json_key(j, "state"); json_string(j, call_state_name(c->state));
	json_key(j, "final_status");
	if (c->final_status) json_u64(j, c->final_status); else json_null(j);
	json_key(j, "messages"); json_u64(j, c->messages);
	json_key(j, "retransmissions"); json_u64(j, c->retransmissions);
	json_key(j, "messages_forgotten"); json_u64(j, c->messages_dropped);
	json_key(j, "methods");
	json_object_begin(j);
	for (int m = 1; m < SIP_METHOD_COUNT; m++) {
		if (c->method_counts[m]) {
			json_key(j, sip_method_name((enum sip_method)m));
			json_u64(j, c->method_counts[m]);
		}
	}
	if (c->method_counts[SIP_METHOD_UNKNOWN]) {
		json_key(j, "OTHER");
		json_u64(j, c->method_counts[SIP_METHOD_UNKNOWN]);
	}
	json_object_end(j);
	json_key(j, "setup_ms");
	if (c->invite_ns && c->answer_ns)
		json_ns_as_ms(j, c->answer_ns - c->invite_ns);
	else
		json_null(j);
	json_key(j, "duration_ms");
	if (c->answer_ns && c->bye_ns && c->bye_ns >= c->answer_ns)
		json_ns_as_ms(j, c->bye_ns - c->answer_ns);
	else
		json_null(j);
	json_key(j, "streams");
	json_array_begin(j);
	for (const struct rtp_stream *s = c->streams; s; s = s->call_next)
		write_stream(j, s);
	json_array_end(j);
	json_object_end(j);
}

/* The dialogs of a large report are formatted by two threads: chunks
 * alternate between this thread, which writes its own straight out, and a
 * helper, which formats the next odd chunk into memory meanwhile.  At the
 * end of a file the dissection thread is done, so the second core is
 * free; the output is byte for byte what one thread writes. */
#define REPORT_CHUNK_CALLS 256
/* Chunks the helper may have ready before this thread takes them. */
#define REPORT_HELPER_SLOTS 2

struct report_chunk {
	char *text;
	size_t len;
	bool ready;
};

struct report_helper {
	const struct call *const *calls;
	size_t count;
	struct json proto;          /* writer state at a dialog other than the first */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct report_chunk slots[REPORT_HELPER_SLOTS];
	bool failed;                /* out of memory: this thread formats the rest */
};

static size_t chunk_count(size_t calls)
{
	return (calls + REPORT_CHUNK_CALLS - 1) / REPORT_CHUNK_CALLS;
}

static void write_chunk(struct json *j, const struct call *const *calls, size_t count, size_t k)
{
	size_t end = (k + 1) * REPORT_CHUNK_CALLS < count ? (k + 1) * REPORT_CHUNK_CALLS : count;
	for (size_t i = k * REPORT_CHUNK_CALLS; i < end; i++)
		write_call(j, calls[i]);
}

static void *helper_main(void *arg)
{
	struct report_helper *h = arg;
	size_t chunks = chunk_count(h->count);
	struct json *j = xmalloc(sizeof(*j));
	for (size_t k = 1; k < chunks; k += 2) {
		struct report_chunk *slot = &h->slots[(k / 2) % REPORT_HELPER_SLOTS];
		pthread_mutex_lock(&h->lock);
		while (slot->ready)
			pthread_cond_wait(&h->cond, &h->lock);
		pthread_mutex_unlock(&h->lock);
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		if (mem) {
			memcpy(j, &h->proto, sizeof(*j));
			j->out = mem;
			write_chunk(j, h->calls, h->count, k);
			json_flush(j);
		}
		if (!mem || fclose(mem) != 0) {
			free(text);
			pthread_mutex_lock(&h->lock);
			h->failed = true;
			pthread_cond_broadcast(&h->cond);
			pthread_mutex_unlock(&h->lock);
			break;
		}
		pthread_mutex_lock(&h->lock);
		slot->text = text;
		slot->len = len;
		slot->ready = true;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	free(j);
	return NULL;
}

/* Writes the dialogs (already listed in calls) into the open "calls" array. */
static void write_calls(struct json *j, const struct call *const *calls, size_t count)
{
	size_t chunks = chunk_count(count);
	if (chunks < 2) {
		write_chunk(j, calls, count, 0);
		return;
	}
	struct report_helper *h = xcalloc(1, sizeof(*h));
	h->calls = calls;
	h->count = count;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	/* The first chunk is this thread's, so every helper chunk follows a
	 * dialog: its writer starts as this one will be then. */
	write_chunk(j, calls, count, 0);
	json_flush(j);
	memcpy(&h->proto, j, sizeof(*j));
	pthread_t thread;
	bool helper = pthread_create(&thread, NULL, helper_main, h) == 0;
	for (size_t k = 1; k < chunks; k++) {
		if (k % 2 == 0 || !helper) {
			write_chunk(j, calls, count, k);
			continue;
		}
		struct report_chunk *slot = &h->slots[(k / 2) % REPORT_HELPER_SLOTS];
		pthread_mutex_lock(&h->lock);
		while (!slot->ready && !h->failed)
			pthread_cond_wait(&h->cond, &h->lock);
		bool ready = slot->ready;
		pthread_mutex_unlock(&h->lock);
		if (!ready) {
			/* The helper gave up: this chunk and the rest are ours. */
			pthread_join(thread, NULL);
			helper = false;
			write_chunk(j, calls, count, k);
			continue;
		}
		json_flush(j);
		fwrite(slot->text, 1, slot->len, j->out);
		free(slot->text);
		pthread_mutex_lock(&h->lock);
		slot->text = NULL;
		slot->ready = false;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	if (helper)
		pthread_join(thread, NULL);
	for (size_t i = 0; i < REPORT_HELPER_SLOTS; i++)
		free(h->slots[i].text);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

void report_write_json(FILE *out, const struct report_input *in)
{
	struct json j;
	json_init(&j, out, true);
	json_object_begin(&j);
	json_key(&j, "sipmon_report"); json_u64(&j, REPORT_VERSION);
	write_capture(&j, in);
	json_key(&j, "calls");
	json_array_begin(&j);
	size_t cap = store_call_count(in->store), n = 0;
	const struct call **calls = xcalloc(cap ? cap : 1, sizeof(*calls));
	for (const struct call *c = store_oldest(in->store); c && n < cap; c = c->newer)
		if (listed(in, c))
			calls[n++] = c;
	write_calls(&j, calls, n);
	free(calls);
	json_array_end(&j);
	json_key(&j, "orphan_streams");
	json_array_begin(&j);
	struct orphan_table *orphans = store_orphans(in->store);
	if (orphans) {
		size_t ocap = orphan_table_count(orphans);
		const struct rtp_stream **list = xcalloc(ocap ? ocap : 1, sizeof(*list));
		size_t on = orphan_table_collect(orphans, list, ocap);
		for (size_t i = 0; i < on; i++)
			write_stream(&j, list[i]);
		free(list);
	}
	json_array_end(&j);
	json_object_end(&j);
}

/* --- text ------------------------------------------------------------- */

/* Bytes from the network reach a terminal here: control characters
 * (escape sequences), DEL and bytes that are not valid UTF-8 become '?',
 * so a crafted Call-ID cannot drive the user's terminal. */
static const char *printable(const char *s, char *buf, size_t cap)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	while (*p && o + 5 < cap) {
		unsigned char c = *p;
		size_t len = utf8_valid_len(p, left);
		bool valid = len > 0 && (c >= 0x20 || len > 1) && c != 0x7F;
		if (valid && len == 2 && c == 0xC2 && p[1] < 0xA0)
			valid = false; /* C1 controls U+0080..U+009F */
		if (!valid) {
			buf[o++] = '?';
			p++;
			left--;
			continue;
		}
		memcpy(buf + o, p, len);
		o += len;
		p += len;
		left -= len;
	}
	buf[o] = '\0';
	return buf;
}

static const char *or_dash(const char *s)
{
	return (s && *s) ? s : "-";
}

/* A network string for the text report: printable, '-' when empty. */
#define SAFE(s, buf) printable(or_dash(s), (buf), sizeof(buf))

void report_write_text(FILE *out, const struct report_input *in)
{
	const struct capture_counters *c = in->counters;
	struct store_stats st;
	store_get_stats(in->store, &st);
	char t1[TIMEFMT_LEN], t2[TIMEFMT_LEN];

	fprintf(out, "sipmon report\n\nCapture\n");
	for (size_t i = 0; i < in->source_count; i++)
		fprintf(out, "  source        %s\n", in->sources[i]);
	fprintf(out, "  packets       %" PRIu64 " (%" PRIu64 " bytes)\n", c->packets, c->bytes);
	if (c->packets)
		fprintf(out, "  time          %s .. %s\n",
			time_format_rfc3339(c->first_ns, t1, sizeof(t1)),
			time_format_rfc3339(c->last_ns, t2, sizeof(t2)));
	fprintf(out, "  SIP messages  %" PRIu64 " (%" PRIu64 " retransmissions)\n",
		c->sip_messages, st.retransmissions);
	fprintf(out, "  RTP packets   %" PRIu64 "   RTCP packets %" PRIu64 "\n",
		c->rtp_packets, c->rtcp_packets);
	fprintf(out, "  dropped       kernel %" PRIu64 "  interface %" PRIu64 "  ring %" PRIu64 "\n",
		in->drops.kernel, in->drops.interface, in->drops.ring);
	fprintf(out, "  truncated     %" PRIu64 "   malformed %" PRIu64 "\n", c->truncated,
		in->malformed);
	for (int a = 1; a < ANOMALY_COUNT; a++)
		if (c->anomalies.count[a])
			fprintf(out, "    %-24s %" PRIu64 "  (%s)\n", anomaly_name((enum anomaly)a),
				c->anomalies.count[a], anomaly_description((enum anomaly)a));
	fprintf(out, "  dialogs       %zu stored, %" PRIu64 " evicted, %" PRIu64
		" messages refused at the limit, %" PRIu64 " filtered\n",
		store_call_count(in->store), st.calls_evicted, st.messages_over_limit,
		st.messages_filtered);

	fprintf(out, "\nDialogs\n");
	fprintf(out, "  %-5s %-9s %-20s %-20s %-12s %6s %4s %5s  %s\n", "#", "method", "from",
		"to", "state", "final", "msgs", "retr", "call-id");
	for (const struct call *call = store_oldest(in->store); call; call = call->newer) {
		if (!listed(in, call))
			continue;
		char status[8] = "-", from[256], to[256], id[1024];
		if (call->final_status)
			snprintf(status, sizeof(status), "%u", call->final_status);
		fprintf(out, "  %-5" PRIu64 " %-9s %-20.20s %-20.20s %-12s %6s %4u %5u  %s\n",
			call->index, sip_method_name(call->first_method), SAFE(call->from_user, from),
			SAFE(call->to_user, to), or_dash(call_state_name(call->state)), status,
			call->messages, call->retransmissions, SAFE(call->call_id, id));
	}

	fprintf(out, "\nRTP streams (call \"-\": orphan, no SDP named it)\n");
	fprintf(out, "  %-5s %-26s %-26s %-10s %-8s %8s %6s %7s %8s %5s %s\n", "call", "source",
		"destination", "ssrc", "codec", "packets", "lost", "lost%", "maxjit", "mos", "events");
	for (const struct call *call = store_oldest(in->store); call; call = call->newer) {
		if (!listed(in, call))
			continue;
		for (const struct rtp_stream *s = call->streams; s; s = s->call_next) {
			char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN], jit[16] = "-", mos[16] = "-";
			char codec[64], events[128];
			struct rtp_figures f;
			stream_figures(s, &f);
			if (f.has_jitter)
				snprintf(jit, sizeof(jit), "%.2f", f.max_jitter_ms);
			if (f.has_mos)
				snprintf(mos, sizeof(mos), "%.2f", f.mos);
			fprintf(out, "  %-5" PRIu64 " %-26s %-26s 0x%08" PRIx32 " %-8s %8" PRIu64
				" %6" PRIu64 " %7.2f %8s %5s %s\n",
				call->index, endpoint_format(&s->src, a, sizeof(a)),
				endpoint_format(&s->dst, b, sizeof(b)), s->ssrc, SAFE(s->codec, codec),
				s->packets, f.lost, f.lost_pct, jit, mos, SAFE(f.events, events));
		}
	}
	struct orphan_table *orphans = store_orphans(in->store);
	if (orphans) {
		size_t cap = orphan_table_count(orphans);
		const struct rtp_stream **list = xcalloc(cap ? cap : 1, sizeof(*list));
		size_t n = orphan_table_collect(orphans, list, cap);
		for (size_t i = 0; i < n; i++) {
			const struct rtp_stream *s = list[i];
			char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN], codec[64];
			struct rtp_figures f;
			stream_figures(s, &f);
			fprintf(out, "  %-5s %-26s %-26s 0x%08" PRIx32 " %-8s %8" PRIu64 " %6" PRIu64
				" %7.2f\n", "-", endpoint_format(&s->src, a, sizeof(a)),
				endpoint_format(&s->dst, b, sizeof(b)), s->ssrc, SAFE(s->codec, codec),
				s->packets, f.lost, f.lost_pct);
		}
		free(list);
		if (orphan_table_evicted(orphans))
			fprintf(out, "  (%zu orphan streams forgotten: the table was full)\n",
				orphan_table_evicted(orphans));
	}
}

/* --- building and writing ------------------------------------------- */

void report_sources_init(struct report_sources *rs, const struct pipeline *p)
{
	size_t n = pipeline_source_count(p);
	rs->count = n < REPORT_MAX_SOURCES ? n : REPORT_MAX_SOURCES;
	for (size_t i = 0; i < rs->count; i++) {
		pipeline_source_name(p, i, rs->names[i], sizeof(rs->names[i]));
		rs->ptrs[i] = rs->names[i];
	}
}

void report_input_init(struct report_input *in, const struct report_sources *rs,
		       const struct pipeline *p, const struct dissector *d,
		       struct store *store)
{
	memset(in, 0, sizeof(*in));
	in->sources = rs->ptrs;
	in->source_count = rs->count;
	in->counters = dissector_counters(d);
	in->malformed = dissector_malformed(d);
	in->store = store;
	in->filtered = rs->filtered;
	in->saver = rs->saver;
	in->writer = rs->writer;
	in->text = rs->text;
	pipeline_drops(p, &in->drops);
}

static void write_report(FILE *out, enum report_format fmt, const struct report_sources *rs,
			 const struct pipeline *p, const struct dissector *d, struct store *store)
{
	struct report_input in;
	store_read_lock(store);
	report_input_init(&in, rs, p, d, store);
	if (fmt == REPORT_TEXT)
		report_write_text(out, &in);
	else
		report_write_json(out, &in);
	store_read_unlock(store);
}

void report_print(enum report_format fmt, const struct report_sources *rs,
		  const struct pipeline *p, const struct dissector *d, struct store *store)
{
	static char out_buffer[1 << 20];
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	write_report(stdout, fmt, rs, p, d, store);
	fflush(stdout);
}

bool report_write_file(const char *path, enum report_format fmt,
		       const struct report_sources *rs, const struct pipeline *p,
		       const struct dissector *d, struct store *store,
		       char *errbuf, size_t errlen)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(errbuf, errlen, "%s: path too long", path);
		return false;
	}
	signals_set_cleanup_path(tmp);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(errbuf, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		signals_set_cleanup_path(NULL);
		return false;
	}
	write_report(f, fmt, rs, p, d, store);
	bool ok = !ferror(f);
	if (fclose(f) != 0)
		ok = false;
	bool replaced = false;
	if (!ok)
		snprintf(errbuf, errlen, "%s: write failed: %s", tmp, strerror(errno));
	else if (rename(tmp, path) != 0)
		snprintf(errbuf, errlen, "%s: cannot replace: %s", path, strerror(errno));
	else
		replaced = true;
	if (!replaced)
		unlink(tmp);
	signals_set_cleanup_path(NULL);
	return replaced;
}
