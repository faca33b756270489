/* Tests for reading results back and the outputs derived from them: the
 * results.json loader (good, odd and bad inputs), results.csv, report.md and
 * the gnuplot plots, all on synthetic results written to a temporary dir. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "family.h"
#include "plots.h"
#include "report.h"
#include "resultset.h"
#include "runcli.h"

#define GBENCH_INPUTS "/usr/share/benchmark/gbench/Inputs"

static const char csv_header[] =
    "transport,mode,size,bytes,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,"
    "rtt_p50_us,mb_per_s,frames_per_s,cpu_per_gib_s,cpu_per_frame_us,copies,"
    "verify,late,dropped,repetitions,status,error,subscribers,"
    "samples,faults_per_frame,csw_per_frame,major_faults_per_frame,icsw_per_frame,steal_s";

/* ---- temporary directories and files ------------------------------------- */

static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/test_results_XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int teardown_dir(void **state)
{
    nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

static void path_in(char *out, const char *dir, const char *name)
{
    assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    path_in(path, dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The whole file as a string (caller frees); NULL if it cannot be read. */
static char *read_text(const char *dir, const char *name)
{
    char path[PATH_MAX];
    path_in(path, dir, name);
    return slurp_alloc(path);
}

static long file_size(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    path_in(path, dir, name);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Field i (0-based) of an unquoted CSV line, into out. */
static void csv_field(const char *line, int i, char *out, size_t n)
{
    for (; i > 0 && line; i--) {
        line = strchr(line, ',');
        line = line ? line + 1 : NULL;
    }
    assert_non_null(line);
    size_t len = strcspn(line, ",\n");
    assert_true(len < n);
    memcpy(out, line, len);
    out[len] = '\0';
}

/* ---- synthetic Google Benchmark JSON ------------------------------------- */

/* One entry as Google Benchmark writes it; agg NULL for an iteration. The
 * counters object is consumed. */
static json_t *gb_entry(const char *base, const char *agg, int rep, double real_time,
                        const char *unit, json_t *counters)
{
    char run_name[256], name[sizeof run_name + 32];
    snprintf(run_name, sizeof run_name, "%s/repeats:2/manual_time", base);
    snprintf(name, sizeof name, "%s%s%s", run_name, agg ? "_" : "", agg ? agg : "");
    json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:s}",
                          "name", name, "run_name", run_name,
                          "run_type", agg ? "aggregate" : "iteration",
                          "repetitions", 2, "repetition_index", rep,
                          "iterations", 100, "real_time", real_time,
                          "cpu_time", real_time / 10, "time_unit", unit);
    if (agg)
        json_object_set_new(e, "aggregate_name", json_string(agg));
    json_object_update(e, counters);
    json_decref(counters);
    return e;
}

static json_t *gb_root(json_t *benchmarks)
{
    return json_pack("{s:{s:s, s:s, s:i, s:b, s:[f,f,f], s:s, s:s, s:s, s:s, s:s}, s:o}",
                     "context", "date", "2024-05-01T12:00:00+00:00", "host_name", "testhost",
                     "num_cpus", 8, "cpu_scaling_enabled", 0, "load_avg", 0.5, 0.25, 0.125,
                     "campaign", "unit", "verify", "all", "kernel", "6.1.0-test",
                     "cpu_model", "Test CPU @ 3.0GHz", "command", "ipcbench run --campaign unit",
                     "benchmarks", benchmarks);
}

static void write_json(const char *dir, json_t *root)
{
    char path[PATH_MAX];
    path_in(path, dir, "results.json");
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(2)), 0);
    json_decref(root);
}

/* The campaign used by the CSV, report and plot tests: 2 transports x
 * 3 modes x 3 sizes, 2 repetitions each plus mean and median aggregates,
 * shm always best; unix/paced/4k fails. Also writes latency histograms. */
static const char *const transports[] = { "shm", "unix" };
static const char *const modes[] = { "latency", "throughput", "paced" };
static const struct { const char *label; double bytes; } sizes[] = {
    { "4k", 33177600 }, { "vga", 1228800 }, { "1080p", 8294400 },
};
#define FAIL_MSG "peer died, said \"boom\""

static json_t *campaign_counters(int t, const char *mode, double bytes, double scale)
{
    double lat = (t == 0 ? 50.0 : 400.0) * bytes / 8294400 * scale;
    json_t *c = json_pack("{s:f, s:f, s:f}", "bytes", bytes, "copies", t == 0 ? 0.0 : 2.0,
                          "frames", 1000.0);
    if (strcmp(mode, "throughput") == 0) {
        json_object_set_new(c, "mb_per_s", json_real((t == 0 ? 9000.0 : 3000.0) * scale));
        json_object_set_new(c, "cpu_per_gib_s", json_real(t == 0 ? 0.125 : 0.5));
        return c;
    }
    json_object_set_new(c, "p50_us", json_real(lat));
    json_object_set_new(c, "p90_us", json_real(lat * 1.5));
    json_object_set_new(c, "p99_us", json_real(lat * 2));
    json_object_set_new(c, "max_us", json_real(lat * 4));
    if (strcmp(mode, "paced") == 0) {
        json_object_set_new(c, "late", json_real(t == 0 ? 0.0 : 7.0));
        json_object_set_new(c, "dropped", json_real(0.0));
    }
    return c;
}

static void add_campaign_benchmark(json_t *arr, int t, const char *mode, int s)
{
    char base[128];
    snprintf(base, sizeof base, "%s/%s/%s", transports[t], mode, sizes[s].label);
    double bytes = sizes[s].bytes;
    if (t == 1 && strcmp(mode, "paced") == 0 && s == 0) {
        for (int rep = 0; rep < 2; rep++) {
            json_t *e = gb_entry(base, NULL, rep, 0, "us", json_pack("{s:f}", "bytes", bytes));
            json_object_set_new(e, "error_occurred", json_true());
            json_object_set_new(e, "error_message", json_string(FAIL_MSG));
            json_array_append_new(arr, e);
        }
        return;
    }
    json_array_append_new(arr, gb_entry(base, NULL, 0, 900, "us",
                                        campaign_counters(t, mode, bytes, 0.9)));
    json_array_append_new(arr, gb_entry(base, NULL, 1, 1100, "us",
                                        campaign_counters(t, mode, bytes, 1.1)));
    json_array_append_new(arr, gb_entry(base, "mean", 0, 1000, "us",
                                        campaign_counters(t, mode, bytes, 1.0)));
    json_array_append_new(arr, gb_entry(base, "median", 0, 1000, "us",
                                        campaign_counters(t, mode, bytes, 1.0)));
}

static void write_histogram(const char *dir, int t, const char *size)
{
    char name[128], text[512];
    double base = t == 0 ? 40 : 300;
    snprintf(name, sizeof name, "histograms/%s_latency_%s.dat", transports[t], size);
    snprintf(text, sizeof text, "# %s latency %s\n# samples 100, upper bound in us\n"
             "%g 10 0.1\n%g 50 0.6\n%g 30 0.9\n%g 10 1\n", transports[t], size,
             base, base * 1.2, base * 1.5, base * 3);
    write_text(dir, name, text);
}

static void write_campaign(const char *dir)
{
    json_t *arr = json_array();
    for (int m = 0; m < 3; m++)
        for (int t = 0; t < 2; t++)
            for (int s = 0; s < 3; s++)
                add_campaign_benchmark(arr, t, modes[m], s);
    write_json(dir, gb_root(arr));
    char hist[PATH_MAX];
    path_in(hist, dir, "histograms");
    assert_int_equal(mkdir(hist, 0755), 0);
    for (int t = 0; t < 2; t++)
        for (int s = 0; s < 3; s++)
            write_histogram(dir, t, sizes[s].label);
}

