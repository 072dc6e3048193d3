/* modem.c - the module's power/boot state machine, its AT ports and the one
 * URC emitter.
 *
 *   OFF --power_on--> BOOTING --boot time--> READY
 *    ^                   ^                     |
 *    |                   +-- +CFUN=15/16, reset+
 *    +---- +CPWROFF, power_cut ----------------+
 *
 * While not READY the module answers nothing.  Each UART port runs its own
 * AT parser; a command line executes command by command through the table
 * in sim/cmd_table.c, its response is assembled in port->out and sent in one
 * write, URCs wait in port->urcq until the line's final result is out.
 */
#include "modem_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fs/atomic.h"
#include "../protocol/baud.h"
#include "../protocol/cme.h"
#include "../protocol/package.h"

#define FIRMWARE_FILE "firmware.json"
#define FIRMWARE_FILE_MAX (64u << 10) /* it holds two short fields */

static void port_pump(modem *m, modem_port *p);
static void boot_timer_cb(clk_timer *t);
static void defer_timer_cb(clk_timer *t);

static const char *const power_names[] = { "OFF", "BOOTING", "READY", "FWUPDATE" };

const char *modem_power_name(modem_power p) { return power_names[p]; }
modem_power modem_get_power(const modem *m) { return m->power; }

/* ---------------- tracing ---------------- */

static void trace(modem *m, trace_kind kind, int port, const void *p, size_t n)
{
    if (!m->io.trace)
        return;
    trace_event ev = { clk_now(m->clk), kind, port, p, n };
    m->io.trace(m->io.ctx, &ev);
}

void modem_trace_event(modem *m, const char *fmt, ...)
{
    if (!m->io.trace)
        return;
    char buf[1024]; /* fs events carry names of up to 248 bytes, %-escaped */
    va_list ap;
    va_start(ap, fmt);
    int n = modem_vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= 0)
        trace(m, TRACE_EVENT, -1, buf, (size_t)n);
}

void modem_notice(modem *m, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = modem_vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    modem_trace_event(m, "notice %s", buf);
    if (m->io.notice)
        m->io.notice(m->io.ctx, buf);
}

/* Why a state file could not be used, for a notice. */
static const char *state_error(int rc)
{
    switch (rc) {
    case -EINVAL: return "not a regular file";
    case -EBADMSG: return "not what the module writes";
    case -EFBIG: return "too large";
    default: return strerror(-rc);
    }
}

/* ---------------- UART glue ---------------- */

static void uart_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    modem *m = ctx;
    trace(m, TRACE_TX, port, p, n);
    if (m->io.to_host)
        m->io.to_host(m->io.ctx, port, p, n);
}

static void uart_to_module(void *ctx, int port, const uint8_t *p, size_t n)
{
    modem *m = ctx;
    modem_port *mp = &m->port[port];
    if (m->power == MODEM_FWUPDATE) {
        fwupd_rx(m, port, p, n);
        return;
    }
    if (m->power != MODEM_READY)
        return; /* a module that is off or booting hears nothing */
    if (mp->sink.feed && mp->inbuf.len == mp->inpos && !mp->pumping) {
        /* raw data with nothing queued before it: straight to the sink */
        mp->pumping = 1;
        size_t used = mp->sink.feed(m, port, p, n, mp->sink.arg);
        mp->pumping = 0;
        p += used;
        n -= used;
    }
    bytebuf_append(&mp->inbuf, p, n);
    port_pump(m, mp);
    /* What the port could not take (a command is running) waits, up to the
     * size of the module's buffer: the rest is lost, as in an overflowing
     * UART FIFO. */
    size_t held = mp->inbuf.len - mp->inpos;
    if (held > MODEM_INBUF_MAX && !mp->pumping) {
        modem_trace_event(m, "uart overflow port=%d dropped=%zu", port, held - MODEM_INBUF_MAX);
        mp->inbuf.len = mp->inpos + MODEM_INBUF_MAX;
    }
}

void modem_port_send(modem *m, int port, const void *p, size_t n)
{
    uart_module_write(&m->port[port].uart, p, n);
}

static void send_greeting(modem *m, modem_port *p)
{
    if (!p->greeting_due || !uart_ready(&p->uart))
        return;
    p->greeting_due = 0;
    bytebuf b;
    bytebuf_init(&b);
    at_fmt f = modem_fmt(m);
    const char *text = nvm_get_str(&m->nvm, SET_CSGT_TEXT);
    at_fmt_urc(&b, &f, text, strlen(text));
    modem_port_send(m, p->index, b.data, b.len);
    bytebuf_free(&b);
}

static void uart_locked(void *ctx, int port, uint32_t rate)
{
    modem *m = ctx;
    modem_trace_event(m, "port%d autobaud locked at %u", port, (unsigned)rate);
    send_greeting(m, &m->port[port]);
}

/* ---------------- formatting & URCs ---------------- */

at_fmt modem_fmt(const modem *m)
{
    at_fmt f = { (int)nvm_get(&m->nvm, SET_VERBOSE), (int)nvm_get(&m->nvm, SET_QUIET),
                 (int)nvm_get(&m->nvm, SET_CMEE) };
    return f;
}

