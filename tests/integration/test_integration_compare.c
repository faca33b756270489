/* Integration tests for the CI gate and the reports, through the real CLI:
 * a slowdown injected with the test-only fault is caught (exit 1) and an
 * identical input passes (exit 0), also by paired runs and compare --paired;
 * bad input exits 2 with one line; compare
 * stays fast on a large file; `report --baseline` writes every section, and
 * report.html renders in headless Chromium with everything inline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resultset.h"
#include "headless.h"
#include "runcli.h"

/* ---- running the CLI with its output captured ----------------------------- */

typedef struct capture {
    int    status;
    double seconds;
    double cpu_seconds;   /* user + system of the child */
    char   out[1 << 18];
    char   err[8192];
} capture;

static capture cap;

/* Runs argv (argv[0] is the program) with stdout and stderr captured, killed
 * after limit_s (which fails the test). */
static void run_argv(capture *c, double limit_s, const char *const *argv)
{
    char out_path[300], err_path[300];
    snprintf(out_path, sizeof out_path, "%s/cap.out", workdir);
    snprintf(err_path, sizeof err_path, "%s/cap.err", workdir);
    double start = now_s();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, WNOHANG, &ru) == 0) {
        if (now_s() - start > limit_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("%s did not finish within %.0f s", argv[0], limit_s);
        }
        usleep(2000);
    }
    c->seconds = now_s() - start;
    c->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
                   + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    slurp(out_path, c->out, sizeof c->out);
    slurp(err_path, c->err, sizeof c->err);
}

