/* INI files through inih with over-long lines named as such (see inifile.h):
 * our line reader stops inih at the first line that does not fit its buffer
 * and remembers which line that was. */
#include "inifile.h"

#include <errno.h>
#include <string.h>

typedef struct line_reader {
    FILE  *f;
    int    lineno;         /* lines handed to inih so far */
    int    too_long_line;  /* the line that did not fit, or 0 */
    size_t too_long_max;   /* the most bytes a line could have had */
    int    failed;         /* a read error */
    int    read_errno;
} line_reader;

/* inih's reader: one whole line into str (num bytes with the NUL), or NULL
 * (ending the parse) at the end of the file, on a read error, or at a line
 * whose text and line break do not fit (even the last line, which may lack
 * its line break: the limit is the same for every line). */
static char *read_line(char *str, int num, void *stream)
{
    line_reader *r = stream;
    if (!fgets(str, num, r->f)) {
        if (ferror(r->f)) {
            r->failed = 1;
            r->read_errno = errno;
        }
        return NULL;
    }
    r->lineno++;
    size_t len = strlen(str);
    int whole = len > 0 && str[len - 1] == '\n';
    if (!whole && len + 1 == (size_t)num) {
        r->too_long_line = r->lineno;
        r->too_long_max = (size_t)num - 2; /* room for the line break and the NUL */
        return NULL;
    }
    return str;
}

int ipcb_ini_parse_file(FILE *f, ini_handler handler, void *user, size_t *too_long)
{
    line_reader r = { .f = f };
    *too_long = 0;
    int first_bad = ini_parse_stream(read_line, &r, handler, user);
    if (r.failed) {
        errno = r.read_errno;
        return -1;
    }
    if (r.too_long_line && (first_bad <= 0 || r.too_long_line < first_bad)) {
        *too_long = r.too_long_max;
        return r.too_long_line;
    }
    return first_bad;
}
