/* Integration tests for the shared-memory and socket transports through the
 * real CLI: every mode at thumb, 1080p and 8k with every frame verified, both
 * shm backends and every ring wait strategy, dead and stalled peers, faults
 * beyond a run's frames, Ctrl-C (once and twice), and a crashed run's
 * leftovers; after each, no System V or /dev/shm object of this test's runs
 * remains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrlc.h"
#include "leftovers.h"
#include "runcli.h"

static int setup(void **state)
{
    return runcli_setup(state) != 0 ? -1 : leftovers_begin();
}

static int teardown(void **state)
{
    leftovers_end();
    return runcli_teardown(state);
}

static void test_every_transport_every_mode(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "all");
    run_ipcbench(&o, 280, "run", "--campaign", "quick", "--transport", "shm,shm-ring,shm-ring-zc,tcp",
                 "--size", "thumb,1080p,8k", "--mode", "latency,throughput,paced", "--verify", "all",
                 "--paced-frames", "6", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 4 * 3 * 3);
    assert_nothing_left("a full run");
}

static void test_backends_and_wait_strategies(void **state)
{
    (void)state;
    const char *variants[][2] = {
        { "--shm-backend", "posix" }, { "--shm-backend", "sysv" },
        { "--wait", "spin" },         { "--wait", "futex" },        { "--wait", "hybrid" },
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        char out[300];
        outcome o;
        out_dir(out, sizeof out, variants[v][1]);
        const char *transports = variants[v][0][2] == 's' ? "shm" : "shm-ring,shm-ring-zc";
        run_ipcbench(&o, 120, "run", "--campaign", "quick", "--transport", transports,
                     "--size", "64,1080p", "--mode", "latency,throughput", "--verify", "all",
                     variants[v][0], variants[v][1], "--out", out, NULL);
        if (o.status != 0)
            fail_msg("%s %s: exit %d: %s", variants[v][0], variants[v][1], o.status, o.err);
        assert_all_ok(out, (transports[3] == '\0' ? 1 : 2) * 2 * 2);
        json_t *root = load_json(out);
        const char *params = json_string_value(json_object_get(json_object_get(root, "context"), "params"));
        assert_non_null(params);
        assert_non_null(strstr(params, variants[v][1]));
        json_decref(root);
    }
    assert_nothing_left("every backend and wait strategy");
}

/* Throughput at 1080p with a fault on measured frame 5: exit 1 with message,
 * within within_s, nothing left. --max-time lifts quick's 0.5 s bound on a
 * run, so frame 5 is planned however slow the machine is. */
static void expect_fault(const char *transport, const char *fault, const char *timeout_ms,
                         const char *message, double within_s)
{
    char out[300], name[64];
    outcome o;
    snprintf(name, sizeof name, "%s-%s", transport, fault);
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", transport, "--size", "1080p",
                 "--mode", "throughput", "--warmup", "2", "--max-time", "60", "--timeout-ms", timeout_ms,
                 "--fault", fault, "--out", out, NULL);
    if (o.status != 1)
        fail_msg("%s: exit %d, not 1: %s", name, o.status, o.err);
    if (o.seconds >= within_s)
        fail_msg("%s took %.1f s", name, o.seconds);
    assert_first_error(out, name, message);
    assert_nothing_left(name);
}

static void test_dead_and_stalled_peers(void **state)
{
    (void)state;
    const char *transports[] = { "shm", "shm-ring", "shm-ring-zc", "tcp", "unix" };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        /* A killed peer is noticed long before the 20 s timeout. */
        expect_fault(transports[i], "peer-exit@5", "20000", "signal 9", 15);
        expect_fault(transports[i], "peer-hang@5", "500", "500 ms", 15);
    }
}

/* Faults count measured frames from 1. With --min-time 0 and a generous
 * --max-time, a run measures exactly --min-frames frames (20): a fault on
 * frame 20 fires, one on frame 21 cannot and fails every benchmark, in every
 * repetition, with "not reached"; either way nothing is left behind. */
