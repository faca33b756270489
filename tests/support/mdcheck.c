/* Markdown structure checks for the escaping tests: table columns counted
 * as GitHub's table parser splits them, line starts that make headings, and
 * raw HTML. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mdcheck.h"

size_t md_pipes(const char *line, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    return n;
}

/* Is the line a heading whose text starts with injected: '#' after at most
 * 3 spaces, more '#', spaces, then injected? */
static int heading_of(const char *line, const char *injected)
{
    size_t i = 0;
    while (i < 3 && line[i] == ' ')
        i++;
    if (line[i] != '#')
        return 0;
    while (line[i] == '#')
        i++;
    while (line[i] == ' ')
        i++;
    return strncmp(line + i, injected, strlen(injected)) == 0;
}

size_t assert_md_safe(const char *md, const char *injected)
{
    size_t rows = 0, header = 0;
    if (strstr(md, "<script"))
        fail_msg("raw <script> in:\n%s", md);
    for (const char *line = md; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (line[0] == '|') {
            size_t pipes = md_pipes(line, len);
            if (header == 0)
                header = pipes;
            else if (pipes != header)
                fail_msg("a table row with %zu separators under a header of %zu: %.*s",
                         pipes, header, (int)len, line);
            rows++;
        } else {
            header = 0;
        }
        if (heading_of(line, injected))
            fail_msg("a heading made of data: %.*s", (int)len, line);
        line += len + (end != NULL);
    }
    return rows;
}
