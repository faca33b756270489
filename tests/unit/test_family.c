/* Unit tests for harness/results/family.c: every transport's family by name,
 * stable variants, and the guarantee that the series of one plot all differ
 * in (colour, dash, point) while a transport keeps its look in every plot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "family.h"

/* The transports of today, and the Qt ones to come, with their families. */
static const struct { const char *name; ipcb_family family; } known[] = {
    { "memcpy", IPCB_FAMILY_REFERENCE },
    { "unix", IPCB_FAMILY_SOCKETS },         { "pipe", IPCB_FAMILY_SOCKETS },
    { "tcp", IPCB_FAMILY_SOCKETS },          { "qt-local", IPCB_FAMILY_SOCKETS },
    { "shm", IPCB_FAMILY_SHARED_MEMORY },    { "shm-ring", IPCB_FAMILY_SHARED_MEMORY },
    { "shm-ring-zc", IPCB_FAMILY_SHARED_MEMORY }, { "qt-shm", IPCB_FAMILY_SHARED_MEMORY },
    { "http", IPCB_FAMILY_HTTP },            { "http-newconn", IPCB_FAMILY_HTTP },
    { "http-pull", IPCB_FAMILY_HTTP },       { "qt-http", IPCB_FAMILY_HTTP },
    { "dbus", IPCB_FAMILY_DBUS },            { "dbus-fd", IPCB_FAMILY_DBUS },
    { "dbus-p2p", IPCB_FAMILY_DBUS },        { "qt-dbus", IPCB_FAMILY_DBUS },
    { "qt-dbus-fd", IPCB_FAMILY_DBUS },
    { "qcop", IPCB_FAMILY_QCOP },            { "qcop-fd", IPCB_FAMILY_QCOP },
};
enum { NKNOWN = sizeof known / sizeof known[0] };

static int same(const ipcb_style *a, const ipcb_style *b)
{
    return strcmp(a->color, b->color) == 0 && a->dash == b->dash && a->point == b->point;
}

/* No two of the n styles have the same (colour, dash, point). */
static void assert_distinct(const ipcb_style *s, size_t n, const char *const *names)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (same(&s[i], &s[j]))
                fail_msg("%s and %s share %s dt %d pt %d", names ? names[i] : "?",
                         names ? names[j] : "?", s[i].color, s[i].dash, s[i].point);
}

/* The one-series-per-transport styles of n transports, as plots.c makes them. */
static void styles_of(const char *const *names, size_t n, ipcb_style *out)
{
    int variants[64];
    assert_true(n <= 64);
    ipcb_transport_variants(names, n, variants);
    for (size_t i = 0; i < n; i++)
        out[i] = ipcb_transport_style(ipcb_transport_family(names[i]), variants[i]);
}

static void test_families_by_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < NKNOWN; i++) {
        if (ipcb_transport_family(known[i].name) != known[i].family)
            fail_msg("%s: family %s, expected %s", known[i].name,
                     ipcb_family_name(ipcb_transport_family(known[i].name)),
                     ipcb_family_name(known[i].family));
        assert_true(ipcb_known_variant(known[i].name) >= 0);
    }
    /* unknown members by stem, after a "qt-" too; the rest are other */
    assert_int_equal(ipcb_transport_family("shm-huge"), IPCB_FAMILY_SHARED_MEMORY);
    assert_int_equal(ipcb_transport_family("tcp-nodelay"), IPCB_FAMILY_SOCKETS);
    assert_int_equal(ipcb_transport_family("qt-qcop"), IPCB_FAMILY_QCOP);
    assert_int_equal(ipcb_transport_family("dbus_x"), IPCB_FAMILY_DBUS);
    assert_int_equal(ipcb_known_variant("shm-huge"), -1);
    static const char *const others[] = { "foo", "", "shmem", "qt-", "udp", "MEMCPY", "x/y" };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (ipcb_transport_family(others[i]) != IPCB_FAMILY_OTHER)
            fail_msg("\"%s\" is not \"other\"", others[i]);
    assert_string_equal(ipcb_family_name(IPCB_FAMILY_SHARED_MEMORY), "shared memory");
    assert_string_equal(ipcb_family_name(IPCB_NFAMILIES), "?");
}

/* One colour per family, each #RRGGBB, all different, no yellow on white. */
static void test_family_colors(void **state)
{
    (void)state;
    for (int f = 0; f < IPCB_NFAMILIES; f++) {
        const char *c = ipcb_family_color((ipcb_family)f);
        assert_int_equal(strlen(c), 7);
        assert_int_equal(c[0], '#');
        for (int k = 1; k < 7; k++)
            assert_true(isxdigit((unsigned char)c[k]));
        assert_string_not_equal(c, "#F0E442");
        for (int g = 0; g < f; g++)
            assert_string_not_equal(c, ipcb_family_color((ipcb_family)g));
    }
}

/* The known transports take their family's positions in its fixed order:
 * distinct within a family, the same whatever else is in the set. */
