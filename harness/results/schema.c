/* The names behind schema.h: modes and counters as they appear in benchmark
 * names and JSON keys, and the samples each percentile needs. */
#include "schema.h"

#include <string.h>

static const char *const mode_names[IPCB_NMODES] = { "latency", "throughput", "paced", "fanout" };

const char *ipcb_mode_name(ipcb_mode m)
{
    return m < IPCB_NMODES ? mode_names[m] : "?";
}

int ipcb_mode_parse(const char *text, ipcb_mode *m)
{
    for (int i = 0; i < IPCB_NMODES; i++)
        if (strcmp(text, mode_names[i]) == 0) {
            *m = (ipcb_mode)i;
            return 0;
        }
    return -1;
}

const char *const ipcb_counter_names[IPCB_NCOUNTERS] = {
    "p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us",
    "rtt_p50_us", "rtt_p99_us", "frames_per_s", "mb_per_s",
    "cpu_driver_s", "cpu_peer_s", "cpu_infra_s", "cpu_per_gib_s",
    "cpu_per_frame_us", "copies", "late", "dropped", "frames", "bytes",
    "subscribers", "faults_per_frame", "major_faults_per_frame", "csw_per_frame",
    "icsw_per_frame", "steal_s",
};

uint64_t ipcb_counter_min_frames(enum ipcb_counter c)
{
    switch (c) {
    case IPCB_C_P99_US:
    case IPCB_C_RTT_P99_US: return IPCB_P99_MIN_SAMPLES;
    case IPCB_C_P999_US:    return IPCB_P999_MIN_SAMPLES;
    default:                return 0;
    }
}
