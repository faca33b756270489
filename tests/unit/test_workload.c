/* Unit tests for the workload (harness/run/wire.c, sizes.c, pool.c, png.c): the
 * wire header, checksums, size parsing, the frame pool (synthetic and
 * PNG-backed) and the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spng.h>
#include <xxhash.h>

#include "clock.h"
#include "png.h"
#include "pool.h"
#include "sizes.h"
#include "wire.h"

enum { ERRLEN = 256 };

static char tmpdir[64];

static void tmp_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static ipcb_header sample_header(void)
{
    ipcb_header h = {
        .magic = IPCB_MAGIC, .version = IPCB_VERSION, .kind = IPCB_KIND_DATA,
        .flags = IPCB_FLAG_WARMUP | IPCB_FLAG_ACK_NOW,
        .format = IPCB_FMT_RGBA8888, .width = 1920, .height = 1080,
        .stride = 7680, .seq = 0x0102030405060708ull,
        .payload_len = 8294400, .timestamp_ns = 0x1122334455667788ull,
        .checksum = 0xA1B2C3D4E5F60718ull, .status = 0, .reserved = 0,
    };
    return h;
}

/* ---- header ---------------------------------------------------------- */

static void test_header_byte_layout(void **state)
{
    (void)state;
    ipcb_header h = sample_header();
    uint8_t out[IPCB_HEADER_SIZE];
    memset(out, 0xEE, sizeof out);
    ipcb_header_encode(&h, out);

    assert_int_equal(out[0], 'I');
    assert_int_equal(out[1], 'P');
    assert_int_equal(out[2], 'C');
    assert_int_equal(out[3], 'B');
    assert_int_equal(out[4], 1); /* version, little-endian u16 */
    assert_int_equal(out[5], 0);
    assert_int_equal(out[6], IPCB_KIND_DATA);
    assert_int_equal(out[7], IPCB_FLAG_WARMUP | IPCB_FLAG_ACK_NOW);
    assert_int_equal(out[8], 1); /* format RGBA8888 */
    assert_int_equal(out[9], 0);
    assert_int_equal(out[12], 1920 & 0xff); /* width */
    assert_int_equal(out[13], 1920 >> 8);
    assert_int_equal(out[16], 1080 & 0xff); /* height */
    assert_int_equal(out[17], 1080 >> 8);
    assert_int_equal(out[20], 7680 & 0xff); /* stride */
    assert_int_equal(out[21], 7680 >> 8);
    for (int i = 0; i < 8; i++) /* seq 0x0102030405060708 at 24, LE */
        assert_int_equal(out[24 + i], 8 - i);
    assert_int_equal(out[32], 8294400 & 0xff); /* payload length */
    assert_int_equal(out[33], (8294400 >> 8) & 0xff);
    assert_int_equal(out[34], (8294400 >> 16) & 0xff);
    assert_int_equal(out[35], 0);
    for (int i = 0; i < 8; i++) /* timestamp 0x1122334455667788 at 40 */
        assert_int_equal(out[40 + i], 0x88 - 0x11 * i);
    assert_int_equal(out[48], 0x18); /* checksum LSB first */
    assert_int_equal(out[55], 0xA1);
    for (int i = 56; i < 64; i++) /* status and reserved */
        assert_int_equal(out[i], 0);
}

