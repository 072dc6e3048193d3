/* dtls.c - DTLS 1.2 PSK sessions over OpenSSL libssl, sans-I/O.
 *
 * OpenSSL does the protocol; this file gives it datagrams through a BIO of
 * our own (one datagram per read, one per write: boundaries kept) and keeps
 * its retransmission timer on the caller's clock.  The design, and why each
 * piece is what it is, is in docs/dtls.md; the comments here say what the
 * code relies on. */
#include "dtls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

/* The virtual-clock timer relies on where OpenSSL 3.0 and 3.1 keep their
 * DTLS timer (docs/dtls.md, "The one-clock problem").  Built against other
 * headers the layer still compiles, and dtls_session_create() says
 * -ENOTSUP; it also checks the library it runs with. */
#define OSSL_TIMER_OK(v) ((v) >= 0x30000000L && (v) < 0x30200000L)

/* OpenSSL's own timer is set this far in the wall-clock future at every
 * start, so that it never expires by itself while a flight waits (at most
 * the give-up time of the schedule, ~2 min by default): we expire it. */
#define PARKED_US 3600000000u

/* Queue bounds: a handshake flight is a handful of datagrams; the caller
 * drains after every call. */
#define TX_QUEUE_ITEMS 64u
#define RX_QUEUE_ITEMS 32u
#define RX_QUEUE_BYTES (64u * 1024u)
#define PENDING_ITEMS 16u
#define PENDING_BYTES (16u * 1024u)
#define EVENTS_MAX 4u

/* DTLS record header (RFC 6347 §4.1). */
#define REC_HDR 13u
#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define ALERT_FATAL 2
#define ALERT_BAD_RECORD_MAC 20
#define ALERT_DECRYPT_ERROR 51
#define ALERT_UNKNOWN_PSK_IDENTITY 115

/* The most one suite adds to a record: AES-128-CBC-SHA256 = explicit IV 16
 * + HMAC 32 + padding up to 16 (CCM_8 adds 8 + 8). */
#define SUITE_OVERHEAD_MAX 64u

static const char COOKIE_LABEL[] = "sarasim dtls cookie";

/* ---- bounded queues of byte strings ---- */

typedef struct dq_item {
    size_t len;
    uint8_t data[];
} dq_item;

typedef struct dq {
    dq_item **ring;
    size_t cap, head, count, bytes, max_bytes;
} dq;

static int dq_init(dq *q, size_t cap, size_t max_bytes)
{
    q->ring = calloc(cap, sizeof *q->ring);
    q->cap = cap;
    q->head = q->count = q->bytes = 0;
    q->max_bytes = max_bytes;
    return q->ring ? 0 : -ENOMEM;
}

