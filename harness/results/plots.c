/* The plots with the gnuplot scripts: throughput and latency by frame size and
 * fan-out latency by subscribers from results.csv, the latency CDF from the
 * histograms. gnuplot runs via fork/exec with a timeout and a log. */
#include "plots.h"
#include "csv.h"
#include "resultset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { GNUPLOT_TIMEOUT_S = 60 };
static const char *const formats[] = { "svg", "png" };

/* What every gnuplot run needs. */
typedef struct plot_ctx {
    const char *dir;          /* results directory; gnuplot runs in it */
    const char *gnuplot;      /* absolute path of the executable */
    const char *scripts_dir;  /* absolute */
    int         logfd;        /* DIR/plots/gnuplot.log */
    char       *err;
    size_t      errlen;
} plot_ctx;

/* ---- finding things ------------------------------------------------------ */

/* snprintf into a PATH_MAX buffer; -1 if the path did not fit. */
__attribute__((format(printf, 2, 3)))
static int make_path(char out[PATH_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_MAX, fmt, ap);
    va_end(ap);
    return n >= 0 && n < PATH_MAX ? 0 : -1;
}

/* The absolute path of gnuplot along $PATH, into out. */
static int find_gnuplot(char out[PATH_MAX])
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char candidate[PATH_MAX];
        if (len > 0 && make_path(candidate, "%.*s/gnuplot", (int)len, path) == 0
            && access(candidate, X_OK) == 0)
            return realpath(candidate, out) ? 0 : -1;
        path += len + (path[len] == ':');
    }
    return -1;
}

/* gnuplot's absolute path and the scripts directory's, or -1 with err. */
static int find_tools(char gnuplot[PATH_MAX], const char *scripts_dir, char scripts[PATH_MAX],
                      char *err, size_t errlen)
{
    if (find_gnuplot(gnuplot) != 0) {
        snprintf(err, errlen, "gnuplot not found (install gnuplot-nox)");
        return -1;
    }
    if (!realpath(scripts_dir, scripts)) {
        snprintf(err, errlen, "%s: %s", scripts_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Does transport have a successful result in mode (at size, or any size if
 * size is NULL) with a positive counter c? */
static int has_value(const ipcb_resultset *rs, const char *transport, const char *mode,
                     const char *size, enum ipcb_counter c)
{
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (!r->failed && r->summary.counter[c] > 0 && strcmp(r->transport, transport) == 0
            && strcmp(r->mode, mode) == 0 && (!size || strcmp(r->size, size) == 0))
            return 1;
    }
    return 0;
}

/* The CDF's size: 1080p if latency mode has it, else its largest size. */
static const char *cdf_size(const ipcb_resultset *rs)
{
    const ipcb_result *largest = NULL;
    for (size_t i = 0; i < rs->nresults; i++) {
        const ipcb_result *r = &rs->results[i];
        if (strcmp(r->mode, ipcb_mode_name(IPCB_MODE_LATENCY)) != 0)
            continue;
        if (strcmp(r->size, "1080p") == 0)
            return r->size;
        if (!largest || r->bytes > largest->bytes)
            largest = r;
    }
    return largest ? largest->size : NULL;
}

/* A histogram file with at least one data line (not only '#' comments). */
static int histogram_has_data(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    int data = 0;
    while (!data && fgets(line, sizeof line, f))
        data = line[0] != '#' && line[0] != '\n';
    fclose(f);
    return data;
}

/* ---- gnuplot's -e assignments -------------------------------------------- */

typedef enum plot_kind {
    PLOT_BY_SIZE,         /* results.csv: counter against frame size, a line per transport */
    PLOT_CDF,             /* the histograms at one size, a line per transport */
    PLOT_BY_SUBSCRIBERS,  /* results.csv: counter against the number of subscribers,
                           * a line per transport and size */
} plot_kind;

/* The plots: a line plot of one counter of one mode from results.csv, or the
 * latency CDF from the histograms. */
typedef struct plot_spec {
    const char       *name;     /* script and output base name */
    const char       *mode;
    enum ipcb_counter counter;  /* a line is plotted if it has this > 0 */
    plot_kind         kind;
} plot_spec;

static const plot_spec plot_specs[] = {
    { "throughput", "throughput", IPCB_C_MB_PER_S, PLOT_BY_SIZE },
    { "latency",    "latency",    IPCB_C_P50_US,   PLOT_BY_SIZE },
    { "cdf",        "latency",    IPCB_C_P50_US,   PLOT_CDF },
    { "fanout",     "fanout",     IPCB_C_P50_US,   PLOT_BY_SUBSCRIBERS },
};

/* Scratch for choosing a plot's lines; each array has room for rs->nresults. */
typedef struct plot_scratch {
    const char        **transports;  /* every transport with results, in order */
    size_t              nt;
    size_t             *sel;         /* each line's transport: a position in transports */
    const ipcb_result **rows;        /* fanout: the (size, subscribers) rows */
    const char        **sizes;       /* fanout: the distinct sizes, by bytes */
    size_t             *size_sel;    /* fanout: each line's size: a position in sizes */
} plot_scratch;

/* s with single quotes doubled, as gnuplot reads a '...' string. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
}

static void put_var(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s='", name);
    put_escaped(f, value);
    fputs("'; ", f);
}

/* name='w1 w2 ...', word i = prefix + words[sel[i]] + suffix. */
static void put_words(FILE *f, const char *name, const char *prefix, const char *suffix,
                      const char **words, const size_t *sel, size_t n)
{
    fprintf(f, "%s='", name);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? " " : "", f);
        put_escaped(f, prefix);
        put_escaped(f, words[sel[i]]);
        put_escaped(f, suffix);
    }
    fputs("'; ", f);
}

