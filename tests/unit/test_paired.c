/* Tests for the paired A/B statistics: the Wilcoxon signed-rank test against
 * scipy, the median's distribution-free interval, the gate's error rates on
 * synthetic paired data (A/A, 25% slower, coverage), and `compare --paired`'s
 * engine and outputs on synthetic runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbfixture.h"
#include "median.h"
#include "paired.h"
#include "paired_print.h"
#include "resultset.h"
#include "signedrank.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want) + 1e-15))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* ---- the signed-rank test ------------------------------------------------------
 * Expected values: scipy 1.10.1 (Debian 12 python3-scipy):
 *   scipy.stats.wilcoxon(d, method='exact')   (no ties, no zeros; "withzero":
 *                                              the same on d without its zero)
 *   scipy.stats.permutation_test((d,), W+, permutation_type='samples',
 *       n_resamples=np.inf)                   (ties: exact given the ties)
 *   scipy.stats.wilcoxon(d, method='approx')  (large; correction=False) */
typedef struct sr_case {
    const char *name;
    double d[12];
    size_t n;
    double w_plus, p;
} sr_case;

static const sr_case sr_cases[] = {
    { "five_up", { 0.1, 0.2, 0.3, 0.4, 0.5 }, 5, 15, 0.0625 },
    { "mixed8", { 0.12, -0.05, 0.31, 0.08, -0.22, 0.17, 0.02, 0.26 }, 8, 28, 0.1953125 },
    { "mixed12", { 0.011, -0.034, 0.052, 0.027, -0.009, 0.044, 0.063, -0.018, 0.039, 0.005,
                   0.071, -0.025 }, 12, 60, 0.10986328125 },
    { "withzero", { 0.0, 0.3, -0.1, 0.2, 0.4, -0.05 }, 6, 12, 0.3125 },
    { "ties", { 0.1, -0.1, 0.2, 0.2, 0.3, -0.3, 0.3, 0.4 }, 8, 28.5, 0.171875 },
};

static void test_signedrank_matches_scipy(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(sr_cases); i++) {
        const sr_case *c = &sr_cases[i];
        ipcb_signedrank t;
        print_message("case %s\n", c->name);
        assert_int_equal(ipcb_signedrank_run(c->d, c->n, &t), 0);
        assert_true(t.exact);
        assert_close(t.w_plus, c->w_plus, 1e-12);
        assert_close(t.p, c->p, 1e-9);
    }
    /* all five of one sign: the smallest p five differences can give */
    ipcb_signedrank t;
    assert_int_equal(ipcb_signedrank_run(sr_cases[0].d, 5, &t), 0);
    assert_close(t.p_min, 0.0625, 1e-12);
}

static const double big[150] = {
    -0.060193, -0.112436, -0.004836, 0.062045, 0.133605, 0.030971, -0.035265, -0.058478,
    0.094875, 0.183478, 0.047277, -0.103333, -0.075827, 0.180002, 0.040288, -0.153213, 0.01163,
    -0.096323, -0.042929, -0.028801, -0.051331, 0.075338, 0.013691, -0.038943, 0.060964,
    0.102986, -0.144302, -0.005673, -0.078075, 0.002684, -0.108942, 0.022069, 0.016211,
    -0.010434, -0.084793, -0.019619, -0.089133, -0.115521, 0.042479, -0.090935, 0.13703,
    0.091659, -0.179782, 0.047213, -0.090172, 0.023306, 0.024363, -0.178843, -0.003342,
    -0.005579, 0.1162, -0.098145, 0.093804, -0.089897, -0.013129, -0.064047, 0.164873, 0.076821,
    0.263173, 0.084192, 0.104499, 0.104068, -0.040661, 0.012997, 0.155039, -0.019655, 0.03888,
    0.017878, 0.080922, -0.016491, 0.004764, 0.044238, 0.030302, -0.066497, 0.109578, -0.109848,
    -0.100112, -0.108249, 0.116697, -0.016061, -0.077104, -0.093602, 0.062113, -0.085484,
    -0.107208, 0.081399, -0.099671, -0.012244, 0.019324, -0.024534, 0.014591, 0.153877,
    -0.031689, -0.105931, -0.163675, -0.000477, -0.015226, 0.046509, -0.026424, -0.027864,
    -0.052132, -0.031976, 0.036023, -0.018035, 0.030044, 0.210119, 0.067912, -0.137609,
    0.193353, 0.054781, -0.074141, 0.110705, 0.021766, -0.041522, -0.043351, -0.079343,
    0.024812, 0.126882, -0.012505, 0.062082, 0.207565, -0.101459, 0.045752, -0.010644,
    -0.085926, -0.082585, 0.018471, 0.063386, -0.033159, 0.025439, 0.092221, 0.049656, 0.106867,
    0.06614, 0.068801, 0.202663, 0.082317, 0.032947, 0.090994, -0.071912, -0.01377, 0.099322,
    0.083079, 0.174836, 0.021047, -0.126233, 0.214725, 0.129289, -0.085874, 0.157582,
};

