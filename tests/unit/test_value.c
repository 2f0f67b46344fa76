/* test_value.c - vectors for the typed condition-value parsers (value.h):
 * IP addresses and CIDR networks, decimal numbers, ISO 8601 / epoch dates.
 * Every table row is one case; a failing row prints its input. Expected
 * dates were computed independently (Python datetime), not by this code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <string.h>

#include "policy/value.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* IP parsing                                                          */

typedef struct ip_case {
    const char *in;
    bool allow_prefix;
    bool ok;
    uint8_t family;
    uint8_t prefix;
    const char *hex; /* expected address bytes, 8 or 32 hex digits */
} ip_case;

static const ip_case ip_cases[] = {
    /* IPv4, plain */
    {"0.0.0.0", false, true, 4, 32, "00000000"},
    {"255.255.255.255", false, true, 4, 32, "ffffffff"},
    {"10.0.0.1", false, true, 4, 32, "0a000001"},
    {"192.168.100.200", true, true, 4, 32, "c0a864c8"},
    {"1.20.100.0", false, true, 4, 32, "01146400"},
    /* IPv4 CIDR, host bits cleared */
    {"192.168.1.0/24", true, true, 4, 24, "c0a80100"},
    {"10.1.2.3/8", true, true, 4, 8, "0a000000"},
    {"1.2.3.4/0", true, true, 4, 0, "00000000"},
    {"1.2.3.4/32", true, true, 4, 32, "01020304"},
    {"1.2.3.5/31", true, true, 4, 31, "01020304"},
    {"255.255.255.255/1", true, true, 4, 1, "80000000"},
    {"3.255.255.255/7", true, true, 4, 7, "02000000"},
    /* IPv4, rejected */
    {"", true, false, 0, 0, NULL},
    {"01.2.3.4", false, false, 0, 0, NULL},
    {"1.2.3.04", false, false, 0, 0, NULL},
    {"00.1.2.3", false, false, 0, 0, NULL},
    {"1.2.3.00", false, false, 0, 0, NULL},
    {"256.1.1.1", false, false, 0, 0, NULL},
    {"1.2.3.256", false, false, 0, 0, NULL},
    {"1234.1.1.1", false, false, 0, 0, NULL},
    {"1.2.3", false, false, 0, 0, NULL},
    {"1.2.3.4.5", false, false, 0, 0, NULL},
    {"1..2.3", false, false, 0, 0, NULL},
    {".1.2.3", false, false, 0, 0, NULL},
    {"1.2.3.", false, false, 0, 0, NULL},
    {"1.2.3.4.", false, false, 0, 0, NULL},
    {" 1.2.3.4", false, false, 0, 0, NULL},
    {"1.2.3.4 ", false, false, 0, 0, NULL},
    {"1.2.3.4\n", false, false, 0, 0, NULL},
    {"\t1.2.3.4", false, false, 0, 0, NULL},
    {"0x1.2.3.4", false, false, 0, 0, NULL},
    {"1.2.3.4a", false, false, 0, 0, NULL},
    {"+1.2.3.4", false, false, 0, 0, NULL},
    {"1.2.-3.4", false, false, 0, 0, NULL},
    {"1.2.3.4%eth0", false, false, 0, 0, NULL},
    {"16909060", false, false, 0, 0, NULL},
    {"localhost", false, false, 0, 0, NULL},
    {"1.2.3.4/33", true, false, 0, 0, NULL},
    {"1.2.3.4/", true, false, 0, 0, NULL},
    {"/8", true, false, 0, 0, NULL},
    {"1.2.3.4/08", true, false, 0, 0, NULL},
    {"1.2.3.4/00", true, false, 0, 0, NULL},
    {"1.2.3.4/-1", true, false, 0, 0, NULL},
    {"1.2.3.4/+8", true, false, 0, 0, NULL},
    {"1.2.3.4/8/8", true, false, 0, 0, NULL},
    {"1.2.3.4/ 8", true, false, 0, 0, NULL},
    {"1.2.3.4 /8", true, false, 0, 0, NULL},
    {"1.2.3.4/8 ", true, false, 0, 0, NULL},
    {"1.2.3.4/1000", true, false, 0, 0, NULL},
    {"1.2.3.4/255.0.0.0", true, false, 0, 0, NULL},
    /* A prefix is refused when the caller wants a plain address. */
    {"1.2.3.4/32", false, false, 0, 0, NULL},
    {"1.2.3.0/24", false, false, 0, 0, NULL},
    {"::1/128", false, false, 0, 0, NULL},
    /* IPv6, plain */
    {"::", false, true, 6, 128, "00000000000000000000000000000000"},
    {"::1", false, true, 6, 128, "00000000000000000000000000000001"},
    {"1::", false, true, 6, 128, "00010000000000000000000000000000"},
    {"1::8", false, true, 6, 128, "00010000000000000000000000000008"},
    {"2001:db8::1", false, true, 6, 128, "20010db8000000000000000000000001"},
    {"2001:DB8::1", false, true, 6, 128, "20010db8000000000000000000000001"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", false, true, 6, 128,
     "20010db8000000000000000000000001"},
    {"1:2:3:4:5:6:7:8", false, true, 6, 128, "00010002000300040005000600070008"},
    {"1:2:3:4:5:6:7::", false, true, 6, 128, "00010002000300040005000600070000"},
    {"::2:3:4:5:6:7:8", false, true, 6, 128, "00000002000300040005000600070008"},
    {"1:2:3::6:7:8", false, true, 6, 128, "00010002000300000000000600070008"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, true, 6, 128,
     "ffffffffffffffffffffffffffffffff"},
    {"fe80::abcd:ef01", false, true, 6, 128, "fe8000000000000000000000abcdef01"},
    /* IPv6 with an embedded IPv4 tail */
    {"::ffff:1.2.3.4", false, true, 6, 128, "00000000000000000000ffff01020304"},
    {"::FFFF:192.168.0.1", false, true, 6, 128, "00000000000000000000ffffc0a80001"},
    {"::1.2.3.4", false, true, 6, 128, "00000000000000000000000001020304"},
    {"64:ff9b::192.0.2.33", false, true, 6, 128, "0064ff9b0000000000000000c0000221"},
    {"1:2:3:4:5:6:1.2.3.4", false, true, 6, 128, "00010002000300040005000601020304"},
    {"1:2:3:4:5::1.2.3.4", false, true, 6, 128, "00010002000300040005000001020304"},
    /* IPv6 CIDR, host bits cleared */
    {"::/0", true, true, 6, 0, "00000000000000000000000000000000"},
    {"ffff::1/0", true, true, 6, 0, "00000000000000000000000000000000"},
    {"fe80::/10", true, true, 6, 10, "fe800000000000000000000000000000"},
    {"febf:ffff::1/10", true, true, 6, 10, "fe800000000000000000000000000000"},
    {"2001:db8:aaaa:bbbb:cccc::1/64", true, true, 6, 64, "20010db8aaaabbbb0000000000000000"},
    {"2001:db8::1/128", true, true, 6, 128, "20010db8000000000000000000000001"},
    {"2001:db8::3/127", true, true, 6, 127, "20010db8000000000000000000000002"},
    {"::ffff:1.2.3.4/120", true, true, 6, 120, "00000000000000000000ffff01020300"},
    {"::ffff:0:0/96", true, true, 6, 96, "00000000000000000000ffff00000000"},
    /* IPv6, rejected */
    {":", false, false, 0, 0, NULL},
    {":::", false, false, 0, 0, NULL},
    {"::::", false, false, 0, 0, NULL},
    {"1:::2", false, false, 0, 0, NULL},
    {"1::2::3", false, false, 0, 0, NULL},
    {"::1::", false, false, 0, 0, NULL},
    {":1::2", false, false, 0, 0, NULL},
    {"1::2:", false, false, 0, 0, NULL},
    {":1:2:3:4:5:6:7:8", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6:7:8:", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6:7", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6:7:8:9", false, false, 0, 0, NULL},
    {"1::2:3:4:5:6:7:8", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6:7:8::", false, false, 0, 0, NULL},
    {"12345::1", false, false, 0, 0, NULL},
    {"g::1", false, false, 0, 0, NULL},
    {"::ffff:01.2.3.4", false, false, 0, 0, NULL},
    {"::ffff:1.2.3", false, false, 0, 0, NULL},
    {"::ffff:1.2.3.256", false, false, 0, 0, NULL},
    {"::1.2.3.4:1", false, false, 0, 0, NULL},
    {"::1.2.3.4::", false, false, 0, 0, NULL},
    {"1.2.3.4::", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6:7:1.2.3.4", false, false, 0, 0, NULL},
    {"1:2:3:4:5:6::1.2.3.4", false, false, 0, 0, NULL},
    {"::ffff.1.2.3", false, false, 0, 0, NULL},
    {"fe80::1%eth0", false, false, 0, 0, NULL},
    {"fe80::1%1", false, false, 0, 0, NULL},
    {" ::1", false, false, 0, 0, NULL},
    {"::1 ", false, false, 0, 0, NULL},
    {"[::1]", false, false, 0, 0, NULL},
    {"::1/129", true, false, 0, 0, NULL},
    {"::1/", true, false, 0, 0, NULL},
    {"::1/0128", true, false, 0, 0, NULL},
    {"::1/1x", true, false, 0, 0, NULL},
    {"2001:db8::/32 ", true, false, 0, 0, NULL},
};

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;

        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];

            v = (v << 4) | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
}

static void test_ip_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(ip_cases); i++) {
        const ip_case *c = &ip_cases[i];
        iam__ip ip;
        bool ok;

        memset(&ip, 0xa5, sizeof(ip));
        ok = iam__ip_parse(c->in, strlen(c->in), c->allow_prefix, &ip);
        if (ok != c->ok)
            fail_msg("ip \"%s\" (allow_prefix=%d): got %s, want %s", c->in, c->allow_prefix,
                     ok ? "accept" : "reject", c->ok ? "accept" : "reject");
        if (!ok)
            continue;

        uint8_t want[16] = {0};
        size_t len = c->family == 4 ? 4 : 16;

        assert_int_equal(strlen(c->hex), 2 * len);
        hex_to_bytes(c->hex, want, len);
        if (ip.family != c->family || ip.prefix != c->prefix)
            fail_msg("ip \"%s\": family/prefix %u/%u, want %u/%u", c->in, ip.family, ip.prefix,
                     c->family, c->prefix);
        if (memcmp(ip.addr, want, len) != 0)
            fail_msg("ip \"%s\": address bytes differ from %s", c->in, c->hex);
    }
}