/* name='k1 k2 ...', k = sel[i] + 1. As colors: a transport's gnuplot colour
 * is its position + 1 in the list of all transports, so it is the same in
 * every plot. */
static void put_positions(FILE *f, const char *name, const size_t *sel, size_t n)
{
    fprintf(f, "%s='", name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%zu", i ? " " : "", sel[i] + 1);
    fputs("'; ", f);
}

/* Select the transports with data for this plot into s->sel. Returns how many. */
static size_t select_transports(const plot_spec *ps, const ipcb_resultset *rs,
                                const char *dir, const char *size, plot_scratch *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->nt; k++) {
        int ok;
        if (ps->kind == PLOT_CDF) {
            char hist[PATH_MAX];
            snprintf(hist, sizeof hist, "%s/histograms/%s_latency_%s.dat", dir,
                     s->transports[k], size);
            ok = histogram_has_data(hist);
        } else {
            ok = has_value(rs, s->transports[k], ps->mode, NULL, ps->counter);
        }
        if (ok)
            s->sel[n++] = k;
    }
    return n;
}

/* Select the lines of a plot by subscribers into s->sel and s->size_sel: one
 * per transport and size with data, transports in their order, sizes by
 * bytes. Returns how many. */
static size_t select_transport_sizes(const plot_spec *ps, const ipcb_resultset *rs,
                                     plot_scratch *s)
{
    size_t nrows = ipcb_resultset_rows(rs, ps->mode, s->rows), ns = 0, n = 0;
    for (size_t i = 0; i < nrows; i++)  /* the rows of one size are adjacent */
        if (ns == 0 || strcmp(s->rows[i]->size, s->sizes[ns - 1]) != 0)
            s->sizes[ns++] = s->rows[i]->size;
    for (size_t k = 0; k < s->nt; k++)
        for (size_t j = 0; j < ns; j++)
            if (has_value(rs, s->transports[k], ps->mode, s->sizes[j], ps->counter)) {
                s->sel[n] = k;
                s->size_sel[n++] = j;
            }
    return n;
}

/* The -e assignments (but out and fmt) for one plot, into f. Returns the
 * number of lines plotted; 0 means nothing to plot. */
