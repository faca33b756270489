/* `ipcbench history VERB`: the history database every run writes (harness/
 * history/): list, show, import and merge here; trend and regressions in
 * cmd_history_series.c. Exit 0 done, 1 a database error, 2 bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_history.h"
#include "history_merge.h"
#include "history_query.h"
#include "history_record.h"
#include "history_schema.h"
#include "human.h"
#include "resultset.h"

static const char history_usage[] =
    "usage: ipcbench history VERB [--db URL] [options]\n"
    "  --db URL   sqlite:PATH or a PATH (SQLite), or postgresql://... on this machine\n"
    "             (default: results/history.db, where 'ipcbench run' records every run)\n"
    "verbs:\n"
    "  list [--host H] [--limit N]    runs, newest first (N default 30; 0: all)\n"
    "  show RUN                       a run (an id or its first characters): facts and results\n"
    "  trend [--metric M] [--filter REGEX] [--host H] [--by time|commit] [--out DIR]\n"
    "                                 a chart per benchmark over time, a line per host:\n"
    "                                 DIR/plots/trend.svg and .png (DIR default: results/trend)\n"
    "  regressions [--metric M] [--filter REGEX] [--host H] [--min-step PCT] [--alpha A]\n"
    "              [--min-runs N]     steps in each series: the run (and commit) where a\n"
    "                                 figure moved, by how much, and the confidence\n"
    "  import DIR...                  add results folders (a run already there is skipped)\n"
    "  merge OTHER                    copy the runs of another history database in\n"
    "M is a metric of results.json (p50_us, p99_us, mb_per_s, cpu_per_gib_s, ...); by\n"
    "default each benchmark's key metric: mb_per_s in throughput mode, else p50_us.\n"
    "H is a host name or the start of a host id. A host is its name, CPU model and cores\n"
    "(IPCBENCH_HOST_NAME at run time names it where host names change, as in containers).\n"
    "Exit status: 0 done, 1 a database error (or, for regressions, a regression found),\n"
    "2 bad input.\n";

/* ---- options ---------------------------------------------------------------- */

static const struct { const char *flag; size_t offset; } option_fields[] = {
    { "--db", offsetof(history_opts, db) },
    { "--host", offsetof(history_opts, host) },
    { "--metric", offsetof(history_opts, metric) },
    { "--filter", offsetof(history_opts, filter) },
    { "--by", offsetof(history_opts, by) },
    { "--out", offsetof(history_opts, out) },
    { "--limit", offsetof(history_opts, limit) },
    { "--min-step", offsetof(history_opts, min_step) },
    { "--alpha", offsetof(history_opts, alpha) },
    { "--min-runs", offsetof(history_opts, min_runs) },
};

/* A verb: what it does, the options it takes (flags without "--", spaces
 * around each) and how many positional arguments. */
typedef struct history_verb {
    const char *name;
    int (*run)(const history_opts *o);
    const char *options;
    size_t min_args, max_args;
} history_verb;

static int verb_takes(const history_verb *v, const char *flag)
{
    char word[32];
    snprintf(word, sizeof word, " %s ", flag + 2);
    return strcmp(flag, "--db") == 0 || strstr(v->options, word) != NULL;
}

static int parse_options(const history_verb *v, int argc, char **argv, history_opts *o)
{
    memset(o, 0, sizeof *o);
    o->db = "results/history.db";
    for (int i = 1; i < argc; i++) {
        int matched = 0;
        for (size_t f = 0; f < sizeof option_fields / sizeof option_fields[0] && !matched; f++) {
            const char *value;
            int r = cli_option(argc, argv, &i, option_fields[f].flag, &value);
            if (r < 0)
                return cli_usage_error("history %s: %s needs a value", v->name,
                                       option_fields[f].flag);
            if (r == 0)
                continue;
            if (!*value)
                return cli_usage_error("history %s: %s needs a value, not an empty string", v->name,
                                       option_fields[f].flag);
            if (!verb_takes(v, option_fields[f].flag))
                return cli_usage_error("history %s: no option %s (see 'ipcbench history "
                                       "--help')", v->name, option_fields[f].flag);
            *(const char **)((char *)o + option_fields[f].offset) = value;
            matched = 1;
        }
        if (matched)
            continue;
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("history %s: unknown option '%s' (see 'ipcbench history "
                                   "--help')", v->name, argv[i]);
        if (o->nargs == sizeof o->args / sizeof o->args[0])
            return cli_usage_error("history %s: too many arguments", v->name);
        o->args[o->nargs++] = argv[i];
    }
    if (o->nargs < v->min_args || o->nargs > v->max_args)
        return cli_usage_error("history %s: %s (see 'ipcbench history --help')", v->name,
                               v->max_args == 0 ? "takes no arguments"
                               : o->nargs < v->min_args ? "missing an argument"
                                                        : "too many arguments");
    return 0;
}

