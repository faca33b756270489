/* Tests for the turn-taking of paired runs (harness/run/pairturn.c) with two
 * real processes: turns alternate ABBA and never overlap, and a different
 * campaign, a different benchmark, a dead or a stuck other side fail clearly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pairturn.h"

static int setup(void **state)
{
    char *dir = strdup("/tmp/ipcb_pairturn_XXXXXX");
    if (!dir || !mkdtemp(dir)) /* mode 0700 */
        return -1;
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/log", (char *)*state);
    unlink(path);
    snprintf(path, sizeof path, "%s/turn.sock", (char *)*state);
    unlink(path);
    rmdir(*state);
    free(*state);
    return 0;
}

/* Appends "<side><rep><mark>" to dir/log (O_APPEND: one write, one record). */
static void log_turn(const char *dir, int side, int rep, char mark)
{
    char path[512], rec[32];
    snprintf(path, sizeof path, "%s/log", dir);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    int n = snprintf(rec, sizeof rec, "%s%d%c ", ipcb_pair_side_name(side), rep, mark);
    if (fd < 0 || write(fd, rec, (size_t)n) != n)
        abort();
    close(fd);
}

/* One side: reps repetitions of "bench", each logged at its start ('[') and
 * end (']') with a short sleep between, so overlapping turns would show. */
static int play(const char *dir, int side, int reps, char *err, size_t errlen)
{
    ipcb_pairturn *p;
    if (ipcb_pairturn_open(&p, dir, side, "fp", 5000, err, errlen) != 0)
        return -1;
    for (int i = 0; i < reps; i++) {
        if (ipcb_pairturn_take(p, i < 2 ? "one" : "two", err, errlen) != 0) {
            ipcb_pairturn_close(p);
            return -1;
        }
        log_turn(dir, side, i, '[');
        usleep(3000);
        log_turn(dir, side, i, ']');
    }
    int rc = ipcb_pairturn_finish(p, err, errlen);
    ipcb_pairturn_close(p);
    return rc;
}

static pid_t fork_side_b(const char *dir, int reps)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[512];
        int rc = play(dir, IPCB_PAIR_B, reps, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "side B: %s\n", err);
        _exit(rc == 0 ? 0 : 1);
    }
    return pid;
}

static int child_status(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_turns_alternate_abba(void **state)
{
    const char *dir = *state;
    pid_t b = fork_side_b(dir, 5);
    char err[512] = "";
    int rc = play(dir, IPCB_PAIR_A, 5, err, sizeof err);
    if (rc != 0)
        fail_msg("side A: %s", err);
    assert_int_equal(child_status(b), 0);
    char path[512], log[512] = "";
    snprintf(path, sizeof path, "%s/log", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(log, 1, sizeof log - 1, f);
    fclose(f);
    log[n] = '\0';
    assert_string_equal(log, "A0[ A0] B0[ B0] B1[ B1] A1[ A1] A2[ A2] B2[ B2] B3[ B3] A3[ A3] "
                             "A4[ A4] B4[ B4] ");
}

static void test_different_campaign(void **state)
{
    const char *dir = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ipcb_pairturn *p;
        char err[512];
        _exit(ipcb_pairturn_open(&p, dir, IPCB_PAIR_B, "other", 5000, err,
                                 sizeof err) == 0 ? 0 : 1);
    }
    ipcb_pairturn *p;
    char err[512];
    assert_int_equal(ipcb_pairturn_open(&p, dir, IPCB_PAIR_A, "fp", 5000, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "different campaigns"));
    assert_int_equal(child_status(pid), 1);
}

static void test_different_benchmark(void **state)
{
    const char *dir = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ipcb_pairturn *p;
        char err[512];
        if (ipcb_pairturn_open(&p, dir, IPCB_PAIR_B, "fp", 5000, err, sizeof err) != 0)
            _exit(2);
        int rc = ipcb_pairturn_take(p, "y", err, sizeof err);
        _exit(rc != 0 && strstr(err, "do not run the same benchmarks") ? 0 : 1);
    }
    ipcb_pairturn *p;
    char err[512];
    assert_int_equal(ipcb_pairturn_open(&p, dir, IPCB_PAIR_A, "fp", 5000, err,
                                        sizeof err), 0);
    assert_int_equal(ipcb_pairturn_take(p, "x", err, sizeof err), 0);
    /* B refuses; A learns of it on its next turn, and every later call fails at once. */
    assert_int_equal(ipcb_pairturn_take(p, "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "side B failed"));
    assert_int_equal(ipcb_pairturn_finish(p, err, sizeof err), -1);
    ipcb_pairturn_close(p);
    assert_int_equal(child_status(pid), 0);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* behaviour 0: B dies after meeting; 1: B stalls without taking a turn. */
static void other_side_gone_or_stuck(const char *dir, int stalls)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ipcb_pairturn *p;
        char err[512];
        if (ipcb_pairturn_open(&p, dir, IPCB_PAIR_B, "fp", 5000, err, sizeof err) != 0)
            _exit(2);
        if (stalls)
            sleep(5);
        _exit(0);
    }
    ipcb_pairturn *p;
    char err[512];
    assert_int_equal(ipcb_pairturn_open(&p, dir, IPCB_PAIR_A, "fp", 400, err,
                                        sizeof err), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(ipcb_pairturn_take(p, "x", err, sizeof err), 0); /* slot 0 is A's */
    assert_int_equal(ipcb_pairturn_take(p, "x", err, sizeof err), -1);
    print_message("%s\n", err);
    assert_non_null(strstr(err, stalls ? "did not hand over the turn within 400 ms"
                                       : "closed the pairing connection"));
    assert_true(seconds_since(&t0) < 3);
    ipcb_pairturn_close(p);
    if (stalls)
        kill(pid, SIGKILL);
    child_status(pid);
}

static void test_other_side_dies(void **state)
{
    other_side_gone_or_stuck(*state, 0);
}

static void test_other_side_stuck(void **state)
{
    other_side_gone_or_stuck(*state, 1);
}

static void test_no_other_side_and_bad_dir(void **state)
{
    const char *dir = *state;
    ipcb_pairturn *p;
    char err[512];
    assert_int_equal(ipcb_pairturn_open(&p, dir, IPCB_PAIR_B, "fp", 300, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "side A was not listening"));
    chmod(dir, 0755);
    assert_int_equal(ipcb_pairturn_open(&p, dir, IPCB_PAIR_A, "fp", 300, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "nobody else can enter"));
    chmod(dir, 0700);
}

static void test_parse(void **state)
{
    (void)state;
    char dir[64], err[128];
    int side = -1;
    assert_int_equal(ipcb_pairturn_parse("/tmp/x,y,B", dir, sizeof dir, &side, err, sizeof err), 0);
    assert_string_equal(dir, "/tmp/x,y");
    assert_int_equal(side, IPCB_PAIR_B);
    assert_int_equal(ipcb_pairturn_parse("/tmp/x", dir, sizeof dir, &side, err, sizeof err), -1);
    assert_int_equal(ipcb_pairturn_parse("/tmp/x,C", dir, sizeof dir, &side, err, sizeof err), -1);
    assert_int_equal(ipcb_pairturn_parse(",A", dir, sizeof dir, &side, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_turns_alternate_abba, setup, teardown),
        cmocka_unit_test_setup_teardown(test_different_campaign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_different_benchmark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_side_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_side_stuck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_other_side_and_bad_dir, setup, teardown),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
