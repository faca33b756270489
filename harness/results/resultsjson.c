/* Reads a results.json as JSON: finds the file in a results directory and
 * quotes Google Benchmark's bare NaN and Infinity, which JSON does not allow,
 * so jansson parses the file; the loader (resultset.c) and merge.c use it. */
#include "resultsjson.h"
#include "textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* PATH itself, or PATH/results.json when PATH is a directory. */
int ipcb_results_json_path(const char *path, char *out, size_t n, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        ipcb_set_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int len = S_ISDIR(st.st_mode) ? snprintf(out, n, "%s/results.json", path)
                                  : snprintf(out, n, "%s", path);
    if (len < 0 || (size_t)len >= n) {
        ipcb_set_err(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode) && stat(out, &st) != 0) {
        ipcb_set_err(err, errlen, "%s: no results.json in this directory", path);
        return -1;
    }
    return 0;
}

static char *read_whole_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ipcb_set_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    const char *problem = !buf ? "out of memory" : ferror(f) ? "read error" : NULL;
    fclose(f);
    if (problem) {
        free(buf);
        ipcb_set_err(err, errlen, "%s: %s", path, problem);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Length of the non-finite number token (NaN, -Infinity, ...) at p, or 0. */
static size_t nonfinite_token(const char *p, size_t left)
{
    static const char *const toks[] = { "-Infinity", "Infinity", "-NaN", "NaN" };
    for (size_t t = 0; t < sizeof toks / sizeof toks[0]; t++) {
        size_t n = strlen(toks[t]);
        if (left >= n && memcmp(p, toks[t], n) == 0)
            return n;
    }
    return 0;
}

/* Google Benchmark writes non-finite numbers as bare NaN / Infinity, which
 * JSON does not allow. Outside strings, quote them ("NaN") so jansson accepts
 * the file; the counter reader turns such strings back into numbers. */
static char *quote_nonfinite(const char *in, size_t len, size_t *outlen)
{
    char *out = malloc(2 * len + 1);
    if (!out)
        return NULL;
    size_t o = 0, tok;
    int in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            in_string = escaped || in[i] != '"';
            escaped = !escaped && in[i] == '\\';
        } else if (in[i] == '"') {
            in_string = 1;
        } else if ((tok = nonfinite_token(in + i, len - i)) > 0) {
            out[o++] = '"';
            memcpy(out + o, in + i, tok);
            o += tok;
            out[o++] = '"';
            i += tok - 1;
            continue;
        }
        out[o++] = in[i];
    }
    *outlen = o;
    return out;
}

json_t *ipcb_results_json_load(const char *path, char *err, size_t errlen)
{
    size_t len = 0, qlen = 0;
    char *raw = read_whole_file(path, &len, err, errlen);
    if (!raw)
        return NULL;
    char *text = quote_nonfinite(raw, len, &qlen);
    free(raw);
    if (!text) {
        ipcb_set_err(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, qlen, JSON_DECODE_ANY, &jerr);
    free(text);
    if (!root)
        ipcb_set_err(err, errlen, "%s: invalid JSON at line %d column %d: %s",
                path, jerr.line, jerr.column, jerr.text);
    return root;
}