static void dq_clear(dq *q)
{
    while (q->count) {
        free(q->ring[q->head]);
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    q->bytes = 0;
}

static void dq_free(dq *q)
{
    if (q->ring)
        dq_clear(q);
    free(q->ring);
    q->ring = NULL;
}

/* 0, -ENOBUFS (full by count or bytes), -ENOMEM. */
static int dq_push(dq *q, const void *p, size_t n)
{
    if (q->count == q->cap || q->bytes + n > q->max_bytes)
        return -ENOBUFS;
    dq_item *it = malloc(sizeof *it + n);
    if (!it)
        return -ENOMEM;
    it->len = n;
    memcpy(it->data, p, n);
    q->ring[(q->head + q->count) % q->cap] = it;
    q->count++;
    q->bytes += n;
    return 0;
}

static const dq_item *dq_front(const dq *q)
{
    return q->count ? q->ring[q->head] : NULL;
}

static void dq_pop(dq *q)
{
    if (!q->count)
        return;
    q->bytes -= q->ring[q->head]->len;
    free(q->ring[q->head]);
    q->head = (q->head + 1) % q->cap;
    q->count--;
}

static int dq_take(dq *q, uint8_t *buf, size_t cap)
{
    const dq_item *it = dq_front(q);
    if (!it)
        return 0;
    if (it->len > cap)
        return -EMSGSIZE;
    int n = (int)it->len;
    memcpy(buf, it->data, it->len);
    dq_pop(q);
    return n;
}

/* ---- the session ---- */

struct dtls_session {
    dtls_role role;
    dtls_state state;
    dtls_reason reason;
    dtls_config cfg; /* strings and the secret point into this struct */
    char identity[DTLS_IDENTITY_MAX + 1];
    uint8_t key[DTLS_KEY_MAX];
    size_t key_len;
    char *ciphers, *hint, *peer;
    uint8_t *cookie_key;
    size_t cookie_key_len;

    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *bio_method;

    uint64_t now;
    int started;           /* client: the ClientHello has gone out; server: a datagram came */
    uint64_t last_rx;      /* time of the last datagram fed (idle limit) */
    const uint8_t *in;     /* the datagram being fed, until OpenSSL reads it */
    size_t in_len;

    /* OpenSSL's timer, mirrored on the caller's clock. */
    struct timeval *ossl_timer; /* where OpenSSL keeps its expiry */
    int timer_running;          /* OpenSSL has a flight waiting for an answer */
    int forcing;                /* inside our DTLSv1_handle_timeout() */
    uint64_t deadline;          /* next retransmission */
    uint64_t interval;          /* current back-off */
    unsigned flight_retransmits;
    uint64_t giveup_span;       /* the whole schedule: the handshake idle limit */

    /* What we sent, for the one alert OpenSSL cannot send (bad_record_mac). */
    unsigned tx_epoch;
    uint64_t tx_seq0_next;

    int alert_rx, alert_tx, ossl_reason;
    int nomem;

    dq tx, rx, pending;
    dtls_event events[EVENTS_MAX];
    unsigned ev_head, ev_count;
    dtls_stats stats;
    uint8_t rbuf[DTLS_PLAINTEXT_MAX];
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void push_event(dtls_session *s, dtls_event_kind k, dtls_reason r, int alert)
{
    if (s->ev_count == EVENTS_MAX) /* cannot happen: at most two per life */
        return;
    dtls_event *e = &s->events[(s->ev_head + s->ev_count) % EVENTS_MAX];
    e->kind = k;
    e->reason = r;
    e->alert = alert;
    e->at = s->now;
    s->ev_count++;
}

/* The session is over: nothing is due any more, nothing waits to be sent. */
static void end(dtls_session *s, dtls_state st, dtls_reason r, int alert)
{
    if (s->state == DTLS_CLOSED || s->state == DTLS_FAILED)
        return;
    s->state = st;
    s->reason = r;
    s->timer_running = 0;
    dq_clear(&s->pending);
    push_event(s, st == DTLS_CLOSED ? DTLS_EV_CLOSED : DTLS_EV_FAILED, r, alert);
}

static void fail(dtls_session *s, dtls_reason r)
{
    int alert = s->alert_rx >= 0 ? s->alert_rx : s->alert_tx;
    end(s, DTLS_FAILED, r, alert);
}

/* ---- datagrams out: record bookkeeping ---- */

static uint64_t be48(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | p[i];
    return v;
}

/* Note the epoch and sequence numbers of what OpenSSL sends (a datagram
 * may carry several records). */
static void note_tx_records(dtls_session *s, const uint8_t *p, size_t n)
{
    while (n >= REC_HDR) {
        unsigned epoch = (unsigned)p[3] << 8 | p[4];
        size_t len = (size_t)p[11] << 8 | p[12];
        if (epoch > s->tx_epoch)
            s->tx_epoch = epoch;
        if (epoch == 0 && be48(p + 5) >= s->tx_seq0_next)
            s->tx_seq0_next = be48(p + 5) + 1;
        if (len > n - REC_HDR)
            break;
        p += REC_HDR + len;
        n -= REC_HDR + len;
    }
}

static void queue_tx(dtls_session *s, const uint8_t *p, size_t n)
{
    int rc = dq_push(&s->tx, p, n);
    if (rc == 0) {
        s->stats.tx_datagrams++;
        note_tx_records(s, p, n);
        return;
    }
    /* A datagram the caller has no room for is lost, as on a full socket
     * buffer; the protocol's retransmission covers it. */
    s->stats.tx_dropped++;
    if (rc == -ENOMEM)
        s->nomem = 1;
}

/* 1 when the datagram holds a handshake record of epoch >= 1: in DTLS 1.2
 * the only one is Finished. */
static int has_encrypted_handshake(const uint8_t *p, size_t n)
{
    while (n >= REC_HDR) {
        unsigned epoch = (unsigned)p[3] << 8 | p[4];
        size_t len = (size_t)p[11] << 8 | p[12];
        if (len > n - REC_HDR)
            return 0;
        if (p[0] == CT_HANDSHAKE && epoch >= 1)
            return 1;
        p += REC_HDR + len;
        n -= REC_HDR + len;
    }
    return 0;
}

/* ---- the BIO: one datagram per read, one per write ---- */

static int bio_write(BIO *b, const char *p, int n)
{
    dtls_session *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (n > 0)
        queue_tx(s, (const uint8_t *)p, (size_t)n);
    return n;
}

static int bio_read(BIO *b, char *p, int cap)
{
    dtls_session *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!s->in) {
        BIO_set_retry_read(b);
        return -1;
    }
    /* Like recv(2) on a datagram socket: a datagram larger than the buffer
     * is cut.  OpenSSL's buffer holds the largest record, so it never is. */
    size_t n = s->in_len < (size_t)cap ? s->in_len : (size_t)cap;
    memcpy(p, s->in, n);
    s->in = NULL;
    s->in_len = 0;
    return (int)n;
}

/* OpenSSL tells the BIO when it starts, restarts and stops its
 * retransmission timer.  That is exactly when a flight goes out and when the
 * peer's answer arrives: we mirror it on the caller's clock. */
static void on_openssl_timer(dtls_session *s, struct timeval *tv)
{
    s->ossl_timer = tv;
    if (tv->tv_sec == 0 && tv->tv_usec == 0) {
        s->timer_running = 0; /* the peer's flight arrived */
        return;
    }
    if (s->forcing || s->timer_running)
        return; /* our retransmission, or the next message of the same flight */
    s->timer_running = 1;
    s->flight_retransmits = 0;
    s->interval = s->cfg.initial_timeout;
    s->deadline = sat_add(s->now, s->interval);
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    dtls_session *s = BIO_get_data(b);
    (void)num;
    switch (cmd) {
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        if (ptr)
            on_openssl_timer(s, ptr);
        return 1;
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return s->in ? (long)s->in_len : 0;
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return (long)s->cfg.mtu;
    default:
        /* QUERY_MTU, MTU_EXCEEDED, GET_MTU_OVERHEAD, peers: not ours to
         * answer (the MTU is set on the SSL, SSL_OP_NO_QUERY_MTU). */
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ---- OpenSSL callbacks ---- */

static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
    (void)ssl;
    (void)timer_us;
    return PARKED_US;
}

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    dtls_session *s = SSL_get_app_data(ssl);
    size_t idlen = strlen(s->identity);
    (void)hint; /* one identity, whatever the server hints */
    if (idlen + 1 > max_identity_len || s->key_len > max_psk_len)
        return 0;
    memcpy(identity, s->identity, idlen + 1);
    memcpy(psk, s->key, s->key_len);
    return (unsigned int)s->key_len;
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    dtls_session *s = SSL_get_app_data(ssl);
    if (!identity || strcmp(identity, s->identity) != 0 || s->key_len > max_psk_len)
        return 0; /* OpenSSL answers unknown_psk_identity */
    memcpy(psk, s->key, s->key_len);
    return (unsigned int)s->key_len;
}

/* cookie = HMAC-SHA256(secret, label NUL peer): the same for the same peer
 * and secret, so a ClientHello's cookie is checked without keeping any. */
static int make_cookie(dtls_session *s, unsigned char out[32])
{
    uint8_t msg[sizeof COOKIE_LABEL + 256];
    size_t plen = strlen(s->peer);
    if (plen > 255)
        plen = 255;
    memcpy(msg, COOKIE_LABEL, sizeof COOKIE_LABEL);
    memcpy(msg + sizeof COOKIE_LABEL, s->peer, plen);
    size_t outlen = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, s->cookie_key, s->cookie_key_len,
                   msg, sizeof COOKIE_LABEL + plen, out, 32, &outlen) || outlen != 32)
        return 0;
    return 1;
}

