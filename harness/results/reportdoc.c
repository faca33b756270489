/* Markdown and HTML behind one set of calls, so report.md and report.html say
 * the same thing. The HTML is self-contained: inline CSS, plots as inline SVG
 * (ids prefixed per figure), one inline sorting script, nothing fetched. */
#include "reportdoc.h"
#include "reportdoc_escape.h"
#include "reportdoc_sort.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0;color:#1d2430;background:#fff;line-height:1.45}\n"
    "main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem 3rem}\n"
    "h1{font-size:1.6rem;margin:1rem 0 .5rem}h2{font-size:1.3rem;margin-top:2rem;"
    "border-bottom:1px solid #d6dbe3;padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.4rem}\n"
    "nav{background:#f4f6f9;border:1px solid #d6dbe3;border-radius:6px;padding:.4rem .8rem;"
    "margin:1rem 0}nav a{margin-right:1rem;white-space:nowrap;color:#1f5fbf;text-decoration:none}\n"
    "table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem;display:block;"
    "overflow-x:auto;max-width:100%}\n"
    "th,td{border:1px solid #d6dbe3;padding:.25rem .55rem;text-align:left;vertical-align:top}\n"
    "th{background:#f4f6f9}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "thead th{cursor:pointer;user-select:none}thead th:hover{background:#e8ecf2}"
    ".sort-ind{color:#1f5fbf}\n"
    "p.howto{color:#5a6472;font-size:.9rem;margin:.2rem 0 .8rem}\n"
    "td.best{background:#eaf6ea}td.slower{background:#fde8e8;color:#a4161a}"
    "td.faster{background:#e6f4ea;color:#1e6b34}td.diff{background:#fff6dd}\n"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.88em;"
    "background:#f4f6f9;padding:0 .2em;border-radius:3px}\n"
    "figure{margin:1rem 0 2rem}figure svg{width:100%;height:auto;max-width:900px;"
    "border:1px solid #d6dbe3}figcaption{font-size:.9rem;color:#4a5568}\n";

/* ---- inline ---------------------------------------------------------------- */

void rd_text(rdoc *d, const char *s)
{
    if (d->html)
        rd_html_escaped(d->f, s, strlen(s));
    else
        rd_md_escaped(d->f, s);
}

void rd_textf(rdoc *d, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rd_text(d, buf);
}

/* **bold**, *emphasis*, `code` to HTML; everything else escaped. */
void rd_markup(rdoc *d, const char *s)
{
    if (!d->html) {
        fputs(s, d->f);
        return;
    }
    int bold = 0, em = 0;
    while (*s) {
        if (*s == '`') {
            const char *end = strchr(s + 1, '`');
            if (end) {
                fputs("<code>", d->f);
                rd_html_escaped(d->f, s + 1, (size_t)(end - s - 1));
                fputs("</code>", d->f);
                s = end + 1;
                continue;
            }
        } else if (s[0] == '*' && s[1] == '*') {
            fputs(bold ? "</strong>" : "<strong>", d->f);
            bold = !bold;
            s += 2;
            continue;
        } else if (*s == '*') {
            fputs(em ? "</em>" : "<em>", d->f);
            em = !em;
            s++;
            continue;
        }
        rd_html_escaped(d->f, s, 1);
        s++;
    }
    if (em)
        fputs("</em>", d->f);
    if (bold)
        fputs("</strong>", d->f);
}

void rd_code(rdoc *d, const char *s)
{
    if (d->html) {
        fputs("<code>", d->f);
        rd_html_escaped(d->f, s, strlen(s));
        fputs("</code>", d->f);
    } else {
        rd_md_code(d->f, s);
    }
}

void rd_strong_begin(rdoc *d) { fputs(d->html ? "<strong>" : "**", d->f); }
void rd_strong_end(rdoc *d)   { fputs(d->html ? "</strong>" : "**", d->f); }

/* ---- page and blocks ------------------------------------------------------- */

void rd_begin(rdoc *d, const char *title)
{
    if (!d->html)
        return;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", d->f);
    rd_html_escaped(d->f, title, strlen(title));
    fprintf(d->f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
}

void rd_end(rdoc *d)
{
    if (d->html)
        fprintf(d->f, "</main>\n<script>\n%s</script>\n</body>\n</html>\n", rd_sort_script);
}

void rd_nav(rdoc *d, const char *const *ids, const char *const *titles, size_t n)
{
    if (!d->html)
        return;
    fputs("<nav id=\"contents\">", d->f);
    for (size_t i = 0; i < n; i++) {
        fprintf(d->f, "<a href=\"#%s\">", ids[i]);
        rd_html_escaped(d->f, titles[i], strlen(titles[i]));
        fputs("</a>", d->f);
    }
    fputs("</nav>\n", d->f);
}

void rd_heading_begin(rdoc *d, int level, const char *id)
{
    if (!d->html) {
        fprintf(d->f, "%.*s ", level, "######");
        return;
    }
    fprintf(d->f, "<h%d", level);
    if (id)
        fprintf(d->f, " id=\"%s\"", id);
    fputc('>', d->f);
}

void rd_heading_end(rdoc *d, int level)
{
    if (d->html)
        fprintf(d->f, "</h%d>\n", level);
    else
        fputs("\n\n", d->f);
}

void rd_section_begin(rdoc *d, const char *id, const char *title)
{
    if (d->html)
        fprintf(d->f, "<section id=\"%s\">\n", id);
    rd_heading_begin(d, 2, NULL);
    rd_text(d, title);
    rd_heading_end(d, 2);
}

void rd_section_end(rdoc *d)
{
    if (d->html)
        fputs("</section>\n", d->f);
}

void rd_para_begin(rdoc *d)
{
    if (d->html)
        fputs("<p>", d->f);
}

void rd_para_end(rdoc *d)
{
    fputs(d->html ? "</p>\n" : "\n\n", d->f);
}

void rd_para(rdoc *d, const char *markup)
{
    rd_para_begin(d);
    rd_markup(d, markup);
    rd_para_end(d);
}

void rd_howto(rdoc *d, const char *markup, int tables)
{
    fputs(d->html ? "<p class=\"howto\">" : "> ", d->f);
    rd_markup(d, markup);
    if (d->html && tables)
        fputs(" Click a column header to sort; click it again to reverse.", d->f);
    rd_para_end(d);
}

void rd_list_begin(rdoc *d)
{
    if (d->html)
        fputs("<ul>\n", d->f);
}

void rd_item_begin(rdoc *d)
{
    fputs(d->html ? "<li>" : "- ", d->f);
}

void rd_item_end(rdoc *d)
{
    fputs(d->html ? "</li>\n" : "\n", d->f);
}

void rd_list_end(rdoc *d)
{
    fputs(d->html ? "</ul>\n" : "\n", d->f);
}

/* ---- tables ---------------------------------------------------------------- */

void rd_table_begin(rdoc *d)
{
    if (d->html)
        fputs("<table>\n", d->f);
}

void rd_header(rdoc *d, const char *const *cols, const int *flags, size_t n)
{
    rd_header_tips(d, cols, flags, NULL, n);
}

void rd_header_tips(rdoc *d, const char *const *cols, const int *flags,
                    const char *const *tips, size_t n)
{
    if (d->html) {
        fputs("<thead><tr>", d->f);
        for (size_t i = 0; i < n; i++) {
            fputs(flags && (flags[i] & RD_NUM) ? "<th class=\"num\"" : "<th", d->f);
            if (tips && tips[i]) {
                fputs(" title=\"", d->f);
                rd_html_escaped(d->f, tips[i], strlen(tips[i]));
                fputc('"', d->f);
            }
            fputc('>', d->f);
            rd_html_escaped(d->f, cols[i], strlen(cols[i]));
            fputs("</th>", d->f);
        }
        fputs("</tr></thead>\n<tbody>\n", d->f);
        return;
    }
    fputc('|', d->f);
    for (size_t i = 0; i < n; i++) {
        fputc(' ', d->f);
        rd_text(d, cols[i]);
        fputs(" |", d->f);
    }
    fputs("\n|", d->f);
    for (size_t i = 0; i < n; i++)
        fputs(flags && (flags[i] & RD_NUM) ? "---:|" : "---|", d->f);
    fputc('\n', d->f);
}

void rd_row_begin(rdoc *d)
{
    fputs(d->html ? "<tr>" : "|", d->f);
}

/* A cell's opening: in HTML its classes, then a tooltip and a sort key if given. */
static void cell_open(rdoc *d, int flags, const char *tip, const double *key)
{
    if (!d->html) {
        fputs(flags & (RD_BEST | RD_DIFF) ? " **" : " ", d->f);
        return;
    }
    const char *cls[5];
    size_t n = 0;
    if (flags & RD_NUM)    cls[n++] = "num";
    if (flags & RD_BEST)   cls[n++] = "best";
    if (flags & RD_SLOWER) cls[n++] = "slower";
    if (flags & RD_FASTER) cls[n++] = "faster";
    if (flags & RD_DIFF)   cls[n++] = "diff";
    fputs("<td", d->f);
    for (size_t i = 0; i < n; i++)
        fprintf(d->f, "%s%s", i ? " " : " class=\"", cls[i]);
    if (n)
        fputc('"', d->f);
    if (tip && *tip) {
        fputs(" title=\"", d->f);
        rd_html_escaped(d->f, tip, strlen(tip));
        fputc('"', d->f);
    }
    if (key)
        fprintf(d->f, " data-sort=\"%.17g\"", *key);
    fputc('>', d->f);
    if (flags & RD_BEST)
        fputs("<strong>", d->f);
}

void rd_cell_begin(rdoc *d, int flags)
{
    cell_open(d, flags, NULL, NULL);
}

void rd_cell_begin_tip(rdoc *d, int flags, const char *tip)
{
    cell_open(d, flags, tip, NULL);
}

void rd_cell_end(rdoc *d, int flags)
{
    if (!d->html)
        fputs(flags & RD_BEST ? " ★** |" : flags & RD_DIFF ? "** |" : " |", d->f);
    else
        fputs(flags & RD_BEST ? " ★</strong></td>" : "</td>", d->f);
}

void rd_cell(rdoc *d, int flags, const char *text)
{
    rd_cell_begin(d, flags);
    rd_text(d, text);
    rd_cell_end(d, flags);
}

void rd_cell_tip(rdoc *d, int flags, const char *text, const char *tip)
{
    cell_open(d, flags, tip, NULL);
    rd_text(d, text);
    rd_cell_end(d, flags);
}

/* A non-finite key is left out: the cell then sorts by its text. */
void rd_cell_keyed(rdoc *d, int flags, const char *text, double key)
{
    cell_open(d, flags, NULL, isfinite(key) ? &key : NULL);
    rd_text(d, text);
    rd_cell_end(d, flags);
}

void rd_row_end(rdoc *d)
{
    fputs(d->html ? "</tr>\n" : "\n", d->f);
}

void rd_table_end(rdoc *d)
{
    fputs(d->html ? "</tbody>\n</table>\n" : "\n", d->f);
}

/* ---- figures --------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 > cap) {
            char *bigger = realloc(buf, cap = n + 65536 * 4);
            if (!bigger) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The <svg> element of an SVG file, for inlining into HTML: the XML prolog
 * dropped, xmlns declarations dropped (HTML puts inline <svg> in the SVG
 * namespace itself), and every id and #reference prefixed with pfx. */
static void put_inline_svg(FILE *f, const char *svg, const char *pfx)
{
    const char *s = strstr(svg, "<svg");
    while (s && *s) {
        if ((*s == ' ' || *s == '\n' || *s == '\t') && starts(s + 1, "xmlns")) {
            const char *q = strpbrk(s + 1, "\"'");
            const char *end = q ? strchr(q + 1, *q) : NULL;
            if (end) {
                s = end + 1;
                continue;
            }
        }
        if (starts(s, " id='") || starts(s, " id=\"")) {
            fprintf(f, "%.5s%s-", s, pfx);
            s += 5;
            continue;
        }
        if (starts(s, "href='#") || starts(s, "href=\"#")) {
            fprintf(f, "%.7s%s-", s, pfx);
            s += 7;
            continue;
        }
        if (starts(s, "url(#")) {
            fprintf(f, "url(#%s-", pfx);
            s += 5;
            continue;
        }
        fputc(*s++, f);
    }
}

int rd_figure(rdoc *d, const char *dir, const char *rel, const char *title)
{
    if (!d->html) {
        fputs("![", d->f);
        rd_md_escaped(d->f, title);
        fprintf(d->f, "](%s)\n\n", rel);
        return 0;
    }
    char path[PATH_MAX];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *svg = read_file(path, &len);
    if (!svg || !strstr(svg, "<svg")) {
        free(svg);
        return -1;
    }
    char pfx[32];
    snprintf(pfx, sizeof pfx, "f%zu", ++d->figures);
    fprintf(d->f, "<figure id=\"figure-%zu\">\n", d->figures);
    put_inline_svg(d->f, svg, pfx);
    fputs("\n<figcaption>", d->f);
    rd_html_escaped(d->f, title, strlen(title));
    fputs("</figcaption>\n</figure>\n", d->f);
    free(svg);
    return 0;
}
