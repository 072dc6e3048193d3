/* dur.c - duration text <-> nanoseconds. */
#include "dur.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int unit_ns(const char **p, uint64_t *mul)
{
    static const struct { const char *u; uint64_t ns; } units[] = {
        { "ms", 1000000ull }, { "us", 1000ull }, { "ns", 1ull },
        { "s", 1000000000ull }, { "m", 60000000000ull }, { "h", 3600000000000ull },
        { "d", 86400000000000ull },
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t l = strlen(units[i].u);
        if (strncmp(*p, units[i].u, l) == 0) {
            *p += l;
            *mul = units[i].ns;
            return 0;
        }
    }
    return -1;
}

int dur_parse(const char *s, uint64_t *ns)
{
    if (!s || !*s)
        return -1;
    uint64_t total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        uint64_t whole = 0, frac = 0, frac_div = 1;
        while (isdigit((unsigned char)*p)) {
            if (__builtin_mul_overflow(whole, 10, &whole) ||
                __builtin_add_overflow(whole, (uint64_t)(*p++ - '0'), &whole))
                return -1;
        }
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p)) {
                if (frac_div < 1000000000ull) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    frac_div *= 10;
                }
                p++;
            }
        }
        uint64_t mul = 1000000000ull;
        if (*p && unit_ns(&p, &mul))
            return -1;
        /* frac < frac_div <= 1e9 and mul <= 8.64e13: compute frac*mul/frac_div
         * without overflow as (mul/frac_div)*frac when mul divides evenly */
        uint64_t part, fpart = mul % frac_div == 0 ? mul / frac_div * frac : (uint64_t)((double)frac * mul / frac_div);
        if (__builtin_mul_overflow(whole, mul, &part) || __builtin_add_overflow(part, fpart, &part) ||
            __builtin_add_overflow(total, part, &total))
            return -1;
    }
    *ns = total;
    return 0;
}

void dur_format(uint64_t ns, char *buf, unsigned long size)
{
    if (ns % 3600000000000ull == 0 && ns)
        snprintf(buf, size, "%lluh", (unsigned long long)(ns / 3600000000000ull));
    else if (ns % 60000000000ull == 0 && ns)
        snprintf(buf, size, "%llum", (unsigned long long)(ns / 60000000000ull));
    else if (ns % 1000000000ull == 0)
        snprintf(buf, size, "%llus", (unsigned long long)(ns / 1000000000ull));
    else if (ns % 1000000ull == 0)
        snprintf(buf, size, "%llums", (unsigned long long)(ns / 1000000ull));
    else
        snprintf(buf, size, "%.6fs", (double)ns / 1e9);
}
