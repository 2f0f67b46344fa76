/* value.c - typed condition values: IP networks, decimal numbers, dates.
 * Every parser is strict and hand-written: it reads exactly `n` bytes, never
 * relies on NUL, never allocates, and is independent of the C locale (the
 * only libc conversion, strtod, sees a buffer without a decimal point).
 * The contract (which texts are accepted, and how they are read) is in
 * value.h; this file explains the choices the header leaves open. */
#include "policy/value.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Character helpers (ASCII only; <ctype.h> depends on the locale).    */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ------------------------------------------------------------------ */
/* IP addresses and networks.                                          */

/* Parses a dotted quad that spans all of s[0..n). Each octet is 1-3
 * digits, at most 255, with no leading zero unless it is "0" itself: a
 * leading zero means octal to inet_aton() and to some browsers, so a
 * policy author who writes "010.0.0.1" cannot be sure what they get. */
static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        size_t start;
        unsigned v = 0;

        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        start = i;
        while (i < n && is_digit(s[i]) && i - start < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
            return false;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

/* Parses RFC 4291 text that spans all of s[0..n): up to eight groups of
 * 1-4 hex digits, at most one "::" standing for ONE OR MORE zero groups
 * (so "1:2:3:4:5:6:7::" is accepted but "1::2:3:4:5:6:7:8" is not), and an
 * optional dotted-quad tail in place of the last two groups. Zone ids
 * ("%eth0") are not addresses and are rejected. */
static bool parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t words[8];
    int count = 0;
    int gap = -1; /* index in words[] where "::" stands */
    size_t i = 0;

    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n >= 1 && s[0] == ':') {
        return false; /* a single leading colon */
    }

    while (i < n) {
        size_t start = i;
        unsigned v = 0;

        while (i < n && hex_value(s[i]) >= 0)
            i++;
        if (i < n && s[i] == '.') {
            /* Dotted-quad tail: must be the rest of the text and must
             * fit in the last two groups. */
            uint8_t q[4];

            if (count > 6 || !parse_v4(s + start, n - start, q))
                return false;
            words[count++] = (uint16_t)((q[0] << 8) | q[1]);
            words[count++] = (uint16_t)((q[2] << 8) | q[3]);
            i = n;
            break;
        }
        if (i == start || i - start > 4 || count == 8)
            return false;
        for (size_t k = start; k < i; k++)
            v = (v << 4) | (unsigned)hex_value(s[k]);
        words[count++] = (uint16_t)v;
        if (i == n)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return false; /* a second "::" */
            gap = count;
            i++;
        } else if (i == n) {
            return false; /* a single trailing colon */
        }
    }

    if (gap < 0 ? count != 8 : count > 7)
        return false;
    memset(out, 0, 16);
    for (int k = 0; k < count; k++) {
        /* Groups after the gap are right-aligned. */
        int slot = (gap >= 0 && k >= gap) ? k + (8 - count) : k;

        out[2 * slot] = (uint8_t)(words[k] >> 8);
        out[2 * slot + 1] = (uint8_t)(words[k] & 0xff);
    }
    return true;
}

/* Parses the decimal prefix length after '/': 1-3 digits, no leading zero
 * ("/08" is as ambiguous as an octet "08"), at most `max`. */
static bool parse_prefix(const char *s, size_t n, unsigned max, uint8_t *out)
{
    unsigned v = 0;

    if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint8_t)v;
    return true;
}

/* Which family a text is: a colon anywhere in the address part means
 * IPv6; otherwise it can only be a dotted quad. */
