/* `ipcbench merge`: pools the repetitions of several runs into one Google
 * Benchmark JSON, so a baseline made of runs at different times carries the
 * machine's run-to-run variation, not only one run's (as `make baseline`). */
#include "merge.h"
#include "resultcheck.h"
#include "resultsjson.h"
#include "textfile.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Numbers of an entry that are not measurements: the median aggregate keeps
 * its first repetition's (or sets its own) instead of a median. */
static const char *const not_measured[] = {
    "family_index", "per_family_instance_index", "repetitions", "repetition_index", "threads",
};

typedef struct run_file {
    const char *arg;             /* as the user gave it */
    char        path[PATH_MAX];  /* the results.json */
    char        real[PATH_MAX];  /* its real path: the same run given twice has the same */
    json_t     *root;
} run_file;

/* The iteration entries of every run, by benchmark. */
typedef struct pool {
    json_t *groups;   /* array of arrays: each benchmark's entries, in order of first appearance */
    json_t *index;    /* benchmark name -> its position in groups */
} pool;

/* ---- reading the runs ----------------------------------------------------- */

static int load_run(run_file *f, char *err, size_t errlen)
{
    if (ipcb_results_json_path(f->arg, f->path, sizeof f->path, err, errlen) != 0)
        return -1;
    if (!realpath(f->path, f->real)) {
        ipcb_set_err(err, errlen, "%s: %s", f->path, strerror(errno));
        return -1;
    }
    f->root = ipcb_results_json_load(f->path, err, errlen);
    if (!f->root)
        return -1;
    if (!json_is_array(json_object_get(f->root, "benchmarks"))) {
        ipcb_set_err(err, errlen, "%s: no \"benchmarks\" array (not Google Benchmark JSON)",
                     f->path);
        return -1;
    }
    return ipcb_results_check(f->root, f->path, err, errlen);
}

/* The benchmark an entry belongs to: run_name, or name in files without it. */
static const char *benchmark_key(const json_t *e)
{
    const char *run_name = json_string_value(json_object_get(e, "run_name"));
    return run_name ? run_name : json_string_value(json_object_get(e, "name"));
}

static int is_iteration(const json_t *e)
{
    const char *type = json_string_value(json_object_get(e, "run_type"));
    return type && strcmp(type, "iteration") == 0;
}

/* Adds a copy of the run's iteration entries to their benchmarks' groups. */
static int pool_run(pool *p, const run_file *f, char *err, size_t errlen)
{
    const json_t *arr = json_object_get(f->root, "benchmarks");
    size_t added = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        const char *key = json_is_object(e) ? benchmark_key(e) : NULL;
        if (!key) {
            ipcb_set_err(err, errlen, "%s: benchmarks[%zu] is not a benchmark with a name "
                         "(not Google Benchmark JSON)", f->path, i);
            return -1;
        }
        if (!is_iteration(e))
            continue;
        json_t *at = json_object_get(p->index, key);
        if (!at) {
            at = json_integer((json_int_t)json_array_size(p->groups));
            if (json_object_set_new(p->index, key, at) != 0
                || json_array_append_new(p->groups, json_array()) != 0)
                goto out_of_memory;
        }
        json_t *group = json_array_get(p->groups, (size_t)json_integer_value(at));
        if (json_array_append_new(group, json_deep_copy(e)) != 0)
            goto out_of_memory;
        added++;
    }
    if (added == 0) {
        ipcb_set_err(err, errlen, "%s: no repetitions to pool (no entry with run_type "
                     "\"iteration\")", f->path);
        return -1;
    }
    return 0;
out_of_memory:
    ipcb_set_err(err, errlen, "out of memory");
    return -1;
}

/* ---- the median aggregate ------------------------------------------------- */

static int cmp_number(const void *a, const void *b)
{
    double x = json_number_value(*(json_t *const *)a);
    double y = json_number_value(*(json_t *const *)b);
    return x < y ? -1 : x > y;
}

