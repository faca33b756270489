/* Tests for the Google Benchmark C shim (harness/run/gbench.cc): registers C
 * benchmarks, runs them once with JSON file output, and checks the JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbench.h"

#define ITER_TIME 1e-4 /* manual seconds per iteration */

struct manual_ctx {
    int magic;
    void *seen_ctx;
    int calls;
};

static struct manual_ctx g_manual = { .magic = 0x1bc };
static int g_err_seen_error;
static int64_t g_fixed_max = -1, g_fixed_done = -1;
static int g_hook_calls;
static void *g_hook_arg_seen;
static size_t g_run_count;
static char g_out_path[] = "/tmp/test_gbench_XXXXXX";
static json_t *g_json;

static void bm_manual(gb_state *st, void *ctx)
{
    struct manual_ctx *c = ctx;
    c->seen_ctx = ctx;
    c->calls++;
    int64_t n = 0;
    while (gb_keep_running(st)) {
        gb_set_iteration_time(st, ITER_TIME);
        n++;
    }
    gb_set_bytes_processed(st, n * 4096);
    gb_set_items_processed(st, n);
    gb_set_counter(st, "frames", 42.0, GB_COUNTER_DEFAULT);
    gb_set_counter(st, "per_iter", 3.0 * (double)n, GB_COUNTER_AVG_ITERATIONS);
    gb_set_label(st, "lbl");
}

static void bm_error(gb_state *st, void *ctx)
{
    (void)ctx;
    gb_skip_with_error(st, "peer did not start");
    g_err_seen_error = gb_error_occurred(st);
    while (gb_keep_running(st)) {
    }
}

static void bm_fixed(gb_state *st, void *ctx)
{
    (void)ctx;
    g_fixed_max = gb_max_iterations(st);
    while (gb_keep_running(st)) {
    }
    g_fixed_done = gb_iterations_done(st);
}

static void hook(void *arg)
{
    g_hook_calls++;
    g_hook_arg_seen = arg;
}

/* What the display callback saw of gbtest_manual and gbtest_error. */
static int g_manual_runs, g_manual_median, g_error_batches;
static double g_manual_median_frames = -1;
static char g_error_message[128];

static void on_runs(const gb_report *const *runs, size_t n, void *arg)
{
    assert_ptr_equal(arg, &g_hook_calls);
    for (size_t i = 0; i < n; i++) {
        const char *name = gb_report_name(runs[i]), *msg = NULL;
        const char *agg = gb_report_aggregate(runs[i]);
        if (strncmp(name, "gbtest_manual", 13) == 0 && agg[0] == '\0')
            g_manual_runs++;
        if (strncmp(name, "gbtest_manual", 13) == 0 && strcmp(agg, "median") == 0) {
            g_manual_median++;
            gb_report_counter(runs[i], "frames", &g_manual_median_frames);
        }
        if (strncmp(name, "gbtest_error", 12) == 0 && gb_report_error(runs[i], &msg)) {
            g_error_batches++;
            snprintf(g_error_message, sizeof g_error_message, "%s", msg);
        }
    }
}

/* Registers everything, runs once, loads the JSON file. */
/* Fails its second repetition before the loop starts, as a benchmark whose
 * peer cannot be started does. Google Benchmark 1.7.1 used to abort the whole
 * program here (repetitions with different iteration counts). */
static int g_one_rep_calls;
static void bm_one_rep_fails(gb_state *st, void *ctx)
{
    (void)ctx;
    if (++g_one_rep_calls == 2) {
        gb_skip_with_error(st, "second repetition failed");
        return;
    }
    while (gb_keep_running(st))
        gb_set_iteration_time(st, 1e-5);
}

/* The harness decides the frame count: every call measures exactly
 * HARNESS_FRAMES iterations, Google Benchmark asked for one (calibration off
 * through a tiny min time). The second repetition fails before it starts,
 * and must still report the same count. */
enum { HARNESS_FRAMES = 37 };
static int g_harness_calls;
static void bm_harness_frames(gb_state *st, void *ctx)
{
    (void)ctx;
    if (++g_harness_calls == 2) {
        gb_skip_with_error_frames(st, "peer did not start", HARNESS_FRAMES);
        return;
    }
    gb_frames_begin(st, HARNESS_FRAMES);
    for (int i = 0; i < HARNESS_FRAMES; i++)
        gb_set_iteration_time(st, 2e-5);
    gb_frames_end(st);
}

