/* Reads results.json (Google Benchmark's JSON schema plus ipcbench counters
 * and context) into an ipcb_resultset: one result per benchmark with its
 * repetitions and a summary. CSV, report and compare all derive from this. */
#include "resultset.h"
#include "resultcheck.h"
#include "resultsjson.h"
#include "textfile.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How good an entry is as a result's summary: a later entry replaces the
 * summary when it ranks higher, or equal for iterations (the last one wins). */
enum summary_rank { RANK_NONE, RANK_OTHER_AGGREGATE, RANK_ITERATION, RANK_MEDIAN };

typedef struct loader {
    ipcb_resultset *rs;
    size_t          cap;    /* allocated rs->results */
    unsigned char  *rank;   /* enum summary_rank per result */
    const char     *path;
    char           *err;
    size_t          errlen;
} loader;


/* ---- one benchmark entry ------------------------------------------------- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY:  return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL:   return "a number";
    case JSON_TRUE:
    case JSON_FALSE:  return "a boolean";
    default:          return "null";
    }
}

static const char *get_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A JSON number, or a quoted non-finite number ("NaN", "Infinity"); NaN otherwise. */
static double get_number(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        double d = strtod(s, &end);
        if (end != s && *end == '\0')
            return d;
    }
    return NAN;
}

static int is_aggregate(const json_t *e)
{
    const char *t = get_string(e, "run_type");
    return t && strcmp(t, "aggregate") == 0;
}

/* An entry looks like Google Benchmark's: an object with a string "name" and
 * a "run_type" (or, in files older than run_type, a "real_time"). */
static int check_entry(const loader *ld, const json_t *e, size_t i)
{
    if (!json_is_object(e)) {
        ipcb_set_err(ld->err, ld->errlen, "%s: benchmarks[%zu] is %s, not a benchmark "
                "object (not Google Benchmark JSON)", ld->path, i, type_name(e));
        return -1;
    }
    const json_t *rt = json_object_get(e, "run_type");
    int has_run_type = json_is_string(rt);
    if (!get_string(e, "name") || (!has_run_type && !json_object_get(e, "real_time"))
        || (rt && !has_run_type)) {
        ipcb_set_err(ld->err, ld->errlen, "%s: benchmarks[%zu] has no \"name\" or "
                "\"run_type\" (not Google Benchmark JSON)", ld->path, i);
        return -1;
    }
    return 0;
}

static void strip_suffix(char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n > m && strcmp(s + n - m, suffix) == 0)
        s[n - m] = '\0';
}

/* Is this '/'-separated name component one Google Benchmark appends for a
 * run option (time type, repetitions, iterations, min time, threads)? */
