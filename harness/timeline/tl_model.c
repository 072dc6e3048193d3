/* tl_model.c - a trace as what a timeline draws (see tl_model.h). */
#include "tl_model.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/bytebuf.h"
#include "trace_read.h"

#define LABEL_MAX 160
#define FOLD_MIN 3  /* a run of this many or more is folded */
#define PORTS 2

/* What an EV topic is to the timeline.  Any topic not listed is a server
 * lane: new subsystems' topics (http, ftp ...) get one without a change. */
typedef enum { TOPIC_LANE = 0, TOPIC_NOTE, TOPIC_SKIP, TOPIC_OWN } topic_role;

static const struct {
    const char *topic;
    topic_role role;
} topics[] = {
    /* handled one by one below */
    { "power", TOPIC_OWN }, { "net", TOPIC_OWN }, { "signal", TOPIC_OWN }, { "fwupd", TOPIC_OWN },
    { "xmodem", TOPIC_OWN }, { "host", TOPIC_OWN }, { "world", TOPIC_OWN }, { "wire", TOPIC_OWN },
    { "harness", TOPIC_OWN }, { "override", TOPIC_OWN }, { "notice", TOPIC_OWN },
    /* the module's own doings */
    { "nvm", TOPIC_NOTE }, { "fs", TOPIC_NOTE }, { "uart", TOPIC_NOTE }, { "port0", TOPIC_NOTE },
    { "port1", TOPIC_NOTE }, { "ip", TOPIC_NOTE }, { "sock", TOPIC_NOTE }, { "lwm2m", TOPIC_NOTE },
    { "ufota", TOPIC_NOTE }, { "update", TOPIC_NOTE },
};

/* The built-in LwM2M server logs under the module client's own topic
 * ("lwm2m server register ...", docs/lwm2m-server.md): its events are the
 * server's lane, the client's ("lwm2m reg ...") the module's notes. */
#define LWM2M_SERVER "lwm2m server"

const char *tl_band_name(tb_kind b)
{
    static const char *const names[] = { "power", "network", "fw update", "firmware" };
    return names[b];
}

typedef struct port_state {
    bytebuf rx, tx;        /* partial lines */
    int64_t rx_t, tx_t;    /* when they started */
    char *cmd;             /* the command waiting for its final result */
    bytebuf resp;          /* its answer's lines so far */
    int64_t resp_t;
    unsigned resp_lines;
} port_state;

typedef struct tb {
    tl_model *m;
    port_state p[PORTS];
    long xm;                     /* the open transfer, -1 */
    long last_xm;                /* the last one, for the ACK after its end */
    int fw_mode;                 /* the module is in Firmware Update Mode */
    long open_seg[TB__COUNT];    /* the current segment of each band, -1 */
    int fw_seen_install;         /* a version was installed: ATI9 no longer names the first */
    char *last_step;             /* the harness's last step: "$.host[4] expect ..." */
    bytebuf tmp;
} tb;

/* ---------------- events and segments ---------------- */

static char *clip(const char *s, size_t n)
{
    if (n > LABEL_MAX) {
        char *c = malloc(LABEL_MAX + 4);
        if (c) {
            memcpy(c, s, LABEL_MAX);
            memcpy(c + LABEL_MAX, "...", 4);
        }
        return c;
    }
    return strndup(s, n);
}

static tl_event *add_event(tb *b, te_kind k, int64_t t, int port, const char *label, const char *detail)
{
    tl_model *m = b->m;
    if (m->nev == m->capev) {
        size_t cap = m->capev ? m->capev * 2 : 256;
        tl_event *e = realloc(m->ev, cap * sizeof(*e));
        if (!e)
            return NULL;
        m->ev = e;
        m->capev = cap;
    }
    tl_event *e = &m->ev[m->nev++];
    memset(e, 0, sizeof(*e));
    e->kind = k;
    e->t = e->t_end = t;
    e->port = port;
    e->count = 1;
    e->label = clip(label, strlen(label));
    e->detail = strdup(detail ? detail : label);
    return e;
}