/* The fan-out campaign: qcop and unix at vga and 1080p (written in that
 * order, 1080p first) with 1, 2 and 4 subscribers, 2 repetitions (p50 x 0.9
 * and x 1.1) and the median each. p50 grows with the subscribers, slowly for
 * qcop (one send through the broker), fast for unix (one send per
 * subscriber): unix is best at 1 and 2 subscribers, qcop at 4. Next to them
 * a latency benchmark and a malformed fan-out name with a tempting p50 of 1. */
static const char *const fanout_transports[] = { "qcop", "unix" };
static const struct { const char *label; double bytes, factor; } fanout_sizes[] = {
    { "1080p", 8294400, 4 }, { "vga", 1228800, 1 },
};
static const int fanout_ks[] = { 1, 2, 4 };
#define FANOUT_ODD_NAME "qcop/fanout/vga/subscribers:x"

static double fanout_p50(int t, int s, int k)
{
    return fanout_sizes[s].factor * (t == 0 ? 100 + 10 * k : 5 + 50 * k);
}

static json_t *fanout_counters(int s, int k, double p50)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "p50_us", p50, "p99_us", 2 * p50,
                     "subscribers", (double)k, "bytes", fanout_sizes[s].bytes,
                     "copies", 1.0, "frames", 1000.0);
}

static void add_fanout_benchmark(json_t *arr, const char *name, int s, int k, double p50)
{
    json_array_append_new(arr, gb_entry(name, NULL, 0, 900, "us",
                                        fanout_counters(s, k, p50 * 0.9)));
    json_array_append_new(arr, gb_entry(name, NULL, 1, 1100, "us",
                                        fanout_counters(s, k, p50 * 1.1)));
    json_array_append_new(arr, gb_entry(name, "median", 0, 1000, "us",
                                        fanout_counters(s, k, p50)));
}

/* With baseline set, the baseline of the comparison test: qcop the same,
 * unix faster by a factor 1 + K/4, so that the campaign's unix is +25%,
 * +50% and +100% at K = 1, 2, 4. */
static void write_fanout_campaign(const char *dir, int baseline)
{
    json_t *arr = json_array();
    for (int t = 0; t < 2; t++)
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < 3; i++) {
                int k = fanout_ks[i];
                char name[128];
                snprintf(name, sizeof name, "%s/fanout/%s/subscribers:%d",
                         fanout_transports[t], fanout_sizes[s].label, k);
                double p50 = fanout_p50(t, s, k);
                add_fanout_benchmark(arr, name, s, k, baseline && t == 1 ? p50 / (1 + k / 4.0)
                                                                         : p50);
            }
    add_campaign_benchmark(arr, 1, "latency", 1);
    add_fanout_benchmark(arr, FANOUT_ODD_NAME, 1, 4, 1.0);
    write_json(dir, gb_root(arr));
}

/* ---- loading ------------------------------------------------------------- */

static void test_load_repetitions_and_median(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_int_equal(rs.nresults, 18);

    const ipcb_result *r = ipcb_resultset_find(&rs, "shm/latency/1080p");
    assert_non_null(r);
    assert_string_equal(r->transport, "shm");
    assert_string_equal(r->mode, "latency");
    assert_string_equal(r->size, "1080p");
    assert_int_equal(r->bytes, 8294400);
    assert_false(r->failed);
    assert_int_equal(r->nruns, 2);
    assert_float_equal(r->runs[0].counter[IPCB_C_P50_US], 45.0, 1e-9);
    assert_float_equal(r->runs[1].counter[IPCB_C_P50_US], 55.0, 1e-9);
    assert_float_equal(r->summary.counter[IPCB_C_P50_US], 50.0, 1e-9); /* the median */
    assert_float_equal(r->summary.counter[IPCB_C_MAX_US], 200.0, 1e-9);
    assert_float_equal(r->summary.real_time_us, 1000.0, 1e-9);
    assert_float_equal(r->summary.counter[IPCB_C_COPIES], 0.0, 0);
    assert_true(isnan(r->summary.counter[IPCB_C_MB_PER_S]));
    assert_true(isnan(r->summary.counter[IPCB_C_LATE]));
    assert_true(isnan(r->summary.counter[IPCB_C_P999_US]));

    assert_null(ipcb_resultset_find(&rs, "shm/latency/1080p/manual_time"));
    assert_string_equal(ipcb_resultset_context(&rs, "campaign"), "unit");
    assert_string_equal(ipcb_resultset_context(&rs, "num_cpus"), "8");
    assert_string_equal(ipcb_resultset_context(&rs, "cpu_scaling_enabled"), "false");
    assert_string_equal(ipcb_resultset_context(&rs, "load_avg"), "0.5 0.25 0.125");
    assert_null(ipcb_resultset_context(&rs, "no_such_key"));

    const char *ts[4];
    assert_int_equal(ipcb_resultset_transports(&rs, "paced", ts), 2);
    assert_string_equal(ts[0], "shm");
    assert_string_equal(ts[1], "unix");
    ipcb_resultset_free(&rs);
    assert_int_equal(rs.nresults, 0);
    assert_null(rs.results);
}

static void test_load_failed_benchmark(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    ipcb_resultset rs;
    char err[256];
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    const ipcb_result *r = ipcb_resultset_find(&rs, "unix/paced/4k");
    assert_non_null(r);
    assert_true(r->failed);
    assert_string_equal(r->error, FAIL_MSG);
    assert_int_equal(r->nruns, 2);
    assert_int_equal(r->bytes, 33177600);
    assert_false(ipcb_resultset_find(&rs, "shm/paced/4k")->failed);
    ipcb_resultset_free(&rs);
}

/* Entries without run_name (suffixes stripped from name), in ns, us, ms and s. */
static void test_load_time_units_and_names(void **state)
{
    const char *dir = *state;
    write_text(dir, "results.json",
        "{\"context\": {\"verify\": \"none\"}, \"benchmarks\": [\n"
        " {\"name\": \"a/latency/vga/manual_time\", \"run_type\": \"iteration\",\n"
        "  \"real_time\": 1500, \"time_unit\": \"ns\", \"p50_us\": 1.25},\n"
        " {\"name\": \"b/latency/vga/repeats:3/real_time\", \"run_type\": \"iteration\",\n"
        "  \"real_time\": 1500, \"time_unit\": \"us\"},\n"
        " {\"name\": \"c/latency/vga/manual_time_median\", \"run_type\": \"aggregate\",\n"
        "  \"aggregate_name\": \"median\", \"real_time\": 1.5, \"time_unit\": \"ms\"},\n"
        " {\"name\": \"d/latency/vga\", \"run_type\": \"iteration\",\n"
        "  \"real_time\": 2, \"time_unit\": \"s\"},\n"
        " {\"name\": \"only/two\", \"run_type\": \"iteration\", \"real_time\": 1},\n"
        " {\"name\": \"a/b/c/d\", \"run_type\": \"iteration\", \"real_time\": 1},\n"
        " {\"name\": \"e/latency/vga_cv\", \"run_type\": \"aggregate\", \"real_time\": 1,\n"
        "  \"aggregate_name\": \"cv\", \"time_unit\": \"ns\", \"p50_us\": NaN, \"max_us\": -NaN}\n"
        "]}\n");
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_int_equal(rs.nresults, 7);
    assert_float_equal(ipcb_resultset_find(&rs, "a/latency/vga")->summary.real_time_us, 1.5, 1e-12);
    assert_float_equal(ipcb_resultset_find(&rs, "a/latency/vga")->summary.counter[IPCB_C_P50_US],
                       1.25, 1e-12);
    assert_float_equal(ipcb_resultset_find(&rs, "b/latency/vga")->summary.real_time_us, 1500, 1e-9);
    const ipcb_result *c = ipcb_resultset_find(&rs, "c/latency/vga");
    assert_non_null(c);
    assert_int_equal(c->nruns, 0);
    assert_float_equal(c->summary.real_time_us, 1500, 1e-9);
    assert_float_equal(ipcb_resultset_find(&rs, "d/latency/vga")->summary.real_time_us, 2e6, 1e-6);

    const ipcb_result *two = ipcb_resultset_find(&rs, "only/two");
    assert_non_null(two);
    assert_string_equal(two->transport, "");
    assert_string_equal(two->mode, "");
    assert_string_equal(ipcb_resultset_find(&rs, "a/b/c/d")->size, "");

    const ipcb_result *e = ipcb_resultset_find(&rs, "e/latency/vga");
    assert_true(isnan(e->summary.counter[IPCB_C_P50_US]));   /* bare NaN: absent */
    assert_true(isnan(e->summary.counter[IPCB_C_MAX_US]));
    ipcb_resultset_free(&rs);
}

