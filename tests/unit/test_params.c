/* Unit tests for transport parameters (transports/params.c) and the one
 * number parser under them (transports/common/number.c): strict numbers,
 * overflow, ranges, words, and the check and the read agreeing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "number.h"
#include "transport.h"

static void expect_number(const char *text, long long min, long long max, long long want)
{
    long long got = 0;
    if (ipcb_parse_integer(text, min, max, &got) != 0)
        fail_msg("'%s' refused in %lld..%lld", text, min, max);
    assert_true(got == want);
}

static void expect_not_number(const char *text, long long min, long long max)
{
    long long got = 12345;
    if (ipcb_parse_integer(text, min, max, &got) == 0)
        fail_msg("'%s' accepted in %lld..%lld as %lld", text, min, max, got);
    assert_true(got == 12345); /* left alone */
}

static void test_number_parser_is_strict(void **state)
{
    (void)state;
    expect_number("0", 0, 10, 0);
    expect_number("10", 0, 10, 10);
    expect_number("-3", -5, 5, -3);
    expect_number("007", 0, 10, 7);
    expect_number("9223372036854775807", 0, LLONG_MAX, LLONG_MAX);
    expect_number("-9223372036854775808", LLONG_MIN, 0, LLONG_MIN);
    expect_not_number("", 0, 10);
    expect_not_number("abc", 0, 10);
    expect_not_number("5x", 0, 10);
    expect_not_number("5 ", 0, 10);
    expect_not_number(" 5", 0, 10);
    expect_not_number("+5", 0, 10);
    expect_not_number("-", 0, 10);
    expect_not_number("1e3", 0, 10000);
    expect_not_number("0x10", 0, 100);
    expect_not_number("-1", 0, 10);
    expect_not_number("11", 0, 10);
    expect_not_number("9223372036854775808", 0, LLONG_MAX);   /* one past LLONG_MAX */
    expect_not_number("99999999999999999999", 0, LLONG_MAX);
    expect_not_number("-99999999999999999999", LLONG_MIN, 0);
    expect_not_number(NULL, 0, 10);

    char err[128];
    ipcb_integer_error(err, sizeof err, "window", 1, 4096, "many");
    assert_string_equal(err, "window must be a whole number from 1 to 4096, not 'many'");
}

/* ipcb_params_check over one transport: 0, or -1 with err containing want. */
static void expect_params(const char *transport, const char *params, const char *want)
{
    const ipcb_transport *t = ipcb_transport_find(transport);
    assert_non_null(t);
    char err[IPCB_ERR_MAX] = "";
    int rc = ipcb_params_check(&t, 1, params, err);
    if (!want && rc != 0)
        fail_msg("%s: '%s' refused: %s", transport, params, err);
    if (want && (rc != -1 || !strstr(err, want)))
        fail_msg("%s: '%s': rc %d, error '%s' lacks '%s'", transport, params, rc, err, want);
}

static void test_check_integer_parameter(void **state)
{
    (void)state;
    static const char *const range = "must be a whole number from 0 to 1073741824";
    expect_params("qcop-fd", "qcop_fd_min=65536", NULL);
    expect_params("qcop-fd", "qcop_fd_min=0", NULL);
    expect_params("qcop-fd", "qcop_fd_min=1073741824", NULL);
    expect_params("qcop-fd", "qcop_fd_min=abc",
                 "parameter qcop_fd_min (qcop-fd) must be a whole number from 0 to 1073741824, not 'abc'");
    expect_params("qcop-fd", "qcop_fd_min=-1", range);
    expect_params("qcop-fd", "qcop_fd_min=1073741825", range);
    expect_params("qcop-fd", "qcop_fd_min=99999999999999999999", "not '99999999999999999999'");
    expect_params("qcop-fd", "qcop_fd_min=16K", range);
    expect_params("qcop-fd", "qcop_fd_min=", range);
    expect_params("qcop-fd", "wait=spin,qcop_fd_min=12", "no transport in this campaign takes parameter 'wait'");
    expect_params("qcop", "qcop_fd_min=12", "no transport in this campaign takes parameter 'qcop_fd_min'");
}

