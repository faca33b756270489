/* Integration test of `make install`: installs this build into a scratch
 * prefix, then runs the installed ipcbench from / (list, a tiny campaign, dbus),
 * which must take its campaigns and scripts from the compiled-in data directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runcli.h"

static char root[PATH_MAX];   /* the source tree (where the tests run) */
static char build[PATH_MAX];  /* the build under test, absolute */

/* make -C ROOT BUILD=... install VAR1 [VAR2]: links only the installed
 * ipcbench again (its data directory is compiled in) and copies. */
static void make_install(const char *var1, const char *var2)
{
    char a_build[PATH_MAX + 8], a_san[600];
    snprintf(a_build, sizeof a_build, "BUILD=%s", build);
    /* Under make asan, linked with the sanitizers as the rest of that build. */
    const char *san = getenv("IPCB_SAN");
    snprintf(a_san, sizeof a_san, "SAN=%s", san ? san : "");
    outcome o;
    run_program(&o, 600, NULL, NULL, "make", "-C", root, "--no-print-directory", a_build, a_san, "install",
                var1, var2, NULL);
    if (o.status != 0)
        fail_msg("make install %s %s: exit %d: %s", var1, var2 ? var2 : "", o.status, o.err);
}

static void assert_file_mode(const char *dir, const char *name, mode_t mode)
{
    char path[PATH_MAX + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        fail_msg("not installed: %s", path);
    if ((st.st_mode & 07777) != mode)
        fail_msg("%s: mode %o, not %o", path, (unsigned)(st.st_mode & 07777), (unsigned)mode);
}

/* Replaces the first `from` in the text file at path by `to`. */
static void edit_file(const char *path, const char *from, const char *to)
{
    char *text = slurp_alloc(path);
    assert_non_null(text);
    char *at = strstr(text, from);
    if (!at)
        fail_msg("no '%s' in %s", from, path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    assert_int_equal(fclose(f), 0);
    free(text);
}

/* The tiny campaign: quick.ini's settings, TRANSPORTS at 64K, latency, 20
 * frames, run from / by the installed ipcbench at exe, results under out. */
static void run_tiny(outcome *o, const char *exe, const char *transports, const char *out)
{
    run_program(o, 120, "/", NULL, exe, "run", "--campaign", "quick", "--transport", transports, "--size", "64K",
                "--mode", "latency", "--min-frames", "20", "--out", out, NULL);
}

/* The same, which must pass: exit 0, one benchmark per transport, all sound,
 * and a report. */
static void run_tiny_ok(const char *exe, const char *transports, const char *out)
{
    outcome o;
    run_tiny(&o, exe, transports, out);
    if (o.status != 0)
        fail_msg("installed ipcbench run --transport %s: exit %d: %s", transports, o.status, o.err);
    size_t n = 1;
    for (const char *c = transports; (c = strchr(c, ',')); c++)
        n++;
    assert_all_ok(out, n);
    assert_file_nonempty(out, "results.json");
    assert_file_nonempty(out, "report.md");
}

/* PREFIX in the scratch directory, no DESTDIR: the compiled-in data directory
 * is where the data is, so the installed ipcbench works from / as it is. */
static void test_install_and_run_from_root(void **state)
{
    (void)state;
    char prefix[400], a_prefix[420], bin[420], data[440], exe[440], path[600];
    snprintf(prefix, sizeof prefix, "%s/usr", workdir);
    snprintf(a_prefix, sizeof a_prefix, "PREFIX=%s", prefix);
    make_install(a_prefix, NULL);

    snprintf(bin, sizeof bin, "%s/bin", prefix);
    snprintf(data, sizeof data, "%s/share/ipcbench", prefix);
    assert_file_mode(bin, "ipcbench", 0755);
    assert_file_mode(bin, "qcopd", 0755);
    assert_file_mode(bin, "qcop", 0755);
    assert_file_mode(data, "campaigns/quick.ini", 0644);
    assert_file_mode(data, "campaigns/default.ini", 0644);
    assert_file_mode(data, "scripts/latency.gp", 0644);
    assert_file_mode(data, "scripts/dbus-session.conf", 0644);
    assert_file_mode(data, "scripts/perf-gate.sh", 0755);
    assert_file_mode(data, "scripts/perf-ab.sh", 0755);
    assert_file_mode(data, "scripts/gate-common.sh", 0644);

    /* A campaign name only the installed copy has: the run must read it. */
    snprintf(path, sizeof path, "%s/campaigns/quick.ini", data);
    edit_file(path, "name = quick", "name = quick-installed");

    outcome o;
    char list[600], out[300];
    snprintf(exe, sizeof exe, "%s/ipcbench", bin);
    snprintf(list, sizeof list, "%s/list.txt", workdir);
    run_program(&o, 120, "/", list, exe, "list", NULL);
    if (o.status != 0)
        fail_msg("installed ipcbench list: exit %d: %s", o.status, o.err);
    char *text = slurp_alloc(list);
    assert_non_null(text);
    char available[32] = "";
    const char *qcop = strstr(text, "\nqcop ");
    if (!qcop || sscanf(qcop, " qcop %31s", available) != 1 || strcmp(available, "yes") != 0)
        fail_msg("the installed ipcbench should find qcopd beside it:\n%s", text);
    free(text);

    out_dir(out, sizeof out, "out");
    run_tiny_ok(exe, "memcpy,unix,qcop", out);
    assert_file_nonempty(out, "plots/latency.svg"); /* the installed gnuplot files */
    json_t *root_json = load_json(out);
    json_t *campaign = json_object_get(json_object_get(root_json, "context"), "campaign");
    if (!json_is_string(campaign) || strcmp(json_string_value(campaign), "quick-installed") != 0)
        fail_msg("the campaign file should come from %s/campaigns", data);
    json_decref(root_json);

    /* dbus-session.conf from the data directory too. */
    out_dir(out, sizeof out, "out-dbus");
    run_tiny_ok(exe, "dbus", out);
}

/* DESTDIR staging with PREFIX=/usr, as a package build does: the files land
 * under DESTDIR, the binary looks in /usr/share/ipcbench (not beside itself,
 * not in the current directory), and IPCB_DATADIR relocates it. */
static void test_destdir_and_relocation(void **state)
{
    (void)state;
    char stage[400], a_destdir[420], data[440], exe[440], out[300];
    snprintf(stage, sizeof stage, "%s/stage", workdir);
    snprintf(a_destdir, sizeof a_destdir, "DESTDIR=%s", stage);
    make_install(a_destdir, "PREFIX=/usr");
    snprintf(exe, sizeof exe, "%s/usr/bin/ipcbench", stage);
    snprintf(data, sizeof data, "%s/usr/share/ipcbench", stage);
    assert_file_mode(data, "campaigns/quick.ini", 0644);
    assert_file_mode(data, "scripts/cdf.gp", 0644);

    outcome o;
    out_dir(out, sizeof out, "out-staged");
    if (access("/usr/share/ipcbench/campaigns/quick.ini", F_OK) != 0) {
        run_tiny(&o, exe, "memcpy", out);
        const char *want = "looked for /usr/share/ipcbench/campaigns/quick.ini";
        if (o.status != 2 || !strstr(o.err, want))
            fail_msg("expected exit 2 and '%s', got exit %d: %s", want, o.status, o.err);
    }

    assert_int_equal(setenv("IPCB_DATADIR", data, 1), 0);
    run_tiny_ok(exe, "memcpy,unix", out);
    unsetenv("IPCB_DATADIR");
}

static int setup(void **state)
{
    if (!getcwd(root, sizeof root) || access("Makefile", R_OK) != 0)
        return -1;
    const char *b = getenv("IPCB_BUILD");
    if (!realpath(b ? b : "build", build))
        return -1;
    /* The make that runs these tests must not hand its job server or
     * variables to the one this test starts. */
    unsetenv("MAKEFLAGS");
    unsetenv("MFLAGS");
    unsetenv("MAKELEVEL");
    return runcli_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_and_run_from_root),
        cmocka_unit_test(test_destdir_and_relocation),
    };
    return cmocka_run_group_tests(tests, setup, runcli_teardown);
}
