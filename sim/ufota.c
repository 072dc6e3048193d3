/* ufota.c - uFOTA on the module (ufota.h). */
#include "ufota.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fs/atomic.h"
#include "../protocol/cme.h"
#include "../protocol/package.h"
#include "coap_fetch.h"
#include "http_fetch.h"
#include "modem_int.h"

#define STATE_FILE "fota.json"
#define DATA_FILE "fota.bin"
#define STATE_FILE_MAX (64u << 10)
#define URI_MAX 256
/* The module's download area: the app note's largest delta (Table 1). */
#define AREA_MAX (6u << 20)
#define SECS(x) ((sim_ns)(x) * SIM_NS_PER_S)

/* Where the campaign is. */
typedef enum uf_phase {
    UFP_IDLE = 0,
    UFP_WAIT_ACK,     /* mode 2: +UFOTASTAT: 0,3,0, waiting for +UFOTAACK (1 h) */
    UFP_ACK_DELAY,    /* accepted with +UFOTAACK=<n>: starts n s later */
    UFP_PENDING,      /* to start or resume once the bearer is up (after a boot) */
    UFP_DOWNLOADING,
    UFP_RETRY,        /* interrupted: the §3.2.2 back-off */
    UFP_PAUSED,       /* +UFOTA=1 */
    UFP_STOPPED,      /* detached: resumes after the next boot */
    UFP_DOWNLOADED,
    UFP_UPDATING,     /* the install runs (module in its update agent) */
} uf_phase;

static const char *const phase_names[] = { "idle", "wait_ack", "ack_delay", "pending", "downloading",
                                           "retry", "paused", "stopped", "downloaded", "updating" };

struct ufota {
    modem *m;
    uf_phase phase;
    int state, result;          /* /5/0/3, /5/0/5 */
    char uri[URI_MAX];
    uint16_t ssid;
    bytebuf data;               /* the package so far */
    uint64_t total;             /* its size when known (0: not yet) */
    int last_pct;               /* last progress URC */
    int retries;                /* resume attempts made (§3.2.2: 4) */
    int saved_resumable;        /* the bytes on flash may be resumed from */
    char from_version[32];      /* the firmware the install started from */
    int install_code;           /* a failed install's code (validation) */
    coap_fetch *fetch;       /* a coap:// package */
    http_fetch_uri *hfetch;  /* an http:// package (the real content host is HTTP, §3.9.1) */
    clk_timer timer;            /* ack timeout / ack delay / retry / start */
};

static ufota *uf(const modem *m) { return m->ufota; }

/* ---- URCs and object 5 ---- */

static void stat_urc(ufota *u, int ev, int p1, int p2)
{
    modem_trace_event(u->m, "ufota stat %d,%d,%d phase=%s", ev, p1, p2, phase_names[u->phase]);
    if (nvm_get(&u->m->nvm, SET_UFOTASTAT) == 1)
        modem_urc(u->m, "+UFOTASTAT: %d,%d,%d", ev, p1, p2);
}

/* State / Result changed: the LwM2M client's /5/0 follows (observers are
 * notified). */
static void set_object(ufota *u, int state, int result)
{
    u->state = state;
    u->result = result;
    lwm2m_mod_fw_object(u->m, state, result, NULL);
}

static void set_phase(ufota *u, uf_phase p)
{
    if (u->phase != p)
        modem_trace_event(u->m, "ufota phase %s -> %s", phase_names[u->phase], phase_names[p]);
    u->phase = p;
}

/* ---- the download area on flash ---- */

