/* fuzz_condition_value.c - libFuzzer target for the condition-value parsers
 * (lib/policy/value.c). Each input is given to the IP, number and date
 * parsers; every accepted value must satisfy invariants that a wrong parse
 * would break: ranges, host bits cleared, containment of its own addresses,
 * a canonical text round trip, and agreement with libc (inet_pton, strtod
 * in the C locale) on the texts both are meant to accept. */
#include <arpa/inet.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fputs("fuzz_condition_value: invariant failed: " #cond "\n", stderr);   \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* A tiny bounded writer (the printf family that writes to memory is banned). */
typedef struct outbuf {
    char p[128];
    size_t len;
} outbuf;

static void put_char(outbuf *o, char c)
{
    CHECK(o->len + 1 < sizeof(o->p));
    o->p[o->len++] = c;
}

/* Writes v in decimal, zero-padded to at least `width` digits. */
static void put_uint(outbuf *o, uint64_t v, int width)
{
    char tmp[24];
    int k = 0;

    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 || k < width);
    while (k > 0)
        put_char(o, tmp[--k]);
}

static void put_hex16(outbuf *o, unsigned v)
{
    static const char hx[] = "0123456789abcdef";
    bool started = false;

    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xf;

        if (d != 0 || started || shift == 0) {
            put_char(o, hx[d]);
            started = true;
        }
    }
}

/* ------------------------------------------------------------------ */

static unsigned ip_max(const iam__ip *ip)
{
    return ip->family == 4 ? 32u : 128u;
}

static bool ip_bit(const iam__ip *ip, unsigned bit)
{
    return (ip->addr[bit / 8] >> (7 - bit % 8)) & 1;
}

static void ip_flip(iam__ip *ip, unsigned bit)
{
    ip->addr[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
}

/* Canonical text: dotted quad, or eight uncompressed hex groups. */
static void ip_format(const iam__ip *ip, outbuf *o)
{
    o->len = 0;
    if (ip->family == 4) {
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                put_char(o, '.');
            put_uint(o, ip->addr[i], 1);
        }
    } else {
        for (int i = 0; i < 8; i++) {
            if (i > 0)
                put_char(o, ':');
            put_hex16(o, (unsigned)(ip->addr[2 * i] << 8 | ip->addr[2 * i + 1]));
        }
    }
    put_char(o, '/');
    put_uint(o, ip->prefix, 1);
    o->p[o->len] = '\0';
}

static void check_ip_invariants(const iam__ip *ip, bool allow_prefix)
{
    iam__ip full, other, again;
    unsigned max;
    outbuf o;

    CHECK(ip->family == 4 || ip->family == 6);
    max = ip_max(ip);
    CHECK(ip->prefix <= max);
    if (!allow_prefix)
        CHECK(ip->prefix == max);
    for (unsigned bit = ip->prefix; bit < 128; bit++)
        CHECK(!ip_bit(ip, bit)); /* host bits and unused v4 bytes are zero */

    /* A network contains its base address and any address sharing the
     * prefix; it is contained in itself; families never mix. */
    full = *ip;
    full.prefix = (uint8_t)max;
    CHECK(iam__ip_contains(ip, &full));
    CHECK(iam__ip_contains(ip, ip));
    CHECK(iam__ip_contains(&full, &full));
    if (ip->prefix < max) {
        other = full;
        ip_flip(&other, max - 1); /* a host bit */
        CHECK(iam__ip_contains(ip, &other));
        CHECK(!iam__ip_contains(&full, &other));
    }
    if (ip->prefix > 0) {
        other = full;
        ip_flip(&other, ip->prefix - 1); /* the last network bit */
        CHECK(!iam__ip_contains(ip, &other));
    }
    other = full;
    other.family = ip->family == 4 ? 6 : 4;
    other.prefix = (uint8_t)(other.family == 4 ? 32 : 128);
    CHECK(!iam__ip_contains(ip, &other));

    /* Canonical text round trip. */
    ip_format(ip, &o);
    CHECK(iam__ip_parse(o.p, o.len, true, &again));
    CHECK(memcmp(&again, ip, sizeof(again)) == 0);
}

/* inet_pton is the reference for the address grammar, with two known
 * differences that are part of our contract: we also reject leading zeros
 * in dotted quads (glibc does too, musl may not) and nothing else. Only run
 * it on short NUL-free texts, as inet_pton needs a C string. */
