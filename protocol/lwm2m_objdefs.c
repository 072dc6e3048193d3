/* lwm2m_objdefs.c - the OMA registry's definitions of the objects a SARA-R5
 * exposes (app note §3.6), as far as a client needs them: resource ids,
 * types, operations, multiplicity.  Sources: the OMA LwM2M registry
 * (OpenMobileAlliance/lwm2m-registry 0.xml 1.xml 2.xml 3.xml 4.xml 5.xml
 * 7.xml 11.xml 14.xml 16.xml 10308.xml) and the LwM2M 1.0/1.1 TS.
 * Numbers are INTEGER throughout (LwM2M 1.0 has no unsigned type). */
#include "lwm2m_obj.h"

#define I LWM2M_T_INTEGER
#define S LWM2M_T_STRING
#define B LWM2M_T_BOOLEAN
#define O LWM2M_T_OPAQUE
#define T LWM2M_T_TIME
#define L LWM2M_T_OBJLNK
#define N LWM2M_T_NONE
#define R LWM2M_OP_R
#define W LWM2M_OP_W
#define RW LWM2M_OP_RW
#define E LWM2M_OP_E
#define NRES(a) (sizeof(a) / sizeof((a)[0]))

/* Object 0 is not for servers (TS §E.1: only the bootstrap server writes
 * it); the client refuses their reads.  RW here is what the AT commands
 * may do. */
static const lwm2m_res_def security_res[] = {
    { 0, S, RW, false, "LwM2M Server URI" },
    { 1, B, RW, false, "Bootstrap-Server" },
    { 2, I, RW, false, "Security Mode" },
    { 3, O, RW, false, "Public Key or Identity" },
    { 4, O, RW, false, "Server Public Key" },
    { 5, O, W, false, "Secret Key" },
    { 6, I, RW, false, "SMS Security Mode" },
    { 7, O, RW, false, "SMS Binding Key Parameters" },
    { 8, O, W, false, "SMS Binding Secret Key(s)" },
    { 9, S, RW, false, "LwM2M Server SMS Number" },
    { 10, I, RW, false, "Short Server ID" },
    { 11, I, RW, false, "Client Hold Off Time" },
    { 12, I, RW, false, "Bootstrap-Server Account Timeout" },
};

/* 1.1 resources 9..23 included: the module shows 10, 12, 16, 17, 18;
 * 30000 is u-blox's own (a multiple integer, app note §3.6). */
static const lwm2m_res_def server_res[] = {
    { 0, I, R, false, "Short Server ID" },
    { 1, I, RW, false, "Lifetime" },
    { 2, I, RW, false, "Default Minimum Period" },
    { 3, I, RW, false, "Default Maximum Period" },
    { 4, N, E, false, "Disable" },
    { 5, I, RW, false, "Disable Timeout" },
    { 6, B, RW, false, "Notification Storing When Disabled or Offline" },
    { 7, S, RW, false, "Binding" },
    { 8, N, E, false, "Registration Update Trigger" },
    { 9, N, E, false, "Bootstrap-Request Trigger" },
    { 10, L, RW, false, "APN Link" },
    { 11, I, R, false, "TLS-DTLS Alert Code" },
    { 12, T, R, false, "Last Bootstrapped" },
    { 13, I, RW, false, "Registration Priority Order" },
    { 14, I, RW, false, "Initial Registration Delay Timer" },
    { 15, B, RW, false, "Registration Failure Block" },
    { 16, B, RW, false, "Bootstrap on Registration Failure" },
    { 17, I, RW, false, "Communication Retry Count" },
    { 18, I, RW, false, "Communication Retry Timer" },
    { 19, I, RW, false, "Communication Sequence Delay Timer" },
    { 20, I, RW, false, "Communication Sequence Retry Count" },
    { 21, B, RW, false, "Trigger" },
    { 22, S, RW, false, "Preferred Transport" },
    { 23, B, RW, false, "Mute Send" },
    { 30000, I, RW, true, "u-blox extension" },
};

static const lwm2m_res_def acl_res[] = {
    { 0, I, R, false, "Object ID" },
    { 1, I, R, false, "Object Instance ID" },
    { 2, I, RW, true, "ACL" },
    { 3, I, RW, false, "Access Control Owner" },
};

static const lwm2m_res_def device_res[] = {
    { 0, S, R, false, "Manufacturer" },
    { 1, S, R, false, "Model Number" },
    { 2, S, R, false, "Serial Number" },
    { 3, S, R, false, "Firmware Version" },
    { 4, N, E, false, "Reboot" },
    { 5, N, E, false, "Factory Reset" },
    { 6, I, R, true, "Available Power Sources" },
    { 7, I, R, true, "Power Source Voltage" },
    { 8, I, R, true, "Power Source Current" },
    { 9, I, R, false, "Battery Level" },
    { 10, I, R, false, "Memory Free" },
    { 11, I, R, true, "Error Code" },
    { 12, N, E, false, "Reset Error Code" },
    { 13, T, RW, false, "Current Time" },
    { 14, S, RW, false, "UTC Offset" },
    { 15, S, RW, false, "Timezone" },
    { 16, S, R, false, "Supported Binding and Modes" },
    { 17, S, R, false, "Device Type" },
    { 18, S, R, false, "Hardware Version" },
    { 19, S, R, false, "Software Version" },
    { 20, I, R, false, "Battery Status" },
    { 21, I, R, false, "Memory Total" },
    { 22, L, R, true, "ExtDevInfo" },
};