static tl_event *add_eventf(tb *b, te_kind k, int64_t t, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static tl_event *add_eventf(tb *b, te_kind k, int64_t t, const char *detail, const char *fmt, ...)
{
    char label[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(label, sizeof(label), fmt, ap);
    va_end(ap);
    return add_event(b, k, t, -1, label, detail);
}

/* A band changes: close its segment, open the next (value NULL: none). */
static void band_set(tb *b, tb_kind band, int64_t t, const char *value, int cls)
{
    tl_model *m = b->m;
    if (b->open_seg[band] >= 0) {
        tl_segment *s = &m->seg[b->open_seg[band]];
        if (value && !strcmp(s->value, value))
            return;
        s->t1 = t;
        b->open_seg[band] = -1;
    }
    if (!value)
        return;
    if (m->nseg == m->capseg) {
        size_t cap = m->capseg ? m->capseg * 2 : 64;
        tl_segment *s = realloc(m->seg, cap * sizeof(*s));
        if (!s)
            return;
        m->seg = s;
        m->capseg = cap;
    }
    m->seg[m->nseg] = (tl_segment){ band, t, t, strdup(value), cls };
    b->open_seg[band] = (long)m->nseg++;
    tl_event *e = add_eventf(b, TE_STATE, t, NULL, "%s: %s", tl_band_name(band), value);
    if (e) {
        e->lane = (int)band;
        e->cls = cls;
    }
}

static int lane_of(tb *b, const char *topic, size_t n)
{
    tl_model *m = b->m;
    for (size_t i = 0; i < m->nlanes; i++)
        if (strlen(m->lanes[i].topic) == n && !memcmp(m->lanes[i].topic, topic, n))
            return (int)i;
    tl_lane *l = realloc(m->lanes, (m->nlanes + 1) * sizeof(*l));
    if (!l)
        return -1;
    m->lanes = l;
    m->lanes[m->nlanes] = (tl_lane){ strndup(topic, n), 0 };
    return (int)m->nlanes++;
}

/* ---------------- host <-> module ---------------- */

static int is_final(const char *s)
{
    static const char *const whole[] = { "OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "ABORTED",
                                         "CONNECT" };
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        if (!strcmp(s, whole[i]))
            return strcmp(s, "OK") && strcmp(s, "CONNECT") ? TC_ERROR : TC_OK;
    if (!strncmp(s, "+CME ERROR:", 11) || !strncmp(s, "+CMS ERROR:", 11))
        return TC_ERROR;
    if (!strncmp(s, "CONNECT ", 8))
        return TC_OK;
    return 0;
}

static int is_command(const char *s) { return (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't' || s[1] == '/'); }

/* The answer of port p so far, as one arrow. */
static void close_answer(tb *b, int p, int64_t t, int cls, const char *final)
{
    port_state *ps = &b->p[p];
    if (!ps->cmd)
        return;
    if (final) {
        if (ps->resp.len)
            bytebuf_append_str(&ps->resp, " | ");
        bytebuf_append_str(&ps->resp, final);
    }
    if (ps->resp.len) {
        char detail[2048];
        snprintf(detail, sizeof(detail), "answer to %s: %s", ps->cmd, (const char *)ps->resp.data);
        tl_event *e = add_event(b, TE_RESP, t, p, (const char *)ps->resp.data, detail);
        if (e)
            e->cls = cls;
    }
    free(ps->cmd);
    ps->cmd = NULL;
    bytebuf_clear(&ps->resp);
    ps->resp_lines = 0;
}

static void host_line(tb *b, int p, int64_t t, const char *line)
{
    port_state *ps = &b->p[p];
    if (!*line)
        return;
    if (is_command(line)) {
        close_answer(b, p, t, TC_NONE, NULL);
        add_event(b, TE_CMD, t, p, line, NULL);
        ps->cmd = strdup(line);
        return;
    }
    char label[LABEL_MAX + 16];
    snprintf(label, sizeof(label), "data \"%.*s\"", LABEL_MAX, line);
    add_event(b, TE_HDATA, t, p, label, line);
}

static void module_line(tb *b, int p, int64_t t, const char *line)
{
    port_state *ps = &b->p[p];
    if (!*line)
        return;
    int fin = is_final(line);
    if (ps->cmd && !strcmp(line, ps->cmd) && !ps->resp_lines) /* the echo */
        return;
    if (ps->cmd && fin) {
        close_answer(b, p, t, fin, line);
        return;
    }
    if (ps->cmd && !b->fw_mode) {
        if (ps->resp.len)
            bytebuf_append_str(&ps->resp, " | ");
        bytebuf_append_str(&ps->resp, line);
        ps->resp_lines++;
        return;
    }
    close_answer(b, p, t, TC_NONE, NULL); /* +UFWUPD=... has no final result */
    tl_event *e = add_event(b, TE_URC, t, p, line, NULL);
    if (!e)
        return;
    if (!strncmp(line, "+UFWUPD: ", 9) && isdigit((unsigned char)line[9])) {
        long code = strtol(line + 9, NULL, 10); /* progress up to 100, 128 success, above an error */
        e->cls = code == 128 ? TC_OK : code > 128 ? TC_ERROR : TC_NONE;
    } else if (!strcmp(line, "+UFWUPD: Timeout") || fin == TC_ERROR) {
        e->cls = TC_ERROR;
    }
}

static char *printable(const uint8_t *p, size_t n, bytebuf *tmp)
{
    bytebuf_clear(tmp);
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f)
            bytebuf_append_byte(tmp, p[i]);
        else
            bytebuf_appendf(tmp, "\\x%02x", p[i]);
    }
    bytebuf_append_byte(tmp, 0);
    tmp->len--;
    return (char *)tmp->data;
}

