/* The two faces of a report: the same calls write Markdown (report.md) or a
 * self-contained HTML page (report.html: CSS and one sorting script inline,
 * plots inlined as SVG, nothing fetched). Internal to the report (report*.c). */
#ifndef IPCB_REPORTDOC_H
#define IPCB_REPORTDOC_H

#include <stddef.h>
#include <stdio.h>

typedef struct rdoc {
    FILE  *f;
    int    html;
    size_t figures;     /* inlined SVGs so far, for unique id prefixes */
} rdoc;

/* Cell flags. */
enum { RD_NUM = 1, RD_BEST = 2, RD_SLOWER = 4, RD_FASTER = 8, RD_DIFF = 16 };

/* The page around the content (HTML only; nothing for Markdown). rd_end
 * writes the page's one script: click a header to sort a table. */
void rd_begin(rdoc *d, const char *title);
void rd_end(rdoc *d);
/* A table of contents: n section ids and titles (HTML only). */
void rd_nav(rdoc *d, const char *const *ids, const char *const *titles, size_t n);

/* Inline content. text: data, escaped for the format (reportdoc_escape.h:
 * in Markdown no line break, table column, heading, code, emphasis, link or
 * HTML comes from it). markup: our own prose with **bold**, *emphasis* and
 * `code`, written as is in Markdown, converted in HTML. code: data as code
 * (in Markdown a code span, or escaped text if it cannot be one). */
void rd_text(rdoc *d, const char *s);
void rd_textf(rdoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rd_markup(rdoc *d, const char *s);
void rd_code(rdoc *d, const char *s);
void rd_strong_begin(rdoc *d);
void rd_strong_end(rdoc *d);

/* Blocks. A heading's text is written between begin and end. */
void rd_heading_begin(rdoc *d, int level, const char *id);
void rd_heading_end(rdoc *d, int level);
void rd_section_begin(rdoc *d, const char *id, const char *title); /* a level-2 heading */
void rd_section_end(rdoc *d);
void rd_para_begin(rdoc *d);
void rd_para_end(rdoc *d);
void rd_para(rdoc *d, const char *markup);
/* "How to read this": a short note under a section heading (markup), muted
 * in HTML, a quote in Markdown. With tables, the HTML adds how to sort them. */
void rd_howto(rdoc *d, const char *markup, int tables);
void rd_list_begin(rdoc *d);
void rd_item_begin(rdoc *d);
void rd_item_end(rdoc *d);
void rd_list_end(rdoc *d);

/* Tables: rd_table_begin, one header row (rd_header), then rows of cells.
 * In HTML every table sorts by a click on a header. tips (NULL, or NULL
 * entries) are header tooltips. A cell's tooltip (tip) and sort key (key,
 * e.g. bytes for a size label; the text sorts otherwise) are HTML only. */
void rd_table_begin(rdoc *d);
void rd_header(rdoc *d, const char *const *cols, const int *flags, size_t n);
void rd_header_tips(rdoc *d, const char *const *cols, const int *flags,
                    const char *const *tips, size_t n);
void rd_row_begin(rdoc *d);
void rd_cell_begin(rdoc *d, int flags);
void rd_cell_begin_tip(rdoc *d, int flags, const char *tip);
void rd_cell_end(rdoc *d, int flags);
void rd_cell(rdoc *d, int flags, const char *text);
void rd_cell_tip(rdoc *d, int flags, const char *text, const char *tip);
void rd_cell_keyed(rdoc *d, int flags, const char *text, double key);
void rd_row_end(rdoc *d);
void rd_table_end(rdoc *d);

/* A plot: a Markdown image link to dir/rel, or in HTML the SVG file itself,
 * inlined (namespace declarations dropped, ids made unique). Returns 0, or
 * -1 if the file cannot be read (nothing written). */
int rd_figure(rdoc *d, const char *dir, const char *rel, const char *title);

#endif
