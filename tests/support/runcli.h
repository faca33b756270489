/* Helpers for the integration tests: run the real CLI (build/ipcbench) with a
 * time limit and capture its exit status and stderr, read what it wrote, and
 * give each test program a scratch directory. */
#ifndef IPCB_TEST_RUNCLI_H
#define IPCB_TEST_RUNCLI_H

#include <jansson.h>
#include <stddef.h>

typedef struct outcome {
    int    status;       /* exit status, or 128 + signal */
    double seconds;
    char   err[8192];    /* stderr */
} outcome;

extern char ipcbench[512];   /* path of the ipcbench binary under test */
extern char workdir[256];    /* scratch directory of this test program */

double now_s(void);
void   slurp(const char *path, char *out, size_t len);
/* The whole file, NUL-terminated, in a buffer to free; NULL if it cannot be opened. */
char  *slurp_alloc(const char *path);
/* Runs ipcbench with the given arguments (NULL-terminated), killing it after
 * limit_s seconds; a kill fails the test. */
void   run_ipcbench(outcome *o, double limit_s, ...);
int    count_entries(const char *dir);
/* Starts a long paced run of transports (in its own process group, output to
 * workdir/interrupted.txt), sends SIGINT to the whole group after 1.5 s, as
 * Ctrl-C does, and returns the exit status; more than 20 s fails the test. */
int    run_and_interrupt(const char *transports, const char *out);
void   out_dir(char *out, size_t len, const char *name);
/* DIR/latest/results.json, parsed (fails the test if it cannot be). */
json_t *load_json(const char *dir);
void   assert_file_nonempty(const char *dir, const char *name);
/* DIR/latest/results.json holds `expected` benchmarks, none failed, each with
 * at least one frame and a positive rate. */
void   assert_all_ok(const char *dir, size_t expected);
/* The first benchmark in DIR/latest/results.json failed with an error
 * message containing `message` (what: names the case in the failure). */
void   assert_first_error(const char *dir, const char *what, const char *message);
/* cmocka group setup/teardown: find the binary, make and remove workdir. */
int    runcli_setup(void **state);
int    runcli_teardown(void **state);

#endif
