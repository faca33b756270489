/* Tests for the exports (export.c, export_bencher.c, export_github.c) on a
 * synthetic run: each format parsed back into the trackers' shape, values in
 * the right units, failed and skipped benchmarks left out, no NaN, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"
#include "gbfixture.h"
#include "resultset.h"

/* The counters gbf_values lacks, set on an entry (NaN: left out). */
static json_t *with_p90_and_rate(json_t *e, double p90_us, double frames_per_s)
{
    if (!isnan(p90_us))
        json_object_set_new(e, "p90_us", json_real(p90_us));
    if (!isnan(frames_per_s))
        json_object_set_new(e, "frames_per_s", json_real(frames_per_s));
    return e;
}

/* unix/latency/64K: three repetitions and a median aggregate, every figure. */
static void add_unix_latency(json_t *arr)
{
    static const double p50[] = { 10, 12.5, 15 }, p99[] = { 40, 38, 45 }, p90[] = { 20, 18, 24 };
    static const double mb[] = { 6000, 5000, 5500 }, fps[] = { 90000, 75000, 82000 };
    static const double cpu[] = { 0.5, 0.4, 0.6 };
    for (int i = 0; i < 3; i++) {
        gbf_values v = { p50[i], p99[i], mb[i], cpu[i], 200, 65536 };
        json_array_append_new(arr, with_p90_and_rate(gbf_entry("unix/latency/64K", NULL, i, 3, &v),
                                                     p90[i], fps[i]));
    }
    gbf_values med = { 12.5, 40, 5500, 0.5, 200, 65536 };
    json_array_append_new(arr, with_p90_and_rate(gbf_entry("unix/latency/64K", "median", 0, 3,
                                                           &med), 20, 82000));
}

/* The run: unix/latency/64K as above; shm/latency/4K from runs too short for
 * a p99; pipe/throughput/64K (no latency; CPU a bare NaN in the file);
 * unix/paced/1080p (a rate that is the campaign's fps); tcp failed; dbus
 * skipped. Returns the run's directory in run. */
static void write_run(const char *dir, char *run)
{
    snprintf(run, PATH_MAX, "%s/20240501T100000Z-ci", dir);
    json_t *arr = json_array();
    add_unix_latency(arr);
    for (int i = 0; i < 2; i++) {
        gbf_values v = { 3 + i, NAN, 900, 0.2, 50, 4096 };
        json_array_append_new(arr, with_p90_and_rate(gbf_entry("shm/latency/4K", NULL, i, 2, &v),
                                                     4 + i, 200000));
    }
    gbf_values thr = { NAN, NAN, 3000, NAN, 400, 65536 };
    json_t *e = with_p90_and_rate(gbf_entry("pipe/throughput/64K", NULL, 0, 1, &thr), NAN, 45776);
    json_object_set_new(e, "cpu_per_gib_s", json_string("NaN"));
    json_array_append_new(arr, e);
    gbf_values paced = { 800, 2500, 497.7, 0.9, 120, 8294400 };
    json_array_append_new(arr, with_p90_and_rate(gbf_entry("unix/paced/1080p", NULL, 0, 1, &paced),
                                                 1200, 60));
    json_array_append_new(arr, gbf_failed("tcp/latency/64K", 0, 1, "peer died"));
    json_array_append_new(arr, gbf_failed("dbus/latency/64K", 0, 1, "skipped: no session bus"));
    gbf_write_run(run, gbf_context("hostA", "2024-05-01T10:00:00+00:00", "ci"), arr);

    /* Google Benchmark writes NaN bare; so does this file. */
    char *text = gbf_read(run, "results.json");
    assert_non_null(text);
    char path[PATH_MAX];
    gbf_path(path, run, "results.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "\"NaN\"", 5) == 0) {
            fputs("NaN", f);
            p += 4;
        } else {
            fputc(*p, f);
        }
    }
    assert_int_equal(fclose(f), 0);
    free(text);
}

/* The export of the run in fmt as text (to free), with its stats. */
static char *export_text(const char *dir, ipcb_export_format fmt, ipcb_export_stats *st)
{
    char run[PATH_MAX], err[512] = "";
    write_run(dir, run);
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, run, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    if (ipcb_export_write(f, &rs, fmt, st, err, sizeof err) != 0)
        fail_msg("export: %s", err);
    assert_int_equal(fclose(f), 0);
    ipcb_resultset_free(&rs);
    return text;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        fail_msg("the export is not JSON: %s (line %d)", jerr.text, jerr.line);
    return root;
}