static int is_measured(const char *field)
{
    for (size_t i = 0; i < sizeof not_measured / sizeof not_measured[0]; i++)
        if (strcmp(field, not_measured[i]) == 0)
            return 0;
    return 1;
}

/* The median of field over the entries that have it as a number: the middle
 * value itself for an odd count, the mean of the two middle ones otherwise. */
static json_t *median_of(const json_t *entries, const char *field, json_t **scratch)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *v = json_object_get(json_array_get(entries, i), field);
        if (json_is_number(v))
            scratch[n++] = v;
    }
    qsort(scratch, n, sizeof *scratch, cmp_number);
    if (n % 2)
        return json_copy(scratch[n / 2]);
    double lo = json_number_value(scratch[n / 2 - 1]), hi = json_number_value(scratch[n / 2]);
    return json_real(lo + (hi - lo) / 2);   /* not (lo + hi) / 2: that overflows near DBL_MAX */
}

/* A "median" aggregate over the successful entries ok of benchmark key (n
 * repetitions in all): the first one's fields, every measured number the median. */
static json_t *median_entry(const char *key, const json_t *ok, size_t n)
{
    json_t *first = json_array_get(ok, 0);
    json_t *med = json_deep_copy(first);
    json_t **scratch = malloc(json_array_size(ok) * sizeof *scratch);
    char *name = malloc(strlen(key) + sizeof "_median");
    if (!med || !scratch || !name) {
        json_decref(med);
        med = NULL;
        goto done;
    }
    sprintf(name, "%s_median", key);
    json_object_set_new(med, "name", json_string(name));
    json_object_set_new(med, "run_type", json_string("aggregate"));
    json_object_set_new(med, "aggregate_name", json_string("median"));
    json_object_set_new(med, "aggregate_unit", json_string("time"));
    json_object_set_new(med, "repetitions", json_integer((json_int_t)n));
    json_object_set_new(med, "repetition_index", json_integer(0));
    const char *field;
    json_t *value;
    json_object_foreach(first, field, value)
        if (json_is_number(value) && is_measured(field))
            json_object_set_new(med, field, median_of(ok, field, scratch));
done:
    free(scratch);
    free(name);
    return med;
}

/* Each benchmark's entries renumbered as repetitions 0..n-1, then (with at
 * least two of them and one that succeeded) its median aggregate. */
static json_t *pooled_benchmarks(const pool *p, ipcb_merge_stats *st)
{
    json_t *out = json_array();
    for (size_t g = 0; out && g < json_array_size(p->groups); g++) {
        json_t *group = json_array_get(p->groups, g);
        const char *key = benchmark_key(json_array_get(group, 0));
        size_t n = json_array_size(group);
        json_t *ok = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(group, i);
            json_object_set_new(e, "repetitions", json_integer((json_int_t)n));
            json_object_set_new(e, "repetition_index", json_integer((json_int_t)i));
            json_array_append(out, e);
            if (!json_is_true(json_object_get(e, "error_occurred")))
                json_array_append(ok, e);
        }
        if (json_array_size(ok) > 0 && n >= 2)
            json_array_append_new(out, median_entry(key, ok, n));
        json_decref(ok);
        st->benchmarks++;
        st->repetitions += n;
    }
    return out;
}

/* ---- the output ----------------------------------------------------------- */

/* The name of the directory that holds a run's results.json. */
static void run_name(const run_file *f, char *out, size_t n)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", f->real);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    slash = strrchr(dir, '/');
    snprintf(out, n, "%s", slash ? slash + 1 : dir);
}

/* The first run's context, with baseline_runs (the runs' directory names)
 * and repetitions (the most any benchmark has). */
