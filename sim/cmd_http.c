/* cmd_http.c - the module's HTTP client for the host: +UHTTP (profiles 0-3,
 * volatile), +UHTTPC (0 HEAD, 1 GET, 2 DELETE, 3 PUT a file, 4 POST a file,
 * 5 POST data, 100 GET the firmware package into the FOAT area), the URC
 * +UUHTTPCR and +UHTTPER.
 *
 * Formats and choices: docs/http.md (from the fact sheets: sara-r5-at-facts
 * §6.2, ufota-lwm2m-data-facts §4.3, the app note §5.2; ubxlib's
 * u_cell_http.c, SparkFun and Particle parse what is printed here).
 *
 * A request is an exchange of sim/http_fetch.h on the host's PSD profile.
 * Commands 0-5 store the response as it arrives, byte for byte (status
 * line, headers, body as framed) in the response file: "+UUHTTPCR: ...,1"
 * only says the exchange finished, a 404 included.  Command 100 stores the
 * body as FOAT/updatePackage.bin and reports the status and the MD5 of what
 * it stored.  TLS is not simulated: a secure profile speaks plain HTTP to
 * the same server and port.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/cme.h"
#include "http_fetch.h"
#include "modem_int.h"

#define HTTP_PROFILES 4
#define HTTP_HEADERS 5          /* op 9: custom headers 0-4 */
#define HTTP_HEADER_PART_MAX 64 /* a custom header's name or value */
#define HTTP_SERVER_MAX 253     /* a DNS name */
#define HTTP_CRED_MAX 30        /* op 2, 3 */
#define HTTP_PATH_MAX 1024
#define HTTP_DATA_MAX 128       /* +UHTTPC=..,5: the POST data string */
#define HTTP_CTYPE_MAX 64       /* a user-defined content type */
#define HTTP_TIMEOUT_MIN 30     /* op 7, seconds (ubxlib's minimum; 0 is refused, ubxlib #179) */
#define HTTP_TIMEOUT_MAX 180
#define HTTP_BOUNDARY "U1Blox2Http3Unique4Boundary5"

enum { CMD_HEAD = 0, CMD_GET, CMD_DELETE, CMD_PUT, CMD_POST_FILE, CMD_POST_DATA, CMD_FOTA = 100 };

typedef struct http_profile {
    int id;
    modem *m;
    /* +UHTTP (volatile) */
    char ip[16];                       /* op 0 */
    char name[HTTP_SERVER_MAX + 1];    /* op 1 */
    char user[HTTP_CRED_MAX + 1];      /* op 2 */
    char pass[HTTP_CRED_MAX + 1];      /* op 3 */
    int auth;                          /* op 4: 0 none, 1 basic */
    long port;                         /* op 5 */
    int secure, sec_profile;           /* op 6 */
    long timeout_s;                    /* op 7 */
    int hdr_set[HTTP_HEADERS];         /* op 9 */
    char hdr_name[HTTP_HEADERS][HTTP_HEADER_PART_MAX + 1];
    char hdr_value[HTTP_HEADERS][HTTP_HEADER_PART_MAX + 1];
    /* +UHTTPER: the latest operation's */
    int err_class, err_code;
    /* the command in flight */
    int cmd;                           /* -1: none */
    http_fetch *fetch;
    fs_writer w;
    EVP_MD_CTX *md5;
} http_profile;

struct http_mod {
    http_profile p[HTTP_PROFILES];
};

static http_profile *profile(modem *m, long id) { return &m->http->p[id]; }

static void profile_reset(http_profile *p)
{
    memset(p->ip, 0, sizeof(p->ip));
    memset(p->name, 0, sizeof(p->name));
    memset(p->user, 0, sizeof(p->user));
    memset(p->pass, 0, sizeof(p->pass));
    p->auth = 0;
    p->port = 80;
    p->secure = 0;
    p->sec_profile = 0;
    p->timeout_s = (long)(p->m->dev.timing[TIM_HTTP_TIMEOUT] / SIM_NS_PER_S);
    memset(p->hdr_set, 0, sizeof(p->hdr_set));
}

/* ---------------- +UHTTP ---------------- */