static int port_can_talk(const modem *m, const modem_port *p)
{
    return p->wired && m->power == MODEM_READY && uart_ready(&p->uart);
}

void modem_urc(modem *m, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = modem_vformat(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n >= 0)
        modem_urc_bytes(m, text, (size_t)n);
}

void modem_urc_bytes(modem *m, const void *text, size_t len)
{
    at_fmt f = modem_fmt(m);
    for (int i = 0; i < MODEM_PORTS; i++) {
        modem_port *p = &m->port[i];
        if (!port_can_talk(m, p))
            continue;
        if (p->busy || p->sink.feed) {
            at_fmt_urc(&p->urcq, &f, text, len);
        } else {
            bytebuf b;
            bytebuf_init(&b);
            at_fmt_urc(&b, &f, text, len);
            modem_port_send(m, i, b.data, b.len);
            bytebuf_free(&b);
        }
    }
}

/* ---------------- command execution ---------------- */

static void port_flush_out(modem *m, modem_port *p)
{
    if (!p->out.len)
        return;
    modem_port_send(m, p->index, p->out.data, p->out.len);
    bytebuf_clear(&p->out);
}

/* Keep the parser's view of E, S3, S5 and autobauding in step with settings. */
static void port_sync_settings(modem *m, modem_port *p)
{
    p->rx.echo = (int)nvm_get(&m->nvm, SET_ECHO);
    p->rx.s3 = (uint8_t)nvm_get(&m->nvm, SET_S3);
    p->rx.s5 = (uint8_t)nvm_get(&m->nvm, SET_S5);
    p->rx.strict_prefix = p->uart.autobaud;
}

void modem_after_line(modem *m, int port, after_line a, uint32_t rate)
{
    m->port[port].after = a;
    m->port[port].after_rate = rate;
}

static void do_after_line(modem *m, modem_port *p)
{
    after_line a = p->after;
    p->after = AFTER_NONE;
    switch (a) {
    case AFTER_REBOOT: modem_reboot(m, m->dev.timing[TIM_REBOOT]); break;
    case AFTER_REBOOT_KEEP_SIM:
        modem_reboot(m, m->dev.timing[TIM_REBOOT]);
        m->sim_keep = 1; /* after the reboot's cleanup: it is for this boot */
        break;
    case AFTER_POWER_OFF: modem_power_off(m); break;
    case AFTER_FWUPD: fwupd_begin(m, p->index, p->after_rate); break;
    case AFTER_FWINSTALL: {
        uint8_t *pkg = NULL;
        size_t len = 0;
        modem_stored_package(m, p->after_method, &pkg, &len);
        if (p->after_method == UPD_UFOTA)
            ufota_install_begins(m);
        fwupd_install_stored(m, p->after_method, pkg, len, p->after_port, p->after_rate, p->after_urcs);
        free(pkg);
        break;
    }
    default: break;
    }
}

/* What the line changed in NVM or the stored profile goes to flash before
 * the host reads the final result: a host that saw OK must find the setting
 * after a kill -9.  A failed write answers the flash-write error (as a
 * failed +UDWNFILE store does) and the settings fall back to the flash's. */
static int persist_line(modem *m, int result)
{
    if (!m->nvm.dirty)
        return result;
    int rc = nvm_commit(&m->nvm);
    if (!rc) {
        modem_trace_event(m, "nvm saved");
        return result;
    }
    modem_trace_event(m, "nvm commit failed: %s", strerror(-rc));
    nvm_rollback(&m->nvm);
    return result == AT_OK || result == AT_SILENT ? AT_CME(CME_FFS_ERROR) : result;
}

static void finish_line(modem *m, modem_port *p, int result)
{
    result = persist_line(m, result);
    at_fmt f = modem_fmt(m);
    at_fmt_final(&p->out, &f, result);
    port_flush_out(m, p);
    p->busy = 0;
    if (p->urcq.len && !p->sink.feed) {
        modem_port_send(m, p->index, p->urcq.data, p->urcq.len);
        bytebuf_clear(&p->urcq);
    }
    if (p->ipr_pending) { /* +IPR: the new rate applies once OK is out */
        uart_set_module_rate(&p->uart, p->ipr_rate);
        p->ipr_pending = 0;
        port_sync_settings(m, p);
    }
    /* The reset or power-off a line asked for happens only if the whole
     * line succeeded: a host that reads ERROR must not lose the module. */
    if (result == AT_OK || result == AT_SILENT)
        do_after_line(m, p);
    else
        p->after = AFTER_NONE;
}

/* One command of the line: a forced response (world fault) if one is set,
 * else its handler. */
static int run_cmd(modem *m, modem_port *p, const at_cmd *c)
{
    cmd_ctx x = { m, p->index, c, &p->out, modem_fmt(m), 0 };
    int r;
    if (override_apply(&m->overrides, &x, &r))
        return r;
    const cmd_def *d = cmd_table_find(&m->cmds, c->name);
    if (!d || ((d->flags & CMD_ALONE) && p->line.ncmds > 1))
        return AT_ERROR;
    return d->fn(&x);
}

