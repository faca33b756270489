/* Tests for `ipcbench compare`'s engine: the Mann-Whitney U test against
 * values computed independently with scipy, the verdict logic, memcpy
 * normalization, the output formats and bad input, on synthetic JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "compare_print.h"
#include "mannwhitney.h"
#include "mdcheck.h"
#include "resultset.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want) + 1e-15))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* ---- the U test ----------------------------------------------------------
 * Expected values: scipy 1.10.1 (Debian 12 python3-scipy), computed with
 *   scipy.stats.mannwhitneyu(x, y, method='exact')       (no ties only)
 *   scipy.stats.mannwhitneyu(x, y, method='asymptotic')  (use_continuity=True)
 *   scipy.stats.permutation_test((x, y), lambda x, y: mannwhitneyu(x, y,
 *       method='asymptotic').statistic, permutation_type='independent',
 *       n_resamples=np.inf, alternative='two-sided')    (exact, with ties)
 * "statistic" is scipy's U of x. p_min of tied samples: the permutation
 * test's p for the most extreme split of the same pooled values. */
typedef struct utest_case {
    const char *name;
    double x[8], y[8];
    size_t n, m;
    double u, p_exact, p_asymptotic, p_min;
} utest_case;

static const utest_case cases[] = {
    { "separated5", { 1, 2, 3, 4, 5 }, { 6, 7, 8, 9, 10 }, 5, 5,
      0.0, 0.007936507936507936, 0.012185780355344813, 0.007936507936507936 },
    { "three", { 10, 11, 12 }, { 13, 14, 15 }, 3, 3,
      0.0, 0.1, 0.08085559837005224, 0.1 },
    { "mixed46", { 3.1, 0.4, 2.2, 5.9 }, { 1.7, 4.4, 0.9, 6.3, 2.8, 3.6 }, 4, 6,
      10.0, 0.7619047619047619, 0.7491191330005953, 2.0 / 210 },
    { "n8m7", { 12.1, 15.3, 11.8, 14.0, 13.2, 16.7, 12.9, 15.0 },
      { 14.4, 17.2, 16.1, 18.3, 15.8, 17.9, 16.5 }, 8, 7,
      6.0, 0.009324009324009324, 0.012841262337219548, 2.0 / 6435 },
    /* ties: exact = permutation_test */
    { "ties", { 1, 2, 2, 3, 4 }, { 2, 3, 5, 5, 6 }, 5, 5,
      4.5, 0.1111111111111111, 0.11049202405566802, 0.015873015873015872 },
    { "quantized", { 0.05, 0.05, 0.06, 0.05, 0.05 }, { 0.06, 0.06, 0.05, 0.06, 0.07 }, 5, 5,
      4.5, 0.16666666666666666, 0.0832645166635504, 0.007936507936507936 },
    { "alltied", { 0.05, 0.05, 0.05, 0.05 }, { 0.05, 0.05, 0.05, 0.05 }, 4, 4,
      8.0, 1.0, 1.0, 1.0 },
};

static void test_utest_exact_matches_scipy(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        const utest_case *c = &cases[i];
        ipcb_utest t;
        print_message("case %s\n", c->name);
        assert_int_equal(ipcb_utest_run(c->x, c->n, c->y, c->m, IPCB_UTEST_EXACT, &t), 0);
        assert_true(t.exact);
        assert_close(t.u, c->u, 1e-12);
        assert_close(t.p, c->p_exact, 1e-9);
        assert_close(t.p_min, c->p_min, 1e-9);
        /* AUTO is exact at these sizes */
        ipcb_utest a;
        assert_int_equal(ipcb_utest_run(c->x, c->n, c->y, c->m, IPCB_UTEST_AUTO, &a), 0);
        assert_true(a.exact);
        assert_close(a.p, t.p, 1e-12);
    }
}

static void test_utest_asymptotic_matches_scipy(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        const utest_case *c = &cases[i];
        ipcb_utest t;
        print_message("case %s\n", c->name);
        assert_int_equal(ipcb_utest_run(c->x, c->n, c->y, c->m, IPCB_UTEST_ASYMPTOTIC, &t), 0);
        assert_false(t.exact);
        assert_close(t.u, c->u, 1e-12);
        assert_close(t.p, c->p_asymptotic, 1e-9);
    }
}

/* 30 vs 40 rounded normal samples (numpy default_rng(7), many ties): AUTO
 * switches to the normal approximation above IPCB_UTEST_EXACT_MAX values.
 * scipy: U = 275.0, asymptotic p = 0.0001146368289175991. */
static void test_utest_large_sample(void **state)
{
    (void)state;
    static const double x[30] = { 100, 103, 97, 91, 95, 90, 101, 113, 95, 94, 105, 104, 101, 91,
                                  100, 107, 87, 95, 81, 87, 82, 98, 87, 103, 102, 98, 75, 95,
                                  100, 101 };
    static const double y[40] = { 91, 101, 96, 98, 117, 98, 106, 115, 100, 105, 107, 107, 94,
                                  107, 120, 91, 115, 107, 100, 126, 114, 94, 107, 112, 104, 113,
                                  105, 113, 120, 99, 108, 101, 107, 94, 100, 104, 115, 117, 93,
                                  98 };
    ipcb_utest t;
    assert_int_equal(ipcb_utest_run(x, 30, y, 40, IPCB_UTEST_AUTO, &t), 0);
    assert_false(t.exact);
    assert_true(t.ties);
    assert_close(t.u, 275.0, 1e-12);
    assert_close(t.p, 0.0001146368289175991, 1e-9);
    assert_true(t.p_min < t.p);
    /* Forced exact at this size: 6.978314152219067e-05, from an exact-integer
     * count in Python (fractions) over all C(70, 30) splits of the midranks;
     * the normal approximation is within a factor of two of it. */
    ipcb_utest e;
    assert_int_equal(ipcb_utest_run(x, 30, y, 40, IPCB_UTEST_EXACT, &e), 0);
    assert_true(e.exact);
    assert_close(e.p, 6.978314152219067e-05, 1e-9);
}