/* Parsers take a length and never read past it or stop at a NUL. */
static void test_ip_parse_length(void **state)
{
    static const char buf[] = "10.0.0.1/8xyz";
    static const char nul[] = "1.2.3.4\0";
    iam__ip ip;

    (void)state;
    assert_true(iam__ip_parse(buf, 8, false, &ip)); /* "10.0.0.1" */
    assert_int_equal(ip.prefix, 32);
    assert_true(iam__ip_parse(buf, 10, true, &ip)); /* "10.0.0.1/8" */
    assert_int_equal(ip.prefix, 8);
    assert_false(iam__ip_parse(buf, 11, true, &ip));
    assert_false(iam__ip_parse(buf, 0, true, &ip));
    assert_false(iam__ip_parse(nul, sizeof(nul) - 1, false, &ip)); /* NUL inside */
    assert_false(iam__ip_parse(NULL, 4, false, &ip));
    assert_false(iam__ip_parse("::1", 3, false, NULL));
}

/* ------------------------------------------------------------------ */
/* IP containment                                                      */

typedef struct contains_case {
    const char *net;
    const char *addr;
    bool in;
} contains_case;

static const contains_case contains_cases[] = {
    {"10.0.0.0/8", "10.0.0.0", true},
    {"10.0.0.0/8", "10.255.255.255", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"10.0.0.0/8", "9.255.255.255", false},
    {"10.1.2.3/8", "10.9.9.9", true}, /* host bits of the policy cleared */
    {"0.0.0.0/0", "1.2.3.4", true},
    {"0.0.0.0/0", "255.255.255.255", true},
    {"0.0.0.0/0", "0.0.0.0", true},
    {"9.9.9.9/0", "200.1.1.1", true},
    {"1.2.3.4/32", "1.2.3.4", true},
    {"1.2.3.4/32", "1.2.3.5", false},
    {"1.2.3.4", "1.2.3.4", true},
    {"1.2.3.4", "1.2.3.3", false},
    {"1.2.3.4/31", "1.2.3.4", true},
    {"1.2.3.4/31", "1.2.3.5", true},
    {"1.2.3.4/31", "1.2.3.6", false},
    {"1.2.3.4/31", "1.2.3.3", false},
    {"1.2.3.5/31", "1.2.3.4", true},
    {"192.168.1.0/25", "192.168.1.127", true},
    {"192.168.1.0/25", "192.168.1.128", false},
    {"2.0.0.0/7", "3.255.255.255", true},
    {"2.0.0.0/7", "4.0.0.0", false},
    {"2.0.0.0/7", "1.255.255.255", false},
    {"128.0.0.0/1", "127.255.255.255", false},
    {"128.0.0.0/1", "128.0.0.0", true},
    {"::/0", "2001:db8::1", true},
    {"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
    {"::1/128", "::1", true},
    {"::1/128", "::2", false},
    {"::1/128", "::", false},
    {"::1", "::1", true},
    {"2001:db8::/127", "2001:db8::", true},
    {"2001:db8::/127", "2001:db8::1", true},
    {"2001:db8::/127", "2001:db8::2", false},
    {"2001:db8::1/127", "2001:db8::", true},
    {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
    {"2001:db8::/32", "2001:db9::", false},
    {"2001:db8::/32", "2001:db7:ffff::", false},
    {"fe80::/10", "febf::1", true},
    {"fe80::/10", "fec0::1", false},
    {"2001:db8:0:1::/64", "2001:db8:0:1:ffff::1", true},
    {"2001:db8:0:1::/64", "2001:db8:0:2::1", false},
    {"::ffff:0:0/96", "::ffff:1.2.3.4", true},
    {"::ffff:1.2.3.0/120", "::ffff:1.2.3.255", true},
    {"::ffff:1.2.3.0/120", "::ffff:1.2.4.0", false},
    /* Families never mix, whatever the prefix. */
    {"::ffff:0:0/96", "1.2.3.4", false},
    {"::/0", "1.2.3.4", false},
    {"0.0.0.0/0", "::1", false},
    {"0.0.0.0/0", "::ffff:1.2.3.4", false},
    {"1.2.3.4", "::ffff:1.2.3.4", false},
    {"::1.2.3.4", "1.2.3.4", false},
};

static void test_ip_contains_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(contains_cases); i++) {
        const contains_case *c = &contains_cases[i];
        iam__ip net, addr;
        bool in;

        if (!iam__ip_parse(c->net, strlen(c->net), true, &net))
            fail_msg("net \"%s\" did not parse", c->net);
        if (!iam__ip_parse(c->addr, strlen(c->addr), false, &addr))
            fail_msg("addr \"%s\" did not parse", c->addr);
        in = iam__ip_contains(&net, &addr);
        if (in != c->in)
            fail_msg("%s in %s: got %d, want %d", c->addr, c->net, in, c->in);
    }
}

