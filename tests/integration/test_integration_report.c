/* The report over several runs, merge and export through the real CLI, on two
 * small real runs (the second with unix slowed tenfold): side by side, bad input
 * refused with nothing written, the pool for compare, the trackers' formats,
 * sorting in Chromium. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "headless.h"
#include "runcli.h"

static char run_a[400], run_b[400];   /* the two runs' directories */
static char stdout_path[300];         /* where the CLI's stdout goes */

/* A small campaign, a second or two: latency and throughput at 4K and 64K,
 * 3 repetitions. Its directory into dir. */
static void small_run(const char *name, const char *transports, const char *fault, char *dir,
                      size_t len)
{
    char out[300];
    out_dir(out, sizeof out, name);
    outcome o;
    run_program(&o, 120, NULL, stdout_path, ipcbench, "run", "--campaign", "quick",
                "--transport", transports, "--mode", "latency,throughput", "--size", "4K,64K",
                "--repetitions", "3", "--min-time", "0.01", "--max-time", "0.05",
                "--verify", "sample", "--out", out, fault ? "--fault" : NULL, fault, NULL);
    if (o.status != 0)
        fail_msg("run %s: exit %d: %s", name, o.status, o.err);
    char *text = slurp_alloc(stdout_path);
    assert_non_null(text);
    const char *r = strstr(text, "results: ");
    assert_non_null(r);
    snprintf(dir, len, "%.*s", (int)strcspn(r + 9, "\n"), r + 9);
    free(text);
}

static int setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    snprintf(stdout_path, sizeof stdout_path, "%s/stdout.txt", workdir);
    return 0;
}

/* Both runs, made once for every test of this program. */
static void need_runs(void)
{
    if (!run_a[0])
        small_run("a", "memcpy,unix,pipe", NULL, run_a, sizeof run_a);
    if (!run_b[0])
        small_run("b", "memcpy,unix", "slow:unix@10", run_b, sizeof run_b);
}

static char *read_in(const char *dir, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp_alloc(path);
    if (!text)
        fail_msg("cannot read %s", path);
    return text;
}

/* The cells of the Markdown table row that starts with prefix after heading. */
static size_t md_row(const char *md, const char *heading, const char *prefix, char cells[][64],
                     size_t max)
{
    const char *h = strstr(md, heading);
    if (!h)
        fail_msg("report.md lacks \"%s\"", heading);
    char needle[128];
    snprintf(needle, sizeof needle, "\n%s", prefix);
    const char *row = strstr(h, needle);
    if (!row)
        fail_msg("no row \"%s\" under \"%s\"", prefix, heading);
    size_t n = 0;
    for (const char *c = row + 2; *c && *c != '\n' && n < max; ) {
        size_t len = strcspn(c, "|\n");
        const char *s = c, *e = c + len;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        snprintf(cells[n++], 64, "%.*s", (int)(e - s), s);
        c += len + (c[len] == '|');
        if (*c == '\n' || !*c)
            break;
    }
    return n;
}

static int has_word_nan(const char *text)
{
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, "nan", 3) == 0 && (p == text || !isalnum((unsigned char)p[-1]))
            && !isalnum((unsigned char)p[3]))
            return 1;
    return 0;
}

