/* Tests for transports/shm/qshm.c (QSharedMemory's semantics in C) with real
 * processes, for both backends: Qt's error codes, the cross-process lock and
 * its release when a holder dies, data between processes, and clean-up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/qshm.h"

enum { CHILD_ALARM_S = 10, NOBODY = 65534 };

static char keydir[64];
static char prefix[64];  /* POSIX names of this test program */

static enum qshm_backend sysv = QSHM_SYSV, posix = QSHM_POSIX;

/* ---- helpers ---------------------------------------------------------------- */

static enum qshm_backend backend_of(void **state)
{
    return *(const enum qshm_backend *)*state;
}

/* Handles of the test process, so that a failed test's are freed (detached)
 * before its leftovers are reaped: reap never takes what is attached. */
static qshm *tracked[16];
static int ntracked;

static qshm *handle(const char *key, enum qshm_backend b)
{
    qshm *q = qshm_new(key, keydir, b);
    assert_non_null(q);
    assert_true(ntracked < 16);
    tracked[ntracked++] = q;
    assert_int_equal(qshm_set_posix_prefix(q, prefix), 0);
    return q;
}

static void drop(qshm *q)
{
    for (int i = 0; i < ntracked; i++)
        if (tracked[i] == q)
            tracked[i] = tracked[--ntracked];
    qshm_free(q);
}

/* What a key leaves in the system, remembered while its key file exists. */
typedef struct names {
    key_t segment, semaphores;
    char  keyfile[256];
    char  shm_path[256];  /* /dev/shm/<name> */
} names;

static names names_of(const qshm *q)
{
    names n;
    snprintf(n.keyfile, sizeof n.keyfile, "%s/%s", keydir, qshm_native_key(q));
    snprintf(n.shm_path, sizeof n.shm_path, "/dev/shm%s%s", prefix, qshm_native_key(q));
    n.segment = ftok(n.keyfile, 'Q');
    n.semaphores = ftok(n.keyfile, 'S');
    assert_int_not_equal(n.segment, -1);
    return n;
}

static int sysv_segment_exists(key_t k)
{
    return shmget(k, 0, 0) >= 0 || errno != ENOENT;
}

static int semaphores_exist(key_t k)
{
    return semget(k, 0, 0) >= 0 || errno != ENOENT;
}

static int path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void assert_gone(const names *n)
{
    assert_false(sysv_segment_exists(n->segment));
    assert_false(semaphores_exist(n->semaphores));
    assert_false(path_exists(n->keyfile));
    assert_false(path_exists(n->shm_path));
}

/* Create "key" (size bytes, nsig signals at 0) or fail the test. */
static qshm *created(const char *key, enum qshm_backend b, size_t size, int nsig)
{
    static const unsigned short zeros[QSHM_MAX_SIGNALS];
    qshm *q = handle(key, b);
    assert_int_equal(qshm_set_signals(q, nsig, zeros), 0);
    if (qshm_create(q, size) != 0)
        fail_msg("create %s: %s", key, qshm_error_string(q));
    return q;
}

/* Detach (the last one out removes everything) and check nothing is left. */
static void finish(qshm *q, const names *n)
{
    assert_int_equal(qshm_detach(q), 0);
    drop(q);
    assert_gone(n);
}

static void put_byte(int fd)
{
    char c = 1;
    if (write(fd, &c, 1) != 1)
        _exit(100);
}

/* 1 if a byte came within timeout_ms. */
static int got_byte(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char c;
    return poll(&p, 1, timeout_ms) == 1 && read(fd, &c, 1) == 1;
}

