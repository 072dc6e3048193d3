/* nvm_table.h - every setting the modem keeps, with its scope and factory
 * value: the one table of factory defaults.
 *
 * X(ID, "json key", TYPE, SCOPE, COUNT, factory_int, factory_str)
 *   TYPE   INT or STR
 *   SCOPE  VOLATILE  back to factory on every boot
 *          PROFILE   the stored AT profile: saved by AT&W, loaded at boot and
 *                    by ATZ, reset by AT&F
 *          NVM       written to flash the moment the command returns OK
 *   COUNT  > 1 makes an array: IDs ID .. ID+COUNT-1, keys "key.0" .. "key.N-1"
 *          (PDP arrays are indexed by <cid>, 0..10)
 *
 * Scopes follow the "Settings saved" attribute of the u-blox AT manuals
 * (see docs/module-fidelity.md for sources and the guesses we had to make).
 */
#ifndef SARASIM_NVM_TABLE_H
#define SARASIM_NVM_TABLE_H

#define NVM_SETTINGS(X)                                                            \
    /* --- AT profile (&W / ATZ / &F) --- */                                       \
    X(SET_ECHO, "E", INT, PROFILE, 1, 1, NULL)                                     \
    X(SET_QUIET, "Q", INT, PROFILE, 1, 0, NULL)                                    \
    X(SET_VERBOSE, "V", INT, PROFILE, 1, 1, NULL)                                  \
    X(SET_DCD, "&C", INT, PROFILE, 1, 1, NULL)                                     \
    X(SET_DTR, "&D", INT, PROFILE, 1, 1, NULL)                                     \
    X(SET_FLOW, "&K", INT, PROFILE, 1, 3, NULL)                                    \
    X(SET_DSR, "&S", INT, PROFILE, 1, 1, NULL)                                     \
    X(SET_S0, "S0", INT, PROFILE, 1, 0, NULL)                                      \
    X(SET_S2, "S2", INT, PROFILE, 1, 43, NULL)                                     \
    X(SET_S3, "S3", INT, PROFILE, 1, 13, NULL)                                     \
    X(SET_S4, "S4", INT, PROFILE, 1, 10, NULL)                                     \
    X(SET_S5, "S5", INT, PROFILE, 1, 8, NULL)                                      \
    X(SET_S7, "S7", INT, PROFILE, 1, 60, NULL)                                     \
    X(SET_S10, "S10", INT, PROFILE, 1, 1, NULL)                                    \
    X(SET_S12, "S12", INT, PROFILE, 1, 50, NULL)                                   \
    X(SET_CMEE, "+CMEE", INT, PROFILE, 1, 0, NULL)                                 \
    X(SET_IPR, "+IPR", INT, PROFILE, 1, 0, NULL)                                   \
    X(SET_ICF_FORMAT, "+ICF.format", INT, PROFILE, 1, 3, NULL)                     \
    X(SET_ICF_PARITY, "+ICF.parity", INT, PROFILE, 1, 1, NULL)                     \
    /* --- volatile: back to factory at every boot --- */                          \
    X(SET_CREG, "+CREG", INT, VOLATILE, 1, 0, NULL)                                \
    X(SET_CGREG, "+CGREG", INT, VOLATILE, 1, 0, NULL)                              \
    X(SET_CEREG, "+CEREG", INT, VOLATILE, 1, 0, NULL)                              \
    X(SET_CGEREP, "+CGEREP", INT, VOLATILE, 1, 0, NULL)                            \
    X(SET_CGEREP_BFR, "+CGEREP.bfr", INT, VOLATILE, 1, 0, NULL)                    \
    X(SET_UPSMR, "+UPSMR", INT, VOLATILE, 1, 0, NULL)                              \
    X(SET_CMGF, "+CMGF", INT, VOLATILE, 1, 0, NULL)                                \
    X(SET_COPS_FORMAT, "+COPS.format", INT, VOLATILE, 1, 0, NULL)                  \
    X(SET_CTZR, "+CTZR", INT, VOLATILE, 1, 0, NULL)                                \
    X(SET_CSCON, "+CSCON", INT, VOLATILE, 1, 0, NULL)                              \
    X(SET_GPIO_LEVEL, "+UGPIO.level", INT, VOLATILE, 8, 0, NULL)                   \
    X(SET_UCTS, "+UCTS", INT, VOLATILE, 1, 1, NULL)                                \
    X(SET_UGPS_MODE, "+UGPS.mode", INT, VOLATILE, 1, 0, NULL)                      \
    X(SET_UGPS_AID, "+UGPS.aid", INT, VOLATILE, 1, 0, NULL)                        \
    X(SET_UGPS_SYSTEMS, "+UGPS.systems", INT, VOLATILE, 1, 1, NULL)                \
    X(SET_UTIME_MODE, "+UTIME.mode", INT, VOLATILE, 1, 0, NULL)                    \
    X(SET_UTIME_SENSOR, "+UTIME.sensor", INT, VOLATILE, 1, 0, NULL)                \
    X(SET_UTIME_PERIOD, "+UTIME.period", INT, VOLATILE, 1, 1, NULL)                \
    X(SET_UTIME_WIDTH, "+UTIME.width", INT, VOLATILE, 1, 100, NULL)                \
    X(SET_UTIMEIND, "+UTIMEIND", INT, VOLATILE, 1, 0, NULL)                        \
    X(SET_ULWM2MSTAT, "+ULWM2MSTAT", INT, VOLATILE, 1, 0, NULL)                    \
    X(SET_UFOTASTAT, "+UFOTASTAT", INT, VOLATILE, 1, 0, NULL)                      \
    X(SET_UTIMECFG_NS, "+UTIMECFG.ns", INT, VOLATILE, 1, 0, NULL)                  \
    X(SET_UTIMECFG_S, "+UTIMECFG.s", INT, VOLATILE, 1, 0, NULL)                    \
    X(SET_UAUTH_TYPE, "+UAUTHREQ.auth", INT, NVM, 11, 0, NULL)                     \
    X(SET_UAUTH_USER, "+UAUTHREQ.user", STR, NVM, 11, 0, "")                       \
    X(SET_UAUTH_PASS, "+UAUTHREQ.pass", STR, NVM, 11, 0, "")                       \
    /* --- NVM: saved when the command returns OK --- */                           \
    X(SET_MNO, "+UMNOPROF", INT, NVM, 1, 90, NULL)                                 \
    X(SET_COPS_MODE, "+COPS.mode", INT, NVM, 1, 0, NULL)                           \
    X(SET_CSGT_MODE, "+CSGT.mode", INT, NVM, 1, 0, NULL)                           \
    X(SET_CSGT_TEXT, "+CSGT.text", STR, NVM, 1, 0, "NONE")                         \
    X(SET_UPSV_MODE, "+UPSV.mode", INT, NVM, 1, 0, NULL)                           \
    X(SET_UPSV_TIMEOUT, "+UPSV.timeout", INT, NVM, 1, 2000, NULL)                  \
    X(SET_CPSMS_MODE, "+CPSMS.mode", INT, NVM, 1, 0, NULL)                         \
    X(SET_CPSMS_TAU, "+CPSMS.tau", STR, NVM, 1, 0, "00111000")                     \
    X(SET_CPSMS_ACTIVE, "+CPSMS.active", STR, NVM, 1, 0, "00001010")               \
    X(SET_CEDRXS_MODE, "+CEDRXS.mode", INT, NVM, 1, 0, NULL)                       \
    X(SET_CEDRXS_M1, "+CEDRXS.m1", STR, NVM, 1, 0, "0010")                         \
    X(SET_CEDRXS_NB, "+CEDRXS.nb", STR, NVM, 1, 0, "0010")                         \
    X(SET_URAT, "+URAT", STR, NVM, 1, 0, "7")                                      \
    X(SET_BANDMASK_M1, "+UBANDMASK.m1", STR, NVM, 1, 0, "185473183")               \
    X(SET_BANDMASK_NB, "+UBANDMASK.nb", STR, NVM, 1, 0, "185473183")               \
    X(SET_BANDMASK_M1_HI, "+UBANDMASK.m1.hi", STR, NVM, 1, 0, "1048578")           \
    X(SET_BANDMASK_NB_HI, "+UBANDMASK.nb.hi", STR, NVM, 1, 0, "1048578")           \
    X(SET_UDCONF1, "+UDCONF.1", INT, NVM, 1, 0, NULL)                              \
    X(SET_UGPRF, "+UGPRF", INT, NVM, 1, 0, NULL)                                   \
    X(SET_UGPRF_PORT, "+UGPRF.port", INT, NVM, 1, 0, NULL)                         \
    X(SET_UGPRF_SERVER, "+UGPRF.server", STR, NVM, 1, 0, "")                       \
    X(SET_USECMODE, "+USECMODE", INT, NVM, 1, 1, NULL)                             \
    X(SET_CTZU, "+CTZU", INT, NVM, 1, 1, NULL)                                     \
    X(SET_GPIO_MODE, "+UGPIOC", INT, NVM, 8, 255, NULL)                            \
    X(SET_UFACTORY_FS, "+UFACTORY.fs", INT, NVM, 1, 0, NULL)                       \
    X(SET_UFACTORY_NVM, "+UFACTORY.nvm", INT, NVM, 1, 0, NULL)                     \
    X(SET_PDP_TYPE, "+CGDCONT.type", STR, NVM, 11, 0, "")                          \
    X(SET_PDP_APN, "+CGDCONT.apn", STR, NVM, 11, 0, "")                            \
    /* --- +USECPRF security profiles 0..4 (NVM), one array per <op_code> --- */   \
    X(SET_SEC_VALIDATION, "+USECPRF.validation", INT, NVM, 5, 1, NULL)             \
    X(SET_SEC_TLS_VERSION, "+USECPRF.tls", INT, NVM, 5, 3, NULL)                   \
    X(SET_SEC_CIPHER_MODE, "+USECPRF.cipher_mode", INT, NVM, 5, 0, NULL)           \
    X(SET_SEC_CIPHERS, "+USECPRF.ciphers", STR, NVM, 5, 0, "")                     \
    X(SET_SEC_CA, "+USECPRF.ca", STR, NVM, 5, 0, "")                               \
    X(SET_SEC_HOSTNAME, "+USECPRF.hostname", STR, NVM, 5, 0, "")                   \
    X(SET_SEC_CLIENT_CERT, "+USECPRF.client_cert", STR, NVM, 5, 0, "")             \
    X(SET_SEC_CLIENT_KEY, "+USECPRF.client_key", STR, NVM, 5, 0, "")               \
    X(SET_SEC_KEY_PASSWORD, "+USECPRF.key_password", STR, NVM, 5, 0, "")           \
    X(SET_SEC_PSK, "+USECPRF.psk", STR, NVM, 5, 0, "")                             \
    X(SET_SEC_PSK_ID, "+USECPRF.psk_id", STR, NVM, 5, 0, "")                       \
    X(SET_SEC_SNI, "+USECPRF.sni", STR, NVM, 5, 0, "")                             \
    X(SET_SEC_PSK_ROT, "+USECPRF.psk_rot", INT, NVM, 5, 0, NULL)                   \
    X(SET_SEC_SERVER_CERT, "+USECPRF.server_cert", STR, NVM, 5, 0, "")             \
    X(SET_SEC_RESUMPTION, "+USECPRF.resumption", INT, NVM, 5, 0, NULL)             \
    X(SET_SEC_DEVICE_CERT, "+USECPRF.device_cert", INT, NVM, 5, 0, NULL)          \
    /* --- the LwM2M client (sim/lwm2m.c): enabled, PSK provisioned from the     \
     * RoT (app note §3.1.1), what servers and hosts write to /1/<i> (index:     \
     * the server instance, 0 = /1/10 uFOTA, 1 = /1/11 Verizon DM) --- */        \
    X(SET_UFWINSTALL_URC, "+UFWINSTALL.urc", INT, NVM, 1, 0, NULL)                 \
    X(SET_UFOTACONFIG_MODE, "+UFOTACONFIG.mode", INT, NVM, 1, 0, NULL)             \
    X(SET_UFOTACONFIG_P3, "+UFOTACONFIG.p3", INT, NVM, 1, 255, NULL)               \
    X(SET_ULWM2M, "+ULWM2M", INT, NVM, 1, 0, NULL)                                 \
    X(SET_ULWM2MCONFIGEXT, "+ULWM2MCONFIGEXT", INT, NVM, 1, -1, NULL)              \
    X(SET_LWM2M_PSK, "lwm2m.psk", INT, NVM, 1, 0, NULL)                            \
    X(SET_LWM2M_LIFETIME, "lwm2m.lifetime", INT, NVM, 2, 86400, NULL)              \
    X(SET_LWM2M_PMIN, "lwm2m.pmin", INT, NVM, 2, 10, NULL)                         \
    X(SET_LWM2M_PMAX, "lwm2m.pmax", INT, NVM, 2, 60, NULL)                         \
    X(SET_LWM2M_BINDING, "lwm2m.binding", STR, NVM, 2, 0, "UQS")

#endif
