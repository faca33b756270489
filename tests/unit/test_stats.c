/* Unit tests for harness/run/stats.c: sample buffers, sorting, numpy-style
 * quantiles, the summary, and the histogram file read back and checked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"

enum { ERRLEN = 256 };

static char tmpdir[64];

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * (1 + fabs(want))))
        fail_msg("got %.12g, expected %.12g", got, want);
}

static void add_all(ipcb_samples *s, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ipcb_samples_add(s, v[i]), 0);
}

static uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* ---- quantiles --------------------------------------------------------- */

static void test_one_to_hundred(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    /* 1..100 us, added in a scrambled order (37 is coprime with 100). */
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(ipcb_samples_add(&s, ((i * 37) % 100 + 1) * 1000), 0);

    assert_near(ipcb_samples_quantile_us(&s, 0.50), 50.5);
    assert_near(ipcb_samples_quantile_us(&s, 0.90), 90.1);
    assert_near(ipcb_samples_quantile_us(&s, 0.99), 99.01);
    assert_near(ipcb_samples_quantile_us(&s, 0.999), 99.901);
    assert_near(ipcb_samples_quantile_us(&s, 0.0), 1.0);
    assert_near(ipcb_samples_quantile_us(&s, 1.0), 100.0);
    assert_near(ipcb_samples_quantile_us(&s, -0.5), 1.0);  /* clamped */
    assert_near(ipcb_samples_quantile_us(&s, 1.5), 100.0);
    assert_true(isnan(ipcb_samples_quantile_us(&s, NAN)));

    ipcb_summary sum;
    ipcb_samples_summarize(&s, &sum);
    assert_int_equal(sum.n, 100);
    assert_near(sum.p50_us, 50.5);
    assert_near(sum.p90_us, 90.1);
    assert_near(sum.p99_us, 99.01);
    assert_near(sum.p999_us, 99.901);
    assert_near(sum.mean_us, 50.5);
    assert_near(sum.min_us, 1.0);
    assert_near(sum.max_us, 100.0);
    ipcb_samples_free(&s);
}

static void test_single_sample(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    ipcb_summary sum;
    assert_int_equal(ipcb_samples_add(&s, 1234), 0);
    ipcb_samples_summarize(&s, &sum);
    assert_int_equal(sum.n, 1);
    assert_near(sum.p50_us, 1.234);
    assert_near(sum.p90_us, 1.234);
    assert_near(sum.p99_us, 1.234);
    assert_near(sum.p999_us, 1.234);
    assert_near(sum.min_us, 1.234);
    assert_near(sum.max_us, 1.234);
    assert_near(sum.mean_us, 1.234);
    assert_near(ipcb_samples_quantile_us(&s, 0.0), 1.234);
    ipcb_samples_free(&s);
}

static void test_two_samples(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    assert_int_equal(ipcb_samples_add(&s, 3000), 0);
    assert_int_equal(ipcb_samples_add(&s, 1000), 0);
    assert_near(ipcb_samples_quantile_us(&s, 0.0), 1.0);
    assert_near(ipcb_samples_quantile_us(&s, 0.5), 2.0);
    assert_near(ipcb_samples_quantile_us(&s, 0.9), 2.8);
    assert_near(ipcb_samples_quantile_us(&s, 0.99), 2.98);
    assert_near(ipcb_samples_quantile_us(&s, 1.0), 3.0);
    ipcb_samples_free(&s);
}

static void test_unsorted_input(void **state)
{
    (void)state;
    const uint64_t v[] = { 5000, 1000, 4000, 2000, 3000 };
    ipcb_samples s = { 0 };
    add_all(&s, v, 5);
    assert_near(ipcb_samples_quantile_us(&s, 0.5), 3.0);
    assert_near(ipcb_samples_quantile_us(&s, 0.25), 2.0);
    assert_near(ipcb_samples_quantile_us(&s, 0.9), 4.6);
    /* Adding after a sort re-sorts. */
    assert_int_equal(ipcb_samples_add(&s, 0), 0);
    assert_near(ipcb_samples_quantile_us(&s, 0.0), 0.0);
    assert_near(ipcb_samples_quantile_us(&s, 0.5), 2.5);
    ipcb_samples_free(&s);
}

/* Reference values from Python's statistics.quantiles(method="inclusive"),
 * which is numpy's default, and checked by hand: sorted data is
 * 5 7 12 42 89 150 600 1234 3000 77777 ns; p50: h = 4.5 -> 89 + .5*61. */
