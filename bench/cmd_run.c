/* `ipcbench run`: read the campaign, check it, register one Google Benchmark
 * per (mode, size, transport), run them, then derive results.csv, plots and
 * report.md from results.json and move the results directory into place. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"
#include "csv.h"
#include "datadir.h"
#include "dirs.h"
#include "envinfo.h"
#include "fdlimit.h"
#include "gbench.h"
#include "hdb.h"
#include "history_record.h"
#include "number.h"
#include "pairturn.h"
#include "peer.h"
#include "plots.h"
#include "png.h"
#include "pool.h"
#include "report.h"
#include "resultset.h"
#include "run_console.h"
#include "run_halt.h"
#include "run_stop.h"
#include "runner.h"
#include "summary.h"

static const char run_usage[] =
    "usage: ipcbench run [options] [--benchmark_* ...]\n"
    "  --campaign NAME|FILE   bench/campaigns/NAME.ini or an INI file (default: default)\n"
    "  --transport a,b        transports (see 'ipcbench list')\n"
    "  --size s1,s2           thumb vga 720p 1080p 4k 8k, or bytes: 64 4K 1M 64M\n"
    "  --image FILE.png       also send a real picture (RGBA8888)\n"
    "  --mode m1,m2           latency, throughput, paced, fanout\n"
    "  --subscribers K1,K2    fanout mode: peers per frame (default 1,2,4; at most 16)\n"
    "  --fps N                paced mode frame rate (default 60)\n"
    "  --paced-frames N       paced mode: frames per run at least (same as [paced] min_frames)\n"
    "  --window N             throughput mode: frames in flight (default 8)\n"
    "  --repetitions N        runs per benchmark (default 3)\n"
    "  --min-frames N         measured frames per run at least (default: 200; throughput:\n"
    "                         two cycles of the frame pool and the transport's buffers)\n"
    "  --min-time S           measured seconds per run at least: more frames if needed (default 0.2)\n"
    "  --max-time S           a run plans no more frames than fit in S seconds (default 5)\n"
    "  --warmup N             warm-up frames per run at least (default: enough to touch\n"
    "                         every buffer, about 64 MiB)\n"
    "  --verify all|sample|none  payload checksums: every frame, 1 in 16, none\n"
    "  --timeout-ms N         bound on every wait (default 10000)\n"
    "  --pin D[,P]            pin the driver to CPU D and the peer to CPU P\n"
    "  --shm-backend sysv|posix  shm: System V or POSIX segment (default sysv)\n"
    "  --wait spin|futex|hybrid  shm-ring: how a waiting side waits (default hybrid)\n"
    "  --http-pull            http: the peer pulls frames (GET /frames/latest)\n"
    "  --bus-daemon NAME      dbus: dbus-daemon or dbus-broker\n"
    "  --param NAME=VALUE     any transport parameter (see 'ipcbench list'); every value is\n"
    "                         checked by its transport before anything runs\n"
    "  --out DIR              results root (default: results)\n"
    "  --history URL          where the run is recorded: sqlite:PATH, postgresql://... on this\n"
    "                         machine, or none (default: sqlite:OUT/history.db)\n"
    "  --verbose              Google Benchmark's console table (every run, every counter)\n"
    "  --name NAME            campaign name used in the results directory\n"
    "  --pair-turn DIR,A|B    paired runs (the A/B gate): two drivers, side A and side B, run the\n"
    "                         same campaign and take turns before every repetition (A B, B A,\n"
    "                         ...) through DIR, a directory only you can enter (mode 0700)\n"
    "  --pair-timeout S       paired runs: longest wait for the other side (default 120)\n"
    "  --fault KIND@SEQ       test only: corrupt@N flips a payload byte of frame N in flight,\n"
    "                         peer-exit@N kills the peer on frame N, peer-hang@N stalls it,\n"
    "                         slow[:TRANSPORT]@F makes TRANSPORT (or all) F times slower\n"
    "  --benchmark_*          passed to Google Benchmark (e.g. --benchmark_filter=unix)\n";

typedef struct run_opts {
    ipcb_campaign c;
    const char   *out;
    const char   *history;   /* NULL: sqlite:OUT/history.db */
    char          fault[64];
    char          pair_dir[IPCB_PATH_MAX]; /* --pair-turn: "" when not paired */
    int           pair_side;
    int           pair_timeout_ms;
    int           random_interleaving; /* --benchmark_enable_random_interleaving other than false */
    int           pair_failed;     /* the pairing broke at the end (the run fails) */
    int           verbose;
    int           gb_argc;
    char         *gb_argv[64];
} run_opts;