static int read_op(cmd_ctx *x, http_profile *p, long op)
{
    switch (op) {
    case 0: cmd_info(x, "+UHTTP: %d,0,\"%s\"", p->id, p->ip); break;
    case 1: cmd_info(x, "+UHTTP: %d,1,\"%s\"", p->id, p->name); break;
    case 2: cmd_info(x, "+UHTTP: %d,2,\"%s\"", p->id, p->user); break;
    case 3: cmd_info(x, "+UHTTP: %d,3,\"%s\"", p->id, p->pass); break;
    case 4: cmd_info(x, "+UHTTP: %d,4,%d", p->id, p->auth); break;
    case 5: cmd_info(x, "+UHTTP: %d,5,%ld", p->id, p->port); break;
    case 6:
        if (p->secure)
            cmd_info(x, "+UHTTP: %d,6,1,%d", p->id, p->sec_profile);
        else
            cmd_info(x, "+UHTTP: %d,6,0", p->id);
        break;
    case 7: cmd_info(x, "+UHTTP: %d,7,%ld", p->id, p->timeout_s); break;
    case 9: {
        int any = 0;
        for (int i = 0; i < HTTP_HEADERS; i++) {
            if (!p->hdr_set[i])
                continue;
            any = 1;
            cmd_info(x, "+UHTTP: %d,9,\"%d:%s:%s\"", p->id, i, p->hdr_name[i], p->hdr_value[i]);
        }
        if (!any)
            cmd_info(x, "+UHTTP: %d,9,\"\"", p->id);
        break;
    }
    default: return CMD_BAD_PARAM;
    }
    return AT_OK;
}

/* A header name: printable, no spaces, no ':' (a token, RFC 9110). */
static int header_name_ok(const char *s, size_t n)
{
    if (!n || n > HTTP_HEADER_PART_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127 || strchr("()<>@,;:\\\"/[]?={}", s[i]))
            return 0;
    return 1;
}

/* op 9: "<id>:<name>:<value>" sets custom header <id>, "<id>:" clears it.
 * Spaces after the second ':' are not part of the value. */
static int set_header(http_profile *p, const char *s)
{
    if (s[0] < '0' || s[0] >= '0' + HTTP_HEADERS || s[1] != ':')
        return CMD_BAD_PARAM;
    int id = s[0] - '0';
    const char *name = s + 2;
    if (!*name) {
        p->hdr_set[id] = 0;
        return AT_OK;
    }
    const char *colon = strchr(name, ':');
    if (!colon || !header_name_ok(name, (size_t)(colon - name)))
        return CMD_BAD_PARAM;
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strlen(value) > HTTP_HEADER_PART_MAX)
        return CMD_BAD_PARAM;
    snprintf(p->hdr_name[id], sizeof(p->hdr_name[id]), "%.*s", (int)(colon - name), name);
    snprintf(p->hdr_value[id], sizeof(p->hdr_value[id]), "%s", value);
    p->hdr_set[id] = 1;
    return AT_OK;
}

/* A string op: the value argument, at most max characters. */
static int str_value(const at_cmd *c, char *dst, size_t max)
{
    const char *s;
    if (c->nargs != 3 || at_arg_str(c, 2, &s, max) != 0)
        return CMD_BAD_PARAM;
    snprintf(dst, max + 1, "%s", s);
    return AT_OK;
}

