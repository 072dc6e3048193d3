/* fuzz_ftp.c - libFuzzer target for the FTP client (protocol/ftp.h): any
 * bytes from a server must be parsed as replies or refused, never crash or
 * leak, and whatever the server and the caller do, the client's actions
 * stay well-formed.
 *
 * Input layout: byte 0 bit 0 = drive a client rather than the bare reply
 * parser.
 *   parser: the rest is the server's byte stream, fed in pieces whose sizes
 *           come from the stream itself (each piece: 1 + its first byte % 64).
 *   client: byte 1 = passive (bit 0); then events until the input ends:
 *           an event byte e selects (e % 12): 0 control bytes (next byte =
 *           length, then that many bytes), 1 control up, 2 control failed,
 *           3 control closed, 4 data up, 5 data failed, 6 data listening,
 *           7 data done ok, 8 data done broken, 9 abort, 10 timeout,
 *           11 start an operation (next byte = kind, next byte = offset). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ftp.h"

static void check_reply(const ftp_reply *r)
{
    if (r->code < 100 || r->code > 599 || r->len > FTP_REPLY_TEXT_MAX || strlen(r->text) != r->len || r->lines < 1)
        abort();
}

static void fuzz_parser(const uint8_t *d, size_t n)
{
    ftp_parser p;
    ftp_parser_init(&p);
    int failed = 0;
    while (n) {
        size_t piece = 1 + d[0] % 64;
        if (piece > n)
            piece = n;
        const uint8_t *q = d;
        size_t k = piece;
        ftp_reply r;
        int rc;
        while ((rc = ftp_parser_next(&p, &q, &k, &r)) == 1)
            check_reply(&r);
        if (failed && rc != -1)
            abort(); /* once failed, always failed */
        failed = rc < 0;
        if (!failed && k)
            abort(); /* 0 means every byte was taken */
        d += piece;
        n -= piece;
    }
}

/* Every action well-formed; a DONE ends the operation, at most one. */
static void check_out(const ftp_client *c, const ftp_out *o, int *running)
{
    if (o->err)
        return;
    for (size_t i = 0; i < o->nact; i++) {
        const ftp_act *a = &o->act[i];
        if (a->kind == FTP_ACT_SEND) {
            const char *t = ftp_out_text(o, a);
            if (a->len < 2 || t[a->len - 2] != '\r' || t[a->len - 1] != '\n')
                abort();
            for (size_t k = 0; k + 2 < a->len; k++)
                if (t[k] == '\r' || t[k] == '\n' || t[k] == 0)
                    abort(); /* one command per line, nothing smuggled */
        }
        if (a->kind == FTP_ACT_DONE) {
            if (!*running)
                abort();
            *running = 0;
            if (a->off + a->len > o->bytes.len)
                abort();
        }
    }
    if (!*running && !ftp_client_idle(c))
        abort(); /* the operation ended, the client must be idle */
}

static void fuzz_client(const uint8_t *d, size_t n)
{
    if (!n)
        return;
    ftp_config cfg = { "user", "secret", "acct", d[0] & 1 };
    ftp_client c;
    ftp_client_init(&c, &cfg);
    ftp_out o;
    ftp_out_init(&o);
    int running = 0;
    d++;
    n--;
    static const char *const paths[] = { "/fw/pkg.bin", "a b", "", "dir/", "x" };
    while (n) {
        uint8_t e = *d++ % 12;
        n--;
        switch (e) {
        case 0: {
            size_t len = n ? *d++ : 0;
            n -= n ? 1 : 0;
            if (len > n)
                len = n;
            ftp_client_control_data(&c, d, len, &o);
            d += len;
            n -= len;
            break;
        }
        case 1: ftp_client_control_up(&c, &o); break;
        case 2: ftp_client_control_failed(&c, -ECONNREFUSED, &o); break;
        case 3: ftp_client_control_closed(&c, 0, &o); break;
        case 4: ftp_client_data_up(&c, &o); break;
        case 5: ftp_client_data_failed(&c, -ETIMEDOUT, &o); break;
        case 6: ftp_client_data_listening(&c, 0x0A000001u, 49152, &o); break;
        case 7: ftp_client_data_done(&c, 0, &o); break;
        case 8: ftp_client_data_done(&c, -ECONNRESET, &o); break;
        case 9: ftp_client_abort(&c, 5, &o); break;
        case 10: ftp_client_timeout(&c, &o); break;
        default: {
            uint8_t kind = n ? *d++ : 0, off = n > 1 ? *d++ : 0;
            n -= n > 1 ? 2 : n;
            ftp_request r = { (ftp_cmd_kind)(kind % (FTP_PWD + 1)), paths[kind / 16 % 5], paths[off % 5], off % 3,
                              off & 0x80 ? 100 : UINT64_MAX };
            int rc = ftp_client_start(&c, &r, &o);
            if (rc == 0) {
                if (running)
                    abort(); /* two operations at once */
                running = 1;
            } else if (rc != -EBUSY && rc != -EINVAL) {
                abort();
            } else if (o.nact) {
                abort(); /* a refused start emits nothing */
            }
            break;
        }
        }
        check_out(&c, &o, &running);
        ftp_out_clear(&o);
    }
    ftp_out_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    if (data[0] & 1)
        fuzz_client(data + 1, size - 1);
    else
        fuzz_parser(data + 1, size - 1);
    return 0;
}
