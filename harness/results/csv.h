/* results.csv, written from a resultset as read back from results.json, so
 * the CSV says exactly what the JSON says. Implemented in csv.c. */
#ifndef IPCB_CSV_H
#define IPCB_CSV_H

#include <stddef.h>

#include "resultset.h"

/* results.csv: one row per benchmark with the columns
 *   transport,mode,size,bytes,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,
 *   rtt_p50_us,mb_per_s,frames_per_s,cpu_per_gib_s,cpu_per_frame_us,copies,
 *   verify,late,dropped,repetitions,status,error,subscribers,
 *   samples,faults_per_frame,csw_per_frame,major_faults_per_frame,icsw_per_frame,steal_s
 * (columns are only ever appended) sorted by mode, transport, bytes, size,
 * subscribers (so each transport's rows of one mode, and in fanout mode each
 * transport and size's rows, are contiguous for gnuplot); status is "ok",
 * "skipped" or "failed"; subscribers is empty outside fanout mode; samples
 * is ipcb_result.samples; absent values (p99_us of a run of fewer than 100
 * frames, say) are empty. Written to a temporary name and renamed. */
int  ipcb_csv_write(const ipcb_resultset *rs, const char *path, char *err, size_t errlen);

#endif
