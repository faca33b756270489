/* The figures every export format takes from a result: the median aggregate,
 * the spread over repetitions, and which benchmarks are left out (failed,
 * skipped) or have no rate of their own (paced). */
#include "export_figures.h"

#include <math.h>
#include <string.h>

int ipcb_export_takes(const ipcb_result *r, ipcb_export_stats *st)
{
    if (!r->failed)
        return 1;
    if (r->skipped)
        st->skipped++;
    else
        st->failed++;
    return 0;
}

int ipcb_export_figure_of(const ipcb_result *r, enum ipcb_counter c, double scale,
                          ipcb_export_figure *fig)
{
    fig->value = r->summary.counter[c] * scale;
    fig->lowest = fig->highest = NAN;
    fig->runs = 0;
    if (!isfinite(fig->value))
        return 0;
    for (size_t i = 0; i < r->nruns; i++) {
        double v = r->runs[i].counter[c] * scale;
        if (!isfinite(v))
            continue;
        if (fig->runs == 0 || v < fig->lowest)
            fig->lowest = v;
        if (fig->runs == 0 || v > fig->highest)
            fig->highest = v;
        fig->runs++;
    }
    return 1;
}

int ipcb_export_measures_rate(const ipcb_result *r)
{
    return strcmp(r->mode, ipcb_mode_name(IPCB_MODE_PACED)) != 0;
}