static int set_op(cmd_ctx *x, http_profile *p, long op)
{
    const at_cmd *c = x->cmd;
    const char *s;
    long v, v2 = 0;
    ip4 a;
    switch (op) {
    case 0: /* the server's address; it replaces a name set before */
        if (c->nargs != 3 || at_arg_str(c, 2, &s, 15) != 0 || (s[0] && ip4_parse(s, &a)))
            return CMD_BAD_PARAM;
        snprintf(p->ip, sizeof(p->ip), "%s", s);
        p->name[0] = 0;
        return AT_OK;
    case 1: /* the server's name; it replaces an address set before */
        if (str_value(c, p->name, HTTP_SERVER_MAX) != AT_OK)
            return CMD_BAD_PARAM;
        p->ip[0] = 0;
        return AT_OK;
    case 2: return str_value(c, p->user, HTTP_CRED_MAX);
    case 3: return str_value(c, p->pass, HTTP_CRED_MAX);
    case 4:
        if (c->nargs != 3 || at_arg_int(c, 2, &v, 0, 1) != 0)
            return CMD_BAD_PARAM;
        p->auth = (int)v;
        return AT_OK;
    case 5:
        if (c->nargs != 3 || at_arg_int(c, 2, &v, 1, 65535) != 0)
            return CMD_BAD_PARAM;
        p->port = v;
        return AT_OK;
    case 6: /* secure: a +USECPRF profile (0-4); TLS itself is not simulated */
        if (c->nargs < 3 || c->nargs > 4 || at_arg_int(c, 2, &v, 0, 1) != 0 ||
            at_arg_int(c, 3, &v2, 0, 4) < 0 || (v == 0 && c->nargs == 4))
            return CMD_BAD_PARAM;
        p->secure = (int)v;
        p->sec_profile = v ? (int)v2 : 0;
        return AT_OK;
    case 7:
        if (c->nargs != 3 || at_arg_int(c, 2, &v, HTTP_TIMEOUT_MIN, HTTP_TIMEOUT_MAX) != 0)
            return CMD_BAD_PARAM;
        p->timeout_s = v;
        return AT_OK;
    case 9:
        if (c->nargs != 3 || at_arg_str(c, 2, &s, 2 + 2 * HTTP_HEADER_PART_MAX + 8) != 0)
            return CMD_BAD_PARAM;
        return set_header(p, s);
    default: return CMD_BAD_PARAM;
    }
}

static int cmd_UHTTP(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long id, op;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UHTTP: (0-3),(0-7,9)");
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    if (c->nargs < 1 || c->nargs > 4 || at_arg_int(c, 0, &id, 0, HTTP_PROFILES - 1) != 0)
        return CMD_BAD_PARAM;
    http_profile *p = profile(x->m, id);
    if (c->nargs == 1) { /* the profile back to its factory values */
        profile_reset(p);
        return AT_OK;
    }
    if (at_arg_int(c, 1, &op, 0, 9) != 0)
        return CMD_BAD_PARAM;
    return c->nargs == 2 ? read_op(x, p, op) : set_op(x, p, op);
}

/* ---------------- the request's end ---------------- */

static void release(http_profile *p)
{
    if (p->w.active)
        fs_writer_abort(&p->w);
    if (p->md5) {
        EVP_MD_CTX_free(p->md5);
        p->md5 = NULL;
    }
    if (p->cmd == CMD_FOTA && p->m->fwdl == FWDL_HTTP)
        p->m->fwdl = FWDL_NONE;
    p->cmd = -1;
    p->fetch = NULL;
}

