/* fuzz_lwm2m_client.c - libFuzzer target for the LwM2M client
 * (protocol/lwm2m_client.c) and the object tree behind it: a registered
 * client of a SARA-R5-like tree receives hostile datagrams and well-formed
 * server requests with fuzzed paths, formats and payloads, while time
 * passes, values change, the host triggers updates and de-registrations and
 * the transport fails.  Nothing may crash, leak or spin: after every tick no
 * deadline may be left in the past.
 *
 * Input: records of one op byte (low 3 bits op, high 5 bits arg) and data:
 *   0 raw datagram of arg+1 bytes (from the server)
 *   1 a request: method (arg & 3), path from the next byte, a content
 *     format from the next, Accept / Observe from the next, and a payload of
 *     the next byte's length
 *   2 time passes: arg seconds (x 64 if arg > 16)
 *   3 run to the next deadline
 *   4 the module changes a value (path from the next byte)
 *   5 host: arg%4 = 0 update, 1 de-register, 2 transport fails, 3 up
 *   6 the server answers the client's pending request with a code from the
 *     next byte (or drops it)
 *   7 restart the client */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/coap_ep.h"
#include "protocol/lwm2m_client.h"
#include "protocol/lwm2m_obj.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "fuzz_lwm2m_client.c:%d: CHECK(%s)\n", __LINE__, #c); \
            __builtin_trap();                                                     \
        }                                                                         \
    } while (0)

typedef struct fz {
    const uint8_t *d;
    size_t n, i;
    uint64_t now;
    lwm2m_tree tree;
    lwm2m_client c;
    lwm2m_out out;
    coap_ep srv;
    coap_out sout;
    coap_event pending;   /* the client's last request, unanswered */
    int have_pending;
    uint8_t keep[2048];   /* the datagram `pending` points into */
} fz;

static uint8_t next(fz *f) { return f->i < f->n ? f->d[f->i++] : 0; }

