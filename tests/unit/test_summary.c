/* Tests for the figures people read: human units (human.c), the transport ×
 * size sweep with its best cells and crossover points (sweep.c), and the
 * console summary (summary.c), on a synthetic results.json. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "human.h"
#include "resultset.h"
#include "summary.h"
#include "sweep.h"

static void test_human_units(void **state)
{
    (void)state;
    char b[64];
    ipcb_human_us(b, sizeof b, 557.2);
    assert_string_equal(b, "557 µs");
    ipcb_human_us(b, sizeof b, 1723);
    assert_string_equal(b, "1.72 ms");
    ipcb_human_us(b, sizeof b, 0.031);
    assert_string_equal(b, "31.0 ns");
    ipcb_human_us(b, sizeof b, 2.5e6);
    assert_string_equal(b, "2.50 s");
    ipcb_human_us(b, sizeof b, NAN);
    assert_string_equal(b, IPCB_UNDEFINED);
    ipcb_human_mb_per_s(b, sizeof b, 13700);
    assert_string_equal(b, "13.7 GB/s");
    ipcb_human_mb_per_s(b, sizeof b, 452.4);
    assert_string_equal(b, "452 MB/s");
    ipcb_human_mb_per_s(b, sizeof b, INFINITY);
    assert_string_equal(b, IPCB_UNDEFINED);
    ipcb_human_ratio(b, sizeof b, 0.3412);
    assert_string_equal(b, "0.341×");
    ipcb_human_ratio(b, sizeof b, 12.34);
    assert_string_equal(b, "12.3×");
    ipcb_human_number(b, sizeof b, 1e300);
    assert_string_equal(b, "1.00e300");
    assert_int_equal(ipcb_display_width("557 µs ×"), 8);
}

/* Figures beyond plain digits: engineering notation (three significant
 * digits, an exponent that is a multiple of 3), never a run of digits. */
static void test_engineering_notation(void **state)
{
    (void)state;
    static const struct { double v; const char *eng; } cases[] = {
        { 1e308, "100e306" }, { DBL_MAX, "180e306" }, { 1e20, "100e18" },
        { 1.5e20, "150e18" }, { -2.5e6, "-2.50e6" }, { 999700, "1.00e6" },
        { 1e6, "1.00e6" }, { 1e-9, "1.00e-9" }, { 2.5e-4, "250e-6" },
        { 4.9e-324, "4.94e-324" }, { 1000, "1.00e3" }, { 0, "0" },
    };
    char b[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ipcb_human_eng(b, sizeof b, cases[i].v);
        if (strcmp(b, cases[i].eng) != 0)
            fail_msg("%g: \"%s\", expected \"%s\"", cases[i].v, b, cases[i].eng);
    }
    /* Where each formatter switches: plain from 0.0005 up to 999999. */
    ipcb_human_number(b, sizeof b, 999999);
    assert_string_equal(b, "999999");
    ipcb_human_number(b, sizeof b, 1e20);
    assert_string_equal(b, "100e18");
    ipcb_human_number(b, sizeof b, 1e-9);
    assert_string_equal(b, "1.00e-9");
    ipcb_human_number(b, sizeof b, 0.0005);
    assert_string_equal(b, "0.001");
    ipcb_human_us(b, sizeof b, 1e308);           /* 1e302 s */
    assert_string_equal(b, "100e300 s");
    ipcb_human_us(b, sizeof b, 1e20);
    assert_string_equal(b, "100e12 s");
    ipcb_human_us(b, sizeof b, 1e-9);            /* 1e-6 ns */
    assert_string_equal(b, "1.00e-6 ns");
    ipcb_human_mb_per_s(b, sizeof b, 1e308);
    assert_string_equal(b, "100e300 TB/s");
    ipcb_human_ratio(b, sizeof b, 1e20);
    assert_string_equal(b, "100e18×");
    ipcb_human_fixed(b, sizeof b, 12.4, 0);
    assert_string_equal(b, "12");
    ipcb_human_fixed(b, sizeof b, 1e20, 0);
    assert_string_equal(b, "100e18");
    ipcb_human_fixed(b, sizeof b, 1e-9, 3);
    assert_string_equal(b, "0.000");
    ipcb_human_percent(b, sizeof b, 0.25);
    assert_string_equal(b, "+25.0%");
    ipcb_human_percent(b, sizeof b, -0.031);
    assert_string_equal(b, "-3.1%");
    ipcb_human_percent(b, sizeof b, 1e306);
    assert_string_equal(b, "+100e306%");
    ipcb_human_percent(b, sizeof b, DBL_MAX);   /* 100 times that is no double */
    assert_string_equal(b, "+18.0e309%");
    ipcb_human_number(b, sizeof b, -0.0);
    assert_string_equal(b, "0");
    ipcb_human_percent(b, sizeof b, NAN);
    assert_string_equal(b, IPCB_UNDEFINED);
    assert_true(ipcb_human_needs_eng(1e6) && ipcb_human_needs_eng(1e-4));
    assert_false(ipcb_human_needs_eng(0) || ipcb_human_needs_eng(NAN) || ipcb_human_needs_eng(123));
}

