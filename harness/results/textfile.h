/* Small helpers every harness writer shares: formatting a one-line error into
 * a caller's buffer, and writing a file atomically (to PATH.tmp, then renamed,
 * so a reader never sees half a file and a failure leaves the old one). */
#ifndef IPCB_TEXTFILE_H
#define IPCB_TEXTFILE_H

#include <stddef.h>
#include <stdio.h>

void ipcb_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes PATH by calling write(f, arg) on PATH.tmp; write returns 0 or -1.
 * On success the temporary file is renamed over PATH. Returns 0, or -1 with err. */
int ipcb_write_atomically(const char *path, int (*write)(FILE *f, void *arg), void *arg,
                          char *err, size_t errlen);

#endif
