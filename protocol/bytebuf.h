/* bytebuf.h - a growable byte buffer, the one container the cores share.
 *
 * Explicit lifecycle: bytebuf_init() then any number of appends, then
 * bytebuf_free().  Appends return 0 or -ENOMEM; the buffer is left intact on
 * failure.  data is always NUL-terminated past len so text users can treat it
 * as a C string, but it may hold any byte values.
 */
#ifndef SARASIM_BYTEBUF_H
#define SARASIM_BYTEBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bytebuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} bytebuf;

void bytebuf_init(bytebuf *b);
void bytebuf_free(bytebuf *b);
void bytebuf_clear(bytebuf *b);
int bytebuf_reserve(bytebuf *b, size_t extra);
int bytebuf_append(bytebuf *b, const void *p, size_t n);
int bytebuf_append_str(bytebuf *b, const char *s);
int bytebuf_append_byte(bytebuf *b, uint8_t c);
int bytebuf_appendf(bytebuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int bytebuf_vappendf(bytebuf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (n > len drops everything). */
void bytebuf_consume(bytebuf *b, size_t n);

#endif