/* Structs not made by the parser: bad family or prefix never match, and a
 * wider network is not "inside" a narrower one. */
static void test_ip_contains_odd_structs(void **state)
{
    iam__ip net, addr;

    (void)state;
    assert_true(iam__ip_parse("10.0.0.0/8", 10, true, &net));
    assert_true(iam__ip_parse("10.1.0.0/16", 11, true, &addr));
    assert_true(iam__ip_contains(&net, &addr));  /* /16 inside /8 */
    assert_false(iam__ip_contains(&addr, &net)); /* /8 not inside /16 */

    assert_true(iam__ip_parse("10.1.2.3", 8, false, &addr));
    net.family = 5;
    addr.family = 5;
    assert_false(iam__ip_contains(&net, &addr));
    net.family = 4;
    addr.family = 4;
    net.prefix = 33;
    assert_false(iam__ip_contains(&net, &addr));
    net.prefix = 8;
    addr.prefix = 200;
    assert_false(iam__ip_contains(&net, &addr));
    addr.prefix = 32;
    assert_true(iam__ip_contains(&net, &addr));
    assert_false(iam__ip_contains(NULL, &addr));
    assert_false(iam__ip_contains(&net, NULL));
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

typedef struct num_case {
    const char *in;
    bool ok;
    double want;
} num_case;

#define LONG64 "1234567890123456789012345678901234567890123456789012345678901234"

static const num_case num_cases[] = {
    {"0", true, 0.0},
    {"-0", true, -0.0},
    {"+0", true, 0.0},
    {"12", true, 12.0},
    {"-12", true, -12.0},
    {"+12", true, 12.0},
    {"3.5", true, 3.5},
    {"-3.5", true, -3.5},
    {"+3.5", true, 3.5},
    {"0.25", true, 0.25},
    {"0.1", true, 0.1},
    {"-0.000001", true, -0.000001},
    {"1.2", true, 1.2},
    {"1.000", true, 1.0},
    {"007", true, 7.0},
    {"00.50", true, 0.5},
    {"86400", true, 86400.0},
    {"9007199254740993", true, 9007199254740992.0}, /* rounds to even */
    {"123456789012345678901234567890", true, 123456789012345678901234567890.0},
    {"0.000000000000000000000000000000000000000000000000000000000001", true, 1e-60},
    {LONG64, true, 1234567890123456789012345678901234567890123456789012345678901234.0},
    {"-" "123456789012345678901234567890123456789012345678901234567890.12", true,
     -123456789012345678901234567890123456789012345678901234567890.12},
    /* rejected */
    {"", false, 0},
    {"+", false, 0},
    {"-", false, 0},
    {".", false, 0},
    {".5", false, 0},
    {"-.5", false, 0},
    {"5.", false, 0},
    {"1e5", false, 0},
    {"1E5", false, 0},
    {"1.5e-3", false, 0},
    {"0x10", false, 0},
    {"0X1p3", false, 0},
    {" 1", false, 0},
    {"1 ", false, 0},
    {"\t1", false, 0},
    {"1\n", false, 0},
    {"1,5", false, 0},
    {"1.2.3", false, 0},
    {"--1", false, 0},
    {"+-1", false, 0},
    {"-+1", false, 0},
    {"1-", false, 0},
    {"inf", false, 0},
    {"-inf", false, 0},
    {"nan", false, 0},
    {"Infinity", false, 0},
    {"1_000", false, 0},
    {"1'000", false, 0},
    {"abc", false, 0},
    {"12abc", false, 0},
    {"\xd9\xa1", false, 0}, /* ARABIC-INDIC DIGIT ONE */
    {LONG64 "5", false, 0},
    {"-" LONG64, false, 0},
};

static void test_num_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(num_cases); i++) {
        const num_case *c = &num_cases[i];
        double v = 42.0;
        bool ok = iam__num_parse(c->in, strlen(c->in), &v);

        if (ok != c->ok)
            fail_msg("num \"%s\": got %s, want %s", c->in, ok ? "accept" : "reject",
                     c->ok ? "accept" : "reject");
        if (ok && (v != c->want || signbit(v) != signbit(c->want)))
            fail_msg("num \"%s\": got %.17g, want %.17g", c->in, v, c->want);
    }
}

