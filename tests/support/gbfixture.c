/* Synthetic Google Benchmark JSON for the tests of merge and the reports:
 * entries with the ipcbench counters, a run directory written from them, and
 * the scratch directory each test gets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gbfixture.h"
#include "runcli.h"

int gbf_setup_dir(void **state)
{
    char *dir = strdup("/tmp/ipcb_fixture_XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int gbf_teardown_dir(void **state)
{
    nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

void gbf_path(char *out, const char *dir, const char *name)
{
    assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

char *gbf_read(const char *dir, const char *name)
{
    char path[PATH_MAX];
    gbf_path(path, dir, name);
    return slurp_alloc(path);
}

int gbf_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    gbf_path(path, dir, name);
    return access(path, F_OK) == 0;
}

static void set_number(json_t *e, const char *key, double v)
{
    if (!isnan(v))
        json_object_set_new(e, key, json_real(v));
}

json_t *gbf_entry(const char *base, const char *agg, int rep, int reps, const gbf_values *v)
{
    char run_name[256], name[sizeof run_name + 32];
    snprintf(run_name, sizeof run_name, "%s/manual_time", base);
    snprintf(name, sizeof name, "%s%s%s", run_name, agg ? "_" : "", agg ? agg : "");
    json_t *e = json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}",
                          "name", name, "family_index", 0, "per_family_instance_index", 0,
                          "run_name", run_name, "run_type", agg ? "aggregate" : "iteration",
                          "repetitions", reps, "repetition_index", rep, "threads", 1,
                          "iterations", (int)v->frames, "real_time", isnan(v->p50_us) ? 1.0 : v->p50_us,
                          "cpu_time", 1.0, "time_unit", "us");
    assert_non_null(e);
    if (agg)
        json_object_set_new(e, "aggregate_name", json_string(agg));
    set_number(e, "p50_us", v->p50_us);
    set_number(e, "p99_us", v->p99_us);
    set_number(e, "mb_per_s", v->mb_per_s);
    set_number(e, "cpu_per_gib_s", v->cpu_per_gib_s);
    set_number(e, "frames", v->frames);
    set_number(e, "bytes", v->bytes);
    return e;
}

json_t *gbf_failed(const char *base, int rep, int reps, const char *message)
{
    gbf_values v = { NAN, NAN, NAN, NAN, 0, 65536 };
    json_t *e = gbf_entry(base, NULL, rep, reps, &v);
    json_object_set_new(e, "error_occurred", json_true());
    json_object_set_new(e, "error_message", json_string(message));
    return e;
}

json_t *gbf_context(const char *host, const char *date, const char *campaign)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "host_name", host, "date", date,
                          "campaign", campaign, "num_cpus", 2, "kernel", "Linux 6.1.0-test",
                          "cpu_model", "Test CPU", "ipcbench_git_commit", "abc1234");
    assert_non_null(c);
    return c;
}

void gbf_write_run(const char *dir, json_t *context, json_t *benchmarks)
{
    char parent[PATH_MAX], path[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        mkdir(parent, 0755);
    }
    assert_true(mkdir(dir, 0755) == 0 || access(dir, F_OK) == 0);
    json_t *root = json_pack("{s:o, s:o}", "context", context, "benchmarks", benchmarks);
    assert_non_null(root);
    gbf_path(path, dir, "results.json");
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
    json_decref(root);
}
