/* The one parser of whole numbers typed by a user: command-line flags,
 * campaign settings, transport parameters. Strict (digits and an optional
 * leading '-', nothing else), overflow-checked and range-checked. */
#ifndef IPCB_NUMBER_H
#define IPCB_NUMBER_H

#include <stddef.h>

/* Sets *out to the number text spells and returns 0, or returns -1 (and
 * leaves *out alone) when text is not a whole number from min to max:
 * empty, other characters, leading spaces or '+', or too large for a long long. */
int ipcb_parse_integer(const char *text, long long min, long long max, long long *out);

/* The error for a number that did not parse: "WHAT must be a whole number
 * from MIN to MAX, not 'TEXT'". */
void ipcb_integer_error(char *err, size_t errlen, const char *what, long long min, long long max,
                        const char *text);

#endif
