/* Tests for what reports make of hostile and extreme input: benchmark names
 * with '|', line breaks and "# heading", context values with <script>, in
 * report.md and report.html of one run and of several; figures of 1e308,
 * 1e20 and 1e-9 in engineering notation; and why a report has no plots. */
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
#include <sys/stat.h>

#include "gbfixture.h"
#include "mdcheck.h"
#include "report.h"
#include "report_runs.h"

#define EVIL_TRANSPORT "evil|name\n# heading"
#define SCRIPT "<script>alert(1)</script>"

static void add_reps(json_t *arr, const char *base, double p50, double mb_per_s, int n)
{
    for (int i = 0; i < n; i++) {
        gbf_values v = { p50, 2 * p50, mb_per_s, NAN, 500, 65536 };
        json_array_append_new(arr, gbf_entry(base, NULL, i, n, &v));
    }
}

/* A run whose names and context are hostile: a transport named
 * EVIL_TRANSPORT in latency and throughput mode beside unix, a benchmark
 * that failed with a message holding a heading and a script, and a host name
 * and CPU model that do the same. */
static void write_hostile_run(const char *dir, const char *host)
{
    json_t *arr = json_array();
    add_reps(arr, EVIL_TRANSPORT "/latency/64K", 10, NAN, 3);
    add_reps(arr, "unix/latency/64K", 20, NAN, 3);
    add_reps(arr, EVIL_TRANSPORT "/throughput/64K", NAN, 900, 3);
    add_reps(arr, "unix/throughput/64K", NAN, 800, 3);
    json_array_append_new(arr, gbf_failed("bad`name|x\n# heading/latency/64K", 0, 1,
                                          "boom " SCRIPT "\n# heading"));
    json_t *ctx = gbf_context(host, "2024-05-01T10:00:00+00:00", "ci|x\n# heading");
    json_object_set_new(ctx, "cpu_model", json_string(SCRIPT " & co > all"));
    json_object_set_new(ctx, "command", json_string("ipcbench run `rm -rf` | tee\n# heading"));
    gbf_write_run(dir, ctx, arr);
}

