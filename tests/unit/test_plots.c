/* Tests for the rendered plots (plots.c, gnuplot_run.c and the gnuplot
 * files in scripts/) on synthetic results: every series of a plot looks
 * different, each point carries a <title> tooltip in the SVG, the axes have
 * ticks in human units over any range, a CDF per size, overlays of several
 * runs, and the scripts' "no results" plot. Skipped without gnuplot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"
#include "gnuplot_run.h"
#include "plots.h"
#include "runcli.h"

/* ---- temporary directories and files ------------------------------------- */

static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/test_plots_XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int teardown_dir(void **state)
{
    nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

static void path_in(char *out, const char *dir, const char *name)
{
    assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

static char *read_text(const char *dir, const char *name)
{
    char path[PATH_MAX];
    path_in(path, dir, name);
    return slurp_alloc(path);
}

static long file_size(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    path_in(path, dir, name);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    path_in(path, dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void scripts_dir(char *out)
{
    const char *env = getenv("IPCB_SCRIPTS_DIR");
    char cwd[PATH_MAX];
    if (env)
        assert_true(snprintf(out, PATH_MAX, "%s", env) < PATH_MAX);
    else
        path_in(out, getcwd(cwd, sizeof cwd), "scripts");
}

static int have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* ---- synthetic results ---------------------------------------------------- */

/* The 15 transports of today. */
static const char *const all15[] = {
    "memcpy", "unix", "pipe", "tcp", "shm", "shm-ring", "shm-ring-zc", "http",
    "http-newconn", "http-pull", "dbus", "dbus-fd", "dbus-p2p", "qcop", "qcop-fd",
};
enum { N15 = sizeof all15 / sizeof all15[0] };
static const struct { const char *label; double bytes; } sizes3[] = {
    { "tiny", 64 }, { "64K", 65536 }, { "1080p", 8294400 },
};

/* One benchmark as Google Benchmark writes it (one repetition). */
static void add_result(json_t *arr, const char *transport, const char *mode, const char *size,
                       double bytes, const char *counter, double value, const char *counter2,
                       double value2)
{
    char name[160];
    snprintf(name, sizeof name, "%s/%s/%s/manual_time", transport, mode, size);
    json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:s, s:f, s:f, s:f}",
                          "name", name, "run_name", name, "run_type", "iteration",
                          "repetitions", 1, "repetition_index", 0, "iterations", 1000,
                          "real_time", 1000.0, "cpu_time", 100.0, "time_unit", "us",
                          "bytes", bytes, "frames", 1000.0, counter, value);
    if (counter2)
        json_object_set_new(e, counter2, json_real(value2));
    json_array_append_new(arr, e);
}

static void write_results(const char *dir, json_t *arr)
{
    json_t *root = json_pack("{s:{s:s, s:s}, s:o}", "context", "campaign", "unit",
                             "host_name", "testhost", "benchmarks", arr);
    char path[PATH_MAX];
    path_in(path, dir, "results.json");
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
    json_decref(root);
}

/* p50 of transport t at size s: 0.5 µs (memcpy, tiny) up to 200 ms
 * (qcop-fd, 1080p), evenly spread on a log scale; p99 twice that. */
static double p50_of(int t, int s)
{
    int i = t * 3 + s, last = N15 * 3 - 1;
    return 0.5 * pow(200000 / 0.5, (double)i / last);
}

static double mb_per_s_of(int t, int s)
{
    return 5 * pow(10000.0, (double)(t * 3 + s) / (N15 * 3 - 1));
}

static void write_histogram(const char *dir, const char *transport, const char *size, double p50)
{
    char name[128], text[512];
    snprintf(name, sizeof name, "histograms/%s_latency_%s.dat", transport, size);
    snprintf(text, sizeof text, "# %s/latency/%s\n# upper_us count cumulative_fraction\n"
             "%g 10 0.1\n%g 40 0.5\n%g 40 0.9\n%g 9 0.99\n%g 1 1\n", transport, size,
             p50 * 0.8, p50, p50 * 1.5, p50 * 2, p50 * 4);
    write_text(dir, name, text);
}

/* All 15 transports in latency and throughput mode at 3 sizes, and
 * latency histograms at 64K and 1080p for the first 4 transports. */
static void write_all15(const char *dir)
{
    json_t *arr = json_array();
    for (int t = 0; t < N15; t++)
        for (int s = 0; s < 3; s++) {
            add_result(arr, all15[t], "latency", sizes3[s].label, sizes3[s].bytes,
                       "p50_us", p50_of(t, s), "p99_us", 2 * p50_of(t, s));
            add_result(arr, all15[t], "throughput", sizes3[s].label, sizes3[s].bytes,
                       "mb_per_s", mb_per_s_of(t, s), NULL, 0);
        }
    write_results(dir, arr);
    char hist[PATH_MAX];
    path_in(hist, dir, "histograms");
    assert_int_equal(mkdir(hist, 0755), 0);
    for (int t = 0; t < 4; t++)
        for (int s = 1; s < 3; s++)
            write_histogram(dir, all15[t], sizes3[s].label, p50_of(t, s));
}

static void render(const char *dir)
{
    char scripts[PATH_MAX], err[512] = "";
    scripts_dir(scripts);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render: %s", err);
}

/* ---- reading the SVG ------------------------------------------------------ */

/* The look of the line titled title in an SVG plot: the stroke attributes of
 * its key sample (colour and dash array) and its point marker, into out;
 * 0, or -1 if there is no such line. */
static int line_look(const char *svg, const char *title, char *out, size_t n)
{
    char needle[160];
    snprintf(needle, sizeof needle, "><title>%s</title>", title);
    const char *p = strstr(svg, needle);
    const char *stroke = p ? strstr(p, "<path stroke='") : NULL;
    const char *end = stroke ? strstr(stroke, " d='") : NULL;
    const char *point = end ? strstr(end, "xlink:href='#gpPt") : NULL;
    if (!point)
        return -1;
    snprintf(out, n, "%.*s %.*s", (int)(end - stroke), stroke, 19, point);
    return 0;
}

/* A family colour as the svg terminal writes it: rgb(  0, 114, 178). */
static void svg_rgb(const char *hex, char *out, size_t n)
{
    unsigned r, g, b;
    assert_int_equal(sscanf(hex, "#%2x%2x%2x", &r, &g, &b), 3);
    snprintf(out, n, "rgb(%3u, %3u, %3u)", r, g, b);
}

/* Every line in the SVG (titled by its transport, maybe more words after
 * it) has its transport's family colour and a look of its own. */
static void assert_lines_distinct(const char *svg, const char *const *names, size_t n)
{
    char looks[32][160];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        if (line_look(svg, names[i], looks[i], sizeof looks[i]) != 0)
            fail_msg("no line titled %s", names[i]);
        char rgb[32], transport[64];   /* a title's first word */
        snprintf(transport, sizeof transport, "%.*s", (int)strcspn(names[i], " "), names[i]);
        svg_rgb(ipcb_family_color(ipcb_transport_family(transport)), rgb, sizeof rgb);
        if (!strstr(looks[i], rgb))
            fail_msg("%s: \"%s\" lacks its family colour %s", names[i], looks[i], rgb);
        for (size_t j = 0; j < i; j++)
            if (strcmp(looks[i], looks[j]) == 0)
                fail_msg("%s and %s both look like %s", names[j], names[i], looks[i]);
    }
}

/* The tooltips: <g><title>TEXT</title> groups, and no script left. */
static int tooltips(const char *svg)
{
    assert_null(strstr(svg, "onmousemove"));
    assert_null(strstr(svg, "showHypertext"));
    assert_null(strstr(svg, "<title>gnuplot_plot_"));
    return count_of(svg, "<g><title>");
}

/* The words of NAME='...' in the first gnuplot command of the log that
 * renders plots/PLOT.svg, into words (n at most); returns how many. */
static size_t logged_words(const char *log, const char *plot, const char *name,
                           char words[][16], size_t n)
{
    char out[96], key[32];
    snprintf(out, sizeof out, "out='plots/%s.svg.tmp'", plot);
    const char *end = strstr(log, out);
    assert_non_null(end);
    const char *line = end;
    while (line > log && line[-1] != '\n')
        line--;
    snprintf(key, sizeof key, " %s='", name);
    const char *p = strstr(line, key);
    assert_true(p && p < end);
    p += strlen(key);
    size_t count = 0;
    while (*p != '\'' && count < n) {
        size_t len = strcspn(p, " '");
        assert_true(len < 16);
        memcpy(words[count], p, len);
        words[count++][len] = '\0';
        p += len + (p[len] == ' ');
    }
    return count;
}

/* ---- the plots of one run ------------------------------------------------- */

/* 15 transports: each line in throughput and latency has a look of its own
 * in the SVG, and plots.c passed gnuplot 15 distinct styles. */
static void test_every_series_distinct(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_all15(dir);
    render(dir);
    static const char *const plots[] = { "throughput", "latency", "latency-p99" };
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "plots/%s.svg", plots[i]);
        char *svg = read_text(dir, name);
        assert_non_null(svg);
        assert_lines_distinct(svg, all15, N15);
        free(svg);
    }
    char *log = read_text(dir, "plots/gnuplot.log");
    assert_non_null(log);
    char colors[32][16], dashes[32][16], points[32][16], transports[32][16];
    assert_int_equal(logged_words(log, "throughput", "transports", transports, 32), N15);
    assert_int_equal(logged_words(log, "throughput", "colors", colors, 32), N15);
    assert_int_equal(logged_words(log, "throughput", "dashes", dashes, 32), N15);
    assert_int_equal(logged_words(log, "throughput", "points", points, 32), N15);
    for (int i = 0; i < N15; i++) {
        assert_string_equal(colors[i], ipcb_family_color(ipcb_transport_family(transports[i])));
        for (int j = 0; j < i; j++)
            assert_false(strcmp(colors[i], colors[j]) == 0 && strcmp(dashes[i], dashes[j]) == 0
                         && strcmp(points[i], points[j]) == 0);
    }
    /* the key lists a family's transports together, memcpy first */
    assert_string_equal(transports[0], "memcpy");
    assert_string_equal(transports[1], "unix");
    assert_string_equal(transports[3], "tcp");
    free(log);
}