static int child_status(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t fork_child(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        alarm(CHILD_ALARM_S); /* a stuck child must not hang the tests */
    return pid;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- Qt's error codes --------------------------------------------------------- */

static void test_create_twice_already_exists(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("twice", b, 4096, 0);
    names n = names_of(q);
    qshm *again = handle("twice", b);
    assert_int_equal(qshm_create(again, 4096), -1);
    assert_int_equal(qshm_error(again), QSHM_ALREADY_EXISTS);
    assert_string_equal(qshm_error_string(again), "qshm_create: already exists");
    drop(again);
    assert_true(path_exists(n.keyfile)); /* the failed create left the owner's key file */
    finish(q, &n);
}

static void test_attach_missing_not_found(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("missing-probe", b, 4096, 0); /* a key file that exists ... */
    names n = names_of(q);
    assert_int_equal(qshm_forget(q), 0);            /* ... but no segment */
    qshm *other = handle("missing-probe", b);
    assert_int_equal(qshm_attach(other), -1);
    assert_int_equal(qshm_error(other), QSHM_NOT_FOUND);
    assert_string_equal(qshm_error_string(other), b == QSHM_SYSV
                            ? "qshm_attach (shmget): doesn't exist"
                            : "qshm_attach (shm_open): doesn't exist");
    drop(other);
    finish(q, &n);

    qshm *never = handle("never-created", b); /* no key file at all */
    assert_int_equal(qshm_attach(never), -1);
    assert_int_equal(qshm_error(never), QSHM_NOT_FOUND);
    drop(never);
}

static void test_empty_key_key_error(void **state)
{
    qshm *q = handle("", backend_of(state));
    assert_int_equal(qshm_create(q, 4096), -1);
    assert_int_equal(qshm_error(q), QSHM_KEY_ERROR);
    assert_string_equal(qshm_error_string(q), "qshm_create: key is empty");
    assert_int_equal(qshm_attach(q), -1);
    assert_int_equal(qshm_error(q), QSHM_KEY_ERROR);
    drop(q);
}

static void test_size_zero_invalid_size(void **state)
{
    qshm *q = handle("size-zero", backend_of(state));
    assert_int_equal(qshm_create(q, 0), -1);
    assert_int_equal(qshm_error(q), QSHM_INVALID_SIZE);
    assert_string_equal(qshm_error_string(q), "qshm_create: size is 0");
    char keyfile[256];
    snprintf(keyfile, sizeof keyfile, "%s/%s", keydir, qshm_native_key(q));
    assert_false(path_exists(keyfile)); /* checked before anything is made */
    drop(q);
}

/* Bigger than /dev/shm's free space: fails in create, up front, with nothing
 * made (the alternative is a SIGBUS at the first write into the hole). */
static void test_posix_too_large_out_of_resources(void **state)
{
    (void)state;
    struct statvfs vfs;
    assert_int_equal(statvfs("/dev/shm", &vfs), 0);
    size_t size = (size_t)vfs.f_bavail * vfs.f_frsize + ((size_t)1 << 30);
    qshm *q = handle("too-large", QSHM_POSIX);
    char keyfile[256], shm_path[256];
    snprintf(keyfile, sizeof keyfile, "%s/%s", keydir, qshm_native_key(q));
    snprintf(shm_path, sizeof shm_path, "/dev/shm%s%s", prefix, qshm_native_key(q));
    assert_int_equal(qshm_create(q, size), -1);
    assert_int_equal(qshm_error(q), QSHM_OUT_OF_RESOURCES);
    assert_non_null(strstr(qshm_error_string(q), "out of resources"));
    assert_null(qshm_data(q));
    assert_false(path_exists(shm_path));
    assert_false(path_exists(keyfile));
    drop(q);
}

/* ---- the lock ------------------------------------------------------------------ */

/* Child: attach, lock, tell the parent, wait for "unlock", unlock, tell it again. */
static void lock_holder(const char *key, enum qshm_backend b, int to_parent, int from_parent)
{
    qshm *q = qshm_new(key, keydir, b);
    if (!q || qshm_set_posix_prefix(q, prefix) != 0 || qshm_attach(q) != 0 || qshm_lock(q, 1000) != 0)
        _exit(2);
    put_byte(to_parent);
    if (!got_byte(from_parent, 5000))
        _exit(3);
    if (qshm_unlock(q) != 0)
        _exit(4);
    put_byte(to_parent);
    qshm_detach(q);
    _exit(0);
}

static void test_lock_across_processes(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("lock", b, 4096, 0);
    names n = names_of(q);
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid_t pid = fork_child();
    if (pid == 0)
        lock_holder("lock", b, up[1], down[0]);
    assert_true(got_byte(up[0], 5000));

    double t0 = now_ms();
    assert_int_equal(qshm_lock(q, 200), 1);
    double waited = now_ms() - t0;
    assert_int_equal(qshm_error(q), QSHM_LOCK_ERROR);
    assert_string_equal(qshm_error_string(q), "qshm_lock: timed out");
    assert_true(waited >= 190 && waited < 1000);

    put_byte(down[1]);
    assert_true(got_byte(up[0], 5000));
    assert_int_equal(qshm_lock(q, 1000), 0);
    assert_int_equal(qshm_unlock(q), 0);
    assert_int_equal(qshm_unlock(q), -1); /* as Qt: not locked */
    assert_int_equal(qshm_error(q), QSHM_LOCK_ERROR);
    assert_int_equal(child_status(pid), 0);
    for (int i = 0; i < 2; i++) {
        close(up[i]);
        close(down[i]);
    }
    finish(q, &n);
}

static void test_lock_released_when_holder_killed(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("killed-holder", b, 4096, 0);
    names n = names_of(q);
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid_t pid = fork_child();
    if (pid == 0)
        lock_holder("killed-holder", b, up[1], down[0]);
    assert_true(got_byte(up[0], 5000));
    assert_int_equal(qshm_lock(q, 100), 1);
    kill(pid, SIGKILL);
    assert_int_equal(child_status(pid), 128 + SIGKILL);
    assert_int_equal(qshm_lock(q, 1000), 0); /* SEM_UNDO gave it back */
    assert_int_equal(qshm_unlock(q), 0);
    for (int i = 0; i < 2; i++) {
        close(up[i]);
        close(down[i]);
    }
    finish(q, &n); /* the dead child is not counted as attached */
}

/* ---- permissions ------------------------------------------------------------------ */

/* Another user attaching to a 0600 segment: refused by the segment itself
 * (the key directory is opened up to 0711 so that ftok works for them). */
static void test_other_user_permission_denied(void **state)
{
    enum qshm_backend b = backend_of(state);
    if (geteuid() != 0)
        skip(); /* needs root to become another user */
    qshm *q = created("private", b, 4096, 0);
    names n = names_of(q);
    int msg[2];
    assert_int_equal(pipe(msg), 0);
    chmod(keydir, 0711);
    pid_t pid = fork_child();
    if (pid == 0) {
        if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(100);
        qshm *other = qshm_new("private", keydir, b);
        if (!other || qshm_set_posix_prefix(other, prefix) != 0)
            _exit(101);
        if (qshm_attach(other) == 0)
            _exit(102);
        const char *why = qshm_error_string(other);
        if (write(msg[1], why, strlen(why) + 1) < 0)
            _exit(103);
        _exit((int)qshm_error(other));
    }
    int status = child_status(pid);
    chmod(keydir, 0700);
    char why[256] = "";
    assert_true(read(msg[0], why, sizeof why - 1) > 0);
    close(msg[0]);
    close(msg[1]);
    assert_int_equal(status, QSHM_PERMISSION_DENIED);
    assert_string_equal(why, b == QSHM_SYSV ? "qshm_attach (shmget): permission denied"
                                            : "qshm_attach (shm_open): permission denied");
    finish(q, &n);
}

/* ---- data and signals between processes -------------------------------------------- */

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + 3);
}

