/* Unit tests: ITU-T G.107 simplified E-model.  Every expected value is
 * computed by hand in the comment above its assertion:
 *   R = 93.2 - Id - Ie,eff,  Ie,eff = Ie + (95 - Ie) Ppl / (Ppl/BurstR + Bpl),
 *   Id = 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3),
 *   MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6. */
#include <check.h>
#include <stdlib.h>

#include "store/emodel.h"

#define TOL 1e-4

static const struct emodel_codec *g711(void)
{
	return emodel_codec_lookup("PCMA", 8);
}

START_TEST(g711_no_loss_no_delay)
{
	/* Ie 0: R = 93.2.  MOS = 1 + 3.262 + 93.2 * 33.2 * 6.8 * 7e-6
	 * = 1 + 3.262 + 0.1472858 = 4.4092858 -> 4.41. */
	double r = emodel_r(g711(), 0.0, 1.0, 0.0);
	ck_assert_double_eq_tol(r, 93.2, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 4.4092858, TOL);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 4.41, 0.005);
}
END_TEST

START_TEST(g729_no_loss)
{
	/* Ie 11: R = 82.2.  MOS = 1 + 2.877 + 82.2 * 22.2 * 17.8 * 7e-6
	 * = 1 + 2.877 + 0.2273751 = 4.1043751. */
	const struct emodel_codec *c = emodel_codec_lookup("G729", 18);
	ck_assert_ptr_nonnull(c);
	double r = emodel_r(c, 0.0, 1.0, 0.0);
	ck_assert_double_eq_tol(r, 82.2, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 4.1043751, TOL);
}
END_TEST

START_TEST(random_loss)
{
	/* G.711 (Bpl 25.1), 2 % random loss (BurstR 1):
	 * Ie,eff = 95 * 2 / (2 + 25.1) = 190 / 27.1 = 7.0110701,
	 * R = 86.1889299, MOS = 1 + 3.0166125 + 86.1889299 * 26.1889299
	 *     * 13.8110701 * 7e-6 = 4.2348326. */
	ck_assert_double_eq_tol(emodel_ie_eff(g711(), 2.0, 1.0), 7.0110701, TOL);
	double r = emodel_r(g711(), 2.0, 1.0, 0.0);
	ck_assert_double_eq_tol(r, 86.1889299, TOL);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 4.2348326, TOL);
}
END_TEST

START_TEST(bursty_loss)
{
	/* Same loss in bursts, BurstR 2: Ie,eff = 190 / (1 + 25.1) = 7.2796935,
	 * R = 85.9203065, MOS = 4.2267070: bursts hurt more. */
	ck_assert_double_eq_tol(emodel_ie_eff(g711(), 2.0, 2.0), 7.2796935, TOL);
	double r = emodel_r(g711(), 2.0, 2.0, 0.0);
	ck_assert_double_eq_tol(r, 85.9203065, TOL);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 4.2267070, TOL);
	/* BurstR below 1 counts as 1, above 8 as 8 (G.107 Table 3 range). */
	ck_assert_double_eq_tol(emodel_ie_eff(g711(), 2.0, 0.5), 7.0110701, TOL);
	/* 190 / (0.25 + 25.1) = 7.4950690 */
	ck_assert_double_eq_tol(emodel_ie_eff(g711(), 2.0, 50.0), 7.4950690, TOL);
}
END_TEST

START_TEST(delay)
{
	/* Ta 100 ms: Id = 2.4, R = 90.8, MOS = 1 + 3.178 + 90.8 * 30.8 * 9.2
	 * * 7e-6 = 4.3581036. */
	ck_assert_double_eq_tol(emodel_delay_impairment(100.0), 2.4, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(emodel_r(g711(), 0.0, 1.0, 100.0)), 4.3581036,
				TOL);
	/* Ta 200 ms, past the knee: Id = 4.8 + 0.11 * 22.7 = 7.297, R = 85.903,
	 * MOS = 4.2261801. */
	ck_assert_double_eq_tol(emodel_delay_impairment(200.0), 7.297, 1e-9);
	ck_assert_double_eq_tol(emodel_r(g711(), 0.0, 1.0, 200.0), 85.903, 1e-9);
	ck_assert_double_eq_tol(emodel_mos_from_r(85.903), 4.2261801, TOL);
	ck_assert_double_eq_tol(emodel_delay_impairment(0.0), 0.0, 1e-12);
	ck_assert_double_eq_tol(emodel_delay_impairment(-5.0), 0.0, 1e-12);
}
END_TEST

