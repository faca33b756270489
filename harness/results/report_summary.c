/* The report's "Summary" section: which transport leads at each frame size
 * (memcpy aside) in throughput and p50 latency, and every clean crossover
 * point, from the same sweep as the console summary (sweep.h). */
#include "report_summary.h"
#include "human.h"
#include "summary.h"
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static const char leaders_howto[] =
    "The best transport per frame size, memcpy (the in-process copy every "
    "transport is measured against) left out, with its figure and its ratio to memcpy.";

static const char crossovers_howto[] =
    "From the size named on, the first transport beats the second at every "
    "size measured; below it the second was ahead. Only clean crossings are listed: more than "
    "10% apart at the smallest and largest size, changing places once (closer than 10% counts "
    "as a tie, as medians on a shared machine move that much).";

/* "shm-ring 1.23 GB/s (0.31×)" for the leader at size s, or "–". */
static void leader_cell(rdoc *d, const ipcb_summary_figure *fig, const ipcb_sweep *sw, size_t s)
{
    int t = ipcb_sweep_best(sw, s, 1);
    if (t < 0) {
        rd_cell(d, 0, IPCB_UNDEFINED);
        return;
    }
    char value[32], ratio[32];
    fig->format(value, sizeof value, ipcb_sweep_value(sw, (size_t)t, s));
    rd_cell_begin(d, 0);
    rd_code(d, sw->transports[t]);
    rd_textf(d, " %s", value);
    double r = ipcb_sweep_ratio_to_reference(sw, (size_t)t, s);
    if (isfinite(r)) {
        ipcb_human_ratio(ratio, sizeof ratio, r);
        rd_textf(d, " (%s memcpy)", ratio);
    }
    rd_cell_end(d, 0);
}

/* Size labels: the union of both figures' sizes, as the larger sweep has them. */
static const ipcb_sweep *wider(const ipcb_sweep *sweeps)
{
    return sweeps[0].nsizes >= sweeps[1].nsizes ? &sweeps[0] : &sweeps[1];
}

static size_t size_in(const ipcb_sweep *sw, const char *label)
{
    for (size_t s = 0; s < sw->nsizes; s++)
        if (strcmp(sw->sizes[s]->size, label) == 0)
            return s;
    return (size_t)-1;
}

static void write_leaders(rdoc *d, const ipcb_sweep *sweeps)
{
    static const char *const cols[] = { "frame size", "best throughput", "best p50 latency" };
    const ipcb_sweep *rows = wider(sweeps);
    rd_howto(d, leaders_howto, 1);
    rd_table_begin(d);
    rd_header(d, cols, NULL, 3);
    for (size_t s = 0; s < rows->nsizes; s++) {
        char label[64];
        ipcb_sweep_size_label(rows, s, label, sizeof label);
        rd_row_begin(d);
        rd_cell(d, 0, label);
        for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++) {
            size_t k = size_in(&sweeps[i], rows->sizes[s]->size);
            if (k == (size_t)-1)
                rd_cell(d, 0, IPCB_UNDEFINED);
            else
                leader_cell(d, &ipcb_summary_figures[i], &sweeps[i], k);
        }
        rd_row_end(d);
    }
    rd_table_end(d);
}

static size_t write_crossover_rows(rdoc *d, const ipcb_summary_figure *fig, const ipcb_sweep *sw)
{
    size_t n = ipcb_sweep_crossovers(sw, IPCB_SUMMARY_TIE, NULL, 0);
    ipcb_crossover *x = calloc(n + 1, sizeof *x);
    if (!x)
        return 0;
    ipcb_sweep_crossovers(sw, IPCB_SUMMARY_TIE, x, n);
    for (size_t i = 0; i < n; i++) {
        char from[64], first[64], last[64], before[32], after[32];
        ipcb_sweep_size_label(sw, x[i].from, from, sizeof from);
        ipcb_sweep_size_label(sw, x[i].first, first, sizeof first);
        ipcb_sweep_size_label(sw, x[i].last, last, sizeof last);
        ipcb_human_ratio(before, sizeof before, x[i].factor_before);
        ipcb_human_ratio(after, sizeof after, x[i].factor_after);
        rd_row_begin(d);
        rd_cell(d, 0, fig->title);
        rd_cell_begin(d, 0);
        rd_code(d, sw->transports[x[i].winner]);
        rd_cell_end(d, 0);
        rd_cell_begin(d, 0);
        rd_code(d, sw->transports[x[i].loser]);
        rd_cell_end(d, 0);
        rd_cell(d, 0, from);
        rd_cell_begin(d, RD_NUM);
        rd_textf(d, "%s at %s", before, first);
        rd_cell_end(d, RD_NUM);
        rd_cell_begin(d, RD_NUM);
        rd_textf(d, "%s at %s", after, last);
        rd_cell_end(d, RD_NUM);
        rd_row_end(d);
    }
    free(x);
    return n;
}

static void write_crossovers(rdoc *d, const ipcb_sweep *sweeps)
{
    static const char *const cols[] = { "figure", "transport", "overtakes", "from size",
                                        "second ahead by", "first ahead by" };
    static const int flags[] = { 0, 0, 0, 0, RD_NUM, RD_NUM };
    size_t total = 0;
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        total += ipcb_sweep_crossovers(&sweeps[i], IPCB_SUMMARY_TIE, NULL, 0);
    rd_heading_begin(d, 3, "crossovers");
    rd_text(d, "Crossover points");
    rd_heading_end(d, 3);
    if (!total) {
        rd_para(d, wider(sweeps)->nsizes < 2
                       ? "A crossover needs two frame sizes or more; this run has one."
                       : "No transport overtakes another between the sizes measured.");
        return;
    }
    rd_howto(d, crossovers_howto, 1);
    rd_table_begin(d);
    rd_header(d, cols, flags, 6);
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        write_crossover_rows(d, &ipcb_summary_figures[i], &sweeps[i]);
    rd_table_end(d);
}

int rpt_has_summary(const ipcb_resultset *rs)
{
    for (size_t i = 0; i < rs->nresults; i++)
        for (size_t f = 0; f < IPCB_NSUMMARY_FIGURES; f++)
            if (strcmp(rs->results[i].mode, ipcb_summary_figures[f].mode) == 0)
                return 1;
    return 0;
}

void rpt_write_summary(rdoc *d, const ipcb_resultset *rs)
{
    ipcb_sweep sweeps[IPCB_NSUMMARY_FIGURES];
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        if (ipcb_sweep_build(&sweeps[i], rs, ipcb_summary_figures[i].mode, ipcb_summary_figures[i].counter,
                             ipcb_summary_figures[i].higher_better) != 0) {
            while (i-- > 0)
                ipcb_sweep_free(&sweeps[i]);
            return;
        }
    rd_section_begin(d, "summary", "Summary");
    write_leaders(d, sweeps);
    write_crossovers(d, sweeps);
    rd_section_end(d);
    for (size_t i = 0; i < IPCB_NSUMMARY_FIGURES; i++)
        ipcb_sweep_free(&sweeps[i]);
}
