/* Tests on synthetic runs for the reports' reading aids (how-to notes, one
 * sorting script, no "nan") and the report over several runs (ratios,
 * compare's verdicts, labels, bad input refused before anything is written). */
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

#include "gbfixture.h"
#include "report.h"
#include "report_runs.h"

static size_t count_of(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Does text hold word (any case) with no letter or digit on either side? */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, word, n) != 0)
            continue;
        int before = p > text && isalnum((unsigned char)p[-1]);
        int after = isalnum((unsigned char)p[n]);
        if (!before && !after)
            return 1;
    }
    return 0;
}

static void assert_no_nonfinite_words(const char *text, const char *what)
{
    static const char *const words[] = { "nan", "-nan", "inf", "infinity" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(text, words[i]))
            fail_msg("%s holds the word \"%s\"", what, words[i]);
}

/* ---- the runs -------------------------------------------------------------- */

/* Appends n (at most 8) repetitions of base with p50 (or mb_per_s for
 * throughput) from values, CPU per GiB 0.5, 0.51, ..., and their median
 * aggregate; frames 50 per run, so there is no p99. */
static void add_reps(json_t *arr, const char *base, const double *values, int n)
{
    int throughput = strstr(base, "/throughput/") != NULL;
    double sorted[8];
    for (int i = 0; i <= n; i++) {
        int median = i == n;   /* last, Google Benchmark's median aggregate */
        double value = median ? (sorted[(n - 1) / 2] + sorted[n / 2]) / 2 : values[i];
        double cpu = median ? 0.5 + 0.01 * (n - 1) / 2.0 : 0.5 + 0.01 * i;
        gbf_values v = { throughput ? NAN : value, NAN, throughput ? value : NAN,
                         throughput ? cpu : NAN, 50, 65536 };
        json_t *e = gbf_entry(base, median ? "median" : NULL, median ? 0 : i, n, &v);
        json_object_set_new(e, "faults_per_frame", json_real(0.25));
        json_object_set_new(e, "csw_per_frame", json_real(2));
        json_array_append_new(arr, e);
        if (!median) {   /* insertion sort for the median */
            int k = i;
            for (; k > 0 && sorted[k - 1] > values[i]; k--)
                sorted[k] = sorted[k - 1];
            sorted[k] = values[i];
        }
    }
}

/* A: unix p50 100 and 1000 MB/s, memcpy p50 1, 4 repetitions each.
 * B (another host): unix twice as slow, memcpy the same, 4 repetitions.
 * C (a day later): unix p50 50, 2 repetitions, no memcpy latency. */
static void write_three_runs(const char *dir, char run[3][PATH_MAX])
{
    for (int k = 0; k < 3; k++)
        snprintf(run[k], PATH_MAX, "%s/run%c", dir, 'A' + k);
    json_t *arr = json_array();
    add_reps(arr, "memcpy/latency/64K", (double[]){ 0.98, 0.99, 1.01, 1.02 }, 4);
    add_reps(arr, "unix/latency/64K", (double[]){ 100, 101, 99, 100 }, 4);
    add_reps(arr, "unix/throughput/64K", (double[]){ 1000, 1010, 990, 1000 }, 4);
    gbf_write_run(run[0], gbf_context("hostA", "2024-05-01T10:00:00+00:00", "ci"), arr);
    arr = json_array();
    add_reps(arr, "memcpy/latency/64K", (double[]){ 0.97, 0.995, 1.005, 1.03 }, 4);
    add_reps(arr, "unix/latency/64K", (double[]){ 200, 202, 198, 200 }, 4);
    add_reps(arr, "unix/throughput/64K", (double[]){ 500, 505, 495, 500 }, 4);
    gbf_write_run(run[1], gbf_context("hostB", "2024-05-01T10:00:00+00:00", "ci"), arr);
    arr = json_array();
    add_reps(arr, "unix/latency/64K", (double[]){ 50, 50 }, 2);
    add_reps(arr, "unix/throughput/64K", (double[]){ 1000, 1000 }, 2);
    gbf_write_run(run[2], gbf_context("hostA", "2024-05-02T10:00:00+00:00", "ci"), arr);
}