/* 9 vs 10 rounded normal samples (numpy default_rng(3)) with many ties;
 * scipy permutation_test as above (all 92378 splits): p = 0.0059754486999069045;
 * mannwhitneyu: U = 12.5. */
static void test_utest_exact_ties_medium(void **state)
{
    (void)state;
    static const double x[] = { 14, 5, 11, 9, 9, 10, 6, 10, 8 };
    static const double y[] = { 19, 12, 11, 11, 11, 10, 11, 13, 12, 14 };
    ipcb_utest t;
    assert_int_equal(ipcb_utest_run(x, 9, y, 10, IPCB_UTEST_AUTO, &t), 0);
    assert_true(t.exact);
    assert_true(t.ties);
    assert_close(t.u, 12.5, 1e-12);
    assert_close(t.p, 0.0059754486999069045, 1e-9);
}

static void test_utest_symmetry_and_bad_input(void **state)
{
    (void)state;
    const utest_case *c = &cases[2];
    ipcb_utest a, b;
    assert_int_equal(ipcb_utest_run(c->x, c->n, c->y, c->m, IPCB_UTEST_EXACT, &a), 0);
    assert_int_equal(ipcb_utest_run(c->y, c->m, c->x, c->n, IPCB_UTEST_EXACT, &b), 0);
    assert_close(a.u + b.u, (double)(c->n * c->m), 1e-12);
    assert_close(a.p, b.p, 1e-12);
    double nan_ = NAN;
    assert_int_equal(ipcb_utest_run(c->x, 0, c->y, c->m, IPCB_UTEST_AUTO, &a), -1);
    assert_int_equal(ipcb_utest_run(&nan_, 1, c->y, c->m, IPCB_UTEST_AUTO, &a), -1);
}

/* ---- synthetic result sets ----------------------------------------------- */

typedef struct bench_spec {
    const char *name;        /* transport/mode/size */
    const char *counter;     /* p50_us or mb_per_s ... */
    double      v[8];
    size_t      n;
    const char *error;       /* failed with this message */
} bench_spec;

static json_t *entry(const char *name, int rep, size_t reps, const char *counter, double v,
                     const char *agg)
{
    char run_name[200], full[240];
    snprintf(run_name, sizeof run_name, "%s/manual_time", name);
    snprintf(full, sizeof full, "%s%s%s", run_name, agg ? "_" : "", agg ? agg : "");
    json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:s, s:f}", "name", full,
                          "run_name", run_name, "run_type", agg ? "aggregate" : "iteration",
                          "repetitions", (int)reps, "repetition_index", rep, "real_time", v,
                          "time_unit", "us", "bytes", 65536.0);
    if (agg)
        json_object_set_new(e, "aggregate_name", json_string(agg));
    json_object_set_new(e, counter, json_real(v));
    /* latency benchmarks carry both percentiles; p99 = 2 x p50 */
    if (strcmp(counter, "p50_us") == 0)
        json_object_set_new(e, "p99_us", json_real(2 * v));
    return e;
}

static void write_set(const char *path, const bench_spec *specs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const bench_spec *s = &specs[i];
        for (size_t r = 0; r < s->n; r++) {
            json_t *e = entry(s->name, (int)r, s->n, s->counter, s->v[r], NULL);
            if (s->error) {
                json_object_set_new(e, "error_occurred", json_true());
                json_object_set_new(e, "error_message", json_string(s->error));
            }
            json_array_append_new(arr, e);
        }
        if (s->n > 1 && !s->error) {
            double sorted[8];
            memcpy(sorted, s->v, s->n * sizeof *sorted);
            for (size_t a = 0; a < s->n; a++)
                for (size_t b = a + 1; b < s->n; b++)
                    if (sorted[b] < sorted[a]) {
                        double t = sorted[a];
                        sorted[a] = sorted[b];
                        sorted[b] = t;
                    }
            double lo = sorted[(s->n - 1) / 2], hi = sorted[s->n / 2];
            double med = lo + (hi - lo) / 2;
            json_array_append_new(arr, entry(s->name, 0, s->n, s->counter, med, "median"));
        }
    }
    json_t *root = json_pack("{s:{s:s, s:s}, s:o}", "context", "campaign", "unit",
                             "date", "2024-05-01", "benchmarks", arr);
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
    json_decref(root);
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_compare_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(p);
}