static int cookie_generate_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    if (!make_cookie(SSL_get_app_data(ssl), cookie))
        return 0;
    *len = 32;
    return 1;
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    unsigned char want[32];
    return len == 32 && make_cookie(SSL_get_app_data(ssl), want) &&
           CRYPTO_memcmp(want, cookie, 32) == 0;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
    dtls_session *s = SSL_get_app_data(ssl);
    if (!(where & SSL_CB_ALERT) || (ret >> 8) != ALERT_FATAL)
        return;
    if (where & SSL_CB_READ)
        s->alert_rx = ret & 0xff;
    else
        s->alert_tx = ret & 0xff;
}

/* ---- driving OpenSSL ---- */

static int is_psk_alert(int a)
{
    return a == ALERT_BAD_RECORD_MAC || a == ALERT_DECRYPT_ERROR ||
           a == ALERT_UNKNOWN_PSK_IDENTITY;
}

/* After an SSL call returned r: 0 when it only waits for input, else the
 * session fails with the reason OpenSSL's error says.  The error queue is
 * left empty either way. */
static int check_ssl(dtls_session *s, int r)
{
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return 0;
    }
    unsigned long err = ERR_peek_error();
    s->ossl_reason = ERR_GET_REASON(err);
    ERR_clear_error();
    /* A PSK alert either way during the handshake means the keys (or the
     * identity) do not match: OpenSSL sends bad_record_mac itself when a
     * CBC Finished does not decrypt, unknown_psk_identity for a stranger. */
    int handshaking = s->state == DTLS_HANDSHAKING;
    if (s->alert_rx >= 0)
        fail(s, handshaking && is_psk_alert(s->alert_rx) ? DTLS_R_BAD_PSK : DTLS_R_ALERT);
    else if (handshaking && is_psk_alert(s->alert_tx))
        fail(s, DTLS_R_BAD_PSK);
    else if (s->ossl_reason == ERR_R_MALLOC_FAILURE)
        fail(s, DTLS_R_NO_MEMORY);
    else
        fail(s, DTLS_R_PROTOCOL);
    return -1;
}