static int find_campaign(const char *name, char *path, size_t len)
{
    if (strchr(name, '/') || strstr(name, ".ini")) {
        snprintf(path, len, "%s", name);
        return 0;
    }
    char dir[4096];
    ipcb_data_dir(IPCB_DATA_CAMPAIGNS, dir, sizeof dir);
    snprintf(path, len, "%s/%s.ini", dir, name);
    return access(path, R_OK) == 0 ? 0 : -1;
}

/* Maps each run flag to its campaign setting. */
static const struct { const char *flag, *key; } run_flags[] = {
    { "--transport", "transports" }, { "--size", "sizes" },      { "--mode", "modes" },
    { "--fps", "fps" },              { "--repetitions", "repetitions" },
    { "--min-time", "min_time" },    { "--verify", "verify" },   { "--pin", "pin" },
    { "--min-frames", "min_frames" }, { "--max-time", "max_time" },
    { "--image", "image" },          { "--window", "window" },   { "--warmup", "warmup" },
    { "--timeout-ms", "timeout_ms" }, { "--paced-frames", "paced_frames" }, { "--name", "name" },
    { "--shm-backend", "shm_backend" }, { "--wait", "wait" }, { "--param", "param" },
    { "--bus-daemon", "bus_daemon" }, { "--subscribers", "subscribers" },
};

static int load_campaign(int argc, char **argv, ipcb_campaign *c)
{
    const char *name = "default";
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = cli_option(argc, argv, &i, "--campaign", &v);
        if (r < 0)
            return cli_usage_error("--campaign needs a value");
        if (r > 0)
            name = v;
    }
    char path[4200], err[600];
    ipcb_campaign_defaults(c);
    if (find_campaign(name, path, sizeof path) != 0)
        return cli_usage_error("no campaign '%s' (looked for %s)", name, path);
    if (ipcb_campaign_load(c, path, err, sizeof err) != 0)
        return cli_usage_error("campaign %s", err);
    return 0;
}

static int parse_run_args(int argc, char **argv, run_opts *o)
{
    int rc = load_campaign(argc, argv, &o->c);
    if (rc != 0)
        return rc;
    o->out = "results";
    o->gb_argv[o->gb_argc++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        char err[600];
        int matched = 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            return -1;
        }
        if (strncmp(argv[i], "--benchmark_", 12) == 0) {
            if (strncmp(argv[i], "--benchmark_out", 15) == 0)
                return cli_usage_error("use --out instead of %s (results.json is written by ipcbench)", argv[i]);
            if (strncmp(argv[i], "--benchmark_min_time", 20) == 0)
                return cli_usage_error("use --min-frames, --min-time and --max-time instead of %s "
                                       "(ipcbench decides how many frames a run measures)", argv[i]);
            if (strncmp(argv[i], "--benchmark_enable_random_interleaving", 38) == 0)
                o->random_interleaving = !(strcmp(argv[i] + 38, "=false") == 0
                                           || strcmp(argv[i] + 38, "=0") == 0);
            if (o->gb_argc == 60)
                return cli_usage_error("too many --benchmark_ flags");
            o->gb_argv[o->gb_argc++] = argv[i];
            continue;
        }
        for (size_t f = 0; f < sizeof run_flags / sizeof run_flags[0] && !matched; f++) {
            int r = cli_option(argc, argv, &i, run_flags[f].flag, &v);
            if (r < 0)
                return cli_usage_error("%s needs a value", run_flags[f].flag);
            if (r > 0) {
                matched = 1;
                if (ipcb_campaign_override(&o->c, run_flags[f].key, v, err, sizeof err) != 0)
                    return cli_usage_error("%s: %s", run_flags[f].flag, err);
            }
        }
        if (matched)
            continue;
        if (cli_option(argc, argv, &i, "--campaign", &v) == 1)
            continue;
        if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "--http-pull") == 0) {
            if (ipcb_campaign_set_param(&o->c, "pull", "1", err, sizeof err) != 0)
                return cli_usage_error("--http-pull: %s", err);
            continue;
        }
        if (cli_option(argc, argv, &i, "--out", &v) == 1) {
            if (!*v)
                return cli_usage_error("--out needs a directory (the results root), not an empty string");
            o->out = v;
            continue;
        }
        if (cli_option(argc, argv, &i, "--history", &v) == 1) {
            const char *kind, *target;
            if (hdb_parse_url(v, &kind, &target, err, sizeof err) != 0)
                return cli_usage_error("--history: %s", err);
            o->history = v;
            continue;
        }
        if (cli_option(argc, argv, &i, "--fault", &v) == 1) {
            snprintf(o->fault, sizeof o->fault, "%s", v);
            continue;
        }
        if ((rc = cli_option(argc, argv, &i, "--pair-turn", &v)) != 0) {
            if (rc < 0 || ipcb_pairturn_parse(v, o->pair_dir, sizeof o->pair_dir, &o->pair_side,
                                              err, sizeof err) != 0)
                return cli_usage_error("%s", rc < 0 ? "--pair-turn needs DIR,A or DIR,B" : err);
            continue;
        }
        if ((rc = cli_option(argc, argv, &i, "--pair-timeout", &v)) != 0) {
            long long seconds = 0;
            if (rc < 0 || ipcb_parse_integer(v, 1, 86400, &seconds) != 0)
                return cli_usage_error("--pair-timeout needs whole seconds, from 1 to 86400");
            o->pair_timeout_ms = (int)(seconds * 1000);
            continue;
        }
        return cli_usage_error("run: unknown option '%s' (see 'ipcbench run --help')", argv[i]);
    }
    /* Both sides of a pair must run their repetitions in the same order. */
    if (o->pair_dir[0] && o->random_interleaving)
        return cli_usage_error("--pair-turn: random interleaving would run the two sides' "
                               "repetitions in different orders; leave it off");
    return 0;
}