static int save_state(ufota *u)
{
    modem *m = u->m;
    if (!m->state_dir)
        return 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "phase", phase_names[u->phase]);
    cJSON_AddNumberToObject(o, "state", u->state);
    cJSON_AddNumberToObject(o, "result", u->result);
    cJSON_AddStringToObject(o, "uri", u->uri);
    cJSON_AddNumberToObject(o, "ssid", u->ssid);
    cJSON_AddNumberToObject(o, "total", (double)u->total);
    cJSON_AddNumberToObject(o, "saved", (double)(u->saved_resumable ? u->data.len : 0));
    cJSON_AddStringToObject(o, "from", u->from_version);
    cJSON_AddNumberToObject(o, "install_code", u->install_code);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return -ENOMEM;
    int rc = atomic_write_file(m->state_dir, STATE_FILE, text, strlen(text));
    free(text);
    if (rc)
        modem_trace_event(m, "ufota state write failed: %s", strerror(-rc));
    return rc;
}

/* The bytes so far go to flash with the state that says they may be
 * resumed (a pause, a detach, the end of the download). */
static int save_data(ufota *u)
{
    modem *m = u->m;
    u->saved_resumable = 1;
    if (!m->state_dir)
        return 0;
    int rc = atomic_write_file(m->state_dir, DATA_FILE, u->data.data ? (const char *)u->data.data : "", u->data.len);
    if (rc) {
        u->saved_resumable = 0;
        modem_trace_event(m, "ufota data write failed: %s", strerror(-rc));
    }
    return save_state(u) || rc;
}

static void forget_data(ufota *u)
{
    bytebuf_clear(&u->data);
    u->total = 0;
    u->saved_resumable = 0;
    u->last_pct = -1;
    if (u->m->state_dir)
        atomic_remove_file(u->m->state_dir, DATA_FILE);
}

/* ---- the transfer ---- */

static void start_transfer(ufota *u);

static void stop_fetch(ufota *u)
{
    coap_fetch_stop(u->fetch);
    u->fetch = NULL;
    http_fetch_uri_stop(u->hfetch);
    u->hfetch = NULL;
}

static void stop_transfer(ufota *u)
{
    stop_fetch(u);
    clk_timer_stop(u->m->clk, &u->timer);
}

/* The campaign ends without a package: Result, State 0, +UFOTASTAT: 2,3,<why>. */
static void campaign_failed(ufota *u, int result, int why)
{
    stop_transfer(u);
    forget_data(u);
    set_phase(u, UFP_IDLE);
    stat_urc(u, 2, 3, why);
    set_object(u, UF_STATE_IDLE, result);
    save_state(u);
    /* "uFOTA download failure is declared towards the server" (§3.2.2):
     * its observations may have ended while the radio was gone, so the
     * module checks in and the server looks again */
    if (result == UF_RESULT_CONNECTION_LOST)
        lwm2m_mod_trigger_update(u->m, u->ssid ? u->ssid : 721);
}

static int pct_of(const ufota *u)
{
    if (!u->total)
        return 0;
    uint64_t p = (uint64_t)u->data.len * 100 / u->total;
    return p > 100 ? 100 : (int)p;
}

static void on_size(void *ctx, uint64_t total)
{
    ufota *u = ctx;
    u->total = total;
}

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    ufota *u = ctx;
    if (u->data.len + n > AREA_MAX) /* the download area is full */
        return;
    bytebuf_append(&u->data, p, n);
    int pct = pct_of(u);
    if (pct > u->last_pct && pct > 0 && pct < 100) {
        u->last_pct = pct;
        stat_urc(u, 0, 1, pct);
    }
}

static void downloaded(ufota *u)
{
    set_phase(u, UFP_DOWNLOADED);
    u->total = u->data.len;
    save_data(u);
    /* the host hears it before the server is told (app note Table 4) */
    stat_urc(u, 2, 2, 100);
    set_object(u, UF_STATE_DOWNLOADED, UF_RESULT_INITIAL);
}

/* §3.2.2: resume attempts 60, 120, 180, 240 s apart (10 min in all), then
 * the failure goes to the server (Result 4) and the host (2,3,105). */