static void test_signedrank_large_and_bad_input(void **state)
{
    (void)state;
    ipcb_signedrank t;
    assert_int_equal(ipcb_signedrank_run(big, N_OF(big), &t), 0);
    assert_false(t.exact);
    assert_int_equal(t.n, 150);
    assert_close(t.w_plus, 6252, 1e-12);
    assert_close(t.p, 0.26870783336803505, 1e-9);

    double zeros[3] = { 0, 0, 0 }, bad[2] = { 0.1, NAN };
    assert_int_equal(ipcb_signedrank_run(zeros, 3, &t), 0);
    assert_int_equal(t.n, 0);
    assert_close(t.p, 1, 0);
    assert_int_equal(ipcb_signedrank_run(bad, 2, &t), -1);
    assert_int_equal(ipcb_signedrank_run(bad, 0, &t), -1);
}

/* ---- the median's interval ------------------------------------------------------ */

static void test_median_ci_order_statistics(void **state)
{
    (void)state;
    double v[20], lo, hi;
    /* 5 values cannot give 95%: the best, [min, max], covers 1 - 2/32 */
    for (int i = 0; i < 5; i++)
        v[i] = 5 - i;
    assert_close(ipcb_median_ci(v, 5, 0.95, &lo, &hi), 1, 0);
    assert_true(isinf(lo) && lo < 0 && isinf(hi) && hi > 0);
    assert_close(ipcb_median_ci(v, 5, 0.90, &lo, &hi), 1 - 2.0 / 32, 1e-12);
    assert_close(lo, 1, 0);
    assert_close(hi, 5, 0);
    /* 6: [min, max] at 1 - 2/64 */
    for (int i = 0; i < 6; i++)
        v[i] = i + 1;
    assert_close(ipcb_median_ci(v, 6, 0.95, &lo, &hi), 1 - 2.0 / 64, 1e-12);
    assert_close(lo, 1, 0);
    assert_close(hi, 6, 0);
    /* 10: [v(2), v(9)], 1 - 2 * 11/1024 */
    for (int i = 0; i < 10; i++)
        v[i] = 10 - i;
    assert_close(ipcb_median_ci(v, 10, 0.95, &lo, &hi), 1 - 22.0 / 1024, 1e-12);
    assert_close(lo, 2, 0);
    assert_close(hi, 9, 0);
    /* 20: [v(6), v(15)], 1 - 2 P(Bin(20, 1/2) <= 5) = 1 - 2 * 21700/2^20 */
    for (int i = 0; i < 20; i++)
        v[i] = (i * 7) % 20 + 1;
    assert_close(ipcb_median_ci(v, 20, 0.95, &lo, &hi), 1 - 43400.0 / 1048576, 1e-12);
    assert_close(lo, 6, 0);
    assert_close(hi, 15, 0);
}

/* ---- error rates on synthetic pairs ----------------------------------------------
 * A transport of 4 rows x 6 pairs, as the gate's first pass measures. The
 * log ratio of a pair: noise N(0, 0.05) plus, in 15% of pairs, a burst of
 * load on one side only (+-0.1 to 0.5); a slowdown adds log(factor). */

