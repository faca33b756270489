/* Frame sizes: image presets (RGBA8888) and plain byte counts, as the
 * campaign and the command line name them. */
#ifndef IPCB_SIZES_H
#define IPCB_SIZES_H

#include <stddef.h>
#include <stdint.h>

/* A frame size: either an image preset (RGBA8888) or a plain byte size. */
typedef struct ipcb_size {
    char     label[24];  /* "1080p", "64K", or "img:640x480" for --image */
    uint32_t format;     /* IPCB_FMT_* */
    uint32_t width, height, stride;
    uint64_t bytes;      /* payload bytes */
} ipcb_size;

/* An RGBA8888 picture of width x height (stride width * 4); the label is left as is. */
void ipcb_size_set_image(ipcb_size *s, uint32_t width, uint32_t height);

/* Parse "thumb", "vga", "720p", "1080p", "4k", "8k" (RGBA8888 presets) or a
 * byte size "64", "4K", "64K", "1M", "64M", "1G" (K/M/G are powers of 1024,
 * a trailing 'B' or 'iB' is accepted). Returns 0 or -1 with err. Zero and
 * sizes above IPCB_SIZE_MAX are rejected. */
enum { IPCB_SIZE_MAX_GIB = 4 };
#define IPCB_SIZE_MAX_BYTES ((uint64_t)IPCB_SIZE_MAX_GIB << 30)
int ipcb_size_parse(ipcb_size *s, const char *text, char *err, size_t errlen);

#endif
