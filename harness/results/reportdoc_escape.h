/* How data (benchmark names, context values, labels, paths, messages) is
 * written into Markdown and HTML so that it stays data: one escaper per
 * format, used by the report (reportdoc.c) and by compare's Markdown. */
#ifndef IPCB_REPORTDOC_ESCAPE_H
#define IPCB_REPORTDOC_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Markdown text, safe in a paragraph, a list item, a heading and a table
 * cell: a line break (CR, LF, VT, FF) becomes a space, so data never starts a
 * line; \ ` * [ ] | # get a backslash, so no table column, code span,
 * emphasis, link or heading comes from data; < > & become &lt; &gt; &amp;,
 * so no HTML does (as in report.html). '_' stays as it is: common in paths
 * and names, and between letters it never starts emphasis. */
void rd_md_escaped(FILE *f, const char *s);
/* Markdown code: s as a code span (`s`) when it is not empty and holds none
 * of ` | \ < > & or a line break, which a code span cannot escape; any
 * other s as rd_md_escaped text. */
void rd_md_code(FILE *f, const char *s);
/* HTML text or a quoted attribute value: the first n bytes of s (up to its
 * end) with & < > " as entities. */
void rd_html_escaped(FILE *f, const char *s, size_t n);

#endif
