/* test_ftp.c - the sans-I/O FTP client (protocol/ftp.h): RFC 959 reply
 * parsing checked by hand, and the command sequence of every operation in
 * passive and active mode, as the actions the client asks for. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ftp.h"

/* ---------------- replies ---------------- */

/* Feed text in chunks of `step` bytes; the replies found, "code|text" joined
 * by " ## ", or "BAD" once the parser refused. */
static const char *parse_all(const char *text, size_t step)
{
    static char out[8192];
    ftp_parser p;
    ftp_parser_init(&p);
    out[0] = 0;
    const uint8_t *b = (const uint8_t *)text;
    size_t left = strlen(text);
    while (left) {
        size_t n = left < step ? left : step;
        const uint8_t *q = b;
        size_t k = n;
        ftp_reply r;
        int rc;
        while ((rc = ftp_parser_next(&p, &q, &k, &r)) == 1) {
            size_t used = strlen(out);
            snprintf(out + used, sizeof(out) - used, "%s%d|%s", used ? " ## " : "", r.code, r.text);
        }
        if (rc < 0) {
            size_t used = strlen(out);
            snprintf(out + used, sizeof(out) - used, "%sBAD", used ? " ## " : "");
            return out;
        }
        ck_assert_uint_eq(k, 0);
        b += n;
        left -= n;
    }
    return out;
}

START_TEST(single_line_replies)
{
    ck_assert_str_eq(parse_all("220 Welcome\r\n", 100), "220|220 Welcome");
    ck_assert_str_eq(parse_all("200 ok\r\n331 need password\r\n", 100), "200|200 ok ## 331|331 need password");
    /* bare LF, a code with nothing after it */
    ck_assert_str_eq(parse_all("226 done\n200\r\n", 100), "226|226 done ## 200|200");
    /* nothing complete yet */
    ck_assert_str_eq(parse_all("220 Wel", 100), "");
}
END_TEST

START_TEST(replies_fed_byte_by_byte)
{
    const char *t = "220-Hello\r\n 220 not the end\r\n220-still not\r\n220 end\r\n150 go\r\n";
    const char *want = "220|220-Hello\n 220 not the end\n220-still not\n220 end ## 150|150 go";
    for (size_t step = 1; step < 12; step++)
        ck_assert_str_eq(parse_all(t, step), want);
}
END_TEST

START_TEST(multi_line_reply_ends_only_at_its_own_code)
{
    /* RFC 959 §4.2: inner lines may start with digits, even another code */
    ck_assert_str_eq(parse_all("211-Features:\r\n MDTM\r\n211x\r\n200 inner\r\n211 End\r\n", 7),
                     "211|211-Features:\n MDTM\n211x\n200 inner\n211 End");
    /* a bare "ddd" of the same code ends it too */
    ck_assert_str_eq(parse_all("230-a\r\n230\r\n", 100), "230|230-a\n230");
}
END_TEST

START_TEST(what_is_not_a_reply)
{
    ck_assert_str_eq(parse_all("hello\r\n", 100), "BAD");
    ck_assert_str_eq(parse_all("2000 x\r\n", 100), "BAD");
    ck_assert_str_eq(parse_all("600 x\r\n", 100), "BAD");
    ck_assert_str_eq(parse_all("099 x\r\n", 100), "BAD");
    ck_assert_str_eq(parse_all("22\r\n", 100), "BAD");
    ck_assert_str_eq(parse_all("220 ok\r\nnope\r\n200 fine\r\n", 100), "220|220 ok ## BAD");
}
END_TEST

START_TEST(long_and_binary_lines_are_cut_not_trusted)
{
    char big[FTP_REPLY_LINE_MAX * 3];
    memset(big, 'x', sizeof(big));
    memcpy(big, "550 ", 4);
    strcpy(big + sizeof(big) - 3, "\r\n");
    ftp_parser p;
    ftp_parser_init(&p);
    const uint8_t *b = (const uint8_t *)big;
    size_t n = strlen(big);
    ftp_reply r;
    ck_assert_int_eq(ftp_parser_next(&p, &b, &n, &r), 1);
    ck_assert_int_eq(r.code, 550);
    ck_assert_uint_eq(r.len, FTP_REPLY_TEXT_MAX);
    ck_assert_uint_eq(strlen(r.text), FTP_REPLY_TEXT_MAX);
    /* control bytes show as '?' */
    ck_assert_str_eq(parse_all("200 a\tb\x01\r\n", 100), "200|200 a?b?");
}
END_TEST

