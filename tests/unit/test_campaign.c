/* Unit tests for campaign settings: INI loading through inih, the setter the
 * CLI shares, validation, pin parsing, and every error naming its cause. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "peer.h"

static char ini_path[64];

static void write_ini(const char *text)
{
    FILE *f = fopen(ini_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_defaults(void **state)
{
    (void)state;
    ipcb_campaign c;
    ipcb_campaign_defaults(&c);
    assert_int_equal(c.repetitions, 3);
    assert_int_equal(c.verify, IPCB_VERIFY_SAMPLE);
    assert_int_equal(c.window, 8);
    assert_true(c.min_time > 0);
    assert_int_equal(c.ntransports, 0);
}

static void test_load_every_key(void **state)
{
    (void)state;
    write_ini("; comment\n[campaign]\nname = nightly-2\ntransports = unix, pipe ,memcpy\n"
              "modes = throughput,latency\nsizes = 64, 4K,1080p,8k\nrepetitions = 5\n"
              "min_time = 0.25\npaced_frames = 12\nfps = 30\nwindow = 4\nwarmup = 7\n"
              "verify = none\ntimeout_ms = 1500\npin = 0,1\n");
    ipcb_campaign c;
    char err[512] = "";
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), 0);
    assert_string_equal(c.name, "nightly-2");
    assert_int_equal(c.ntransports, 3);
    assert_string_equal(c.transports[0], "unix");
    assert_string_equal(c.transports[1], "pipe");
    assert_string_equal(c.transports[2], "memcpy");
    assert_int_equal(c.nmodes, 2);
    assert_int_equal(c.modes[0], IPCB_MODE_THROUGHPUT);
    assert_int_equal(c.modes[1], IPCB_MODE_LATENCY);
    assert_int_equal(c.nsizes, 4);
    assert_int_equal(c.sizes[0].bytes, 64);
    assert_int_equal(c.sizes[1].bytes, 4096);
    assert_int_equal(c.sizes[2].bytes, 1920u * 1080 * 4);
    assert_int_equal(c.sizes[3].bytes, 7680u * 4320 * 4);
    assert_int_equal(c.repetitions, 5);
    assert_true(c.min_time > 0.249 && c.min_time < 0.251);
    assert_int_equal(c.mode[IPCB_MODE_PACED].min_frames, 12);
    assert_true(c.fps == 30);
    assert_int_equal(c.window, 4);
    assert_int_equal(c.warmup, 7);
    assert_int_equal(c.verify, IPCB_VERIFY_NONE);
    assert_int_equal(c.timeout_ms, 1500);
    int d, p;
    assert_int_equal(ipcb_campaign_pins(&c, &d, &p, err, sizeof err), 0);
    assert_int_equal(d, 0);
    assert_int_equal(p, 1);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), 0);
}

static void expect_load_error(const char *text, const char *needle)
{
    ipcb_campaign c;
    char err[512] = "";
    write_ini(text);
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_load_errors_name_file_and_line(void **state)
{
    (void)state;
    expect_load_error("[campaign]\ntransports = unix\nnot a setting\n", ":3");
    expect_load_error("[campaign]\ntransports = carrier-pigeon\n", "unknown transport 'carrier-pigeon'");
    expect_load_error("[campaign]\nmodes = latency,sideways\n", "unknown mode 'sideways'");
    expect_load_error("[campaign]\nsizes = 1080p,0\n", ":2");
    expect_load_error("[campaign]\nrepetitions = -3\n", "repetitions must be");
    expect_load_error("[campaign]\nmin_time = soon\n", "min_time must be");
    expect_load_error("[campaign]\nverify = maybe\n", "verify must be all, sample or none");
    expect_load_error("[campaign]\ncolour = blue\n", "unknown setting 'colour'");
    expect_load_error("[elsewhere]\nname = x\n", "unknown section [elsewhere]");
    expect_load_error("[campaign]\nname = ../escape\n", "campaign name");
    expect_load_error("[campaign]\ntransports = ,\n", "empty item in the list ','");
    expect_load_error("[campaign]\ntransports =  \n", "empty list");
    expect_load_error("[campaign]\npin = 0,1,2\n", "pin must be");

    ipcb_campaign c;
    char err[512];
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, "/nonexistent/x.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.ini"));
}

/* [MODE] sections override the campaign's settings for one mode; a
 * command-line flag (ipcb_campaign_override) replaces them again. */