bool iam__ip_parse(const char *s, size_t n, bool allow_prefix, iam__ip *out)
{
    iam__ip ip;
    const char *slash;
    size_t alen;
    unsigned max;

    if (s == NULL || out == NULL || n == 0)
        return false;
    memset(&ip, 0, sizeof(ip));
    slash = memchr(s, '/', n);
    alen = slash != NULL ? (size_t)(slash - s) : n;
    if (slash != NULL && !allow_prefix)
        return false;

    if (memchr(s, ':', alen) != NULL) {
        ip.family = 6;
        max = 128;
        if (!parse_v6(s, alen, ip.addr))
            return false;
    } else {
        ip.family = 4;
        max = 32;
        if (!parse_v4(s, alen, ip.addr))
            return false;
    }

    ip.prefix = (uint8_t)max;
    if (slash != NULL && !parse_prefix(slash + 1, n - alen - 1, max, &ip.prefix))
        return false;

    /* Clear the host bits, so "10.1.2.3/8" is stored as 10.0.0.0/8 and a
     * network compares equal however its author spelled the host part. */
    for (unsigned bit = ip.prefix; bit < max; bit++)
        ip.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));

    *out = ip;
    return true;
}

/* An `addr` with a shorter prefix than `net` is a wider network and so is
 * not inside it; for the full-length addresses of the contract this test
 * never fires. Malformed structs (bad family or prefix) never match. */
bool iam__ip_contains(const iam__ip *net, const iam__ip *addr)
{
    unsigned max, full, rem;

    if (net == NULL || addr == NULL || net->family != addr->family)
        return false;
    if (net->family == 4)
        max = 32;
    else if (net->family == 6)
        max = 128;
    else
        return false;
    if (net->prefix > max || addr->prefix > max || addr->prefix < net->prefix)
        return false;

    full = net->prefix / 8;
    rem = net->prefix % 8;
    if (memcmp(net->addr, addr->addr, full) != 0)
        return false;
    if (rem != 0) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rem));

        if ((net->addr[full] & mask) != (addr->addr[full] & mask))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Numbers.                                                            */

#define NUM_MAX_LEN 64

/* Validates the grammar by hand, then hands strtod the digits with the
 * decimal point removed and a decimal exponent instead ("-3.25" becomes
 * "-325e-2"). The result is the same correctly rounded double, and the
 * text has no locale-dependent radix character, so a process that called
 * setlocale() (LC_NUMERIC=de_DE) still parses "3.5" as 3.5. With at most
 * 64 bytes the value is finite and never subnormal: 1e-63 <= |x| < 1e64,
 * or zero. */
bool iam__num_parse(const char *s, size_t n, double *out)
{
    char buf[NUM_MAX_LEN + 8]; /* sign, <=63 digits, "e-", 2 digits, NUL */
    size_t i = 0, k = 0, frac = 0;
    char *end = NULL;
    double v;

    if (s == NULL || out == NULL || n == 0 || n > NUM_MAX_LEN)
        return false;
    if (s[0] == '+' || s[0] == '-') {
        if (s[0] == '-')
            buf[k++] = '-';
        i++;
    }
    if (i == n || !is_digit(s[i]))
        return false; /* "", "-", ".5", "-.5" */
    while (i < n && is_digit(s[i]))
        buf[k++] = s[i++];
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            buf[k++] = s[i++];
            frac++;
        }
        if (frac == 0)
            return false; /* "5." */
    }
    if (i != n)
        return false;
    if (frac > 0) {
        buf[k++] = 'e';
        buf[k++] = '-';
        if (frac >= 10)
            buf[k++] = (char)('0' + frac / 10);
        buf[k++] = (char)('0' + frac % 10);
    }
    buf[k] = '\0';

    v = strtod(buf, &end);
    if (end != buf + k)
        return false; /* cannot happen after the checks above */
    *out = v;
    return true;
}

/* ------------------------------------------------------------------ */
/* Dates.                                                              */

/* 9999-12-31T23:59:59Z: epoch values beyond the last second of the
 * contract's year range are rejected rather than read into a date that no
 * ISO text could name (and well before int64 microseconds overflow). */
#define EPOCH_MAX_SECONDS INT64_C(253402300799)
#define USEC_PER_SEC INT64_C(1000000)

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil); exact for any year in int64 range. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};

    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Reads exactly `cnt` digits at s[*pos] (bounded by n) into *v. */