static int teardown(void **state)
{
    (void)state;
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void set_path(char *out, const char *which)
{
    snprintf(out, PATH_MAX, "%s/%s.json", dir, which);
}

/* Writes dir/base.json and dir/new.json. */
static void write_sets(const bench_spec *base, size_t nb, const bench_spec *new_specs, size_t nn)
{
    char pb[PATH_MAX], pn[PATH_MAX];
    set_path(pb, "base");
    set_path(pn, "new");
    write_set(pb, base, nb);
    write_set(pn, new_specs, nn);
}

/* Makes benchmark name of dir/WHICH.json measure frames per run, as the
 * runner writes it: a "frames" counter, and no percentile the frames cannot
 * support (p99_us needs 100). */
static void limit_frames(const char *which, const char *name, double frames)
{
    char path[PATH_MAX];
    set_path(path, which);
    json_t *root = json_load_file(path, 0, NULL);
    assert_non_null(root);
    size_t i, len = strlen(name), changed = 0;
    json_t *e;
    json_array_foreach(json_object_get(root, "benchmarks"), i, e) {
        const char *run_name = json_string_value(json_object_get(e, "run_name"));
        if (strncmp(run_name, name, len) != 0 || run_name[len] != '/')
            continue;
        json_object_set_new(e, "frames", json_real(frames));
        if (frames < 100)
            json_object_del(e, "p99_us");
        changed++;
    }
    assert_true(changed > 0);
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
    json_decref(root);
}

/* Compares dir/base.json with dir/new.json (opts: defaults if NULL); returns
 * the ipcb_compare status, the comparison in *c. */
static int compare_files(const ipcb_cmp_opts *opts, ipcb_comparison *c, char *err, size_t errlen)
{
    char pb[PATH_MAX], pn[PATH_MAX];
    set_path(pb, "base");
    set_path(pn, "new");
    ipcb_resultset b, n;
    assert_int_equal(ipcb_resultset_load(&b, pb, err, errlen), 0);
    assert_int_equal(ipcb_resultset_load(&n, pn, err, errlen), 0);
    ipcb_cmp_opts def;
    ipcb_cmp_opts_default(&def);
    int rc = ipcb_compare(&b, &n, opts ? opts : &def, c, err, errlen);
    ipcb_resultset_free(&b);
    ipcb_resultset_free(&n);
    return rc;
}

/* Compares two synthetic sets with opts (defaults if NULL); returns the
 * ipcb_compare status, the comparison in *c. */
static int compare_specs(const bench_spec *base, size_t nb, const bench_spec *new_specs,
                         size_t nn, const ipcb_cmp_opts *opts, ipcb_comparison *c,
                         char *err, size_t errlen)
{
    write_sets(base, nb, new_specs, nn);
    return compare_files(opts, c, err, errlen);
}

static const ipcb_cmp_row *row(const ipcb_comparison *c, const char *name, const char *metric)
{
    const ipcb_cmp_row *r = ipcb_comparison_find(c, name, ipcb_metric_find(metric));
    if (!r)
        fail_msg("no row %s %s", name, metric);
    return r;
}

/* ---- verdicts ------------------------------------------------------------ */

static void test_verdicts(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "tcp/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "shm/latency/64K", "p50_us", { 100, 150, 80, 120, 90 }, 5, NULL },
        { "unix/throughput/64K", "mb_per_s", { 1000, 1010, 990, 1005, 995 }, 5, NULL },
        { "pipe/throughput/64K", "mb_per_s", { 1000, 1010, 990, 1005, 995 }, 5, NULL },
        { "tcp/throughput/64K", "mb_per_s", { 1000, 1010, 990 }, 3, NULL },
        { "shm/throughput/64K", "mb_per_s", { 1000, 1010, 990 }, 3, NULL },
        { "gone/latency/64K", "p50_us", { 1, 1, 1 }, 3, NULL },
        { "broken/latency/64K", "p50_us", { 1, 1, 1 }, 3, NULL },
    };
    static const bench_spec new_specs[] = {
        /* +25%, every new value above every old one: p = 2/252 */
        { "unix/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
        /* +5%, significant but within the threshold */
        { "pipe/latency/64K", "p50_us", { 105, 106, 107, 104, 105 }, 5, NULL },
        /* -20%: faster */
        { "tcp/latency/64K", "p50_us", { 80, 81, 82, 79, 80 }, 5, NULL },
        /* median +20% but noisy and overlapping: not significant */
        { "shm/latency/64K", "p50_us", { 120, 70, 160, 95, 130 }, 5, NULL },
        /* throughput -20%: slower (higher is better) */
        { "unix/throughput/64K", "mb_per_s", { 800, 808, 792, 804, 796 }, 5, NULL },
        /* throughput +20%: faster */
        { "pipe/throughput/64K", "mb_per_s", { 1200, 1212, 1188, 1206, 1194 }, 5, NULL },
        /* 3 vs 3: threshold only; -15% is slower, -5% is unchanged */
        { "tcp/throughput/64K", "mb_per_s", { 850, 860, 840 }, 3, NULL },
        { "shm/throughput/64K", "mb_per_s", { 950, 960, 940 }, 3, NULL },
        { "fresh/latency/64K", "p50_us", { 1, 1, 1 }, 3, NULL },
        { "broken/latency/64K", "p50_us", { 0 }, 1, "peer died" },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, N_OF(base), new_specs, N_OF(new_specs), NULL, &c,
                                   err, sizeof err), 0);

    const ipcb_cmp_row *r = row(&c, "unix/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_SLOWER);
    assert_int_equal(r->judged, IPCB_J_UTEST);
    assert_close(r->test.p, 0.007936507936507936, 1e-9);
    assert_close(r->change, 0.25, 1e-12);
    assert_close(r->ratio, 1.25, 1e-12);
    assert_close(r->base, 100, 1e-12);
    assert_int_equal(row(&c, "unix/latency/64K", "p99")->verdict, IPCB_V_SLOWER);

    r = row(&c, "pipe/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_true(r->test.p <= 0.05);

    assert_int_equal(row(&c, "tcp/latency/64K", "p50")->verdict, IPCB_V_FASTER);

    r = row(&c, "shm/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_close(r->change, 0.2, 1e-12);
    assert_true(r->test.p > 0.05);
    assert_non_null(strstr(r->note, "not significant"));

    r = row(&c, "unix/throughput/64K", "throughput");
    assert_int_equal(r->verdict, IPCB_V_SLOWER);
    assert_close(r->change, -0.2, 1e-12);
    assert_close(r->ratio, 1.25, 1e-12);
    assert_int_equal(row(&c, "pipe/throughput/64K", "throughput")->verdict, IPCB_V_FASTER);

    r = row(&c, "tcp/throughput/64K", "throughput");
    assert_int_equal(r->verdict, IPCB_V_SLOWER);
    assert_int_equal(r->judged, IPCB_J_THRESHOLD);
    assert_close(r->test.p_min, 0.1, 1e-9);
    assert_non_null(strstr(r->note, "threshold only"));
    r = row(&c, "shm/throughput/64K", "throughput");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_int_equal(r->judged, IPCB_J_THRESHOLD);

    assert_int_equal(row(&c, "fresh/latency/64K", "p50")->verdict, IPCB_V_NEW);
    assert_int_equal(row(&c, "gone/latency/64K", "p50")->verdict, IPCB_V_MISSING);
    r = row(&c, "broken/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_FAILED);
    assert_non_null(strstr(r->note, "peer died"));

    assert_true(c.regression);
    assert_int_equal(c.count[IPCB_V_SLOWER], 4);  /* unix p50, p99, throughput; tcp throughput */
    assert_int_equal(c.count[IPCB_V_FASTER], 3);  /* tcp p50, p99; pipe throughput */
    assert_int_equal(c.count[IPCB_V_NEW], 2);
    assert_int_equal(c.count[IPCB_V_MISSING], 2);
    assert_int_equal(c.count[IPCB_V_FAILED], 2);
    assert_int_equal(c.ncommon, 9);
    assert_int_equal(c.nthreshold_only, 2);
    /* geometric mean of the p50 time ratios: 1.25, 1.05, 0.8, 1.2 */
    assert_close(c.per_metric[0].geomean_ratio, pow(1.25 * 1.05 * 0.8 * 1.2, 0.25), 1e-12);
    ipcb_comparison_free(&c);
}

static void test_identical_sets_pass(void **state)
{
    (void)state;
    static const bench_spec s[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "unix/throughput/64K", "mb_per_s", { 1000, 1010, 990, 1005, 995 }, 5, NULL },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(s, N_OF(s), s, N_OF(s), NULL, &c, err, sizeof err), 0);
    assert_false(c.regression);
    assert_int_equal(c.count[IPCB_V_UNCHANGED], 3);
    assert_close(c.geomean_ratio, 1.0, 1e-12);
    assert_close(row(&c, "unix/latency/64K", "p50")->test.p, 1.0, 1e-12);
    ipcb_comparison_free(&c);
}

/* A threshold and alpha of the user's choosing. */
static void test_threshold_and_alpha(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 105, 106, 107, 104, 105 }, 5, NULL },
    };
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.threshold = 0.03;
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, 1, new_specs, 1, &o, &c, err, sizeof err), 0);
    assert_int_equal(row(&c, "unix/latency/64K", "p50")->verdict, IPCB_V_SLOWER);
    ipcb_comparison_free(&c);
    o.alpha = 0.005; /* below the smallest p of 5 vs 5: threshold only */
    assert_int_equal(compare_specs(base, 1, new_specs, 1, &o, &c, err, sizeof err), 0);
    const ipcb_cmp_row *r = row(&c, "unix/latency/64K", "p50");
    assert_int_equal(r->judged, IPCB_J_THRESHOLD);
    assert_int_equal(r->verdict, IPCB_V_SLOWER);
    ipcb_comparison_free(&c);
}