/* Does text hold NaN or Infinity as a word (which JSON has not)? */
static int has_non_finite(const char *text)
{
    static const char *const words[] = { "nan", "inf" };
    for (const char *p = text; *p; p++)
        for (size_t w = 0; w < 2; w++)
            if (strncasecmp(p, words[w], 3) == 0 && (p == text || !isalnum((unsigned char)p[-1])))
                return 1;
    return 0;
}

static double number(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_number(v))
        fail_msg("\"%s\" is not a number", key);
    return json_number_value(v);
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > 1e-9 * fmax(1, fabs(want)))
        fail_msg("got %.12g, want %.12g", got, want);
}

/* ---- bencher --------------------------------------------------------------- */

static const json_t *measure(const json_t *root, const char *bench, const char *slug)
{
    const json_t *b = json_object_get(root, bench);
    if (!json_is_object(b))
        fail_msg("no benchmark \"%s\"", bench);
    return json_object_get(b, slug);
}

static void test_bencher_shape(void **state)
{
    ipcb_export_stats st;
    char *text = export_text(*state, IPCB_EXPORT_BENCHER, &st);
    json_t *root = parse(text);
    assert_false(has_non_finite(text));

    /* An object of objects of measures, each with a numeric value, and
     * numeric bounds where present. */
    assert_true(json_is_object(root));
    const char *name, *slug;
    json_t *bench, *m;
    size_t measures = 0;
    json_object_foreach(root, name, bench) {
        assert_true(json_is_object(bench));
        assert_true(json_object_size(bench) > 0);
        json_object_foreach(bench, slug, m) {
            assert_true(json_is_object(m));
            assert_true(json_is_number(json_object_get(m, "value")));
            const char *key;
            json_t *v;
            json_object_foreach(m, key, v) {
                assert_true(strcmp(key, "value") == 0 || strcmp(key, "lower_value") == 0
                            || strcmp(key, "upper_value") == 0);
                assert_true(json_is_number(v));
            }
            measures++;
        }
    }
    assert_int_equal(json_object_size(root), 4);
    assert_int_equal(st.exported, 4);
    assert_int_equal(st.entries, measures);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.skipped, 1);
    assert_null(json_object_get(root, "tcp/latency/64K"));
    assert_null(json_object_get(root, "dbus/latency/64K"));

    /* latency in ns: the median p50, the fastest repetition's p50, the median p99 */
    const json_t *lat = measure(root, "unix/latency/64K", "latency");
    assert_near(number(lat, "value"), 12500);
    assert_near(number(lat, "lower_value"), 10000);
    assert_near(number(lat, "upper_value"), 40000);
    const json_t *p90 = measure(root, "unix/latency/64K", "latency-p90");
    assert_near(number(p90, "value"), 20000);
    assert_near(number(p90, "lower_value"), 18000);
    assert_near(number(p90, "upper_value"), 24000);
    /* rates and CPU cost: the median, bounds the lowest and highest repetition */
    const json_t *thr = measure(root, "unix/latency/64K", "throughput");
    assert_near(number(thr, "value"), 82000);
    assert_near(number(thr, "lower_value"), 75000);
    assert_near(number(thr, "upper_value"), 90000);
    const json_t *mb = measure(root, "unix/latency/64K", "throughput-mb-s");
    assert_near(number(mb, "value"), 5500);
    assert_near(number(mb, "lower_value"), 5000);
    assert_near(number(mb, "upper_value"), 6000);
    const json_t *cpu = measure(root, "unix/latency/64K", "cpu-cost");
    assert_near(number(cpu, "value"), 0.5);
    assert_near(number(cpu, "lower_value"), 0.4);
    assert_near(number(cpu, "upper_value"), 0.6);

    /* Without a p99, latency has no upper_value. */
    lat = measure(root, "shm/latency/4K", "latency");
    assert_near(number(lat, "value"), 4000);   /* no median aggregate: the last run */
    assert_null(json_object_get(lat, "upper_value"));
    /* Throughput mode: no latency; a NaN CPU cost is left out. */
    assert_null(measure(root, "pipe/throughput/64K", "latency"));
    assert_null(measure(root, "pipe/throughput/64K", "cpu-cost"));
    assert_near(number(measure(root, "pipe/throughput/64K", "throughput-mb-s"), "value"), 3000);
    assert_near(number(measure(root, "pipe/throughput/64K", "throughput"), "value"), 45776);
    /* Paced: latency and CPU, no rates. */
    assert_near(number(measure(root, "unix/paced/1080p", "latency"), "upper_value"), 2500000);
    assert_null(measure(root, "unix/paced/1080p", "throughput"));
    assert_null(measure(root, "unix/paced/1080p", "throughput-mb-s"));
    assert_non_null(measure(root, "unix/paced/1080p", "cpu-cost"));
    json_decref(root);
    free(text);
}

