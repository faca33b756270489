/* The one parser of whole numbers typed by a user (see number.h): strtoll
 * with its end pointer and ERANGE checked, then the caller's range. */
#include "number.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int ipcb_parse_integer(const char *text, long long min, long long max, long long *out)
{
    if (!text || !(is_digit(text[0]) || (text[0] == '-' && is_digit(text[1]))))
        return -1;
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno == ERANGE || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

void ipcb_integer_error(char *err, size_t errlen, const char *what, long long min, long long max,
                        const char *text)
{
    snprintf(err, errlen, "%s must be a whole number from %lld to %lld, not '%s'", what, min, max, text);
}