/* ---- context --------------------------------------------------------- */

static void add_fact(const char *key, const char *value, void *arg)
{
    (void)arg;
    gb_add_context(key, value);
}

static void add_campaign_facts(const ipcb_campaign *c, int argc, char **argv)
{
    char buf[2048];
    gb_add_context("campaign", c->name);
    gb_add_context("verify", ipcb_verify_name(c->verify));
    snprintf(buf, sizeof buf, "%g", c->fps);
    gb_add_context("fps", buf);
    snprintf(buf, sizeof buf, "%d", c->window);
    gb_add_context("window", buf);
    gb_add_context("pin", c->pin[0] ? c->pin : "none");
    gb_add_context("params", c->params[0] ? c->params : "defaults");
    snprintf(buf, sizeof buf, "%d", c->repetitions);
    gb_add_context("repetitions", buf);
    snprintf(buf, sizeof buf, "%g", c->min_time);
    gb_add_context("min_time_s", buf);
    snprintf(buf, sizeof buf, "%g", c->max_time);
    gb_add_context("max_time_s", buf);
    snprintf(buf, sizeof buf, "%d", c->min_frames);
    gb_add_context("min_frames", c->min_frames ? buf : "automatic");
    snprintf(buf, sizeof buf, "%d", c->warmup);
    gb_add_context("warmup", c->warmup ? buf : "automatic");
    snprintf(buf, sizeof buf, "%d", c->timeout_ms);
    gb_add_context("timeout_ms", buf);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < sizeof buf; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? " " : "ipcbench run ", argv[i]);
    gb_add_context("command", buf);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(buf, sizeof buf, "%lld", (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000);
    gb_add_context("ipcbench_started_us", buf); /* the date has whole seconds: runs keep their order */
    ipcb_envinfo_collect(add_fact, NULL);
}

/* ---- the run --------------------------------------------------------- */

typedef struct campaign_state {
    ipcb_pool       pools[IPCB_MAX_LIST * (IPCB_NMODES + 1) + 1];
    size_t          npools;
    ipcb_infra_slot infra[IPCB_MAX_LIST];
    ipcb_bench     *benches;
    size_t          nbenches;
    ipcb_run_cfg    cfg;
    char            rundir[IPCB_PATH_MAX];
    char            run_id[32];
    char            hist_dir[IPCB_PATH_MAX + 16];
    char            exe[IPCB_PATH_MAX];
    run_console     console;
} campaign_state;

