/* Tests for the figures a results.json may not hold (resultcheck.c), through
 * the loader and merge: negative and infinite values, values that are not
 * numbers, NaN where a successful run always measures the figure, refused
 * with the file, benchmark, entry and field named; the NaN Google Benchmark
 * writes where a figure is undefined, and the committed baseline, accepted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbfixture.h"
#include "merge.h"
#include "resultset.h"
#include "schema.h"

/* ---- results.json as text ------------------------------------------------ */

/* One entry as Google Benchmark writes it, its figures given as JSON text
 * (so that bare NaN and Infinity can be written): "name/manual_time" with
 * run_type iteration (agg NULL) or aggregate agg. */
static void entry_text(char *out, size_t n, const char *name, const char *agg, int rep, int reps,
                       const char *figures)
{
    if (agg)
        snprintf(out, n, "{\"name\": \"%s/manual_time_%s\", \"run_name\": \"%s/manual_time\", "
                 "\"run_type\": \"aggregate\", \"aggregate_name\": \"%s\", \"repetitions\": %d, "
                 "\"threads\": 1, \"real_time\": 10, \"cpu_time\": 1, \"time_unit\": \"us\"%s%s}",
                 name, agg, name, agg, reps, *figures ? ", " : "", figures);
    else
        snprintf(out, n, "{\"name\": \"%s/manual_time\", \"run_name\": \"%s/manual_time\", "
                 "\"run_type\": \"iteration\", \"repetitions\": %d, \"repetition_index\": %d, "
                 "\"threads\": 1, \"real_time\": 10, \"cpu_time\": 1, \"time_unit\": \"us\"%s%s}",
                 name, name, reps, rep, *figures ? ", " : "", figures);
}

/* The figures of a good latency run of 500 frames, as the runner writes them. */
#define LATENCY_FIGURES                                                                   \
    "\"p50_us\": 10, \"p90_us\": 12, \"p99_us\": 20, \"max_us\": 40, \"mean_us\": 11, "   \
    "\"rtt_p50_us\": 21, \"rtt_p99_us\": 41, \"frames_per_s\": 9000, \"mb_per_s\": 590, " \
    "\"cpu_driver_s\": 0.01, \"cpu_peer_s\": 0.01, \"cpu_infra_s\": 0, "                \
    "\"cpu_per_gib_s\": 0.5, \"cpu_per_frame_us\": 40, \"copies\": 2, \"frames\": 500, " \
    "\"bytes\": 65536, \"faults_per_frame\": 0.1, \"major_faults_per_frame\": 0, "       \
    "\"csw_per_frame\": 2, \"icsw_per_frame\": 0.1, \"steal_s\": 0"

/* dir/results.json holding unix/latency/64K: three repetitions of the good
 * figures, the second with `second` appended (a later key wins in jansson). */
static void write_with_second(const char *dir, const char *second)
{
    char e[3][2048], extra[1200], path[PATH_MAX];
    snprintf(extra, sizeof extra, LATENCY_FIGURES "%s%s", *second ? ", " : "", second);
    entry_text(e[0], sizeof e[0], "unix/latency/64K", NULL, 0, 3, LATENCY_FIGURES);
    entry_text(e[1], sizeof e[1], "unix/latency/64K", NULL, 1, 3, extra);
    entry_text(e[2], sizeof e[2], "unix/latency/64K", NULL, 2, 3, LATENCY_FIGURES);
    gbf_path(path, dir, "results.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"context\": {\"campaign\": \"unit\"}, \"benchmarks\": [\n%s,\n%s,\n%s\n]}\n",
            e[0], e[1], e[2]);
    assert_int_equal(fclose(f), 0);
}

static void write_entries(const char *dir, const char *const *entries, size_t n)
{
    char path[PATH_MAX];
    gbf_path(path, dir, "results.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"context\": {\"campaign\": \"unit\"}, \"benchmarks\": [\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s\n", entries[i], i + 1 < n ? "," : "");
    fputs("]}\n", f);
    assert_int_equal(fclose(f), 0);
}

