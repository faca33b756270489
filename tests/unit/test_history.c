/* Tests for the history database on SQLite (harness/history/): the schema
 * created, versioned and migrated from version 1, runs recorded whole and
 * once, series and run lists read back, merging, concurrent writers, and the
 * errors of a corrupt, read-only or newer database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gbfixture.h"
#include "hdb.h"
#include "history_merge.h"
#include "history_query.h"
#include "history_record.h"
#include "history_schema.h"

/* A run at date on host: unix latency with the p50 values given (one per
 * repetition), a throughput benchmark, and a failed tcp benchmark. */
static void write_run(const char *dir, const char *name, const char *host, const char *date,
                      const double *p50, int reps)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *arr = json_array();
    for (int i = 0; i < reps; i++) {
        gbf_values lat = { p50[i], 2 * p50[i], NAN, 0.5, 200, 64 };
        json_array_append_new(arr, gbf_entry("unix/latency/64", NULL, i, reps, &lat));
        gbf_values thr = { 100, 300, 1000 + i, 0.25, 400, 65536 };
        json_array_append_new(arr, gbf_entry("unix/throughput/64K", NULL, i, reps, &thr));
        json_array_append_new(arr, gbf_failed("tcp/latency/64", i, reps, "peer died"));
    }
    gbf_write_run(path, gbf_context(host, date, "ci"), arr);
}

static void db_url(char *out, const char *dir, const char *file)
{
    snprintf(out, PATH_MAX, "sqlite:%s/%s", dir, file);
}

static long count_rows(hdb *db, const char *sql)
{
    char text[32];
    assert_int_equal(hdb_query_text(db, sql, 0, NULL, text, sizeof text), 0);
    return atol(text);
}

static void record_ok(hdb *db, const char *dir, const char *name, int expect_added)
{
    char path[PATH_MAX], err[1024] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ipcb_history_added added;
    if (ipcb_history_record(db, path, &added, err, sizeof err) != 0)
        fail_msg("record %s: %s", name, err);
    assert_int_equal(added.added, expect_added);
}

/* ---- schema --------------------------------------------------------------- */

