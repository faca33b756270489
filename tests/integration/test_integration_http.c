/* Integration tests for the HTTP transports (http, http-pull, http-newconn)
 * through the real CLI with every frame verified; bad requests sent with the
 * curl command line to a peer this test spawns itself (each answered with
 * its 4xx, and a good frame still accepted after it); admission (garbage,
 * tokenless and idle connections on raw sockets, and real runs while 40 idle
 * connections are held to their servers); killed and stalled peers; Ctrl-C,
 * once and twice. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "ctrlc.h"
#include "http/http_internal.h"
#include "http/http_server_internal.h"
#include "idle_conns.h"
#include "runcli.h"
#include "clock.h"
#include "wire.h"

enum { PAYLOAD = 4096, MSG = IPCB_HEADER_SIZE + PAYLOAD };

static void test_push_pull_newconn_verified(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "all");
    run_ipcbench(&o, 280, "run", "--campaign", "quick", "--transport", "http,http-pull,http-newconn",
                 "--size", "thumb,1080p,4k", "--mode", "latency,throughput", "--verify", "all",
                 "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 3 * 3 * 2);
}

/* pull=1 on "http" (the --http-pull flag) is the same pull design. */
static void test_pull_parameter(void **state)
{
    (void)state;
    char out[300];
    outcome o;
    out_dir(out, sizeof out, "pull-param");
    run_ipcbench(&o, 120, "run", "--campaign", "quick", "--transport", "http", "--http-pull",
                 "--size", "64K", "--mode", "latency,throughput,paced", "--verify", "all",
                 "--paced-frames", "6", "--out", out, NULL);
    if (o.status != 0)
        fail_msg("exit %d: %s", o.status, o.err);
    assert_all_ok(out, 3);
    json_t *root = load_json(out);
    const char *params = json_string_value(json_object_get(json_object_get(root, "context"), "params"));
    assert_non_null(params);
    assert_non_null(strstr(params, "pull=1"));
    json_decref(root);
}

/* ---- a peer of our own, and the curl command line against it ---- */

typedef struct peer_proc {
    pid_t pid;
    int   ctl;
    char  hostport[64];   /* "127.0.0.1:PORT" */
    char  token[64];
    char  url[128];       /* "http://127.0.0.1:PORT" */
} peer_proc;

/* The address "127.0.0.1:PORT/TOKEN" comes over the control channel only,
 * exactly as the driver gets it: that is how this test learns the token. */
