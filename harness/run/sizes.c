/* Frame sizes: the image presets (thumb to 8k, RGBA8888) and plain byte
 * sizes ("64K", "1GiB"), parsed with clear errors; a size knows its payload
 * bytes and the geometry the header carries. */
#include "sizes.h"
#include "textfile.h"
#include "wire.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const uint64_t GIB = (uint64_t)1 << 30;
static const uint64_t SIZE_LIMIT = IPCB_SIZE_MAX_BYTES;

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

void ipcb_size_set_image(ipcb_size *s, uint32_t width, uint32_t height)
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
    ipcb_size_set_image(s, pr->width, pr->height);
    snprintf(s->label, sizeof s->label, "%s", pr->name);
    return 0;
}
