/* Integration tests: real frames over the reference transports through the
 * real CLI (build/ipcbench run), checked from the files it leaves behind, and
 * every failure path (corruption, dead or stalled peer, bad input) end to end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctrlc.h"
#include "runcli.h"

/* Counters every run has (throughput: but the latency ones); p99 and p99.9,
 * which need enough samples, are checked by assert_runs_sound. */
static const char *const counters[] = {
    "p50_us", "p90_us", "max_us", "mean_us", "frames_per_s", "mb_per_s", "cpu_driver_s",
    "cpu_peer_s", "cpu_per_gib_s", "cpu_per_frame_us", "copies", "frames", "bytes",
};

static void test_quick_campaign_all_modes(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "quick");
    run_ipcbench(&o, 240, "run", "--campaign", "quick", "--transport", "memcpy,unix,pipe",
                 "--size", "64K,1080p", "--mode", "latency,throughput,paced", "--verify", "all",
                 "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 18); /* 3 transports x 3 modes x 2 sizes, 1 repetition */

    json_t *root = load_json(out);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    size_t i;
    json_t *b;
    json_array_foreach(benchmarks, i, b) {
        const char *name = json_string_value(json_object_get(b, "name"));
        for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
            int is_throughput = strstr(name, "/throughput/") != NULL;
            if (is_throughput && strstr(counters[c], "_us") && !strstr(counters[c], "cpu"))
                continue; /* no per-frame latency in throughput mode */
            if (!json_is_number(json_object_get(b, counters[c])))
                fail_msg("%s lacks %s", name, counters[c]);
        }
        if (strstr(name, "/paced/"))
            assert_true(json_is_number(json_object_get(b, "late")));
        if (strstr(name, "/latency/"))
            assert_true(json_is_number(json_object_get(b, "rtt_p50_us")));
    }
    json_t *ctx = json_object_get(root, "context");
    const char *facts[] = { "ipcbench_version", "ipcbench_git_commit", "kernel", "cpu_model",
                            "cpu_governor", "lib_benchmark", "lib_xxhash", "verify", "campaign" };
    for (size_t f = 0; f < sizeof facts / sizeof facts[0]; f++)
        if (!json_is_string(json_object_get(ctx, facts[f])))
            fail_msg("context lacks %s", facts[f]);
    assert_string_equal(json_string_value(json_object_get(ctx, "verify")), "all");
    json_decref(root);

    char csv[20000], path[600];
    snprintf(path, sizeof path, "%s/latest/results.csv", out);
    slurp(path, csv, sizeof csv);
    assert_non_null(strstr(csv, "transport,mode,size,bytes,p50_us"));
    int rows = 0;
    for (char *p = csv; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 19);
    assert_null(strstr(csv, ",failed,"));
    assert_non_null(strstr(csv, "unix,latency,1080p,8294400,"));
    assert_file_nonempty(out, "report.md");
    assert_file_nonempty(out, "plots/throughput.svg");
    assert_file_nonempty(out, "plots/latency.svg");
    assert_file_nonempty(out, "plots/cdf.svg");
    assert_file_nonempty(out, "plots/throughput.png");
    assert_file_nonempty(out, "histograms/unix_latency_1080p.dat");

    /* Google Benchmark's own compare.py (Debian's libbenchmark-tools) reads it. */
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 /usr/share/benchmark/compare.py benchmarks %s/latest/results.json "
             "%s/latest/results.json > %s/compare.txt 2>&1", out, out, workdir);
    assert_int_equal(system(cmd), 0);
}

/* The error of benchmark i in out's results.json ("" if it did not fail),
 * in a buffer of len. */
static void error_of(const char *out, size_t i, char *buf, size_t len)
{
    json_t *root = load_json(out);
    json_t *b = json_array_get(json_object_get(root, "benchmarks"), i);
    assert_non_null(b);
    const char *msg = json_string_value(json_object_get(b, "error_message"));
    snprintf(buf, len, "%s", json_is_true(json_object_get(b, "error_occurred")) && msg ? msg : "");
    json_decref(root);
}

/* A fault on unix, then memcpy (latency at 64K): the unix benchmark fails
 * with message and no figure; so does memcpy's, with memcpy_message, when
 * that is given. Frame 5 is planned however slow the machine is: --max-time
 * lifts quick's 0.5 s bound on a run. */