static void interrupted(ufota *u, const char *why)
{
    stop_transfer(u);
    if (u->retries >= 4) {
        modem_trace_event(u->m, "ufota resume failed reason=%s", why);
        campaign_failed(u, UF_RESULT_CONNECTION_LOST, 105);
        return;
    }
    set_phase(u, UFP_RETRY);
    clk_timer_start(u->m->clk, &u->timer, SECS(60 * (u->retries + 1)));
    modem_trace_event(u->m, "ufota interrupted reason=%s retry_in=%ds", why, 60 * (u->retries + 1));
}

static void on_done(void *ctx, int err)
{
    ufota *u = ctx;
    stop_fetch(u);
    if (err == 0) {
        if (u->total && u->data.len != u->total) {
            interrupted(u, "short");
            return;
        }
        downloaded(u);
        return;
    }
    if (u->data.len >= AREA_MAX) {
        campaign_failed(u, UF_RESULT_NO_STORAGE, 101);
        return;
    }
    switch (err) {
    case -ENOENT:
    case -EHOSTUNREACH: campaign_failed(u, UF_RESULT_INVALID_URI, 104); break;
    case -EINVAL: campaign_failed(u, UF_RESULT_UNSUPPORTED_PROTOCOL, 104); break;
    default: interrupted(u, err == -ETIMEDOUT ? "timeout" : err == -ENETDOWN ? "network" : "error"); break;
    }
}

/* The fetch for the URI's scheme, from the bytes already held: 0, an error
 * of the fetch's start (a URI it cannot use), or -EPROTONOSUPPORT. */
static int fetch_start(ufota *u)
{
    modem *m = u->m;
    if (!strncmp(u->uri, "coap://", 7)) {
        coap_fetch_cb cb = { on_size, on_data, on_done, u };
        return coap_fetch_start(m, u->uri, u->data.len, &cb, &u->fetch);
    }
    if (!strncmp(u->uri, "http://", 7)) {
        http_fetch_uri_cb cb = { on_size, on_data, on_done, u };
        return http_fetch_uri_start(m, u->uri, u->data.len, &cb, &u->hfetch);
    }
    /* https:// needs TLS on the module's HTTP client, coaps:// a DTLS
     * session with the package host: neither is simulated */
    return -EPROTONOSUPPORT;
}

static void start_transfer(ufota *u)
{
    int rc = fetch_start(u);
    if (rc == 0)
        set_phase(u, UFP_DOWNLOADING);
    else if (rc == -EPROTONOSUPPORT)
        campaign_failed(u, UF_RESULT_UNSUPPORTED_PROTOCOL, 104);
    else
        campaign_failed(u, UF_RESULT_INVALID_URI, 104);
}

/* +UFOTASTAT: 1,0,0 and the transfer (from the bytes already here). */
static void begin_download(ufota *u)
{
    stat_urc(u, 1, 0, 0);
    if (u->state != UF_STATE_DOWNLOADING)
        set_object(u, UF_STATE_DOWNLOADING, UF_RESULT_INITIAL);
    if (ip_bearer_ready(u->m, IP_USER_MODULE) != 0) {
        interrupted(u, "no_bearer");
        return;
    }
    start_transfer(u);
}

static void timer_cb(clk_timer *t)
{
    ufota *u = t->data;
    switch (u->phase) {
    case UFP_WAIT_ACK: /* §3.4.2: no answer within an hour: accepted */
        modem_trace_event(u->m, "ufota ack timeout: accepted");
        begin_download(u);
        break;
    case UFP_ACK_DELAY: begin_download(u); break;
    case UFP_RETRY:
        u->retries++;
        if (ip_bearer_ready(u->m, IP_USER_MODULE) != 0 || u->m->net.lost) {
            interrupted(u, "no_coverage");
            break;
        }
        stat_urc(u, 1, 0, 0);
        start_transfer(u);
        break;
    case UFP_IDLE: break;
    default: break;
    }
}

/* ---- the campaign from the server ---- */

static long config_mode(const ufota *u) { return nvm_get(&u->m->nvm, SET_UFOTACONFIG_MODE); }