/* Holm's step-down: with 4 tests (p50 and p99 of two benchmarks), p = 2/252
 * passes alpha/4 and alpha/3, p = 8/252 = 0.032 fails alpha/2: only the clear
 * slowdown stays slower. Without the correction both are slower. */
static void test_holm(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 103, 104 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 103, 104 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 125, 126, 127, 128, 129 }, 5, NULL },  /* U = 0 */
        { "pipe/latency/64K", "p50_us", { 102.5, 125, 126, 127, 128 }, 5, NULL }, /* U = 2 */
    };
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, 2, new_specs, 2, &o, &c, err, sizeof err), 0);
    assert_close(row(&c, "pipe/latency/64K", "p50")->test.p, 8.0 / 252, 1e-9);
    assert_int_equal(row(&c, "pipe/latency/64K", "p50")->verdict, IPCB_V_SLOWER);
    assert_int_equal(c.count[IPCB_V_SLOWER], 4);
    ipcb_comparison_free(&c);

    o.holm = 1;
    assert_int_equal(compare_specs(base, 2, new_specs, 2, &o, &c, err, sizeof err), 0);
    assert_int_equal(row(&c, "unix/latency/64K", "p50")->verdict, IPCB_V_SLOWER);
    assert_int_equal(row(&c, "unix/latency/64K", "p99")->verdict, IPCB_V_SLOWER);
    const ipcb_cmp_row *r = row(&c, "pipe/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_false(r->significant);
    assert_non_null(strstr(r->note, "Holm over 4 tests"));
    assert_int_equal(c.count[IPCB_V_SLOWER], 2);
    assert_true(c.regression);
    assert_int_equal(c.nholm_unreachable, 0);
    ipcb_comparison_free(&c);
}