static const char *const paths[] = {
    "/", "/0/10", "/1/10", "/1/10/1", "/1/10/3", "/1/10/7", "/1/10/8", "/1/10/4", "/1/10/30000",
    "/1/10/30000/1", "/3", "/3/0", "/3/0/0", "/3/0/4", "/3/0/11", "/3/0/11/0", "/3/0/13", "/5/0",
    "/5/0/1", "/5/0/2", "/5/0/3", "/5/0/0", "/4/0/4/0", "/11/3", "/10308", "/99", "/1/99/1", "/rd",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static const uint32_t formats[] = { 0, 40, 42, 11542, 11543, 1542, 1543, 50, 60, 110 };

static void set(lwm2m_tree *t, lwm2m_path p, lwm2m_value v) { lwm2m_tree_set(t, &p, &v); }

static void build_tree(lwm2m_tree *t)
{
    lwm2m_tree_init(t);
    static const uint16_t objs[] = { 1, 3, 4, 5, 11, 10308, 0 };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        lwm2m_tree_add_object(t, lwm2m_objdef_find(objs[i]));
    lwm2m_tree_add_instance(t, 1, 10);
    lwm2m_tree_add_instance(t, 3, 0);
    lwm2m_tree_add_instance(t, 4, 0);
    lwm2m_tree_add_instance(t, 5, 0);
    lwm2m_tree_add_instance(t, 11, 3);
    lwm2m_tree_add_instance(t, 0, 10);
    set(t, lwm2m_path_oir(0, 10, 0), lwm2m_v_str("coap://x"));
    set(t, lwm2m_path_oir(0, 10, 10), lwm2m_v_int(721));
    set(t, lwm2m_path_oir(1, 10, 0), lwm2m_v_int(721));
    set(t, lwm2m_path_oir(1, 10, 1), lwm2m_v_int(300));
    set(t, lwm2m_path_oir(1, 10, 2), lwm2m_v_int(1));
    set(t, lwm2m_path_oir(1, 10, 3), lwm2m_v_int(20));
    set(t, lwm2m_path_oir(1, 10, 7), lwm2m_v_str("UQS"));
    set(t, lwm2m_path_oiri(1, 10, 30000, 1), lwm2m_v_int(30));
    set(t, lwm2m_path_oir(1, 10, 17), lwm2m_v_int(4));
    set(t, lwm2m_path_oir(1, 10, 18), lwm2m_v_int(30));
    set(t, lwm2m_path_oir(3, 0, 0), lwm2m_v_str("u-blox"));
    set(t, lwm2m_path_oiri(3, 0, 11, 0), lwm2m_v_int(0));
    set(t, lwm2m_path_oir(3, 0, 13), lwm2m_v_time(0));
    set(t, lwm2m_path_oiri(4, 0, 4, 0), lwm2m_v_str("10.0.0.1"));
    set(t, lwm2m_path_oir(5, 0, 1), lwm2m_v_str(""));
    set(t, lwm2m_path_oir(5, 0, 3), lwm2m_v_int(0));
    set(t, lwm2m_path_oir(11, 3, 1), lwm2m_v_str("apn"));
}

static uint8_t exec_hook(void *ctx, uint16_t ssid, const lwm2m_path *p, const uint8_t *a, size_t n)
{
    (void)ctx, (void)ssid, (void)p, (void)a, (void)n;
    return COAP_CHANGED;
}

/* Client datagrams go to the server endpoint; its events are remembered
 * (the last request stays pending for op 6). */
static void drain(fz *f)
{
    for (size_t i = 0; i < f->out.nact; i++) {
        const lwm2m_act *a = &f->out.act[i];
        if (a->kind != LWM2M_ACT_SEND)
            continue;
        size_t len = a->len < sizeof f->keep ? a->len : sizeof f->keep;
        memcpy(f->keep, lwm2m_out_data(&f->out, a), len);
        coap_ep_feed(&f->srv, f->now, f->keep, len, &f->sout);
        for (size_t k = 0; k < f->sout.nev; k++)
            if (f->sout.ev[k].kind == COAP_EV_REQUEST) {
                f->pending = f->sout.ev[k];
                f->have_pending = 1;
            }
        coap_out_clear(&f->sout); /* responses of the server to notifications etc. are dropped */
    }
    lwm2m_out_clear(&f->out);
}

static void feed_client(fz *f, const uint8_t *d, size_t n)
{
    lwm2m_client_feed(&f->c, f->now, 721, d, n, &f->out);
    drain(f);
}

static void server_request(fz *f, uint8_t arg)
{
    static const uint8_t methods[] = { COAP_GET, COAP_PUT, COAP_POST, COAP_DELETE };
    coap_msg m;
    coap_msg_init(&m, (next(f) & 1) ? COAP_NON : COAP_CON, methods[arg & 3]);
    const char *p = paths[next(f) % NPATHS];
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, p, strlen(p));
    uint8_t cf = next(f);
    if (cf & 0x80)
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, formats[cf % 10]);
    uint8_t opt = next(f);
    if (opt & 1)
        coap_msg_add_uint(&m, COAP_OPT_ACCEPT, formats[(opt >> 1) % 10]);
    if (opt & 0x20)
        coap_msg_add_uint(&m, COAP_OPT_OBSERVE, (opt >> 6) & 1);
    if (opt & 0x40)
        coap_msg_add_split(&m, COAP_OPT_URI_QUERY, "pmin=1&pmax=2&st=1", 18);
    size_t len = next(f);
    if (len > f->n - f->i)
        len = f->n - f->i;
    if (len)
        coap_msg_set_payload(&m, f->d + f->i, len);
    f->i += len;
    bytebuf b;
    bytebuf_init(&b);
    m.mid = (uint16_t)(f->i * 31);
    m.tkl = 2;
    m.token[0] = (uint8_t)f->i;
    m.token[1] = 0x5a;
    if (coap_build(&m, &b) == 0)
        feed_client(f, b.data, b.len);
    bytebuf_free(&b);
}