/* Real Google Benchmark output (no ipcbench names, some without run_type). */
static void test_load_gbench_inputs(void **state)
{
    (void)state;
    static const char *const files[] = { "test1_run1.json", "test3_run0.json", "test4_run.json" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[PATH_MAX];
        path_in(path, GBENCH_INPUTS, files[i]);
        if (access(path, R_OK) != 0)
            skip();
        ipcb_resultset rs;
        char err[256] = "";
        assert_int_equal(ipcb_resultset_load(&rs, path, err, sizeof err), 0);
        assert_true(rs.nresults > 0);
        ipcb_resultset_free(&rs);
    }
    char path[PATH_MAX];
    path_in(path, GBENCH_INPUTS, "test1_run1.json");
    ipcb_resultset rs;
    char err[256];
    assert_int_equal(ipcb_resultset_load(&rs, path, err, sizeof err), 0);
    const ipcb_result *r = ipcb_resultset_find(&rs, "BM_SameTimes");
    assert_non_null(r);
    assert_string_equal(r->transport, "");
    assert_int_equal(r->nruns, 1);
    assert_float_equal(r->summary.real_time_us, 0.01, 1e-12);
    assert_string_equal(ipcb_resultset_context(&rs, "num_cpus"), "4");
    ipcb_resultset_free(&rs);
}

static void expect_load_error(const char *path, const char *needle)
{
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, path, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_int_equal(rs.nresults, 0);
    assert_null(rs.results);
}

static void expect_bad_json(const char *dir, const char *text, const char *needle)
{
    write_text(dir, "results.json", text);
    expect_load_error(dir, needle);
}

static void test_load_bad_inputs(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    path_in(path, dir, "missing.json");
    expect_load_error(path, "No such file");
    expect_load_error(dir, "no results.json");
    expect_bad_json(dir, "", "line");
    expect_bad_json(dir, "{\"context\": {}, \"benchmarks\": [{\"name\": \"x\",", "line 1");
    expect_bad_json(dir, "{\"benchmarks\": [\n{\"name\": \"x\" \"run_type\": 1}]}", "line 2");
    expect_bad_json(dir, "[1, 2, 3]", "not an object");
    expect_bad_json(dir, "\"text\"", "not an object");
    expect_bad_json(dir, "{\"a\": 1}", "no \"benchmarks\" array");
    expect_bad_json(dir, "{\"benchmarks\": {}}", "no \"benchmarks\" array");
    expect_bad_json(dir, "{\"benchmarks\": []}", "no benchmarks");
    expect_bad_json(dir, "{\"benchmarks\": [1, 2]}", "benchmarks[0]");
    expect_bad_json(dir, "{\"benchmarks\": [{\"foo\": 1}]}", "no \"name\"");
    expect_bad_json(dir, "{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\"}, "
                         "{\"name\": \"y\"}]}", "benchmarks[1]");
}

static void test_load_fanout(void **state)
{
    const char *dir = *state;
    write_fanout_campaign(dir, 0);
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_int_equal(rs.nresults, 2 * 2 * 3 + 2);
    for (int t = 0; t < 2; t++)
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < 3; i++) {
                int k = fanout_ks[i];
                char name[128];
                snprintf(name, sizeof name, "%s/fanout/%s/subscribers:%d",
                         fanout_transports[t], fanout_sizes[s].label, k);
                const ipcb_result *r = ipcb_resultset_find(&rs, name);
                if (!r)
                    fail_msg("no result %s", name);
                assert_string_equal(r->name, name);
                assert_string_equal(r->transport, fanout_transports[t]);
                assert_string_equal(r->mode, "fanout");
                assert_string_equal(r->size, fanout_sizes[s].label);
                assert_int_equal(r->subscribers, k);
                assert_int_equal(r->bytes, (uint64_t)fanout_sizes[s].bytes);
                assert_int_equal(r->nruns, 2);
                assert_float_equal(r->summary.counter[IPCB_C_SUBSCRIBERS], k, 0);
                assert_float_equal(r->summary.counter[IPCB_C_P50_US], fanout_p50(t, s, k), 1e-9);
                assert_float_equal(r->runs[1].counter[IPCB_C_P50_US],
                                   fanout_p50(t, s, k) * 1.1, 1e-9);
            }
    const ipcb_result *lat = ipcb_resultset_find(&rs, "unix/latency/vga");
    assert_non_null(lat);
    assert_int_equal(lat->subscribers, 0);
    assert_true(isnan(lat->summary.counter[IPCB_C_SUBSCRIBERS]));

    /* The name of another transport's benchmark in the same place. */
    char name[128];
    ipcb_benchmark_name(name, sizeof name, "tcp",
                        ipcb_resultset_find(&rs, "qcop/fanout/vga/subscribers:4"));
    assert_string_equal(name, "tcp/fanout/vga/subscribers:4");
    ipcb_benchmark_name(name, sizeof name, "memcpy", lat);
    assert_string_equal(name, "memcpy/latency/vga");

    /* The table rows of fanout mode: by bytes, then subscribers. */
    const ipcb_result *rows[16];
    static const struct { const char *size; int k; } want[] = {
        { "vga", 1 }, { "vga", 2 }, { "vga", 4 }, { "1080p", 1 }, { "1080p", 2 }, { "1080p", 4 },
    };
    assert_int_equal(ipcb_resultset_rows(&rs, "fanout", rows), 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(rows[i]->size, want[i].size);
        assert_int_equal(rows[i]->subscribers, want[i].k);
    }
    assert_int_equal(ipcb_resultset_rows(&rs, "latency", rows), 1);
    assert_int_equal(rows[0]->subscribers, 0);
    const char *ts[16];
    assert_int_equal(ipcb_resultset_transports(&rs, "fanout", ts), 2);
    assert_string_equal(ts[0], "qcop");
    assert_string_equal(ts[1], "unix");
    ipcb_resultset_free(&rs);
}

/* A subscribers component that is not a positive whole number makes the name
 * as odd as any other: it loads, with empty parts and no subscribers. */
