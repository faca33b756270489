/* A campaign: which transports, modes and sizes to run, and the settings.
 * Read from an INI file (inih) and then overridden by command-line flags;
 * validated up front so a bad campaign fails before anything runs. */
#ifndef IPCB_CAMPAIGN_H
#define IPCB_CAMPAIGN_H

#include <stddef.h>

#include "runner.h"
#include "transport.h"
#include "sizes.h"

enum { IPCB_MAX_LIST = 32, IPCB_MAX_FRAMES = 100000000 };

/* What one mode may set for itself in its own INI section ([latency],
 * [throughput], [paced], [fanout]); zero (or, for min_time, a negative value)
 * takes the campaign's setting. */
typedef struct ipcb_mode_settings {
    ipcb_size sizes[IPCB_MAX_LIST];
    size_t nsizes;
    int    repetitions;
    int    min_frames;
    double min_time;
    double max_time;
    double fps;
} ipcb_mode_settings;

/* One mode's settings with the campaign's filled in: what the runner uses. */
typedef struct ipcb_mode_plan {
    const ipcb_size *sizes;
    size_t nsizes;
    int    repetitions;
    int    own_repetitions; /* set in the mode's section: differs from the campaign's */
    int    min_frames;      /* 0 = automatic (see runner.h) */
    double min_time, max_time, fps;
} ipcb_mode_plan;

typedef struct ipcb_campaign {
    char   name[64];
    char   transports[IPCB_MAX_LIST][32];
    size_t ntransports;
    ipcb_mode modes[IPCB_NMODES];
    size_t nmodes;
    ipcb_size sizes[IPCB_MAX_LIST];
    size_t nsizes;
    int    subscribers[IPCB_MAX_LIST]; /* fanout mode: group sizes K to run (default 1,2,4) */
    size_t nsubscribers;
    char   image[1024];       /* --image FILE.png: one extra size, a real picture */
    int    repetitions;
    int    min_frames;        /* measured frames per run at least; 0 = automatic per mode */
    double min_time;          /* measured seconds per run at least (more frames if needed) */
    double max_time;          /* ...but a run's planned frames stop at this many seconds */
    double fps;
    int    window;
    int    warmup;            /* 0 = automatic */
    int    verify;            /* IPCB_VERIFY_* */
    int    timeout_ms;
    char   pin[64];           /* "" or "D[,P]": driver and peer CPUs */
    char   params[512];       /* transport parameters "name=value,..." (e.g. wait=spin) */
    ipcb_mode_settings mode[IPCB_NMODES];
} ipcb_campaign;

void ipcb_campaign_defaults(ipcb_campaign *c);
/* Read an INI file ([campaign] section, and optional [MODE] sections). Returns 0 or -1 with "FILE:LINE: why". */
int  ipcb_campaign_load(ipcb_campaign *c, const char *path, char *err, size_t errlen);
/* Set one key ("transports", "modes", "sizes", "repetitions", ...) from text,
 * as both the INI reader and the CLI do. Returns 0 or -1 with err. */
int  ipcb_campaign_set(ipcb_campaign *c, const char *key, const char *value, char *err, size_t errlen);
/* As ipcb_campaign_set, for a command-line flag: the value also replaces
 * what any mode's own section set for that key. */
int  ipcb_campaign_override(ipcb_campaign *c, const char *key, const char *value, char *err, size_t errlen);
/* Set one key of mode m's own section (sizes, repetitions, min_frames,
 * min_time, max_time, fps). */
int  ipcb_campaign_set_for_mode(ipcb_campaign *c, ipcb_mode m, const char *key, const char *value,
                                char *err, size_t errlen);
/* Mode m's settings with the campaign's filled in. */
void ipcb_campaign_plan(const ipcb_campaign *c, ipcb_mode m, ipcb_mode_plan *out);
/* Every distinct size any mode runs (by label), campaign sizes first.
 * out needs room for IPCB_MAX_LIST * (IPCB_NMODES + 1). Returns the count. */
size_t ipcb_campaign_all_sizes(const ipcb_campaign *c, const ipcb_size **out);
/* Set one transport parameter (replacing an earlier value of the same name). */
int  ipcb_campaign_set_param(ipcb_campaign *c, const char *name, const char *value, char *err, size_t errlen);
/* Check everything that can be checked before running: known transports,
 * sizes within each transport's maximum frame, a readable image, a fanout
 * mode with at least one transport that supports it. */
int  ipcb_campaign_validate(const ipcb_campaign *c, char *err, size_t errlen);
/* Does transport t run in mode m? (fanout needs IPCB_CAP_FANOUT) */
int  ipcb_mode_supported(const ipcb_transport *t, ipcb_mode m);
/* Parse the pin setting into driver and peer CPUs (-1 = none). */
int  ipcb_campaign_pins(const ipcb_campaign *c, int *driver_cpu, int *peer_cpu, char *err, size_t errlen);

#endif
