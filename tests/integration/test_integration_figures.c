/* Impossible figures and hostile names through the real CLI, on synthetic
 * runs: a negative p50 or an infinite figure makes compare, report, merge,
 * export and history import exit 2 with the file, benchmark and field named,
 * and nothing written; compare --format md keeps a name with '|', a line
 * break and "# heading" inside its table cell. */
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
#include "mdcheck.h"
#include "runcli.h"

static char good[PATH_MAX], negative[PATH_MAX], infinite[PATH_MAX], stdout_path[PATH_MAX];

/* base: p50 of each repetition (µs), p99 twice that. */
static void write_run(const char *dir, const char *base, const double *p50, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        gbf_values v = { p50[i], 2 * p50[i], NAN, NAN, 500, 65536 };
        json_array_append_new(arr, gbf_entry(base, NULL, i, n, &v));
    }
    gbf_write_run(dir, gbf_context("h", "2024-05-01T10:00:00+00:00", "ci"), arr);
}

/* The good run with the last repetition's mb_per_s a bare Infinity, as
 * Google Benchmark would write it. */
static void write_infinite(const char *dir)
{
    char src[PATH_MAX], dst[PATH_MAX];
    write_run(dir, "unix/latency/64K", (double[]){ 100, 101, 102 }, 3);
    gbf_path(src, dir, "results.json");
    char *text = slurp_alloc(src);
    assert_non_null(text);
    char *last = strstr(text, "\"repetition_index\": 2");
    assert_non_null(last);
    snprintf(dst, sizeof dst, "%s", src);
    FILE *f = fopen(dst, "w");
    assert_non_null(f);
    fprintf(f, "%.*s\"mb_per_s\": Infinity, %s", (int)(last - text), text, last);
    assert_int_equal(fclose(f), 0);
    free(text);
}

static int setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    snprintf(stdout_path, sizeof stdout_path, "%s/stdout.txt", workdir);
    out_dir(good, sizeof good, "good");
    out_dir(negative, sizeof negative, "negative");
    out_dir(infinite, sizeof infinite, "infinite");
    write_run(good, "unix/latency/64K", (double[]){ 100, 101, 102 }, 3);
    write_run(negative, "unix/latency/64K", (double[]){ 100, -3.5, 102 }, 3);
    write_infinite(infinite);
    return 0;
}

/* The run exited 2 with one line on stderr holding want, and wrote nothing
 * on stdout. */
static void expect_refused(const outcome *o, const char *want)
{
    if (o->status != 2)
        fail_msg("exit %d, expected 2: %s", o->status, o->err);
    if (!strstr(o->err, want))
        fail_msg("stderr lacks \"%s\":\n%s", want, o->err);
    const char *end = strchr(o->err, '\n');
    assert_non_null(end);
    assert_string_equal(end + 1, "");
    char *out = slurp_alloc(stdout_path);
    assert_non_null(out);
    assert_string_equal(out, "");
    free(out);
}

static void negative_message(char *out, size_t n)
{
    snprintf(out, n, "%s/results.json: benchmark unix/latency/64K (repetition 2 of 3): p50_us "
             "is -3.5, a latency cannot be negative", negative);
}

static void test_compare_refuses(void **state)
{
    (void)state;
    char want[PATH_MAX + 200];
    negative_message(want, sizeof want);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", good, negative, NULL);
    expect_refused(&o, want);
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", negative, good, "--format",
                "md", NULL);
    expect_refused(&o, want);
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", good, infinite, NULL);
    expect_refused(&o, "infinite/results.json: benchmark unix/latency/64K (repetition 3 of 3): "
                       "mb_per_s is Infinity, but a rate must be finite");
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", good, good, NULL);
    assert_int_equal(o.status, 0);
}

static void test_report_refuses(void **state)
{
    (void)state;
    char want[PATH_MAX + 200], out[PATH_MAX];
    negative_message(want, sizeof want);
    outcome o;
    run_program(&o, 60, NULL, stdout_path, ipcbench, "report", negative, NULL);
    expect_refused(&o, want);
    assert_false(gbf_exists(negative, "report.md") || gbf_exists(negative, "report.html")
                 || gbf_exists(negative, "plots"));
    run_program(&o, 60, NULL, stdout_path, ipcbench, "report", good, "--baseline", negative, NULL);
    expect_refused(&o, want);
    assert_false(gbf_exists(good, "report.md") || gbf_exists(good, "plots"));
    out_dir(out, sizeof out, "side-by-side");
    run_program(&o, 60, NULL, stdout_path, ipcbench, "report", good, negative, "--out", out, NULL);
    expect_refused(&o, want);
    assert_int_equal(access(out, F_OK), -1);
}

static void test_merge_refuses(void **state)
{
    (void)state;
    char want[PATH_MAX + 200], out[PATH_MAX];
    negative_message(want, sizeof want);
    out_dir(out, sizeof out, "pooled.json");
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "merge", out, good, negative, NULL);
    expect_refused(&o, want);
    assert_int_equal(access(out, F_OK), -1);
}

static void test_export_refuses(void **state)
{
    (void)state;
    char want[PATH_MAX + 200];
    negative_message(want, sizeof want);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "export", "--format", "bencher", negative,
                NULL);
    expect_refused(&o, want);
}

/* Nothing imported, not even the good run given first: the database is not
 * even made. */
static void test_history_import_refuses(void **state)
{
    (void)state;
    char want[PATH_MAX + 200], db[PATH_MAX], url[PATH_MAX + 8];
    negative_message(want, sizeof want);
    out_dir(db, sizeof db, "history.db");
    snprintf(url, sizeof url, "sqlite:%s", db);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "history", "import", "--db", url, good,
                negative, NULL);
    expect_refused(&o, want);
    assert_int_equal(access(db, F_OK), -1);
    run_program(&o, 30, NULL, stdout_path, ipcbench, "history", "import", "--db", url, good,
                NULL);
    assert_int_equal(o.status, 0);
}

/* A benchmark named "evil|name\n# heading": in the pull-request comment it
 * stays in its cell, and no line of the comment starts a heading with it. */
static void test_compare_markdown_escapes(void **state)
{
    (void)state;
    char base[PATH_MAX], slower[PATH_MAX];
    out_dir(base, sizeof base, "evil-base");
    out_dir(slower, sizeof slower, "evil-new");
    const char *name = "evil|name\n# heading/latency/64K";
    write_run(base, name, (double[]){ 100, 101, 102, 99, 100 }, 5);
    write_run(slower, name, (double[]){ 125, 126, 127, 124, 125 }, 5);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", base, slower, "--format", "md",
                NULL);
    assert_int_equal(o.status, 1);
    char *md = slurp_alloc(stdout_path);
    assert_non_null(md);
    assert_true(assert_md_safe(md, "heading") >= 4);
    assert_non_null(strstr(md, "| evil\\|name \\# heading/latency/64K | p50 us | 100 | 125 |"));
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_refuses),
        cmocka_unit_test(test_report_refuses),
        cmocka_unit_test(test_merge_refuses),
        cmocka_unit_test(test_export_refuses),
        cmocka_unit_test(test_history_import_refuses),
        cmocka_unit_test(test_compare_markdown_escapes),
    };
    return cmocka_run_group_tests(tests, setup, runcli_teardown);
}
