/* Idle TCP connections, as any local user could open them, held to every
 * 127.0.0.1 port this test's ipcbench processes listen on (found in /proc):
 * half send nothing, half half a request; closed ones are reopened. */
#ifndef IPCB_TEST_IDLE_CONNS_H
#define IPCB_TEST_IDLE_CONNS_H

enum { IDLE_PORTS_MAX = 8, IDLE_PER_PORT_MAX = 64 };

typedef struct idle_port {
    unsigned port;
    int      fds[IDLE_PER_PORT_MAX];
    int      count;
} idle_port;

typedef struct idle_conns {
    int           per_port;          /* connections to hold on every port */
    idle_port     ports[IDLE_PORTS_MAX];
    int           port_count;
    unsigned      ports_seen;        /* listeners found over the whole time */
    unsigned long opened;            /* connections made */
    unsigned long closed_by_server;  /* ... that the server closed (or reset) */
} idle_conns;

void idle_conns_init(idle_conns *ic, int per_port);
/* Finds the listeners now, drops the ports that are gone, reaps the
 * connections the servers closed and opens new ones up to per_port. */
void idle_conns_step(idle_conns *ic);
void idle_conns_close(idle_conns *ic);
/* 127.0.0.1 ports in LISTEN state held by this test's ipcbench processes
 * (at most max); returns how many. */
int  listening_ports_of_this_test(unsigned *ports, int max);

#endif
