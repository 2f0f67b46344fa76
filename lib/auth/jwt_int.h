/* jwt_int.h - what jwt.c and jwks.c share: the key-set layout and the
 * strict base64url decoder (RFC 7515 §2: no padding, no whitespace, unused
 * trailing bits zero, so every encoding is canonical). */
#ifndef IAM_JWT_INT_H
#define IAM_JWT_INT_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "iam/jwt.h"
#include "common/common_int.h"

typedef struct iam__jwk {
    EVP_PKEY *pkey;
    iam_jwt_alg alg;            /* the one algorithm this key verifies */
    char kid[IAM_JWK_KID_MAX + 1];
    size_t kid_len;
    bool has_kid;
} iam__jwk;

struct iam_jwks {
    iam__jwk *keys;
    size_t n;
    size_t skipped;
};

/* The decoded size of `n` base64url chars (an upper bound for any input). */
static inline size_t iam__b64url_decoded_max(size_t n)
{
    return n / 4 * 3 + 2;
}

/* Decodes strict unpadded base64url into out (cap bytes). Returns false on
 * a char outside [A-Za-z0-9_-], a length of 1 mod 4, non-zero unused bits,
 * or when the result does not fit. */
bool iam__b64url_decode(iam_str in, uint8_t *out, size_t cap, size_t *out_len);

#endif /* IAM_JWT_INT_H */