/* Every point of throughput, latency and latency-p99 has a tooltip with its
 * exact value; the PNG is there too. */
static void test_tooltips_every_point(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_all15(dir);
    render(dir);
    static const struct { const char *plot, *unit; } plots[] = {
        { "throughput", " MB/s</title>" }, { "latency", " µs p50</title>" },
        { "latency-p99", " µs p99</title>" },
    };
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "plots/%s.svg", plots[i].plot);
        char *svg = read_text(dir, name);
        assert_non_null(svg);
        assert_int_equal(tooltips(svg), N15 * 3);
        assert_int_equal(count_of(svg, plots[i].unit), N15 * 3);
        free(svg);
        snprintf(name, sizeof name, "plots/%s.png", plots[i].plot);
        assert_true(file_size(dir, name) > 0);
    }
    char *svg = read_text(dir, "plots/latency.svg");
    char want[128];
    snprintf(want, sizeof want, "<g><title>memcpy tiny: %.6g µs p50</title>", p50_of(0, 0));
    assert_non_null(strstr(svg, want));
    snprintf(want, sizeof want, "<g><title>qcop-fd 1080p: %.6g µs p50</title>", p50_of(14, 2));
    assert_non_null(strstr(svg, want));
    free(svg);
}

/* Latency from 0.5 µs to 200 ms, sizes from 64 B to 8 MB, 5 MB/s to
 * 50 GB/s: the ticks are in human units over the whole range. */
