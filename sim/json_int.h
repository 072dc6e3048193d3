/* json_int.h - a JSON number as a C integer, without undefined behaviour:
 * cJSON keeps numbers as doubles, and casting a double outside the range of
 * the integer type is undefined (state files and scenarios are untrusted). */
#ifndef SARASIM_JSON_INT_H
#define SARASIM_JSON_INT_H

/* 1 and *out set when d is a whole number that fits a long. */
static inline int json_int(double d, long *out)
{
    if (!(d >= -9.2e18 && d <= 9.2e18)) /* also false for NaN */
        return 0;
    long v = (long)d;
    if ((double)v != d)
        return 0;
    *out = v;
    return 1;
}

#endif