/* Child: wait for signal 1, check the pattern under the lock, write its
 * complement into the second half, post signal 2. */
static void data_reader(const char *key, enum qshm_backend b, size_t half)
{
    qshm *q = qshm_new(key, keydir, b);
    if (!q || qshm_set_posix_prefix(q, prefix) != 0 || qshm_attach(q) != 0)
        _exit(2);
    if (qshm_size(q) != 2 * half || qshm_signal_wait(q, 1, 5000) != 0 || qshm_lock(q, 1000) != 0)
        _exit(3);
    unsigned char *d = qshm_data(q);
    for (size_t i = 0; i < half; i++) {
        if (d[i] != pattern(i))
            _exit(4);
        d[half + i] = (unsigned char)~pattern(i);
    }
    if (qshm_unlock(q) != 0 || qshm_signal_post(q, 2) != 0)
        _exit(5);
    qshm_detach(q);
    _exit(0);
}

static void test_data_between_processes(void **state)
{
    enum qshm_backend b = backend_of(state);
    const size_t half = 1 << 20;
    qshm *q = created("Shared", b, 2 * half, 2);
    names n = names_of(q);
    pid_t pid = fork_child();
    if (pid == 0)
        data_reader("Shared", b, half);
    assert_int_equal(qshm_lock(q, 1000), 0);
    unsigned char *d = qshm_data(q);
    for (size_t i = 0; i < half; i++)
        d[i] = pattern(i);
    assert_int_equal(qshm_unlock(q), 0);
    assert_int_equal(qshm_signal_post(q, 1), 0);
    assert_int_equal(qshm_signal_wait(q, 2, 5000), 0);
    assert_int_equal(qshm_lock(q, 1000), 0);
    for (size_t i = 0; i < half; i++)
        if (d[half + i] != (unsigned char)~pattern(i))
            fail_msg("byte %zu of the reply is %u", i, d[half + i]);
    assert_int_equal(qshm_unlock(q), 0);
    assert_int_equal(child_status(pid), 0);
    assert_int_equal(qshm_signal_wait(q, 2, 0), 1); /* nothing more posted */
    assert_int_equal(qshm_signal_wait(q, 3, 0), -1); /* only two signals */
    finish(q, &n);
}

