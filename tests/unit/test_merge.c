/* Tests for merge.c on synthetic runs: repetitions pooled and renumbered, a
 * fresh median per benchmark, the context, what loader and compare make of
 * the output, Google Benchmark's bare NaN, bad input (nothing written). */
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
#include <sys/stat.h>

#include "compare.h"
#include "gbfixture.h"
#include "merge.h"
#include "resultset.h"

#define RUN_A "20240501T100000Z-ci"
#define RUN_B "20240501T110000Z-ci"

static void add_reps(json_t *arr, const char *base, const double *p50, const double *p99, int n)
{
    for (int i = 0; i < n; i++) {
        gbf_values v = { p50[i], p99[i], NAN, NAN, 200, 65536 };
        json_array_append_new(arr, gbf_entry(base, NULL, i, n, &v));
    }
}

/* Run A: unix 3 repetitions (and Google Benchmark's mean and median, which
 * merge drops), memcpy 3, tcp 3 failed. Run B: unix 2, memcpy 2, tcp 2 that
 * succeeded, shm 1. Returns the two directories. */
static void write_two_runs(const char *dir, char *a, char *b)
{
    snprintf(a, PATH_MAX, "%s/a/" RUN_A, dir);
    snprintf(b, PATH_MAX, "%s/b/" RUN_B, dir);
    json_t *arr = json_array();
    add_reps(arr, "unix/latency/64K", (double[]){ 10, 30, 20 }, (double[]){ 50, 60, 70 }, 3);
    gbf_values agg = { 99, 99, NAN, NAN, 200, 65536 };
    json_array_append_new(arr, gbf_entry("unix/latency/64K", "mean", 0, 3, &agg));
    json_array_append_new(arr, gbf_entry("unix/latency/64K", "median", 0, 3, &agg));
    add_reps(arr, "memcpy/latency/64K", (double[]){ 1, 1, 1 }, (double[]){ 2, 2, 2 }, 3);
    for (int i = 0; i < 3; i++)
        json_array_append_new(arr, gbf_failed("tcp/latency/64K", i, 3, "peer died"));
    json_t *ctx = gbf_context("hostA", "2024-05-01T10:00:00+00:00", "ci");
    json_object_set_new(ctx, "repetitions", json_string("3"));
    gbf_write_run(a, ctx, arr);

    arr = json_array();
    add_reps(arr, "unix/latency/64K", (double[]){ 40, 50 }, (double[]){ 80, 90 }, 2);
    add_reps(arr, "memcpy/latency/64K", (double[]){ 1, 1 }, (double[]){ 2, 2 }, 2);
    add_reps(arr, "tcp/latency/64K", (double[]){ 5, 7 }, (double[]){ 9, 9 }, 2);
    add_reps(arr, "shm/latency/64K", (double[]){ 3 }, (double[]){ 4 }, 1);
    gbf_write_run(b, gbf_context("hostB", "2024-05-01T11:00:00+00:00", "ci"), arr);
}

/* The entries of benchmark base in root: iterations counted, the median returned. */
static const json_t *entries_of(const json_t *root, const char *base, size_t *iterations)
{
    char run_name[256];
    snprintf(run_name, sizeof run_name, "%s/manual_time", base);
    const json_t *median = NULL, *e;
    size_t i, expect_index = 0;
    *iterations = 0;
    json_array_foreach(json_object_get(root, "benchmarks"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "run_name")), run_name) != 0)
            continue;
        const char *type = json_string_value(json_object_get(e, "run_type"));
        if (strcmp(type, "iteration") == 0) {
            assert_int_equal(json_integer_value(json_object_get(e, "repetition_index")),
                             expect_index++);
            (*iterations)++;
        } else {
            assert_null(median); /* one aggregate, the median; Google Benchmark's mean is gone */
            assert_string_equal(json_string_value(json_object_get(e, "aggregate_name")), "median");
            median = e;
        }
    }
    json_array_foreach(json_object_get(root, "benchmarks"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "run_name")), run_name) == 0)
            assert_int_equal(json_integer_value(json_object_get(e, "repetitions")), *iterations);
    return median;
}