static int make_pools(campaign_state *cs, const ipcb_campaign *c)
{
    char err[512];
    const ipcb_size *sizes[IPCB_MAX_LIST * (IPCB_NMODES + 1)];
    size_t n = ipcb_campaign_all_sizes(c, sizes);
    for (size_t i = 0; i < n; i++)
        if (ipcb_pool_create(&cs->pools[cs->npools++], sizes[i], err, sizeof err) != 0)
            return cli_usage_error("size %s: %s", sizes[i]->label, err);
    if (c->image[0]) {
        ipcb_size s;
        if (ipcb_pool_create_png(&cs->pools[cs->npools++], c->image, &s, err, sizeof err) != 0)
            return cli_usage_error("%s", err);
    }
    return 0;
}

/* Fan-out runs only on transports that can do it; says which ones are left out. */
static void note_unsupported_fanout(const campaign_state *cs, const ipcb_campaign *c)
{
    char names[1024] = "";
    size_t used = 0, line = 0;
    for (size_t m = 0; m < c->nmodes; m++)
        if (c->modes[m] == IPCB_MODE_FANOUT)
            for (size_t t = 0; t < c->ntransports && used + 64 < sizeof names; t++) {
                const char *name = cs->infra[t].t->name;
                if (ipcb_mode_supported(cs->infra[t].t, IPCB_MODE_FANOUT))
                    continue;
                int wrap = used && used - line + strlen(name) > 96;
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s%s",
                                         used ? "," : "", wrap ? "\n  " : used ? " " : "  ", name);
                if (wrap)
                    line = used - strlen(name) - 2;
            }
    if (used)
        fprintf(stderr, "ipcbench: fanout mode is not run on the transports that cannot do it "
                "(see 'ipcbench list'):\n%s\n", names);
}

static void register_one(campaign_state *cs, const ipcb_mode_plan *plan, ipcb_mode mode, size_t k,
                         const ipcb_pool *pool, size_t t, int subscribers)
{
    ipcb_bench *b = &cs->benches[k];
    b->t = cs->infra[t].t;
    b->mode = mode;
    b->pool = pool;
    b->cfg = &cs->cfg;
    b->infra = &cs->infra[t];
    b->subscribers = subscribers;
    b->index = (int)k;
    b->total = (int)cs->nbenches;
    b->min_frames = plan->min_frames;
    b->min_time = plan->min_time;
    b->max_time = plan->max_time;
    b->fps = plan->fps;
    char group[32] = "";
    if (b->mode == IPCB_MODE_FANOUT)
        snprintf(group, sizeof group, "/subscribers:%d", subscribers);
    snprintf(b->name, sizeof b->name, "%s/%s/%s%s", b->t->name, ipcb_mode_name(b->mode),
             b->pool->size.label, group);
    gb_bench *g = gb_register(b->name, ipcb_bench_run, b);
    gb_use_manual_time(g);
    gb_time_unit(g, GB_US);
    /* Only a mode's own repetitions go in per benchmark (Google Benchmark
     * then adds "/repeats:N" to the name); the campaign's go in as a flag. */
    if (plan->own_repetitions)
        gb_repetitions(g, plan->repetitions);
}

/* The pools mode m runs: those of its sizes, and the --image picture's. */
static size_t mode_pools(campaign_state *cs, const ipcb_campaign *c, const ipcb_mode_plan *plan,
                         const ipcb_pool **out)
{
    size_t n = 0;
    for (size_t p = 0; p < cs->npools; p++) {
        int wanted = c->image[0] && p + 1 == cs->npools;
        for (size_t i = 0; i < plan->nsizes && !wanted; i++)
            wanted = strcmp(plan->sizes[i].label, cs->pools[p].size.label) == 0;
        if (wanted)
            out[n++] = &cs->pools[p];
    }
    return n;
}

/* One benchmark per mode, size and transport (fan-out: and group size K),
 * in that order of loops; fan-out only where the transport supports it.
 * Counts them first (pass 0), then registers them (pass 1). */