static size_t plot_vars(FILE *f, const plot_spec *ps, const ipcb_resultset *rs,
                        const char *dir, plot_scratch *s)
{
    if (ps->kind == PLOT_BY_SUBSCRIBERS) {
        size_t n = select_transport_sizes(ps, rs, s);
        put_var(f, "csv", "results.csv");
        put_words(f, "transports", "", "", s->transports, s->sel, n);
        put_words(f, "sizes", "", "", s->sizes, s->size_sel, n);
        put_positions(f, "colors", s->sel, n);
        put_positions(f, "dashes", s->size_sel, n);
        return n;
    }
    const char *size = ps->kind == PLOT_CDF ? cdf_size(rs) : "";
    if (!size)
        return 0;
    size_t n = select_transports(ps, rs, dir, size, s);
    if (ps->kind == PLOT_CDF) {
        char suffix[64];
        snprintf(suffix, sizeof suffix, "_latency_%s.dat", size);
        put_words(f, "files", "histograms/", suffix, s->transports, s->sel, n);
        put_words(f, "titles", "", "", s->transports, s->sel, n);
        put_var(f, "size", size);
    } else {
        put_var(f, "csv", "results.csv");
        put_words(f, "transports", "", "", s->transports, s->sel, n);
    }
    put_positions(f, "colors", s->sel, n);
    return n;
}

/* ---- running gnuplot ----------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for pid up to timeout_s, killing it if it runs longer. Returns 0 if it
 * exited with status 0, else -1 with the reason in why. */
static int wait_with_timeout(pid_t pid, int timeout_s, char *why, size_t len)
{
    const struct timespec tick = { 0, 20 * 1000 * 1000 };
    double deadline = now_s() + timeout_s;
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            snprintf(why, len, "timed out after %d s", timeout_s);
            return -1;
        }
        nanosleep(&tick, NULL);
    }
    if (w < 0)
        snprintf(why, len, "waitpid: %s", strerror(errno));
    else if (WIFSIGNALED(status))
        snprintf(why, len, "killed by signal %d", WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0)
        snprintf(why, len, "exited with status %d", WEXITSTATUS(status));
    else
        return 0;
    return -1;
}

/* gnuplot -e VARS SCRIPT, run in the results directory with its output in
 * the log. Only async-signal-safe calls between fork and exec. */
static int run_gnuplot(const plot_ctx *pc, const char *vars, const char *script,
                       char *why, size_t len)
{
    char *const argv[] = { "gnuplot", "-e", (char *)vars, (char *)script, NULL };
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pc->logfd, 1) < 0
            || dup2(pc->logfd, 2) < 0 || chdir(pc->dir) != 0)
            _exit(126);
        execv(pc->gnuplot, argv);
        _exit(127);
    }
    return wait_with_timeout(pid, GNUPLOT_TIMEOUT_S, why, len);
}

/* plots/NAME.FMT from scripts/NAME.gp: gnuplot writes NAME.FMT.tmp, which is
 * renamed once gnuplot succeeded. */
static int render_script(const plot_ctx *pc, const char *script_name, const char *name,
                         const char *fmt, const char *vars)
{
    char script[PATH_MAX], out[PATH_MAX], out_abs[PATH_MAX], tmp_abs[PATH_MAX], why[128];
    if (make_path(script, "%s/%s.gp", pc->scripts_dir, script_name) != 0
        || make_path(out, "plots/%s.%s", name, fmt) != 0
        || make_path(out_abs, "%s/%s", pc->dir, out) != 0
        || make_path(tmp_abs, "%s.tmp", out_abs) != 0) {
        snprintf(pc->err, pc->errlen, "%s: path too long", pc->dir);
        return -1;
    }
    if (access(script, R_OK) != 0) {
        snprintf(pc->err, pc->errlen, "%s: %s", script, strerror(errno));
        return -1;
    }
    char *all = NULL;
    if (asprintf(&all, "%sout='%s.tmp'; fmt='%s'", vars, out, fmt) < 0) {
        snprintf(pc->err, pc->errlen, "out of memory");
        return -1;
    }
    dprintf(pc->logfd, "== gnuplot -e \"%s\" %s\n", all, script);
    int rc = run_gnuplot(pc, all, script, why, sizeof why);
    free(all);
    if (rc != 0) {
        snprintf(pc->err, pc->errlen, "gnuplot %s rendering %s (see %s/plots/gnuplot.log)",
                 why, out_abs, pc->dir);
        unlink(tmp_abs);
        return -1;
    }
    if (rename(tmp_abs, out_abs) != 0) {
        snprintf(pc->err, pc->errlen, "%s: %s", out_abs, strerror(errno));
        return -1;
    }
    return 0;
}