/* forget: the name goes now, the memory stays mapped until the last detach. */
static void test_forget_keeps_mapping(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("forget", b, 4096, 0);
    names n = names_of(q);
    qshm *second = handle("forget", b);
    assert_int_equal(qshm_attach(second), 0);
    assert_int_equal(qshm_forget(q), 0);
    ((char *)qshm_data(q))[10] = 42;
    assert_int_equal(((char *)qshm_data(second))[10], 42);
    qshm *late = handle("forget", b);
    assert_int_equal(qshm_attach(late), -1);
    assert_int_equal(qshm_error(late), QSHM_NOT_FOUND);
    drop(late);
    assert_int_equal(qshm_detach(q), 0); /* not the last: the lock stays */
    assert_true(semaphores_exist(n.semaphores));
    drop(q);
    finish(second, &n);
}

/* destroy_lock: the lock goes at once; the last detach still cleans up. */
static void test_destroy_lock(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("no-lock", b, 4096, 1);
    names n = names_of(q);
    assert_int_equal(qshm_destroy_lock(q), 0);
    assert_false(semaphores_exist(n.semaphores));
    assert_int_equal(qshm_lock(q, 100), -1);
    assert_int_equal(qshm_error(q), QSHM_LOCK_ERROR);
    assert_int_equal(qshm_destroy_lock(q), 0); /* again: nothing to do */
    finish(q, &n);
}

/* ---- crashes --------------------------------------------------------------------- */

/* A child creates segment and lock and dies without detaching; reap removes both. */
static void test_reap_after_crash(void **state)
{
    enum qshm_backend b = backend_of(state);
    pid_t pid = fork_child();
    if (pid == 0) {
        static const unsigned short init[4] = { 0, 1, 0, 1 };
        qshm *q = qshm_new("crashed", keydir, b);
        if (!q || qshm_set_posix_prefix(q, prefix) != 0 || qshm_set_signals(q, 4, init) != 0 ||
            qshm_create(q, 65536) != 0 || qshm_lock(q, 1000) != 0)
            _exit(2);
        _exit(0); /* a crash: no unlock, no detach */
    }
    assert_int_equal(child_status(pid), 0);
    qshm *probe = handle("crashed", b);
    names n = names_of(probe);
    drop(probe);
    assert_true(semaphores_exist(n.semaphores));
    if (b == QSHM_SYSV)
        assert_true(sysv_segment_exists(n.segment));
    else
        assert_true(path_exists(n.shm_path));
    assert_int_equal(qshm_reap_keydir(keydir, prefix), 2);
    assert_gone(&n);
    assert_int_equal(qshm_reap_keydir(keydir, prefix), 0);
}