/* ipcbench with the given arguments (NULL-terminated). */
static void ipcb(capture *c, double limit_s, ...)
{
    const char *argv[40] = { ipcbench };
    int n = 1;
    va_list ap;
    va_start(ap, limit_s);
    while (n < 39 && (argv[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    argv[n] = NULL;
    run_argv(c, limit_s, argv);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static size_t count_of(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* ---- two small campaigns: a baseline and one with unix slowed ------------- */

static char base_dir[400], slow_dir[400];

/* memcpy and unix, latency and throughput at 64K, 6 repetitions: the U test
 * reaches p <= 0.05 even if a repetition or two of a busy machine overlap the
 * other side. Returns the results directory in dir. */
static void small_campaign(const char *name, const char *fault, char *dir, size_t len)
{
    char out[300];
    out_dir(out, sizeof out, name);
    const char *argv[32] = { ipcbench, "run", "--campaign", "quick", "--transport", "memcpy,unix",
                             "--mode", "latency,throughput", "--size", "64K",
                             "--repetitions", "6", "--min-time", "0.02", "--verify", "sample",
                             "--out", out };
    int n = 18;
    if (fault) {
        argv[n++] = "--fault";
        argv[n++] = fault;
    }
    argv[n] = NULL;
    run_argv(&cap, 120, argv);
    if (cap.status != 0) {
        const char *why = strstr(cap.out, "FAILED"); /* the console line of a failed benchmark */
        fail_msg("run %s: exit %d: %.*s", name, cap.status, why ? (int)strcspn(why, "\n") : 200,
                 why ? why : cap.err);
    }
    const char *r = strstr(cap.out, "results: ");
    assert_non_null(r);
    snprintf(dir, len, "%.*s", (int)strcspn(r + 9, "\n"), r + 9);
    json_t *root = load_json(out); /* the six repetitions measured as many frames each */
    assert_runs_sound(root);
    json_decref(root);
}

static int setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    return 0;
}

/* The end-to-end gate: unix made 10x slower by the fault (far beyond the
 * noise of a busy machine) is caught; the same results against themselves
 * pass. */
static void test_slowdown_caught_identical_passes(void **state)
{
    (void)state;
    small_campaign("base", NULL, base_dir, sizeof base_dir);
    small_campaign("slow", "slow:unix@10", slow_dir, sizeof slow_dir);

    ipcb(&cap, 30, "compare", base_dir, slow_dir, NULL);
    if (cap.status != 1)
        fail_msg("expected exit 1, got %d:\n%s%s", cap.status, cap.out, cap.err);
    assert_non_null(strstr(cap.out, "result: REGRESSION"));
    /* unix's median latency and throughput are flagged */
    static const char *const rows[][2] = { { "unix/latency/64K ", " p50 " },
                                           { "unix/throughput/64K ", " throughput " } };
    for (size_t i = 0; i < 2; i++) {
        char line[512] = "";
        for (const char *l = cap.out; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
            snprintf(line, sizeof line, "%.*s", (int)strcspn(l, "\n"), l);
            if (strncmp(line, rows[i][0], strlen(rows[i][0])) == 0 && strstr(line, rows[i][1]))
                break;
            line[0] = '\0';
        }
        if (!line[0])
            fail_msg("no row %s%s in:\n%s", rows[i][0], rows[i][1], cap.out);
        if (!strstr(line, "SLOWER"))
            fail_msg("not flagged: %s\n%s", line, cap.out);
    }

    /* ratios to memcpy: memcpy is unchanged, so unix is still slower */
    ipcb(&cap, 30, "compare", base_dir, slow_dir, "--normalize", "memcpy", NULL);
    assert_int_equal(cap.status, 1);
    assert_non_null(strstr(cap.out, "x memcpy"));

    /* a 3000% threshold on p50: a 10x slowdown (+900%) is within it */
    ipcb(&cap, 30, "compare", base_dir, slow_dir, "--threshold", "3000", "--metric", "p50", NULL);
    if (cap.status != 0)
        fail_msg("--threshold 3000: exit %d:\n%s", cap.status, cap.out);

    ipcb(&cap, 30, "compare", base_dir, base_dir, NULL);
    if (cap.status != 0)
        fail_msg("identical input: exit %d:\n%s%s", cap.status, cap.out, cap.err);
    assert_non_null(strstr(cap.out, "result: no regression"));
    assert_non_null(strstr(cap.out, "0 slower"));

    /* the other formats, through the CLI */
    ipcb(&cap, 30, "compare", base_dir, slow_dir, "--format", "md", NULL);
    assert_int_equal(cap.status, 1);
    assert_non_null(strstr(cap.out, "### ipcbench: ❌ REGRESSION"));
    assert_non_null(strstr(cap.out, "| `unix/latency/64K` | p50 us |"));
    ipcb(&cap, 30, "compare", base_dir, slow_dir, "--format", "json", NULL);
    assert_int_equal(cap.status, 1);
    json_error_t jerr;
    json_t *root = json_loads(cap.out, 0, &jerr);
    if (!root)
        fail_msg("compare --format json is not JSON: %s", jerr.text);
    assert_true(json_is_true(json_object_get(root, "regression")));
    assert_int_equal(json_array_size(json_object_get(root, "rows")), 6);
    json_decref(root);
}

/* ---- paired runs ------------------------------------------------------------ */

/* One side of a paired run of memcpy and unix at 64K (6 repetitions) in the
 * background, into workdir/NAME; fault for side B. Both sides' drivers and
 * peers on CPU 0 (they take turns, so they never compete for it): a
 * ping-pong within one CPU has one speed, across CPUs another, up to 10x
 * apart on a 2-CPU VM, and whichever the scheduler picks for a repetition
 * under other load would decide a verdict of 12 pairs. */
static pid_t start_side(const char *name, const char *turn, const char *side, const char *fault)
{
    static char out[2][300], pair[2][400];
    int k = side[0] == 'B';
    out_dir(out[k], sizeof out[k], name);
    snprintf(pair[k], sizeof pair[k], "%s,%s", turn, side);
    const char *args[32] = { "run", "--campaign", "quick", "--transport", "memcpy,unix",
                             "--mode", "latency,throughput", "--size", "64K",
                             "--repetitions", "6", "--min-time", "0.02", "--verify", "sample",
                             "--history", "none", "--out", out[k], "--pair-turn", pair[k],
                             "--pin", "0,0" };
    int n = 23;
    if (fault) {
        args[n++] = "--fault";
        args[n++] = fault;
    }
    args[n] = NULL;
    return start_background(name, args);
}

/* `run --pair-turn` on both sides, then `compare --paired`: unix made 1.5x
 * slower on B is caught as unix, with its interval; A against itself passes;
 * random interleaving is refused. */
static void test_paired_runs(void **state)
{
    (void)state;
    char turn[300], a[300], b[300];
    snprintf(turn, sizeof turn, "%s/turn-XXXXXX", workdir);
    assert_non_null(mkdtemp(turn));
    pid_t pa = start_side("paired-a", turn, "A", NULL);
    pid_t pb = start_side("paired-b", turn, "B", "slow:unix@1.5");
    assert_int_equal(wait_background(pa, 120), 0);
    assert_int_equal(wait_background(pb, 120), 0);
    out_dir(a, sizeof a, "paired-a");
    out_dir(b, sizeof b, "paired-b");
    strcat(a, "/latest");
    strcat(b, "/latest");

    ipcb(&cap, 30, "compare", a, b, "--paired", NULL);
    if (cap.status != 1)
        fail_msg("expected exit 1, got %d:\n%s%s", cap.status, cap.out, cap.err);
    const char *verdict = strstr(cap.out, "paired: SLOWER: unix 1.");
    assert_non_null(verdict);
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(verdict, "\n"), verdict);
    assert_null(strstr(line, "memcpy")); /* memcpy is not named slower */
    ipcb(&cap, 30, "compare", a, a, "--paired", NULL);
    if (cap.status != 0)
        fail_msg("A against itself: exit %d:\n%s%s", cap.status, cap.out, cap.err);
    assert_non_null(strstr(cap.out, "paired: pass:"));
    ipcb(&cap, 30, "compare", a, b, "--paired", "--holm", NULL);
    assert_int_equal(cap.status, 2);

    const char *argv[] = { ipcbench, "run", "--campaign", "quick", "--transport", "memcpy",
                           "--pair-turn", "/tmp,A", "--benchmark_enable_random_interleaving=true",
                           NULL };
    run_argv(&cap, 30, argv);
    assert_int_equal(cap.status, 2);
    assert_non_null(strstr(cap.err, "random interleaving"));
}

/* ---- bad input ------------------------------------------------------------- */

static void expect_exit2(const char *needle, ...)
{
    const char *argv[16] = { ipcbench };
    int n = 1;
    va_list ap;
    va_start(ap, needle);
    while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    argv[n] = NULL;
    run_argv(&cap, 30, argv);
    if (cap.status != 2 || !strstr(cap.err, needle))
        fail_msg("%s %s %s: expected exit 2 and '%s', got exit %d: %s", argv[1], argv[2],
                 argv[3] ? argv[3] : "", needle, cap.status, cap.err);
    /* one clear line, and never a table (never a pass) */
    assert_int_equal(count_of(cap.err, "\n"), 1);
    assert_int_equal(strncmp(cap.err, "ipcbench: ", 10), 0);
    assert_int_equal(cap.out[0], '\0');
}

static void test_bad_input(void **state)
{
    (void)state;
    if (!base_dir[0])
        small_campaign("base", NULL, base_dir, sizeof base_dir);
    char path[6][400], json[500];
    for (int i = 0; i < 6; i++)
        snprintf(path[i], sizeof path[i], "%s/bad%d.json", workdir, i);
    snprintf(json, sizeof json, "%s/results.json", base_dir);
    char *good = slurp_alloc(json);
    assert_non_null(good);
    write_file(path[0], "{ \"benchmarks\": [ {\"name\": ", 27);          /* malformed */
    write_file(path[1], good, strlen(good) / 2);                        /* truncated */
    write_file(path[2], "{\"foo\": 1}", 10);                            /* foreign */
    write_file(path[3], "[1, 2, 3]", 9);                                /* foreign */
    static const char other[] =
        "{\"context\": {}, \"benchmarks\": [{\"name\": \"pigeon/latency/64K/manual_time\","
        " \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"us\", \"p50_us\": 1}]}";
    write_file(path[4], other, strlen(other));                          /* nothing in common */
    static const char no_memcpy[] =
        "{\"context\": {}, \"benchmarks\": [{\"name\": \"unix/latency/64K/manual_time\","
        " \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"us\", \"p50_us\": 1}]}";
    write_file(path[5], no_memcpy, strlen(no_memcpy));
    free(good);
    char empty_dir[400];
    snprintf(empty_dir, sizeof empty_dir, "%s/empty", workdir);
    mkdir(empty_dir, 0755);

    expect_exit2("invalid JSON", "compare", base_dir, path[0], NULL);
    expect_exit2("invalid JSON", "compare", path[1], base_dir, NULL);
    expect_exit2("not Google Benchmark JSON", "compare", base_dir, path[2], NULL);
    expect_exit2("not Google Benchmark JSON", "compare", path[3], base_dir, NULL);
    expect_exit2("no benchmark in common", "compare", base_dir, path[4], NULL);
    expect_exit2("no results.json", "compare", empty_dir, base_dir, NULL);
    expect_exit2("No such file", "compare", base_dir, "/nonexistent/results", NULL);
    expect_exit2("memcpy", "compare", path[5], path[5], "--normalize", "memcpy", NULL);
    expect_exit2("needs BASE and NEW", "compare", base_dir, NULL);
    expect_exit2("third", "compare", base_dir, base_dir, base_dir, NULL);
    expect_exit2("--threshold", "compare", base_dir, base_dir, "--threshold", "-5", NULL);
    expect_exit2("--alpha", "compare", base_dir, base_dir, "--alpha", "2", NULL);
    expect_exit2("unknown metric 'speed'", "compare", base_dir, base_dir, "--metric", "speed", NULL);
    expect_exit2("--format", "compare", base_dir, base_dir, "--format", "xml", NULL);
    expect_exit2("--normalize", "compare", base_dir, base_dir, "--normalize", "tcp", NULL);
    expect_exit2("unknown option '--bogus'", "compare", base_dir, base_dir, "--bogus", NULL);
    expect_exit2("nothing to compare", "compare", base_dir, base_dir, "--metric", "paced-p99", NULL);
    expect_exit2("invalid JSON", "report", base_dir, "--baseline", path[0], NULL);
    expect_exit2("no results.json", "report", empty_dir, NULL);
}

/* ---- speed ----------------------------------------------------------------- */

/* Two results.json a little larger than full default campaigns will be (10
 * transports x 3 modes x 6 sizes, 5 repetitions plus Google Benchmark's four
 * aggregates, every counter; today's default campaign has 882 entries):
 * compare takes well under a second. Measured as the child's CPU time, so a
 * busy machine does not fail the test; the wall time is printed. */
static void test_compare_handles_large_files(void **state)
{
    (void)state;
    static const char *const modes[] = { "latency", "throughput", "paced" };
    static const char *const aggs[] = { "mean", "median", "stddev", "cv" };
    static const char *const counters[] = {
        "p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us", "rtt_p50_us",
        "rtt_p99_us", "frames_per_s", "mb_per_s", "cpu_driver_s", "cpu_peer_s", "cpu_infra_s",
        "cpu_per_gib_s", "cpu_per_frame_us", "copies", "late", "dropped", "frames", "bytes" };
    char path[2][400];
    size_t entries = 0;
    for (int side = 0; side < 2; side++) {
        json_t *arr = json_array();
        for (int t = 0; t < 10; t++)
            for (int m = 0; m < 3; m++)
                for (int s = 0; s < 6; s++) {
                    char run_name[128], name[160];
                    snprintf(run_name, sizeof run_name, "t%d/%s/%dK/manual_time", t, modes[m], 1 << (2 * s));
                    for (int rep = 0; rep < 9; rep++) {
                        int agg = rep >= 5;
                        snprintf(name, sizeof name, "%s%s%s", run_name, agg ? "_" : "",
                                 agg ? aggs[rep - 5] : "");
                        json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:s}", "name", name,
                                              "run_name", run_name, "run_type",
                                              agg ? "aggregate" : "iteration", "repetitions", 5,
                                              "repetition_index", agg ? 0 : rep,
                                              "real_time", 10.0 + rep, "time_unit", "us");
                        if (agg)
                            json_object_set_new(e, "aggregate_name", json_string(aggs[rep - 5]));
                        for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++)
                            json_object_set_new(e, counters[c],
                                                json_real(100.0 + rep + side * 3 + (double)c / 7));
                        json_array_append_new(arr, e);
                        entries += side == 0;
                    }
                }
        snprintf(path[side], sizeof path[side], "%s/big%d.json", workdir, side);
        json_t *root = json_pack("{s:{s:s}, s:o}", "context", "campaign", "big", "benchmarks", arr);
        assert_int_equal(json_dump_file(root, path[side], JSON_INDENT(2)), 0);
        json_decref(root);
    }
    ipcb(&cap, 30, "compare", path[0], path[1], NULL);
    assert_true(cap.status == 0 || cap.status == 1);
    /* Speed is measured, not asserted (the machines are noisy): see README. */
    print_message("compare on two %zu-entry files: %.3f s CPU, %.3f s wall\n", entries,
                  cap.cpu_seconds, cap.seconds);
    assert_non_null(strstr(cap.out, "t9/latency/1024K")); /* the last benchmark is compared */
}