static int group_setup(void **state)
{
    (void)state;
    int fd = mkstemp(g_out_path);
    if (fd < 0) return -1;
    close(fd);

    static char a0[] = "test_gbench", a2[] = "--benchmark_out_format=json",
                a3[] = "--benchmark_format=console";
    static char a1[sizeof g_out_path + 32];
    snprintf(a1, sizeof a1, "--benchmark_out=%s", g_out_path);
    char *argv[] = { a0, a1, a2, a3, NULL };
    int argc = 4;
    if (gb_initialize(&argc, argv) != 0 || argc != 1) return -1;

    gb_add_context("ipcb_test_key", "value42");

    gb_bench *b = gb_register("gbtest_manual", bm_manual, &g_manual);
    if (!b) return -1;
    gb_use_manual_time(b);
    gb_repetitions(b, 2);
    gb_min_time(b, 0.01);
    gb_time_unit(b, GB_US);

    if (!gb_register("gbtest_error", bm_error, NULL)) return -1;

    b = gb_register("gbtest_fixed", bm_fixed, NULL);
    if (!b) return -1;
    gb_iterations(b, 7);

    b = gb_register("gbtest_one_rep_fails", bm_one_rep_fails, NULL);
    if (!b) return -1;
    gb_use_manual_time(b);
    gb_repetitions(b, 3);
    gb_iterations(b, 5);

    b = gb_register("gbtest_harness_frames", bm_harness_frames, NULL);
    if (!b) return -1;
    gb_use_manual_time(b);
    gb_repetitions(b, 3);
    gb_min_time(b, 1e-9);
    gb_time_unit(b, GB_US);

    gb_display display = { .verbose = true, .before_print = hook, .on_runs = on_runs,
                           .arg = &g_hook_calls };
    g_run_count = gb_run(&display);

    json_error_t err;
    g_json = json_load_file(g_out_path, 0, &err);
    if (!g_json) {
        fprintf(stderr, "cannot parse %s: %s (line %d)\n", g_out_path, err.text, err.line);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    json_decref(g_json);
    unlink(g_out_path);
    gb_shutdown();
    return 0;
}

static json_t *benchmarks(void)
{
    json_t *arr = json_object_get(g_json, "benchmarks");
    assert_non_null(arr);
    assert_true(json_is_array(arr));
    return arr;
}

static const char *str_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static double num_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

/* The entry whose name starts with prefix and whose run_type/aggregate match. */
static json_t *find_entry(const char *prefix, const char *aggregate, int nth)
{
    size_t i;
    json_t *e;
    json_array_foreach(benchmarks(), i, e) {
        const char *name = str_of(e, "name");
        if (!name || strncmp(name, prefix, strlen(prefix)) != 0) continue;
        const char *agg = str_of(e, "aggregate_name");
        if (aggregate ? !(agg && strcmp(agg, aggregate) == 0)
                      : strcmp(str_of(e, "run_type"), "iteration") != 0)
            continue;
        if (nth-- == 0) return e;
    }
    return NULL;
}

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want)) fail_msg("got %g, want %g (+-%g%%)", got, want, rel * 100);
}

static void test_manual_time_run(void **state)
{
    (void)state;
    assert_int_equal(g_run_count, 5);
    assert_ptr_equal(g_manual.seen_ctx, &g_manual);
    assert_int_equal(g_manual.magic, 0x1bc);
    assert_true(g_manual.calls >= 2);

    /* Exactly 2 iteration runs, then mean/median/stddev/cv. */
    size_t iters = 0, i;
    json_t *e;
    json_array_foreach(benchmarks(), i, e) {
        const char *name = str_of(e, "name");
        if (strncmp(name, "gbtest_manual", 13) != 0) continue;
        assert_non_null(strstr(name, "/manual_time"));
        if (strcmp(str_of(e, "run_type"), "iteration") == 0) iters++;
    }
    assert_int_equal(iters, 2);
    static const char *aggs[] = { "mean", "median", "stddev", "cv" };
    for (size_t k = 0; k < 4; k++) assert_non_null(find_entry("gbtest_manual", aggs[k], 0));
    assert_null(find_entry("gbtest_manual", NULL, 2));

    for (int r = 0; r < 2; r++) {
        e = find_entry("gbtest_manual", NULL, r);
        assert_non_null(e);
        assert_true(num_of(e, "iterations") >= 1);
        assert_string_equal(str_of(e, "time_unit"), "us");
        assert_near(num_of(e, "real_time"), ITER_TIME * 1e6, 0.01);
        assert_near(num_of(e, "frames"), 42.0, 1e-9);
        assert_near(num_of(e, "per_iter"), 3.0, 1e-9);
        assert_near(num_of(e, "bytes_per_second"), 4096 / ITER_TIME, 0.01);
        assert_near(num_of(e, "items_per_second"), 1 / ITER_TIME, 0.01);
        assert_string_equal(str_of(e, "label"), "lbl");
    }
    e = find_entry("gbtest_manual", "mean", 0);
    assert_near(num_of(e, "frames"), 42.0, 1e-9);

    json_t *ctx = json_object_get(g_json, "context");
    assert_non_null(ctx);
    assert_string_equal(str_of(ctx, "ipcb_test_key"), "value42");
}