/* 4 vs 4 repetitions: the smallest two-sided p is 2/70 = 0.029, under alpha
 * (so the rows are tested) but above Holm's first bound 0.05/4: no row can be
 * significant, and the output must say so rather than quietly pass. */
static void test_holm_unreachable(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 103 }, 4, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 103 }, 4, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 200, 201, 202, 203 }, 4, NULL },
        { "pipe/latency/64K", "p50_us", { 200, 201, 202, 203 }, 4, NULL },
    };
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.holm = 1;
    ipcb_comparison c;
    char err[512], *text = NULL;
    size_t len = 0;
    assert_int_equal(compare_specs(base, 2, new_specs, 2, &o, &c, err, sizeof err), 0);
    assert_int_equal(c.ntested, 4);
    assert_int_equal(c.nholm_unreachable, 4);
    assert_int_equal(c.count[IPCB_V_SLOWER], 0);
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(ipcb_comparison_print(f, &c, IPCB_FMT_TEXT, "a", "b"), 0);
    fclose(f);
    assert_non_null(strstr(text, "WARNING: 4 of 4 tested comparisons can never be significant"));
    free(text);
    ipcb_comparison_free(&c);
}

/* ---- normalization ------------------------------------------------------- */

static void test_normalize_memcpy(void **state)
{
    (void)state;
    /* The new machine is twice as fast at everything: raw, unix is faster;
     * as a ratio to memcpy it is unchanged. */
    static const bench_spec base[] = {
        { "memcpy/latency/64K", "p50_us", { 10, 10.1, 9.9, 10, 10 }, 5, NULL },
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "memcpy/throughput/64K", "mb_per_s", { 10000, 10100, 9900, 10000, 10050 }, 5, NULL },
        { "unix/throughput/64K", "mb_per_s", { 1000, 1010, 990, 1005, 995 }, 5, NULL },
        { "unix/throughput/1M", "mb_per_s", { 1000, 1010, 990, 1005, 995 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "memcpy/latency/64K", "p50_us", { 5, 5.05, 4.95, 5, 5 }, 5, NULL },
        { "unix/latency/64K", "p50_us", { 50, 50.5, 51, 49.5, 50 }, 5, NULL },
        { "memcpy/throughput/64K", "mb_per_s", { 20000, 20200, 19800, 20000, 20100 }, 5, NULL },
        { "unix/throughput/64K", "mb_per_s", { 2000, 2020, 1980, 2010, 1990 }, 5, NULL },
        { "unix/throughput/1M", "mb_per_s", { 2000, 2020, 1980, 2010, 1990 }, 5, NULL },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, N_OF(base), new_specs, N_OF(new_specs), NULL, &c,
                                   err, sizeof err), 0);
    assert_int_equal(row(&c, "unix/latency/64K", "p50")->verdict, IPCB_V_FASTER);
    assert_int_equal(row(&c, "unix/throughput/64K", "throughput")->verdict, IPCB_V_FASTER);
    ipcb_comparison_free(&c);

    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.normalize_memcpy = 1;
    assert_int_equal(compare_specs(base, N_OF(base), new_specs, N_OF(new_specs), &o, &c,
                                   err, sizeof err), 0);
    const ipcb_cmp_row *r = row(&c, "unix/latency/64K", "p50");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_close(r->base, 10.0, 1e-12);     /* 100 / memcpy's median 10 */
    assert_close(r->new_value, 10.0, 1e-12);
    r = row(&c, "unix/throughput/64K", "throughput");
    assert_int_equal(r->verdict, IPCB_V_UNCHANGED);
    assert_close(r->base, 0.1, 1e-12);
    /* memcpy itself is the reference, not a result */
    assert_null(ipcb_comparison_find(&c, "memcpy/latency/64K", ipcb_metric_find("p50")));
    /* no memcpy at 1M: said so, not guessed */
    r = row(&c, "unix/throughput/1M", "throughput");
    assert_int_equal(r->verdict, IPCB_V_FAILED);
    assert_non_null(strstr(r->note, "no memcpy/throughput/1M"));
    assert_false(c.regression);
    ipcb_comparison_free(&c);

    /* no memcpy at all: bad input */
    assert_int_equal(compare_specs(base + 1, 1, new_specs + 1, 1, &o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "memcpy"));
}

/* Fan-out benchmarks: rows grouped by size and number of subscribers (2
 * before 16, unlike their names), memcpy first; normalized by the memcpy of
 * the same size and number of subscribers. */