/* ---- report --baseline and report.html ------------------------------------ */

static const char *const sections[] = {
    "id=\"title\"", "id=\"contents\"", "id=\"comparison\"", "id=\"environment\"",
    "id=\"method\"", "id=\"results\"", "id=\"failures\"", "id=\"cpu-cost\"", "id=\"copies\"",
    "id=\"plots\"", "id=\"files\"",
};

static void test_report_with_baseline(void **state)
{
    (void)state;
    if (!base_dir[0])
        small_campaign("base", NULL, base_dir, sizeof base_dir);
    if (!slow_dir[0])
        small_campaign("slow", "slow:unix@10", slow_dir, sizeof slow_dir);
    ipcb(&cap, 60, "report", slow_dir, "--baseline", base_dir, NULL);
    if (cap.status != 0)
        fail_msg("report --baseline: exit %d: %s", cap.status, cap.err);
    char path[600];
    snprintf(path, sizeof path, "%s/report.md", slow_dir);
    char *md = slurp_alloc(path);
    assert_non_null(md);
    static const char *const must[] = {
        "# ipcbench report: quick", "against the baseline quick", "## Comparison with the baseline",
        "**Regression: ", "| benchmark | metric | baseline | this run | change | p | verdict | note |",
        "| `unix/latency/64K` | p50 us |", "## Environment", "| fact | baseline | this run |",
        "## Method", "Mann-Whitney", "## Results", "| size | memcpy | memcpy Δ | unix | unix Δ |",
        "slower**", "## Failures", "## CPU cost", "## Copies", "## Plots",
        "](plots/compare-latency.svg)", "](plots/compare-throughput.svg)", "## Files",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(md, must[i]))
            fail_msg("report.md lacks \"%s\"", must[i]);
    /* An undefined figure is "–", never "nan" (as a word, in any case). */
    for (const char *p = md; *p; p++)
        if (strncasecmp(p, "nan", 3) == 0 && (p == md || !isalnum((unsigned char)p[-1]))
            && !isalnum((unsigned char)p[3]))
            fail_msg("report.md holds the word nan: %.60s", p > md + 20 ? p - 20 : md);
    free(md);

    snprintf(path, sizeof path, "%s/report.html", slow_dir);
    char *html = slurp_alloc(path);
    assert_non_null(html);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strstr(html, sections[i]))
            fail_msg("report.html lacks %s", sections[i]);
    /* self-contained: plots inline, nothing to fetch; one inline script (sorting) */
    assert_true(count_of(html, "<svg") >= 5);
    assert_int_equal(count_of(html, "http://"), 0);
    assert_int_equal(count_of(html, "https://"), 0);
    assert_int_equal(count_of(html, "<script"), 1);
    assert_int_equal(count_of(html, "<script>"), 1);
    assert_int_equal(count_of(html, "src="), 0);
    assert_int_equal(count_of(html, "<link"), 0);
    assert_int_equal(count_of(html, "<img"), 0);
    assert_int_equal(count_of(html, " src="), 0);
    assert_int_equal(count_of(html, "@import"), 0);
    assert_int_equal(count_of(html, "url("), count_of(html, "url(#"));
    assert_true(count_of(html, "class=\"num slower\"") >= 3);
    free(html);
}

