/* session.c - a log's records as a host session to replay (see session.h). */
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "xm_frames.h"

#define DEFAULT_START (6LL * 1000000000LL) /* ubxlib's boot wait for SARA-R5: the module boots in 5 s */
#define HOST_RATE 115200u                  /* the harness's and most hosts' rate */

typedef struct mark {
    size_t off;
    int64_t t;
    size_t line;
} mark;

typedef struct builder {
    session *s;
    int E, V, stored_E, stored_V; /* echo and verbose, running and stored (&W) */
    int fw_mode;                  /* Firmware Update Mode: C and NAK are bytes */
    int pending;                  /* a command waits for its final result */
    int answer_lines;             /* information lines of the answer so far */
    int prompt;                   /* the module prompted: the host's next text is data */
    long last_send;               /* item index */
    uint32_t host_rate, rate_before_update;
    int baud_from_notes;          /* a harness trace: its set_baud steps say when */
    int seen_lock;                /* the module has autobauded once */
    /* exact module bytes not cut into units yet, with the time of each write */
    bytebuf mbuf;
    mark *marks;
    size_t nmarks, capmarks;
    /* an Xmodem transfer read from an exact log */
    int in_xm;
    size_t xm_item;
    xm_reader xr;
    char *err;
    size_t errlen;
} builder;

/* ---------------- items ---------------- */

static s_item *add_item(builder *b, si_kind kind, int port, int64_t t, size_t line)
{
    session *s = b->s;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 128;
        s_item *it = realloc(s->it, cap * sizeof(*it));
        if (!it)
            return NULL;
        s->it = it;
        s->cap = cap;
    }
    s_item *it = &s->it[s->n++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->port = port;
    it->t = t;
    it->t_log = t;
    it->line = line;
    it->xm.crc = -1;
    it->xm.complete = -1;
    return it;
}

static int set_bytes(s_item *it, const uint8_t *p, size_t n, const uint8_t *text, size_t tlen)
{
    it->bytes = malloc(n + 1);
    it->text = mu_printable(text, tlen);
    if (!it->bytes || !it->text)
        return -ENOMEM;
    if (n)
        memcpy(it->bytes, p, n);
    it->bytes[n] = 0;
    it->len = n;
    return 0;
}

static void free_item(s_item *it)
{
    free(it->bytes);
    free(it->text);
    free(it->xm.data);
}

void session_free(session *s)
{
    for (size_t i = 0; i < s->n; i++)
        free_item(&s->it[i]);
    free(s->it);
    memset(s, 0, sizeof(*s));
}

long session_exchange_of(const session *s, size_t i)
{
    for (long k = (long)i; k >= 0; k--)
        if (s->it[k].kind == SI_SEND || s->it[k].kind == SI_XMODEM)
            return k;
    return -1;
}

static int add_baud(builder *b, uint32_t rate, int64_t t, size_t line)
{
    if (!rate || rate == b->host_rate)
        return 0;
    s_item *it = add_item(b, SI_BAUD, 0, t, line);
    if (!it)
        return -ENOMEM;
    it->rate = rate;
    b->host_rate = rate;
    return 0;
}

/* ---------------- what a command does to the framing ---------------- */

static const char *skip_digits(const char *p)
{
    while (isdigit((unsigned char)*p))
        p++;
    return p;
}

/* The basic commands of a line ("ATE0V1&W", before any ';' or '+'): echo,
 * verbose, &F, &W, Z. */