/* A new URI: the mode decides (app note §3.4). */
static void campaign_start(ufota *u)
{
    u->retries = 0;
    forget_data(u);
    snprintf(u->from_version, sizeof u->from_version, "%s", u->m->firmware);
    switch (config_mode(u)) {
    case 3: /* uFOTA disabled: the device rejects it (§3.4.3) */
        stat_urc(u, 1, 0, 0);
        set_phase(u, UFP_IDLE);
        set_object(u, UF_STATE_IDLE, UF_RESULT_CANCELLED);
        stat_urc(u, 2, 3, 100);
        break;
    case 2: /* wait for the host's ack, an hour at most (§3.4.2) */
        set_phase(u, UFP_WAIT_ACK);
        set_object(u, UF_STATE_IDLE, UF_RESULT_INITIAL);
        stat_urc(u, 0, 3, 0);
        clk_timer_start(u->m->clk, &u->timer, u->m->dev.timing[TIM_UFOTA_ACK_TIMEOUT]);
        break;
    default: begin_download(u); break;
    }
    save_state(u);
}

static void start_cb_deferred(clk_timer *t);

uint8_t ufota_uri_written(modem *m, uint16_t ssid, const char *uri, size_t len)
{
    ufota *u = uf(m);
    if (len >= URI_MAX)
        return COAP_BAD_REQUEST;
    if (len == 0) { /* the empty URI resets the object (OMA object 5) */
        if (u->phase == UFP_UPDATING)
            return COAP_METHOD_NOT_ALLOWED;
        stop_transfer(u);
        forget_data(u);
        u->uri[0] = 0;
        set_phase(u, UFP_IDLE);
        u->state = UF_STATE_IDLE;
        u->result = UF_RESULT_INITIAL;
        clk_timer_start(m->clk, &u->timer, 0);
        save_state(u);
        return 0;
    }
    if (u->phase != UFP_IDLE && u->phase != UFP_DOWNLOADED)
        return COAP_METHOD_NOT_ALLOWED; /* one campaign at a time */
    /* App. B the other way round: one firmware download at a time, so a
     * package URI while the host's +UDWNFILE (FOAT tag), +UFTPC=100 or
     * +UHTTPC=..,100 runs is refused like a second campaign (a choice: the
     * app note only lists what is refused while the client downloads) */
    if (modem_fwdl_busy(m))
        return COAP_METHOD_NOT_ALLOWED;
    memcpy(u->uri, uri, len);
    u->uri[len] = 0;
    u->ssid = ssid;
    modem_trace_event(m, "ufota uri ssid=%u len=%zu", ssid, len);
    /* after the write is answered and applied */
    set_phase(u, UFP_PENDING);
    clk_timer_start(m->clk, &u->timer, 0);
    return 0;
}

uint8_t ufota_execute_update(modem *m, uint16_t ssid)
{
    ufota *u = uf(m);
    (void)ssid;
    /* OMA object 5: Update only in State 2; not in download-only mode, where
     * the host installs with +UFWINSTALL (§3.4.1) */
    if (u->phase != UFP_DOWNLOADED || config_mode(u) == 1)
        return COAP_METHOD_NOT_ALLOWED;
    set_phase(u, UFP_UPDATING);
    set_object(u, UF_STATE_UPDATING, UF_RESULT_INITIAL);
    save_state(u);
    /* the reset comes once the 2.04 is on its way */
    clk_timer_start(m->clk, &u->timer, m->dev.timing[TIM_LWM2M_REBOOT]);
    return COAP_CHANGED;
}

static void start_install(ufota *u)
{
    modem *m = u->m;
    long urc = nvm_get(&m->nvm, SET_UFWINSTALL_URC);
    modem_trace_event(m, "ufota install bytes=%zu", u->data.len);
    fwupd_install_stored(m, UPD_UFOTA, u->data.data, u->data.len, urc ? (int)urc - 1 : 0, 0, urc != 0);
}