/* Throughput in MB/s of each transport at 64 B, 4K, 64K and 1M: "small" leads
 * up to 4K, "large" from 64K; "twin" stays within 5% of "small" (a tie, never
 * a crossover); "zigzag" changes places twice with "large" (not clean). */
static const char *const names[] = { "memcpy", "small", "large", "twin", "zigzag" };
static const char *const labels[] = { "64", "4K", "64K", "1M" };
static const double bytes[] = { 64, 4096, 65536, 1048576 };
static const double mbps[][4] = {
    { 1000, 10000, 15000, 12000 },
    { 100, 800, 1000, 1100 },
    { 10, 400, 3000, 9000 },
    { 103, 780, 1040, 1070 },
    { 5, 900, 200, 20000 },
};

static void write_results(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/results.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"context\": {\"date\": \"2026-12-03\"}, \"benchmarks\": [\n", f);
    int first = 1;
    for (size_t t = 0; t < 5; t++)
        for (size_t s = 0; s < 4; s++) {
            /* throughput as given, latency p50 = bytes / throughput */
            fprintf(f, "%s{\"name\": \"%s/throughput/%s/manual_time\", \"run_type\": \"iteration\", "
                    "\"iterations\": 100, \"real_time\": 1, \"time_unit\": \"us\", "
                    "\"mb_per_s\": %g, \"bytes\": %g, \"frames\": 100}",
                    first ? "" : ",\n", names[t], labels[s], mbps[t][s], bytes[s]);
            first = 0;
            fprintf(f, ",\n{\"name\": \"%s/latency/%s/manual_time\", \"run_type\": \"iteration\", "
                    "\"iterations\": 100, \"real_time\": 1, \"time_unit\": \"us\", "
                    "\"p50_us\": %g, \"bytes\": %g, \"frames\": 100}",
                    names[t], labels[s], bytes[s] / mbps[t][s], bytes[s]);
        }
    fputs("]}\n", f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    static char dir[] = "/tmp/test_summary_XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    write_results(dir);
    ipcb_resultset *rs = calloc(1, sizeof *rs);
    char err[512];
    if (!rs || ipcb_resultset_load(rs, dir, err, sizeof err) != 0) {
        fprintf(stderr, "load: %s\n", err);
        free(rs);
        return -1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/results.json", dir);
    unlink(path);
    rmdir(dir);
    *state = rs;
    return 0;
}

static int teardown(void **state)
{
    ipcb_resultset_free(*state);
    free(*state);
    return 0;
}

static int index_of(const ipcb_sweep *sw, const char *name)
{
    for (size_t t = 0; t < sw->ntransports; t++)
        if (strcmp(sw->transports[t], name) == 0)
            return (int)t;
    fail_msg("no transport %s in the sweep", name);
    return -1;
}

static void test_sweep_best_and_ratios(void **state)
{
    ipcb_sweep sw;
    assert_int_equal(ipcb_sweep_build(&sw, *state, "throughput", IPCB_C_MB_PER_S, 1), 0);
    assert_int_equal(sw.nsizes, 4);
    assert_int_equal(sw.ntransports, 5);
    assert_int_equal(sw.reference, index_of(&sw, "memcpy"));
    assert_int_equal(ipcb_sweep_best(&sw, 0, 0), index_of(&sw, "memcpy"));
    assert_int_equal(ipcb_sweep_best(&sw, 0, 1), index_of(&sw, "twin"));
    assert_int_equal(ipcb_sweep_best(&sw, 2, 1), index_of(&sw, "large"));
    assert_int_equal(ipcb_sweep_best(&sw, 3, 1), index_of(&sw, "zigzag"));
    assert_true(fabs(ipcb_sweep_ratio_to_reference(&sw, (size_t)index_of(&sw, "large"), 2) - 0.2) < 1e-9);
    char label[32];
    ipcb_sweep_size_label(&sw, 0, label, sizeof label);
    assert_string_equal(label, "64 B");
    ipcb_sweep_size_label(&sw, 3, label, sizeof label);
    assert_string_equal(label, "1M");
    ipcb_sweep_free(&sw);
}

/* Only clean crossings, in both directions of "better" (MB/s higher, µs lower). */
static void check_crossovers(const ipcb_resultset *rs, const char *mode, enum ipcb_counter c,
                             int higher_better)
{
    ipcb_sweep sw;
    assert_int_equal(ipcb_sweep_build(&sw, rs, mode, c, higher_better), 0);
    ipcb_crossover x[16];
    size_t n = ipcb_sweep_crossovers(&sw, 0.10, x, 16);
    int large = index_of(&sw, "large"), small = index_of(&sw, "small"), twin = index_of(&sw, "twin");
    assert_int_equal(n, 2); /* large over small, large over twin */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(x[i].winner, large);
        assert_true((int)x[i].loser == small || (int)x[i].loser == twin);
        assert_int_equal(x[i].from, 2); /* from 64K */
        assert_true(x[i].factor_before > 9 && x[i].factor_after > 7);
    }
    assert_true((int)x[0].loser != (int)x[1].loser);
    /* max bounds what is written, not what is counted */
    assert_int_equal(ipcb_sweep_crossovers(&sw, 0.10, x, 1), 2);
    ipcb_sweep_free(&sw);
}

