/* The image-transfer workload: the 64-byte wire header (explicit little-endian
 * encode/decode and checks), frame size parsing, and the pool of deterministic
 * frames (synthetic or from a PNG) whose checksums are computed once, untimed. */
#include "wire.h"
#include "textfile.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <spng.h>
#include <xxhash.h>

/* Byte offsets of the header fields (see workload.h). */
enum {
    OFF_MAGIC = 0, OFF_VERSION = 4, OFF_KIND = 6, OFF_FLAGS = 7,
    OFF_FORMAT = 8, OFF_WIDTH = 12, OFF_HEIGHT = 16, OFF_STRIDE = 20,
    OFF_SEQ = 24, OFF_PAYLOAD_LEN = 32, OFF_TIMESTAMP = 40,
    OFF_CHECKSUM = 48, OFF_STATUS = 56, OFF_RESERVED = 60,
};

static const uint64_t GIB = (uint64_t)1 << 30;
static const uint64_t SIZE_LIMIT = (uint64_t)IPCB_SIZE_MAX_GIB << 30;

/* Pool policy: about 16 slots, at most 256 MiB in total, never fewer than 2. */
enum { POOL_TARGET_SLOTS = 16, POOL_MIN_SLOTS = 2, SLOT_ALIGN = 64 };
static const uint64_t POOL_MAX_BYTES = (uint64_t)256 << 20;


/* ---- little-endian helpers ------------------------------------------- */
/* Written out byte by byte: portable, and GCC merges each into one move,
 * which keeps ipcb_pool_stamp cheap inside timed loops. */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- header ------------------------------------------------------------ */

void ipcb_header_encode(const ipcb_header *h, uint8_t out[IPCB_HEADER_SIZE])
{
    put_u32(out + OFF_MAGIC, h->magic);
    put_u16(out + OFF_VERSION, h->version);
    out[OFF_KIND] = h->kind;
    out[OFF_FLAGS] = h->flags;
    put_u32(out + OFF_FORMAT, h->format);
    put_u32(out + OFF_WIDTH, h->width);
    put_u32(out + OFF_HEIGHT, h->height);
    put_u32(out + OFF_STRIDE, h->stride);
    put_u64(out + OFF_SEQ, h->seq);
    put_u64(out + OFF_PAYLOAD_LEN, h->payload_len);
    put_u64(out + OFF_TIMESTAMP, h->timestamp_ns);
    put_u64(out + OFF_CHECKSUM, h->checksum);
    put_u32(out + OFF_STATUS, h->status);
    put_u32(out + OFF_RESERVED, h->reserved);
}

static void header_read(ipcb_header *h, const uint8_t *in)
{
    h->magic = get_u32(in + OFF_MAGIC);
    h->version = get_u16(in + OFF_VERSION);
    h->kind = in[OFF_KIND];
    h->flags = in[OFF_FLAGS];
    h->format = get_u32(in + OFF_FORMAT);
    h->width = get_u32(in + OFF_WIDTH);
    h->height = get_u32(in + OFF_HEIGHT);
    h->stride = get_u32(in + OFF_STRIDE);
    h->seq = get_u64(in + OFF_SEQ);
    h->payload_len = get_u64(in + OFF_PAYLOAD_LEN);
    h->timestamp_ns = get_u64(in + OFF_TIMESTAMP);
    h->checksum = get_u64(in + OFF_CHECKSUM);
    h->status = get_u32(in + OFF_STATUS);
    h->reserved = get_u32(in + OFF_RESERVED);
}

/* On a structural error *h still holds the fields as read (when the buffer
 * was long enough), so a caller can report them. */
int ipcb_header_decode(ipcb_header *h, const uint8_t *in, size_t len,
                       char *err, size_t errlen)
{
    if (len < IPCB_HEADER_SIZE) {
        memset(h, 0, sizeof *h);
        ipcb_set_err(err, errlen, "message of %zu bytes is shorter than the %d-byte header",
                len, IPCB_HEADER_SIZE);
        return -1;
    }
    header_read(h, in);
    if (h->magic != IPCB_MAGIC) {
        ipcb_set_err(err, errlen, "bad magic 0x%08" PRIx32 " (expected 0x%08x)",
                h->magic, IPCB_MAGIC);
        return -1;
    }
    if (h->version != IPCB_VERSION) {
        ipcb_set_err(err, errlen, "unsupported version %u (expected %u)",
                (unsigned)h->version, IPCB_VERSION);
        return -1;
    }
    if (h->kind < IPCB_KIND_DATA || h->kind > IPCB_KIND_STOP) {
        ipcb_set_err(err, errlen, "unknown kind %u", (unsigned)h->kind);
        return -1;
    }
    if (h->reserved != 0) {
        ipcb_set_err(err, errlen, "reserved field not zero (0x%08" PRIx32 ")", h->reserved);
        return -1;
    }
    return 0;
}

