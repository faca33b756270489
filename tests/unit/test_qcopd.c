/* Tests of build/qcopd with several real clients: broadcast, wildcards,
 * is-registered, callbacks, unsubscribe on disconnect, slow subscribers,
 * loans, and every kind of bad packet followed by a good exchange. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop/lib/qcop_client.h"
#include "common/memfd.h"

enum { WAIT_MS = 2000, TEST_ALARM_S = 20, MAX_PACKET = 1 << 20, MAX_QUEUE = 1 << 20 };

static char dir[64], sock[128];
static pid_t broker;
static qcop_client *witness; /* connected from the start: must survive every test */

/* ---- broker and clients --------------------------------------------------- */

static int start_broker(void **state)
{
    (void)state;
    const char *build = getenv("IPCB_BUILD");
    char exe[256], packet[32], queue[32];
    snprintf(exe, sizeof exe, "%s/qcopd", build ? build : "build");
    snprintf(packet, sizeof packet, "%d", MAX_PACKET);
    snprintf(queue, sizeof queue, "%d", MAX_QUEUE);
    snprintf(dir, sizeof dir, "/tmp/qcopd-test-XXXXXX");
    if (access(exe, X_OK) != 0 || !mkdtemp(dir))
        return -1;
    snprintf(sock, sizeof sock, "%s/qcopd.sock", dir);
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    broker = fork();
    if (broker == 0) {
        dup2(fds[1], 3);
        execl(exe, exe, "--socket", sock, "--max-packet", packet, "--max-queue", queue,
              "--ready-fd", "3", "--quiet", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[64] = "";
    struct pollfd p = { .fd = fds[0], .events = POLLIN };
    if (poll(&p, 1, 5000) != 1 || read(fds[0], line, sizeof line - 1) <= 0 || strncmp(line, "ready", 5) != 0)
        return -1;
    close(fds[0]);
    char err[QCOP_ERR_MAX];
    witness = qcop_connect(sock, NULL, err);
    if (!witness || !qcop_channel_open(witness, "witness", NULL, NULL, err) || qcop_flush(witness, err) != 0)
        return -1;
    return 0;
}

/* The broker must still be there and stop cleanly on SIGTERM. */
static int stop_broker(void **state)
{
    (void)state;
    int status = -1;
    qcop_disconnect(witness);
    kill(broker, SIGTERM);
    waitpid(broker, &status, 0);
    unlink(sock);
    rmdir(dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int arm_alarm(void **state)
{
    (void)state;
    alarm(TEST_ALARM_S); /* a hang fails the test program instead of blocking CI */
    return 0;
}

static qcop_client *client_with(const qcop_options *o)
{
    char err[QCOP_ERR_MAX];
    qcop_client *c = qcop_connect(sock, o, err);
    if (!c)
        fail_msg("connect: %s", err);
    return c;
}

static qcop_client *client(void)
{
    qcop_options o = { .timeout_ms = WAIT_MS };
    return client_with(&o);
}

static qcop_channel *subscribe(qcop_client *c, const char *name)
{
    char err[QCOP_ERR_MAX];
    qcop_channel *ch = qcop_channel_open(c, name, NULL, NULL, err);
    if (!ch || qcop_flush(c, err) != 0)
        fail_msg("subscribe %s: %s", name, err);
    return ch;
}

static void send_text(qcop_client *c, const char *channel, const char *message, const char *data)
{
    char err[QCOP_ERR_MAX];
    if (qcop_send(c, channel, message, data, strlen(data), err) != 0 || qcop_flush(c, err) != 0)
        fail_msg("send on %s: %s", channel, err);
}

static void expect_msg(qcop_client *c, qcop_cmd cmd, const char *channel, const char *message,
                       const char *data)
{
    char err[QCOP_ERR_MAX];
    qcop_msg m;
    int rc = qcop_wait(c, &m, NULL, 0, WAIT_MS, err);
    if (rc != 0)
        fail_msg("waiting for %s on %s: %s", message, channel, rc == 1 ? "timeout" : err);
    assert_int_equal(m.command, cmd);
    assert_string_equal(m.channel, channel);
    assert_string_equal(m.message, message);
    assert_int_equal(m.len, strlen(data));
    assert_memory_equal(m.data, data, m.len);
    qcop_msg_done(c, &m);
}

static void expect_nothing(qcop_client *c, int ms)
{
    char err[QCOP_ERR_MAX];
    qcop_msg m;
    int rc = qcop_wait(c, &m, NULL, 0, ms, err);
    if (rc == 0)
        fail_msg("unexpected %s on %s", m.message, m.channel);
    assert_int_equal(rc, 1);
}

/* A counter of the broker ("name=value" lines of STATS). */
static long long counter(const char *name)
{
    char err[QCOP_ERR_MAX], text[1024] = "\n", key[64];
    qcop_client *c = client();
    if (qcop_stats(c, text + 1, sizeof text - 1, err) != 0)
        fail_msg("stats: %s", err);
    qcop_disconnect(c);
    snprintf(key, sizeof key, "\n%s=", name);
    const char *at = strstr(text, key);
    if (!at)
        fail_msg("no counter %s", name);
    return atoll(at + strlen(key));
}

/* Polls is_registered until it says want (the broker handles a disconnect
 * when it sees it, not when the client leaves). */
static void expect_registered(const char *channel, int want)
{
    char err[QCOP_ERR_MAX];
    qcop_client *c = client();
    int got = -1;
    for (int i = 0; i < 200 && got != want; i++) {
        got = qcop_is_registered(c, channel, err);
        if (got < 0)
            fail_msg("is_registered: %s", err);
        if (got != want)
            usleep(5000);
    }
    qcop_disconnect(c);
    assert_int_equal(got, want);
}

/* ---- behaviour -------------------------------------------------------------- */

static void test_broadcast_reaches_every_subscriber(void **state)
{
    (void)state;
    qcop_client *subs[3], *sender = client(), *other = client();
    for (int i = 0; i < 3; i++)
        subscribe(subs[i] = client(), "news");
    subscribe(sender, "news");
    subscribe(other, "sports");
    send_text(sender, "news", "headline", "qcop ships");
    for (int i = 0; i < 3; i++)
        expect_msg(subs[i], QCOP_CMD_SEND, "news", "headline", "qcop ships");
    expect_msg(sender, QCOP_CMD_SEND, "news", "headline", "qcop ships"); /* it subscribed too */
    expect_nothing(other, 100);
    for (int i = 0; i < 3; i++)
        qcop_disconnect(subs[i]);
    qcop_disconnect(sender);
    qcop_disconnect(other);
}

static void test_wildcards_receive_forwarded_messages(void **state)
{
    (void)state;
    qcop_client *a = client(), *b = client(), *all = client(), *both = client(), *s = client();
    subscribe(a, "cam/*");
    subscribe(b, "cam/front");
    subscribe(all, "*");
    subscribe(both, "cam/front");
    subscribe(both, "cam/*");
    subscribe(both, "*/front"); /* two patterns match: still one FORWARD */
    send_text(s, "cam/front", "frame", "1");
    expect_msg(a, QCOP_CMD_FORWARD, "cam/front", "frame", "1");
    expect_msg(b, QCOP_CMD_SEND, "cam/front", "frame", "1");
    expect_msg(all, QCOP_CMD_FORWARD, "cam/front", "frame", "1");
    expect_msg(both, QCOP_CMD_SEND, "cam/front", "frame", "1");
    expect_msg(both, QCOP_CMD_FORWARD, "cam/front", "frame", "1");
    expect_nothing(both, 100);
    send_text(s, "lights", "on", "");
    expect_msg(all, QCOP_CMD_FORWARD, "lights", "on", "");
    expect_nothing(a, 50);
    expect_nothing(b, 50);
    qcop_disconnect(a);
    qcop_disconnect(b);
    qcop_disconnect(all);
    qcop_disconnect(both);
    qcop_disconnect(s);
}

static void test_is_registered(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    qcop_client *a = client(), *q = client();
    qcop_channel *ch = subscribe(a, "here");
    qcop_channel *pat = subscribe(a, "pat/*");
    assert_int_equal(qcop_is_registered(q, "here", err), 1);
    assert_int_equal(qcop_is_registered(q, "pat/*", err), 1);
    assert_int_equal(qcop_is_registered(q, "pat/x", err), 0); /* a pattern is not its matches */
    assert_int_equal(qcop_is_registered(q, "nowhere", err), 0);
    qcop_channel_close(ch);
    qcop_channel_close(pat);
    assert_int_equal(qcop_flush(a, err), 0);
    assert_int_equal(qcop_is_registered(q, "here", err), 0);
    assert_int_equal(qcop_is_registered(q, "pat/*", err), 0);
    qcop_disconnect(a);
    qcop_disconnect(q);
}

static void test_subscriptions_end_with_the_client(void **state)
{
    (void)state;
    long long channels = counter("channels");
    qcop_client *a = client();
    subscribe(a, "short/lived");
    subscribe(a, "short/*");
    expect_registered("short/lived", 1);
    qcop_disconnect(a);
    expect_registered("short/lived", 0);
    expect_registered("short/*", 0);
    assert_int_equal(counter("channels"), channels);
}

typedef struct seen {
    int count;
    char last[64];
    qcop_channel *close_me;
} seen;

static void on_message(qcop_channel *ch, const qcop_msg *m, void *arg)
{
    seen *s = arg;
    s->count++;
    snprintf(s->last, sizeof s->last, "%s:%s:%s", qcop_channel_name(ch), m->channel, m->message);
    if (s->close_me == ch) {
        qcop_channel_close(ch); /* closing itself from its own callback */
        s->close_me = NULL;
    }
}

static void test_callbacks(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    seen exact = { 0 }, pattern = { 0 };
    qcop_client *c = client(), *s = client();
    qcop_channel *ch = qcop_channel_open(c, "cb/one", on_message, &exact, err);
    assert_non_null(ch);
    assert_non_null(qcop_channel_open(c, "cb/*", on_message, &pattern, err));
    assert_int_equal(qcop_flush(c, err), 0);
    exact.close_me = ch;
    send_text(s, "cb/one", "hi", "");
    int handled = 0;
    for (int i = 0; i < 10 && handled < 2; i++)
        handled += qcop_dispatch(c, WAIT_MS, err);
    assert_int_equal(handled, 2);
    assert_int_equal(exact.count, 1);
    assert_string_equal(exact.last, "cb/one:cb/one:hi");
    assert_int_equal(pattern.count, 1);
    assert_string_equal(pattern.last, "cb/*:cb/one:hi");
    send_text(s, "cb/one", "again", ""); /* the exact channel is closed now */
    assert_true(qcop_dispatch(c, WAIT_MS, err) >= 1);
    assert_int_equal(exact.count, 1);
    assert_int_equal(pattern.count, 2);
    qcop_disconnect(c);
    qcop_disconnect(s);
}

static void test_messages_wait_while_a_request_does(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    qcop_client *a = client(), *s = client();
    subscribe(a, "held");
    send_text(s, "held", "1", "one");
    send_text(s, "held", "2", "two");
    assert_int_equal(qcop_is_registered(a, "held", err), 1); /* reads past both */
    assert_int_equal(qcop_pending(a), 1);
    expect_msg(a, QCOP_CMD_SEND, "held", "1", "one");
    expect_msg(a, QCOP_CMD_SEND, "held", "2", "two");
    qcop_disconnect(a);
    qcop_disconnect(s);
}

static void test_data_into_the_callers_buffer(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    static uint8_t data[300000], buf[300000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    qcop_client *a = client(), *s = client();
    subscribe(a, "big");
    assert_int_equal(qcop_send(s, "big", "blob", data, sizeof data, err), 0);
    qcop_msg m;
    assert_int_equal(qcop_wait(a, &m, buf, sizeof buf, WAIT_MS, err), 0);
    assert_true(m.in_buf);
    assert_ptr_equal(m.data, buf);
    assert_memory_equal(buf, data, sizeof data);
    qcop_msg_done(a, &m);
    qcop_disconnect(a);
    qcop_disconnect(s);
}

/* A subscriber that never reads is dropped once its queue would pass
 * --max-queue; a subscriber that reads gets everything. */
static void test_slow_subscriber_is_disconnected(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    static uint8_t data[64 * 1024];
    long long slow_before = counter("slow_disconnects");
    qcop_client *slow = client(), *fast = client(), *s = client();
    subscribe(slow, "flood");
    subscribe(fast, "flood");
    for (int i = 0; i < 100; i++) {
        data[0] = (uint8_t)i;
        assert_int_equal(qcop_send(s, "flood", "chunk", data, sizeof data, err), 0);
        qcop_msg m;
        assert_int_equal(qcop_wait(fast, &m, NULL, 0, WAIT_MS, err), 0);
        assert_int_equal(m.data[0], (uint8_t)i);
        qcop_msg_done(fast, &m);
    }
    assert_int_equal(counter("slow_disconnects"), slow_before + 1);
    expect_registered("flood", 1); /* fast is still there */
    int rc = 0;
    for (int i = 0; i < 200 && rc == 0; i++) { /* what reached its socket, then the end */
        qcop_msg m;
        rc = qcop_wait(slow, &m, NULL, 0, WAIT_MS, err);
        if (rc == 0)
            qcop_msg_done(slow, &m);
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "closed the connection"));
    qcop_disconnect(slow);
    qcop_disconnect(fast);
    qcop_disconnect(s);
}

/* Zero copy: the sender's buffers are lent to two receivers and come back;
 * 40 sends through a pool of at most 16 buffers prove the reuse. */
static void test_zero_copy_loans(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    static uint8_t data[256 * 1024];
    qcop_options zc = { .timeout_ms = WAIT_MS, .zero_copy = 1, .fd_threshold = 1 };
    qcop_client *s = client_with(&zc), *r[2] = { client(), client() };
    subscribe(r[0], "zc/x");
    subscribe(r[1], "zc/*");
    for (int i = 0; i < 40; i++) {
        memset(data, i, sizeof data);
        assert_int_equal(qcop_send(s, "zc/x", "frame", data, sizeof data, err), 0);
        for (int k = 0; k < 2; k++) {
            qcop_msg m;
            assert_int_equal(qcop_wait(r[k], &m, NULL, 0, WAIT_MS, err), 0);
            assert_true(m.mapped);
            assert_int_equal(m.len, sizeof data);
            assert_memory_equal(m.data, data, sizeof data);
            qcop_msg_done(r[k], &m);
        }
    }
    assert_int_equal(qcop_flush(s, err), 0);
    /* a receiver that leaves while holding a loan releases it */
    assert_int_equal(qcop_send(s, "zc/x", "frame", data, sizeof data, err), 0);
    qcop_msg m;
    assert_int_equal(qcop_wait(r[0], &m, NULL, 0, WAIT_MS, err), 0);
    qcop_disconnect(r[0]);
    assert_int_equal(qcop_wait(r[1], &m, NULL, 0, WAIT_MS, err), 0);
    qcop_msg_done(r[1], &m);
    for (int i = 0; i < 100 && counter("loans") != 0; i++)
        usleep(5000);
    assert_int_equal(counter("loans"), 0);
    qcop_disconnect(r[1]);
    qcop_disconnect(s);
}

static void test_one_off_memfd(void **state)
{
    (void)state;
    char err[QCOP_ERR_MAX];
    qcop_client *a = client(), *s = client();
    subscribe(a, "memfd");
    int fd = ipcb_memfd_sealed("qcop-data", "sealed data", 11, err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(qcop_send_fd(s, "memfd", "once", fd, 11, err), 0);
    close(fd);
    qcop_msg m;
    assert_int_equal(qcop_wait(a, &m, NULL, 0, WAIT_MS, err), 0);
    assert_true(m.mapped);
    assert_true(m.fd >= 0);
    assert_memory_equal(m.data, "sealed data", 11);
    qcop_msg_done(a, &m);
    qcop_disconnect(a);
    qcop_disconnect(s);
}

/* ---- bad packets ------------------------------------------------------------ */

static int raw_client(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Writes bytes with an optional descriptor on the first one. */
static void raw_send(int fd, const void *bytes, size_t len, int pass)
{
    struct iovec iov = { (void *)bytes, len };
    assert_int_equal(ipcb_send_fd(fd, &iov, 1, pass, MSG_NOSIGNAL), (ssize_t)len);
}

static size_t packet(uint8_t *out, qcop_cmd cmd, uint16_t flags, const char *channel,
                     const char *message, size_t data_len, uint32_t id)
{
    size_t c = strlen(channel), m = strlen(message);
    qcop_header h = qcop_header_make(cmd, flags, c, m, data_len, id);
    qcop_header_encode(&h, out);
    memcpy(out + QCOP_HEADER_SIZE, channel, c);
    memcpy(out + QCOP_HEADER_SIZE + c, message, m);
    return QCOP_HEADER_SIZE + c + m;
}

/* The broker hangs up on fd (after reading whatever it sent). */
static void expect_hung_up(int fd)
{
    char buf[4096];
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            break;
        assert_true(n > 0);
    }
    close(fd);
}

/* Others were not disturbed: new clients talk, the long-lived one still hears. */
static void good_exchange(void)
{
    qcop_client *a = client(), *s = client();
    subscribe(a, "good");
    send_text(s, "good", "ping", "still serving");
    expect_msg(a, QCOP_CMD_SEND, "good", "ping", "still serving");
    send_text(s, "witness", "alive?", "yes");
    expect_msg(witness, QCOP_CMD_SEND, "witness", "alive?", "yes");
    qcop_disconnect(a);
    qcop_disconnect(s);
}

typedef void (*attack_fn)(int fd);

static void attack_lengths(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_SEND, 0, "good", "m", 4, 0);
    b[0] += 3; /* total_len no longer the sum of its parts */
    memcpy(b + n, "data", 4);
    raw_send(fd, b, n + 4, -1);
}

static void attack_oversized(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_SEND, 0, "good", "m", 2 * MAX_PACKET, 0);
    raw_send(fd, b, n, -1);
}

static void attack_unknown_command(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_SYNC, 0, "", "", 0, 1);
    b[5] = 200;
    raw_send(fd, b, n, -1);
}

static void attack_forward_from_a_client(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_FORWARD, 0, "good", "m", 0, 0);
    raw_send(fd, b, n, -1);
}

static void attack_fd_flag_without_fd(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_SEND, QCOP_FLAG_FD, "good", "m", 100, 0);
    raw_send(fd, b, n, -1);
}