/* The loader refuses dir with exactly the message want (after the path). */
static void expect_refused(const char *dir, const char *want)
{
    ipcb_resultset rs;
    char err[512] = "", path[PATH_MAX], full[PATH_MAX + 512];
    gbf_path(path, dir, "results.json");
    snprintf(full, sizeof full, "%s: %s", path, want);
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), -1);
    if (strcmp(err, full) != 0)
        fail_msg("error\n  \"%s\"\nexpected\n  \"%s\"", err, full);
    assert_int_equal(rs.nresults, 0);
}

static void expect_loaded(const char *dir)
{
    ipcb_resultset rs;
    char err[512] = "";
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    assert_true(rs.nresults > 0);
    ipcb_resultset_free(&rs);
}

/* ---- refused ------------------------------------------------------------- */

static void test_negative_latency(void **state)
{
    const char *dir = *state;
    write_with_second(dir, "\"p50_us\": -3.5");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): p50_us is -3.5, "
                        "a latency cannot be negative");
}

/* Every counter, and Google Benchmark's times, negative in a median: refused
 * in any entry, naming the field and what it is. */
static void test_every_counter_negative(void **state)
{
    const char *dir = *state;
    static const char *const what[IPCB_NCOUNTERS] = {
        "a latency", "a latency", "a latency", "a latency", "a latency", "a latency",
        "a latency", "a latency", "a rate", "a rate", "a CPU time", "a CPU time",
        "a CPU time", "a CPU cost", "a CPU cost", "a count of copies", "a count of frames",
        "a count of frames", "a count of frames", "a frame size", "a count of subscribers",
        "a count per frame", "a count per frame", "a count per frame", "a count per frame",
        "a CPU time",
    };
    for (int c = 0; c < IPCB_NCOUNTERS + 2; c++) {
        const char *key = c < IPCB_NCOUNTERS ? ipcb_counter_names[c]
                        : c == IPCB_NCOUNTERS ? "real_time" : "cpu_time";
        char figures[256], median[2048], good[2048], want[256];
        snprintf(figures, sizeof figures, "\"frames\": 500, \"%s\": -1e+300", key);
        entry_text(good, sizeof good, "tcp/throughput/1080p", NULL, 0, 2, "\"mb_per_s\": 5");
        entry_text(median, sizeof median, "tcp/throughput/1080p", "median", 0, 2, figures);
        write_entries(dir, (const char *[]){ good, median }, 2);
        snprintf(want, sizeof want, "benchmark tcp/throughput/1080p (median): %s is -1e+300, "
                 "%s cannot be negative", key, c < IPCB_NCOUNTERS ? what[c] : "a time");
        expect_refused(dir, want);
    }
}

static void test_infinite(void **state)
{
    const char *dir = *state;
    write_with_second(dir, "\"mb_per_s\": Infinity");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): mb_per_s is Infinity, "
                        "but a rate must be finite");
    write_with_second(dir, "\"max_us\": -Infinity");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): max_us is -Infinity, "
                        "but a latency must be finite");
    /* in a cv aggregate too: a NaN is expected there, an infinity is not */
    char e[2][2048];
    entry_text(e[0], sizeof e[0], "unix/latency/64K", NULL, 0, 2, LATENCY_FIGURES);
    entry_text(e[1], sizeof e[1], "unix/latency/64K", "cv", 0, 2, "\"cpu_infra_s\": Infinity");
    write_entries(dir, (const char *[]){ e[0], e[1] }, 2);
    expect_refused(dir, "benchmark unix/latency/64K (cv): cpu_infra_s is Infinity, but a CPU "
                        "time must be finite");
}

static void test_not_a_number(void **state)
{
    const char *dir = *state;
    write_with_second(dir, "\"p99_us\": \"fast\"");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): p99_us is a string, "
                        "but a latency must be a number");
    write_with_second(dir, "\"frames\": true");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): frames is a boolean, "
                        "but a count of frames must be a number");
    write_with_second(dir, "\"copies\": [2]");
    expect_refused(dir, "benchmark unix/latency/64K (repetition 2 of 3): copies is an array, "
                        "but a count of copies must be a number");
}

