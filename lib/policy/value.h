/* value.h - typed condition values: numbers, dates, IP addresses/CIDRs.
 * Shared by the compiler (policy values, parsed once) and the context
 * (request values, parsed once when added), so evaluation only compares.
 * All parsers take a length, never rely on NUL, never allocate, and return
 * false (leaving *out unspecified) on anything they do not accept. */
#ifndef IAM_POLICY_VALUE_H
#define IAM_POLICY_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 network. A bare address is a /32 or /128 network. The
 * address is stored masked to its prefix (host bits cleared) for networks
 * parsed from policies; request addresses keep all bits with full prefix. */
typedef struct iam__ip {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* 0..32 or 0..128 */
    uint8_t addr[16];
} iam__ip;

/* Parses "a.b.c.d", "a.b.c.d/n", IPv6 text (RFC 4291 forms incl. "::",
 * embedded IPv4 "::ffff:1.2.3.4") and "v6/n". `allow_prefix` false rejects a
 * "/n" suffix (request values are plain addresses). Rejects leading zeros
 * in IPv4 octets beyond one digit ("01.2.3.4"), out-of-range parts, empty
 * input and any surrounding whitespace. */
bool iam__ip_parse(const char *s, size_t n, bool allow_prefix, iam__ip *out);
/* True when `addr` (a full-length address) lies inside `net`. Different
 * families never match (an IPv4 address is not inside ::ffff:0:0/96). */
bool iam__ip_contains(const iam__ip *net, const iam__ip *addr);

/* Parses a decimal number as IAM Numeric* operators accept it: optional
 * sign, digits, optional fraction ("-12", "3.5", "0.25"); no exponent, no
 * hex, no surrounding space, at most 64 bytes. */
bool iam__num_parse(const char *s, size_t n, double *out);

/* Parses a date as IAM Date* operators accept it, to microseconds since the
 * Unix epoch (UTC): the W3C ISO 8601 profile "YYYY", "YYYY-MM", "YYYY-MM-DD",
 * "YYYY-MM-DDThh:mmTZD", "YYYY-MM-DDThh:mm:ssTZD", "YYYY-MM-DDThh:mm:ss.sTZD"
 * where TZD is "Z" or "+hh:mm"/"-hh:mm" (TZD may be omitted: UTC); and an
 * all-digit value as epoch SECONDS (AWS reads them so), except that exactly
 * four digits is the "YYYY" form. Validates ranges (month 1-12, day within
 * month incl. leap years, hour 0-23, minute 0-59, second 0-60). Years
 * 0000-9999; epoch values above 253402300799 (9999-12-31T23:59:59Z) are
 * rejected. */
bool iam__date_parse(const char *s, size_t n, int64_t *usec_out);

#endif /* IAM_POLICY_VALUE_H */
