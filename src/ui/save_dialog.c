/* save_dialog.c - writes the selected, displayed or all dialogs to a file,
 * now: their messages as text, or their packets as pcap (the frames the
 * store kept with each dialog: SIP always, RTP when sipmon runs with -r),
 * merged in capture order. */
#include "ui/window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "dissect/packet.h"
#include "output/pcap_writer.h"
#include "output/sip_text.h"
#include "ui/draw.h"
#include "ui/text_field.h"
#include "util/netaddr.h"
#include "util/xalloc.h"

#define SAVE_DIALOG_WIDTH 70
#define SAVE_ERROR_LEN (TEXT_FIELD_MAX + 160)
/* Dialog indexes gathered per step when saving many. */
#define SAVE_BATCH 4096

enum save_scope { SCOPE_SELECTED, SCOPE_DISPLAYED, SCOPE_ALL, SCOPE_COUNT };
static const char *const scope_labels[SCOPE_COUNT] = {
	[SCOPE_SELECTED] = "selected dialogs",
	[SCOPE_DISPLAYED] = "displayed dialogs",
	[SCOPE_ALL] = "all stored dialogs",
};

struct save_result {
	uint64_t dialogs, messages;
	uint64_t packets;          /* pcap formats */
};

/* One output format. */
struct save_format {
	const char *name;
	const char *extension;
	/* Writes the messages of calls[0..count) to out; false and errbuf
	 * on failure. */
	bool (*write)(struct ui *ui, FILE *out, const uint64_t *calls, size_t count,
		      struct save_result *res, char *errbuf, size_t errlen);
	/* Or, for formats that write the whole file at once (pcap): */
	bool (*save_file)(struct ui *ui, const char *path, bool with_media,
			  struct save_result *res, char *errbuf, size_t errlen);
	bool with_media;
};

static bool write_text(struct ui *ui, FILE *out, const uint64_t *calls, size_t count,
		       struct save_result *res, char *errbuf, size_t errlen);
static bool save_pcap(struct ui *ui, const char *path, bool with_media,
		      struct save_result *res, char *errbuf, size_t errlen);

static const struct save_format save_formats[] = {
	{ "text: every message as captured, with time and addresses", ".txt", write_text, NULL,
	  false },
	{ "pcap: SIP and RTP packets (RTP is kept with -r)", ".pcap", NULL, save_pcap, true },
	{ "pcap: SIP packets only", ".pcap", NULL, save_pcap, false },
};
#define SAVE_FORMAT_COUNT (sizeof(save_formats) / sizeof(save_formats[0]))

enum { FOCUS_PATH = 0, FOCUS_SCOPE, FOCUS_FORMAT, FOCUS_SAVE, FOCUS_CANCEL, FOCUS_COUNT };

static struct {
	struct text_field path;
	enum save_scope scope;
	size_t format;
	int focus;
	char error[SAVE_ERROR_LEN];
	size_t counts[SCOPE_COUNT];
} save;

/* --- writing text ------------------------------------------------------ */

/* Copies message `ordinal` of dialog `index` (briefly under the read
 * lock) so the file is written without holding it; body holds
 * SIP_MAX_MESSAGE bytes. */
static bool copy_message(struct store *s, uint64_t index, uint64_t ordinal,
			 struct sip_text_message *out, uint8_t *body, bool *more)
{
	bool ok = false;
	*more = false;
	store_read_lock(s);
	const struct call *c = store_call_by_index(s, index);
	if (c) {
		uint64_t first = c->messages_dropped;
		if (ordinal < first)
			ordinal = first;
		uint64_t i = ordinal - first;
		if (i < c->messages_kept) {
			const struct call_message *m = call_message_at(c, (uint32_t)i);
			uint32_t n = m->raw && m->raw_len <= SIP_MAX_MESSAGE ? m->raw_len : 0;
			if (n)
				memcpy(body, m->raw, n);
			*out = (struct sip_text_message){
				.ts_ns = m->ts_ns, .src = m->src, .dst = m->dst,
				.transport = (enum transport)m->transport, .raw = body, .len = n,
			};
			*more = i + 1 < c->messages_kept;
			ok = true;
		}
	}
	store_read_unlock(s);
	return ok;
}

