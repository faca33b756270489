/* Transport families and series styles: the known transports of each family
 * in a fixed order, the family colours (Okabe-Ito, the yellow left out as it
 * does not read on white), and the dash and point types of the variants. */
#include "family.h"

#include <string.h>

typedef struct family_info {
    const char        *name;
    const char        *color;
    const char *const *known;   /* the family's transports in their fixed order */
    const char *const *stems;   /* what an unknown member's name starts with */
} family_info;

static const char *const reference_known[] = { "memcpy", NULL };
static const char *const sockets_known[] = { "unix", "pipe", "tcp", "qt-local", NULL };
static const char *const shm_known[] = { "shm", "shm-ring", "shm-ring-zc", "qt-shm", NULL };
static const char *const http_known[] = { "http", "http-newconn", "http-pull", "qt-http", NULL };
static const char *const dbus_known[] = { "dbus", "dbus-fd", "dbus-p2p", "qt-dbus",
                                          "qt-dbus-fd", NULL };
static const char *const qcop_known[] = { "qcop", "qcop-fd", NULL };
static const char *const none[] = { NULL };

static const char *const sockets_stems[] = { "unix", "pipe", "tcp", "local", NULL };
static const char *const shm_stems[] = { "shm", NULL };
static const char *const http_stems[] = { "http", NULL };
static const char *const dbus_stems[] = { "dbus", NULL };
static const char *const qcop_stems[] = { "qcop", NULL };

static const family_info families[IPCB_NFAMILIES] = {
    [IPCB_FAMILY_REFERENCE]     = { "reference", "#000000", reference_known, none },
    [IPCB_FAMILY_SOCKETS]       = { "sockets", "#0072B2", sockets_known, sockets_stems },
    [IPCB_FAMILY_SHARED_MEMORY] = { "shared memory", "#009E73", shm_known, shm_stems },
    [IPCB_FAMILY_HTTP]          = { "HTTP", "#D55E00", http_known, http_stems },
    [IPCB_FAMILY_DBUS]          = { "D-Bus", "#CC79A7", dbus_known, dbus_stems },
    [IPCB_FAMILY_QCOP]          = { "QCOP", "#E69F00", qcop_known, qcop_stems },
    [IPCB_FAMILY_OTHER]         = { "other", "#56B4E9", none, none },
};

/* Dash types and point types (filled circle, square, triangle, inverted
 * triangle, diamond, pentagon, open circle) of the variants, in order. */
static const int variant_dashes[IPCB_STYLE_DASHES] = { 1, 2, 3, 4, 5 };
static const int variant_points[IPCB_STYLE_POINTS] = { 7, 5, 9, 11, 13, 15, 6 };

/* Every point type ipcb_styles_make_distinct may hand out: the variants'
 * first, then the other open shapes, then the line-drawn ones. */
static const int spare_points[] = { 7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14, 1, 2, 3 };
enum { NSPARE_POINTS = sizeof spare_points / sizeof spare_points[0] };

static int valid_family(ipcb_family f)
{
    return (int)f >= 0 && f < IPCB_NFAMILIES;
}

const char *ipcb_family_name(ipcb_family f)
{
    return valid_family(f) ? families[f].name : "?";
}

const char *ipcb_family_color(ipcb_family f)
{
    return families[valid_family(f) ? f : IPCB_FAMILY_OTHER].color;
}

/* Position of name in a NULL-terminated list; -1 if absent. */
static int index_in(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}

/* Does name start with stem followed by its end, '-' or '_'? */
static int has_stem(const char *name, const char *stem)
{
    size_t len = strlen(stem);
    return strncmp(name, stem, len) == 0
           && (name[len] == '\0' || name[len] == '-' || name[len] == '_');
}

ipcb_family ipcb_transport_family(const char *transport)
{
    for (int f = 0; f < IPCB_NFAMILIES; f++)
        if (index_in(families[f].known, transport) >= 0)
            return (ipcb_family)f;
    const char *mechanism = strncmp(transport, "qt-", 3) == 0 ? transport + 3 : transport;
    for (int f = 0; f < IPCB_NFAMILIES; f++)
        for (int s = 0; families[f].stems[s]; s++)
            if (has_stem(mechanism, families[f].stems[s]))
                return (ipcb_family)f;
    return IPCB_FAMILY_OTHER;
}

int ipcb_known_variant(const char *transport)
{
    ipcb_family f = ipcb_transport_family(transport);
    return index_in(families[f].known, transport);
}

static int known_count(ipcb_family f)
{
    int n = 0;
    while (families[f].known[n])
        n++;
    return n;
}

/* Is transports[j] the first of its name in the list? */
static int first_of_name(const char *const *transports, size_t j)
{
    for (size_t k = 0; k < j; k++)
        if (strcmp(transports[k], transports[j]) == 0)
            return 0;
    return 1;
}

void ipcb_transport_variants(const char *const *transports, size_t n, int *out)
{
    for (size_t i = 0; i < n; i++) {
        int known = ipcb_known_variant(transports[i]);
        if (known >= 0) {
            out[i] = known;
            continue;
        }
        ipcb_family f = ipcb_transport_family(transports[i]);
        int before = 0;   /* distinct unknown names of the family sorting first */
        for (size_t j = 0; j < n; j++)
            if (ipcb_known_variant(transports[j]) < 0
                && ipcb_transport_family(transports[j]) == f
                && strcmp(transports[j], transports[i]) < 0 && first_of_name(transports, j))
                before++;
        out[i] = known_count(f) + before;
    }
}

static int modulo(int v, int n)
{
    return ((v % n) + n) % n;
}

ipcb_style ipcb_transport_style(ipcb_family f, int variant)
{
    return ipcb_transport_line_style(f, variant, variant);
}

ipcb_style ipcb_transport_line_style(ipcb_family f, int variant, int line)
{
    ipcb_style s = {
        .color = ipcb_family_color(f),
        .dash = variant_dashes[modulo(line, IPCB_STYLE_DASHES)],
        .point = variant_points[modulo(variant, IPCB_STYLE_POINTS)],
    };
    return s;
}

static int same_style(const ipcb_style *a, const ipcb_style *b)
{
    return strcmp(a->color, b->color) == 0 && a->dash == b->dash && a->point == b->point;
}

/* Does any style but styles[self] have this colour, dash and point? */
static int taken(const ipcb_style *styles, size_t n, size_t self, const ipcb_style *s)
{
    for (size_t j = 0; j < n; j++)
        if (j != self && same_style(&styles[j], s))
            return 1;
    return 0;
}

size_t ipcb_styles_make_distinct(ipcb_style *styles, size_t n)
{
    size_t changed = 0;
    for (size_t i = 1; i < n; i++) {
        int clash = 0;
        for (size_t j = 0; j < i && !clash; j++)
            clash = same_style(&styles[j], &styles[i]);
        if (!clash)
            continue;
        for (int slot = 0; slot < IPCB_STYLE_DASHES * NSPARE_POINTS; slot++) {
            ipcb_style s = { styles[i].color, variant_dashes[slot % IPCB_STYLE_DASHES],
                             spare_points[slot / IPCB_STYLE_DASHES] };
            if (!taken(styles, n, i, &s)) {
                styles[i] = s;
                changed++;
                break;
            }
        }
    }
    return changed;
}
