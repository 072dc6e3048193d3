/* sc_writer.h - a replay session as a scenario file (docs/scenarios.md).
 *
 * The host's lines become send steps, at the log's pace (a wait for the
 * gap before each); every line the module sent becomes an expect step, in
 * order and exact ("exact": true: a wrong byte fails at once, and nothing
 * may be left unread at the end), within a deadline from the log's timing;
 * a command the module left unanswered becomes an expect_not of any byte
 * for as long as the host waited; the host's rate changes become set_baud;
 * an Xmodem transfer an xmodem step (with the file the log's frames carry,
 * written next to the scenario, or a package: the one given, or a generated
 * full image).  Each step's note names its line in the log.  The device is
 * what the log says about the module (infer.h).
 *
 * With `lenient`, lines holding values that always differ (lenient.h) are
 * matched by a regular expression instead.
 */
#ifndef SARASIM_SC_WRITER_H
#define SARASIM_SC_WRITER_H

#include "infer.h"
#include "protocol/bytebuf.h"
#include "session.h"

typedef struct sc_blob {
    char *name;    /* file name, relative to the scenario */
    uint8_t *data;
    size_t len;
} sc_blob;

typedef struct writer_opts {
    const char *name;        /* the scenario's name */
    const char *log_name;    /* for the description */
    int lenient;
    int no_device;           /* keep sarasim's factory device */
    const char *blob_prefix; /* transfer files are "<prefix>.xmodem<k>.bin"; NULL: inline placeholders
                              * ({"generate": <size>}: the replay run sends the session's own bytes) */
    const char *package;     /* the file the host sent by Xmodem (path as the scenario should say it) */
    const char *package_to;  /* a generated package's target version; NULL: the next minor version */
    long package_size;       /* a generated package's size; 0: 200000 */
} writer_opts;

typedef struct sc_output {
    bytebuf json;
    sc_blob *blobs;
    size_t nblobs;
} sc_output;

void sc_output_init(sc_output *o);
void sc_output_free(sc_output *o);

/* Write the scenario.  0, or -1 with err set. */
int sc_write(const session *s, const s_device *d, const writer_opts *o, sc_output *out, char *err, size_t errlen);

/* Deadlines the writer and the replay run share (ns). */
int64_t sc_writer_within(const session *s, size_t i, int64_t since);
/* The module sent nothing after SEND i before the host's next line. */
int sc_writer_unanswered(const session *s, size_t i);
/* How long the module must stay silent after an unanswered command: the
 * host's wait, less a tenth (at least 1 ms) so that the next line, due at
 * the end of it, is not taken for an answer; 0: nothing to check (ns). */
int64_t sc_writer_silence(const session *s, size_t i);

#endif
