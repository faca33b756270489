/* The runs of a report over several runs, checked before anything is written:
 * how many, each once, each loadable, and a unique label for each (given, or
 * made from the run's host and date, or its directory's name). */
#include "report_runs.h"
#include "resultsjson.h"
#include "textfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- labels ---------------------------------------------------------------- */

/* How much a default label says: "host 2024-05-01", then "host 2024-05-01
 * 12:34:56", then the run directory's name. */
enum label_detail { LABEL_DAY, LABEL_SECOND, LABEL_DIRECTORY, LABEL_DETAILS };

static void default_label(const ipcb_report_runs *r, size_t i, enum label_detail detail,
                          char *out, size_t n)
{
    const char *host = ipcb_resultset_context(&r->sets[i], "host_name");
    const char *date = ipcb_resultset_context(&r->sets[i], "date");
    size_t date_len = date ? strlen(date) : 0;
    if (detail == LABEL_DAY && host && date_len >= 10) {
        snprintf(out, n, "%s %.10s", host, date);
    } else if (detail == LABEL_SECOND && host && date_len >= 19) {
        snprintf(out, n, "%s %.10s %.8s", host, date, date + 11);
    } else {
        const char *slash = strrchr(r->dirs[i], '/');
        snprintf(out, n, "%s", slash && slash[1] ? slash + 1 : r->dirs[i]);
    }
}

/* The first label equal to label i, if it is not i itself; -1 if unique. */
static int same_label_before(const ipcb_report_runs *r, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->label_text[j], r->label_text[i]) == 0)
            return (int)j;
    return -1;
}

static int labels_unique(const ipcb_report_runs *r)
{
    for (size_t i = 1; i < r->n; i++)
        if (same_label_before(r, i) >= 0)
            return 0;
    return 1;
}

/* Every run at the least detail that tells them all apart; if none does, the
 * directory names with "-2", "-3" after a repeated one. */
static void default_labels(ipcb_report_runs *r)
{
    for (int detail = LABEL_DAY; detail < LABEL_DETAILS; detail++) {
        for (size_t i = 0; i < r->n; i++)
            default_label(r, i, (enum label_detail)detail, r->label_text[i],
                          sizeof r->label_text[i]);
        if (labels_unique(r))
            return;
    }
    for (size_t i = 1; i < r->n; i++) {
        char base[IPCB_REPORT_LABEL_MAX];
        snprintf(base, sizeof base, "%s", r->label_text[i]);
        for (int k = 2; same_label_before(r, i) >= 0; k++)
            snprintf(r->label_text[i], sizeof r->label_text[i], "%.50s-%d", base, k);
    }
}

static int given_labels(ipcb_report_runs *r, const char *csv, char *err, size_t errlen)
{
    size_t count = 1;
    for (const char *c = csv; *c; c++)
        count += *c == ',';
    if (count != r->n) {
        ipcb_set_err(err, errlen, "--labels has %zu label%s for %zu runs", count,
                     count == 1 ? "" : "s", r->n);
        return -1;
    }
    const char *start = csv;
    for (size_t i = 0; i < r->n; i++) {
        size_t len = strcspn(start, ",");
        if (len == 0) {
            ipcb_set_err(err, errlen, "--labels: label %zu is empty", i + 1);
            return -1;
        }
        if (len >= sizeof r->label_text[i]) {
            ipcb_set_err(err, errlen, "--labels: label %zu is longer than %d characters", i + 1,
                         IPCB_REPORT_LABEL_MAX - 1);
            return -1;
        }
        snprintf(r->label_text[i], sizeof r->label_text[i], "%.*s", (int)len, start);
        int j = same_label_before(r, i);
        if (j >= 0) {
            ipcb_set_err(err, errlen, "--labels: '%s' is the label of runs %d and %zu; each "
                         "run needs its own", r->label_text[i], j + 1, i + 1);
            return -1;
        }
        start += len + 1;
    }
    return 0;
}

/* ---- runs ------------------------------------------------------------------ */

/* The real directory of the results.json that path names, into r->dirs[i]. */
static int run_directory(ipcb_report_runs *r, size_t i, char *err, size_t errlen)
{
    char file[4096], real[PATH_MAX];
    if (ipcb_results_json_path(r->paths[i], file, sizeof file, err, errlen) != 0)
        return -1;
    if (!realpath(file, real)) {
        ipcb_set_err(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    char *slash = strrchr(real, '/');
    if (slash && slash != real)
        *slash = '\0';
    snprintf(r->dirs[i], sizeof r->dirs[i], "%s", real);
    return 0;
}

int ipcb_report_runs_load(ipcb_report_runs *r, const char *const *paths, size_t n,
                          const char *labels_csv, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (n < 2 || n > IPCB_REPORT_MAX_RUNS) {
        ipcb_set_err(err, errlen, "a report over runs takes 2 to %d of them (got %zu)",
                     IPCB_REPORT_MAX_RUNS, n);
        return -1;
    }
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        r->paths[i] = paths[i];
        r->labels[i] = r->label_text[i];
    }
    if (labels_csv && given_labels(r, labels_csv, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (run_directory(r, i, err, errlen) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->dirs[i], r->dirs[j]) == 0) {
                ipcb_set_err(err, errlen, "%s and %s are the same run (%s): give each run once",
                             paths[j], paths[i], r->dirs[i]);
                return -1;
            }
    }
    for (size_t i = 0; i < n; i++) {
        if (ipcb_resultset_load(&r->sets[i], paths[i], err, errlen) != 0) {
            ipcb_report_runs_free(r);
            return -1;
        }
    }
    if (!labels_csv)
        default_labels(r);
    return 0;
}

void ipcb_report_runs_free(ipcb_report_runs *r)
{
    for (size_t i = 0; i < r->n; i++)
        ipcb_resultset_free(&r->sets[i]);
    r->n = 0;
}

/* ---- the output directory -------------------------------------------------- */

int ipcb_report_runs_check_out(const ipcb_report_runs *r, const char *outdir, char *err,
                               size_t errlen)
{
    struct stat st;
    if (stat(outdir, &st) != 0)
        return 0;   /* made later */
    if (!S_ISDIR(st.st_mode)) {
        ipcb_set_err(err, errlen, "--out %s: exists and is not a directory", outdir);
        return -1;
    }
    char real[PATH_MAX];
    if (!realpath(outdir, real)) {
        ipcb_set_err(err, errlen, "--out %s: %s", outdir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(real, r->dirs[i]) == 0) {
            ipcb_set_err(err, errlen, "--out %s is the run %s: its own report.md would be "
                         "replaced; choose another directory", outdir, r->paths[i]);
            return -1;
        }
    }
    return 0;
}

void ipcb_report_runs_default_out(char *out, size_t n)
{
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    snprintf(out, n, "results/report-%s", stamp);
}
