/* emodel.c - ITU-T G.107 simplified E-model and codec table (see emodel.h). */
#include "store/emodel.h"

#include <strings.h>

/* G.107 7.5 (eq. for Ie,eff): the constant 95 is the R range over which
 * loss can degrade a connection. */
#define EMODEL_IE_EFF_SPAN 95.0

/* Delay impairment fit (Cole & Rosenbluth 2001): 0.024 per ms, plus 0.11
 * per ms beyond the knee at 177.3 ms where conversation starts to break. */
#define EMODEL_ID_SLOPE 0.024
#define EMODEL_ID_KNEE_MS 177.3
#define EMODEL_ID_KNEE_SLOPE 0.11

/* G.107 Annex B (B-4): MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6. */
#define EMODEL_MOS_MIN 1.0
#define EMODEL_MOS_MAX 4.5
#define EMODEL_R_MOS_MAX 100.0
#define EMODEL_MOS_LINEAR 0.035
#define EMODEL_MOS_CUBIC 7e-6
#define EMODEL_MOS_CUBIC_ROOT 60.0

#define NO_STATIC_PT (-1)

/* Sources, ITU-T G.113 (11/2007) Appendix I:
 *   Table I.1 - provisional planning values of Ie per codec and rate;
 *   Table I.3 - provisional planning values of Bpl (random loss), each row
 *               with its own Ie: G.711 + Appendix I PLC (Ie 0, Bpl 25.1),
 *               G.711 without PLC (Bpl 4.3), G.723.1+VAD 6.3 kbit/s (Ie 15,
 *               Bpl 16.1), G.729A+VAD (Ie 11, Bpl 19.0), GSM-EFR (Ie 5,
 *               Bpl 10.0).
 * G.711 is entered WITH packet loss concealment (Bpl 25.1): current phones,
 * softphones and gateways all conceal lost G.711 frames (G.711 Appendix I
 * or their own); without PLC (Bpl 4.3) 1 % random loss would cost ~17 R
 * points instead of ~3.6.  Rows marked provisional have no ITU-T value for
 * the codec; the source says what stands in for it. */
static const struct emodel_codec codecs[] = {
	{ "PCMU", 0, 0.0, 25.1, false,
	  "G.113 App. I Table I.1 (Ie 0) and Table I.3 (G.711 with PLC, Bpl 25.1)" },
	{ "PCMA", 8, 0.0, 25.1, false,
	  "G.113 App. I Table I.1 (Ie 0) and Table I.3 (G.711 with PLC, Bpl 25.1)" },
	{ "G729", 18, 11.0, 19.0, false,
	  "G.113 App. I Table I.3 (G.729A+VAD: Ie 11, Bpl 19.0; plain G.729 has Ie 10 in Table I.1)" },
	{ "G723", 4, 15.0, 16.1, false,
	  "G.113 App. I Table I.3 (G.723.1+VAD 6.3 kbit/s: Ie 15, Bpl 16.1)" },
	{ "GSM-EFR", NO_STATIC_PT, 5.0, 10.0, false,
	  "G.113 App. I Table I.3 (GSM-EFR: Ie 5, Bpl 10.0)" },
	{ "GSM", 3, 20.0, 10.0, true,
	  "Ie: G.113 App. I Table I.1 (GSM 06.10 full rate, 20); Bpl: none in G.113, GSM-EFR's 10.0 stands in" },
	{ "AMR", NO_STATIC_PT, 5.0, 10.0, true,
	  "none in G.113 per AMR mode; the 12.2 kbit/s mode is the GSM-EFR codec (3GPP TS 26.090), whose Table I.3 row (Ie 5, Bpl 10.0) stands in" },
	{ "G728", 15, 7.0, 19.0, true,
	  "Ie: G.113 App. I Table I.1 (G.728 16 kbit/s, 7); Bpl: none, G.729A's 19.0 (CELP with concealment) stands in" },
	{ "G726-16", NO_STATIC_PT, 50.0, 4.3, true,
	  "Ie: G.113 App. I Table I.1 (ADPCM 16 kbit/s, 50); Bpl: none, G.711 without PLC's 4.3 stands in" },
	{ "G726-24", NO_STATIC_PT, 25.0, 4.3, true,
	  "Ie: G.113 App. I Table I.1 (ADPCM 24 kbit/s, 25); Bpl: none, G.711 without PLC's 4.3 stands in" },
	{ "G726-32", NO_STATIC_PT, 7.0, 4.3, true,
	  "Ie: G.113 App. I Table I.1 (ADPCM 32 kbit/s, 7); Bpl: none, G.711 without PLC's 4.3 stands in" },
	{ "G726-40", NO_STATIC_PT, 2.0, 4.3, true,
	  "Ie: G.113 App. I Table I.1 (ADPCM 40 kbit/s, 2); Bpl: none, G.711 without PLC's 4.3 stands in" },
	{ "iLBC", NO_STATIC_PT, 11.0, 19.0, true,
	  "none in G.113; G.729A+VAD's Table I.3 row (Ie 11, Bpl 19.0), a frame-based codec of similar rate, stands in" },
	{ "speex", NO_STATIC_PT, 11.0, 19.0, true,
	  "none in G.113; G.729A+VAD's Table I.3 row (Ie 11, Bpl 19.0), a CELP codec of similar rate, stands in" },
	{ "G722", 9, 0.0, 25.1, true,
	  "wideband: rated by G.113 only on the G.107.1 wideband scale; on this narrowband scale taken as G.711 with PLC (Ie 0, Bpl 25.1)" },
	{ "AMR-WB", NO_STATIC_PT, 0.0, 25.1, true,
	  "wideband: rated by G.113 only on the G.107.1 wideband scale; on this narrowband scale taken as G.711 with PLC (Ie 0, Bpl 25.1)" },
	{ "opus", NO_STATIC_PT, 0.0, 25.1, true,
	  "none in G.113 (fullband, built-in PLC, RFC 6716); on this narrowband scale taken as G.711 with PLC (Ie 0, Bpl 25.1)" },
};

