/* Transport parameters: "name=value,..." strings set by the CLI or campaign
 * (e.g. wait=spin,qcop_fd_min=65536), checked against the type and range each
 * transport declares before a run, and read back through the same check. */
#include "transport.h"

#include <stdio.h>
#include <string.h>

#include "number.h"

enum { NUMBER_TEXT_MAX = 64 }; /* longer than any long long in decimal */

static const ipcb_param_spec *find_spec(const ipcb_transport *t, const char *name, size_t len)
{
    for (const ipcb_param_spec *p = t->params; p && p->name; p++)
        if (strlen(p->name) == len && strncmp(p->name, name, len) == 0)
            return p;
    return NULL;
}

/* Finds "name=" in params; sets *value and *vlen. */
static int lookup(const char *params, const char *name, const char **value, size_t *vlen)
{
    size_t n = strlen(name);
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            *value = p + n + 1;
            *vlen = len - n - 1;
            return 1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The position of value among spec's words, or -1. */
static int word_index(const ipcb_param_spec *spec, const char *value, size_t vlen)
{
    int index = 0;
    for (const char *p = spec->words; p; index++) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == vlen && strncmp(p, value, len) == 0)
            return index;
        p = end ? end + 1 : NULL;
    }
    return -1;
}

/* Checks one value against spec (declared by t): sets *index for a word,
 * *number for an integer. */
static int check_value(const ipcb_transport *t, const ipcb_param_spec *spec, const char *value,
                       size_t vlen, int *index, long long *number, char *err)
{
    char what[128];
    snprintf(what, sizeof what, "parameter %s (%s)", spec->name, t->name);
    if (spec->kind == IPCB_PARAM_WORD) {
        *index = word_index(spec, value, vlen);
        if (*index >= 0)
            return 0;
        snprintf(err, IPCB_ERR_MAX, "%s must be one of %s, not '%.*s'", what, spec->words,
                 (int)vlen, value);
        return -1;
    }
    char text[NUMBER_TEXT_MAX];
    snprintf(text, sizeof text, "%.*s", (int)vlen, value);
    if (vlen < sizeof text && ipcb_parse_integer(text, spec->min, spec->max, number) == 0)
        return 0;
    ipcb_integer_error(err, IPCB_ERR_MAX, what, spec->min, spec->max, text);
    return -1;
}

int ipcb_params_check(const ipcb_transport *const *ts, size_t n, const char *params, char *err)
{
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq || eq == p) {
            snprintf(err, IPCB_ERR_MAX, "parameter '%.*s' is not name=value", (int)len, p);
            return -1;
        }
        size_t nlen = (size_t)(eq - p), vlen = len - nlen - 1;
        int declared = 0, index;
        long long number;
        for (size_t i = 0; i < n; i++) {
            const ipcb_param_spec *spec = find_spec(ts[i], p, nlen);
            if (!spec)
                continue;
            declared = 1;
            if (check_value(ts[i], spec, eq + 1, vlen, &index, &number, err) != 0)
                return -1;
        }
        if (!declared) {
            snprintf(err, IPCB_ERR_MAX, "no transport in this campaign takes parameter '%.*s'", (int)nlen, p);
            return -1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* t's declaration of name, of the given kind, and its value (given or default). */
static const ipcb_param_spec *value_of(const ipcb_transport *t, const ipcb_opts *o, const char *name,
                                       ipcb_param_kind kind, const char **value, size_t *vlen, char *err)
{
    const ipcb_param_spec *spec = find_spec(t, name, strlen(name));
    if (!spec || spec->kind != kind) {
        snprintf(err, IPCB_ERR_MAX, "transport %s declares no %s parameter %s", t->name,
                 kind == IPCB_PARAM_WORD ? "word" : "integer", name);
        return NULL;
    }
    if (!lookup(o->params, name, value, vlen)) {
        *value = spec->def;
        *vlen = strlen(spec->def);
    }
    return spec;
}

int ipcb_param_word(const ipcb_transport *t, const ipcb_opts *o, const char *name, int *index,
                    char *err)
{
    const char *value;
    size_t vlen;
    long long unused;
    const ipcb_param_spec *spec = value_of(t, o, name, IPCB_PARAM_WORD, &value, &vlen, err);
    return spec ? check_value(t, spec, value, vlen, index, &unused, err) : -1;
}

int ipcb_param_integer(const ipcb_transport *t, const ipcb_opts *o, const char *name,
                       long long *number, char *err)
{
    const char *value;
    size_t vlen;
    int unused;
    const ipcb_param_spec *spec = value_of(t, o, name, IPCB_PARAM_INTEGER, &value, &vlen, err);
    return spec ? check_value(t, spec, value, vlen, &unused, number, err) : -1;
}

void ipcb_param_accepts(const ipcb_param_spec *spec, char *out, size_t len)
{
    if (spec->kind == IPCB_PARAM_WORD)
        snprintf(out, len, "%s", spec->words);
    else
        snprintf(out, len, "%lld..%lld", spec->min, spec->max);
}
