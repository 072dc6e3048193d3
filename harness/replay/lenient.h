/* lenient.h - values that differ between any two modules and any two runs.
 *
 * A field log and a simulation can never agree on the IMEI, the ICCID and
 * IMSI, the IP addresses the network hands out, the time of day, the cell
 * (tracking area and cell id in +CEREG/+CREG/+CGREG/+UCGED), the signal
 * (+CSQ, +CESQ, +UCGED), the operator's name (+COPS), byte counters
 * (+UGCNTRD), hashes (an MD5 in +UHTTPCR), and the update's progress
 * percentages (+UFWPREVAL, +UFWUPD, +UUFWINSTALL up to 100: the simulator's
 * steps are its own model; the final codes, 128 and the errors, count).  --lenient compares lines with
 * those values masked, and the scenario it writes matches them with a
 * regular expression instead of the field's exact value.
 *
 *   lenient_mask("+CGSN: 352835100012346")   ->  "+CGSN: <id>"
 *   lenient_regex("\r\n+UUPSDA: 0,\"10.1.2.3\"\r\n") -> "\r\n\+UUPSDA: 0,\"[0-9A-Fa-f.:]+\"\r\n"
 */
#ifndef SARASIM_LENIENT_H
#define SARASIM_LENIENT_H

#include <stddef.h>

#include "protocol/bytebuf.h"

typedef enum { LV_ID, LV_IP, LV_TIME, LV_HEX, LV_NUM, LV_STR, LV_HASH } lv_class;

typedef struct lv_span {
    size_t a, b; /* [a, b) of the text */
    lv_class c;
} lv_span;

/* The masked values of a line (its text, no line end), in order; returns
 * how many (at most max). */
size_t lenient_spans(const char *t, size_t n, lv_span *out, size_t max);
/* The line with every masked value replaced by "<class>". */
void lenient_mask(const char *t, size_t n, bytebuf *out);
/* A POSIX extended regular expression matching exactly these bytes (a
 * unit: framing included), with the masked values of the text between
 * text_off and text_off + text_len matching any value of their class.
 * Returns the number of masked values (0: the caller may match literally). */
size_t lenient_regex(const char *bytes, size_t len, size_t text_off, size_t text_len, bytebuf *out);
const char *lenient_class_name(lv_class c);

#endif