static void test_skip_with_error(void **state)
{
    (void)state;
    assert_true(g_err_seen_error);
    json_t *e = find_entry("gbtest_error", NULL, 0);
    assert_non_null(e);
    assert_true(json_is_true(json_object_get(e, "error_occurred")));
    assert_string_equal(str_of(e, "error_message"), "peer did not start");
}

static void test_fixed_iterations(void **state)
{
    (void)state;
    assert_int_equal(g_fixed_max, 7);
    assert_int_equal(g_fixed_done, 7);
    json_t *e = find_entry("gbtest_fixed", NULL, 0);
    assert_non_null(e);
    assert_int_equal((int64_t)num_of(e, "iterations"), 7);
    assert_null(find_entry("gbtest_fixed", NULL, 1));
}

static void test_before_print_hook(void **state)
{
    (void)state;
    assert_true(g_hook_calls >= 1);
    assert_ptr_equal(g_hook_arg_seen, &g_hook_calls);
}

/* The display callback gets each repetition, then the aggregates, with
 * their counters and errors. */
static void test_display_callback(void **state)
{
    (void)state;
    assert_int_equal(g_manual_runs, 2);
    assert_int_equal(g_manual_median, 1);
    assert_true(g_manual_median_frames == 42.0);
    assert_int_equal(g_error_batches, 1);
    assert_string_equal(g_error_message, "peer did not start");
}

/* Runs last: it re-parses flags (after the run, so it cannot disturb it). */
static void test_one_failed_repetition(void **state)
{
    (void)state;
    assert_int_equal(g_one_rep_calls, 3); /* the program went on after the failure */
    json_t *failed = find_entry("gbtest_one_rep_fails", NULL, 1);
    assert_non_null(failed);
    assert_true(json_is_true(json_object_get(failed, "error_occurred")));
    assert_string_equal(str_of(failed, "error_message"), "second repetition failed");
    json_t *ok = find_entry("gbtest_one_rep_fails", NULL, 2);
    assert_non_null(ok);
    assert_false(json_is_true(json_object_get(ok, "error_occurred")));
}

static void test_unknown_flag_rejected(void **state)
{
    (void)state;
    static char a0[] = "test_gbench", a1[] = "--benchmark_bogus=1";
    char *argv[] = { a0, a1, NULL };
    int argc = 2;
    assert_int_equal(gb_initialize(&argc, argv), -1);
}

/* No calibration run: three calls for three repetitions, each reporting
 * exactly the harness's count (the failed one too), and the aggregates of
 * the two that ran. */
static void test_harness_decides_frames(void **state)
{
    (void)state;
    assert_int_equal(g_harness_calls, 3);
    for (int rep = 0; rep < 3; rep++) {
        json_t *e = find_entry("gbtest_harness_frames", NULL, rep);
        assert_non_null(e);
        assert_int_equal((int64_t)num_of(e, "iterations"), HARNESS_FRAMES);
        json_t *failed = json_object_get(e, "error_occurred");
        assert_true(rep == 1 ? json_is_true(failed) : !json_is_true(failed));
    }
    json_t *mean = find_entry("gbtest_harness_frames", "mean", 0);
    assert_non_null(mean);
    assert_near(num_of(mean, "real_time"), 20.0, 0.01); /* 2e-5 s per iteration, in us */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_time_run),
        cmocka_unit_test(test_skip_with_error),
        cmocka_unit_test(test_fixed_iterations),
        cmocka_unit_test(test_one_failed_repetition),
        cmocka_unit_test(test_before_print_hook),
        cmocka_unit_test(test_display_callback),
        cmocka_unit_test(test_unknown_flag_rejected),
        cmocka_unit_test(test_harness_decides_frames),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