#define CODEC_COUNT (sizeof(codecs) / sizeof(codecs[0]))

const struct emodel_codec *emodel_codec_lookup(const char *encoding, uint8_t pt)
{
	if (encoding && encoding[0]) {
		/* RFC 4855 3: media subtype names are case-insensitive. */
		for (size_t i = 0; i < CODEC_COUNT; i++)
			if (strcasecmp(codecs[i].encoding, encoding) == 0)
				return &codecs[i];
		return NULL;
	}
	for (size_t i = 0; i < CODEC_COUNT; i++)
		if (codecs[i].static_pt == (int)pt)
			return &codecs[i];
	return NULL;
}

const struct emodel_codec *emodel_codec_table(size_t *count)
{
	*count = CODEC_COUNT;
	return codecs;
}

double emodel_delay_impairment(double ta_ms)
{
	if (!(ta_ms > 0.0))
		return 0.0;
	double id = EMODEL_ID_SLOPE * ta_ms;
	if (ta_ms > EMODEL_ID_KNEE_MS)
		id += EMODEL_ID_KNEE_SLOPE * (ta_ms - EMODEL_ID_KNEE_MS);
	return id;
}

double emodel_ie_eff(const struct emodel_codec *c, double ppl_pct, double burst_r)
{
	if (!(ppl_pct > 0.0))
		return c->ie;
	if (ppl_pct > 100.0)
		ppl_pct = 100.0;
	if (!(burst_r >= EMODEL_BURST_R_MIN))
		burst_r = EMODEL_BURST_R_MIN;
	if (burst_r > EMODEL_BURST_R_MAX)
		burst_r = EMODEL_BURST_R_MAX;
	return c->ie + (EMODEL_IE_EFF_SPAN - c->ie) * ppl_pct / (ppl_pct / burst_r + c->bpl);
}

double emodel_r(const struct emodel_codec *c, double ppl_pct, double burst_r,
		double ta_ms)
{
	return EMODEL_R_DEFAULT - emodel_delay_impairment(ta_ms) -
	       emodel_ie_eff(c, ppl_pct, burst_r);
}

double emodel_mos_from_r(double r)
{
	if (!(r > 0.0))
		return EMODEL_MOS_MIN;
	if (r >= EMODEL_R_MOS_MAX)
		return EMODEL_MOS_MAX;
	return EMODEL_MOS_MIN + EMODEL_MOS_LINEAR * r +
	       r * (r - EMODEL_MOS_CUBIC_ROOT) * (EMODEL_R_MOS_MAX - r) * EMODEL_MOS_CUBIC;
}

double emodel_burst_ratio(double p, double q)
{
	double s = p + q;
	if (!(s > 0.0))
		return EMODEL_BURST_R_MIN;
	return 1.0 / s;
}