static bool take_digits(const char *s, size_t n, size_t *pos, size_t cnt, unsigned *v)
{
    unsigned acc = 0;

    if (n - *pos < cnt)
        return false;
    for (size_t k = 0; k < cnt; k++) {
        char c = s[*pos + k];

        if (!is_digit(c))
            return false;
        acc = acc * 10 + (unsigned)(c - '0');
    }
    *pos += cnt;
    *v = acc;
    return true;
}

static bool take_char(const char *s, size_t n, size_t *pos, char c)
{
    if (*pos >= n || s[*pos] != c)
        return false;
    (*pos)++;
    return true;
}

/* An all-digit text is epoch seconds, with one exception: exactly four
 * digits is the ISO "YYYY" form (the header lists both; a four-digit epoch
 * value would be a time on 1970-01-01, which nobody writes in a policy).
 * Leading zeros in epoch values are harmless and accepted. */
static bool parse_epoch(const char *s, size_t n, int64_t *usec_out)
{
    int64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        int64_t d = s[i] - '0';

        if (v > (EPOCH_MAX_SECONDS - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *usec_out = v * USEC_PER_SEC;
    return true;
}

/* The W3C profile only, in its exact shapes: 'T' and 'Z' upper case, no
 * space for 'T', no basic format ("20240101"), no hour-only time, no
 * "24:00". A time without a zone designator is read as UTC. Second 60 is
 * accepted anywhere (the parser has no leap-second table) and counts as
 * the first second of the next minute, as POSIX time does. Fractional
 * digits past the sixth are checked to be digits and then dropped. */
bool iam__date_parse(const char *s, size_t n, int64_t *usec_out)
{
    unsigned year = 0, mon = 1, day = 1, hour = 0, min = 0, sec = 0;
    unsigned off_h = 0, off_m = 0;
    int64_t usec = 0, secs, off = 0;
    size_t pos = 0;
    bool all_digits = n > 0;

    if (s == NULL || usec_out == NULL || n == 0)
        return false;
    for (size_t i = 0; i < n && all_digits; i++)
        all_digits = is_digit(s[i]);
    if (all_digits && n != 4)
        return parse_epoch(s, n, usec_out);

    if (!take_digits(s, n, &pos, 4, &year))
        return false;
    if (pos < n) {
        if (!take_char(s, n, &pos, '-') || !take_digits(s, n, &pos, 2, &mon))
            return false;
    }
    if (pos < n) {
        if (!take_char(s, n, &pos, '-') || !take_digits(s, n, &pos, 2, &day))
            return false;
    }
    if (pos < n) {
        if (!take_char(s, n, &pos, 'T') || !take_digits(s, n, &pos, 2, &hour) ||
            !take_char(s, n, &pos, ':') || !take_digits(s, n, &pos, 2, &min))
            return false;
        if (pos < n && s[pos] == ':') {
            pos++;
            if (!take_digits(s, n, &pos, 2, &sec))
                return false;
            if (pos < n && s[pos] == '.') {
                size_t start = ++pos;

                while (pos < n && is_digit(s[pos])) {
                    if (pos - start < 6)
                        usec = usec * 10 + (s[pos] - '0');
                    pos++;
                }
                if (pos == start)
                    return false; /* "ss." */
                for (size_t k = pos - start; k < 6; k++)
                    usec *= 10;
            }
        }
        if (pos < n) {
            char sign = s[pos];

            if (sign == 'Z') {
                pos++;
            } else if (sign == '+' || sign == '-') {
                pos++;
                if (!take_digits(s, n, &pos, 2, &off_h) || !take_char(s, n, &pos, ':') ||
                    !take_digits(s, n, &pos, 2, &off_m))
                    return false;
                if (off_h > 23 || off_m > 59)
                    return false;
                off = (int64_t)off_h * 3600 + (int64_t)off_m * 60;
                if (sign == '-')
                    off = -off;
            } else {
                return false;
            }
            if (pos != n)
                return false;
        }
    }

    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
        return false;
    if (hour > 23 || min > 59 || sec > 60)
        return false;

    /* Local time = UTC + offset, so UTC = local - offset. */
    secs = days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 +
           (int64_t)min * 60 + (int64_t)sec - off;
    *usec_out = secs * USEC_PER_SEC + usec;
    return true;
}
