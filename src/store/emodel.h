/* emodel.h - listening/conversational quality estimate from the ITU-T G.107
 * E-model, simplified for VoIP monitoring.
 *
 * With every G.107 input except the codec, loss and delay at its default
 * (Table 3), R reduces to
 *
 *     R = 93.2 - Id - Ie,eff                                  (G.107 7.1)
 *     Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)    (G.107 7.5)
 *     Id = 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3)
 *
 * where Ppl is the packet loss in percent, BurstR the burst ratio, Ta the
 * one-way delay in ms and H the step function.  The Id line is the usual
 * fit of G.107's delay terms for an echo-free path (Cole & Rosenbluth,
 * "Voice over IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001),
 * not G.107's own Idd/Idte/Idle formulas.  MOS follows G.107 Annex B
 * (eq. B-4).  Section numbers are those of G.107 since 2011 (3.x in the
 * 2003/2005 editions).  Ie and Bpl per codec come from ITU-T G.113 Appendix I; where
 * G.113 has no value the table says so and what stands in for it. */
#ifndef SIPMON_STORE_EMODEL_H
#define SIPMON_STORE_EMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* G.107 Table 3 defaults give Ro - Is = 93.2 (the "93.2" above). */
#define EMODEL_R_DEFAULT 93.2
/* G.107 7.5: BurstR is 1 for random loss; G.107 Table 3 gives 1..8 as its
 * permitted range. */
#define EMODEL_BURST_R_MIN 1.0
#define EMODEL_BURST_R_MAX 8.0

struct emodel_codec {
	const char *encoding;    /* SDP rtpmap encoding name (RFC 4855) */
	int static_pt;           /* RFC 3551 static payload type, or -1 */
	double ie;               /* equipment impairment factor */
	double bpl;              /* packet-loss robustness factor */
	bool provisional;        /* no ITU-T value: a stand-in, see source */
	const char *source;      /* where ie and bpl come from */
};

/* The codec by SDP encoding name (ASCII case-insensitive); when encoding is
 * NULL or "", by static payload type.  NULL when unknown. */
const struct emodel_codec *emodel_codec_lookup(const char *encoding, uint8_t pt);

/* The whole table (for the man page and tests). */
const struct emodel_codec *emodel_codec_table(size_t *count);

/* Delay impairment Id for a one-way mouth-to-ear delay ta_ms (>= 0). */
double emodel_delay_impairment(double ta_ms);

/* Effective equipment impairment Ie,eff for ppl_pct percent loss (0..100)
 * and burst ratio burst_r (clamped to EMODEL_BURST_R_MIN..MAX). */
double emodel_ie_eff(const struct emodel_codec *c, double ppl_pct, double burst_r);

/* Rating factor R (may be below 0 or above 100; MOS clamps). */
double emodel_r(const struct emodel_codec *c, double ppl_pct, double burst_r,
		double ta_ms);

/* G.107 Annex B (B-4): 1 for R <= 0, 4.5 for R >= 100. */
double emodel_mos_from_r(double r);

/* G.107 7.5: BurstR = 1 / (p + q) for a 2-state Markov loss model where p
 * is P(lost | previous received) and q is P(received | previous lost);
 * 1 when there is no loss (p + q == 0). */
double emodel_burst_ratio(double p, double q);

#endif
