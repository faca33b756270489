/* gnuplot runs via fork/exec in the output directory with a timeout, its
 * output appended to plots/gnuplot.log; each output file is written under a
 * temporary name and renamed, SVG after its tooltips were rewritten. */
#include "gnuplot_run.h"
#include "svg_tooltips.h"
#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { GNUPLOT_TIMEOUT_S = 60 };
static const char *const formats[] = { "svg", "png" };

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

/* ---- finding things and starting ---------------------------------------- */

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

int ipcb_gnuplot_installed(void)
{
    char path[PATH_MAX];
    return find_gnuplot(path) == 0;
}

int ipcb_gnuplot_find(ipcb_gnuplot *g, const char *scripts_dir, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->logfd = -1;
    g->err = err;
    g->errlen = errlen;
    if (find_gnuplot(g->gnuplot) != 0) {
        snprintf(err, errlen, "gnuplot not found (install gnuplot-nox)");
        return -1;
    }
    if (!realpath(scripts_dir, g->scripts_dir)) {
        snprintf(err, errlen, "%s: %s", scripts_dir, strerror(errno));
        return -1;
    }
    return 0;
}

int ipcb_gnuplot_start(ipcb_gnuplot *g, const char *dir, int truncate_log)
{
    char path[PATH_MAX];
    g->dir = dir;
    if (make_path(path, "%s/plots/gnuplot.log", dir) != 0) {
        snprintf(g->err, g->errlen, "%s: path too long", dir);
        return -1;
    }
    make_path(path, "%s/plots", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        snprintf(g->err, g->errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    make_path(path, "%s/plots/gnuplot.log", dir);
    g->logfd = open(path, O_WRONLY | O_CREAT | (truncate_log ? O_TRUNC : 0) | O_APPEND | O_CLOEXEC,
                    0644);
    if (g->logfd < 0) {
        snprintf(g->err, g->errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void ipcb_gnuplot_stop(ipcb_gnuplot *g)
{
    if (g->logfd >= 0)
        close(g->logfd);
    g->logfd = -1;
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

/* gnuplot -e VARS SCRIPT, run in the output directory with its output in
 * the log, in a process group of its own (a terminal's Ctrl-C reaches
 * ipcbench, which lets the plot being drawn finish). Only async-signal-safe
 * calls between fork and exec. */
static int run_gnuplot(const ipcb_gnuplot *g, const char *vars, const char *script,
                       char *why, size_t len)
{
    char *const argv[] = { "gnuplot", "-e", (char *)vars, (char *)script, NULL };
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(g->logfd, 1) < 0
            || dup2(g->logfd, 2) < 0 || chdir(g->dir) != 0)
            _exit(126);
        execv(g->gnuplot, argv);
        _exit(127);
    }
    return wait_with_timeout(pid, GNUPLOT_TIMEOUT_S, why, len);
}

static int put_text(FILE *f, void *text)
{
    return fputs(text, f) < 0 ? -1 : 0;
}

/* The SVG gnuplot wrote to tmp, with <title> tooltips, written to out. */
static int finish_svg(const ipcb_gnuplot *g, const char *tmp, const char *out)
{
    FILE *f = fopen(tmp, "r");
    char *svg = NULL, *fixed = NULL;
    size_t len = 0;
    if (f) {
        FILE *mem = open_memstream(&svg, &len);
        char buf[8192];
        size_t n;
        while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, mem);
        if (mem && fclose(mem) != 0) {
            free(svg);
            svg = NULL;
        }
        fclose(f);
    }
    fixed = svg ? ipcb_svg_hypertext_to_titles(svg, NULL) : NULL;
    free(svg);
    if (!fixed) {
        snprintf(g->err, g->errlen, "%s: %s", tmp, f ? "out of memory" : strerror(errno));
        unlink(tmp);
        return -1;
    }
    int rc = ipcb_write_atomically(out, put_text, fixed, g->err, g->errlen);
    free(fixed);
    return rc;
}

/* plots/NAME.FMT from the script: gnuplot writes NAME.FMT.tmp, which
 * becomes NAME.FMT once gnuplot succeeded. */
static int render_format(const ipcb_gnuplot *g, const char *script, const char *name,
                         const char *fmt, const char *vars)
{
    char out[PATH_MAX], out_abs[PATH_MAX], tmp_abs[PATH_MAX], why[128];
    if (make_path(out, "plots/%s.%s", name, fmt) != 0
        || make_path(out_abs, "%s/%s", g->dir, out) != 0
        || make_path(tmp_abs, "%s.tmp", out_abs) != 0) {
        snprintf(g->err, g->errlen, "%s: path too long", g->dir);
        return -1;
    }
    char *all = NULL;
    if (asprintf(&all, "%sout='%s.tmp'; fmt='%s'", vars, out, fmt) < 0) {
        snprintf(g->err, g->errlen, "out of memory");
        return -1;
    }
    dprintf(g->logfd, "== gnuplot -e \"%s\" %s\n", all, script);
    int rc = run_gnuplot(g, all, script, why, sizeof why);
    free(all);
    if (rc != 0) {
        snprintf(g->err, g->errlen, "gnuplot %s rendering %s (see %s/plots/gnuplot.log)",
                 why, out_abs, g->dir);
        unlink(tmp_abs);
        return -1;
    }
    if (strcmp(fmt, "svg") == 0)
        return finish_svg(g, tmp_abs, out_abs);
    if (rename(tmp_abs, out_abs) != 0) {
        snprintf(g->err, g->errlen, "%s: %s", out_abs, strerror(errno));
        return -1;
    }
    return 0;
}

int ipcb_gnuplot_render(const ipcb_gnuplot *g, const char *script_name, const char *name,
                        const char *vars)
{
    char script[PATH_MAX];
    if (make_path(script, "%s/%s.gp", g->scripts_dir, script_name) != 0) {
        snprintf(g->err, g->errlen, "%s: path too long", g->scripts_dir);
        return -1;
    }
    if (access(script, R_OK) != 0) {
        snprintf(g->err, g->errlen, "%s: %s", script, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof formats / sizeof formats[0]; i++)
        rc = render_format(g, script, name, formats[i], vars);
    return rc;
}

/* ---- the -e assignments -------------------------------------------------- */

/* s with single quotes doubled, as gnuplot reads a '...' string. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
}

void ipcb_gp_put_string(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s='", name);
    put_escaped(f, value);
    fputs("'; ", f);
}

/* One word of a word list: as it is, or double-quoted if it has spaces or
 * quotes (or is empty), its quotes then single quotes. */
static void put_word(FILE *f, const char *w)
{
    if (*w && !strpbrk(w, " \t\n\"'")) {
        put_escaped(f, w);
        return;
    }
    fputc('"', f);
    for (; *w; w++)
        if (*w == '"' || *w == '\'')
            fputs("''", f);   /* a single quote inside gnuplot's '...' */
        else
            fputc(*w == '\t' || *w == '\n' ? ' ' : *w, f);
    fputc('"', f);
}

void ipcb_gp_put_words(FILE *f, const char *name, const char *const *words, size_t n)
{
    fprintf(f, "%s='", name);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? " " : "", f);
        put_word(f, words[i]);
    }
    fputs("'; ", f);
}

void ipcb_gp_put_styles(FILE *f, const ipcb_style *styles, size_t n)
{
    fputs("colors='", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? " " : "", styles[i].color);
    fputs("'; dashes='", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? " " : "", styles[i].dash);
    fputs("'; points='", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? " " : "", styles[i].point);
    fputs("'; ", f);
}