static void test_unreachable_fault_fails(void **state)
{
    (void)state;
    static const char *const cases[][2] = { { "peer-exit@20", "signal 9" },
                                            { "peer-exit@21", "fault peer-exit@21 not reached" },
                                            { "peer-hang@21", "fault peer-hang@21 not reached" },
                                            { "corrupt@21", "fault corrupt@21 not reached" } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[300], name[64];
        outcome o;
        snprintf(name, sizeof name, "unreachable-%s", cases[i][0]);
        out_dir(out, sizeof out, name);
        run_ipcbench(&o, 120, "run", "--campaign", "quick", "--transport", "shm,shm-ring,shm-ring-zc,tcp,unix",
                     "--size", "64K", "--mode", "latency,throughput,paced", "--repetitions", "2",
                     "--min-frames", "20", "--min-time", "0", "--max-time", "60", "--timeout-ms", "5000",
                     "--fault", cases[i][0], "--out", out, NULL);
        if (o.status != 1)
            fail_msg("%s: exit %d, not 1: %s", cases[i][0], o.status, o.err);
        json_t *root = load_json(out);
        assert_int_equal(json_array_size(json_object_get(root, "benchmarks")), 5 * 3 * 2);
        json_decref(root);
        assert_every_error(out, name, cases[i][1]);
        assert_nothing_left(name);
    }
}

/* Ctrl-C during a paced run at 1 fps (a frame period of 1 s) and during a
 * long latency run, and a second Ctrl-C right after the first (the driver
 * may still hold the segment: it goes anyway): out within 3 s, results
 * saved, no System V object or /dev/shm name left. */
static void test_interrupt_leaves_nothing(void **state)
{
    (void)state;
    expect_ctrlc("shm,shm-ring", "paced", NULL);
    assert_nothing_left("Ctrl-C during a paced run");
    expect_ctrlc("shm-ring-zc", "latency", NULL);
    assert_nothing_left("Ctrl-C during a latency run");
    expect_second_ctrlc("shm", "latency", NULL);
    assert_nothing_left("a second Ctrl-C");
}

/* A crashed run: its runtime directory (owner gone) still holds a key file
 * whose System V segment and semaphore set exist, plus a POSIX name. The next
 * run, which looks in the same runtime directory ($XDG_RUNTIME_DIR, see
 * harness/run/dirs.c: runcli points it at runtime_dir), removes all of it. */
static void test_crashed_run_is_cleaned_up(void **state)
{
    (void)state;
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);

    char dir[400], file[500], pidfile[500], name[128];
    snprintf(dir, sizeof dir, "%s/ipcbench-crash%d", runtime_dir, (int)dead);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(pidfile, sizeof pidfile, "%s/owner.pid", dir);
    FILE *f = fopen(pidfile, "w");
    fprintf(f, "%d\n", (int)dead);
    fclose(f);
    snprintf(file, sizeof file, "%s/qipc_sharedmemory_Shared0123456789abcdef", dir);
    f = fopen(file, "w");
    fclose(f);
    int shmid = shmget(ftok(file, 'Q'), 4096, IPC_CREAT | IPC_EXCL | 0600);
    int semid = semget(ftok(file, 'S'), 5, IPC_CREAT | IPC_EXCL | 0600);
    assert_true(shmid >= 0);
    assert_true(semid >= 0);
    snprintf(name, sizeof name, "/ipcbench-crash%d-ring-1", (int)dead);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    assert_true(fd >= 0);
    close(fd);

    char out[300];
    outcome o;
    out_dir(out, sizeof out, "after-crash");
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", "shm", "--size", "64",
                 "--mode", "latency", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    /* the runtime directory is this program's: the crash above is the only one */
    assert_non_null(strstr(o.err, "cleaned up after 1 crashed run\n"));
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
    assert_int_equal(shmctl(shmid, IPC_STAT, &(struct shmid_ds){ 0 }), -1);
    assert_int_equal(semctl(semid, 0, GETVAL), -1);
    assert_int_equal(shm_open(name, O_RDWR, 0), -1);
    assert_nothing_left("cleaning up a crashed run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transport_every_mode),
        cmocka_unit_test(test_backends_and_wait_strategies),
        cmocka_unit_test(test_dead_and_stalled_peers),
        cmocka_unit_test(test_unreachable_fault_fails),
        cmocka_unit_test(test_interrupt_leaves_nothing),
        cmocka_unit_test(test_crashed_run_is_cleaned_up),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