START_TEST(passive_addresses_and_sizes)
{
    uint32_t ip;
    uint16_t port;
    ck_assert_int_eq(ftp_parse_pasv("227 Entering Passive Mode (203,0,113,7,195,80).", &ip, &port), 0);
    ck_assert_uint_eq(ip, 0xCB007107u);
    ck_assert_uint_eq(port, 195 * 256 + 80);
    ck_assert_int_eq(ftp_parse_pasv("227 =127,0,0,1,4,1", &ip, &port), 0);
    ck_assert_uint_eq(ip, 0x7F000001u);
    ck_assert_uint_eq(port, 1025);
    ck_assert_int_eq(ftp_parse_pasv("227 Entering Passive Mode (256,0,0,1,4,1)", &ip, &port), -1);
    ck_assert_int_eq(ftp_parse_pasv("227 Entering Passive Mode (1,2,3,4,5)", &ip, &port), -1);
    ck_assert_int_eq(ftp_parse_pasv("227", &ip, &port), -1);
    ck_assert_int_eq(ftp_parse_epsv("229 Entering Extended Passive Mode (|||6446|)", &port), 0);
    ck_assert_uint_eq(port, 6446);
    ck_assert_int_eq(ftp_parse_epsv("229 (!!!21!)", &port), 0);
    ck_assert_uint_eq(port, 21);
    ck_assert_int_eq(ftp_parse_epsv("229 (|||0|)", &port), -1);
    ck_assert_int_eq(ftp_parse_epsv("229 (|||70000|)", &port), -1);
    ck_assert_int_eq(ftp_parse_epsv("229 (||6446|)", &port), -1);
    uint64_t size;
    ck_assert_int_eq(ftp_parse_size("213 450000", &size), 0);
    ck_assert_uint_eq(size, 450000);
    ck_assert_int_eq(ftp_parse_size("213 12abc", &size), -1);
    ck_assert_int_eq(ftp_parse_size("213 99999999999999999999999", &size), -1);
}
END_TEST

/* ---------------- the client ---------------- */

typedef struct cl {
    ftp_client c;
    ftp_out o;
    char acts[4096];
} cl;

/* The actions since the last call, one word each, "|" between. */
static const char *acts(cl *t)
{
    char *s = t->acts;
    size_t cap = sizeof(t->acts), len = 0;
    s[0] = 0;
    for (size_t i = 0; i < t->o.nact; i++) {
        const ftp_act *a = &t->o.act[i];
        char w[600];
        switch (a->kind) {
        case FTP_ACT_CONNECT: snprintf(w, sizeof(w), "CONNECT"); break;
        case FTP_ACT_SEND:
            ck_assert_uint_ge(a->len, 2);
            ck_assert(!memcmp(ftp_out_text(&t->o, a) + a->len - 2, "\r\n", 2));
            snprintf(w, sizeof(w), "> %.*s", (int)a->len - 2, ftp_out_text(&t->o, a));
            break;
        case FTP_ACT_DATA_CONNECT:
            snprintf(w, sizeof(w), "DCONN %u.%u.%u.%u:%u", a->ip >> 24, a->ip >> 16 & 255, a->ip >> 8 & 255,
                     a->ip & 255, a->port);
            break;
        case FTP_ACT_DATA_LISTEN: snprintf(w, sizeof(w), "DLISTEN"); break;
        case FTP_ACT_DATA_START: snprintf(w, sizeof(w), "DSTART"); break;
        case FTP_ACT_DATA_CLOSE: snprintf(w, sizeof(w), a->abort ? "DRESET" : "DCLOSE"); break;
        case FTP_ACT_CLOSE: snprintf(w, sizeof(w), a->abort ? "RESET" : "CLOSE"); break;
        case FTP_ACT_SIZE: snprintf(w, sizeof(w), "SIZE %llu", (unsigned long long)a->size); break;
        case FTP_ACT_DONE:
            if (a->fail == FTP_FAIL_CONTROL || a->fail == FTP_FAIL_DATA)
                snprintf(w, sizeof(w), "DONE %s %d", ftp_fail_name(a->fail), a->err);
            else
                snprintf(w, sizeof(w), "DONE %s %d", ftp_fail_name(a->fail), a->code);
            break;
        }
        len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? "|" : "", w);
    }
    ck_assert_int_eq(t->o.err, 0);
    ftp_out_clear(&t->o);
    return s;
}