/* ---- github-action-benchmark ---------------------------------------------- */

/* Checks every entry is {name, unit, value[, range][, extra]} with the
 * units allowed; returns the entry named name, or NULL. */
static const json_t *check_entries(const json_t *arr, const char *const *units, const char *name)
{
    const json_t *found = NULL, *e;
    size_t i;
    assert_true(json_is_array(arr));
    json_array_foreach(arr, i, e) {
        assert_true(json_is_object(e));
        assert_true(json_is_string(json_object_get(e, "name")));
        assert_true(json_is_number(json_object_get(e, "value")));
        const char *unit = json_string_value(json_object_get(e, "unit"));
        assert_non_null(unit);
        int known = 0;
        for (const char *const *u = units; *u; u++)
            known |= strcmp(unit, *u) == 0;
        if (!known)
            fail_msg("unexpected unit \"%s\"", unit);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)e, key, v) {
            if (strcmp(key, "range") == 0 || strcmp(key, "extra") == 0)
                assert_true(json_is_string(v));
            else
                assert_true(strcmp(key, "name") == 0 || strcmp(key, "unit") == 0
                            || strcmp(key, "value") == 0);
        }
        const char *n = json_string_value(json_object_get(e, "name"));
        assert_null(strstr(n, "tcp/"));    /* failed */
        assert_null(strstr(n, "dbus/"));   /* skipped */
        if (strcmp(n, name) == 0)
            found = e;
    }
    return found;
}

static const json_t *entry(const json_t *arr, const char *const *units, const char *name)
{
    const json_t *e = check_entries(arr, units, name);
    if (!e)
        fail_msg("no entry \"%s\"", name);
    return e;
}

static void test_github_smaller_shape(void **state)
{
    static const char *const units[] = { "us", "s/GiB", NULL };
    ipcb_export_stats st;
    char *text = export_text(*state, IPCB_EXPORT_GITHUB_SMALLER, &st);
    json_t *arr = parse(text);
    assert_false(has_non_finite(text));

    const json_t *p50 = entry(arr, units, "unix/latency/64K p50");
    assert_string_equal(json_string_value(json_object_get(p50, "unit")), "us");
    assert_near(number(p50, "value"), 12.5);
    assert_string_equal(json_string_value(json_object_get(p50, "range")), "± 2.50");
    assert_non_null(strstr(json_string_value(json_object_get(p50, "extra")),
                           "median of 3 repetitions, 600 frames; p90 20.0 µs"));
    const json_t *p99 = entry(arr, units, "unix/latency/64K p99");
    assert_near(number(p99, "value"), 40);
    const json_t *cpu = entry(arr, units, "unix/latency/64K CPU");
    assert_string_equal(json_string_value(json_object_get(cpu, "unit")), "s/GiB");
    assert_near(number(cpu, "value"), 0.5);
    assert_near(number(entry(arr, units, "unix/paced/1080p p99"), "value"), 2500);
    /* one repetition: no range */
    assert_null(json_object_get(entry(arr, units, "unix/paced/1080p p50"), "range"));
    /* absent figures have no entry */
    assert_null(check_entries(arr, units, "shm/latency/4K p99"));
    assert_null(check_entries(arr, units, "pipe/throughput/64K p50"));
    assert_null(check_entries(arr, units, "pipe/throughput/64K CPU"));
    /* unix latency 3, shm latency p50 + CPU, paced 3 */
    assert_int_equal(json_array_size(arr), 8);
    assert_int_equal(st.entries, 8);
    assert_int_equal(st.exported, 3);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.skipped, 1);
    json_decref(arr);
    free(text);
}

