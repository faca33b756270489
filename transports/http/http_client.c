/* The libcurl side of the http transports: one easy handle per direction,
 * kept for the whole run so its connection is reused (unless newconn), the
 * request body streamed from the caller's memory by a read callback, the
 * response body written straight into the caller's buffer. Ctrl-C aborts a
 * transfer from libcurl's progress callback. */
#include "http_internal.h"

#include "interrupt.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    SOCKBUF_BYTES   = 4 << 20,   /* as the tcp transport, so the two compare fairly */
    UPLOAD_BUFFER   = 2 << 20,   /* CURL_MAX_READ_SIZE... upload maximum in libcurl 7.88 */
    DOWNLOAD_BUFFER = 512 << 10, /* CURL_MAX_READ_SIZE: download maximum */
};

struct http_cli {
    CURL              *h;
    char               base[40];          /* "http://127.0.0.1:PORT" */
    struct curl_slist *fixed;             /* token, no Expect, content type */
    char               curl_err[CURL_ERROR_SIZE];
    http_xfer         *x;                 /* the request in progress */
    size_t             sent;              /* body bytes handed to curl */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_NOTHING); /* plain HTTP: no TLS to set up */
}

/* Socket buffers as in tcp.c: 4 MiB, the *FORCE variants first (root). */
static void set_buf(int fd, int force_opt, int opt)
{
    int v = SOCKBUF_BYTES;
    if (geteuid() == 0 && setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof v) == 0)
        return;
    (void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v);
}

static int on_socket(void *arg, curl_socket_t fd, curlsocktype purpose)
{
    (void)arg;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF);
        set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    }
    return CURL_SOCKOPT_OK;
}

/* The request body, straight from the caller's message: libcurl copies it
 * into its upload buffer (one copy), then into the kernel. */
static size_t on_read(char *to, size_t size, size_t nitems, void *arg)
{
    http_cli *c = arg;
    size_t left = c->x->body_len - c->sent, n = size * nitems;
    if (n > left)
        n = left;
    memcpy(to, c->x->body + c->sent, n);
    c->sent += n;
    return n;
}

/* libcurl rewinds when it must resend on a fresh connection (a kept-alive
 * one that the server had just closed). */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
    http_cli *c = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > c->x->body_len)
        return CURL_SEEKFUNC_FAIL;
    c->sent = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *from, size_t size, size_t nmemb, void *arg)
{
    http_cli *c = arg;
    http_xfer *x = c->x;
    size_t n = size * nmemb;
    if (n > x->sink_cap - x->len)
        return 0; /* more than the caller's buffer: CURLE_WRITE_ERROR */
    memcpy(x->sink + x->len, from, n);
    x->len += n;
    return n;
}

/* Called by libcurl while a transfer runs, also after a signal has cut its
 * wait short (and at least once a second while it waits): Ctrl-C aborts. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)arg;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return ipcb_interrupted ? 1 : 0;
}

static uint64_t header_number(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return 0;
    char tmp[32];
    size_t len = n - k - 1 < sizeof tmp - 1 ? n - k - 1 : sizeof tmp - 1;
    memcpy(tmp, line + k + 1, len);
    tmp[len] = '\0';
    return strtoull(tmp, NULL, 10);
}

static size_t on_header(char *line, size_t size, size_t nitems, void *arg)
{
    http_cli *c = arg;
    size_t n = size * nitems;
    uint64_t v;
    if ((v = header_number(line, n, HTTP_H_SEQ)) != 0)
        c->x->resp_seq = v;
    else if ((v = header_number(line, n, HTTP_H_PID)) != 0)
        c->x->resp_pid = (long)v;
    return n;
}

void ipcb_http_cli_close(http_cli *c)
{
    if (!c)
        return;
    if (c->h)
        curl_easy_cleanup(c->h);
    curl_slist_free_all(c->fixed);
    free(c);
}

static int setopt_failed(CURLcode rc, const char *what, char *err)
{
    snprintf(err, IPCB_ERR_MAX, "libcurl %s: %s", what, curl_easy_strerror(rc));
    return -1;
}

int ipcb_http_cli_open(http_cli **out, unsigned port, const char *token, int timeout_ms,
                       int newconn, char *err)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        snprintf(err, IPCB_ERR_MAX, "curl_global_init: %s", curl_easy_strerror(global_rc));
        return -1;
    }
    http_cli *c = calloc(1, sizeof *c);
    if (!c || !(c->h = curl_easy_init())) {
        snprintf(err, IPCB_ERR_MAX, "libcurl: cannot create a handle");
        ipcb_http_cli_close(c);
        return -1;
    }
    snprintf(c->base, sizeof c->base, "http://127.0.0.1:%u", port);
    char tok[80];
    snprintf(tok, sizeof tok, HTTP_H_TOKEN ": %s", token);
    struct curl_slist *l = NULL;
    const char *fixed[] = { tok, "Expect:", "Accept:", "Content-Type: application/octet-stream" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        struct curl_slist *n = curl_slist_append(l, fixed[i]);
        if (!n) {
            curl_slist_free_all(l);
            snprintf(err, IPCB_ERR_MAX, "out of memory");
            ipcb_http_cli_close(c);
            return -1;
        }
        l = n;
    }
    c->fixed = l;
    CURL *h = c->h;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http");
    SET(CURLOPT_PROXY, "");          /* never through a proxy from the environment */
    SET(CURLOPT_NOPROXY, "*");
    SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_BUFFERSIZE, (long)DOWNLOAD_BUFFER);
    SET(CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_BUFFER);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_SOCKOPTFUNCTION, on_socket);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, c);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_SEEKDATA, c);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, c);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, c);
    SET(CURLOPT_ERRORBUFFER, c->curl_err);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_NOPROGRESS, 0L);
    if (newconn) { /* a naive client: a new TCP connection for every request */
        SET(CURLOPT_FORBID_REUSE, 1L);
        SET(CURLOPT_FRESH_CONNECT, 1L);
    }
