/* Facts about the machine and build that make a result reproducible: kernel,
 * CPU model, governor, versions of ipcbench and its libraries. They go into the
 * "context" object of results.json. */
#ifndef IPCB_ENVINFO_H
#define IPCB_ENVINFO_H

#include <stddef.h>

typedef void (*ipcb_fact_fn)(const char *key, const char *value, void *arg);

/* Calls fact(key, value, arg) once per fact. */
void ipcb_envinfo_collect(ipcb_fact_fn fact, void *arg);

#endif
