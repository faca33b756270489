/* Unit tests of the QCOP protocol pieces that need no broker: header byte
 * order and checks, the incremental parser, wildcard matching, sealed memfds
 * and the broker's channel table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/memfd.h"
#include "qcop/lib/qcop_proto.h"
#include "qcop/qcopd/qcopd_channels.h"

enum { MAX = 1 << 20 };

/* A whole packet in out: header, channel, message, inline data. */
static size_t build(uint8_t *out, qcop_cmd cmd, uint16_t flags, const char *channel,
                    const char *message, const char *data, uint32_t id)
{
    size_t c = strlen(channel), m = strlen(message), d = strlen(data);
    qcop_header h = qcop_header_make(cmd, flags, c, m, d, id);
    qcop_header_encode(&h, out);
    memcpy(out + QCOP_HEADER_SIZE, channel, c);
    memcpy(out + QCOP_HEADER_SIZE + c, message, m);
    if (!(flags & QCOP_FLAG_FD))
        memcpy(out + QCOP_HEADER_SIZE + c + m, data, d);
    return h.total_len;
}

static int check(const qcop_header *h, qcop_dir dir)
{
    char err[QCOP_ERR_MAX];
    return qcop_header_check(h, dir, MAX, err);
}

/* ---- header ------------------------------------------------------------- */

static void test_header_is_little_endian(void **state)
{
    (void)state;
    qcop_header h = { .total_len = 0x01020304, .version = 1, .command = 3, .flags = 0x0506,
                      .channel_len = 0x0708, .message_len = 0x090a, .data_len = 0x0b0c0d0e,
                      .id = 0x11223344, .reserved = 0 };
    uint8_t b[QCOP_HEADER_SIZE];
    const uint8_t want[QCOP_HEADER_SIZE] = { 4, 3, 2, 1, 1, 3, 6, 5, 8, 7, 0x0a, 9,
                                            0x0e, 0x0d, 0x0c, 0x0b, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0 };
    qcop_header_encode(&h, b);
    assert_memory_equal(b, want, sizeof want);
    qcop_header back;
    qcop_header_decode(b, &back);
    assert_memory_equal(&back, &h, sizeof h);
}

static void test_header_make_counts_inline_data_only(void **state)
{
    (void)state;
    qcop_header in = qcop_header_make(QCOP_CMD_SEND, 0, 3, 4, 100, 0);
    qcop_header fd = qcop_header_make(QCOP_CMD_SEND, QCOP_FLAG_FD, 3, 4, 100, 0);
    assert_int_equal(in.total_len, QCOP_HEADER_SIZE + 3 + 4 + 100);
    assert_int_equal(fd.total_len, QCOP_HEADER_SIZE + 3 + 4);
    assert_int_equal(fd.data_len, 100);
    assert_int_equal(check(&in, QCOP_FROM_CLIENT), 0);
    assert_int_equal(check(&fd, QCOP_FROM_CLIENT), 0);
}

static void test_header_rejects(void **state)
{
    (void)state;
    qcop_header h = qcop_header_make(QCOP_CMD_SEND, 0, 3, 4, 10, 0);
    qcop_header bad;
    bad = h;
    bad.version = 2;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = h;
    bad.command = 99;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = h;
    bad.command = 0;
    assert_int_equal(check(&bad, QCOP_FROM_BROKER), -1);
    bad = h;
    bad.flags = 0x80;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = h;
    bad.reserved = 1;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = h;
    bad.total_len += 1; /* lengths that do not add up */
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = h;
    bad.data_len += 1;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = qcop_header_make(QCOP_CMD_SEND, 0, 3, 4, MAX, 0); /* over the maximum */
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    bad = qcop_header_make(QCOP_CMD_SEND, 0, QCOP_MAX_NAME + 1, 0, 0, 0);
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
    /* 4 GiB - 1 of data cannot wrap total_len into agreement */
    bad = h;
    bad.data_len = UINT32_MAX;
    bad.total_len = QCOP_HEADER_SIZE + 7 - 1;
    assert_int_equal(check(&bad, QCOP_FROM_CLIENT), -1);
}

