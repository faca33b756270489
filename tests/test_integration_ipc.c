/* Integration tests for the shared-memory and TCP transports through the real
 * CLI: every mode at thumb, 1080p and 8k with every frame verified, both shm
 * backends and every ring wait strategy, dead and stalled peers, Ctrl-C, and
 * a crashed run's leftovers; after each, no System V or /dev/shm object remains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runcli.h"

/* Lines in a /proc/sysvipc table, less its header: the objects of that kind. */
static int sysv_objects(const char *table)
{
    char path[64], line[512];
    int n = -1;
    snprintf(path, sizeof path, "/proc/sysvipc/%s", table);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

static int shm_names(void)
{
    DIR *d = opendir("/dev/shm");
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strncmp(e->d_name, "ipcbench-", 9) == 0 || strncmp(e->d_name, "qipc_", 5) == 0;
    closedir(d);
    return n;
}

typedef struct ipc_counts { int shm, sem, names; } ipc_counts;

static ipc_counts count_ipc(void)
{
    return (ipc_counts){ sysv_objects("shm"), sysv_objects("sem"), shm_names() };
}

static void assert_nothing_left(const ipc_counts *before, const char *after_what)
{
    ipc_counts now = count_ipc();
    if (now.shm != before->shm || now.sem != before->sem || now.names != before->names)
        fail_msg("after %s: %d System V segments (were %d), %d semaphore sets (were %d), "
                 "%d ipcbench names in /dev/shm (were %d)", after_what, now.shm, before->shm,
                 now.sem, before->sem, now.names, before->names);
}

static void test_every_transport_every_mode(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    ipc_counts before = count_ipc();
    out_dir(out, sizeof out, "all");
    run_ipcbench(&o, 280, "run", "--campaign", "quick", "--transport", "shm,shm-ring,shm-ring-zc,tcp",
                 "--size", "thumb,1080p,8k", "--mode", "latency,throughput,paced", "--verify", "all",
                 "--paced-frames", "6", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 4 * 3 * 3);
    assert_nothing_left(&before, "a full run");
}

static void test_backends_and_wait_strategies(void **state)
{
    (void)state;
    const char *variants[][2] = {
        { "--shm-backend", "posix" }, { "--shm-backend", "sysv" },
        { "--wait", "spin" },         { "--wait", "futex" },        { "--wait", "hybrid" },
    };
    ipc_counts before = count_ipc();
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
    assert_nothing_left(&before, "every backend and wait strategy");
}

static void expect_fault(const char *transport, const char *fault, const char *timeout_ms,
                         const char *message, double within_s)
{
    char out[300], name[64];
    outcome o;
    ipc_counts before = count_ipc();
    snprintf(name, sizeof name, "%s-%s", transport, fault);
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", transport, "--size", "1080p",
                 "--mode", "throughput", "--warmup", "2", "--timeout-ms", timeout_ms,
                 "--fault", fault, "--out", out, NULL);
    assert_int_equal(o.status, 1);
    assert_true(o.seconds < within_s);
    assert_first_error(out, name, message);
    assert_nothing_left(&before, name);
}

static void test_dead_and_stalled_peers(void **state)
{
    (void)state;
    const char *transports[] = { "shm", "shm-ring", "shm-ring-zc", "tcp" };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        /* A killed peer is noticed long before the 20 s timeout. */
        expect_fault(transports[i], "peer-exit@5", "20000", "peer", 15);
        expect_fault(transports[i], "peer-hang@5", "500", "500 ms", 15);
    }
}

static void test_interrupt_leaves_nothing(void **state)
{
    (void)state;
    char out[300];
    ipc_counts before = count_ipc();
    out_dir(out, sizeof out, "interrupt");
    assert_int_equal(run_and_interrupt("shm,shm-ring", out), 1);
    assert_nothing_left(&before, "Ctrl-C");
}

/* A crashed run: its runtime directory (owner gone) still holds a key file
 * whose System V segment and semaphore set exist, plus a POSIX name. The next
 * run removes all of it. */
static void test_crashed_run_is_cleaned_up(void **state)
{
    (void)state;
    ipc_counts before = count_ipc();
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);

    char dir[300], file[400], pidfile[400], name[128];
    snprintf(dir, sizeof dir, "/tmp/ipcbench-crash%d", (int)dead);
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
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.err, "cleaned up after"));
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
    assert_int_equal(shmctl(shmid, IPC_STAT, &(struct shmid_ds){ 0 }), -1);
    assert_int_equal(semctl(semid, 0, GETVAL), -1);
    assert_nothing_left(&before, "cleaning up a crashed run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transport_every_mode),
        cmocka_unit_test(test_backends_and_wait_strategies),
        cmocka_unit_test(test_dead_and_stalled_peers),
        cmocka_unit_test(test_interrupt_leaves_nothing),
        cmocka_unit_test(test_crashed_run_is_cleaned_up),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
