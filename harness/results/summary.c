/* The console summary (summary.h): a transport × size table per figure,
 * split into several tables when the sizes do not fit the width, then who
 * leads at which size and where transports change places. */
#include "summary.h"
#include "human.h"
#include "sweep.h"

#include <math.h>
#include <string.h>

enum { VALUE_W = 9, RATIO_W = 6, GAP_W = 2 };

const ipcb_summary_figure ipcb_summary_figures[IPCB_NSUMMARY_FIGURES] = {
    { "throughput", "throughput", IPCB_C_MB_PER_S, 1, ipcb_human_mb_per_s },
    { "p50 latency", "latency", IPCB_C_P50_US, 0, ipcb_human_us },
};

/* s padded with spaces to width columns, on the left (right-aligned) or right. */
static void put_padded(FILE *f, const char *s, size_t width, int right)
{
    size_t w = ipcb_display_width(s);
    if (right)
        fprintf(f, "%*s", (int)(width > w ? width - w : 0), "");
    fputs(s, f);
    if (!right)
        fprintf(f, "%*s", (int)(width > w ? width - w : 0), "");
}

static size_t name_width(const ipcb_sweep *sw)
{
    size_t w = 9;
    for (size_t t = 0; t < sw->ntransports; t++)
        if (strlen(sw->transports[t]) > w)
            w = strlen(sw->transports[t]);
    return w;
}

/* One table: transports down, sizes [first, last) across. */
static void print_table(FILE *f, const ipcb_summary_figure *fig, const ipcb_sweep *sw, size_t first,
                        size_t last, size_t namew, size_t cellw)
{
    put_padded(f, fig->title, namew, 0);
    for (size_t s = first; s < last; s++) {
        char label[64];
        ipcb_sweep_size_label(sw, s, label, sizeof label);
        fprintf(f, "%*s", GAP_W, "");
        put_padded(f, label, cellw, 1);
    }
    fputc('\n', f);
    for (size_t t = 0; t < sw->ntransports; t++) {
        put_padded(f, sw->transports[t], namew, 0);
        for (size_t s = first; s < last; s++) {
            char value[32], ratio[32] = "", cell[80];
            fig->format(value, sizeof value, ipcb_sweep_value(sw, t, s));
            if (sw->reference >= 0 && !isnan(ipcb_sweep_value(sw, t, s)))
                ipcb_human_ratio(ratio, sizeof ratio, ipcb_sweep_ratio_to_reference(sw, t, s));
            int best = ipcb_sweep_best(sw, s, 1) == (int)t;
            snprintf(cell, sizeof cell, "%s%s", best ? "*" : "", value);
            fprintf(f, "%*s", GAP_W, "");
            put_padded(f, cell, VALUE_W + 1, 1);
            if (sw->reference >= 0) {
                fputc(' ', f);
                put_padded(f, ratio, RATIO_W, 1);
            }
        }
        fputc('\n', f);
    }
}

/* "leader (memcpy aside): A 64 B–4K, B from 64K" on lines of at most width. */
static void print_leaders(FILE *f, const ipcb_summary_figure *fig, const ipcb_sweep *sw, size_t width)
{
    char line[512];
    int n = snprintf(line, sizeof line, "  best %s%s:", fig->title,
                     sw->reference >= 0 ? " (memcpy aside)" : "");
    size_t s = 0;
    while (s < sw->nsizes) {
        int leader = ipcb_sweep_best(sw, s, 1);
        size_t end = s + 1;
        while (end < sw->nsizes && ipcb_sweep_best(sw, end, 1) == leader)
            end++;
        char a[64], b[64], part[200];
        ipcb_sweep_size_label(sw, s, a, sizeof a);
        ipcb_sweep_size_label(sw, end - 1, b, sizeof b);
        const char *who = leader >= 0 ? sw->transports[leader] : "none";
        if (s == 0 && end == sw->nsizes)
            snprintf(part, sizeof part, " %s at every size", who);
        else if (end - s == 1)
            snprintf(part, sizeof part, " %s at %s%s", who, a, end < sw->nsizes ? "," : "");
        else
            snprintf(part, sizeof part, " %s %s–%s%s", who, a, b, end < sw->nsizes ? "," : "");
        if ((size_t)n + ipcb_display_width(part) > width) {
            fprintf(f, "%s\n", line);
            n = snprintf(line, sizeof line, "   ");
        }
        n += snprintf(line + n, sizeof line - (size_t)n, "%s", part);
        s = end;
    }
    fprintf(f, "%s\n", line);
}