static void test_irregular_set(void **state)
{
    (void)state;
    const uint64_t v[] = { 7, 150, 42, 3000, 1234, 89, 5, 600, 77777, 12 };
    ipcb_samples s = { 0 };
    ipcb_summary sum;
    add_all(&s, v, 10);
    assert_near(ipcb_samples_quantile_us(&s, 0.25), 0.0195);
    ipcb_samples_summarize(&s, &sum);
    assert_int_equal(sum.n, 10);
    assert_near(sum.p50_us, 0.1195);
    assert_near(sum.p90_us, 10.4777);
    assert_near(sum.p99_us, 71.04707);
    assert_near(sum.p999_us, 77.104007);
    assert_near(sum.mean_us, 8.2916);
    assert_near(sum.min_us, 0.005);
    assert_near(sum.max_us, 77.777);
    ipcb_samples_free(&s);
}

static void test_empty_is_nan(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    ipcb_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.n = 99;
    assert_true(isnan(ipcb_samples_quantile_us(&s, 0.5)));
    ipcb_samples_summarize(&s, &sum);
    assert_int_equal(sum.n, 0);
    assert_true(isnan(sum.p50_us));
    assert_true(isnan(sum.p90_us));
    assert_true(isnan(sum.p99_us));
    assert_true(isnan(sum.p999_us));
    assert_true(isnan(sum.max_us));
    assert_true(isnan(sum.mean_us));
    assert_true(isnan(sum.min_us));

    /* Cleared samples are empty again. */
    assert_int_equal(ipcb_samples_add(&s, 5), 0);
    ipcb_samples_clear(&s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(ipcb_samples_quantile_us(&s, 0.5)));
    ipcb_samples_free(&s);
    assert_null(s.ns);
}

static void test_huge_values_mean(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    ipcb_summary sum;
    /* The sum overflows uint64; the mean must not. */
    assert_int_equal(ipcb_samples_add(&s, UINT64_MAX), 0);
    assert_int_equal(ipcb_samples_add(&s, UINT64_MAX - 1000), 0);
    ipcb_samples_summarize(&s, &sum);
    assert_near(sum.mean_us, ((double)UINT64_MAX - 500.0) / 1000.0);
    assert_near(sum.max_us, (double)UINT64_MAX / 1000.0);
    ipcb_samples_free(&s);
}

/* ---- sorting ------------------------------------------------------------- */

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static void check_sorted_like_qsort(uint64_t *values, size_t n)
{
    ipcb_samples s = { 0 };
    uint64_t *ref = malloc(n * sizeof *ref);
    assert_non_null(ref);
    assert_int_equal(ipcb_samples_reserve(&s, n), 0);
    add_all(&s, values, n);
    memcpy(ref, values, n * sizeof *ref);
    qsort(ref, n, sizeof *ref, cmp_u64);

    assert_near(ipcb_samples_quantile_us(&s, 0.0), (double)ref[0] / 1000.0);
    assert_true(s.sorted);
    assert_int_equal(s.n, n);
    assert_memory_equal(s.ns, ref, n * sizeof *ref);
    assert_near(ipcb_samples_quantile_us(&s, 1.0), (double)ref[n - 1] / 1000.0);
    free(ref);
    ipcb_samples_free(&s);
}

static void test_sort_million(void **state)
{
    (void)state;
    const size_t n = 1000000;
    uint64_t *v = malloc(n * sizeof *v);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = xorshift64(&rng);
        switch (i % 5) {
        case 0: v[i] = r; break;                       /* full 64-bit range */
        case 1: v[i] = r & 0xFFFF; break;              /* tiny */
        case 2: v[i] = r & 0xFFFFFFFF; break;          /* typical latencies */
        case 3: v[i] = (r % 1000) * 1000; break;       /* many duplicates */
        default: v[i] = r >> (r & 63); break;          /* every magnitude */
        }
    }
    v[10] = UINT64_MAX;
    v[20] = 0;
    check_sorted_like_qsort(v, n);
    free(v);
}

static void test_sort_shapes(void **state)
{
    (void)state;
    enum { N = 5000 };
    static uint64_t v[N];
    uint64_t rng = 12345;

    /* Same high digits everywhere (those passes are skipped). */
    for (size_t i = 0; i < N; i++)
        v[i] = (1ull << 48) + (xorshift64(&rng) % 100000);
    check_sorted_like_qsort(v, N);
    /* Only the top digit varies. */
    for (size_t i = 0; i < N; i++)
        v[i] = (xorshift64(&rng) & 0xFFFF000000000000ull) | 0x1234;
    check_sorted_like_qsort(v, N);
    /* All equal. */
    for (size_t i = 0; i < N; i++)
        v[i] = 777;
    check_sorted_like_qsort(v, N);
    /* Descending. */
    for (size_t i = 0; i < N; i++)
        v[i] = (uint64_t)(N - i) * 1000003;
    check_sorted_like_qsort(v, N);
    /* Small inputs take the insertion-sort path. */
    for (size_t n = 1; n < 80; n += 7) {
        for (size_t i = 0; i < n; i++)
            v[i] = xorshift64(&rng) >> (i % 60);
        check_sorted_like_qsort(v, n);
    }
}

