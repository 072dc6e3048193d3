/* cmd_fs.c - the file system as a host sees it: +UDWNFILE, +ULSTFILE,
 * +URDFILE, +URDBLOCK, +UDELFILE (and +UDELF, [AN] Table 12).  Wire formats
 * and the choices behind them are in docs/filesystem.md.
 *
 * +UDWNFILE prints the prompt, hands the port to a data sink that counts
 * exactly <size> raw bytes into an fs_writer, and finishes the command when
 * the last byte arrives (the file is stored then, atomically) or when the
 * stream stalls for the FFS timeout.  +USECMNG (sim/cmd_sec.c) streams its
 * certificates through the same download, with its own ending. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

#define UDWNFILE_PROMPT "\r\n>"

/* -errno from fs/fs.c -> the module's error. */
static int fs_result(int rc)
{
    switch (rc) {
    case 0: return AT_OK;
    case -EINVAL: return AT_CME(CME_FFS_INVALID_NAME);
    case -ENOSPC: return AT_CME(CME_FFS_NO_SPACE);
    case -ENOENT: return AT_CME(CME_FILE_NOT_FOUND);
    default: return AT_CME(CME_FFS_ERROR);
    }
}

/* Argument i as a file name: 0, or the error result to return. */
static int arg_name(const at_cmd *c, size_t i, const char **name)
{
    if (!at_arg_present(c, i))
        return CMD_BAD_PARAM;
    if (fs_name_check(c->args[i].s, c->args[i].len))
        return AT_CME(CME_FFS_INVALID_NAME);
    *name = c->args[i].s;
    return 0;
}

/* Argument i as a tag, USER when omitted: 0, or the error result. */
static int arg_tag(const at_cmd *c, size_t i, fs_tag *tag)
{
    *tag = FS_TAG_USER;
    if (!at_arg_present(c, i))
        return 0;
    return fs_tag_parse(c->args[i].s, c->args[i].len, 1, tag) ? CMD_BAD_PARAM : 0;
}

/* A name at argument ni and a tag at ti (none when ti < 0). */
static int arg_name_tag(const at_cmd *c, size_t ni, long ti, const char **name, fs_tag *tag)
{
    int r = arg_name(c, ni, name);
    *tag = FS_TAG_USER;
    if (!r && ti >= 0)
        r = arg_tag(c, (size_t)ti, tag);
    return r;
}

/* Commands that only act in their set form, with min..max arguments; the
 * test form answers a bare OK.  GO when the handler goes on. */
enum { GO = -100 };
static int set_form(const at_cmd *c, size_t min, size_t max)
{
    if (c->type == AT_TEST)
        return AT_OK;
    if (c->type != AT_SET)
        return AT_ERROR;
    return c->nargs < min || c->nargs > max ? CMD_BAD_PARAM : GO;
}

static void trace_file(modem *m, const char *what, fs_tag tag, const char *name, const char *extra)
{
    if (!modem_tracing(m))
        return;
    char esc[FS_NAME_MAX * 3 + 1];
    fs_name_escape(name, esc, sizeof(esc));
    modem_trace_event(m, "fs %s name=%s tag=%s%s", what, esc, fs_tag_name(tag), extra);
}

static void trace_bytes(modem *m, const char *what, const fs_writer *w, const char *why)
{
    if (!modem_tracing(m))
        return;
    char extra[96];
    snprintf(extra, sizeof(extra), " bytes=%zu%s%s", w->got, why ? " reason=" : "", why ? why : "");
    trace_file(m, what, w->tag, w->name, extra);
}

/* ---------------- +UDWNFILE ---------------- */

/* The download is over: give the port back to the AT parser. */
static void download_end(fs_download *dl, int result)
{
    clk_timer_stop(dl->m->clk, &dl->timeout);
    modem_set_sink(dl->m, dl->port, (data_sink){ NULL, NULL });
    modem_cmd_finish(dl->m, dl->port, result);
}

static int download_store(fs_download *dl)
{
    modem *m = dl->m;
    int rc = fs_writer_commit(&dl->w);
    if (rc)
        trace_bytes(m, "dropped", &dl->w, "store_error"); /* values hold no spaces */
    else
        trace_bytes(m, "stored", &dl->w, NULL);
    return fs_result(rc == -ENOSPC || rc == -EINVAL ? -EIO : rc);
}

/* The last byte is in: store the file, or let the command that started the
 * download decide (it runs as if it were executing, with its arguments). */
