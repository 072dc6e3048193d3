/* test_dtls_interop.c - protocol/dtls.c against independent DTLS-PSK
 * implementations, over real UDP on loopback: Debian's libcoap3 tools
 * (libcoap3-bin) in both roles, each built on OpenSSL and on GnuTLS.
 *
 *   our CLIENT session -> coap-server-{openssl,gnutls} -A 127.0.0.1 -p P -k KEY -h HINT
 *                         (DTLS on P+1): GET /.well-known/core, 2.05 back, close_notify;
 *   coap-client-{openssl,gnutls} -m get -k KEY -u IDENTITY coaps://127.0.0.1:P/x
 *                       -> our SERVER session, answered with a hand-built 2.05.
 *
 * libcoap 4.3.1's OpenSSL server offers no CBC suite ("no shared cipher"),
 * so TLS_PSK_WITH_AES_128_CBC_SHA256 is shown against the GnuTLS server
 * and against both clients.
 *
 * The DTLS code stays sans-I/O: this program owns the socket and maps the
 * monotonic clock to the session's time (a live front end's job).  The
 * CoAP bytes are built by hand here (the CoAP layer is not this one's).
 * Waits only bound a failing test. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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

#include "protocol/dtls.h"

#define KEY "sarasim-psk-0123" /* 16 bytes, as -k takes it */
#define IDENTITY "urn:imei:352835100012346"
#define HINT "sarasim"
#define LIMIT_MS 10000
#define POLL_CAP_NS 20000000ull /* 20 ms */

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- processes ---- */

/* The tools' logs: one directory per run, kept when a test failed. */
static char logdir[] = "/tmp/sarasim-dtls-interop-XXXXXX";

static void log_path(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/%s-%d.log", logdir, name, (int)getpid()); /* per test */
}

