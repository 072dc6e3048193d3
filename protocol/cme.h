/* cme.h - +CME ERROR codes the simulator returns (3GPP TS 27.007 §9.2 and
 * the u-blox extensions); at_cme_text() gives their verbose (+CMEE=2) text. */
#ifndef SARASIM_CME_H
#define SARASIM_CME_H

enum {
    CME_PHONE_FAILURE = 0,
    CME_NOT_ALLOWED = 3,
    CME_NOT_SUPPORTED = 4,
    CME_SIM_NOT_INSERTED = 10,
    CME_SIM_PIN_REQUIRED = 11,
    CME_SIM_PUK_REQUIRED = 12,
    CME_SIM_FAILURE = 13,
    CME_SIM_BUSY = 14,
    CME_SIM_WRONG = 15,
    CME_INCORRECT_PASSWORD = 16,
    CME_MEMORY_FULL = 20,
    CME_INVALID_INDEX = 21,
    CME_NOT_FOUND = 22,
    CME_MEMORY_FAILURE = 23,
    CME_TEXT_TOO_LONG = 24,
    CME_INVALID_CHARS = 25,
    CME_NO_NETWORK = 30,
    CME_NETWORK_TIMEOUT = 31,
    CME_INCORRECT_PARAMS = 50,
    CME_UNKNOWN = 100,
    CME_WRONG_GPIO = 1500,
    CME_GPIO_MODE = 1502,
    CME_GPIO_READ = 1503,
    CME_GPIO_WRITE = 1504,
    CME_LINE_TOO_LONG = 1650,
    CME_SIM_BLOCKED = 262,
    /* u-blox file system codes (appendix A.1 of the u-blox AT manuals) */
    CME_FFS_ERROR = 1600,
    CME_FILE_NOT_FOUND = 1612,
    CME_FFS_NO_SPACE = 1637,     /* verbose: "NOT ENOUGH FREE SPACE" */
    CME_FFS_INVALID_NAME = 1638,
    CME_FFS_TIMEOUT = 1649,      /* verbose: "FFS TIMEOUT" */
    /* +USECMNG (the u-blox table as LENA-R8 appendix A.1 prints it) */
    CME_SEC_IMPORT_TIMEOUT = 1910,
    CME_SEC_TOO_BIG = 1911,
    CME_SEC_NO_MEMORY = 1912,
    CME_SEC_INVALID_FORMAT = 1913,
};

#endif