static int render_one(const plot_ctx *pc, const char *name, const char *fmt,
                      const char *vars)
{
    return render_script(pc, name, name, fmt, vars);
}

/* One plot in every format, unless no transport has data for it. */
static int render_plot(const plot_ctx *pc, const plot_spec *ps, const ipcb_resultset *rs,
                       plot_scratch *s)
{
    char *vars = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&vars, &len);
    if (!f) {
        snprintf(pc->err, pc->errlen, "out of memory");
        return -1;
    }
    size_t n = plot_vars(f, ps, rs, pc->dir, s);
    int rc = fclose(f) == 0 ? 0 : -1;
    if (rc != 0)
        snprintf(pc->err, pc->errlen, "out of memory");
    for (size_t i = 0; rc == 0 && n > 0 && i < sizeof formats / sizeof formats[0]; i++)
        rc = render_one(pc, ps->name, formats[i], vars);
    free(vars);
    return rc;
}

static int render_all(const plot_ctx *pc, const ipcb_resultset *rs)
{
    size_t room = rs->nresults + 1;
    plot_scratch s = {
        .transports = calloc(room, sizeof *s.transports), .sel = calloc(room, sizeof *s.sel),
        .rows = calloc(room, sizeof *s.rows), .sizes = calloc(room, sizeof *s.sizes),
        .size_sel = calloc(room, sizeof *s.size_sel),
    };
    int rc = s.transports && s.sel && s.rows && s.sizes && s.size_sel ? 0 : -1;
    if (rc != 0)
        snprintf(pc->err, pc->errlen, "out of memory");
    else
        s.nt = ipcb_resultset_transports(rs, NULL, s.transports);
    for (size_t p = 0; rc == 0 && p < sizeof plot_specs / sizeof plot_specs[0]; p++)
        rc = render_plot(pc, &plot_specs[p], rs, &s);
    free(s.transports);
    free(s.sel);
    free(s.rows);
    free(s.sizes);
    free(s.size_sel);
    return rc;
}

/* ---- setup --------------------------------------------------------------- */

/* DIR/results.csv (written from the resultset if missing) and DIR/plots/. */
static int prepare_dir(const char *dir, const ipcb_resultset *rs, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (make_path(path, "%s/results.csv", dir) != 0) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    if (access(path, R_OK) != 0 && ipcb_csv_write(rs, path, err, errlen) != 0)
        return -1;
    make_path(path, "%s/plots", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_log(const char *dir, int truncate, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (make_path(path, "%s/plots/gnuplot.log", dir) != 0) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0) | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return fd;
}

int ipcb_plots_render(const char *dir, const char *scripts_dir, char *err, size_t errlen)
{
    char gnuplot[PATH_MAX], scripts[PATH_MAX];
    if (find_tools(gnuplot, scripts_dir, scripts, err, errlen) != 0)
        return -1;
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    int rc = prepare_dir(dir, &rs, err, errlen);
    int logfd = rc == 0 ? open_log(dir, 1, err, errlen) : -1;
    if (logfd >= 0) {
        plot_ctx pc = { .dir = dir, .gnuplot = gnuplot, .scripts_dir = scripts,
                        .logfd = logfd, .err = err, .errlen = errlen };
        rc = render_all(&pc, &rs);
        close(logfd);
    } else {
        rc = -1;
    }
    ipcb_resultset_free(&rs);
    return rc;
}

/* ---- overlays against a baseline ----------------------------------------- */

/* Overlay plots: one counter of one mode, this run against the baseline. */
static const struct overlay_spec {
    const char       *name, *mode, *column, *title, *ylabel;
    enum ipcb_counter counter;
} overlay_specs[] = {
    { "compare-throughput", "throughput", "mb_per_s",
      "Throughput: this run (solid) against the baseline (dashed)", "throughput (MB/s)",
      IPCB_C_MB_PER_S },
    { "compare-latency", "latency", "p50_us",
      "One-way latency p50: this run (solid) against the baseline (dashed)",
      "one-way latency p50 (µs)", IPCB_C_P50_US },
};

/* One overlay in every format, unless no transport has data on either side.
 * A transport's colour is its position in this run's list, as in the others. */
static int render_overlay(const plot_ctx *pc, const struct overlay_spec *o,
                          const ipcb_resultset *rs, const ipcb_resultset *base,
                          const char **transports, size_t nt, size_t *sel)
{
    size_t n = 0;
    for (size_t k = 0; k < nt; k++)
        if (has_value(rs, transports[k], o->mode, NULL, o->counter)
            || has_value(base, transports[k], o->mode, NULL, o->counter))
            sel[n++] = k;
    if (n == 0)
        return 0;
    char *vars = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&vars, &len);
    if (!f) {
        snprintf(pc->err, pc->errlen, "out of memory");
        return -1;
    }
    put_var(f, "csv", "results.csv");
    put_var(f, "base", "plots/baseline.csv");
    put_var(f, "mode", o->mode);
    put_var(f, "col", o->column);
    put_var(f, "title", o->title);
    put_var(f, "ylabel", o->ylabel);
    put_words(f, "transports", "", "", transports, sel, n);
    put_positions(f, "colors", sel, n);
    int rc = fclose(f) == 0 ? 0 : -1;
    if (rc != 0)
        snprintf(pc->err, pc->errlen, "out of memory");
    for (size_t i = 0; rc == 0 && i < sizeof formats / sizeof formats[0]; i++)
        rc = render_script(pc, "overlay", o->name, formats[i], vars);
    free(vars);
    return rc;
}

