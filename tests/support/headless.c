/* Headless Chromium for the tests that check report.html as a browser shows
 * it (see headless.h): finding chromium on $PATH and running it with the
 * options every such test uses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "headless.h"
#include "runcli.h"

/* The first chromium on $PATH, into out; fails the test if there is none. */
static void find_chromium(char *out, size_t len)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(out, len, "%.*s/chromium", (int)n, path);
        if (n && access(out, X_OK) == 0)
            return;
        path += n + (path[n] == ':');
    }
    fail_msg("chromium is not installed (scripts/install-deps.sh installs it: make deps)");
}

/* Runs chromium headless with ACTION (--dump-dom or --screenshot=FILE) on
 * url, stdout to out_path (NULL: discarded). */
static void run_chromium(outcome *o, const char *action, const char *url, const char *out_path)
{
    char chromium[600], profile[300];
    find_chromium(chromium, sizeof chromium);
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium-profile", workdir);
    run_program(o, 60, NULL, out_path, chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", profile, "--window-size=1200,1600", action,
                url, NULL);
    if (o->status != 0)
        fail_msg("chromium %s %s: exit %d: %s", action, url, o->status, o->err);
}

char *chromium_dump_dom(const char *url, double *seconds)
{
    char dom[300];
    snprintf(dom, sizeof dom, "%s/dom.html", workdir);
    outcome o;
    run_chromium(&o, "--dump-dom", url, dom);
    if (seconds)
        *seconds = o.seconds;
    char *text = slurp_alloc(dom);
    if (!text)
        fail_msg("chromium --dump-dom %s wrote nothing readable to %s", url, dom);
    return text;
}

void chromium_screenshot(const char *url, const char *png)
{
    char flag[500];
    snprintf(flag, sizeof flag, "--screenshot=%s", png);
    outcome o;
    run_chromium(&o, flag, url, NULL);
}