/* ---- buffer management ---------------------------------------------------- */

static void test_reserve_and_add(void **state)
{
    (void)state;
    ipcb_samples s = { 0 };
    assert_int_equal(ipcb_samples_reserve(&s, 5000), 0);
    assert_true(s.cap >= 5000);
    assert_int_equal(s.n, 0);
    uint64_t *before = s.ns;
    for (uint64_t i = 0; i < 5000; i++)
        assert_int_equal(ipcb_samples_add(&s, i), 0);
    assert_ptr_equal(s.ns, before); /* no reallocation inside the reserve */
    assert_int_equal(ipcb_samples_reserve(&s, 10), 0); /* shrinking is a no-op */
    assert_true(s.cap >= 5000);
    for (uint64_t i = 5000; i < 12345; i++) /* growing past the reserve works */
        assert_int_equal(ipcb_samples_add(&s, i), 0);
    assert_int_equal(s.n, 12345);
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.ns[i] == i);
    ipcb_samples_free(&s);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.cap, 0);
}

static void test_append(void **state)
{
    (void)state;
    const uint64_t a_v[] = { 3000, 1000, 2000 };
    const uint64_t b_v[] = { 5000, 4000 };
    ipcb_samples a = { 0 }, b = { 0 }, empty = { 0 };

    add_all(&a, a_v, 3);
    add_all(&b, b_v, 2);
    assert_near(ipcb_samples_quantile_us(&a, 1.0), 3.0); /* a is now sorted */
    assert_int_equal(ipcb_samples_append(&a, &b), 0);
    assert_int_equal(a.n, 5);
    assert_false(a.sorted);
    assert_near(ipcb_samples_quantile_us(&a, 0.5), 3.0);
    assert_near(ipcb_samples_quantile_us(&a, 1.0), 5.0);
    assert_int_equal(b.n, 2); /* src untouched */

    assert_int_equal(ipcb_samples_append(&a, &empty), 0);
    assert_int_equal(a.n, 5);
    assert_int_equal(ipcb_samples_append(&empty, &a), 0);
    assert_int_equal(empty.n, 5);
    assert_near(ipcb_samples_quantile_us(&empty, 0.25), 2.0);

    /* Appending to itself doubles the samples. */
    assert_int_equal(ipcb_samples_append(&b, &b), 0);
    assert_int_equal(b.n, 4);
    assert_near(ipcb_samples_quantile_us(&b, 0.0), 4.0);
    assert_near(ipcb_samples_quantile_us(&b, 1.0), 5.0);
    assert_near(ipcb_samples_quantile_us(&b, 0.5), 4.5);

    ipcb_samples_free(&a);
    ipcb_samples_free(&b);
    ipcb_samples_free(&empty);
}

/* ---- histogram -------------------------------------------------------------- */

struct hist_line {
    double upper;
    size_t count;
    double cumulative;
    char cumulative_text[32];
};

/* Reads the file back: comment lines first, then data lines. Returns the
 * number of data lines; the comment text goes into comments. */
static size_t read_histogram(const char *path, struct hist_line *lines, size_t max,
                             char *comments, size_t clen)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    size_t n = 0;
    comments[0] = '\0';
    assert_non_null(f);
    while (fgets(buf, sizeof buf, f)) {
        if (buf[0] == '#') {
            assert_int_equal(n, 0); /* no comment after the data */
            strncat(comments, buf, clen - strlen(comments) - 1);
            continue;
        }
        assert_true(n < max);
        struct hist_line *l = &lines[n++];
        int fields = sscanf(buf, "%lf %zu %31s", &l->upper, &l->count, l->cumulative_text);
        assert_int_equal(fields, 3);
        l->cumulative = strtod(l->cumulative_text, NULL);
    }
    fclose(f);
    return n;
}

static size_t count_in(const uint64_t *v, size_t n, double lo_us, double hi_us)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        double us = (double)v[i] / 1000.0;
        if (us > lo_us && us <= hi_us)
            c++;
    }
    return c;
}