static void run_line(modem *m, modem_port *p)
{
    while (p->next_cmd < p->line.ncmds) {
        int r = run_cmd(m, p, &p->line.cmds[p->next_cmd]);
        if (r == AT_PENDING) {
            port_flush_out(m, p);
            return;
        }
        p->next_cmd++;
        if (r == AT_SILENT) {
            p->next_cmd = p->line.ncmds;
            finish_line(m, p, AT_SILENT);
            return;
        }
        if (r != AT_OK) {
            finish_line(m, p, r);
            return;
        }
        if (m->power != MODEM_READY)
            return;
    }
    finish_line(m, p, AT_OK);
}

static void start_line(modem *m, modem_port *p, const char *body, size_t len, int overflow)
{
    p->busy = 1;
    p->next_cmd = 0;
    if (overflow || at_line_parse(&p->line, body, len)) {
        p->line.ncmds = 0;
        finish_line(m, p, overflow ? AT_CME(CME_LINE_TOO_LONG) : AT_ERROR);
        return;
    }
    run_line(m, p);
}

/* The line just executed handed the port to a raw-data sink (+UDWNFILE).
 * A host that ends lines with CR LF (SparkFun) sent the LF with the line,
 * before the prompt: the parser would have swallowed it, and so does the
 * sink's start.  An LF that arrives later is data. */
static void sink_skip_line_lf(modem_port *p)
{
    if (p->rx.after_s3 && p->inbuf.len > p->inpos && p->inbuf.data[p->inpos] == '\n')
        p->inpos++;
    p->rx.after_s3 = 0;
}

/* Input is consumed by moving inpos; the buffer is compacted once per pump,
 * so many lines queued behind a slow command cost linear time. */
static void port_pump(modem *m, modem_port *p)
{
    if (p->pumping)
        return; /* the outer pump picks up whatever changed */
    p->pumping = 1;
    while (p->inbuf.len > p->inpos && m->power == MODEM_READY && (p->sink.feed || !p->busy)) {
        const uint8_t *in = p->inbuf.data + p->inpos;
        size_t avail = p->inbuf.len - p->inpos;
        if (p->sink.feed) {
            size_t used = p->sink.feed(m, p->index, in, avail, p->sink.arg);
            p->inpos += used;
            if (used == 0)
                break;
            continue;
        }
        port_sync_settings(m, p);
        at_rx_event ev;
        size_t used = at_rx_feed(&p->rx, in, avail, &p->out, &ev);
        p->inpos += used;
        if (ev == AT_RX_MORE) {
            port_flush_out(m, p);
            break;
        }
        if (ev == AT_RX_LINE && !p->rx.overflow) {
            memcpy(p->last_body, p->rx.body, p->rx.len + 1);
            p->last_len = p->rx.len;
        }
        if (ev == AT_RX_REPEAT)
            start_line(m, p, p->last_body, p->last_len, 0);
        else
            start_line(m, p, p->rx.body, p->rx.len, p->rx.overflow);
        if (p->sink.feed)
            sink_skip_line_lf(p);
    }
    bytebuf_consume(&p->inbuf, p->inpos);
    p->inpos = 0;
    p->pumping = 0;
}

void modem_cmd_finish(modem *m, int port, int result)
{
    modem_port *p = &m->port[port];
    if (!p->busy)
        return;
    clk_timer_stop(m->clk, &p->defer_timer);
    p->defer_fn = NULL;
    p->next_cmd++;
    if (result == AT_OK && m->power == MODEM_READY)
        run_line(m, p);
    else
        finish_line(m, p, result);
    if (!p->pumping)
        port_pump(m, p);
}

void modem_set_sink(modem *m, int port, data_sink sink)
{
    m->port[port].sink = sink;
    if (!sink.feed)
        at_rx_reset(&m->port[port].rx);
}

void modem_cmd_defer(modem *m, int port, sim_ns delay, cmd_fn fn)
{
    modem_port *p = &m->port[port];
    if (!p->busy)
        return;
    p->defer_fn = fn;
    clk_timer_start(m->clk, &p->defer_timer, delay);
}

int cmd_defer(cmd_ctx *x, sim_ns delay, cmd_fn fn)
{
    modem_cmd_defer(x->m, x->port, delay, fn);
    return AT_PENDING;
}

static void defer_timer_cb(clk_timer *t)
{
    modem_port *p = t->data;
    modem *m = p->m;
    cmd_fn fn = p->defer_fn;
    if (!fn || !p->busy)
        return;
    p->defer_fn = NULL;
    cmd_ctx x = { m, p->index, &p->line.cmds[p->next_cmd], &p->out, modem_fmt(m), 0 };
    int r = fn(&x);
    if (r == AT_PENDING) {
        port_flush_out(m, p);
        return;
    }
    modem_cmd_finish(m, p->index, r);
}

/* ---------------- handler helpers ---------------- */

void cmd_info(cmd_ctx *x, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = modem_vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= 0)
        at_fmt_info(x->out, &x->fmt, buf, (size_t)n, x->lines++ == 0);
}

