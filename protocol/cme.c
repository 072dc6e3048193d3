/* cme.c - verbose texts of +CME ERROR codes.
 * 3GPP TS 27.007 §9.2 texts, lower case as u-blox prints them
 * ("+CME ERROR: SIM not inserted" is quoted by ubxlib's tests). */
#include "at.h"
#include "cme.h"

#include <stddef.h>

typedef struct cme_entry {
    int code;
    const char *text;
} cme_entry;

static const cme_entry cme_table[] = {
    { 0, "phone failure" },
    { 1, "no connection to phone" },
    { 2, "phone-adaptor link reserved" },
    { 3, "operation not allowed" },
    { 4, "operation not supported" },
    { 5, "PH-SIM PIN required" },
    { 10, "SIM not inserted" },
    { 11, "SIM PIN required" },
    { 12, "SIM PUK required" },
    { 13, "SIM failure" },
    { 14, "SIM busy" },
    { 15, "SIM wrong" },
    { 16, "incorrect password" },
    { 17, "SIM PIN2 required" },
    { 18, "SIM PUK2 required" },
    { 20, "memory full" },
    { 21, "invalid index" },
    { 22, "not found" },
    { 23, "memory failure" },
    { 24, "text string too long" },
    { 25, "invalid characters in text string" },
    { 26, "dial string too long" },
    { 27, "invalid characters in dial string" },
    { 30, "no network service" },
    { 31, "network timeout" },
    { 32, "network not allowed - emergency calls only" },
    { 50, "incorrect parameters" },
    { 100, "unknown" },
    { 103, "illegal MS" },
    { 106, "illegal ME" },
    { 107, "GPRS services not allowed" },
    { 111, "PLMN not allowed" },
    { 112, "location area not allowed" },
    { 113, "roaming not allowed in this location area" },
    { 262, "SIM blocked" },
    /* u-blox extensions (AT manual appendix A.1, shared across families) */
    { 1500, "Wrong GPIO identifier" },
    { 1501, "Set GPIO default error" },
    { 1502, "Select GPIO mode error" },
    { 1503, "Read GPIO error" },
    { 1504, "Write GPIO error" },
    { 1650, "Command line too long" },
    /* File system (u-blox appendix A.1).  The two texts a host sees from
     * +UDWNFILE are the upper-case ones the manuals print for it; the table
     * gives 1637 "FFS memory not available" and 1649 "FFS timeout", and has
     * no number for NOT ENOUGH FREE SPACE, so each text is paired with the
     * code of the same condition (docs/filesystem.md). */
    { 1600, "FFS error" },
    { 1612, "FILE NOT FOUND" },
    { 1637, "NOT ENOUGH FREE SPACE" },
    { 1638, "FFS invalid filename" },
    { 1649, "FFS TIMEOUT" },
    /* +USECMNG, same table (u-blox LENA-R8 AT manual UBX-22016905, A.1) */
    { 1910, "USECMNG import timeout expired (no input for > 20 s)" },
    { 1911, "USECMNG import file size exceeds limit" },
    { 1912, "USECMNG no memory available" },
    { 1913, "USECMNG invalid certificate/key format" },
};

const char *at_cme_text(int code)
{
    for (size_t i = 0; i < sizeof(cme_table) / sizeof(cme_table[0]); i++)
        if (cme_table[i].code == code)
            return cme_table[i].text;
    return "unknown";
}