static void test_num_parse_length(void **state)
{
    static const char buf[] = "12.5e3";
    static const char nul[] = "12\0";
    double v;

    (void)state;
    assert_true(iam__num_parse(buf, 4, &v));
    assert_true(v == 12.5);
    assert_false(iam__num_parse(buf, 5, &v));
    assert_false(iam__num_parse(buf, 6, &v));
    assert_false(iam__num_parse(nul, sizeof(nul) - 1, &v));
    assert_false(iam__num_parse(NULL, 1, &v));
    assert_false(iam__num_parse("1", 1, NULL));
    assert_true(iam__num_parse(LONG64, 64, &v)); /* exactly the limit */
    assert_false(iam__num_parse(LONG64 "1", 65, &v));
}

/* A process that set LC_NUMERIC to a comma-decimal locale must still read
 * "3.5" as 3.5 and still reject "3,5". Skipped where no such locale is
 * installed. */
static void test_num_parse_locale(void **state)
{
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                          "fr_FR.utf8", "de_DE", "fr_FR"};
    const char *set = NULL;
    double v;

    (void)state;
    for (size_t i = 0; i < N_ELEMS(locales) && set == NULL; i++)
        set = setlocale(LC_NUMERIC, locales[i]);
    if (set == NULL)
        skip();
    assert_true(iam__num_parse("3.5", 3, &v));
    assert_true(v == 3.5);
    assert_true(iam__num_parse("-0.25", 5, &v));
    assert_true(v == -0.25);
    assert_false(iam__num_parse("3,5", 3, &v));
    setlocale(LC_NUMERIC, "C");
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