static void basic_effects(builder *b, const char *p)
{
    while (*p && *p != ';' && *p != '+' && *p != '\r' && *p != '\n') {
        char c = (char)toupper((unsigned char)*p++);
        if (c == '&') {
            char a = (char)toupper((unsigned char)*p);
            if (*p)
                p++;
            if (a == 'F')
                b->E = b->V = 1;
            else if (a == 'W')
                b->stored_E = b->E, b->stored_V = b->V;
            p = skip_digits(p);
        } else if (c == 'E' || c == 'V') {
            int v = isdigit((unsigned char)*p) ? *p - '0' : 0;
            *(c == 'E' ? &b->E : &b->V) = v != 0;
            p = skip_digits(p);
        } else if (c == 'Z') {
            b->E = b->stored_E;
            b->V = b->stored_V;
            p = skip_digits(p);
        } else if (c == 'S') {
            p = skip_digits(p);
            if (*p == '=' || *p == '?')
                p = skip_digits(p + 1);
        } else {
            p = skip_digits(p);
        }
    }
}

static int has_cmd(const char *line, const char *cmd)
{
    size_t n = strlen(cmd);
    for (const char *p = line; *p; p++)
        if (!strncasecmp(p, cmd, n))
            return 1;
    return 0;
}

static unsigned long param_after(const char *line, const char *cmd, int index)
{
    size_t n = strlen(cmd);
    for (const char *p = line; *p; p++) {
        if (strncasecmp(p, cmd, n))
            continue;
        p += n;
        for (int i = 0; i < index && p; i++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        return p ? strtoul(p, NULL, 10) : 0;
    }
    return 0;
}

/* The command of exchange `send` was answered OK (or in V0, 0). */
static int command_done(builder *b, const s_item *send, int64_t t, size_t line)
{
    const char *cmd = send->text;
    if (strlen(cmd) >= 2)
        basic_effects(b, cmd + 2);
    if (has_cmd(cmd, "+CFUN=15") || has_cmd(cmd, "+CFUN=16")) { /* a reboot: the stored profile */
        b->E = b->stored_E;
        b->V = b->stored_V;
    }
    if (!b->baud_from_notes && has_cmd(cmd, "+IPR="))
        return add_baud(b, (uint32_t)param_after(cmd, "+IPR=", 0), t, line);
    return 0;
}

/* ---------------- module units ---------------- */

/* Flags of a module line (content c) and what it changes. */
static int unit_added(builder *b, s_item *u, const uint8_t *c, size_t cl)
{
    const s_item *send = b->last_send >= 0 ? &b->s->it[b->last_send] : NULL;
    int first_of_exchange = send && (size_t)b->last_send == b->s->n - 2;
    if (b->pending && first_of_exchange && send->len && !strcmp(u->text, send->text)) {
        u->flags |= SU_ECHO;
        return 0;
    }
    if (mu_is_xm_ctrl((const char *)c, cl) && (b->fw_mode || c[0] != 'C')) {
        u->flags |= SU_XMCTRL;
        return 0;
    }
    if (mu_is_prompt((const char *)c, cl)) {
        u->flags |= SU_PROMPT;
        b->prompt = 1;
        return 0;
    }
    int numeric_final = !b->V && b->pending && cl >= 1 && cl <= 3 && strspn(u->text, "0123456789") == cl;
    if (b->pending && (mu_is_final((const char *)c, cl) || numeric_final)) {
        u->flags |= SU_FINAL;
        b->pending = 0;
        int ok = !strcmp(u->text, "OK") || (numeric_final && !strcmp(u->text, "0"));
        b->fw_mode = 0; /* the module answers commands: normal mode */
        return ok && send ? command_done(b, send, u->t, u->line) : 0;
    }
    if (!b->pending)
        u->flags |= SU_URC;
    else
        b->answer_lines++;
    if (mu_is_final((const char *)c, cl))
        b->fw_mode = 0; /* "OK", "ERROR": the module is back in command mode */
    if (!strcmp(u->text, "+UFWUPD: ONGOING"))
        b->fw_mode = 1;
    if (!strcmp(u->text, "+UFWUPD: 128")) { /* the new firmware: NVM at factory values */
        b->fw_mode = 0;
        b->E = b->V = b->stored_E = b->stored_V = 1;
        if (!b->baud_from_notes)
            return add_baud(b, b->rate_before_update, u->t, u->line);
    }
    return 0;
}

/* A module line from a text log, framed as the module frames it. */
static int text_unit(builder *b, const rlog_rec *r, const uint8_t *p, size_t n)
{
    bytebuf f;
    bytebuf_init(&f);
    const s_item *send = b->last_send >= 0 ? &b->s->it[b->last_send] : NULL;
    int first_of_exchange = send && (size_t)b->last_send == b->s->n - 1;
    int is_echo = b->pending && first_of_exchange && send && strlen(send->text) == n &&
                  !memcmp(send->text, p, n);
    int rc = 0;
    if (b->fw_mode && mu_is_xm_ctrl((const char *)p, n)) {
        for (size_t i = 0; i < n && !rc; i++) { /* one unit per control byte, no framing */
            s_item *u = add_item(b, SI_UNIT, r->port, r->t, r->line);
            rc = !u || set_bytes(u, p + i, 1, p + i, 1) ? -ENOMEM : unit_added(b, u, p + i, 1);
        }
        return rc;
    }
    if (is_echo) {
        bytebuf_append(&f, p, n);
        bytebuf_append_byte(&f, '\r');
    } else if (mu_is_prompt((const char *)p, n)) {
        bytebuf_append_str(&f, p[0] == '>' ? "\r\n>" : "@");
    } else {
        int numeric_final = !b->V && b->pending && n >= 1 && n <= 3 && strspn((const char *)p, "0123456789") >= n;
        int final = b->pending && mu_is_final((const char *)p, n);
        int lead = b->V && (!b->pending || final || b->answer_lines == 0);
        if (lead)
            bytebuf_append(&f, "\r\n", 2);
        bytebuf_append(&f, p, n);
        bytebuf_append(&f, numeric_final ? "\r" : "\r\n", numeric_final ? 1 : 2);
    }
    s_item *u = add_item(b, SI_UNIT, r->port, r->t, r->line);
    rc = !u || set_bytes(u, f.data, f.len, p, n) ? -ENOMEM : unit_added(b, u, p, n);
    bytebuf_free(&f);
    return rc;
}

/* Cut the exact module bytes gathered so far into units. */
static int cut_exact(builder *b, int flush)
{
    size_t from = 0, m = 0;
    mu_unit mu;
    int rc = 0;
    while (!rc && mu_next(b->mbuf.data, b->mbuf.len, from, flush, &mu)) {
        while (m + 1 < b->nmarks && b->marks[m + 1].off <= mu.text_off)
            m++;
        s_item *u = add_item(b, SI_UNIT, 0, b->marks[m].t, b->marks[m].line);
        rc = !u || set_bytes(u, b->mbuf.data + mu.off, mu.len, b->mbuf.data + mu.text_off, mu.text_len)
                 ? -ENOMEM
                 : unit_added(b, u, b->mbuf.data + mu.text_off, mu.text_len);
        from = mu.off + mu.len;
    }
    if (flush)
        from = b->mbuf.len;
    /* keep what is left, and the marks it needs */
    while (m + 1 < b->nmarks && b->marks[m + 1].off <= from)
        m++;
    size_t keep = b->nmarks ? b->nmarks - m : 0;
    if (from >= b->mbuf.len)
        keep = 0;
    if (keep) /* no marks yet: b->marks is NULL, which memmove may not take even for 0 bytes */
        memmove(b->marks, b->marks + m, keep * sizeof(*b->marks));
    for (size_t i = 0; i < keep; i++)
        b->marks[i].off = b->marks[i].off > from ? b->marks[i].off - from : 0;
    b->nmarks = keep;
    bytebuf_consume(&b->mbuf, from);
    return rc;
}

static int exact_module(builder *b, const rlog_rec *r)
{
    if (b->nmarks == b->capmarks) {
        size_t cap = b->capmarks ? b->capmarks * 2 : 16;
        mark *m = realloc(b->marks, cap * sizeof(*m));
        if (!m)
            return -ENOMEM;
        b->marks = m;
        b->capmarks = cap;
    }
    b->marks[b->nmarks++] = (mark){ b->mbuf.len, r->t, r->line };
    if (bytebuf_append(&b->mbuf, r->data, r->len))
        return -ENOMEM;
    return cut_exact(b, 0);
}

/* ---------------- Xmodem in an exact log ---------------- */

/* The transfer starts: the handshake bytes just before it belong to it. */
static int xm_begin(builder *b, const rlog_rec *r)
{
    int rc = cut_exact(b, 1);
    size_t first = b->s->n;
    while (first > 0 && (b->s->it[first - 1].flags & SU_XMCTRL))
        first--;
    unsigned handshake = (unsigned)(b->s->n - first);
    int64_t t = first < b->s->n ? b->s->it[first].t : r->t;
    size_t line = first < b->s->n ? b->s->it[first].line : r->line;
    while (b->s->n > first)
        free_item(&b->s->it[--b->s->n]);
    s_item *x = add_item(b, SI_XMODEM, r->port, t, line);
    if (!x)
        return -ENOMEM;
    (void)handshake;
    b->xm_item = b->s->n - 1;
    b->in_xm = 1;
    xmr_init(&b->xr);
    return rc;
}

static int xm_end(builder *b)
{
    s_item *x = &b->s->it[b->xm_item];
    x->xm.block = b->xr.block;
    x->xm.crc = b->xr.crc;
    x->xm.blocks = b->xr.blocks;
    x->xm.resent = b->xr.resent + b->xr.bad;
    x->xm.naks = b->xr.naks;
    x->xm.complete = b->xr.ended == 1 ? 1 : b->xr.ended == 2 ? 0 : -1;
    x->xm.len = b->xr.data.len;
    x->xm.data = malloc(x->xm.len + 1);
    if (!x->xm.data)
        return -ENOMEM;
    if (x->xm.len)
        memcpy(x->xm.data, b->xr.data.data, x->xm.len);
    x->text = strdup("xmodem");
    xmr_free(&b->xr);
    b->in_xm = 0;
    b->fw_mode = 1; /* what follows (validation, install) is still the update */
    return x->text ? 0 : -ENOMEM;
}

/* A record during the transfer; 1 if it was taken. */
static int xm_record(builder *b, const rlog_rec *r, int *rc)
{
    if (r->kind == REC_HOST) {
        xmr_host(&b->xr, r->data, r->len);
        return 1;
    }
    if (r->kind != REC_MODULE)
        return 1;
    size_t i = 0;
    while (i < r->len && !b->xr.ended) /* ACK, NAK, CAN and the odd 'C' */
        xmr_module(&b->xr, r->data + i++, 1);
    if (!b->xr.ended)
        return 1;
    *rc = xm_end(b);
    if (!*rc && i < r->len) { /* the module's next words in the same write */
        rlog_rec rest = *r;
        rest.data = r->data + i;
        rest.len = r->len - i;
        *rc = exact_module(b, &rest);
    }
    return 1;
}

/* ---------------- host records ---------------- */

static int host_text(builder *b, const rlog_rec *r)
{
    bytebuf f;
    bytebuf_init(&f);
    bytebuf_append(&f, r->data, r->len);
    int data = b->prompt;
    if (!data && (!r->len || (r->data[r->len - 1] != '\r' && r->data[r->len - 1] != '\n')))
        bytebuf_append_byte(&f, '\r');
    size_t tl = r->len;
    while (tl && (r->data[tl - 1] == '\r' || r->data[tl - 1] == '\n'))
        tl--;
    s_item *it = add_item(b, SI_SEND, r->port, r->t, r->line);
    int rc = !it || set_bytes(it, f.data, f.len, r->data, tl) ? -ENOMEM : 0;
    bytebuf_free(&f);
    return rc;
}

static int host_record(builder *b, const rlog_rec *r)
{
    int rc = cut_exact(b, 0); /* a line the module is still echoing stays: its CR comes later */
    if (rc)
        return rc;
    if (r->flags & REC_EXACT) {
        /* a line may come in pieces: join writes until its CR */
        s_item *prev = b->last_send >= 0 && (size_t)b->last_send == b->s->n - 1 ? &b->s->it[b->last_send] : NULL;
        if (prev && prev->len && prev->bytes[prev->len - 1] != '\r' && !b->prompt) {
            uint8_t *nb = realloc(prev->bytes, prev->len + r->len + 1);
            if (!nb)
                return -ENOMEM;
            memcpy(nb + prev->len, r->data, r->len);
            prev->bytes = nb;
            prev->len += r->len;
            nb[prev->len] = 0;
            size_t tl = prev->len;
            while (tl && (nb[tl - 1] == '\r' || nb[tl - 1] == '\n'))
                tl--;
            free(prev->text);
            prev->text = mu_printable(nb, tl);
            return prev->text ? 0 : -ENOMEM;
        }
        s_item *it = add_item(b, SI_SEND, r->port, r->t, r->line);
        size_t tl = r->len;
        while (tl && (r->data[tl - 1] == '\r' || r->data[tl - 1] == '\n'))
            tl--;
        rc = !it || set_bytes(it, r->data, r->len, r->data, tl) ? -ENOMEM : 0;
    } else {
        rc = host_text(b, r);
    }
    if (rc)
        return rc;
    b->last_send = (long)b->s->n - 1;
    s_item *send = &b->s->it[b->last_send];
    int data = b->prompt;
    b->prompt = 0;
    /* in Firmware Update Mode the module answers no command */
    b->pending = !data && rlog_is_command(send->bytes, send->len) && !b->fw_mode;
    b->answer_lines = 0;
    if (b->pending && has_cmd(send->text, "+UFWUPD=")) { /* no final result: the module resets */
        b->pending = 0;
        b->rate_before_update = b->host_rate;
        if (!b->baud_from_notes)
            rc = add_baud(b, (uint32_t)param_after(send->text, "+UFWUPD=", 1), r->t, r->line);
    }
    if (!rc && (r->flags & REC_SHOWN_ECHO) && b->E && b->pending) { /* what the terminal showed was the echo */
        rlog_rec echo = *r;
        rc = text_unit(b, &echo, r->data, r->len);
    }
    return rc;
}

/* ---------------- notes ---------------- */

/* The module autobauded to the host's rate: the host was at that rate when
 * it sent the line that locked it (from the start, if it is the first
 * lock).  A trace of a live run does not say otherwise. */
static int autobaud_locked(builder *b, const rlog_rec *r, uint32_t rate)
{
    session *s = b->s;
    if (!rate || rate == b->host_rate)
        return 0;
    size_t at = s->n;
    for (size_t i = s->n; i-- > 0 && at == s->n;)
        if (s->it[i].kind == SI_SEND)
            at = i;
    if (!b->seen_lock)
        for (size_t i = 0; i < s->n && at > i; i++)
            if (s->it[i].kind == SI_SEND)
                at = i;
    if (at == s->n)
        at = 0;
    if (!add_item(b, SI_BAUD, r->port, s->it[at < s->n ? at : 0].t, r->line))
        return -ENOMEM;
    s_item baud = s->it[s->n - 1];
    baud.rate = rate;
    memmove(&s->it[at + 1], &s->it[at], (s->n - 1 - at) * sizeof(*s->it));
    s->it[at] = baud;
    if (b->last_send >= (long)at)
        b->last_send++;
    b->host_rate = rate;
    return 0;
}

/* "host $.host[3] set_baud 460800" in a harness trace; "port0 autobaud
 * locked at 9600" in any trace. */
static int note_record(builder *b, const rlog_rec *r)
{
    const char *t = (const char *)r->data, *sb = strstr(t, " set_baud ");
    if (b->s->fmt == RLOG_TRACE) {
        int rc = cut_exact(b, 0);
        if (!rc && !strncmp(t, "host ", 5) && sb)
            rc = add_baud(b, (uint32_t)strtoul(sb + 10, NULL, 10), r->t, r->line);
        const char *lock = strstr(t, " autobaud locked at ");
        if (!rc && !strncmp(t, "port", 4) && lock) {
            if (!b->baud_from_notes)
                rc = autobaud_locked(b, r, (uint32_t)strtoul(lock + 20, NULL, 10));
            b->seen_lock = 1;
        }
        return rc; /* the module's other events are not the host's: the replay makes its own */
    }
    s_item *it = add_item(b, SI_NOTE, 0, r->t, r->line);
    return !it || !(it->text = strdup(t)) ? -ENOMEM : 0;
}

/* ---------------- times ---------------- */

/* Shift a timed log's clock so that the first answered command goes out at
 * `start`; drop the commands the booting module never answered. */
static void place_in_time(session *s, int64_t start)
{
    size_t first = s->n;
    for (size_t i = 0; i < s->n && first == s->n; i++) {
        if (s->it[i].kind != SI_SEND)
            continue;
        for (size_t k = i + 1; k < s->n && s->it[k].kind != SI_SEND; k++)
            if (s->it[k].kind == SI_UNIT && !(s->it[k].flags & SU_ECHO))
                first = i;
    }
    if (first == s->n)
        first = 0;
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        s_item *it = &s->it[i];
        int boot = i < first && (it->kind == SI_SEND || (it->flags & SU_ECHO));
        if (boot) {
            s->dropped_boot += it->kind == SI_SEND;
            free_item(it);
            continue;
        }
        s->it[w++] = *it;
    }
    s->n = w;
    if (!s->timed)
        return;
    int64_t origin = RLOG_NO_TIME;
    for (size_t i = 0; i < s->n && origin == RLOG_NO_TIME; i++)
        if (s->it[i].kind == SI_SEND)
            origin = s->it[i].t;
    if (origin == RLOG_NO_TIME)
        origin = s->n ? s->it[0].t : 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->it[i].t == RLOG_NO_TIME)
            continue;
        int64_t t = s->it[i].t - origin + start;
        s->it[i].t = t < 0 ? 0 : t;
    }
    if (s->t_end != RLOG_NO_TIME)
        s->t_end = s->t_end - origin + start;
}