static int register_benchmarks(campaign_state *cs, const ipcb_campaign *c)
{
    for (size_t t = 0; t < c->ntransports; t++)
        cs->infra[t].t = ipcb_transport_find(c->transports[t]);
    note_unsupported_fanout(cs, c);
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (size_t m = 0; m < c->nmodes; m++) {
            ipcb_mode_plan plan;
            const ipcb_pool *pools[sizeof cs->pools / sizeof cs->pools[0]];
            ipcb_campaign_plan(c, c->modes[m], &plan);
            size_t npools = mode_pools(cs, c, &plan, pools);
            int fanout = c->modes[m] == IPCB_MODE_FANOUT;
            for (size_t p = 0; p < npools; p++)
                for (size_t s = 0; s < (fanout ? c->nsubscribers : 1); s++)
                    for (size_t t = 0; t < c->ntransports; t++) {
                        if (!ipcb_mode_supported(cs->infra[t].t, c->modes[m]))
                            continue;
                        if (pass == 1)
                            register_one(cs, &plan, c->modes[m], k, pools[p], t,
                                         fanout ? c->subscribers[s] : 1);
                        k++;
                    }
        }
        if (pass == 0) {
            cs->nbenches = k;
            cs->benches = calloc(k ? k : 1, sizeof *cs->benches);
            if (!cs->benches)
                return cli_usage_error("out of memory");
        }
    }
    return 0;
}

