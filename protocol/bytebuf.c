/* bytebuf.c - growable byte buffer. */
#include "bytebuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bytebuf_init(bytebuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void bytebuf_free(bytebuf *b)
{
    free(b->data);
    bytebuf_init(b);
}

void bytebuf_clear(bytebuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

int bytebuf_reserve(bytebuf *b, size_t extra)
{
    size_t need = b->len + extra + 1; /* +1 keeps room for the NUL */
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int bytebuf_append(bytebuf *b, const void *p, size_t n)
{
    if (bytebuf_reserve(b, n))
        return -ENOMEM;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int bytebuf_append_str(bytebuf *b, const char *s)
{
    return bytebuf_append(b, s, strlen(s));
}

int bytebuf_append_byte(bytebuf *b, uint8_t c)
{
    return bytebuf_append(b, &c, 1);
}

/* Room tried before measuring: most formatted text (result codes, trace
 * lines, information text) fits, and is then formatted once, not twice. */
#define APPENDF_GUESS 128

int bytebuf_vappendf(bytebuf *b, const char *fmt, va_list ap)
{
    if (bytebuf_reserve(b, APPENDF_GUESS))
        return -ENOMEM;
    size_t room = b->cap - b->len; /* counts the NUL's byte */
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf((char *)b->data + b->len, room, fmt, ap2);
    va_end(ap2);
    int rc = n < 0 ? -EINVAL : 0;
    if (!rc && (size_t)n >= room) { /* truncated: grow, format again */
        rc = bytebuf_reserve(b, (size_t)n);
        if (!rc)
            vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    if (rc) {
        b->data[b->len] = 0; /* intact: drop what the try wrote past len */
        return rc;
    }
    b->len += (size_t)n;
    return 0;
}

int bytebuf_appendf(bytebuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bytebuf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void bytebuf_consume(bytebuf *b, size_t n)
{
    if (n >= b->len) {
        bytebuf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = 0;
}