static void expect_failed_run(const char *name, const char *fault, const char *verify,
                              const char *timeout_ms, const char *message,
                              const char *memcpy_message, double limit_s)
{
    char out[300], msg[2048];
    outcome o;
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, limit_s, "run", "--campaign", "quick", "--transport", "unix,memcpy", "--size",
                 "64K", "--mode", "latency", "--verify", verify, "--warmup", "2", "--max-time", "60",
                 "--timeout-ms", timeout_ms, "--fault", fault, "--out", out, NULL);
    assert_int_equal(o.status, 1);
    json_t *root = load_json(out);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    json_t *unix_run = json_array_get(benchmarks, 0);
    assert_string_equal(json_string_value(json_object_get(unix_run, "run_name")), "unix/latency/64K/manual_time");
    assert_string_equal(json_string_value(json_object_get(json_array_get(benchmarks, 1), "run_name")),
                        "memcpy/latency/64K/manual_time");
    assert_null(json_object_get(unix_run, "p50_us")); /* a failed run yields no figure */
    json_decref(root);
    error_of(out, 0, msg, sizeof msg);
    if (!msg[0] || !strstr(msg, message))
        fail_msg("%s: error message '%s' lacks '%s'", name, msg, message);
    error_of(out, 1, msg, sizeof msg);
    if (memcpy_message && (!msg[0] || !strstr(msg, memcpy_message)))
        fail_msg("%s: memcpy's error message '%s' lacks '%s'", name, msg, memcpy_message);
}

static void test_corrupted_frame_fails_loudly(void **state)
{
    (void)state;
    expect_failed_run("corrupt", "corrupt@5", "all", "5000", "checksum mismatch", "checksum mismatch", 60);
}

/* A corrupted frame that no checksum looks at fails the run too: a fault
 * aimed at a measured frame must have its effect. With --verify sample the
 * peer checksums 1 frame in 16 (by sequence number, and the warm-up, whose
 * length the harness decides, comes first), so of frames 5 and 6 at most one
 * is checked: each run fails, and at least one says the fault went unseen. */
static void test_undetected_corruption_fails(void **state)
{
    (void)state;
    expect_failed_run("corrupt-unverified", "corrupt@5", "none", "5000",
                      "fault corrupt@5 was not detected: the peer checksums no frame",
                      "fault corrupt@5 was not detected", 60);
    int unseen = 0;
    for (int n = 5; n <= 6; n++) {
        char name[64], fault[32], out[300], msg[2048];
        snprintf(name, sizeof name, "corrupt-sampled-%d", n);
        snprintf(fault, sizeof fault, "corrupt@%d", n);
        expect_failed_run(name, fault, "sample", "5000", "", NULL, 60);
        out_dir(out, sizeof out, name);
        error_of(out, 0, msg, sizeof msg);
        if (strstr(msg, "was not detected: the peer checksums 1 frame in 16"))
            unseen++;
        else if (!strstr(msg, "checksum mismatch"))
            fail_msg("%s: error '%s' neither detected the fault nor says it went unseen", name, msg);
    }
    assert_true(unseen >= 1);
}

/* memcpy's peer lives in the driver's process: a peer fault cannot hit it,
 * and a fault that does not fire fails the run as well. */
static void test_killed_peer_is_reported(void **state)
{
    (void)state;
    expect_failed_run("killed", "peer-exit@5", "all", "5000", "signal 9", "fault peer-exit@5 did not fire", 60);
}

static void test_stalled_peer_times_out(void **state)
{
    (void)state;
    expect_failed_run("stalled", "peer-hang@5", "all", "500", "within 500 ms", "fault peer-hang@5 did not fire",
                      30);
}

