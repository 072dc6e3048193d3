/* device.c - default SARA-R510M8S-01B and validation of device settings. */
#include "device.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char device_luhn_digit(const char *digits, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        if (i % 2 == 0) { /* doubled: rightmost digit next to the check digit */
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

void device_cfg_default(device_cfg *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->model, sizeof(d->model), "SARA-R510M8S");
    snprintf(d->product, sizeof(d->product), "01B");
    snprintf(d->firmware, sizeof(d->firmware), "03.15,A00.01");
    /* TAC 35283510 is illustrative; the check digit is computed. */
    snprintf(d->imei, sizeof(d->imei), "35283510001234");
    d->imei[14] = device_luhn_digit(d->imei, 14);
    d->imei[15] = 0;
    d->sim_present = 1;
    snprintf(d->iccid, sizeof(d->iccid), "89011703278123456789");
    snprintf(d->imsi, sizeof(d->imsi), "310410123456789");
    snprintf(d->pin, sizeof(d->pin), "%s", "");
    snprintf(d->puk, sizeof(d->puk), "12345678");
    snprintf(d->plmn, sizeof(d->plmn), "310410");
    snprintf(d->oper_name, sizeof(d->oper_name), "AT&T");
    d->rsrp_dbm = -85;
    d->rsrq_db = -10;
    timing_default(d->timing);
    link_cfg_default(d->link);
    d->fs_capacity = 1024 * 1024;
    /* Global (90, factory), Europe (100, what ubxlib selects) and Verizon
     * (3, which adds its DM server 102): ours, the AT manual's MNO appendix
     * is not among the sources (docs/lwm2m.md). */
    static const int lwm2m_profiles[] = { 90, 100, 3 };
    for (size_t i = 0; i < sizeof(lwm2m_profiles) / sizeof(lwm2m_profiles[0]); i++)
        d->lwm2m.profiles[d->lwm2m.nprofiles++] = lwm2m_profiles[i];
}

static dev_lwm2m_server *lwm2m_entry(device_cfg *d, unsigned long ssid)
{
    dev_lwm2m_server *free_slot = NULL;
    for (int i = 0; i < DEV_LWM2M_SERVERS; i++) {
        if (d->lwm2m.servers[i].ssid == ssid)
            return &d->lwm2m.servers[i];
        if (!d->lwm2m.servers[i].ssid && !free_slot)
            free_slot = &d->lwm2m.servers[i];
    }
    if (free_slot) {
        memset(free_slot, 0, sizeof(*free_slot));
        free_slot->ssid = (uint16_t)ssid;
    }
    return free_slot;
}

int device_lwm2m_server_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen)
{
    char *end;
    unsigned long ssid = strtoul(arg, &end, 10);
    if (end == arg || *end != '=' || ssid < 1 || ssid > 65534) {
        snprintf(err, errlen, "expected <server id>=<uri> (721=coap://127.0.0.1:5683), got \"%s\"", arg);
        return -1;
    }
    const char *uri = end + 1;
    if (strncmp(uri, "coap://", 7) && strncmp(uri, "coaps://", 8)) {
        snprintf(err, errlen, "\"%s\": the uri must start with coap:// or coaps://", uri);
        return -1;
    }
    if (strlen(uri) >= DEV_LWM2M_URI_MAX) {
        snprintf(err, errlen, "\"%s\": uri longer than %d characters", uri, DEV_LWM2M_URI_MAX - 1);
        return -1;
    }
    dev_lwm2m_server *e = lwm2m_entry(d, ssid);
    if (!e) {
        snprintf(err, errlen, "at most %d servers", DEV_LWM2M_SERVERS);
        return -1;
    }
    snprintf(e->uri, sizeof(e->uri), "%s", uri);
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int device_lwm2m_psk_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen)
{
    const char *colon = strrchr(arg, ':');
    size_t idlen = colon ? (size_t)(colon - arg) : 0;
    size_t hexlen = colon ? strlen(colon + 1) : 0;
    if (!colon || idlen == 0 || idlen >= DEV_LWM2M_PSK_ID_MAX || hexlen == 0 || hexlen % 2 ||
        hexlen / 2 > DEV_LWM2M_PSK_KEY_MAX) {
        snprintf(err, errlen, "expected <identity>:<key in hex, 1-%d bytes>, got \"%s\"", DEV_LWM2M_PSK_KEY_MAX,
                 arg);
        return -1;
    }
    uint8_t key[DEV_LWM2M_PSK_KEY_MAX];
    for (size_t i = 0; i < hexlen / 2; i++) {
        int hi = hexval(colon[1 + 2 * i]), lo = hexval(colon[2 + 2 * i]);
        if (hi < 0 || lo < 0) {
            snprintf(err, errlen, "\"%s\": the key is not hex", colon + 1);
            return -1;
        }
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    /* Every server gets it; the factory servers get an entry that keeps
     * their URI. */
    static const unsigned long factory[] = { 721, 102 };
    for (size_t i = 0; i < 2; i++)
        lwm2m_entry(d, factory[i]);
    for (int i = 0; i < DEV_LWM2M_SERVERS; i++) {
        dev_lwm2m_server *e = &d->lwm2m.servers[i];
        if (!e->ssid)
            continue;
        memcpy(e->psk_id, arg, idlen);
        e->psk_id[idlen] = 0;
        memcpy(e->psk_key, key, hexlen / 2);
        e->psk_len = (unsigned)(hexlen / 2);
    }
    return 0;
}

int device_lwm2m_profiles_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen)
{
    dev_lwm2m l = d->lwm2m;
    l.nprofiles = 0;
    const char *p = arg;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 255 || (*end && *end != ',') || l.nprofiles == DEV_LWM2M_PROFILES) {
            snprintf(err, errlen, "expected up to %d MNO profiles 0-255 separated by commas (\"90,100\"), got \"%s\"",
                     DEV_LWM2M_PROFILES, arg);
            return -1;
        }
        l.profiles[l.nprofiles++] = (int)v;
        p = *end ? end + 1 : end;
    }
    d->lwm2m = l;
    return 0;
}