void cmd_info_bytes(cmd_ctx *x, const void *p, size_t n)
{
    at_fmt_info(x->out, &x->fmt, p, n, x->lines++ == 0);
}

void cmd_raw(cmd_ctx *x, const void *p, size_t n)
{
    bytebuf_append(x->out, p, n);
}

/* ---------------- power state machine ---------------- */

static void port_clear(modem *m, modem_port *p, const char *why)
{
    cmd_fs_port_drop(m, p->index, why);
    clk_timer_stop(m->clk, &p->defer_timer);
    p->defer_fn = NULL;
    p->busy = 0;
    p->next_cmd = 0;
    p->line.ncmds = 0;
    p->ipr_pending = 0;
    p->after = AFTER_NONE;
    p->inpos = 0;
    p->sink = (data_sink){ NULL, NULL };
    p->greeting_due = 0;
    bytebuf_clear(&p->inbuf);
    bytebuf_clear(&p->out);
    bytebuf_clear(&p->urcq);
    at_rx_reset(&p->rx);
    /* A graceful reset lets the bytes already on the wire (the OK of
     * +CFUN=16, the last +UFWUPD URCs) arrive; a power cut does not. */
    uart_reset(&p->uart, !strcmp(why, "reboot") || !strcmp(why, "power_off"));
}

/* Everything volatile stops: timers, queued bytes, half-received lines,
 * downloads not yet stored.  why names the cause in trace events. */
static void stop_everything(modem *m, const char *why)
{
    clk_timer_stop(m->clk, &m->boot_timer);
    lwm2m_mod_stop(m);
    cmd_http_stop(m);
    ufota_stop(m);
    cmd_sock_stop(m);
    ftpc_stop(m);
    net_stop(m);
    fwupd_stop(m);
    for (int i = 0; i < MODEM_PORTS; i++)
        port_clear(m, &m->port[i], why);
    m->sim_keep = 0;
}

static void set_power(modem *m, modem_power p)
{
    if (m->power == p)
        return;
    modem_trace_event(m, "power %s -> %s", power_names[m->power], power_names[p]);
    m->power = p;
}

static void enter_booting(modem *m, sim_ns boot_time, const char *why)
{
    stop_everything(m, why);
    set_power(m, MODEM_BOOTING);
    clk_timer_start(m->clk, &m->boot_timer, boot_time);
}

void modem_enter_fwupdate(modem *m)
{
    stop_everything(m, "reboot");
    set_power(m, MODEM_FWUPDATE);
}

void modem_power_on(modem *m)
{
    if (m->power != MODEM_OFF)
        return;
    enter_booting(m, m->dev.timing[TIM_BOOT], "reboot");
}

void modem_power_off(modem *m)
{
    stop_everything(m, "power_off");
    set_power(m, MODEM_OFF);
}

void modem_power_cut(modem *m)
{
    stop_everything(m, "power_cut");
    set_power(m, MODEM_OFF);
}

void modem_reset(modem *m)
{
    if (m->power == MODEM_OFF)
        return;
    enter_booting(m, m->dev.timing[TIM_BOOT], "reset"); /* RESET_N cuts the line at once */
}

void modem_reboot(modem *m, sim_ns delay) { enter_booting(m, delay, "reboot"); }

void modem_restart(modem *m)
{
    modem_power_cut(m);
    modem_sim_insert(m); /* a new process makes a new card */
    modem_trace_event(m, "power restart");
    modem_power_on(m);
}

void modem_fwupd_install_error(modem *m, int pct, int code) { fwupd_inject_install_error(m, pct, code); }

int modem_easyflash(modem *m, const char *version, uint64_t bytes)
{
    if (!version || !pkg_version_valid(version) || strlen(version) >= sizeof(m->firmware))
        return -EINVAL;
    if (bytes == 0 || bytes > MODEM_EASYFLASH_MAX)
        return -ERANGE;
    return fwupd_easyflash(m, version, bytes);
}

/* firmware.json: {"installed":"03.15,A00.01"} plus, while an interrupted
 * install leaves the firmware unusable, "fw_update_mode":{"port":0,"rate":n}. */
int modem_save_firmware(modem *m)
{
    if (!m->state_dir)
        return 0;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "installed", m->firmware);
    if (m->fw_corrupt) {
        cJSON *fw = cJSON_AddObjectToObject(root, "fw_update_mode");
        cJSON_AddNumberToObject(fw, "port", m->fw_corrupt_port);
        cJSON_AddNumberToObject(fw, "rate", m->fw_corrupt_rate);
        if (m->fw_corrupt_method != UPD_FOAT) {
            cJSON_AddStringToObject(fw, "method", update_rule_of(m->fw_corrupt_method)->name);
            cJSON_AddBoolToObject(fw, "urcs", m->fw_corrupt_urcs);
        }
    }
    if (m->upd.how != UPD_NONE)
        cJSON_AddItemToObject(root, "apply", update_pending_to_json(&m->upd));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -ENOMEM;
    int rc = atomic_write_file(m->state_dir, FIRMWARE_FILE, text, strlen(text));
    free(text);
    if (rc)
        modem_trace_event(m, "firmware state write failed: %s", strerror(-rc));
    return rc;
}

