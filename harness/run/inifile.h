/* Reads an INI file through inih one whole line at a time, so that a line
 * longer than inih's line buffer is reported as too long, with its number,
 * instead of being cut into pieces that inih would call malformed. */
#ifndef IPCB_INIFILE_H
#define IPCB_INIFILE_H

#include <ini.h>
#include <stddef.h>
#include <stdio.h>

/* Parses f, handing each NAME = VALUE to handler as ini_parse_file does.
 * Returns 0; or the number of the first bad line, with *too_long set to the
 * most bytes a line may have (line break not counted) when that line was too
 * long and to 0 otherwise; or -1 if f could not be read (errno says why). */
int ipcb_ini_parse_file(FILE *f, ini_handler handler, void *user, size_t *too_long);

#endif
