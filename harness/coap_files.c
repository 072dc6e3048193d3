/* coap_files.c - a CoAP file host (coap_files.h). */
#include "coap_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap_block.h"
#include "protocol/coap_ep.h"

#define MAX_PEERS 8

const char coap_files_custom[] = "coap-files";

typedef struct cf_peer {
    int used;
    net_addr addr;
    coap_ep ep;
} cf_peer;

struct coap_files {
    networld *w;
    net_addr me;
    coap_files_entry *files;
    size_t nfiles;
    cf_peer peers[MAX_PEERS];
    unsigned next_victim; /* the peer slot reused when all are taken */
    coap_out out;
    unsigned gets;
    uint32_t first_block;
    int in_transfer;      /* the last GET asked for a block with more after it */
};

static const coap_files_entry *file_of(const coap_files *f, const char *path)
{
    for (size_t i = 0; i < f->nfiles; i++)
        if (!strcmp(f->files[i].path, path))
            return &f->files[i];
    return NULL;
}

static cf_peer *peer_of(coap_files *f, net_addr a)
{
    cf_peer *free_slot = NULL;
    for (size_t i = 0; i < MAX_PEERS; i++) {
        cf_peer *p = &f->peers[i];
        if (p->used && p->addr.ip == a.ip && p->addr.port == a.port)
            return p;
        if (!p->used && !free_slot)
            free_slot = p;
    }
    if (!free_slot) { /* a new peer replaces an old one */
        free_slot = &f->peers[f->next_victim++ % MAX_PEERS];
        coap_ep_free(&free_slot->ep);
        free_slot->used = 0;
    }
    coap_ep_config cfg;
    coap_ep_config_default(&cfg);
    cfg.seed = ((uint64_t)a.ip << 16) ^ a.port ^ 0xF11E5ull;
    if (coap_ep_init(&free_slot->ep, &cfg) < 0)
        return NULL;
    free_slot->used = 1;
    free_slot->addr = a;
    return free_slot;
}

static void answer(coap_files *f, cf_peer *p, sim_ns now, const coap_event *e)
{
    bytebuf path;
    bytebuf_init(&path);
    coap_msg_join(&e->msg, COAP_OPT_URI_PATH, &path);
    bytebuf_append_byte(&path, 0);
    const coap_files_entry *file = e->msg.code == COAP_GET ? file_of(f, (const char *)path.data) : NULL;
    coap_msg r;
    coap_msg_init(&r, COAP_ACK, COAP_CONTENT);
    if (e->msg.code != COAP_GET) {
        r.code = COAP_METHOD_NOT_ALLOWED;
    } else if (!file) {
        r.code = COAP_NOT_FOUND;
    } else {
        coap_block b = { 0, 0, 6 };
        int asked = coap_msg_get_block(&e->msg, COAP_OPT_BLOCK2, &b) == 0;
        if (!f->in_transfer)
            f->first_block = asked ? b.num : 0;
        f->gets++;
        int rc = coap_b2_serve(&e->msg, file->data, file->len, 6, &r);
        if (rc == -ERANGE)
            coap_msg_init(&r, COAP_ACK, COAP_BAD_OPTION);
        else if (rc < 0)
            coap_msg_init(&r, COAP_ACK, COAP_BAD_REQUEST);
        coap_block sent;
        f->in_transfer = coap_msg_get_block(&r, COAP_OPT_BLOCK2, &sent) == 0 && sent.more;
    }
    coap_ep_respond(&p->ep, now, e->xid, &r, NULL, &f->out);
    bytebuf_free(&path);
}

static void on_datagram(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *d, size_t n)
{
    coap_files *f = svc;
    cf_peer *p = peer_of(f, from);
    if (!p)
        return;
    sim_ns now = clk_now(networld_clock(w));
    coap_ep_feed(&p->ep, now, d, n, &f->out);
    for (size_t i = 0; i < f->out.nev; i++)
        if (f->out.ev[i].kind == COAP_EV_REQUEST)
            answer(f, p, now, &f->out.ev[i]);
    coap_out_send_world(w, to, from, &f->out);
}

void coap_out_send_world(networld *w, net_addr from, net_addr to, coap_out *out)
{
    for (size_t i = 0; i < out->ndg; i++) {
        size_t len;
        const uint8_t *dg = coap_out_datagram(out, i, &len);
        nw_send_datagram(w, from, to, dg, len);
    }
    coap_out_clear(out);
}

static const nw_service_ops ops = { .datagram = on_datagram };

int coap_files_create(coap_files **out, networld *w, const char *host, uint16_t port)
{
    coap_files *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->w = w;
    coap_out_init(&f->out);
    int rc = networld_bind_service(w, host, IP_UDP, port, &ops, f);
    if (rc < 0) {
        coap_out_free(&f->out);
        free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int coap_files_put(coap_files *f, const char *path, const uint8_t *data, size_t len)
{
    coap_files_entry *e = (coap_files_entry *)file_of(f, path);
    if (!e) {
        coap_files_entry *n = realloc(f->files, (f->nfiles + 1) * sizeof *n);
        if (!n)
            return -ENOMEM;
        f->files = n;
        e = &f->files[f->nfiles];
        memset(e, 0, sizeof *e);
        if (!(e->path = strdup(path)))
            return -ENOMEM;
        f->nfiles++;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    free(e->data);
    e->data = copy;
    e->len = len;
    return 0;
}

unsigned coap_files_gets(const coap_files *f) { return f->gets; }
uint32_t coap_files_first_block(const coap_files *f) { return f->first_block; }

void coap_files_destroy(coap_files *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < MAX_PEERS; i++)
        if (f->peers[i].used)
            coap_ep_free(&f->peers[i].ep);
    for (size_t i = 0; i < f->nfiles; i++) {
        free(f->files[i].path);
        free(f->files[i].data);
    }
    free(f->files);
    coap_out_free(&f->out);
    free(f);
}

/* ---- the scenario's services ---- */

void coap_files_opts_free(void *opts)
{
    coap_files_opts *o = opts;
    if (!o)
        return;
    for (size_t i = 0; i < o->nfiles; i++) {
        free(o->files[i].path);
        free(o->files[i].data);
    }
    free(o->files);
    free(o);
}

struct coap_files_set {
    coap_files **items;
    size_t n;
};

void coap_files_set_destroy(coap_files_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        coap_files_destroy(s->items[i]);
    free(s->items);
    free(s);
}

int coap_files_set_create(coap_files_set **out, networld *w, const nw_config *cfg)
{
    coap_files_set *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    for (size_t h = 0; cfg && h < cfg->nhosts; h++) {
        for (size_t k = 0; k < cfg->hosts[h].nsvcs; k++) {
            const nw_service_cfg *sc = &cfg->hosts[h].svcs[k];
            if (!sc->custom || strcmp(sc->custom, coap_files_custom))
                continue;
            coap_files **items = realloc(s->items, (s->n + 1) * sizeof *items);
            if (!items) {
                coap_files_set_destroy(s);
                return -ENOMEM;
            }
            s->items = items;
            const coap_files_opts *o = sc->opts;
            int rc = coap_files_create(&s->items[s->n], w, cfg->hosts[h].name, sc->port);
            if (rc < 0) {
                coap_files_set_destroy(s);
                return rc;
            }
            coap_files *f = s->items[s->n++];
            for (size_t i = 0; o && i < o->nfiles; i++)
                if (coap_files_put(f, o->files[i].path, o->files[i].data, o->files[i].len) < 0) {
                    coap_files_set_destroy(s);
                    return -ENOMEM;
                }
        }
    }
    *out = s;
    return 0;
}
