/* Figures as people read them on a console or in a table: a time in µs as
 * "557 µs" or "1.72 ms", a rate in MB/s as "452 MB/s" or "13.7 GB/s", a ratio
 * as "0.34×"; three significant digits; "–" for anything undefined. */
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
/* Three significant digits without unit, no exponent below 10^15. */
void ipcb_human_number(char *out, size_t n, double v);
/* Columns a UTF-8 string takes on a terminal (one per code point). */
size_t ipcb_display_width(const char *s);

#endif
