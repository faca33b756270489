/* Sealed memfds and SCM_RIGHTS (see memfd.h). The seals make a received
 * descriptor safe to map: its contents cannot change under the reader and it
 * cannot shrink, so a mapping never faults with SIGBUS. */
#include "memfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const int REQUIRED_SEALS = F_SEAL_SHRINK | F_SEAL_GROW;
static const int WRITE_SEALS = F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;

int ipcb_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ipcb_memfd_sealed(const char *name, const void *data, size_t len, char *err, size_t errlen)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        return -1;
    }
    if (ipcb_write_all(fd, data, len) != 0) {
        snprintf(err, errlen, "writing %zu bytes into a memfd: %s", len, strerror(errno));
        goto fail;
    }
    if (fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(err, errlen, "sealing the memfd: %s", strerror(errno));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

int ipcb_memfd_buffer(const char *name, size_t cap, void **map, char *err, size_t errlen)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        return -1;
    }
    if (ftruncate(fd, (off_t)cap) != 0) {
        snprintf(err, errlen, "sizing a %zu-byte memfd: %s", cap, strerror(errno));
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "mapping a %zu-byte memfd: %s", cap, strerror(errno));
        close(fd);
        return -1;
    }
    if (fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(err, errlen, "sealing the memfd: %s", strerror(errno));
        munmap(p, cap);
        close(fd);
        return -1;
    }
    *map = p;
    return fd;
}

int ipcb_memfd_check(int fd, size_t len, char *err, size_t errlen)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) {
        snprintf(err, errlen, "descriptor is not a memfd (F_GET_SEALS: %s)", strerror(errno));
        return -1;
    }
    if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS || !(seals & WRITE_SEALS)) {
        snprintf(err, errlen, "memfd is not sealed (seals 0x%x; need shrink, grow and write)", seals);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < len) {
        snprintf(err, errlen, "memfd holds %lld bytes, the packet says %zu", (long long)st.st_size, len);
        return -1;
    }
    return 0;
}

void *ipcb_memfd_map(int fd, size_t len, char *err, size_t errlen)
{
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "mapping the memfd: %s", strerror(errno));
        return NULL;
    }
    return p;
}

ssize_t ipcb_send_fd(int sock, struct iovec *iov, int niov, int fd, int flags)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
    if (fd >= 0) {
        memset(&u, 0, sizeof u);
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof u.buf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    return sendmsg(sock, &mh, flags);
}

size_t ipcb_take_fds(struct msghdr *mh, int *fds, size_t max, int *overflow)
{
    size_t taken = 0;
    *overflow = (mh->msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            if (taken == max) {
                close(fd);
                *overflow = 1;
            } else {
                fds[taken++] = fd;
            }
        }
    }
    return taken;
}
