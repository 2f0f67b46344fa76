/* sigv4_int.h - library-internal pieces of SigV4 shared by parse.c,
 * canonical.c, verify.c, sign.c and key_cache.c: the output sink the
 * canonical request is streamed into, date helpers and header lookup. */
#ifndef IAM_SIGV4_INT_H
#define IAM_SIGV4_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/common_int.h"
#include "iam/sigv4.h"

#define IAM__SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define IAM__SIGV4_TERMINATOR "aws4_request"
#define IAM__SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define IAM__SIGV4_MAX_PATH_SEGMENTS 512

/* Where canonical text goes: into a SHA-256 state (verification never
 * materialises the canonical request) or into a caller's buffer (logs,
 * tests). Small writes are staged so that hashing runs on blocks. */
typedef struct iam__sink {
    bool hashing;
    crypto_hash_sha256_state sha;
    char *out; /* text mode: writes at most cap bytes, counts all */
    size_t cap, len;
    size_t nstage;
    char stage[256];
} iam__sink;

void iam__sink_init_hash(iam__sink *s);
void iam__sink_init_text(iam__sink *s, char *out, size_t cap);
void iam__sink_put(iam__sink *s, const char *p, size_t n);
void iam__sink_putc(iam__sink *s, char c);
/* Hash mode: the digest. Text mode: flushes; returns nothing useful. */
void iam__sink_finish(iam__sink *s, uint8_t digest[32]);

/* Streams the canonical request: method, canonical URI, canonical query,
 * canonical headers, signed headers, payload hash, '\n'-separated. The
 * request's limits were checked by iam_sigv4_parse (or the signer). */
void iam__sigv4_canonical(const iam_http_request *req, const iam_sigv4_auth *auth, iam_str payload_hash,
                          iam__sink *s);

/* hex(HMAC(key, string-to-sign)) for a canonical request digest. */
void iam__sigv4_signature(const iam_sigv4_auth *auth, const uint8_t canon_digest[32], const uint8_t key[32],
                          char out_hex[65]);

/* ASCII case-insensitive comparison. */
bool iam__sigv4_ieq(iam_str a, iam_str b);
/* ASCII whitespace as botocore's str.split() sees it on header values. */
static inline bool iam__sigv4_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
/* First header called `name` (case-insensitive) and how many there are. */
iam_str iam__sigv4_header(const iam_http_request *req, iam_str name, size_t *count);

/* "yyyymmddThhmmssZ" <-> epoch seconds; parse returns false when malformed. */
bool iam__sigv4_parse_iso(iam_str s, int64_t *out);
void iam__sigv4_format_iso(int64_t t, char out[17]);
/* RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT". */
bool iam__sigv4_parse_rfc1123(iam_str s, int64_t *out);

/* Percent-decodes in (only %XX; '+' is literal, as SigV4 canonicalises it)
 * into out[0..cap). Returns the decoded length, or SIZE_MAX when it does not
 * fit. A malformed escape is kept literally. */
size_t iam__sigv4_pct_decode(iam_str in, char *out, size_t cap);

#endif /* IAM_SIGV4_INT_H */