static int binary(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
            return 1;
    return 0;
}

static void on_rx(tb *b, int p, int64_t t, const uint8_t *d, size_t n)
{
    port_state *ps = &b->p[p];
    if (b->xm >= 0 && n && (d[0] == 0x01 || d[0] == 0x02 || d[0] == 0x04 || d[0] == 0x18))
        return; /* the transfer's frames: the module's events count them */
    if (binary(d, n)) {
        char label[64];
        snprintf(label, sizeof(label), "data, %zu bytes", n);
        tl_event *last = b->m->nev ? &b->m->ev[b->m->nev - 1] : NULL;
        if (last && last->kind == TE_HDATA && last->port == p && t - last->t_end < 1000000000LL) {
            unsigned long long total = strtoull(last->label + 6, NULL, 10) + n;
            free(last->label);
            char nl[64];
            snprintf(nl, sizeof(nl), "data, %llu bytes", total);
            last->label = strdup(nl);
            last->t_end = t;
        } else {
            add_event(b, TE_HDATA, t, p, label, printable(d, n < 256 ? n : 256, &b->tmp));
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\r' || d[i] == '\n') {
            if (ps->rx.len)
                host_line(b, p, ps->rx_t, (const char *)ps->rx.data);
            bytebuf_clear(&ps->rx);
            continue;
        }
        if (!ps->rx.len)
            ps->rx_t = t;
        bytebuf_append_byte(&ps->rx, d[i]);
    }
}

static int handshake_byte(uint8_t c) { return c == 'C' || c == 0x15 || c == 0x06 || c == 0x18 || c == 0x04; }

static const char *byte_name(uint8_t c)
{
    switch (c) {
    case 'C': return "C";
    case 0x15: return "NAK";
    case 0x06: return "ACK";
    case 0x18: return "CAN";
    default: return "EOT";
    }
}

