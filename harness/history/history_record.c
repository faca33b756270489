/* Adding a results folder to the history database: the run row from the
 * results.json context, a host row for its machine, then each benchmark's
 * outcome and every finite metric of every repetition, in one transaction. */
#include "history_record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "hdb_batch.h"
#include "history_schema.h"
#include "resultsjson.h"
#include "textfile.h"

/* ---- the run's facts ------------------------------------------------------ */

static void context_text(const ipcb_resultset *rs, const char *key, char *out, size_t len)
{
    const char *v = ipcb_resultset_context(rs, key);
    snprintf(out, len, "%s", v ? v : "unknown");
}

/* xxh64 of the file's bytes as 16 hex digits. */
static int hash_file(const char *path, char out[17], char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ipcb_set_err(err, errlen, "%s: cannot read", path);
        return -1;
    }
    XXH64_state_t *st = XXH64_createState();
    XXH64_reset(st, 0);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        XXH64_update(st, buf, n);
    int bad = ferror(f);
    fclose(f);
    snprintf(out, 17, "%016llx", (unsigned long long)XXH64_digest(st));
    XXH64_freeState(st);
    if (bad)
        ipcb_set_err(err, errlen, "%s: read error", path);
    return bad ? -1 : 0;
}

/* "2026-12-02T19:38:45+00:00" (or ...Z) as seconds since the epoch; 0 if the
 * text is not such a date. */
static long long parse_iso_time(const char *text)
{
    struct tm tm = { 0 };
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return 0;
    long long t = (long long)timegm(&tm);
    int hh, mm;
    if ((rest[0] == '+' || rest[0] == '-') && sscanf(rest + 1, "%2d:%2d", &hh, &mm) == 2)
        t -= (rest[0] == '+' ? 1 : -1) * (hh * 3600LL + mm * 60LL);
    return t;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The settings that make two runs comparable, and the benchmarks run. */
static void hash_campaign(const ipcb_resultset *rs, char out[17])
{
    static const char *const settings[] = {
        "campaign", "repetitions", "min_time_s", "max_time_s", "min_frames", "warmup",
        "window", "fps", "verify", "params", "pin", "timeout_ms",
    };
    XXH64_state_t *st = XXH64_createState();
    XXH64_reset(st, 0);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const char *v = ipcb_resultset_context(rs, settings[i]);
        XXH64_update(st, settings[i], strlen(settings[i]) + 1);
        XXH64_update(st, v ? v : "", strlen(v ? v : "") + 1);
    }
    const char **names = malloc((rs->nresults + 1) * sizeof *names);
    for (size_t i = 0; names && i < rs->nresults; i++)
        names[i] = rs->results[i].name;
    if (names)
        qsort(names, rs->nresults, sizeof *names, by_string);
    for (size_t i = 0; names && i < rs->nresults; i++)
        XXH64_update(st, names[i], strlen(names[i]) + 1);
    free(names);
    snprintf(out, 17, "%016llx", (unsigned long long)XXH64_digest(st));
    XXH64_freeState(st);
}

static void hash_host(ipcb_history_run *run)
{
    char text[600];
    int n = snprintf(text, sizeof text, "%s\n%s\n%d", run->hostname, run->cpu_model, run->cores);
    snprintf(run->host_id, sizeof run->host_id, "%016llx",
             (unsigned long long)XXH64(text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1,
                                       0));
}

int ipcb_history_describe(const char *dir, const ipcb_resultset *rs, ipcb_history_run *run,
                          char *err, size_t errlen)
{
    char path[PATH_MAX];
    memset(run, 0, sizeof *run);
    if (ipcb_results_json_path(dir, path, sizeof path, err, errlen) != 0 ||
        hash_file(path, run->run_id, err, errlen) != 0)
        return -1;
    context_text(rs, "date", run->started_at, sizeof run->started_at);
    /* The date has whole seconds; runs a second apart need the microseconds
     * ipcbench adds, to keep their order. */
    const char *us = ipcb_resultset_context(rs, "ipcbench_started_us");
    run->started_us = us ? atoll(us) : parse_iso_time(run->started_at) * 1000000LL;
    context_text(rs, "ipcbench_version", run->version, sizeof run->version);
    context_text(rs, "ipcbench_git_commit", run->commit, sizeof run->commit);
    context_text(rs, "ipcbench_git_branch", run->branch, sizeof run->branch);
    context_text(rs, "campaign", run->campaign, sizeof run->campaign);
    hash_campaign(rs, run->campaign_hash);
    const char *name = ipcb_resultset_context(rs, "ipcbench_host_name");
    if (!name)
        name = ipcb_resultset_context(rs, "host_name");
    snprintf(run->hostname, sizeof run->hostname, "%s", name ? name : "unknown");
    context_text(rs, "cpu_model", run->cpu_model, sizeof run->cpu_model);
    const char *cpus = ipcb_resultset_context(rs, "num_cpus");
    run->cores = cpus ? atoi(cpus) : 0;
    context_text(rs, "kernel", run->kernel, sizeof run->kernel);
    context_text(rs, "cpu_governor", run->governor, sizeof run->governor);
    if (!realpath(dir, run->results_dir))
        snprintf(run->results_dir, sizeof run->results_dir, "%s", dir);
    hash_host(run);
    return 0;
}

/* ---- writing ----------------------------------------------------------- */