/* Bad input: exit 2, one line naming the problem, nothing left in the output root. */
static void expect_bad_input(const char *needle, const char *out, ...)
{
    const char *args[32];
    int n = 0;
    va_list ap;
    va_start(ap, out);
    while (n < 31 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    for (int i = n; i < 32; i++)
        args[i] = NULL;
    outcome o;
    run_ipcbench(&o, 30, "run", "--campaign", "quick", "--out", out, args[0], args[1], args[2],
                 args[3], args[4], args[5], NULL);
    if (o.status != 2 || !strstr(o.err, needle))
        fail_msg("expected exit 2 and '%s', got exit %d: %s", needle, o.status, o.err);
    assert_int_equal(strchr(o.err, '\n') - o.err + 1, (long)strlen(o.err)); /* one line */
    assert_int_equal(count_entries(out), 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    char out[300], bad_ini[300], not_png[300], ro[300];
    out_dir(out, sizeof out, "bad");
    mkdir(out, 0755);
    expect_bad_input("unknown transport 'carrier-pigeon'", out, "--transport", "carrier-pigeon", NULL);
    expect_bad_input("unknown mode 'sideways'", out, "--mode", "sideways", NULL);
    expect_bad_input("huge", out, "--size", "huge", NULL);
    expect_bad_input("--size", out, "--size", "0", NULL);
    expect_bad_input("--repetitions", out, "--repetitions", "zero", NULL);
    expect_bad_input("unknown option '--bogus'", out, "--bogus", NULL);
    /* how many frames a run measures is ipcbench's to decide, within sane bounds */
    expect_bad_input("use --min-frames, --min-time and --max-time", out, "--benchmark_min_time=1", NULL);
    expect_bad_input("min_time 2 s is more than max_time 1 s", out, "--min-time", "2", "--max-time", "1", NULL);
    expect_bad_input("--max-time", out, "--max-time", "0", NULL);
    expect_bad_input("--min-frames", out, "--min-frames", "many", NULL);
    /* Transport parameters: parsed and range-checked by their transport up front. */
    expect_bad_input("parameter qcop_fd_min (qcop-fd) must be a whole number from 0 to 1073741824, not 'abc'",
                     out, "--transport", "qcop-fd", "--param", "qcop_fd_min=abc", NULL);
    expect_bad_input("parameter qcop_fd_min (qcop-fd) must be a whole number from 0 to 1073741824, not '-1'",
                     out, "--transport", "qcop-fd", "--param", "qcop_fd_min=-1", NULL);
    expect_bad_input("must be a whole number from 0 to 1073741824, not '99999999999999999999'", out,
                     "--transport", "qcop-fd", "--param", "qcop_fd_min=99999999999999999999", NULL);
    expect_bad_input("parameter wait (shm-ring) must be one of spin|futex|hybrid, not 'nap'", out,
                     "--transport", "shm-ring", "--wait", "nap", NULL);
    expect_bad_input("parameter bus_daemon (dbus) must be one of dbus-daemon|dbus-broker, not 'systemd'", out,
                     "--transport", "dbus", "--bus-daemon", "systemd", NULL);
    expect_bad_input("parameter shm_backend (shm) must be one of sysv|posix, not 'nfs'", out,
                     "--transport", "shm", "--shm-backend", "nfs", NULL);
    expect_bad_input("no transport in this campaign takes parameter 'pull'", out, "--transport", "unix",
                     "--http-pull", NULL);
    /* Comma lists: every item must be there. */
    expect_bad_input("--size: empty item in the list '1K,'", out, "--size", "1K,", NULL);
    expect_bad_input("--size: empty item in the list ',1K'", out, "--size", ",1K", NULL);
    expect_bad_input("--size: empty item in the list '1K,,2K'", out, "--size", "1K,,2K", NULL);
    expect_bad_input("--transport: empty item in the list 'unix,'", out, "--transport", "unix,", NULL);
    expect_bad_input("--mode: empty item in the list ',latency'", out, "--mode", ",latency", NULL);
    expect_bad_input("--subscribers: empty item in the list '1,,2'", out, "--subscribers", "1,,2", NULL);
    expect_bad_input("--out needs a directory (the results root), not an empty string", out, "--out", "", NULL);

    snprintf(not_png, sizeof not_png, "%s/not.png", workdir);
    FILE *f = fopen(not_png, "w");
    fputs("this is not a picture\n", f);
    fclose(f);
    expect_bad_input("not.png", out, "--image", not_png, NULL);

    snprintf(bad_ini, sizeof bad_ini, "%s/bad.ini", workdir);
    f = fopen(bad_ini, "w");
    fputs("[campaign]\ntransports = unix\nthis line is not a setting\n", f);
    fclose(f);
    outcome o;
    run_ipcbench(&o, 30, "run", "--campaign", bad_ini, "--out", out, NULL);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "bad.ini:3"));
    assert_int_equal(count_entries(out), 0);

    /* A 1 MB line is too long, not malformed. */
    f = fopen(bad_ini, "w");
    fputs("[campaign]\ntransports = unix\n; ", f);
    for (int i = 0; i < 1 << 20; i++)
        fputc('x', f);
    fputs("\nmodes = latency\n", f);
    fclose(f);
    run_ipcbench(&o, 30, "run", "--campaign", bad_ini, "--out", out, NULL);
    assert_int_equal(o.status, 2);
    if (!strstr(o.err, "bad.ini:3: line 3 is too long (at most "))
        fail_msg("a 1 MB line: %s", o.err);
    assert_int_equal(count_entries(out), 0);

    /* An output root that cannot be written. */
    snprintf(ro, sizeof ro, "%s/file-not-dir", workdir);
    f = fopen(ro, "w");
    fclose(f);
    char inside[400];
    snprintf(inside, sizeof inside, "%s/results", ro);
    run_ipcbench(&o, 30, "run", "--campaign", "quick", "--out", inside, NULL);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "file-not-dir"));
}

