/* xm_frames.h - an Xmodem transfer read back from both sides of a log:
 * the host's frames (SOH/STX blocks, EOT, CAN) and the module's answers
 * (ACK, NAK, CAN).  Gives back the file the host sent -- what a replay
 * sends again -- and what happened (blocks, blocks sent again, NAKs, how it
 * ended).  Sans-I/O; the check (CRC-16 or 8-bit sum) is found from the
 * frames themselves. */
#ifndef SARASIM_XM_FRAMES_H
#define SARASIM_XM_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"

typedef struct xm_reader {
    bytebuf in;         /* host bytes not yet read as frames */
    bytebuf data;       /* the payload of every block taken, in order */
    unsigned block;     /* size of the first block: 128 or 1024; 0 before */
    int crc;            /* 1 CRC-16, 0 checksum, -1 not known yet */
    unsigned next_seq;  /* sequence number of the next new block */
    unsigned blocks, resent, bad, naks, cans;
    int eot_sent;
    int ended;          /* 1 EOT acknowledged, 2 cancelled (CAN CAN either way) */
} xm_reader;

void xmr_init(xm_reader *x);
void xmr_free(xm_reader *x);
/* Bytes from the host. */
void xmr_host(xm_reader *x, const uint8_t *p, size_t n);
/* Bytes from the module; returns 1 once the transfer has ended. */
int xmr_module(xm_reader *x, const uint8_t *p, size_t n);
/* Bytes a host's frame may start with: SOH, STX, EOT, CAN. */
int xmr_frame_start(uint8_t c);

#endif