static uint64_t rng_state;

static uint64_t next_u64(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

static double noisy_pair(double factor)
{
    double d = log(factor) + 0.05 * normal();
    if (uniform() < 0.15)
        d += (uniform() < 0.5 ? -1 : 1) * (0.1 + 0.4 * uniform());
    return d;
}

enum { TRIALS = 4000, PAIRS = 24 };

/* The share of TRIALS synthetic transports (true ratio factor) whose
 * verdict against threshold t is want; *covered: share whose interval holds factor. */
static double rate(double factor, double t, ipcb_paired_verdict want, double *covered)
{
    size_t hits = 0, cover = 0;
    rng_state = 42;
    for (int k = 0; k < TRIALS; k++) {
        double d[PAIRS];
        for (int i = 0; i < PAIRS; i++)
            d[i] = noisy_pair(factor);
        ipcb_ratio_ci ci;
        ipcb_ratio_ci_of(d, PAIRS, 0.95, &ci);
        hits += ipcb_paired_judge(&ci, t) == want;
        cover += ci.lo <= factor && factor <= ci.hi;
    }
    if (covered)
        *covered = (double)cover / TRIALS;
    return (double)hits / TRIALS;
}

static void test_aa_false_alarms(void **state)
{
    (void)state;
    double covered;
    /* Against the gate's threshold, A/A is (practically) never slower. */
    double alarms = rate(1.0, 1.10, IPCB_PV_SLOWER, &covered);
    print_message("A/A slower at 1.10x: %.4f; interval covers 1.0: %.4f\n", alarms, covered);
    assert_true(alarms <= 0.002);
    /* Against no threshold (t = 1) "slower" is the one-sided test at the
     * nominal level: at most 2.5%, not far below (24 pairs: 1.13% exactly). */
    double nominal = rate(1.0, 1.0, IPCB_PV_SLOWER, NULL);
    print_message("A/A slower at 1.00x: %.4f\n", nominal);
    assert_true(nominal <= 0.025 && nominal >= 0.005);
}

static void test_slowdown_caught_and_coverage(void **state)
{
    (void)state;
    double covered;
    double caught = rate(1.25, 1.10, IPCB_PV_SLOWER, &covered);
    print_message("25%% slower caught: %.4f; interval covers 1.25: %.4f\n", caught, covered);
    assert_true(caught >= 0.95);
    /* 24 pairs: [d(7), d(18)] covers 1 - 2 P(Bin(24, 1/2) <= 6) = 97.7% */
    assert_true(covered >= 0.95 && covered <= 0.995);
    /* A slowdown at the threshold is not called slower beyond it (one-sided 2.5%). */
    double at = rate(1.10, 1.10, IPCB_PV_SLOWER, NULL);
    print_message("10%% slower called slower than 1.10x: %.4f\n", at);
    assert_true(at <= 0.03);
}

static void test_deterministic(void **state)
{
    (void)state;
    double d[PAIRS], e[PAIRS];
    rng_state = 7;
    for (int i = 0; i < PAIRS; i++)
        d[i] = e[PAIRS - 1 - i] = noisy_pair(1.2);
    ipcb_ratio_ci x, y;
    ipcb_ratio_ci_of(d, PAIRS, 0.95, &x);
    ipcb_ratio_ci_of(e, PAIRS, 0.95, &y); /* same pairs, another order */
    assert_memory_equal(&x, &y, sizeof x);
}

/* ---- the engine, on synthetic runs ---------------------------------------------- */

/* A run whose benchmarks are unix and tcp at 64K, latency and throughput,
 * reps repetitions; unix's times are scaled by unix_factor, tcp's by 1, and
 * both jittered by the same pseudo-random pair noise as the other side when
 * seed matches. */
static void write_run(const char *dir, const char *sub, int reps, double unix_factor,
                      uint64_t seed)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    json_t *arr = json_array();
    static const char *const names[] = { "unix/latency/64K", "unix/throughput/64K",
                                         "tcp/latency/64K", "tcp/throughput/64K" };
    rng_state = seed;
    for (size_t b = 0; b < N_OF(names); b++)
        for (int i = 0; i < reps; i++) {
            double f = (strncmp(names[b], "unix", 4) == 0 ? unix_factor : 1.0)
                       * exp(0.02 * normal());
            int latency = strstr(names[b], "latency") != NULL;
            gbf_values v = { latency ? 10 * f : NAN, NAN, latency ? NAN : 5000 / f, NAN,
                             1000, 65536 };
            json_array_append_new(arr, gbf_entry(names[b], NULL, i, reps, &v));
        }
    gbf_write_run(path, gbf_context("host", "2024-05-01T10:00:00+00:00", "ci"), arr);
}