static void test_human_ticks_wide_range(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_all15(dir);
    render(dir);
    char *lat = read_text(dir, "plots/latency.svg");
    static const char *const us[] = { ">1 µs</tspan>", ">10 µs</tspan>", ">100 µs</tspan>",
                                      ">1 ms</tspan>", ">10 ms</tspan>", ">100 ms</tspan>",
                                      ">1 s</tspan>", ">64 B</tspan>", ">1 KiB</tspan>",
                                      ">4 MiB</tspan>" };
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
        if (!strstr(lat, us[i]))
            fail_msg("latency.svg has no tick %s", us[i]);
    free(lat);
    char *tp = read_text(dir, "plots/throughput.svg");
    static const char *const mbs[] = { ">10 MB/s</tspan>", ">100 MB/s</tspan>",
                                       ">1 GB/s</tspan>", ">10 GB/s</tspan>" };
    for (size_t i = 0; i < sizeof mbs / sizeof mbs[0]; i++)
        if (!strstr(tp, mbs[i]))
            fail_msg("throughput.svg has no tick %s", mbs[i]);
    free(tp);
}

/* Small multiples: a panel per family, memcpy in each, the same looks as
 * in the other plots; a tooltip on every point of every panel. */
static void test_families_panels(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_all15(dir);
    render(dir);
    assert_true(file_size(dir, "plots/families.png") > 0);
    char *svg = read_text(dir, "plots/families.svg");
    assert_non_null(svg);
    static const char *const panels[] = { ">sockets</text>", ">shared memory</text>",
                                          ">HTTP</text>", ">D-Bus</text>", ">QCOP</text>" };
    for (size_t i = 0; i < 5; i++)
        assert_non_null(strstr(svg, panels[i]));
    assert_lines_distinct(svg, all15, N15);
    /* 14 transports and memcpy in each of 5 panels, at 3 sizes */
    assert_int_equal(tooltips(svg), (14 + 5) * 3);
    assert_int_equal(count_of(svg, "<g><title>memcpy tiny: "), 5);
    free(svg);
}

