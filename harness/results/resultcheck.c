/* Refuses impossible figures in a results.json before any output is made of
 * them: negative or infinite values, values that are not numbers, and NaN
 * where a successful run always measures the figure (the rule: resultcheck.h). */
#include "resultcheck.h"
#include "resultset.h"
#include "schema.h"
#include "textfile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bits of the modes whose successful runs always measure a counter. */
enum {
    IN_LATENCY    = 1u << IPCB_MODE_LATENCY,
    IN_THROUGHPUT = 1u << IPCB_MODE_THROUGHPUT,
    IN_PACED      = 1u << IPCB_MODE_PACED,
    IN_FANOUT     = 1u << IPCB_MODE_FANOUT,
    IN_TIMED      = IN_LATENCY | IN_PACED | IN_FANOUT,   /* latency samples */
    IN_ROUND_TRIP = IN_LATENCY | IN_FANOUT,
    IN_EVERY      = IN_TIMED | IN_THROUGHPUT,
    IN_NONE       = 0,
};

/* What a figure is (for the message) and where a NaN is refused. */
typedef struct figure_rule {
    const char *what;
    unsigned    measured_in;
} figure_rule;

static const figure_rule counter_rules[IPCB_NCOUNTERS] = {
    [IPCB_C_P50_US]                 = { "a latency", IN_TIMED },
    [IPCB_C_P90_US]                 = { "a latency", IN_TIMED },
    [IPCB_C_P99_US]                 = { "a latency", IN_TIMED },      /* from 100 frames */
    [IPCB_C_P999_US]                = { "a latency", IN_TIMED },      /* from 1000 frames */
    [IPCB_C_MAX_US]                 = { "a latency", IN_TIMED },
    [IPCB_C_MEAN_US]                = { "a latency", IN_TIMED },
    [IPCB_C_RTT_P50_US]             = { "a latency", IN_ROUND_TRIP },
    [IPCB_C_RTT_P99_US]             = { "a latency", IN_ROUND_TRIP }, /* from 100 frames */
    [IPCB_C_FRAMES_PER_S]           = { "a rate", IN_EVERY },
    [IPCB_C_MB_PER_S]               = { "a rate", IN_EVERY },
    [IPCB_C_CPU_DRIVER_S]           = { "a CPU time", IN_NONE },
    [IPCB_C_CPU_PEER_S]             = { "a CPU time", IN_NONE },
    [IPCB_C_CPU_INFRA_S]            = { "a CPU time", IN_NONE },
    [IPCB_C_CPU_PER_GIB_S]          = { "a CPU cost", IN_NONE },
    [IPCB_C_CPU_PER_FRAME_US]       = { "a CPU cost", IN_NONE },
    [IPCB_C_COPIES]                 = { "a count of copies", IN_EVERY },
    [IPCB_C_LATE]                   = { "a count of frames", IN_PACED },
    [IPCB_C_DROPPED]                = { "a count of frames", IN_PACED },
    [IPCB_C_FRAMES]                 = { "a count of frames", IN_EVERY },
    [IPCB_C_BYTES]                  = { "a frame size", IN_EVERY },
    [IPCB_C_SUBSCRIBERS]            = { "a count of subscribers", IN_FANOUT },
    [IPCB_C_FAULTS_PER_FRAME]       = { "a count per frame", IN_NONE },
    [IPCB_C_MAJOR_FAULTS_PER_FRAME] = { "a count per frame", IN_NONE },
    [IPCB_C_CSW_PER_FRAME]          = { "a count per frame", IN_NONE },
    [IPCB_C_ICSW_PER_FRAME]         = { "a count per frame", IN_NONE },
    [IPCB_C_STEAL_S]                = { "a CPU time", IN_NONE },
};

/* Google Benchmark's own times of an entry, in its time_unit. */
static const char *const time_keys[] = { "real_time", "cpu_time" };
static const figure_rule time_rule = { "a time", IN_NONE };

/* One entry being checked, and where to say what is wrong. */
typedef struct entry_check {
    const json_t *e;
    char          benchmark[160];
    char          where[64];        /* "repetition 2 of 3", "median", ... */
    int           strict_mode;      /* its mode (ipcb_mode) where a NaN can be refused, else -1 */
    double        frames;           /* its "frames", NaN if absent */
    const char   *path;
    char         *err;
    size_t        errlen;
} entry_check;

/* ---- one value ---------------------------------------------------------------- */

typedef enum figure_kind { FIG_ABSENT, FIG_NUMBER, FIG_NAN, FIG_NOT_A_NUMBER } figure_kind;

/* A value as results.json holds it: absent (or null), a number (finite or
 * one of the quoted infinities), NaN (quoted), or something else. */
static figure_kind read_figure(const json_t *v, double *out)
{
    *out = NAN;
    if (!v || json_is_null(v))
        return FIG_ABSENT;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return FIG_NUMBER;
    }
    const char *s = json_string_value(v);
    if (s && (strcmp(s, "NaN") == 0 || strcmp(s, "-NaN") == 0))
        return FIG_NAN;
    if (s && (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return FIG_NUMBER;
    }
    return FIG_NOT_A_NUMBER;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY:  return "an array";
    case JSON_STRING: return "a string";
    case JSON_TRUE:
    case JSON_FALSE:  return "a boolean";
    default:          return "not a number";
    }
}

/* Does every successful run of the entry's mode measure counter c (given
 * its frames, for the percentiles that need some)? */