static void factory_firmware(modem *m)
{
    snprintf(m->firmware, sizeof(m->firmware), "%s", m->dev.firmware);
    m->fw_corrupt = 0;
}

/* A state dir remembers the installed firmware; without one the module
 * runs the firmware it was created with (updates last for the process).
 * A file the module could not have written means the factory firmware, as
 * a module that cannot read its version reports the one it was built with;
 * the person running the simulator is told. */
static void load_firmware(modem *m)
{
    if (!m->state_dir)
        return;
    char *text;
    size_t len;
    int rc = atomic_read_file(m->state_dir, FIRMWARE_FILE, FIRMWARE_FILE_MAX, &text, &len);
    if (rc == -ENOENT) {
        factory_firmware(m);
        modem_save_firmware(m);
        return;
    }
    cJSON *root = rc ? NULL : cJSON_ParseWithLength(text, len);
    if (!rc)
        free(text);
    const cJSON *inst = cJSON_GetObjectItemCaseSensitive(root, "installed");
    if (!rc && !(cJSON_IsString(inst) && pkg_version_valid(inst->valuestring)))
        rc = -EBADMSG;
    if (rc) {
        cJSON_Delete(root);
        factory_firmware(m);
        modem_notice(m, "state dir: %s unreadable (%s): firmware version %s (factory)", FIRMWARE_FILE,
                     state_error(rc), m->firmware);
        return;
    }
    snprintf(m->firmware, sizeof(m->firmware), "%s", inst->valuestring);
    const cJSON *fw = cJSON_GetObjectItemCaseSensitive(root, "fw_update_mode");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(fw, "port");
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(fw, "rate");
    m->fw_corrupt = cJSON_IsObject(fw);
    m->fw_corrupt_port = cJSON_IsNumber(port) && port->valueint == 1 && m->port[1].wired ? 1 : 0;
    int rate_ok = cJSON_IsNumber(rate) && rate->valuedouble >= 1200 && rate->valuedouble <= 6500000 &&
                  baud_rate_supported((uint32_t)rate->valuedouble);
    m->fw_corrupt_rate = rate_ok ? (uint32_t)rate->valuedouble : 115200;
    const cJSON *meth = cJSON_GetObjectItemCaseSensitive(fw, "method");
    const update_rule *mr = cJSON_IsString(meth) ? update_rule_by_name(meth->valuestring) : NULL;
    m->fw_corrupt_method = mr && mr->method != UPD_FOAT ? mr->method : UPD_FOAT;
    m->fw_corrupt_urcs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fw, "urcs"));
    const cJSON *apply = cJSON_GetObjectItemCaseSensitive(root, "apply");
    m->upd.how = UPD_NONE;
    if (apply && update_pending_from_json(apply, &m->upd)) {
        m->upd.how = UPD_NONE;
        modem_notice(m, "state dir: %s: the update rules owed are unreadable: settings kept as they are",
                     FIRMWARE_FILE);
    }
    cJSON_Delete(root);
}

int modem_firmware_installed(modem *m, const char *version, update_method how)
{
    update_pending_capture(&m->upd, how, &m->nvm, lwm2m_apn_sync(m));
    snprintf(m->firmware, sizeof(m->firmware), "%s", version);
    m->fw_corrupt = 0;
    return modem_save_firmware(m);
}

int modem_stored_package(modem *m, update_method how, uint8_t **pkg, size_t *len)
{
    if (how == UPD_UFWINSTALL)
        return modem_file_get(m, "FOAT", FS_FOAT_NAME, pkg, len);
    if (how == UPD_UFOTA)
        return ufota_package(m, pkg, len);
    return -ENOENT;
}

/* A cut install: FOAT waits for a new Xmodem transfer; a stored package is
 * installed again from the start (app note §6.1.1). */
static void resume_install(modem *m)
{
    if (m->fw_corrupt_method == UPD_FOAT) {
        fwupd_recover(m, m->fw_corrupt_port, m->fw_corrupt_rate);
        return;
    }
    if (m->fw_corrupt_method == UPD_EASYFLASH) {
        fwupd_easyflash_cut(m);
        return;
    }
    uint8_t *pkg = NULL;
    size_t len = 0;
    modem_stored_package(m, m->fw_corrupt_method, &pkg, &len);
    fwupd_install_stored(m, m->fw_corrupt_method, pkg, len, m->fw_corrupt_port, m->fw_corrupt_rate,
                         m->fw_corrupt_urcs);
    free(pkg);
}

/* The first boot of a new firmware: Table 16's row for how it came. */
static int apply_update_rules(modem *m)
{
    if (m->upd.how == UPD_NONE)
        return 0;
    int again = update_rules_apply(m, &m->upd);
    m->upd.how = UPD_NONE;
    modem_save_firmware(m);
    return again;
}

void modem_sim_power_up(modem *m)
{
    if (!m->dev.sim_present)
        m->sim = SIMC_ABSENT;
    else if (m->puk_tries <= 0)
        m->sim = SIMC_BLOCKED;
    else if (m->pin_tries <= 0)
        m->sim = SIMC_PUK;
    else
        m->sim = m->sim_pin[0] ? SIMC_PIN : SIMC_READY;
}

