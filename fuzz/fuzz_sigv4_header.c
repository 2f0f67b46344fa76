/* fuzz_sigv4_header.c - libFuzzer target for SigV4 parsing (lib/sigv4).
 *
 * Input: "<authorization header value>\n<query string>\n<body>"; missing
 * parts are empty. Three requests are built from it: the header alone (with
 * Host and X-Amz-Date), the query alone (presigned form) and both.
 *
 * Invariants (abort on violation):
 *   - parse never reads outside the request, returns a known status, and
 *     leaves a NUL-terminated message that is non-empty on failure;
 *   - on OK: signature_hex is 64 hex chars, date 8, amz_date 16, the scope
 *     slices lie inside the request or the auth's own storage, the scope date
 *     is the day of amz_date, presigned expires is within 1..604800;
 *   - verify with an all-zero key at the request time never says OK (the
 *     fuzzer cannot forge HMAC), and the canonical request can be printed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "fuzz_sigv4_header: invariant failed: %s (line %d)\n", #cond, \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static bool within(iam_str s, const void *base, size_t n)
{
    const char *b = base;
    return s.ptr == NULL || (s.ptr >= b && s.ptr + s.len <= b + n);
}

/* A parsed slice points into the input, a header value of the request,
 * or the auth's own storage. */
static bool inside(iam_str s, const iam_http_request *req, const uint8_t *data, size_t size,
                   const iam_sigv4_auth *a)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (within(s, req->headers[i].value.ptr, req->headers[i].value.len))
            return true;
    return within(s, data, size) || within(s, a->storage, sizeof a->storage) ||
           within(s, a->amz_date_buf, sizeof a->amz_date_buf) || s.len == 0;
}

static void run(const iam_http_request *req, const uint8_t *data, size_t size)
{
    static iam_sigv4_auth a;
    static const uint8_t zero[32];
    static char canon[1 << 16];

    iam_sigv4_status st = iam_sigv4_parse(req, &a);
    CHECK(st >= IAM_SIGV4_OK && st <= IAM_SIGV4_BAD_SCOPE);
    CHECK(memchr(a.message, '\0', sizeof a.message) != NULL);
    CHECK(iam_sigv4_status_code(st) != NULL);
    if (st != IAM_SIGV4_OK) {
        CHECK(a.message[0] != '\0');
        return;
    }
    CHECK(a.signature_hex.len == 64 && a.date.len == 8 && a.amz_date.len == 16);
    CHECK(memcmp(a.date.ptr, a.amz_date.ptr, 8) == 0);
    CHECK(a.access_key_id.len > 0 && a.region.len > 0 && a.service.len > 0 && a.signed_headers.len > 0);
    CHECK(inside(a.access_key_id, req, data, size, &a) && inside(a.signed_headers, req, data, size, &a) &&
          inside(a.signature_hex, req, data, size, &a) && inside(a.amz_date, req, data, size, &a) &&
          inside(a.security_token, req, data, size, &a));
    if (a.form == IAM_SIGV4_PRESIGNED)
        CHECK(a.expires >= 1 && a.expires <= IAM_SIGV4_MAX_EXPIRES);
    (void)iam_sigv4_canonical_request(req, &a, IAM_STR("UNSIGNED-PAYLOAD"), canon, sizeof canon);
    st = iam_sigv4_verify(req, &a, zero, a.request_time);
    CHECK(st == IAM_SIGV4_SIGNATURE_MISMATCH);
    CHECK(a.message[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl1, *nl2;
    iam_str hdr, query, body = IAM_STR("");

    if (size > 64 * 1024)
        return 0;
    nl1 = memchr(p, '\n', size);
    hdr = (iam_str){ p, nl1 ? (size_t)(nl1 - p) : size };
    query = IAM_STR("");
    if (nl1) {
        size_t rest = size - hdr.len - 1;
        nl2 = memchr(nl1 + 1, '\n', rest);
        query = (iam_str){ nl1 + 1, nl2 ? (size_t)(nl2 - nl1 - 1) : rest };
        if (nl2)
            body = (iam_str){ nl2 + 1, size - (size_t)(nl2 + 1 - p) };
    }
    iam_http_header hs[4] = {
        { IAM_STR("Host"), IAM_STR("iam.amazonaws.com") },
        { IAM_STR("X-Amz-Date"), IAM_STR("20240501T123456Z") },
        { IAM_STR("Authorization"), hdr },
    };
    iam_http_request req = { IAM_STR("POST"), IAM_STR("/"), IAM_STR(""), hs, 3, body };
    run(&req, data, size); /* header form */
    req.n_headers = 2;
    req.query = query;
    run(&req, data, size); /* presigned form */
    req.n_headers = 3;
    run(&req, data, size); /* both: must be refused or parse one way */
    /* the Date header instead of X-Amz-Date, taken from the query part */
    hs[1] = (iam_http_header){ IAM_STR("Date"), query };
    req.query = IAM_STR("");
    run(&req, data, size);
    return 0;
}