static void remove_logdir(void)
{
    DIR *d = opendir(logdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", logdir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(logdir);
}

/* Start argv[0] with stdout and stderr in the log `name`; it dies with this
 * test process. */
static pid_t spawn(const char *name, char *const argv[])
{
    char path[256];
    log_path(path, sizeof path, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); /* exists at once */
    ck_assert_int_ge(fd, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd);
    return pid;
}

static char *read_log(const char *name)
{
    char path[256];
    log_path(path, sizeof path, name);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* ---- sockets ---- */

static int udp_bound(int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

/* A port P with P and P+1 free for UDP and TCP (coap-server takes both). */
static int free_port_pair(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int fd = udp_bound(0);
        int p = port_of(fd);
        close(fd);
        if (p >= 65535)
            continue;
        int ok = 1;
        for (int k = 0; k < 2 && ok; k++) {
            int u = udp_bound(p + k);
            int t = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(p + k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = u >= 0 && bind(t, (struct sockaddr *)&a, sizeof a) == 0;
            if (u >= 0)
                close(u);
            close(t);
        }
        if (ok)
            return p;
    }
    ck_abort_msg("no free port pair");
    return -1;
}

/* Wait until something has bound UDP 127.0.0.1:port (/proc/net/udp). */
static void wait_udp_bound(int port)
{
    char want[32];
    snprintf(want, sizeof want, "0100007F:%04X", port);
    uint64_t end = mono_ns() + (uint64_t)LIMIT_MS * 1000000ull;
    while (mono_ns() < end) {
        FILE *f = fopen("/proc/net/udp", "r");
        ck_assert_ptr_nonnull(f);
        char line[512];
        int found = 0;
        while (!found && fgets(line, sizeof line, f))
            found = strstr(line, want) != NULL;
        fclose(f);
        if (found)
            return;
        poll(NULL, 0, 10);
    }
    ck_abort_msg("nothing bound UDP port %d", port);
}

/* ---- one session on one socket ---- */

typedef struct udp_link {
    int fd;
    struct sockaddr_in peer; /* where datagrams go (a server learns it) */
    int have_peer;
    dtls_session *s;
    uint64_t t0;
    dtls_event ev[4];
    unsigned nev;
    uint8_t got[4][DTLS_PLAINTEXT_MAX];
    int got_len[4];
    unsigned ngot;
    unsigned tx;
    uint8_t last_ct;       /* the last datagram received: first record's type ... */
    unsigned last_epoch;   /* ... and epoch */
} udp_link;

/* The session's clock: monotonic time since the link was made, from 1 s. */
static uint64_t link_now(const udp_link *l)
{
    return mono_ns() - l->t0 + DTLS_S(1);
}

static void link_flush(udp_link *l)
{
    uint8_t buf[DTLS_MTU_MAX];
    int n;
    while ((n = dtls_take_datagram(l->s, buf, sizeof buf)) > 0) {
        ck_assert(l->have_peer);
        ssize_t w = sendto(l->fd, buf, (size_t)n, 0, (struct sockaddr *)&l->peer, sizeof l->peer);
        ck_assert_int_eq(w, n);
        l->tx++;
    }
    ck_assert_int_eq(n, 0);
    dtls_event e;
    while (dtls_take_event(l->s, &e)) {
        ck_assert_uint_lt(l->nev, 4);
        l->ev[l->nev++] = e;
    }
    while (l->ngot < 4 &&
           (n = dtls_take_plaintext(l->s, l->got[l->ngot], sizeof l->got[l->ngot])) > 0)
        l->got_len[l->ngot++] = n;
}

/* A server session is made for the first peer that sends a datagram. */
static dtls_config server_cfg;
static const char *server_key = KEY;

/* 1 when a datagram was read (the socket is non-blocking). */
static int link_receive(udp_link *l)
{
    uint8_t buf[65536];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(l->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0)
        return errno == ECONNREFUSED; /* (an ICMP unreachable counts: try again) */
    if (!l->s) {
        char peer[64];
        snprintf(peer, sizeof peer, "%s:%d", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
        server_cfg.peer = peer;
        ck_assert_int_eq(dtls_session_create(&l->s, DTLS_SERVER, IDENTITY,
                                             (const uint8_t *)server_key, strlen(server_key),
                                             &server_cfg),
                         0);
        l->peer = from;
        l->have_peer = 1;
    }
    if (from.sin_addr.s_addr == l->peer.sin_addr.s_addr && from.sin_port == l->peer.sin_port) {
        l->last_ct = n >= 13 ? buf[0] : 0;
        l->last_epoch = n >= 13 ? (unsigned)buf[3] << 8 | buf[4] : 0;
        ck_assert_int_eq(dtls_feed(l->s, link_now(l), buf, (size_t)n), 0);
    }
    return 1; /* (one association per test: others are dropped) */
}

typedef int (*until_fn)(udp_link *l, void *arg);

/* Serve the link until `until` says so or the limit passes (1 = done). */
static int link_run(udp_link *l, until_fn until, void *arg, int limit_ms)
{
    uint64_t end = mono_ns() + (uint64_t)limit_ms * 1000000ull;
    for (;;) {
        if (l->s) {
            ck_assert_int_eq(dtls_tick(l->s, link_now(l)), 0);
            link_flush(l);
        }
        if (until(l, arg))
            return 1;
        uint64_t now = mono_ns();
        if (now >= end)
            return 0;
        uint64_t wait = end - now;
        if (l->s) {
            uint64_t due = dtls_next_deadline(l->s), sn = link_now(l);
            if (due != DTLS_NEVER)
                wait = due > sn ? (due - sn < wait ? due - sn : wait) : 0;
        }
        if (wait > POLL_CAP_NS) /* `until` may wait for something else than the socket */
            wait = POLL_CAP_NS;
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        if (poll(&p, 1, (int)((wait + 999999) / 1000000)) > 0)
            link_receive(l);
    }
}

static void link_client(udp_link *l, int server_port, const dtls_config *cfg, const char *key)
{
    memset(l, 0, sizeof *l);
    l->fd = udp_bound(0);
    l->peer.sin_family = AF_INET;
    l->peer.sin_port = htons((uint16_t)server_port);
    l->peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l->have_peer = 1;
    l->t0 = mono_ns();
    ck_assert_int_eq(dtls_session_create(&l->s, DTLS_CLIENT, IDENTITY, (const uint8_t *)key,
                                         strlen(key), cfg),
                     0);
}

static void link_server(udp_link *l)
{
    memset(l, 0, sizeof *l);
    l->fd = udp_bound(0);
    l->t0 = mono_ns();
}

static void link_free(udp_link *l)
{
    dtls_session_free(l->s);
    close(l->fd);
}

static int is_connected(udp_link *l, void *arg)
{
    (void)arg;
    return l->s && dtls_state_of(l->s) != DTLS_HANDSHAKING;
}

static int has_plaintext(udp_link *l, void *arg)
{
    (void)arg;
    return l->ngot > 0 || (l->s && dtls_state_of(l->s) > DTLS_CONNECTED);
}

/* The peer's own close_notify: an encrypted alert record. */
static int got_encrypted_alert(udp_link *l, void *arg)
{
    (void)arg;
    return l->last_ct == 21 && l->last_epoch >= 1;
}

static int has_ended(udp_link *l, void *arg)
{
    (void)arg;
    return l->s && dtls_state_of(l->s) > DTLS_CONNECTED;
}

/* ---- hand-built CoAP (RFC 7252 §3) ---- */

/* CON GET /.well-known/core with a 2-byte token. */
static size_t coap_get_wellknown(uint8_t *p, uint16_t mid)
{
    static const uint8_t opts[] = {0xBB, '.', 'w', 'e', 'l', 'l', '-', 'k', 'n', 'o', 'w', 'n',
                                   0x04, 'c', 'o', 'r', 'e'};
    p[0] = 0x42; /* version 1, CON, token length 2 */
    p[1] = 0x01; /* GET */
    p[2] = (uint8_t)(mid >> 8);
    p[3] = (uint8_t)mid;
    p[4] = 0x5a;
    p[5] = 0xa5;
    memcpy(p + 6, opts, sizeof opts);
    return 6 + sizeof opts;
}

typedef struct coap_msg {
    int type, code, tkl;
    uint16_t mid;
    const uint8_t *token;
    const uint8_t *payload;
    size_t payload_len;
} coap_msg;

/* Option delta/length nibble with its extension; -1 when malformed. */
static long coap_ext(unsigned nib, const uint8_t **p, const uint8_t *end)
{
    if (nib < 13)
        return nib;
    if (nib == 13 && *p < end)
        return 13 + *(*p)++;
    if (nib == 14 && end - *p >= 2) {
        long v = 269 + ((*p)[0] << 8 | (*p)[1]);
        *p += 2;
        return v;
    }
    return -1;
}

static int coap_parse(const uint8_t *p, size_t n, coap_msg *m)
{
    if (n < 4 || p[0] >> 6 != 1)
        return -1;
    m->type = (p[0] >> 4) & 3;
    m->tkl = p[0] & 15;
    m->code = p[1];
    m->mid = (uint16_t)(p[2] << 8 | p[3]);
    if (m->tkl > 8 || n < 4 + (size_t)m->tkl)
        return -1;
    m->token = p + 4;
    const uint8_t *q = p + 4 + m->tkl, *end = p + n;
    m->payload = NULL;
    m->payload_len = 0;
    while (q < end) {
        if (*q == 0xFF) {
            m->payload = q + 1;
            m->payload_len = (size_t)(end - q - 1);
            return 0;
        }
        unsigned b = *q++;
        long delta = coap_ext(b >> 4, &q, end), len = coap_ext(b & 15, &q, end);
        if (delta < 0 || len < 0 || end - q < len)
            return -1;
        q += len;
    }
    return 0;
}

/* ACK 2.05 (piggybacked, RFC 7252 §5.2.1) to a request, text/plain. */
static size_t coap_content(uint8_t *p, const coap_msg *req, const char *text)
{
    size_t n = 0;
    p[n++] = (uint8_t)(0x60 | req->tkl); /* version 1, ACK */
    p[n++] = 0x45;                       /* 2.05 Content */
    p[n++] = (uint8_t)(req->mid >> 8);
    p[n++] = (uint8_t)req->mid;
    memcpy(p + n, req->token, (size_t)req->tkl);
    n += (size_t)req->tkl;
    p[n++] = 0xC0; /* Content-Format (12), empty = 0 text/plain */
    p[n++] = 0xFF;
    memcpy(p + n, text, strlen(text));
    return n + strlen(text);
}

/* ---- our client against coap-server ---- */

static const char *const FLAVOURS[] = {"openssl", "gnutls"};

static pid_t coap_server(const char *flavour, int port)
{
    char bin[32], p[16];
    snprintf(bin, sizeof bin, "coap-server-%s", flavour);
    snprintf(p, sizeof p, "%d", port);
    char *argv[] = {bin, "-A", "127.0.0.1", "-p", p, "-k", KEY, "-h", HINT, "-v", "7", NULL};
    pid_t pid = spawn("coap-server", argv);
    wait_udp_bound(port + 1); /* the DTLS endpoint is P+1 */
    return pid;
}

static void client_get_wellknown(const char *flavour, const char *ciphers, const char *want_suite)
{
    int port = free_port_pair();
    pid_t srv = coap_server(flavour, port);
    udp_link l;
    dtls_config cfg = {0};
    cfg.ciphers = ciphers;
    link_client(&l, port + 1, &cfg, KEY);
    ck_assert_msg(link_run(&l, is_connected, NULL, LIMIT_MS), "no handshake with coap-server");
    ck_assert_msg(dtls_state_of(l.s) == DTLS_CONNECTED, "handshake %s/%s (log in %s)",
                  dtls_state_name(dtls_state_of(l.s)), dtls_reason_name(dtls_reason_of(l.s)), logdir);
    ck_assert_str_eq(dtls_cipher(l.s), want_suite);

    uint8_t req[64];
    size_t n = coap_get_wellknown(req, 0x1234);
    ck_assert_int_eq(dtls_send(l.s, link_now(&l), req, n), 0);
    ck_assert_msg(link_run(&l, has_plaintext, NULL, LIMIT_MS), "no CoAP answer");
    coap_msg m;
    ck_assert_int_eq(coap_parse(l.got[0], (size_t)l.got_len[0], &m), 0);
    ck_assert_int_eq(m.type, 2);     /* ACK */
    ck_assert_int_eq(m.code, 0x45);  /* 2.05 Content */
    ck_assert_uint_eq(m.mid, 0x1234);
    ck_assert_int_eq(m.tkl, 2);
    ck_assert(m.token[0] == 0x5a && m.token[1] == 0xa5);
    ck_assert_msg(m.payload_len > 4 && memmem(m.payload, m.payload_len, "</", 2),
                  "no link-format payload");

    /* Our close_notify; the server answers with its own. */
    ck_assert_int_eq(dtls_close(l.s, link_now(&l)), 0);
    link_flush(&l);
    ck_assert_uint_eq(l.nev, 2);
    ck_assert_int_eq(l.ev[1].kind, DTLS_EV_CLOSED);
    ck_assert_msg(link_run(&l, got_encrypted_alert, NULL, LIMIT_MS),
                  "coap-server-%s did not answer our close_notify", flavour);
    ck_assert_uint_eq(dtls_stats_of(l.s)->ignored, 1);
    stop(srv);
    link_free(&l);
}

START_TEST(client_gets_well_known_core_from_coap_server_with_ccm8)
{
    client_get_wellknown(FLAVOURS[_i], "PSK-AES128-CCM8", "TLS_PSK_WITH_AES_128_CCM_8");
}
END_TEST

START_TEST(client_gets_well_known_core_from_gnutls_coap_server_with_cbc_sha256)
{
    client_get_wellknown("gnutls", "PSK-AES128-CBC-SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256");
}
END_TEST

START_TEST(client_with_a_wrong_key_times_out_against_coap_server)
{
    /* Both libraries drop a Finished that does not authenticate without a
     * word, so our client learns it only by its timer: a short schedule
     * keeps the test short (0.2 + 0.4 + 0.8 s). */
    int port = free_port_pair();
    pid_t srv = coap_server(FLAVOURS[_i], port);
    udp_link l;
    dtls_config cfg = {0};
    cfg.initial_timeout = DTLS_MS(200);
    cfg.max_retransmits = 2;
    link_client(&l, port + 1, &cfg, "a-wrong-psk-0123");
    ck_assert(link_run(&l, has_ended, NULL, LIMIT_MS));
    ck_assert_int_eq(dtls_state_of(l.s), DTLS_FAILED);
    ck_assert_int_eq(dtls_reason_of(l.s), DTLS_R_TIMEOUT);
    ck_assert_uint_eq(dtls_stats_of(l.s)->retransmits, 2);
    stop(srv);
    link_free(&l);
}
END_TEST

/* ---- coap-client against our server ---- */

static pid_t coap_client(const char *flavour, int port, const char *key)
{
    char bin[32], uri[64];
    snprintf(bin, sizeof bin, "coap-client-%s", flavour);
    snprintf(uri, sizeof uri, "coaps://127.0.0.1:%d/x", port);
    char *argv[] = {bin, "-m", "get", "-k", (char *)key, "-u", IDENTITY, "-B", "8", "-v", "7", uri,
                    NULL};
    return spawn("coap-client", argv);
}

static int child_exited(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == pid;
}

typedef struct serve_arg {
    pid_t client;
    int status;
} serve_arg;

/* Answer every CoAP request with a 2.05 until coap-client exits. */
static int serve_until_client_exits(udp_link *l, void *arg)
{
    serve_arg *a = arg;
    while (l->ngot) {
        coap_msg m;
        l->ngot--;
        ck_assert_int_eq(coap_parse(l->got[l->ngot], (size_t)l->got_len[l->ngot], &m), 0);
        ck_assert_int_eq(m.type, 0);    /* CON */
        ck_assert_int_eq(m.code, 0x01); /* GET */
        uint8_t rsp[128];
        size_t n = coap_content(rsp, &m, "hello from sarasim");
        ck_assert_int_eq(dtls_send(l->s, link_now(l), rsp, n), 0);
        link_flush(l);
    }
    if (!child_exited(a->client, &a->status))
        return 0;
    /* What it sent before it exited is in our socket already (loopback). */
    while (link_receive(l))
        continue;
    if (l->s)
        link_flush(l);
    return 1;
}

static void server_serves_coap_client(const char *flavour, const char *ciphers,
                                      const char *want_suite)
{
    udp_link l;
    link_server(&l);
    server_cfg = (dtls_config){0};
    server_cfg.ciphers = ciphers;
    server_cfg.psk_hint = HINT;
    server_key = KEY;
    serve_arg a = {.client = coap_client(flavour, port_of(l.fd), KEY)};
    ck_assert_msg(link_run(&l, serve_until_client_exits, &a, LIMIT_MS), "coap-client did not finish");
    ck_assert_msg(WIFEXITED(a.status) && WEXITSTATUS(a.status) == 0, "coap-client failed: %s",
                  read_log("coap-client"));
    ck_assert_msg(strstr(read_log("coap-client"), "hello from sarasim"), "no payload shown: %s",
                  read_log("coap-client"));
    ck_assert_ptr_nonnull(l.s);
    ck_assert_str_eq(dtls_cipher(l.s), want_suite);
    ck_assert_uint_ge(l.nev, 1);
    ck_assert_int_eq(l.ev[0].kind, DTLS_EV_CONNECTED);
    /* coap-client says goodbye with a close_notify. */
    ck_assert_int_eq(dtls_state_of(l.s), DTLS_CLOSED);
    ck_assert_int_eq(dtls_reason_of(l.s), DTLS_R_PEER_CLOSE);
    link_free(&l);
}

START_TEST(coap_client_gets_an_answer_from_our_server_with_ccm8)
{
    server_serves_coap_client(FLAVOURS[_i], "PSK-AES128-CCM8", "TLS_PSK_WITH_AES_128_CCM_8");
}
END_TEST

START_TEST(coap_client_gets_an_answer_from_our_server_with_cbc_sha256)
{
    server_serves_coap_client(FLAVOURS[_i], "PSK-AES128-CBC-SHA256",
                              "TLS_PSK_WITH_AES_128_CBC_SHA256");
}
END_TEST

/* coap-client has shown our bad_record_mac (it may linger until -B). */
static int client_saw_bad_record_mac(udp_link *l, void *arg)
{
    serve_arg *a = arg;
    (void)l;
    return strcasestr(read_log("coap-client"), "bad record mac") != NULL ||
           child_exited(a->client, &a->status);
}

START_TEST(coap_client_with_a_wrong_key_is_refused_at_once)
{
    udp_link l;
    link_server(&l);
    server_cfg = (dtls_config){0};
    server_key = KEY;
    uint64_t t0 = mono_ns();
    serve_arg a = {.client = coap_client(FLAVOURS[_i], port_of(l.fd), "a-wrong-psk-0123")};
    ck_assert(link_run(&l, client_saw_bad_record_mac, &a, LIMIT_MS));
    ck_assert_int_eq(dtls_state_of(l.s), DTLS_FAILED);
    ck_assert_int_eq(dtls_reason_of(l.s), DTLS_R_BAD_PSK);
    ck_assert_int_eq(dtls_alert_sent(l.s), 20);
    /* coap-client read our bad_record_mac at once: its first
     * retransmission would have come after 1 s. */
    const char *log = read_log("coap-client");
    ck_assert_msg(strcasestr(log, "bad record mac"), "%s", log);
    ck_assert_uint_lt(mono_ns() - t0, DTLS_S(1));
    ck_assert(!strstr(log, "hello from sarasim"));
    stop(a.client);
    link_free(&l);
}
END_TEST

static Suite *interop_suite(void)
{
    Suite *s = suite_create("dtls interop");
    TCase *c = tcase_create("libcoap3");
    tcase_set_timeout(c, 60);
    tcase_add_loop_test(c, client_gets_well_known_core_from_coap_server_with_ccm8, 0, 2);
    tcase_add_test(c, client_gets_well_known_core_from_gnutls_coap_server_with_cbc_sha256);
    tcase_add_loop_test(c, client_with_a_wrong_key_times_out_against_coap_server, 0, 2);
    tcase_add_loop_test(c, coap_client_gets_an_answer_from_our_server_with_ccm8, 0, 2);
    tcase_add_loop_test(c, coap_client_gets_an_answer_from_our_server_with_cbc_sha256, 0, 2);
    tcase_add_loop_test(c, coap_client_with_a_wrong_key_is_refused_at_once, 0, 2);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(logdir)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *r = srunner_create(interop_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    if (failed)
        fprintf(stderr, "the libcoap tools' logs are in %s\n", logdir);
    else
        remove_logdir();
    return failed ? 1 : 0;
}