typedef struct date_case {
    const char *in;
    bool ok;
    int64_t want; /* microseconds since the epoch, UTC */
} date_case;

static const date_case date_cases[] = {
    /* every accepted form */
    {"2024", true, INT64_C(1704067200000000)},
    {"2024-07", true, INT64_C(1719792000000000)},
    {"2024-07-15", true, INT64_C(1721001600000000)},
    {"2024-07-15T13:45Z", true, INT64_C(1721051100000000)},
    {"2024-07-15T13:45", true, INT64_C(1721051100000000)},
    {"2024-07-15T13:45-00:00", true, INT64_C(1721051100000000)},
    {"2024-07-15T13:45:30Z", true, INT64_C(1721051130000000)},
    {"2024-07-15T13:45:30", true, INT64_C(1721051130000000)},
    {"2024-07-15T13:45:30.5Z", true, INT64_C(1721051130500000)},
    {"2024-07-15T13:45:30.5", true, INT64_C(1721051130500000)},
    {"2024-07-15T13:45:30.123456Z", true, INT64_C(1721051130123456)},
    {"2024-07-15T13:45:30.1234567899Z", true, INT64_C(1721051130123456)},
    {"2024-07-15T13:45:30.999999999Z", true, INT64_C(1721051130999999)}, /* truncated */
    {"2024-07-15T13:45:30.000001+00:00", true, INT64_C(1721051130000001)},
    {"2024-07-15T13:45:30.0000001Z", true, INT64_C(1721051130000000)},
    /* offsets shift to UTC */
    {"2024-07-15T13:45:30+02:00", true, INT64_C(1721043930000000)},
    {"2024-07-15T13:45:30-05:30", true, INT64_C(1721070930000000)},
    {"2024-07-15T13:45:30.25-05:30", true, INT64_C(1721070930250000)},
    {"2024-01-01T00:30:00+01:00", true, INT64_C(1704065400000000)},  /* back a year */
    {"2023-12-31T23:30:00-01:00", true, INT64_C(1704069000000000)},  /* forward a year */
    {"2024-02-28T23:00:00-02:00", true, INT64_C(1709168400000000)},  /* onto leap day */
    {"2024-03-01T00:00:00+00:01", true, INT64_C(1709251140000000)},  /* back onto leap day */
    {"2024-12-31T20:00-04:00", true, INT64_C(1735689600000000)},     /* hh:mm + offset */
    {"2024-07-15T00:00:00+23:59", true, INT64_C(1720915260000000)},
    {"2024-07-15T23:59:59-23:59", true, INT64_C(1721174339000000)},
    /* calendar */
    {"2024-02-29", true, INT64_C(1709164800000000)},
    {"2000-02-29", true, INT64_C(951782400000000)},
    {"2024-01-31", true, INT64_C(1706659200000000)},
    {"2024-04-30", true, INT64_C(1714435200000000)},
    {"2024-12-31T23:59:59Z", true, INT64_C(1735689599000000)},
    {"2016-12-31T23:59:60Z", true, INT64_C(1483228800000000)},        /* second 60 */
    {"2024-06-30T12:00:60+01:00", true, INT64_C(1719745260000000)},
    {"1970-01-01T00:00:00Z", true, INT64_C(0)},
    {"1970", true, INT64_C(0)},
    {"1969-12-31T23:59:59Z", true, INT64_C(-1000000)},
    {"0000", true, INT64_C(-62167219200000000)},
    {"0000-02-29", true, INT64_C(-62162121600000000)}, /* year 0 is a leap year */
    {"0000-01-01T00:00:00+01:00", true, INT64_C(-62167222800000000)},
    {"9999-12-31T23:59:59Z", true, INT64_C(253402300799000000)},
    {"9999-12-31T23:59:59.999999-23:59", true, INT64_C(253402387139999999)},
    /* epoch seconds: every all-digit text except exactly four digits */
    {"1700000000", true, INT64_C(1700000000000000)},
    {"0", true, INT64_C(0)},
    {"12345", true, INT64_C(12345000000)},
    {"00001700000000", true, INT64_C(1700000000000000)},
    {"20240101", true, INT64_C(20240101000000)},
    {"253402300799", true, INT64_C(253402300799000000)},
    /* rejected */
    {"", false, 0},
    {"2023-02-29", false, 0},
    {"1900-02-29", false, 0},
    {"2100-02-29", false, 0},
    {"2024-02-30", false, 0},
    {"2024-13", false, 0},
    {"2024-13-01", false, 0},
    {"2024-00-10", false, 0},
    {"2024-01-00", false, 0},
    {"2024-01-32", false, 0},
    {"2024-04-31", false, 0},
    {"2024-06-31", false, 0},
    {"2024-09-31", false, 0},
    {"2024-11-31", false, 0},
    {"2024-01-01T24:00Z", false, 0},
    {"2024-01-01T24:00:00Z", false, 0},
    {"2024-01-01T12:60Z", false, 0},
    {"2024-01-01T12:00:61Z", false, 0},
    {"2024-01-01T12:00:99Z", false, 0},
    {"2024-01-01T12:00:00Zjunk", false, 0},
    {"2024-01-01T12:00:00Z ", false, 0},
    {"2024-01-01T12:00:00ZZ", false, 0},
    {" 2024-01-01", false, 0},
    {"2024-01-01 ", false, 0},
    {"2024-01-01x", false, 0},
    {"2024-01-01 12:00:00Z", false, 0},
    {"2024-01-01t12:00:00Z", false, 0},
    {"2024-01-01T12:00:00z", false, 0},
    {"2024-01-01T", false, 0},
    {"2024-01-01T12", false, 0},
    {"2024-01-01T12Z", false, 0},
    {"2024-01-01T12:", false, 0},
    {"2024-01-01T12:0", false, 0},
    {"2024-01-01T1:00Z", false, 0},
    {"2024-01-01T12:00:0Z", false, 0},
    {"2024-01-01T12:00:", false, 0},
    {"2024-01-01T12:00:00.", false, 0},
    {"2024-01-01T12:00:00.Z", false, 0},
    {"2024-01-01T12:00:00.5.5Z", false, 0},
    {"2024-01-01T12:00.5Z", false, 0},
    {"2024-01-01T12:00:00,5Z", false, 0},
    {"2024-01-01T12:00:00+0100", false, 0},
    {"2024-01-01T12:00:00+01", false, 0},
    {"2024-01-01T12:00:00+1:00", false, 0},
    {"2024-01-01T12:00:00+01:", false, 0},
    {"2024-01-01T12:00:00+24:00", false, 0},
    {"2024-01-01T12:00:00+01:60", false, 0},
    {"2024-01-01T12:00:00+01:00Z", false, 0},
    {"2024-01-01T12:00:00Z+01:00", false, 0},
    {"2024-01-01Z", false, 0},
    {"2024-01Z", false, 0},
    {"2024Z", false, 0},
    {"2024-1-01", false, 0},
    {"2024-01-1", false, 0},
    {"2024-", false, 0},
    {"2024-01-", false, 0},
    {"24-01-01", false, 0},
    {"+2024-01-01", false, 0},
    {"-2024", false, 0},
    {"12024-01-01", false, 0},
    {"2024/01/01", false, 0},
    {"20240101T000000Z", false, 0},
    {"2024-W01-1", false, 0},
    {"2024-001", false, 0},
    {"-1700000000", false, 0},
    {"+1700000000", false, 0},
    {"1700000000.5", false, 0},
    {"1700000000 ", false, 0},
    {"1.7e9", false, 0},
    {"253402300800", false, 0},              /* past 9999-12-31T23:59:59Z */
    {"99999999999999999999999999999", false, 0},
    {"now", false, 0},
};