static void write_record(dtls_session *s, const uint8_t *p, size_t n)
{
    size_t written = 0;
    ERR_clear_error();
    int r = SSL_write_ex(s->ssl, p, n, &written);
    if (r == 1)
        s->stats.tx_plaintexts++;
    else
        check_ssl(s, r);
}

static void connected(dtls_session *s)
{
    s->state = DTLS_CONNECTED;
    s->timer_running = 0;
    push_event(s, DTLS_EV_CONNECTED, DTLS_R_NONE, -1);
    const dq_item *it;
    while (s->state == DTLS_CONNECTED && (it = dq_front(&s->pending))) {
        write_record(s, it->data, it->len);
        dq_pop(&s->pending);
    }
}

static void read_records(dtls_session *s)
{
    while (s->state == DTLS_CONNECTED) {
        size_t n = 0;
        ERR_clear_error();
        int r = SSL_read_ex(s->ssl, s->rbuf, sizeof s->rbuf, &n);
        if (r == 1) {
            if (n == 0)
                continue;
            int rc = dq_push(&s->rx, s->rbuf, n);
            if (rc == 0)
                s->stats.rx_plaintexts++;
            else
                s->stats.rx_dropped++;
            if (rc == -ENOMEM)
                s->nomem = 1;
            continue;
        }
        if (SSL_get_error(s->ssl, r) == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            SSL_shutdown(s->ssl); /* answer the close_notify with ours */
            ERR_clear_error();
            end(s, DTLS_CLOSED, DTLS_R_PEER_CLOSE, -1);
            return;
        }
        check_ssl(s, r);
        return;
    }
}

/* Let OpenSSL run until it waits for the peer. */
static void drive(dtls_session *s)
{
    if (s->state == DTLS_HANDSHAKING) {
        ERR_clear_error();
        int r = SSL_do_handshake(s->ssl);
        if (r == 1)
            connected(s);
        else
            check_ssl(s, r);
    }
    if (s->state == DTLS_CONNECTED)
        read_records(s);
}

