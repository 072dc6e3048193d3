/* xm_frames.c - an Xmodem transfer read back from a log (see xm_frames.h). */
#include "xm_frames.h"

#include <string.h>

#include "protocol/xmodem.h"

void xmr_init(xm_reader *x)
{
    memset(x, 0, sizeof(*x));
    bytebuf_init(&x->in);
    bytebuf_init(&x->data);
    x->crc = -1;
    x->next_seq = 1;
}

void xmr_free(xm_reader *x)
{
    bytebuf_free(&x->in);
    bytebuf_free(&x->data);
}

int xmr_frame_start(uint8_t c)
{
    return c == XMODEM_SOH || c == XMODEM_STX || c == XMODEM_EOT || c == XMODEM_CAN;
}

static int check_ok(const uint8_t *d, size_t n, const uint8_t *ck, int crc)
{
    if (crc) {
        uint16_t c = xmodem_crc16(0, d, n);
        return ck[0] == (c >> 8) && ck[1] == (c & 0xff);
    }
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + d[i]);
    return ck[0] == sum;
}

/* One frame at the start of x->in: its length, 0 if more bytes are needed. */
static size_t read_block(xm_reader *x)
{
    const uint8_t *p = x->in.data;
    size_t size = p[0] == XMODEM_STX ? 1024 : 128, head = 3;
    int crc = x->crc;
    if (crc < 0) { /* the first block tells: the check that matches */
        if (x->in.len < head + size + 2)
            return 0;
        crc = check_ok(p + head, size, p + head + size, 1) ? 1 : check_ok(p + head, size, p + head + size, 0) ? 0 : 1;
    }
    size_t len = head + size + (crc ? 2u : 1u);
    if (x->in.len < len)
        return 0;
    uint8_t seq = p[1];
    if ((unsigned)(p[2] ^ seq) != 0xffu || !check_ok(p + head, size, p + head + size, crc)) {
        x->bad++; /* the module NAKs it; the host sends it again */
        return len;
    }
    x->crc = crc;
    if (!x->block)
        x->block = (unsigned)size;
    if (seq == (uint8_t)x->next_seq) {
        bytebuf_append(&x->data, p + head, size);
        x->blocks++;
        x->next_seq++;
    } else if (seq == (uint8_t)(x->next_seq - 1)) {
        x->resent++;
    } else {
        x->bad++;
    }
    return len;
}

void xmr_host(xm_reader *x, const uint8_t *p, size_t n)
{
    bytebuf_append(&x->in, p, n);
    for (;;) {
        size_t used = 0;
        if (!x->in.len)
            break;
        uint8_t c = x->in.data[0];
        if (c == XMODEM_SOH || c == XMODEM_STX) {
            used = read_block(x);
            if (!used)
                break;
        } else {
            x->eot_sent |= c == XMODEM_EOT;
            if (c == XMODEM_CAN && ++x->cans >= 2)
                x->ended = 2;
            used = 1; /* EOT, CAN, or a byte between frames */
        }
        bytebuf_consume(&x->in, used);
    }
}

int xmr_module(xm_reader *x, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && !x->ended; i++) {
        if (p[i] == XMODEM_NAK)
            x->naks++;
        else if (p[i] == XMODEM_ACK && x->eot_sent)
            x->ended = 1;
        else if (p[i] == XMODEM_CAN && ++x->cans >= 2)
            x->ended = 2;
    }
    return x->ended != 0;
}