static void test_commands_go_one_way(void **state)
{
    (void)state;
    qcop_header fwd = qcop_header_make(QCOP_CMD_FORWARD, 0, 3, 1, 0, 0);
    qcop_header reg = qcop_header_make(QCOP_CMD_REGISTER, 0, 3, 0, 0, 0);
    qcop_header rel = qcop_header_make(QCOP_CMD_RELEASED, 0, 0, 0, 0, 7);
    assert_int_equal(check(&fwd, QCOP_FROM_BROKER), 0);
    assert_int_equal(check(&fwd, QCOP_FROM_CLIENT), -1);
    assert_int_equal(check(&reg, QCOP_FROM_CLIENT), 0);
    assert_int_equal(check(&reg, QCOP_FROM_BROKER), -1);
    assert_int_equal(check(&rel, QCOP_FROM_BROKER), 0);
    assert_int_equal(check(&rel, QCOP_FROM_CLIENT), -1);
}

static void test_command_shapes(void **state)
{
    (void)state;
    struct { qcop_cmd cmd; uint16_t flags; size_t c, m, d; uint32_t id; int ok; } cases[] = {
        { QCOP_CMD_REGISTER, 0, 0, 0, 0, 0, -1 },          /* no channel */
        { QCOP_CMD_REGISTER, 0, 3, 1, 0, 0, -1 },          /* a message name */
        { QCOP_CMD_REGISTER, 0, 3, 0, 5, 0, -1 },          /* data */
        { QCOP_CMD_SYNC, 0, 0, 0, 0, 1, 0 },
        { QCOP_CMD_SYNC, 0, 2, 0, 0, 1, -1 },              /* a channel */
        { QCOP_CMD_STATS, 0, 0, 0, 4, 1, -1 },             /* data */
        { QCOP_CMD_SEND, 0, 0, 1, 1, 0, -1 },              /* no channel */
        { QCOP_CMD_SEND, 0, 3, 0, 0, 0, 0 },               /* empty message and data are fine */
        { QCOP_CMD_SEND, QCOP_FLAG_FD, 3, 1, 0, 0, -1 },   /* a descriptor for no data */
        { QCOP_CMD_REGISTER, QCOP_FLAG_FD, 3, 0, 0, 0, -1 },
        { QCOP_CMD_SEND, QCOP_FLAG_LOAN, 3, 1, 9, 5, -1 }, /* a loan without a descriptor */
        { QCOP_CMD_SEND, QCOP_FLAG_FD | QCOP_FLAG_LOAN, 3, 1, 9, 0, -1 }, /* no buffer id */
        { QCOP_CMD_SEND, QCOP_FLAG_FD | QCOP_FLAG_LOAN, 3, 1, 9, 5, 0 },
        { QCOP_CMD_RELEASE, 0, 0, 0, 0, 0, -1 },           /* no id */
        { QCOP_CMD_RELEASE, 0, 0, 0, 0, 9, 0 },
        { QCOP_CMD_RELEASE, 0, 2, 0, 0, 9, -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qcop_header h = qcop_header_make(cases[i].cmd, cases[i].flags, cases[i].c, cases[i].m,
                                         cases[i].d, cases[i].id);
        if (check(&h, QCOP_FROM_CLIENT) != cases[i].ok)
            fail_msg("case %zu (%s): should be %s", i, qcop_cmd_name(cases[i].cmd),
                     cases[i].ok == 0 ? "accepted" : "refused");
    }
    qcop_header reply = qcop_header_make(QCOP_CMD_IS_REGISTERED_REPLY, 0, 3, 0, 1, 1);
    assert_int_equal(check(&reply, QCOP_FROM_BROKER), 0);
    reply = qcop_header_make(QCOP_CMD_IS_REGISTERED_REPLY, 0, 3, 0, 2, 1);
    assert_int_equal(check(&reply, QCOP_FROM_BROKER), -1);
}

/* ---- parser ------------------------------------------------------------- */

static void test_parse_byte_by_byte(void **state)
{
    (void)state;
    uint8_t buf[256];
    char err[QCOP_ERR_MAX];
    qcop_packet p;
    size_t n = build(buf, QCOP_CMD_SEND, 0, "cam/front", "frame", "pixels", 0);
    for (size_t len = 0; len < n; len++)
        assert_int_equal(qcop_parse(buf, len, QCOP_FROM_CLIENT, MAX, &p, err), 0);
    assert_int_equal(qcop_parse(buf, n, QCOP_FROM_CLIENT, MAX, &p, err), (long)n);
    assert_int_equal(p.h.channel_len, 9);
    assert_memory_equal(p.channel, "cam/front", 9);
    assert_memory_equal(p.message, "frame", 5);
    assert_memory_equal(p.data, "pixels", 6);
}

static void test_parse_back_to_back(void **state)
{
    (void)state;
    uint8_t buf[256];
    char err[QCOP_ERR_MAX];
    qcop_packet p;
    size_t a = build(buf, QCOP_CMD_REGISTER, 0, "x/*", "", "", 0);
    size_t b = build(buf + a, QCOP_CMD_SEND, 0, "x/y", "m", "", 0);
    assert_int_equal(qcop_parse(buf, a + b, QCOP_FROM_CLIENT, MAX, &p, err), (long)a);
    assert_int_equal(p.h.command, QCOP_CMD_REGISTER);
    assert_int_equal(qcop_parse(buf + a, b, QCOP_FROM_CLIENT, MAX, &p, err), (long)b);
    assert_int_equal(p.h.command, QCOP_CMD_SEND);
}

static void test_parse_fails_early(void **state)
{
    (void)state;
    uint8_t buf[256];
    char err[QCOP_ERR_MAX];
    qcop_packet p;
    build(buf, QCOP_CMD_SEND, 0, "ok", "m", "d", 0);
    buf[5] = 77; /* unknown command: known from the header alone */
    assert_int_equal(qcop_parse(buf, QCOP_HEADER_SIZE, QCOP_FROM_CLIENT, MAX, &p, err), -1);
    assert_non_null(strstr(err, "unknown command 77"));
    size_t n = build(buf, QCOP_CMD_SEND, 0, "abc", "m", "", 0);
    buf[QCOP_HEADER_SIZE + 1] = '\0'; /* a NUL in the channel: found once the names are in */
    assert_int_equal(qcop_parse(buf, QCOP_HEADER_SIZE + 1, QCOP_FROM_CLIENT, MAX, &p, err), 0);
    assert_int_equal(qcop_parse(buf, n, QCOP_FROM_CLIENT, MAX, &p, err), -1);
    n = build(buf, QCOP_CMD_SEND, 0, "a*", "m", "", 0);
    assert_int_equal(qcop_parse(buf, n, QCOP_FROM_CLIENT, MAX, &p, err), -1); /* send on a wildcard */
    n = build(buf, QCOP_CMD_REGISTER, 0, "a*", "", "", 0);
    assert_int_equal(qcop_parse(buf, n, QCOP_FROM_CLIENT, MAX, &p, err), (long)n);
}

static void test_names_with_nul_are_refused(void **state)
{
    (void)state;
    uint8_t names[] = { 'a', 0, 'b', 'm' };
    char err[QCOP_ERR_MAX];
    qcop_header h = qcop_header_make(QCOP_CMD_SEND, 0, 3, 1, 0, 0);
    assert_int_equal(qcop_names_check(&h, names, err), -1);
    names[1] = 'x';
    assert_int_equal(qcop_names_check(&h, names, err), 0);
}

/* ---- wildcards ---------------------------------------------------------- */

static int glob(const char *pattern, const char *s)
{
    return qcop_glob_match((const uint8_t *)pattern, strlen(pattern), (const uint8_t *)s, strlen(s));
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(glob("*", ""));
    assert_true(glob("*", "any/thing"));
    assert_true(glob("cam/*", "cam/front"));
    assert_true(glob("cam/*", "cam/"));
    assert_false(glob("cam/*", "cam"));
    assert_true(glob("*/front", "cam/front"));
    assert_true(glob("a*c", "ac"));
    assert_true(glob("a*c", "abbbc"));
    assert_false(glob("a*c", "abcb"));
    assert_true(glob("a*b*c", "aXbYbZc"));
    assert_true(glob("**", "x"));
    assert_true(glob("exact", "exact"));
    assert_false(glob("exact", "exactly"));
    assert_true(qcop_is_pattern((const uint8_t *)"a*", 2));
    assert_false(qcop_is_pattern((const uint8_t *)"a/b", 3));
}

/* ---- sealed memfds ------------------------------------------------------ */

static void test_memfd_make_and_check(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    int fd = ipcb_memfd_sealed("qcop-data", "hello", 5, err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(ipcb_memfd_check(fd, 5, err, sizeof err), 0);
    assert_int_equal(ipcb_memfd_check(fd, 6, err, sizeof err), -1); /* smaller than the packet says */
    assert_int_equal(write(fd, "x", 1), -1);             /* sealed against writes */
    void *p = ipcb_memfd_map(fd, 5, err, sizeof err);
    assert_non_null(p);
    assert_memory_equal(p, "hello", 5);
    munmap(p, 5);
    close(fd);
}

static void test_memfd_check_refuses_unsealed_and_others(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    int fd = memfd_create("plain", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    assert_int_equal(ipcb_memfd_check(fd, 10, err, sizeof err), -1);
    assert_non_null(strstr(err, "not sealed"));
    close(fd);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(ipcb_memfd_check(pipefd[0], 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a memfd"));
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_memfd_buffer_is_writable_only_by_its_owner(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    void *map;
    int fd = ipcb_memfd_buffer("qcop-buffer", 8192, &map, err, sizeof err);
    assert_true(fd >= 0);
    memcpy(map, "owner", 5);                         /* through the owner's mapping */
    assert_int_equal(ipcb_memfd_check(fd, 8192, err, sizeof err), 0);
    assert_int_equal(write(fd, "x", 1), -1);        /* nobody else */
    assert_true(mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    assert_int_equal(ftruncate(fd, 4096), -1);      /* cannot shrink under a reader */
    void *ro = ipcb_memfd_map(fd, 8192, err, sizeof err);
    assert_non_null(ro);
    assert_memory_equal(ro, "owner", 5);
    munmap(ro, 8192);
    munmap(map, 8192);
    close(fd);
}

/* ---- channel table ------------------------------------------------------ */

static qcopd_channel *sub(qcopd_table *t, const char *name, void *who, int *added)
{
    return qcopd_table_subscribe(t, (const uint8_t *)name, strlen(name), who, added);
}

static void test_channel_table(void **state)
{
    (void)state;
    qcopd_table t;
    int a, b, added;
    assert_int_equal(qcopd_table_init(&t), 0);
    qcopd_channel *ch = sub(&t, "news", &a, &added);
    assert_true(added);
    assert_ptr_equal(sub(&t, "news", &a, &added), ch);
    assert_false(added); /* registering twice is once */
    sub(&t, "news", &b, &added);
    assert_int_equal(ch->nsubs, 2);
    qcopd_channel *pat = sub(&t, "n*", &b, &added);
    assert_true(pat->pattern);
    assert_ptr_equal(t.patterns, pat);
    assert_int_equal(t.count, 2);
    qcopd_table_unsubscribe(&t, ch, &a);
    assert_ptr_equal(qcopd_table_find(&t, (const uint8_t *)"news", 4), ch);
    qcopd_table_unsubscribe(&t, ch, &b); /* the last one leaves: the channel goes */
    assert_null(qcopd_table_find(&t, (const uint8_t *)"news", 4));
    qcopd_table_unsubscribe(&t, pat, &b);
    assert_null(t.patterns);
    assert_int_equal(t.count, 0);
    qcopd_table_free(&t);
}

static void test_channel_table_grows(void **state)
{
    (void)state;
    qcopd_table t;
    int who, added;
    char name[32];
    assert_int_equal(qcopd_table_init(&t), 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "ch/%d%s", i, i % 10 ? "" : "/*");
        assert_non_null(sub(&t, name, &who, &added));
    }
    assert_int_equal(t.count, 1000);
    assert_true(t.nbuckets >= 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "ch/%d%s", i, i % 10 ? "" : "/*");
        qcopd_channel *ch = qcopd_table_find(&t, (const uint8_t *)name, strlen(name));
        assert_non_null(ch);
        qcopd_table_unsubscribe(&t, ch, &who);
    }
    assert_int_equal(t.count, 0);
    assert_null(t.patterns);
    qcopd_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_is_little_endian),
        cmocka_unit_test(test_header_make_counts_inline_data_only),
        cmocka_unit_test(test_header_rejects),
        cmocka_unit_test(test_commands_go_one_way),
        cmocka_unit_test(test_command_shapes),
        cmocka_unit_test(test_parse_byte_by_byte),
        cmocka_unit_test(test_parse_back_to_back),
        cmocka_unit_test(test_parse_fails_early),
        cmocka_unit_test(test_names_with_nul_are_refused),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_memfd_make_and_check),
        cmocka_unit_test(test_memfd_check_refuses_unsealed_and_others),
        cmocka_unit_test(test_memfd_buffer_is_writable_only_by_its_owner),
        cmocka_unit_test(test_channel_table),
        cmocka_unit_test(test_channel_table_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