static void cl_init(cl *t, const char *user, const char *pass, int passive)
{
    ftp_config cfg = { user, pass, "acct", passive };
    ftp_client_init(&t->c, &cfg);
    ftp_out_init(&t->o);
}

static const char *reply(cl *t, const char *text)
{
    ftp_client_control_data(&t->c, (const uint8_t *)text, strlen(text), &t->o);
    return acts(t);
}

static const char *start(cl *t, ftp_cmd_kind k, const char *path, const char *path2, uint64_t offset)
{
    ftp_request r = { k, path, path2, offset, UINT64_MAX };
    ck_assert_int_eq(ftp_client_start(&t->c, &r, &t->o), 0);
    return acts(t);
}

/* LOGIN until the control connection is up. */
static void connect_control(cl *t)
{
    ck_assert_str_eq(start(t, FTP_LOGIN, NULL, NULL, 0), "CONNECT");
    ftp_client_control_up(&t->c, &t->o);
    ck_assert_str_eq(acts(t), "");
}

/* A passive RETR of a 10-byte file until the server's 150. */
static void retr_until_150(cl *t, const char *path)
{
    start(t, FTP_RETR, path, NULL, 0);
    if (!t->c.binary)
        reply(t, "200 ok\r\n");
    reply(t, "213 10\r\n");
    reply(t, "227 (1,2,3,4,0,80)\r\n");
    ftp_client_data_up(&t->c, &t->o);
    acts(t);
    ck_assert_str_eq(reply(t, "150 go\r\n"), "DSTART");
}

static void login(cl *t)
{
    connect_control(t);
    ck_assert_str_eq(reply(t, "220 ready\r\n"), "> USER u");
    ck_assert_str_eq(reply(t, "331 password please\r\n"), "> PASS p");
    ck_assert_str_eq(reply(t, "230 logged in\r\n"), "DONE ok 230");
    ck_assert(ftp_client_logged_in(&t->c));
}

