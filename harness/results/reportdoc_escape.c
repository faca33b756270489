/* The escapers behind every name and value in report.md, report.html and
 * compare --format md: Markdown text and code spans, HTML text and
 * attributes. What each escapes, and why, is in reportdoc_escape.h. */
#include "reportdoc_escape.h"

#include <string.h>

static int is_line_break(char c)
{
    return c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void rd_md_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (is_line_break(*s))
            fputc(' ', f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (strchr("\\`*[]|#", *s))
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
}

/* Can s go into a code span as it is? Inside one, backslashes and entities
 * are literal, so nothing could be escaped there. */
static int code_span_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (is_line_break(*s) || strchr("`|\\<>&", *s))
            return 0;
    return 1;
}

void rd_md_code(FILE *f, const char *s)
{
    if (code_span_safe(s))
        fprintf(f, "`%s`", s);
    else
        rd_md_escaped(f, s);
}

void rd_html_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:  fputc(s[i], f);
        }
    }
}