static void answer_pending(fz *f)
{
    static const uint8_t codes[] = { COAP_CREATED, COAP_CHANGED, COAP_DELETED, COAP_NOT_FOUND,
                                     COAP_BAD_REQUEST, COAP_INTERNAL_SERVER_ERROR, COAP_CONTINUE };
    uint8_t k = next(f);
    if (!f->have_pending)
        return;
    f->have_pending = 0;
    if (k >= 200)
        return; /* dropped: the client retransmits or gives up */
    coap_msg r;
    coap_msg_init(&r, COAP_ACK, codes[k % 7]);
    if (k & 8)
        coap_msg_add_split(&r, COAP_OPT_LOCATION_PATH, "rd/42", 5);
    if (k & 16) {
        coap_block b = { 0, 0, 6 };
        coap_msg_set_block(&r, COAP_OPT_BLOCK1, &b);
    }
    coap_ep_respond(&f->srv, f->now, f->pending.xid, &r, NULL, &f->sout);
    for (size_t i = 0; i < f->sout.ndg; i++) {
        size_t len;
        const uint8_t *d = coap_out_datagram(&f->sout, i, &len);
        uint8_t copy[2048];
        if (len > sizeof copy)
            continue;
        memcpy(copy, d, len);
        lwm2m_client_feed(&f->c, f->now, 721, copy, len, &f->out);
    }
    coap_out_clear(&f->sout);
    drain(f);
}

static void tick(fz *f)
{
    lwm2m_client_tick(&f->c, f->now, &f->out);
    drain(f);
    CHECK(lwm2m_client_next_deadline(&f->c) > f->now);
}

static void run_to_deadline(fz *f)
{
    uint64_t d = lwm2m_client_next_deadline(&f->c);
    if (d == LWM2M_NEVER || d - f->now > S(200000))
        return;
    if (d > f->now)
        f->now = d;
    tick(f);
}

static void host_op(fz *f, uint8_t arg)
{
    switch (arg % 4) {
    case 0: lwm2m_client_trigger_update(&f->c, f->now, 721, &f->out); break;
    case 1: lwm2m_client_deregister(&f->c, f->now, 721, &f->out); break;
    case 2: lwm2m_client_transport_failed(&f->c, f->now, 721, arg & 4 ? -13 : -110, &f->out); break;
    default: lwm2m_client_transport_up(&f->c, f->now, 721, &f->out); break;
    }
    drain(f);
}

static void change(fz *f)
{
    lwm2m_path p;
    const char *s = paths[next(f) % NPATHS];
    if (lwm2m_path_parse(s, strlen(s), &p) < 0)
        return;
    if (p.depth == 3 || p.depth == 4) {
        lwm2m_value v = lwm2m_v_int(next(f));
        lwm2m_tree_set(&f->tree, &p, &v);
    }
    lwm2m_client_changed(&f->c, f->now, &p, &f->out);
    drain(f);
}

static void start(fz *f)
{
    lwm2m_client_start(&f->c, f->now, &f->out);
    drain(f);
    lwm2m_client_transport_up(&f->c, f->now, 721, &f->out);
    drain(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz *f = calloc(1, sizeof *f);
    f->d = data;
    f->n = size;
    f->now = S(1000);
    build_tree(&f->tree);
    lwm2m_client_config cfg;
    lwm2m_client_config_default(&cfg);
    cfg.block_size = 64; /* the payload goes block-wise */
    lwm2m_client_hooks hooks = { NULL, NULL, exec_hook, NULL };
    lwm2m_client_init(&f->c, &cfg, &f->tree, &hooks);
    lwm2m_out_init(&f->out);
    coap_ep_init(&f->srv, NULL);
    coap_out_init(&f->sout);
    start(f);
    unsigned steps = 0;
    while (f->i < f->n && steps++ < 2000) {
        uint8_t op = next(f), arg = op >> 3;
        switch (op & 7) {
        case 0: {
            size_t len = (size_t)arg + 1;
            if (len > f->n - f->i)
                len = f->n - f->i;
            feed_client(f, f->d + f->i, len);
            f->i += len;
            break;
        }
        case 1: server_request(f, arg); break;
        case 2: f->now += S(arg > 16 ? (uint64_t)arg * 64 : arg); tick(f); break;
        case 3: run_to_deadline(f); break;
        case 4: change(f); break;
        case 5: host_op(f, arg); break;
        case 6: answer_pending(f); break;
        case 7: start(f); break;
        }
    }
    lwm2m_client_free(&f->c);
    lwm2m_tree_free(&f->tree);
    lwm2m_out_free(&f->out);
    coap_ep_free(&f->srv);
    coap_out_free(&f->sout);
    free(f);
    return 0;
}