/* One transport at one size: the axes still show labelled ticks on both
 * sides of the point. */
static void test_human_ticks_one_point(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    json_t *arr = json_array();
    add_result(arr, "unix", "latency", "1080p", 8294400, "p50_us", 7, "p99_us", 9);
    add_result(arr, "unix", "throughput", "1080p", 8294400, "mb_per_s", 1500, NULL, 0);
    write_results(dir, arr);
    render(dir);
    char *lat = read_text(dir, "plots/latency.svg");
    assert_non_null(strstr(lat, ">5 µs</tspan>"));
    assert_non_null(strstr(lat, ">10 µs</tspan>"));
    assert_non_null(strstr(lat, ">4 MiB</tspan>"));
    assert_non_null(strstr(lat, ">8 MiB</tspan>"));
    assert_int_equal(tooltips(lat), 1);
    free(lat);
    assert_int_equal(file_size(dir, "plots/families.svg"), -1);   /* one family */
    char *tp = read_text(dir, "plots/throughput.svg");
    assert_non_null(strstr(tp, ">1 GB/s</tspan>"));
    assert_non_null(strstr(tp, ">2 GB/s</tspan>"));
    free(tp);
}

/* A CDF per latency size with histograms, plus cdf (1080p); tooltips where
 * each line crosses p50, p90 and p99. */
static void test_cdf_per_size(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    write_all15(dir);
    render(dir);
    static const char *const names[] = { "cdf-64K", "cdf-1080p", "cdf" };
    for (size_t i = 0; i < 3; i++) {
        char svg_name[64], png_name[64];
        snprintf(svg_name, sizeof svg_name, "plots/%s.svg", names[i]);
        snprintf(png_name, sizeof png_name, "plots/%s.png", names[i]);
        assert_true(file_size(dir, png_name) > 0);
        char *svg = read_text(dir, svg_name);
        assert_non_null(svg);
        assert_int_equal(tooltips(svg), 4 * 3);
        assert_int_equal(count_of(svg, ": p50 ≤ "), 4);
        assert_int_equal(count_of(svg, ": p99 ≤ "), 4);
        assert_lines_distinct(svg, all15, 4);
        assert_non_null(strstr(svg, i == 0 ? "64K frames" : "1080p frames"));
        free(svg);
    }
    assert_int_equal(file_size(dir, "plots/cdf-tiny.svg"), -1);   /* no histograms there */
    char *svg = read_text(dir, "plots/cdf-64K.svg");
    char want[96];
    snprintf(want, sizeof want, "<title>unix 64K: p50 ≤ %.6g µs</title>", p50_of(1, 1));
    assert_non_null(strstr(svg, want));
    free(svg);
}

