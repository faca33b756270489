/* Ctrl-C in the integration tests: a long run interrupted as a terminal does
 * it (SIGINT to the run's whole process group), timed from the signal to the
 * exit, and what an interrupted run must save and must not leave behind. */
#ifndef IPCB_TEST_CTRLC_H
#define IPCB_TEST_CTRLC_H

#include <sys/types.h>

/* The longest a run may take from Ctrl-C to its exit (issue #15: <= 3 s). */
enum { CTRLC_LIMIT_S = 3 };

/* Sends SIGINT to the group of pid (from start_background), a second one
 * gap_s later when twice, and waits for the exit (over 20 s fails the test).
 * Returns the exit status; *stop_s = seconds from the first SIGINT to the exit. */
int  ctrlc(pid_t pid, int twice, double gap_s, double *stop_s);

/* Starts a long run of transport in mode with its results in out (paced: 12
 * frames at 1 fps, a frame period of 1 s; the other modes: at least 60 s of
 * frames; fanout with 2 subscribers), lets it run 1.5 s, presses Ctrl-C
 * (twice: the second 1 ms after the first) and prints the time it took to
 * exit. Returns the exit status; *stop_s as ctrlc. */
int  interrupt_long_run(const char *transport, const char *mode, const char *out, int twice, double *stop_s);

/* What a run stopped by one Ctrl-C shows: exit status 130 within
 * CTRLC_LIMIT_S; results.json whose first benchmark failed "interrupted" and
 * whose later ones were skipped ("skipped: interrupted"); results.csv and
 * report.md; no hidden partial results folder; no run directory left; no
 * process of this test named in names (NULL-ended) still running. */
void assert_interrupted(const char *out, const char *what, int status, double stop_s, const char *const *names);

/* What a run stopped by a second Ctrl-C shows: exit status 130 within
 * CTRLC_LIMIT_S; its log (workdir/NAME.log) says what became of the results,
 * and they are there (a readable results.json) unless it says they were not
 * saved; no hidden partial results folder, run directory or process left. */
void assert_stopped_at_once(const char *out, const char *name, int status, double stop_s,
                            const char *const *names);

/* interrupt_long_run, then assert_interrupted (once) or assert_stopped_at_once
 * (twice), with the results in workdir/ctrlc-TRANSPORT-MODE[-twice]. */
void expect_ctrlc(const char *transport, const char *mode, const char *const *names);
void expect_second_ctrlc(const char *transport, const char *mode, const char *const *names);

#endif
