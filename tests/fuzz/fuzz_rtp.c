/* fuzz_rtp.c - libFuzzer harness for RTP/RTCP header recognition (rtp.h):
 * the input is one UDP payload on a media port.
 *
 * The payload rtp_decode() finds must lie inside the packet, after the
 * fixed header.  RTCP compound packets (rtcp.h) and RFC 4733 events
 * (rtp_event.h) are added here once they are built into the library; see
 * README.md. */
#include "fuzz.h"

#include "dissect/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view pkt = view_make(data, size);

	bool rtcp = rtp_is_rtcp(pkt);
	struct rtp_header h;
	enum anomaly a = rtp_decode(pkt, &h);
	FUZZ_CHECK(a == ANOMALY_NONE || a == ANOMALY_RTP_BAD);
	if (a == ANOMALY_NONE) {
		FUZZ_CHECK(size >= RTP_HEADER_LEN);
		FUZZ_CHECK(fuzz_view_within(h.payload, pkt));
		FUZZ_CHECK(h.payload.len == 0 || h.payload.p >= data + RTP_HEADER_LEN);
		FUZZ_CHECK(h.pt <= 127);
		fuzz_touch(h.payload);
		/* RFC 5761 4: a packet is either RTCP or RTP by its second
		 * byte; with the marker bit folded in, types 72-95 are the
		 * RTP payload types that collide. */
		if (rtcp)
			FUZZ_CHECK(h.marker && h.pt >= 64 && h.pt <= 95);
	}
	return 0;
}