/* ---- overlays of several runs -------------------------------------------- */

/* A run: memcpy, unix and shm (only unix if small) at 64K and 1080p, its
 * latencies scaled by factor. */
static void write_run(const char *dir, double factor, int small)
{
    assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
    json_t *arr = json_array();
    static const char *const ts[] = { "unix", "memcpy", "shm" };
    int nt = small ? 1 : 3;
    for (int t = 0; t < nt; t++)
        for (int s = 1; s < 3; s++) {
            add_result(arr, ts[t], "latency", sizes3[s].label, sizes3[s].bytes, "p50_us",
                       factor * p50_of(t, s), "p99_us", 2 * factor * p50_of(t, s));
            add_result(arr, ts[t], "throughput", sizes3[s].label, sizes3[s].bytes, "mb_per_s",
                       mb_per_s_of(t, s) / factor, NULL, 0);
        }
    write_results(dir, arr);
}

static void test_render_runs(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], out[PATH_MAX], scripts[PATH_MAX], err[512] = "";
    path_in(a, dir, "a");
    path_in(b, dir, "b");
    path_in(c, dir, "c");
    path_in(out, dir, "out");
    write_run(a, 1, 0);
    write_run(b, 2, 0);
    write_run(c, 3, 1);
    scripts_dir(scripts);
    const char *runs[] = { a, b, c };
    const char *labels[] = { "before", "after fix", "it's \"small\"" };
    if (ipcb_plots_render_runs(out, runs, labels, 3, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render_runs: %s", err);
    for (int k = 1; k <= 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "plots/run-%d.csv", k);
        assert_true(file_size(out, name) > 0);
    }
    static const char *const plots[] = { "runs-throughput", "runs-latency" };
    static const char *const titles[] = {
        "memcpy (before)", "memcpy (after fix)", "unix (before)", "unix (after fix)",
        "shm (before)", "shm (after fix)",
    };
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "plots/%s.png", plots[i]);
        assert_true(file_size(out, name) > 0);
        snprintf(name, sizeof name, "plots/%s.svg", plots[i]);
        char *svg = read_text(out, name);
        assert_non_null(svg);
        assert_lines_distinct(svg, titles, 6);
        assert_non_null(strstr(svg, "<title>unix (it's 'small')</title>"));
        /* 3 transports x 2 sizes in a and b, unix x 2 sizes in c */
        assert_int_equal(tooltips(svg), 14);
        assert_int_equal(count_of(svg, " (after fix): "), 6);
        free(svg);
    }
    char *svg = read_text(out, "plots/runs-latency.svg");
    char want[96];
    snprintf(want, sizeof want, "<g><title>unix 64K (after fix): %.6g µs p50</title>",
             2 * p50_of(0, 1));
    assert_non_null(strstr(svg, want));
    free(svg);

    /* labels are optional; a run that cannot be loaded is an error */
    if (ipcb_plots_render_runs(out, runs, NULL, 2, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render_runs: %s", err);
    svg = read_text(out, "plots/runs-throughput.svg");
    assert_non_null(strstr(svg, "<title>shm (run 2)</title>"));
    free(svg);
    const char *bad[] = { a, "/nonexistent/run" };
    assert_int_equal(ipcb_plots_render_runs(out, bad, NULL, 2, scripts, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/run"));
    assert_int_equal(ipcb_plots_render_runs(out, runs, NULL, 0, scripts, err, sizeof err), -1);
}

static void test_render_runs_without_gnuplot(void **state)
{
    const char *dir = *state;
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    const char *runs[] = { dir };
    char err[256] = "";
    int rc = ipcb_plots_render_runs(dir, runs, NULL, 1, "scripts", err, sizeof err);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, -1);
    assert_string_equal(err, "gnuplot not found (install gnuplot-nox)");
}

/* The baseline overlay takes the same way: this run solid, the baseline
 * dashed, a tooltip on every point. */
static void test_baseline_overlay(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    char a[PATH_MAX], b[PATH_MAX], scripts[PATH_MAX], err[512] = "";
    path_in(a, dir, "a");
    path_in(b, dir, "b");
    write_run(a, 1, 0);
    write_run(b, 2, 1);
    scripts_dir(scripts);
    if (ipcb_plots_render_baseline(a, b, scripts, err, sizeof err) != 0)
        fail_msg("ipcb_plots_render_baseline: %s", err);
    assert_true(file_size(a, "plots/baseline.csv") > 0);
    assert_true(file_size(a, "plots/compare-latency.png") > 0);
    char *svg = read_text(a, "plots/compare-latency.svg");
    static const char *const titles[] = { "unix (this run)", "unix (baseline)",
                                          "shm (this run)", "memcpy (this run)" };
    assert_lines_distinct(svg, titles, 4);
    assert_int_equal(tooltips(svg), 3 * 2 + 2);
    assert_non_null(strstr(svg, "stroke-dasharray"));   /* the baseline's dash */
    free(svg);
}

/* ---- the scripts by hand -------------------------------------------------- */

/* Without the columns or rows it needs, a script draws "no ... results". */
static void test_scripts_without_data(void **state)
{
    const char *dir = *state;
    if (!have_gnuplot())
        skip();
    char scripts[PATH_MAX];
    scripts_dir(scripts);
    write_text(dir, "empty.csv", "transport,mode,size\n");
    static const struct { const char *script, *vars, *says; } cases[] = {
        { "throughput", "csv='empty.csv'; transports='unix'", "no throughput results" },
        { "latency", "csv='empty.csv'; transports='unix'", "no latency results" },
        { "fanout", "csv='empty.csv'; transports='unix'; sizes='vga'", "no fanout results" },
        { "overlay", "files='empty.csv'; transports='unix'; mode='latency'; col='p50_us'",
          "no latency results" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[PATH_MAX * 2];
        snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot -e \"%s; out='x.svg'\" '%s/%s.gp' 2>/dev/null",
                 dir, cases[i].vars, scripts, cases[i].script);
        assert_int_equal(system(cmd), 0);
        char *svg = read_text(dir, "x.svg");
        assert_non_null(svg);
        if (!strstr(svg, cases[i].says))
            fail_msg("%s.gp: no \"%s\"", cases[i].script, cases[i].says);
        free(svg);
    }
}

/* Words for gnuplot's word(): quoted when they hold spaces or quotes. */
static void test_gnuplot_words(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    const char *words[] = { "unix", "this run", "it's", "a\"b", "" };
    ipcb_gp_put_words(f, "labels", words, 5);
    ipcb_gp_put_string(f, "title", "Bob's");
    assert_int_equal(fclose(f), 0);
    assert_string_equal(text, "labels='unix \"this run\" \"it''s\" \"a''b\" \"\"'; title='Bob''s'; ");
    free(text);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_every_series_distinct),
        DIR_TEST(test_tooltips_every_point),
        DIR_TEST(test_human_ticks_wide_range),
        DIR_TEST(test_families_panels),
        DIR_TEST(test_human_ticks_one_point),
        DIR_TEST(test_cdf_per_size),
        DIR_TEST(test_render_runs),
        DIR_TEST(test_render_runs_without_gnuplot),
        DIR_TEST(test_baseline_overlay),
        DIR_TEST(test_scripts_without_data),
        cmocka_unit_test(test_gnuplot_words),
    };
    return cmocka_run_group_tests_name("plots", tests, NULL, NULL);
}
