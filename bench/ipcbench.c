/* ipcbench: the command line's dispatch, `list` (the transports) and the
 * helpers every verb shares; run, report, compare, merge, export and peer (the
 * process `run` spawns) live in cmd_*.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "transport.h"

static const char usage[] =
    "usage: ipcbench <command> [options]\n"
    "\n"
    "commands:\n"
    "  list                 transports, whether they are available here, max frame, copies, caps\n"
    "  run [options]        run a campaign; results go to results/<UTC stamp>-<campaign>/\n"
    "  report DIR [--baseline DIR]  render plots, DIR/report.md and DIR/report.html from DIR/results.json\n"
    "  report DIR1 DIR2 ... [--out OUT] [--labels a,b]  one report over several runs, side by side\n"
    "  compare BASE NEW     compare two result sets: verdicts per benchmark; exit 1 on a regression\n"
    "  merge OUT RUN1 RUN2 ...  pool the repetitions of several runs into one results.json\n"
    "  export --format bencher|github-smaller|github-bigger DIR  a run for a benchmark tracker\n"
    "  history VERB         the runs recorded so far: list, show, trend, regressions, import, merge\n"
    "  help [COMMAND]       this text, or a command's options (also: COMMAND --help)\n"
    "\n"
    "Exit status: 0 all benchmarks passed, 1 a benchmark failed, 2 bad input.\n";

int cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ipcbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return IPCB_EXIT_USAGE;
}

void cli_self(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    out[n > 0 ? n : 0] = '\0';
}

static void caps_text(unsigned caps, char *out, size_t len)
{
    snprintf(out, len, "%s%s", caps & IPCB_CAP_IN_PROCESS ? "in-process " : "",
             caps & IPCB_CAP_ZERO_COPY ? "zero-copy " : "");
    if (!out[0])
        snprintf(out, len, "-");
}

/* How a transport does fan-out mode, for the FANOUT column. */
static const char *fanout_text(unsigned caps)
{
    if (!(caps & IPCB_CAP_FANOUT))
        return "not supported";
    return caps & IPCB_CAP_BROADCAST ? "broadcast" : "link per peer";
}

static int cmd_list(int argc, char **argv)
{
    if (argc > 1)
        return strcmp(argv[1], "--help") == 0 ? (puts("usage: ipcbench list"), 0)
                                              : cli_usage_error("list takes no arguments");
    size_t n;
    const ipcb_transport *const *all = ipcb_transport_all(&n);
    printf("%-12s %-28s %-10s %-6s %-20s %-14s %s\n", "TRANSPORT", "AVAILABLE", "MAX FRAME",
           "COPIES", "CAPS", "FANOUT", "SUMMARY");
    for (size_t i = 0; i < n; i++) {
        const ipcb_transport *t = all[i];
        char why[IPCB_ERR_MAX] = "yes", max[32] = "unlimited", caps[64];
        if (t->available && t->available(why) != 0) {
            char reason[IPCB_ERR_MAX + 8];
            snprintf(reason, sizeof reason, "no: %s", why);
            snprintf(why, sizeof why, "%s", reason);
        }
        if (t->max_frame)
            snprintf(max, sizeof max, "%zu", t->max_frame);
        caps_text(t->caps, caps, sizeof caps);
        printf("%-12s %-28s %-10s %-6u %-20s %-14s %s\n", t->name, why, max, t->copies, caps,
               fanout_text(t->caps), t->summary);
    }
    printf("\nmodes: latency, throughput, paced (every transport); fanout (--subscribers K: one "
           "sender, K peers) where the FANOUT column says how\n");
    for (size_t i = 0; i < n; i++)
        for (const ipcb_param_spec *p = all[i]->params; p && p->name; p++) {
            char accepts[64];
            ipcb_param_accepts(p, accepts, sizeof accepts);
            printf("parameter of %s: --param %s=%s (default %s): %s\n", all[i]->name, p->name,
                   accepts, p->def, p->help);
        }
    return 0;
}

/* The verbs; `help VERB` is the verb with --help. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    { "list", cmd_list }, { "run", cmd_run }, { "report", cmd_report }, { "peer", cmd_peer },
    { "compare", cmd_compare }, { "merge", cmd_merge }, { "export", cmd_export },
    { "history", cmd_history },
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return IPCB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    int help = strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0;
    if (help && argc > 2)
        cmd = argv[2];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        if (!help)
            return commands[i].run(argc - 1, argv + 1);
        char *sub[] = { argv[2], "--help", NULL };
        return commands[i].run(2, sub);
    }
    if (help) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return cli_usage_error("unknown command '%s'", cmd);
}