static void on_tx(tb *b, int p, int64_t t, const uint8_t *d, size_t n)
{
    port_state *ps = &b->p[p];
    long x = b->xm >= 0 ? b->xm : -1;
    if (x < 0 && b->last_xm >= 0 && b->m->ev[b->last_xm].t_end == t)
        x = b->last_xm; /* the ACK of the EOT, traced after the transfer's end */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if (!ps->tx.len && x >= 0 && handshake_byte(c)) {
            tl_xmodem *xm = &b->m->ev[x].xm;
            xm->naks += c == 0x15;
            xm->acks += c == 0x06;
            xm->cs += c == 'C';
            continue;
        }
        if (!ps->tx.len && handshake_byte(c) && (c != 'C' || b->fw_mode) &&
            (i + 1 == n || d[i + 1] == '\r' || d[i + 1] == '\n' || handshake_byte(d[i + 1]))) {
            tl_event *e = add_event(b, TE_MDATA, t, p, byte_name(c), NULL);
            if (e)
                e->cls = c == 0x15 || c == 0x18 ? TC_WARN : TC_NONE;
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (ps->tx.len)
                module_line(b, p, ps->tx_t, printable(ps->tx.data, ps->tx.len, &b->tmp));
            bytebuf_clear(&ps->tx);
            continue;
        }
        if (!ps->tx.len)
            ps->tx_t = t;
        bytebuf_append_byte(&ps->tx, c);
    }
    if (ps->tx.len == 1 && (ps->tx.data[0] == '>' || ps->tx.data[0] == '@')) { /* a prompt has no line end */
        add_event(b, TE_MDATA, ps->tx_t, p, ps->tx.data[0] == '>' ? "prompt >" : "prompt @", NULL);
        bytebuf_clear(&ps->tx);
    }
}

/* ---------------- EV lines ---------------- */

static const char *field(const char *text, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)); p += kl) {
        if ((p == text || p[-1] == ' ') && p[kl] == '=') {
            size_t n = strcspn(p + kl + 1, " ");
            snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p + kl + 1);
            return out;
        }
    }
    out[0] = 0;
    return NULL;
}

static void ev_power(tb *b, int64_t t, const char *text)
{
    const char *arrow = strstr(text, " -> ");
    if (!arrow) {
        add_event(b, TE_NOTE, t, -1, text, NULL);
        return;
    }
    const char *to = arrow + 4;
    int cls = !strcmp(to, "READY") ? TC_OK : !strcmp(to, "OFF") ? TC_NONE : TC_WARN;
    band_set(b, TB_POWER, t, to, cls);
    b->fw_mode = !strcmp(to, "FWUPDATE");
    if (strcmp(to, "READY"))
        band_set(b, TB_REG, t, NULL, 0); /* off, booting, updating: not registered anywhere */
    if (!strcmp(to, "READY")) /* after a power cut the phase stays "stopped" until the update goes on */
        band_set(b, TB_FWUPD, t, NULL, 0);
}

static void ev_net(tb *b, int64_t t, const char *text, const char *full)
{
    static const char *const stat[] = { "not registered", "home", "searching", "denied", "unknown", "roaming" };
    static const int cls[] = { TC_NONE, TC_OK, TC_WARN, TC_ERROR, TC_NONE, TC_OK };
    char v[16];
    if (field(text, "stat", v, sizeof(v)) && !strncmp(text, "stat=", 5)) {
        int s = atoi(v);
        band_set(b, TB_REG, t, s >= 0 && s <= 5 ? stat[s] : v, s >= 0 && s <= 5 ? cls[s] : TC_NONE);
        return;
    }
    tl_event *e = add_event(b, TE_NOTE, t, -1, full, NULL);
    if (e && strstr(text, "rejected"))
        e->cls = TC_ERROR;
}

/* The transfer's band opens with the Xmodem phase: the handshake is part of it. */
static void open_transfer(tb *b, int64_t t, int port)
{
    if (b->xm >= 0)
        return;
    tl_event *e = add_event(b, TE_XMODEM, t, port, "xmodem", NULL);
    if (e)
        b->xm = (long)(e - b->m->ev);
}

