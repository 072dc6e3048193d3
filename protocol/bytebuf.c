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

int bytebuf_vappendf(bytebuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -EINVAL;
    if (bytebuf_reserve(b, (size_t)n))
        return -ENOMEM;
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
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