static void test_known_variants_fixed(void **state)
{
    (void)state;
    const char *names[NKNOWN];
    for (size_t i = 0; i < NKNOWN; i++)
        names[i] = known[i].name;
    int all[NKNOWN];
    ipcb_transport_variants(names, NKNOWN, all);
    for (size_t i = 0; i < NKNOWN; i++) {
        assert_int_equal(all[i], ipcb_known_variant(names[i]));
        int alone;
        ipcb_transport_variants(&names[i], 1, &alone);
        assert_int_equal(alone, all[i]);
        for (size_t j = 0; j < i; j++)
            if (known[j].family == known[i].family)
                assert_int_not_equal(all[i], all[j]);
    }
    assert_int_equal(ipcb_known_variant("unix"), 0);
    assert_int_equal(ipcb_known_variant("qcop-fd"), 1);
    assert_int_equal(ipcb_known_variant("foo"), -1);
}

/* Unknown names take the positions after their family's known ones, in name
 * order, whatever order they come in; a name given twice shares one. */
static void test_unknown_variants(void **state)
{
    (void)state;
    const char *a[] = { "zeta", "shm-b", "alpha", "shm", "shm-a", "zeta" };
    const char *b[] = { "shm-a", "zeta", "shm", "alpha", "shm-b" };
    int va[6], vb[5];
    ipcb_transport_variants(a, 6, va);
    ipcb_transport_variants(b, 5, vb);
    int shm_known = ipcb_known_variant("qt-shm") + 1;   /* the family's last known */
    assert_int_equal(va[4], shm_known);       /* shm-a */
    assert_int_equal(va[1], shm_known + 1);   /* shm-b */
    assert_int_equal(va[2], 0);               /* alpha, first of "other" */
    assert_int_equal(va[0], 1);               /* zeta */
    assert_int_equal(va[5], 1);
    assert_int_equal(vb[0], va[4]);
    assert_int_equal(vb[1], va[0]);
    assert_int_equal(vb[3], va[2]);
    assert_int_equal(vb[4], va[1]);
}

/* One plot with all 20 transports and unknown names besides: every series
 * differs without any repair, and each transport's style is the one it has
 * in a plot of its own. */
static void test_one_plot_all_distinct(void **state)
{
    (void)state;
    const char *names[NKNOWN + 6];
    size_t n = 0;
    for (size_t i = 0; i < NKNOWN; i++)
        names[n++] = known[i].name;
    static const char *const unknown[] = { "foo", "bar", "shm-huge", "qt-tcp", "udp", "zz" };
    for (size_t i = 0; i < 6; i++)
        names[n++] = unknown[i];
    ipcb_style s[NKNOWN + 6];
    styles_of(names, n, s);
    assert_distinct(s, n, names);
    assert_int_equal(ipcb_styles_make_distinct(s, n), 0);
    for (size_t i = 0; i < NKNOWN; i++) {
        ipcb_style alone;
        styles_of(&names[i], 1, &alone);
        assert_true(same(&alone, &s[i]));
        assert_string_equal(s[i].color, ipcb_family_color(known[i].family));
    }
    /* the 15 of today on their own */
    assert_distinct(s, 15, names);
}

/* Fan-out and overlays: a line per transport and size (or run), the line's
 * dash; with today's transports every line differs as it is. */
static void test_line_styles_distinct(void **state)
{
    (void)state;
    ipcb_style s[NKNOWN * 5];
    const char *names[NKNOWN * 5];
    size_t n = 0;
    for (size_t i = 0; i < NKNOWN; i++)
        for (int line = 0; line < 5; line++) {
            names[n] = known[i].name;
            s[n++] = ipcb_transport_line_style(known[i].family, ipcb_known_variant(known[i].name),
                                               line);
        }
    assert_distinct(s, n, names);
    /* the line's point and colour are the transport's own */
    ipcb_style own = ipcb_transport_style(IPCB_FAMILY_DBUS, 3);
    ipcb_style line = ipcb_transport_line_style(IPCB_FAMILY_DBUS, 3, 1);
    assert_string_equal(own.color, line.color);
    assert_int_equal(own.point, line.point);
    assert_int_equal(line.dash, ipcb_transport_line_style(IPCB_FAMILY_SOCKETS, 0, 1).dash);
}

/* More series of one colour than the variants tell apart: the repair makes
 * them differ, changing only the later duplicates. */
static void test_make_distinct_repairs(void **state)
{
    (void)state;
    enum { N = 60 };
    char names[N][16];
    const char *p[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "other%02d", i);
        p[i] = names[i];
    }
    ipcb_style s[N], before[N];
    styles_of(p, N, s);
    memcpy(before, s, sizeof s);
    size_t changed = ipcb_styles_make_distinct(s, N);
    assert_int_equal(changed, N - IPCB_STYLE_DASHES * IPCB_STYLE_POINTS);
    assert_distinct(s, N, p);
    for (int i = 0; i < IPCB_STYLE_DASHES * IPCB_STYLE_POINTS; i++)
        assert_true(same(&s[i], &before[i]));

    /* a fan-out with 8 sizes: two lines of one transport share a dash */
    ipcb_style f[8];
    for (int j = 0; j < 8; j++)
        f[j] = ipcb_transport_line_style(IPCB_FAMILY_QCOP, 0, j);
    assert_true(ipcb_styles_make_distinct(f, 8) > 0);
    assert_distinct(f, 8, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families_by_name),
        cmocka_unit_test(test_family_colors),
        cmocka_unit_test(test_known_variants_fixed),
        cmocka_unit_test(test_unknown_variants),
        cmocka_unit_test(test_one_plot_all_distinct),
        cmocka_unit_test(test_line_styles_distinct),
        cmocka_unit_test(test_make_distinct_repairs),
    };
    return cmocka_run_group_tests_name("family", tests, NULL, NULL);
}