static json_t *pooled_context(const run_file *files, size_t nruns, const pool *p)
{
    const json_t *first = json_object_get(files[0].root, "context");
    json_t *ctx = json_is_object(first) ? json_deep_copy(first) : json_object();
    size_t len = 0, most = 0;
    char names[8192] = "";
    for (size_t i = 0; i < nruns; i++) {
        char name[NAME_MAX + 1];
        run_name(&files[i], name, sizeof name);
        len += (size_t)snprintf(names + len, len < sizeof names ? sizeof names - len : 0, "%s%s",
                                i ? " " : "", name);
    }
    for (size_t i = 0; i < json_array_size(p->groups); i++)
        if (json_array_size(json_array_get(p->groups, i)) > most)
            most = json_array_size(json_array_get(p->groups, i));
    json_object_set_new(ctx, "baseline_runs", json_string(names));
    json_object_set_new(ctx, "repetitions", json_integer((json_int_t)most));
    return ctx;
}

static int dump_json(FILE *f, void *arg)
{
    if (json_dumpf(arg, f, JSON_INDENT(1)) != 0)
        return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

/* out itself, or out/results.json when out is a directory; -1 with err if
 * that is one of the runs (merging would replace a run by the pool). */
static int output_path(const char *out, const run_file *files, size_t nruns, char *path,
                       size_t n, char *err, size_t errlen)
{
    struct stat st;
    int is_dir = stat(out, &st) == 0 && S_ISDIR(st.st_mode);
    int len = snprintf(path, n, is_dir ? "%s/results.json" : "%s", out);
    if (len < 0 || (size_t)len >= n) {
        ipcb_set_err(err, errlen, "%s: path too long", out);
        return -1;
    }
    char real[PATH_MAX];
    if (!realpath(path, real))
        return 0;
    for (size_t i = 0; i < nruns; i++) {
        if (strcmp(real, files[i].real) == 0) {
            ipcb_set_err(err, errlen, "%s: the output would replace the run %s; write the "
                         "pool elsewhere", out, files[i].arg);
            return -1;
        }
    }
    return 0;
}

/* Each run once: pooling a run with itself would count its repetitions twice. */
static int check_distinct(const run_file *files, size_t nruns, char *err, size_t errlen)
{
    for (size_t i = 0; i < nruns; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(files[i].real, files[j].real) == 0) {
                ipcb_set_err(err, errlen, "%s and %s are the same run (%s); pooling it with "
                             "itself would count its repetitions twice", files[j].arg,
                             files[i].arg, files[i].real);
                return -1;
            }
    return 0;
}

int ipcb_merge_results(const char *out, const char *const *runs, size_t nruns,
                       ipcb_merge_stats *stats, char *err, size_t errlen)
{
    ipcb_merge_stats st = { 0, 0 };
    if (nruns == 0) {
        ipcb_set_err(err, errlen, "no runs to merge");
        return -1;
    }
    run_file *files = calloc(nruns, sizeof *files);
    pool p = { json_array(), json_object() };
    json_t *doc = NULL;
    char path[PATH_MAX];
    int rc = -1;
    if (!files || !p.groups || !p.index) {
        ipcb_set_err(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nruns; i++) {
        files[i].arg = runs[i];
        if (load_run(&files[i], err, errlen) != 0)
            goto done;
    }
    if (check_distinct(files, nruns, err, errlen) != 0
        || output_path(out, files, nruns, path, sizeof path, err, errlen) != 0)
        goto done;
    for (size_t i = 0; i < nruns; i++)
        if (pool_run(&p, &files[i], err, errlen) != 0)
            goto done;
    doc = json_pack("{s:o, s:o}", "context", pooled_context(files, nruns, &p),
                    "benchmarks", pooled_benchmarks(&p, &st));
    if (!doc) {
        ipcb_set_err(err, errlen, "out of memory");
        goto done;
    }
    rc = ipcb_write_atomically(path, dump_json, doc, err, errlen);
    if (rc == 0 && stats)
        *stats = st;
done:
    json_decref(doc);
    json_decref(p.groups);
    json_decref(p.index);
    for (size_t i = 0; files && i < nruns; i++)
        json_decref(files[i].root);
    free(files);
    return rc;
}