/* ---------------- the whole log ---------------- */

static int walk(builder *b, const rlog *l)
{
    int rc = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        const rlog_rec *r = &l->rec[i];
        if (b->in_xm && xm_record(b, r, &rc))
            continue;
        switch (r->kind) {
        case REC_HOST:
            if (b->fw_mode && (r->flags & REC_EXACT) && r->len && xmr_frame_start(r->data[0])) {
                rc = xm_begin(b, r);
                if (!rc)
                    xmr_host(&b->xr, r->data, r->len);
            } else {
                rc = host_record(b, r);
            }
            break;
        case REC_MODULE:
            rc = (r->flags & REC_EXACT) ? exact_module(b, r) : text_unit(b, r, r->data, r->len);
            break;
        case REC_NOTE: rc = note_record(b, r); break;
        }
    }
    if (!rc && b->in_xm)
        rc = xm_end(b);
    return rc ? rc : cut_exact(b, 1);
}

/* A text log's transfer is not in the log: it happened if the module went
 * on to validate (or refuse) an image before the host said anything else.
 * The handshake bytes before it become part of it; the log's notes stay. */
static int transfer_follows(const session *s, size_t i, size_t *k)
{
    if (s->it[i].kind != SI_UNIT || strcmp(s->it[i].text, "+UFWUPD: ONGOING"))
        return 0;
    size_t j = i + 1;
    while (j < s->n && (s->it[j].kind == SI_NOTE || (s->it[j].kind == SI_UNIT && (s->it[j].flags & SU_XMCTRL))))
        j++;
    *k = j;
    if (j >= s->n || s->it[j].kind != SI_UNIT)
        return 0;
    const char *t = s->it[j].text;
    return !strncmp(t, "+UFWPREVAL:", 11) || (!strncmp(t, "+UFWUPD: ", 9) && isdigit((unsigned char)t[9])) ||
           !strcmp(t, "ERROR");
}

