/* Reading a results.json into jansson (resultsjson.c): PATH as a results
 * directory or the file itself, and Google Benchmark's bare NaN / Infinity
 * quoted ("NaN") so that the JSON parser accepts the file. */
#ifndef IPCB_RESULTSJSON_H
#define IPCB_RESULTSJSON_H

#include <jansson.h>
#include <stddef.h>

/* PATH itself, or PATH/results.json when PATH is a directory, into out.
 * Returns 0, or -1 with err (missing, no results.json, path too long). */
int ipcb_results_json_path(const char *path, char *out, size_t n, char *err, size_t errlen);

/* The parsed file (a reference to json_decref), non-finite numbers as the
 * strings "NaN", "Infinity", "-Infinity"; NULL with err (unreadable, or
 * invalid JSON with its line and column). */
json_t *ipcb_results_json_load(const char *path, char *err, size_t errlen);

#endif