static size_t count_of(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* ---- report A B ------------------------------------------------------------ */

static void test_report_over_two_runs(void **state)
{
    (void)state;
    need_runs();
    char out[300];
    out_dir(out, sizeof out, "side-by-side");
    outcome o;
    run_program(&o, 60, NULL, stdout_path, ipcbench, "report", run_a, run_b, "--out", out,
                "--labels", "base,slow", NULL);
    if (o.status != 0)
        fail_msg("report A B: exit %d: %s", o.status, o.err);
    char *md = read_in(out, "report.md");
    static const char *const must[] = {
        "# ipcbench report: 2 runs side by side", "**base**", "**slow**", "| fact | base | slow |",
        "### Latency p50 (µs)", "### Throughput (MB/s)", "| slow / base |", "| slow verdict |",
        "## Comparison with the first run", "## Plots",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(md, must[i]))
            fail_msg("report.md lacks \"%s\"", must[i]);
    /* Both runs' values, their ratio and the verdict: unix ten times slower. */
    char cells[8][64];
    assert_int_equal(md_row(md, "### Latency p50", "| unix | 64K", cells, 8), 6);
    double base = strtod(cells[2], NULL), slow = strtod(cells[3], NULL);
    assert_true(base > 0 && slow > base);
    assert_non_null(strstr(cells[4], "×"));
    assert_true(strtod(cells[4], NULL) > 1);
    assert_non_null(strstr(cells[5], "slower"));
    /* pipe ran only in the first run */
    assert_int_equal(md_row(md, "### Throughput", "| pipe | 4K", cells, 8), 6);
    assert_true(strtod(cells[2], NULL) > 0);
    assert_string_equal(cells[3], "–");
    assert_string_equal(cells[4], "–");
    assert_string_equal(cells[5], "missing");
    if (has_word_nan(md))
        fail_msg("report.md holds the word nan");
    free(md);

    char *html = read_in(out, "report.html");
    assert_int_equal(count_of(html, "<script"), 1);
    assert_int_equal(count_of(html, " src="), 0);
    assert_int_equal(count_of(html, "http://"), 0);
    assert_int_equal(count_of(html, "https://"), 0);
    /* header tooltips */
    assert_non_null(strstr(html, "<th class=\"num\" title=\"slow's value divided by base's\">"));
    free(html);

    /* Default labels tell the runs apart; the default directory is results/report-*
     * (run from workdir, by its absolute path). */
    char exe[PATH_MAX];
    assert_non_null(realpath(ipcbench, exe));
    run_program(&o, 60, workdir, stdout_path, exe, "report", run_a, run_b, NULL);
    if (o.status != 0)
        fail_msg("report A B (default out): exit %d: %s", o.status, o.err);
    char results[400], made[700];
    snprintf(results, sizeof results, "%s/results", workdir);
    assert_int_equal(count_entries(results), 1);
    char *printed = slurp_alloc(stdout_path);
    assert_non_null(printed);
    assert_int_equal(strncmp(printed, "results/report-", 15), 0);
    snprintf(made, sizeof made, "%s/%.*s", workdir, (int)strcspn(printed, "\n"), printed);
    free(printed);
    struct stat st;
    assert_int_equal(stat(made, &st), 0);
    made[strlen(made) - strlen("/report.md")] = '\0';
    assert_int_equal(stat(made, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0755 & ~mask);
    md = read_in(made, "report.md");
    assert_int_equal(md_row(md, "## Runs", "| fact |", cells, 8), 3);
    if (strcmp(cells[1], cells[2]) == 0)
        fail_msg("default labels alike: %s", cells[1]);
    free(md);
}

/* exit 2, one line naming the problem, stdout empty, out never made */
static void expect_refused(const char *want, const char *out, ...)
{
    const char *argv[24];
    int n = 0;
    va_list ap;
    va_start(ap, out);
    while (n < 23 && (argv[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    for (int i = n; i < 24; i++)
        argv[i] = NULL;
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, argv[0], argv[1], argv[2], argv[3], argv[4],
                argv[5], argv[6], argv[7], argv[8], argv[9], argv[10], argv[11], argv[12],
                argv[13], argv[14], argv[15], NULL);
    if (o.status != 2 || !strstr(o.err, want))
        fail_msg("%s %s ...: expected exit 2 and '%s', got exit %d: %s", argv[0], argv[1], want,
                 o.status, o.err);
    assert_int_equal(strncmp(o.err, "ipcbench: ", 10), 0);
    assert_int_equal(count_of(o.err, "\n"), 1);
    char *printed = slurp_alloc(stdout_path);
    assert_string_equal(printed, "");
    free(printed);
    if (out && access(out, F_OK) == 0)
        fail_msg("%s was made although the input was bad", out);
}

static void test_report_bad_input(void **state)
{
    (void)state;
    need_runs();
    char out[300], empty[300], bad[300], path[400];
    out_dir(out, sizeof out, "never");
    out_dir(empty, sizeof empty, "empty");
    out_dir(bad, sizeof bad, "bad");
    mkdir(empty, 0755);
    mkdir(bad, 0755);
    snprintf(path, sizeof path, "%s/results.json", bad);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{ \"benchmarks\": [ {\"name\": ", f);
    assert_int_equal(fclose(f), 0);
    char *report_a = read_in(run_a, "report.md");

    expect_refused("no results.json", out, "report", run_a, empty, "--out", out, NULL);
    expect_refused("invalid JSON", out, "report", run_a, bad, "--out", out, NULL);
    expect_refused("are the same run", out, "report", run_a, run_a, "--out", out, NULL);
    expect_refused("2 to 8 of them (got 9)", out, "report", run_a, run_b, run_a, run_b, run_a,
                   run_b, run_a, run_b, run_a, "--out", out, NULL);
    expect_refused("1 label for 2 runs", out, "report", run_a, run_b, "--out", out, "--labels",
                   "one", NULL);
    expect_refused("'x' is the label of runs 1 and 2", out, "report", run_a, run_b, "--out", out,
                   "--labels", "x,x", NULL);
    expect_refused("--out and --labels are for a report over two or more runs", out, "report",
                   run_a, "--out", out, NULL);
    expect_refused("--baseline is for a report on one run", out, "report", run_a, run_b,
                   "--baseline", run_a, "--out", out, NULL);
    expect_refused("its own report.md would be replaced", NULL, "report", run_a, run_b, "--out",
                   run_a, NULL);
    char *after = read_in(run_a, "report.md");
    assert_string_equal(report_a, after);   /* the run's own report is untouched */
    free(after);
    free(report_a);

    snprintf(path, sizeof path, "%s/pooled.json", workdir);
    expect_refused("are the same run", path, "merge", path, run_a, run_a, NULL);
    expect_refused("invalid JSON", path, "merge", path, run_a, bad, NULL);
    expect_refused("needs OUT and at least one run", path, "merge", path, NULL);
    /* An empty --out is named as such. */
    expect_refused("export: --out needs a file name, not an empty string", NULL, "export", "--format",
                   "bencher", "--out", "", run_a, NULL);
    expect_refused("history trend: --out needs a value, not an empty string", NULL, "history", "trend",
                   "--out", "", NULL);
}

/* ---- merge ----------------------------------------------------------------- */

static void test_merge_two_runs(void **state)
{
    (void)state;
    need_runs();
    char pooled[400];
    snprintf(pooled, sizeof pooled, "%s/pooled.json", workdir);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "merge", pooled, run_a, run_b, NULL);
    if (o.status != 0)
        fail_msg("merge: exit %d: %s", o.status, o.err);
    json_error_t jerr;
    json_t *root = json_load_file(pooled, 0, &jerr);
    if (!root)
        fail_msg("merge output is not JSON: %s", jerr.text);
    /* unix/latency/4K: 3 repetitions from each run, and a median over the 6 */
    size_t i, iterations = 0, medians = 0;
    json_t *e;
    json_array_foreach(json_object_get(root, "benchmarks"), i, e) {
        const char *rn = json_string_value(json_object_get(e, "run_name"));
        if (!rn || strncmp(rn, "unix/latency/4K/", 16) != 0)
            continue;
        const char *type = json_string_value(json_object_get(e, "run_type"));
        const char *agg = json_string_value(json_object_get(e, "aggregate_name"));
        iterations += strcmp(type, "iteration") == 0;
        medians += strcmp(type, "aggregate") == 0 && agg && strcmp(agg, "median") == 0;
        assert_int_equal(json_integer_value(json_object_get(e, "repetitions")), 6);
    }
    assert_int_equal(iterations, 6);
    assert_int_equal(medians, 1);
    json_decref(root);
    /* compare reads the pool like any run (exit 0 or 1, never 2) */
    run_program(&o, 30, NULL, stdout_path, ipcbench, "compare", run_a, pooled, NULL);
    if (o.status != 0 && o.status != 1)
        fail_msg("compare A POOLED: exit %d: %s", o.status, o.err);
    char *text = slurp_alloc(stdout_path);
    assert_non_null(strstr(text, "unix/latency/4K "));
    free(text);
}

/* ---- export ---------------------------------------------------------------- */

/* The stdout of `ipcbench export --format format run_a`, parsed. */
static json_t *export_of(const char *format)
{
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "export", "--format", format, run_a, NULL);
    if (o.status != 0)
        fail_msg("export --format %s: exit %d: %s", format, o.status, o.err);
    assert_non_null(strstr(o.err, "ipcbench export: 12 benchmarks"));
    json_error_t jerr;
    json_t *root = json_load_file(stdout_path, 0, &jerr);
    if (!root)
        fail_msg("export --format %s printed no JSON: %s", format, jerr.text);
    return root;
}

static void test_export_formats(void **state)
{
    (void)state;
    need_runs();
    /* github-smaller: a list of {name, unit, value} */
    json_t *arr = export_of("github-smaller");
    assert_true(json_is_array(arr));
    assert_true(json_array_size(arr) >= 6);
    size_t i, p50s = 0;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *unit = json_string_value(json_object_get(e, "unit"));
        assert_non_null(name);
        assert_non_null(unit);
        assert_true(json_is_number(json_object_get(e, "value")));
        if (strstr(name, "/latency/") && strstr(name, " p50")) {
            assert_string_equal(unit, "us");
            p50s++;
        }
    }
    assert_int_equal(p50s, 6);   /* memcpy, unix, pipe at 4K and 64K */
    json_decref(arr);

    /* bencher: latency and throughput measures with numeric values */
    json_t *bmf = export_of("bencher");
    const json_t *lat = json_object_get(json_object_get(bmf, "unix/latency/4K"), "latency");
    const json_t *thr = json_object_get(json_object_get(bmf, "unix/throughput/64K"),
                                        "throughput");
    assert_true(json_is_number(json_object_get(lat, "value")));
    assert_true(json_is_number(json_object_get(thr, "value")));
    json_decref(bmf);

    /* --out: the file, nothing on stdout */
    char out[400];
    snprintf(out, sizeof out, "%s/bigger.json", workdir);
    outcome o;
    run_program(&o, 30, NULL, stdout_path, ipcbench, "export", "--format=github-bigger", "--out",
                out, run_a, NULL);
    if (o.status != 0)
        fail_msg("export --out: exit %d: %s", o.status, o.err);
    char *printed = slurp_alloc(stdout_path);
    assert_string_equal(printed, "");
    free(printed);
    json_error_t jerr;
    arr = json_load_file(out, 0, &jerr);
    assert_true(json_is_array(arr) && json_array_size(arr) > 0);
    json_decref(arr);

    char empty[300];
    out_dir(empty, sizeof empty, "export-empty");
    mkdir(empty, 0755);
    snprintf(out, sizeof out, "%s/never.json", workdir);
    expect_refused("unknown format 'googlecpp'", out, "export", "--format", "googlecpp", "--out",
                   out, run_a, NULL);
    expect_refused("no results.json", out, "export", "--format", "bencher", "--out", out, empty,
                   NULL);
    expect_refused("needs --format", NULL, "export", run_a, NULL);
}

/* ---- sorting in Chromium --------------------------------------------------- */

/* Which table of the page (from 0) comes first after heading. */
static int table_index(const char *html, const char *heading)
{
    const char *h = strstr(html, heading);
    assert_non_null(h);
    int n = 0;
    for (const char *p = html; (p = strstr(p, "<table")) && p < h; p++)
        n++;
    return n;
}

/* A cell's text as the script sorts it: *num with 1 for a number, 0 for none
 * ("–", "n/a", "failed"). */
static void cell_value(const char *cell, size_t len, double *num, int *has)
{
    char text[128];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < sizeof text; i++) {
        if (cell[i] == '<') {   /* tags (<strong>) left out */
            while (i < len && cell[i] != '>')
                i++;
            continue;
        }
        text[o++] = cell[i];
    }
    text[o] = '\0';
    char *end;
    *num = strtod(text, &end);
    *has = end != text;
}

