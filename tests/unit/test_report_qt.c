/* Tests for the report's "Qt over C" section on synthetic runs: rows only where
 * both transports ran, both ratios with their figures, counters C -> Qt, a failed
 * side, the measured sentence, and no section without a pair. */
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

#include "gbfixture.h"
#include "mdcheck.h"
#include "report.h"

typedef struct figures {
    double p50_us, mb_per_s, cpu_per_frame_us, csw_per_frame, copies;
} figures;

static void add(json_t *arr, const char *transport, const char *mode, const char *size, const figures *f)
{
    char base[128];
    snprintf(base, sizeof base, "%s/%s/%s", transport, mode, size);
    double bytes = strcmp(size, "64") == 0 ? 64 : 1920.0 * 1080 * 4;
    gbf_values v = { f->p50_us, NAN, f->mb_per_s, NAN, 500, bytes };
    json_t *e = gbf_entry(base, NULL, 0, 1, &v);
    json_object_set_new(e, "cpu_per_frame_us", json_real(f->cpu_per_frame_us));
    json_object_set_new(e, "csw_per_frame", json_real(f->csw_per_frame));
    json_object_set_new(e, "copies", json_real(f->copies));
    json_object_set_new(e, "faults_per_frame", json_real(0));
    json_array_append_new(arr, e);
}

/* Both modes of one transport at one size. */
static void add_both(json_t *arr, const char *transport, const char *size, double p50, double mb, double cpu,
                     double csw, double copies)
{
    figures lat = { p50, 1.0, cpu, csw, copies }, thr = { NAN, mb, cpu / 2, csw / 2, copies };
    add(arr, transport, "latency", size, &lat);
    add(arr, transport, "throughput", size, &thr);
}

static char *report_of(const char *dir, json_t *arr)
{
    char run[PATH_MAX], err[512] = "";
    gbf_path(run, dir, "run");
    gbf_write_run(run, gbf_context("host", "2024-05-01T10:00:00+00:00", "quick"), arr);
    if (ipcb_report_write(run, err, sizeof err) != 0)
        fail_msg("report: %s", err);
    char *md = gbf_read(run, "report.md");
    assert_non_null(md);
    return md;
}

/* The "Qt over C" section of md, up to the next section (a string to free), or NULL. */
static char *qt_section(const char *md)
{
    const char *start = strstr(md, "## Qt over C");
    if (!start)
        return NULL;
    const char *end = strstr(start + 1, "\n## ");
    size_t len = end ? (size_t)(end - start) : strlen(start);
    char *s = malloc(len + 1);
    memcpy(s, start, len);
    s[len] = '\0';
    return s;
}

static void test_pairs_ratios_and_counters(void **state)
{
    json_t *arr = json_array();
    add_both(arr, "dbus", "64", 20, 2.0, 40, 4.0, 8);
    add_both(arr, "qt-dbus", "64", 50, 1.0, 100, 9.0, 9);
    add_both(arr, "dbus", "1080p", 10000, 800, 16000, 150, 8);
    add_both(arr, "qt-dbus", "1080p", 12000, 640, 17000, 170, 9);
    add_both(arr, "unix", "1080p", 1000, 4000, 3000, 40, 2);
    add_both(arr, "qt-local", "1080p", 3000, 1000, 7000, 50, 4);
    add_both(arr, "qt-shm", "64", 2, 1.0, 5, 2, 2);    /* shm did not run: no row */
    add_both(arr, "http", "64", 40, 1.0, 60, 2, 4);
    json_array_append_new(arr, gbf_failed("qt-http/latency/64", 0, 1, "peer killed by signal 9"));
    char *md = report_of(*state, arr);
    char *qt = qt_section(md);
    assert_non_null(qt);
    assert_true(assert_md_safe(md, "never") > 0);
    assert_non_null(strstr(qt, "| 64 | `qt-dbus` | `dbus` | 2.50× (50.0 µs / 20.0 µs) | "
                               "0.500× (1.00 MB/s / 2.00 MB/s) | 40.0 → 100.0 | 4.0 → 9.0 | 8 → 9 |\n"));
    assert_non_null(strstr(qt, "| 1080p | `qt-dbus` | `dbus` | 1.20× (12.0 ms / 10.0 ms) | "
                               "0.800× (640 MB/s / 800 MB/s) |"));
    assert_non_null(strstr(qt, "| 1080p | `qt-local` | `unix` | 3.00× (3.00 ms / 1.00 ms) | "
                               "0.250× (1.00 GB/s / 4.00 GB/s) | 3000.0 → 7000.0 | 40.0 → 50.0 | 2 → 4 |\n"));
    assert_null(strstr(qt, "`qt-local` | `unix` | 3.00× (3.00 ms / 1.00 ms)\n| 64")); /* unix ran at 1080p only */
    assert_null(strstr(qt, "| 64 | `qt-local`"));
    assert_null(strstr(qt, "`qt-shm`"));
    /* a failed side: "failed" in its ratio */
    assert_non_null(strstr(qt, "| 64 | `qt-http` | `http` | failed |"));
    /* rows by size, then pair */
    assert_true(strstr(qt, "| 64 | `qt-dbus`") < strstr(qt, "| 1080p | `qt-dbus`"));
    assert_true(strstr(qt, "| 1080p | `qt-dbus`") < strstr(qt, "| 1080p | `qt-local`"));
    /* where it comes from, measured at the largest size both ran */
    assert_non_null(strstr(qt, "- `qt-dbus` over `dbus`: QtDBus"));
    assert_non_null(strstr(qt, "Measured (latency runs, Qt − C): at 64, p50 2.50×, +60.0 µs of CPU, +5.0 "
                               "context switches and 0.0 page faults per frame; at 1080p, p50 1.20×, +1.00 ms "
                               "of CPU, +20.0 context switches and 0.0 page faults per frame."));
    assert_non_null(strstr(qt, "- `qt-local` over `unix`: "));
    assert_null(strstr(qt, "- `qt-shm` over"));
    free(qt);
    free(md);
}

static void test_no_section_without_a_pair(void **state)
{
    json_t *arr = json_array();
    add_both(arr, "unix", "64", 20, 2.0, 40, 4.0, 2);
    add_both(arr, "qt-dbus", "64", 50, 1.0, 100, 9.0, 9); /* dbus did not run */
    add_both(arr, "qt-local", "1080p", 50, 1.0, 100, 9.0, 4); /* unix ran at 64 only */
    char *md = report_of(*state, arr);
    assert_null(strstr(md, "Qt over C"));
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pairs_ratios_and_counters, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_no_section_without_a_pair, gbf_setup_dir, gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
