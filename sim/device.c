/* device.c - default SARA-R510M8S-01B and validation of device settings. */
#include "device.h"

#include <ctype.h>
#include <stdio.h>
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
