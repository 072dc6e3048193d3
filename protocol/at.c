/* at.c - AT line assembly, command-line parsing and result formatting.
 * See at.h for the contract; nothing here does I/O. */
#include "at.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* line assembly                                                        */
/* ------------------------------------------------------------------ */

enum { RX_IDLE = 0, RX_GOT_A, RX_BODY };

void at_rx_init(at_rx *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->s3 = '\r';
    rx->s5 = '\b';
    rx->echo = 1;
}

void at_rx_reset(at_rx *rx)
{
    rx->state = RX_IDLE;
    rx->len = 0;
    rx->overflow = 0;
    rx->after_s3 = 0;
}

static int prefix_ok(const at_rx *rx, uint8_t t)
{
    if (t != 'T' && t != 't')
        return 0;
    /* With autobauding the module only recognises "AT" and "at". */
    if (rx->strict_prefix)
        return (rx->prefix_a == 'A') == (t == 'T');
    return 1;
}

size_t at_rx_feed(at_rx *rx, const uint8_t *in, size_t n, bytebuf *echo, at_rx_event *ev)
{
    *ev = AT_RX_MORE;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (rx->after_s3) {
            rx->after_s3 = 0;
            if (c == '\n') /* the LF hosts send after CR is not echoed */
                continue;
        }
        if (echo && rx->echo)
            bytebuf_append_byte(echo, c);
        switch (rx->state) {
        case RX_IDLE:
            if (c == 'A' || c == 'a') {
                rx->state = RX_GOT_A;
                rx->prefix_a = c;
            }
            break;
        case RX_GOT_A:
            if (prefix_ok(rx, c)) {
                rx->state = RX_BODY;
                rx->len = 0;
                rx->overflow = 0;
            } else if (c == '/') {
                rx->state = RX_IDLE;
                *ev = AT_RX_REPEAT;
                return i + 1;
            } else if (c == 'A' || c == 'a') {
                rx->prefix_a = c;
            } else {
                rx->state = RX_IDLE;
            }
            break;
        default: /* RX_BODY */
            if (c == rx->s3) {
                rx->state = RX_IDLE;
                rx->after_s3 = 1;
                rx->body[rx->len] = 0;
                *ev = AT_RX_LINE;
                return i + 1;
            }
            if (c == rx->s5) {
                if (rx->len)
                    rx->len--;
            } else if (rx->len < AT_BODY_MAX) {
                rx->body[rx->len++] = (char)c;
            } else {
                rx->overflow = 1;
            }
            break;
        }
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* command-line parsing                                                 */
/* ------------------------------------------------------------------ */

typedef struct parser {
    at_line *l;
    const char *p;
    size_t len;
    size_t i;
} parser;

static int at_end(const parser *ps) { return ps->i >= ps->len; }
static char peek(const parser *ps) { return at_end(ps) ? 0 : ps->p[ps->i]; }

static void skip_spaces(parser *ps)
{
    while (!at_end(ps) && ps->p[ps->i] == ' ')
        ps->i++;
}

/* Reserve n+1 bytes in the line's store; NULL if it would not fit. */
static char *store_alloc(at_line *l, size_t n)
{
    if (l->store_len + n + 1 > sizeof(l->store))
        return NULL;
    char *s = l->store + l->store_len;
    l->store_len += n + 1;
    return s;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '!' || c == '%' || c == '.' || c == ':';
}

static int parse_quoted(parser *ps, at_arg *a)
{
    ps->i++; /* opening quote */
    size_t reserved = ps->len - ps->i; /* the rest of the line, at most */
    char *dst = store_alloc(ps->l, reserved);
    if (!dst)
        return -1;
    size_t n = 0;
    while (!at_end(ps)) {
        char c = ps->p[ps->i++];
        if (c == '"') {
            dst[n] = 0;
            /* give back what the string did not use */
            ps->l->store_len -= reserved - n;
            a->s = dst;
            a->len = n;
            a->present = 1;
            a->quoted = 1;
            return 0;
        }
        if (c == '\\' && !at_end(ps) && (peek(ps) == '"' || peek(ps) == '\\'))
            c = ps->p[ps->i++];
        dst[n++] = c;
    }
    return -1; /* unterminated string */
}

static int parse_unquoted(parser *ps, at_arg *a)
{
    size_t start = ps->i;
    while (!at_end(ps) && peek(ps) != ',' && peek(ps) != ';' && peek(ps) != '"')
        ps->i++;
    if (peek(ps) == '"')
        return -1;
    char *dst = store_alloc(ps->l, ps->i - start);
    if (!dst)
        return -1;
    size_t n = 0;
    for (size_t k = start; k < ps->i; k++)
        if (ps->p[k] != ' ') /* spaces outside strings are ignored */
            dst[n++] = ps->p[k];
    dst[n] = 0;
    a->s = dst;
    a->len = n;
    a->present = n > 0;
    a->quoted = 0;
    return 0;
}

static int parse_set_args(parser *ps, at_cmd *c)
{
    size_t raw_start = ps->i;
    for (;;) {
        if (c->nargs == AT_MAX_ARGS)
            return -1;
        at_arg *a = &c->args[c->nargs++];
        skip_spaces(ps);
        int rc = peek(ps) == '"' ? parse_quoted(ps, a) : parse_unquoted(ps, a);
        if (rc)
            return -1;
        skip_spaces(ps);
        if (peek(ps) == ',') {
            ps->i++;
            continue;
        }
        if (at_end(ps) || peek(ps) == ';')
            break;
        return -1; /* junk after a closing quote */
    }
    size_t raw_len = ps->i - raw_start;
    char *raw = store_alloc(ps->l, raw_len);
    if (!raw)
        return -1;
    memcpy(raw, ps->p + raw_start, raw_len);
    raw[raw_len] = 0;
    c->params = raw;
    c->params_len = raw_len;
    return 0;
}

static int parse_extended(parser *ps, at_cmd *c)
{
    size_t n = 0;
    c->name[n++] = '+';
    ps->i++;
    while (!at_end(ps) && is_name_char(peek(ps))) {
        if (n + 1 >= AT_NAME_MAX)
            return -1;
        c->name[n++] = (char)toupper((unsigned char)ps->p[ps->i++]);
    }
    c->name[n] = 0;
    if (n == 1)
        return -1;
    skip_spaces(ps);
    if (peek(ps) == '=') {
        ps->i++;
        skip_spaces(ps);
        if (peek(ps) == '?') {
            ps->i++;
            c->type = AT_TEST;
        } else {
            c->type = AT_SET;
            return parse_set_args(ps, c);
        }
    } else if (peek(ps) == '?') {
        ps->i++;
        c->type = AT_READ;
    } else {
        c->type = AT_EXEC;
    }
    skip_spaces(ps);
    return at_end(ps) || peek(ps) == ';' ? 0 : -1;
}

/* Digits following a basic command become its single argument. */
static int parse_basic_number(parser *ps, at_arg *a)
{
    size_t start = ps->i;
    while (!at_end(ps) && isdigit((unsigned char)peek(ps)))
        ps->i++;
    size_t n = ps->i - start;
    char *dst = store_alloc(ps->l, n);
    if (!dst)
        return -1;
    memcpy(dst, ps->p + start, n);
    dst[n] = 0;
    a->s = dst;
    a->len = n;
    a->present = n > 0;
    a->quoted = 0;
    return 0;
}

static int parse_sreg(parser *ps, at_cmd *c)
{
    c->nargs = 1;
    if (parse_basic_number(ps, &c->args[0]) || !c->args[0].present)
        return -1;
    if (peek(ps) == '?') {
        ps->i++;
        c->type = AT_READ;
        return 0;
    }
    if (peek(ps) != '=')
        return -1;
    ps->i++;
    if (peek(ps) == '?') {
        ps->i++;
        c->type = AT_TEST;
        return 0;
    }
    c->type = AT_SET;
    c->nargs = 2;
    return parse_basic_number(ps, &c->args[1]);
}

static int parse_basic(parser *ps, at_cmd *c)
{
    size_t n = 0;
    char ch = peek(ps);
    if (ch == '&') {
        c->name[n++] = '&';
        ps->i++;
        ch = peek(ps);
    }
    if (!isalpha((unsigned char)ch))
        return -1;
    c->name[n++] = (char)toupper((unsigned char)ch);
    c->name[n] = 0;
    c->basic = 1;
    ps->i++;
    if (strcmp(c->name, "S") == 0)
        return parse_sreg(ps, c);
    if (strcmp(c->name, "D") == 0) { /* dial string: the rest of the line */
        c->type = AT_SET;
        c->nargs = 1;
        size_t rest = ps->len - ps->i;
        char *dst = store_alloc(ps->l, rest);
        if (!dst)
            return -1;
        memcpy(dst, ps->p + ps->i, rest);
        dst[rest] = 0;
        c->args[0] = (at_arg){ dst, rest, rest > 0, 0 };
        ps->i = ps->len;
        return 0;
    }
    c->type = AT_EXEC;
    c->nargs = 1;
    if (parse_basic_number(ps, &c->args[0]))
        return -1;
    if (!c->args[0].present)
        c->nargs = 0;
    return 0;
}

int at_line_parse(at_line *l, const char *body, size_t len)
{
    parser ps = { l, body, len, 0 };
    l->ncmds = 0;
    l->store_len = 0;
    while (!at_end(&ps)) {
        char c = peek(&ps);
        if (c == ' ' || c == ';') {
            ps.i++;
            continue;
        }
        if (l->ncmds == AT_MAX_CMDS)
            return -1;
        at_cmd *cmd = &l->cmds[l->ncmds];
        memset(cmd, 0, offsetof(at_cmd, args));
        cmd->params = NULL;
        cmd->params_len = 0;
        int rc = c == '+' ? parse_extended(&ps, cmd) : parse_basic(&ps, cmd);
        if (rc)
            return -1;
        l->ncmds++;
    }
    return 0;
}

int at_arg_int(const at_cmd *c, size_t i, long *v, long lo, long hi)
{
    if (!at_arg_present(c, i))
        return 1;
    const at_arg *a = &c->args[i];
    if (a->quoted || a->len == 0 || a->len > 18)
        return -1;
    size_t k = 0;
    int neg = 0;
    if (a->s[0] == '-' || a->s[0] == '+') {
        neg = a->s[0] == '-';
        k = 1;
    }
    if (k == a->len)
        return -1;
    long x = 0;
    for (; k < a->len; k++) {
        if (!isdigit((unsigned char)a->s[k]))
            return -1;
        x = x * 10 + (a->s[k] - '0');
    }
    if (neg)
        x = -x;
    if (x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

int at_arg_str(const at_cmd *c, size_t i, const char **s, size_t maxlen)
{
    if (!at_arg_present(c, i))
        return 1;
    const at_arg *a = &c->args[i];
    /* A quote (written \") or a NUL inside a string parameter is refused, as
     * the u-blox manuals forbid them: the module would echo it back inside
     * a quoted response and break every host's parser. */
    if (a->len > maxlen || memchr(a->s, '"', a->len) || memchr(a->s, 0, a->len))
        return -1;
    *s = c->args[i].s;
    return 0;
}

/* ------------------------------------------------------------------ */
/* formatting                                                           */
/* ------------------------------------------------------------------ */

static const char *const verbose_codes[] = {
    [AT_OK] = "OK",
    [AT_CONNECT] = "CONNECT",
    [AT_RING] = "RING",
    [AT_NO_CARRIER] = "NO CARRIER",
    [AT_ERROR] = "ERROR",
    [5] = NULL,
    [AT_NO_DIALTONE] = "NO DIALTONE",
    [AT_BUSY] = "BUSY",
    [AT_NO_ANSWER] = "NO ANSWER",
    [9] = "CONNECT",
    [AT_NOT_SUPPORT] = "NOT SUPPORT",
    [AT_INVALID_CMDLINE] = "INVALID COMMAND LINE",
};

void at_fmt_info(bytebuf *out, const at_fmt *f, const void *text, size_t len, int first)
{
    if (f->verbose && first)
        bytebuf_append(out, "\r\n", 2);
    bytebuf_append(out, text, len);
    bytebuf_append(out, "\r\n", 2);
}

void at_fmt_urc(bytebuf *out, const at_fmt *f, const void *text, size_t len)
{
    at_fmt_info(out, f, text, len, 1);
}

/* "+CME ERROR: <n|text>" / "+CMS ERROR: <n>": in V0 like an information line
 * without the leading CRLF, since these codes have no numeric form. */
static void fmt_error_line(bytebuf *out, const at_fmt *f, int cme, int code)
{
    if (f->verbose)
        bytebuf_append(out, "\r\n", 2);
    if (cme && f->cmee == 2)
        bytebuf_appendf(out, "+CME ERROR: %s\r\n", at_cme_text(code));
    else
        bytebuf_appendf(out, "+%s ERROR: %d\r\n", cme ? "CME" : "CMS", code);
}

void at_fmt_final(bytebuf *out, const at_fmt *f, int result)
{
    if (f->quiet || result < 0)
        return;
    if (AT_IS_CME(result) || AT_IS_CMS(result)) {
        if (f->cmee == 0) {
            result = AT_ERROR;
        } else {
            fmt_error_line(out, f, AT_IS_CME(result), AT_ERR_CODE(result));
            return;
        }
    }
    if (!f->verbose) {
        bytebuf_appendf(out, "%d\r", result);
        return;
    }
    const char *t = (size_t)result < sizeof(verbose_codes) / sizeof(verbose_codes[0])
                        ? verbose_codes[result]
                        : NULL;
    bytebuf_appendf(out, "\r\n%s\r\n", t ? t : "ERROR");
}