void modem_sim_insert(modem *m)
{
    m->pin_tries = 3;
    m->puk_tries = 10;
    snprintf(m->sim_pin, sizeof(m->sim_pin), "%s", m->dev.pin);
    memset(m->fplmn, 0xFF, sizeof(m->fplmn)); /* an empty EF-FPLMN */
    m->sim = SIMC_ABSENT;
}

static void boot_sim_card(modem *m)
{
    int keep = m->sim_keep && m->sim == SIMC_READY;
    m->sim_keep = 0;
    if (!keep)
        modem_sim_power_up(m);
}

int modem_sim_ready(const modem *m) { return m->sim == SIMC_READY; }

/* +UFACTORY only records a request; the restore happens while booting. */
static void apply_factory_request(modem *m)
{
    if (nvm_get(&m->nvm, SET_UFACTORY_NVM) == 0)
        return;
    modem_trace_event(m, "nvm factory restore nvm_op=%ld", nvm_get(&m->nvm, SET_UFACTORY_NVM));
    long fs_op = nvm_get(&m->nvm, SET_UFACTORY_FS);
    nvm_factory_reset(&m->nvm);
    nvm_set(&m->nvm, SET_UFACTORY_FS, fs_op); /* the file system's own request stays */
    nvm_commit(&m->nvm);
    nvm_boot(&m->nvm);
}

/* Read the flash file system, then apply a +UFACTORY fs_op ordered before
 * this boot (2: delete every file; 1, "module specific", deletes nothing
 * here) and clear the order, as the module does once it has run it. */
static void boot_fs(modem *m)
{
    int rc = fs_load(&m->fs);
    if (rc < 0)
        modem_notice(m, "state dir: fs unreadable (%s): the file system is empty", strerror(-rc));
    else if (rc > 0)
        modem_notice(m, "state dir: %d file%s in fs unreadable: left out of the file system", rc,
                     rc == 1 ? "" : "s");
    long op = nvm_get(&m->nvm, SET_UFACTORY_FS);
    if (!op)
        return;
    if (op == 2) {
        rc = fs_apply_reboot(&m->fs, FS_ERASE_FOR_FACTORY);
        modem_trace_event(m, "fs factory erased=%d", rc);
    }
    nvm_set(&m->nvm, SET_UFACTORY_FS, 0);
    if (nvm_commit(&m->nvm))
        modem_trace_event(m, "nvm commit failed: %s", strerror(-m->nvm.last_error));
}

/* Read the settings; say so when the flash held something unusable. */
static void boot_nvm(modem *m)
{
    int rc = nvm_boot(&m->nvm);
    if (rc)
        modem_notice(m, "state dir: nvm.json unreadable (%s): every setting at its factory value",
                     state_error(rc));
    else if (m->nvm.rejected)
        modem_notice(m, "state dir: nvm.json: %d value%s the module cannot hold (first: %s): factory value%s",
                     m->nvm.rejected, m->nvm.rejected == 1 ? "" : "s", m->nvm.first_rejected,
                     m->nvm.rejected == 1 ? "" : "s");
}

static void boot_timer_cb(clk_timer *t)
{
    modem *m = t->data;
    boot_nvm(m);
    apply_factory_request(m);
    boot_fs(m);
    load_firmware(m);
    m->boots++;
    if (m->fw_corrupt) { /* an install was cut short: only an update helps */
        resume_install(m);
        return;
    }
    rot_boot(m);
    if (apply_update_rules(m)) { /* app note Table 6: the profile comes back with one more reboot */
        enter_booting(m, m->dev.timing[TIM_REBOOT], "reboot");
        return;
    }
    m->clock_offset = 0;
    m->clock_tz = 0;
    m->ucged_mode = 2;
    for (int i = 0; i < UPSD_PROFILES; i++) /* +UPSD profiles are volatile */
        m->upsd[i] = (upsd_profile){ .cid = 1 };
    boot_sim_card(m);
    set_power(m, MODEM_READY);
    long ipr = nvm_get(&m->nvm, SET_IPR);
    for (int i = 0; i < MODEM_PORTS; i++) {
        modem_port *p = &m->port[i];
        if (!p->wired)
            continue;
        uart_set_module_rate(&p->uart, (uint32_t)ipr);
        port_sync_settings(m, p);
        p->greeting_due = nvm_get(&m->nvm, SET_CSGT_MODE) == 1;
        send_greeting(m, p);
    }
    ufota_boot(m);
    lwm2m_mod_boot(m);
    net_boot(m);
}

/* ---------------- lifecycle ---------------- */

static void port_init(modem *m, modem_port *p, int index, int wired)
{
    memset(p, 0, sizeof(*p));
    p->index = index;
    p->wired = wired;
    p->m = m;
    uart_init(&p->uart, index, m->clk, m, uart_to_host, uart_to_module);
    p->uart.on_lock = uart_locked;
    at_rx_init(&p->rx);
    bytebuf_init(&p->inbuf);
    bytebuf_init(&p->out);
    bytebuf_init(&p->urcq);
    clk_timer_init(&p->defer_timer, defer_timer_cb, p);
    cmd_fs_port_init(m, index);
}

