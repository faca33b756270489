/* results.csv: one row per benchmark, sorted by mode, transport, bytes and
 * subscribers so gnuplot draws each transport's rows of one mode (and size, in
 * fanout mode) as a line. RFC 4180 quoting; absent values are empty cells. */
#include "csv.h"
#include "textfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char header[] =
    "transport,mode,size,bytes,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,"
    "rtt_p50_us,mb_per_s,frames_per_s,cpu_per_gib_s,cpu_per_frame_us,copies,"
    "verify,late,dropped,repetitions,status,error,subscribers,"
    "samples,faults_per_frame,csw_per_frame,major_faults_per_frame,icsw_per_frame,steal_s\n";

/* The counters between "bytes" and "verify", in column order. */
static const enum ipcb_counter measure_cols[] = {
    IPCB_C_P50_US, IPCB_C_P90_US, IPCB_C_P99_US, IPCB_C_P999_US, IPCB_C_MAX_US,
    IPCB_C_MEAN_US, IPCB_C_RTT_P50_US, IPCB_C_MB_PER_S, IPCB_C_FRAMES_PER_S,
    IPCB_C_CPU_PER_GIB_S, IPCB_C_CPU_PER_FRAME_US, IPCB_C_COPIES,
};

/* The counters after "samples", in column order. */
static const enum ipcb_counter cost_cols[] = {
    IPCB_C_FAULTS_PER_FRAME, IPCB_C_CSW_PER_FRAME, IPCB_C_MAJOR_FAULTS_PER_FRAME,
    IPCB_C_ICSW_PER_FRAME, IPCB_C_STEAL_S,
};

static int cmp_results(const void *a, const void *b)
{
    const ipcb_result *x = *(const ipcb_result *const *)a;
    const ipcb_result *y = *(const ipcb_result *const *)b;
    int c = strcmp(x->mode, y->mode);
    if (c == 0)
        c = strcmp(x->transport, y->transport);
    if (c == 0 && x->bytes != y->bytes)
        c = x->bytes < y->bytes ? -1 : 1;
    if (c == 0)
        c = strcmp(x->size, y->size);
    if (c == 0 && x->subscribers != y->subscribers)
        c = x->subscribers < y->subscribers ? -1 : 1;
    return c ? c : strcmp(x->name, y->name);
}

/* One text cell; quoted (quotes doubled) if it holds a comma, quote or newline. */
static void put_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One number cell: whole numbers in full, others with 6 significant digits,
 * nothing for NaN. Followed by a comma unless it ends the row. */
static void put_number(FILE *f, double v, int last)
{
    if (!isnan(v) && v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else if (!isnan(v))
        fprintf(f, "%.6g", v);
    if (!last)
        fputc(',', f);
}

static void put_counters(FILE *f, const ipcb_run *run, const enum ipcb_counter *cols,
                         size_t n, int last)
{
    for (size_t i = 0; i < n; i++)
        put_number(f, run->counter[cols[i]], last && i + 1 == n);
}

static void put_row(FILE *f, const ipcb_result *r, const char *verify)
{
    /* A name that is not transport/mode/size (foreign JSON) goes in the
     * transport column so the row stays identifiable. */
    put_text(f, r->transport[0] ? r->transport : r->name);
    fputc(',', f);
    put_text(f, r->mode);
    fputc(',', f);
    put_text(f, r->size);
    fputc(',', f);
    put_number(f, r->bytes ? (double)r->bytes : NAN, 0);
    put_counters(f, &r->summary, measure_cols, sizeof measure_cols / sizeof measure_cols[0], 0);
    put_text(f, verify);
    fputc(',', f);
    put_number(f, r->summary.counter[IPCB_C_LATE], 0);
    put_number(f, r->summary.counter[IPCB_C_DROPPED], 0);
    put_number(f, (double)r->nruns, 0);
    fputs(r->skipped ? "skipped," : r->failed ? "failed," : "ok,", f);
    put_text(f, r->failed ? r->error : "");
    fputc(',', f);
    if (r->subscribers)     /* empty outside fanout mode */
        fprintf(f, "%d", r->subscribers);
    fputc(',', f);
    put_number(f, r->samples ? (double)r->samples : NAN, 0);
    put_counters(f, &r->summary, cost_cols, sizeof cost_cols / sizeof cost_cols[0], 1);
    fputc('\n', f);
}

static int write_rows(FILE *f, void *arg)
{
    const ipcb_resultset *rs = arg;
    const ipcb_result **order = malloc((rs->nresults + 1) * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < rs->nresults; i++)
        order[i] = &rs->results[i];
    qsort(order, rs->nresults, sizeof *order, cmp_results);
    const char *verify = ipcb_resultset_context(rs, "verify");
    fputs(header, f);
    for (size_t i = 0; i < rs->nresults; i++)
        put_row(f, order[i], verify ? verify : "");
    free(order);
    return 0;
}

int ipcb_csv_write(const ipcb_resultset *rs, const char *path, char *err, size_t errlen)
{
    return ipcb_write_atomically(path, write_rows, (void *)rs, err, errlen);
}