/* The fatal bad_record_mac alert RFC 6347 §4.1.2.7 allows when a record
 * does not authenticate, which OpenSSL never sends (it discards the record
 * silently).  Possible only while we still write epoch 0 in clear: that is
 * the server that could not authenticate the client's Finished. */
static void send_bad_record_mac(dtls_session *s)
{
    if (s->tx_epoch != 0)
        return;
    uint8_t rec[REC_HDR + 2] = {CT_ALERT, 0xfe, 0xfd, 0, 0};
    for (int i = 0; i < 6; i++)
        rec[5 + i] = (uint8_t)(s->tx_seq0_next >> (8 * (5 - i)));
    rec[11] = 0;
    rec[12] = 2;
    rec[13] = ALERT_FATAL;
    rec[14] = ALERT_BAD_RECORD_MAC;
    queue_tx(s, rec, sizeof rec);
    s->alert_tx = ALERT_BAD_RECORD_MAC;
}

/* OpenSSL read the peer's ChangeCipherSpec and then dropped the epoch-1
 * handshake record that followed: the peer's Finished did not authenticate,
 * so the two sides derived different keys from different PSKs. */
static void check_finished_authenticated(dtls_session *s)
{
    OSSL_HANDSHAKE_STATE hs = SSL_get_state(s->ssl);
    if (s->state != DTLS_HANDSHAKING || (hs != TLS_ST_SR_CHANGE && hs != TLS_ST_CR_CHANGE))
        return;
    send_bad_record_mac(s);
    fail(s, DTLS_R_BAD_PSK);
}

/* Make OpenSSL's timer expired now and let it retransmit its flight. */
static void retransmit(dtls_session *s)
{
    if (!s->ossl_timer)
        return;
    /* OpenSSL 3.0/3.1 handed us the address of its own expiry time (struct
     * timeval in the SSL object, alive as long as it): one microsecond
     * after the epoch has passed on any clock. */
    s->ossl_timer->tv_sec = 0;
    s->ossl_timer->tv_usec = 1;
    s->forcing = 1;
    ERR_clear_error();
    int r = DTLSv1_handle_timeout(s->ssl);
    s->forcing = 0;
    if (r < 0) {
        s->ossl_reason = ERR_GET_REASON(ERR_peek_error());
        fail(s, DTLS_R_PROTOCOL);
    }
    ERR_clear_error();
    s->stats.retransmits++;
}

static void handle_deadlines(dtls_session *s)
{
    while (s->state == DTLS_HANDSHAKING && s->started) {
        if (!s->timer_running) {
            if (sat_add(s->last_rx, s->giveup_span) <= s->now)
                fail(s, DTLS_R_TIMEOUT);
            return;
        }
        if (s->deadline > s->now)
            return;
        if (s->flight_retransmits >= s->cfg.max_retransmits) {
            fail(s, DTLS_R_TIMEOUT);
            return;
        }
        s->flight_retransmits++;
        retransmit(s);
        s->interval = s->interval * 2 < s->cfg.max_timeout ? s->interval * 2 : s->cfg.max_timeout;
        s->deadline = sat_add(s->deadline, s->interval);
    }
}

static void advance(dtls_session *s, uint64_t now)
{
    if (now > s->now)
        s->now = now; /* a clock that went back is held where it was */
}

static void start_client(dtls_session *s)
{
    if (s->role != DTLS_CLIENT || s->started || s->state != DTLS_HANDSHAKING)
        return;
    s->started = 1;
    s->last_rx = s->now;
    drive(s);
}

static int result(dtls_session *s)
{
    if (!s->nomem)
        return 0;
    s->nomem = 0;
    return -ENOMEM;
}

/* ---- API ---- */

static int copy_str(char **dst, const char *src)
{
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -ENOMEM;
}

static void apply_defaults(dtls_config *c)
{
    if (!c->mtu)
        c->mtu = DTLS_DEFAULT_MTU;
    if (!c->initial_timeout)
        c->initial_timeout = DTLS_DEFAULT_INITIAL_TIMEOUT;
    if (!c->max_timeout)
        c->max_timeout = DTLS_DEFAULT_MAX_TIMEOUT;
    if (c->max_timeout < c->initial_timeout)
        c->max_timeout = c->initial_timeout;
    if (!c->max_retransmits)
        c->max_retransmits = DTLS_DEFAULT_RETRANSMITS;
    if (c->max_retransmits > DTLS_RETRANSMITS_MAX)
        c->max_retransmits = DTLS_RETRANSMITS_MAX;
}