static void test_date_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(date_cases); i++) {
        const date_case *c = &date_cases[i];
        int64_t v = INT64_C(0x5a5a5a5a);
        bool ok = iam__date_parse(c->in, strlen(c->in), &v);

        if (ok != c->ok)
            fail_msg("date \"%s\": got %s, want %s", c->in, ok ? "accept" : "reject",
                     c->ok ? "accept" : "reject");
        if (ok && v != c->want)
            fail_msg("date \"%s\": got %lld, want %lld", c->in, (long long)v,
                     (long long)c->want);
    }
}

static void test_date_parse_length(void **state)
{
    static const char buf[] = "2024-07-15T13:45:30Zgarbage";
    static const char nul[] = "2024-07-15\0";
    int64_t v;

    (void)state;
    assert_true(iam__date_parse(buf, 20, &v));
    assert_true(v == INT64_C(1721051130000000));
    assert_true(iam__date_parse(buf, 10, &v)); /* "2024-07-15" */
    assert_true(v == INT64_C(1721001600000000));
    assert_true(iam__date_parse(buf, 4, &v)); /* "2024" */
    assert_false(iam__date_parse(buf, 21, &v));
    assert_false(iam__date_parse(buf, 11, &v)); /* "2024-07-15T" */
    assert_false(iam__date_parse(buf, 0, &v));
    assert_false(iam__date_parse(nul, sizeof(nul) - 1, &v));
    assert_false(iam__date_parse(NULL, 4, &v));
    assert_false(iam__date_parse("2024", 4, NULL));
}