static int is_option_component(const char *c)
{
    static const char *const words[] = { "manual_time", "real_time", "process_time" };
    static const char *const keys[] = { "repeats:", "iterations:", "min_time:",
                                        "min_warmup_time:", "threads:" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(c, words[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strncmp(c, keys[i], strlen(keys[i])) == 0)
            return 1;
    return 0;
}

/* The benchmark's name without Google Benchmark's suffixes: run_name when
 * present, else name minus "_<aggregate_name>"; then trailing options. */
static void base_name(const json_t *e, char *out, size_t n)
{
    const char *run_name = get_string(e, "run_name");
    snprintf(out, n, "%s", run_name ? run_name : get_string(e, "name"));
    const char *agg = get_string(e, "aggregate_name");
    if (!run_name && is_aggregate(e) && agg && *agg) {
        char suffix[64];
        snprintf(suffix, sizeof suffix, "_%s", agg);
        strip_suffix(out, suffix);
    }
    ipcb_strip_run_options(out);
}

void ipcb_strip_run_options(char *name)
{
    char *slash;
    while ((slash = strrchr(name, '/')) && slash != name && is_option_component(slash + 1))
        *slash = '\0';
}

static int copy_part(char *dst, size_t n, const char *src, size_t len)
{
    if (len == 0 || len >= n)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

/* The K of a "subscribers:K" name component, K a positive integer written
 * as the harness writes it (no sign, space or leading zero); -1 otherwise. */
static int parse_subscribers(const char *c)
{
    static const char prefix[] = "subscribers:";
    if (strncmp(c, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *digits = c + sizeof prefix - 1;
    if (*digits < '1' || *digits > '9')
        return -1;
    char *end;
    errno = 0;
    long k = strtol(digits, &end, 10);
    return *end == '\0' && errno == 0 && k <= INT_MAX ? (int)k : -1;
}

/* "transport/mode/size" or "transport/mode/size/subscribers:K" into its
 * parts; any other shape leaves them empty and subscribers 0. */
static void split_name(ipcb_result *r)
{
    const char *a = r->name, *b = strchr(a, '/');
    const char *c = b ? strchr(b + 1, '/') : NULL;
    const char *d = c ? strchr(c + 1, '/') : NULL;
    int k = d ? parse_subscribers(d + 1) : 0;
    size_t size_len = d ? (size_t)(d - c - 1) : c ? strlen(c + 1) : 0;
    if (!c || k < 0
        || copy_part(r->transport, sizeof r->transport, a, (size_t)(b - a))
        || copy_part(r->mode, sizeof r->mode, b + 1, (size_t)(c - b - 1))
        || copy_part(r->size, sizeof r->size, c + 1, size_len)) {
        r->transport[0] = r->mode[0] = r->size[0] = '\0';
        k = 0;
    }
    r->subscribers = k;
}

/* Google Benchmark time in time_unit (nanoseconds when absent), in microseconds. */
static double time_to_us(double t, const char *unit)
{
    if (!unit || strcmp(unit, "ns") == 0) return t / 1e3;
    if (strcmp(unit, "us") == 0)          return t;
    if (strcmp(unit, "ms") == 0)          return t * 1e3;
    if (strcmp(unit, "s") == 0)           return t * 1e6;
    return NAN;
}

static void read_run(const json_t *e, ipcb_run *run)
{
    run->real_time_us = time_to_us(get_number(e, "real_time"), get_string(e, "time_unit"));
    for (int c = 0; c < IPCB_NCOUNTERS; c++)
        run->counter[c] = get_number(e, ipcb_counter_names[c]);
}

static enum summary_rank entry_rank(const json_t *e)
{
    if (!is_aggregate(e))
        return RANK_ITERATION;
    const char *agg = get_string(e, "aggregate_name");
    return agg && strcmp(agg, "median") == 0 ? RANK_MEDIAN : RANK_OTHER_AGGREGATE;
}

/* ---- grouping entries into results --------------------------------------- */

static ipcb_result *find_or_add(loader *ld, const char *name)
{
    ipcb_resultset *rs = ld->rs;
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].name, name) == 0)
            return &rs->results[i];
    if (rs->nresults == ld->cap) {
        size_t cap = ld->cap ? ld->cap * 2 : 16;
        ipcb_result *res = realloc(rs->results, cap * sizeof *res);
        if (!res)
            return NULL;
        rs->results = res;
        unsigned char *rank = realloc(ld->rank, cap);
        if (!rank)
            return NULL;
        ld->rank = rank;
        ld->cap = cap;
    }
    ipcb_result *r = &rs->results[rs->nresults];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    split_name(r);
    ld->rank[rs->nresults++] = RANK_NONE;
    return r;
}

static int append_run(ipcb_result *r, const ipcb_run *run)
{
    ipcb_run *runs = realloc(r->runs, (r->nruns + 1) * sizeof *runs);
    if (!runs)
        return -1;
    r->runs = runs;
    r->runs[r->nruns++] = *run;
    return 0;
}

/* A count from a double: 0 unless positive and finite, at most UINT64_MAX
 * (a figure of 1e300 frames is a valid double but no uint64_t). */
static uint64_t to_count(double v)
{
    if (!isfinite(v) || v <= 0)
        return 0;
    return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

/* A successful run's measured frames count towards the samples under r. */
static void count_frames(ipcb_result *r, const ipcb_run *run)
{
    uint64_t frames = to_count(run->counter[IPCB_C_FRAMES]);
    r->samples = frames > UINT64_MAX - r->samples ? UINT64_MAX : r->samples + frames;
    if (frames > r->frames_per_run)
        r->frames_per_run = frames;
}

static int has_error(const json_t *e)
{
    return json_is_true(json_object_get(e, "error_occurred"));
}

static void note_error(ipcb_result *r, const json_t *e)
{
    if (!has_error(e))
        return;
    if (!r->failed) {
        const char *msg = get_string(e, "error_message");
        snprintf(r->error, sizeof r->error, "%s", msg && *msg ? msg : "error occurred");
        r->skipped = strncmp(r->error, IPCB_SKIPPED_PREFIX, sizeof IPCB_SKIPPED_PREFIX - 1) == 0;
    }
    r->failed = 1;
}

static int add_entry(loader *ld, const json_t *e)
{
    char name[128]; /* as ipcb_result.name */
    base_name(e, name, sizeof name);
    ipcb_result *r = find_or_add(ld, name);
    if (!r)
        return -1;
    ipcb_run run;
    read_run(e, &run);
    if (!is_aggregate(e)) {
        if (append_run(r, &run) != 0)
            return -1;
        if (!has_error(e))
            count_frames(r, &run);
    }
    unsigned char *rank = &ld->rank[r - ld->rs->results];
    enum summary_rank er = entry_rank(e);
    if (er > *rank || (er == RANK_ITERATION && *rank == RANK_ITERATION)) {
        r->summary = run;
        *rank = (unsigned char)er;
    }
    if (r->bytes == 0)
        r->bytes = to_count(run.counter[IPCB_C_BYTES]);
    note_error(r, e);
    return 0;
}

static int load_benchmarks(loader *ld, const json_t *root)
{
    const json_t *arr = json_object_get(root, "benchmarks");
    if (!json_is_array(arr)) {
        ipcb_set_err(ld->err, ld->errlen, "%s: no \"benchmarks\" array (not Google "
                "Benchmark JSON)", ld->path);
        return -1;
    }
    if (json_array_size(arr) == 0) {
        ipcb_set_err(ld->err, ld->errlen, "%s: no benchmarks (the \"benchmarks\" array "
                "is empty)", ld->path);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (check_entry(ld, json_array_get(arr, i), i) != 0)
            return -1;
    if (ipcb_results_check(root, ld->path, ld->err, ld->errlen) != 0)
        return -1;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (add_entry(ld, json_array_get(arr, i)) != 0) {
            ipcb_set_err(ld->err, ld->errlen, "%s: out of memory", ld->path);
            return -1;
        }
    }
    return 0;
}

/* ---- context ------------------------------------------------------------- */

/* A scalar as text; arrays of scalars (load_avg) joined by spaces. NULL for
 * objects, null and arrays holding objects, or when out of memory. */
static char *value_text(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:  return strdup(json_string_value(v));
    case JSON_INTEGER: snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL:    snprintf(buf, sizeof buf, "%.15g", json_real_value(v)); break;
    case JSON_TRUE:    return strdup("true");
    case JSON_FALSE:   return strdup("false");
    case JSON_ARRAY:   break;
    default:           return NULL;
    }
    if (!json_is_array(v))
        return strdup(buf);
    size_t len = 0, i;
    json_t *item;
    char *joined = strdup("");
    json_array_foreach(v, i, item) {
        char *t = json_is_array(item) ? NULL : value_text(item);
        char *grown = t && joined ? realloc(joined, len + strlen(t) + 2) : NULL;
        if (!grown) {
            free(t);
            free(joined);
            return NULL;
        }
        joined = grown;
        len += (size_t)sprintf(joined + len, "%s%s", i ? " " : "", t);
        free(t);
    }
    return joined;
}

static int load_context(ipcb_resultset *rs, const json_t *root)
{
    const json_t *ctx = json_object_get(root, "context");
    if (!json_is_object(ctx))
        return 0;
    rs->context = calloc(json_object_size(ctx) + 1, sizeof *rs->context);
    if (!rs->context)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ctx, key, v) {
        char *text = value_text(v);
        if (!text)
            continue;
        ipcb_kv *kv = &rs->context[rs->ncontext];
        kv->key = strdup(key);
        kv->value = text;
        rs->ncontext++;
        if (!kv->key)
            return -1;
    }
    return 0;
}

/* ---- public API ---------------------------------------------------------- */

static int check_root(const json_t *root, const char *path, char *err, size_t errlen)
{
    if (json_is_object(root))
        return 0;
    ipcb_set_err(err, errlen, "%s: top level is %s, not an object (not Google Benchmark JSON)",
            path, type_name(root));
    return -1;
}

int ipcb_resultset_load(ipcb_resultset *rs, const char *path, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    char file[4096];
    if (ipcb_results_json_path(path, file, sizeof file, err, errlen) != 0)
        return -1;
    json_t *root = ipcb_results_json_load(file, err, errlen);
    if (!root)
        return -1;
    loader ld = { .rs = rs, .path = file, .err = err, .errlen = errlen };
    int rc = check_root(root, file, err, errlen);
    if (rc == 0)
        rc = load_benchmarks(&ld, root);
    if (rc == 0 && load_context(rs, root) != 0) {
        ipcb_set_err(err, errlen, "%s: out of memory", file);
        rc = -1;
    }
    free(ld.rank);
    json_decref(root);
    if (rc != 0)
        ipcb_resultset_free(rs);
    return rc;
}

void ipcb_resultset_free(ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->ncontext; i++) {
        free(rs->context[i].key);
        free(rs->context[i].value);
    }
    free(rs->context);
    for (size_t i = 0; i < rs->nresults; i++)
        free(rs->results[i].runs);
    free(rs->results);
    memset(rs, 0, sizeof *rs);
}