static uint64_t schedule_span(const dtls_config *c)
{
    uint64_t total = 0, i = c->initial_timeout;
    for (unsigned k = 0; k <= c->max_retransmits; k++) {
        total = sat_add(total, i);
        i = i * 2 < c->max_timeout ? i * 2 : c->max_timeout;
    }
    return total;
}

static int copy_config(dtls_session *s, const dtls_config *cfg)
{
    if (cfg)
        s->cfg = *cfg;
    apply_defaults(&s->cfg);
    if (s->cfg.mtu < DTLS_MTU_MIN || s->cfg.mtu > DTLS_MTU_MAX)
        return -EINVAL;
    if (copy_str(&s->ciphers, s->cfg.ciphers ? s->cfg.ciphers : DTLS_DEFAULT_CIPHERS) ||
        copy_str(&s->hint, s->cfg.psk_hint) || copy_str(&s->peer, s->cfg.peer ? s->cfg.peer : ""))
        return -ENOMEM;
    const uint8_t *secret = s->cfg.cookie_secret ? s->cfg.cookie_secret : s->key;
    size_t slen = s->cfg.cookie_secret ? s->cfg.cookie_secret_len : s->key_len;
    if (!slen)
        return -EINVAL;
    s->cookie_key = malloc(slen);
    if (!s->cookie_key)
        return -ENOMEM;
    memcpy(s->cookie_key, secret, slen);
    s->cookie_key_len = slen;
    s->cfg.ciphers = s->ciphers;
    s->cfg.psk_hint = s->hint;
    s->cfg.peer = s->peer;
    s->cfg.cookie_secret = s->cookie_key;
    s->cfg.cookie_secret_len = slen;
    s->giveup_span = schedule_span(&s->cfg);
    return 0;
}

static int make_ctx(dtls_session *s)
{
    s->ctx = SSL_CTX_new(s->role == DTLS_CLIENT ? DTLS_client_method() : DTLS_server_method());
    if (!s->ctx)
        return -ENOMEM;
    uint64_t opts = SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU;
    if (s->role == DTLS_SERVER)
        opts |= SSL_OP_COOKIE_EXCHANGE;
    SSL_CTX_set_options(s->ctx, opts);
    SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
    if (!SSL_CTX_set_min_proto_version(s->ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(s->ctx, DTLS1_2_VERSION))
        return -ENOMEM;
    if (!SSL_CTX_set_cipher_list(s->ctx, s->ciphers))
        return -EINVAL;
    if (s->role == DTLS_SERVER) {
        SSL_CTX_set_cookie_generate_cb(s->ctx, cookie_generate_cb);
        SSL_CTX_set_cookie_verify_cb(s->ctx, cookie_verify_cb);
    }
    return 0;
}

static int make_bio(dtls_session *s)
{
    s->bio_method = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "sarasim datagram queue");
    if (!s->bio_method || !BIO_meth_set_write(s->bio_method, bio_write) ||
        !BIO_meth_set_read(s->bio_method, bio_read) || !BIO_meth_set_ctrl(s->bio_method, bio_ctrl) ||
        !BIO_meth_set_create(s->bio_method, bio_create))
        return -ENOMEM;
    BIO *b = BIO_new(s->bio_method);
    if (!b)
        return -ENOMEM;
    BIO_set_data(b, s);
    SSL_set_bio(s->ssl, b, b); /* the SSL owns it now */
    return 0;
}

