/* Transport families and the look of each plotted series: one colour per
 * family (Okabe-Ito, colour-blind safe), a dash and a point type per transport
 * within its family, so every series of a plot differs from the others and a
 * transport looks the same in every plot. Implemented in family.c. */
#ifndef IPCB_FAMILY_H
#define IPCB_FAMILY_H

#include <stddef.h>

/* The Qt transports (qt-shm, qt-dbus, ...) belong to the family of their
 * mechanism, so they sit next to the plain transport they wrap. */
typedef enum ipcb_family {
    IPCB_FAMILY_REFERENCE,      /* memcpy: no IPC at all */
    IPCB_FAMILY_SOCKETS,
    IPCB_FAMILY_SHARED_MEMORY,
    IPCB_FAMILY_HTTP,
    IPCB_FAMILY_DBUS,
    IPCB_FAMILY_QCOP,
    IPCB_FAMILY_OTHER,          /* a name none of the others claims */
    IPCB_NFAMILIES
} ipcb_family;

/* What gnuplot needs to draw one series: lc rgb COLOR dt DASH pt POINT. */
typedef struct ipcb_style {
    const char *color;  /* "#RRGGBB", the family's colour */
    int         dash;   /* a gnuplot dash type, 1 (solid) to 5 */
    int         point;  /* a gnuplot point type */
} ipcb_style;

/* The dash types and the point types a family's series take, in order. A
 * transport's dash and point are its variant modulo each count; the counts
 * are coprime, so the first DASHES * POINTS variants all differ. */
enum { IPCB_STYLE_DASHES = 5, IPCB_STYLE_POINTS = 7 };

const char *ipcb_family_name(ipcb_family f);   /* "shared memory"; "?" if out of range */
const char *ipcb_family_color(ipcb_family f);  /* "#009E73" */

/* The family of a transport, by its name alone (results come from other
 * machines): the known names, then names that start with a family's stem
 * ("shm-", "http-", "dbus-", "qcop-", "unix-", "pipe-", "tcp-", also after
 * "qt-"), else IPCB_FAMILY_OTHER. */
ipcb_family ipcb_transport_family(const char *transport);

/* The transport's position in its family's fixed order of known names
 * (unix 0, pipe 1, tcp 2, qt-local 3, ...); -1 for a name not in that order. */
int ipcb_known_variant(const char *transport);

/* The variant of each of n transports (out[i] for transports[i]): a known
 * name its fixed position; the unknown names of a family, in name order,
 * the positions after that family's known names. The same set of names
 * always gives the same variants, whatever their order. Duplicates share. */
void ipcb_transport_variants(const char *const *transports, size_t n, int *out);

/* A transport's style where it has one series per plot: the family colour
 * and the dash and point of its variant. */
ipcb_style ipcb_transport_style(ipcb_family f, int variant);

/* A transport's style where it has one series per line of a second kind (a
 * frame size in the fan-out plot, a run in an overlay of runs): the family
 * colour and the point of its variant, the dash of the line. */
ipcb_style ipcb_transport_line_style(ipcb_family f, int variant, int line);

/* Make the n styles of one plot pairwise different: a series whose (colour,
 * dash, point) an earlier one has takes the first (dash, point) its colour
 * has free in the plot (5 dashes x 15 points, so up to 75 series of one
 * colour). Returns how many styles changed. */
size_t ipcb_styles_make_distinct(ipcb_style *styles, size_t n);

#endif
