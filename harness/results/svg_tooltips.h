/* Tooltips without script in gnuplot's SVG: its hypertext labels become
 * <title> elements, which every browser shows on hover, in a standalone SVG
 * and in an HTML page that inlines it. Implemented in svg_tooltips.c. */
#ifndef IPCB_SVG_TOOLTIPS_H
#define IPCB_SVG_TOOLTIPS_H

#include <stddef.h>

/* svg (as gnuplot 5.4's svg terminal writes it) with every hypertext group
 *   <g onmousemove="gnuplot_svg.showHypertext(evt,'TEXT')"
 *      onmouseout="gnuplot_svg.hideHypertext()"><title> </title>
 * rewritten as <g><title>TEXT</title> (TEXT XML-escaped, gnuplot's "\n" a
 * line break), and the placeholder titles of plots without a key entry
 * (<title>gnuplot_plot_N</title>) dropped. Returns a new string (caller frees; NULL if out of memory);
 * *count (if not NULL) is the number of groups rewritten. */
char *ipcb_svg_hypertext_to_titles(const char *svg, size_t *count);

#endif