static void test_load_fanout_odd_names(void **state)
{
    const char *dir = *state;
    static const char *const odd[] = {
        FANOUT_ODD_NAME, "qcop/fanout/vga/subscribers:", "qcop/fanout/vga/subscribers:0",
        "qcop/fanout/vga/subscribers:-2", "qcop/fanout/vga/subscribers:+2",
        "qcop/fanout/vga/subscribers: 2", "qcop/fanout/vga/subscribers:04",
        "qcop/fanout/vga/subscribers:4x", "qcop/fanout/vga/subscribers:99999999999999999999",
        "qcop/fanout/vga/subscribers:4/extra", "qcop/fanout/vga/clients:4",
        "qcop/fanout//subscribers:4", "subscribers:4",
    };
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        add_fanout_benchmark(arr, odd[i], 1, 4, 10.0);
    add_fanout_benchmark(arr, "qcop/fanout/vga/subscribers:16", 1, 16, 10.0);
    write_json(dir, gb_root(arr));

    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_int_equal(rs.nresults, sizeof odd / sizeof odd[0] + 1);
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        const ipcb_result *r = ipcb_resultset_find(&rs, odd[i]);
        if (!r)
            fail_msg("no result %s", odd[i]);
        if (r->transport[0] || r->mode[0] || r->size[0] || r->subscribers != 0)
            fail_msg("%s: parsed as \"%s\" \"%s\" \"%s\" %d", odd[i], r->transport, r->mode,
                     r->size, r->subscribers);
        assert_int_equal(r->nruns, 2);
    }
    const ipcb_result *good = ipcb_resultset_find(&rs, "qcop/fanout/vga/subscribers:16");
    assert_non_null(good);
    assert_string_equal(good->size, "vga");
    assert_int_equal(good->subscribers, 16);
    const ipcb_result *rows[32];
    assert_int_equal(ipcb_resultset_rows(&rs, "fanout", rows), 1);

    /* The CSV and the report take them like any odd name. */
    char path[PATH_MAX];
    path_in(path, dir, "results.csv");
    assert_int_equal(ipcb_csv_write(&rs, path, err, sizeof err), 0);
    ipcb_resultset_free(&rs);
    char *csv = read_text(dir, "results.csv"), cell[64];
    const char *row = strstr(csv, "\n" FANOUT_ODD_NAME ",");
    assert_non_null(row);
    row++;
    csv_field(row, 1, cell, sizeof cell);   assert_string_equal(cell, "");  /* mode */
    csv_field(row, 2, cell, sizeof cell);   assert_string_equal(cell, "");  /* size */
    csv_field(row, 4, cell, sizeof cell);   assert_string_equal(cell, "10");
    csv_field(row, 20, cell, sizeof cell);  assert_string_equal(cell, "ok");
    csv_field(row, 22, cell, sizeof cell);  assert_string_equal(cell, "");  /* subscribers */
    free(csv);
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, "| vga (1.23 MB), 16 subscribers | **10.0 ★** |\n\n"));
    free(md);
}

/* ---- results.csv --------------------------------------------------------- */

/* The rows of the Markdown table under heading, in order, are exactly want. */
static void expect_table(const char *md, const char *heading, const char *const *want,
                         size_t n)
{
    const char *h = strstr(md, heading);
    if (!h)
        fail_msg("no \"%s\" in report.md", heading);
    const char *sep = strstr(h, "\n|---");
    assert_non_null(sep);
    const char *row = strchr(sep + 1, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(row, "\n");
        if (len != strlen(want[i]) || strncmp(row, want[i], len) != 0)
            fail_msg("%s, row %zu: expected\n  %s\ngot\n  %.*s", heading, i, want[i],
                     (int)len, row);
        row += len + (row[len] == '\n');
    }
    if (*row == '|')
        fail_msg("%s: an extra row %.*s", heading, (int)strcspn(row, "\n"), row);
}

static void test_csv(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    ipcb_resultset rs;
    char err[256] = "", path[PATH_MAX];
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    path_in(path, dir, "results.csv");
    assert_int_equal(ipcb_csv_write(&rs, path, err, sizeof err), 0);
    ipcb_resultset_free(&rs);
    assert_int_equal(file_size(dir, "results.csv.tmp"), -1);

    char *csv = read_text(dir, "results.csv");
    assert_non_null(csv);
    assert_memory_equal(csv, csv_header, strlen(csv_header));
    assert_int_equal(csv[strlen(csv_header)], '\n');

    /* Sorted by mode, transport, bytes. */
    static const char *const order[] = {
        "shm,latency,vga,", "shm,latency,1080p,", "shm,latency,4k,",
        "unix,latency,vga,", "unix,latency,1080p,", "unix,latency,4k,",
        "shm,paced,vga,", "shm,paced,1080p,", "shm,paced,4k,",
        "unix,paced,vga,", "unix,paced,1080p,", "unix,paced,4k,",
        "shm,throughput,vga,", "shm,throughput,1080p,", "shm,throughput,4k,",
        "unix,throughput,vga,", "unix,throughput,1080p,", "unix,throughput,4k,",
    };
    const char *line = strchr(csv, '\n') + 1;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (strncmp(line, order[i], strlen(order[i])) != 0)
            fail_msg("row %zu: expected %s, got %.40s", i, order[i], line);
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(*line, '\0');

    /* A latency row: numbers, empty cells for absent counters, verify, reps. */
    const char *lat = strstr(csv, "shm,latency,1080p,");
    char cell[64];
    csv_field(lat, 3, cell, sizeof cell);   assert_string_equal(cell, "8294400");
    csv_field(lat, 4, cell, sizeof cell);   assert_string_equal(cell, "50");
    csv_field(lat, 5, cell, sizeof cell);   assert_string_equal(cell, "75");
    csv_field(lat, 7, cell, sizeof cell);   assert_string_equal(cell, "");   /* p999 */
    csv_field(lat, 11, cell, sizeof cell);  assert_string_equal(cell, "");   /* mb_per_s */
    csv_field(lat, 15, cell, sizeof cell);  assert_string_equal(cell, "0");  /* copies */
    csv_field(lat, 16, cell, sizeof cell);  assert_string_equal(cell, "all");
    csv_field(lat, 17, cell, sizeof cell);  assert_string_equal(cell, "");   /* late */
    csv_field(lat, 19, cell, sizeof cell);  assert_string_equal(cell, "2");
    csv_field(lat, 20, cell, sizeof cell);  assert_string_equal(cell, "ok");
    csv_field(lat, 21, cell, sizeof cell);  assert_string_equal(cell, "");
    csv_field(lat, 22, cell, sizeof cell);  assert_string_equal(cell, "");   /* subscribers */
    assert_int_equal(lat[strcspn(lat, "\n") - 1], ',');                     /* the last cell */
    const char *tp = strstr(csv, "shm,throughput,vga,");
    csv_field(tp, 13, cell, sizeof cell);   assert_string_equal(cell, "0.125");

    /* The failed row: RFC 4180 quoting of a message with a comma and quotes. */
    const char *failed = strstr(csv, "unix,paced,4k,");
    assert_non_null(failed);
    assert_non_null(strstr(failed, ",failed,\"peer died, said \"\"boom\"\"\",,,,,,,\n"));
    free(csv);
}

/* The CSV of the campaign in dir, read back (caller frees). */
static char *csv_of(const char *dir)
{
    ipcb_resultset rs;
    char err[256] = "", path[PATH_MAX];
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    path_in(path, dir, "results.csv");
    assert_int_equal(ipcb_csv_write(&rs, path, err, sizeof err), 0);
    ipcb_resultset_free(&rs);
    char *csv = read_text(dir, "results.csv");
    assert_non_null(csv);
    return csv;
}