static double number(const json_t *e, const char *key)
{
    const json_t *v = json_object_get(e, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void test_merge_pools_repetitions(void **state)
{
    const char *dir = *state;
    char a[PATH_MAX], b[PATH_MAX], out[PATH_MAX], err[512] = "";
    write_two_runs(dir, a, b);
    gbf_path(out, dir, "pooled.json");
    const char *runs[] = { a, b };
    ipcb_merge_stats st;
    if (ipcb_merge_results(out, runs, 2, &st, err, sizeof err) != 0)
        fail_msg("merge: %s", err);
    assert_int_equal(st.benchmarks, 4);
    assert_int_equal(st.repetitions, 3 + 3 + 3 + 2 + 2 + 2 + 1);
    assert_false(gbf_exists(dir, "pooled.json.tmp"));

    json_error_t jerr;
    json_t *root = json_load_file(out, 0, &jerr);
    assert_non_null(root);
    size_t n;
    const json_t *med = entries_of(root, "unix/latency/64K", &n);
    assert_int_equal(n, 5);
    assert_non_null(med);
    assert_string_equal(json_string_value(json_object_get(med, "name")),
                        "unix/latency/64K/manual_time_median");
    assert_string_equal(json_string_value(json_object_get(med, "run_type")), "aggregate");
    assert_true(number(med, "p50_us") == 30);  /* of 10 30 20 40 50 */
    assert_true(number(med, "p99_us") == 70);  /* of 50 60 70 80 90 */
    assert_int_equal(json_integer_value(json_object_get(med, "repetition_index")), 0);
    /* tcp: the three failed repetitions kept, the median over the two that succeeded */
    med = entries_of(root, "tcp/latency/64K", &n);
    assert_int_equal(n, 5);
    assert_non_null(med);
    assert_true(number(med, "p50_us") == 6);
    /* shm: one repetition, no median */
    assert_null(entries_of(root, "shm/latency/64K", &n));
    assert_int_equal(n, 1);

    /* The first run's context, the runs' names, the most repetitions. */
    const json_t *ctx = json_object_get(root, "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "host_name")), "hostA");
    assert_string_equal(json_string_value(json_object_get(ctx, "baseline_runs")), RUN_A " " RUN_B);
    assert_int_equal(json_integer_value(json_object_get(ctx, "repetitions")), 5);
    json_decref(root);

    /* The loader sees every repetition and the new median; compare takes it. */
    ipcb_resultset pooled, first;
    assert_int_equal(ipcb_resultset_load(&pooled, out, err, sizeof err), 0);
    assert_int_equal(ipcb_resultset_load(&first, a, err, sizeof err), 0);
    const ipcb_result *r = ipcb_resultset_find(&pooled, "unix/latency/64K");
    assert_non_null(r);
    assert_int_equal(r->nruns, ipcb_resultset_find(&first, "unix/latency/64K")->nruns + 2);
    assert_true(r->summary.counter[IPCB_C_P50_US] == 30);
    assert_true(ipcb_resultset_find(&pooled, "tcp/latency/64K")->failed);
    ipcb_cmp_opts o;
    ipcb_cmp_opts_default(&o);
    ipcb_comparison c;
    if (ipcb_compare(&first, &pooled, &o, &c, err, sizeof err) != 0)
        fail_msg("compare: %s", err);
    assert_true(c.ncommon == 3);
    ipcb_comparison_free(&c);
    ipcb_resultset_free(&pooled);
    ipcb_resultset_free(&first);
}

/* Google Benchmark's bare NaN survives as the string "NaN", which the loader
 * reads as no value; an output directory gets results.json. */
static void test_merge_nan_and_output_directory(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], path[PATH_MAX], out[PATH_MAX], err[512] = "";
    gbf_path(run, dir, "nan-run");
    assert_int_equal(mkdir(run, 0755), 0);
    gbf_path(path, run, "results.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 2; i++)
        fprintf(f, "%s{\"name\": \"unix/latency/64K/manual_time\", \"run_name\": "
                "\"unix/latency/64K/manual_time\", \"run_type\": \"iteration\", \"real_time\": "
                "%d, \"time_unit\": \"us\", \"p50_us\": %d, \"p99_us\": NaN}%s",
                i ? ", " : "{\"context\": {}, \"benchmarks\": [", 10 + i, 10 + i, i ? "]}\n" : "");
    assert_int_equal(fclose(f), 0);
    gbf_path(out, dir, "outdir");
    assert_int_equal(mkdir(out, 0755), 0);
    const char *runs[] = { run };
    if (ipcb_merge_results(out, runs, 1, NULL, err, sizeof err) != 0)
        fail_msg("merge: %s", err);
    assert_true(gbf_exists(out, "results.json"));
    ipcb_resultset rs;
    assert_int_equal(ipcb_resultset_load(&rs, out, err, sizeof err), 0);
    const ipcb_result *r = ipcb_resultset_find(&rs, "unix/latency/64K");
    assert_int_equal(r->nruns, 2);
    assert_true(r->summary.counter[IPCB_C_P50_US] == 10.5);
    assert_true(isnan(r->summary.counter[IPCB_C_P99_US]));
    ipcb_resultset_free(&rs);
}

/* merge fails with err containing want, and out is not there. */
static void expect_refused(const char *out, const char *const *runs, size_t n, const char *want)
{
    char err[1024] = "", tmp[PATH_MAX + 8];
    struct stat st;
    int existed = stat(out, &st) == 0;
    if (ipcb_merge_results(out, runs, n, NULL, err, sizeof err) == 0)
        fail_msg("merge into %s succeeded; expected '%s'", out, want);
    if (!strstr(err, want))
        fail_msg("merge error '%s' lacks '%s'", err, want);
    assert_int_equal(stat(out, &st) == 0, existed);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    assert_int_not_equal(stat(tmp, &st), 0);
}

static void test_merge_bad_input(void **state)
{
    const char *dir = *state;
    char a[PATH_MAX], b[PATH_MAX], out[PATH_MAX], bad[3][PATH_MAX], a_json[PATH_MAX];
    write_two_runs(dir, a, b);
    gbf_path(out, dir, "pooled.json");
    static const char *const texts[] = {
        "{ \"benchmarks\": [ {\"name\": ",
        "{\"foo\": 1}",
        "{\"benchmarks\": [{\"name\": \"unix/latency/64K_mean\", \"run_type\": \"aggregate\"}]}",
    };
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%d.json", i);
        gbf_path(bad[i], dir, name);
        FILE *f = fopen(bad[i], "w");
        assert_non_null(f);
        fputs(texts[i], f);
        assert_int_equal(fclose(f), 0);
    }
    gbf_path(a_json, a, "results.json");
    expect_refused(out, (const char *[]){ a, "/nonexistent/run" }, 2, "No such file");
    expect_refused(out, (const char *[]){ a, bad[0] }, 2, "invalid JSON");
    expect_refused(out, (const char *[]){ bad[1], a }, 2, "not Google Benchmark JSON");
    expect_refused(out, (const char *[]){ a, bad[2] }, 2, "no repetitions to pool");
    expect_refused(out, (const char *[]){ a, b, a_json }, 3, "are the same run");
    expect_refused(out, (const char *[]){ dir }, 1, "no results.json");
    expect_refused(out, NULL, 0, "no runs");
    /* Pooling into one of the runs would lose it. */
    char *before = gbf_read(a, "results.json");
    expect_refused(a_json, (const char *[]){ a, b }, 2, "would replace the run");
    expect_refused(a, (const char *[]){ b, a }, 2, "would replace the run");
    char *after = gbf_read(a, "results.json");
    assert_string_equal(before, after);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_pools_repetitions, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_merge_nan_and_output_directory, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_merge_bad_input, gbf_setup_dir, gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
