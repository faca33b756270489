/* The console of `ipcbench run` (run_console.h): turns the runs Google
 * Benchmark reports into one line per benchmark, keeps the terminal's
 * progress line up to date, and shortens what would be too wide. */
#include "run_console.h"
#include "human.h"
#include "interrupt.h"
#include "resultset.h"
#include "schema.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void run_console_init(run_console *c, int verbose, int total)
{
    memset(c, 0, sizeof *c);
    c->verbose = verbose;
    c->progress = isatty(STDERR_FILENO);
    c->lines = !verbose && !isatty(STDOUT_FILENO);
    c->out = stdout;
    c->total = total;
    c->started = now_s();
}

static void clear_progress(void *arg)
{
    run_console *c = arg;
    if (c->progress)
        fputs("\r\033[K", stderr);
}

void run_console_progress(const char *name, int index, int total, void *arg)
{
    run_console *c = arg;
    if (!c->progress)
        return;
    double done = now_s() - c->started;
    char eta[32] = "?";
    if (index > 0)
        snprintf(eta, sizeof eta, "%.0fs", done / index * (total - index));
    fprintf(stderr, "\r\033[K[%d/%d] %.80s  elapsed %.0fs  ETA %s", index + 1, total, name, done, eta);
}

/* The benchmark's name without Google Benchmark's suffixes, and its mode. */
static int name_and_mode(const gb_report *r, char *name, size_t n, ipcb_mode *mode)
{
    snprintf(name, n, "%s", gb_report_name(r));
    ipcb_strip_run_options(name);
    const char *slash = strchr(name, '/');
    char word[32] = "";
    if (slash)
        snprintf(word, sizeof word, "%.*s", (int)strcspn(slash + 1, "/"), slash + 1);
    return ipcb_mode_parse(word, mode);
}

static double counter_of(const gb_report *r, enum ipcb_counter c)
{
    double v;
    return gb_report_counter(r, ipcb_counter_names[c], &v) && isfinite(v) ? v : NAN;
}

/* The figure a benchmark is known by: p50 (latency, fan-out), MB/s
 * (throughput), p99 and late frames (paced); then the samples. */
static void key_figure(const gb_report *r, ipcb_mode mode, char *out, size_t n)
{
    char v[32];
    switch (mode) {
    case IPCB_MODE_THROUGHPUT:
        ipcb_human_mb_per_s(v, sizeof v, counter_of(r, IPCB_C_MB_PER_S));
        snprintf(out, n, "%s", v);
        break;
    case IPCB_MODE_PACED: {
        double p99 = counter_of(r, IPCB_C_P99_US), late = counter_of(r, IPCB_C_LATE);
        char late_text[32] = IPCB_UNDEFINED;
        ipcb_human_us(v, sizeof v, isnan(p99) ? counter_of(r, IPCB_C_MAX_US) : p99);
        if (!isnan(late))
            ipcb_human_fixed(late_text, sizeof late_text, late, 0);
        snprintf(out, n, "%s %s, %s late", isnan(p99) ? "max" : "p99", v, late_text);
        break;
    }
    default:
        ipcb_human_us(v, sizeof v, counter_of(r, IPCB_C_P50_US));
        snprintf(out, n, "p50 %s", v);
    }
    double frames = counter_of(r, IPCB_C_FRAMES);
    long reps = (long)gb_report_repetitions(r);
    size_t len = strlen(out);
    char frames_text[32];
    ipcb_human_fixed(frames_text, sizeof frames_text, frames, 0);
    if (isfinite(frames) && len < n)
        snprintf(out + len, n - len, "  (%ld × %s frames)", reps > 0 ? reps : 1, frames_text);
}

/* One line, cut to RUN_CONSOLE_MAX_LINE columns, control characters as spaces. */
static void put_line(run_console *c, const char *text)
{
    char line[4 * RUN_CONSOLE_MAX_LINE];
    size_t cols = 0, o = 0;
    for (const char *p = text; *p && o + 8 < sizeof line; p++) {
        unsigned char ch = (unsigned char)*p;
        int starts = (ch & 0xC0) != 0x80;
        if (starts && cols == RUN_CONSOLE_MAX_LINE - 1) {
            o += (size_t)snprintf(line + o, sizeof line - o, "…");
            break;
        }
        cols += starts;
        line[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    line[o] = '\0';
    clear_progress(c);
    fprintf(c->out, "%s\n", line);
    fflush(c->out);
}

static void report_line(run_console *c, const char *status, const char *name, const char *what)
{
    char text[1024];
    c->done++;
    int width = snprintf(NULL, 0, "%d", c->total);
    snprintf(text, sizeof text, "[%*d/%d] %-7s %-34s %s", width, c->done, c->total, status, name, what);
    put_line(c, text);
}

/* Runs of one benchmark (no aggregates): a failure is told at once, a single
 * run gives its figure, several wait for their median. */
static void on_iterations(run_console *c, const gb_report *const *runs, size_t n)
{
    char name[256], figure[160];
    ipcb_mode mode;
    int mode_ok = name_and_mode(runs[0], name, sizeof name, &mode) == 0;
    c->pending[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *msg = "";
        if (gb_report_error(runs[i], &msg)) {
            int skipped = strncmp(msg, IPCB_SKIPPED_PREFIX, strlen(IPCB_SKIPPED_PREFIX)) == 0;
            if (skipped && strcmp(msg + strlen(IPCB_SKIPPED_PREFIX), ipcb_interrupted_text) == 0) {
                c->done++;
                c->not_run++; /* after Ctrl-C: one line for all of them, at the end */
                return;
            }
            c->failed += !skipped;
            if (!c->verbose)
                report_line(c, skipped ? "skipped" : "FAILED", name,
                            skipped ? msg + strlen(IPCB_SKIPPED_PREFIX) : msg);
            return;
        }
    }
    if (n == 1 || !mode_ok) {
        if (mode_ok)
            key_figure(runs[0], mode, figure, sizeof figure);
        else
            snprintf(figure, sizeof figure, "done");
        if (c->lines)
            report_line(c, "ok", name, figure);
        else
            c->done++;
        return;
    }
    snprintf(c->pending, sizeof c->pending, "%s", name);
}

static void on_aggregates(run_console *c, const gb_report *const *runs, size_t n)
{
    char name[256], figure[160];
    ipcb_mode mode;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(gb_report_aggregate(runs[i]), "median") != 0)
            continue;
        if (name_and_mode(runs[i], name, sizeof name, &mode) != 0 || strcmp(name, c->pending) != 0)
            return;
        c->pending[0] = '\0';
        key_figure(runs[i], mode, figure, sizeof figure);
        if (c->lines)
            report_line(c, "ok", name, figure);
        else
            c->done++;
        return;
    }
}

static void on_runs(const gb_report *const *runs, size_t n, void *arg)
{
    run_console *c = arg;
    if (n == 0)
        return;
    if (gb_report_aggregate(runs[0])[0] == '\0')
        on_iterations(c, runs, n);
    else
        on_aggregates(c, runs, n);
}

gb_display run_console_display(run_console *c)
{
    gb_display d = { .verbose = c->verbose != 0, .before_print = clear_progress,
                     .on_runs = on_runs, .arg = c };
    return d;
}

void run_console_not_run(run_console *c)
{
    if (c->not_run == 0)
        return;
    clear_progress(c);
    fprintf(stderr, "ipcbench: %d benchmark%s not run (interrupted)\n", c->not_run, c->not_run == 1 ? "" : "s");
}