static int infer_transfers(builder *b)
{
    session *s = b->s;
    size_t cap = 2 * s->n + 1; /* at most one transfer per line of the log */
    s_item *out = malloc(cap * sizeof(*out));
    if (!out)
        return -ENOMEM;
    size_t w = 0, i = 0, k;
    int rc = 0;
    while (i < s->n) {
        out[w++] = s->it[i];
        if (!transfer_follows(s, i, &k)) {
            i++;
            continue;
        }
        s_item x;
        memset(&x, 0, sizeof(x));
        x.kind = SI_XMODEM;
        x.port = s->it[i].port;
        x.t = x.t_log = s->it[i].t;
        x.line = s->it[i].line;
        x.xm.crc = -1;
        x.xm.complete = -1;
        x.text = strdup("xmodem");
        rc |= !x.text;
        for (size_t j = i + 1; j < k; j++) { /* the first handshake byte names the transfer's start */
            if (s->it[j].kind == SI_UNIT && x.line == s->it[i].line) {
                x.t = s->it[j].t;
                x.t_log = s->it[j].t_log;
                x.line = s->it[j].line;
            }
        }
        out[w++] = x;
        for (size_t j = i + 1; j < k; j++) {
            if (s->it[j].kind == SI_NOTE)
                out[w++] = s->it[j];
            else
                free_item(&s->it[j]);
        }
        i = k;
    }
    free(s->it);
    s->it = out;
    s->n = w;
    s->cap = cap;
    return rc ? -ENOMEM : 0;
}

