/* The figures a results.json may not hold: a negative or infinite latency,
 * rate, CPU time, cost, count or size, and a NaN where a successful run
 * always measures the figure. Every reader of results (the loader, merge)
 * refuses such a file before anything is written. */
#ifndef IPCB_RESULTCHECK_H
#define IPCB_RESULTCHECK_H

#include <jansson.h>
#include <stddef.h>

/* Checks Google Benchmark's times (real_time, cpu_time) and every ipcbench
 * counter (schema.h) of each object in root's "benchmarks", as read by
 * ipcb_results_json_load (non-finite numbers as the strings "NaN",
 * "Infinity", "-Infinity"). The rule, per value present:
 *   - a number that is negative, or infinite, is refused, in every entry;
 *   - anything but a number (a string, a boolean, an object) is refused;
 *     null is taken as absent;
 *   - NaN means absent (Google Benchmark writes it where a figure is
 *     undefined: a cv aggregate of zeros, a mean of absent values), except in
 *     a successful repetition (run_type "iteration", no error_occurred) of a
 *     benchmark named transport/MODE/size, for a counter every such run of
 *     MODE measures: p50_us p90_us max_us mean_us in latency, paced and
 *     fanout mode (p99_us from 100 frames, p999_us from 1000), rtt_p50_us in
 *     latency and fanout mode (rtt_p99_us from 100 frames), frames bytes
 *     frames_per_s mb_per_s copies in every mode, late and dropped in paced
 *     mode, subscribers in fanout mode. CPU times and costs, page faults,
 *     context switches and steal may be NaN (nothing to divide by, a process
 *     or /proc file that is not there).
 * Entries that are not objects are left to the caller. Returns 0, or -1 with
 * err naming the file, the benchmark, the entry and the field:
 * "PATH: benchmark unix/latency/64 (repetition 2 of 3): p50_us is -3.5, a
 * latency cannot be negative". */
int ipcb_results_check(const json_t *root, const char *path, char *err, size_t errlen);

#endif