static void test_histogram_file(void **state)
{
    (void)state;
    enum { N = 20000, MAXLINES = 4000 };
    static uint64_t v[N];
    static struct hist_line lines[MAXLINES];
    static char comments[2048];
    ipcb_samples s = { 0 };
    uint64_t rng = 42;
    char path[128], tmp[140], err[ERRLEN] = "";

    for (size_t i = 0; i < N; i++) /* log-uniform from 1 ns to ~1 s */
        v[i] = (uint64_t)exp((double)(xorshift64(&rng) % 20000) / 1000.0);
    v[0] = 0;
    v[1] = 10;     /* exactly 0.01 us: first bucket */
    v[2] = 30;     /* 30 and 31 ns must land in distinct, distinctly printed buckets */
    v[3] = 31;
    v[4] = UINT64_MAX;
    add_all(&s, v, N);

    snprintf(path, sizeof path, "%s/hist.dat", tmpdir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (ipcb_histogram_write(&s, path, "unix ping-pong\n64K", err, sizeof err) != 0)
        fail_msg("histogram: %s", err);
    assert_int_not_equal(access(path, F_OK), -1);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed away */

    size_t nl = read_histogram(path, lines, MAXLINES, comments, sizeof comments);
    assert_non_null(strstr(comments, "# unix ping-pong 64K\n"));
    assert_non_null(strstr(comments, "20000"));
    assert_true(nl > 100);

    size_t total = 0;
    double prev_upper_exact = -1;
    for (size_t i = 0; i < nl; i++) {
        const struct hist_line *l = &lines[i];
        assert_true(l->count > 0);
        total += l->count;
        if (i > 0) {
            assert_true(l->upper > lines[i - 1].upper);
            assert_true(l->cumulative >= lines[i - 1].cumulative);
        }
        assert_near(l->cumulative, round((double)total / N * 1e6) / 1e6);
        /* The upper bound is 0.01 us * 1.02^k; the bucket holds exactly the
         * samples in (0.01 * 1.02^(k-1), 0.01 * 1.02^k]. */
        double k = round(log(l->upper / 0.01) / log(1.02));
        double exact = 0.01 * pow(1.02, k);
        assert_true(fabs(exact - l->upper) <= 0.00005 + 1e-9 * exact);
        double lower = k == 0 ? -1 : 0.01 * pow(1.02, k - 1);
        assert_true(lower >= prev_upper_exact);
        assert_int_equal(count_in(v, N, lower, exact), l->count);
        prev_upper_exact = exact;
    }
    assert_int_equal(total, N);
    assert_string_equal(lines[nl - 1].cumulative_text, "1.000000");
    assert_near(lines[0].upper, 0.01);
    assert_true(lines[0].count >= 2); /* at least 0 ns and 10 ns */
    ipcb_samples_free(&s);
    unlink(path);
}

static void test_histogram_empty_and_errors(void **state)
{
    (void)state;
    static struct hist_line lines[4];
    static char comments[1024];
    ipcb_samples s = { 0 };
    char path[128], err[ERRLEN] = "";

    snprintf(path, sizeof path, "%s/empty.dat", tmpdir);
    assert_int_equal(ipcb_histogram_write(&s, path, NULL, err, sizeof err), 0);
    assert_int_equal(read_histogram(path, lines, 4, comments, sizeof comments), 0);
    assert_non_null(strstr(comments, "samples: 0"));
    unlink(path);

    assert_int_equal(ipcb_samples_add(&s, 1500), 0);
    snprintf(path, sizeof path, "%s/no/such/dir/h.dat", tmpdir);
    assert_int_equal(ipcb_histogram_write(&s, path, "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_non_null(strstr(err, "h.dat.tmp"));

    /* Renaming over a directory fails; the temporary file is removed. */
    snprintf(path, sizeof path, "%s/adir", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    char inner[160];
    snprintf(inner, sizeof inner, "%s/f", path);
    FILE *f = fopen(inner, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(ipcb_histogram_write(&s, path, "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot rename"));
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
    unlink(inner);
    rmdir(path);
    ipcb_samples_free(&s);
}

/* ---- runner ------------------------------------------------------------ */

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ipcb-test-stats-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_to_hundred),
        cmocka_unit_test(test_single_sample),
        cmocka_unit_test(test_two_samples),
        cmocka_unit_test(test_unsorted_input),
        cmocka_unit_test(test_irregular_set),
        cmocka_unit_test(test_empty_is_nan),
        cmocka_unit_test(test_huge_values_mean),
        cmocka_unit_test(test_sort_million),
        cmocka_unit_test(test_sort_shapes),
        cmocka_unit_test(test_reserve_and_add),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_histogram_file),
        cmocka_unit_test(test_histogram_empty_and_errors),
    };
    return cmocka_run_group_tests_name("stats", tests, make_tmpdir, remove_tmpdir);
}
