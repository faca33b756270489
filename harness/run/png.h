/* A real picture as the workload (--image FILE.png), decoded with libspng
 * to RGBA8888. */
#ifndef IPCB_PNG_H
#define IPCB_PNG_H

#include <stddef.h>

#include "pool.h"
#include "sizes.h"

/* A pool of the picture: decode the PNG to RGBA8888; every slot holds a copy
 * of the image with one pixel made distinct per slot. Fills *s from the image. */
int  ipcb_pool_create_png(ipcb_pool *p, const char *path, ipcb_size *s,
                          char *err, size_t errlen);

/* Read a PNG's dimensions without decoding the pixels (for validation). */
int  ipcb_png_probe(const char *path, ipcb_size *s, char *err, size_t errlen);

#endif