static void test_schema_created_and_versioned(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX], err[1024] = "";
    db_url(url, dir, "h.db");
    /* Opening a database that is not there without creating it fails. */
    assert_null(ipcb_history_open(url, HDB_EXISTING, err, sizeof err));
    assert_non_null(strstr(err, "no history database"));
    hdb *db = ipcb_history_open(url, HDB_CREATE, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(count_rows(db, "SELECT max(version) FROM ipcbench_schema"),
                     ipcb_history_schema_latest());
    assert_int_equal(count_rows(db, "SELECT count(*) FROM run"), 0);
    char mode[16];
    assert_int_equal(hdb_query_text(db, "PRAGMA journal_mode", 0, NULL, mode, sizeof mode), 0);
    assert_string_equal(mode, "wal");
    /* Migrating again changes nothing. */
    assert_int_equal(ipcb_history_schema_migrate(db, 0), ipcb_history_schema_latest());
    hdb_close(db);
    struct stat st;
    snprintf(url, sizeof url, "%s/h.db", dir);
    assert_int_equal(stat(url, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* the user's alone */
}

static void test_migrates_from_version_1(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX], err[1024] = "";
    db_url(url, dir, "old.db");
    hdb *db = hdb_open(url, HDB_CREATE, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(ipcb_history_schema_migrate(db, 1), 0);
    /* A run written at version 1: a host, a run, samples, no result table. */
    assert_int_equal(hdb_exec(db, "INSERT INTO host VALUES ('h1', 'old', 'cpu', 2)", 0, NULL), 0);
    assert_int_equal(hdb_exec(db, "INSERT INTO run (run_id, started_at, started_us, "
                                  "recorded_at, host_id) VALUES ('r1', '2024-01-01T00:00:00Z', "
                                  "1704067200, 'x', 'h1')", 0, NULL), 0);
    assert_int_equal(hdb_exec(db, "INSERT INTO sample VALUES ('unix/latency/64', 'r1', 'p50_us', "
                                  "0, 30.5)", 0, NULL), 0);
    assert_int_not_equal(hdb_exec(db, "SELECT count(*) FROM result", 0, NULL), 0);
    hdb_close(db);

    db = ipcb_history_open(url, HDB_EXISTING, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(count_rows(db, "SELECT max(version) FROM ipcbench_schema"),
                     ipcb_history_schema_latest());
    /* The old run is still there, and backfilled as ok. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM result WHERE run_id = 'r1' AND "
                                    "status = 'ok'"), 1);
    ipcb_hseries_set set;
    ipcb_hseries_filter f = { NULL, NULL, NULL };
    assert_int_equal(ipcb_history_series(db, &f, &set, err, sizeof err), 0);
    assert_int_equal(set.n, 1);
    assert_float_equal(set.series[0].points[0].values[0], 30.5, 1e-12);
    ipcb_hseries_set_free(&set);
    hdb_close(db);
}

static void test_refuses_newer_and_corrupt(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX], err[1024] = "";
    db_url(url, dir, "new.db");
    hdb *db = ipcb_history_open(url, HDB_CREATE, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(hdb_exec(db, "UPDATE ipcbench_schema SET version = 99", 0, NULL), 0);
    hdb_close(db);
    assert_null(ipcb_history_open(url, HDB_EXISTING, err, sizeof err));
    assert_non_null(strstr(err, "newer than this ipcbench"));

    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/corrupt.db", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just text that is long enough to have a header.....", f);
    fclose(f);
    db_url(url, dir, "corrupt.db");
    err[0] = '\0';
    assert_null(ipcb_history_open(url, HDB_CREATE, err, sizeof err));
    assert_non_null(strstr(err, "not a database"));

    /* Bad URLs name the problem. */
    const char *kind, *target;
    assert_int_equal(hdb_parse_url("mysql://x/y", &kind, &target, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown database scheme"));
    assert_int_equal(hdb_parse_url("sqlite:", &kind, &target, err, sizeof err), -1);
    assert_int_equal(hdb_parse_url("none", &kind, &target, err, sizeof err), 0);
    assert_string_equal(kind, "none");
    assert_int_equal(hdb_parse_url("x/h.db", &kind, &target, err, sizeof err), 0);
    assert_string_equal(kind, "sqlite");
    /* A server that is not this machine is refused before any connection. */
    assert_null(hdb_open("postgresql://db.example.com/ipcbench", HDB_EXISTING, err, sizeof err));
    assert_non_null(strstr(err, "not on this machine"));
    assert_null(strstr(err, "secret"));
    assert_null(hdb_open("postgresql://u:secret@10.1.2.3/x", HDB_EXISTING, err, sizeof err));
    assert_null(strstr(err, "secret")); /* the password is masked in messages */
}

/* ---- recording and reading ------------------------------------------------ */

static void test_record_once_and_read_back(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX], err[1024] = "";
    write_run(dir, "r1", "vm", "2024-05-01T10:00:00+00:00", (double[]){ 30, 32, 31 }, 3);
    write_run(dir, "r2", "vm", "2024-05-01T12:00:00+02:00", (double[]){ 40, 41 }, 2);
    db_url(url, dir, "h.db");
    hdb *db = ipcb_history_open(url, HDB_CREATE, err, sizeof err);
    assert_non_null(db);
    record_ok(db, dir, "r1", 1);
    record_ok(db, dir, "r2", 1);
    record_ok(db, dir, "r1", 0); /* the same results.json again: nothing added */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM run"), 2);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM host"), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM result WHERE status = 'failed'"), 2);
    /* Every repetition's metrics: r1's 3 p50s, r2's 2. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sample WHERE metric = 'p50_us' AND "
                                    "benchmark = 'unix/latency/64'"), 5);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sample WHERE benchmark = "
                                    "'tcp/latency/64'"), 0);

    ipcb_hrun *runs = NULL;
    long n = ipcb_history_runs(db, NULL, NULL, 0, &runs, err, sizeof err);
    assert_int_equal(n, 2);
    /* r2 started at 10:00 UTC (12:00+02:00), r1 at 10:00 UTC too: same instant, so the
     * order falls to the run id; both carry their host and campaign. */
    assert_int_equal(runs[0].facts.started_us, runs[1].facts.started_us);
    assert_string_equal(runs[0].facts.hostname, "vm");
    assert_string_equal(runs[0].facts.campaign, "ci");
    assert_int_equal(runs[0].benchmarks, 3);
    assert_int_equal(runs[0].failed, 1);
    free(runs);

    ipcb_hseries_set set;
    ipcb_hseries_filter f = { NULL, "^unix/", "vm" };
    assert_int_equal(ipcb_history_series(db, &f, &set, err, sizeof err), 0);
    assert_int_equal(set.n, 2); /* key metrics: p50 of latency, MB/s of throughput */
    assert_string_equal(set.series[0].benchmark, "unix/latency/64");
    assert_string_equal(set.series[0].metric, "p50_us");
    assert_string_equal(set.series[1].metric, "mb_per_s");
    assert_int_equal(set.series[0].npoints, 2);
    ipcb_hseries_set_free(&set);
    f = (ipcb_hseries_filter){ "p99_us", NULL, "nohost" };
    assert_int_equal(ipcb_history_series(db, &f, &set, err, sizeof err), 0);
    assert_int_equal(set.n, 0);
    f = (ipcb_hseries_filter){ NULL, "([", NULL };
    assert_int_equal(ipcb_history_series(db, &f, &set, err, sizeof err), -1);
    assert_non_null(strstr(err, "regular expression"));
    hdb_close(db);
}

/* Two processes record different runs into one new file at once: both land. */
static void test_concurrent_writers(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX];
    db_url(url, dir, "race.db");
    for (int round = 0; round < 3; round++) {
        pid_t pids[2];
        for (int w = 0; w < 2; w++) {
            char name[32], date[64];
            snprintf(name, sizeof name, "c%d-%d", round, w);
            snprintf(date, sizeof date, "2024-05-0%dT10:00:0%d+00:00", round + 1, w);
            write_run(dir, name, w ? "hostB" : "hostA", date, (double[]){ 30 + w, 31 }, 2);
            pids[w] = fork();
            if (pids[w] == 0) {
                char path[PATH_MAX], err[1024];
                snprintf(path, sizeof path, "%s/%s", dir, name);
                ipcb_history_added added;
                int rc = ipcb_history_record_url(url, path, &added, err, sizeof err);
                if (rc != 0)
                    fprintf(stderr, "writer %d: %s\n", w, err);
                _exit(rc == 0 && added.added ? 0 : 1);
            }
        }
        for (int w = 0; w < 2; w++) {
            int status;
            assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }
    char err[1024];
    hdb *db = ipcb_history_open(url, HDB_EXISTING, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM run"), 6);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM host"), 2);
    hdb_close(db);
}

static void test_merge_databases(void **state)
{
    const char *dir = *state;
    char a_url[PATH_MAX], b_url[PATH_MAX], err[1024] = "";
    write_run(dir, "ma", "hostA", "2024-05-01T10:00:00+00:00", (double[]){ 30, 31 }, 2);
    write_run(dir, "mb", "hostB", "2024-05-01T11:00:00+00:00", (double[]){ 50, 51 }, 2);
    write_run(dir, "mboth", "hostB", "2024-05-01T12:00:00+00:00", (double[]){ 52 }, 1);
    db_url(a_url, dir, "a.db");
    db_url(b_url, dir, "b.db");
    hdb *a = ipcb_history_open(a_url, HDB_CREATE, err, sizeof err);
    hdb *b = ipcb_history_open(b_url, HDB_CREATE, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    record_ok(a, dir, "ma", 1);
    record_ok(a, dir, "mboth", 1);
    record_ok(b, dir, "mb", 1);
    record_ok(b, dir, "mboth", 1);
    ipcb_history_merged m;
    assert_int_equal(ipcb_history_merge(a, b, &m, err, sizeof err), 0);
    assert_int_equal(m.runs_added, 1);
    assert_int_equal(m.runs_present, 1);
    assert_int_equal(count_rows(a, "SELECT count(*) FROM run"), 3);
    assert_int_equal(count_rows(a, "SELECT count(*) FROM host"), 2);
    assert_int_equal(count_rows(a, "SELECT count(*) FROM sample"),
                     count_rows(a, "SELECT count(*) FROM sample WHERE run_id <> ''"));
    assert_int_equal(count_rows(a, "SELECT count(*) FROM result"), 9);
    /* Merging again adds nothing. */
    assert_int_equal(ipcb_history_merge(a, b, &m, err, sizeof err), 0);
    assert_int_equal(m.runs_added, 0);
    assert_int_equal(m.runs_present, 2);
    /* The samples came across with all their digits. */
    char text[64];
    assert_int_equal(hdb_query_text(a, "SELECT value FROM sample s JOIN run r ON r.run_id = "
                                       "s.run_id JOIN host h ON h.host_id = r.host_id WHERE "
                                       "h.hostname = 'hostB' AND metric = 'p50_us' AND "
                                       "repetition = 1 AND benchmark = 'unix/latency/64' AND "
                                       "started_at LIKE '%T11%'", 0, NULL, text, sizeof text), 0);
    assert_float_equal(strtod(text, NULL), 51, 1e-12);
    hdb_close(a);
    hdb_close(b);
}

static void test_unwritable_database(void **state)
{
    const char *dir = *state;
    char url[PATH_MAX], path[PATH_MAX], err[1024] = "";
    write_run(dir, "ro", "vm", "2024-05-01T10:00:00+00:00", (double[]){ 30 }, 1);
    snprintf(path, sizeof path, "%s/ro", dir);
    ipcb_history_added added;
    /* A folder that is not there: the database cannot be made. */
    db_url(url, dir, "missing/h.db");
    assert_int_equal(ipcb_history_record_url(url, path, &added, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing/h.db"));
    if (geteuid() == 0)
        return; /* root writes a read-only file anyway */
    db_url(url, dir, "ro.db");
    hdb *db = ipcb_history_open(url, HDB_CREATE, err, sizeof err);
    assert_non_null(db);
    hdb_close(db);
    snprintf(path, sizeof path, "%s/ro.db", dir);
    chmod(path, 0400);
    snprintf(path, sizeof path, "%s/ro", dir);
    assert_int_equal(ipcb_history_record_url(url, path, &added, err, sizeof err), -1);
    assert_true(err[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_created_and_versioned, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_migrates_from_version_1, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_refuses_newer_and_corrupt, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_record_once_and_read_back, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, gbf_setup_dir,
                                        gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_merge_databases, gbf_setup_dir, gbf_teardown_dir),
        cmocka_unit_test_setup_teardown(test_unwritable_database, gbf_setup_dir, gbf_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