static void ev_fwupd(tb *b, int64_t t, const char *text, const char *full)
{
    char v[64], port[8];
    if (field(text, "phase", v, sizeof(v)) && !strncmp(text, "phase=", 6)) {
        band_set(b, TB_FWUPD, t, v, TC_WARN);
        if (!strcmp(v, "xmodem"))
            open_transfer(b, t, field(text, "port", port, sizeof(port)) ? atoi(port) : 0);
        return;
    }
    if (!strncmp(text, "installed", 9) && field(text, "version", v, sizeof(v))) {
        band_set(b, TB_FWUPD, t, NULL, 0);
        band_set(b, TB_FIRMWARE, t, v, TC_OK);
        b->fw_seen_install = 1;
    } else if (!strncmp(text, "stopped", 7)) {
        band_set(b, TB_FWUPD, t, "stopped", TC_ERROR);
    }
    tl_event *e = add_event(b, TE_NOTE, t, -1, full, NULL);
    if (e && ((field(text, "result", v, sizeof(v)) && strcmp(v, "0")) || !strncmp(text, "stopped", 7) ||
              strstr(text, "too large")))
        e->cls = TC_ERROR;
}

static void ev_xmodem(tb *b, int64_t t, const char *text, const char *full)
{
    if (!strncmp(text, "host ", 5)) { /* the harness's sender */
        if (strstr(text, "fault=")) {
            tl_event *e = add_event(b, TE_FAULT, t, -1, full, NULL);
            if (e)
                e->cls = TC_ERROR;
            if (b->xm >= 0)
                b->m->ev[b->xm].xm.faults++;
        }
        return;
    }
    if (!strncmp(text, "block ", 6)) {
        open_transfer(b, t, 0); /* a trace that starts mid-transfer */
        if (b->xm < 0)
            return;
        b->m->ev[b->xm].xm.blocks++;
        b->m->ev[b->xm].t_end = t;
        return;
    }
    if (!strncmp(text, "end ", 4)) {
        char st[32], reason[32], bytes[32], blocks[32];
        open_transfer(b, t, 0);
        if (b->xm < 0)
            return;
        tl_event *e = &b->m->ev[b->xm];
        field(text, "status", st, sizeof(st));
        field(text, "reason", reason, sizeof(reason));
        snprintf(e->xm.status, sizeof(e->xm.status), "%s %s", st, reason);
        if (field(text, "bytes", bytes, sizeof(bytes)))
            e->xm.bytes = strtoull(bytes, NULL, 10);
        if (field(text, "blocks", blocks, sizeof(blocks)) && strtoul(blocks, NULL, 10) > e->xm.blocks)
            e->xm.blocks = (unsigned)strtoul(blocks, NULL, 10);
        e->cls = !strcmp(st, "DONE") ? TC_OK : TC_ERROR;
        e->t_end = t;
        b->last_xm = b->xm;
        b->xm = -1;
        return;
    }
    add_event(b, TE_NOTE, t, -1, full, NULL);
}

/* "host $.host[3] FAILED: why" and friends. */
static void ev_host(tb *b, int64_t t, const char *text)
{
    const char *f = strstr(text, " FAILED: ");
    if (!f) {
        free(b->last_step);
        b->last_step = strdup(text);
        return;
    }
    {
        char label[2 * LABEL_MAX + 32];
        size_t pl = (size_t)(f - text);
        const char *step = b->last_step && !strncmp(b->last_step, text, pl) && b->last_step[pl] == ' '
                               ? b->last_step
                               : NULL;
        if (step)
            snprintf(label, sizeof(label), "FAILED %s: %s", step, f + 9);
        else
            snprintf(label, sizeof(label), "FAILED %.*s: %s", (int)pl, text, f + 9);
        tl_event *e = add_event(b, TE_FAIL, t, -1, label, text);
        if (e)
            e->cls = TC_ERROR;
    }
}

static void ev_world(tb *b, int64_t t, const char *text)
{
    const char *d = strstr(text, " do ");
    if (!d)
        return; /* triggers: the action that follows is what the timeline shows */
    char label[LABEL_MAX + 32];
    snprintf(label, sizeof(label), "%s (%.*s)", d + 4, (int)(d - text), text);
    tl_event *e = add_event(b, TE_FAULT, t, -1, label, text);
    if (e)
        e->cls = TC_ERROR;
}

/* "ufota phase pending -> downloading": the firmware-update band, as
 * FOAT's "fwupd phase=" is (idle clears it). */