static int load_pair(const char *dir, ipcb_resultset *a, ipcb_resultset *b)
{
    char pa[PATH_MAX], pb[PATH_MAX], err[512];
    snprintf(pa, sizeof pa, "%s/a", dir);
    snprintf(pb, sizeof pb, "%s/b", dir);
    assert_int_equal(ipcb_resultset_load(a, pa, err, sizeof err), 0);
    assert_int_equal(ipcb_resultset_load(b, pb, err, sizeof err), 0);
    return 0;
}

static const ipcb_paired_transport *find_transport(const ipcb_paired *p, const char *name)
{
    for (size_t k = 0; k < p->ntransports; k++)
        if (strcmp(p->transports[k].name, name) == 0)
            return &p->transports[k];
    fail_msg("no transport %s", name);
    return NULL;
}

/* The runs a and b in dir, loaded and compared paired with the defaults
 * (which must succeed). */
static void compare_paired(const char *dir, ipcb_resultset *a, ipcb_resultset *b, ipcb_paired *p)
{
    load_pair(dir, a, b);
    ipcb_paired_opts o;
    ipcb_paired_opts_default(&o);
    char err[512];
    if (ipcb_paired_compare(a, b, &o, p, err, sizeof err) != 0)
        fail_msg("compare --paired: %s", err);
}

static void free_compared(ipcb_resultset *a, ipcb_resultset *b, ipcb_paired *p)
{
    ipcb_paired_free(p);
    ipcb_resultset_free(a);
    ipcb_resultset_free(b);
}

static void test_engine_slower_transport(void **state)
{
    const char *dir = *state;
    write_run(dir, "a", 6, 1.0, 1);
    write_run(dir, "b", 6, 1.25, 2);
    ipcb_resultset a, b;
    ipcb_paired p;
    compare_paired(dir, &a, &b, &p);
    assert_int_equal(p.npaired_rows, 4);
    assert_int_equal(p.min_pairs, 6);
    const ipcb_paired_transport *u = find_transport(&p, "unix"), *t = find_transport(&p, "tcp");
    assert_int_equal(u->npairs, 12);
    assert_int_equal(u->nrows, 2);
    assert_int_equal(u->verdict, IPCB_PV_SLOWER);      /* throughput down counts as slower */
    assert_true(u->ci.ratio > 1.18 && u->ci.ratio < 1.32);
    assert_true(u->ci.lo > 1.10 && u->ci.lo <= u->ci.ratio && u->ci.ratio <= u->ci.hi);
    assert_int_equal(t->verdict, IPCB_PV_UNCHANGED);
    assert_true(p.regression);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(ipcb_paired_print(f, &p, IPCB_FMT_TEXT, "A", "B"), 0);
    fclose(f);
    assert_non_null(strstr(text, "paired: SLOWER: unix 1."));
    assert_non_null(strstr(text, "× slower ["));
    free(text);
    f = open_memstream(&text, &len);
    assert_int_equal(ipcb_paired_print(f, &p, IPCB_FMT_JSON, "A", "B"), 0);
    fclose(f);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(root, "regression")));
    assert_int_equal(json_array_size(json_object_get(root, "transports")), 2);
    json_decref(root);
    free(text);
    f = open_memstream(&text, &len);
    assert_int_equal(ipcb_paired_print(f, &p, IPCB_FMT_MD, "A", "B"), 0);
    fclose(f);
    assert_non_null(strstr(text, "❌ slower: unix"));
    free(text);
    free_compared(&a, &b, &p);
}