static void test_header_round_trip(void **state)
{
    (void)state;
    ipcb_header h = sample_header(), back;
    uint8_t out[IPCB_HEADER_SIZE];
    char err[ERRLEN] = "";

    h.kind = IPCB_KIND_ACK;
    h.status = IPCB_STATUS_BAD_CHECKSUM;
    ipcb_header_encode(&h, out);
    assert_int_equal(ipcb_header_decode(&back, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(back.magic, IPCB_MAGIC);
    assert_int_equal(back.version, IPCB_VERSION);
    assert_int_equal(back.kind, IPCB_KIND_ACK);
    assert_int_equal(back.flags, h.flags);
    assert_int_equal(back.format, h.format);
    assert_int_equal(back.width, h.width);
    assert_int_equal(back.height, h.height);
    assert_int_equal(back.stride, h.stride);
    assert_true(back.seq == h.seq);
    assert_true(back.payload_len == h.payload_len);
    assert_true(back.timestamp_ns == h.timestamp_ns);
    assert_true(back.checksum == h.checksum);
    assert_int_equal(back.status, IPCB_STATUS_BAD_CHECKSUM);
    assert_int_equal(back.reserved, 0);

    /* A longer buffer (header + payload) decodes the same. */
    uint8_t longer[IPCB_HEADER_SIZE + 10] = { 0 };
    memcpy(longer, out, sizeof out);
    assert_int_equal(ipcb_header_decode(&back, longer, sizeof longer, err, sizeof err), 0);
    assert_true(back.seq == h.seq);
}

static void expect_decode_error(const uint8_t *buf, size_t len, const char *needle)
{
    ipcb_header back;
    char err[ERRLEN] = "";
    assert_int_equal(ipcb_header_decode(&back, buf, len, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
}

static void test_header_rejects(void **state)
{
    (void)state;
    ipcb_header h = sample_header();
    uint8_t good[IPCB_HEADER_SIZE], bad[IPCB_HEADER_SIZE];
    ipcb_header_encode(&h, good);

    memcpy(bad, good, sizeof bad);
    bad[0] = 0x78; bad[1] = 0x56; bad[2] = 0x34; bad[3] = 0x12;
    expect_decode_error(bad, sizeof bad, "bad magic 0x12345678 (expected 0x42435049)");

    memcpy(bad, good, sizeof bad);
    bad[4] = 7;
    expect_decode_error(bad, sizeof bad, "unsupported version 7");

    memcpy(bad, good, sizeof bad);
    bad[6] = 9;
    expect_decode_error(bad, sizeof bad, "unknown kind 9");
    bad[6] = 0;
    expect_decode_error(bad, sizeof bad, "unknown kind 0");

    expect_decode_error(good, 10, "message of 10 bytes is shorter than the 64-byte header");
    expect_decode_error(good, 0, "message of 0 bytes");

    memcpy(bad, good, sizeof bad);
    bad[63] = 1;
    expect_decode_error(bad, sizeof bad, "reserved field not zero");

    /* The untouched buffer still decodes. */
    ipcb_header back;
    assert_int_equal(ipcb_header_decode(&back, good, sizeof good, NULL, 0), 0);
}

static void test_check_data(void **state)
{
    (void)state;
    ipcb_header h = sample_header();
    char err[ERRLEN];
    const uint64_t payload = 1000;
    const size_t msg = IPCB_HEADER_SIZE + payload;

    h.payload_len = payload;
    h.seq = 5;
    assert_int_equal(ipcb_header_check_data(&h, msg, payload, 5, 0, err, sizeof err),
                     IPCB_STATUS_OK);

    assert_int_equal(ipcb_header_check_data(&h, msg, 999, 5, 0, err, sizeof err),
                     IPCB_STATUS_BAD_LENGTH);
    assert_non_null(strstr(err, "payload length 1000, expected 999"));

    assert_int_equal(ipcb_header_check_data(&h, msg - 1, payload, 5, 0, err, sizeof err),
                     IPCB_STATUS_BAD_LENGTH);
    assert_non_null(strstr(err, "1063 bytes"));
    assert_int_equal(ipcb_header_check_data(&h, 10, payload, 5, 0, err, sizeof err),
                     IPCB_STATUS_BAD_LENGTH);

    h.seq = 7;
    assert_int_equal(ipcb_header_check_data(&h, msg, payload, 5, 0, err, sizeof err),
                     IPCB_STATUS_BAD_SEQUENCE);
    assert_non_null(strstr(err, "expected sequence 5, got 7"));
    assert_int_equal(ipcb_header_check_data(&h, msg, payload, 5, 1, err, sizeof err),
                     IPCB_STATUS_OK);
    h.seq = 3;
    assert_int_equal(ipcb_header_check_data(&h, msg, payload, 5, 1, err, sizeof err),
                     IPCB_STATUS_BAD_SEQUENCE);
    assert_non_null(strstr(err, "got 3"));

    h.seq = 5;
    h.kind = IPCB_KIND_ACK;
    assert_int_equal(ipcb_header_check_data(&h, msg, payload, 5, 0, err, sizeof err),
                     IPCB_STATUS_BAD_HEADER);
    assert_non_null(strstr(err, "kind 2"));
}

static void test_checksum(void **state)
{
    (void)state;
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 31 + 7);

    uint64_t sum = ipcb_checksum(buf, sizeof buf);
    assert_true(sum == XXH3_64bits(buf, sizeof buf));
    buf[500] ^= 0x01;
    assert_true(ipcb_checksum(buf, sizeof buf) != sum);
    buf[500] ^= 0x01;
    assert_true(ipcb_checksum(buf, sizeof buf) == sum);
    assert_true(ipcb_checksum(buf, 0) == XXH3_64bits(NULL, 0));
}

/* ---- sizes ------------------------------------------------------------- */

static void expect_preset(const char *text, const char *label, uint32_t w, uint32_t h)
{
    ipcb_size s;
    char err[ERRLEN] = "";
    if (ipcb_size_parse(&s, text, err, sizeof err) != 0)
        fail_msg("\"%s\" rejected: %s", text, err);
    assert_string_equal(s.label, label);
    assert_int_equal(s.format, IPCB_FMT_RGBA8888);
    assert_int_equal(s.width, w);
    assert_int_equal(s.height, h);
    assert_int_equal(s.stride, w * 4);
    assert_true(s.bytes == (uint64_t)w * h * 4);
}

static void test_size_presets(void **state)
{
    (void)state;
    expect_preset("thumb", "thumb", 128, 128);
    expect_preset("vga", "vga", 640, 480);
    expect_preset("720p", "720p", 1280, 720);
    expect_preset("1080p", "1080p", 1920, 1080);
    expect_preset("4k", "4k", 3840, 2160);
    expect_preset("8k", "8k", 7680, 4320);
    expect_preset("1080P", "1080p", 1920, 1080);
    expect_preset("VGA", "vga", 640, 480);
    expect_preset("Thumb", "thumb", 128, 128);

    ipcb_size s;
    assert_int_equal(ipcb_size_parse(&s, "8k", NULL, 0), 0);
    assert_true(s.bytes == 132710400ull); /* the "132.7 MB" of the design */
}

static void expect_bytes(const char *text, const char *label, uint64_t bytes)
{
    ipcb_size s;
    char err[ERRLEN] = "";
    if (ipcb_size_parse(&s, text, err, sizeof err) != 0)
        fail_msg("\"%s\" rejected: %s", text, err);
    assert_string_equal(s.label, label);
    assert_int_equal(s.format, IPCB_FMT_BYTES);
    assert_true(s.bytes == bytes);
    assert_int_equal(s.height, 1);
    if (bytes <= UINT32_MAX) {
        assert_int_equal(s.width, bytes);
        assert_int_equal(s.stride, bytes);
    }
}

static void test_size_bytes(void **state)
{
    (void)state;
    expect_bytes("64", "64", 64);
    expect_bytes("1", "1", 1);
    expect_bytes("4K", "4K", 4096);        /* upper-case K: bytes, not the 4k preset */
    expect_bytes("8K", "8K", 8192);
    expect_bytes("64k", "64K", 65536);
    expect_bytes("64K", "64K", 65536);
    expect_bytes("1M", "1M", 1u << 20);
    expect_bytes("64M", "64M", 64u << 20);
    expect_bytes("64m", "64M", 64u << 20);
    expect_bytes("1G", "1G", 1ull << 30);
    expect_bytes("1GiB", "1GiB", 1ull << 30);
    expect_bytes("1gib", "1GiB", 1ull << 30);
    expect_bytes("16kb", "16KB", 16384);
    expect_bytes("100B", "100B", 100);
    expect_bytes("100b", "100B", 100);
    expect_bytes("4096M", "4096M", 4ull << 30); /* exactly the limit */
    expect_bytes("4G", "4G", 4ull << 30);
}

static void expect_size_error(const char *text, const char *needle)
{
    ipcb_size s;
    char err[ERRLEN] = "";
    assert_int_equal(ipcb_size_parse(&s, text, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error for \"%s\" is \"%s\", expected \"%s\"", text, err, needle);
}

static void test_size_rejects(void **state)
{
    (void)state;
    expect_size_error("0", "zero");
    expect_size_error("0K", "zero");
    expect_size_error("-1", "negative");
    expect_size_error("abc", "not a preset");
    expect_size_error("12Q", "unknown suffix \"Q\"");
    expect_size_error("64iB", "unknown suffix");
    expect_size_error("64KBB", "unknown suffix");
    expect_size_error("", "empty");
    expect_size_error("5G", "limit");
    expect_size_error("4097M", "limit");
    expect_size_error("99999999999999999999", "limit");
    expect_size_error("99999999999999999999K", "limit");
    expect_size_error(" 64", "bad size");
    expect_size_error("64 ", "unknown suffix");
    expect_size_error("16p", "unknown suffix");
    assert_int_equal(ipcb_size_parse(&(ipcb_size){ 0 }, NULL, NULL, 0), -1);
}

/* ---- pool -------------------------------------------------------------- */

static uint64_t slot_memory(const ipcb_size *s)
{
    return (IPCB_HEADER_SIZE + s->bytes + 63) / 64 * 64;
}

static void test_pool_slot_policy(void **state)
{
    (void)state;
    const char *sizes[] = { "64", "64K", "thumb", "vga", "1080p", "4k", "8k", "64M", "1G" };
    const uint64_t limit = 256ull << 20;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ipcb_size s;
        assert_int_equal(ipcb_size_parse(&s, sizes[i], NULL, 0), 0);
        size_t n = ipcb_pool_slot_count(&s);
        assert_true(n >= 2 && n <= 16);
        assert_true(n == 2 || n * slot_memory(&s) <= limit);
    }
    ipcb_size s;
    assert_int_equal(ipcb_size_parse(&s, "64K", NULL, 0), 0);
    assert_int_equal(ipcb_pool_slot_count(&s), 16);
    assert_int_equal(ipcb_size_parse(&s, "1080p", NULL, 0), 0);
    assert_int_equal(ipcb_pool_slot_count(&s), 16);
    assert_int_equal(ipcb_size_parse(&s, "4k", NULL, 0), 0);
    assert_int_equal(ipcb_pool_slot_count(&s), 8);
    assert_int_equal(ipcb_size_parse(&s, "8k", NULL, 0), 0);
    assert_int_equal(ipcb_pool_slot_count(&s), 2);
    assert_true(2 * slot_memory(&s) < 270ull << 20);
}

static void check_pool(const ipcb_pool *p, const ipcb_size *s)
{
    assert_int_equal(p->nslots, ipcb_pool_slot_count(s));
    assert_true(p->nslots >= 2);
    assert_string_equal(p->size.label, s->label);
    for (size_t i = 0; i < p->nslots; i++) {
        const ipcb_slot *slot = &p->slots[i];
        ipcb_header h;
        char err[ERRLEN] = "";

        assert_int_equal((uintptr_t)slot->msg % 64, 0);
        assert_true(slot->checksum ==
                    ipcb_checksum(slot->msg + IPCB_HEADER_SIZE, (size_t)s->bytes));
        assert_int_equal(ipcb_header_decode(&h, slot->msg, IPCB_HEADER_SIZE + s->bytes,
                                            err, sizeof err), 0);
        assert_int_equal(h.kind, IPCB_KIND_DATA);
        assert_int_equal(h.format, s->format);
        assert_int_equal(h.width, s->width);
        assert_int_equal(h.height, s->height);
        assert_int_equal(h.stride, s->stride);
        assert_true(h.payload_len == s->bytes);
        assert_true(h.checksum == slot->checksum);
        for (size_t j = 0; j < i; j++)
            assert_true(p->slots[j].checksum != slot->checksum);
    }
}

static void test_pool_synthetic(void **state)
{
    (void)state;
    const char *sizes[] = { "1", "13", "1000", "64K", "thumb", "vga" };
    char err[ERRLEN] = "";

    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        ipcb_size s;
        ipcb_pool a, b;
        assert_int_equal(ipcb_size_parse(&s, sizes[k], err, sizeof err), 0);
        assert_int_equal(ipcb_pool_create(&a, &s, err, sizeof err), 0);
        assert_int_equal(ipcb_pool_create(&b, &s, err, sizeof err), 0);
        check_pool(&a, &s);
        assert_int_equal(a.nslots, b.nslots);
        for (size_t i = 0; i < a.nslots; i++) {
            assert_true(a.slots[i].checksum == b.slots[i].checksum);
            assert_memory_equal(a.slots[i].msg, b.slots[i].msg,
                                IPCB_HEADER_SIZE + s.bytes);
        }
        ipcb_pool_destroy(&a);
        ipcb_pool_destroy(&b);
        assert_null(a.slots);
        assert_int_equal(a.nslots, 0);
    }
    ipcb_pool_destroy(NULL);
}

static void test_pool_differs_by_size(void **state)
{
    (void)state;
    ipcb_size s1, s2;
    ipcb_pool a, b;
    char err[ERRLEN];
    assert_int_equal(ipcb_size_parse(&s1, "64K", err, sizeof err), 0);
    assert_int_equal(ipcb_size_parse(&s2, "thumb", err, sizeof err), 0);
    assert_true(s1.bytes == s2.bytes); /* same length, different size */
    assert_int_equal(ipcb_pool_create(&a, &s1, err, sizeof err), 0);
    assert_int_equal(ipcb_pool_create(&b, &s2, err, sizeof err), 0);
    assert_true(a.slots[0].checksum != b.slots[0].checksum);
    ipcb_pool_destroy(&a);
    ipcb_pool_destroy(&b);
}

static void test_pool_4k(void **state)
{
    (void)state;
    ipcb_size s;
    ipcb_pool p;
    char err[ERRLEN] = "";
    assert_int_equal(ipcb_size_parse(&s, "4k", err, sizeof err), 0);
    if (ipcb_pool_create(&p, &s, err, sizeof err) != 0)
        fail_msg("4k pool: %s", err);
    check_pool(&p, &s);
    assert_true(p.nslots * slot_memory(&s) <= 256ull << 20);
    ipcb_pool_destroy(&p);
}

static void test_pool_rejects_bad_size(void **state)
{
    (void)state;
    ipcb_size s = { .label = "none", .format = IPCB_FMT_BYTES };
    ipcb_pool p;
    char err[ERRLEN] = "";
    assert_int_equal(ipcb_pool_create(&p, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_null(p.slots);
}

static void test_pool_stamp(void **state)
{
    (void)state;
    ipcb_size s;
    ipcb_pool p;
    ipcb_header h;
    char err[ERRLEN] = "";
    assert_int_equal(ipcb_size_parse(&s, "4K", err, sizeof err), 0);
    assert_int_equal(ipcb_pool_create(&p, &s, err, sizeof err), 0);

    ipcb_pool_stamp(&p, 1, 42, IPCB_FLAG_WARMUP | IPCB_FLAG_ACK_NOW, 123456789012345ull);
    assert_int_equal(ipcb_header_decode(&h, p.slots[1].msg, IPCB_HEADER_SIZE + s.bytes,
                                        err, sizeof err), 0);
    assert_int_equal(h.kind, IPCB_KIND_DATA);
    assert_true(h.seq == 42);
    assert_int_equal(h.flags, IPCB_FLAG_WARMUP | IPCB_FLAG_ACK_NOW);
    assert_true(h.timestamp_ns == 123456789012345ull);
    assert_true(h.checksum == p.slots[1].checksum);
    assert_true(h.payload_len == s.bytes);
    assert_int_equal(h.format, IPCB_FMT_BYTES);
    assert_int_equal(ipcb_header_check_data(&h, IPCB_HEADER_SIZE + s.bytes, s.bytes, 42,
                                            0, err, sizeof err), IPCB_STATUS_OK);

    ipcb_pool_stamp(&p, 1, 0xFFFFFFFFFFFFFFFEull, 0, 1);
    assert_int_equal(ipcb_header_decode(&h, p.slots[1].msg, IPCB_HEADER_SIZE + s.bytes,
                                        err, sizeof err), 0);
    assert_true(h.seq == 0xFFFFFFFFFFFFFFFEull);
    assert_int_equal(h.flags, 0);
    assert_true(h.timestamp_ns == 1);
    assert_int_equal(p.slots[1].msg[24], 0xFE);

    /* Slot 0 was not touched. */
    assert_int_equal(ipcb_header_decode(&h, p.slots[0].msg, IPCB_HEADER_SIZE, err,
                                        sizeof err), 0);
    assert_true(h.seq == 0);
    ipcb_pool_destroy(&p);
}

/* ---- PNG ----------------------------------------------------------------- */

static int write_png(const char *path, const uint8_t *pixels, uint32_t w, uint32_t h,
                     uint8_t color_type, size_t bytes_per_pixel)
{
    FILE *f = fopen(path, "wb");
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    struct spng_ihdr ihdr = { .width = w, .height = h, .bit_depth = 8,
                              .color_type = color_type };
    int ret = -1;
    if (f && ctx && spng_set_png_file(ctx, f) == 0 && spng_set_ihdr(ctx, &ihdr) == 0)
        ret = spng_encode_image(ctx, pixels, (size_t)w * h * bytes_per_pixel,
                                SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (ctx)
        spng_ctx_free(ctx);
    if (f && fclose(f) != 0)
        ret = -1;
    return ret;
}

static void rgba_image(uint8_t *px, uint32_t w, uint32_t h)
{
    for (uint32_t i = 0; i < w * h; i++) {
        px[4 * i + 0] = (uint8_t)(i * 7);
        px[4 * i + 1] = (uint8_t)(i * 13 + 1);
        px[4 * i + 2] = (uint8_t)(255 - i);
        px[4 * i + 3] = (uint8_t)(100 + i);
    }
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_png_pool(void **state)
{
    (void)state;
    enum { W = 7, H = 5 };
    uint8_t px[W * H * 4];
    char path[128], err[ERRLEN] = "";
    ipcb_size s, probed;
    ipcb_pool p;

    rgba_image(px, W, H);
    tmp_path(path, sizeof path, "rgba.png");
    assert_int_equal(write_png(path, px, W, H, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 4), 0);

    if (ipcb_png_probe(path, &probed, err, sizeof err) != 0)
        fail_msg("probe: %s", err);
    assert_string_equal(probed.label, "img:7x5");
    assert_int_equal(probed.width, W);
    assert_int_equal(probed.height, H);

    if (ipcb_pool_create_png(&p, path, &s, err, sizeof err) != 0)
        fail_msg("create_png: %s", err);
    assert_string_equal(s.label, "img:7x5");
    assert_int_equal(s.format, IPCB_FMT_RGBA8888);
    assert_int_equal(s.width, W);
    assert_int_equal(s.height, H);
    assert_int_equal(s.stride, W * 4);
    assert_true(s.bytes == sizeof px);
    assert_true(probed.bytes == s.bytes);
    assert_string_equal(p.size.label, "img:7x5");
    check_pool(&p, &s);
    assert_memory_equal(p.slots[0].msg + IPCB_HEADER_SIZE, px, sizeof px);

    /* Every other slot differs from the image in exactly one pixel. */
    for (size_t k = 1; k < p.nslots; k++) {
        const uint8_t *q = p.slots[k].msg + IPCB_HEADER_SIZE;
        int changed_pixels = 0;
        for (size_t i = 0; i < (size_t)W * H; i++)
            changed_pixels += memcmp(q + 4 * i, px + 4 * i, 4) != 0;
        assert_int_equal(changed_pixels, 1);
    }
    ipcb_pool_destroy(&p);
}

static void test_png_rgb_converted(void **state)
{
    (void)state;
    enum { W = 3, H = 2 };
    const uint8_t rgb[W * H * 3] = { 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                     10, 11, 12, 13, 14, 15, 16, 17, 18 };
    char path[128], err[ERRLEN] = "";
    ipcb_size s;
    ipcb_pool p;

    tmp_path(path, sizeof path, "rgb.png");
    assert_int_equal(write_png(path, rgb, W, H, SPNG_COLOR_TYPE_TRUECOLOR, 3), 0);
    if (ipcb_pool_create_png(&p, path, &s, err, sizeof err) != 0)
        fail_msg("create_png: %s", err);
    assert_string_equal(s.label, "img:3x2");
    const uint8_t *q = p.slots[0].msg + IPCB_HEADER_SIZE;
    for (int i = 0; i < W * H; i++) {
        assert_int_equal(q[4 * i + 0], rgb[3 * i + 0]);
        assert_int_equal(q[4 * i + 1], rgb[3 * i + 1]);
        assert_int_equal(q[4 * i + 2], rgb[3 * i + 2]);
        assert_int_equal(q[4 * i + 3], 255);
    }
    ipcb_pool_destroy(&p);
}

static void expect_png_error(const char *path, const char *needle)
{
    ipcb_size s;
    ipcb_pool p;
    char err[ERRLEN] = "";

    assert_int_equal(ipcb_pool_create_png(&p, path, &s, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("create_png(%s): \"%s\" lacks \"%s\"", path, err, needle);
    assert_null(p.slots);
    assert_int_equal(p.nslots, 0);

    err[0] = '\0';
    if (ipcb_png_probe(path, &s, err, sizeof err) == 0) {
        /* A file whose header is fine but pixels are damaged probes fine. */
        assert_string_not_equal(s.label, "");
    } else if (!strstr(err, needle)) {
        fail_msg("probe(%s): \"%s\" lacks \"%s\"", path, err, needle);
    }
}

static void test_png_errors(void **state)
{
    (void)state;
    char path[128];
    static const char text[] = "this is not a PNG file, just some text\n";

    tmp_path(path, sizeof path, "missing.png");
    expect_png_error(path, "No such file or directory");

    tmp_path(path, sizeof path, "text.png");
    write_file(path, text, sizeof text - 1);
    expect_png_error(path, "not a PNG file");

    tmp_path(path, sizeof path, "empty.png");
    write_file(path, "", 0);
    expect_png_error(path, "empty.png");

    expect_png_error(tmpdir, "Is a directory");
}

static void test_png_corrupt(void **state)
{
    (void)state;
    enum { W = 16, H = 16 };
    uint8_t px[W * H * 4];
    char good[128], bad[128];
    static uint8_t buf[8192];

    rgba_image(px, W, H);
    tmp_path(good, sizeof good, "good.png");
    assert_int_equal(write_png(good, px, W, H, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 4), 0);
    FILE *f = fopen(good, "rb");
    assert_non_null(f);
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(len > 60 && len < sizeof buf);

    /* Cut inside the image data. */
    tmp_path(bad, sizeof bad, "truncated.png");
    write_file(bad, buf, len - 30);
    expect_png_error(bad, "truncated.png");

    /* A height of 0x40000010 in the IHDR: far above the size limit. */
    tmp_path(bad, sizeof bad, "huge.png");
    buf[20] ^= 0x40;
    write_file(bad, buf, len);
    expect_png_error(bad, "above the 4 GiB limit");
    buf[20] ^= 0x40;

    /* A damaged IHDR checksum (bytes 29..32). */
    tmp_path(bad, sizeof bad, "ihdrcrc.png");
    buf[30] ^= 0x01;
    write_file(bad, buf, len);
    expect_png_error(bad, "corrupt");
    buf[30] ^= 0x01;

    /* A damaged byte of compressed image data (IDAT follows IHDR at 33). */
    assert_memory_equal(buf + 37, "IDAT", 4);
    tmp_path(bad, sizeof bad, "badidat.png");
    buf[45] ^= 0x55;
    write_file(bad, buf, len);
    expect_png_error(bad, "corrupt");
}

static void test_now_ns(void **state)
{
    (void)state;
    uint64_t a = ipcb_now_ns();
    uint64_t b = ipcb_now_ns();
    assert_true(a > 0);
    assert_true(b >= a);
    usleep(2000);
    assert_true(ipcb_now_ns() - a >= 2000000);
}

/* ---- runner ------------------------------------------------------------ */

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ipcb-test-workload-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    const char *names[] = { "rgba.png", "rgb.png", "text.png", "empty.png",
                            "good.png", "truncated.png", "huge.png",
                            "ihdrcrc.png", "badidat.png" };
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tmp_path(path, sizeof path, names[i]);
        unlink(path);
    }
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_byte_layout),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_header_rejects),
        cmocka_unit_test(test_check_data),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_size_presets),
        cmocka_unit_test(test_size_bytes),
        cmocka_unit_test(test_size_rejects),
        cmocka_unit_test(test_pool_slot_policy),
        cmocka_unit_test(test_pool_synthetic),
        cmocka_unit_test(test_pool_differs_by_size),
        cmocka_unit_test(test_pool_4k),
        cmocka_unit_test(test_pool_rejects_bad_size),
        cmocka_unit_test(test_pool_stamp),
        cmocka_unit_test(test_png_pool),
        cmocka_unit_test(test_png_rgb_converted),
        cmocka_unit_test(test_png_errors),
        cmocka_unit_test(test_png_corrupt),
        cmocka_unit_test(test_now_ns),
    };
    return cmocka_run_group_tests_name("workload", tests, make_tmpdir, remove_tmpdir);
}
