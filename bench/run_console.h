/* What `ipcbench run` shows while it runs: Google Benchmark's table only with
 * --verbose; otherwise a progress line on a terminal, or one short line per
 * benchmark (its key figure, ok, FAILED or skipped with the reason). */
#ifndef IPCB_RUN_CONSOLE_H
#define IPCB_RUN_CONSOLE_H

#include <stddef.h>
#include <stdio.h>

#include "gbench.h"

/* No line the console writes is wider than this. */
enum { RUN_CONSOLE_MAX_LINE = 160 };

typedef struct run_console {
    int    verbose;      /* Google Benchmark's console table */
    int    progress;     /* a progress line on stderr (it is a terminal) */
    int    lines;        /* a line per benchmark on stdout (it is not a terminal) */
    FILE  *out;
    int    total;        /* benchmarks registered */
    int    done;         /* benchmarks reported so far */
    int    failed;
    int    not_run;      /* skipped after Ctrl-C: counted, not listed */
    char   pending[256]; /* a benchmark whose runs passed: its median comes next */
    double started;      /* CLOCK_MONOTONIC seconds */
} run_console;

void run_console_init(run_console *c, int verbose, int total);
/* The display to hand gb_run. */
gb_display run_console_display(run_console *c);
/* The runner's progress callback (arg: the run_console). */
void run_console_progress(const char *name, int index, int total, void *arg);
/* After Ctrl-C: how many benchmarks were not run, in one line (none: nothing). */
void run_console_not_run(run_console *c);

#endif