static void test_engine_aa_passes(void **state)
{
    const char *dir = *state;
    write_run(dir, "a", 6, 1.0, 1);
    write_run(dir, "b", 6, 1.0, 3);
    ipcb_resultset a, b;
    ipcb_paired p;
    compare_paired(dir, &a, &b, &p);
    assert_false(p.regression);
    for (size_t k = 0; k < p.ntransports; k++)
        assert_int_equal(p.transports[k].verdict, IPCB_PV_UNCHANGED);
    free_compared(&a, &b, &p);
}

/* One row 1.5x slower and the others not: the transport's pooled median stays
 * near 1, but with enough pairs the row's simultaneous interval fails the gate. */
static void test_engine_row_fails_alone(void **state)
{
    const char *dir = *state;
    char pa[PATH_MAX], pb[PATH_MAX];
    snprintf(pa, sizeof pa, "%s/a", dir);
    snprintf(pb, sizeof pb, "%s/b", dir);
    static const char *const names[] = { "unix/latency/64K", "unix/latency/1080p",
                                         "unix/throughput/64K", "unix/throughput/1080p" };
    json_t *arr_a = json_array(), *arr_b = json_array();
    rng_state = 5;
    for (size_t k = 0; k < N_OF(names); k++)
        for (int i = 0; i < 12; i++) {
            int latency = strstr(names[k], "latency") != NULL;
            double f = (k == 1 ? 1.5 : 1.0) * exp(0.02 * normal());
            gbf_values va = { latency ? 10 : NAN, NAN, latency ? NAN : 5000, NAN, 1000, 65536 };
            gbf_values vb = { latency ? 10 * f : NAN, NAN, latency ? NAN : 5000 / f, NAN, 1000,
                              65536 };
            json_array_append_new(arr_a, gbf_entry(names[k], NULL, i, 12, &va));
            json_array_append_new(arr_b, gbf_entry(names[k], NULL, i, 12, &vb));
        }
    gbf_write_run(pa, gbf_context("host", "2024-05-01T10:00:00+00:00", "ci"), arr_a);
    gbf_write_run(pb, gbf_context("host", "2024-05-01T10:00:00+00:00", "ci"), arr_b);
    ipcb_resultset a, b;
    ipcb_paired p;
    compare_paired(dir, &a, &b, &p);
    assert_int_not_equal(find_transport(&p, "unix")->verdict, IPCB_PV_SLOWER);
    size_t failing = 0;
    for (size_t i = 0; i < p.nrows; i++)
        if (p.rows[i].fails_gate) {
            failing++;
            assert_string_equal(p.rows[i].cmp->name, "unix/latency/1080p");
        }
    assert_int_equal(failing, 1);
    assert_close(p.gate_confidence, 1 - 0.05 / 4, 1e-12);
    assert_true(p.regression);
    free_compared(&a, &b, &p);
}

static void test_engine_refuses_unpaired(void **state)
{
    const char *dir = *state;
    write_run(dir, "a", 6, 1.0, 1);
    write_run(dir, "b", 5, 1.0, 1);
    ipcb_resultset a, b;
    load_pair(dir, &a, &b);
    ipcb_paired_opts o;
    ipcb_paired_opts_default(&o);
    ipcb_paired p;
    char err[512];
    assert_int_equal(ipcb_paired_compare(&a, &b, &o, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "not paired runs"));
    ipcb_resultset_free(&a);
    ipcb_resultset_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signedrank_matches_scipy),
        cmocka_unit_test(test_signedrank_large_and_bad_input),
        cmocka_unit_test(test_median_ci_order_statistics),
        cmocka_unit_test(test_aa_false_alarms),
        cmocka_unit_test(test_slowdown_caught_and_coverage),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test_setup_teardown(test_engine_slower_transport, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_engine_aa_passes, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_engine_row_fails_alone, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_engine_refuses_unpaired, gbf_setup_dir, gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