static void start_peer(peer_proc *p, const char *transport)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    char fd[16], rundir[300];
    snprintf(fd, sizeof fd, "%d", sv[1]);
    snprintf(rundir, sizeof rundir, "%s", workdir);
    pid_t parent = getpid();
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(126);
        close(sv[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(ipcbench, ipcbench, "peer", "--transport", transport, "--control-fd", fd,
              "--rundir", rundir, "--run-id", "curltest", "--params", "",
              "--payload-bytes", "4096", "--mode", "latency", "--verify", "all",
              "--timeout-ms", "5000", "--pin-cpu", "-1",
              "--fault-exit-at", "18446744073709551615", "--fault-hang-at", "18446744073709551615",
              (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    p->ctl = sv[0];
    ipcb_ctl_msg m;
    char err[256];
    int rc = ipcb_ctl_recv(p->ctl, &m, 5000, err, sizeof err);
    if (rc != 0)
        fail_msg("no READY from the peer: %s", rc == 1 ? "timeout" : err);
    assert_int_equal(m.type, IPCB_CTL_READY);
    const char *slash = strchr(m.text, '/');
    assert_non_null(slash);
    assert_int_equal(strncmp(m.text, "127.0.0.1:", 10), 0);
    snprintf(p->hostport, sizeof p->hostport, "%.*s", (int)(slash - m.text), m.text);
    snprintf(p->token, sizeof p->token, "X-Ipcbench-Token: %s", slash + 1);
    assert_int_equal(strlen(slash + 1), 32);
    snprintf(p->url, sizeof p->url, "http://%s", p->hostport);
}

/* Runs curl -s --max-time 5 -o BODY -w %{http_code} ARGS... and returns the
 * status code (0 if curl got no response). */
static int curl_status(const char *body_path, ...)
{
    const char *argv[48] = { "curl", "-s", "--max-time", "5", "-o", body_path, "-w", "%{http_code}" };
    int argc = 8;
    va_list ap;
    va_start(ap, body_path);
    while (argc < 47 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    argv[argc] = NULL;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execvp("curl", (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    char out[32] = "";
    ssize_t n = read(pipefd[0], out, sizeof out - 1);
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    out[n > 0 ? n : 0] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        fail_msg("cannot run curl");
    return atoi(out);
}

/* curl_status in the background (for a server this thread must drive). */
typedef struct async_curl { pid_t pid; int fd; } async_curl;

static async_curl curl_start(const char *body_path, ...)
{
    const char *argv[48] = { "curl", "-s", "--max-time", "5", "-o", body_path, "-w", "%{http_code}" };
    int argc = 8;
    va_list ap;
    va_start(ap, body_path);
    while (argc < 47 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    argv[argc] = NULL;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    async_curl c = { fork(), pipefd[0] };
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execvp("curl", (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    return c;
}

static int curl_done(async_curl *c)
{
    int status;
    if (waitpid(c->pid, &status, WNOHANG) != c->pid)
        return -1;
    char out[32] = "";
    ssize_t n = read(c->fd, out, sizeof out - 1);
    close(c->fd);
    out[n > 0 ? n : 0] = '\0';
    return atoi(out);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* A valid frame the peer expects: DATA, sequence seq, 4096-byte payload. */
static void make_frame(uint8_t *msg, uint64_t seq, uint8_t kind)
{
    uint8_t *payload = msg + IPCB_HEADER_SIZE;
    for (size_t i = 0; i < PAYLOAD; i++)
        payload[i] = (uint8_t)(i * 7 + seq);
    ipcb_header h = {
        .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = kind, .flags = IPCB_FLAG_ACK_NOW,
        .format = IPCB_FMT_BYTES, .seq = seq, .payload_len = kind == IPCB_KIND_DATA ? PAYLOAD : 0,
        .timestamp_ns = ipcb_now_ns(),
        .checksum = kind == IPCB_KIND_DATA ? ipcb_checksum(payload, PAYLOAD) : 0,
    };
    ipcb_header_encode(&h, msg);
}

typedef struct session {
    peer_proc p;
    uint64_t  frames;     /* good frames sent (the peer's sequence) */
    uint64_t  http_seq;   /* X-Ipcbench-Seq sent last */
    char      frame[300], body[300], url[160];
} session;

static void hdr(char *out, size_t len, const char *name, unsigned long long v)
{
    snprintf(out, len, "%s: %llu", name, v);
}

/* POST a valid frame; it must be answered 200 with an OK ack for it. */
static void good_frame(session *s, const char *after_what)
{
    uint8_t msg[MSG];
    make_frame(msg, s->frames, IPCB_KIND_DATA);
    write_file(s->frame, msg, sizeof msg);
    char seq[64], size[64], data[320];
    hdr(seq, sizeof seq, "X-Ipcbench-Seq", ++s->http_seq);
    hdr(size, sizeof size, "X-Frame-Size", MSG);
    snprintf(data, sizeof data, "@%s", s->frame);
    int code = curl_status(s->body, "-H", s->p.token, "-H", seq, "-H", size, "-H", "Expect:",
                           "--data-binary", data, s->url, NULL);
    if (code != 200)
        fail_msg("good frame after %s: HTTP %d", after_what, code);
    uint8_t ack[128];
    FILE *f = fopen(s->body, "rb");
    assert_non_null(f);
    size_t n = fread(ack, 1, sizeof ack, f);
    fclose(f);
    assert_int_equal(n, IPCB_HEADER_SIZE);
    ipcb_header h;
    char err[200];
    assert_int_equal(ipcb_header_decode(&h, ack, n, err, sizeof err), 0);
    assert_int_equal(h.kind, IPCB_KIND_ACK);
    assert_int_equal(h.status, IPCB_STATUS_OK);
    assert_int_equal(h.seq, s->frames);
    s->frames++;
}

static void expect(session *s, int want, const char *what, int code)
{
    if (code != want) {
        char text[300];
        slurp(s->body, text, sizeof text);
        fail_msg("%s: HTTP %d, expected %d (%s)", what, code, want, text);
    }
    good_frame(s, what);
}

/* Stops the peer as the driver does (a STOP frame); it must report exactly
 * the good frames and exit 0. */
static void stop_session(session *s)
{
    uint8_t msg[MSG];
    char seq[64], size[64], data[320];
    make_frame(msg, 0, IPCB_KIND_STOP);
    write_file(s->frame, msg, IPCB_HEADER_SIZE);
    hdr(seq, sizeof seq, "X-Ipcbench-Seq", ++s->http_seq);
    hdr(size, sizeof size, "X-Frame-Size", IPCB_HEADER_SIZE);
    snprintf(data, sizeof data, "@%s", s->frame);
    assert_int_equal(curl_status(s->body, "-H", s->p.token, "-H", seq, "-H", size, "--data-binary", data,
                                 s->url, NULL), 200);
    ipcb_ctl_msg done;
    char err[256];
    assert_int_equal(ipcb_ctl_recv(s->p.ctl, &done, 5000, err, sizeof err), 0);
    if (done.type != IPCB_CTL_DONE)
        fail_msg("peer: %s", done.text);
    assert_int_equal(done.frames, s->frames);
    int status;
    assert_int_equal(waitpid(s->p.pid, &status, 0), s->p.pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(s->p.ctl);
}

static void test_bad_requests_with_curl(void **state)
{
    (void)state;
    session s = { 0 };
    start_peer(&s.p, "http");
    snprintf(s.frame, sizeof s.frame, "%s/frame.bin", workdir);
    snprintf(s.body, sizeof s.body, "%s/body.txt", workdir);
    snprintf(s.url, sizeof s.url, "%s/frames", s.p.url);
    char session_url[160], other[160], big[300], seq[64], size[64], data[320], bigdata[320];

    /* The rendezvous a driver does first: POST /session with the token. */
    snprintf(session_url, sizeof session_url, "%s/session", s.p.url);
    assert_int_equal(curl_status(s.body, "-X", "POST", "-H", "X-Ipcbench-Token: 00", session_url, NULL), 403);
    assert_int_equal(curl_status(s.body, "-H", s.p.token, "--data-binary", "", session_url, NULL), 204);
    good_frame(&s, "the session");

    uint8_t msg[MSG];
    make_frame(msg, s.frames, IPCB_KIND_DATA);
    write_file(s.frame, msg, sizeof msg);
    snprintf(data, sizeof data, "@%s", s.frame);
    hdr(size, sizeof size, "X-Frame-Size", MSG);
#define NEXT_SEQ() (hdr(seq, sizeof seq, "X-Ipcbench-Seq", s.http_seq + 1), seq)

    snprintf(other, sizeof other, "%s/nowhere", s.p.url);
    expect(&s, 404, "wrong path", curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", size,
                                              "--data-binary", data, other, NULL));
    expect(&s, 405, "GET /frames", curl_status(s.body, "-H", s.p.token, s.url, NULL));
    expect(&s, 405, "PUT /frames", curl_status(s.body, "-X", "PUT", "-H", s.p.token, "-H", NEXT_SEQ(),
                                               "-H", size, "--data-binary", data, s.url, NULL));
    expect(&s, 403, "no token", curl_status(s.body, "-H", NEXT_SEQ(), "-H", size, "--data-binary", data,
                                            s.url, NULL));
    expect(&s, 403, "wrong token",
           curl_status(s.body, "-H", "X-Ipcbench-Token: 0123456789abcdef0123456789abcdef", "-H", NEXT_SEQ(),
                       "-H", size, "--data-binary", data, s.url, NULL));
    /* Larger than the largest message: refused before the body is read. */
    static uint8_t huge[3 * MSG];
    snprintf(big, sizeof big, "%s/big.bin", workdir);
    write_file(big, huge, sizeof huge);
    snprintf(bigdata, sizeof bigdata, "@%s", big);
    char bigsize[64];
    hdr(bigsize, sizeof bigsize, "X-Frame-Size", sizeof huge);
    expect(&s, 413, "body too large", curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", bigsize,
                                                  "-H", "Expect:", "--data-binary", bigdata, s.url, NULL));
    char wrongsize[64];
    hdr(wrongsize, sizeof wrongsize, "X-Frame-Size", MSG - 1);
    expect(&s, 400, "Content-Length mismatch",
           curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", wrongsize, "--data-binary", data,
                       s.url, NULL));
    expect(&s, 400, "missing X-Frame-Size",
           curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "--data-binary", data, s.url, NULL));
    expect(&s, 400, "bad checksum metadata",
           curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", size, "-H", "X-Frame-Checksum: xyz",
                       "--data-binary", data, s.url, NULL));
    expect(&s, 400, "bad dimensions metadata",
           curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", size, "-H", "X-Frame-Dimensions: wide",
                       "--data-binary", data, s.url, NULL));
    expect(&s, 400, "sequence replayed",
           curl_status(s.body, "-H", s.p.token, "-H", "X-Ipcbench-Seq: 1", "-H", size, "--data-binary", data,
                       s.url, NULL));
    expect(&s, 411, "chunked body",
           curl_status(s.body, "-H", s.p.token, "-H", NEXT_SEQ(), "-H", size, "-H", "Transfer-Encoding: chunked",
                       "--data-binary", data, s.url, NULL));
    expect(&s, 409, "second session", curl_status(s.body, "-H", s.p.token, "--data-binary", "", session_url, NULL));

    stop_session(&s);
#undef NEXT_SEQ
}

/* ---- admission: raw sockets, as any local process could use them ---- */

static int connect_port(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static unsigned port_of(const peer_proc *p)
{
    return (unsigned)atoi(strchr(p->hostport, ':') + 1);
}

/* Reads what the server sends on fd until it closes the connection or
 * limit_s pass; returns the seconds that took, -1 if it is still open. */
static double read_until_closed(int fd, char *got, size_t cap, double limit_s)
{
    double start = now_s();
    size_t len = 0;
    got[0] = '\0';
    while (now_s() - start < limit_s) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return now_s() - start;
        size_t take = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
        memcpy(got + len, buf, take);
        len += take;
        got[len] = '\0';
    }
    return -1;
}

/* Whether the server has closed (or reset) the connection by now. */
static int closed_now(int fd)
{
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* How many of fds the server has closed by now; gone[i] remembers each. */
static int count_closed(const int *fds, int *gone, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (!gone[i] && closed_now(fds[i]))
            gone[i] = 1;
        count += gone[i];
    }
    return count;
}

/* request on a fresh connection: the answer must be `status`, and the
 * server must close the connection after it (a stranger gets one answer). */
static void expect_raw(unsigned port, const char *what, const char *request, int status)
{
    int fd = connect_port(port);
    assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    char got[2048], want[32];
    double took = read_until_closed(fd, got, sizeof got, 3);
    close(fd);
    snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("%s: expected %d, got '%.60s'", what, status, got);
    if (took < 0)
        fail_msg("%s: the connection stayed open after the %d", what, status);
}

/* Garbage and tokenless requests get their 4xx and are closed; a connection
 * that says nothing (or half a request) is closed at the deadline; a flood of
 * idle connections keeps at most STRANGERS_MAX; and through all of it the
 * driver's session and a good frame still get in. */
static void test_admission_with_raw_sockets(void **state)
{
    (void)state;
    session s = { 0 };
    start_peer(&s.p, "http");
    snprintf(s.frame, sizeof s.frame, "%s/adm-frame.bin", workdir);
    snprintf(s.body, sizeof s.body, "%s/adm-body.txt", workdir);
    snprintf(s.url, sizeof s.url, "%s/frames", s.p.url);
    unsigned port = port_of(&s.p);

    expect_raw(port, "garbage", "garbage\r\n\r\n", 400);
    expect_raw(port, "binary junk", "\x01\x02\x7f\xff\r\n\r\n", 400);
    expect_raw(port, "method not a token", "G(T /frames HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    expect_raw(port, "path without '/'", "POST frames HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400);
    expect_raw(port, "header line without ':'", "POST /frames HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n", 400);
    expect_raw(port, "no token", "POST /frames HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 403);
    expect_raw(port, "no token, no session", "POST /session HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
               403);

    /* Saying nothing, or half a request, lasts ADMISSION_DEADLINE_MS. */
    int quiet = connect_port(port), half = connect_port(port);
    static const char half_request[] = "POST /frames HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(send(half, half_request, sizeof half_request - 1, MSG_NOSIGNAL), sizeof half_request - 1);
    char got[256];
    double quiet_s = read_until_closed(quiet, got, sizeof got, 5);
    double half_s = read_until_closed(half, got, sizeof got, 5);
    close(quiet);
    close(half);
    double deadline_s = ADMISSION_DEADLINE_MS / 1000.0;
    if (quiet_s < deadline_s * 0.9 || quiet_s > deadline_s + 1.5 || half_s < 0 || half_s > deadline_s + 1.5)
        fail_msg("idle connections closed after %.2f s and %.2f s (deadline %.1f s)", quiet_s, half_s, deadline_s);

    /* A flood: the oldest strangers go at once, at most STRANGERS_MAX stay... */
    enum { FLOOD = STRANGERS_MAX + 40 };
    int flood[FLOOD], gone[FLOOD] = { 0 }, gone_count = 0;
    for (int i = 0; i < FLOOD; i++)
        flood[i] = connect_port(port);
    double flood_start = now_s();
    while (gone_count < FLOOD - STRANGERS_MAX && now_s() - flood_start < deadline_s * 0.7) {
        usleep(10000);
        gone_count = count_closed(flood, gone, FLOOD);
    }
    if (gone_count < FLOOD - STRANGERS_MAX)
        fail_msg("of %d idle connections, %d were closed before the deadline (expected %d)", FLOOD, gone_count,
                 FLOOD - STRANGERS_MAX);

    /* ...and while they are held, the driver's session and a frame get in. */
    char session_url[160];
    snprintf(session_url, sizeof session_url, "%s/session", s.p.url);
    assert_int_equal(curl_status(s.body, "-H", s.p.token, "--data-binary", "", session_url, NULL), 204);
    good_frame(&s, "garbage, tokenless and idle connections");

    /* The rest go at their deadline. */
    while (gone_count < FLOOD && now_s() - flood_start < deadline_s + 2) {
        usleep(10000);
        gone_count = count_closed(flood, gone, FLOOD);
    }
    for (int i = 0; i < FLOOD; i++)
        close(flood[i]);
    if (gone_count < FLOOD)
        fail_msg("%d of %d idle connections outlived the deadline", FLOOD - gone_count, FLOOD);
    expect_raw(port, "garbage after the session", "garbage\r\n\r\n", 400);
    good_frame(&s, "more garbage");
    stop_session(&s);
}

/* A real run while 40 idle connections (half of them with half a request)
 * are held to every server it starts, reopened as the server closes them. */
static void run_while_jammed(const char *transport)
{
    char out[300], name[64];
    snprintf(name, sizeof name, "jammed-%s", transport);
    out_dir(out, sizeof out, name);
    const char *args[] = { "run", "--campaign", "quick", "--transport", transport, "--size", "64,1080p",
                           "--mode", "latency,throughput", "--verify", "all",
                           "--min-time", "1.5", "--max-time", "4", /* long enough to be jammed */
                           "--out", out, NULL };
    pid_t pid = start_background(name, args);
    idle_conns ic;
    idle_conns_init(&ic, 40);
    double start = now_s();
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            break;
        if (now_s() - start > 120)
            break; /* wait_background kills it and fails */
        idle_conns_step(&ic);
        usleep(20000);
    }
    idle_conns_close(&ic);
    int status = wait_background(pid, 5);
    if (status != 0) {
        char log[400], text[4096];
        snprintf(log, sizeof log, "%s/%s.log", workdir, name);
        slurp(log, text, sizeof text);
        fail_msg("%s while jammed: exit %d\n%s", transport, status, text);
    }
    assert_all_ok(out, 4);
    /* Every benchmark's server was jammed: one listener each, 40 connections or more. */
    if (ic.ports_seen < 4 || ic.opened < 4 * 40)
        fail_msg("%s: only %u servers and %lu connections jammed", transport, ic.ports_seen, ic.opened);
    print_message("%s: %u servers, %lu idle connections opened, %lu closed by the server\n", transport,
                  ic.ports_seen, ic.opened, ic.closed_by_server);
}

static void test_idle_connections_cannot_fail_a_run(void **state)
{
    (void)state;
    run_while_jammed("http-newconn");
    run_while_jammed("http");
}

/* A pulling peer's server only takes the driver's POST /session, with an address. */
static void test_pull_peer_refusals(void **state)
{
    (void)state;
    peer_proc p;
    char body[300], url[160];
    start_peer(&p, "http-pull");
    snprintf(body, sizeof body, "%s/pull-body.txt", workdir);
    snprintf(url, sizeof url, "%s/frames", p.url);
    assert_int_equal(curl_status(body, "-H", p.token, "--data-binary", "x", url, NULL), 404);
    snprintf(url, sizeof url, "%s/session", p.url);
    assert_int_equal(curl_status(body, "-H", p.token, "--data-binary", "", url, NULL), 400);
    assert_int_equal(curl_status(body, "--data-binary", "127.0.0.1:1/0123456789abcdef0123456789abcdef",
                                 url, NULL), 403);
    kill(p.pid, SIGKILL);
    waitpid(p.pid, NULL, 0);
    close(p.ctl);
}

/* Drive srv (waiting for acks) until the background curl is done. */
static int serve_until_done(http_srv *srv, async_curl *c, ipcb_frame *ack, int *got_ack)
{
    char err[IPCB_ERR_MAX];
    for (int i = 0; i < 500; i++) {
        int code = curl_done(c);
        if (code >= 0)
            return code;
        int rc = ipcb_http_srv_recv_ack(srv, ack, 20, err);
        if (rc < 0)
            fail_msg("server: %s", err);
        if (rc == 0)
            *got_ack = 1;
    }
    fail_msg("curl did not finish");
    return -1;
}

/* The driver's server in pull mode (GET /frames/latest, POST /acks), run in
 * this process through the transport's own functions, against curl. */
static void test_pull_server_with_curl(void **state)
{
    (void)state;
    http_srv *srv;
    char addr[IPCB_ADDR_MAX], err[IPCB_ERR_MAX], body[300], file[300], data[320], url[160], latest[200];
    http_srv_cfg cfg = { .role = HTTP_SRV_DRIVER, .max_message = MSG, .timeout_ms = 3000 };
    assert_int_equal(ipcb_http_srv_start(&srv, &cfg, addr, err), 0);
    const char *slash = strchr(addr, '/');
    char token[80], base[64];
    snprintf(token, sizeof token, "X-Ipcbench-Token: %s", slash + 1);
    snprintf(base, sizeof base, "http://%.*s", (int)(slash - addr), addr);
    snprintf(body, sizeof body, "%s/srv-body.bin", workdir);
    snprintf(file, sizeof file, "%s/ack.bin", workdir);
    snprintf(data, sizeof data, "@%s", file);
    snprintf(url, sizeof url, "%s/acks", base);
    snprintf(latest, sizeof latest, "%s/frames/latest?after=0", base);
    uint8_t ackmsg[IPCB_HEADER_SIZE], buf[256];
    ipcb_header_encode(&(ipcb_header){ .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_ACK,
                                       .seq = 7, .timestamp_ns = ipcb_now_ns() }, ackmsg);
    write_file(file, ackmsg, sizeof ackmsg);
    ipcb_frame ack = { .buf = buf, .cap = sizeof buf };
    int got = 0;
    async_curl c;

    c = curl_start(body, latest, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 403);
    c = curl_start(body, "-H", token, "--data-binary", "x", latest, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 405);
    snprintf(url, sizeof url, "%s/nowhere", base);
    c = curl_start(body, "-H", token, url, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 404);
    snprintf(url, sizeof url, "%s/frames/latest?after=soon", base);
    c = curl_start(body, "-H", token, url, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 400);
    snprintf(url, sizeof url, "%s/acks", base);
    c = curl_start(body, "-H", token, "-H", "X-Frame-Size: 63", "--data-binary", data, url, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 400);
    static uint8_t huge[2 * MSG];
    char big[300], bigdata[320];
    snprintf(big, sizeof big, "%s/huge.bin", workdir);
    write_file(big, huge, sizeof huge);
    snprintf(bigdata, sizeof bigdata, "@%s", big);
    c = curl_start(body, "-H", token, "-H", "X-Frame-Size: 8320", "-H", "Expect:", "--data-binary", bigdata,
                   url, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 413);
    assert_int_equal(got, 0);

    /* A good ack arrives as the same 64 bytes. */
    c = curl_start(body, "-H", token, "-H", "X-Frame-Size: 64", "--data-binary", data, url, NULL);
    assert_int_equal(serve_until_done(srv, &c, &ack, &got), 204);
    if (!got)
        assert_int_equal(ipcb_http_srv_recv_ack(srv, &ack, 1000, err), 0);
    assert_int_equal(ack.len, sizeof ackmsg);
    assert_memory_equal(ack.data, ackmsg, sizeof ackmsg);

    /* A published frame goes to the waiting GET, byte for byte. */
    uint8_t frame[MSG];
    make_frame(frame, 0, IPCB_KIND_DATA);
    c = curl_start(body, "-H", token, latest, NULL);
    ipcb_frame f = { .data = frame, .len = sizeof frame };
    if (ipcb_http_srv_publish(srv, &f, err) != 0)
        fail_msg("publish: %s", err);
    int code = -1;
    for (int i = 0; i < 500 && (code = curl_done(&c)) < 0; i++)
        usleep(10000);
    assert_int_equal(code, 200);
    static uint8_t back[MSG + 16];
    FILE *in = fopen(body, "rb");
    assert_non_null(in);
    assert_int_equal(fread(back, 1, sizeof back, in), sizeof frame);
    fclose(in);
    assert_memory_equal(back, frame, sizeof frame);
    ipcb_http_srv_stop(srv);
}

static void expect_fault(const char *transport, const char *fault, const char *timeout_ms,
                         const char *message, double within_s)
{
    char out[300], name[64];
    outcome o;
    snprintf(name, sizeof name, "%s-%s", transport, fault);
    out_dir(out, sizeof out, name);
    run_ipcbench(&o, 60, "run", "--campaign", "quick", "--transport", transport, "--size", "1080p",
                 "--mode", "throughput", "--warmup", "2", "--timeout-ms", timeout_ms,
                 "--max-time", "60", /* frame 5 is planned however slow the machine is */
                 "--fault", fault, "--out", out, NULL);
    assert_int_equal(o.status, 1);
    if (o.seconds >= within_s)
        fail_msg("%s with %s took %.1f s", transport, fault, o.seconds);
    assert_first_error(out, name, message);
}

static void test_dead_and_stalled_peers(void **state)
{
    (void)state;
    const char *transports[] = { "http", "http-pull", "http-newconn" };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        /* A killed peer is reported well within the 5 s timeout. */
        expect_fault(transports[i], "peer-exit@5", "5000", "peer", 4.5);
        expect_fault(transports[i], "peer-hang@5", "500", "500 ms", 15);
    }
}

/* Ctrl-C during a paced run at 1 fps (a frame period of 1 s) and long
 * latency and throughput runs (a libcurl transfer, the driver's own server),
 * and twice (the pulling peer's next GET still unread): out within 3 s,
 * results saved, nothing left. */
static void test_interrupt(void **state)
{
    (void)state;
    expect_ctrlc("http", "paced", NULL);
    expect_ctrlc("http-pull", "latency", NULL);
    expect_ctrlc("http-newconn", "throughput", NULL);
    expect_second_ctrlc("http-pull", "paced", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pull_newconn_verified),
        cmocka_unit_test(test_pull_parameter),
        cmocka_unit_test(test_bad_requests_with_curl),
        cmocka_unit_test(test_admission_with_raw_sockets),
        cmocka_unit_test(test_idle_connections_cannot_fail_a_run),
        cmocka_unit_test(test_pull_peer_refusals),
        cmocka_unit_test(test_pull_server_with_curl),
        cmocka_unit_test(test_dead_and_stalled_peers),
        cmocka_unit_test(test_interrupt),
    };
    return cmocka_run_group_tests(tests, runcli_setup, runcli_teardown);
}
