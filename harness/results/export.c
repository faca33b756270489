/* `ipcbench export` below the command line: the format names, the export of a
 * loaded result set written as JSON to a stream, and a results directory
 * exported to a file atomically (textfile.c) or to a stream. */
#include "export.h"
#include "resultsjson.h"
#include "textfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[IPCB_NEXPORT_FORMATS] = {
    "bencher", "github-smaller", "github-bigger",
};

const char *ipcb_export_format_name(ipcb_export_format f)
{
    return (unsigned)f < IPCB_NEXPORT_FORMATS ? format_names[f] : "?";
}

int ipcb_export_format_parse(const char *text, ipcb_export_format *f)
{
    for (int i = 0; i < IPCB_NEXPORT_FORMATS; i++) {
        if (strcmp(text, format_names[i]) == 0) {
            *f = (ipcb_export_format)i;
            return 0;
        }
    }
    return -1;
}

static json_t *export_json(const ipcb_resultset *rs, ipcb_export_format fmt,
                           ipcb_export_stats *st)
{
    switch (fmt) {
    case IPCB_EXPORT_BENCHER:        return ipcb_export_bencher_json(rs, st);
    case IPCB_EXPORT_GITHUB_SMALLER: return ipcb_export_github_json(rs, 0, st);
    case IPCB_EXPORT_GITHUB_BIGGER:  return ipcb_export_github_json(rs, 1, st);
    default:                         return NULL;
    }
}

int ipcb_export_write(FILE *f, const ipcb_resultset *rs, ipcb_export_format fmt,
                      ipcb_export_stats *st, char *err, size_t errlen)
{
    ipcb_export_stats counted = { 0 };
    json_t *root = export_json(rs, fmt, &counted);
    if (!root) {
        ipcb_set_err(err, errlen, "%s export: out of memory", ipcb_export_format_name(fmt));
        return -1;
    }
    errno = 0;
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF || fflush(f) != 0) {
        ipcb_set_err(err, errlen, "cannot write the %s export: %s",
                     ipcb_export_format_name(fmt), strerror(errno ? errno : EIO));
        return -1;
    }
    if (st)
        *st = counted;
    return 0;
}

/* What ipcb_write_atomically's callback needs. */
typedef struct export_job {
    const ipcb_resultset *rs;
    ipcb_export_format    fmt;
    ipcb_export_stats    *st;
} export_job;

static int write_job(FILE *f, void *arg)
{
    const export_job *job = arg;
    return ipcb_export_write(f, job->rs, job->fmt, job->st, NULL, 0);
}

/* -1 with err when out names the results.json being exported (it would be
 * replaced by the export). */
static int check_out(const char *results, const char *out, char *err, size_t errlen)
{
    char file[PATH_MAX], real_in[PATH_MAX], real_out[PATH_MAX];
    if (ipcb_results_json_path(results, file, sizeof file, NULL, 0) != 0
        || !realpath(file, real_in) || !realpath(out, real_out))
        return 0;
    if (strcmp(real_in, real_out) != 0)
        return 0;
    ipcb_set_err(err, errlen, "%s: --out would replace the results being exported", out);
    return -1;
}

int ipcb_export_results(const char *results, ipcb_export_format fmt, const char *out,
                        FILE *stream, ipcb_export_stats *st, char *err, size_t errlen)
{
    if (out && check_out(results, out, err, errlen) != 0)
        return -1;
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, results, err, errlen) != 0)
        return -1;
    int rc;
    if (out) {
        export_job job = { &rs, fmt, st };
        rc = ipcb_write_atomically(out, write_job, &job, err, errlen);
    } else {
        rc = ipcb_export_write(stream, &rs, fmt, st, err, errlen);
    }
    ipcb_resultset_free(&rs);
    return rc;
}