int ipcb_plots_render_baseline(const char *dir, const char *baseline, const char *scripts_dir,
                               char *err, size_t errlen)
{
    char gnuplot[PATH_MAX], scripts[PATH_MAX], path[PATH_MAX];
    if (find_tools(gnuplot, scripts_dir, scripts, err, errlen) != 0)
        return -1;
    ipcb_resultset rs, base;
    if (ipcb_resultset_load(&rs, dir, err, errlen) != 0)
        return -1;
    if (ipcb_resultset_load(&base, baseline, err, errlen) != 0) {
        ipcb_resultset_free(&rs);
        return -1;
    }
    int rc = prepare_dir(dir, &rs, err, errlen);
    if (rc == 0 && make_path(path, "%s/plots/baseline.csv", dir) != 0) {
        snprintf(err, errlen, "%s: path too long", dir);
        rc = -1;
    }
    if (rc == 0)
        rc = ipcb_csv_write(&base, path, err, errlen);
    int logfd = rc == 0 ? open_log(dir, 0, err, errlen) : -1;
    const char **transports = calloc(rs.nresults + base.nresults + 1, sizeof *transports);
    size_t *sel = calloc(rs.nresults + base.nresults + 1, sizeof *sel);
    if (rc == 0 && (!transports || !sel)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && logfd >= 0) {
        plot_ctx pc = { .dir = dir, .gnuplot = gnuplot, .scripts_dir = scripts,
                        .logfd = logfd, .err = err, .errlen = errlen };
        /* this run's transports in its order, then any only the baseline has */
        size_t nt = ipcb_resultset_transports(&rs, NULL, transports);
        const char **only_base = transports + rs.nresults;
        size_t nb = ipcb_resultset_transports(&base, NULL, only_base);
        for (size_t i = 0; i < nb; i++) {
            int dup = 0;
            for (size_t k = 0; k < nt; k++)
                dup |= strcmp(transports[k], only_base[i]) == 0;
            if (!dup)
                transports[nt++] = only_base[i];
        }
        for (size_t p = 0; rc == 0 && p < sizeof overlay_specs / sizeof overlay_specs[0]; p++)
            rc = render_overlay(&pc, &overlay_specs[p], &rs, &base, transports, nt, sel);
    } else if (rc == 0) {
        rc = -1;
    }
    if (logfd >= 0)
        close(logfd);
    free(transports);
    free(sel);
    ipcb_resultset_free(&base);
    ipcb_resultset_free(&rs);
    return rc;
}