static void test_csv_fanout(void **state)
{
    const char *dir = *state;
    write_fanout_campaign(dir, 0);
    char *csv = csv_of(dir);
    assert_memory_equal(csv, csv_header, strlen(csv_header));

    /* Sorted by mode, transport, bytes, subscribers; the subscribers last. */
    static const struct { const char *prefix, *subscribers, *p50; } order[] = {
        { FANOUT_ODD_NAME ",,,", "", "1" },
        { "qcop,fanout,vga,", "1", "110" }, { "qcop,fanout,vga,", "2", "120" },
        { "qcop,fanout,vga,", "4", "140" }, { "qcop,fanout,1080p,", "1", "440" },
        { "qcop,fanout,1080p,", "2", "480" }, { "qcop,fanout,1080p,", "4", "560" },
        { "unix,fanout,vga,", "1", "55" }, { "unix,fanout,vga,", "2", "105" },
        { "unix,fanout,vga,", "4", "205" }, { "unix,fanout,1080p,", "1", "220" },
        { "unix,fanout,1080p,", "2", "420" }, { "unix,fanout,1080p,", "4", "820" },
        { "unix,latency,vga,", "", "59.2593" },
    };
    const char *line = strchr(csv, '\n') + 1;
    char cell[64];
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (strncmp(line, order[i].prefix, strlen(order[i].prefix)) != 0)
            fail_msg("row %zu: expected %s, got %.40s", i, order[i].prefix, line);
        csv_field(line, 22, cell, sizeof cell);
        if (strcmp(cell, order[i].subscribers) != 0)
            fail_msg("row %zu (%s): subscribers \"%s\", expected \"%s\"", i, order[i].prefix,
                     cell, order[i].subscribers);
        csv_field(line, 4, cell, sizeof cell);
        assert_string_equal(cell, order[i].p50);
        csv_field(line, 20, cell, sizeof cell);
        assert_string_equal(cell, "ok");
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(*line, '\0');
    free(csv);
}

/* Subscriber counts sort as numbers (2 before 16, unlike their names), in
 * the CSV and in the report. */
static void test_fanout_sorted_by_number(void **state)
{
    const char *dir = *state;
    json_t *arr = json_array();
    add_fanout_benchmark(arr, "qcop/fanout/vga/subscribers:16", 1, 16, 300);
    add_fanout_benchmark(arr, "qcop/fanout/vga/subscribers:2", 1, 2, 120);
    write_json(dir, gb_root(arr));
    char *csv = csv_of(dir), cell[64];
    const char *first = strchr(csv, '\n') + 1, *second = strchr(first, '\n') + 1;
    csv_field(first, 22, cell, sizeof cell);
    assert_string_equal(cell, "2");
    csv_field(second, 22, cell, sizeof cell);
    assert_string_equal(cell, "16");
    free(csv);

    char err[256] = "";
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    static const char *const rows[] = {
        "| vga (1.23 MB), 2 subscribers | **120 ★** |",
        "| vga (1.23 MB), 16 subscribers | **300 ★** |",
    };
    expect_table(md, "### Fanout", rows, 2);
    free(md);
}

static void test_csv_unwritable(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    ipcb_resultset rs;
    char err[256] = "", path[PATH_MAX];
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    path_in(path, dir, "no/such/dir/results.csv");
    assert_int_equal(ipcb_csv_write(&rs, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "results.csv.tmp"));
    ipcb_resultset_free(&rs);
}

/* ---- report.md ----------------------------------------------------------- */

/* The table line starting with prefix that follows heading in text. */
static const char *table_row(const char *text, const char *heading, const char *prefix)
{
    const char *h = strstr(text, heading);
    assert_non_null(h);
    char needle[64];
    snprintf(needle, sizeof needle, "\n%s", prefix);
    const char *row = strstr(h, needle);
    assert_non_null(row);
    return row + 1;
}

static int row_contains(const char *row, const char *what)
{
    size_t len = strcspn(row, "\n");
    const char *p = strstr(row, what);
    return p && (size_t)(p - row) < len;
}

static void test_report(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    char err[256] = "";
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    assert_int_equal(file_size(dir, "report.md.tmp"), -1);
    char *md = read_text(dir, "report.md");
    assert_non_null(md);
    static const char *const must[] = {
        "# ipcbench report: unit, 2024-05-01", "## Environment", "| Host | testhost |",
        "| Kernel | 6.1.0-test |", "| CPU model | Test CPU @ 3.0GHz |", "| Cores | 8 |",
        "| Load average (1, 5, 15 min) | 0.5 0.25 0.125 |", "| Verify policy | all |",
        "| Command | ipcbench run --campaign unit |",
        "## Method", "CLOCK_MONOTONIC", "t1 - t0", "round trip", "window",
        "coordinated omission", "late", "dropped", "per GiB", "memcpy",
        "## Results", "### Latency: one-way p50 (µs)", "### Latency: one-way p99 (µs)",
        "### Throughput (MB/s)", "### Paced", "## Failures", "## CPU cost", "## Copies",
        "## Plots", "No plots yet", "## Files", "`results.json`",
        "| size | shm | unix |",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(md, must[i]))
            fail_msg("report.md lacks \"%s\"", must[i]);

    /* Sizes ordered by bytes; the best transport per row in bold with a star. */
    const char *p50 = strstr(md, "### Latency: one-way p50");
    const char *vga = strstr(p50, "| vga ("), *hd = strstr(p50, "| 1080p ("), *k4 = strstr(p50, "| 4k (");
    assert_true(vga && hd && k4 && vga < hd && hd < k4);
    assert_true(row_contains(table_row(md, "### Latency: one-way p50", "| 1080p"),
                "| **50.0 ★** | 400 |"));
    assert_true(row_contains(table_row(md, "### Throughput", "| 1080p"),
                "| **9000 ★** | 3000 |"));
    assert_true(row_contains(table_row(md, "### Paced", "| 1080p"),
                "| **100 (0 late) ★** | 800 (7 late) |"));
    assert_true(row_contains(table_row(md, "### Paced", "| 4k"), "| failed |"));
    assert_true(row_contains(table_row(md, "## CPU cost", "| vga"), "| **0.125 ★** | 0.500 |"));
    assert_true(row_contains(table_row(md, "## Copies", "| unix"), "| 2 |"));

    /* The failure, listed with its message. */
    assert_non_null(strstr(strstr(md, "## Failures"), "- `unix/paced/4k`: " FAIL_MSG "\n"));

    /* No page-fault or context-switch counters (an older file): no section on them. */
    assert_null(strstr(md, "Counters that explain"));

    /* No fanout results: no fanout table, no word on fan-out. */
    assert_null(strstr(md, "### Fanout"));
    assert_null(strstr(md, "Fan-out"));
    free(md);
}

/* The fanout table of the fan-out campaign: a row per size and number of
 * subscribers, by bytes then subscribers, the malformed name left out. */
static const char *const fanout_rows[] = {
    "| vga (1.23 MB), 1 subscriber | 110 | **55.0 ★** |",
    "| vga (1.23 MB), 2 subscribers | 120 | **105 ★** |",
    "| vga (1.23 MB), 4 subscribers | **140 ★** | 205 |",
    "| 1080p (8.29 MB), 1 subscriber | 440 | **220 ★** |",
    "| 1080p (8.29 MB), 2 subscribers | 480 | **420 ★** |",
    "| 1080p (8.29 MB), 4 subscribers | **560 ★** | 820 |",
};
#define FANOUT_HEADING "### Fanout: p50 latency until the last subscriber has the frame (µs)"

static void test_report_fanout(void **state)
{
    const char *dir = *state;
    write_fanout_campaign(dir, 0);
    char err[256] = "";
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, FANOUT_HEADING "\n"));
    assert_non_null(strstr(strstr(md, FANOUT_HEADING), "\n| size, subscribers | qcop | unix |\n"));
    expect_table(md, FANOUT_HEADING, fanout_rows, sizeof fanout_rows / sizeof fanout_rows[0]);
    /* The other modes keep their size-only rows. */
    static const char *const latency_rows[] = { "| vga (1.23 MB) | **59.3 ★** |" };
    expect_table(md, "### Latency: one-way p50", latency_rows, 1);

    /* The method says what fan-out measures. */
    const char *method = strstr(md, "## Method");
    assert_non_null(method);
    const char *fanout = strstr(method, "- **Fan-out**: one sender, K subscriber processes.");
    assert_non_null(fanout);
    assert_true(fanout < strstr(md, "## Results"));
    static const char *const words[] = { "*last* subscriber", "`qcop`, `qcop-fd`",
                                         "once, through the broker", "`unix`, `tcp`",
                                         "one connection per subscriber, one after another" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!row_contains(fanout, words[i]))
            fail_msg("the fan-out method item lacks \"%s\"", words[i]);
    free(md);

    /* The HTML says the same. */
    char *html = read_text(dir, "report.html");
    assert_non_null(html);
    /* The row label sorts by bytes, then subscribers (1228800 + 4/100). */
    assert_non_null(strstr(html, "<td data-sort=\"1228800.04\">vga (1.23 MB), 4 subscribers</td>"
                                 "<td class=\"num best\"><strong>140 ★</strong></td>"
                                 "<td class=\"num\">205</td>"));
    assert_non_null(strstr(html, "<li><strong>Fan-out</strong>: one sender"));
    free(html);
}