#undef SET
    if (rc != CURLE_OK) {
        setopt_failed(rc, "setup", err);
        ipcb_http_cli_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* Per-request headers: the fixed ones plus sequence and frame metadata. */
static struct curl_slist *request_headers(http_cli *c, const http_xfer *x)
{
    char lines[7][96];
    int n = 0;
    if (x->seq)
        snprintf(lines[n++], sizeof lines[0], HTTP_H_SEQ ": %" PRIu64, x->seq);
    if (x->body)
        snprintf(lines[n++], sizeof lines[0], HTTP_H_SIZE ": %zu", x->body_len);
    http_meta m = { 0 };
    if (x->meta != HTTP_META_NONE)
        ipcb_http_meta_read(x->body, x->body_len, &m);
    if (m.valid && x->meta == HTTP_META_FRAME) {
        snprintf(lines[n++], sizeof lines[0], HTTP_H_FORMAT ": %" PRIu32, m.format);
        snprintf(lines[n++], sizeof lines[0], HTTP_H_DIMS ": %" PRIu32 "x%" PRIu32, m.width, m.height);
        snprintf(lines[n++], sizeof lines[0], HTTP_H_FSEQ ": %" PRIu64, m.seq);
        snprintf(lines[n++], sizeof lines[0], HTTP_H_SUM ": %016" PRIx64, m.checksum);
    } else if (m.valid) { /* an ack: what it confirms, when, and the verdict */
        snprintf(lines[n++], sizeof lines[0], HTTP_H_FSEQ ": %" PRIu64, m.seq);
        snprintf(lines[n++], sizeof lines[0], HTTP_H_T1 ": %" PRIu64, m.timestamp_ns);
        snprintf(lines[n++], sizeof lines[0], HTTP_H_STATUS ": %" PRIu32, m.status);
    }
    struct curl_slist *l = NULL;
    for (const struct curl_slist *f = c->fixed; f; f = f->next) {
        struct curl_slist *t = curl_slist_append(l, f->data);
        if (!t)
            goto oom;
        l = t;
    }
    for (int i = 0; i < n; i++) {
        struct curl_slist *t = curl_slist_append(l, lines[i]);
        if (!t)
            goto oom;
        l = t;
    }
    return l;
oom:
    curl_slist_free_all(l);
    return NULL;
}

int ipcb_http_cli_do(http_cli *c, http_xfer *x, char *err)
{
    char url[160];
    snprintf(url, sizeof url, "%s%s", c->base, x->path);
    x->status = 0;
    x->len = 0;
    x->resp_seq = 0;
    x->resp_pid = 0;
    x->timed_out = 0;
    c->x = x;
    c->sent = 0;
    c->curl_err[0] = '\0';
    struct curl_slist *hdrs = request_headers(c, x);
    if (!hdrs) {
        snprintf(err, IPCB_ERR_MAX, "out of memory");
        return -1;
    }
    CURL *h = c->h;
    CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
    if (rc == CURLE_OK && x->body) {
        rc = curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
    } else if (rc == CURLE_OK) {
        rc = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    c->x = NULL;
    x->status = status;
    if (rc == CURLE_OK)
        return 0;
    const char *detail = c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        x->timed_out = status == 0 && x->len == 0;
        snprintf(err, IPCB_ERR_MAX, "no complete HTTP response within %d ms (%s)", x->timeout_ms, detail);
        break;
    case CURLE_COULDNT_CONNECT:
        snprintf(err, IPCB_ERR_MAX, "cannot connect to %s, the server is gone (%s)", c->base + 7, detail);
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        snprintf(err, IPCB_ERR_MAX, "the other side closed the connection (%s)", detail);
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        snprintf(err, IPCB_ERR_MAX, "%s", ipcb_interrupted_text);
        break;
    case CURLE_WRITE_ERROR:
        snprintf(err, IPCB_ERR_MAX, "HTTP %ld response body larger than the %zu-byte buffer",
                 status, x->sink_cap);
        break;
    default:
        snprintf(err, IPCB_ERR_MAX, "libcurl: %s", detail);
        break;
    }
    return -1;
}

void ipcb_http_status_error(const http_xfer *x, const char *what, char *err)
{
    char text[160] = "";
    size_t n = x->len < sizeof text - 1 ? x->len : sizeof text - 1;
    for (size_t i = 0; i < n && x->sink[i] != '\n' && x->sink[i] != '\r'; i++)
        text[i] = x->sink[i] >= 0x20 && x->sink[i] < 0x7f ? (char)x->sink[i] : '?';
    snprintf(err, IPCB_ERR_MAX, "%s: HTTP %ld%s%s", what, x->status, text[0] ? ": " : "", text);
}