/* The zero-delay and reboot timers of phases that run code after a server
 * request has been answered. */
static void start_cb_deferred(clk_timer *t)
{
    ufota *u = t->data;
    switch (u->phase) {
    case UFP_PENDING: campaign_start(u); break;
    case UFP_UPDATING: start_install(u); break;
    case UFP_IDLE: set_object(u, u->state, u->result); break;
    default: timer_cb(t); break;
    }
}

/* ---- the host ---- */

int ufota_control(modem *m, int op)
{
    ufota *u = uf(m);
    switch (op) {
    case 0: /* cancel (§3.3): a new campaign is needed afterwards */
        if (u->phase == UFP_IDLE || u->phase == UFP_UPDATING || u->phase == UFP_DOWNLOADED)
            return AT_CME(CME_NOT_ALLOWED);
        campaign_failed(u, UF_RESULT_CANCELLED, 100);
        return 0;
    case 1: /* pause: the bytes so far go to flash, resumable even after a reboot */
        if (u->phase != UFP_DOWNLOADING && u->phase != UFP_RETRY)
            return AT_CME(CME_NOT_ALLOWED);
        stop_transfer(u);
        set_phase(u, UFP_PAUSED);
        save_data(u);
        stat_urc(u, 0, 2, pct_of(u));
        return 0;
    case 2: /* resume */
        if (u->phase != UFP_PAUSED)
            return AT_CME(CME_NOT_ALLOWED);
        u->retries = 0;
        begin_download(u);
        save_state(u);
        return 0;
    default: return AT_CME(CME_INCORRECT_PARAMS);
    }
}

/* +UFOTA? <status>: 0 nothing, 1 paused (the app note's example), 2
 * downloading, 3 downloaded, 4 waiting for the host's ack (ours beyond 1). */
void ufota_status(const modem *m, int *status, uint64_t *total, uint64_t *done)
{
    const ufota *u = uf(m);
    switch (u->phase) {
    case UFP_PAUSED:
    case UFP_STOPPED: *status = 1; break;
    case UFP_DOWNLOADING:
    case UFP_RETRY:
    case UFP_PENDING:
    case UFP_ACK_DELAY: *status = 2; break;
    case UFP_DOWNLOADED: *status = 3; break;
    case UFP_WAIT_ACK: *status = 4; break;
    default: *status = 0; break;
    }
    *total = u->total;
    *done = u->data.len;
}

int ufota_ack(modem *m, long secs)
{
    ufota *u = uf(m);
    if (u->phase != UFP_WAIT_ACK)
        return AT_CME(CME_NOT_ALLOWED);
    if (secs == 0) { /* rejected by the host (§3.4.2.2) */
        clk_timer_stop(m->clk, &u->timer);
        set_phase(u, UFP_IDLE);
        set_object(u, UF_STATE_IDLE, UF_RESULT_CANCELLED);
        stat_urc(u, 2, 3, 100);
        save_state(u);
        return 0;
    }
    set_phase(u, UFP_ACK_DELAY);
    clk_timer_start(m->clk, &u->timer, SECS(secs));
    save_state(u);
    return 0;
}

/* ---- the module's life ---- */

int ufota_downloading(const modem *m)
{
    const ufota *u = uf(m);
    return u && (u->phase == UFP_DOWNLOADING || u->phase == UFP_RETRY || u->phase == UFP_ACK_DELAY);
}

static void load(ufota *u);

int ufota_package(modem *m, uint8_t **pkg, size_t *len)
{
    ufota *u = uf(m);
    if (!u->data.len) /* a boot that resumes a cut install comes before ufota_boot */
        load(u);
    if ((u->phase != UFP_DOWNLOADED && u->phase != UFP_UPDATING) || !u->data.len)
        return -ENOENT;
    *pkg = malloc(u->data.len);
    if (!*pkg)
        return -ENOMEM;
    memcpy(*pkg, u->data.data, u->data.len);
    *len = u->data.len;
    return 0;
}