/* Against a baseline, every (size, subscribers) row has its own change. */
static void test_report_fanout_baseline(void **state)
{
    const char *dir = *state;
    char run[PATH_MAX], base[PATH_MAX];
    path_in(run, dir, "run");
    path_in(base, dir, "base");
    assert_int_equal(mkdir(run, 0755), 0);
    assert_int_equal(mkdir(base, 0755), 0);
    write_fanout_campaign(run, 0);
    write_fanout_campaign(base, 1);
    char err[512] = "";
    if (ipcb_report_write_baseline(run, base, err, sizeof err) != 0)
        fail_msg("ipcb_report_write_baseline: %s", err);
    char *md = read_text(run, "report.md");
    assert_non_null(md);
    assert_non_null(strstr(strstr(md, FANOUT_HEADING),
                           "\n| size, subscribers | qcop | qcop Δ | unix | unix Δ |\n"));
    static const char *const rows[] = {
        "| vga (1.23 MB), 1 subscriber | 110 | +0.0% | **55.0 ★** | **+25.0% slower** |",
        "| vga (1.23 MB), 2 subscribers | 120 | +0.0% | **105 ★** | **+50.0% slower** |",
        "| vga (1.23 MB), 4 subscribers | **140 ★** | +0.0% | 205 | **+100.0% slower** |",
        "| 1080p (8.29 MB), 1 subscriber | 440 | +0.0% | **220 ★** | **+25.0% slower** |",
        "| 1080p (8.29 MB), 2 subscribers | 480 | +0.0% | **420 ★** | **+50.0% slower** |",
        "| 1080p (8.29 MB), 4 subscribers | **560 ★** | +0.0% | 820 | **+100.0% slower** |",
    };
    expect_table(md, FANOUT_HEADING, rows, sizeof rows / sizeof rows[0]);
    /* The comparison lists the fan-out regressions by name. */
    assert_non_null(strstr(md, "`unix/fanout/vga/subscribers:4`"));
    free(md);
}

static void test_report_no_results(void **state)
{
    char err[256] = "";
    assert_int_equal(ipcb_report_write(*state, err, sizeof err), -1);
    assert_non_null(strstr(err, "no results.json"));
}

/* ---- sample support ------------------------------------------------------ */

/* Runs of few frames, as the runner writes them: p99_us and rtt_p99_us only
 * from 100 frames, p999_us only from 1000, and the cost counters always.
 * unix/latency/thumb: 3 runs of 36 frames (no percentile above p90);
 * shm/latency/thumb: 3 runs of 500 (p99 but no p99.9); unix/paced/thumb:
 * 3 runs of 12, 1 late; tcp/latency/thumb: 3 runs of 200, the last failed. */
#define THUMB_BYTES 65536.0

static json_t *sparse_counters(double frames, double p50, double faults, double csw)
{
    json_t *c = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "bytes", THUMB_BYTES,
                          "copies", 2.0, "frames", frames, "p50_us", p50, "p90_us", 1.5 * p50,
                          "faults_per_frame", faults, "csw_per_frame", csw,
                          "major_faults_per_frame", faults / 8, "icsw_per_frame", csw / 4);
    if (frames >= 100) {
        json_object_set_new(c, "p99_us", json_real(2 * p50));
        json_object_set_new(c, "rtt_p99_us", json_real(4 * p50));
    }
    if (frames >= 1000)
        json_object_set_new(c, "p999_us", json_real(3 * p50));
    return c;
}

static void add_sparse_benchmark(json_t *arr, const char *name, double frames, double p50,
                                 double faults, double csw, double late)
{
    for (int rep = 0; rep < 3; rep++) {
        json_t *c = sparse_counters(frames, p50 * (0.9 + 0.1 * rep), faults, csw);
        if (late >= 0)
            json_object_set_new(c, "late", json_real(late));
        json_array_append_new(arr, gb_entry(name, NULL, rep, p50, "us", c));
    }
    json_t *median = sparse_counters(frames, p50, faults, csw);
    if (late >= 0)
        json_object_set_new(median, "late", json_real(late));
    json_array_append_new(arr, gb_entry(name, "median", 0, p50, "us", median));
}

static void write_sparse_campaign(const char *dir)
{
    json_t *arr = json_array();
    add_sparse_benchmark(arr, "shm/latency/thumb", 500, 10, 0.5, 2, -1);
    add_sparse_benchmark(arr, "unix/latency/thumb", 36, 40, 12, 4, -1);
    add_sparse_benchmark(arr, "unix/paced/thumb", 12, 80, 3, 6, 1);
    add_sparse_benchmark(arr, "tcp/latency/thumb", 200, 60, 1, 3, -1);
    json_t *last = json_array_get(arr, json_array_size(arr) - 2);  /* tcp's third run */
    json_object_set_new(last, "error_occurred", json_true());
    json_object_set_new(last, "error_message", json_string("peer hung"));
    write_json(dir, gb_root(arr));
}

static void test_load_samples(void **state)
{
    const char *dir = *state;
    write_sparse_campaign(dir);
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    const ipcb_result *unix_lat = ipcb_resultset_find(&rs, "unix/latency/thumb");
    const ipcb_result *shm = ipcb_resultset_find(&rs, "shm/latency/thumb");
    const ipcb_result *tcp = ipcb_resultset_find(&rs, "tcp/latency/thumb");
    assert_true(unix_lat && shm && tcp);
    /* the sum over the repetitions, not the median aggregate's frames */
    assert_int_equal(unix_lat->samples, 3 * 36);
    assert_int_equal(unix_lat->frames_per_run, 36);
    assert_int_equal(shm->samples, 3 * 500);
    assert_int_equal(tcp->samples, 2 * 200);       /* the failed run measured nothing */
    assert_int_equal(tcp->frames_per_run, 200);

    assert_true(isnan(unix_lat->summary.counter[IPCB_C_P99_US]));
    assert_true(isnan(unix_lat->runs[2].counter[IPCB_C_RTT_P99_US]));
    assert_float_equal(shm->summary.counter[IPCB_C_P99_US], 20, 1e-9);
    assert_true(isnan(shm->summary.counter[IPCB_C_P999_US]));
    assert_float_equal(unix_lat->summary.counter[IPCB_C_FAULTS_PER_FRAME], 12, 1e-9);
    assert_float_equal(unix_lat->summary.counter[IPCB_C_MAJOR_FAULTS_PER_FRAME], 1.5, 1e-9);
    assert_float_equal(unix_lat->summary.counter[IPCB_C_CSW_PER_FRAME], 4, 1e-9);
    assert_float_equal(unix_lat->runs[0].counter[IPCB_C_ICSW_PER_FRAME], 1, 1e-9);

    /* absent because of too few frames, or not */
    assert_int_equal(ipcb_counter_min_frames(IPCB_C_P99_US), 100);
    assert_int_equal(ipcb_counter_min_frames(IPCB_C_RTT_P99_US), 100);
    assert_int_equal(ipcb_counter_min_frames(IPCB_C_P999_US), 1000);
    assert_int_equal(ipcb_counter_min_frames(IPCB_C_P50_US), 0);
    assert_true(ipcb_result_too_few_frames(unix_lat, IPCB_C_P99_US));
    assert_true(ipcb_result_too_few_frames(unix_lat, IPCB_C_RTT_P99_US));
    assert_false(ipcb_result_too_few_frames(unix_lat, IPCB_C_P50_US));
    assert_false(ipcb_result_too_few_frames(shm, IPCB_C_P99_US));
    assert_true(ipcb_result_too_few_frames(shm, IPCB_C_P999_US));
    assert_false(ipcb_result_too_few_frames(shm, IPCB_C_MB_PER_S));
    ipcb_resultset_free(&rs);
}