static void test_github_bigger_shape(void **state)
{
    static const char *const units[] = { "MB/s", "frames/s", NULL };
    ipcb_export_stats st;
    char *text = export_text(*state, IPCB_EXPORT_GITHUB_BIGGER, &st);
    json_t *arr = parse(text);
    assert_false(has_non_finite(text));

    const json_t *mb = entry(arr, units, "pipe/throughput/64K MB/s");
    assert_string_equal(json_string_value(json_object_get(mb, "unit")), "MB/s");
    assert_near(number(mb, "value"), 3000);
    const json_t *fps = entry(arr, units, "pipe/throughput/64K frames/s");
    assert_string_equal(json_string_value(json_object_get(fps, "unit")), "frames/s");
    assert_near(number(fps, "value"), 45776);
    mb = entry(arr, units, "unix/latency/64K MB/s");
    assert_near(number(mb, "value"), 5500);
    assert_string_equal(json_string_value(json_object_get(mb, "range")), "± 500");
    /* paced: the rate is the campaign's fps, not a measurement */
    assert_null(check_entries(arr, units, "unix/paced/1080p MB/s"));
    assert_null(check_entries(arr, units, "unix/paced/1080p frames/s"));
    assert_int_equal(json_array_size(arr), 6);   /* unix, shm, pipe: MB/s and frames/s */
    assert_int_equal(st.exported, 3);
    json_decref(arr);
    free(text);
}

/* ---- files and bad input ---------------------------------------------------- */

static void test_export_to_file(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], out[PATH_MAX], err[512] = "";
    write_run(dir, run);
    gbf_path(out, dir, "bmf.json");
    ipcb_export_stats st;
    if (ipcb_export_results(run, IPCB_EXPORT_BENCHER, out, NULL, &st, err, sizeof err) != 0)
        fail_msg("export: %s", err);
    assert_false(gbf_exists(dir, "bmf.json.tmp"));
    char *text = gbf_read(dir, "bmf.json");
    assert_non_null(text);
    json_t *root = parse(text);
    assert_true(json_is_object(root));
    assert_int_equal(json_object_size(root), st.exported);
    json_decref(root);
    free(text);
}

/* The export of results fails with err containing want, and out is not written. */
static void expect_refused(const char *results, const char *out, const char *want)
{
    char err[1024] = "";
    if (ipcb_export_results(results, IPCB_EXPORT_BENCHER, out, NULL, NULL, err, sizeof err) == 0)
        fail_msg("export of %s succeeded; expected '%s'", results, want);
    if (!strstr(err, want))
        fail_msg("export error '%s' lacks '%s'", err, want);
}

static void test_bad_input(void **state)
{
    const char *dir = *state;
    ipcb_export_format f;
    assert_int_equal(ipcb_export_format_parse("csv", &f), -1);
    assert_int_equal(ipcb_export_format_parse("googlecpp", &f), -1);
    for (int i = 0; i < IPCB_NEXPORT_FORMATS; i++) {
        assert_int_equal(ipcb_export_format_parse(ipcb_export_format_name(i), &f), 0);
        assert_int_equal(f, i);
    }

    char empty[PATH_MAX], bad[PATH_MAX], path[PATH_MAX], out[PATH_MAX], run[PATH_MAX];
    gbf_path(empty, dir, "empty");
    gbf_path(bad, dir, "bad");
    gbf_path(out, dir, "out.json");
    assert_int_equal(mkdir(empty, 0755), 0);
    assert_int_equal(mkdir(bad, 0755), 0);
    gbf_path(path, bad, "results.json");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{ \"benchmarks\": [ {\"name\": ", fp);
    assert_int_equal(fclose(fp), 0);

    expect_refused(empty, out, empty);      /* no results.json: the message names it */
    expect_refused(bad, out, path);         /* malformed: the message names the file */
    gbf_path(path, dir, "missing");
    expect_refused(path, out, path);
    assert_false(gbf_exists(dir, "out.json"));
    assert_false(gbf_exists(dir, "out.json.tmp"));

    /* --out naming the results being exported */
    write_run(dir, run);
    char *before = gbf_read(run, "results.json");
    gbf_path(path, run, "results.json");
    expect_refused(run, path, "would replace the results");
    char *after = gbf_read(run, "results.json");
    assert_string_equal(before, after);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bencher_shape, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_github_smaller_shape, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_github_bigger_shape, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_export_to_file, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_input, gbf_setup_dir, gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
