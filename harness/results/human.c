/* Figures as people read them: a value scaled into the unit that keeps it
 * between 1 and 1000, three significant digits, engineering notation beyond
 * what plain digits can show, and "–" for NaN or infinity (see human.h). */
#include "human.h"

#include <math.h>
#include <stdio.h>

/* Plain digits from this magnitude up to (not including) the next. */
#define PLAIN_SMALLEST 0.0005
#define PLAIN_LARGEST  999999.5

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

int ipcb_human_needs_eng(double v)
{
    double a = fabs(v);
    return isfinite(v) && v != 0 && (a < PLAIN_SMALLEST || a >= PLAIN_LARGEST);
}

/* m (1 <= |m| < 1000) with three significant digits. */
static void three_digits(char *out, size_t n, double m)
{
    double a = fabs(m);
    snprintf(out, n, a >= 99.95 ? "%.0f" : a >= 9.995 ? "%.1f" : "%.2f", m);
}

/* v / 10^e, the power in two halves so that neither overflows or underflows
 * (10^-324 is below the smallest double, 10^-162 twice is not). */
static double divide_by_power_of_ten(double v, int e)
{
    int half = e / 2;
    return v / pow(10, half) / pow(10, e - half);
}

/* v (finite, not 0) as m * 10^e, e a multiple of 3 and 1 <= |m| < 1000 once
 * m is rounded to three significant digits. */
static void eng_split(double v, double *m, int *e)
{
    *e = (int)floor(log10(fabs(v)) / 3) * 3;
    *m = divide_by_power_of_ten(v, *e);
    if (fabs(*m) < 1) {          /* log10 rounded up at a power of ten */
        *e -= 3;
        *m *= 1000;
    }
    if (fabs(*m) >= 999.5) {     /* 999.7e3 rounds to 1.00e6, not 1000e3 */
        *e += 3;
        *m /= 1000;
    }
}

/* m * 10^e as "m" or "me<e>". */
static void eng_text(char *out, size_t n, double m, int e)
{
    char digits[16];
    three_digits(digits, sizeof digits, m);
    if (e == 0)
        snprintf(out, n, "%s", digits);
    else
        snprintf(out, n, "%se%d", digits, e);
}

void ipcb_human_eng(char *out, size_t n, double v)
{
    double m;
    int e;
    if (!isfinite(v))
        snprintf(out, n, "%s", IPCB_UNDEFINED);
    else if (v == 0)
        snprintf(out, n, "0");
    else {
        eng_split(v, &m, &e);
        eng_text(out, n, m, e);
    }
}

void ipcb_human_number(char *out, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(out, n, "%s", IPCB_UNDEFINED);
    else if (v == 0)
        snprintf(out, n, "0");      /* -0 too */
    else if (ipcb_human_needs_eng(v))
        ipcb_human_eng(out, n, v);
    else
        snprintf(out, n, a >= 99.95 || a == 0 ? "%.0f" : a >= 9.995 ? "%.1f" : a >= 0.9995 ? "%.2f"
                                                                           : "%.3f", v);
}

void ipcb_human_fixed(char *out, size_t n, double v, int decimals)
{
    if (!isfinite(v))
        snprintf(out, n, "%s", IPCB_UNDEFINED);
    else if (fabs(v) >= PLAIN_LARGEST)
        ipcb_human_eng(out, n, v);
    else
        snprintf(out, n, "%.*f", decimals, v);
}

void ipcb_human_percent(char *out, size_t n, double change)
{
    double m;
    int e;
    char num[32];
    if (!isfinite(change)) {
        snprintf(out, n, "%s", IPCB_UNDEFINED);
        return;
    }
    if (fabs(100 * change) < PLAIN_LARGEST) {
        snprintf(out, n, "%+.1f%%", change == 0 ? 0.0 : 100 * change);
        return;
    }
    /* 100 * change is (change / 10) * 10^3: no overflow near DBL_MAX */
    eng_split(change / 10, &m, &e);
    eng_text(num, sizeof num, m, e + 3);
    snprintf(out, n, "%s%s%%", change > 0 ? "+" : "", num);
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
