/* units.c - the module's output in units (see units.h). */
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_eol(uint8_t c) { return c == '\r' || c == '\n'; }

static int xm_byte(uint8_t c) { return c == 'C' || c == 0x06 || c == 0x15 || c == 0x18 || c == 0x04; }

int mu_is_xm_ctrl(const char *t, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!xm_byte((uint8_t)t[i]))
            return 0;
    return 1;
}

int mu_is_prompt(const char *t, size_t n) { return n == 1 && (t[0] == '>' || t[0] == '@'); }

int mu_is_final(const char *t, size_t n)
{
    static const char *const whole[] = { "OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE",
                                         "ABORTED", "CONNECT" };
    static const char *const prefix[] = { "+CME ERROR:", "+CMS ERROR:", "CONNECT " };
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        if (strlen(whole[i]) == n && !memcmp(t, whole[i], n))
            return 1;
    for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
        if (n >= strlen(prefix[i]) && !memcmp(t, prefix[i], strlen(prefix[i])))
            return 1;
    return 0;
}

/* An Xmodem control byte at p[a]: ACK, NAK, CAN, EOT always; a 'C' when
 * nothing but a line end or another control byte follows (the module sends
 * no line "C"; "CONNECT" has more after its C). */
static int ctrl_at(const uint8_t *p, size_t n, size_t a)
{
    if (p[a] != 'C')
        return xm_byte(p[a]);
    return a + 1 == n || is_eol(p[a + 1]) || xm_byte(p[a + 1]);
}

int mu_next(const uint8_t *p, size_t n, size_t from, int flush, mu_unit *u)
{
    size_t a = from;
    while (a < n && is_eol(p[a]))
        a++;
    if (a == n)
        return 0;
    if (ctrl_at(p, n, a)) {
        *u = (mu_unit){ from, a + 1 - from, a, 1 };
        return 1;
    }
    size_t k = a;
    while (k < n && !is_eol(p[k]))
        k++;
    if (k == n) {
        if (!flush && !mu_is_prompt((const char *)p + a, k - a))
            return 0;
        *u = (mu_unit){ from, k - from, a, k - a };
        return 1;
    }
    /* the line ends after its CR (and the LF that follows it) or its LF; a
     * CR at the very end may still get its LF: that one leads the next unit */
    size_t e = k + 1;
    if (p[k] == '\r' && e < n && p[e] == '\n')
        e++;
    *u = (mu_unit){ from, e - from, a, k - a };
    return 1;
}

char *mu_printable(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 4 + 1), *o = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f)
            *o++ = (char)p[i];
        else
            o += sprintf(o, "\\x%02x", p[i]);
    }
    *o = 0;
    return s;
}
