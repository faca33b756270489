/* Sealed memfds (see qcop_memfd.h). The seals make a received descriptor
 * safe to map: its contents cannot change under the reader and it cannot
 * shrink, so a mapping never faults with SIGBUS. */
#include "qcop_memfd.h"

#include "qcop_proto.h"

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

static int write_all(int fd, const uint8_t *p, size_t len, char *err)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, QCOP_ERR_MAX, "writing the memfd: %s", n < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int qcop_memfd_make(const void *data, size_t len, char *err)
{
    int fd = memfd_create("qcop-data", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        snprintf(err, QCOP_ERR_MAX, "memfd_create: %s", strerror(errno));
        return -1;
    }
    if (write_all(fd, data, len, err) != 0)
        goto fail;
    if (fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(err, QCOP_ERR_MAX, "sealing the memfd: %s", strerror(errno));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

int qcop_memfd_buffer(size_t cap, void **map, char *err)
{
    int fd = memfd_create("qcop-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        snprintf(err, QCOP_ERR_MAX, "memfd_create: %s", strerror(errno));
        return -1;
    }
    if (ftruncate(fd, (off_t)cap) != 0) {
        snprintf(err, QCOP_ERR_MAX, "sizing a %zu-byte memfd: %s", cap, strerror(errno));
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, QCOP_ERR_MAX, "mapping a %zu-byte memfd: %s", cap, strerror(errno));
        close(fd);
        return -1;
    }
    if (fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(err, QCOP_ERR_MAX, "sealing the memfd: %s", strerror(errno));
        munmap(p, cap);
        close(fd);
        return -1;
    }
    *map = p;
    return fd;
}

int qcop_memfd_check(int fd, size_t len, char *err)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) {
        snprintf(err, QCOP_ERR_MAX, "descriptor is not a memfd (F_GET_SEALS: %s)", strerror(errno));
        return -1;
    }
    if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS || !(seals & WRITE_SEALS)) {
        snprintf(err, QCOP_ERR_MAX, "memfd is not sealed (seals 0x%x; need shrink, grow and write)", seals);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < len) {
        snprintf(err, QCOP_ERR_MAX, "memfd holds %lld bytes, the packet says %zu",
                 (long long)st.st_size, len);
        return -1;
    }
    return 0;
}

void *qcop_memfd_map(int fd, size_t len, char *err)
{
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, QCOP_ERR_MAX, "mapping the memfd: %s", strerror(errno));
        return NULL;
    }
    return p;
}

size_t qcop_take_rights(struct msghdr *mh, int *fds, size_t max, int *overflow)
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