int modem_create(modem **out, clk *c, const modem_config *cfg, const modem_io *io, char *err,
                 size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    if (device_cfg_validate(&cfg->dev, err, errlen))
        return -EINVAL;
    modem *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->clk = c;
    m->dev = cfg->dev;
    m->io = *io;
    m->power = MODEM_OFF;
    m->net_time_base = cfg->net_time_base;
    m->net_world = cfg->world;
    modem_sim_insert(m);
    int rc = 0;
    if (cfg->state_dir) {
        m->state_dir = strdup(cfg->state_dir);
        rc = m->state_dir ? atomic_mkdirs(cfg->state_dir) : -ENOMEM;
        if (!rc)
            atomic_clean_tmp(cfg->state_dir);
        if (rc)
            snprintf(err, errlen, "state dir %s: %s", cfg->state_dir, strerror(-rc));
    }
    if (!rc)
        rc = nvm_init(&m->nvm, m->state_dir);
    if (!rc && (rc = fs_init(&m->fs, m->state_dir, m->dev.fs_capacity)))
        snprintf(err, errlen, "file system %s/fs: %s", cfg->state_dir, strerror(-rc));
    if (!rc)
        rc = cmd_table_init(&m->cmds);
    if (!rc)
        rc = ip_init(m);
    if (!rc)
        rc = cmd_sock_init(m);
    if (!rc)
        rc = lwm2m_mod_init(m);
    if (!rc)
        rc = cmd_http_init(m);
    if (!rc)
        rc = ufota_init(m);
    if (!rc)
        rc = ftpc_init(m);
    if (rc) {
        ftpc_free(m);
        ufota_free(m);
        cmd_http_free(m);
        lwm2m_mod_free(m);
        cmd_sock_free(m);
        cmd_table_free(&m->cmds);
        ip_free(m);
        free(m->state_dir);
        nvm_free(&m->nvm);
        fs_free(&m->fs);
        free(m);
        return rc;
    }
    clk_timer_init(&m->boot_timer, boot_timer_cb, m);
    net_init(&m->net, m);
    fwupd_init(&m->fw, m);
    m->net.rsrp_dbm = m->dev.rsrp_dbm;
    m->net.rsrq_db = m->dev.rsrq_db;
    for (int i = 0; i < MODEM_PORTS; i++) {
        port_init(m, &m->port[i], i, i == 0 || cfg->aux_uart);
        uart_set_pacing(&m->port[i].uart, cfg->pacing);
    }
    snprintf(m->firmware, sizeof(m->firmware), "%s", m->dev.firmware);
    *out = m;
    return 0;
}

void modem_destroy(modem *m)
{
    if (!m)
        return;
    /* The owner may already have torn down what the callbacks reach. */
    m->io.trace = NULL;
    m->io.to_host = NULL;
    stop_everything(m, "destroy");
    for (int i = 0; i < MODEM_PORTS; i++) {
        modem_port *p = &m->port[i];
        uart_free(&p->uart);
        bytebuf_free(&p->inbuf);
        bytebuf_free(&p->out);
        bytebuf_free(&p->urcq);
    }
    cmd_table_free(&m->cmds);
    cmd_http_free(m);
    lwm2m_mod_free(m);
    ftpc_free(m);
    ufota_free(m);
    cmd_sock_free(m);
    ip_free(m);
    fwupd_free(&m->fw);
    override_list_free(&m->overrides);
    nvm_free(&m->nvm);
    fs_free(&m->fs);
    free(m->state_dir);
    free(m);
}

void modem_host_write(modem *m, int port, const uint8_t *p, size_t n)
{
    if (port < 0 || port >= MODEM_PORTS || !m->port[port].wired)
        return;
    trace(m, TRACE_RX, port, p, n);
    if (m->power == MODEM_OFF || m->power == MODEM_BOOTING ||
        (m->power == MODEM_FWUPDATE && port != m->fw.port))
        return; /* nobody listens: not even autobauding */
    uart_host_write(&m->port[port].uart, p, n);
}

void modem_set_host_rate(modem *m, int port, uint32_t rate)
{
    if (port >= 0 && port < MODEM_PORTS)
        uart_set_host_rate(&m->port[port].uart, rate);
}

size_t modem_rx_backlog(const modem *m, int port)
{
    if (port < 0 || port >= MODEM_PORTS)
        return 0;
    const modem_port *p = &m->port[port];
    return p->inbuf.len - p->inpos + uart_rx_backlog(&p->uart);
}

void modem_set_pacing(modem *m, int on)
{
    for (int i = 0; i < MODEM_PORTS; i++)
        uart_set_pacing(&m->port[i].uart, on);
}

void modem_set_signal(modem *m, int lost, int rsrp_dbm) { net_set_signal(m, lost, rsrp_dbm); }

void modem_network_pdp_drop(modem *m)
{
    if (m->power != MODEM_READY)
        return;
    modem_trace_event(m, "net pdp dropped by the network");
    net_psd_deactivate(m);
}

