/* qshm's POSIX segment backend: shm_open on "<prefix><native key>" in
 * /dev/shm, sized with posix_fallocate so a lack of room is an error and not
 * a SIGBUS later, and mapped with mmap. See qshm_internal.h for its table. */
#include "qshm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* A clear OutOfResources before anything is made: /dev/shm is a size-limited tmpfs. */
static int posix_check_space(qshm *q, size_t size)
{
    struct statvfs vfs;
    if (statvfs(QSHM_SHM_DIR, &vfs) != 0)
        return 0; /* posix_fallocate still catches it */
    unsigned long long avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    if ((unsigned long long)size > avail) {
        qshm_set_error(q, QSHM_OUT_OF_RESOURCES,
                       "qshm_create: out of resources (%zu bytes requested, " QSHM_SHM_DIR " has %llu free)",
                       size, avail);
        return -1;
    }
    return 0;
}

static int posix_map(qshm *q, int fd, size_t size, const char *where)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        char what[80];
        snprintf(what, sizeof what, "%s (mmap)", where);
        qshm_set_errno_error(q, what, errno);
        return -1;
    }
    q->data = p;
    q->size = size;
    return 0;
}

/* ftruncate, then allocate every page now: a segment too large for /dev/shm
 * fails here with ENOSPC instead of raising SIGBUS at the first write. */
static int posix_size(qshm *q, int fd, size_t size)
{
    if (ftruncate(fd, (off_t)size) != 0) {
        qshm_set_errno_error(q, "qshm_create (ftruncate)", errno);
        return -1;
    }
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc != 0) {
        qshm_set_errno_error(q, "qshm_create (posix_fallocate)", rc);
        return -1;
    }
    return 0;
}

static int posix_create(qshm *q, size_t size)
{
    int fd = shm_open(q->posix_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        qshm_set_errno_error(q, "qshm_create", errno);
        return -1;
    }
    int rc = posix_size(q, fd, size) == 0 ? posix_map(q, fd, size, "qshm_create") : -1;
    close(fd);
    if (rc != 0)
        shm_unlink(q->posix_name);
    return rc;
}

static int posix_attach(qshm *q)
{
    int fd = shm_open(q->posix_name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
        qshm_set_errno_error(q, "qshm_attach (shm_open)", errno);
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0)
        qshm_set_errno_error(q, "qshm_attach (fstat)", errno);
    else if (st.st_size <= 0)
        qshm_set_error(q, QSHM_INVALID_SIZE, "qshm_attach: segment has size 0");
    else
        rc = posix_map(q, fd, (size_t)st.st_size, "qshm_attach");
    close(fd);
    return rc;
}

static void posix_unmap(qshm *q)
{
    munmap(q->data, q->size);
}

static int posix_forget(qshm *q)
{
    if (shm_unlink(q->posix_name) != 0 && errno != ENOENT) {
        qshm_set_errno_error(q, "qshm_forget (shm_unlink)", errno);
        return -1;
    }
    return 0;
}

static void posix_remove_name(qshm *q)
{
    shm_unlink(q->posix_name);
}

static int posix_named(const qshm *q)
{
    char path[sizeof QSHM_SHM_DIR + QSHM_NAME_MAX * 2];
    snprintf(path, sizeof path, QSHM_SHM_DIR "%s", q->posix_name);
    return access(path, F_OK) == 0;
}

/* The kernel keeps no attach count for a POSIX segment: the attach-count
 * semaphore (qshm.c) alone decides. */
static int posix_unused(const qshm *q)
{
    (void)q;
    return 1;
}

const qshm_backend_ops qshm_posix_ops = {
    .precheck = posix_check_space,
    .create = posix_create,
    .attach = posix_attach,
    .unmap = posix_unmap,
    .forget = posix_forget,
    .remove_name = posix_remove_name,
    .named = posix_named,
    .unused = posix_unused,
};