static void test_mode_sections(void **state)
{
    (void)state;
    write_ini("[campaign]\ntransports = unix\nmodes = latency,paced,fanout\nsizes = thumb,4k\n"
              "repetitions = 3\nmin_frames = 150\nmin_time = 0.1\nmax_time = 2\n"
              "[paced]\nsizes = 1080p\nrepetitions = 1\nfps = 30\nmax_time = 4\n"
              "[fanout]\nsizes = thumb, 1080p\nmin_frames = 50\n");
    ipcb_campaign c;
    char err[512] = "";
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), 0);
    ipcb_mode_plan lat, paced, fan;
    ipcb_campaign_plan(&c, IPCB_MODE_LATENCY, &lat);
    ipcb_campaign_plan(&c, IPCB_MODE_PACED, &paced);
    ipcb_campaign_plan(&c, IPCB_MODE_FANOUT, &fan);
    assert_int_equal(lat.nsizes, 2);
    assert_string_equal(lat.sizes[1].label, "4k");
    assert_int_equal(lat.repetitions, 3);
    assert_false(lat.own_repetitions);
    assert_int_equal(lat.min_frames, 150);
    assert_true(lat.max_time == 2 && lat.min_time > 0.09 && lat.min_time < 0.11);
    assert_int_equal(paced.nsizes, 1);
    assert_string_equal(paced.sizes[0].label, "1080p");
    assert_int_equal(paced.repetitions, 1);
    assert_true(paced.own_repetitions);
    assert_true(paced.fps == 30 && paced.max_time == 4);
    assert_int_equal(paced.min_frames, 150);
    assert_int_equal(fan.min_frames, 50);
    const ipcb_size *all[IPCB_MAX_LIST * (IPCB_NMODES + 1)];
    assert_int_equal(ipcb_campaign_all_sizes(&c, all), 3); /* thumb, 4k, 1080p */
    assert_string_equal(all[2]->label, "1080p");

    assert_int_equal(ipcb_campaign_override(&c, "sizes", "vga", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_override(&c, "min_frames", "20", err, sizeof err), 0);
    ipcb_campaign_plan(&c, IPCB_MODE_PACED, &paced);
    assert_int_equal(paced.nsizes, 1);
    assert_string_equal(paced.sizes[0].label, "vga");
    assert_int_equal(paced.min_frames, 20);
    assert_int_equal(paced.repetitions, 1); /* not overridden */

    expect_load_error("[campaign]\nmodes = latency\n[latency]\nwindow = 4\n", "cannot be set for one mode");
    expect_load_error("[campaign]\nmodes = latency\n[bogus]\nsizes = 4k\n", "unknown section [bogus]");
    write_ini("[campaign]\ntransports = unix\nmodes = latency\nsizes = 64\nmin_time = 3\n"
              "[latency]\nmax_time = 1\n");
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than max_time"));
}

static void test_setter_replaces_lists(void **state)
{
    (void)state;
    ipcb_campaign c;
    char err[256];
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_set(&c, "transports", "unix,pipe", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_set(&c, "transports", "memcpy", err, sizeof err), 0);
    assert_int_equal(c.ntransports, 1);
    assert_int_equal(ipcb_campaign_set(&c, "modes", "paced,paced,latency", err, sizeof err), 0);
    assert_int_equal(c.nmodes, 2); /* duplicates collapse */
    assert_int_equal(ipcb_campaign_set(&c, "fps", "0", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "window", "4097", err, sizeof err), -1);
}

static void test_validate(void **state)
{
    (void)state;
    ipcb_campaign c;
    char err[512];
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "at least one transport"));
    assert_int_equal(ipcb_campaign_set(&c, "transports", "unix", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_set(&c, "modes", "latency", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_set(&c, "sizes", "thumb", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_set(&c, "image", "/nonexistent.png", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent.png"));
}

/* Transport parameters from a campaign file are checked by validation
 * against the campaign's transports, with their types and ranges. */
static void test_validate_params(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        { "param = qcop_fd_min=abc", "parameter qcop_fd_min (qcop-fd) must be a whole number from 0 to 1073741824, not 'abc'" },
        { "param = qcop_fd_min=-1", "not '-1'" },
        { "param = qcop_fd_min=99999999999999999999", "not '99999999999999999999'" },
        { "wait = sometimes", "parameter wait (shm-ring) must be one of spin|futex|hybrid, not 'sometimes'" },
        { "shm_backend = nfs", "no transport in this campaign takes parameter 'shm_backend'" },
    };
    char text[512], err[512];
    ipcb_campaign c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "[campaign]\ntransports = qcop-fd,shm-ring\nmodes = latency\n"
                 "sizes = 64\n%s\n", bad[i][0]);
        write_ini(text);
        ipcb_campaign_defaults(&c);
        assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), 0);
        assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), -1);
        if (!strstr(err, bad[i][1]))
            fail_msg("%s: '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
    }
    write_ini("[campaign]\ntransports = qcop-fd,shm-ring\nmodes = latency\nsizes = 64\n"
              "param = qcop_fd_min=0\nwait = spin\n");
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_validate(&c, err, sizeof err), 0);
    assert_string_equal(c.params, "qcop_fd_min=0,wait=spin");
}

/* Every item of a comma list must be there: no comma at either end, no two
 * in a row, in every list setting and in a mode's own sizes. */
