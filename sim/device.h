/* device.h - what kind of module this is: the fidelity knobs that are fixed in
 * hardware or set at the factory (model, product version, IMEI, SIM card,
 * timing profile).  The firmware version is here as the factory image; the
 * version actually installed lives in the state dir and changes with updates.
 */
#ifndef SARASIM_DEVICE_H
#define SARASIM_DEVICE_H

#include <stdint.h>

#include "clock.h"
#include "ip.h"
#include "timing.h"

/* The module's LwM2M client (sim/lwm2m.c): which MNO profiles enable it
 * with the uFOTA server (a table in the module, app note §3.1, §3.9.1) and
 * where its servers are when a user points them elsewhere. */
#define DEV_LWM2M_PROFILES 16
#define DEV_LWM2M_SERVERS 2
#define DEV_LWM2M_URI_MAX 128
#define DEV_LWM2M_PSK_ID_MAX 64
#define DEV_LWM2M_PSK_KEY_MAX 32
typedef struct dev_lwm2m_server {
    uint16_t ssid;                    /* 0: unused */
    char uri[DEV_LWM2M_URI_MAX];      /* "coap://127.0.0.1:5683", "coaps://..." ("" keeps the factory one) */
    char psk_id[DEV_LWM2M_PSK_ID_MAX];/* "" : the module's own identity */
    uint8_t psk_key[DEV_LWM2M_PSK_KEY_MAX];
    unsigned psk_len;                 /* 0: the module's own key */
} dev_lwm2m_server;
typedef struct dev_lwm2m {
    int profiles[DEV_LWM2M_PROFILES]; /* +UMNOPROF values that enable the client and uFOTA */
    int nprofiles;
    dev_lwm2m_server servers[DEV_LWM2M_SERVERS];
} dev_lwm2m;

typedef struct device_cfg {
    char model[24];     /* "SARA-R510M8S" */
    char product[8];    /* product version: "00B", "01B", "61B" */
    char firmware[32];  /* "<modem>,<application>": "03.15,A00.01" */
    char imei[16];
    /* SIM card */
    int sim_present;
    char iccid[21];
    char imsi[16];
    char pin[9];        /* "" = PIN disabled */
    char puk[9];
    /* network */
    char plmn[7];       /* MCC+MNC of the simulated network, "310410" */
    char oper_name[24];
    int rsrp_dbm;       /* signal at start */
    int rsrq_db;
    link_cfg link[LINK__COUNT]; /* radio link per RAT (Cat-M1, NB-IoT) */
    char reject_apns[8][100];   /* APNs the network refuses at attach */
    int nreject_apns;
    /* timing profile: every simulated delay (sim/timing.h) */
    sim_ns timing[TIM__COUNT];
    uint32_t fs_capacity; /* flash file system size in bytes */
    int install_urc_table_spelling; /* "+UFWINSTALL:" as the app note's tables print it, not "+UUFWINSTALL:" */
    dev_lwm2m lwm2m;
} device_cfg;

void device_cfg_default(device_cfg *d);
/* Checks the fields; on error writes a message naming the field into err
 * and returns -1. */
int device_cfg_validate(const device_cfg *d, char *err, unsigned long errlen);
/* "721=coap://127.0.0.1:5683" into the server table (replacing the entry
 * of that server id).  -1 with a message in err. */
int device_lwm2m_server_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen);
/* "ID:KEY" (KEY in hex) for every server given, or for server ssid (0: all
 * entries, and the factory servers that have none).  -1 with a message. */
int device_lwm2m_psk_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen);
/* "90,100,3" as the profiles that enable the client. */
int device_lwm2m_profiles_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen);
/* "2M", "512K" or bytes as the flash file system capacity, 64K to 64M
 * (room for a 4.5 MB package in a benchmark).  -1 with a message. */
int device_fs_size_arg(device_cfg *d, const char *arg, char *err, unsigned long errlen);

/* Luhn check digit for the first 14 digits of an IMEI (or any digit string). */
char device_luhn_digit(const char *digits, int n);
/* "03.15" from "03.15,A00.01" (modem part) into buf. */
void device_fw_modem_part(const char *fw, char *buf, unsigned long size);

#endif