/* Opens the database the options name, which must exist; NULL after saying why. */
static hdb *open_existing(const history_opts *o)
{
    char err[1200];
    hdb *db = ipcb_history_open(o->db, HDB_EXISTING, err, sizeof err);
    if (!db)
        fprintf(stderr, "ipcbench: history: %s\n", err);
    return db;
}

/* ---- list and show -------------------------------------------------------- */

static int history_list(const history_opts *o)
{
    char *end = NULL;
    long limit = o->limit ? strtol(o->limit, &end, 10) : 30;
    if (o->limit && (*end || limit < 0))
        return cli_usage_error("history list: --limit needs a count, not '%s'", o->limit);
    hdb *db = open_existing(o);
    if (!db)
        return IPCB_EXIT_FAILED;
    char err[1200];
    ipcb_hrun *runs = NULL;
    long n = ipcb_history_runs(db, o->host, NULL, (size_t)limit, &runs, err, sizeof err);
    hdb_close(db);
    if (n < 0) {
        fprintf(stderr, "ipcbench: history: %s\n", err);
        return IPCB_EXIT_FAILED;
    }
    printf("%-12s  %-19s  %-12s  %-14s  %-8s  %-8s  %s\n", "run", "started (UTC)", "host",
           "commit", "branch", "campaign", "benchmarks");
    for (long i = 0; i < n; i++) {
        const ipcb_history_run *f = &runs[i].facts;
        char started[20];
        snprintf(started, sizeof started, "%.10s %.8s", f->started_at,
                 strlen(f->started_at) > 11 ? f->started_at + 11 : "");
        printf("%-12.12s  %-19s  %-12.12s  %-14.14s  %-8.8s  %-8.8s  %zu", f->run_id,
               started, f->hostname, f->commit, f->branch, f->campaign, runs[i].benchmarks);
        if (runs[i].failed)
            printf(" (%zu failed)", runs[i].failed);
        putchar('\n');
    }
    if (n == 0)
        printf("(no runs%s%s)\n", o->host ? " of host " : "", o->host ? o->host : "");
    free(runs);
    return IPCB_EXIT_OK;
}

static void print_facts(const ipcb_hrun *r)
{
    const ipcb_history_run *f = &r->facts;
    printf("run       %s\nstarted   %s\nrecorded  %s\n", f->run_id, f->started_at,
           r->recorded_at);
    printf("ipcbench  %s, commit %s, branch %s\n", f->version, f->commit, f->branch);
    printf("campaign  %s (settings %s)\n", f->campaign, f->campaign_hash);
    printf("host      %s (%s): %s, %d cores\n", f->hostname, f->host_id, f->cpu_model, f->cores);
    printf("kernel    %s, governor %s\nresults   %s\n\n", f->kernel, f->governor,
           f->results_dir);
}

static int history_show(const history_opts *o)
{
    hdb *db = open_existing(o);
    if (!db)
        return IPCB_EXIT_FAILED;
    char err[1200];
    ipcb_hrun *runs = NULL;
    ipcb_hresult *results = NULL;
    int rc = IPCB_EXIT_FAILED;
    long n = ipcb_history_runs(db, NULL, o->args[0], 2, &runs, err, sizeof err);
    long nres = n == 1 ? ipcb_history_run_results(db, runs[0].facts.run_id, &results, err,
                                                  sizeof err) : 0;
    if (n < 0 || nres < 0) {
        fprintf(stderr, "ipcbench: history: %s\n", err);
    } else if (n != 1) {
        rc = cli_usage_error("history show: %s run has an id starting with '%s'",
                             n ? "more than one" : "no", o->args[0]);
    } else {
        print_facts(&runs[0]);
        printf("%-44s  %-7s  %10s  %10s  %11s  %s\n", "benchmark", "status", "p50", "p99",
               "throughput", "reps");
        for (long i = 0; i < nres; i++) {
            const ipcb_hresult *r = &results[i];
            char p50[32], p99[32], mbps[32];
            ipcb_human_us(p50, sizeof p50, r->p50_us);
            ipcb_human_us(p99, sizeof p99, r->p99_us);
            ipcb_human_mb_per_s(mbps, sizeof mbps, r->mb_per_s);
            /* The widths count columns: "µs" and "–" take more bytes than columns. */
            printf("%-44.44s  %-7s  %*s  %*s  %*s  %zu", r->benchmark, r->status,
                   10 + (int)(strlen(p50) - ipcb_display_width(p50)), p50,
                   10 + (int)(strlen(p99) - ipcb_display_width(p99)), p99,
                   11 + (int)(strlen(mbps) - ipcb_display_width(mbps)), mbps, r->repetitions);
            if (r->error[0])
                printf("  %s", r->error);
            putchar('\n');
        }
        rc = IPCB_EXIT_OK;
    }
    free(results);
    free(runs);
    hdb_close(db);
    return rc;
}

