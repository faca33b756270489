/* A paired comparison as people and programs read it: per transport the
 * effect with its interval ("unix 1.23× slower [1.15, 1.31]"), then every
 * row; a terminal table, Markdown (a pull-request comment) or JSON. */
#ifndef IPCB_PAIRED_PRINT_H
#define IPCB_PAIRED_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "compare_print.h"
#include "paired.h"

/* The labels name the two sides (A the base, B the candidate). The text ends
 * with lines a script can read: "paired: SLOWER: ...", "paired: pass: ..."
 * and "paired: inconclusive transports: a,b" (when there are such). */
int ipcb_paired_print(FILE *f, const ipcb_paired *p, ipcb_cmp_format fmt, const char *a_label,
                      const char *b_label);

/* "unix 1.23× slower [1.15, 1.31]" (no newline). */
void ipcb_paired_effect(char *out, size_t len, const char *name, const ipcb_ratio_ci *ci);

#endif
