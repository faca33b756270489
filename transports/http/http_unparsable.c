/* libmicrohttpd 0.9.75 closes a connection whose request line it cannot
 * split ("garbage") without an answer; this writes the 400 to the socket at
 * that close (MHD_USE_TURBO leaves it writable until then). */
#include "http_server_internal.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Whether the client sent something and the server nothing: not a
 * connection closed before it said anything, nor one libmicrohttpd has
 * answered itself (414, 505). */
static int sent_unanswered(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof info.tcpi_bytes_sent)
        return 0;
    return info.tcpi_bytes_received > 0 && info.tcpi_bytes_sent == 0;
}

void ipcb_http_answer_unparsable(int fd)
{
    if (!sent_unanswered(fd))
        return;
    static const char body[] = "malformed HTTP request line\n";
    char answer[200];
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 400 Bad Request\r\n"
                     "Content-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n"
                     "Connection: close\r\n"
                     "\r\n"
                     "%s",
                     sizeof body - 1, body);
    (void)send(fd, answer, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}
