/* digest.c - SHA-256, HMAC-SHA256, hex and base64.
 * HMAC runs several times per request (SigV4 key derivation and the
 * signature), always on short inputs, so it uses libsodium's incremental
 * HMAC: no allocation and no provider lookup per call, unlike OpenSSL 3's
 * HMAC()/EVP_MAC, which fetch the algorithm and allocate a context each time.
 * Large inputs (request bodies) go to OpenSSL, whose SHA-256 uses the CPU's
 * SHA extensions. libsodium's SHA-256 has no CPU dispatch, so it needs no
 * sodium_init(). */
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "iam/crypto.h"

/* Below this size the fixed cost of an EVP call (fetch + context) exceeds
 * the gain from hardware SHA; measured roughly, not critical. */
#define SHA256_EVP_MIN 4096

void iam_sha256(const void *data, size_t n, uint8_t out[32])
{
    static const uint8_t empty = 0;
    if (data == NULL)
        data = &empty; /* n is 0 then; both libraries want a valid pointer */
    if (n >= SHA256_EVP_MIN) {
        unsigned int len = 0;
        if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32)
            return;
        /* fall back to libsodium; the result is the same */
    }
    crypto_hash_sha256(out, data, n);
}

void iam_hmac_sha256(const void *key, size_t klen, const void *data, size_t n, uint8_t out[32])
{
    static const uint8_t empty = 0;
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key ? key : &empty, klen);
    crypto_auth_hmacsha256_update(&st, data ? data : &empty, n);
    crypto_auth_hmacsha256_final(&st, out);
    /* the state holds the key's inner/outer pads */
    sodium_memzero(&st, sizeof st);
}

void iam_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- base64 (RFC 4648 section 4) ---------------------------------------- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t iam_b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4 + 1;
}

void iam_b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i = 0, o = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict on purpose: the decoder reads secrets and tokens we produced
 * ourselves, so a non-canonical encoding is a sign of tampering or a bug,
 * and accepting several spellings of one value would only add ambiguity. */
iam_err iam_b64_decode(iam_str in, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pad = 0, need, o = 0;

    if (in.len % 4 != 0)
        return IAM_E_SYNTAX;
    if (in.len == 0) {
        *out_len = 0;
        return IAM_OK;
    }
    if (in.ptr[in.len - 1] == '=')
        pad = in.ptr[in.len - 2] == '=' ? 2 : 1;
    need = in.len / 4 * 3 - pad;
    if (need > cap)
        return IAM_E_LIMIT;
    for (size_t i = 0; i < in.len; i += 4) {
        bool last = i + 4 == in.len;
        size_t real = last ? 4 - pad : 4;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = 0;
            if (k < real) {
                d = b64_value(in.ptr[i + k]);
                if (d < 0)
                    return IAM_E_SYNTAX;
            } else if (in.ptr[i + k] != '=') {
                return IAM_E_SYNTAX;
            }
            v = v << 6 | (uint32_t)d;
        }
        /* unused low bits of the last group must be zero (canonical) */
        if (last && pad == 1 && (v & 0xff) != 0)
            return IAM_E_SYNTAX;
        if (last && pad == 2 && (v & 0xffff) != 0)
            return IAM_E_SYNTAX;
        out[o++] = (uint8_t)(v >> 16);
        if (real > 2)
            out[o++] = (uint8_t)(v >> 8);
        if (real > 3)
            out[o++] = (uint8_t)v;
    }
    *out_len = o;
    return IAM_OK;
}
