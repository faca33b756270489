/* The report's "Qt over C" section: per frame size, each Qt transport's p50
 * latency and throughput as a ratio to its C counterpart when both ran, and
 * where the difference comes from, with the counters (CPU, switches, copies). */
#include "report_qt.h"
#include "human.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qt_pair {
    const char *qt, *c;
    const char *why;   /* what Qt adds over the C transport (markup) */
} qt_pair;

static const qt_pair pairs[] = {
    { "qt-shm", "shm",
      "The same segment, lock and two copies. Qt takes every QSystemSemaphore operation (its "
      "lock and the ready/free signals) with `SEM_UNDO` and without a timeout, so a watchdog "
      "thread bounds each wait; the signals rotate over three semaphores to keep SEM_UNDO's "
      "count in range." },
    { "qt-dbus", "dbus",
      "QtDBus reads and writes on a thread of its own: each call is marshalled in the caller, "
      "written by that thread, and on the receiving side demarshalled there (the pixels become a "
      "QByteArray, a copy libdbus does not make: 9 copies against 8) and posted to the event "
      "loop; each reply travels back the same way." },
    { "qt-dbus-fd", "dbus-fd",
      "The pixels travel in a sealed memfd either way (1 copy), so what is left is QtDBus's "
      "thread hand-offs and event-loop wake-ups per call." },
    { "qt-http", "http",
      "The same libmicrohttpd peer; only the client differs. QNetworkAccessManager writes from "
      "its own HTTP thread, which asks the event loop's thread for the body chunk by chunk, each "
      "chunk copied into a QByteArray and handed over (5 copies against 4, two thread hand-offs a "
      "chunk), and posts the reply back. It does not set `TCP_NODELAY` (on purpose, says Qt's "
      "source) and the headers leave before the body, so a small body waits for the server's "
      "delayed ACK (about 40 ms on Linux): most of a small frame's time." },
    { "qt-local", "unix",
      "The same kind of socket. QLocalSocket copies a frame into its write buffer and out of its "
      "read buffer (4 copies against 2), and a large frame arrives over many event-loop turns, "
      "one per readyRead, each growing Qt's buffer." },
};
enum { NPAIRS = sizeof pairs / sizeof pairs[0] };

static const char howto[] =
    "Each Qt transport against the C transport of the same mechanism, measured in the same run: "
    "latency above 1× and throughput below 1× mean Qt is slower. Shown only where both ran. "
    "CPU time and context switches are per frame in the latency runs (driver, peer and bus "
    "daemon together), where every frame pays the whole round of hand-offs and wake-ups.";

static const ipcb_result *find(const ipcb_resultset *rs, const char *transport, const char *mode,
                               const char *size)
{
    char name[160];
    snprintf(name, sizeof name, "%s/%s/%s", transport, mode, size);
    return ipcb_resultset_find(rs, name);
}

static double figure(const ipcb_result *r, enum ipcb_counter c)
{
    return r && !r->failed ? r->summary.counter[c] : NAN;
}

/* Did both transports of p run at size in some mode? */
static int pair_ran(const ipcb_resultset *rs, const qt_pair *p, const char *size)
{
    static const char *const modes[] = { "latency", "throughput" };
    for (size_t m = 0; m < 2; m++)
        if (find(rs, p->qt, modes[m], size) && find(rs, p->c, modes[m], size))
            return 1;
    return 0;
}

/* The distinct sizes of the latency and throughput results, by bytes. */
static size_t sizes_of(const ipcb_resultset *rs, const ipcb_result **out)
{
    size_t n = ipcb_resultset_rows(rs, "latency", out);
    const ipcb_result **more = calloc(rs->nresults + 1, sizeof *more);
    if (!more)
        return n;
    size_t m = ipcb_resultset_rows(rs, "throughput", more);
    for (size_t i = 0; i < m; i++) {
        size_t j = 0;
        while (j < n && strcmp(out[j]->size, more[i]->size) != 0)
            j++;
        if (j < n)
            continue;
        size_t at = n++;
        while (at > 0 && out[at - 1]->bytes > more[i]->bytes) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = more[i];
    }
    free(more);
    return n;
}

int rpt_has_qt_pairs(const ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->nresults; i++)
        for (size_t p = 0; p < NPAIRS; p++)
            if (strcmp(rs->results[i].transport, pairs[p].qt) == 0 && pair_ran(rs, &pairs[p], rs->results[i].size))
                return 1;
    return 0;
}