/* The line of text that starts with prefix, after heading; fails if none. */
static const char *line_after(const char *text, const char *heading, const char *prefix)
{
    const char *h = strstr(text, heading);
    if (!h)
        fail_msg("no \"%s\"", heading);
    char needle[256];
    snprintf(needle, sizeof needle, "\n%s", prefix);
    const char *line = strstr(h, needle);
    if (!line)
        fail_msg("no line \"%s\" after \"%s\" in:\n%.1500s", prefix, heading, h);
    return line + 1;
}

static void expect_line(const char *text, const char *heading, const char *line)
{
    const char *l = line_after(text, heading, line);
    if (strncmp(l, line, strlen(line)) != 0 || (l[strlen(line)] != '\n'))
        fail_msg("after \"%s\": expected\n%s\ngot\n%.*s", heading, line, (int)strcspn(l, "\n"), l);
}

static void test_report_over_runs(void **state)
{
    const char *dir = *state;
    char run[3][PATH_MAX], out[PATH_MAX], err[1024] = "";
    write_three_runs(dir, run);
    gbf_path(out, dir, "side-by-side");
    assert_int_equal(mkdir(out, 0755), 0);
    ipcb_report_runs r;
    const char *paths[] = { run[0], run[1], run[2] };
    if (ipcb_report_runs_load(&r, paths, 3, NULL, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    /* Host and day tell these runs apart. */
    assert_string_equal(r.labels[0], "hostA 2024-05-01");
    assert_string_equal(r.labels[1], "hostB 2024-05-01");
    assert_string_equal(r.labels[2], "hostA 2024-05-02");
    assert_int_equal(ipcb_report_runs_check_out(&r, out, err, sizeof err), 0);
    if (ipcb_report_runs_write(&r, out, err, sizeof err) != 0)
        fail_msg("write: %s", err);
    ipcb_report_runs_free(&r);

    char *md = gbf_read(out, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, "# ipcbench report: 3 runs side by side\n"));
    char line[1024];
    snprintf(line, sizeof line, "| Path | %s | %s | %s |", run[0], run[1], run[2]);
    expect_line(md, "## Runs", line);
    expect_line(md, "## Runs", "| Host | **hostA** | **hostB** | **hostA** |");
    expect_line(md, "## Runs", "| Kernel | Linux 6.1.0-test | Linux 6.1.0-test | Linux 6.1.0-test |");
    const char *p50 = "### Latency p50 (µs)";
    expect_line(md, p50, "| transport | size | hostA 2024-05-01 | hostB 2024-05-01 | "
                "hostB 2024-05-01 / hostA 2024-05-01 | hostB 2024-05-01 verdict | "
                "hostA 2024-05-02 | hostA 2024-05-02 / hostA 2024-05-01 | "
                "hostA 2024-05-02 verdict |");
    /* 4 against 4 repetitions: the U test decides; 4 against 2: the threshold alone. */
    expect_line(md, p50, "| memcpy | 64K (65.5 kB) | 1.00 | 1.00 | 1.00× | unchanged | – | – | "
                "missing |");
    expect_line(md, p50, "| unix | 64K (65.5 kB) | 100 | 200 | 2.00× | **slower** | 50.0 | "
                "0.500× | faster (threshold only) |");
    /* 50 frames per run: no p99 anywhere, and compare says n/a */
    expect_line(md, "### Latency p99 (µs)", "| unix | 64K (65.5 kB) | – (n=50) | – (n=50) | – | "
                "n/a | – (n=50) | – | n/a |");
    expect_line(md, "### Throughput (MB/s)", "| unix | 64K (65.5 kB) | 1000 | 500 | 0.500× | "
                "**slower** | 1000 | 1.00× | unchanged (threshold only) |");
    expect_line(md, "### CPU seconds per GiB", "| unix | 64K (65.5 kB) | 0.515 | 0.515 | 1.00× | "
                "unchanged | 0.505 | 0.981× | unchanged (threshold only) |");
    assert_non_null(strstr(md, "- **hostB 2024-05-01** against **hostA 2024-05-01**: 2 slower."));
    assert_non_null(strstr(md, "## Plots\n"));
    assert_non_null(strstr(md, "> One table per figure, a row per benchmark"));
    assert_no_nonfinite_words(md, "report.md");
    free(md);

    char *html = gbf_read(out, "report.html");
    assert_non_null(html);
    assert_int_equal(count_of(html, "<script"), 1);
    assert_int_equal(count_of(html, " src="), 0);
    assert_non_null(strstr(html, "<td class=\"diff\">hostB</td>"));
    assert_non_null(strstr(html, "<td data-sort=\"65536\">64K (65.5 kB)</td>"));
    /* A verdict's note as its tooltip. */
    assert_non_null(strstr(html, "<td class=\"faster\" title=\"threshold only: 4 vs 2 repetitions"));
    assert_no_nonfinite_words(html, "report.html");
    free(html);
}

/* ---- labels ---------------------------------------------------------------- */

static void one_benchmark_run(const char *dir, const char *host, const char *date)
{
    json_t *arr = json_array();
    add_reps(arr, "unix/latency/64K", (double[]){ 10, 10 }, 2);
    gbf_write_run(dir, gbf_context(host, date, "ci"), arr);
}

/* Labels from the least detail that tells the runs apart. */
static void test_default_labels(void **state)
{
    const char *dir = *state;
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], err[512];
    gbf_path(a, dir, "x/20240501T100000Z-ci");
    gbf_path(b, dir, "y/20240501T100000Z-ci");
    gbf_path(c, dir, "z/20240501T100000Z-ci");
    one_benchmark_run(a, "vm", "2024-05-01T10:00:00+00:00");
    one_benchmark_run(b, "vm", "2024-05-01T11:30:00+00:00");
    ipcb_report_runs r;
    const char *two[] = { a, b };
    assert_int_equal(ipcb_report_runs_load(&r, two, 2, NULL, err, sizeof err), 0);
    assert_string_equal(r.labels[0], "vm 2024-05-01 10:00:00");
    assert_string_equal(r.labels[1], "vm 2024-05-01 11:30:00");
    ipcb_report_runs_free(&r);
    /* The same second and the same directory name: numbered. */
    one_benchmark_run(c, "vm", "2024-05-01T10:00:00+00:00");
    const char *same[] = { a, c };
    assert_int_equal(ipcb_report_runs_load(&r, same, 2, NULL, err, sizeof err), 0);
    assert_string_equal(r.labels[0], "20240501T100000Z-ci");
    assert_string_equal(r.labels[1], "20240501T100000Z-ci-2");
    ipcb_report_runs_free(&r);
    /* Given labels win. */
    assert_int_equal(ipcb_report_runs_load(&r, same, 2, "old,new", err, sizeof err), 0);
    assert_string_equal(r.labels[0], "old");
    assert_string_equal(r.labels[1], "new");
    ipcb_report_runs_free(&r);
}

