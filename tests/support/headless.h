/* Headless Chromium for the tests that check report.html as a browser shows
 * it: the page's DOM after its scripts ran, and a screenshot. Chromium runs
 * with a private profile in the test's workdir and no network services. */
#ifndef IPCB_TEST_HEADLESS_H
#define IPCB_TEST_HEADLESS_H

/* The DOM of url after load, as Chromium dumps it (a string to free); fails
 * the test if chromium is not installed or fails. *seconds (if not NULL): how
 * long Chromium took. */
char *chromium_dump_dom(const char *url, double *seconds);
/* A 1200x1600 screenshot of the top of url into png; fails the test if
 * Chromium fails. */
void chromium_screenshot(const char *url, const char *png);

#endif