typedef void (*format_fn)(char *out, size_t n, double v);

/* "2.05× (126 µs / 61.5 µs)", "failed" or "–". */
static void ratio_cell(rdoc *d, const ipcb_result *qt, const ipcb_result *c, enum ipcb_counter counter,
                       format_fn format)
{
    if ((qt && qt->failed) || (c && c->failed)) {
        rd_cell(d, RD_NUM, "failed");
        return;
    }
    double q = figure(qt, counter), b = figure(c, counter);
    if (!isfinite(q) || !isfinite(b) || b <= 0) {
        rd_cell(d, RD_NUM, IPCB_UNDEFINED);
        return;
    }
    char ratio[32], qs[32], bs[32];
    ipcb_human_ratio(ratio, sizeof ratio, q / b);
    format(qs, sizeof qs, q);
    format(bs, sizeof bs, b);
    rd_cell_begin(d, RD_NUM);
    rd_textf(d, "%s (%s / %s)", ratio, qs, bs);
    rd_cell_end(d, RD_NUM);
}

static void counter_text(char *out, size_t n, double v, int decimals)
{
    if (isfinite(v))
        ipcb_human_fixed(out, n, v, decimals);
    else
        snprintf(out, n, "%s", IPCB_UNDEFINED);
}

/* "C → Qt" of a per-frame counter, e.g. "4.1 → 9.3". */
static void change_cell(rdoc *d, const ipcb_result *qt, const ipcb_result *c, enum ipcb_counter counter,
                        int decimals)
{
    char qs[32], bs[32];
    counter_text(bs, sizeof bs, figure(c, counter), decimals);
    counter_text(qs, sizeof qs, figure(qt, counter), decimals);
    rd_cell_begin(d, RD_NUM);
    rd_textf(d, "%s → %s", bs, qs);
    rd_cell_end(d, RD_NUM);
}

static void write_table(rdoc *d, const ipcb_resultset *rs, const ipcb_result **sizes, size_t nsizes)
{
    static const char *const cols[] = { "frame size", "Qt", "over C", "p50 latency, Qt ÷ C",
                                        "throughput, Qt ÷ C", "CPU µs per frame, C → Qt",
                                        "context switches per frame, C → Qt", "copies, C → Qt" };
    static const int flags[] = { 0, 0, 0, RD_NUM, RD_NUM, RD_NUM, RD_NUM, RD_NUM };
    rd_table_begin(d);
    rd_header(d, cols, flags, sizeof cols / sizeof cols[0]);
    for (size_t s = 0; s < nsizes; s++) {
        const char *size = sizes[s]->size;
        for (size_t p = 0; p < NPAIRS; p++) {
            if (!pair_ran(rs, &pairs[p], size))
                continue;
            const ipcb_result *ql = find(rs, pairs[p].qt, "latency", size), *cl = find(rs, pairs[p].c, "latency", size);
            const ipcb_result *qt = find(rs, pairs[p].qt, "throughput", size);
            const ipcb_result *ct = find(rs, pairs[p].c, "throughput", size);
            const ipcb_result *qc = ql ? ql : qt, *cc = cl ? cl : ct; /* counters: latency runs if any */
            rd_row_begin(d);
            rd_cell_keyed(d, 0, size, (double)sizes[s]->bytes);
            rd_cell_begin(d, 0);
            rd_code(d, pairs[p].qt);
            rd_cell_end(d, 0);
            rd_cell_begin(d, 0);
            rd_code(d, pairs[p].c);
            rd_cell_end(d, 0);
            ratio_cell(d, ql, cl, IPCB_C_P50_US, ipcb_human_us);
            ratio_cell(d, qt, ct, IPCB_C_MB_PER_S, ipcb_human_mb_per_s);
            change_cell(d, qc, cc, IPCB_C_CPU_PER_FRAME_US, 1);
            change_cell(d, qc, cc, IPCB_C_CSW_PER_FRAME, 1);
            change_cell(d, qc, cc, IPCB_C_COPIES, 0);
            rd_row_end(d);
        }
    }
    rd_table_end(d);
}

/* magnitude (|v| as shown) with v's sign: "+3.20 µs", "-1.0"; none when it
 * shows as zero ("0.0") or v is undefined. */
