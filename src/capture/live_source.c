/* live_source.c - live capture through libpcap (see live_source.h). */
#include "capture/live_source.h"

#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

/* How long pcap may hold packets before handing them over (TPACKET_V3
 * block timeout): short enough for a live view, long enough to batch. */
#define LIVE_READ_TIMEOUT_MS 50
/* pcap_stats() is read this often (it is a system call). */
#define LIVE_STATS_INTERVAL_NS (500 * 1000 * 1000LL)

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

static bool is_loopback(const char *device)
{
	struct ifreq ifr;
	if (strlen(device) >= sizeof(ifr.ifr_name))
		return false;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, device, strlen(device));
	bool lo = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
	close(s);
	return lo;
}

/* On loopback the kernel hands a packet socket every packet twice, as sent
 * and as received, and libpcap throws the sent copy away only after it has
 * taken room in the capture buffer.  Asking for received packets only is
 * the same capture at half the kernel's work and buffer: the sent copy is
 * not even queued (PACKET_IGNORE_OUTGOING, set by hand in case this
 * libpcap does not set it for PCAP_D_IN). */
static void take_loopback_once(pcap_t *p)
{
	pcap_setdirection(p, PCAP_D_IN);
	int one = 1;
	int fd = pcap_fileno(p);
	if (fd >= 0)
		setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
}

struct live_source {
	char *device;
	pcap_t *pcap;
	int linktype;
	struct ring *ring;
	_Atomic uint64_t captured;
	_Atomic uint64_t ring_drops;
	_Atomic uint64_t kernel_drops;
	_Atomic uint64_t interface_drops;
	char error[PCAP_ERRBUF_SIZE + 64];
	_Atomic bool failed;
};

static void describe_activate_error(const char *dev, int rc, pcap_t *p, char *errbuf,
				    size_t errlen)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
		snprintf(errbuf, errlen,
			 "cannot capture on %s: permission denied (run as root, or give sipmon "
			 "CAP_NET_RAW and CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip sipmon)",
			 dev);
		break;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(errbuf, errlen, "cannot capture on %s: no such device", dev);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(errbuf, errlen, "cannot capture on %s: the interface is down", dev);
		break;
	default:
		snprintf(errbuf, errlen, "cannot capture on %s: %s", dev, pcap_geterr(p));
		break;
	}
}

struct live_source *live_source_open(const char *device, const struct live_config *cfg,
				     char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct live_source *ls = xcalloc(1, sizeof(*ls));
	ls->device = xstrdup(device);
	ls->pcap = pcap_create(device, perr);
	if (!ls->pcap) {
		snprintf(errbuf, errlen, "cannot capture on %s: %s", device, perr);
		goto fail;
	}
	pcap_set_snaplen(ls->pcap, LIVE_SNAPLEN);
	pcap_set_promisc(ls->pcap, cfg->promiscuous);
	pcap_set_timeout(ls->pcap, LIVE_READ_TIMEOUT_MS);
	pcap_set_buffer_size(ls->pcap, (int)((cfg->buffer_mib ? cfg->buffer_mib
							      : LIVE_DEFAULT_BUFFER_MIB) << 20));
	/* Nanoseconds where the platform has them; microseconds otherwise. */
	pcap_set_tstamp_precision(ls->pcap, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(ls->pcap);
	if (rc < 0) {
		describe_activate_error(device, rc, ls->pcap, errbuf, errlen);
		goto fail;
	}
	if (rc == PCAP_WARNING_PROMISC_NOTSUP)
		fprintf(stderr, "sipmon: %s: promiscuous mode not supported, capturing without it\n",
			device);
	ls->linktype = pcap_datalink(ls->pcap);
	if (is_loopback(device))
		take_loopback_once(ls->pcap);
	if (cfg->bpf && *cfg->bpf) {
		struct bpf_program prog;
		if (pcap_compile(ls->pcap, &prog, cfg->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(errbuf, errlen, "bad filter '%s' on %s: %s", cfg->bpf, device,
				 pcap_geterr(ls->pcap));
			goto fail;
		}
		rc = pcap_setfilter(ls->pcap, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(errbuf, errlen, "cannot apply the filter on %s: %s", device,
				 pcap_geterr(ls->pcap));
			goto fail;
		}
	}
	return ls;
fail:
	live_source_free(ls);
	return NULL;
}

void live_source_free(struct live_source *ls)
{
	if (!ls)
		return;
	if (ls->pcap)
		pcap_close(ls->pcap);
	free(ls->device);
	free(ls);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live_source *ls = (struct live_source *)user;
	struct ring_record rec = {
		/* Activated with nanosecond precision: tv_usec holds ns. */
		.ts_ns = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec,
		.caplen = h->caplen,
		.wirelen = h->len,
		.linktype = ls->linktype,
	};
	atomic_fetch_add_explicit(&ls->captured, 1, memory_order_relaxed);
	if (!ring_try_push(ls->ring, &rec, bytes))
		atomic_fetch_add_explicit(&ls->ring_drops, 1, memory_order_relaxed);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void read_stats(struct live_source *ls)
{
	struct pcap_stat st;
	if (pcap_stats(ls->pcap, &st) == 0) {
		atomic_store(&ls->kernel_drops, st.ps_drop);
		atomic_store(&ls->interface_drops, st.ps_ifdrop);
	}
}

void live_source_run(struct live_source *ls, struct ring *ring)
{
	ls->ring = ring;
	int64_t next_stats = 0;
	for (;;) {
		int n = pcap_dispatch(ls->pcap, -1, on_packet, (u_char *)ls);
		int64_t now = monotonic_ns();
		if (now >= next_stats) {
			read_stats(ls);
			next_stats = now + LIVE_STATS_INTERVAL_NS;
		}
		if (n == PCAP_ERROR_BREAK)
			break;
		if (n < 0) {
			snprintf(ls->error, sizeof(ls->error), "capture on %s stopped: %s", ls->device,
				 pcap_geterr(ls->pcap));
			atomic_store(&ls->failed, true);
			break;
		}
	}
	read_stats(ls);
	ring_finish(ring);
}

void live_source_break(struct live_source *ls)
{
	pcap_breakloop(ls->pcap);
}

void live_source_drops(const struct live_source *ls, struct live_drops *out)
{
	struct live_source *m = (struct live_source *)ls;
	out->kernel = atomic_load(&m->kernel_drops);
	out->interface = atomic_load(&m->interface_drops);
	out->ring = atomic_load(&m->ring_drops);
	out->captured = atomic_load(&m->captured);
}

const char *live_source_error(const struct live_source *ls)
{
	return atomic_load(&((struct live_source *)ls)->failed) ? ls->error : NULL;
}
