/* A real picture as the workload (--image FILE.png): libspng reads its size
 * for validation and decodes it to RGBA8888 into every slot of a frame pool,
 * one pixel made distinct per slot. */
#include "png.h"
#include "textfile.h"
#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <spng.h>

struct png_src {
    FILE *file;
    spng_ctx *ctx;
    struct spng_ihdr ihdr;
};

static void png_close(struct png_src *src)
{
    if (src->ctx)
        spng_ctx_free(src->ctx);
    if (src->file)
        fclose(src->file);
    memset(src, 0, sizeof *src);
}

static void png_error(const char *path, int ret, int saved_errno,
                      char *err, size_t errlen)
{
    if (ret == SPNG_ESIGNATURE)
        ipcb_set_err(err, errlen, "\"%s\" is not a PNG file (bad signature)", path);
    else if (ret == SPNG_IO_EOF || ret == SPNG_EOF)
        ipcb_set_err(err, errlen, "\"%s\" is truncated or not a PNG file "
                "(unexpected end of file)", path);
    else if (ret == SPNG_IO_ERROR)
        ipcb_set_err(err, errlen, "cannot read \"%s\": %s", path,
                saved_errno ? strerror(saved_errno) : "I/O error");
    else
        ipcb_set_err(err, errlen, "\"%s\" is a corrupt or unsupported PNG: %s",
                path, spng_strerror(ret));
}

/* Open path and read its IHDR. On failure everything is closed again. */
static int png_open(struct png_src *src, const char *path, char *err, size_t errlen)
{
    struct stat st;
    int ret;

    memset(src, 0, sizeof *src);
    src->file = fopen(path, "rb");
    if (!src->file) {
        ipcb_set_err(err, errlen, "cannot open PNG \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(src->file), &st) == 0 && S_ISDIR(st.st_mode)) {
        ipcb_set_err(err, errlen, "cannot read PNG \"%s\": %s", path, strerror(EISDIR));
        png_close(src);
        return -1;
    }
    src->ctx = spng_ctx_new(0);
    if (!src->ctx) {
        ipcb_set_err(err, errlen, "cannot decode \"%s\": %s", path, strerror(ENOMEM));
        png_close(src);
        return -1;
    }
    errno = 0;
    ret = spng_set_png_file(src->ctx, src->file);
    if (ret == 0)
        ret = spng_get_ihdr(src->ctx, &src->ihdr);
    if (ret != 0) {
        png_error(path, ret, errno, err, errlen);
        png_close(src);
        return -1;
    }
    return 0;
}

/* Fill s from the image dimensions, enforcing the size limit. */
static int png_size(const struct spng_ihdr *ihdr, const char *path, ipcb_size *s,
                    char *err, size_t errlen)
{
    uint64_t bytes = (uint64_t)ihdr->width * ihdr->height * 4;

    memset(s, 0, sizeof *s);
    if (bytes == 0 || bytes > IPCB_SIZE_MAX_BYTES || (uint64_t)ihdr->width * 4 > UINT32_MAX) {
        ipcb_set_err(err, errlen, "\"%s\" is %" PRIu32 "x%" PRIu32 ", %" PRIu64
                " bytes as RGBA, above the %d GiB limit", path, ihdr->width,
                ihdr->height, bytes, IPCB_SIZE_MAX_GIB);
        return -1;
    }
    ipcb_size_set_image(s, ihdr->width, ihdr->height);
    if (snprintf(s->label, sizeof s->label, "img:%" PRIu32 "x%" PRIu32,
                 ihdr->width, ihdr->height) >= (int)sizeof s->label)
        s->label[sizeof s->label - 1] = '\0';
    return 0;
}

int ipcb_png_probe(const char *path, ipcb_size *s, char *err, size_t errlen)
{
    struct png_src src;
    int rc;

    if (png_open(&src, path, err, errlen) != 0) {
        memset(s, 0, sizeof *s);
        return -1;
    }
    rc = png_size(&src.ihdr, path, s, err, errlen);
    png_close(&src);
    return rc;
}

/* Decode the image as RGBA8 straight into dst (len bytes). */
static int png_decode(struct png_src *src, const char *path, uint8_t *dst,
                      uint64_t len, char *err, size_t errlen)
{
    size_t need = 0;
    int ret = spng_decoded_image_size(src->ctx, SPNG_FMT_RGBA8, &need);

    if (ret == 0 && need != len) {
        ipcb_set_err(err, errlen, "\"%s\": decoded size %zu differs from %" PRIu64
                " (width x height x 4)", path, need, len);
        return -1;
    }
    errno = 0;
    if (ret == 0)
        ret = spng_decode_image(src->ctx, dst, need, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
    if (ret != 0) {
        png_error(path, ret, errno, err, errlen);
        return -1;
    }
    return 0;
}

/* Slot k > 0: XOR the centre pixel with k, so every slot's checksum differs. */
static void mark_slot(uint8_t *payload, const ipcb_size *s, size_t k)
{
    uint64_t centre = (uint64_t)(s->height / 2) * s->width + s->width / 2;
    uint8_t *px = payload + centre * 4;
    for (int b = 0; b < 4; b++)
        px[b] ^= (uint8_t)((uint64_t)k >> (8 * b));
}

int ipcb_pool_create_png(ipcb_pool *p, const char *path, ipcb_size *s,
                         char *err, size_t errlen)
{
    struct png_src src;
    ipcb_size size;

    memset(p, 0, sizeof *p);
    if (png_open(&src, path, err, errlen) != 0)
        return -1;
    if (png_size(&src.ihdr, path, &size, err, errlen) != 0 ||
        ipcb_pool_alloc(p, &size, err, errlen) != 0) {
        png_close(&src);
        return -1;
    }
    uint8_t *first = p->slots[0].msg + IPCB_HEADER_SIZE;
    int rc = png_decode(&src, path, first, size.bytes, err, errlen);
    png_close(&src);
    if (rc != 0) {
        ipcb_pool_destroy(p);
        return -1;
    }
    for (size_t k = 1; k < p->nslots; k++) {
        uint8_t *payload = p->slots[k].msg + IPCB_HEADER_SIZE;
        memcpy(payload, first, (size_t)size.bytes);
        mark_slot(payload, &size, k);
    }
    ipcb_pool_finish(p);
    *s = size;
    return 0;
}
