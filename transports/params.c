/* Transport parameters: "name=value,..." strings set by the CLI or campaign
 * (e.g. wait=spin,shm_backend=posix), checked against what each transport
 * declares, and read back by the transports with their defaults. */
#include "transport.h"

#include <stdio.h>
#include <string.h>

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

const char *ipcb_param(const ipcb_transport *t, const ipcb_opts *o, const char *name,
                       char *out, size_t len)
{
    const char *value;
    size_t vlen;
    if (lookup(o->params, name, &value, &vlen))
        snprintf(out, len, "%.*s", (int)vlen, value);
    else {
        const ipcb_param_spec *spec = find_spec(t, name, strlen(name));
        snprintf(out, len, "%s", spec && spec->def ? spec->def : "");
    }
    return out;
}

static int value_allowed(const char *values, const char *v, size_t vlen)
{
    if (!values)
        return 1;
    for (const char *p = values; p;) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == vlen && strncmp(p, v, len) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
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
        size_t nlen = (size_t)(eq - p);
        const ipcb_param_spec *spec = NULL;
        for (size_t i = 0; i < n && !spec; i++)
            spec = find_spec(ts[i], p, nlen);
        if (!spec) {
            snprintf(err, IPCB_ERR_MAX, "no transport in this campaign takes parameter '%.*s'", (int)nlen, p);
            return -1;
        }
        if (!value_allowed(spec->values, eq + 1, len - nlen - 1)) {
            snprintf(err, IPCB_ERR_MAX, "%s must be %s, not '%.*s'", spec->name, spec->values,
                     (int)(len - nlen - 1), eq + 1);
            return -1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}