static int download_finish(fs_download *dl)
{
    if (!dl->done)
        return download_store(dl);
    modem_port *p = &dl->m->port[dl->port];
    cmd_ctx x = { dl->m, dl->port, &p->line.cmds[p->next_cmd], &p->out, modem_fmt(dl->m), 0 };
    int r = dl->done(&x);
    if (dl->w.active) /* the command left the bytes alone: nothing is kept */
        fs_writer_abort(&dl->w);
    return r;
}

static size_t download_feed(modem *m, int port, const uint8_t *p, size_t n, void *arg)
{
    (void)port;
    fs_download *dl = arg;
    size_t used = fs_writer_feed(&dl->w, p, n);
    trace_bytes(m, "download", &dl->w, NULL);
    if (fs_writer_complete(&dl->w))
        download_end(dl, download_finish(dl));
    else
        clk_timer_start(m->clk, &dl->timeout, dl->stall);
    return used;
}

static void download_timeout_cb(clk_timer *t)
{
    fs_download *dl = t->data;
    trace_bytes(dl->m, "dropped", &dl->w, "timeout");
    fs_writer_abort(&dl->w);
    download_end(dl, AT_CME(dl->stall_error));
}

void cmd_fs_port_init(modem *m, int port)
{
    fs_download *dl = &m->port[port].dl;
    dl->m = m;
    dl->port = port;
    clk_timer_init(&dl->timeout, download_timeout_cb, dl);
}

void cmd_fs_port_drop(modem *m, int port, const char *why)
{
    fs_download *dl = &m->port[port].dl;
    clk_timer_stop(m->clk, &dl->timeout);
    if (!dl->w.active)
        return;
    trace_bytes(m, "dropped", &dl->w, why);
    fs_writer_abort(&dl->w);
}

int cmd_download_open(cmd_ctx *x, fs_tag tag, const char *name, size_t name_len, size_t size)
{
    return fs_writer_begin(&x->m->port[x->port].dl.w, &x->m->fs, tag, name, name_len, size);
}

int cmd_download_start(cmd_ctx *x, cmd_fn done, int stall_error, sim_ns stall)
{
    fs_download *dl = &x->m->port[x->port].dl;
    dl->done = done;
    dl->stall_error = stall_error;
    dl->stall = stall;
    cmd_raw(x, UDWNFILE_PROMPT, strlen(UDWNFILE_PROMPT));
    trace_bytes(x->m, "download", &dl->w, NULL);
    if (fs_writer_complete(&dl->w))
        return download_finish(dl);
    modem_set_sink(x->m, x->port, (data_sink){ download_feed, dl });
    clk_timer_start(x->m->clk, &dl->timeout, stall);
    return AT_PENDING;
}

static int cmd_UDWNFILE(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const char *name;
    fs_tag tag;
    long size;
    int r = set_form(c, 2, 3);
    if (r != GO)
        return r;
    if (at_arg_int(c, 1, &size, 0, 0x7FFFFFFF) != 0)
        return CMD_BAD_PARAM;
    if ((r = arg_name_tag(c, 0, 2, &name, &tag)))
        return r;
    /* App. B: a FOAT download while the LwM2M client downloads a package */
    if (tag == FS_TAG_FOAT && ufota_downloading(x->m))
        return AT_CME(CME_NOT_ALLOWED);
    int rc = cmd_download_open(x, tag, name, c->args[0].len, (size_t)size);
    if (rc)
        return fs_result(rc);
    return cmd_download_start(x, NULL, CME_FFS_TIMEOUT, x->m->dev.timing[TIM_FFS_TIMEOUT]);
}

/* ---------------- +ULSTFILE ---------------- */

static int list_files(cmd_ctx *x, fs_tag tag)
{
    bytebuf line;
    bytebuf_init(&line);
    bytebuf_append_str(&line, "+ULSTFILE: ");
    size_t it = 0;
    int first = 1;
    for (const fs_file *f; (f = fs_next(&x->m->fs, tag, &it)); first = 0)
        bytebuf_appendf(&line, "%s\"%s\"", first ? "" : ",", f->name);
    cmd_info_bytes(x, line.data, line.len);
    bytebuf_free(&line);
    return AT_OK;
}

static int cmd_ULSTFILE(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const fs *f = &x->m->fs;
    const char *name;
    fs_tag tag;
    long op = 0;
    switch (c->type) {
    case AT_TEST: cmd_info(x, "+ULSTFILE: (0-2)"); return AT_OK;
    case AT_EXEC: return list_files(x, FS_TAG_USER);
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &op, 0, 2) < 0)
        return CMD_BAD_PARAM;
    if (op != 2) {
        if (c->nargs > 2)
            return CMD_BAD_PARAM;
        int r = arg_tag(c, 1, &tag);
        if (r)
            return r;
        if (op == 0)
            return list_files(x, tag);
        cmd_info(x, "+ULSTFILE: %zu", fs_free_space(f));
        return AT_OK;
    }
    int r = arg_name_tag(c, 1, 2, &name, &tag);
    if (r)
        return r;
    const fs_file *file = fs_find(f, tag, name);
    if (!file)
        return AT_CME(CME_FILE_NOT_FOUND);
    cmd_info(x, "+ULSTFILE: %zu", file->len);
    return AT_OK;
}

