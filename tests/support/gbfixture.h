/* Synthetic runs for the tests of what reads results back (merge, reports):
 * Google Benchmark JSON entries as ipcbench writes them, a run directory with
 * its results.json, and a scratch directory per test. */
#ifndef IPCB_TEST_GBFIXTURE_H
#define IPCB_TEST_GBFIXTURE_H

#include <jansson.h>
#include <stddef.h>

/* cmocka setup/teardown: *state is a fresh directory under /tmp, removed after. */
int  gbf_setup_dir(void **state);
int  gbf_teardown_dir(void **state);

/* dir/name into out (PATH_MAX). */
void gbf_path(char *out, const char *dir, const char *name);
/* The whole file dir/name as a string to free; NULL if it cannot be read. */
char *gbf_read(const char *dir, const char *name);
int  gbf_exists(const char *dir, const char *name);

/* An entry of benchmark base ("unix/latency/64K"): repetition rep of reps, or
 * with agg ("median", "mean") an aggregate; p50 (also real_time), p99 and
 * mb_per_s as given (NaN: the key is left out), frames and bytes. */
typedef struct gbf_values {
    double p50_us, p99_us, mb_per_s, cpu_per_gib_s;
    double frames, bytes;
} gbf_values;
json_t *gbf_entry(const char *base, const char *agg, int rep, int reps, const gbf_values *v);
/* The same entry failed with message. */
json_t *gbf_failed(const char *base, int rep, int reps, const char *message);

/* A context with host, date and campaign (and the usual facts). */
json_t *gbf_context(const char *host, const char *date, const char *campaign);
/* Makes dir (and its parent dir) and writes dir/results.json from context and
 * benchmarks (both consumed). */
void gbf_write_run(const char *dir, json_t *context, json_t *benchmarks);

#endif