static void attack_pipe_as_memfd(int fd)
{
    uint8_t b[128];
    int p[2];
    assert_int_equal(pipe(p), 0);
    size_t n = packet(b, QCOP_CMD_SEND, QCOP_FLAG_FD, "good", "m", 100, 0);
    raw_send(fd, b, n, p[0]);
    close(p[0]);
    close(p[1]);
}

static void attack_unsealed_memfd(int fd)
{
    uint8_t b[128];
    int m = memfd_create("unsealed", MFD_CLOEXEC);
    assert_int_equal(ftruncate(m, 4096), 0);
    size_t n = packet(b, QCOP_CMD_SEND, QCOP_FLAG_FD, "good", "m", 100, 0);
    raw_send(fd, b, n, m);
    close(m);
}

static void attack_short_memfd(int fd)
{
    char err[QCOP_ERR_MAX];
    uint8_t b[128];
    int m = ipcb_memfd_sealed("qcop-data", "tiny", 4, err, sizeof err);
    size_t n = packet(b, QCOP_CMD_SEND, QCOP_FLAG_FD, "good", "m", 100, 0);
    raw_send(fd, b, n, m);
    close(m);
}

static void attack_fd_without_flag(int fd)
{
    char err[QCOP_ERR_MAX];
    uint8_t b[128];
    int m = ipcb_memfd_sealed("qcop-data", "stray", 5, err, sizeof err);
    size_t n = packet(b, QCOP_CMD_SYNC, 0, "", "", 0, 1);
    raw_send(fd, b, n, m); /* a descriptor on a packet that takes none */
    raw_send(fd, b, n, -1);
    close(m);
}

