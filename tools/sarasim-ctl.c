/* sarasim-ctl - send one control command to a running sarasim and print the
 * reply.
 *
 *   sarasim-ctl SOCKET '{"cmd":"state"}'
 *   sarasim-ctl SOCKET power_cut            (shorthand for {"cmd":"power_cut"})
 *   sarasim-ctl SOCKET signal lost=true     (shorthand: key=value pairs)
 *
 * Exit status: 0 when the reply says "ok":true, 1 otherwise, 2 on usage or
 * connection errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int build_request(int argc, char **argv, char *buf, size_t size)
{
    if (argv[0][0] == '{')
        return snprintf(buf, size, "%s", argv[0]) >= (int)size ? -1 : 0;
    size_t n = (size_t)snprintf(buf, size, "{\"cmd\":\"%s\"", argv[0]);
    for (int i = 1; i < argc && n < size; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq)
            return -1;
        const char *v = eq + 1;
        char *end;
        strtod(v, &end);
        int bare = (*v && !*end) || !strcmp(v, "true") || !strcmp(v, "false");
        n += (size_t)snprintf(buf + n, size - n, ",\"%.*s\":%s%s%s", (int)(eq - argv[i]), argv[i],
                              bare ? "" : "\"", v, bare ? "" : "\"");
    }
    if (n + 2 >= size)
        return -1;
    snprintf(buf + n, size - n, "}");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sarasim-ctl SOCKET COMMAND [key=value ...] | SOCKET '{json}'\n");
        return 2;
    }
    char req[4096];
    if (build_request(argc - 2, argv + 2, req, sizeof(req) - 1)) {
        fprintf(stderr, "sarasim-ctl: cannot build a request from the arguments (use key=value)\n");
        return 2;
    }
    strcat(req, "\n");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "sarasim-ctl: socket path too long\n");
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        fprintf(stderr, "sarasim-ctl: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    size_t len = strlen(req);
    if (write(fd, req, len) != (ssize_t)len) {
        fprintf(stderr, "sarasim-ctl: write: %s\n", strerror(errno));
        return 2;
    }
    char reply[65536];
    size_t got = 0;
    while (got < sizeof(reply) - 1) {
        ssize_t r = read(fd, reply + got, sizeof(reply) - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(reply, '\n', got))
            break;
    }
    close(fd);
    reply[got] = 0;
    fputs(reply, stdout);
    if (got && reply[got - 1] != '\n')
        putchar('\n');
    return strstr(reply, "\"ok\":true") ? 0 : 1;
}