int ipcb_header_check_data(const ipcb_header *h, size_t msg_len,
                           uint64_t expected_payload, uint64_t expected_seq,
                           int allow_gaps, char *err, size_t errlen)
{
    if (h->kind != IPCB_KIND_DATA) {
        ipcb_set_err(err, errlen, "expected a DATA message (kind %d), got kind %u",
                IPCB_KIND_DATA, (unsigned)h->kind);
        return IPCB_STATUS_BAD_HEADER;
    }
    if (h->payload_len != expected_payload) {
        ipcb_set_err(err, errlen, "payload length %" PRIu64 ", expected %" PRIu64,
                h->payload_len, expected_payload);
        return IPCB_STATUS_BAD_LENGTH;
    }
    if (msg_len < IPCB_HEADER_SIZE || msg_len - IPCB_HEADER_SIZE != h->payload_len) {
        ipcb_set_err(err, errlen, "message length mismatch: %zu bytes received, header says "
                "%d + %" PRIu64, msg_len, IPCB_HEADER_SIZE, h->payload_len);
        return IPCB_STATUS_BAD_LENGTH;
    }
    if (allow_gaps ? h->seq < expected_seq : h->seq != expected_seq) {
        ipcb_set_err(err, errlen, "expected sequence %s%" PRIu64 ", got %" PRIu64,
                allow_gaps ? ">= " : "", expected_seq, h->seq);
        return IPCB_STATUS_BAD_SEQUENCE;
    }
    ipcb_set_err(err, errlen, "%s", "");
    return IPCB_STATUS_OK;
}

uint64_t ipcb_checksum(const void *payload, size_t len)
{
    return XXH3_64bits(payload, len);
}

/* ---- sizes ------------------------------------------------------------- */

struct preset {
    const char *name;
    uint32_t width, height;
};

static const struct preset PRESETS[] = {
    { "thumb", 128, 128 },   { "vga", 640, 480 },    { "720p", 1280, 720 },
    { "1080p", 1920, 1080 }, { "4k", 3840, 2160 },   { "8k", 7680, 4320 },
};
enum { NPRESETS = sizeof PRESETS / sizeof PRESETS[0] };

#define PRESET_LIST "thumb, vga, 720p, 1080p, 4k, 8k"

static const struct preset *find_preset(const char *text, int ignore_case)
{
    for (int i = 0; i < NPRESETS; i++) {
        int diff = ignore_case ? strcasecmp(text, PRESETS[i].name)
                               : strcmp(text, PRESETS[i].name);
        if (diff == 0)
            return &PRESETS[i];
    }
    return NULL;
}

static void size_set_image(ipcb_size *s, uint32_t width, uint32_t height)
{
    s->format = IPCB_FMT_RGBA8888;
    s->width = width;
    s->height = height;
    s->stride = width * 4;
    s->bytes = (uint64_t)width * height * 4;
}

static void size_set_bytes(ipcb_size *s, uint64_t bytes)
{
    /* width/stride are u32 on the wire; payload_len is authoritative, so
     * the one size that does not fit (exactly 4 GiB) saturates. */
    uint32_t w = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    s->format = IPCB_FMT_BYTES;
    s->width = w;
    s->height = 1;
    s->stride = w;
    s->bytes = bytes;
}

/* Parse a byte-size suffix: "", "B", "K", "KB", "KiB" (any case; likewise M, G).
 * Writes the multiplier and the suffix normalised ("K", "KB", "KiB"). */
