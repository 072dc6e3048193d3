/* lenient.c - values that always differ, masked (see lenient.h). */
#include "lenient.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name, *re; } classes[] = {
    [LV_ID] = { "id", "[0-9A-Fa-f]+" },        [LV_IP] = { "ip", "[0-9A-Fa-f.:]+" },
    [LV_TIME] = { "time", "[0-9/:,.TZ+-]+" },  [LV_HEX] = { "hex", "[0-9A-Fa-f]+" },
    [LV_NUM] = { "n", "-?[0-9]+" },            [LV_STR] = { "str", "[^\"]*" },
    [LV_HASH] = { "hash", "[0-9A-Fa-f]+" },
};

const char *lenient_class_name(lv_class c) { return classes[c].name; }

static size_t run(const char *s, size_t n, size_t i, int (*is)(int))
{
    size_t k = i;
    while (k < n && is((unsigned char)s[k]))
        k++;
    return k - i;
}

/* dd: exactly two digits at s[i] */
static int two(const char *s, size_t n, size_t i) { return i + 2 <= n && isdigit((unsigned char)s[i]) && isdigit((unsigned char)s[i + 1]); }

/* "26/01/01,00:00:00+04", "2026-01-01T00:00:00Z", "12:34:56" (a fraction and a zone may follow) */
static size_t m_time(const char *s, size_t n, size_t i)
{
    size_t k = i;
    if (two(s, n, k) && k + 8 <= n && s[k + 2] == '/' && two(s, n, k + 3) && s[k + 5] == '/' && two(s, n, k + 6) &&
        k + 8 < n && s[k + 8] == ',')
        k += 9;
    else if (run(s, n, k, isdigit) == 4 && k + 10 < n && s[k + 4] == '-' && two(s, n, k + 5) && s[k + 7] == '-' &&
             two(s, n, k + 8) && (s[k + 10] == 'T' || s[k + 10] == ' '))
        k += 11;
    if (!(two(s, n, k) && k + 8 <= n && s[k + 2] == ':' && two(s, n, k + 3) && s[k + 5] == ':' && two(s, n, k + 6)))
        return 0;
    k += 8;
    if (k < n && s[k] == '.')
        k += 1 + run(s, n, k + 1, isdigit);
    if (k < n && (s[k] == '+' || s[k] == '-') && run(s, n, k + 1, isdigit) >= 1 && run(s, n, k + 1, isdigit) <= 4)
        k += 1 + run(s, n, k + 1, isdigit);
    else if (k < n && s[k] == 'Z')
        k++;
    return k - i;
}

static size_t m_ipv4(const char *s, size_t n, size_t i)
{
    size_t k = i;
    for (int part = 0; part < 4; part++) {
        size_t d = run(s, n, k, isdigit);
        if (d < 1 || d > 3)
            return 0;
        k += d;
        if (part < 3) {
            if (k >= n || s[k] != '.')
                return 0;
            k++;
        }
    }
    return isalnum((unsigned char)(k < n ? s[k] : ' ')) ? 0 : k - i;
}

static size_t m_ipv6(const char *s, size_t n, size_t i)
{
    size_t k = i, colons = 0, hex = 0;
    while (k < n && (isxdigit((unsigned char)s[k]) || s[k] == ':' || (s[k] == '.' && colons))) {
        colons += s[k] == ':';
        hex += isxdigit((unsigned char)s[k]) != 0;
        k++;
    }
    return colons >= 2 && hex >= 2 ? k - i : 0;
}

/* IMEI, IMSI, ICCID (may end in F), phone numbers: 10 digits or more */
static size_t m_id(const char *s, size_t n, size_t i)
{
    size_t d = run(s, n, i, isdigit);
    if (d < 10)
        return 0;
    if (i + d < n && (s[i + d] == 'F' || s[i + d] == 'f'))
        d++;
    return isalnum((unsigned char)(i + d < n ? s[i + d] : ' ')) ? 0 : d;
}

static size_t m_hash(const char *s, size_t n, size_t i)
{
    size_t d = run(s, n, i, isxdigit);
    return d == 32 || d == 40 || d == 64 ? d : 0;
}

static int prefixed(const char *t, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (n >= strlen(*list) && !memcmp(t, *list, strlen(*list)))
            return 1;
    return 0;
}

