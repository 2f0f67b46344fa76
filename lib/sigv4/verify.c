/* verify.c - step 2 of SigV4 verification: the time window, the payload
 * hash and the signature, given the signing key the caller derived (or took
 * from the key cache) for the access key id that iam_sigv4_parse found.
 * Nothing here allocates; the canonical request is hashed as it is built. */
#include <stdio.h>
#include <string.h>

#include "iam/crypto.h"
#include "sigv4/sigv4_int.h"

static const char mismatch_msg[] =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

static iam_sigv4_status check_time(iam_sigv4_auth *auth, int64_t now)
{
    char now_iso[17], edge_iso[17];
    int64_t t = auth->request_time;

    /* keep the arithmetic below far from overflow whatever `now` is */
    if (now < -((int64_t)1 << 40))
        now = -((int64_t)1 << 40);
    if (now > ((int64_t)1 << 40))
        now = (int64_t)1 << 40;
    iam__sigv4_format_iso(now, now_iso);
    if (t > now + IAM_SIGV4_MAX_SKEW) {
        iam__sigv4_format_iso(now + IAM_SIGV4_MAX_SKEW, edge_iso);
        snprintf(auth->message, sizeof auth->message,
                 "Signature not yet current: %.16s is still later than %s (%s + 15 min.)", auth->amz_date.ptr,
                 edge_iso, now_iso);
        return IAM_SIGV4_EXPIRED;
    }
    if (auth->form == IAM_SIGV4_HEADER && t < now - IAM_SIGV4_MAX_SKEW) {
        iam__sigv4_format_iso(now - IAM_SIGV4_MAX_SKEW, edge_iso);
        snprintf(auth->message, sizeof auth->message, "Signature expired: %.16s is now earlier than %s (%s - 15 min.)",
                 auth->amz_date.ptr, edge_iso, now_iso);
        return IAM_SIGV4_EXPIRED;
    }
    if (auth->form == IAM_SIGV4_PRESIGNED && now > t + auth->expires) {
        iam__sigv4_format_iso(t + auth->expires, edge_iso);
        snprintf(auth->message, sizeof auth->message,
                 "Request has expired: X-Amz-Date %.16s plus X-Amz-Expires %lld seconds ended at %s; it is now %s.",
                 auth->amz_date.ptr, (long long)auth->expires, edge_iso, now_iso);
        return IAM_SIGV4_EXPIRED;
    }
    return IAM_SIGV4_OK;
}

static bool sig_matches(const iam_http_request *req, const iam_sigv4_auth *auth, iam_str payload,
                        const uint8_t key[32])
{
    iam__sink s;
    uint8_t digest[32];
    char sig[65];

    iam__sink_init_hash(&s);
    iam__sigv4_canonical(req, auth, payload, &s);
    iam__sink_finish(&s, digest);
    iam__sigv4_signature(auth, digest, key, sig);
    return iam_ct_equal(sig, 64, auth->signature_hex.ptr, auth->signature_hex.len);
}

iam_sigv4_status iam_sigv4_verify(const iam_http_request *req, iam_sigv4_auth *auth, const uint8_t signing_key[32],
                                  int64_t now)
{
    uint8_t body_md[32];
    char body_hex[65];
    iam_sigv4_status st;
    size_t n = 0;

    if (auth->form != IAM_SIGV4_HEADER && auth->form != IAM_SIGV4_PRESIGNED)
        return IAM_SIGV4_INCOMPLETE; /* not parsed */
    if ((st = check_time(auth, now)) != IAM_SIGV4_OK)
        return st;
    iam_sha256(req->body.ptr, req->body.len, body_md);
    iam_hex_encode(body_md, 32, body_hex);

    /* An x-amz-content-sha256 header replaces the body in the canonical
     * request, so it must itself match the body: otherwise a signed request
     * could carry any body. UNSIGNED-PAYLOAD (and the streaming variants)
     * are accepted only for an empty body, where nothing is left unsigned. */
    iam_str content = iam__sigv4_header(req, IAM_STR("x-amz-content-sha256"), &n);
    if (n > 1) {
        snprintf(auth->message, sizeof auth->message, "The request has more than one x-amz-content-sha256 header.");
        return IAM_SIGV4_SIGNATURE_MISMATCH;
    }
    if (content.ptr != NULL) {
        bool ok = (content.len == 64 && memcmp(content.ptr, body_hex, 64) == 0) ||
                  (req->body.len == 0 && iam_str_eq(content, IAM_STR(IAM__SIGV4_UNSIGNED_PAYLOAD)));
        if (!ok) {
            snprintf(auth->message, sizeof auth->message,
                     "The provided 'x-amz-content-sha256' header does not match what was computed.");
            return IAM_SIGV4_SIGNATURE_MISMATCH;
        }
        if (sig_matches(req, auth, content, signing_key))
            return IAM_SIGV4_OK;
    } else if (sig_matches(req, auth, (iam_str){ body_hex, 64 }, signing_key)) {
        return IAM_SIGV4_OK;
    } else if (auth->form == IAM_SIGV4_PRESIGNED && req->body.len == 0 &&
               sig_matches(req, auth, IAM_STR(IAM__SIGV4_UNSIGNED_PAYLOAD), signing_key)) {
        /* botocore and the Go SDK presign non-S3 requests with the hash of
         * the empty body; S3-style presigners use UNSIGNED-PAYLOAD. */
        return IAM_SIGV4_OK;
    }
    snprintf(auth->message, sizeof auth->message, "%s", mismatch_msg);
    return IAM_SIGV4_SIGNATURE_MISMATCH;
}

void iam_sigv4_derive_key(iam_str secret, iam_str date, iam_str region, iam_str service, uint8_t out[32])
{
    uint8_t k[32];
    uint8_t ksecret[4 + 128];
    size_t klen;

    /* kSecret = "AWS4" + secret. A key longer than the SHA-256 block is
     * hashed by HMAC itself; do that here for very long secrets so the
     * buffer stays fixed. */
    if (secret.len <= sizeof ksecret - 4) {
        memcpy(ksecret, "AWS4", 4);
        if (secret.len)
            memcpy(ksecret + 4, secret.ptr, secret.len);
        klen = 4 + secret.len;
    } else {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, (const unsigned char *)"AWS4", 4);
        crypto_hash_sha256_update(&st, (const unsigned char *)secret.ptr, secret.len);
        crypto_hash_sha256_final(&st, ksecret);
        klen = 32;
    }
    iam_hmac_sha256(ksecret, klen, date.ptr, date.len, k);
    iam_hmac_sha256(k, 32, region.ptr, region.len, k);
    iam_hmac_sha256(k, 32, service.ptr, service.len, k);
    iam_hmac_sha256(k, 32, IAM__SIGV4_TERMINATOR, sizeof IAM__SIGV4_TERMINATOR - 1, out);
    iam_wipe(k, sizeof k);
    iam_wipe(ksecret, sizeof ksecret);
}
