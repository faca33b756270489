/* Running the gnuplot scripts for the plots: finding gnuplot and the scripts,
 * one run per output file with a timeout and its output in plots/gnuplot.log,
 * SVG tooltips made script-free, and the -e assignments the scripts read.
 * Implemented in gnuplot_run.c. */
#ifndef IPCB_GNUPLOT_RUN_H
#define IPCB_GNUPLOT_RUN_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "family.h"

typedef struct ipcb_gnuplot {
    char        gnuplot[PATH_MAX];      /* absolute path of the executable */
    char        scripts_dir[PATH_MAX];  /* absolute */
    const char *dir;                    /* output directory; gnuplot runs in it */
    int         logfd;                  /* DIR/plots/gnuplot.log; -1 until started */
    char       *err;
    size_t      errlen;
} ipcb_gnuplot;

/* Is there a gnuplot along $PATH? */
int ipcb_gnuplot_installed(void);

/* Find gnuplot along $PATH and the scripts directory. Returns 0, or -1 with
 * err ("gnuplot not found (install gnuplot-nox)", or the directory's error). */
int ipcb_gnuplot_find(ipcb_gnuplot *g, const char *scripts_dir, char *err, size_t errlen);

/* Make DIR/plots/ and open DIR/plots/gnuplot.log (emptied first if
 * truncate_log). Returns 0, or -1 with err. */
int ipcb_gnuplot_start(ipcb_gnuplot *g, const char *dir, int truncate_log);
void ipcb_gnuplot_stop(ipcb_gnuplot *g);

/* DIR/plots/NAME.svg and NAME.png from SCRIPTS/SCRIPT.gp with the -e
 * assignments vars ("a='x'; b='y'; ", out and fmt are added). Each is
 * written as NAME.FMT.tmp and renamed once gnuplot succeeded; in the SVG the
 * hypertext labels become <title> tooltips first. Returns 0, or -1 with err. */
int ipcb_gnuplot_render(const ipcb_gnuplot *g, const char *script, const char *name,
                        const char *vars);

/* The -e assignments, appended to f (an open_memstream). */
/* name='value'; */
void ipcb_gp_put_string(FILE *f, const char *name, const char *value);
/* name='w1 w2 ...', one word per series; a word with spaces or quotes is
 * double-quoted (gnuplot's word() keeps it whole), its quotes becoming
 * single quotes. */
void ipcb_gp_put_words(FILE *f, const char *name, const char *const *words, size_t n);
/* colors='#RRGGBB ...'; dashes='1 ...'; points='7 ...', one per series. */
void ipcb_gp_put_styles(FILE *f, const ipcb_style *styles, size_t n);

#endif