/* The values of column col in table t of the dumped DOM, in row order. */
static size_t column_values(const char *dom, int t, int col, double *v, int *has, size_t max)
{
    const char *p = dom;
    for (int i = 0; i <= t; i++) {
        p = strstr(p, "<table");
        assert_non_null(p);
        p++;
    }
    const char *end = strstr(p, "</table>");
    const char *header = strstr(p, "</thead>");
    assert_true(end && header && header < end);
    size_t n = 0;
    for (const char *row = header; (row = strstr(row, "<tr")) && row < end && n < max; row++) {
        const char *cell = row;
        for (int c = 0; c <= col; c++) {
            cell = strstr(cell + 1, "<td");
            assert_non_null(cell);
        }
        cell = strchr(cell, '>') + 1;
        cell_value(cell, (size_t)(strstr(cell, "</td>") - cell), &v[n], &has[n]);
        n++;
    }
    return n;
}

/* Numbers in order (ascending or descending), then the cells without one. */
static void assert_sorted(const double *v, const int *has, size_t n, int descending,
                          const char *what)
{
    size_t i = 0;
    for (; i + 1 < n && has[i + 1]; i++)
        if (descending ? v[i] < v[i + 1] : v[i] > v[i + 1])
            fail_msg("%s: row %zu (%g) before row %zu (%g)", what, i, v[i], i + 1, v[i + 1]);
    for (i++; i < n; i++)
        if (has[i])
            fail_msg("%s: a value (%g) after a cell without one", what, v[i]);
}

