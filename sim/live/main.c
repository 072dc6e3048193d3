/* main.c - sarasim: a simulated SARA-R5 on a pseudo-terminal.
 *
 * Parses the command line (a public contract: see README "CLI reference"),
 * builds the modem core, connects it to PTYs, the control socket and the
 * trace file through libuv, powers the module on and serves until SIGINT or
 * SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/caps.h"
#include "harness/coap_files.h"
#include "harness/sc_env.h"
#include "protocol/dur.h"
#include "sim/trace.h"
#include "uv_host.h"

typedef struct options {
    const char *pty;
    const char *aux_pty;
    const char *state_dir;
    const char *trace;
    const char *control;
    double time_scale;
    int pacing;
    device_cfg dev;
    const char *scenario_path; /* --scenario: its device and world, not its host */
    scenario sc;
    const char *world_path;    /* --world: hosts behind the radio */
    nw_config world;
    const char **host_map;     /* --host NAME=ADDR, as given */
    size_t nhost_map;
} options;

typedef struct app {
    options opt;
    uv_loop_t loop;
    clk clock;
    uv_simclock simclock;
    modem *m;
    uv_pty pty[MODEM_PORTS];
    int npty;
    uv_control *control;
    FILE *trace;
    uv_signal_t sigint, sigterm;
    sc_env env; /* with --scenario: the modem inside its world */
    uv_net *realnet;  /* the real network behind the radio */
    networld *net;    /* the simulated hosts (env.net with --scenario) */
    lwm2m_services *lw; /* the built-in LwM2M server(s) without --scenario (env.lw with it) */
    coap_files_set *files; /* --world's CoAP file hosts (env.files with --scenario) */
    int loop_ready;   /* app_run got as far as the loop */
    int pty_failed;   /* pty[npty] failed half-way: release its descriptors */
} app;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sarasim [options]\n"
            "  --pty PATH          symlink to the primary UART's PTY (default ./sara-r5.pty)\n"
            "  --aux-pty PATH      also expose the auxiliary UART\n"
            "  --state-dir DIR     the module's flash (default ./sarasim-state)\n"
            "  --model NAME        SARA-R500S, SARA-R510S, SARA-R510M8S (default)\n"
            "  --product VER       product version: 00B, 01B (default), 61B\n"
            "  --firmware VER      factory firmware \"MM.mm,Axx.yy\" (default 03.15,A00.01)\n"
            "  --imei N            15-digit IMEI with a valid check digit\n"
            "  --time-scale X      every module timer runs X times faster (default 1)\n"
            "  --boot-time DUR     power-on to AT ready, e.g. 5s, 500ms (default 5s)\n"
            "  --pacing            bytes take their wire time at the UART rate\n"
            "  --trace FILE        AT trace of both directions (format in README)\n"
            "  --control PATH      Unix socket for JSON control commands\n"
            "  --scenario FILE     play a scenario's device and world (docs/scenarios.md) around\n"
            "                      your own host application; device flags given here win\n"
            "  --world FILE        hosts behind the radio: {\"hosts\": [...]} (docs/network.md)\n"
            "  --host NAME=ADDR    the module resolves NAME to this machine's ADDR (a real\n"
            "                      endpoint; repeatable), e.g. --host echo.test=127.0.0.1\n"
            "  --link off          no radio link model: packets take no simulated time\n"
            "  --fs-size SIZE      flash file system capacity, e.g. 8M, 512K (default 1M)\n"
            "  --lwm2m-server ID=URI  the LwM2M server ID (721 uFOTA, 102 Verizon DM) is at URI\n"
            "                      (coap://127.0.0.1:5683 or coaps://...; default: the built-in one)\n"
            "  --lwm2m-psk ID:KEY  coaps identity and key (hex) instead of the module's own\n"
            "  --lwm2m-profiles L  MNO profiles that enable the LwM2M client (default 90,100,3;\n"
            "                      \"\" for none)\n"
            "  --help, --version\n");
}

/* --scenario is read before the other flags: its device is the base that
 * explicit device flags then override. */