/* A real picture: a small PNG written with libspng, sent with --image. */
static void write_png(const char *path, uint32_t w, uint32_t h)
{
    uint8_t *pixels = malloc((size_t)w * h * 4);
    assert_non_null(pixels);
    for (size_t i = 0; i < (size_t)w * h * 4; i++)
        pixels[i] = (uint8_t)(i * 7 + i / 13);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    struct spng_ihdr ihdr = { .width = w, .height = h, .bit_depth = 8,
                              .color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA };
    spng_set_png_file(ctx, f);
    spng_set_ihdr(ctx, &ihdr);
    assert_int_equal(spng_encode_image(ctx, pixels, (size_t)w * h * 4, SPNG_FMT_PNG,
                                       SPNG_ENCODE_FINALIZE), 0);
    spng_ctx_free(ctx);
    fclose(f);
    free(pixels);
}

static void test_real_picture(void **state)
{
    (void)state;
    char out[300], png[300], csv[4096], path[600];
    outcome o;
    out_dir(out, sizeof out, "image");
    snprintf(png, sizeof png, "%s/picture.png", workdir);
    write_png(png, 320, 200);
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", "unix", "--size", "thumb",
                 "--image", png, "--mode", "latency", "--verify", "all", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    snprintf(path, sizeof path, "%s/latest/results.csv", out);
    slurp(path, csv, sizeof csv);
    assert_non_null(strstr(csv, "unix,latency,img:320x200,256000,"));
    assert_non_null(strstr(csv, "unix,latency,thumb,65536,"));
}

/* Ctrl-C during a paced run at 1 fps (a frame period of 1 s) and during long
 * latency and throughput runs: out within 3 s, the running benchmark
 * "interrupted", the next one skipped, results saved, nothing left. */
static void test_interrupt_saves_results(void **state)
{
    (void)state;
    expect_ctrlc("unix,pipe", "paced", NULL);
    expect_ctrlc("memcpy", "paced", NULL);
    expect_ctrlc("tcp", "latency", NULL);
    expect_ctrlc("memcpy", "latency", NULL);
    expect_ctrlc("pipe", "throughput", NULL);
}

/* A second Ctrl-C right after the first: out at once, nothing left. */
static void test_second_interrupt_stops_at_once(void **state)
{
    (void)state;
    expect_second_ctrlc("unix", "latency", NULL);
}

/* Lines of text, their count and the widest in terminal columns (UTF-8). */
static void measure_lines(const char *text, size_t *lines, size_t *widest)
{
    *lines = *widest = 0;
    size_t cols = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            (*lines)++;
            *widest = cols > *widest ? cols : *widest;
            cols = 0;
        } else {
            cols += ((unsigned char)*p & 0xC0) != 0x80;
        }
    }
}

/* "nan" or "inf" as a word, in any case: a figure no reader should see. */
static int has_nonfinite_word(const char *text)
{
    static const char *const words[] = { "nan", "inf" };
    for (const char *p = text; *p; p++)
        for (size_t w = 0; w < 2; w++)
            if (strncasecmp(p, words[w], 3) == 0 && (p == text || !isalnum((unsigned char)p[-1]))
                && !isalnum((unsigned char)p[3]))
                return 1;
    return 0;
}

/* Without --verbose and not on a terminal: a short line per benchmark, then
 * the summary table (at most 100 columns) and the paths; 30 benchmarks take
 * at most 30 + 40 lines, none over 160 columns, none with nan. */