static void test_check_word_parameters(void **state)
{
    (void)state;
    expect_params("shm-ring", "wait=spin", NULL);
    expect_params("shm-ring-zc", "wait=futex", NULL);
    expect_params("shm-ring", "wait=sleepy", "parameter wait (shm-ring) must be one of spin|futex|hybrid, not 'sleepy'");
    expect_params("shm-ring", "wait=spi", "not 'spi'");      /* a prefix is not a word */
    expect_params("shm-ring", "wait=spinning", "not 'spinning'");
    expect_params("shm", "shm_backend=posix", NULL);
    expect_params("shm", "shm_backend=nfs", "must be one of sysv|posix");
    expect_params("dbus", "bus_daemon=dbus-broker", NULL);
    expect_params("dbus-fd", "bus_daemon=systemd", "must be one of dbus-daemon|dbus-broker");
    expect_params("http", "pull=1", NULL);
    expect_params("http-newconn", "pull=yes", "must be one of 0|1, not 'yes'");
    expect_params("shm", "shm_backend", "is not name=value");
    expect_params("shm", "=posix", "is not name=value");

    /* A name several transports of the campaign declare is checked against each. */
    const ipcb_transport *ts[] = { ipcb_transport_find("unix"), ipcb_transport_find("shm-ring") };
    char err[IPCB_ERR_MAX];
    assert_int_equal(ipcb_params_check(ts, 2, "wait=spin", err), 0);
    assert_int_equal(ipcb_params_check(ts, 2, "wait=nap", err), -1);
    assert_non_null(strstr(err, "(shm-ring)"));
}

/* What a transport reads is what the check passed: the same parser. */
static void test_read_back(void **state)
{
    (void)state;
    const ipcb_transport *fd = ipcb_transport_find("qcop-fd"), *ring = ipcb_transport_find("shm-ring");
    ipcb_opts o = { .params = "wait=futex,qcop_fd_min=65536" };
    char err[IPCB_ERR_MAX];
    long long bytes = 0;
    int index = -1;
    assert_int_equal(ipcb_param_integer(fd, &o, "qcop_fd_min", &bytes, err), 0);
    assert_true(bytes == 65536);
    assert_int_equal(ipcb_param_word(ring, &o, "wait", &index, err), 0);
    assert_int_equal(index, 1); /* spin|futex|hybrid */

    o.params = ""; /* the defaults */
    assert_int_equal(ipcb_param_integer(fd, &o, "qcop_fd_min", &bytes, err), 0);
    assert_true(bytes == 16384);
    assert_int_equal(ipcb_param_word(ring, &o, "wait", &index, err), 0);
    assert_int_equal(index, 2);

    o.params = "qcop_fd_min=99999999999999999999,wait=nap";
    assert_int_equal(ipcb_param_integer(fd, &o, "qcop_fd_min", &bytes, err), -1);
    assert_non_null(strstr(err, "from 0 to 1073741824"));
    assert_int_equal(ipcb_param_word(ring, &o, "wait", &index, err), -1);
    assert_non_null(strstr(err, "not 'nap'"));

    /* Asking for a parameter the transport does not declare, or of the wrong type. */
    assert_int_equal(ipcb_param_word(fd, &o, "qcop_fd_min", &index, err), -1);
    assert_non_null(strstr(err, "declares no word parameter qcop_fd_min"));
    assert_int_equal(ipcb_param_integer(ring, &o, "nothing", &bytes, err), -1);
}

/* Every declared parameter: a known type, something it accepts, a default
 * that passes its own check, and help. */
static void test_every_declaration_is_sound(void **state)
{
    (void)state;
    size_t n, seen = 0;
    const ipcb_transport *const *all = ipcb_transport_all(&n);
    for (size_t i = 0; i < n; i++)
        for (const ipcb_param_spec *p = all[i]->params; p && p->name; p++, seen++) {
            char params[256], err[IPCB_ERR_MAX], accepts[128];
            assert_true(p->kind == IPCB_PARAM_WORD || p->kind == IPCB_PARAM_INTEGER);
            assert_true(p->kind != IPCB_PARAM_WORD || (p->words && *p->words));
            assert_true(p->kind != IPCB_PARAM_INTEGER || p->min <= p->max);
            assert_non_null(p->def);
            assert_non_null(p->help);
            snprintf(params, sizeof params, "%s=%s", p->name, p->def);
            if (ipcb_params_check(&all[i], 1, params, err) != 0)
                fail_msg("%s: the default %s is refused: %s", all[i]->name, params, err);
            ipcb_param_accepts(p, accepts, sizeof accepts);
            assert_true(strlen(accepts) > 0);
        }
    assert_true(seen >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_parser_is_strict),
        cmocka_unit_test(test_check_integer_parameter),
        cmocka_unit_test(test_check_word_parameters),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_every_declaration_is_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