static int parse_suffix(const char *p, uint64_t *mult, char norm[4])
{
    int up = toupper((unsigned char)p[0]);
    const char *rest = p + 1;

    if (p[0] == '\0') {
        *mult = 1;
        norm[0] = '\0';
        return 0;
    }
    if (up == 'B' && *rest == '\0') {
        *mult = 1;
        strcpy(norm, "B");
        return 0;
    }
    if (up == 'K')
        *mult = (uint64_t)1 << 10;
    else if (up == 'M')
        *mult = (uint64_t)1 << 20;
    else if (up == 'G')
        *mult = GIB;
    else
        return -1;
    norm[0] = (char)up;
    norm[1] = '\0';
    if (*rest == '\0')
        return 0;
    if (strcasecmp(rest, "B") == 0) {
        strcpy(norm + 1, "B");
        return 0;
    }
    if (strcasecmp(rest, "iB") == 0) {
        strcpy(norm + 1, "iB");
        return 0;
    }
    return -1;
}

/* Parse "<digits><suffix>" into bytes and a normalised label; -1 with why. */
static int parse_bytes(const char *text, ipcb_size *s, char *why, size_t whylen)
{
    const char *p = text;
    uint64_t value = 0, mult = 1;
    char suffix[4];

    if (*p == '-') {
        ipcb_set_err(why, whylen, "sizes cannot be negative");
        return -1;
    }
    if (!isdigit((unsigned char)*p)) {
        ipcb_set_err(why, whylen, "not a preset (" PRESET_LIST ") or a byte count "
                "such as 64, 4K, 1M, 1GiB");
        return -1;
    }
    for (; isdigit((unsigned char)*p); p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > SIZE_LIMIT) {
            ipcb_set_err(why, whylen, "larger than the %d GiB limit", IPCB_SIZE_MAX_GIB);
            return -1;
        }
    }
    if (parse_suffix(p, &mult, suffix) != 0) {
        ipcb_set_err(why, whylen, "unknown suffix \"%s\" (use K, M or G, optionally "
                "followed by B or iB; multiples of 1024)", p);
        return -1;
    }
    if (value == 0) {
        ipcb_set_err(why, whylen, "the size must not be zero");
        return -1;
    }
    if (value > SIZE_LIMIT / mult) {
        ipcb_set_err(why, whylen, "larger than the %d GiB limit", IPCB_SIZE_MAX_GIB);
        return -1;
    }
    size_set_bytes(s, value * mult);
    snprintf(s->label, sizeof s->label, "%" PRIu64 "%s", value, suffix);
    return 0;
}

/* An exact preset name wins ("4k" is 3840x2160); then a byte size ("4K" and
 * "64k" are bytes); then a preset in any case ("1080P"). */
int ipcb_size_parse(ipcb_size *s, const char *text, char *err, size_t errlen)
{
    char why[160];
    const struct preset *pr;

    memset(s, 0, sizeof *s);
    if (!text || text[0] == '\0') {
        ipcb_set_err(err, errlen, "empty size: expected a preset (" PRESET_LIST
                ") or a byte count such as 64K");
        return -1;
    }
    pr = find_preset(text, 0);
    if (!pr && parse_bytes(text, s, why, sizeof why) == 0)
        return 0;
    if (!pr)
        pr = find_preset(text, 1);
    if (!pr) {
        memset(s, 0, sizeof *s);
        ipcb_set_err(err, errlen, "bad size \"%s\": %s", text, why);
        return -1;
    }
    size_set_image(s, pr->width, pr->height);
    snprintf(s->label, sizeof s->label, "%s", pr->name);
    return 0;
}

/* ---- frame pool ---------------------------------------------------------- */

