/* dtls.h - DTLS 1.2 with a pre-shared key (coaps://), sans-I/O, over
 * OpenSSL libssl, for either end: the module's LwM2M client talking to the
 * uFOTA server (ucsplwm2m.services.u-blox.com:5684, RFC 7925 profile) and the
 * project's built-in LwM2M server.
 *
 * A session carries opaque datagrams of one association with one peer; the
 * caller owns the socket (or the simulated network) and the demultiplexing
 * by address.  The session never reads a clock, never sleeps and never does
 * I/O: every call takes the caller's time (uint64_t nanoseconds of sarasim's
 * one clock) and leaves its results in three queues the caller drains:
 *
 *     dtls_session_create(&s, DTLS_CLIENT, "identity", key, 16, &cfg);
 *     on a datagram from the peer:  dtls_feed(s, now, p, n);
 *     to send application data:     dtls_send(s, now, p, n);  (queued until CONNECTED)
 *     at dtls_next_deadline(s):     dtls_tick(s, now);         (a new client is due at once:
 *                                                               its first tick sends the ClientHello)
 *     after any of them:            while ((n = dtls_take_datagram(s, buf, sizeof buf)) > 0) send it;
 *                                   while ((n = dtls_take_plaintext(s, buf, sizeof buf)) > 0) use it;
 *                                   while (dtls_take_event(s, &ev)) react;
 *                                   re-arm the timer at dtls_next_deadline(s).
 *
 * Handshake retransmissions follow the caller's clock exactly (RFC 6347
 * §4.2.4.1: 1 s, doubling, at most 60 s; DTLS_DEFAULT_RETRANSMITS, then
 * FAILED(TIMEOUT)), however fast or slow the machine runs: docs/dtls.md
 * explains how OpenSSL's own wall-clock timer is kept out of it.
 */
#ifndef SARASIM_DTLS_H
#define SARASIM_DTLS_H

#include <stddef.h>
#include <stdint.h>

#define DTLS_NEVER UINT64_MAX
#define DTLS_MS(x) ((uint64_t)(x) * 1000000ull)
#define DTLS_S(x) ((uint64_t)(x) * 1000000000ull)

/* Largest datagram a session emits is its configured MTU (<= this); a
 * plaintext record never exceeds DTLS_PLAINTEXT_MAX. */
#define DTLS_MTU_MIN 256u
#define DTLS_MTU_MAX 16384u
#define DTLS_DEFAULT_MTU 1200u
#define DTLS_PLAINTEXT_MAX 16384u
#define DTLS_IDENTITY_MAX 128u /* bytes, without the NUL */
#define DTLS_KEY_MAX 64u       /* bytes of pre-shared key */

#define DTLS_DEFAULT_INITIAL_TIMEOUT DTLS_S(1)
#define DTLS_DEFAULT_MAX_TIMEOUT DTLS_S(60)
#define DTLS_DEFAULT_RETRANSMITS 6u
#define DTLS_RETRANSMITS_MAX 10u /* OpenSSL gives up by itself after 12 */

/* LwM2M 1.0 §7.1.7 mandates TLS_PSK_WITH_AES_128_CCM_8; CBC_SHA256 is what
 * u-blox and libcoap commonly negotiate as well.  OpenSSL names. */
#define DTLS_DEFAULT_CIPHERS "PSK-AES128-CCM8:PSK-AES128-CBC-SHA256"

typedef enum dtls_role { DTLS_CLIENT = 0, DTLS_SERVER } dtls_role;

typedef enum dtls_state {
    DTLS_HANDSHAKING = 0, /* (a client before its first tick too) */
    DTLS_CONNECTED,
    DTLS_CLOSED, /* close_notify sent or received */
    DTLS_FAILED, /* see dtls_reason_of() */
} dtls_state;

typedef enum dtls_reason {
    DTLS_R_NONE = 0,
    DTLS_R_LOCAL_CLOSE, /* CLOSED: dtls_close() (close_notify sent) */
    DTLS_R_PEER_CLOSE,  /* CLOSED: the peer's close_notify (ours answered it) */
    DTLS_R_TIMEOUT,     /* FAILED: a flight unanswered after the last retransmission,
                           or a server handshake idle for as long */
    DTLS_R_BAD_PSK,     /* FAILED: identity unknown to the server, or the keys differ
                           (the peer's Finished did not authenticate) */
    DTLS_R_ALERT,       /* FAILED: the peer sent another fatal alert (dtls_alert_received) */
    DTLS_R_PROTOCOL,    /* FAILED: OpenSSL refused the peer's handshake (we sent an alert) */
    DTLS_R_NO_MEMORY,   /* FAILED: an allocation failed inside OpenSSL */
} dtls_reason;

typedef enum dtls_event_kind {
    DTLS_EV_CONNECTED = 1,
    DTLS_EV_CLOSED,
    DTLS_EV_FAILED,
} dtls_event_kind;

typedef struct dtls_event {
    dtls_event_kind kind;
    dtls_reason reason; /* DTLS_R_NONE for CONNECTED */
    int alert;          /* the TLS alert description involved (received for
                           ALERT / BAD_PSK from the peer, sent otherwise), or -1 */
    uint64_t at;        /* the caller's time of the event */
} dtls_event;

/* Every number a session uses; zero fields take the defaults above, so
 * `dtls_config c = {0}` is a valid configuration. */