int device_fs_size_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen)
{
    const unsigned long long lo = 64u << 10, hi = 64u << 20;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    int shift = !strcmp(end, "K") ? 10 : !strcmp(end, "M") ? 20 : *end ? -1 : 0;
    /* bounds before the shift: a huge count must not wrap into range */
    if (!isdigit((unsigned char)arg[0]) || errno || shift < 0 || v > (hi >> shift) || (v << shift) < lo) {
        snprintf(err, errlen, "expected 64K to 64M (bytes, or K / M), got \"%s\"", arg);
        return -1;
    }
    d->fs_capacity = (uint32_t)(v << shift);
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int device_cfg_validate(const device_cfg *d, char *err, unsigned long errlen)
{
    if (!all_digits(d->imei, 15)) {
        snprintf(err, errlen, "imei: expected 15 digits, got \"%s\"", d->imei);
        return -1;
    }
    if (d->imei[14] != device_luhn_digit(d->imei, 14)) {
        snprintf(err, errlen, "imei: check digit of \"%s\" should be %c", d->imei,
                 device_luhn_digit(d->imei, 14));
        return -1;
    }
    if (!all_digits(d->imsi, 15)) {
        snprintf(err, errlen, "imsi: expected 15 digits, got \"%s\"", d->imsi);
        return -1;
    }
    size_t il = strlen(d->iccid);
    if (il < 19 || il > 20) {
        snprintf(err, errlen, "iccid: expected 19 or 20 characters, got \"%s\"", d->iccid);
        return -1;
    }
    const char *comma = strchr(d->firmware, ',');
    if (!comma || comma == d->firmware || !comma[1]) {
        snprintf(err, errlen, "firmware: expected \"MM.mm,Axx.yy\", got \"%s\"", d->firmware);
        return -1;
    }
    if (strncmp(d->model, "SARA-R5", 7) != 0) {
        snprintf(err, errlen, "model: expected a SARA-R5 type (SARA-R500S, SARA-R510S, SARA-R510M8S), got \"%s\"", d->model);
        return -1;
    }
    size_t pl = strlen(d->plmn);
    if ((pl != 5 && pl != 6) || !all_digits(d->plmn, pl)) {
        snprintf(err, errlen, "plmn: expected 5 or 6 digits, got \"%s\"", d->plmn);
        return -1;
    }
    return 0;
}

void device_fw_modem_part(const char *fw, char *buf, unsigned long size)
{
    const char *comma = strchr(fw, ',');
    size_t n = comma ? (size_t)(comma - fw) : strlen(fw);
    if (n >= size)
        n = size - 1;
    memcpy(buf, fw, n);
    buf[n] = 0;
}
