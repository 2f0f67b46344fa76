/* crypto_int.h - library-internal crypto helpers shared by lib/crypto and
 * lib/sigv4 (and reachable from unit tests). */
#ifndef IAM_CRYPTO_INT_H
#define IAM_CRYPTO_INT_H
#include <stddef.h>
#include <stdint.h>
#include "iam/crypto.h"

/* HKDF-SHA256 (RFC 5869) with a 32-byte output: extract with `salt`, then
 * one expand block T(1) = HMAC(PRK, info | 0x01). */
void iam__hkdf_sha256_32(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len, const void *info,
                         size_t info_len, uint8_t out[32]);

/* The keyring's derived key for (purpose, epoch), as iam_seal() uses it,
 * for callers that need a MAC key rather than a sealed blob (lib/auth:
 * "session-secret"). Such purposes are reserved: never seal under them.
 * `purpose` as for iam_seal(); IAM_E_INVALID for a bad one. */
iam_err iam__keyring_key(const iam_keyring *kr, const char *purpose, uint32_t epoch, uint8_t out[32]);

/* Value of a hex digit, or -1. */
static inline int iam__hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif /* IAM_CRYPTO_INT_H */
