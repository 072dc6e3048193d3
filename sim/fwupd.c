/* fwupd.c - the FOAT engine (see fwupd.h for the state machine). */
#include "fwupd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modem_int.h"

static void timer_cb(clk_timer *t);


static const char *const phase_names[] = { "off", "restart", "xmodem", "agent", "validate", "install",
                                                "easyflash" };

const char *fwupd_phase_name(fwupd_phase p) { return phase_names[p]; }

void fwupd_init(fwupd *f, modem *m)
{
    memset(f, 0, sizeof(*f));
    xmodem_rx_init(&f->rx, NULL);
    xmodem_out_init(&f->out);
    bytebuf_init(&f->image);
    f->fault_pct = -1;
    clk_timer_init(&f->timer, timer_cb, m);
}

void fwupd_free(fwupd *f)
{
    xmodem_rx_free(&f->rx);
    xmodem_out_free(&f->out);
    bytebuf_free(&f->image);
}

static void set_phase(modem *m, fwupd_phase p)
{
    m->fw.phase = p;
    modem_trace_event(m, "fwupd phase=%s port=%d rate=%u", phase_names[p], m->fw.port,
                      (unsigned)m->fw.rate);
}

/* Everything in Firmware Update Mode goes out on the port the update was
 * started on, at the update's rate, framed as verbose URCs. */
