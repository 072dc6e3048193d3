/* override.c - forced command responses (see override.h). */
#include "override.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modem_int.h"

static void item_free(cmd_override *o)
{
    free(o->params);
    free(o->info);
    memset(o, 0, sizeof(*o));
}

void override_list_free(override_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        item_free(&l->item[i]);
    l->count = 0;
}

/* "+CFUN=16" -> name "+CFUN", form OVR_SET, params "16"; "I9" -> "I",
 * OVR_EXEC, "9".  Names are compared in upper case as the parser stores
 * them. */
static int parse_pattern(const char *pat, cmd_override *o)
{
    size_t n = 0;
    const char *p = pat;
    if (!strncasecmp(p, "AT", 2) && (p[2] == '+' || p[2] == '&' || isalpha((unsigned char)p[2])))
        p += 2; /* "AT+CSQ" is accepted as "+CSQ" */
    if (*p == '+') {
        o->name[n++] = *p++;
        while (isalnum((unsigned char)*p) || *p == '_') {
            if (n + 1 >= AT_NAME_MAX)
                return -EINVAL;
            o->name[n++] = (char)toupper((unsigned char)*p++);
        }
        o->name[n] = 0;
        if (n == 1)
            return -EINVAL;
        if (!*p)
            o->form = OVR_ANY;
        else if (!strcmp(p, "?"))
            o->form = OVR_READ;
        else if (!strcmp(p, "=?"))
            o->form = OVR_TEST;
        else if (!strcmp(p, "="))
            o->form = OVR_SET_ANY;
        else if (*p == '=')
            o->form = OVR_SET;
        else
            return -EINVAL;
        if (o->form == OVR_SET && !(o->params = strdup(p + 1)))
            return -ENOMEM;
        return 0;
    }
    if (*p == '&')
        o->name[n++] = *p++;
    if (!isalpha((unsigned char)*p))
        return -EINVAL;
    o->name[n++] = (char)toupper((unsigned char)*p++);
    o->name[n] = 0;
    for (const char *d = p; *d; d++)
        if (!isdigit((unsigned char)*d))
            return -EINVAL;
    o->form = *p ? OVR_EXEC : OVR_ANY;
    if (*p && !(o->params = strdup(p)))
        return -ENOMEM;
    return 0;
}

static int same_pattern(const cmd_override *a, const cmd_override *b)
{
    return !strcmp(a->name, b->name) && a->form == b->form &&
           !strcmp(a->params ? a->params : "", b->params ? b->params : "");
}

static int matches(const cmd_override *o, const at_cmd *c)
{
    if (strcmp(o->name, c->name))
        return 0;
    switch (o->form) {
    case OVR_ANY: return 1;
    case OVR_READ: return c->type == AT_READ;
    case OVR_TEST: return c->type == AT_TEST;
    case OVR_SET_ANY: return c->type == AT_SET;
    case OVR_SET:
        return c->type == AT_SET && c->params && strlen(o->params) == c->params_len &&
               !memcmp(o->params, c->params, c->params_len);
    case OVR_EXEC:
        return c->nargs == 1 && c->args[0].present && !strcmp(c->args[0].s, o->params);
    }
    return 0;
}

int modem_override_set(modem *m, const char *pattern, const char *info, int result, int once)
{
    cmd_override o;
    memset(&o, 0, sizeof(o));
    int rc = pattern ? parse_pattern(pattern, &o) : -EINVAL;
    if (!rc && info && !(o.info = strdup(info)))
        rc = -ENOMEM;
    if (rc) {
        item_free(&o);
        return rc;
    }
    o.result = result;
    o.once = once;
    override_list *l = &m->overrides;
    for (size_t i = 0; i < l->count; i++) {
        if (same_pattern(&l->item[i], &o)) {
            item_free(&l->item[i]);
            l->item[i] = o;
            return 0;
        }
    }
    if (l->count == MODEM_OVERRIDES) {
        item_free(&o);
        return -ENOSPC;
    }
    l->item[l->count++] = o;
    return 0;
}

static void remove_at(override_list *l, size_t i)
{
    item_free(&l->item[i]);
    memmove(&l->item[i], &l->item[i + 1], (l->count - i - 1) * sizeof(l->item[0]));
    l->count--;
}

int modem_override_clear(modem *m, const char *pattern)
{
    override_list *l = &m->overrides;
    if (!pattern) {
        int n = (int)l->count;
        override_list_free(l);
        return n;
    }
    cmd_override o;
    memset(&o, 0, sizeof(o));
    int rc = parse_pattern(pattern, &o);
    int cleared = 0;
    for (size_t i = 0; !rc && i < l->count;) {
        if (same_pattern(&l->item[i], &o)) {
            remove_at(l, i);
            cleared++;
        } else {
            i++;
        }
    }
    item_free(&o);
    return rc ? rc : cleared;
}

int override_apply(override_list *l, cmd_ctx *x, int *result)
{
    /* Most recent first: a specific override set later wins. */
    for (size_t k = l->count; k-- > 0;) {
        cmd_override *o = &l->item[k];
        if (!matches(o, x->cmd))
            continue;
        for (const char *s = o->info; s && *s;) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            cmd_info_bytes(x, s, len);
            s = nl ? nl + 1 : s + len;
        }
        *result = o->result;
        char res[24];
        if (AT_IS_CME(o->result) || AT_IS_CMS(o->result))
            snprintf(res, sizeof(res), "%s%d", AT_IS_CME(o->result) ? "cme" : "cms", AT_ERR_CODE(o->result));
        else
            snprintf(res, sizeof(res), "%d", o->result);
        modem_trace_event(x->m, "override %s result=%s%s", o->name, res, o->once ? " once" : "");
        if (o->once)
            remove_at(l, k);
        return 1;
    }
    return 0;
}