static uint64_t slot_bytes(uint64_t payload)
{
    uint64_t total = IPCB_HEADER_SIZE + payload;
    return (total + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN;
}

size_t ipcb_pool_slot_count(const ipcb_size *s)
{
    uint64_t n = POOL_MAX_BYTES / slot_bytes(s->bytes);
    if (n > POOL_TARGET_SLOTS)
        n = POOL_TARGET_SLOTS;
    if (n < POOL_MIN_SLOTS)
        n = POOL_MIN_SLOTS;
    return (size_t)n;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A seed that depends on every property of the size and on the slot. */
static uint64_t slot_seed(const ipcb_size *s, size_t slot)
{
    const uint64_t parts[] = { s->format, s->width, s->height, s->bytes, slot };
    uint64_t state = IPCB_MAGIC;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        state ^= parts[i];
        state = splitmix64(&state);
    }
    return state;
}

/* Deterministic noise, 8 bytes per step (host byte order; every supported
 * Linux target is little-endian). */
static void fill_pixels(uint8_t *dst, uint64_t len, uint64_t seed)
{
    uint64_t state = seed, i = 0, v;
    for (; i + 8 <= len; i += 8) {
        v = splitmix64(&state);
        memcpy(dst + i, &v, 8);
    }
    if (i < len) {
        v = splitmix64(&state);
        memcpy(dst + i, &v, (size_t)(len - i));
    }
}

static void slot_prefill_header(const ipcb_size *s, ipcb_slot *slot)
{
    ipcb_header h = {
        .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_DATA,
        .format = s->format, .width = s->width, .height = s->height,
        .stride = s->stride, .payload_len = s->bytes, .checksum = slot->checksum,
    };
    ipcb_header_encode(&h, slot->msg);
}

/* Allocate the slots for size s (header zeroed, padding zeroed, payload not
 * yet written). On failure p is left empty. */
static int pool_alloc(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen)
{
    uint64_t each = slot_bytes(s->bytes);
    size_t n = ipcb_pool_slot_count(s);

    memset(p, 0, sizeof *p);
    if (s->bytes == 0 || s->bytes > SIZE_LIMIT || each > SIZE_MAX) {
        ipcb_set_err(err, errlen, "frame size %" PRIu64 " bytes is out of range "
                "(1 byte to %d GiB)", s->bytes, IPCB_SIZE_MAX_GIB);
        return -1;
    }
    p->size = *s;
    p->slots = calloc(n, sizeof *p->slots);
    if (!p->slots)
        goto oom;
    p->nslots = n;
    for (size_t i = 0; i < n; i++) {
        uint8_t *msg = aligned_alloc(SLOT_ALIGN, (size_t)each);
        if (!msg)
            goto oom;
        memset(msg, 0, IPCB_HEADER_SIZE);
        memset(msg + IPCB_HEADER_SIZE + s->bytes, 0,
               (size_t)(each - IPCB_HEADER_SIZE - s->bytes));
        p->slots[i].msg = msg;
    }
    return 0;
oom:
    ipcb_set_err(err, errlen, "cannot allocate the frame pool: %zu slots of %" PRIu64
            " bytes (%s)", n, each, strerror(ENOMEM));
    ipcb_pool_destroy(p);
    return -1;
}

/* Compute each slot's checksum once and write its header. */
static void pool_finish(ipcb_pool *p)
{
    for (size_t i = 0; i < p->nslots; i++) {
        ipcb_slot *slot = &p->slots[i];
        slot->checksum = ipcb_checksum(slot->msg + IPCB_HEADER_SIZE,
                                       (size_t)p->size.bytes);
        slot_prefill_header(&p->size, slot);
    }
}

int ipcb_pool_create(ipcb_pool *p, const ipcb_size *s, char *err, size_t errlen)
{
    if (pool_alloc(p, s, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < p->nslots; i++)
        fill_pixels(p->slots[i].msg + IPCB_HEADER_SIZE, s->bytes, slot_seed(s, i));
    pool_finish(p);
    return 0;
}

void ipcb_pool_destroy(ipcb_pool *p)
{
    if (!p)
        return;
    if (p->slots) {
        for (size_t i = 0; i < p->nslots; i++)
            free(p->slots[i].msg);
        free(p->slots);
    }
    memset(p, 0, sizeof *p);
}

void ipcb_pool_stamp(const ipcb_pool *p, size_t i, uint64_t seq, uint8_t flags,
                     uint64_t timestamp_ns)
{
    uint8_t *msg = p->slots[i].msg;
    msg[OFF_KIND] = IPCB_KIND_DATA;
    msg[OFF_FLAGS] = flags;
    put_u64(msg + OFF_SEQ, seq);
    put_u64(msg + OFF_TIMESTAMP, timestamp_ns);
}

/* ---- PNG (libspng) ------------------------------------------------------- */

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
    if (bytes == 0 || bytes > SIZE_LIMIT || (uint64_t)ihdr->width * 4 > UINT32_MAX) {
        ipcb_set_err(err, errlen, "\"%s\" is %" PRIu32 "x%" PRIu32 ", %" PRIu64
                " bytes as RGBA, above the %d GiB limit", path, ihdr->width,
                ihdr->height, bytes, IPCB_SIZE_MAX_GIB);
        return -1;
    }
    size_set_image(s, ihdr->width, ihdr->height);
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
        pool_alloc(p, &size, err, errlen) != 0) {
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
    pool_finish(p);
    *s = size;
    return 0;
}

/* ---- clock ------------------------------------------------------------- */

uint64_t ipcb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
