/* nodepeer.h - drive tests/lwm2m-peer/peer.js, an independent LwM2M 1.0
 * server on node's npm `coap`, from a test or a bench: start it on a
 * loopback UDP port, send it JSON commands on its stdin, take the JSON
 * events it prints (docs/lwm2m.md, "Testing against an independent LwM2M
 * server").  Waits poll with a deadline that only bounds a failing test.
 *
 * Lifecycle: nodepeer_start() -> nodepeer_send() / nodepeer_wait() ->
 * nodepeer_stop().  Events are cJSON objects owned by the caller once
 * taken (cJSON_Delete them). */
#ifndef SARASIM_NODEPEER_H
#define SARASIM_NODEPEER_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "protocol/bytebuf.h"

typedef struct nodepeer {
    pid_t pid;
    int in;          /* the peer's stdin, -1 when stopped */
    int out;         /* the peer's stdout */
    int port;        /* the UDP port it listens on */
    bytebuf line;    /* an incomplete line of its stdout */
    cJSON **ev;      /* events read and not yet taken, oldest first */
    size_t nev, cap;
} nodepeer;

/* NULL when node and the peer's modules are installed, else a message
 * saying what is missing and how to install it. */
const char *nodepeer_missing(void);

/* Start peer.js on 127.0.0.1:port (0: a free port) and wait for it to
 * listen; p->port is its port.  0, or -1 (it did not start). */
int nodepeer_start(nodepeer *p, int port, int timeout_ms);

/* One command line (printf-style; the newline is added).  0 or -1. */
int nodepeer_send(nodepeer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The oldest event named `event` (and, when id >= 0, with that "id"), taken
 * from what the peer has printed or prints within timeout_ms; events it
 * passes over stay for later calls.  NULL on timeout. */
cJSON *nodepeer_wait(nodepeer *p, const char *event, int id, int timeout_ms);

/* Events received and not taken (for a failure message). */
size_t nodepeer_pending(const nodepeer *p);

/* Close its stdin, end it (SIGTERM) and reap it; free what was kept. */
void nodepeer_stop(nodepeer *p);

/* Field accessors that tolerate a missing field ("" or -1). */
const char *nodepeer_str(const cJSON *ev, const char *key);
double nodepeer_num(const cJSON *ev, const char *key);
/* ev["values"][path] as text ("" when absent): strings as they are,
 * numbers as %.17g. */
const char *nodepeer_value(const cJSON *ev, const char *path, char *buf, size_t n);

#endif
