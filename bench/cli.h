/* Shared pieces of the ipcbench command line: the verbs' entry points, option
 * matching ("--opt VALUE" and "--opt=VALUE"), and this program's path. */
#ifndef IPCB_CLI_H
#define IPCB_CLI_H

#include <stddef.h>

enum { IPCB_EXIT_OK = 0, IPCB_EXIT_FAILED = 1, IPCB_EXIT_USAGE = 2 };

int cmd_run(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_history(int argc, char **argv);

/* If argv[*i] is --name or --name=VALUE, sets *value (consuming the next
 * argument for the first form) and returns 1; returns -1 if the value is
 * missing, 0 if argv[*i] is another option. */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* Prints "ipcbench: <message>" on stderr and returns IPCB_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Absolute path of this executable. */
void cli_self(char *out, size_t len);

#endif