static void md5_hex(EVP_MD_CTX *md, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned i = 0; i < n && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void fetch_done(void *ctx, const http_fetch_result *r)
{
    http_profile *p = ctx;
    modem *m = p->m;
    int cmd = p->cmd;
    int ok = r->status == HF_OK;
    http_fetch_error_code(r, &p->err_class, &p->err_code);
    if (ok && fs_writer_commit(&p->w)) { /* the flash write failed */
        ok = 0;
        p->err_class = 3;
        p->err_code = 10;
    }
    char md5[33] = "";
    if (ok && cmd == CMD_FOTA)
        md5_hex(p->md5, md5);
    modem_trace_event(m, "http done profile=%d cmd=%d result=%d status=%d class=%d code=%d", p->id, cmd, ok,
                      r->http_status, p->err_class, p->err_code);
    release(p);
    if (cmd == CMD_FOTA && ok)
        modem_urc(m, "+UUHTTPCR: %d,100,1,%d,\"%s\"", p->id, r->http_status, md5);
    else
        modem_urc(m, "+UUHTTPCR: %d,%d,%d", p->id, cmd, ok);
}

/* Commands 0-5: the response as received goes to the response file. */
static int sink_raw(void *ctx, const uint8_t *d, size_t n)
{
    http_profile *p = ctx;
    return fs_writer_feed(&p->w, d, n) != n; /* short: the file system is full */
}

/* Command 100: the body is the package. */
static int sink_body(void *ctx, const uint8_t *d, size_t n)
{
    http_profile *p = ctx;
    EVP_DigestUpdate(p->md5, d, n);
    return fs_writer_feed(&p->w, d, n) != n;
}

/* ---------------- +UHTTPC ---------------- */

static const char *const content_types[] = {
    "application/x-www-form-urlencoded", "text/plain", "application/octet-stream", "multipart/form-data",
    "application/json", "application/xml",
};

/* What a request carries besides its path. */
typedef struct http_body {
    int has;
    bytebuf data;
    char ctype[HTTP_CTYPE_MAX + 64];
} http_body;

/* The content type of PUT/POST: argument i (0-6) and, for 6, i+1.  -1 when
 * absent (PUT may omit it), else 0 and ctype set, or CMD_BAD_PARAM. */
static int arg_content_type(const at_cmd *c, size_t i, http_body *b, int *type)
{
    long t;
    int rc = at_arg_int(c, i, &t, 0, 6);
    if (rc == 1 && !at_arg_present(c, i + 1))
        return -1;
    if (rc != 0)
        return CMD_BAD_PARAM;
    *type = (int)t;
    if (t < 6) {
        if (c->nargs > i + 1)
            return CMD_BAD_PARAM;
        snprintf(b->ctype, sizeof(b->ctype), "%s", content_types[t]);
        return 0;
    }
    const char *user;
    if (c->nargs != i + 2 || at_arg_str(c, i + 1, &user, HTTP_CTYPE_MAX) != 0 || !user[0])
        return CMD_BAD_PARAM;
    snprintf(b->ctype, sizeof(b->ctype), "%s", user);
    return 0;
}

/* POST a file as multipart/form-data (content type 3): the module wraps it
 * as the u-blox manuals show. */
static int wrap_multipart(http_body *b, const char *fname, const fs_file *f)
{
    int rc = bytebuf_appendf(&b->data,
                             "--" HTTP_BOUNDARY "\r\nContent-Disposition: form-data; name=\"file_post\"; "
                             "filename=\"%s\"\r\nContent-Length: %zu\r\nContent-Type: application/octet-stream"
                             "\r\n\r\n",
                             fname, f->len);
    if (!rc && f->len)
        rc = bytebuf_append(&b->data, f->data, f->len);
    if (!rc)
        rc = bytebuf_append_str(&b->data, "\r\n--" HTTP_BOUNDARY "--\r\n\r\n");
    snprintf(b->ctype, sizeof(b->ctype), "multipart/form-data; boundary=" HTTP_BOUNDARY);
    return rc;
}

/* PUT / POST of a file of the file system (USER tag): args 3.. */
static int file_body(cmd_ctx *x, int cmd, http_body *b)
{
    const at_cmd *c = x->cmd;
    if (!at_arg_present(c, 3) || fs_name_check(c->args[3].s, c->args[3].len))
        return c->nargs > 3 ? AT_CME(CME_FFS_INVALID_NAME) : CMD_BAD_PARAM;
    int type = -1;
    int rc = arg_content_type(c, 4, b, &type);
    if (rc > 0 || (rc < 0 && cmd == CMD_POST_FILE))
        return rc > 0 ? rc : CMD_BAD_PARAM; /* POST needs its content type */
    const fs_file *f = fs_find(&x->m->fs, FS_TAG_USER, c->args[3].s);
    if (!f)
        return AT_CME(CME_FILE_NOT_FOUND);
    b->has = 1;
    if (cmd == CMD_POST_FILE && type == 3)
        return wrap_multipart(b, c->args[3].s, f) ? AT_CME(CME_MEMORY_FULL) : 0;
    if (f->len && bytebuf_append(&b->data, f->data, f->len))
        return AT_CME(CME_MEMORY_FULL);
    return 0;
}

/* POST data: "<data>",<content type>[,"<user type>"] at args 3.. */
static int data_body(cmd_ctx *x, http_body *b)
{
    const at_cmd *c = x->cmd;
    const char *data;
    int type;
    if (at_arg_str(c, 3, &data, HTTP_DATA_MAX) != 0 || arg_content_type(c, 4, b, &type) != 0)
        return CMD_BAD_PARAM;
    b->has = 1;
    return bytebuf_append(&b->data, data, strlen(data)) ? AT_CME(CME_MEMORY_FULL) : 0;
}

/* A path the request line can carry: no spaces or control characters. */
static int path_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 127)
            return 0;
    return 1;
}

/* Arguments after the path: the response file (not for 100) and the body.
 * 0 or the error result. */