/* Every kept message of each dialog, in the format --text writes
 * (output/sip_text.h). */
static bool write_text(struct ui *ui, FILE *out, const uint64_t *calls, size_t count,
		       struct save_result *res, char *errbuf, size_t errlen)
{
	static uint8_t body[SIP_MAX_MESSAGE];
	static uint8_t text[SIP_TEXT_MAX_FOR(SIP_MAX_MESSAGE)];
	struct store *s = ui->ctx->store;
	for (size_t k = 0; k < count; k++) {
		uint64_t ordinal = 0;
		bool more = true, any = false;
		/* Start at the oldest kept message. */
		store_read_lock(s);
		const struct call *c = store_call_by_index(s, calls[k]);
		if (c)
			ordinal = c->messages_dropped;
		store_read_unlock(s);
		while (more) {
			struct sip_text_message m;
			if (!copy_message(s, calls[k], ordinal, &m, body, &more))
				break;
			ordinal++;
			any = true;
			size_t len = sip_text_format(&m, text, sizeof(text));
			if (fwrite(text, 1, len, out) != len)
				goto fail;
			res->messages++;
		}
		res->dialogs += any;
		if (ferror(out))
			goto fail;
	}
	return true;
fail:
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	return false;
}

/* --- writing pcap --------------------------------------------------------- */

static size_t scope_calls(struct ui *ui, enum save_scope scope, size_t from, uint64_t *out, size_t cap);

struct frame_ref {
	const struct kept_frame *frame;
};

static int by_capture_order(const void *a, const void *b)
{
	const struct kept_frame *x = ((const struct frame_ref *)a)->frame;
	const struct kept_frame *y = ((const struct frame_ref *)b)->frame;
	return (x->number > y->number) - (x->number < y->number);
}

/* The chosen dialogs' kept frames, merged in capture order (a frame two
 * dialogs share, such as a TCP segment with two messages, once), handed to
 * the pcap writer.  The store's read lock is held while the frames are
 * queued: the writer copies them, so it is released before the file is
 * finished. */
static bool save_pcap(struct ui *ui, const char *path, bool with_media,
		      struct save_result *res, char *errbuf, size_t errlen)
{
	struct store *s = ui->ctx->store;
	size_t cap_calls = SAVE_BATCH, n_calls = 0;
	uint64_t *calls = xmalloc(cap_calls * sizeof(*calls));
	for (;;) {
		if (n_calls + SAVE_BATCH > cap_calls) {
			cap_calls *= 2;
			calls = xrealloc(calls, cap_calls * sizeof(*calls));
		}
		size_t got = scope_calls(ui, save.scope, n_calls, calls + n_calls, SAVE_BATCH);
		if (got == 0)
			break;
		n_calls += got;
	}
	store_read_lock(s);
	size_t n = 0, cap = 1024;
	uint64_t bytes = 0;
	struct frame_ref *refs = xmalloc(cap * sizeof(*refs));
	for (size_t k = 0; k < n_calls; k++) {
		const struct call *c = store_call_by_index(s, calls[k]);
		if (!c)
			continue;
		res->dialogs++;
		for (const struct kept_frame *f = c->kept_head; f; f = f->next) {
			if (f->media && !with_media)
				continue;
			if (n == cap) {
				cap *= 2;
				refs = xrealloc(refs, cap * sizeof(*refs));
			}
			refs[n++].frame = f;
			bytes += f->caplen;
		}
	}
	qsort(refs, n, sizeof(*refs), by_capture_order);
	struct pcap_writer_config wcfg = {
		.path = path,
		.queue_bytes = (size_t)bytes + n * 64 + (1u << 20),
		.on_error = WRITER_ERROR_STOP_WRITING,
		.quiet = true,
	};
	struct pcap_writer *w = pcap_writer_open(&wcfg, errbuf, errlen);
	bool ok = w != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		const struct kept_frame *f = refs[i].frame;
		if (i && f->number == refs[i - 1].frame->number)
			continue;
		pcap_writer_write(w, f->ts_ns, f->caplen, f->wirelen, f->linktype, f->data);
	}
	store_read_unlock(s);
	free(refs);
	free(calls);
	if (!w)
		return false;
	pcap_writer_close(w);
	struct pcap_writer_stats st;
	pcap_writer_stats(w, &st);
	pcap_writer_free(w);
	res->packets = st.written;
	if (st.failed || st.queue_drops || st.write_drops) {
		snprintf(errbuf, errlen, "%s", st.failed ? st.error : "some packets could not be written");
		return false;
	}
	return true;
}

