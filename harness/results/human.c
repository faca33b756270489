/* Figures as people read them: a value scaled into the unit that keeps it
 * between 1 and 1000, three significant digits, and "–" for NaN or infinity
 * (see human.h). */
#include "human.h"

#include <math.h>
#include <stdio.h>

/* v scaled by steps of 1000 through units[] (units[0] for v as given). */
static void scaled(char *out, size_t n, double v, const char *const *units, size_t nunits)
{
    if (!isfinite(v)) {
        snprintf(out, n, "%s", IPCB_UNDEFINED);
        return;
    }
    size_t u = 0;
    while (fabs(v) >= 999.5 && u + 1 < nunits) {
        v /= 1000;
        u++;
    }
    char num[32];
    ipcb_human_number(num, sizeof num, v);
    snprintf(out, n, "%s %s", num, units[u]);
}

void ipcb_human_number(char *out, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(out, n, "%s", IPCB_UNDEFINED);
    else if (a >= 1e15)
        snprintf(out, n, "%.3g", v);
    else
        snprintf(out, n, a >= 99.95 || a == 0 ? "%.0f" : a >= 9.995 ? "%.1f" : a >= 0.9995 ? "%.2f"
                                                                           : "%.3f", v);
}

void ipcb_human_us(char *out, size_t n, double us)
{
    static const char *const units[] = { "ns", "µs", "ms", "s" };
    if (isfinite(us) && fabs(us) < 1 && us != 0) {
        scaled(out, n, us * 1000, units, 1);
        return;
    }
    scaled(out, n, us, units + 1, 3);
}

void ipcb_human_mb_per_s(char *out, size_t n, double mb_per_s)
{
    static const char *const units[] = { "kB/s", "MB/s", "GB/s", "TB/s" };
    if (isfinite(mb_per_s) && fabs(mb_per_s) < 1 && mb_per_s != 0) {
        scaled(out, n, mb_per_s * 1000, units, 1);
        return;
    }
    scaled(out, n, mb_per_s, units + 1, 3);
}

void ipcb_human_ratio(char *out, size_t n, double ratio)
{
    char num[32];
    ipcb_human_number(num, sizeof num, ratio);
    snprintf(out, n, isfinite(ratio) ? "%s×" : "%s", num);
}

size_t ipcb_display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}
