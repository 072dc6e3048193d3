/* infer.c - the module's identity from a log's answers (see infer.h). */
#include "infer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/device.h"

static int digits_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

static void copy(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        return;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static int known_model(const char *m)
{
    return !strcmp(m, "SARA-R500S") || !strcmp(m, "SARA-R510S") || !strcmp(m, "SARA-R510M8S");
}

static int known_product(const char *p) { return !strcmp(p, "00B") || !strcmp(p, "01B") || !strcmp(p, "61B"); }

/* "SARA-R510M8S-01B-00" (ATI) or "SARA-R510M8S" (+CGMM). */
static void model_line(s_device *d, const char *line)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", line);
    char *dash = strchr(buf, '-');
    dash = dash ? strchr(dash + 1, '-') : NULL;
    if (dash)
        *dash = 0;
    if (known_model(buf))
        copy(d->model, sizeof(d->model), buf, strlen(buf));
    if (dash && strlen(dash + 1) >= 3) {
        char pv[4];
        copy(pv, sizeof(pv), dash + 1, 3);
        if (known_product(pv))
            snprintf(d->product, sizeof(d->product), "%s", pv);
    }
}

/* "03.15,A00.01" */
static int firmware_valid(const char *v)
{
    return strlen(v) == 12 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) && v[2] == '.' &&
           isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]) && v[5] == ',' && v[6] == 'A' &&
           isdigit((unsigned char)v[7]) && isdigit((unsigned char)v[8]) && v[9] == '.' &&
           isdigit((unsigned char)v[10]) && isdigit((unsigned char)v[11]);
}

/* The value after "+XXX: " if the line has that prefix, else the line. */
static const char *value_of(const char *line, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!strncmp(line, prefix, n)) {
        line += n;
        while (*line == ' ')
            line++;
    }
    return line;
}

static void answer(s_device *d, const char *cmd, const char *line)
{
    const char *v;
    if (!strcasecmp(cmd, "ATI") || !strcasecmp(cmd, "ATI0") || !strcasecmp(cmd, "AT+CGMM") ||
        !strcasecmp(cmd, "AT+GMM")) {
        model_line(d, line);
    } else if (!strcasecmp(cmd, "ATI9")) {
        if (firmware_valid(line))
            snprintf(d->firmware, sizeof(d->firmware), "%s", line);
    } else if ((!strcasecmp(cmd, "AT+CGMR") || !strcasecmp(cmd, "AT+GMR")) && !d->firmware[0]) {
        if (strlen(line) == 5 && digits_only(line, 2) && line[2] == '.' && digits_only(line + 3, 2))
            snprintf(d->firmware, sizeof(d->firmware), "%s,A00.01", line);
    } else if (!strncasecmp(cmd, "AT+CGSN", 7) || !strcasecmp(cmd, "AT+GSN")) {
        v = value_of(line, "+CGSN:");
        if (strlen(v) == 15 && digits_only(v, 15) && device_luhn_digit(v, 14) == v[14])
            snprintf(d->imei, sizeof(d->imei), "%s", v);
    } else if (!strcasecmp(cmd, "AT+CCID")) {
        v = value_of(line, "+CCID:");
        size_t n = strlen(v);
        if (n >= 19 && n <= 20 && digits_only(v, 18))
            snprintf(d->iccid, sizeof(d->iccid), "%s", v);
    } else if (!strcasecmp(cmd, "AT+CIMI")) {
        if (strlen(line) == 15 && digits_only(line, 15))
            snprintf(d->imsi, sizeof(d->imsi), "%s", line);
    } else if (!strcasecmp(cmd, "AT+UMNOPROF?")) {
        v = value_of(line, "+UMNOPROF:");
        if (digits_only(v, strlen(v)) && strlen(v) <= 3)
            d->mno_profile = atoi(v);
    } else if (!strcasecmp(cmd, "AT+COPS?")) {
        /* +COPS: <mode>,<format>,"<oper>"[,<act>] */
        int mode, format;
        char oper[32];
        if (sscanf(line, "+COPS: %d,%d,\"%31[^\"]\"", &mode, &format, oper) == 3) {
            size_t n = strlen(oper); /* memcpy, as the length is checked (gcc -O0 sees a truncation in snprintf) */
            if (format == 0 && n < sizeof(d->oper))
                memcpy(d->oper, oper, n + 1);
            else if (format == 2 && (n == 5 || n == 6) && n < sizeof(d->plmn) && digits_only(oper, n))
                memcpy(d->plmn, oper, n + 1);
        }
    }
}

#define KEEP_FIRST(f)                                                                                           \
    if (!d->f[0])                                                                                               \
    memcpy(d->f, n.f, sizeof(d->f))

static void first_answer(s_device *d, const char *cmd, const char *line)
{
    s_device n;
    memset(&n, 0, sizeof(n));
    n.mno_profile = -1;
    answer(&n, cmd, line);
    KEEP_FIRST(model);
    KEEP_FIRST(product);
    KEEP_FIRST(firmware);
    KEEP_FIRST(imei);
    KEEP_FIRST(iccid);
    KEEP_FIRST(imsi);
    KEEP_FIRST(plmn);
    KEEP_FIRST(oper);
    if (d->mno_profile < 0)
        d->mno_profile = n.mno_profile;
}

void infer_device(const session *s, s_device *d)
{
    memset(d, 0, sizeof(*d));
    d->mno_profile = -1;
    const char *cmd = NULL;
    int answered = 0;
    for (size_t i = 0; i < s->n; i++) {
        const s_item *it = &s->it[i];
        if (it->kind == SI_UNIT && !strcmp(it->text, "+UFWUPD: 128"))
            break; /* a new firmware, and the factory settings: what follows is not the module the log began with */
        if (it->kind == SI_SEND) {
            cmd = it->text;
            answered = 0;
            continue;
        }
        if (it->kind != SI_UNIT || !cmd || (it->flags & (SU_ECHO | SU_FINAL | SU_URC | SU_XMCTRL | SU_PROMPT)))
            continue;
        if (!answered++) /* the first information line answers; the first answer counts */
            first_answer(d, cmd, it->text);
    }
}