/* A single-run file named old style (paced runs with "/iterations:N") and
 * new style (a campaign's "/repeats:N" per mode): both load under the plain
 * name. */
static void expect_loaded_as(const char *dir, const char *json_name, const char *run_name,
                             const char *want)
{
    json_t *e = json_pack("{s:s, s:s, s:f, s:s, s:f}", "name", json_name,
                          "run_type", "iteration", "real_time", 5.0, "time_unit", "us",
                          "frames", 12.0);
    if (run_name)
        json_object_set_new(e, "run_name", json_string(run_name));
    write_json(dir, json_pack("{s:[o]}", "benchmarks", e));
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_int_equal(rs.nresults, 1);
    if (strcmp(rs.results[0].name, want) != 0)
        fail_msg("%s loaded as \"%s\", expected \"%s\"", json_name, rs.results[0].name, want);
    ipcb_resultset_free(&rs);
}

static void test_load_strips_repeats_and_iterations(void **state)
{
    const char *dir = *state;
    expect_loaded_as(dir, "unix/latency/thumb/repeats:1/manual_time",
                     "unix/latency/thumb/repeats:1/manual_time", "unix/latency/thumb");
    expect_loaded_as(dir, "unix/latency/thumb/repeats:1", NULL, "unix/latency/thumb");
    expect_loaded_as(dir, "unix/latency/thumb/iterations:12/manual_time", NULL,
                     "unix/latency/thumb");
    expect_loaded_as(dir, "unix/latency/thumb/iterations:12/repeats:3/manual_time", NULL,
                     "unix/latency/thumb");
    expect_loaded_as(dir, "qcop/fanout/vga/subscribers:2/repeats:1/manual_time", NULL,
                     "qcop/fanout/vga/subscribers:2");
    /* the parts as well */
    expect_loaded_as(dir, "unix/paced/thumb/iterations:12/repeats:1/manual_time", NULL,
                     "unix/paced/thumb");
    ipcb_resultset rs;
    char err[256] = "";
    assert_int_equal(ipcb_resultset_load(&rs, dir, err, sizeof err), 0);
    assert_string_equal(rs.results[0].transport, "unix");
    assert_string_equal(rs.results[0].mode, "paced");
    assert_string_equal(rs.results[0].size, "thumb");
    assert_int_equal(rs.results[0].samples, 12);
    ipcb_resultset_free(&rs);
}

/* Absent percentiles are empty cells; samples and the cost counters have
 * their own columns. */
static void test_csv_sample_support(void **state)
{
    const char *dir = *state;
    write_sparse_campaign(dir);
    char *csv = csv_of(dir), cell[64];
    assert_memory_equal(csv, csv_header, strlen(csv_header));
    static const struct { const char *row, *p99, *p999, *samples, *faults, *csw, *major, *icsw; }
    want[] = {
        { "unix,latency,thumb,", "", "", "108", "12", "4", "1.5", "1" },
        { "shm,latency,thumb,", "20", "", "1500", "0.5", "2", "0.0625", "0.5" },
        { "unix,paced,thumb,", "", "", "36", "3", "6", "0.375", "1.5" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *row = strstr(csv, want[i].row);
        if (!row)
            fail_msg("no row %s", want[i].row);
        static const int cols[] = { 6, 7, 23, 24, 25, 26, 27 };
        const char *expect[] = { want[i].p99, want[i].p999, want[i].samples, want[i].faults,
                                 want[i].csw, want[i].major, want[i].icsw };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            csv_field(row, cols[k], cell, sizeof cell);
            if (strcmp(cell, expect[k]) != 0)
                fail_msg("%s column %d: \"%s\", expected \"%s\"", want[i].row, cols[k], cell,
                         expect[k]);
        }
        csv_field(row, 22, cell, sizeof cell);
        assert_string_equal(cell, "");      /* subscribers: still before the new columns */
        csv_field(row, 28, cell, sizeof cell);
        assert_string_equal(cell, "");      /* steal_s: not in this fixture */
    }
    free(csv);
}

/* report.md and report.html: "–" with the frames per run where a percentile
 * is absent, the rule under Method, and the counters that explain. */
static void test_report_sample_support(void **state)
{
    const char *dir = *state;
    write_sparse_campaign(dir);
    char err[256] = "";
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    assert_non_null(md);
    static const char *const p99[] = { "| thumb (65.5 kB) | **20.0 ★** | – (n=36) | failed |" };
    expect_table(md, "### Latency: one-way p99", p99, 1);
    static const char *const p50[] = { "| thumb (65.5 kB) | **10.0 ★** | 40.0 | failed |" };
    expect_table(md, "### Latency: one-way p50", p50, 1);
    static const char *const paced[] = { "| thumb (65.5 kB) | – (n=12, 1 late) |" };
    expect_table(md, "### Paced", paced, 1);
    assert_non_null(strstr(strstr(md, "## Method"), "p99 needs at least 100 samples in a run "
                           "and p99.9 at least 1000; with fewer, a table shows – and *n*"));

    const char *counters = strstr(md, "## Counters that explain\n");
    assert_non_null(counters);
    assert_true(counters > strstr(md, "## Results") && counters < strstr(md, "## Failures"));
    assert_non_null(strstr(counters, "page faults per frame · context switches per frame"));
    static const char *const lat[] = {
        "| thumb (65.5 kB) | 0.500 · 2.00 (n=500×3) | 12.0 · 4.00 (n=36×3) | failed |",
    };
    expect_table(counters, "### Latency mode", lat, 1);
    static const char *const paced_counters[] = { "| thumb (65.5 kB) | 3.00 · 6.00 (n=12×3) |" };
    expect_table(counters, "### Paced mode", paced_counters, 1);
    assert_null(strstr(counters, "### Throughput mode"));   /* no throughput results */
    free(md);

    char *html = read_text(dir, "report.html");
    assert_non_null(html);
    assert_non_null(strstr(html, "<td class=\"num\">– (n=36)</td>"));
    assert_non_null(strstr(html, "<a href=\"#counters\">Counters</a>"));
    assert_non_null(strstr(html, "<td class=\"num\">12.0 · 4.00 (n=36×3)</td>"));
    free(html);

    /* Against itself as the baseline: the absent p99 is n/a, not a verdict. */
    assert_int_equal(ipcb_report_write_baseline(dir, dir, err, sizeof err), 0);
    md = read_text(dir, "report.md");
    assert_non_null(md);
    static const char *const p99_change[] = {
        "| thumb (65.5 kB) | **20.0 ★** | +0.0% | – (n=36) | n/a | failed | failed |",
    };
    expect_table(md, "### Latency: one-way p99", p99_change, 1);
    /* unix latency p99 and unix paced p99 */
    assert_non_null(strstr(md, "2 comparisons are n/a (marked so in the change columns)"));
    assert_null(strstr(md, "Regression"));
    free(md);
}

/* ---- plots --------------------------------------------------------------- */

static void scripts_dir(char *out)
{
    const char *env = getenv("IPCB_SCRIPTS_DIR");
    char cwd[PATH_MAX];
    if (env)
        assert_true(snprintf(out, PATH_MAX, "%s", env) < PATH_MAX);
    else
        path_in(out, getcwd(cwd, sizeof cwd), "scripts");
}