const char *ipcb_resultset_context(const ipcb_resultset *rs, const char *key)
{
    for (size_t i = 0; i < rs->ncontext; i++)
        if (strcmp(rs->context[i].key, key) == 0)
            return rs->context[i].value;
    return NULL;
}

const ipcb_result *ipcb_resultset_find(const ipcb_resultset *rs, const char *name)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (strcmp(rs->results[i].name, name) == 0)
            return &rs->results[i];
    return NULL;
}

int ipcb_result_too_few_frames(const ipcb_result *r, enum ipcb_counter c)
{
    uint64_t need = ipcb_counter_min_frames(c);
    return need > 0 && r->frames_per_run > 0 && r->frames_per_run < need;
}

void ipcb_benchmark_name(char *out, size_t n, const char *transport, const ipcb_result *r)
{
    int len = snprintf(out, n, "%s/%s/%s", transport, r->mode, r->size);
    if (r->subscribers && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, "/subscribers:%d", r->subscribers);
}

static int cmp_rows(const void *a, const void *b)
{
    const ipcb_result *x = *(const ipcb_result *const *)a;
    const ipcb_result *y = *(const ipcb_result *const *)b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    int c = strcmp(x->size, y->size);
    if (c == 0 && x->subscribers != y->subscribers)
        c = x->subscribers < y->subscribers ? -1 : 1;
    return c;
}

size_t ipcb_resultset_rows(const ipcb_resultset *rs, const char *mode,
                           const ipcb_result **out)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->size[0] || strcmp(r->mode, mode) != 0)
            continue;
        size_t k = 0;
        while (k < n && (strcmp(out[k]->size, r->size) != 0
                         || out[k]->subscribers != r->subscribers))
            k++;
        if (k == n)
            out[n++] = r;
    }
    qsort(out, n, sizeof *out, cmp_rows);
    return n;
}

size_t ipcb_resultset_transports(const ipcb_resultset *rs, const char *mode,
                                 const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->transport[0] || (mode && strcmp(r->mode, mode) != 0))
            continue;
        size_t k = 0;
        while (k < n && strcmp(out[k], r->transport) != 0)
            k++;
        if (k == n)
            out[n++] = r->transport;
    }
    return n;
}
