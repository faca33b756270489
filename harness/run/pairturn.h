/* Paired runs (`ipcbench run --pair-turn DIR,SIDE`): two drivers, side A and
 * side B, run the same campaign and take turns one repetition at a time over a
 * Unix socket in a private directory, so repetition i of A and of B are
 * neighbours in time (the A/B gate, scripts/perf-ab.sh). */
#ifndef IPCB_PAIRTURN_H
#define IPCB_PAIRTURN_H

#include <stddef.h>

enum ipcb_pair_side { IPCB_PAIR_A, IPCB_PAIR_B };

/* Default bound of one wait for the other side (its repetition, its start). */
enum { IPCB_PAIR_TIMEOUT_MS = 120000 };

typedef struct ipcb_pairturn ipcb_pairturn;

/* Parses "DIR,SIDE" (SIDE is A or B) into dir and *side. Returns 0, or -1
 * with a one-line reason. */
int ipcb_pairturn_parse(const char *text, char *dir, size_t dirlen, int *side, char *err,
                        size_t errlen);

/* Meets the other side: A listens on DIR/turn.sock, B connects to it (DIR
 * must be a directory of this user that nobody else can enter). Both then
 * compare fingerprint (what they are about to run) and fail if it differs.
 * Every wait is bounded by timeout_ms and ends early on Ctrl-C or SIGTERM
 * (ipcb_interrupted, interrupt.h). Returns 0, or -1 with a one-line reason. */
int ipcb_pairturn_open(ipcb_pairturn **out, const char *dir, int side, const char *fingerprint,
                       int timeout_ms, char *err, size_t errlen);

/* Before each repetition (of the benchmark called name): ends this side's
 * previous turn, handing it to the other side when the next slot is theirs,
 * and waits for this repetition's turn. Turns go A B, B A, A B, ... (ABBA per
 * repetition, so neither side always goes first). The other side's
 * repetition of the same index must be of the same benchmark. Returns 0, or
 * -1 with a reason; once a call failed, every later one fails at once with
 * the same reason (and the other side learns of it). */
int ipcb_pairturn_take(ipcb_pairturn *p, const char *name, char *err, size_t errlen);

/* After the last repetition: hands over the turn if the other side has one
 * more, then waits until both are done, so that neither side's writing of
 * results disturbs the other's last measurement. Both sides must have run as
 * many repetitions. Returns 0, or -1 with a reason. */
int ipcb_pairturn_finish(ipcb_pairturn *p, char *err, size_t errlen);

void ipcb_pairturn_close(ipcb_pairturn *p);

/* The side's letter, "A" or "B". */
const char *ipcb_pair_side_name(int side);

#endif