static void check_html(const char *html)
{
    assert_non_null(html);
    assert_null(strstr(html, "<script>alert"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co &gt; all"));
}

static void test_report_of_hostile_run(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], err[512] = "";
    gbf_path(run, dir, "run");
    write_hostile_run(run, "host|1\n# heading");
    if (ipcb_report_write(run, err, sizeof err) != 0)
        fail_msg("report: %s", err);
    char *md = gbf_read(run, "report.md");
    assert_non_null(md);
    /* tables: the environment, latency p50 and p99, throughput, CPU, copies */
    assert_true(assert_md_safe(md, "heading") >= 20);
    assert_non_null(strstr(md, "| size | evil\\|name \\# heading | unix |\n"));
    assert_non_null(strstr(md, "| Host | host\\|1 \\# heading |\n"));
    assert_non_null(strstr(md, "| CPU model | &lt;script&gt;alert(1)&lt;/script&gt; &amp; co "
                               "&gt; all |\n"));
    assert_non_null(strstr(md, "| Command | ipcbench run \\`rm -rf\\` \\| tee \\# heading |\n"));
    assert_non_null(strstr(md, "- bad\\`name\\|x \\# heading/latency/64K: boom "
                               "&lt;script&gt;alert(1)&lt;/script&gt; \\# heading\n"));
    assert_non_null(strstr(md, "# ipcbench report: ci\\|x \\# heading, 2024-05-01"));
    free(md);
    char *html = gbf_read(run, "report.html");
    check_html(html);
    free(html);
}

/* Two hostile runs side by side: the labels (host and day) are data too. */
static void test_report_over_hostile_runs(void **state)
{
    const char *dir = *state;
    char a[PATH_MAX], b[PATH_MAX], out[PATH_MAX], err[1024] = "";
    gbf_path(a, dir, "a");
    gbf_path(b, dir, "b");
    gbf_path(out, dir, "out");
    write_hostile_run(a, "host|1\n# heading");
    write_hostile_run(b, "<b>host2</b>");
    assert_int_equal(mkdir(out, 0755), 0);
    ipcb_report_runs r;
    const char *paths[] = { a, b };
    if (ipcb_report_runs_load(&r, paths, 2, NULL, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    if (ipcb_report_runs_write(&r, out, err, sizeof err) != 0)
        fail_msg("write: %s", err);
    ipcb_report_runs_free(&r);
    char *md = gbf_read(out, "report.md");
    assert_non_null(md);
    assert_true(assert_md_safe(md, "heading") >= 10);
    assert_non_null(strstr(md, "| evil\\|name \\# heading | 64K (65.5 kB) | 10.0 | 10.0 |"));
    assert_non_null(strstr(md, "&lt;b&gt;host2&lt;/b&gt; 2024-05-01"));
    assert_null(strstr(md, "<b>"));
    free(md);
    char *html = gbf_read(out, "report.html");
    check_html(html);
    assert_null(strstr(html, "<b>host2"));
    free(html);
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

/* p50 of 1e308, 1e20 and 1e-9 µs, throughput of 1e20 MB/s: engineering
 * notation in report.md and report.html, never a number in full. */
static void test_report_extreme_values(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], err[512] = "";
    gbf_path(run, dir, "run");
    json_t *arr = json_array();
    add_reps(arr, "unix/latency/64K", 1e308 / 2, NAN, 1);   /* p99 = 1e308 */
    add_reps(arr, "pipe/latency/64K", 1e20, NAN, 1);
    add_reps(arr, "memcpy/latency/64K", 1e-9, NAN, 1);
    add_reps(arr, "unix/throughput/64K", NAN, 1e20, 1);
    gbf_write_run(run, gbf_context("h", "2024-05-01T10:00:00+00:00", "ci"), arr);
    if (ipcb_report_write(run, err, sizeof err) != 0)
        fail_msg("report: %s", err);
    char *md = gbf_read(run, "report.md"), *html = gbf_read(run, "report.html");
    assert_non_null(md);
    assert_non_null(html);
    static const char *const want[] = { "50.0e306", "100e306", "100e18", "1.00e-9", "2.00e-9" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(md, want[i]))
            fail_msg("report.md lacks %s", want[i]);
        if (!strstr(html, want[i]))
            fail_msg("report.html lacks %s", want[i]);
    }
    if (has_digit_run(md, 12))
        fail_msg("a number in full in report.md:\n%s", md);
    free(md);
    free(html);
}

/* Why there are no plots: nothing to plot, gnuplot missing, not rendered
 * yet, or gnuplot drew none (plots/gnuplot.log). */
static void test_report_says_why_no_plots(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], failed[PATH_MAX], log[PATH_MAX], err[512] = "";
    gbf_path(run, dir, "run");
    gbf_path(failed, dir, "failed");
    json_t *arr = json_array();
    add_reps(arr, "unix/latency/64K", 20, NAN, 2);
    gbf_write_run(run, gbf_context("h", "2024-05-01T10:00:00+00:00", "ci"), arr);
    arr = json_array();
    json_array_append_new(arr, gbf_failed("unix/latency/64K", 0, 1, "peer died"));
    gbf_write_run(failed, gbf_context("h", "2024-05-01T10:00:00+00:00", "ci"), arr);

    assert_int_equal(ipcb_report_write(failed, err, sizeof err), 0);
    char *md = gbf_read(failed, "report.md");
    assert_non_null(strstr(md, "No plots: no result has a figure to plot"));
    free(md);

    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    int rc = ipcb_report_write(run, err, sizeof err);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, 0);
    md = gbf_read(run, "report.md");
    assert_non_null(strstr(md, "No plots: gnuplot is not installed."));
    free(md);

    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        skip();
    assert_int_equal(ipcb_report_write(run, err, sizeof err), 0);
    md = gbf_read(run, "report.md");
    assert_non_null(strstr(md, "No plots yet: `ipcbench run` and `ipcbench report` render them."));
    free(md);
    gbf_path(log, run, "plots");
    assert_int_equal(mkdir(log, 0755), 0);
    gbf_path(log, run, "plots/gnuplot.log");
    FILE *f = fopen(log, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(ipcb_report_write(run, err, sizeof err), 0);
    md = gbf_read(run, "report.md");
    assert_non_null(strstr(md, "No plots: gnuplot is installed and there are results to plot, "
                               "but it drew none (`plots/gnuplot.log` says why)."));
    free(md);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, gbf_setup_dir, gbf_teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_report_of_hostile_run),
        DIR_TEST(test_report_over_hostile_runs),
        DIR_TEST(test_report_extreme_values),
        DIR_TEST(test_report_says_why_no_plots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