/* ---------------- +URDFILE, +URDBLOCK ---------------- */

/* `+<CMD>: "<name>",<n>,"<n raw bytes>"`.  The line is not closed: in V1 the
 * final result's own CRLF follows the closing quote, which gives the
 * `"\r\nOK\r\n` SparkFun's reader waits for on SARA-R5. */
static void data_response(cmd_ctx *x, const char *cmd, const fs_file *f, size_t off, size_t n)
{
    if (x->fmt.verbose)
        cmd_raw(x, "\r\n", 2);
    bytebuf head;
    bytebuf_init(&head);
    bytebuf_appendf(&head, "%s: \"%s\",%zu,\"", cmd, f->name, n);
    cmd_raw(x, head.data, head.len);
    bytebuf_free(&head);
    if (n)
        cmd_raw(x, f->data + off, n);
    cmd_raw(x, "\"", 1);
    if (!x->fmt.verbose)
        cmd_raw(x, "\r\n", 2); /* V0 results carry no leading CRLF */
    x->lines++;
}

/* The file named by argument i and the tag argument t (t < 0: no tag). */
static int arg_file(cmd_ctx *x, size_t i, long t, const fs_file **out)
{
    const char *name;
    fs_tag tag;
    int r = arg_name_tag(x->cmd, i, t, &name, &tag);
    if (r)
        return r;
    *out = fs_find(&x->m->fs, tag, name);
    return *out ? 0 : AT_CME(CME_FILE_NOT_FOUND);
}

static int cmd_URDFILE(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const fs_file *f;
    int r = set_form(c, 1, 2);
    if (r != GO)
        return r;
    if ((r = arg_file(x, 0, 1, &f)))
        return r;
    data_response(x, c->name, f, 0, f->len);
    return AT_OK;
}

/* No tag here: ubxlib notes that none of the modules it drives takes one. */
static int cmd_URDBLOCK(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const fs_file *f;
    long off, size;
    int r = set_form(c, 3, 3);
    if (r != GO)
        return r;
    if (at_arg_int(c, 1, &off, 0, 0x7FFFFFFF) != 0 || at_arg_int(c, 2, &size, 0, 0x7FFFFFFF) != 0)
        return CMD_BAD_PARAM;
    if ((r = arg_file(x, 0, -1, &f)))
        return r;
    size_t start = (size_t)off < f->len ? (size_t)off : f->len;
    size_t n = f->len - start < (size_t)size ? f->len - start : (size_t)size;
    data_response(x, c->name, f, start, n);
    return AT_OK;
}

/* ---------------- +UDELFILE, +UDELF ---------------- */

static int delete_file(cmd_ctx *x, int foat_fallback)
{
    const at_cmd *c = x->cmd;
    const char *name;
    fs_tag tag;
    int r = set_form(c, 1, 2);
    if (r != GO)
        return r;
    if ((r = arg_name_tag(c, 0, 1, &name, &tag)))
        return r;
    if (foat_fallback && !at_arg_present(c, 1) && !fs_find(&x->m->fs, tag, name) &&
        fs_find(&x->m->fs, FS_TAG_FOAT, name))
        tag = FS_TAG_FOAT;
    int rc = fs_delete(&x->m->fs, tag, name);
    if (!rc)
        trace_file(x->m, "deleted", tag, name, "");
    return fs_result(rc);
}

static int cmd_UDELFILE(cmd_ctx *x) { return delete_file(x, 0); }

/* [AN] Table 12 deletes the FOAT package with AT+UDELF="updatePackage.bin"
 * and no tag: the app note wins for firmware-update behaviour, so +UDELF is
 * +UDELFILE that, without a tag, also finds the name in the FOAT area. */
static int cmd_UDELF(cmd_ctx *x) { return delete_file(x, 1); }

const cmd_def cmd_fs_defs[] = {
    { "+UDWNFILE", cmd_UDWNFILE, CMD_ALONE },
    { "+ULSTFILE", cmd_ULSTFILE, 0 },
    { "+URDFILE", cmd_URDFILE, 0 },
    { "+URDBLOCK", cmd_URDBLOCK, 0 },
    { "+UDELFILE", cmd_UDELFILE, 0 },
    { "+UDELF", cmd_UDELF, 0 },
    { NULL, NULL, 0 },
};
