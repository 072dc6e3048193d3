/* units.h - the module's output cut into units, one line each with its
 * framing: "\r\nOK\r\n", an echo "AT+CGMI\r", a prompt "\r\n>", one Xmodem
 * control byte.  The session cuts an exact log's bytes this way, the replay
 * run the simulator's output, so that both sides compare line by line. */
#ifndef SARASIM_UNITS_H
#define SARASIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mu_unit {
    size_t off, len;           /* the unit's bytes within the buffer */
    size_t text_off, text_len; /* its content: no CR, no LF */
} mu_unit;

/* The next unit of p[from..n).  Returns 1 with *u filled, 0 if what is left
 * is not a whole unit yet (a line without its end) -- with `flush` set,
 * whatever is left is one (0 only when nothing but line ends is left).
 * Leading CR/LF belong to the unit; it ends after its CR, CRLF or LF.  A
 * prompt (">", "@") and Xmodem control bytes (C, ACK, NAK, CAN, EOT) never
 * get a line end: they are units as they stand, one byte per control unit. */
int mu_next(const uint8_t *p, size_t n, size_t from, int flush, mu_unit *u);

/* Content is a final result code: OK, ERROR, +CME ERROR: ..., +CMS ERROR: ...,
 * NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, CONNECT ..., ABORTED. */
int mu_is_final(const char *t, size_t n);
/* Content is Xmodem control bytes only (C, ACK, NAK, CAN, EOT). */
int mu_is_xm_ctrl(const char *t, size_t n);
/* Content is a data prompt (">" or "@"). */
int mu_is_prompt(const char *t, size_t n);

/* Printable form of a content for reports: control bytes as \xHH. */
char *mu_printable(const uint8_t *p, size_t n);

#endif