static int request_args(cmd_ctx *x, int cmd, http_body *b)
{
    const at_cmd *c = x->cmd;
    if (!path_ok(c->args[2].s))
        return CMD_BAD_PARAM;
    if (cmd == CMD_FOTA)
        return c->nargs == 3 ? 0 : CMD_BAD_PARAM; /* no response file */
    if (c->nargs < 4 || !at_arg_present(c, 3))
        return CMD_BAD_PARAM;
    if (fs_name_check(c->args[3].s, c->args[3].len))
        return AT_CME(CME_FFS_INVALID_NAME);
    if (cmd <= CMD_DELETE)
        return c->nargs == 4 ? 0 : CMD_BAD_PARAM;
    /* the file or data comes at 4: shift by one for the helpers */
    at_cmd shifted = *c;
    memmove(&shifted.args[3], &shifted.args[4], (AT_MAX_ARGS - 4) * sizeof(at_arg));
    shifted.nargs--;
    cmd_ctx y = *x;
    y.cmd = &shifted;
    if (cmd == CMD_POST_DATA)
        return shifted.nargs >= 5 && shifted.nargs <= 6 ? data_body(&y, b) : CMD_BAD_PARAM;
    if (shifted.nargs < 4 || shifted.nargs > 6)
        return CMD_BAD_PARAM;
    return file_body(&y, cmd, b);
}

/* The response file (0-5) or the package (100): the old one goes, the new
 * one is written as the bytes arrive and stored when the exchange ends. */
static int open_target(http_profile *p, int cmd, const at_arg *fname)
{
    fs *f = &p->m->fs;
    fs_tag tag = cmd == CMD_FOTA ? FS_TAG_FOAT : FS_TAG_USER;
    const char *name = cmd == CMD_FOTA ? FS_FOAT_NAME : fname->s;
    size_t len = cmd == CMD_FOTA ? strlen(FS_FOAT_NAME) : fname->len;
    int rc = fs_delete(f, tag, fs_stored_name(tag, name));
    if (rc && rc != -ENOENT)
        return AT_CME(CME_FFS_ERROR);
    rc = fs_writer_begin_unsized(&p->w, f, tag, name, len);
    if (rc)
        return rc == -EINVAL ? AT_CME(CME_FFS_INVALID_NAME) : AT_CME(CME_FFS_ERROR);
    if (cmd == CMD_FOTA) {
        p->md5 = EVP_MD_CTX_new();
        if (!p->md5 || !EVP_DigestInit_ex(p->md5, EVP_md5(), NULL)) {
            release(p);
            return AT_CME(CME_MEMORY_FULL);
        }
    }
    return 0;
}

static const http_verb verbs[] = { HTTP_VERB_HEAD, HTTP_VERB_GET, HTTP_VERB_DELETE, HTTP_VERB_PUT, HTTP_VERB_POST,
                                   HTTP_VERB_POST };

/* The exchange for the profile's settings as they are now. */
static int start_fetch(http_profile *p, int cmd, const char *path, http_body *b)
{
    http_hdr extra[HTTP_HEADERS];
    size_t nextra = 0;
    for (int i = 0; i < HTTP_HEADERS; i++)
        if (p->hdr_set[i])
            extra[nextra++] = (http_hdr){ p->hdr_name[i], p->hdr_value[i] };
    const char *server = p->ip[0] ? p->ip : p->name;
    int default_port = p->port == (p->secure ? 443 : 80);
    http_fetch_req r = {
        .user = IP_USER_HOST,
        .host = server,
        .port = (uint16_t)p->port,
        .timeout = SIM_S(p->timeout_s),
        .req = { .verb = cmd == CMD_FOTA ? HTTP_VERB_GET : verbs[cmd],
                 .minor = 0,
                 .target = path,
                 .host = server,
                 .port = default_port ? 0 : (uint16_t)p->port,
                 .user_agent = HTTP_FETCH_USER_AGENT,
                 .user = p->auth ? p->user : NULL,
                 .password = p->pass,
                 .has_body = b->has,
                 .body = b->data.data,
                 .body_len = b->data.len,
                 .content_type = b->ctype[0] ? b->ctype : NULL,
                 .extra = extra,
                 .nextra = nextra },
    };
    http_fetch_sink s = { NULL, cmd == CMD_FOTA ? NULL : sink_raw, cmd == CMD_FOTA ? sink_body : NULL, fetch_done,
                          p };
    return http_fetch_start(p->m, &r, &s, &p->fetch);
}