/* A live user keeps its objects: reap only takes what nobody is attached to. */
static void test_reap_spares_live_users(void **state)
{
    enum qshm_backend b = backend_of(state);
    qshm *q = created("alive", b, 4096, 0);
    names n = names_of(q);
    qshm_reap_keydir(keydir, NULL);
    assert_true(semaphores_exist(n.semaphores));
    assert_true(path_exists(n.keyfile));
    finish(q, &n);
}

/* ---- set-up ---------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    snprintf(keydir, sizeof keydir, "/tmp/qshmtest-XXXXXX");
    if (!mkdtemp(keydir))
        return -1;
    snprintf(prefix, sizeof prefix, "/qshmtest-%ld-", (long)getpid());
    return 0;
}

/* After each test: a failed one must not leave objects that make the next fail. */
static int reap_leftovers(void **state)
{
    (void)state;
    while (ntracked > 0)
        drop(tracked[0]);
    chmod(keydir, 0700);
    qshm_reap_keydir(keydir, prefix);
    return 0;
}

/* Whatever a failed test left is removed; then the directory must be empty. */
static int group_teardown(void **state)
{
    (void)state;
    int left = qshm_reap_keydir(keydir, prefix);
    int rc = rmdir(keydir);
    if (left != 0 || rc != 0)
        fprintf(stderr, "test_qshm: %d objects were left behind%s\n", left,
                rc != 0 ? ", and files in the key directory" : "");
    return left != 0 || rc != 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        { "create_twice_already_exists/sysv", test_create_twice_already_exists, NULL, reap_leftovers, &sysv },
        { "create_twice_already_exists/posix", test_create_twice_already_exists, NULL, reap_leftovers, &posix },
        { "attach_missing_not_found/sysv", test_attach_missing_not_found, NULL, reap_leftovers, &sysv },
        { "attach_missing_not_found/posix", test_attach_missing_not_found, NULL, reap_leftovers, &posix },
        { "empty_key_key_error/sysv", test_empty_key_key_error, NULL, reap_leftovers, &sysv },
        { "empty_key_key_error/posix", test_empty_key_key_error, NULL, reap_leftovers, &posix },
        { "size_zero_invalid_size/sysv", test_size_zero_invalid_size, NULL, reap_leftovers, &sysv },
        { "size_zero_invalid_size/posix", test_size_zero_invalid_size, NULL, reap_leftovers, &posix },
        cmocka_unit_test_teardown(test_posix_too_large_out_of_resources, reap_leftovers),
        { "lock_across_processes/sysv", test_lock_across_processes, NULL, reap_leftovers, &sysv },
        { "lock_across_processes/posix", test_lock_across_processes, NULL, reap_leftovers, &posix },
        { "lock_released_when_holder_killed/sysv", test_lock_released_when_holder_killed, NULL, reap_leftovers, &sysv },
        { "lock_released_when_holder_killed/posix", test_lock_released_when_holder_killed, NULL, reap_leftovers, &posix },
        { "other_user_permission_denied/sysv", test_other_user_permission_denied, NULL, reap_leftovers, &sysv },
        { "other_user_permission_denied/posix", test_other_user_permission_denied, NULL, reap_leftovers, &posix },
        { "data_between_processes/sysv", test_data_between_processes, NULL, reap_leftovers, &sysv },
        { "data_between_processes/posix", test_data_between_processes, NULL, reap_leftovers, &posix },
        { "forget_keeps_mapping/sysv", test_forget_keeps_mapping, NULL, reap_leftovers, &sysv },
        { "forget_keeps_mapping/posix", test_forget_keeps_mapping, NULL, reap_leftovers, &posix },
        { "destroy_lock/sysv", test_destroy_lock, NULL, reap_leftovers, &sysv },
        { "destroy_lock/posix", test_destroy_lock, NULL, reap_leftovers, &posix },
        { "reap_after_crash/sysv", test_reap_after_crash, NULL, reap_leftovers, &sysv },
        { "reap_after_crash/posix", test_reap_after_crash, NULL, reap_leftovers, &posix },
        { "reap_spares_live_users/sysv", test_reap_spares_live_users, NULL, reap_leftovers, &sysv },
        { "reap_spares_live_users/posix", test_reap_spares_live_users, NULL, reap_leftovers, &posix },
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