static int make_ssl(dtls_session *s)
{
    s->ssl = SSL_new(s->ctx);
    if (!s->ssl)
        return -ENOMEM;
    SSL_set_app_data(s->ssl, s);
    int rc = make_bio(s);
    if (rc)
        return rc;
    if (!SSL_set_mtu(s->ssl, (long)s->cfg.mtu))
        return -EINVAL;
    DTLS_set_timer_cb(s->ssl, timer_cb);
    SSL_set_info_callback(s->ssl, info_cb);
    if (s->role == DTLS_CLIENT) {
        SSL_set_psk_client_callback(s->ssl, psk_client_cb);
        SSL_set_connect_state(s->ssl);
    } else {
        SSL_set_psk_server_callback(s->ssl, psk_server_cb);
        if (s->hint && !SSL_use_psk_identity_hint(s->ssl, s->hint))
            return -EINVAL;
        SSL_set_accept_state(s->ssl);
    }
    return 0;
}

static int session_init(dtls_session *s, const dtls_config *cfg)
{
    int rc = copy_config(s, cfg);
    if (!rc && (dq_init(&s->tx, TX_QUEUE_ITEMS, TX_QUEUE_ITEMS * s->cfg.mtu) ||
                dq_init(&s->rx, RX_QUEUE_ITEMS, RX_QUEUE_BYTES) ||
                dq_init(&s->pending, PENDING_ITEMS, PENDING_BYTES)))
        rc = -ENOMEM;
    if (!rc)
        rc = make_ctx(s);
    if (!rc)
        rc = make_ssl(s);
    return rc;
}

