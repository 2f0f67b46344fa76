/* iam/sigv4.h - AWS Signature Version 4: verification (server side, header
 * and presigned-URL forms), signing (iamctl, tests) and a derived-key cache.
 * Ownership: every iam_str in iam_sigv4_auth borrows from the request or
 * from the auth struct itself (decoded presigned values), so an auth lives
 * no longer than its request and must not be copied by value while in use.
 * Threads: parse/verify/sign/derive are pure functions of their arguments;
 * the key cache is internally locked and may be shared. */
#ifndef IAM_SIGV4_H
#define IAM_SIGV4_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

/* One HTTP header as received: any case, untrimmed. */
typedef struct iam_http_header {
    iam_str name;
    iam_str value;
} iam_http_header;

/* An HTTP request as the server received it. */
typedef struct iam_http_request {
    iam_str method;                 /* "POST" */
    iam_str path;                   /* raw path, still percent-encoded, no query: "/" */
    iam_str query;                  /* raw query string without '?', may be empty */
    const iam_http_header *headers; /* as received, any case, duplicates possible */
    size_t n_headers;
    iam_str body;                   /* full body (bodies are small, <= 1 MiB) */
} iam_http_request;

typedef enum iam_sigv4_form { IAM_SIGV4_HEADER = 1, IAM_SIGV4_PRESIGNED } iam_sigv4_form;

/* The outcome of parsing and verification; maps 1:1 to an AWS error code
 * (iam_sigv4_status_code) and HTTP status (iam_sigv4_status_http). */
typedef enum iam_sigv4_status {
    IAM_SIGV4_OK = 0,
    /* MissingAuthenticationToken (403): no Authorization header and no
     * X-Amz-Algorithm/X-Amz-Credential in the query */
    IAM_SIGV4_MISSING,
    /* IncompleteSignature (400): malformed/missing Credential, SignedHeaders,
     * Signature, date; host not signed; bad algorithm */
    IAM_SIGV4_INCOMPLETE,
    /* SignatureDoesNotMatch (403); also a scope date that differs from the
     * request date, and a body that does not match x-amz-content-sha256 */
    IAM_SIGV4_SIGNATURE_MISMATCH,
    /* SignatureDoesNotMatch (403) with "Signature expired: ..." as IAM and
     * STS answer: date more than 15 min off, or presigned X-Amz-Expires
     * passed */
    IAM_SIGV4_EXPIRED,
    /* SignatureDoesNotMatch (403): "Credential should be scoped to a valid
     * region" / "...to correct service" (iam_sigv4_check_scope) */
    IAM_SIGV4_BAD_SCOPE
} iam_sigv4_status;

#define IAM_SIGV4_MAX_SKEW 900          /* seconds each way: 15 minutes */
#define IAM_SIGV4_MAX_EXPIRES 604800    /* presigned URLs: at most 7 days */
#define IAM_SIGV4_MAX_SIGNED_HEADERS 64
#define IAM_SIGV4_MAX_HEADERS 256       /* more request headers: INCOMPLETE */
#define IAM_SIGV4_MAX_QUERY_PARAMS 512  /* more query parameters: INCOMPLETE */

/* Parsed authentication data. The slices point into the request, or into
 * `storage` for presigned values that had to be percent-decoded. */
typedef struct iam_sigv4_auth {
    iam_sigv4_form form;
    iam_str access_key_id;
    iam_str date;           /* yyyymmdd from the credential scope */
    iam_str region, service;
    iam_str signed_headers; /* "content-type;host;x-amz-date" */
    iam_str signature_hex;  /* 64 lower-case hex chars */
    iam_str amz_date;       /* yyyymmddThhmmssZ (from a Date header: formatted) */
    iam_str security_token; /* X-Amz-Security-Token, or empty (ptr NULL) */
    int64_t request_time;   /* epoch seconds from X-Amz-Date or Date (RFC 1123) */
    int64_t expires;        /* presigned: X-Amz-Expires seconds (1..604800), else 0 */
    /* AWS-style human message when status != OK, e.g. "Authorization header
     * requires 'Signature' parameter. Authorization=..." */
    char message[256];
    /* internal */
    char amz_date_buf[17];
    char storage[4096];
} iam_sigv4_auth;

/* Step 1: parses the Authorization header, or the presigned query (no
 * secrets needed). Returns the status; fills auth (on failure only
 * `message` is meaningful). Checks syntax only: the scope date against the
 * request date, but not the time window, region or service. */
IAM_API iam_sigv4_status iam_sigv4_parse(const iam_http_request *req, iam_sigv4_auth *auth);

/* Optional step 1b: the scope's region and service against what the caller
 * serves. `regions` lists the accepted regions (n_regions 0: any).
 * Returns IAM_SIGV4_OK or IAM_SIGV4_BAD_SCOPE with AWS's message. */