static void test_fanout(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/fanout/64K/subscribers:16", "p50_us", { 100, 101, 99 }, 3, NULL },
        { "unix/fanout/64K/subscribers:2", "p50_us", { 50, 51, 49 }, 3, NULL },
        { "qcop/fanout/64K/subscribers:2", "p50_us", { 40, 41, 39 }, 3, NULL },
        { "memcpy/fanout/64K/subscribers:2", "p50_us", { 10, 10.1, 9.9 }, 3, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/fanout/64K/subscribers:16", "p50_us", { 100, 101, 99 }, 3, NULL },
        { "unix/fanout/64K/subscribers:2", "p50_us", { 100, 101, 99 }, 3, NULL },
        { "qcop/fanout/64K/subscribers:2", "p50_us", { 40, 41, 39 }, 3, NULL },
        { "memcpy/fanout/64K/subscribers:2", "p50_us", { 10, 10.1, 9.9 }, 3, NULL },
    };
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.metrics[0] = ipcb_metric_find("fanout-p50");
    o.nmetrics = 1;
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, N_OF(base), new_specs, N_OF(new_specs), &o, &c,
                                   err, sizeof err), 0);
    static const char *const order[] = {
        "memcpy/fanout/64K/subscribers:2", "qcop/fanout/64K/subscribers:2",
        "unix/fanout/64K/subscribers:2", "unix/fanout/64K/subscribers:16",
    };
    assert_int_equal(c.nrows, N_OF(order));
    for (size_t i = 0; i < N_OF(order); i++)
        assert_string_equal(c.rows[i].name, order[i]);
    assert_int_equal(c.rows[1].subscribers, 2);
    assert_int_equal(c.rows[3].subscribers, 16);
    assert_string_equal(c.rows[3].size, "64K");
    assert_int_equal(row(&c, "unix/fanout/64K/subscribers:2", "fanout-p50")->verdict,
                     IPCB_V_SLOWER);
    ipcb_comparison_free(&c);

    o.normalize_memcpy = 1;
    assert_int_equal(compare_specs(base, N_OF(base), new_specs, N_OF(new_specs), &o, &c,
                                   err, sizeof err), 0);
    const ipcb_cmp_row *r = row(&c, "unix/fanout/64K/subscribers:2", "fanout-p50");
    assert_close(r->base, 5.0, 1e-12);      /* 50 / memcpy's median 10 */
    assert_close(r->new_value, 10.0, 1e-12);
    r = row(&c, "unix/fanout/64K/subscribers:16", "fanout-p50");
    assert_int_equal(r->verdict, IPCB_V_FAILED);
    assert_non_null(strstr(r->note, "no memcpy/fanout/64K/subscribers:16 in the baseline"));
    ipcb_comparison_free(&c);
}

/* ---- bad input ----------------------------------------------------------- */

static void test_nothing_in_common(void **state)
{
    (void)state;
    static const bench_spec a[] = { { "unix/latency/64K", "p50_us", { 1, 2, 3 }, 3, NULL } };
    static const bench_spec b[] = { { "pipe/latency/1M", "p50_us", { 1, 2, 3 }, 3, NULL } };
    static const bench_spec paced[] = { { "unix/paced/64K", "p99_us", { 1, 2, 3 }, 3, NULL } };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(a, 1, b, 1, NULL, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "no benchmark in common"));
    assert_int_equal(compare_specs(paced, 1, paced, 1, NULL, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "nothing to compare"));
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.metrics[0] = ipcb_metric_find("paced-p99");
    o.nmetrics = 1;
    assert_int_equal(compare_specs(paced, 1, paced, 1, &o, &c, err, sizeof err), 0);
    assert_int_equal(c.count[IPCB_V_UNCHANGED], 1);
    ipcb_comparison_free(&c);
}

/* ---- output formats ------------------------------------------------------ */

static char *print_to_string(const ipcb_comparison *c, ipcb_cmp_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(ipcb_comparison_print(f, c, fmt, "base.json", "new.json"), 0);
    fclose(f);
    return buf;
}

static void test_formats(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, 2, new_specs, 2, NULL, &c, err, sizeof err), 0);

    char *text = print_to_string(&c, IPCB_FMT_TEXT);
    assert_non_null(strstr(text, "BENCHMARK"));
    assert_non_null(strstr(text, "unix/latency/64K"));
    assert_non_null(strstr(text, "SLOWER"));
    assert_non_null(strstr(text, "+25.0%"));
    assert_non_null(strstr(text, "0.008"));
    assert_non_null(strstr(text, "2 slower"));
    assert_non_null(strstr(text, "geometric mean"));
    assert_non_null(strstr(text, "result: REGRESSION"));
    free(text);

    char *md = print_to_string(&c, IPCB_FMT_MD);
    assert_non_null(strstr(md, "### ipcbench: ❌ REGRESSION"));
    assert_non_null(strstr(md, "| benchmark | metric | baseline | new | change | p | verdict | note |"));
    assert_non_null(strstr(md, "| `unix/latency/64K` | p50 us | 100 | 125 | +25.0% | 0.008 | **slower** |"));
    assert_non_null(strstr(md, "<details><summary>All 4 comparisons</summary>"));
    free(md);

    char *js = print_to_string(&c, IPCB_FMT_JSON);
    json_error_t jerr;
    json_t *root = json_loads(js, 0, &jerr);
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(root, "regression")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "counts"), "slower")), 2);
    json_t *rows = json_object_get(root, "rows");
    assert_int_equal(json_array_size(rows), 4);
    /* ordered by mode, size, transport: pipe's two rows, then unix's */
    json_t *r0 = json_array_get(rows, 2);
    assert_string_equal(json_string_value(json_object_get(r0, "benchmark")), "unix/latency/64K");
    assert_string_equal(json_string_value(json_object_get(r0, "verdict")), "slower");
    assert_string_equal(json_string_value(json_object_get(r0, "judged_by")), "u-test");
    assert_close(json_real_value(json_object_get(r0, "p")), 0.007936507936507936, 1e-6);
    json_decref(root);
    free(js);
    ipcb_comparison_free(&c);
}