/* NaN where every successful run of the mode measures the figure. */
static void test_nan_where_measured(void **state)
{
    const char *dir = *state;
    static const struct { const char *second, *want; } cases[] = {
        { "\"p50_us\": NaN", "p50_us is NaN, but every successful latency run measures it" },
        { "\"p99_us\": NaN", "p99_us is NaN, but every successful latency run measures it" },
        { "\"rtt_p50_us\": NaN", "rtt_p50_us is NaN, but every successful latency run "
                                 "measures it" },
        { "\"frames\": NaN", "frames is NaN, but every successful latency run measures it" },
        { "\"mb_per_s\": -NaN", "mb_per_s is NaN, but every successful latency run measures it" },
        { "\"copies\": \"NaN\"", "copies is NaN, but every successful latency run measures it" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[256];
        write_with_second(dir, cases[i].second);
        snprintf(want, sizeof want, "benchmark unix/latency/64K (repetition 2 of 3): %s",
                 cases[i].want);
        expect_refused(dir, want);
    }
    char e[2048];
    entry_text(e, sizeof e, "shm/paced/1080p", NULL, 0, 1,
               "\"p50_us\": 10, \"frames\": 120, \"late\": NaN");
    write_entries(dir, (const char *[]){ e }, 1);
    expect_refused(dir, "benchmark shm/paced/1080p (repetition 1): late is NaN, but every "
                        "successful paced run measures it");
    entry_text(e, sizeof e, "qcop/fanout/vga/subscribers:2", NULL, 0, 1,
               "\"p50_us\": 10, \"subscribers\": NaN");
    write_entries(dir, (const char *[]){ e }, 1);
    expect_refused(dir, "benchmark qcop/fanout/vga/subscribers:2 (repetition 1): subscribers "
                        "is NaN, but every successful fanout run measures it");
}

/* ---- accepted ------------------------------------------------------------ */

/* NaN as absent: where Google Benchmark writes it (a cv aggregate of zeros),
 * a counter the mode does not measure, a percentile the run has too few
 * frames for, a cost counter, a failed run, a benchmark not named
 * transport/mode/size; null as absent too. */
static void test_nan_as_absent(void **state)
{
    const char *dir = *state;
    char e[9][2048];
    entry_text(e[0], sizeof e[0], "unix/latency/64K", NULL, 0, 2, LATENCY_FIGURES
               ", \"cpu_infra_s\": NaN, \"steal_s\": NaN, \"faults_per_frame\": NaN");
    entry_text(e[1], sizeof e[1], "unix/latency/64K", NULL, 1, 2, LATENCY_FIGURES);
    entry_text(e[2], sizeof e[2], "unix/latency/64K", "cv", 0, 2,
               "\"cpu_infra_s\": NaN, \"major_faults_per_frame\": NaN, \"steal_s\": NaN, "
               "\"p50_us\": 0.02");
    entry_text(e[3], sizeof e[3], "unix/throughput/64K", NULL, 0, 1,
               "\"mb_per_s\": 900, \"frames\": 500, \"p50_us\": NaN, \"late\": NaN");
    entry_text(e[4], sizeof e[4], "unix/latency/thumb", NULL, 0, 1,
               "\"p50_us\": 10, \"frames\": 36, \"p99_us\": NaN, \"p999_us\": NaN, "
               "\"rtt_p99_us\": NaN");
    entry_text(e[5], sizeof e[5], "tcp/latency/64K", NULL, 0, 1,
               "\"p50_us\": NaN, \"frames\": 0, \"error_occurred\": true, "
               "\"error_message\": \"peer died\"");
    entry_text(e[6], sizeof e[6], "BM_Foreign", NULL, 0, 1, "\"p50_us\": NaN");
    entry_text(e[7], sizeof e[7], "pipe/latency/64K", NULL, 0, 1,
               "\"p50_us\": 5, \"p90_us\": null, \"frames\": 500");
    entry_text(e[8], sizeof e[8], "pipe/latency/64K", "median", 0, 1, "\"p50_us\": NaN");
    write_entries(dir, (const char *const[]){ e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7],
                                              e[8] }, 9);
    ipcb_resultset rs;
    char err[512] = "";
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    const ipcb_result *r = ipcb_resultset_find(&rs, "unix/latency/64K");
    assert_non_null(r);
    assert_true(isnan(r->runs[0].counter[IPCB_C_CPU_INFRA_S]));
    assert_float_equal(r->runs[1].counter[IPCB_C_CPU_INFRA_S], 0, 0);
    assert_true(isnan(ipcb_resultset_find(&rs, "unix/throughput/64K")->summary.counter[IPCB_C_P50_US]));
    assert_true(isnan(ipcb_resultset_find(&rs, "pipe/latency/64K")->runs[0].counter[IPCB_C_P90_US]));
    assert_true(ipcb_resultset_find(&rs, "tcp/latency/64K")->failed);
    ipcb_resultset_free(&rs);
}