/* ---- import and merge ----------------------------------------------------- */

/* Every folder loads (readable Google Benchmark JSON, no impossible figure),
 * or the import is refused before the database is opened: exit 2. */
static int check_importable(const history_opts *o)
{
    char err[1200];
    for (size_t i = 0; i < o->nargs; i++) {
        ipcb_resultset rs;
        if (ipcb_resultset_load(&rs, o->args[i], err, sizeof err) != 0)
            return cli_usage_error("history import: %s (nothing imported)", err);
        ipcb_resultset_free(&rs);
    }
    return IPCB_EXIT_OK;
}

static int history_import(const history_opts *o)
{
    char err[1200];
    int bad = check_importable(o);
    if (bad != IPCB_EXIT_OK)
        return bad;
    hdb *db = ipcb_history_open(o->db, HDB_CREATE, err, sizeof err);
    if (!db) {
        fprintf(stderr, "ipcbench: history: %s\n", err);
        return IPCB_EXIT_FAILED;
    }
    int rc = IPCB_EXIT_OK;
    for (size_t i = 0; i < o->nargs; i++) {
        ipcb_history_added added;
        if (ipcb_history_record(db, o->args[i], &added, err, sizeof err) != 0) {
            fprintf(stderr, "ipcbench: history import: %s\n", err);
            rc = IPCB_EXIT_FAILED;
        } else if (added.added) {
            printf("%s: run %.12s added (%zu benchmarks, %zu values)\n", o->args[i],
                   added.run.run_id, added.benchmarks, added.samples);
        } else {
            printf("%s: run %.12s is already in the history\n", o->args[i], added.run.run_id);
        }
    }
    hdb_close(db);
    return rc;
}

static int history_merge(const history_opts *o)
{
    char err[1200];
    hdb *to = ipcb_history_open(o->db, HDB_CREATE, err, sizeof err);
    hdb *from = to ? ipcb_history_open(o->args[0], HDB_EXISTING, err, sizeof err) : NULL;
    int rc = IPCB_EXIT_FAILED;
    ipcb_history_merged m;
    if (!from)
        fprintf(stderr, "ipcbench: history: %s\n", err);
    else if (ipcb_history_merge(to, from, &m, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: history merge: %s (runs copied before stay)\n", err);
    else {
        printf("%s: %zu run%s added (%zu values), %zu already there\n", o->db, m.runs_added,
               m.runs_added == 1 ? "" : "s", m.samples, m.runs_present);
        rc = IPCB_EXIT_OK;
    }
    hdb_close(from);
    hdb_close(to);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

static const history_verb verbs[] = {
    { "list", history_list, " host limit ", 0, 0 },
    { "show", history_show, " ", 1, 1 },
    { "trend", history_trend, " metric filter host by out ", 0, 0 },
    { "regressions", history_regressions, " metric filter host min-step alpha min-runs ", 0,
      0 },
    { "import", history_import, " ", 1, 64 },
    { "merge", history_merge, " ", 1, 1 },
};

int cmd_history(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(history_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? IPCB_EXIT_USAGE : IPCB_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(argv[1], verbs[i].name) != 0)
            continue;
        for (int a = 2; a < argc; a++)
            if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
                fputs(history_usage, stdout);
                return IPCB_EXIT_OK;
            }
        history_opts o;
        int rc = parse_options(&verbs[i], argc - 1, argv + 1, &o);
        return rc != 0 ? rc : verbs[i].run(&o);
    }
    return cli_usage_error("history: unknown verb '%s' (list, show, trend, regressions, "
                           "import, merge)", argv[1]);
}