int ipcb_history_insert_run(hdb *db, const ipcb_history_run *r, const char *recorded_at)
{
    char started_us[32], cores[16], now[32];
    snprintf(started_us, sizeof started_us, "%lld", r->started_us);
    snprintf(cores, sizeof cores, "%d", r->cores);
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (!recorded_at)
        recorded_at = now;
    const char *host[] = { r->host_id, r->hostname, r->cpu_model, cores };
    if (hdb_exec(db, "INSERT INTO host (host_id, hostname, cpu_model, cores) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", 4, host) != 0)
        return -1;
    const char *run[] = {
        r->run_id, r->started_at, started_us, recorded_at, r->version, r->commit, r->branch,
        r->campaign, r->campaign_hash, r->host_id, r->kernel, r->governor, r->results_dir,
    };
    return hdb_exec(db, "INSERT INTO run (run_id, started_at, started_us, recorded_at, "
                        "ipcbench_version, git_commit, git_branch, campaign, campaign_hash, "
                        "host_id, kernel, governor, results_dir) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    13, run);
}

static const char *status_of(const ipcb_result *r)
{
    return r->skipped ? "skipped" : r->failed ? "failed" : "ok";
}

static int insert_results(hdb *db, const ipcb_history_run *run, const ipcb_resultset *rs)
{
    hdb_batch b;
    hdb_batch_init(&b, db, "INSERT INTO result (run_id, benchmark, transport, mode, size, "
                           "bytes, subscribers, status, error)", 9, "");
    int rc = 0;
    for (size_t i = 0; i < rs->nresults && rc == 0; i++) {
        const ipcb_result *r = &rs->results[i];
        char bytes[32], subscribers[16];
        snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)r->bytes);
        snprintf(subscribers, sizeof subscribers, "%d", r->subscribers);
        const char *row[] = {
            run->run_id, r->name, r->transport[0] ? r->transport : NULL,
            r->mode[0] ? r->mode : NULL, r->size[0] ? r->size : NULL, bytes, subscribers,
            status_of(r), r->failed ? r->error : NULL,
        };
        rc = hdb_batch_add(&b, row);
    }
    if (rc == 0)
        rc = hdb_batch_flush(&b);
    hdb_batch_free(&b);
    return rc;
}

/* Every finite metric of every repetition of the benchmarks that succeeded:
 * Google Benchmark's time and each ipcbench counter. */
static int insert_samples(hdb *db, const ipcb_history_run *run, const ipcb_resultset *rs,
                          size_t *count)
{
    hdb_batch b;
    hdb_batch_init(&b, db, "INSERT INTO sample (run_id, benchmark, repetition, metric, "
                           "value)", 5, "");
    int rc = 0;
    for (size_t i = 0; i < rs->nresults && rc == 0; i++) {
        const ipcb_result *r = &rs->results[i];
        for (size_t k = 0; !r->failed && k < r->nruns && rc == 0; k++) {
            char rep[16], value[32];
            snprintf(rep, sizeof rep, "%zu", k);
            for (int c = -1; c < IPCB_NCOUNTERS && rc == 0; c++) {
                double v = c < 0 ? r->runs[k].real_time_us : r->runs[k].counter[c];
                if (!isfinite(v))
                    continue;
                snprintf(value, sizeof value, "%.17g", v);
                const char *row[] = { run->run_id, r->name, rep,
                                      c < 0 ? "real_time_us" : ipcb_counter_names[c], value };
                rc = hdb_batch_add(&b, row);
            }
        }
    }
    if (rc == 0)
        rc = hdb_batch_flush(&b);
    *count = b.sent;
    hdb_batch_free(&b);
    return rc;
}

int ipcb_history_has_run(hdb *db, const char *run_id, int *there)
{
    char text[8];
    const char *params[] = { run_id };
    if (hdb_query_text(db, "SELECT 1 FROM run WHERE run_id = $1", 1, params, text,
                       sizeof text) != 0)
        return -1;
    *there = text[0] != '\0';
    return 0;
}

/* The write lock from the start: a transaction that read first and then
 * wrote could lose the race with another run's write (SQLite's WAL mode
 * refuses it rather than wait). */
static int record_locked(hdb *db, const ipcb_resultset *rs, ipcb_history_added *out)
{
    int there = 0;
    if (hdb_begin_exclusive(db) != 0)
        return -1;
    if (ipcb_history_has_run(db, out->run.run_id, &there) != 0 || there) {
        hdb_rollback(db);
        return there ? 0 : -1;
    }
    if (ipcb_history_insert_run(db, &out->run, NULL) != 0 || insert_results(db, &out->run, rs) != 0 ||
        insert_samples(db, &out->run, rs, &out->samples) != 0 || hdb_commit(db) != 0) {
        hdb_rollback(db);
        return -1;
    }
    out->added = 1;
    out->benchmarks = rs->nresults;
    return 0;
}

int ipcb_history_record(hdb *db, const char *dir, ipcb_history_added *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    int rc = ipcb_history_describe(dir, &rs, &out->run, err, errlen);
    if (rc == 0 && record_locked(db, &rs, out) != 0) {
        ipcb_set_err(err, errlen, "%s", hdb_error(db));
        rc = -1;
    }
    ipcb_resultset_free(&rs);
    return rc;
}

int ipcb_history_record_url(const char *url, const char *dir, ipcb_history_added *out,
                            char *err, size_t errlen)
{
    hdb *db = ipcb_history_open(url, HDB_CREATE, err, errlen);
    if (!db)
        return -1;
    int rc = ipcb_history_record(db, dir, out, err, errlen);
    hdb_close(db);
    return rc;
}