static void ev_ufota_phase(tb *b, int64_t t, const char *text)
{
    const char *to = strstr(text, " -> ");
    char v[64];
    if (!to)
        return;
    snprintf(v, sizeof(v), "ufota %s", to + 4);
    band_set(b, TB_FWUPD, t, strcmp(to + 4, "idle") ? v : NULL, TC_WARN);
}

static void ev_line(tb *b, int64_t t, const char *text)
{
    size_t tl = strcspn(text, " ");
    const char *rest = text[tl] ? text + tl + 1 : text + tl;
    topic_role role = TOPIC_LANE;
    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
        if (strlen(topics[i].topic) == tl && !memcmp(topics[i].topic, text, tl))
            role = topics[i].role;
    if (!strncmp(text, LWM2M_SERVER " ", sizeof(LWM2M_SERVER))) {
        tl = sizeof(LWM2M_SERVER) - 1;
        rest = text + tl + 1;
        role = TOPIC_LANE;
    } else if (!strncmp(text, "ufota phase ", 12)) {
        ev_ufota_phase(b, t, text + 12);
    }
    if (role == TOPIC_NOTE) {
        add_event(b, TE_NOTE, t, -1, text, NULL);
        return;
    }
    if (role == TOPIC_LANE) {
        int lane = lane_of(b, text, tl);
        tl_event *e = lane >= 0 ? add_event(b, TE_LANE, t, -1, rest, text) : NULL;
        if (e) {
            e->lane = lane;
            b->m->lanes[lane].events++;
            e->cls = strstr(rest, "fail") || strstr(rest, "refused") || strstr(rest, "reset") ||
                             strstr(rest, "timeout") || strstr(rest, "dropped")
                         ? TC_ERROR
                         : TC_NONE;
        }
        return;
    }
    tl_event *e;
    switch (text[0]) {
    case 'p': ev_power(b, t, rest); break;
    case 'n':
        if (!strncmp(text, "net ", 4)) {
            ev_net(b, t, rest, text);
        } else if ((e = add_event(b, TE_NOTE, t, -1, text, NULL))) { /* notice */
            e->cls = TC_WARN;
        }
        break;
    case 's': /* signal */
        if ((e = add_event(b, !strncmp(rest, "lost", 4) ? TE_FAULT : TE_NOTE, t, -1, text, NULL)))
            e->cls = !strncmp(rest, "lost", 4) ? TC_ERROR : TC_NONE;
        break;
    case 'f': ev_fwupd(b, t, rest, text); break;
    case 'x': ev_xmodem(b, t, rest, text); break;
    case 'h':
        if (!strncmp(text, "host ", 5)) {
            ev_host(b, t, rest);
        } else if (!strncmp(rest, "scenario ", 9)) {
            free(b->m->title);
            b->m->title = strdup(rest + 9);
        } else if (!strncmp(rest, "PASS", 4) || !strncmp(rest, "FAIL", 4) || !strncmp(rest, "ERROR", 5)) {
            b->m->result = rest[0] != 'P';
            if ((e = add_event(b, TE_RESULT, t, -1, rest, NULL)))
                e->cls = rest[0] == 'P' ? TC_OK : TC_ERROR;
        }
        break;
    case 'w':
        if (!strncmp(text, "world ", 6)) {
            ev_world(b, t, rest);
        } else if ((e = add_event(b, TE_FAULT, t, -1, text, NULL))) { /* wire */
            e->cls = TC_ERROR;
        }
        break;
    case 'o': /* override: a forced response */
        if ((e = add_event(b, TE_FAULT, t, -1, text, NULL)))
            e->cls = TC_WARN;
        break;
    }
}