static int load_scenario_arg(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
            path = argv[i + 1];
        else if (!strncmp(argv[i], "--scenario=", 11))
            path = argv[i] + 11;
        if (!path)
            continue;
        char err[1024];
        if (scenario_load(&o->sc, path, err, sizeof(err))) {
            fprintf(stderr, "sarasim: --scenario: %s\n", err);
            return -1;
        }
        o->scenario_path = path;
        o->dev = o->sc.device.dev;
        o->pacing = o->sc.device.pacing;
        return 0;
    }
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_PTY = 1, O_AUX, O_STATE, O_MODEL, O_PRODUCT, O_FW, O_IMEI, O_SCALE, O_BOOT, O_PACING,
           O_TRACE, O_CONTROL, O_SCENARIO, O_WORLD, O_HOST, O_LINK, O_LWM2M_SERVER, O_LWM2M_PSK, O_LWM2M_PROFILES, O_FS_SIZE, O_HELP, O_VERSION };
    static const struct option longopts[] = {
        { "pty", required_argument, NULL, O_PTY },
        { "aux-pty", required_argument, NULL, O_AUX },
        { "state-dir", required_argument, NULL, O_STATE },
        { "model", required_argument, NULL, O_MODEL },
        { "product", required_argument, NULL, O_PRODUCT },
        { "firmware", required_argument, NULL, O_FW },
        { "imei", required_argument, NULL, O_IMEI },
        { "time-scale", required_argument, NULL, O_SCALE },
        { "boot-time", required_argument, NULL, O_BOOT },
        { "pacing", no_argument, NULL, O_PACING },
        { "trace", required_argument, NULL, O_TRACE },
        { "control", required_argument, NULL, O_CONTROL },
        { "scenario", required_argument, NULL, O_SCENARIO },
        { "world", required_argument, NULL, O_WORLD },
        { "host", required_argument, NULL, O_HOST },
        { "link", required_argument, NULL, O_LINK },
        { "lwm2m-server", required_argument, NULL, O_LWM2M_SERVER },
        { "lwm2m-psk", required_argument, NULL, O_LWM2M_PSK },
        { "lwm2m-profiles", required_argument, NULL, O_LWM2M_PROFILES },
        { "fs-size", required_argument, NULL, O_FS_SIZE },
        { "help", no_argument, NULL, O_HELP },
        { "version", no_argument, NULL, O_VERSION },
        { NULL, 0, NULL, 0 },
    };
    o->pty = "./sara-r5.pty";
    o->state_dir = "./sarasim-state";
    o->time_scale = 1.0;
    device_cfg_default(&o->dev);
    if (load_scenario_arg(argc, argv, o))
        return -1;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_PTY: o->pty = optarg; break;
        case O_AUX: o->aux_pty = optarg; break;
        case O_STATE: o->state_dir = optarg; break;
        case O_MODEL: snprintf(o->dev.model, sizeof(o->dev.model), "%s", optarg); break;
        case O_PRODUCT: snprintf(o->dev.product, sizeof(o->dev.product), "%s", optarg); break;
        case O_FW: snprintf(o->dev.firmware, sizeof(o->dev.firmware), "%s", optarg); break;
        case O_IMEI: snprintf(o->dev.imei, sizeof(o->dev.imei), "%s", optarg); break;
        case O_SCALE:
            o->time_scale = strtod(optarg, &end);
            if (*end || !(o->time_scale >= 0.001 && o->time_scale <= 1e6)) {
                fprintf(stderr, "sarasim: --time-scale: expected a number from 0.001 to 1000000, got \"%s\"\n",
                        optarg);
                return -1;
            }
            break;
        case O_BOOT:
            if (dur_parse(optarg, &o->dev.timing[TIM_BOOT])) {
                fprintf(stderr, "sarasim: --boot-time: expected a duration like 5s or 500ms, got \"%s\"\n",
                        optarg);
                return -1;
            }
            o->dev.timing[TIM_REBOOT] = o->dev.timing[TIM_BOOT];
            break;
        case O_PACING: o->pacing = 1; break;
        case O_TRACE: o->trace = optarg; break;
        case O_CONTROL: o->control = optarg; break;
        case O_SCENARIO: break; /* loaded above */
        case O_WORLD: o->world_path = optarg; break;
        case O_LINK:
            if (strcmp(optarg, "off")) {
                fprintf(stderr, "sarasim: --link: expected \"off\" (the rates are set in a scenario's "
                                "device.network.link), got \"%s\"\n", optarg);
                return -1;
            }
            memset(o->dev.link, 0, sizeof(o->dev.link));
            break;
        case O_HOST: {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1] || eq - optarg > 253) {
                fprintf(stderr, "sarasim: --host: expected NAME=ADDR (echo.test=127.0.0.1), got \"%s\"\n", optarg);
                return -1;
            }
            const char **hm = realloc(o->host_map, (o->nhost_map + 1) * sizeof(*hm));
            if (!hm)
                return -1;
            o->host_map = hm;
            o->host_map[o->nhost_map++] = optarg;
            break;
        }
        case O_LWM2M_SERVER:
        case O_LWM2M_PSK:
        case O_LWM2M_PROFILES: {
            char err[256];
            int rc = c == O_LWM2M_SERVER ? device_lwm2m_server_arg(&o->dev, optarg, err, sizeof(err))
                     : c == O_LWM2M_PSK  ? device_lwm2m_psk_arg(&o->dev, optarg, err, sizeof(err))
                                         : device_lwm2m_profiles_arg(&o->dev, optarg, err, sizeof(err));
            if (rc) {
                fprintf(stderr, "sarasim: --%s: %s\n",
                        c == O_LWM2M_SERVER ? "lwm2m-server" : c == O_LWM2M_PSK ? "lwm2m-psk" : "lwm2m-profiles", err);
                return -1;
            }
            break;
        }
        case O_FS_SIZE: {
            char err[128];
            if (device_fs_size_arg(&o->dev, optarg, err, sizeof(err))) {
                fprintf(stderr, "sarasim: --fs-size: %s\n", err);
                return -1;
            }
            break;
        }
        case O_HELP: usage(stdout); exit(0);
        case O_VERSION: printf("sarasim %s\n", SARASIM_VERSION); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sarasim: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (o->world_path) {
        char err[1024];
        if (o->scenario_path) {
            fprintf(stderr, "sarasim: --world: a scenario brings its own world (world.hosts)\n");
            return -1;
        }
        if (sc_load_world_file(o->world_path, &o->world, err, sizeof(err))) {
            fprintf(stderr, "sarasim: --world: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static void on_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    app *a = ctx;
    if (port < a->npty)
        uv_pty_send(&a->pty[port], p, n);
}

static void on_trace(void *ctx, const trace_event *ev)
{
    app *a = ctx;
    if (!a->trace)
        return;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    bytebuf line;
    bytebuf_init(&line);
    trace_format(&line, ev, &wall);
    fwrite(line.data, 1, line.len, a->trace);
    fflush(a->trace);
    bytebuf_free(&line);
}

/* The module read something unusable from its state dir: the person
 * reproducing a field failure must know the module runs on defaults. */
static void on_notice(void *ctx, const char *text)
{
    (void)ctx;
    fprintf(stderr, "sarasim: %s\n", text);
}

/* A world or wire event of the scenario: on the console and in the trace. */
static void on_world_log(void *ctx, const char *text)
{
    app *a = ctx;
    sim_ns now = clk_now(&a->clock);
    printf("sarasim: %llu.%06llu %s\n", (unsigned long long)(now / SIM_NS_PER_S),
           (unsigned long long)(now % SIM_NS_PER_S / 1000), text);
    fflush(stdout);
    trace_event ev = { now, TRACE_EVENT, -1, (const uint8_t *)text, strlen(text) };
    on_trace(a, &ev);
}

static void on_host_input(void *ctx, int port, uint32_t rate, const uint8_t *p, size_t n)
{
    app *a = ctx;
    sc_env_set_host_rate(&a->env, port, rate);
    if (n)
        sc_env_host_write(&a->env, port, p, n);
}

/* The real network behind the radio: --host names, and the "real" hosts
 * of a --world file or a scenario are its endpoints. */
static int create_realnet(app *a, char *err, size_t errlen)
{
    if (uv_net_create(&a->realnet, &a->loop, &a->simclock)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < a->opt.nhost_map; i++) {
        const char *arg = a->opt.host_map[i];
        const char *eq = strchr(arg, '=');
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
        if (uv_net_map(a->realnet, name, eq + 1))
            return -1;
    }
    const nw_config *w = a->opt.scenario_path ? &a->opt.sc.net : &a->opt.world;
    for (size_t i = 0; i < w->nhosts; i++)
        if (w->hosts[i].real && uv_net_map(a->realnet, w->hosts[i].name, w->hosts[i].real))
            return -1;
    return 0;
}

/* The modem alone, or inside the scenario's world; either way behind a
 * simulated network (--world, or none) routed to the real one. */
static int create_modem(app *a, const modem_config *cfg_in, char *err, size_t errlen)
{
    if (create_realnet(a, err, errlen))
        return -1;
    net_world_ops real = uv_net_ops(a->realnet);
    if (!a->opt.scenario_path) {
        modem_config cfg = *cfg_in;
        if (networld_create(&a->net, &a->clock, &a->opt.world, &real)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        networld_set_log(a->net, on_world_log, a);
        lwm2m_services_io lio = { on_world_log, a, NULL };
        lwm2m_services_opts lopts = { .add_default = true };
        lwm2m_svc_module_psk(&cfg.dev, 721, &lopts.default_psk); /* coaps as the module expects it */
        if (lwm2m_services_create(&a->lw, a->net, &a->opt.world, &lopts, &lio) ||
            coap_files_set_create(&a->files, a->net, &a->opt.world)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        cfg.world = networld_ops(a->net);
        modem_io io = { on_to_host, on_trace, a, on_notice };
        int rc = modem_create(&a->m, &a->clock, &cfg, &io, err, errlen);
        if (rc && !err[0])
            snprintf(err, errlen, "%s", strerror(-rc));
        if (rc)
            return -1;
        networld_attach(a->net, a->m);
        uv_net_attach(a->realnet, a->m);
        return 0;
    }
    sc_env_io io = { on_to_host, on_trace, on_world_log, a, on_notice };
    if (sc_env_create(&a->env, &a->opt.sc, &a->clock, cfg_in, &io, &real, err, errlen))
        return -1;
    a->m = a->env.m;
    a->net = a->env.net;
    uv_net_attach(a->realnet, a->m);
    return 0;
}

static int start_modem(app *a, char *err, size_t errlen)
{
    if (!a->opt.scenario_path) {
        modem_power_on(a->m);
        return 0;
    }
    for (int i = 0; i < a->npty; i++) {
        a->pty[i].input = on_host_input;
        a->pty[i].input_ctx = a;
    }
    printf("sarasim: scenario %s: device and %zu world event%s applied; its host part (%zu step%s) is "
           "ignored: your application is the host\n",
           a->opt.sc.name, a->opt.sc.nworld, a->opt.sc.nworld == 1 ? "" : "s", a->opt.sc.nhost,
           a->opt.sc.nhost == 1 ? "" : "s");
    char why[256];
    for (size_t i = 0; i < a->opt.sc.nrequires; i++) /* the host's xmodem sender is yours here */
        if (strcmp(a->opt.sc.requires[i], "xmodem") && caps_check(a->m, 1, a->opt.sc.requires[i], why, sizeof(why)))
            printf("sarasim: warning: the scenario %s; world events that depend on it will not fire\n", why);
    fflush(stdout);
    return sc_env_start(&a->env, err, errlen);
}

static void refresh_rates(void *ctx)
{
    app *a = ctx;
    for (int i = 0; i < a->npty; i++)
        uv_pty_refresh_rate(&a->pty[i]);
}

static void check_flow(void *ctx)
{
    app *a = ctx;
    for (int i = 0; i < a->npty; i++)
        uv_pty_check_flow(&a->pty[i]);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    uv_stop(s->loop);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void options_free(options *o)
{
    if (o->scenario_path)
        scenario_free(&o->sc);
    nw_config_free(&o->world);
    free(o->host_map);
}

/* Set up everything and serve until SIGINT/SIGTERM; the exit status.
 * Whatever it got to set up, app_shutdown() takes down. */
static int app_run(app *a)
{
    char err[256] = "";
    if (a->opt.trace && !(a->trace = fopen(a->opt.trace, "a"))) {
        fprintf(stderr, "sarasim: --trace %s: %s\n", a->opt.trace, strerror(errno));
        return 1;
    }
    uv_loop_init(&a->loop);
    a->loop_ready = 1;
    clk_init(&a->clock, 0);
    uv_simclock_init(&a->simclock, &a->loop, &a->clock, a->opt.time_scale);
    a->simclock.before_timers = refresh_rates;
    a->simclock.after_timers = check_flow;
    a->simclock.before_ctx = a;
    const sc_device *scd = a->opt.scenario_path ? &a->opt.sc.device : NULL;
    modem_config cfg = { .dev = a->opt.dev,
                         .state_dir = a->opt.state_dir,
                         .aux_uart = a->opt.aux_pty != NULL,
                         .pacing = a->opt.pacing,
                         .net_time_base = scd && scd->net_time_set ? scd->net_time_base : (int64_t)time(NULL) };
    if (create_modem(a, &cfg, err, sizeof(err))) {
        fprintf(stderr, "sarasim: %s\n", err);
        return 1;
    }
    const char *links[MODEM_PORTS] = { a->opt.pty, a->opt.aux_pty };
    int want = a->opt.aux_pty ? 2 : 1;
    for (a->npty = 0; a->npty < want; a->npty++) {
        if (uv_pty_open(&a->pty[a->npty], &a->loop, &a->simclock, a->m, a->npty, links[a->npty], err, sizeof(err))) {
            a->pty_failed = 1; /* its descriptors are released at shutdown */
            fprintf(stderr, "sarasim: %s\n", err);
            return 1;
        }
    }
    if (a->opt.control &&
        uv_control_open(&a->control, &a->loop, &a->simclock, a->m, a->net, a->opt.control, err, sizeof(err))) {
        fprintf(stderr, "sarasim: %s\n", err);
        return 1;
    }
    uv_signal_init(&a->loop, &a->sigint);
    uv_signal_init(&a->loop, &a->sigterm);
    uv_signal_start(&a->sigint, on_signal, SIGINT);
    uv_signal_start(&a->sigterm, on_signal, SIGTERM);

    printf("sarasim: %s-%s on %s (link %s)", a->opt.dev.model, a->opt.dev.product, a->pty[0].slave_path,
           a->opt.pty);
    if (a->npty > 1)
        printf(", aux %s (link %s)", a->pty[1].slave_path, a->opt.aux_pty);
    printf("\n");
    fflush(stdout);

    if (start_modem(a, err, sizeof(err))) {
        fprintf(stderr, "sarasim: --scenario: %s\n", err);
        return 1;
    }
    uv_simclock_rearm(&a->simclock);
    uv_run(&a->loop, UV_RUN_DEFAULT);
    return 0;
}

/* Everything the module keeps is already on disk (NVM is written before a
 * command's OK): take down what app_run set up, in reverse. */
static void app_shutdown(app *a)
{
    if (a->loop_ready) {
        for (int i = 0; i < a->npty; i++)
            uv_pty_close(&a->pty[i]);
        uv_control_close(a->control);
        uv_net_close(a->realnet);
        uv_simclock_close(&a->simclock);
        uv_walk(&a->loop, close_walk, NULL);
        uv_run(&a->loop, UV_RUN_DEFAULT);
        uv_loop_close(&a->loop);
        for (int i = 0; i < a->npty + a->pty_failed; i++)
            uv_pty_release_fds(&a->pty[i]);
        if (a->opt.scenario_path && a->env.m)
            sc_env_destroy(&a->env);
        else if (!a->opt.scenario_path) {
            modem_destroy(a->m);
            coap_files_set_destroy(a->files);
            lwm2m_services_destroy(a->lw);
            networld_destroy(a->net);
        }
        uv_net_free(a->realnet);
        clk_free(&a->clock);
    }
    if (a->trace)
        fclose(a->trace);
}

int main(int argc, char **argv)
{
    app a;
    memset(&a, 0, sizeof(a));
    /* The console is for people: if whoever started us stopped reading it
     * (a test that only wanted the start line), the module must live on. */
    signal(SIGPIPE, SIG_IGN);
    int rc = parse_args(argc, argv, &a.opt) ? 2 : app_run(&a);
    app_shutdown(&a);
    options_free(&a.opt);
    return rc;
}
