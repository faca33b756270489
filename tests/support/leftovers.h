/* What a test program's runs leave behind in the system: System V segments
 * and semaphore sets, and POSIX names in /dev/shm. Only objects of this
 * program's own runs are counted, so another ipcbench run beside it (a
 * benchmark, another test) cannot fail it (leftovers.c says how). */
#ifndef IPCB_TEST_LEFTOVERS_H
#define IPCB_TEST_LEFTOVERS_H

/* Call in the group setup after runcli_setup: takes an IPC namespace of the
 * program's own (as root, or in a user namespace; else System V objects are
 * not counted, and a note says so) and starts watching runtime_dir for the
 * runs' directories. Returns 0, or -1. */
int  leftovers_begin(void);
void leftovers_end(void);

/* Fails the test if any System V object or /dev/shm name of this program's
 * runs is left; after_what names the case. */
void assert_nothing_left(const char *after_what);

/* Whether System V objects are counted (the program has an IPC namespace of
 * its own), and the objects of one kind there ("shm", "sem"; 0 if not counted). */
int  leftovers_sysv_private(void);
int  leftovers_sysv_objects(const char *table);

#endif