/* ---- hostile input ---------------------------------------------------------- */

/* A negative p50 never reaches a verdict: the loader compare uses refuses
 * the file, naming it, the benchmark, the repetition and the field (the CLI
 * then exits 2: test_integration_figures). */
static void test_negative_p50_refused(void **state)
{
    (void)state;
    static const bench_spec good[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102 }, 3, NULL },
    };
    static const bench_spec negative[] = {
        { "unix/latency/64K", "p50_us", { 100, -3.5, 102 }, 3, NULL },
    };
    write_sets(good, 1, negative, 1);
    char pn[PATH_MAX], err[512] = "", want[PATH_MAX + 128];
    set_path(pn, "new");
    ipcb_resultset n;
    assert_int_equal(ipcb_resultset_load(&n, pn, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: benchmark unix/latency/64K (repetition 2 of 3): p50_us is "
             "-3.5, a latency cannot be negative", pn);
    assert_string_equal(err, want);
}

/* Names with '|', a line break and "# heading", a backtick and <script>:
 * the Markdown tables keep their columns, no line starts a heading made of
 * a name, no raw HTML; plain names stay code. */
static void test_markdown_escapes_names(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "evil|name\n# heading/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "x`<script>alert(1)/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "evil|name\n# heading/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
        { "x`<script>alert(1)/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
        { "unix/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
        { "new|one\n# heading/latency/64K", "p50_us", { 1, 1, 1 }, 3, NULL },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, 3, new_specs, 4, NULL, &c, err, sizeof err), 0);
    char *md = print_to_string(&c, IPCB_FMT_MD);
    assert_true(assert_md_safe(md, "heading") >= 2 + 6);   /* two tables, rows in each */
    assert_non_null(strstr(md, "| evil\\|name \\# heading/latency/64K | p50 us | 100 | 125 |"));
    assert_non_null(strstr(md, "| x\\`&lt;script&gt;alert(1)/latency/64K |"));
    assert_non_null(strstr(md, "| `unix/latency/64K` | p50 us |"));
    assert_non_null(strstr(md, "only in the new results): new\\|one \\# heading/latency/64K\n"));
    free(md);
    ipcb_comparison_free(&c);
}

/* Does text hold a run of at least n digits (a number printed in full)? */
static int has_digit_run(const char *text, size_t n)
{
    size_t run = 0;
    for (; *text; text++) {
        run = *text >= '0' && *text <= '9' ? run + 1 : 0;
        if (run >= n)
            return 1;
    }
    return 0;
}

/* Figures from 1e-9 to 1e308 print in engineering notation in every format,
 * never as a run of digits cut off by a buffer. */
static void test_large_and_small_values(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 1e306, 1e306, 1e306, 1e306 }, 4, NULL },
        { "pipe/latency/64K", "p50_us", { 1e-9, 1e-9, 1e-9, 1e-9 }, 4, NULL },
        { "tcp/throughput/64K", "mb_per_s", { 1e20, 1e20, 1e20, 1e20 }, 4, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 1e308, 1e308, 1e308, 1e308 }, 4, NULL },
        { "pipe/latency/64K", "p50_us", { 1e-9, 1e-9, 1e-9, 1e-9 }, 4, NULL },
        { "tcp/throughput/64K", "mb_per_s", { 1e20, 1e20, 1e20, 1e20 }, 4, NULL },
    };
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_specs(base, 3, new_specs, 3, NULL, &c, err, sizeof err), 0);
    for (int fmt = IPCB_FMT_TEXT; fmt <= IPCB_FMT_MD; fmt++) {
        char *out = print_to_string(&c, (ipcb_cmp_format)fmt);
        assert_non_null(strstr(out, "1.00e306"));      /* base p50 */
        assert_non_null(strstr(out, "100e306"));       /* new p50 */
        assert_non_null(strstr(out, "+9900.0%"));      /* the change */
        assert_non_null(strstr(out, "1.00e-9"));
        assert_non_null(strstr(out, "100e18"));
        if (has_digit_run(out, 10))
            fail_msg("a number in full:\n%s", out);
        free(out);
    }
    ipcb_comparison_free(&c);
}

/* ---- absent percentiles --------------------------------------------------- */

/* Runs of fewer than 100 frames carry no p99_us: such a metric is n/a with
 * the reason, never a verdict on a made-up value and never a regression. */