/* ATI9 / +CGMR answered a version: that is what ran before any install. */
static void learn_firmware(tb *b, const tl_event *e)
{
    if (e->kind != TE_RESP || b->fw_seen_install)
        return;
    const char *l = e->label;
    if (strlen(l) >= 12 && isdigit((unsigned char)l[0]) && l[2] == '.' && l[5] == ',' && l[6] == 'A') {
        char v[13];
        memcpy(v, l, 12);
        v[12] = 0;
        if (b->open_seg[TB_FIRMWARE] < 0) {
            /* known from the start: the segment begins with the trace */
            tl_model *m = b->m;
            tl_segment *ns = realloc(m->seg, (m->nseg + 1) * sizeof(*ns));
            if (!ns)
                return;
            m->seg = ns;
            m->capseg = m->nseg + 1;
            m->seg[m->nseg] = (tl_segment){ TB_FIRMWARE, 0, 0, strdup(v), TC_OK };
            b->open_seg[TB_FIRMWARE] = (long)m->nseg++;
        }
        b->fw_seen_install = 1;
    }
}

/* ---------------- folding ---------------- */

static int same_event(const tl_event *a, const tl_event *b)
{
    return a->kind == b->kind && a->port == b->port && a->lane == b->lane && a->cls == b->cls &&
           !strcmp(a->label, b->label) &&
           (a->kind == TE_CMD || a->kind == TE_RESP || a->kind == TE_URC || a->kind == TE_MDATA ||
            a->kind == TE_LANE || a->kind == TE_NOTE);
}

static void free_event(tl_event *e)
{
    free(e->label);
    free(e->detail);
}

/* "+UFWUPD" of "+UFWUPD: 40": a URC's name. */
static size_t urc_prefix(const tl_event *e)
{
    if (e->kind != TE_URC || e->label[0] != '+')
        return 0;
    const char *c = strchr(e->label, ':');
    return c ? (size_t)(c - e->label) : 0;
}

/* Runs of URCs of one name (progress: +UFWPREVAL: 0 ... 92) become one
 * event "first ... last (n lines)", the values in its tooltip. */
static void fold_progress(tl_model *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->nev;) {
        size_t p = urc_prefix(&m->ev[i]), k = i + 1;
        while (p && k < m->nev && urc_prefix(&m->ev[k]) == p && !strncmp(m->ev[k].label, m->ev[i].label, p) &&
               m->ev[k].cls == m->ev[i].cls && m->ev[k].port == m->ev[i].port)
            k++;
        if (k - i < 4) {
            m->ev[w++] = m->ev[i++];
            continue;
        }
        bytebuf d;
        bytebuf_init(&d);
        bytebuf_appendf(&d, "%zu lines:", k - i);
        for (size_t j = i; j < k; j++)
            bytebuf_appendf(&d, " %s", m->ev[j].label + p + 1 + (m->ev[j].label[p + 1] == ' '));
        char label[LABEL_MAX + 64];
        snprintf(label, sizeof(label), "%s ... %s (%zu lines)", m->ev[i].label, m->ev[k - 1].label + p + 2, k - i);
        tl_event e = m->ev[i];
        e.t_end = m->ev[k - 1].t;
        free(e.label);
        free(e.detail);
        e.label = strdup(label);
        e.detail = (char *)d.data;
        for (size_t j = i + 1; j < k; j++)
            free_event(&m->ev[j]);
        m->ev[w++] = e;
        i = k;
    }
    m->nev = w;
}

/* Runs of one event (period 1) or one command and its answer (period 2)
 * repeated FOLD_MIN times or more become one, with a count. */
static void fold(tl_model *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->nev;) {
        size_t best_p = 0, best_k = 1;
        for (size_t p = 1; p <= 2; p++) {
            size_t k = 1;
            while (i + (k + 1) * p <= m->nev) {
                int same = 1;
                for (size_t q = 0; q < p && same; q++)
                    same = same_event(&m->ev[i + q], &m->ev[i + k * p + q]);
                if (!same)
                    break;
                k++;
            }
            if (k >= FOLD_MIN && k * p > best_k * (best_p ? best_p : 1)) {
                best_p = p;
                best_k = k;
            }
        }
        if (!best_p) {
            m->ev[w++] = m->ev[i++];
            continue;
        }
        for (size_t q = 0; q < best_p; q++) {
            tl_event e = m->ev[i + q];
            e.count = (unsigned)best_k;
            e.t_end = m->ev[i + (best_k - 1) * best_p + q].t_end;
            m->ev[w++] = e;
        }
        for (size_t r = best_p; r < best_k * best_p; r++)
            free_event(&m->ev[i + r]);
        i += best_k * best_p;
    }
    m->nev = w;
}