static int have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static void test_plots(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_campaign(dir);
    char scripts[PATH_MAX], err[512] = "";
    scripts_dir(scripts);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render: %s", err);
    static const char *const names[] = { "throughput", "latency", "cdf" };
    for (size_t i = 0; i < 3; i++) {
        char svg[64], png[64];
        snprintf(svg, sizeof svg, "plots/%s.svg", names[i]);
        snprintf(png, sizeof png, "plots/%s.png", names[i]);
        assert_true(file_size(dir, svg) > 0);
        assert_true(file_size(dir, png) > 0);
        char *text = read_text(dir, svg);
        assert_non_null(strstr(text, "<svg"));
        free(text);
    }
    assert_true(file_size(dir, "results.csv") > 0);  /* written for gnuplot */
    assert_true(file_size(dir, "plots/gnuplot.log") >= 0);
    assert_int_equal(file_size(dir, "plots/fanout.svg"), -1);  /* no fanout results */

    /* The report embeds the rendered plots. */
    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    assert_non_null(strstr(md, "](plots/throughput.svg)"));
    assert_non_null(strstr(md, "](plots/latency.svg)"));
    assert_non_null(strstr(md, "](plots/cdf-"));  /* one CDF per frame size */
    assert_null(strstr(md, "fanout.svg"));
    assert_null(strstr(md, "No plots"));
    free(md);
}

/* The number of points gnuplot drew for the line titled title in an SVG
 * plot: its group's point markers, less the one in the key; -1 if no line. */
static int svg_line_points(const char *svg, const char *title)
{
    char needle[128];
    snprintf(needle, sizeof needle, "<title>%s</title>", title);
    const char *p = strstr(svg, needle);
    if (!p)
        return -1;
    const char *end = strstr(p, "<g id=\"gnuplot_plot_");
    int markers = 0;
    while ((p = strstr(p + 1, "xlink:href='#gpPt")) && (!end || p < end))
        markers++;
    return markers - 1;
}

/* Fan-out results: a plot of p50 against the number of subscribers with a
 * line per transport and size (tcp has only vga at 2 subscribers), in the
 * report. */
static void test_plots_fanout(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_fanout_campaign(dir, 0);
    char path[PATH_MAX];
    path_in(path, dir, "results.json");
    json_t *root = json_load_file(path, 0, NULL);
    assert_non_null(root);
    add_fanout_benchmark(json_object_get(root, "benchmarks"), "tcp/fanout/vga/subscribers:2",
                         1, 2, 150);
    write_json(dir, root);
    char scripts[PATH_MAX], err[512] = "";
    scripts_dir(scripts);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render: %s", err);
    assert_true(file_size(dir, "plots/fanout.png") > 0);
    char *svg = read_text(dir, "plots/fanout.svg");
    assert_non_null(svg);
    static const struct { const char *title; int points; } lines[] = {
        { "qcop vga", 3 }, { "qcop 1080p", 3 }, { "unix vga", 3 }, { "unix 1080p", 3 },
        { "tcp vga", 1 }, { "tcp 1080p", -1 },
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int n = svg_line_points(svg, lines[i].title);
        if (n != lines[i].points)
            fail_msg("fanout.svg: %d points for \"%s\", expected %d", n, lines[i].title,
                     lines[i].points);
    }
    assert_non_null(strstr(svg, ">subscribers<"));
    assert_null(strstr(svg, "no fanout results"));
    free(svg);
    /* gnuplot was told what to draw (transports by family, sizes by bytes;
     * a transport's colour and point, a size's dash) and found data for
     * every line */
    char *log = read_text(dir, "plots/gnuplot.log");
    assert_non_null(log);
    assert_non_null(strstr(log, "transports='unix unix tcp qcop qcop'; "
                                "sizes='vga 1080p vga vga 1080p'; "));
    static const struct { const char *transport; int size; } drawn[] = {
        { "unix", 0 }, { "unix", 1 }, { "tcp", 0 }, { "qcop", 0 }, { "qcop", 1 },
    };
    char colors[256] = "", dashes[64] = "", points[64] = "", styles[512];
    for (size_t i = 0; i < sizeof drawn / sizeof drawn[0]; i++) {
        ipcb_style st = ipcb_transport_line_style(ipcb_transport_family(drawn[i].transport),
                                                  ipcb_known_variant(drawn[i].transport),
                                                  drawn[i].size);
        const char *sep = i ? " " : "";
        snprintf(colors + strlen(colors), sizeof colors - strlen(colors), "%s%s", sep, st.color);
        snprintf(dashes + strlen(dashes), sizeof dashes - strlen(dashes), "%s%d", sep, st.dash);
        snprintf(points + strlen(points), sizeof points - strlen(points), "%s%d", sep, st.point);
    }
    snprintf(styles, sizeof styles, "colors='%s'; dashes='%s'; points='%s'; ", colors, dashes,
             points);
    if (!strstr(log, styles))
        fail_msg("gnuplot.log lacks \"%s\"", styles);
    assert_null(strstr(log, "no valid points"));
    free(log);

    assert_int_equal(ipcb_report_write(dir, err, sizeof err), 0);
    char *md = read_text(dir, "report.md");
    assert_non_null(strstr(md, "](plots/fanout.svg)"));
    assert_non_null(strstr(md, "](plots/latency.svg)"));
    free(md);
}

/* Only latency results: the throughput plot is skipped, not failed. */
static void test_plots_skip_absent_mode(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    json_t *arr = json_array();
    for (int t = 0; t < 2; t++)
        add_campaign_benchmark(arr, t, "latency", 1);
    write_json(dir, gb_root(arr));
    char scripts[PATH_MAX], err[512] = "";
    scripts_dir(scripts);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render: %s", err);
    assert_true(file_size(dir, "plots/latency.svg") > 0);
    assert_int_equal(file_size(dir, "plots/throughput.svg"), -1);
    assert_int_equal(file_size(dir, "plots/cdf.svg"), -1);  /* no histograms */
}

static void test_plots_without_gnuplot(void **state)
{
    const char *dir = *state;
    write_campaign(dir);
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    char err[256] = "";
    int rc = ipcb_plots_render(dir, "scripts", err, sizeof err);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, -1);
    assert_string_equal(err, "gnuplot not found (install gnuplot-nox)");
}

static void test_plots_bad_scripts_dir(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_campaign(dir);
    char err[256] = "";
    assert_int_equal(ipcb_plots_render(dir, "/nonexistent/scripts", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/scripts"));
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_load_repetitions_and_median),
        DIR_TEST(test_load_failed_benchmark),
        DIR_TEST(test_load_time_units_and_names),
        cmocka_unit_test(test_load_gbench_inputs),
        DIR_TEST(test_load_bad_inputs),
        DIR_TEST(test_load_fanout),
        DIR_TEST(test_load_fanout_odd_names),
        DIR_TEST(test_csv),
        DIR_TEST(test_csv_fanout),
        DIR_TEST(test_fanout_sorted_by_number),
        DIR_TEST(test_csv_unwritable),
        DIR_TEST(test_report),
        DIR_TEST(test_report_no_results),
        DIR_TEST(test_report_fanout),
        DIR_TEST(test_report_fanout_baseline),
        DIR_TEST(test_load_samples),
        DIR_TEST(test_load_strips_repeats_and_iterations),
        DIR_TEST(test_csv_sample_support),
        DIR_TEST(test_report_sample_support),
        DIR_TEST(test_plots),
        DIR_TEST(test_plots_fanout),
        DIR_TEST(test_plots_skip_absent_mode),
        DIR_TEST(test_plots_without_gnuplot),
        DIR_TEST(test_plots_bad_scripts_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