static void check_ip_vs_inet_pton(const uint8_t *data, size_t size)
{
    char buf[64];
    unsigned char ref[16];
    iam__ip ip;
    bool ours, v4, v6;
    int af;

    if (size == 0 || size >= sizeof(buf) || memchr(data, '\0', size) != NULL ||
        memchr(data, '/', size) != NULL)
        return;
    memcpy(buf, data, size);
    buf[size] = '\0';
    ours = iam__ip_parse(buf, size, false, &ip);
    af = memchr(buf, ':', size) != NULL ? AF_INET6 : AF_INET;
    v4 = af == AF_INET && inet_pton(AF_INET, buf, ref) == 1;
    v6 = af == AF_INET6 && inet_pton(AF_INET6, buf, ref) == 1;
    CHECK(ours == (v4 || v6));
    if (ours)
        CHECK(memcmp(ip.addr, ref, v4 ? 4 : 16) == 0);
}

static void fuzz_ip(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    iam__ip plain, net;
    bool ok_plain, ok_net;

    ok_plain = iam__ip_parse(s, size, false, &plain);
    ok_net = iam__ip_parse(s, size, true, &net);
    if (ok_plain) {
        check_ip_invariants(&plain, false);
        CHECK(ok_net); /* allowing a prefix never rejects more */
        CHECK(memcmp(&plain, &net, sizeof(net)) == 0);
    }
    if (ok_net) {
        check_ip_invariants(&net, true);
        CHECK(ok_plain == (memchr(s, '/', size) == NULL));
    }
    check_ip_vs_inet_pton(data, size);
}

/* ------------------------------------------------------------------ */

static void fuzz_num(const uint8_t *data, size_t size)
{
    char buf[80];
    char *end = NULL;
    double v, ref;

    if (!iam__num_parse((const char *)data, size, &v))
        return;
    CHECK(size > 0 && size <= 64);
    CHECK(isfinite(v));
    for (size_t i = 0; i < size; i++)
        CHECK((data[i] >= '0' && data[i] <= '9') || data[i] == '.' ||
              (i == 0 && (data[i] == '-' || data[i] == '+')));
    /* The fuzzer runs in the C locale, where strtod reads the same text. */
    memcpy(buf, data, size);
    buf[size] = '\0';
    ref = strtod(buf, &end);
    CHECK(end == buf + size);
    CHECK(memcmp(&ref, &v, sizeof(v)) == 0);
}

/* ------------------------------------------------------------------ */

#define USEC INT64_C(1000000)
#define DAY_USEC (INT64_C(86400) * USEC)
#define YEAR0_USEC (INT64_C(-62167219200) * USEC)   /* 0000-01-01T00:00:00Z */
#define YEAR10000_USEC (INT64_C(253402300800) * USEC) /* 10000-01-01T00:00:00Z */

/* Inverse of days_from_civil (H. Hinnant), for the round trip. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void fuzz_date(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t v, again, days, rem, y;
    unsigned m, d;
    bool all_digits = size > 0;
    outbuf o;

    if (!iam__date_parse(s, size, &v))
        return;
    /* Years 0000-9999 shifted by at most 23:59 either way. */
    CHECK(v >= YEAR0_USEC - DAY_USEC && v < YEAR10000_USEC + DAY_USEC);

    for (size_t i = 0; i < size && all_digits; i++)
        all_digits = data[i] >= '0' && data[i] <= '9';
    if (all_digits && size != 4) {
        int64_t secs = 0;

        for (size_t i = 0; i < size; i++)
            secs = secs * 10 + (data[i] - '0'); /* bounded: it parsed */
        CHECK(v == secs * USEC);
    }

    /* Round trip through the canonical form when it is representable. */
    if (v < YEAR0_USEC || v >= YEAR10000_USEC)
        return;
    days = floor_div(v, DAY_USEC);
    rem = v - days * DAY_USEC;
    civil_from_days(days, &y, &m, &d);
    o.len = 0;
    put_uint(&o, (uint64_t)y, 4);
    put_char(&o, '-');
    put_uint(&o, m, 2);
    put_char(&o, '-');
    put_uint(&o, d, 2);
    put_char(&o, 'T');
    put_uint(&o, (uint64_t)(rem / (3600 * USEC)), 2);
    put_char(&o, ':');
    put_uint(&o, (uint64_t)(rem / (60 * USEC) % 60), 2);
    put_char(&o, ':');
    put_uint(&o, (uint64_t)(rem / USEC % 60), 2);
    put_char(&o, '.');
    put_uint(&o, (uint64_t)(rem % USEC), 6);
    put_char(&o, 'Z');
    CHECK(iam__date_parse(o.p, o.len, &again));
    CHECK(again == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ip(data, size);
    fuzz_num(data, size);
    fuzz_date(data, size);
    return 0;
}