static void test_sweep_crossovers(void **state)
{
    check_crossovers(*state, "throughput", IPCB_C_MB_PER_S, 1);
    check_crossovers(*state, "latency", IPCB_C_P50_US, 0);
}

static void test_summary_text(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    ipcb_summary_print(f, *state, 100, 1);
    assert_int_equal(fclose(f), 0);
    /* every line within 100 columns */
    size_t cols = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            assert_true(cols <= 100);
            cols = 0;
        } else {
            cols += ((unsigned char)*p & 0xC0) != 0x80;
        }
    }
    assert_non_null(strstr(text, "Summary:"));
    assert_non_null(strstr(text, "\nthroughput "));
    assert_non_null(strstr(text, "\np50 latency "));
    assert_non_null(strstr(text, "*20.0 GB/s")); /* zigzag's 1M is the best */
    assert_non_null(strstr(text, "1.00×"));      /* memcpy against itself */
    assert_non_null(strstr(text, "large overtakes"));
    assert_non_null(strstr(text, "more crossovers in report.md"));
    assert_null(strstr(text, "nan"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_units),
        cmocka_unit_test(test_engineering_notation),
        cmocka_unit_test(test_sweep_best_and_ratios),
        cmocka_unit_test(test_sweep_crossovers),
        cmocka_unit_test(test_summary_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