START_TEST(everything_together)
{
	/* G.729 (Ie 11, Bpl 19), 5 % loss, BurstR 4.7474747 (= 1/(1/94 + 1/5)),
	 * Ta 150 ms: Ie,eff = 11 + 84 * 5 / (5 / 4.7474747 + 19) = 11 + 420
	 * / 20.0531915 = 31.9442971; Id = 3.6; R = 57.6557029;
	 * MOS = 1 + 2.0179496 + 57.6557029 * (-2.3442971) * 42.3442971 * 7e-6
	 * = 2.9778862. */
	const struct emodel_codec *c = emodel_codec_lookup("g729", 0);
	double burst = 1.0 / (1.0 / 94.0 + 1.0 / 5.0);
	ck_assert_double_eq_tol(emodel_ie_eff(c, 5.0, burst), 31.9442971, TOL);
	double r = emodel_r(c, 5.0, burst, 150.0);
	ck_assert_double_eq_tol(r, 57.6557029, TOL);
	ck_assert_double_eq_tol(emodel_mos_from_r(r), 2.9778862, TOL);
}
END_TEST

START_TEST(mos_range)
{
	ck_assert_double_eq_tol(emodel_mos_from_r(-10.0), 1.0, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(0.0), 1.0, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(100.0), 4.5, 1e-12);
	ck_assert_double_eq_tol(emodel_mos_from_r(120.0), 4.5, 1e-12);
	/* R 50: 1 + 1.75 + 50 * -10 * 50 * 7e-6 = 2.575. */
	ck_assert_double_eq_tol(emodel_mos_from_r(50.0), 2.575, 1e-9);
	/* 100 % loss: Ie,eff = 95 * 100 / (100 + 25.1) = 75.94, R 17.26, MOS
	 * above 1 but poor. */
	double r = emodel_r(g711(), 100.0, 1.0, 0.0);
	ck_assert_double_eq_tol(r, 93.2 - 9500.0 / 125.1, 1e-9);
	ck_assert(emodel_mos_from_r(r) < 1.5);
}
END_TEST

START_TEST(burst_ratio)
{
	ck_assert_double_eq_tol(emodel_burst_ratio(0.0, 0.0), 1.0, 1e-12);
	/* Random loss: q = 1 - p, BurstR = 1. */
	ck_assert_double_eq_tol(emodel_burst_ratio(0.02, 0.98), 1.0, 1e-12);
	ck_assert_double_eq_tol(emodel_burst_ratio(0.01, 0.24), 4.0, 1e-12);
}
END_TEST

START_TEST(codec_lookup)
{
	ck_assert_str_eq(emodel_codec_lookup("pcmu", 0)->encoding, "PCMU");
	ck_assert_str_eq(emodel_codec_lookup(NULL, 0)->encoding, "PCMU");
	ck_assert_str_eq(emodel_codec_lookup("", 8)->encoding, "PCMA");
	ck_assert_str_eq(emodel_codec_lookup(NULL, 18)->encoding, "G729");
	ck_assert_str_eq(emodel_codec_lookup(NULL, 3)->encoding, "GSM");
	ck_assert_str_eq(emodel_codec_lookup("OPUS", 111)->encoding, "opus");
	ck_assert_str_eq(emodel_codec_lookup("iLBC", 97)->encoding, "iLBC");
	/* A dynamic type with an unknown name has no MOS. */
	ck_assert_ptr_null(emodel_codec_lookup("H264", 96));
	ck_assert_ptr_null(emodel_codec_lookup(NULL, 96));
	ck_assert_ptr_null(emodel_codec_lookup("telephone-event", 101));
	/* The encoding name wins over the payload type. */
	ck_assert_str_eq(emodel_codec_lookup("G722", 0)->encoding, "G722");
	/* G.711 is entered with PLC (G.113 Table I.3). */
	ck_assert_double_eq_tol(g711()->bpl, 25.1, 1e-12);
	ck_assert_double_eq_tol(g711()->ie, 0.0, 1e-12);
	ck_assert(!g711()->provisional);
	/* Every row has a source and a sane range. */
	size_t n;
	const struct emodel_codec *t = emodel_codec_table(&n);
	ck_assert_uint_ge(n, 10);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(t[i].source);
		ck_assert(t[i].ie >= 0.0 && t[i].ie < 95.0);
		ck_assert(t[i].bpl > 0.0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emodel");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, g711_no_loss_no_delay);
	tcase_add_test(tc, g729_no_loss);
	tcase_add_test(tc, random_loss);
	tcase_add_test(tc, bursty_loss);
	tcase_add_test(tc, delay);
	tcase_add_test(tc, everything_together);
	tcase_add_test(tc, mos_range);
	tcase_add_test(tc, burst_ratio);
	tcase_add_test(tc, codec_lookup);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