static size_t print_crossovers(FILE *f, const ipcb_summary_figure *fig, const ipcb_sweep *sw,
                               size_t max)
{
    ipcb_crossover x[16];
    size_t total = ipcb_sweep_crossovers(sw, IPCB_SUMMARY_TIE, x, max < 16 ? max : 16);
    size_t shown = total < max ? total : max;
    for (size_t i = 0; i < shown && i < 16; i++) {
        char from[64], first[64], last[64], before[32], after[32];
        ipcb_sweep_size_label(sw, x[i].from, from, sizeof from);
        ipcb_sweep_size_label(sw, x[i].first, first, sizeof first);
        ipcb_sweep_size_label(sw, x[i].last, last, sizeof last);
        ipcb_human_ratio(before, sizeof before, x[i].factor_before);
        ipcb_human_ratio(after, sizeof after, x[i].factor_after);
        fprintf(f, "  %s: %s overtakes %s at %s (%s %s ahead at %s, %s %s at %s)\n", fig->title,
                sw->transports[x[i].winner], sw->transports[x[i].loser], from,
                sw->transports[x[i].loser], before, first, sw->transports[x[i].winner], after, last);
    }
    return total - shown;
}

void ipcb_summary_print(FILE *f, const ipcb_resultset *rs, size_t width, size_t max_crossovers)
{
    if (width < 60)
        width = 60;
    int any = 0;
    size_t hidden = 0;
    ipcb_sweep sweeps[IPCB_NSUMMARY_FIGURES];
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++) {
        if (ipcb_sweep_build(&sweeps[i], rs, ipcb_summary_figures[i].mode, ipcb_summary_figures[i].counter,
                             ipcb_summary_figures[i].higher_better) != 0)
            return;
        any |= sweeps[i].nsizes > 0;
    }
    if (!any) {
        fputs("Summary: no latency or throughput results to summarise.\n", f);
        return;
    }
    fprintf(f, "Summary: medians per frame size; * best (memcpy aside)%s\n",
            sweeps[0].reference >= 0 || sweeps[1].reference >= 0 ? "; × = ratio to memcpy" : "");
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++) {
        const ipcb_sweep *sw = &sweeps[i];
        if (!sw->nsizes)
            continue;
        size_t namew = name_width(sw);
        size_t cellw = VALUE_W + 1 + (sw->reference >= 0 ? 1 + RATIO_W : 0);
        size_t per = (width - namew) / (GAP_W + cellw);
        for (size_t first = 0; first < sw->nsizes; first += per)
            print_table(f, &ipcb_summary_figures[i], sw, first, first + per < sw->nsizes ? first + per : sw->nsizes,
                        namew, cellw);
    }
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        if (sweeps[i].nsizes > 1) /* with one size the table's mark says it */
            print_leaders(f, &ipcb_summary_figures[i], &sweeps[i], width);
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        hidden += print_crossovers(f, &ipcb_summary_figures[i], &sweeps[i],
                                   i == 0 ? (max_crossovers + 1) / 2 : max_crossovers / 2);
    if (hidden)
        fprintf(f, "  … and %zu more crossover%s in report.md\n", hidden, hidden == 1 ? "" : "s");
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        ipcb_sweep_free(&sweeps[i]);
}