int64_t modem_wall_seconds(const modem *m)
{
    return m->net_time_base + (int64_t)(clk_now(m->clk) / SIM_NS_PER_S) + m->clock_offset;
}

/* ---------------- introspection ---------------- */

const char *modem_firmware(const modem *m) { return m->firmware; }

int modem_has_command(const modem *m, const char *name)
{
    return name && cmd_table_find(&m->cmds, name) != NULL;
}

int modem_file_get(const modem *m, const char *tag, const char *name, uint8_t **data, size_t *len)
{
    fs_tag t;
    *data = NULL;
    *len = 0;
    if (fs_tag_parse(tag, strlen(tag), 0, &t))
        return -ENOENT;
    const fs_file *f = fs_find(&m->fs, t, name);
    if (!f)
        return -ENOENT;
    *data = malloc(f->len ? f->len : 1);
    if (!*data)
        return -ENOMEM;
    if (f->len)
        memcpy(*data, f->data, f->len);
    *len = f->len;
    return 0;
}

int modem_setting(const modem *m, const char *key, char *buf, size_t size)
{
    nvm_id id;
    if (nvm_lookup(key, &id))
        return -ENOENT;
    if (nvm_type_of(id) == NVM_INT)
        snprintf(buf, size, "%ld", nvm_get(&m->nvm, id));
    else
        snprintf(buf, size, "%s", nvm_get_str(&m->nvm, id));
    return 0;
}

static void add_settings(cJSON *obj, const modem *m)
{
    char key[64];
    for (int i = 0; i < SET__COUNT; i++) {
        nvm_key((nvm_id)i, key, sizeof(key));
        if (nvm_type_of((nvm_id)i) == NVM_INT)
            cJSON_AddNumberToObject(obj, key, (double)nvm_get(&m->nvm, (nvm_id)i));
        else
            cJSON_AddStringToObject(obj, key, nvm_get_str(&m->nvm, (nvm_id)i));
    }
}

char *modem_state_json(const modem *m)
{
    static const char *const sim_names[] = { "absent", "pin", "puk", "ready", "blocked" };
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "power", power_names[m->power]);
    cJSON_AddNumberToObject(root, "sim_time_s", (double)clk_now(m->clk) / 1e9);
    cJSON_AddStringToObject(root, "model", m->dev.model);
    cJSON_AddStringToObject(root, "product", m->dev.product);
    cJSON_AddStringToObject(root, "firmware", m->firmware);
    cJSON_AddStringToObject(root, "imei", m->dev.imei);
    cJSON_AddNumberToObject(root, "boots", (double)m->boots);
    cJSON_AddStringToObject(root, "sim", sim_names[m->sim]);
    cJSON *nj = cJSON_AddObjectToObject(root, "network");
    cJSON_AddNumberToObject(nj, "cfun", m->net.cfun);
    cJSON_AddNumberToObject(nj, "stat", m->net.stat);
    cJSON_AddBoolToObject(nj, "signal_lost", m->net.lost);
    cJSON_AddNumberToObject(nj, "rsrp", m->net.rsrp_dbm);
    cJSON_AddBoolToObject(nj, "attached", m->net.attached);
    cJSON *ports = cJSON_AddArrayToObject(root, "uarts");
    for (int i = 0; i < MODEM_PORTS; i++) {
        const modem_port *p = &m->port[i];
        if (!p->wired)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "port", i);
        cJSON_AddBoolToObject(o, "autobaud", p->uart.autobaud);
        cJSON_AddBoolToObject(o, "locked", p->uart.locked);
        cJSON_AddNumberToObject(o, "rate", uart_effective_rate(&p->uart));
        cJSON_AddNumberToObject(o, "host_rate", p->uart.host_rate);
        cJSON_AddBoolToObject(o, "pacing", p->uart.pacing);
        cJSON_AddStringToObject(o, "mode", p->sink.feed ? "data" : p->busy ? "busy" : "command");
        cJSON_AddItemToArray(ports, o);
    }
    cJSON *fwj = cJSON_AddObjectToObject(root, "fwupd");
    cJSON_AddStringToObject(fwj, "phase", fwupd_phase_name(m->fw.phase));
    cJSON_AddBoolToObject(fwj, "firmware_corrupt", m->fw_corrupt);
    if (m->fw.phase == FWUPD_XMODEM)
        cJSON_AddNumberToObject(fwj, "blocks", (double)xmodem_rx_blocks(&m->fw.rx));
    cJSON *fj = cJSON_AddObjectToObject(root, "fs");
    cJSON_AddNumberToObject(fj, "capacity", (double)m->fs.capacity);
    cJSON_AddNumberToObject(fj, "free", (double)fs_free_space(&m->fs));
    cJSON_AddNumberToObject(fj, "files", (double)m->fs.count);
    lwm2m_mod_state_json(m, cJSON_AddObjectToObject(root, "lwm2m"));
    ufota_state_json(m, cJSON_AddObjectToObject(root, "ufota"));
    rot_state_json(m, cJSON_AddObjectToObject(root, "rot"));
    add_settings(cJSON_AddObjectToObject(root, "settings"), m);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}