static void attack_release_not_held(int fd)
{
    uint8_t b[128];
    size_t n = packet(b, QCOP_CMD_RELEASE, 0, "", "", 0, 12345);
    raw_send(fd, b, n, -1);
}

static void attack_garbage(int fd)
{
    uint8_t b[256];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 37 + 11);
    raw_send(fd, b, sizeof b, -1);
}

static void test_bad_packets_then_good_exchange(void **state)
{
    (void)state;
    struct { const char *what; attack_fn fn; } attacks[] = {
        { "lengths that do not add up", attack_lengths },
        { "oversized", attack_oversized },
        { "unknown command", attack_unknown_command },
        { "broker-only command", attack_forward_from_a_client },
        { "descriptor flag, no descriptor", attack_fd_flag_without_fd },
        { "pipe instead of a memfd", attack_pipe_as_memfd },
        { "unsealed memfd", attack_unsealed_memfd },
        { "memfd shorter than its data", attack_short_memfd },
        { "descriptor without a packet", attack_fd_without_flag },
        { "release of a loan not held", attack_release_not_held },
        { "garbage", attack_garbage },
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        long long bad = counter("bad_packets");
        int fd = raw_client();
        attacks[i].fn(fd);
        expect_hung_up(fd);
        if (counter("bad_packets") != bad + 1)
            fail_msg("%s: not counted as a bad packet", attacks[i].what);
        good_exchange();
    }
}