IAM_API iam_sigv4_status iam_sigv4_check_scope(iam_sigv4_auth *auth, const iam_str *regions, size_t n_regions,
                                               iam_str service);

/* Step 2 (the caller looked up the secret by access_key_id and checked the
 * scope): time checks against `now` (epoch seconds; 15 minutes of skew for
 * the header form; presigned: not before request_time - 15 min and not after
 * request_time + expires), the body against x-amz-content-sha256 when sent,
 * then the signature. signing_key is the derived kSigning for (date, region,
 * service) of the auth. Compares in constant time. Fills auth->message on
 * failure. Does not allocate. */
IAM_API iam_sigv4_status iam_sigv4_verify(const iam_http_request *req, iam_sigv4_auth *auth,
                                          const uint8_t signing_key[32], int64_t now);

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"). */
IAM_API void iam_sigv4_derive_key(iam_str secret, iam_str date, iam_str region, iam_str service, uint8_t out[32]);

/* A small thread-safe cache of derived keys keyed by (access key id, date,
 * region, service, and a hash of the secret), so the 4 HMACs of derivation
 * run once per key per day (and a rotated secret never hits a stale entry).
 * Fixed capacity (rounded up to a power of two, at least 16), direct-mapped,
 * no allocation per lookup; keys are wiped on free. */
typedef struct iam_sigv4_key_cache iam_sigv4_key_cache;
/* IAM_E_INVALID for capacity 0 or above 2^20, IAM_E_NOMEM. */
IAM_API IAM_NODISCARD iam_err iam_sigv4_key_cache_new(size_t capacity, iam_sigv4_key_cache **out);
/* NULL is a no-op. */
IAM_API void iam_sigv4_key_cache_free(iam_sigv4_key_cache *c);
/* Fills out[32] with the signing key, deriving it on a miss. */
IAM_API void iam_sigv4_key_cache_get(iam_sigv4_key_cache *c, iam_str access_key_id, iam_str secret, iam_str date,
                                     iam_str region, iam_str service, uint8_t out[32]);
/* Hits and misses since creation (for metrics). */
IAM_API void iam_sigv4_key_cache_stats(iam_sigv4_key_cache *c, uint64_t *hits, uint64_t *misses);

/* ---- signing (client side: iamctl, tests) --------------------------------- */

typedef struct iam_sigv4_signer {
    iam_str access_key_id, secret;
    iam_str session_token;  /* empty (len 0): none */
    iam_str region, service;
    int64_t time;           /* epoch seconds of the signature */
    iam_sigv4_form form;
    int64_t expires;        /* presigned only: 1..604800 */
} iam_sigv4_signer;

/* Signs `req` as botocore does. Every header of the request is signed except
 * user-agent, expect and x-amzn-trace-id; a Host header is required; the
 * request must not already hold Authorization, X-Amz-Date or
 * X-Amz-Security-Token (or, presigned, X-Amz-* auth query parameters).
 * `headers` is the caller's array that req->headers points to, with room for
 * `header_cap` entries (req->n_headers in use).
 *  - header form: appends X-Amz-Date, X-Amz-Security-Token (with a session
 *    token) and Authorization to `headers` and bumps req->n_headers; the
 *    payload hash is the SHA-256 of the body.
 *  - presigned form: sets req->query to the original query followed by
 *    X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 *    X-Amz-SignedHeaders, (X-Amz-Security-Token) and X-Amz-Signature; the
 *    payload hash is the SHA-256 of the (normally empty) body.
 * Text (header values, the new query) is written into buf[0..buf_cap), which
 * must outlive the request. Errors: IAM_E_INVALID (no host, headers already
 * signed, bad parameters), IAM_E_LIMIT (header_cap or buf_cap too small).
 * On error req is unchanged. */
IAM_API IAM_NODISCARD iam_err iam_sigv4_sign(const iam_sigv4_signer *s, iam_http_request *req,
                                             iam_http_header *headers, size_t header_cap, char *buf,
                                             size_t buf_cap);

/* The canonical request of `req` under the parsed `auth` with the given
 * payload hash (64 hex chars or "UNSIGNED-PAYLOAD"), as AWS would print it
 * in a SignatureDoesNotMatch message: for logs and tests. Returns the length;
 * writes at most cap bytes (no NUL). */
IAM_API size_t iam_sigv4_canonical_request(const iam_http_request *req, const iam_sigv4_auth *auth,
                                           iam_str payload_hash, char *out, size_t cap);

/* "SignatureDoesNotMatch", "IncompleteSignature", ... ("" for OK). */
IAM_API const char *iam_sigv4_status_code(iam_sigv4_status s);
/* 400 or 403 (200 for OK). */
IAM_API int iam_sigv4_status_http(iam_sigv4_status s);

#endif /* IAM_SIGV4_H */