typedef struct dtls_config {
    size_t mtu;                /* largest datagram (UDP payload) sent: DTLS_DEFAULT_MTU */
    uint64_t initial_timeout;  /* first retransmission after 1 s ... */
    uint64_t max_timeout;      /* ... doubling up to 60 s */
    unsigned max_retransmits;  /* per flight (clamped to DTLS_RETRANSMITS_MAX) */
    const char *ciphers;       /* OpenSSL cipher list: DTLS_DEFAULT_CIPHERS */
    /* Server only. */
    const char *psk_hint;      /* identity hint sent in ServerKeyExchange (NULL: none) */
    const uint8_t *cookie_secret; /* HelloVerifyRequest cookie = HMAC-SHA256(secret, peer);
                                     NULL: the pre-shared key is the secret */
    size_t cookie_secret_len;
    const char *peer;          /* the peer's address as the caller names it ("192.0.2.1:5684"):
                                  the cookie is bound to it */
} dtls_config;

/* Counters for traces and tests. */
typedef struct dtls_stats {
    uint64_t rx_datagrams;   /* fed while the session was alive */
    uint64_t tx_datagrams;   /* queued for the peer */
    uint64_t retransmits;    /* flights resent on our timer */
    uint64_t rx_plaintexts;  /* application records delivered */
    uint64_t tx_plaintexts;  /* application records sent */
    uint64_t ignored;        /* datagrams fed empty, after the end, or before a client started */
    uint64_t tx_dropped;     /* datagrams lost because the caller did not drain the queue */
    uint64_t rx_dropped;     /* plaintexts lost because the caller did not take them */
} dtls_stats;

typedef struct dtls_session dtls_session;

/* identity: NUL-terminated, 1..DTLS_IDENTITY_MAX bytes (the client sends it;
 * the server accepts only it).  key: 1..DTLS_KEY_MAX bytes.  cfg may be NULL.
 * Returns 0, -EINVAL (bad argument or cipher list), -ENOMEM, or -ENOTSUP
 * when the OpenSSL at run time is not one whose timer this layer can drive
 * (3.0.x / 3.1.x, see docs/dtls.md). */
int dtls_session_create(dtls_session **out, dtls_role role, const char *identity,
                        const uint8_t *key, size_t key_len, const dtls_config *cfg);
void dtls_session_free(dtls_session *s);

/* A datagram from the peer, received at `now`.  Deadlines due at or before
 * `now` are handled first.  Whatever the bytes, the session either uses
 * them, ignores them, or fails cleanly (an event).  Returns 0, -EINVAL
 * (NULL with a length), or -ENOMEM (a queue could not grow). */
int dtls_feed(dtls_session *s, uint64_t now, const uint8_t *dgram, size_t len);
/* Application data for the peer, as one record in one datagram.  Before the
 * handshake ends it is queued (in order, bounded) and leaves right after
 * CONNECTED.  Returns 0, -EINVAL (empty), -EMSGSIZE (more than
 * dtls_max_plaintext()), -ENOBUFS (the pre-handshake queue is full), or
 * -ENOTCONN (closed or failed). */
int dtls_send(dtls_session *s, uint64_t now, const uint8_t *p, size_t len);
/* Handle every deadline due at or before `now`. */
int dtls_tick(dtls_session *s, uint64_t now);
/* When dtls_tick() must next be called; DTLS_NEVER when nothing is due. */
uint64_t dtls_next_deadline(const dtls_session *s);
/* Close: once connected, a close_notify goes out; a handshake in progress is
 * abandoned silently.  Either way the session is CLOSED (reason LOCAL_CLOSE)
 * and an event says so.  Returns 0 (also when already closed or failed). */
int dtls_close(dtls_session *s, uint64_t now);

/* Outputs, oldest first.  Each copies one item into buf and removes it;
 * returns its length, 0 when there is none, or -EMSGSIZE when cap is too
 * small (it stays queued; DTLS_MTU_MAX and DTLS_PLAINTEXT_MAX always fit). */
int dtls_take_datagram(dtls_session *s, uint8_t *buf, size_t cap);
int dtls_take_plaintext(dtls_session *s, uint8_t *buf, size_t cap);
/* 1 and *ev filled when an event was waiting, else 0. */
int dtls_take_event(dtls_session *s, dtls_event *ev);

/* The most application data one dtls_send() takes: exact once connected
 * (DTLS_get_data_mtu), before that a bound that fits every supported suite. */
size_t dtls_max_plaintext(const dtls_session *s);

dtls_state dtls_state_of(const dtls_session *s);
dtls_reason dtls_reason_of(const dtls_session *s);
dtls_role dtls_role_of(const dtls_session *s);
/* The negotiated suite in IANA form ("TLS_PSK_WITH_AES_128_CCM_8"), or NULL. */
const char *dtls_cipher(const dtls_session *s);
/* Last fatal alert description received from / sent to the peer, or -1. */
int dtls_alert_received(const dtls_session *s);
int dtls_alert_sent(const dtls_session *s);
/* OpenSSL's reason code (ERR_GET_REASON) of the error that failed the
 * session, or 0 (TIMEOUT, and the BAD_PSK this layer detects). */
int dtls_openssl_reason(const dtls_session *s);
const dtls_stats *dtls_stats_of(const dtls_session *s);

const char *dtls_state_name(dtls_state st);
const char *dtls_reason_name(dtls_reason r);
const char *dtls_event_name(dtls_event_kind k);

#endif