static void fw_line(modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fw_line(modem *m, const char *fmt, ...)
{
    static const at_fmt verbose = { 1, 0, 0 };
    if (m->fw.method != UPD_FOAT && !m->fw.urcs)
        return; /* a stored install shows nothing unless asked (app note §3.2) */
    char text[128];
    va_list ap;
    va_start(ap, fmt);
    int n = modem_vformat(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    bytebuf line;
    bytebuf_init(&line);
    at_fmt_urc(&line, &verbose, text, (size_t)n);
    modem_port_send(m, m->fw.port, line.data, line.len);
    bytebuf_free(&line);
}

static void flush_xmodem(modem *m)
{
    fwupd *f = &m->fw;
    if (f->out.tx.len)
        modem_port_send(m, f->port, f->out.tx.data, f->out.tx.len);
    if (f->out.data.len)
        bytebuf_append(&f->image, f->out.data.data, f->out.data.len);
    xmodem_out_clear(&f->out);
}

static void arm_at(modem *m, sim_ns due)
{
    if (due == SIM_NEVER)
        clk_timer_stop(m->clk, &m->fw.timer);
    else
        clk_timer_start_at(m->clk, &m->fw.timer, due);
}

/* The install progress / result URC: FOAT's own, or the one host libraries
 * parse for stored installs (+UUFWINSTALL; the app note's example tables
 * spell it +UFWINSTALL, which device option install_urc_table_spelling
 * reproduces: docs/module-fidelity.md). */
static const char *install_urc(const modem *m)
{
    if (m->fw.method == UPD_FOAT)
        return "+UFWUPD";
    return m->dev.install_urc_table_spelling ? "+UFWINSTALL" : "+UUFWINSTALL";
}

/* ---- entering the mode ---- */

/* The receiver's numbers: the app note's counts, the device's intervals. */
static void xmodem_config(const modem *m, xmodem_rx_config *c)
{
    const sim_ns *t = m->dev.timing;
    xmodem_rx_config_default(c);
    c->c_interval = t[TIM_XMODEM_C];
    c->nak_interval = t[TIM_XMODEM_NAK];
    c->char_timeout = t[TIM_XMODEM_CHAR];
    c->purge_quiet = t[TIM_XMODEM_PURGE];
    c->block_timeout = t[TIM_XMODEM_BLOCK];
}

/* The install-time model's figures, from the device's timing table. */
static void package_timing(const modem *m, pkg_timing *pt)
{
    const sim_ns *t = m->dev.timing;
    pt->validate_base_ns = t[TIM_VALIDATE_BASE];
    pt->validate_ns_per_mb = t[TIM_VALIDATE_PER_MB];
    pt->full_base_ns = t[TIM_INSTALL_FULL_BASE];
    pt->full_ns_per_mb = t[TIM_INSTALL_FULL_PER_MB];
    pt->delta_base_ns = t[TIM_INSTALL_DELTA_BASE];
    pt->delta_ns_per_450kb = t[TIM_INSTALL_DELTA_PER_450KB];
    pt->slow_agent_extra_ns = t[TIM_INSTALL_00B_EXTRA];
}

static void start_handshake(modem *m)
{
    fwupd *f = &m->fw;
    modem_port *p = &m->port[f->port];
    set_phase(m, FWUPD_XMODEM);
    uart_set_module_rate(&p->uart, f->rate);
    bytebuf_clear(&f->image);
    xmodem_rx_free(&f->rx);
    xmodem_rx_config xc;
    xmodem_config(m, &xc);
    xmodem_rx_init(&f->rx, &xc);
    xmodem_out_clear(&f->out);
    fw_line(m, "+UFWUPD: ONGOING");
    xmodem_rx_start(&f->rx, clk_now(m->clk), &f->out);
    flush_xmodem(m);
    arm_at(m, xmodem_rx_next_deadline(&f->rx));
}

void fwupd_begin(modem *m, int port, uint32_t rate)
{
    modem_enter_fwupdate(m);
    fwupd *f = &m->fw;
    f->method = UPD_FOAT;
    f->port = port;
    f->rate = rate;
    set_phase(m, FWUPD_RESTART);
    clk_timer_start(m->clk, &f->timer, m->dev.timing[TIM_FWUPD_RESTART]);
}

void fwupd_install_stored(modem *m, update_method how, const uint8_t *pkg, size_t len, int port, uint32_t rate,
                          int urcs)
{
    /* the rate in use before the reset, unless another was asked for; an
     * autobauding port that never locked speaks at 115200 */
    uint32_t cur = uart_effective_rate(&m->port[port].uart);
    modem_enter_fwupdate(m);
    fwupd *f = &m->fw;
    f->method = how;
    /* §3.5: "The +UFWPREVAL and +UUFWINSTALL URCs are not supported for the
     * firmware update via uFOTA by SARA-R5x0-00B-00" -- whatever NVM says */
    f->urcs = urcs && !(how == UPD_UFOTA && !strcmp(m->dev.product, "00B"));
    f->port = port;
    f->rate = rate ? rate : cur ? cur : 115200;
    uart_set_module_rate(&m->port[port].uart, f->rate);
    bytebuf_clear(&f->image);
    if (pkg && len)
        bytebuf_append(&f->image, pkg, len);
    modem_trace_event(m, "fwupd stored install method=%s bytes=%zu urcs=%d", update_rule_of(how)->name, len, f->urcs);
    set_phase(m, FWUPD_RESTART);
    clk_timer_start(m->clk, &f->timer, m->dev.timing[TIM_FWUPD_RESTART]);
}

void fwupd_recover(modem *m, int port, uint32_t rate)
{
    modem_enter_fwupdate(m);
    fwupd *f = &m->fw;
    f->method = UPD_FOAT;
    f->port = port;
    f->rate = rate;
    start_handshake(m);
}

void fwupd_stop(modem *m)
{
    fwupd *f = &m->fw;
    clk_timer_stop(m->clk, &f->timer);
    if (f->phase != FWUPD_OFF)
        modem_trace_event(m, "fwupd stopped phase=%s", phase_names[f->phase]);
    f->phase = FWUPD_OFF;
    bytebuf_clear(&f->image);
    xmodem_out_clear(&f->out);
    /* an injected install error stays armed until an install meets it */
}

void fwupd_inject_install_error(modem *m, int pct, int code)
{
    m->fw.fault_pct = pct;
    m->fw.fault_code = code;
}

/* ---- leaving the mode ---- */

/* Nothing was written: the old firmware boots as after any reset.  A module
 * whose firmware is already corrupt cannot: it starts a new handshake. */
static void back_to_old_firmware(modem *m)
{
    if (m->fw_corrupt) {
        start_handshake(m);
        return;
    }
    m->fw.phase = FWUPD_OFF;
    modem_reboot(m, m->dev.timing[TIM_BOOT]);
}

/* The install failed after writing started: the module stays in Firmware
 * Update Mode (app note §4.1.1) -- it reboots into the handshake. */
static void stay_in_update_mode(modem *m)
{
    if (m->fw.method == UPD_FOAT) {
        start_handshake(m);
        return;
    }
    /* a stored package: the install starts again (app note §6.1.1) */
    m->fw.phase = FWUPD_OFF;
    modem_reboot(m, m->dev.timing[TIM_BOOT]);
}

static void transfer_ended(modem *m)
{
    fwupd *f = &m->fw;
    xmodem_status st = xmodem_rx_status(&f->rx);
    modem_trace_event(m, "xmodem end status=%s reason=%s blocks=%llu bytes=%zu", xmodem_status_name(st),
                      xmodem_reason_name(xmodem_rx_reason(&f->rx)),
                      (unsigned long long)xmodem_rx_blocks(&f->rx), f->image.len);
    clk_timer_stop(m->clk, &f->timer);
    switch (st) {
    case XMODEM_DONE:
        /* "The download is completed, and a reboot follows" (Table 7) */
        set_phase(m, FWUPD_AGENT);
        clk_timer_start(m->clk, &f->timer, m->dev.timing[TIM_FWUPD_RESTART]);
        return;
    case XMODEM_TIMEOUT:
        fw_line(m, "+UFWUPD: Timeout");
        back_to_old_firmware(m);
        return;
    default: /* cancelled by the sender, sync lost, too many errors */
        fw_line(m, "ERROR");
        back_to_old_firmware(m);
        return;
    }
}

/* ---- EasyFlash (§7) ---- */

#define EASYFLASH_RATE 3000000u /* §7.2: "Baud rate: 3'000'000" */

/* The tool's power-up handshake, the image on the wire at 3 Mbaud (10 bits
 * a byte), and writing it: the flash is written at FOAT's full-image rate
 * (§4.1.2's 140 s at 921600 less its Xmodem time), for want of an EasyFlash
 * figure in the app note. */
sim_ns fwupd_easyflash_ns(const modem *m, uint64_t bytes)
{
    const sim_ns *t = m->dev.timing;
    sim_ns wire = (sim_ns)(bytes * 10u * 1000000000ull / EASYFLASH_RATE);
    sim_ns write = t[TIM_INSTALL_FULL_BASE] + (sim_ns)(bytes * (uint64_t)t[TIM_INSTALL_FULL_PER_MB] / 1000000u);
    return t[TIM_EASYFLASH_SETUP] + wire + write;
}

/* The module's boot ROM on the primary UART at the tool's rate: it hears
 * only the tool, the host hears nothing. */
static void easyflash_rom(modem *m)
{
    fwupd *f = &m->fw;
    modem_enter_fwupdate(m);
    f->method = UPD_EASYFLASH;
    f->port = 0;
    f->rate = EASYFLASH_RATE;
    uart_set_module_rate(&m->port[0].uart, EASYFLASH_RATE);
}

int fwupd_easyflash(modem *m, const char *version, uint64_t bytes)
{
    int was_corrupt = m->fw_corrupt;
    update_method was_method = m->fw_corrupt_method;
    m->fw_corrupt = 1;
    m->fw_corrupt_method = UPD_EASYFLASH;
    m->fw_corrupt_port = 0;
    m->fw_corrupt_rate = EASYFLASH_RATE;
    m->fw_corrupt_urcs = 0;
    if (modem_save_firmware(m)) {
        m->fw_corrupt = was_corrupt;
        m->fw_corrupt_method = was_method;
        return -EIO;
    }
    easyflash_rom(m);
    fwupd *f = &m->fw;
    memset(&f->hdr, 0, sizeof(f->hdr));
    snprintf(f->hdr.to, sizeof(f->hdr.to), "%s", version);
    f->hdr.total_len = bytes;
    f->phase_ns = fwupd_easyflash_ns(m, bytes);
    set_phase(m, FWUPD_EASYFLASH);
    modem_trace_event(m, "easyflash start version=%s bytes=%llu duration_ms=%llu", version,
                      (unsigned long long)bytes, (unsigned long long)(f->phase_ns / 1000000));
    clk_timer_start(m->clk, &f->timer, f->phase_ns);
    return 0;
}

void fwupd_easyflash_cut(modem *m)
{
    easyflash_rom(m);
    modem_trace_event(m, "easyflash incomplete: the boot ROM waits for the tool");
}

/* The image is in; the user closes the tool and resets the module (§7.2
 * step 10), whose first boot applies Table 16's EasyFlash row. */
static void easyflash_done(modem *m)
{
    fwupd *f = &m->fw;
    modem_firmware_installed(m, f->hdr.to, UPD_EASYFLASH);
    modem_trace_event(m, "easyflash done version=%s", m->firmware);
    f->phase = FWUPD_OFF;
    modem_reboot(m, m->dev.timing[TIM_BOOT]);
}

/* ---- the transfer ---- */

void fwupd_rx(modem *m, int port, const uint8_t *p, size_t n)
{
    fwupd *f = &m->fw;
    if (f->phase != FWUPD_XMODEM || port != f->port)
        return; /* the agent listens to nothing else */
    sim_ns now = clk_now(m->clk);
    while (n && xmodem_rx_status(&f->rx) == XMODEM_RUNNING) {
        uint64_t before = xmodem_rx_blocks(&f->rx);
        size_t k = xmodem_rx_feed(&f->rx, now, p, n, &f->out);
        p += k;
        n -= k;
        flush_xmodem(m);
        if (f->image.len > PKG_MAX_TOTAL + XMODEM_BLOCK_MAX) {
            /* no package is that large: the module's download area is full */
            xmodem_rx_abort(&f->rx, 1, &f->out);
            flush_xmodem(m);
            modem_trace_event(m, "fwupd image too large bytes=%zu", f->image.len);
        }
        if (xmodem_rx_blocks(&f->rx) != before)
            modem_trace_event(m, "xmodem block n=%u index=%llu", (unsigned)xmodem_rx_last_seq(&f->rx),
                              (unsigned long long)xmodem_rx_blocks(&f->rx));
    }
    if (xmodem_rx_status(&f->rx) != XMODEM_RUNNING)
        transfer_ended(m);
    else
        arm_at(m, xmodem_rx_next_deadline(&f->rx));
}

/* ---- validation and install: progress URCs on the clock ---- */

static void schedule_step(modem *m)
{
    fwupd *f = &m->fw;
    sim_ns due = f->phase_start + pkg_step_due_ns(f->phase_ns, f->steps.pct[f->step]);
    clk_timer_start_at(m->clk, &f->timer, due);
}

/* §4.1: "If the validation fails, the procedure will be suspended and a FOAT
 * error code will be issued together with the +UFWUPD URC. The module exits
 * from the update procedure mode and returns to the normal mode." */
static void validation_failed(modem *m)
{
    if (m->fw.method == UPD_UFOTA)
        ufota_install_outcome(m, 0, m->fw.result);
    fw_line(m, "%s: %d", install_urc(m), m->fw.result);
    back_to_old_firmware(m);
}

/* Validate the received image (Xmodem padding after the package's own end
 * is ignored by the validator); *fail_at says where a failure was found. */
static int validate_image(fwupd *f, const pkg_expect *e, uint64_t *fail_at)
{
    pkg_validator *v;
    memset(&f->hdr, 0, sizeof(f->hdr));
    if (pkg_validator_create(&v, e))
        return PKG_E_RAM;
    pkg_validator_feed(v, f->image.data, f->image.len);
    int rc = pkg_validator_finish(v);
    const pkg_header *h = pkg_validator_header(v);
    if (h)
        f->hdr = *h;
    *fail_at = pkg_validator_fail_offset(v);
    pkg_validator_destroy(v);
    return rc;
}

static void start_validation(modem *m)
{
    fwupd *f = &m->fw;
    set_phase(m, FWUPD_VALIDATE);
    /* Xmodem pads the last block; the package says where it ends. */
    pkg_method pm = f->method == UPD_UFOTA ? PKG_METHOD_UFOTA
                    : f->method == UPD_UFWINSTALL ? PKG_METHOD_FWINSTALL
                                                  : PKG_METHOD_FOAT;
    pkg_expect e = { pm, m->dev.model, m->dev.product, m->firmware };
    uint64_t fail_at = 0;
    if (f->method != UPD_FOAT && f->image.len == 0)
        f->result = 144; /* the agent finds no package: "file not found" */
    else
        f->result = validate_image(f, &e, &fail_at);
    modem_trace_event(m, "fwupd validate result=%d size=%zu", f->result, f->image.len);
    pkg_validation_steps(&f->hdr, &f->steps);
    pkg_timing pt;
    package_timing(m, &pt);
    f->phase_ns = pkg_validation_ns(&f->hdr, &pt);
    f->phase_start = clk_now(m->clk);
    f->step = 0;
    /* A failing package shows the validation steps up to where the check
     * failed (a wrong product is seen at once, a bad signature at the end). */
    f->stop_step = f->steps.n;
    if (f->result) {
        uint64_t total = f->hdr.total_len ? f->hdr.total_len : f->image.len;
        unsigned pct = total ? (unsigned)(fail_at * 100 / total) : 0;
        f->stop_step = 0;
        while (f->stop_step < f->steps.n && f->steps.pct[f->stop_step] <= pct)
            f->stop_step++;
    }
    if (f->stop_step == 0) {
        validation_failed(m);
        return;
    }
    schedule_step(m);
}

static void start_install(modem *m)
{
    fwupd *f = &m->fw;
    set_phase(m, FWUPD_INSTALL);
    /* From here the flash is being overwritten: a reset or a power cut
     * leaves the module in Firmware Update Mode. */
    int was_corrupt = m->fw_corrupt;
    m->fw_corrupt = 1;
    m->fw_corrupt_port = f->port;
    m->fw_corrupt_rate = f->rate;
    m->fw_corrupt_method = f->method;
    m->fw_corrupt_urcs = f->urcs;
    if (modem_save_firmware(m)) {
        /* the flash cannot take the "update in progress" mark: nothing has
         * been written yet, the firmware stays as it was (130: flash access) */
        m->fw_corrupt = was_corrupt;
        fw_line(m, "%s: 130", install_urc(m));
        back_to_old_firmware(m);
        return;
    }
    pkg_install_steps(&f->hdr, &f->steps);
    pkg_timing pt;
    package_timing(m, &pt);
    f->phase_ns = pkg_install_ns(&f->hdr, m->dev.product, &pt);
    f->phase_start = clk_now(m->clk);
    f->step = 0;
    schedule_step(m);
}

/* The new firmware is in: its first boot applies Table 16's FOAT column
 * (sim/update_rules.c: USER and LwM2M files erased, NVM and profiles at
 * factory values, MNO profile global; keys, certificates kept). */
static void install_done(modem *m)
{
    fwupd *f = &m->fw;
    modem_firmware_installed(m, f->hdr.to, f->method);
    modem_trace_event(m, "fwupd installed version=%s", m->firmware);
    fw_line(m, "%s: 128", install_urc(m));
    f->phase = FWUPD_OFF;
    modem_reboot(m, m->dev.timing[TIM_BOOT]);
}

static void validation_step(modem *m)
{
    fwupd *f = &m->fw;
    fw_line(m, "+UFWPREVAL: %u", (unsigned)f->steps.pct[f->step]);
    if (++f->step < f->stop_step) {
        schedule_step(m);
        return;
    }
    if (f->result) {
        validation_failed(m);
        return;
    }
    start_install(m);
}

static void install_step(modem *m)
{
    fwupd *f = &m->fw;
    unsigned pct = f->steps.pct[f->step];
    if (f->fault_pct >= 0 && (int)pct >= f->fault_pct) {
        fw_line(m, "%s: %d", install_urc(m), f->fault_code);
        f->fault_pct = -1;
        stay_in_update_mode(m);
        return;
    }
    fw_line(m, "%s: %u", install_urc(m), pct);
    if (++f->step < f->steps.n)
        schedule_step(m);
    else /* the agent finalises (marks the new image good) before 128 */
        clk_timer_start(m->clk, &f->timer, m->dev.timing[TIM_FWUPD_FINALISE]);
}

static void timer_cb(clk_timer *t)
{
    modem *m = t->data;
    fwupd *f = &m->fw;
    switch (f->phase) {
    case FWUPD_RESTART:
        if (f->method == UPD_FOAT)
            start_handshake(m);
        else
            start_validation(m);
        break;
    case FWUPD_XMODEM:
        xmodem_rx_tick(&f->rx, clk_now(m->clk), &f->out);
        flush_xmodem(m);
        if (xmodem_rx_status(&f->rx) != XMODEM_RUNNING)
            transfer_ended(m);
        else
            arm_at(m, xmodem_rx_next_deadline(&f->rx));
        break;
    case FWUPD_AGENT: start_validation(m); break;
    case FWUPD_VALIDATE: validation_step(m); break;
    case FWUPD_EASYFLASH: easyflash_done(m); break;
    case FWUPD_INSTALL:
        if (f->step < f->steps.n)
            install_step(m);
        else
            install_done(m);
        break;
    default: break;
    }
}