static int pin_driver(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

/* results.json -> results.csv, plots, report.md. Returns 1 if a benchmark failed. */
static int finish_outputs(const char *dir, int *failed)
{
    char path[IPCB_PATH_MAX + 32], err[512], scripts[IPCB_PATH_MAX + 16];
    ipcb_resultset rs;
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: results: %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < rs.nresults; i++)
        *failed |= rs.results[i].failed && !rs.results[i].skipped;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (ipcb_csv_write(&rs, path, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: %s\n", err);
    ipcb_resultset_free(&rs);
    ipcb_data_dir(IPCB_DATA_SCRIPTS, scripts, sizeof scripts);
    if (ipcb_plots_render(dir, scripts, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: plots: %s\n", err);
    if (ipcb_report_write(dir, err, sizeof err) != 0)
        fprintf(stderr, "ipcbench: report: %s\n", err);
    return 0;
}

/* What both sides of a paired run must agree on before their first turn:
 * the campaign's name, benchmarks (an FNV-1a hash of their names, in order)
 * and repetitions. */
static void pair_fingerprint(const campaign_state *cs, const ipcb_campaign *c, char *out,
                             size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < cs->nbenches; i++)
        for (const char *p = cs->benches[i].name; ; p++) {
            h = (h ^ (unsigned char)*p) * 0x100000001b3u;
            if (!*p)
                break;
        }
    snprintf(out, len, "campaign %s, %zu benchmarks (names %016llx), %d repetitions", c->name,
             cs->nbenches, (unsigned long long)h, c->repetitions);
}

/* Runs the registered benchmarks; paired, between meeting the other side and
 * waiting for it to end. Returns 0, or IPCB_EXIT_USAGE if the sides did not meet. */
static int run_benchmarks(run_opts *o, campaign_state *cs)
{
    char err[1024], fingerprint[256];
    if (o->pair_dir[0]) {
        pair_fingerprint(cs, &o->c, fingerprint, sizeof fingerprint);
        if (ipcb_pairturn_open(&cs->cfg.pair, o->pair_dir, o->pair_side, fingerprint,
                               o->pair_timeout_ms, err, sizeof err) != 0)
            return cli_usage_error("--pair-turn (side %s): %s", ipcb_pair_side_name(o->pair_side),
                                   err);
    }
    gb_display display = run_console_display(&cs->console);
    gb_run(&display);
    ipcb_runner_flush();
    if (cs->cfg.pair && ipcb_pairturn_finish(cs->cfg.pair, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: side %s: %s\n", ipcb_pair_side_name(o->pair_side), err);
        o->pair_failed = 1;
    }
    ipcb_pairturn_close(cs->cfg.pair);
    cs->cfg.pair = NULL;
    return 0;
}

static int run_campaign(run_opts *o, campaign_state *cs, ipcb_outdir *out, int argc, char **argv)
{
    char err[600], json_flag[IPCB_PATH_MAX + 32];
    const ipcb_campaign *c = &o->c;
    cli_self(cs->exe, sizeof cs->exe);
    if (ipcb_rundir_create(cs->rundir, sizeof cs->rundir, cs->run_id, sizeof cs->run_id, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    snprintf(cs->hist_dir, sizeof cs->hist_dir, "%s/histograms", out->tmp);
    cs->cfg = (ipcb_run_cfg){
        .exe = cs->exe, .rundir = cs->rundir, .run_id = cs->run_id, .params = c->params,
        .hist_dir = cs->hist_dir, .verify = c->verify,
        .window = c->window, .warmup = c->warmup, .timeout_ms = c->timeout_ms,
    };
    ipcb_faults_parse(&cs->cfg.faults, o->fault);
    ipcb_campaign_pins(c, &cs->cfg.driver_cpu, &cs->cfg.peer_cpu, err, sizeof err);
    if (pin_driver(cs->cfg.driver_cpu) != 0)
        return cli_usage_error("--pin %s: cannot pin to CPU %d: %s", c->pin, cs->cfg.driver_cpu, strerror(errno));

    snprintf(json_flag, sizeof json_flag, "--benchmark_out=%s/results.json", out->tmp);
    /* Repetitions go in as a flag, not per benchmark, so the names stay
     * "transport/mode/size/manual_time"; user flags come later and win. The
     * harness decides how many frames a run measures (gb_frames_begin), so
     * Google Benchmark's calibration is switched off: its first run always
     * lasts longer than a nanosecond and is taken as it is. */
    char reps_flag[64], min_time_flag[64];
    snprintf(reps_flag, sizeof reps_flag, "--benchmark_repetitions=%d", c->repetitions);
    snprintf(min_time_flag, sizeof min_time_flag, "--benchmark_min_time=1e-9");
    char *gb_args[70] = { cs->exe, json_flag, "--benchmark_out_format=json", reps_flag, min_time_flag };
    int gb_argc = 5;
    for (int i = 1; i < o->gb_argc; i++)
        gb_args[gb_argc++] = o->gb_argv[i];
    gb_args[gb_argc] = NULL;
    if (gb_initialize(&gb_argc, gb_args) != 0)
        return IPCB_EXIT_USAGE;
    add_campaign_facts(c, argc, argv);
    if (o->pair_dir[0])
        gb_add_context("pair_turn", ipcb_pair_side_name(o->pair_side));
    if (make_pools(cs, c) != 0 || register_benchmarks(cs, c) != 0)
        return IPCB_EXIT_USAGE;
    for (size_t i = 0; i < cs->npools; i++)
        if (cs->pools[i].size.bytes > cs->cfg.max_payload)
            cs->cfg.max_payload = cs->pools[i].size.bytes;

    prctl(PR_SET_TIMERSLACK, 1UL); /* paced mode: wake at the due time, not up to 50 us later */
    run_console_init(&cs->console, o->verbose, (int)cs->nbenches);
    cs->cfg.progress = run_console_progress;
    cs->cfg.progress_arg = &cs->console;
    int rc = run_benchmarks(o, cs);
    gb_shutdown();
    return rc;
}

/* Where the run is recorded: --history, or sqlite:OUT/history.db. */
static void history_url(const run_opts *o, const ipcb_outdir *out, char *url, size_t len)
{
    if (o->history)
        snprintf(url, len, "%s", o->history);
    else
        snprintf(url, len, "sqlite:%s/history.db", out->root);
}

/* Records the run in the history database; says where, or why it could not
 * (the results folder is saved either way). Returns 0, or -1 if not recorded. */
static int record_history(const run_opts *o, const ipcb_outdir *out, char *line, size_t len)
{
    char url[IPCB_PATH_MAX + 16], err[1200];
    history_url(o, out, url, sizeof url);
    line[0] = '\0';
    if (strcmp(url, "none") == 0)
        return 0;
    ipcb_history_added added;
    if (ipcb_history_record_url(url, out->final, &added, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: history: the run was NOT recorded: %s\n"
                        "ipcbench: the results are saved; record them later with\n"
                        "  ipcbench history import --db '%s' %s\n", err, url, out->final);
        return -1;
    }
    snprintf(line, len, "history: %s  (run %.12s)", url, added.run.run_id);
    return 0;
}

/* The summary table, then where the report and the plots are. */
static void print_summary(const char *dir, const char *history_line)
{
    char err[512];
    ipcb_resultset rs;
    fflush(stderr);
    putchar('\n');
    if (ipcb_resultset_load(&rs, dir, err, sizeof err) == 0) {
        ipcb_summary_print(stdout, &rs, 100, 6);
        ipcb_resultset_free(&rs);
    }
    printf("\nresults: %s\nreport:  %s/report.md  (and report.html)\n", dir, dir);
    char plots[IPCB_PATH_MAX + 16];
    snprintf(plots, sizeof plots, "%s/plots", dir);
    if (access(plots, F_OK) == 0)
        printf("plots:   %s/*.svg, *.png\n", plots);
    if (history_line[0])
        printf("%s\n", history_line);
    fflush(stdout); /* before anything on stderr, when both go to one file */
}

/* Every transport removes the system-wide objects it made for one run. */
static void reap_run(const char *dir, const char *run_id, void *arg)
{
    (void)arg;
    size_t n;
    const ipcb_transport *const *all = ipcb_transport_all(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i]->reap)
            all[i]->reap(dir, run_id);
}

static void release(campaign_state *cs, size_t ntransports)
{
    ipcb_infra_stop_all(cs->infra, ntransports);
    for (size_t i = 0; i < cs->npools; i++)
        ipcb_pool_destroy(&cs->pools[i]);
    free(cs->benches);
    if (cs->rundir[0]) {
        reap_run(cs->rundir, cs->run_id, NULL);
        ipcb_remove_tree(cs->rundir);
    }
}

/* After the first Ctrl-C or SIGTERM: 128 + the signal (130, 143). */
static int interrupted_status(const ipcb_outdir *out)
{
    int sig = run_stop_signal();
    fprintf(stderr, "ipcbench: stopped by %s; the benchmarks that ended are saved in %s (exit status %d)\n",
            sig == SIGINT ? "Ctrl-C" : "SIGTERM", out->final, 128 + sig);
    return 128 + sig;
}

int cmd_run(int argc, char **argv)
{
    static run_opts o;
    static campaign_state cs;
    static ipcb_outdir out;
    static run_halt halt = { .lock = PTHREAD_MUTEX_INITIALIZER }; /* a second Ctrl-C */
    char err[600];
    ipcb_faults probe;

    int rc = parse_run_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (ipcb_campaign_validate(&o.c, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    if (ipcb_faults_parse(&probe, o.fault) != 0)
        return cli_usage_error("--fault must be corrupt@N, peer-exit@N, peer-hang@N or slow[:TRANSPORT]@FACTOR, not '%s'", o.fault);
    if (ipcb_fd_limit_raise(IPCB_FD_MIN, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    halt.rundir = cs.rundir;
    halt.run_id = cs.run_id;
    halt.out = &out;
    if (run_stop_install(run_halt_now, &halt, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: %s\n", err);
        return IPCB_EXIT_FAILED;
    }
    signal(SIGPIPE, SIG_IGN);
    if (ipcb_outdir_begin(&out, o.out, o.c.name, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    history_url(&o, &out, halt.history, sizeof halt.history);
    int stale = ipcb_rundir_reap_stale(reap_run, NULL);
    if (stale > 0)
        fprintf(stderr, "ipcbench: cleaned up after %d crashed run%s\n", stale, stale > 1 ? "s" : "");
    if (out.reaped > 0)
        fprintf(stderr, "ipcbench: removed the partial results of %d crashed run%s from %s\n",
                out.reaped, out.reaped > 1 ? "s" : "", out.root);

    rc = run_campaign(&o, &cs, &out, argc - 1, argv + 1);
    if (rc == 0)
        run_halt_results_complete(&halt);
    run_console_not_run(&cs.console);
    release(&cs, o.c.ntransports);
    if (rc != 0) {
        ipcb_outdir_discard(&out);
        return rc;
    }
    int failed = 0;
    if (finish_outputs(out.tmp, &failed) != 0)
        failed = 1;
    if (run_halt_commit(&halt, err, sizeof err) != 0) {
        fprintf(stderr, "ipcbench: %s (results left in %s)\n", err, out.tmp);
        return IPCB_EXIT_FAILED;
    }
    char history_line[IPCB_PATH_MAX + 64];
    int unrecorded = record_history(&o, &out, history_line, sizeof history_line) != 0;
    print_summary(out.final, history_line);
    if (run_stop_signal())
        return interrupted_status(&out);
    if (failed)
        fprintf(stderr, "ipcbench: some benchmarks failed (see the report's Failures section)\n");
    return failed || unrecorded || o.pair_failed ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}
