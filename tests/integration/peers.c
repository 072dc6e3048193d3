/* peers.c - see peers.h. */
#include "peers.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t peer_spawn(const char *const *argv, const char *log_path)
{
    int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd);
    return pid;
}

void peer_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

int peer_available(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", dir, prog);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

static int bind_loopback(int type, int port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int peer_free_port_pair(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int fd = bind_loopback(SOCK_DGRAM, 0);
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        close(fd);
        int p = ntohs(a.sin_port), ok = p < 65535;
        for (int k = 0; k < 2 && ok; k++) {
            int u = bind_loopback(SOCK_DGRAM, p + k), t = bind_loopback(SOCK_STREAM, p + k);
            ok = u >= 0 && t >= 0;
            if (u >= 0)
                close(u);
            if (t >= 0)
                close(t);
        }
        if (ok)
            return p;
    }
    return -1;
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait until a socket on 127.0.0.1:port shows in a /proc/net table
 * (`state`, the table's hex state column, or NULL for any). */
static int wait_in_proc(const char *table, int port, const char *state, int timeout_ms)
{
    char want[48];
    snprintf(want, sizeof want, "0100007F:%04X 00000000:0000 %s", port, state ? state : "");
    long long end = mono_ms() + timeout_ms;
    do {
        FILE *f = fopen(table, "r");
        char line[512];
        int found = 0;
        while (f && !found && fgets(line, sizeof line, f))
            found = strstr(line, want) != NULL;
        if (f)
            fclose(f);
        if (found)
            return 0;
        poll(NULL, 0, 20);
    } while (mono_ms() < end);
    return -1;
}

int peer_wait_udp_bound(int port, int timeout_ms) { return wait_in_proc("/proc/net/udp", port, NULL, timeout_ms); }

int peer_wait_tcp_listening(int port, int timeout_ms)
{
    return wait_in_proc("/proc/net/tcp", port, "0A", timeout_ms); /* 0A: LISTEN */
}

char *peer_read_log(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 1024) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    return buf;
}

pid_t peer_httpd_start(const char *root, int *port, int timeout_ms)
{
    if (!peer_available("busybox") || (*port = peer_free_port_pair()) <= 0)
        return -1;
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", *port);
    const char *const argv[] = { "busybox", "httpd", "-f", "-p", listen, "-h", root, NULL };
    pid_t pid = peer_spawn(argv, NULL);
    if (pid > 0 && peer_wait_tcp_listening(*port, timeout_ms) == 0)
        return pid;
    peer_stop(pid);
    return -1;
}

int peer_package_create(const char *path, const char *kind, const char *from, const char *to, size_t size)
{
    char from_arg[64] = "";
    if (from)
        snprintf(from_arg, sizeof from_arg, "--from '%s'", from);
    char cmdline[1024];
    snprintf(cmdline, sizeof cmdline,
             "%s create --kind %s --product SARA-R510M8S-01B %s --to '%s' --size %zu -o '%s' > /dev/null",
             SARASIM_PKG_BIN, kind, from_arg, to, size, path);
    return system(cmdline) == 0 ? 0 : -1;
}