/* <title> elements whose text holds a digit: the plots' value tooltips. */
static size_t titles_with_number(const char *dom)
{
    size_t n = 0;
    for (const char *p = strstr(dom, "<title>"); p; p = strstr(p + 1, "<title>")) {
        const char *end = strstr(p, "</title>");
        for (const char *q = p + 7; end && q < end; q++)
            if (isdigit((unsigned char)*q)) {
                n++;
                break;
            }
    }
    return n;
}

/* The benchmarks in the run at dir (failed ones included). */
static size_t benchmarks_in(const char *dir)
{
    ipcb_resultset rs;
    char err[512];
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) != 0)
        fail_msg("%s: %s", dir, err);
    size_t n = rs.nresults;
    ipcb_resultset_free(&rs);
    return n;
}

static void test_report_html_in_chromium(void **state)
{
    (void)state;
    char url[700], shot[400], html[600];
    snprintf(html, sizeof html, "%s/report.html", slow_dir);
    if (access(html, R_OK) != 0)
        fail_msg("%s missing: test_report_with_baseline did not write it", html);
    snprintf(url, sizeof url, "file://%s/report.html", slow_dir);
    snprintf(shot, sizeof shot, "%s/report.png", workdir);
    double seconds = 0;
    char *dom = chromium_dump_dom(url, &seconds);
    /* The rendered DOM: every section, the tables, the inline plots. */
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strstr(dom, sections[i]))
            fail_msg("the rendered page lacks %s", sections[i]);
    static const char *const texts[] = {
        "Comparison with the baseline", "Environment", "Method", "Results", "Failures",
        "CPU cost", "Copies", "Plots", "Files", "Latency: one-way p50", "Throughput (MB/s)",
        "unix Δ", "<table>", "<figure", "</svg>", "</html>",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!strstr(dom, texts[i]))
            fail_msg("the rendered page lacks \"%s\"", texts[i]);
    assert_true(count_of(dom, "<svg") >= 5);
    /* A tooltip with the exact value on the plotted points: every benchmark
     * of the run is a point of the throughput or latency plots, so there are
     * at least as many <title>s with a number as benchmarks. */
    size_t tooltips = titles_with_number(dom), benchmarks = benchmarks_in(slow_dir);
    print_message("%zu value tooltips for %zu benchmarks\n", tooltips, benchmarks);
    assert_true(benchmarks > 0 && tooltips >= benchmarks);
    print_message("chromium rendered report.html in %.1f s\n", seconds);
    free(dom);

    /* And it paints: a screenshot of the top of the page. */
    chromium_screenshot(url, shot);
    struct stat st;
    assert_int_equal(stat(shot, &st), 0);
    assert_true(st.st_size > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slowdown_caught_identical_passes),
        cmocka_unit_test(test_paired_runs),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_compare_handles_large_files),
        cmocka_unit_test(test_report_with_baseline),
        cmocka_unit_test(test_report_html_in_chromium),
    };
    return cmocka_run_group_tests(tests, setup, runcli_teardown);
}