static void test_console_is_quiet_with_summary(void **state)
{
    (void)state;
    char out[300], log[400];
    outcome o;
    out_dir(out, sizeof out, "console");
    snprintf(log, sizeof log, "%s/console.out", workdir);
    run_program(&o, 240, NULL, log, ipcbench, "run", "--campaign", "quick",
                "--transport", "memcpy,unix,pipe,shm,tcp", "--size", "64,4K,64K",
                "--mode", "latency,throughput", "--repetitions", "1", "--min-time", "0.005",
                "--max-time", "0.1", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    char *text = slurp_alloc(log);
    assert_non_null(text);
    size_t lines, widest, err_lines, err_widest;
    measure_lines(text, &lines, &widest);
    measure_lines(o.err, &err_lines, &err_widest);
    print_message("console: %zu lines on stdout, %zu on stderr, widest %zu\n", lines,
                  err_lines, widest);
    assert_true(lines + err_lines <= 30 + 40);
    assert_true(widest <= 160 && err_widest <= 160);
    assert_false(has_nonfinite_word(text));
    for (int i = 1; i <= 30; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "[%2d/30] ok ", i);
        if (!strstr(text, tag))
            fail_msg("no line starts with \"%s\":\n%s", tag, text);
    }
    assert_null(strstr(text, "manual_time")); /* no Google Benchmark table */
    /* The summary ends it: both tables, at most 100 columns, then the paths. */
    const char *summary = strstr(text, "Summary:");
    assert_non_null(summary);
    assert_non_null(strstr(summary, "\nthroughput "));
    assert_non_null(strstr(summary, "\np50 latency "));
    assert_non_null(strstr(summary, "best p50 latency"));
    const char *paths = strstr(summary, "\nresults: ");
    assert_non_null(paths);
    char table[8192];
    snprintf(table, sizeof table, "%.*s", (int)(paths - summary), summary);
    measure_lines(table, &lines, &widest);
    assert_true(widest <= 100);
    assert_non_null(strstr(paths, "report:  "));
    free(text);

    /* --verbose brings Google Benchmark's table back. */
    run_program(&o, 120, NULL, log, ipcbench, "run", "--campaign", "quick", "--transport",
                "memcpy", "--size", "64", "--mode", "latency", "--repetitions", "2",
                "--min-time", "0.005", "--max-time", "0.1", "--verbose", "--out", out, NULL);
    assert_int_equal(o.status, 0);
    text = slurp_alloc(log);
    assert_non_null(strstr(text, "memcpy/latency/64/manual_time_median"));
    assert_false(has_nonfinite_word(text));
    free(text);
}

/* A failed benchmark gets its line with the reason, not a figure. */
static void test_console_names_failure(void **state)
{
    (void)state;
    char out[300], log[400];
    outcome o;
    out_dir(out, sizeof out, "console-failed");
    snprintf(log, sizeof log, "%s/console-failed.out", workdir);
    run_program(&o, 120, NULL, log, ipcbench, "run", "--campaign", "quick", "--transport",
                "unix", "--size", "64", "--mode", "latency", "--repetitions", "1",
                "--verify", "all", "--fault", "corrupt@3", "--out", out, NULL);
    assert_int_equal(o.status, 1);
    char *text = slurp_alloc(log);
    assert_non_null(text);
    const char *line = strstr(text, "[1/1] FAILED  unix/latency/64");
    if (!line)
        fail_msg("no FAILED line:\n%s", text);
    assert_non_null(strstr(line, "checksum mismatch"));
    free(text);
}

static void test_list_shows_reference_transports(void **state)
{
    (void)state;
    char cmd[700], text[8192], path[300];
    snprintf(path, sizeof path, "%s/list.txt", workdir);
    snprintf(cmd, sizeof cmd, "%s list > %s", ipcbench, path);
    assert_int_equal(system(cmd), 0);
    slurp(path, text, sizeof text);
    assert_non_null(strstr(text, "memcpy"));
    assert_non_null(strstr(text, "unix"));
    assert_non_null(strstr(text, "pipe"));
    assert_non_null(strstr(text, "AVAILABLE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_shows_reference_transports),
        cmocka_unit_test(test_console_is_quiet_with_summary),
        cmocka_unit_test(test_console_names_failure),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_quick_campaign_all_modes),
        cmocka_unit_test(test_corrupted_frame_fails_loudly),
        cmocka_unit_test(test_undetected_corruption_fails),
        cmocka_unit_test(test_killed_peer_is_reported),
        cmocka_unit_test(test_stalled_peer_times_out),
        cmocka_unit_test(test_real_picture),
        cmocka_unit_test(test_interrupt_saves_results),
        cmocka_unit_test(test_second_interrupt_stops_at_once),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