static void test_truncated_and_mid_packet_disconnects(void **state)
{
    (void)state;
    static uint8_t b[100 * 1024];
    long long mid = counter("midpacket_disconnects");
    int fd = raw_client();
    size_t n = packet(b, QCOP_CMD_SEND, 0, "good", "m", 0, 0);
    raw_send(fd, b, n / 2, -1); /* a truncated header */
    close(fd);
    good_exchange();
    fd = raw_client();
    n = packet(b, QCOP_CMD_SEND, 0, "good", "m", sizeof b - 64, 0);
    raw_send(fd, b, n + 30000, -1); /* half of a large packet, then gone */
    close(fd);
    good_exchange();
    for (int i = 0; i < 100 && counter("midpacket_disconnects") < mid + 2; i++)
        usleep(5000);
    assert_int_equal(counter("midpacket_disconnects"), mid + 2);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_broadcast_reaches_every_subscriber, arm_alarm),
        cmocka_unit_test_setup(test_wildcards_receive_forwarded_messages, arm_alarm),
        cmocka_unit_test_setup(test_is_registered, arm_alarm),
        cmocka_unit_test_setup(test_subscriptions_end_with_the_client, arm_alarm),
        cmocka_unit_test_setup(test_callbacks, arm_alarm),
        cmocka_unit_test_setup(test_messages_wait_while_a_request_does, arm_alarm),
        cmocka_unit_test_setup(test_data_into_the_callers_buffer, arm_alarm),
        cmocka_unit_test_setup(test_slow_subscriber_is_disconnected, arm_alarm),
        cmocka_unit_test_setup(test_zero_copy_loans, arm_alarm),
        cmocka_unit_test_setup(test_one_off_memfd, arm_alarm),
        cmocka_unit_test_setup(test_bad_packets_then_good_exchange, arm_alarm),
        cmocka_unit_test_setup(test_truncated_and_mid_packet_disconnects, arm_alarm),
    };
    return cmocka_run_group_tests(tests, start_broker, stop_broker);
}