/* Zero is a figure, and huge ones are figures too (they print in
 * engineering notation); counts beyond 2^64 saturate instead of wrapping. */
static void test_zero_and_huge_accepted(void **state)
{
    const char *dir = *state;
    char e[2][2048];
    entry_text(e[0], sizeof e[0], "shm-ring-zc/latency/64", NULL, 0, 2,
               "\"p50_us\": 0, \"copies\": 0, \"frames\": 1e300, \"bytes\": 1e300, "
               "\"cpu_per_gib_s\": 0");
    entry_text(e[1], sizeof e[1], "shm-ring-zc/latency/64", NULL, 1, 2,
               "\"p50_us\": 1e308, \"copies\": 0, \"frames\": 1e300, \"bytes\": 64");
    write_entries(dir, (const char *const[]){ e[0], e[1] }, 2);
    ipcb_resultset rs;
    char err[512] = "";
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    const ipcb_result *r = ipcb_resultset_find(&rs, "shm-ring-zc/latency/64");
    assert_int_equal(r->samples, UINT64_MAX);
    assert_int_equal(r->frames_per_run, UINT64_MAX);
    assert_int_equal(r->bytes, UINT64_MAX);
    ipcb_resultset_free(&rs);
}

/* What ipcbench itself writes: the committed CI baseline (a merge of three
 * runs), and Google Benchmark's own example output. */
static void test_real_files_accepted(void **state)
{
    (void)state;
    static const char *const files[] = {
        "results/baselines/ci/results.json",
        "/usr/share/benchmark/gbench/Inputs/test1_run1.json",
        "/usr/share/benchmark/gbench/Inputs/test3_run0.json",
        "/usr/share/benchmark/gbench/Inputs/test4_run.json",
    };
    size_t loaded = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (access(files[i], R_OK) != 0)
            continue;
        expect_loaded(files[i]);
        loaded++;
    }
    if (loaded == 0)
        skip();
}

/* merge refuses a run with an impossible figure, and writes nothing. */
static void test_merge_refuses(void **state)
{
    const char *dir = *state;
    char good[PATH_MAX], bad[PATH_MAX], out[PATH_MAX], err[512] = "";
    snprintf(good, sizeof good, "%s/good", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    snprintf(out, sizeof out, "%s/pooled.json", dir);
    json_t *arr = json_array();
    gbf_values v = { 10, 20, NAN, NAN, 500, 65536 };
    json_array_append_new(arr, gbf_entry("unix/latency/64K", NULL, 0, 1, &v));
    gbf_write_run(good, gbf_context("h", "2024-05-01T10:00:00+00:00", "ci"), arr);
    arr = json_array();
    v.p50_us = -3.5;
    json_array_append_new(arr, gbf_entry("unix/latency/64K", NULL, 0, 1, &v));
    gbf_write_run(bad, gbf_context("h", "2024-05-01T11:00:00+00:00", "ci"), arr);
    const char *runs[] = { good, bad };
    assert_int_equal(ipcb_merge_results(out, runs, 2, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad/results.json: benchmark unix/latency/64K (repetition 1): "
                                "p50_us is -3.5, a latency cannot be negative"));
    assert_int_equal(access(out, F_OK), -1);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, gbf_setup_dir, gbf_teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_negative_latency),
        DIR_TEST(test_every_counter_negative),
        DIR_TEST(test_infinite),
        DIR_TEST(test_not_a_number),
        DIR_TEST(test_nan_where_measured),
        DIR_TEST(test_nan_as_absent),
        DIR_TEST(test_zero_and_huge_accepted),
        cmocka_unit_test(test_real_files_accepted),
        DIR_TEST(test_merge_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