/* --- the dialog ---------------------------------------------------------- */

static size_t scope_calls(struct ui *ui, enum save_scope scope, size_t from, uint64_t *out, size_t cap)
{
	switch (scope) {
	case SCOPE_SELECTED: {
		/* The selection is small next to what is displayed; gather it
		 * whole and hand out a window of it. */
		uint64_t *all = xmalloc((save.counts[SCOPE_SELECTED] + 1) * sizeof(*all));
		size_t n = call_list_selected(all, save.counts[SCOPE_SELECTED]);
		size_t got = 0;
		for (size_t i = from; i < n && got < cap; i++)
			out[got++] = all[i];
		free(all);
		return got;
	}
	case SCOPE_DISPLAYED:
		return call_list_displayed(from, out, cap);
	case SCOPE_ALL: {
		struct store *s = ui->ctx->store;
		store_read_lock(s);
		uint64_t first = store_first_index(s), last = store_last_index(s);
		store_read_unlock(s);
		size_t got = 0;
		for (uint64_t i = first + from; i <= last && got < cap; i++)
			out[got++] = i;
		return got;
	}
	default:
		return 0;
	}
}

static void default_path(void)
{
	char name[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(name, sizeof(name), "sipmon-%Y%m%d-%H%M%S", &tm);
	/* save.directory: where the user keeps captures. */
	const struct config *cfg = ui_config();
	const char *dir = cfg ? config_value(cfg, SET_SAVE_DIRECTORY) : "";
	size_t dlen = strlen(dir);
	char path[TEXT_FIELD_MAX];
	snprintf(path, sizeof(path), "%s%s%s%s", dir, dlen && dir[dlen - 1] != '/' ? "/" : "", name,
		 save_formats[save.format].extension);
	text_field_set(&save.path, path);
}

static void save_open(struct ui *ui)
{
	save.counts[SCOPE_SELECTED] = call_list_selected_count();
	save.counts[SCOPE_DISPLAYED] = call_list_displayed_count();
	store_read_lock(ui->ctx->store);
	save.counts[SCOPE_ALL] = store_call_count(ui->ctx->store);
	store_read_unlock(ui->ctx->store);
	save.scope = save.counts[SCOPE_SELECTED] ? SCOPE_SELECTED : SCOPE_DISPLAYED;
	save.focus = FOCUS_PATH;
	save.error[0] = '\0';
	if (!save.path.len) {
		/* A fresh dialog proposes save.format (text, pcap, pcap-sip:
		 * the rows of save_formats in order). */
		const struct config *cfg = ui_config();
		static const char *const format_names[SAVE_FORMAT_COUNT] = { "text", "pcap", "pcap-sip" };
		for (size_t i = 0; cfg && i < SAVE_FORMAT_COUNT; i++)
			if (strcmp(config_value(cfg, SET_SAVE_FORMAT), format_names[i]) == 0)
				save.format = i;
		default_path();
	}
}

static void do_save(struct ui *ui)
{
	const char *path = save.path.text;
	if (!path[0]) {
		snprintf(save.error, sizeof(save.error), "give a file name");
		return;
	}
	if (access(path, F_OK) == 0) {
		snprintf(save.error, sizeof(save.error), "%s exists: choose another name", path);
		return;
	}
	const struct save_format *fmt = &save_formats[save.format];
	if (fmt->save_file) {
		struct save_result pr = { 0, 0, 0 };
		if (!fmt->save_file(ui, path, fmt->with_media, &pr, save.error, sizeof(save.error)))
			return;
		ui_pop(ui);
		ui_note(ui, "saved %llu packets of %llu dialogs to %s", (unsigned long long)pr.packets,
			(unsigned long long)pr.dialogs, path);
		text_field_clear(&save.path);
		return;
	}
	FILE *out = fopen(path, "w");
	if (!out) {
		snprintf(save.error, sizeof(save.error), "cannot create %s: %s", path, strerror(errno));
		return;
	}
	struct save_result res = { 0, 0, 0 };
	uint64_t batch[SAVE_BATCH];
	bool ok = true;
	for (size_t from = 0; ok;) {
		size_t n = scope_calls(ui, save.scope, from, batch, SAVE_BATCH);
		if (n == 0)
			break;
		ok = save_formats[save.format].write(ui, out, batch, n, &res, save.error,
						     sizeof(save.error));
		from += n;
	}
	if (fclose(out) != 0 && ok) {
		ok = false;
		snprintf(save.error, sizeof(save.error), "cannot write %s: %s", path, strerror(errno));
	}
	if (!ok)
		return;
	ui_pop(ui);
	ui_note(ui, "saved %llu messages of %llu dialogs to %s", (unsigned long long)res.messages,
		(unsigned long long)res.dialogs, path);
	text_field_clear(&save.path);
}

static void save_draw(struct ui *ui)
{
	int h = 12;
	int y0, x0;
	draw_dialog(h, SAVE_DIALOG_WIDTH, "Save messages", &y0, &x0);
	int inner = (COLS < SAVE_DIALOG_WIDTH ? COLS : SAVE_DIALOG_WIDTH) - 4;
	int y = y0 + 2, label_w = 10;
	draw_text(y, x0 + 2, label_w, "File", save.focus == FOCUS_PATH ? A_BOLD : A_NORMAL);
	text_field_draw(&save.path, y, x0 + 2 + label_w, inner - label_w, save.focus == FOCUS_PATH);
	y += 2;
	char line[128];
	snprintf(line, sizeof(line), "< %s [%zu] >", scope_labels[save.scope], save.counts[save.scope]);
	draw_text(y, x0 + 2, label_w, "Dialogs", A_NORMAL);
	draw_text(y, x0 + 2 + label_w, inner - label_w, line,
		  save.focus == FOCUS_SCOPE ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL);
	y++;
	snprintf(line, sizeof(line), SAVE_FORMAT_COUNT > 1 ? "< %s >" : "%s",
		 save_formats[save.format].name);
	draw_text(y, x0 + 2, label_w, "Format", A_NORMAL);
	draw_text(y, x0 + 2 + label_w, inner - label_w, line,
		  save.focus == FOCUS_FORMAT ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL);
	y += 2;
	if (save.error[0])
		draw_text(y, x0 + 2, inner, save.error, draw_attr(UI_COLOR_WARN));
	else
		draw_text(y, x0 + 2, inner, "Left/Right change the choice; Enter saves.",
			  draw_attr(UI_COLOR_DIM));
	y += 2;
	int bx = x0 + 2;
	bx += draw_text(y, bx, inner, "[ Save ]", save.focus == FOCUS_SAVE ? draw_attr(UI_COLOR_CURSOR) : A_BOLD) + 3;
	draw_text(y, bx, inner, "[ Cancel ]", save.focus == FOCUS_CANCEL ? draw_attr(UI_COLOR_CURSOR) : A_BOLD);
}

enum save_action { SAVE_NEXT = 1, SAVE_PREV, SAVE_LEFT, SAVE_RIGHT, SAVE_ENTER, SAVE_CANCEL };

static const struct ui_binding save_bindings[] = {
	{ { UI_KEY_TAB, UI_FKEY(KEY_DOWN) }, "Tab Down", "Next field", SAVE_NEXT, "save.next" },
	{ { UI_FKEY(KEY_BTAB), UI_FKEY(KEY_UP) }, "S-Tab Up", "Previous field", SAVE_PREV, "save.prev" },
	{ { UI_FKEY(KEY_LEFT) }, "Left", "Previous choice", SAVE_LEFT, "save.left" },
	{ { UI_FKEY(KEY_RIGHT) }, "Right", "Next choice", SAVE_RIGHT, "save.right" },
	{ { UI_KEY_ENTER, '\r', UI_FKEY(KEY_ENTER) }, "Enter", "Save (or press the focused button)", SAVE_ENTER, "save.enter" },
	{ { UI_KEY_ESC }, "Esc", "Close without saving", SAVE_CANCEL, "save.cancel" },
};

/* A file name ending in the old format's extension takes the new one's. */
static void change_format(size_t to)
{
	const char *old_ext = save_formats[save.format].extension;
	const char *new_ext = save_formats[to].extension;
	save.format = to;
	size_t len = strlen(save.path.text), old_len = strlen(old_ext);
	if (len < old_len || strcmp(save.path.text + len - old_len, old_ext) != 0)
		return;
	char path[TEXT_FIELD_MAX];
	snprintf(path, sizeof(path), "%.*s%s", (int)(len - old_len), save.path.text, new_ext);
	text_field_set(&save.path, path);
}

static void cycle(int step)
{
	if (save.focus == FOCUS_SCOPE)
		save.scope = (enum save_scope)((save.scope + SCOPE_COUNT + step) % SCOPE_COUNT);
	else if (save.focus == FOCUS_FORMAT)
		change_format((size_t)((long)save.format + (long)SAVE_FORMAT_COUNT + step) %
			      SAVE_FORMAT_COUNT);
}

static bool save_action(struct ui *ui, int action)
{
	switch (action) {
	case SAVE_NEXT: save.focus = (save.focus + 1) % FOCUS_COUNT; return true;
	case SAVE_PREV: save.focus = (save.focus + FOCUS_COUNT - 1) % FOCUS_COUNT; return true;
	case SAVE_LEFT: cycle(-1); return true;
	case SAVE_RIGHT: cycle(1); return true;
	case SAVE_ENTER:
		if (save.focus == FOCUS_CANCEL)
			ui_pop(ui);
		else
			do_save(ui);
		return true;
	case SAVE_CANCEL: ui_pop(ui); return true;
	default: return false;
	}
}

/* Typing edits the file name while it has the focus (Left/Right move in
 * it there rather than changing a choice). */
static bool save_key(struct ui *ui, int key)
{
	if (save.focus != FOCUS_PATH)
		return false;
	if (key == UI_KEY_TAB || key == UI_FKEY(KEY_BTAB) || key == UI_FKEY(KEY_DOWN) ||
	    key == UI_FKEY(KEY_UP) || key == UI_KEY_ENTER || key == '\r' ||
	    key == UI_FKEY(KEY_ENTER) || key == UI_KEY_ESC)
		return false;
	if (text_field_key(&save.path, key))
		save.error[0] = '\0';
	return true;
}

const struct ui_window save_dialog_window = {
	.title = "Save",
	.open = save_open,
	.draw = save_draw,
	.action = save_action,
	.key = save_key,
	.bindings = save_bindings,
	.binding_count = sizeof(save_bindings) / sizeof(save_bindings[0]),
	.is_dialog = true,
};