int session_build(session *s, const rlog *l, const session_opts *o, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->fmt = l->fmt;
    s->timed = l->timed;
    s->sim_clock = l->sim_clock;
    s->t_end = RLOG_NO_TIME;
    for (size_t i = 0; i < l->n; i++) {
        if (l->rec[i].t != RLOG_NO_TIME && (s->t_end == RLOG_NO_TIME || l->rec[i].t > s->t_end))
            s->t_end = l->rec[i].t;
        if (l->rec[i].line > s->log_lines)
            s->log_lines = l->rec[i].line;
    }
    builder b;
    memset(&b, 0, sizeof(b));
    b.s = s;
    b.E = b.stored_E = o && o->echo >= 0 ? o->echo : 1;
    b.V = b.stored_V = 1;
    b.last_send = -1;
    b.host_rate = b.rate_before_update = HOST_RATE;
    for (size_t i = 0; l->fmt == RLOG_TRACE && i < l->n && !b.baud_from_notes; i++)
        b.baud_from_notes = l->rec[i].kind == REC_NOTE && !strncmp((const char *)l->rec[i].data, "host ", 5);
    bytebuf_init(&b.mbuf);
    int rc = walk(&b, l);
    if (!rc && !l->sim_clock)
        rc = infer_transfers(&b);
    if (b.in_xm)
        xmr_free(&b.xr);
    bytebuf_free(&b.mbuf);
    free(b.marks);
    if (rc) {
        snprintf(err, errlen, "out of memory");
        session_free(s);
        return -1;
    }
    s->start = o && o->start >= 0 ? o->start : DEFAULT_START;
    if (!l->sim_clock)
        place_in_time(s, s->start);
    return 0;
}