static void test_absent_percentile_not_comparable(void **state)
{
    (void)state;
    static const bench_spec base[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "tcp/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    static const bench_spec new_specs[] = {
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        { "pipe/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
        /* +25%: slower in p50 */
        { "tcp/latency/64K", "p50_us", { 125, 126, 127, 124, 125 }, 5, NULL },
    };
    write_sets(base, N_OF(base), new_specs, N_OF(new_specs));
    limit_frames("base", "unix/latency/64K", 36);   /* absent in the baseline */
    limit_frames("new", "unix/latency/64K", 36);
    limit_frames("base", "pipe/latency/64K", 1000);
    limit_frames("new", "pipe/latency/64K", 50);    /* absent in the new results only */
    limit_frames("new", "tcp/latency/64K", 12);
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_files(NULL, &c, err, sizeof err), 0);

    const ipcb_cmp_row *r = row(&c, "unix/latency/64K", "p99");
    assert_int_equal(r->verdict, IPCB_V_NA);
    assert_int_equal(r->judged, IPCB_J_NONE);
    assert_true(isnan(r->change));
    assert_string_equal(r->note, "too few samples for p99_us in the baseline "
                                 "(36 frames per run, needs 100)");
    assert_int_equal(row(&c, "unix/latency/64K", "p50")->verdict, IPCB_V_UNCHANGED);

    r = row(&c, "pipe/latency/64K", "p99");
    assert_int_equal(r->verdict, IPCB_V_NA);
    assert_close(r->base, 200, 1e-12);      /* the side that has it is still shown */
    assert_true(isnan(r->new_value));
    assert_non_null(strstr(r->note, "in the new results (50 frames per run, needs 100)"));

    /* tcp: p50 is slower; its absent p99 adds nothing */
    assert_int_equal(row(&c, "tcp/latency/64K", "p50")->verdict, IPCB_V_SLOWER);
    assert_int_equal(row(&c, "tcp/latency/64K", "p99")->verdict, IPCB_V_NA);
    assert_int_equal(c.count[IPCB_V_NA], 3);
    assert_int_equal(c.count[IPCB_V_SLOWER], 1);
    assert_int_equal(c.count[IPCB_V_FAILED], 0);
    assert_int_equal(c.per_metric[1].n, 0);  /* no p99 ratio in the geometric mean */

    char *text = print_to_string(&c, IPCB_FMT_TEXT);
    assert_non_null(strstr(text, "3 comparisons n/a"));
    assert_non_null(strstr(text, ", 3 n/a"));
    free(text);
    char *md = print_to_string(&c, IPCB_FMT_MD);
    assert_non_null(strstr(md, "**Not comparable** (n/a: a value absent on a side): "
                               "`pipe/latency/64K`, `tcp/latency/64K`, `unix/latency/64K`"));
    /* only tcp's p50 in the table of notable rows */
    const char *notable = strstr(md, "| benchmark |"), *all = strstr(md, "<details>");
    const char *in_table = strstr(notable, "| `unix/latency/64K` | p99");
    assert_true(in_table == NULL || in_table > all);
    free(md);
    char *js = print_to_string(&c, IPCB_FMT_JSON);
    json_t *root = json_loads(js, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "counts"), "n/a")), 3);
    json_decref(root);
    free(js);
    ipcb_comparison_free(&c);

    /* Only absent percentiles besides unchanged figures: no regression. */
    write_sets(base, 2, base, 2);
    limit_frames("new", "unix/latency/64K", 36);
    assert_int_equal(compare_files(NULL, &c, err, sizeof err), 0);
    assert_int_equal(row(&c, "unix/latency/64K", "p99")->verdict, IPCB_V_NA);
    assert_false(c.regression);
    assert_int_equal(c.count[IPCB_V_UNCHANGED], 3);
    ipcb_comparison_free(&c);
}

/* Normalized by a memcpy whose runs were too short for p99: n/a, naming it. */
static void test_absent_percentile_in_memcpy(void **state)
{
    (void)state;
    static const bench_spec s[] = {
        { "memcpy/latency/64K", "p50_us", { 10, 10.1, 9.9, 10, 10 }, 5, NULL },
        { "unix/latency/64K", "p50_us", { 100, 101, 102, 99, 100 }, 5, NULL },
    };
    write_sets(s, N_OF(s), s, N_OF(s));
    limit_frames("base", "memcpy/latency/64K", 36);
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    o.normalize_memcpy = 1;
    ipcb_comparison c;
    char err[512];
    assert_int_equal(compare_files(&o, &c, err, sizeof err), 0);
    const ipcb_cmp_row *r = row(&c, "unix/latency/64K", "p99");
    assert_int_equal(r->verdict, IPCB_V_NA);
    assert_string_equal(r->note, "too few samples for p99_us in memcpy/latency/64K of the "
                                 "baseline (36 frames per run, needs 100)");
    assert_int_equal(row(&c, "unix/latency/64K", "p50")->verdict, IPCB_V_UNCHANGED);
    assert_false(c.regression);
    ipcb_comparison_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utest_exact_matches_scipy),
        cmocka_unit_test(test_utest_asymptotic_matches_scipy),
        cmocka_unit_test(test_utest_large_sample),
        cmocka_unit_test(test_utest_exact_ties_medium),
        cmocka_unit_test(test_utest_symmetry_and_bad_input),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_identical_sets_pass),
        cmocka_unit_test(test_threshold_and_alpha),
        cmocka_unit_test(test_holm),
        cmocka_unit_test(test_holm_unreachable),
        cmocka_unit_test(test_normalize_memcpy),
        cmocka_unit_test(test_fanout),
        cmocka_unit_test(test_nothing_in_common),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_negative_p50_refused),
        cmocka_unit_test(test_markdown_escapes_names),
        cmocka_unit_test(test_large_and_small_values),
        cmocka_unit_test(test_absent_percentile_not_comparable),
        cmocka_unit_test(test_absent_percentile_in_memcpy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
