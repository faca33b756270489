/* gnuplot's SVG hypertext groups rewritten as <title> tooltips: the text
 * gnuplot escaped for its JavaScript call is unescaped, then escaped again
 * as XML text, and the event attributes that need gnuplot's script go. */
#include "svg_tooltips.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_start[] = "<g onmousemove=\"gnuplot_svg.showHypertext(evt,'";
static const char text_end[] = "')\" onmouseout=\"gnuplot_svg.hideHypertext()\">";
static const char empty_title[] = "<title> </title>";
/* gnuplot titles a plot without a key entry (the tooltips' plots) by its id. */
static const char id_title[] = "<title>gnuplot_plot_";

/* The entities gnuplot (or a label's own text) may hold, and their characters. */
static const struct { const char *entity; char c; } entities[] = {
    { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
};

/* One character of text as XML character data. */
static void put_xml_char(FILE *f, char c)
{
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    default: fputc(c, f); break;
    }
}

/* text[0..len) as gnuplot wrote it, as XML character data. */
static void put_title_text(FILE *f, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (text[i] == '\\' && i + 1 < len && text[i + 1] == 'n') {
            fputc('\n', f);
            i += 2;
            continue;
        }
        size_t e = 0, n = sizeof entities / sizeof entities[0];
        while (e < n && strncmp(text + i, entities[e].entity, strlen(entities[e].entity)) != 0)
            e++;
        if (e < n && i + strlen(entities[e].entity) <= len) {
            put_xml_char(f, entities[e].c);
            i += strlen(entities[e].entity);
        } else {
            put_xml_char(f, text[i++]);
        }
    }
}

char *ipcb_svg_hypertext_to_titles(const char *svg, size_t *count)
{
    char *out = NULL;
    size_t len = 0, n = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    const char *p = svg;
    for (;;) {
        const char *id = strstr(p, id_title);
        const char *id_end = id ? strstr(id, "</title>") : NULL;
        const char *start = strstr(p, group_start);
        if (id_end && (!start || id < start)) {
            fwrite(p, 1, (size_t)(id - p), f);
            p = id_end + strlen("</title>");
            continue;
        }
        const char *text = start ? start + strlen(group_start) : NULL;
        const char *end = text ? strstr(text, text_end) : NULL;
        if (!end) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(start - p), f);
        fputs("<g><title>", f);
        put_title_text(f, text, (size_t)(end - text));
        fputs("</title>", f);
        p = end + strlen(text_end);
        if (strncmp(p, empty_title, strlen(empty_title)) == 0)
            p += strlen(empty_title);
        n++;
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    if (count)
        *count = n;
    return out;
}