void ufota_install_begins(modem *m)
{
    ufota *u = uf(m);
    set_phase(u, UFP_UPDATING);
    u->state = UF_STATE_UPDATING;
    save_state(u);
}

void ufota_install_outcome(modem *m, int ok, int code)
{
    ufota *u = uf(m);
    if (u->phase != UFP_UPDATING && u->phase != UFP_DOWNLOADED)
        return;
    u->install_code = ok ? 0 : code;
    save_state(u);
}

/* The install's outcome, seen by the boot after it (app note §3.7.5: the
 * client then notifies State and Result). */
static void settle_update(ufota *u)
{
    modem *m = u->m;
    int result;
    if (strcmp(m->firmware, u->from_version)) {
        result = UF_RESULT_SUCCESS;
    } else {
        switch (u->install_code) {
        case PKG_E_CORRUPTED:
        case PKG_E_SIGNATURE: result = UF_RESULT_INTEGRITY; break;
        case PKG_E_FORMAT:
        case PKG_E_NO_MATCH:
        case PKG_E_VERSION:
        case PKG_E_PREVALIDATION: result = UF_RESULT_UNSUPPORTED_PACKAGE; break;
        default: result = UF_RESULT_UPDATE_FAILED; break;
        }
    }
    modem_trace_event(m, "ufota update outcome result=%d firmware=%s", result, m->firmware);
    forget_data(u);
    u->uri[0] = 0;
    u->state = UF_STATE_IDLE;
    u->result = result;
    set_phase(u, UFP_IDLE);
    save_state(u);
}

static uf_phase phase_by_name(const char *s)
{
    for (size_t i = 0; i < sizeof phase_names / sizeof phase_names[0]; i++)
        if (!strcmp(phase_names[i], s))
            return (uf_phase)i;
    return UFP_IDLE;
}

static void load(ufota *u)
{
    modem *m = u->m;
    char *text;
    size_t len;
    if (!m->state_dir || atomic_read_file(m->state_dir, STATE_FILE, STATE_FILE_MAX, &text, &len))
        return;
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(o, "phase");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(o, "uri");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(o, "from");
    if (!cJSON_IsString(ph) || !cJSON_IsString(uri) || strlen(uri->valuestring) >= URI_MAX || !cJSON_IsString(from)) {
        cJSON_Delete(o);
        modem_notice(m, "state dir: %s unreadable: no firmware campaign", STATE_FILE);
        return;
    }
    u->phase = phase_by_name(ph->valuestring);
    snprintf(u->uri, sizeof u->uri, "%s", uri->valuestring);
    snprintf(u->from_version, sizeof u->from_version, "%s", from->valuestring);
    u->state = cJSON_GetObjectItemCaseSensitive(o, "state") ? cJSON_GetObjectItemCaseSensitive(o, "state")->valueint : 0;
    u->result = cJSON_GetObjectItemCaseSensitive(o, "result") ? cJSON_GetObjectItemCaseSensitive(o, "result")->valueint : 0;
    const cJSON *ssid = cJSON_GetObjectItemCaseSensitive(o, "ssid");
    u->ssid = cJSON_IsNumber(ssid) ? (uint16_t)ssid->valueint : 721;
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(o, "total");
    u->total = cJSON_IsNumber(tot) && tot->valuedouble >= 0 && tot->valuedouble <= AREA_MAX ? (uint64_t)tot->valuedouble : 0;
    const cJSON *saved = cJSON_GetObjectItemCaseSensitive(o, "saved");
    size_t want = cJSON_IsNumber(saved) && saved->valuedouble > 0 ? (size_t)saved->valuedouble : 0;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "install_code");
    u->install_code = cJSON_IsNumber(code) ? code->valueint : 0;
    cJSON_Delete(o);
    if (u->state < 0 || u->state > 3 || u->result < 0 || u->result > 10)
        u->state = u->result = 0;
    bytebuf_clear(&u->data);
    if (want) {
        char *d;
        size_t n;
        if (atomic_read_file(m->state_dir, DATA_FILE, AREA_MAX, &d, &n) == 0) {
            if (n == want) {
                bytebuf_append(&u->data, d, n);
                u->saved_resumable = 1;
            }
            free(d);
        }
    }
}