static void expect_load_error(const char *const *paths, size_t n, const char *labels,
                              const char *want)
{
    ipcb_report_runs r;
    char err[1024] = "";
    if (ipcb_report_runs_load(&r, paths, n, labels, err, sizeof err) == 0)
        fail_msg("loading %zu runs succeeded; expected '%s'", n, want);
    if (!strstr(err, want))
        fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_bad_input(void **state)
{
    const char *dir = *state;
    char run[3][PATH_MAX], json[PATH_MAX], empty[PATH_MAX], bad[PATH_MAX], file[PATH_MAX];
    write_three_runs(dir, run);
    gbf_path(json, run[0], "results.json");
    gbf_path(empty, dir, "empty");
    assert_int_equal(mkdir(empty, 0755), 0);
    gbf_path(bad, dir, "bad");
    gbf_write_run(bad, json_object(), json_array());
    gbf_path(file, bad, "results.json");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("{ \"benchmarks\": [", f);
    assert_int_equal(fclose(f), 0);

    const char *nine[9];
    for (int i = 0; i < 9; i++)
        nine[i] = run[i % 3];
    expect_load_error(nine, 9, NULL, "2 to 8 of them (got 9)");
    expect_load_error((const char *[]){ run[0] }, 1, NULL, "(got 1)");
    expect_load_error((const char *[]){ run[0], run[1] }, 2, "a", "1 label for 2 runs");
    expect_load_error((const char *[]){ run[0], run[1], run[2] }, 3, "a,,c", "label 2 is empty");
    expect_load_error((const char *[]){ run[0], run[1] }, 2, "a,a", "'a' is the label of runs 1 and 2");
    expect_load_error((const char *[]){ run[0], json }, 2, NULL, "are the same run");
    expect_load_error((const char *[]){ run[0], empty }, 2, NULL, "no results.json");
    expect_load_error((const char *[]){ run[0], bad }, 2, NULL, "invalid JSON");
    expect_load_error((const char *[]){ run[0], "/nonexistent/run" }, 2, NULL, "No such file");

    /* The output directory may not be a file or one of the runs. */
    ipcb_report_runs r;
    char err[1024] = "";
    assert_int_equal(ipcb_report_runs_load(&r, (const char *[]){ run[0], run[1] }, 2, NULL, err,
                                           sizeof err), 0);
    assert_int_equal(ipcb_report_runs_check_out(&r, run[1], err, sizeof err), -1);
    assert_non_null(strstr(err, "its own report.md would be replaced"));
    assert_int_equal(ipcb_report_runs_check_out(&r, json, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a directory"));
    ipcb_report_runs_free(&r);
}

/* ---- one run's report: how to read it, no nan -------------------------------- */

static void test_single_report_reading_aids(void **state)
{
    const char *dir = *state;
    char run[3][PATH_MAX], err[512] = "";
    write_three_runs(dir, run);
    if (ipcb_report_write_baseline(run[1], run[0], err, sizeof err) != 0)
        fail_msg("report: %s", err);
    char *md = gbf_read(run[1], "report.md");
    assert_non_null(md);
    static const char *const sections[] = {
        "## Comparison with the baseline\n\n> ", "## Summary\n\n> ", "## Environment\n\n> ",
        "## Results\n\n> ",
        "## Counters that explain\n\n> ", "## CPU cost\n\n> ", "## Copies\n\n> ",
        "## Plots\n\n> ",
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strstr(md, sections[i]))
            fail_msg("no how-to note right under \"%.*s\"", (int)strcspn(sections[i], "\n"),
                     sections[i]);
    /* Sorting is for the page; the Markdown does not mention it. */
    assert_null(strstr(md, "Click"));
    /* p99 of 50 frames per run is absent, never "nan". */
    assert_non_null(strstr(md, "– (n=50)"));
    assert_no_nonfinite_words(md, "report.md");
    free(md);

    char *html = gbf_read(run[1], "report.html");
    assert_non_null(html);
    assert_int_equal(count_of(html, "<p class=\"howto\">"), sizeof sections / sizeof sections[0]);
    assert_non_null(strstr(html, "Click a column header to sort"));
    assert_int_equal(count_of(html, "<script"), 1);
    assert_int_equal(count_of(html, " src="), 0);
    assert_non_null(strstr(html, "location.hash"));
    assert_no_nonfinite_words(html, "report.html");
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_over_runs, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_default_labels, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_input, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_single_report_reading_aids, gbf_setup_dir,
                                        gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
