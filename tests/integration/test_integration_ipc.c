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
#include "runcli.h"

/* ---- what this program's runs leave behind ---------------------------------
 * Only objects made by this program's own runs are counted, so another
 * ipcbench run beside it (a benchmark, another test) cannot fail it:
 * - POSIX shared memory: every run makes its directory ipcbench-ID under
 *   runcli's private runtime_dir, and every name it puts in /dev/shm starts
 *   with "ipcbench-ID-" (transports/shm/shm.c, shm_ring.c). An inotify watch on
 *   runtime_dir, set before the first run, records every directory made there
 *   however briefly it lived, so the ids of all this program's runs are known
 *   and only names with one of them are counted.
 * - System V segments and semaphore sets have no name; their keys are ftok()
 *   of key files that are gone once a run ends, so a key cannot be traced back
 *   to a run afterwards. Instead this program takes an IPC namespace of its own
 *   (unshare; as root, or else inside a user namespace of its own), which every
 *   run it starts inherits: /proc/sysvipc then lists only objects made by this
 *   program and its runs. Where neither is allowed, System V objects are not
 *   counted (a note says so) rather than counted system-wide.
 * With ownership certain, the check is that none is left, not a difference. */

static int run_watch = -1;   /* inotify descriptor on runtime_dir */
static char run_ids[256][64];
static size_t nrun_ids;
static int sysv_private;     /* System V objects are this program's alone */

/* Adds the ids of run directories made since the last call. */
static void collect_run_ids(void)
{
    _Alignas(struct inotify_event) char buf[8192];
    ssize_t n;
    while ((n = read(run_watch, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & IN_Q_OVERFLOW)
                fail_msg("inotify queue overflow: run ids lost");
            if ((e->mask & IN_ISDIR) && e->len && strncmp(e->name, "ipcbench-", 9) == 0) {
                if (nrun_ids == sizeof run_ids / sizeof run_ids[0])
                    fail_msg("more than %zu runs: raise run_ids", nrun_ids);
                snprintf(run_ids[nrun_ids++], sizeof run_ids[0], "%s", e->name + 9);
            }
            p += sizeof *e + e->len;
        }
    }
}

/* /dev/shm names of this program's runs: "ipcbench-ID-..." for one of their ids. */
static int shm_names(void)
{
    collect_run_ids();
    DIR *d = opendir("/dev/shm");
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        for (size_t i = 0; i < nrun_ids; i++) {
            size_t len = strlen(run_ids[i]);
            if (strncmp(e->d_name, "ipcbench-", 9) == 0 && strncmp(e->d_name + 9, run_ids[i], len) == 0 &&
                e->d_name[9 + len] == '-') {
                n++;
                break;
            }
        }
    closedir(d);
    return n;
}

/* Lines in a /proc/sysvipc table, less its header: the objects of that kind
 * in this program's IPC namespace (0 if it has none of its own). */
static int sysv_objects(const char *table)
{
    char path[64], line[512];
    int n = -1;
    snprintf(path, sizeof path, "/proc/sysvipc/%s", table);
    FILE *f = sysv_private ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

static void assert_nothing_left(const char *after_what)
{
    int shm = sysv_objects("shm"), sem = sysv_objects("sem"), names = shm_names();
    if (shm || sem || names)
        fail_msg("after %s: %d System V segments, %d semaphore sets, %d names in /dev/shm of this "
                 "test's runs", after_what, shm, sem, names);
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    ssize_t n = fd >= 0 ? write(fd, text, strlen(text)) : -1;
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* An IPC namespace of this program's own: 1, 0 where it may not have one,
 * -1 if it got a user namespace but could not keep its uid and gid in it. */
static int private_ipc_namespace(void)
{
    if (unshare(CLONE_NEWIPC) == 0)
        return 1;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0)
        return 0;
    /* the same uid and gid inside, so files and objects stay ours */
    char uid_map[64], gid_map[64];
    snprintf(uid_map, sizeof uid_map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    snprintf(gid_map, sizeof gid_map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_text("/proc/self/setgroups", "deny") != 0 || write_text("/proc/self/uid_map", uid_map) != 0 ||
        write_text("/proc/self/gid_map", gid_map) != 0)
        return -1;
    return 1;
}

static int setup(void **state)
{
    if (runcli_setup(state) != 0)
        return -1;
    sysv_private = private_ipc_namespace();
    if (sysv_private < 0)
        return -1;
    if (!sysv_private)
        print_message("no IPC namespace of its own (needs CAP_SYS_ADMIN or user namespaces): "
                      "System V leftovers are not counted\n");
    run_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (run_watch < 0 || inotify_add_watch(run_watch, runtime_dir, IN_CREATE) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    close(run_watch);
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