static const lwm2m_res_def conn_mon_res[] = {
    { 0, I, R, false, "Network Bearer" },
    { 1, I, R, true, "Available Network Bearer" },
    { 2, I, R, false, "Radio Signal Strength" },
    { 3, I, R, false, "Link Quality" },
    { 4, S, R, true, "IP Addresses" },
    { 5, S, R, true, "Router IP Addresses" },
    { 6, I, R, false, "Link Utilization" },
    { 7, S, R, true, "APN" },
    { 8, I, R, false, "Cell ID" },
    { 9, I, R, false, "SMNC" },
    { 10, I, R, false, "SMCC" },
    { 11, I, R, false, "SignalSNR" },
    { 12, I, R, false, "LAC" },
};

/* Package URI is RW as from object 5 v1.1 (1.0 had W only): servers read
 * it back, and the module prints it on AT+ULWM2MREAD. */
static const lwm2m_res_def fw_res[] = {
    { 0, O, W, false, "Package" },
    { 1, S, RW, false, "Package URI" },
    { 2, N, E, false, "Update" },
    { 3, I, R, false, "State" },
    { 5, I, R, false, "Update Result" },
    { 6, S, R, false, "PkgName" },
    { 7, S, R, false, "PkgVersion" },
    { 8, I, R, true, "Firmware Update Protocol Support" },
    { 9, I, R, false, "Firmware Update Delivery Method" },
};

static const lwm2m_res_def conn_stat_res[] = {
    { 0, I, R, false, "SMS Tx Counter" },
    { 1, I, R, false, "SMS Rx Counter" },
    { 2, I, R, false, "Tx Data" },
    { 3, I, R, false, "Rx Data" },
    { 4, I, R, false, "Max Message Size" },
    { 5, I, R, false, "Average Message Size" },
    { 6, N, E, false, "Start" },
    { 7, N, E, false, "Stop" },
    { 8, I, RW, false, "Collection Period" },
};

static const lwm2m_res_def apn_res[] = {
    { 0, S, RW, false, "Profile name" },
    { 1, S, RW, false, "APN" },
    { 2, B, RW, false, "Auto select APN by device" },
    { 3, B, RW, false, "Enable status" },
    { 4, I, RW, false, "Authentication Type" },
    { 5, S, RW, false, "User Name" },
    { 6, S, W, false, "Secret" },
    { 7, S, RW, false, "Reconnect Schedule" },
    { 8, S, RW, true, "Validity (MCC, MNC)" },
    { 9, T, R, true, "Connection establishment time" },
    { 10, I, R, true, "Connection establishment result" },
    { 11, I, R, true, "Connection establishment reject cause" },
    { 12, T, R, true, "Connection end time" },
    { 13, I, R, false, "TotalBytesSent" },
    { 14, I, R, false, "TotalBytesReceived" },
    { 15, S, RW, true, "IP address" },
    { 16, S, RW, true, "Prefix length" },
    { 17, S, RW, true, "Subnet mask" },
    { 18, S, RW, true, "Gateway" },
    { 19, S, RW, true, "Primary DNS address" },
    { 20, S, RW, true, "Secondary DNS address" },
    { 21, I, R, false, "QCI" },
    { 22, L, R, false, "Vendor specific extensions" },
    { 23, I, R, false, "TotalPacketsSent" },
    { 24, I, RW, false, "PDN Type" },
    { 25, I, R, false, "APN Rate Control" },
};

static const lwm2m_res_def swc_res[] = {
    { 0, S, R, false, "Component Identity" },
    { 1, O, R, false, "Component Pack" },
    { 2, S, R, false, "Component Version" },
    { 3, N, E, false, "Activate" },
    { 4, N, E, false, "Deactivate" },
    { 5, B, R, false, "Activation State" },
};

static const lwm2m_res_def portfolio_res[] = {
    { 0, S, RW, true, "Identity" },
    { 1, N, E, false, "GetAuthData" },
    { 2, O, R, true, "AuthData" },
    { 3, I, R, false, "AuthStatus" },
};

/* AT&T Connectivity Extension: the module lists the object without an
 * instance; its resources are not modelled (nothing reads them). */
static const lwm2m_obj_def defs[] = {
    { 0, "LwM2M Security", NULL, true, security_res, NRES(security_res) },
    { 1, "LwM2M Server", NULL, true, server_res, NRES(server_res) },
    { 2, "LwM2M Access Control", NULL, true, acl_res, NRES(acl_res) },
    { 3, "Device", NULL, false, device_res, NRES(device_res) },
    { 4, "Connectivity Monitoring", NULL, false, conn_mon_res, NRES(conn_mon_res) },
    { 5, "Firmware Update", NULL, false, fw_res, NRES(fw_res) },
    { 7, "Connectivity Statistics", NULL, false, conn_stat_res, NRES(conn_stat_res) },
    { 11, "APN connection profile", NULL, true, apn_res, NRES(apn_res) },
    { 14, "LwM2M Software Component", NULL, true, swc_res, NRES(swc_res) },
    { 16, "Portfolio", NULL, true, portfolio_res, NRES(portfolio_res) },
    { 10308, "AT&T Connectivity Extension", "2.0", false, NULL, 0 },
};

const lwm2m_obj_def *lwm2m_objdef_find(uint16_t obj)
{
    for (size_t i = 0; i < NRES(defs); i++)
        if (defs[i].id == obj)
            return &defs[i];
    return NULL;
}

const lwm2m_res_def *lwm2m_objdef_res(const lwm2m_obj_def *o, uint16_t res)
{
    if (!o)
        return NULL;
    for (size_t i = 0; i < o->nres; i++)
        if (o->res[i].id == res)
            return &o->res[i];
    return NULL;
}