/* Lines are stamped with the time they started, events made when they
 * end: put them back in time order (stable: the trace's order at a tie). */
static void sort_by_time(tl_model *m)
{
    for (size_t i = 1; i < m->nev; i++) {
        if (m->ev[i].t >= m->ev[i - 1].t)
            continue;
        tl_event e = m->ev[i];
        size_t k = i;
        while (k > 0 && m->ev[k - 1].t > e.t) {
            m->ev[k] = m->ev[k - 1];
            k--;
        }
        m->ev[k] = e;
    }
}

/* ---------------- the whole trace ---------------- */

int tl_model_build(tl_model *m, const char *title, const uint8_t *trace, size_t len)
{
    memset(m, 0, sizeof(*m));
    m->result = -1;
    m->title = strdup(title ? title : "run");
    tb b;
    memset(&b, 0, sizeof(b));
    b.m = m;
    b.xm = b.last_xm = -1;
    for (int k = 0; k < TB__COUNT; k++)
        b.open_seg[k] = -1;
    bytebuf payload;
    bytebuf_init(&payload);
    bytebuf_init(&b.tmp);
    for (int p = 0; p < PORTS; p++) {
        bytebuf_init(&b.p[p].rx);
        bytebuf_init(&b.p[p].tx);
        bytebuf_init(&b.p[p].resp);
    }
    size_t pos = 0, n;
    const char *line;
    int64_t t = 0;
    while (tr_next_line(trace, len, &pos, &line, &n)) {
        tr_line tl;
        if (tr_parse_line(line, n, &tl, &payload))
            continue;
        m->trace_lines++;
        t = tl.t;
        int p = tl.port >= 0 && tl.port < PORTS ? tl.port : 0;
        size_t before = m->nev;
        if (tl.kind == TR_RX)
            on_rx(&b, p, t, payload.data, payload.len);
        else if (tl.kind == TR_TX)
            on_tx(&b, p, t, payload.data, payload.len);
        else
            ev_line(&b, t, (const char *)payload.data);
        for (size_t i = before; i < m->nev; i++)
            learn_firmware(&b, &m->ev[i]);
    }
    m->t_end = t;
    for (int p = 0; p < PORTS; p++) {
        if (b.p[p].rx.len)
            host_line(&b, p, b.p[p].rx_t, printable(b.p[p].rx.data, b.p[p].rx.len, &b.tmp));
        if (b.p[p].tx.len)
            module_line(&b, p, b.p[p].tx_t, printable(b.p[p].tx.data, b.p[p].tx.len, &b.tmp));
        close_answer(&b, p, t, TC_NONE, NULL);
        bytebuf_free(&b.p[p].rx);
        bytebuf_free(&b.p[p].tx);
        bytebuf_free(&b.p[p].resp);
        free(b.p[p].cmd);
    }
    if (b.xm >= 0) {
        m->ev[b.xm].t_end = t;
        snprintf(m->ev[b.xm].xm.status, sizeof(m->ev[b.xm].xm.status), "not ended");
    }
    for (int k = 0; k < TB__COUNT; k++)
        if (b.open_seg[k] >= 0)
            m->seg[b.open_seg[k]].t1 = t;
    bytebuf_free(&payload);
    bytebuf_free(&b.tmp);
    free(b.last_step);
    sort_by_time(m);
    fold_progress(m);
    fold(m);
    return m->trace_lines ? 0 : -1;
}

void tl_model_free(tl_model *m)
{
    for (size_t i = 0; i < m->nev; i++)
        free_event(&m->ev[i]);
    for (size_t i = 0; i < m->nseg; i++)
        free(m->seg[i].value);
    for (size_t i = 0; i < m->nlanes; i++)
        free(m->lanes[i].topic);
    free(m->ev);
    free(m->seg);
    free(m->lanes);
    free(m->title);
    memset(m, 0, sizeof(*m));
}
