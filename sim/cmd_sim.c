/* cmd_sim.c - SIM card commands: +CPIN, +CIMI, +CCID, +CNUM, +CRSM, +CLCK
 * (fact sheet §2 and §18 of docs/module-fidelity.md). */
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

/* The error a SIM command gets when the card is not usable. */
static int sim_unusable(const modem *m)
{
    switch (m->sim) {
    case SIMC_ABSENT: return AT_CME(CME_SIM_NOT_INSERTED);
    case SIMC_PIN: return AT_CME(CME_SIM_PIN_REQUIRED);
    case SIMC_PUK: return AT_CME(CME_SIM_PUK_REQUIRED);
    case SIMC_BLOCKED: return AT_CME(CME_SIM_BLOCKED);
    default: return 0;
    }
}

static int pin_ok(const char *given, const char *want)
{
    return strlen(given) == strlen(want) && strcmp(given, want) == 0;
}

static int cmd_CPIN(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    static const char *const names[] = { "", "SIM PIN", "SIM PUK", "READY", "" };
    if (c->type == AT_TEST)
        return AT_OK;
    if (c->type == AT_READ) {
        if (m->sim == SIMC_ABSENT || m->sim == SIMC_BLOCKED)
            return sim_unusable(m);
        cmd_info(x, "+CPIN: %s", names[m->sim]);
        return AT_OK;
    }
    const char *code, *newpin = NULL;
    if (c->type != AT_SET || c->nargs > 2 || at_arg_str(c, 0, &code, 8) != 0 ||
        at_arg_str(c, 1, &newpin, 8) < 0)
        return CMD_BAD_PARAM;
    switch (m->sim) {
    case SIMC_ABSENT:
    case SIMC_BLOCKED: return sim_unusable(m);
    case SIMC_READY: return AT_CME(CME_NOT_ALLOWED);
    case SIMC_PIN:
        if (!pin_ok(code, m->sim_pin)) {
            if (--m->pin_tries <= 0)
                m->sim = SIMC_PUK;
            return AT_CME(CME_INCORRECT_PASSWORD);
        }
        break;
    case SIMC_PUK:
        if (!newpin)
            return CMD_BAD_PARAM;
        if (!pin_ok(code, m->dev.puk)) {
            if (--m->puk_tries <= 0)
                m->sim = SIMC_BLOCKED; /* for good */
            return AT_CME(CME_INCORRECT_PASSWORD);
        }
        snprintf(m->sim_pin, sizeof(m->sim_pin), "%s", newpin);
        break;
    }
    m->pin_tries = 3;
    m->sim = SIMC_READY;
    net_update(m);
    return AT_OK;
}

static int cmd_CIMI(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    int e = sim_unusable(x->m);
    if (e)
        return e;
    cmd_info(x, "%s", x->m->dev.imsi);
    return AT_OK;
}

static int cmd_CCID(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC && x->cmd->type != AT_READ)
        return AT_ERROR;
    if (x->m->sim == SIMC_ABSENT)
        return AT_CME(CME_SIM_NOT_INSERTED);
    cmd_info(x, "+CCID: %s", x->m->dev.iccid); /* readable without the PIN, even blocked */
    return AT_OK;
}

static int cmd_CNUM(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    int e = sim_unusable(x->m);
    return e ? e : AT_OK; /* no MSISDN stored on the simulated card */
}

static int cmd_CLCK(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const char *fac;
    long mode;
    if (c->type == AT_TEST) {
        cmd_info(x, "+CLCK: (\"SC\",\"PN\",\"PU\",\"PP\",\"PC\",\"PF\",\"FD\",\"AO\",\"OI\",\"OX\",\"AI\",\"IR\",\"AB\",\"AG\",\"AC\")");
        return AT_OK;
    }
    if (c->type != AT_SET || at_arg_str(c, 0, &fac, 4) != 0 || at_arg_int(c, 1, &mode, 0, 2) != 0)
        return CMD_BAD_PARAM;
    int e = sim_unusable(x->m);
    if (e)
        return e;
    if (mode != 2) /* enabling or disabling the PIN is not modelled */
        return AT_CME(CME_NOT_SUPPORTED);
    cmd_info(x, "+CLCK: %d", strcmp(fac, "SC") == 0 && x->m->sim_pin[0] ? 1 : 0);
    return AT_OK;
}

/* ---- +CRSM: restricted SIM access with plausible elementary files ---- */

