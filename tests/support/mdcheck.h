/* Checks for Markdown that carries hostile names (a '|', a line break, a
 * "# heading", "<script>"): every table keeps its columns, only our own
 * headings start a line with '#', no raw HTML tag comes through. */
#ifndef IPCB_TEST_MDCHECK_H
#define IPCB_TEST_MDCHECK_H

#include <stddef.h>

/* The column separators of a table line: '|' not escaped by a backslash. */
size_t md_pipes(const char *line, size_t len);
/* Fails the test unless, in md: every row of a table (a run of lines that
 * start with '|') has as many separators as its header; no heading (a line
 * that starts with '#' after up to 3 spaces) has a text that starts with
 * injected (what follows a line break in the hostile data); "<script"
 * appears nowhere. Returns the number of table rows seen, so a caller can
 * check the tables were there. */
size_t assert_md_safe(const char *md, const char *injected);

#endif