static int always_measured(const entry_check *ec, int c)
{
    if (c < 0 || ec->strict_mode < 0 || !(counter_rules[c].measured_in & (1u << ec->strict_mode)))
        return 0;
    uint64_t need = ipcb_counter_min_frames((enum ipcb_counter)c);
    return need == 0 || (isfinite(ec->frames) && ec->frames >= (double)need);
}

__attribute__((format(printf, 3, 4)))
static int refuse(const entry_check *ec, const char *key, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ipcb_set_err(ec->err, ec->errlen, "%s: benchmark %s (%s): %s is %s", ec->path,
                 ec->benchmark, ec->where, key, why);
    return -1;
}

/* The value of key under rule; c is its counter, or -1 for a time. */
static int check_figure(const entry_check *ec, const char *key, const figure_rule *rule, int c)
{
    const json_t *v = json_object_get(ec->e, key);
    double x;
    switch (read_figure(v, &x)) {
    case FIG_ABSENT:
        return 0;
    case FIG_NOT_A_NUMBER:
        return refuse(ec, key, "%s, but %s must be a number", json_kind(v), rule->what);
    case FIG_NAN:
        if (always_measured(ec, c))
            return refuse(ec, key, "NaN, but every successful %s run measures it",
                          ipcb_mode_name((ipcb_mode)ec->strict_mode));
        return 0;
    case FIG_NUMBER:
        break;
    }
    if (isinf(x))
        return refuse(ec, key, "%s, but %s must be finite", x > 0 ? "Infinity" : "-Infinity",
                      rule->what);
    if (x < 0)
        return refuse(ec, key, "%g, %s cannot be negative", x, rule->what);
    return 0;
}

/* ---- one entry ---------------------------------------------------------------- */

static const char *get_string(const json_t *e, const char *key)
{
    return json_string_value(json_object_get(e, key));
}

/* The benchmark's name as the loader knows it: run_name (or name without
 * "_<aggregate_name>"), without Google Benchmark's run options. */
static void benchmark_name(const json_t *e, char *out, size_t n)
{
    const char *run_name = get_string(e, "run_name"), *agg = get_string(e, "aggregate_name");
    const char *name = get_string(e, "name");
    snprintf(out, n, "%s", run_name ? run_name : name ? name : "(no name)");
    size_t len = strlen(out), alen = agg ? strlen(agg) : 0;
    if (!run_name && alen && len > alen + 1 && out[len - alen - 1] == '_'
        && strcmp(out + len - alen, agg) == 0)
        out[len - alen - 1] = '\0';
    ipcb_strip_run_options(out);
}

/* "repetition 2 of 3" (counted from 1), "median", or "benchmarks[i]". */
static void entry_where(const json_t *e, size_t index, char *out, size_t n)
{
    const char *type = get_string(e, "run_type");
    const json_t *rep = json_object_get(e, "repetition_index");
    const json_t *reps = json_object_get(e, "repetitions");
    if (type && strcmp(type, "aggregate") == 0) {
        const char *agg = get_string(e, "aggregate_name");
        snprintf(out, n, "%s", agg && *agg ? agg : "an aggregate");
    } else if (json_is_integer(rep) && json_is_integer(reps) && json_integer_value(reps) > 1) {
        snprintf(out, n, "repetition %lld of %lld", (long long)json_integer_value(rep) + 1,
                 (long long)json_integer_value(reps));
    } else if (json_is_integer(rep)) {
        snprintf(out, n, "repetition %lld", (long long)json_integer_value(rep) + 1);
    } else {
        snprintf(out, n, "benchmarks[%zu]", index);
    }
}

/* The mode in "transport/MODE/size..." of a successful iteration entry, where
 * a NaN can be refused; -1 for any other entry or name. */
static int strict_mode(const json_t *e, const char *benchmark)
{
    const char *type = get_string(e, "run_type");
    if (!type || strcmp(type, "iteration") != 0 || json_is_true(json_object_get(e, "error_occurred")))
        return -1;
    const char *slash = strchr(benchmark, '/');
    const char *end = slash ? strchr(slash + 1, '/') : NULL;
    char word[32];
    ipcb_mode m;
    if (!end || (size_t)(end - slash - 1) >= sizeof word)
        return -1;
    snprintf(word, sizeof word, "%.*s", (int)(end - slash - 1), slash + 1);
    return ipcb_mode_parse(word, &m) == 0 ? (int)m : -1;
}

static int check_entry(entry_check *ec, size_t index)
{
    benchmark_name(ec->e, ec->benchmark, sizeof ec->benchmark);
    entry_where(ec->e, index, ec->where, sizeof ec->where);
    ec->strict_mode = strict_mode(ec->e, ec->benchmark);
    read_figure(json_object_get(ec->e, ipcb_counter_names[IPCB_C_FRAMES]), &ec->frames);
    for (int c = 0; c < IPCB_NCOUNTERS; c++)
        if (check_figure(ec, ipcb_counter_names[c], &counter_rules[c], c) != 0)
            return -1;
    for (size_t k = 0; k < sizeof time_keys / sizeof time_keys[0]; k++)
        if (check_figure(ec, time_keys[k], &time_rule, -1) != 0)
            return -1;
    return 0;
}

int ipcb_results_check(const json_t *root, const char *path, char *err, size_t errlen)
{
    const json_t *arr = json_object_get(root, "benchmarks");
    entry_check ec = { .path = path, .err = err, .errlen = errlen };
    for (size_t i = 0; i < json_array_size(arr); i++) {
        ec.e = json_array_get(arr, i);
        if (json_is_object(ec.e) && check_entry(&ec, i) != 0)
            return -1;
    }
    return 0;
}
