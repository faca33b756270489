/* ref-socketpair: the bare reference for the `unix` transport's throughput, a
 * socketpair between a parent and a forked child with a plain write/read loop
 * of fixed-size chunks and nothing else. Prints bytes/s; compare side by side. */
#include "memfd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t chunk = argc > 1 ? strtoull(argv[1], NULL, 0) : 1u << 20;
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    if (chunk == 0 || seconds <= 0) {
        fprintf(stderr, "usage: ref-socketpair [CHUNK_BYTES [SECONDS]]\n");
        return 2;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    uint8_t *buf = malloc(chunk);
    if (!buf)
        return 1;
    memset(buf, 0xa5, chunk);
    pid_t pid = fork();
    if (pid == 0) { /* reader: count bytes until EOF, report them back */
        close(sv[0]);
        uint64_t total = 0;
        ssize_t n;
        while ((n = read(sv[1], buf, chunk)) > 0 || (n < 0 && errno == EINTR))
            total += n > 0 ? (uint64_t)n : 0;
        ipcb_write_all(sv[1], &total, sizeof total);
        _exit(0);
    }
    close(sv[1]);
    double start = now_s(), end;
    uint64_t sent = 0;
    while ((end = now_s()) - start < seconds) {
        if (ipcb_write_all(sv[0], buf, chunk) != 0) {
            perror("write");
            return 1;
        }
        sent += chunk;
    }
    shutdown(sv[0], SHUT_WR);
    uint64_t received = 0;
    if (read(sv[0], &received, sizeof received) != sizeof received || received != sent) {
        fprintf(stderr, "reader confirmed %llu of %llu bytes\n", (unsigned long long)received,
                (unsigned long long)sent);
        return 1;
    }
    end = now_s();
    waitpid(pid, NULL, 0);
    printf("socketpair chunk=%zu bytes=%llu seconds=%.3f MB/s=%.1f\n", chunk,
           (unsigned long long)sent, end - start, (double)sent / (end - start) / 1e6);
    return 0;
}