/* No server in the profile: the request fails at once ("bad profile
 * settings", 3,11); the URC follows the OK. */
static int fail_now(http_profile *p, int cmd)
{
    p->err_class = 3;
    p->err_code = 11;
    modem_trace_event(p->m, "http done profile=%d cmd=%d result=0 status=0 class=3 code=11", p->id, cmd);
    modem_urc(p->m, "+UUHTTPCR: %d,%d,0", p->id, cmd);
    return AT_OK;
}

static int cmd_UHTTPC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long id, cmd;
    const char *path;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UHTTPC: (0-3),(0-5,100)");
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    if (c->nargs < 3 || at_arg_int(c, 0, &id, 0, HTTP_PROFILES - 1) != 0 || at_arg_int(c, 1, &cmd, 0, 100) != 0 ||
        (cmd > CMD_POST_DATA && cmd != CMD_FOTA) || at_arg_str(c, 2, &path, HTTP_PATH_MAX) != 0)
        return CMD_BAD_PARAM;
    http_profile *p = profile(m, id);
    if (p->cmd >= 0)
        return AT_CME(CME_NOT_ALLOWED); /* one request per profile at a time */
    if (cmd == CMD_FOTA && modem_fwdl_busy(m))
        return AT_CME(CME_NOT_ALLOWED); /* App. B: one firmware download at a time */
    http_body b = { 0 };
    bytebuf_init(&b.data);
    int r = request_args(x, (int)cmd, &b);
    if (!r && !p->ip[0] && !p->name[0]) {
        bytebuf_free(&b.data);
        return fail_now(p, (int)cmd);
    }
    if (!r)
        r = open_target(p, (int)cmd, &c->args[3]);
    if (r) {
        bytebuf_free(&b.data);
        return r;
    }
    p->cmd = (int)cmd;
    if (cmd == CMD_FOTA)
        m->fwdl = FWDL_HTTP;
    r = start_fetch(p, (int)cmd, path, &b);
    bytebuf_free(&b.data);
    if (r) { /* out of memory: the request never started */
        release(p);
        return AT_CME(CME_MEMORY_FULL);
    }
    modem_trace_event(m, "http request profile=%d cmd=%ld", p->id, cmd);
    return AT_OK;
}

/* ---------------- +UHTTPER ---------------- */

static int cmd_UHTTPER(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long id;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UHTTPER: (0-3)");
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    if (c->nargs != 1 || at_arg_int(c, 0, &id, 0, HTTP_PROFILES - 1) != 0)
        return CMD_BAD_PARAM;
    http_profile *p = profile(x->m, id);
    cmd_info(x, "+UHTTPER: %d,%d,%d", p->id, p->err_class, p->err_code);
    return AT_OK;
}

/* ---------------- lifecycle ---------------- */

int cmd_http_init(modem *m)
{
    struct http_mod *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    m->http = h;
    for (int i = 0; i < HTTP_PROFILES; i++) {
        h->p[i].id = i;
        h->p[i].m = m;
        h->p[i].cmd = -1;
        profile_reset(&h->p[i]);
    }
    return 0;
}

/* Power off, reboot: the requests in flight are gone (nothing is stored)
 * and the profiles are back to their factory values (volatile). */
void cmd_http_stop(modem *m)
{
    if (!m->http)
        return;
    for (int i = 0; i < HTTP_PROFILES; i++) {
        http_profile *p = &m->http->p[i];
        if (p->fetch)
            http_fetch_cancel(p->fetch);
        release(p);
        profile_reset(p);
        p->err_class = p->err_code = 0;
    }
}

void cmd_http_free(modem *m)
{
    if (!m->http)
        return;
    cmd_http_stop(m);
    free(m->http);
    m->http = NULL;
}

const cmd_def cmd_http_defs[] = {
    { "+UHTTP", cmd_UHTTP, 0 },
    { "+UHTTPC", cmd_UHTTPC, 0 },
    { "+UHTTPER", cmd_UHTTPER, 0 },
    { NULL, NULL, 0 },
};