static void signed_text(char *out, size_t n, double v, const char *magnitude)
{
    int zero = !isfinite(v) || strspn(magnitude, "0.") == strlen(magnitude);
    snprintf(out, n, "%s%s", zero ? "" : v < 0 ? "-" : "+", magnitude);
}

/* Writes "p50 2.04×, +60.3 µs of CPU, +4.8 context switches and 0.0 page
 * faults per frame" for the pair at size (latency runs); 0 if a figure is
 * missing (nothing written). */
static int measured_at(rdoc *d, const ipcb_resultset *rs, const qt_pair *p, const char *size)
{
    const ipcb_result *q = find(rs, p->qt, "latency", size), *c = find(rs, p->c, "latency", size);
    double cpu = figure(q, IPCB_C_CPU_PER_FRAME_US) - figure(c, IPCB_C_CPU_PER_FRAME_US);
    double csw = figure(q, IPCB_C_CSW_PER_FRAME) - figure(c, IPCB_C_CSW_PER_FRAME);
    double faults = figure(q, IPCB_C_FAULTS_PER_FRAME) - figure(c, IPCB_C_FAULTS_PER_FRAME);
    double lat = figure(q, IPCB_C_P50_US) / figure(c, IPCB_C_P50_US);
    if (!isfinite(cpu) || !isfinite(csw) || !isfinite(lat))
        return 0;
    char ratio[32], magnitude[32], cpus[40], csws[40], faultss[40];
    ipcb_human_ratio(ratio, sizeof ratio, lat);
    ipcb_human_us(magnitude, sizeof magnitude, fabs(cpu));
    signed_text(cpus, sizeof cpus, cpu, magnitude);
    ipcb_human_fixed(magnitude, sizeof magnitude, fabs(csw), 1);
    signed_text(csws, sizeof csws, csw, magnitude);
    counter_text(magnitude, sizeof magnitude, fabs(faults), 1);
    signed_text(faultss, sizeof faultss, faults, magnitude);
    rd_textf(d, "p50 %s, %s of CPU, %s context switches and %s page faults per frame", ratio, cpus, csws,
             faultss);
    return 1;
}

/* " Measured (latency runs): at 64, ...; at 1080p, ..." at the smallest and
 * the largest size both ran in latency mode, or nothing. */
static void measured_text(rdoc *d, const ipcb_resultset *rs, const qt_pair *p, const ipcb_result **sizes,
                          size_t nsizes)
{
    size_t first = nsizes, last = nsizes;
    for (size_t s = 0; s < nsizes; s++)
        if (find(rs, p->qt, "latency", sizes[s]->size) && find(rs, p->c, "latency", sizes[s]->size)) {
            if (first == nsizes)
                first = s;
            last = s;
        }
    if (first == nsizes)
        return;
    rd_text(d, " Measured (latency runs, Qt − C):");
    size_t at[2] = { first, last };
    for (size_t i = 0; i < (first == last ? 1u : 2u); i++) {
        rd_textf(d, "%s at %s, ", i ? ";" : "", sizes[at[i]]->size);
        if (!measured_at(d, rs, p, sizes[at[i]]->size))
            rd_text(d, IPCB_UNDEFINED);
    }
    rd_text(d, ".");
}

void rpt_write_qt_over_c(rdoc *d, const ipcb_resultset *rs)
{
    const ipcb_result **sizes = calloc(rs->nresults + 1, sizeof *sizes);
    if (!sizes)
        return;
    size_t nsizes = sizes_of(rs, sizes);
    rd_section_begin(d, "qt-over-c", "Qt over C");
    rd_howto(d, howto, 1);
    write_table(d, rs, sizes, nsizes);
    rd_para(d, "Where the difference comes from:");
    rd_list_begin(d);
    for (size_t p = 0; p < NPAIRS; p++) {
        int ran = 0;
        for (size_t s = 0; s < nsizes && !ran; s++)
            ran = pair_ran(rs, &pairs[p], sizes[s]->size);
        if (!ran)
            continue;
        rd_item_begin(d);
        rd_code(d, pairs[p].qt);
        rd_text(d, " over ");
        rd_code(d, pairs[p].c);
        rd_text(d, ": ");
        rd_markup(d, pairs[p].why);
        measured_text(d, rs, &pairs[p], sizes, nsizes);
        rd_item_end(d);
    }
    rd_list_end(d);
    rd_section_end(d);
    free(sizes);
}
