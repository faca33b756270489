/* `ipcbench peer`: the receiving process that `ipcbench run` spawns for each
 * benchmark run. Not meant to be started by hand; its arguments come from
 * harness/run/session.c and its results go back over the control channel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"
#include "peer.h"
#include "runner.h"

static int parse_u64(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end)
        return -1;
    *out = v;
    return 0;
}

int cmd_peer(int argc, char **argv)
{
    ipcb_peer_args a = { .control_fd = -1, .cpu = -1, .timeout_ms = 10000, .infra_address = "",
                         .group = "", .cfg = { .measure_cpu = 1 } };
    ipcb_faults faults; /* test-only: --fault-exit-at, --fault-hang-at */
    ipcb_faults_none(&faults);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        uint64_t n = 0;
        ipcb_mode mode;
        int ok = 1;
        if (cli_option(argc, argv, &i, "--transport", &v) == 1)
            ok = (a.t = ipcb_transport_find(v)) != NULL;
        else if (cli_option(argc, argv, &i, "--control-fd", &v) == 1)
            ok = parse_u64(v, &n) == 0 && (a.control_fd = (int)n) >= 0;
        else if (cli_option(argc, argv, &i, "--rundir", &v) == 1)
            a.rundir = v;
        else if (cli_option(argc, argv, &i, "--run-id", &v) == 1)
            a.run_id = v;
        else if (cli_option(argc, argv, &i, "--params", &v) == 1)
            a.params = v;
        else if (cli_option(argc, argv, &i, "--infra-address", &v) == 1)
            a.infra_address = v;
        else if (cli_option(argc, argv, &i, "--group", &v) == 1)
            a.group = v;
        else if (cli_option(argc, argv, &i, "--payload-bytes", &v) == 1)
            ok = parse_u64(v, &a.cfg.payload_bytes) == 0;
        else if (cli_option(argc, argv, &i, "--window", &v) == 1)
            ok = parse_u64(v, &n) == 0 && n >= 1 && n <= 1000000 && (a.window = (int)n) > 0;
        else if (cli_option(argc, argv, &i, "--mode", &v) == 1) {
            ok = ipcb_mode_parse(v, &mode) == 0;
            a.cfg.allow_gaps = ok && mode == IPCB_MODE_PACED;
        }
        else if (cli_option(argc, argv, &i, "--verify", &v) == 1)
            ok = ipcb_verify_parse(v, &a.cfg.verify) == 0;
        else if (cli_option(argc, argv, &i, "--timeout-ms", &v) == 1)
            ok = parse_u64(v, &n) == 0 && (a.timeout_ms = (int)n) > 0;
        else if (cli_option(argc, argv, &i, "--pin-cpu", &v) == 1)
            a.cpu = atoi(v);
        else if (cli_option(argc, argv, &i, "--fault-exit-at", &v) == 1)
            ok = parse_u64(v, &faults.exit_at) == 0;
        else if (cli_option(argc, argv, &i, "--fault-hang-at", &v) == 1)
            ok = parse_u64(v, &faults.hang_at) == 0;
        else
            return cli_usage_error("peer: unknown argument '%s' (this command is started by 'ipcbench run')",
                                   argv[i]);
        if (!ok)
            return cli_usage_error("peer: bad value for %s", argv[i]);
    }
    if (!a.t || a.control_fd < 0 || !a.rundir || !a.run_id || !a.params || a.cfg.payload_bytes == 0)
        return cli_usage_error("peer: needs --transport, --control-fd, --rundir, --run-id, --params and --payload-bytes "
                               "(this command is started by 'ipcbench run')");
    /* A fault is installed as a wrapper around the transport's table. */
    static ipcb_fault_transport faulty;
    a.t = ipcb_fault_wrap(&faulty, a.t, &faults);
    return ipcb_peer_main(&a);
}