static void check_sort(const char *html_path, const char *html, const char *heading, int col,
                       int descending, size_t expect_rows, size_t expect_empty)
{
    char url[800], what[200];
    int t = table_index(html, heading);
    snprintf(url, sizeof url, "file://%s#sort=%d,%d%s", html_path, t, col,
             descending ? ",desc" : "");
    char *dom = chromium_dump_dom(url, NULL);
    double v[64];
    int has[64];
    size_t n = column_values(dom, t, col, v, has, 64), empty = 0;
    assert_int_equal(n, expect_rows);
    for (size_t i = 0; i < n; i++)
        empty += !has[i];
    assert_int_equal(empty, expect_empty);
    snprintf(what, sizeof what, "%s, column %d%s", heading, col, descending ? ", descending" : "");
    assert_sorted(v, has, n, descending, what);
    assert_non_null(strstr(dom, descending ? "aria-sort=\"descending\"" : "aria-sort=\"ascending\""));
    assert_non_null(strstr(dom, descending ? " ▼</span>" : " ▲</span>"));
    free(dom);
}

static void test_tables_sort_in_chromium(void **state)
{
    (void)state;
    char html_path[400];
    out_dir(html_path, sizeof html_path, "side-by-side/report.html");
    if (access(html_path, R_OK) != 0)
        fail_msg("%s missing: test_report_over_two_runs did not write it", html_path);
    char *html = slurp_alloc(html_path);
    /* 3 transports x 2 sizes; pipe only in the first run: "–" sorts last either way */
    check_sort(html_path, html, "Latency p50 (µs)", 2, 0, 6, 0);
    check_sort(html_path, html, "Latency p50 (µs)", 2, 1, 6, 0);
    check_sort(html_path, html, "Throughput (MB/s)", 3, 0, 6, 2);
    check_sort(html_path, html, "Throughput (MB/s)", 3, 1, 6, 2);
    check_sort(html_path, html, "Throughput (MB/s)", 4, 0, 6, 2);   /* the ratios, "0.1×" */
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_over_two_runs),
        cmocka_unit_test(test_report_bad_input),
        cmocka_unit_test(test_merge_two_runs),
        cmocka_unit_test(test_export_formats),
        cmocka_unit_test(test_tables_sort_in_chromium),
    };
    return cmocka_run_group_tests(tests, setup, runcli_teardown);
}