START_TEST(login_user_pass)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    ck_assert(!ftp_client_logged_in(&t.c));
    login(&t);
    ck_assert_int_eq(t.c.state, FTPS_READY);
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(login_waits_through_120_and_asks_account_when_told)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    connect_control(&t);
    ck_assert_str_eq(reply(&t, "120 ready in 1 minute\r\n"), "");
    ck_assert_str_eq(reply(&t, "220-multi\r\n220 greeting\r\n"), "> USER u");
    ck_assert_str_eq(reply(&t, "331 ok\r\n"), "> PASS p");
    ck_assert_str_eq(reply(&t, "332 account?\r\n"), "> ACCT acct");
    ck_assert_str_eq(reply(&t, "230 fine\r\n"), "DONE ok 230");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(login_refused_says_quit_and_hangs_up)
{
    cl t;
    cl_init(&t, "u", "bad", 1);
    connect_control(&t);
    reply(&t, "220 hi\r\n");
    ck_assert_str_eq(reply(&t, "331 ok\r\n"), "> PASS bad");
    ck_assert_str_eq(reply(&t, "530 Login incorrect.\r\n"), "> QUIT|CLOSE|DONE reply 530");
    ck_assert_int_eq(t.c.state, FTPS_CLOSED);
    /* a greeting that refuses: 421 closes, no QUIT */
    connect_control(&t);
    ck_assert_str_eq(reply(&t, "421 too many users\r\n"), "CLOSE|DONE reply 421");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(anonymous_login_and_user_without_password)
{
    cl t;
    cl_init(&t, "", "", 1);
    connect_control(&t);
    ck_assert_str_eq(reply(&t, "220 hi\r\n"), "> USER anonymous");
    ck_assert_str_eq(reply(&t, "331 send email\r\n"), "> PASS anonymous@");
    ck_assert_str_eq(reply(&t, "230 ok\r\n"), "DONE ok 230");
    /* 230 right after USER: no PASS */
    ftp_out_free(&t.o);
    cl_init(&t, "guest", "", 1);
    connect_control(&t);
    ck_assert_str_eq(reply(&t, "220 hi\r\n"), "> USER guest");
    ck_assert_str_eq(reply(&t, "230 no password needed\r\n"), "DONE ok 230");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(control_connection_that_fails_or_closes)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    start(&t, FTP_LOGIN, NULL, NULL, 0);
    ftp_client_control_failed(&t.c, -ECONNREFUSED, &t.o);
    ck_assert_str_eq(acts(&t), "DONE control -111");
    ck_assert_int_eq(t.c.state, FTPS_CLOSED);
    login(&t);
    /* idle: the server hangs up, no operation to fail */
    ftp_client_control_closed(&t.c, 0, &t.o);
    ck_assert_str_eq(acts(&t), "CLOSE");
    ck_assert(!ftp_client_logged_in(&t.c));
    /* during an operation */
    login(&t);
    start(&t, FTP_CWD, "/x", NULL, 0);
    ftp_client_control_closed(&t.c, -ECONNRESET, &t.o);
    ck_assert_str_eq(acts(&t), "CLOSE|DONE control -104");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(retr_passive)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    ck_assert_str_eq(start(&t, FTP_RETR, "/fw/pkg.bin", NULL, 0), "> TYPE I");
    ck_assert_str_eq(reply(&t, "200 Type set to I\r\n"), "> SIZE /fw/pkg.bin");
    ck_assert_str_eq(reply(&t, "213 450000\r\n"), "SIZE 450000|> PASV");
    ck_assert_str_eq(reply(&t, "227 Entering Passive Mode (203,0,113,7,195,80).\r\n"), "DCONN 203.0.113.7:50000");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> RETR /fw/pkg.bin");
    ck_assert_str_eq(reply(&t, "150 Opening BINARY mode data connection\r\n"), "DSTART");
    /* the final reply first: the data is still arriving */
    ck_assert_str_eq(reply(&t, "226 Transfer complete\r\n"), "");
    ftp_client_data_done(&t.c, 0, &t.o);
    ck_assert_str_eq(acts(&t), "DONE ok 226");
    /* the next transfer: binary already, the data ends first this time */
    ck_assert_str_eq(start(&t, FTP_RETR, "b", NULL, 0), "> SIZE b");
    ck_assert_str_eq(reply(&t, "550 no SIZE for you\r\n"), "> PASV");
    reply(&t, "227 Entering Passive Mode (10,0,0,1,0,21)\r\n");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> RETR b");
    ck_assert_str_eq(reply(&t, "125 already open\r\n"), "DSTART");
    ftp_client_data_done(&t.c, 0, &t.o);
    ck_assert_str_eq(acts(&t), "");
    ck_assert_str_eq(reply(&t, "250 ok\r\n"), "DONE ok 250");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(retr_refused_missing_too_big_and_broken)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    start(&t, FTP_RETR, "nope", NULL, 0);
    reply(&t, "200 ok\r\n");
    reply(&t, "550 nope: No such file\r\n");
    reply(&t, "227 (1,2,3,4,0,80)\r\n");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> RETR nope");
    ck_assert_str_eq(reply(&t, "550 nope: No such file\r\n"), "DRESET|DONE reply 550");
    ck_assert_int_eq(t.c.state, FTPS_READY);

    /* SIZE beyond the limit: no data connection at all */
    ftp_request r = { FTP_RETR, "big", NULL, 100, 1000 };
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), 0);
    ck_assert_str_eq(acts(&t), "> SIZE big");
    ck_assert_str_eq(reply(&t, "213 1101\r\n"), "SIZE 1101|DONE too_big 0");
    /* exactly at the limit is fine */
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), 0);
    acts(&t);
    ck_assert_str_eq(reply(&t, "213 1100\r\n"), "SIZE 1100|> PASV");
    reply(&t, "227 (1,2,3,4,0,80)\r\n");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> REST 100");
    ck_assert_str_eq(reply(&t, "350 Restarting at 100\r\n"), "> RETR big");
    reply(&t, "150 go\r\n");
    /* the data connection is reset by the server: its final reply decides */
    ftp_client_data_done(&t.c, -ECONNRESET, &t.o);
    ck_assert_str_eq(acts(&t), "");
    ck_assert_str_eq(reply(&t, "426 Connection closed; transfer aborted\r\n"), "DONE reply 426");
    /* a data connection that broke although the server says 226 */
    retr_until_150(&t, "x");
    ftp_client_data_done(&t.c, -ECONNRESET, &t.o);
    ck_assert_str_eq(reply(&t, "226 done\r\n"), "DONE data -104");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(passive_port_unreachable)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    start(&t, FTP_NLST, NULL, NULL, 0);
    ck_assert_str_eq(reply(&t, "227 (192,0,2,1,4,1)\r\n"), "DCONN 192.0.2.1:1025");
    ftp_client_data_failed(&t.c, -ETIMEDOUT, &t.o);
    ck_assert_str_eq(acts(&t), "DONE data -110");
    ck_assert(ftp_client_logged_in(&t.c));
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(epsv_when_pasv_is_refused)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    ck_assert_str_eq(start(&t, FTP_LIST, "/fw", NULL, 0), "> PASV");
    ck_assert_str_eq(reply(&t, "502 PASV not implemented\r\n"), "> EPSV");
    ck_assert_str_eq(reply(&t, "229 Entering Extended Passive Mode (|||6446|)\r\n"), "DCONN 0.0.0.0:6446");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> LIST /fw");
    ck_assert_str_eq(reply(&t, "150 here\r\n"), "DSTART");
    ftp_client_data_done(&t.c, 0, &t.o);
    ck_assert_str_eq(reply(&t, "226 done\r\n"), "DONE ok 226");
    /* both refused */
    start(&t, FTP_LIST, NULL, NULL, 0);
    reply(&t, "500 no\r\n");
    ck_assert_str_eq(reply(&t, "500 neither\r\n"), "DRESET|DONE reply 500");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(retr_active_mode)
{
    cl t;
    cl_init(&t, "u", "p", 0);
    login(&t);
    start(&t, FTP_RETR, "f", NULL, 0);
    reply(&t, "200 ok\r\n");
    ck_assert_str_eq(reply(&t, "213 3\r\n"), "SIZE 3|DLISTEN");
    ftp_client_data_listening(&t.c, 0x0A000005u, 49152, &t.o);
    ck_assert_str_eq(acts(&t), "> PORT 10,0,0,5,192,0");
    ck_assert_str_eq(reply(&t, "200 PORT command successful\r\n"), "> RETR f");
    ck_assert_str_eq(reply(&t, "150 opening\r\n"), "DSTART");
    ftp_client_data_up(&t.c, &t.o); /* the server connects to us */
    ck_assert_str_eq(acts(&t), "");
    ftp_client_data_done(&t.c, 0, &t.o);
    ck_assert_str_eq(reply(&t, "226 ok\r\n"), "DONE ok 226");
    /* PORT refused */
    start(&t, FTP_NLST, NULL, NULL, 0);
    ftp_client_data_listening(&t.c, 0x0A000005u, 49153, &t.o);
    acts(&t);
    ck_assert_str_eq(reply(&t, "500 Illegal PORT command\r\n"), "DRESET|DONE reply 500");
    /* the server cannot connect back */
    start(&t, FTP_NLST, NULL, NULL, 0);
    ftp_client_data_listening(&t.c, 0x0A000005u, 49154, &t.o);
    reply(&t, "200 ok\r\n");
    ck_assert_str_eq(acts(&t), "");
    ck_assert_str_eq(reply(&t, "425 Can't open data connection\r\n"), "DRESET|DONE reply 425");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(stor_with_restart_offset)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    ck_assert_str_eq(start(&t, FTP_STOR, "up.bin", NULL, 10), "> TYPE I");
    ck_assert_str_eq(reply(&t, "200 ok\r\n"), "> PASV");
    reply(&t, "227 (1,2,3,4,0,80)\r\n");
    ftp_client_data_up(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "> REST 10");
    ck_assert_str_eq(reply(&t, "350 ok\r\n"), "> STOR up.bin");
    ck_assert_str_eq(reply(&t, "150 send it\r\n"), "DSTART");
    ftp_client_data_done(&t.c, 0, &t.o);
    ck_assert_str_eq(reply(&t, "226 stored\r\n"), "DONE ok 226");
    /* REST refused */
    start(&t, FTP_STOR, "x", NULL, 5);
    reply(&t, "227 (1,2,3,4,0,80)\r\n");
    ftp_client_data_up(&t.c, &t.o);
    acts(&t);
    ck_assert_str_eq(reply(&t, "502 no REST\r\n"), "DRESET|DONE reply 502");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(simple_commands)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    ck_assert_str_eq(start(&t, FTP_DELETE, "a.txt", NULL, 0), "> DELE a.txt");
    ck_assert_str_eq(reply(&t, "250 deleted\r\n"), "DONE ok 250");
    ck_assert_str_eq(start(&t, FTP_DELETE, "b.txt", NULL, 0), "> DELE b.txt");
    ck_assert_str_eq(reply(&t, "550 No such file\r\n"), "DONE reply 550");
    ck_assert_str_eq(start(&t, FTP_RENAME, "a", "b c", 0), "> RNFR a");
    ck_assert_str_eq(reply(&t, "350 ready\r\n"), "> RNTO b c");
    ck_assert_str_eq(reply(&t, "250 renamed\r\n"), "DONE ok 250");
    ck_assert_str_eq(start(&t, FTP_RENAME, "x", "y", 0), "> RNFR x");
    ck_assert_str_eq(reply(&t, "550 no x\r\n"), "DONE reply 550");
    ck_assert_str_eq(start(&t, FTP_CWD, "/fw", NULL, 0), "> CWD /fw");
    ck_assert_str_eq(reply(&t, "250 ok\r\n"), "DONE ok 250");
    ck_assert_str_eq(start(&t, FTP_MKD, "new", NULL, 0), "> MKD new");
    ck_assert_str_eq(reply(&t, "257 \"/fw/new\" created\r\n"), "DONE ok 257");
    ck_assert_str_eq(start(&t, FTP_RMD, "new", NULL, 0), "> RMD new");
    ck_assert_str_eq(reply(&t, "250 removed\r\n"), "DONE ok 250");
    ck_assert_str_eq(start(&t, FTP_PWD, NULL, NULL, 0), "> PWD");
    ck_assert_str_eq(reply(&t, "257 \"/fw\"\r\n"), "DONE ok 257");
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(done_carries_the_reply_text)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    start(&t, FTP_CWD, "z", NULL, 0);
    const char *text = "550 z: No such directory\r\n";
    ftp_client_control_data(&t.c, (const uint8_t *)text, strlen(text), &t.o);
    ck_assert_uint_eq(t.o.nact, 1);
    ck_assert_int_eq(t.o.act[0].kind, FTP_ACT_DONE);
    ck_assert_int_eq(t.o.act[0].code, 550);
    ck_assert_str_eq(ftp_out_text(&t.o, &t.o.act[0]), "550 z: No such directory");
    ck_assert_uint_eq(t.o.act[0].len, strlen("550 z: No such directory"));
    ftp_out_clear(&t.o);
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(starting_in_the_wrong_state_or_with_bad_paths)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    ftp_request r = { FTP_RETR, "f", NULL, 0, UINT64_MAX };
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EBUSY); /* not logged in */
    r.kind = FTP_LOGOUT;
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EBUSY);
    login(&t);
    r.kind = FTP_LOGIN;
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EBUSY); /* already */
    r.kind = FTP_DELETE;
    r.path = "a\r\nDELE b";
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EINVAL);
    r.path = "";
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EINVAL);
    r.path = NULL;
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EINVAL);
    char longp[FTP_PATH_MAX + 2];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = 0;
    r.path = longp;
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EINVAL);
    longp[FTP_PATH_MAX] = 0;
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), 0);
    acts(&t);
    /* one operation at a time */
    r.path = "x";
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EBUSY);
    r.kind = FTP_RENAME;
    ck_assert_str_eq(reply(&t, "250 ok\r\n"), "DONE ok 250");
    ck_assert_int_eq(ftp_client_start(&t.c, &r, &t.o), -EINVAL); /* no new name */
    ck_assert_uint_eq(t.o.nact, 0);
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(logout_timeout_abort_and_421)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    ck_assert_str_eq(start(&t, FTP_LOGOUT, NULL, NULL, 0), "> QUIT");
    ck_assert_str_eq(reply(&t, "221 Goodbye\r\n"), "CLOSE|DONE ok 221");
    ck_assert_int_eq(t.c.state, FTPS_CLOSED);
    /* QUIT answered by a hang-up */
    login(&t);
    start(&t, FTP_LOGOUT, NULL, NULL, 0);
    ftp_client_control_closed(&t.c, 0, &t.o);
    ck_assert_str_eq(acts(&t), "CLOSE|DONE ok 0");
    /* a silent server during a transfer */
    login(&t);
    retr_until_150(&t, "f");
    ftp_client_timeout(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "DRESET|CLOSE|DONE timeout 0");
    ck_assert(!ftp_client_logged_in(&t.c));
    ftp_client_timeout(&t.c, &t.o); /* nothing left to time out */
    ck_assert_str_eq(acts(&t), "");
    /* an idle session just ends */
    login(&t);
    ftp_client_timeout(&t.c, &t.o);
    ck_assert_str_eq(acts(&t), "CLOSE");
    ck_assert(!ftp_client_logged_in(&t.c));
    /* the caller gives up (file system full): the server's reply ends it */
    login(&t);
    retr_until_150(&t, "f");
    ftp_client_abort(&t.c, 7, &t.o);
    ck_assert_str_eq(acts(&t), "DRESET");
    ck_assert_str_eq(reply(&t, "426 aborted\r\n"), "DONE local 7");
    ck_assert(ftp_client_logged_in(&t.c));
    /* a 421 in the middle ends the session */
    start(&t, FTP_MKD, "d", NULL, 0);
    ck_assert_str_eq(reply(&t, "421 Timeout.\r\n"), "CLOSE|DONE reply 421");
    ck_assert(!ftp_client_logged_in(&t.c));
    /* and while idle */
    login(&t);
    ck_assert_str_eq(reply(&t, "421 Idle timeout\r\n"), "CLOSE");
    ck_assert(!ftp_client_logged_in(&t.c));
    ftp_out_free(&t.o);
}
END_TEST

