/* nodepeer.c - tests/lwm2m-peer/peer.js as a child process (nodepeer.h). */
#include "nodepeer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"

#define PEER_DIR SARASIM_SRC_DIR "/tests/lwm2m-peer"
#define PEER_JS PEER_DIR "/peer.js"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

const char *nodepeer_missing(void)
{
    if (!peer_available("node"))
        return "node is not installed: run tools/deps.sh test (Debian packages nodejs and npm)";
    if (access(PEER_DIR "/node_modules/coap/package.json", R_OK) != 0)
        return "npm coap is not installed in tests/lwm2m-peer/node_modules: run tools/deps.sh test "
               "(it runs npm ci there)";
    return NULL;
}

static void keep(nodepeer *p, cJSON *ev)
{
    if (p->nev == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        cJSON **a = realloc(p->ev, cap * sizeof *a);
        if (!a) {
            cJSON_Delete(ev);
            return;
        }
        p->ev = a;
        p->cap = cap;
    }
    p->ev[p->nev++] = ev;
}

/* Read what the peer printed within timeout_ms; complete lines become
 * events.  1 when something came, 0 when nothing did, -1 at the end of its
 * output (it exited). */
static int read_events(nodepeer *p, int timeout_ms)
{
    struct pollfd pfd = { p->out, POLLIN, 0 };
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return 0;
    char buf[65536];
    ssize_t r = read(p->out, buf, sizeof buf);
    if (r < 0 && errno == EINTR)
        return 0;
    if (r <= 0)
        return -1;
    bytebuf_append(&p->line, buf, (size_t)r);
    for (;;) {
        uint8_t *nl = memchr(p->line.data, '\n', p->line.len);
        if (!nl)
            break;
        size_t n = (size_t)(nl - p->line.data);
        cJSON *ev = cJSON_ParseWithLength((const char *)p->line.data, n);
        if (ev)
            keep(p, ev);
        else
            fprintf(stderr, "nodepeer: not JSON: %.*s\n", (int)n, (const char *)p->line.data);
        bytebuf_consume(&p->line, n + 1);
    }
    return 1;
}

static int matches(const cJSON *ev, const char *event, int id)
{
    if (strcmp(nodepeer_str(ev, "event"), event) != 0)
        return 0;
    return id < 0 || nodepeer_num(ev, "id") == id;
}

cJSON *nodepeer_wait(nodepeer *p, const char *event, int id, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        for (size_t i = 0; i < p->nev; i++) {
            if (!matches(p->ev[i], event, id))
                continue;
            cJSON *ev = p->ev[i];
            memmove(p->ev + i, p->ev + i + 1, (p->nev - i - 1) * sizeof *p->ev);
            p->nev--;
            return ev;
        }
        long long left = deadline - now_ms();
        if (left <= 0 || p->out < 0 || read_events(p, (int)left) < 0)
            return NULL; /* too late, or it exited */
    }
}

size_t nodepeer_pending(const nodepeer *p) { return p->nev; }

int nodepeer_start(nodepeer *p, int port, int timeout_ms)
{
    memset(p, 0, sizeof *p);
    p->in = p->out = -1;
    bytebuf_init(&p->line);
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC))
        return -1;
    if (pipe2(from, O_CLOEXEC)) {
        close(to[0]);
        close(to[1]);
        return -1;
    }
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(to[0], 0);
        dup2(from[1], 1);
        execlp("node", "node", PEER_JS, "--port", portarg, (char *)NULL);
        fprintf(stderr, "nodepeer: cannot run node: %s\n", strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->pid = pid;
    p->in = to[1];
    p->out = from[0];
    if (pid < 0) {
        nodepeer_stop(p);
        return -1;
    }
    cJSON *ev = nodepeer_wait(p, "listening", -1, timeout_ms);
    if (!ev) {
        nodepeer_stop(p);
        return -1;
    }
    p->port = (int)nodepeer_num(ev, "port");
    cJSON_Delete(ev);
    return 0;
}

int nodepeer_send(nodepeer *p, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 1 || p->in < 0)
        return -1;
    line[n++] = '\n';
    return write(p->in, line, (size_t)n) == n ? 0 : -1;
}

void nodepeer_stop(nodepeer *p)
{
    if (p->in >= 0)
        close(p->in);
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
    }
    if (p->out >= 0)
        close(p->out);
    for (size_t i = 0; i < p->nev; i++)
        cJSON_Delete(p->ev[i]);
    free(p->ev);
    bytebuf_free(&p->line);
    memset(p, 0, sizeof *p);
    p->in = p->out = -1;
}

const char *nodepeer_str(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

double nodepeer_num(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

const char *nodepeer_value(const cJSON *ev, const char *path, char *buf, size_t n)
{
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(ev, "values");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(vals, path);
    if (cJSON_IsString(v))
        snprintf(buf, n, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(buf, n, "%.17g", v->valuedouble);
    else
        snprintf(buf, n, "%s", "");
    return buf;
}