int dtls_session_create(dtls_session **out, dtls_role role, const char *identity,
                        const uint8_t *key, size_t key_len, const dtls_config *cfg)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if ((role != DTLS_CLIENT && role != DTLS_SERVER) || !identity || !*identity ||
        strlen(identity) > DTLS_IDENTITY_MAX || !key || !key_len || key_len > DTLS_KEY_MAX)
        return -EINVAL;
    if (!OSSL_TIMER_OK(OPENSSL_VERSION_NUMBER) || !OSSL_TIMER_OK((long)OpenSSL_version_num()))
        return -ENOTSUP;
    dtls_session *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->role = role;
    s->state = DTLS_HANDSHAKING;
    s->alert_rx = s->alert_tx = -1;
    memcpy(s->identity, identity, strlen(identity) + 1);
    memcpy(s->key, key, key_len);
    s->key_len = key_len;
    int rc = session_init(s, cfg);
    ERR_clear_error();
    if (rc) {
        dtls_session_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void dtls_session_free(dtls_session *s)
{
    if (!s)
        return;
    SSL_free(s->ssl); /* frees the BIO */
    SSL_CTX_free(s->ctx);
    BIO_meth_free(s->bio_method);
    ERR_clear_error();
    dq_free(&s->tx);
    dq_free(&s->rx);
    dq_free(&s->pending);
    free(s->ciphers);
    free(s->hint);
    free(s->peer);
    if (s->cookie_key)
        OPENSSL_cleanse(s->cookie_key, s->cookie_key_len);
    free(s->cookie_key);
    OPENSSL_cleanse(s->key, sizeof s->key);
    free(s);
}

int dtls_feed(dtls_session *s, uint64_t now, const uint8_t *dgram, size_t len)
{
    if (!dgram && len)
        return -EINVAL;
    advance(s, now);
    handle_deadlines(s); /* (a server not started yet has none) */
    if (s->state != DTLS_HANDSHAKING && s->state != DTLS_CONNECTED) {
        s->stats.ignored++;
        return result(s);
    }
    /* An empty datagram holds no record (and OpenSSL would take a read of
     * zero bytes for the end of the transport). */
    if (!len || (s->role == DTLS_CLIENT && !s->started)) {
        s->stats.ignored++; /* (a client's: nothing can be an answer yet) */
        return result(s);
    }
    s->started = 1; /* a server's handshake begins with its first datagram */
    s->stats.rx_datagrams++;
    s->last_rx = s->now;
    int finished_in = s->state == DTLS_HANDSHAKING && has_encrypted_handshake(dgram, len);
    s->in = dgram;
    s->in_len = len;
    drive(s);
    s->in = NULL; /* unread if the session ended on an earlier record */
    s->in_len = 0;
    if (finished_in)
        check_finished_authenticated(s);
    return result(s);
}

int dtls_send(dtls_session *s, uint64_t now, const uint8_t *p, size_t len)
{
    if (!p || !len)
        return -EINVAL;
    advance(s, now);
    handle_deadlines(s);
    if (s->state != DTLS_HANDSHAKING && s->state != DTLS_CONNECTED)
        return -ENOTCONN;
    if (len > dtls_max_plaintext(s))
        return -EMSGSIZE;
    if (s->state == DTLS_CONNECTED) {
        write_record(s, p, len);
        return result(s);
    }
    int rc = dq_push(&s->pending, p, len);
    if (rc)
        return rc;
    start_client(s);
    return result(s);
}

int dtls_tick(dtls_session *s, uint64_t now)
{
    advance(s, now);
    start_client(s);
    handle_deadlines(s);
    return result(s);
}

uint64_t dtls_next_deadline(const dtls_session *s)
{
    if (s->state != DTLS_HANDSHAKING)
        return DTLS_NEVER;
    if (!s->started) /* a client is due at once (its ClientHello), a server waits */
        return s->role == DTLS_CLIENT ? 0 : DTLS_NEVER;
    if (s->timer_running)
        return s->deadline;
    return sat_add(s->last_rx, s->giveup_span);
}

int dtls_close(dtls_session *s, uint64_t now)
{
    advance(s, now);
    if (s->state == DTLS_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(s->ssl); /* close_notify; the peer's answer is not awaited */
        ERR_clear_error();
    }
    end(s, DTLS_CLOSED, DTLS_R_LOCAL_CLOSE, -1);
    return result(s);
}

int dtls_take_datagram(dtls_session *s, uint8_t *buf, size_t cap)
{
    return dq_take(&s->tx, buf, cap);
}

int dtls_take_plaintext(dtls_session *s, uint8_t *buf, size_t cap)
{
    return dq_take(&s->rx, buf, cap);
}

int dtls_take_event(dtls_session *s, dtls_event *ev)
{
    if (!s->ev_count)
        return 0;
    *ev = s->events[s->ev_head];
    s->ev_head = (s->ev_head + 1) % EVENTS_MAX;
    s->ev_count--;
    return 1;
}

size_t dtls_max_plaintext(const dtls_session *s)
{
    if (s->state == DTLS_CONNECTED) {
        size_t n = DTLS_get_data_mtu(s->ssl);
        if (n)
            return n;
    }
    return s->cfg.mtu - REC_HDR - SUITE_OVERHEAD_MAX;
}

dtls_state dtls_state_of(const dtls_session *s) { return s->state; }
dtls_reason dtls_reason_of(const dtls_session *s) { return s->reason; }
dtls_role dtls_role_of(const dtls_session *s) { return s->role; }
int dtls_alert_received(const dtls_session *s) { return s->alert_rx; }
int dtls_alert_sent(const dtls_session *s) { return s->alert_tx; }
int dtls_openssl_reason(const dtls_session *s) { return s->ossl_reason; }
const dtls_stats *dtls_stats_of(const dtls_session *s) { return &s->stats; }

const char *dtls_cipher(const dtls_session *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
    return c ? SSL_CIPHER_standard_name(c) : NULL;
}

const char *dtls_state_name(dtls_state st)
{
    switch (st) {
    case DTLS_HANDSHAKING: return "handshaking";
    case DTLS_CONNECTED: return "connected";
    case DTLS_CLOSED: return "closed";
    case DTLS_FAILED: return "failed";
    }
    return "?";
}

const char *dtls_reason_name(dtls_reason r)
{
    switch (r) {
    case DTLS_R_NONE: return "none";
    case DTLS_R_LOCAL_CLOSE: return "local-close";
    case DTLS_R_PEER_CLOSE: return "peer-close";
    case DTLS_R_TIMEOUT: return "timeout";
    case DTLS_R_BAD_PSK: return "bad-psk";
    case DTLS_R_ALERT: return "alert";
    case DTLS_R_PROTOCOL: return "protocol";
    case DTLS_R_NO_MEMORY: return "no-memory";
    }
    return "?";
}

const char *dtls_event_name(dtls_event_kind k)
{
    switch (k) {
    case DTLS_EV_CONNECTED: return "connected";
    case DTLS_EV_CLOSED: return "closed";
    case DTLS_EV_FAILED: return "failed";
    }
    return "?";
}
