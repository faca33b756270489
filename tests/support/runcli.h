/* Helpers for the integration tests: run the real CLI (build/ipcbench), or any
 * program, with a time limit and capture its exit status and stderr; read what
 * it wrote; a scratch directory per test program; the processes its runs started. */
#ifndef IPCB_TEST_RUNCLI_H
#define IPCB_TEST_RUNCLI_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct outcome {
    int    status;       /* exit status, or 128 + signal */
    double seconds;
    char   err[8192];    /* stderr */
} outcome;

extern char ipcbench[512];   /* path of the ipcbench binary under test */
extern char workdir[256];    /* scratch directory of this test program */
/* XDG_RUNTIME_DIR of every run this program starts (workdir/runtime): each
 * run's directory ipcbench-ID, and hence its sockets, key files and the id in
 * its /dev/shm names, belongs to this program and no other run. */
extern char runtime_dir[300];

double now_s(void);
void   slurp(const char *path, char *out, size_t len);
/* The whole file, NUL-terminated, in a buffer to free; NULL if it cannot be opened. */
char  *slurp_alloc(const char *path);
/* Runs ipcbench with the given arguments (NULL-terminated), killing it after
 * limit_s seconds; a kill fails the test. */
void   run_ipcbench(outcome *o, double limit_s, ...);
/* Runs exe (looked up in $PATH if it has no '/') with the given arguments
 * (NULL-terminated) in directory cwd (NULL: this one), stdout to out_path
 * (NULL: /dev/null), like run_ipcbench otherwise. */
void   run_program(outcome *o, double limit_s, const char *cwd, const char *out_path, const char *exe, ...);
int    count_entries(const char *dir);
/* Starts ipcbench with args (NULL-terminated, without the program) in its own
 * process group, stdout and stderr to workdir/NAME.log, and returns its pid. */
pid_t  start_background(const char *name, const char *const *args);
/* Waits for it and returns its exit status (or 128 + signal); after limit_s
 * seconds its whole group is killed, which fails the test. */
int    wait_background(pid_t pid, double limit_s);
/* Starts a long paced run of transports (400 frames at 100 fps per benchmark,
 * output to workdir/interrupted.log), sends SIGINT to its whole group after
 * 1.5 s, as Ctrl-C does, and returns the exit status (130); more than 20 s
 * fails the test. ctrlc.h has timed variants and the checks. */
int    run_and_interrupt(const char *transports, const char *out);
void   out_dir(char *out, size_t len, const char *name);
/* DIR/latest/results.json, parsed (fails the test if it cannot be). */
json_t *load_json(const char *dir);
void   assert_file_nonempty(const char *dir, const char *name);
/* DIR/latest/results.json holds `expected` entries, none failed, each run
 * with at least one frame and a positive rate, and assert_runs_sound. */
void   assert_all_ok(const char *dir, size_t expected);
/* What every successful run in results.json shows, however many frames it
 * measured: as many frames as iterations, the same count in every repetition
 * of its benchmark, the page-fault, context-switch and steal counters, p99
 * (and the round trip's) if and only if it has at least 100 latency samples,
 * p99.9 if and only if at least 1000. */
void   assert_runs_sound(json_t *root);
/* The first benchmark in DIR/latest/results.json failed with an error
 * message containing `message` (what: names the case in the failure). */
void   assert_first_error(const char *dir, const char *what, const char *message);
/* Every run in DIR/latest/results.json (there is at least one) failed with an
 * error message containing `message`. */
void   assert_every_error(const char *dir, const char *what, const char *message);
/* PIDs (at most max) of running processes named one of names (NULL-ended; the
 * base name of argv[0]) that this program's runs started: their command line
 * or their environment (XDG_RUNTIME_DIR, inherited from ipcbench) mentions
 * workdir. Zombies are not counted: they run no more. */
int    processes_of_this_test(const char *const *names, pid_t *pids, int max);
/* None of them is still running (one being stopped gets 2 s), or fails. */
void   assert_no_process_left(const char *const *names, const char *after);
/* cmocka group setup/teardown: find the binary, make workdir and runtime_dir
 * (and point XDG_RUNTIME_DIR at it), remove them. */
int    runcli_setup(void **state);
int    runcli_teardown(void **state);

#endif
