/* qcop: try the QCOP bus by hand. `qcop send CHANNEL MESSAGE [FILE]` sends a
 * message (data from FILE, '-' for stdin), `qcop listen CHANNEL` prints what
 * arrives on a channel (or a '*' pattern); also is-registered and stats. */
#include "qcop_client.h"

#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SHOWN_TEXT_MAX = 200 };

typedef struct cli {
    const char *socket;     /* NULL = default */
    qcop_options o;
    long        count;      /* listen: stop after this many messages (0 = never) */
    long        seen;
} cli;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: qcop [--socket PATH] [--timeout-ms N] [--fd] COMMAND ...\n"
            "  send CHANNEL MESSAGE [FILE]   send MESSAGE on CHANNEL, data from FILE ('-' = stdin)\n"
            "  listen CHANNEL [--count N]    print messages on CHANNEL ('*' matches any run of\n"
            "                                characters) until Ctrl-C or N messages\n"
            "  is-registered CHANNEL         exit 0 if some client has CHANNEL open, 1 if not\n"
            "  stats                         print the broker's counters\n"
            "  --fd     send the data as a sealed memfd (zero-copy mode)\n"
            "  the socket defaults to $QCOP_SOCKET, $XDG_RUNTIME_DIR/qcop/qcopd.sock\n"
            "  or /tmp/qcop-UID/qcopd.sock, as for qcopd\n"
            "  --help   print this and exit\n");
}

/* Bad usage: the usage on stderr, exit status 2. */
static int usage(void)
{
    print_usage(stderr);
    return 2;
}

/* A number option out of its range: says so, exit status 2. */
static int bad_number(const char *flag, long long min, long long max, const char *text)
{
    char err[256];
    ipcb_integer_error(err, sizeof err, flag, min, max, text);
    fprintf(stderr, "qcop: %s\n", err);
    return 2;
}

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "qcop: %s: %s\n", what, err);
    return 1;
}

/* The whole of path ("-" = stdin) in a malloc'ed buffer. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *more = realloc(buf, cap * 2);
        if (!more) {
            free(buf);
            buf = NULL;
        } else {
            buf = more;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static int cmd_send(cli *c, int argc, char **argv)
{
    char err[QCOP_ERR_MAX];
    size_t len = 0;
    unsigned char *data = NULL;
    if (argc < 2 || argc > 3)
        return usage();
    if (argc == 3 && !(data = read_file(argv[2], &len)))
        return fail(argv[2], strerror(errno ? errno : ENOMEM));
    qcop_client *q = qcop_connect(c->socket, &c->o, err);
    int rc = !q || qcop_send(q, argv[0], argv[1], data, len, err) != 0 || qcop_flush(q, err) != 0;
    qcop_disconnect(q);
    free(data);
    return rc ? fail("send", err) : 0;
}

static int printable(const unsigned char *d, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isprint(d[i]) && d[i] != '\n' && d[i] != '\t')
            return 0;
    return 1;
}

static void put_text(const unsigned char *d, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (d[i] == '\n')
            fputs("\\n", stdout);
        else if (d[i] == '\t')
            fputs("\\t", stdout);
        else
            putchar(d[i]);
    }
}

static void show(qcop_channel *ch, const qcop_msg *m, void *arg)
{
    cli *c = arg;
    (void)ch;
    printf("%s %s %zu bytes%s", m->channel, m->message, m->len, m->fd >= 0 ? " (memfd)" : "");
    if (m->len > 0 && m->len <= SHOWN_TEXT_MAX && printable(m->data, m->len)) {
        printf(": ");
        put_text(m->data, m->len);
    }
    printf("\n");
    fflush(stdout);
    c->seen++;
}

static int cmd_listen(cli *c, int argc, char **argv)
{
    char err[QCOP_ERR_MAX];
    long long count = 0;
    if (argc == 3 && strcmp(argv[1], "--count") == 0) {
        if (ipcb_parse_integer(argv[2], 1, LONG_MAX, &count) != 0)
            return bad_number("--count", 1, LONG_MAX, argv[2]);
    } else if (argc != 1)
        return usage();
    c->count = count;
    qcop_client *q = qcop_connect(c->socket, &c->o, err);
    if (!q)
        return fail("listen", err);
    if (!qcop_channel_open(q, argv[0], show, c, err) || qcop_flush(q, err) != 0) {
        qcop_disconnect(q);
        return fail("listen", err);
    }
    fprintf(stderr, "qcop: listening on %s (Ctrl-C to stop)\n", argv[0]);
    int rc = 0;
    while (!stop_flag && (c->count == 0 || c->seen < c->count))
        if (qcop_dispatch(q, -1, err) < 0) {
            rc = stop_flag ? 0 : fail("listen", err);
            break;
        }
    qcop_disconnect(q);
    return rc;
}

static int cmd_is_registered(cli *c, int argc, char **argv)
{
    char err[QCOP_ERR_MAX];
    if (argc != 1)
        return usage();
    qcop_client *q = qcop_connect(c->socket, &c->o, err);
    int yes = q ? qcop_is_registered(q, argv[0], err) : -1;
    qcop_disconnect(q);
    if (yes < 0)
        return fail("is-registered", err);
    printf("%s is %sregistered\n", argv[0], yes ? "" : "not ");
    return yes ? 0 : 1;
}

static int cmd_stats(cli *c, int argc)
{
    char err[QCOP_ERR_MAX], text[1024];
    if (argc != 0)
        return usage();
    qcop_client *q = qcop_connect(c->socket, &c->o, err);
    int rc = !q || qcop_stats(q, text, sizeof text, err) != 0;
    qcop_disconnect(q);
    if (rc)
        return fail("stats", err);
    fputs(text, stdout);
    return 0;
}

static void setup_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the wait returns "interrupted" */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    cli c = { .o = { .timeout_ms = 5000 } };
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        long long ms;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            c.socket = argv[++i];
        else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
            if (ipcb_parse_integer(argv[++i], 1, INT_MAX, &ms) != 0)
                return bad_number("--timeout-ms", 1, INT_MAX, argv[i]);
            c.o.timeout_ms = (int)ms;
        } else if (strcmp(argv[i], "--fd") == 0) {
            c.o.zero_copy = 1;
            c.o.fd_threshold = 1;
        } else
            return usage();
    }
    if (i >= argc)
        return usage();
    setup_signals();
    const char *cmd = argv[i++];
    if (strcmp(cmd, "send") == 0)
        return cmd_send(&c, argc - i, argv + i);
    if (strcmp(cmd, "listen") == 0)
        return cmd_listen(&c, argc - i, argv + i);
    if (strcmp(cmd, "is-registered") == 0)
        return cmd_is_registered(&c, argc - i, argv + i);
    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(&c, argc - i);
    return usage();
}