/* Equal instants written differently parse to equal values, and the order
 * of instants is kept across offsets (what Date* operators compare). */
static void test_date_equivalences(void **state)
{
    static const char *const same[] = {
        "2024-01-01T00:00:00Z",      "2024-01-01T00:00Z",        "2024-01-01",
        "2024-01",                   "2024",                     "1704067200",
        "2023-12-31T23:00:00-01:00", "2024-01-01T05:30:00+05:30", "2024-01-01T00:00:00.000000000Z",
        "2023-12-31T23:59:60Z",
    };
    int64_t first, v, a, b;

    (void)state;
    assert_true(iam__date_parse(same[0], strlen(same[0]), &first));
    for (size_t i = 1; i < N_ELEMS(same); i++) {
        if (!iam__date_parse(same[i], strlen(same[i]), &v) || v != first)
            fail_msg("date \"%s\" is not the same instant as \"%s\"", same[i], same[0]);
    }
    /* 10:00+02:00 (08:00Z) is before 09:00Z although it reads later. */
    assert_true(iam__date_parse("2024-05-05T10:00:00+02:00", 25, &a));
    assert_true(iam__date_parse("2024-05-05T09:00:00Z", 20, &b));
    assert_true(a < b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_parse_table),
        cmocka_unit_test(test_ip_parse_length),
        cmocka_unit_test(test_ip_contains_table),
        cmocka_unit_test(test_ip_contains_odd_structs),
        cmocka_unit_test(test_num_parse_table),
        cmocka_unit_test(test_num_parse_length),
        cmocka_unit_test(test_num_parse_locale),
        cmocka_unit_test(test_date_parse_table),
        cmocka_unit_test(test_date_parse_length),
        cmocka_unit_test(test_date_equivalences),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
