/* Unit tests for harness/results/svg_tooltips.c: gnuplot's hypertext groups
 * become <title> tooltips (text unescaped from gnuplot's escaping, escaped
 * again as XML), placeholder titles go, everything else stays as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_tooltips.h"

/* A hypertext group as gnuplot 5.4 writes it, with TEXT as written there. */
#define GROUP(TEXT) \
    "\t<g onmousemove=\"gnuplot_svg.showHypertext(evt,'" TEXT "')\" " \
    "onmouseout=\"gnuplot_svg.hideHypertext()\"><title> </title>\n" \
    "\t<use xlink:href='#gpPt6' transform='translate(1,2) scale(7.2)' opacity='0.00'/></g>\n"

static void expect_rewrite(const char *in, const char *want, size_t want_count)
{
    size_t count = 99;
    char *out = ipcb_svg_hypertext_to_titles(in, &count);
    assert_non_null(out);
    if (strcmp(out, want) != 0)
        fail_msg("got\n%s\nexpected\n%s", out, want);
    assert_int_equal(count, want_count);
    free(out);
}

static void test_groups_become_titles(void **state)
{
    (void)state;
    expect_rewrite("<svg>\n" GROUP("unix 1080p: 1234.5 µs p50") GROUP("tcp 64K: 9 MB/s") "</svg>\n",
                   "<svg>\n"
                   "\t<g><title>unix 1080p: 1234.5 µs p50</title>\n"
                   "\t<use xlink:href='#gpPt6' transform='translate(1,2) scale(7.2)' opacity='0.00'/></g>\n"
                   "\t<g><title>tcp 64K: 9 MB/s</title>\n"
                   "\t<use xlink:href='#gpPt6' transform='translate(1,2) scale(7.2)' opacity='0.00'/></g>\n"
                   "</svg>\n", 2);
}

/* gnuplot writes & and < as entities and quotes as they are; the title has
 * them as XML text, and gnuplot's \n as a line break. */
static void test_text_escaping(void **state)
{
    (void)state;
    expect_rewrite(GROUP("a &amp; b &lt;c> \"d\" 'e' &quot;\\nf"),
                   "\t<g><title>a &amp; b &lt;c&gt; \"d\" 'e' \"\nf</title>\n"
                   "\t<use xlink:href='#gpPt6' transform='translate(1,2) scale(7.2)' opacity='0.00'/></g>\n",
                   1);
    /* an '&' that starts no entity is escaped as it is */
    expect_rewrite(GROUP("R&D &amp"),
                   "\t<g><title>R&amp;D &amp;amp</title>\n"
                   "\t<use xlink:href='#gpPt6' transform='translate(1,2) scale(7.2)' opacity='0.00'/></g>\n",
                   1);
}

/* The placeholder titles of plots without a key entry go; a line's title
 * (its key entry) and the document's stay. */
static void test_placeholder_titles_dropped(void **state)
{
    (void)state;
    expect_rewrite("<title>Gnuplot</title>\n"
                   "\t<g id=\"gnuplot_plot_1\" ><title>unix</title>\n</g>\n"
                   "\t<g id=\"gnuplot_plot_2\" ><title>gnuplot_plot_2</title>\n</g>\n",
                   "<title>Gnuplot</title>\n"
                   "\t<g id=\"gnuplot_plot_1\" ><title>unix</title>\n</g>\n"
                   "\t<g id=\"gnuplot_plot_2\" >\n</g>\n", 0);
}

/* Nothing to rewrite, or a group cut short: the text comes back unchanged. */
static void test_other_text_unchanged(void **state)
{
    (void)state;
    const char *plain = "<svg><g fill='none'><path d='M0,0'/></g></svg>\n";
    expect_rewrite(plain, plain, 0);
    expect_rewrite("", "", 0);
    const char *cut = "<svg>\t<g onmousemove=\"gnuplot_svg.showHypertext(evt,'half";
    expect_rewrite(cut, cut, 0);
    char *out = ipcb_svg_hypertext_to_titles(plain, NULL);   /* count is optional */
    assert_string_equal(out, plain);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_become_titles),
        cmocka_unit_test(test_text_escaping),
        cmocka_unit_test(test_placeholder_titles_dropped),
        cmocka_unit_test(test_other_text_unchanged),
    };
    return cmocka_run_group_tests_name("svg_tooltips", tests, NULL, NULL);
}
