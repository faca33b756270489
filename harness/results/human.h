/* Figures as people read them on a console or in a table: a time in µs as
 * "557 µs" or "1.72 ms", a rate in MB/s as "452 MB/s" or "13.7 GB/s", a ratio
 * as "0.34×"; three significant digits; "–" for anything undefined. A figure
 * too large or too small for plain digits goes in engineering notation. */
#ifndef IPCB_HUMAN_H
#define IPCB_HUMAN_H

#include <stddef.h>

/* What a figure that cannot be given (NaN, infinite, absent) shows as. */
#define IPCB_UNDEFINED "–"

/* Microseconds as ns, µs, ms or s. */
void ipcb_human_us(char *out, size_t n, double us);
/* Megabytes (10^6 bytes) per second as kB/s, MB/s, GB/s or TB/s. */
void ipcb_human_mb_per_s(char *out, size_t n, double mb_per_s);
/* A ratio as "0.34×" or "12.3×". */
void ipcb_human_ratio(char *out, size_t n, double ratio);
/* Three significant digits without unit: "0.123", "45.6", "789", "12345";
 * engineering notation where plain digits would not do (see below). */
void ipcb_human_number(char *out, size_t n, double v);
/* v with a fixed number of decimals ("%.*f": counts, milliseconds, shares),
 * in engineering notation from a million up; small values round to zero. */
void ipcb_human_fixed(char *out, size_t n, double v, int decimals);
/* A relative change as a signed percentage: 0.25 as "+25.0%", -0.031 as
 * "-3.1%", 1e306 as "+100e306%"; "–" if not finite. */
void ipcb_human_percent(char *out, size_t n, double change);

/* Engineering notation: three significant digits and an exponent that is a
 * multiple of three, so that the digits read like the SI prefixes: 1e308 as
 * "100e306", 1.5e20 as "150e18", 1e-9 as "1.00e-9", -2.5e6 as "-2.50e6".
 * Plain digits are kept for magnitudes from 0.0005 to below 999999.5 (and 0);
 * ipcb_human_needs_eng tells which notation a figure gets. */
void ipcb_human_eng(char *out, size_t n, double v);
int  ipcb_human_needs_eng(double v);

/* Columns a UTF-8 string takes on a terminal (one per code point). */
size_t ipcb_display_width(const char *s);

#endif
