/* The report's environment table for one run, a run and its baseline, or
 * several runs side by side: the facts from each results.json's context, in
 * one order, with the rows where the runs differ highlighted. */
#include "report_env.h"

#include <string.h>

/* Context facts, in this order, if any run has them. */
static const struct { const char *label, *key; } env_rows[] = {
    { "Host", "host_name" },              { "Date", "date" },
    { "Kernel", "kernel" },
    { "CPU model", "cpu_model" },         { "Cores", "num_cpus" },
    { "CPU MHz", "mhz_per_cpu" },         { "CPU governor", "cpu_governor" },
    { "Frequency scaling", "cpu_scaling_enabled" },
    { "Load average (1, 5, 15 min)", "load_avg" },
    { "ipcbench version", "ipcbench_version" },
    { "ipcbench commit", "ipcbench_git_commit" },
    { "Google Benchmark", "lib_benchmark" }, { "xxHash", "lib_xxhash" },
    { "Jansson", "lib_jansson" },         { "libspng", "lib_spng" },
    { "C library", "lib_libc" },
    { "libcurl", "lib_curl" },            { "libmicrohttpd", "lib_microhttpd" },
    { "libdbus-1", "lib_dbus" },
    { "Benchmark library build", "library_build_type" },
    { "Campaign", "campaign" },           { "Verify policy", "verify" },
    { "Paced frame rate (fps)", "fps" },  { "Throughput window (frames)", "window" },
    { "CPU pinning", "pin" },             { "Command", "command" },
};

#define NO_FACT "–"

/* Do the n values differ (a missing one differs from any present one)? */
static int values_differ(const char *const *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (!v[i] != !v[0])
            return 1;
        if (v[i] && strcmp(v[i], v[0]) != 0)
            return 1;
    }
    return 0;
}

static void write_row(rdoc *d, const char *label, const char *const *v, size_t n, int differs)
{
    rd_row_begin(d);
    rd_cell(d, 0, label);
    for (size_t i = 0; i < n; i++)
        rd_cell(d, differs ? RD_DIFF : 0, v[i] ? v[i] : NO_FACT);
    rd_row_end(d);
}

size_t rpt_write_env_table(rdoc *d, const ipcb_resultset *const *sets, const char *const *heads,
                           const char *const *paths, size_t n)
{
    const char *cols[1 + 16] = { "fact", "value" };
    const char *v[16];
    if (n > 16)
        n = 16;
    for (size_t i = 0; heads && i < n; i++)
        cols[1 + i] = heads[i];
    rd_table_begin(d);
    rd_header(d, cols, NULL, 1 + n);
    size_t ndiffer = 0;
    if (paths)
        write_row(d, "Path", paths, n, 0);
    for (size_t r = 0; r < sizeof env_rows / sizeof env_rows[0]; r++) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = ipcb_resultset_context(sets[i], env_rows[r].key);
            any |= v[i] != NULL;
        }
        if (!any)
            continue;
        int differs = n > 1 && values_differ(v, n);
        ndiffer += differs != 0;
        write_row(d, env_rows[r].label, v, n, differs);
    }
    rd_table_end(d);
    return ndiffer;
}