static void test_lists_refuse_empty_items(void **state)
{
    (void)state;
    static const char *const keys[][2] = {
        { "sizes", "1K" }, { "transports", "unix" }, { "modes", "latency" }, { "subscribers", "2" },
    };
    static const char *const shapes[] = { "%s,", ",%s", "%s,,%s", "%s, ,%s", "%s,\t" };
    ipcb_campaign c;
    char err[512], list[64];
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        ipcb_campaign_defaults(&c);
        snprintf(list, sizeof list, "%s, %s", keys[k][1], keys[k][1]);
        if (ipcb_campaign_set(&c, keys[k][0], list, err, sizeof err) != 0)
            fail_msg("%s = %s: %s", keys[k][0], list, err);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            snprintf(list, sizeof list, shapes[s], keys[k][1], keys[k][1]);
            assert_int_equal(ipcb_campaign_set(&c, keys[k][0], list, err, sizeof err), -1);
            char want[128];
            snprintf(want, sizeof want, "empty item in the list '%s'", list);
            if (!strstr(err, want))
                fail_msg("%s = %s: '%s' lacks '%s'", keys[k][0], list, err, want);
        }
    }
    assert_int_equal(ipcb_campaign_set_for_mode(&c, IPCB_MODE_PACED, "sizes", "1080p,", err, sizeof err), -1);
    assert_non_null(strstr(err, "empty item"));
    char huge[1100];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(ipcb_campaign_set(&c, "sizes", huge, err, sizeof err), -1);
    assert_non_null(strstr(err, "list is too long"));
}

/* A line longer than inih takes is named as too long, with its number,
 * wherever it is and whatever it holds; the longest line it takes loads. */
static void test_long_ini_line(void **state)
{
    (void)state;
    size_t big = 1 << 20;
    char *text = malloc(big + 256);
    assert_non_null(text);
    int n = snprintf(text, big + 256, "[campaign]\ntransports = unix\n; ");
    memset(text + n, 'x', big);
    snprintf(text + n + big, 256, "\nmodes = latency\n");
    expect_load_error(text, ":3: line 3 is too long (at most ");
    n = snprintf(text, big + 256, "[campaign]\nname = ");
    memset(text + n, 'y', big);
    text[n + big] = '\0';
    expect_load_error(text, ":2: line 2 is too long (at most ");
    free(text);

    /* An earlier bad line is named first. */
    char mixed[1024];
    n = snprintf(mixed, sizeof mixed, "[campaign]\ncolour = blue\n; ");
    memset(mixed + n, 'z', 600);
    snprintf(mixed + n + 600, sizeof mixed - (size_t)n - 600, "\n");
    expect_load_error(mixed, ":2: unknown setting 'colour'");

    /* The limit said is the limit: a line of that many bytes loads, one more does not. */
    ipcb_campaign c;
    char err[512] = "";
    ipcb_campaign_defaults(&c);
    memcpy(mixed, "[campaign]\n", 11);
    memset(mixed + 11, ';', 600);
    mixed[611] = '\n';
    mixed[612] = '\0';
    write_ini(mixed);
    assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), -1);
    const char *at_most = strstr(err, "at most ");
    assert_non_null(at_most);
    int limit = atoi(at_most + 8);
    assert_true(limit >= 100 && limit < 600);
    for (int extra = 0; extra < 2; extra++) {
        memset(mixed + 11, ';', (size_t)(limit + extra));
        mixed[11 + limit + extra] = '\n';
        mixed[12 + limit + extra] = '\0';
        write_ini(mixed);
        ipcb_campaign_defaults(&c);
        assert_int_equal(ipcb_campaign_load(&c, ini_path, err, sizeof err), extra ? -1 : 0);
    }
}

static void test_pins(void **state)
{
    (void)state;
    ipcb_campaign c;
    char err[256];
    int d, p;
    ipcb_campaign_defaults(&c);
    assert_int_equal(ipcb_campaign_pins(&c, &d, &p, err, sizeof err), 0);
    assert_int_equal(d, -1);
    assert_int_equal(p, -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "1", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_pins(&c, &d, &p, err, sizeof err), 0);
    assert_int_equal(d, 1);
    assert_int_equal(p, 1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "x", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "-1", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "0,", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", ",1", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "1x", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "1024", err, sizeof err), -1);
    assert_int_equal(ipcb_campaign_set(&c, "pin", "99999999999999999999", err, sizeof err), -1);
    assert_non_null(strstr(err, "pin must be"));
    assert_int_equal(ipcb_campaign_set(&c, "pin", "1, 0", err, sizeof err), 0);
    assert_int_equal(ipcb_campaign_pins(&c, &d, &p, err, sizeof err), 0);
    assert_int_equal(d, 1);
    assert_int_equal(p, 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(ini_path, sizeof ini_path, "/tmp/ipcb-campaign-XXXXXX");
    int fd = mkstemp(ini_path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return unlink(ini_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_load_every_key),
        cmocka_unit_test(test_load_errors_name_file_and_line),
        cmocka_unit_test(test_setter_replaces_lists),
        cmocka_unit_test(test_mode_sections),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_validate_params),
        cmocka_unit_test(test_lists_refuse_empty_items),
        cmocka_unit_test(test_long_ini_line),
        cmocka_unit_test(test_pins),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
