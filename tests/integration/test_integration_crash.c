/* Integration test of what a crashed run leaves in its results root: the
 * hidden, half-written folder of a driver killed with SIGKILL is removed by
 * the next run there, while a live run's folder and folders without an
 * owner are left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runcli.h"

/* The first hidden run folder (".<stamp>-...") in root into out; 0 if none. */
static int find_partial(const char *root, char *out, size_t len)
{
    DIR *d = opendir(root);
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));)
        if (e->d_name[0] == '.' && strlen(e->d_name) > 9 && e->d_name[9] == 'T') {
            snprintf(out, len, "%s/%s", root, e->d_name);
            found = 1;
        }
    if (d)
        closedir(d);
    return found;
}

static void make_folder(const char *path, const char *owner_line)
{
    assert_int_equal(mkdir(path, 0755), 0);
    if (!owner_line)
        return;
    char file[600];
    snprintf(file, sizeof file, "%s/owner.pid", path);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(owner_line, f);
    fclose(f);
}

static void test_killed_run_partial_folder_removed(void **state)
{
    (void)state;
    char out[300], partial[600];
    out_dir(out, sizeof out, "crash");
    /* A run that lasts: paced at 10 fps, 100 frames a run. */
    const char *const args[] = { "run", "--campaign", "quick", "--transport", "unix",
                                 "--size", "64", "--mode", "paced", "--fps", "10",
                                 "--paced-frames", "100", "--history", "none", "--out", out,
                                 NULL };
    pid_t pid = start_background("crash-run", args);
    double end = now_s() + 20;
    while (!find_partial(out, partial, sizeof partial) && now_s() < end) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    assert_true(find_partial(out, partial, sizeof partial));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(wait_background(pid, 10), 128 + SIGKILL);
    struct stat st;
    assert_int_equal(stat(partial, &st), 0); /* the crash left it */

    /* Folders that are not a crashed run's: one whose owner (this test) runs,
     * one without an owner file. Both stay. */
    char live[600], unowned[600], line[64];
    snprintf(live, sizeof live, "%s/.20240101T000000Z-live.AAAAAA", out);
    snprintf(unowned, sizeof unowned, "%s/.20240101T000000Z-unowned.BBBBBB", out);
    snprintf(line, sizeof line, "%ld\n", (long)getpid());
    make_folder(live, line);
    make_folder(unowned, NULL);

    outcome o;
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", "memcpy", "--size", "64",
                 "--mode", "latency", "--history", "none", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_non_null(strstr(o.err, "removed the partial results of 1 crashed run"));
    assert_int_equal(stat(partial, &st), -1);
    assert_int_equal(stat(live, &st), 0);
    assert_int_equal(stat(unowned, &st), 0);
    /* A finished run's folder carries no owner file. */
    char finished[400];
    snprintf(finished, sizeof finished, "%s/latest/owner.pid", out);
    assert_int_equal(stat(finished, &st), -1);
    const char *const names[] = { "ipcbench", NULL };
    assert_no_process_left(names, "a killed run and the next one");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_run_partial_folder_removed),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