START_TEST(garbage_on_the_control_connection_ends_the_session)
{
    cl t;
    cl_init(&t, "u", "p", 1);
    login(&t);
    start(&t, FTP_CWD, "a", NULL, 0);
    ck_assert_str_eq(reply(&t, "SSH-2.0-OpenSSH\r\n"), "CLOSE|DONE protocol 0");
    login(&t);
    ck_assert_str_eq(reply(&t, "what\r\n"), "CLOSE");
    ck_assert_int_eq(t.c.state, FTPS_CLOSED);
    ftp_out_free(&t.o);
}
END_TEST

static Suite *ftp_suite(void)
{
    Suite *s = suite_create("ftp");
    TCase *t = tcase_create("replies");
    tcase_add_test(t, single_line_replies);
    tcase_add_test(t, replies_fed_byte_by_byte);
    tcase_add_test(t, multi_line_reply_ends_only_at_its_own_code);
    tcase_add_test(t, what_is_not_a_reply);
    tcase_add_test(t, long_and_binary_lines_are_cut_not_trusted);
    tcase_add_test(t, passive_addresses_and_sizes);
    suite_add_tcase(s, t);
    t = tcase_create("client");
    tcase_add_test(t, login_user_pass);
    tcase_add_test(t, login_waits_through_120_and_asks_account_when_told);
    tcase_add_test(t, login_refused_says_quit_and_hangs_up);
    tcase_add_test(t, anonymous_login_and_user_without_password);
    tcase_add_test(t, control_connection_that_fails_or_closes);
    tcase_add_test(t, retr_passive);
    tcase_add_test(t, retr_refused_missing_too_big_and_broken);
    tcase_add_test(t, passive_port_unreachable);
    tcase_add_test(t, epsv_when_pasv_is_refused);
    tcase_add_test(t, retr_active_mode);
    tcase_add_test(t, stor_with_restart_offset);
    tcase_add_test(t, simple_commands);
    tcase_add_test(t, done_carries_the_reply_text);
    tcase_add_test(t, starting_in_the_wrong_state_or_with_bad_paths);
    tcase_add_test(t, logout_timeout_abort_and_421);
    tcase_add_test(t, garbage_on_the_control_connection_ends_the_session);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(ftp_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