static void hex_append(char *out, size_t size, const uint8_t *p, size_t n)
{
    size_t len = strlen(out);
    for (size_t i = 0; i < n && len + 2 < size; i++, len += 2)
        snprintf(out + len, size - len, "%02X", p[i]);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly 2n hex digits into n bytes; -1 on anything else. */
static int hex_decode(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* BCD with swapped nibbles, 'F' filler: the coding of EF-ICCID and EF-IMSI. */
static size_t swapped_bcd(const char *digits, uint8_t *out, size_t max)
{
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n && k < max; i += 2) {
        uint8_t lo = (uint8_t)(digits[i] - '0');
        uint8_t hi = i + 1 < n ? (uint8_t)(digits[i + 1] - '0') : 0xF;
        out[k++] = (uint8_t)(hi << 4 | lo);
    }
    return k;
}

/* Content of an elementary file; returns its size or -1 when unknown. */
static long ef_content(const modem *m, long fid, uint8_t *buf, size_t max)
{
    memset(buf, 0xFF, max);
    switch (fid) {
    case 0x2FE2: /* ICCID */
        swapped_bcd(m->dev.iccid, buf, 10);
        return 10;
    case 0x6F07: { /* IMSI: length, then parity/type nibble + digits */
        char d[20];
        snprintf(d, sizeof(d), "9%s", m->dev.imsi);
        buf[0] = 8;
        swapped_bcd(d, buf + 1, 8);
        return 9;
    }
    case 0x6F7B: /* forbidden PLMNs: empty */
        memcpy(buf, m->fplmn, sizeof(m->fplmn));
        return (long)sizeof(m->fplmn);
    case 0x6FAD: /* administrative data: MNC length */
        buf[0] = buf[1] = buf[2] = 0;
        buf[3] = (uint8_t)(strlen(m->dev.plmn) - 3);
        return 4;
    case 0x6F46: { /* service provider name */
        size_t l = strlen(m->dev.oper_name);
        buf[0] = 0x01;
        memcpy(buf + 1, m->dev.oper_name, l > 16 ? 16 : l);
        return 17;
    }
    case 0x6F38: { /* USIM service table */
        static const uint8_t ust[] = { 0x9E, 0x6F, 0x1F, 0x1C, 0x23, 0x00, 0x00, 0x00 };
        memcpy(buf, ust, sizeof(ust));
        return (long)sizeof(ust);
    }
    case 0x6F7E: /* LOCI */
        memset(buf, 0xFF, 4);
        buf[4] = 0x13; buf[5] = 0x00; buf[6] = 0x14; buf[7] = 0xE8; buf[8] = 0xFE;
        buf[9] = 0x00; buf[10] = 0x00;
        return 11;
    case 0x6FAE: /* phase */
        buf[0] = 0x03;
        return 1;
    default:
        return -1;
    }
}

static int cmd_CRSM(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long cmdv, fid = 0, p1 = 0, p2 = 0, p3 = 0;
    const char *data = NULL;
    if (c->type == AT_TEST)
        return AT_OK;
    if (c->type != AT_SET || at_arg_int(c, 0, &cmdv, 0, 255) != 0 ||
        at_arg_int(c, 1, &fid, 0, 65535) < 0 || at_arg_int(c, 2, &p1, 0, 255) < 0 ||
        at_arg_int(c, 3, &p2, 0, 255) < 0 || at_arg_int(c, 4, &p3, 0, 255) < 0 ||
        at_arg_str(c, 5, &data, 512) < 0)
        return CMD_BAD_PARAM;
    int e = sim_unusable(m);
    if (e)
        return e;
    uint8_t buf[256];
    char hex[600] = "";
    if (cmdv == 242) { /* STATUS: FCP of the current DF (ADF USIM) */
        static const uint8_t fcp[] = { 0x62, 0x1A, 0x82, 0x02, 0x78, 0x21, 0x83, 0x02, 0x7F,
                                       0xFF, 0x84, 0x10, 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10,
                                       0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00 };
        hex_append(hex, sizeof(hex), fcp, sizeof(fcp));
        cmd_info(x, "+CRSM: 144,0,\"%s\"", hex);
        return AT_OK;
    }
    long size = ef_content(m, fid, buf, sizeof(buf));
    if (size < 0) {
        cmd_info(x, "+CRSM: 106,130"); /* 6A82: file not found */
        return AT_OK;
    }
    long off = p1 * 256 + p2;
    if (off > size) { /* P1/P2 beyond the file: 6B00, wrong parameters */
        cmd_info(x, "+CRSM: 107,0");
        return AT_OK;
    }
    switch (cmdv) {
    case 176: /* READ BINARY */
    case 178: /* READ RECORD */
        if (cmdv == 178)
            off = 0;
        if (p3 == 0)
            p3 = size - off;
        if (p3 > size - off) {
            cmd_info(x, "+CRSM: 103,0"); /* 6700: wrong length */
            return AT_OK;
        }
        hex_append(hex, sizeof(hex), buf + off, (size_t)p3);
        cmd_info(x, "+CRSM: 144,0,\"%s\"", hex);
        return AT_OK;
    case 192: { /* GET RESPONSE: FCP template of the EF */
        uint8_t fcp[] = { 0x62, 0x0E, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, (uint8_t)(fid >> 8),
                          (uint8_t)fid, 0x80, 0x02, (uint8_t)(size >> 8), (uint8_t)size, 0x88, 0x00 };
        hex_append(hex, sizeof(hex), fcp, sizeof(fcp));
        cmd_info(x, "+CRSM: 144,0,\"%s\"", hex);
        return AT_OK;
    }
    case 214: { /* UPDATE BINARY: only EF-FPLMN is writable; all of it or nothing */
        uint8_t upd[sizeof(m->fplmn)];
        if (fid != 0x6F7B || !data || p3 > (long)sizeof(m->fplmn) - off || (long)strlen(data) != 2 * p3 ||
            hex_decode(data, upd, (size_t)p3)) {
            cmd_info(x, "+CRSM: 105,130"); /* 6982: security status not satisfied */
            return AT_OK;
        }
        memcpy(m->fplmn + off, upd, (size_t)p3);
        cmd_info(x, "+CRSM: 144,0,\"\"");
        return AT_OK;
    }
    default:
        cmd_info(x, "+CRSM: 109,0"); /* 6D00: instruction not supported */
        return AT_OK;
    }
}

const cmd_def cmd_sim_defs[] = {
    { "+CPIN", cmd_CPIN, 0 },
    { "+CIMI", cmd_CIMI, 0 },
    { "+CCID", cmd_CCID, 0 },
    { "+CNUM", cmd_CNUM, 0 },
    { "+CLCK", cmd_CLCK, 0 },
    { "+CRSM", cmd_CRSM, 0 },
    { NULL, NULL, 0 },
};
