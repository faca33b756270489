/* Campaign settings: defaults, INI loading through inih, one setter shared by
 * the INI reader and the CLI, and validation with one clear line per problem. */
#include "campaign.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "number.h"
#include "peer.h"
#include "png.h"
#include "wire.h"

void ipcb_campaign_defaults(ipcb_campaign *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "adhoc");
    c->repetitions = 3;
    c->min_time = 0.2;
    c->max_time = 5;
    c->fps = 60;
    c->window = 8;
    c->verify = IPCB_VERIFY_SAMPLE;
    c->timeout_ms = 10000;
    c->subscribers[0] = 1;
    c->subscribers[1] = 2;
    c->subscribers[2] = 4;
    c->nsubscribers = 3;
    for (int m = 0; m < IPCB_NMODES; m++)
        c->mode[m].min_time = -1;
}

/* item without the spaces and tabs around it (in place). */
static char *trim(char *item)
{
    while (*item == ' ' || *item == '\t')
        item++;
    char *end = item + strlen(item);
    while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return item;
}

/* Calls one(item) for each comma-separated item of list (spaces trimmed).
 * Every item must be there: "1K,", ",1K" and "1K,,2K" are refused. */
static int for_each_item(const char *list, int (*one)(ipcb_campaign *, const char *, char *, size_t),
                         ipcb_campaign *c, char *err, size_t errlen)
{
    char buf[1024];
    if (strlen(list) >= sizeof buf) {
        snprintf(err, errlen, "list is too long (at most %zu characters)", sizeof buf - 1);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", list);
    if (*trim(buf) == '\0') {
        snprintf(err, errlen, "empty list");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", list);
    for (char *item = buf; item;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        char *text = trim(item);
        if (*text == '\0') {
            snprintf(err, errlen, "empty item in the list '%s' (a comma at the start or the end, "
                     "or two commas in a row)", list);
            return -1;
        }
        if (one(c, text, err, errlen) != 0)
            return -1;
        item = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int add_subscribers(ipcb_campaign *c, const char *text, char *err, size_t errlen)
{
    long long k;
    if (ipcb_parse_integer(text, 1, IPCB_MAX_SUBSCRIBERS, &k) != 0) {
        snprintf(err, errlen, "subscribers must be whole numbers from 1 to %d, not '%s'",
                 IPCB_MAX_SUBSCRIBERS, text);
        return -1;
    }
    for (size_t i = 0; i < c->nsubscribers; i++)
        if (c->subscribers[i] == (int)k)
            return 0;
    if (c->nsubscribers == IPCB_MAX_LIST) {
        snprintf(err, errlen, "too many subscriber counts (at most %d)", IPCB_MAX_LIST);
        return -1;
    }
    c->subscribers[c->nsubscribers++] = (int)k;
    return 0;
}

static int add_transport(ipcb_campaign *c, const char *name, char *err, size_t errlen)
{
    if (!ipcb_transport_find(name)) {
        snprintf(err, errlen, "unknown transport '%s' (see 'ipcbench list')", name);
        return -1;
    }
    if (c->ntransports == IPCB_MAX_LIST) {
        snprintf(err, errlen, "too many transports (at most %d)", IPCB_MAX_LIST);
        return -1;
    }
    snprintf(c->transports[c->ntransports++], sizeof c->transports[0], "%s", name);
    return 0;
}

static int add_mode(ipcb_campaign *c, const char *name, char *err, size_t errlen)
{
    ipcb_mode m;
    if (ipcb_mode_parse(name, &m) != 0) {
        snprintf(err, errlen, "unknown mode '%s' (latency, throughput, paced or fanout)", name);
        return -1;
    }
    for (size_t i = 0; i < c->nmodes; i++)
        if (c->modes[i] == m)
            return 0;
    c->modes[c->nmodes++] = m;
    return 0;
}

static int add_size(ipcb_campaign *c, const char *text, char *err, size_t errlen)
{
    if (c->nsizes == IPCB_MAX_LIST) {
        snprintf(err, errlen, "too many sizes (at most %d)", IPCB_MAX_LIST);
        return -1;
    }
    return ipcb_size_parse(&c->sizes[c->nsizes++], text, err, errlen) == 0 ? 0 : (c->nsizes--, -1);
}

static int parse_int(const char *key, const char *v, int lo, int hi, int *out, char *err, size_t errlen)
{
    long long n;
    if (ipcb_parse_integer(v, lo, hi, &n) != 0) {
        ipcb_integer_error(err, errlen, key, lo, hi, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int parse_double(const char *key, const char *v, double lo, double hi, double *out,
                        char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi)) {
        snprintf(err, errlen, "%s must be a number from %g to %g, not '%s'", key, lo, hi, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* Removes "name=..." from the list, keeping the others in order. */
static void drop_param(char *params, const char *name)
{
    char out[sizeof ((ipcb_campaign *)0)->params] = "";
    size_t n = strlen(name), used = 0;
    for (char *p = params; p && *p;) {
        char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!(len > n && strncmp(p, name, n) == 0 && p[n] == '='))
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", used ? "," : "", (int)len, p);
        p = end ? end + 1 : NULL;
    }
    strcpy(params, out);
}

int ipcb_campaign_set_param(ipcb_campaign *c, const char *name, const char *value, char *err, size_t errlen)
{
    if (*name && !strpbrk(name, ",= ") && !*value) {
        snprintf(err, errlen, "parameter %s has no value (want NAME=VALUE)", name);
        return -1;
    }
    if (!*name || strpbrk(name, ",= ") || strchr(value, ',')) {
        snprintf(err, errlen, "bad parameter %s=%s (name=value, no commas)", name, value);
        return -1;
    }
    drop_param(c->params, name);
    size_t used = strlen(c->params);
    int n = snprintf(c->params + used, sizeof c->params - used, "%s%s=%s", used ? "," : "", name, value);
    if (n < 0 || (size_t)n >= sizeof c->params - used) {
        snprintf(err, errlen, "too many transport parameters");
        return -1;
    }
    return 0;
}

/* "name=value" as given to --param or the INI key "param". */
static int set_param_pair(ipcb_campaign *c, const char *pair, char *err, size_t errlen)
{
    const char *eq = strchr(pair, '=');
    char name[64];
    if (!eq || (size_t)(eq - pair) >= sizeof name) {
        snprintf(err, errlen, "parameter '%s' is not name=value", pair);
        return -1;
    }
    snprintf(name, sizeof name, "%.*s", (int)(eq - pair), pair);
    return ipcb_campaign_set_param(c, name, eq + 1, err, errlen);
}

int ipcb_campaign_set(ipcb_campaign *c, const char *key, const char *v, char *err, size_t errlen)
{
    /* Transport parameters with their own flags and INI keys. */
    static const char *const param_keys[] = { "shm_backend", "wait", "bus_daemon", "pull" };
    for (size_t i = 0; i < sizeof param_keys / sizeof param_keys[0]; i++)
        if (strcmp(key, param_keys[i]) == 0)
            return ipcb_campaign_set_param(c, key, v, err, errlen);
    if (strcmp(key, "param") == 0)
        return set_param_pair(c, v, err, errlen);
    if (strcmp(key, "name") == 0) {
        for (const char *p = v; *p; p++)
            if (!(*p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9'))) {
                snprintf(err, errlen, "campaign name '%s' may hold only letters, digits, '-' and '_'", v);
                return -1;
            }
        if (!*v || strlen(v) >= sizeof c->name) {
            snprintf(err, errlen, "campaign name must be 1 to %zu characters", sizeof c->name - 1);
            return -1;
        }
        snprintf(c->name, sizeof c->name, "%s", v);
        return 0;
    }
    if (strcmp(key, "transports") == 0) {
        c->ntransports = 0;
        return for_each_item(v, add_transport, c, err, errlen);
    }
    if (strcmp(key, "modes") == 0) {
        c->nmodes = 0;
        return for_each_item(v, add_mode, c, err, errlen);
    }
    if (strcmp(key, "sizes") == 0) {
        c->nsizes = 0;
        return for_each_item(v, add_size, c, err, errlen);
    }
    if (strcmp(key, "subscribers") == 0) {
        c->nsubscribers = 0;
        return for_each_item(v, add_subscribers, c, err, errlen);
    }
    if (strcmp(key, "image") == 0) {
        snprintf(c->image, sizeof c->image, "%s", v);
        return 0;
    }
    if (strcmp(key, "verify") == 0) {
        if (ipcb_verify_parse(v, &c->verify) == 0)
            return 0;
        snprintf(err, errlen, "verify must be all, sample or none, not '%s'", v);
        return -1;
    }
    if (strcmp(key, "pin") == 0) {
        snprintf(c->pin, sizeof c->pin, "%s", v);
        int d, p;
        return ipcb_campaign_pins(c, &d, &p, err, errlen);
    }
    if (strcmp(key, "repetitions") == 0)
        return parse_int(key, v, 1, 1000, &c->repetitions, err, errlen);
    if (strcmp(key, "paced_frames") == 0)
        return ipcb_campaign_set_for_mode(c, IPCB_MODE_PACED, "min_frames", v, err, errlen);
    if (strcmp(key, "min_frames") == 0)
        return parse_int(key, v, 0, IPCB_MAX_FRAMES, &c->min_frames, err, errlen);
    if (strcmp(key, "max_time") == 0)
        return parse_double(key, v, 0.001, 3600, &c->max_time, err, errlen);
    if (strcmp(key, "window") == 0)
        return parse_int(key, v, 1, 4096, &c->window, err, errlen);
    if (strcmp(key, "warmup") == 0)
        return parse_int(key, v, 0, 1000000, &c->warmup, err, errlen);
    if (strcmp(key, "timeout_ms") == 0)
        return parse_int(key, v, 10, 3600000, &c->timeout_ms, err, errlen);
    if (strcmp(key, "min_time") == 0)
        return parse_double(key, v, 0, 3600, &c->min_time, err, errlen);
    if (strcmp(key, "fps") == 0)
        return parse_double(key, v, 0.1, 100000, &c->fps, err, errlen);
    snprintf(err, errlen, "unknown setting '%s'", key);
    return -1;
}

/* Sizes of one mode's section go through the campaign's own list parser on a
 * scratch campaign, so both lists obey the same rules. */
static int set_mode_sizes(ipcb_mode_settings *ms, const char *v, char *err, size_t errlen)
{
    static ipcb_campaign scratch;
    scratch.nsizes = 0;
    if (for_each_item(v, add_size, &scratch, err, errlen) != 0)
        return -1;
    memcpy(ms->sizes, scratch.sizes, scratch.nsizes * sizeof scratch.sizes[0]);
    ms->nsizes = scratch.nsizes;
    return 0;
}

int ipcb_campaign_set_for_mode(ipcb_campaign *c, ipcb_mode m, const char *key, const char *v,
                               char *err, size_t errlen)
{
    ipcb_mode_settings *ms = &c->mode[m];
    if (strcmp(key, "sizes") == 0)
        return set_mode_sizes(ms, v, err, errlen);
    if (strcmp(key, "repetitions") == 0)
        return parse_int(key, v, 1, 1000, &ms->repetitions, err, errlen);
    if (strcmp(key, "min_frames") == 0)
        return parse_int(key, v, 1, IPCB_MAX_FRAMES, &ms->min_frames, err, errlen);
    if (strcmp(key, "min_time") == 0)
        return parse_double(key, v, 0, 3600, &ms->min_time, err, errlen);
    if (strcmp(key, "max_time") == 0)
        return parse_double(key, v, 0.001, 3600, &ms->max_time, err, errlen);
    if (strcmp(key, "fps") == 0)
        return parse_double(key, v, 0.1, 100000, &ms->fps, err, errlen);
    snprintf(err, errlen, "'%s' cannot be set for one mode (sizes, repetitions, min_frames, "
             "min_time, max_time, fps can)", key);
    return -1;
}

int ipcb_campaign_override(ipcb_campaign *c, const char *key, const char *v, char *err, size_t errlen)
{
    if (ipcb_campaign_set(c, key, v, err, errlen) != 0)
        return -1;
    for (int m = 0; m < IPCB_NMODES; m++) {
        ipcb_mode_settings *ms = &c->mode[m];
        if (strcmp(key, "sizes") == 0)
            ms->nsizes = 0;
        else if (strcmp(key, "repetitions") == 0)
            ms->repetitions = 0;
        else if (strcmp(key, "min_frames") == 0)
            ms->min_frames = 0;
        else if (strcmp(key, "min_time") == 0)
            ms->min_time = -1;
        else if (strcmp(key, "max_time") == 0)
            ms->max_time = 0;
        else if (strcmp(key, "fps") == 0)
            ms->fps = 0;
    }
    return 0;
}

void ipcb_campaign_plan(const ipcb_campaign *c, ipcb_mode m, ipcb_mode_plan *out)
{
    const ipcb_mode_settings *ms = &c->mode[m];
    out->sizes = ms->nsizes ? ms->sizes : c->sizes;
    out->nsizes = ms->nsizes ? ms->nsizes : c->nsizes;
    out->own_repetitions = ms->repetitions && ms->repetitions != c->repetitions;
    out->repetitions = ms->repetitions ? ms->repetitions : c->repetitions;
    out->min_frames = ms->min_frames ? ms->min_frames : c->min_frames;
    out->min_time = ms->min_time >= 0 ? ms->min_time : c->min_time;
    out->max_time = ms->max_time > 0 ? ms->max_time : c->max_time;
    out->fps = ms->fps > 0 ? ms->fps : c->fps;
}

size_t ipcb_campaign_all_sizes(const ipcb_campaign *c, const ipcb_size **out)
{
    size_t n = 0;
    for (int m = -1; m < IPCB_NMODES; m++) {
        const ipcb_size *list = m < 0 ? c->sizes : c->mode[m].sizes;
        size_t count = m < 0 ? c->nsizes : c->mode[m].nsizes;
        for (size_t i = 0; i < count; i++) {
            size_t j = 0;
            while (j < n && strcmp(out[j]->label, list[i].label) != 0)
                j++;
            if (j == n)
                out[n++] = &list[i];
        }
    }
    return n;
}

typedef struct ini_ctx {
    ipcb_campaign *c;
    char err[512];
    int  line;
} ini_ctx;

static int on_ini_value(void *user, const char *section, const char *key, const char *value)
{
    ini_ctx *x = user;
    if (x->err[0])
        return 0;
    if (strcmp(section, "campaign") == 0)
        return ipcb_campaign_set(x->c, key, value, x->err, sizeof x->err) == 0;
    ipcb_mode m;
    if (ipcb_mode_parse(section, &m) == 0)
        return ipcb_campaign_set_for_mode(x->c, m, key, value, x->err, sizeof x->err) == 0;
    snprintf(x->err, sizeof x->err, "unknown section [%s] (expected [campaign], [latency], "
             "[throughput], [paced] or [fanout])", section);
    return 0;
}

int ipcb_campaign_load(ipcb_campaign *c, const char *path, char *err, size_t errlen)
{
    ini_ctx x = { .c = c };
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t longest = 0;
    int line = ipcb_ini_parse_file(f, on_ini_value, &x, &longest);
    int read_errno = errno;
    fclose(f);
    if (line < 0)
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(read_errno));
    else if (line > 0 && longest > 0)
        snprintf(err, errlen, "%s:%d: line %d is too long (at most %zu bytes)", path, line, line, longest);
    else if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", path, line,
                 x.err[0] ? x.err : "malformed line (want NAME = VALUE or [SECTION])");
    return line == 0 ? 0 : -1;
}

int ipcb_mode_supported(const ipcb_transport *t, ipcb_mode m)
{
    return m != IPCB_MODE_FANOUT || (t->caps & IPCB_CAP_FANOUT);
}

int ipcb_campaign_pins(const ipcb_campaign *c, int *driver_cpu, int *peer_cpu, char *err, size_t errlen)
{
    *driver_cpu = *peer_cpu = -1;
    if (!c->pin[0])
        return 0;
    char text[sizeof c->pin];
    snprintf(text, sizeof text, "%s", c->pin);
    char *comma = strchr(text, ',');
    if (comma)
        *comma = '\0';
    long long driver = -1, peer = -1;
    if (ipcb_parse_integer(trim(text), 0, CPU_SETSIZE - 1, &driver) != 0 ||
        (comma && ipcb_parse_integer(trim(comma + 1), 0, CPU_SETSIZE - 1, &peer) != 0)) {
        snprintf(err, errlen, "pin must be 'CPU' or 'DRIVER_CPU,PEER_CPU' (CPUs 0 to %d), not '%s'",
                 CPU_SETSIZE - 1, c->pin);
        return -1;
    }
    *driver_cpu = (int)driver;
    *peer_cpu = comma ? (int)peer : (int)driver;
    return 0;
}

int ipcb_campaign_validate(const ipcb_campaign *c, char *err, size_t errlen)
{
    if (c->ntransports == 0 || c->nmodes == 0 || (c->nsizes == 0 && !c->image[0])) {
        snprintf(err, errlen, "the campaign needs at least one transport, mode and size");
        return -1;
    }
    int fanout = 0, fanout_ok = 0;
    for (size_t m = 0; m < c->nmodes; m++)
        fanout |= c->modes[m] == IPCB_MODE_FANOUT;
    for (size_t i = 0; i < c->ntransports && fanout; i++)
        fanout_ok |= ipcb_mode_supported(ipcb_transport_find(c->transports[i]), IPCB_MODE_FANOUT);
    if (fanout && !fanout_ok) {
        snprintf(err, errlen, "fanout mode: none of the chosen transports supports it (see the "
                 "fanout column of 'ipcbench list')");
        return -1;
    }
    for (int m = 0; m < IPCB_NMODES; m++) {
        ipcb_mode_plan p;
        ipcb_campaign_plan(c, (ipcb_mode)m, &p);
        if (p.min_time > p.max_time) {
            snprintf(err, errlen, "%s mode: min_time %g s is more than max_time %g s",
                     ipcb_mode_name((ipcb_mode)m), p.min_time, p.max_time);
            return -1;
        }
    }
    ipcb_size image = { 0 };
    if (c->image[0] && ipcb_png_probe(c->image, &image, err, errlen) != 0)
        return -1;
    const ipcb_size *sizes[IPCB_MAX_LIST * (IPCB_NMODES + 1) + 1];
    size_t nsizes = ipcb_campaign_all_sizes(c, sizes);
    sizes[nsizes] = &image;
    const ipcb_transport *ts[IPCB_MAX_LIST];
    for (size_t i = 0; i < c->ntransports; i++)
        ts[i] = ipcb_transport_find(c->transports[i]);
    char why[IPCB_ERR_MAX];
    if (ipcb_params_check(ts, c->ntransports, c->params, why) != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    for (size_t i = 0; i < c->ntransports; i++) {
        const ipcb_transport *t = ipcb_transport_find(c->transports[i]);
        for (size_t j = 0; j <= nsizes; j++) {
            const ipcb_size *s = sizes[j];
            if (t->max_frame && s->bytes && IPCB_HEADER_SIZE + s->bytes > t->max_frame) {
                snprintf(err, errlen, "size %s (%llu bytes) is larger than transport %s allows (%zu bytes)",
                         s->label, (unsigned long long)s->bytes, t->name, t->max_frame - IPCB_HEADER_SIZE);
                return -1;
            }
        }
    }
    return 0;
}