/* Lines whose every number is a measurement or a counter. */
static const char *const measured[] = { "+CSQ:", "+CESQ:", "+UCGED:", "+UGCNTRD:", "+UCSQ:", "+CEDRXP:", NULL };
/* Lines whose quoted hex strings are a cell's identity. */
static const char *const cell[] = { "+CEREG:", "+CREG:", "+CGREG:", "+UCGED:", "+CEDRXP:", "+UREG", NULL };
/* Progress the module reports in its own steps: the simulator's model has
 * other steps than a real module (0..100; the final codes >= 128 count). */
static const char *const progress[] = { "+UFWPREVAL:", "+UFWUPD:", "+UUFWINSTALL:", "+UFWINSTALL:", NULL };
/* Lines whose quoted strings name the network. */
static const char *const named[] = { "+COPS:", NULL };

size_t lenient_spans(const char *t, size_t n, lv_span *out, size_t max)
{
    size_t k = 0, i = 0;
    int is_measured = prefixed(t, n, measured), is_cell = prefixed(t, n, cell), is_named = prefixed(t, n, named);
    if (prefixed(t, n, progress)) {
        const char *c = memchr(t, ':', n);
        size_t a = (size_t)(c - t) + 1;
        while (a < n && t[a] == ' ')
            a++;
        size_t d = run(t, n, a, isdigit);
        if (d && a + d == n && d <= 3 && atoi(t + a) <= 100 && max) {
            out[0] = (lv_span){ a, n, LV_NUM };
            return 1;
        }
    }
    size_t after_prefix = 0;
    while (after_prefix < n && t[after_prefix] != ':' && t[after_prefix] != ' ')
        after_prefix++;
    while (i < n && k < max) {
        int boundary = i == 0 || !(isalnum((unsigned char)t[i - 1]) || t[i - 1] == '.');
        size_t len = 0;
        lv_class c = LV_ID;
        if (boundary && (len = m_hash(t, n, i)) && !isalnum((unsigned char)(i + len < n ? t[i + len] : ' ')))
            c = LV_HASH;
        else if (boundary && (len = m_time(t, n, i)))
            c = LV_TIME;
        else if (boundary && (len = m_ipv4(t, n, i)))
            c = LV_IP;
        else if (boundary && (len = m_id(t, n, i)))
            c = LV_ID;
        else if (boundary && i > after_prefix && (len = m_ipv6(t, n, i)))
            c = LV_IP;
        else if (is_cell && t[i] == '"' && (len = run(t, n, i + 1, isxdigit)) >= 2 && i + 1 + len < n &&
                 t[i + 1 + len] == '"') {
            out[k++] = (lv_span){ i + 1, i + 1 + len, LV_HEX };
            i += len + 2;
            continue;
        } else if (is_named && t[i] == '"') {
            const char *q = memchr(t + i + 1, '"', n - i - 1);
            if (q) {
                out[k++] = (lv_span){ i + 1, (size_t)(q - t), LV_STR };
                i = (size_t)(q - t) + 1;
                continue;
            }
            len = 0;
        } else if (is_measured && i > after_prefix && boundary &&
                   (len = run(t, n, i + (t[i] == '-'), isdigit) + (t[i] == '-')) > (size_t)(t[i] == '-')) {
            c = LV_NUM;
        } else {
            len = 0;
        }
        if (len) {
            out[k++] = (lv_span){ i, i + len, c };
            i += len;
        } else {
            i++;
        }
    }
    return k;
}

void lenient_mask(const char *t, size_t n, bytebuf *out)
{
    lv_span sp[64];
    size_t ns = lenient_spans(t, n, sp, 64), at = 0;
    bytebuf_clear(out);
    for (size_t i = 0; i < ns; i++) {
        bytebuf_append(out, t + at, sp[i].a - at);
        bytebuf_appendf(out, "<%s>", classes[sp[i].c].name);
        at = sp[i].b;
    }
    bytebuf_append(out, t + at, n - at);
}

static void re_literal(bytebuf *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\.[]{}()*+?^$|", p[i]) && p[i])
            bytebuf_append_byte(out, '\\');
        bytebuf_append_byte(out, (uint8_t)p[i]);
    }
}

size_t lenient_regex(const char *bytes, size_t len, size_t text_off, size_t text_len, bytebuf *out)
{
    lv_span sp[64];
    size_t ns = lenient_spans(bytes + text_off, text_len, sp, 64), at = 0;
    bytebuf_clear(out);
    bytebuf_append_byte(out, '^');
    for (size_t i = 0; i < ns; i++) {
        re_literal(out, bytes + at, text_off + sp[i].a - at);
        bytebuf_append_str(out, classes[sp[i].c].re);
        at = text_off + sp[i].b;
    }
    re_literal(out, bytes + at, len - at);
    return ns;
}
