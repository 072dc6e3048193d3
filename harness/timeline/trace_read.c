/* trace_read.c - trace lines read back (format in sim/trace.h). */
#include "trace_read.h"

#include <string.h>

int tr_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t tr_unescape(const char *s, size_t n, bytebuf *out)
{
    size_t i = 0;
    while (i < n && s[i] != '"') {
        if (s[i] != '\\' || i + 1 >= n) {
            bytebuf_append_byte(out, (uint8_t)s[i++]);
            continue;
        }
        char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'r': bytebuf_append_byte(out, '\r'); break;
        case 'n': bytebuf_append_byte(out, '\n'); break;
        case 't': bytebuf_append_byte(out, '\t'); break;
        case 'x':
            if (i + 2 <= n && tr_hexval(s[i]) >= 0 && tr_hexval(s[i + 1]) >= 0) {
                bytebuf_append_byte(out, (uint8_t)(tr_hexval(s[i]) << 4 | tr_hexval(s[i + 1])));
                i += 2;
            } else {
                bytebuf_append_byte(out, 'x');
            }
            break;
        default: bytebuf_append_byte(out, (uint8_t)c);
        }
    }
    return i;
}

/* "12.000417" -> ns; the fraction may have up to 9 digits. */
static int parse_time(const char *s, size_t n, int64_t *ns)
{
    size_t i = 0;
    int64_t sec = 0, frac = 0;
    int digits = 0;
    if (!n || s[0] < '0' || s[0] > '9')
        return -1;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (sec > INT64_MAX / 10 / 1000000000 - 1)
            return -1;
        sec = sec * 10 + (s[i++] - '0');
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits < 9) {
                frac = frac * 10 + (s[i] - '0');
                digits++;
            }
            i++;
        }
    }
    if (i != n)
        return -1;
    while (digits++ < 9)
        frac *= 10;
    *ns = sec * 1000000000 + frac;
    return 0;
}

/* The next space-separated field of line[*i..len). */
static int field(const char *line, size_t len, size_t *i, const char **f, size_t *flen)
{
    size_t a = *i;
    while (a < len && line[a] == ' ')
        a++;
    size_t b = a;
    while (b < len && line[b] != ' ')
        b++;
    if (a == b)
        return -1;
    *f = line + a;
    *flen = b - a;
    *i = b;
    return 0;
}

int tr_parse_line(const char *line, size_t len, tr_line *out, bytebuf *payload)
{
    bytebuf_clear(payload);
    memset(out, 0, sizeof(*out));
    const char *f;
    size_t fl, i = 0;
    if (field(line, len, &i, &f, &fl) || parse_time(f, fl, &out->t))
        return -1;
    if (field(line, len, &i, &f, &fl) || fl >= sizeof(out->wall))
        return -1;
    memcpy(out->wall, f, fl);
    out->has_wall = !(fl == 1 && f[0] == '-');
    if (field(line, len, &i, &f, &fl) || fl != 2)
        return -1;
    if (!memcmp(f, "RX", 2))
        out->kind = TR_RX;
    else if (!memcmp(f, "TX", 2))
        out->kind = TR_TX;
    else if (!memcmp(f, "EV", 2))
        out->kind = TR_EV;
    else
        return -1;
    if (field(line, len, &i, &f, &fl) || fl != 1)
        return -1;
    if (out->kind == TR_EV) {
        if (f[0] != '-')
            return -1;
        out->port = -1;
        if (i < len && line[i] == ' ')
            i++;
        bytebuf_append(payload, line + i, len - i);
        return 0;
    }
    if (f[0] < '0' || f[0] > '9')
        return -1;
    out->port = f[0] - '0';
    if (i + 1 >= len || line[i] != ' ' || line[i + 1] != '"')
        return -1;
    i += 2;
    size_t used = tr_unescape(line + i, len - i, payload);
    if (i + used >= len || line[i + used] != '"' || i + used + 1 != len)
        return -1;
    if (!payload->data)
        bytebuf_append(payload, "", 0); /* "" is a payload too: data never NULL */
    return 0;
}

int tr_next_line(const uint8_t *p, size_t n, size_t *pos, const char **line, size_t *len)
{
    if (*pos >= n)
        return 0;
    const uint8_t *s = p + *pos, *nl = memchr(s, '\n', n - *pos);
    size_t l = nl ? (size_t)(nl - s) : n - *pos;
    *pos += l + (nl ? 1 : 0);
    if (l && s[l - 1] == '\r')
        l--;
    *line = (const char *)s;
    *len = l;
    return 1;
}