void ufota_boot(modem *m)
{
    ufota *u = uf(m);
    stop_transfer(u);
    load(u);
    u->last_pct = -1;
    u->retries = 0;
    switch (u->phase) {
    case UFP_UPDATING: settle_update(u); break;
    case UFP_DOWNLOADING:
    case UFP_RETRY:
    case UFP_ACK_DELAY:
    case UFP_STOPPED:
    case UFP_PENDING:
        /* a power loss or a reset restarts the download; a detach before the
         * reboot (or a pause) left resumable bytes (§3.2.2) */
        if (!u->saved_resumable)
            forget_data(u);
        set_phase(u, UFP_PENDING);
        break;
    case UFP_DOWNLOADED:
        if (!u->saved_resumable || (u->total && u->data.len != u->total)) {
            forget_data(u);
            set_phase(u, UFP_PENDING);
        }
        break;
    case UFP_WAIT_ACK:
        clk_timer_start(m->clk, &u->timer, m->dev.timing[TIM_UFOTA_ACK_TIMEOUT]);
        break;
    default: break;
    }
}

void ufota_client_started(modem *m)
{
    ufota *u = uf(m);
    lwm2m_mod_fw_object(m, u->state, u->result, u->uri);
    /* "+UFOTASTAT: 3,1,0 LwM2M client start" (app note Table 2): the
     * object's Result and State */
    stat_urc(u, 3, u->result, u->state);
}

void ufota_bearer_up(modem *m)
{
    ufota *u = uf(m);
    if (u->phase != UFP_PENDING || !u->uri[0])
        return;
    modem_trace_event(m, "ufota resume from=%zu", u->data.len);
    begin_download(u);
    save_state(u);
}

void ufota_detached(modem *m)
{
    ufota *u = uf(m);
    if (u->phase != UFP_DOWNLOADING && u->phase != UFP_RETRY)
        return;
    stop_transfer(u);
    set_phase(u, UFP_STOPPED);
    save_data(u); /* resumable after the next boot (§3.2.2) */
}

void ufota_coverage_changed(modem *m)
{
    ufota *u = uf(m);
    if (u->phase == UFP_DOWNLOADING && m->net.lost)
        interrupted(u, "signal_loss");
}

void ufota_stop(modem *m)
{
    ufota *u = uf(m);
    if (!u)
        return;
    stop_transfer(u);
}

int ufota_init(modem *m)
{
    ufota *u = calloc(1, sizeof *u);
    if (!u)
        return -ENOMEM;
    u->m = m;
    bytebuf_init(&u->data);
    u->last_pct = -1;
    clk_timer_init(&u->timer, start_cb_deferred, u);
    m->ufota = u;
    return 0;
}

void ufota_free(modem *m)
{
    ufota *u = uf(m);
    if (!u)
        return;
    stop_transfer(u);
    bytebuf_free(&u->data);
    free(u);
    m->ufota = NULL;
}

void ufota_state_json(const modem *m, cJSON *obj)
{
    const ufota *u = uf(m);
    if (!u)
        return;
    cJSON_AddStringToObject(obj, "phase", phase_names[u->phase]);
    cJSON_AddNumberToObject(obj, "state", u->state);
    cJSON_AddNumberToObject(obj, "result", u->result);
    cJSON_AddStringToObject(obj, "uri", u->uri);
    cJSON_AddNumberToObject(obj, "total", (double)u->total);
    cJSON_AddNumberToObject(obj, "downloaded", (double)u->data.len);
}
