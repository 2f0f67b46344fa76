/* jwks.c - JWKS documents (RFC 7517) into OpenSSL public keys.
 * Only what can verify RS256 or ES256 is kept: RSA keys of 2048..8192 bits
 * and P-256 points, each built with OSSL_PARAM_BLD + EVP_PKEY_fromdata (no
 * deprecated RSA_/EC_KEY calls). Other entries are counted and skipped, so a
 * provider that also publishes encryption or Ed25519 keys still works. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/jwt_int.h"

/* Longest base64url member we decode: an 8192-bit modulus is 1366 chars;
 * allow a little room for leading zero bytes, and refuse beyond. */
#define JWK_N_B64_MAX 1400
#define JWK_E_B64_MAX 12 /* 8 bytes: larger public exponents are not in use */
#define JWK_EC_COORD 32  /* P-256 */

typedef enum { JWK_USE, JWK_SKIP } jwk_fate;

/* An optional string member: absent is fine, another type is not. */
static iam_err opt_string(json_t *obj, const char *name, const char **out, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    *len = 0;
    if (v == NULL)
        return IAM_OK;
    if (!json_is_string(v))
        return IAM_E_MALFORMED;
    *out = json_string_value(v);
    *len = json_string_length(v);
    return IAM_OK;
}

static bool str_is(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return s != NULL && len == n && memcmp(s, lit, n) == 0;
}

/* Decodes a required base64url member into buf. */
static iam_err member_b64(json_t *obj, const char *name, size_t b64_max, uint8_t *buf, size_t cap,
                          size_t *out_len, iam_diag *diag, const char *path)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v)) {
        iam__diag_set(diag, path, 0, 0, "JWK member \"%s\" is missing or not a string", name);
        return IAM_E_MALFORMED;
    }
    if (json_string_length(v) > b64_max) {
        iam__diag_set(diag, path, 0, 0, "JWK member \"%s\" is too long", name);
        return IAM_E_LIMIT;
    }
    if (!iam__b64url_decode((iam_str){ json_string_value(v), json_string_length(v) }, buf, cap, out_len) ||
        *out_len == 0) {
        iam__diag_set(diag, path, 0, 0, "JWK member \"%s\" is not valid base64url", name);
        return IAM_E_MALFORMED;
    }
    return IAM_OK;
}

/* Builds a public key of `type` ("RSA" or "EC") from params; NULL on
 * failure (OpenSSL's error queue is cleared: it is per thread and we do not
 * want it to leak into unrelated calls). */
static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    if (pkey == NULL)
        ERR_clear_error();
    return pkey;
}

static iam_err rsa_key(json_t *obj, iam__jwk *k, jwk_fate *fate, iam_diag *diag, const char *path)
{
    uint8_t nbuf[JWK_N_B64_MAX / 4 * 3 + 3], ebuf[JWK_E_B64_MAX / 4 * 3 + 3];
    size_t nlen = 0, elen = 0, off = 0;
    uint64_t e = 0;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    iam_err err;
    int bits;

    err = member_b64(obj, "n", JWK_N_B64_MAX, nbuf, sizeof nbuf, &nlen, diag, path);
    if (err == IAM_OK)
        err = member_b64(obj, "e", JWK_E_B64_MAX, ebuf, sizeof ebuf, &elen, diag, path);
    if (err != IAM_OK)
        return err;
    /* RFC 7518 forbids leading zero octets; some encoders add one anyway
     * (a signed big-endian habit). Tolerate it: the value is the same. */
    while (off + 1 < nlen && nbuf[off] == 0)
        off++;
    for (size_t i = 0; i < elen; i++) {
        if (e >> 56) {
            iam__diag_set(diag, path, 0, 0, "RSA public exponent is too large");
            return IAM_E_LIMIT;
        }
        e = (e << 8) | ebuf[i];
    }
    if (e < 3 || (e & 1) == 0 || (nbuf[nlen - 1] & 1) == 0) {
        iam__diag_set(diag, path, 0, 0, "RSA key is invalid (exponent or modulus even, or exponent < 3)");
        return IAM_E_MALFORMED;
    }
    bits = (int)((nlen - off) * 8);
    for (uint8_t top = nbuf[off]; bits > 0 && (top & 0x80) == 0; top = (uint8_t)(top << 1))
        bits--;
    if (bits < IAM_JWK_RSA_MIN_BITS || bits > IAM_JWK_RSA_MAX_BITS) {
        *fate = JWK_SKIP; /* too weak to trust, or too costly to verify with */
        return IAM_OK;
    }

    err = IAM_E_NOMEM;
    bn_n = BN_bin2bn(nbuf + off, (int)(nlen - off), NULL);
    bn_e = BN_bin2bn(ebuf, (int)elen, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto done;
    k->pkey = pkey_from_params("RSA", params);
    if (k->pkey == NULL) {
        iam__diag_set(diag, path, 0, 0, "OpenSSL could not build the RSA key");
        err = IAM_E_CRYPTO;
        goto done;
    }
    k->alg = IAM_JWT_RS256;
    *fate = JWK_USE;
    err = IAM_OK;
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    if (err == IAM_E_NOMEM)
        ERR_clear_error();
    return err;
}

static iam_err ec_key(json_t *obj, iam__jwk *k, jwk_fate *fate, iam_diag *diag, const char *path)
{
    uint8_t pub[1 + 2 * JWK_EC_COORD], coord[JWK_EC_COORD + 3];
    size_t len = 0;
    const char *crv;
    size_t crv_len;
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *check = NULL;
    iam_err err;

    if (opt_string(obj, "crv", &crv, &crv_len) != IAM_OK || crv == NULL) {
        iam__diag_set(diag, path, 0, 0, "EC key without a string \"crv\"");
        return IAM_E_MALFORMED;
    }
    if (!str_is(crv, crv_len, "P-256")) {
        *fate = JWK_SKIP; /* P-384, P-521, secp256k1: not ES256 */
        return IAM_OK;
    }
    pub[0] = 0x04; /* uncompressed point: 04 || x || y */
    err = member_b64(obj, "x", 48, coord, sizeof coord, &len, diag, path);
    if (err == IAM_OK && len != JWK_EC_COORD)
        err = IAM_E_MALFORMED;
    if (err == IAM_OK) {
        memcpy(pub + 1, coord, JWK_EC_COORD);
        err = member_b64(obj, "y", 48, coord, sizeof coord, &len, diag, path);
        if (err == IAM_OK && len != JWK_EC_COORD)
            err = IAM_E_MALFORMED;
    }
    if (err != IAM_OK) {
        if (err == IAM_E_MALFORMED)
            iam__diag_set(diag, path, 0, 0, "P-256 key: x and y must be 32 bytes of base64url each");
        return err;
    }
    memcpy(pub + 1 + JWK_EC_COORD, coord, JWK_EC_COORD);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
    params[2] = OSSL_PARAM_construct_end();
    k->pkey = pkey_from_params("EC", params);
    /* fromdata decodes the point; the explicit check makes sure a point off
     * the curve (invalid-curve attacks) never becomes a key, whatever the
     * provider version does on import. */
    if (k->pkey != NULL) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        if (check == NULL || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(k->pkey);
            k->pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    if (k->pkey == NULL) {
        ERR_clear_error();
        iam__diag_set(diag, path, 0, 0, "P-256 key: the point is not on the curve");
        return IAM_E_MALFORMED;
    }
    k->alg = IAM_JWT_ES256;
    *fate = JWK_USE;
    return IAM_OK;
}

/* One entry of "keys": fills *k and sets *fate, or returns an error. */
static iam_err jwk_parse(json_t *obj, iam__jwk *k, jwk_fate *fate, iam_diag *diag, const char *path)
{
    const char *kty, *use, *alg, *kid;
    size_t kty_len, use_len, alg_len, kid_len;
    json_t *ops;
    iam_err err;

    *fate = JWK_SKIP;
    if (!json_is_object(obj)) {
        iam__diag_set(diag, path, 0, 0, "a JWK must be a JSON object");
        return IAM_E_MALFORMED;
    }
    if (opt_string(obj, "kty", &kty, &kty_len) != IAM_OK || kty == NULL ||
        opt_string(obj, "use", &use, &use_len) != IAM_OK || opt_string(obj, "alg", &alg, &alg_len) != IAM_OK ||
        opt_string(obj, "kid", &kid, &kid_len) != IAM_OK) {
        iam__diag_set(diag, path, 0, 0, "JWK: kty is required; kty, use, alg and kid must be strings");
        return IAM_E_MALFORMED;
    }
    if (kid != NULL && kid_len > IAM_JWK_KID_MAX) {
        iam__diag_set(diag, path, 0, 0, "JWK: kid longer than %d bytes", IAM_JWK_KID_MAX);
        return IAM_E_LIMIT;
    }
    /* Keys published for encryption, restricted to other operations, meant
     * for another algorithm, or (wrongly) carrying private material are not
     * ours to verify with. */
    if (use != NULL && !str_is(use, use_len, "sig"))
        return IAM_OK;
    ops = json_object_get(obj, "key_ops");
    if (ops != NULL) {
        bool verify = false;
        size_t i;
        json_t *op;
        if (!json_is_array(ops)) {
            iam__diag_set(diag, path, 0, 0, "JWK: key_ops must be an array");
            return IAM_E_MALFORMED;
        }
        json_array_foreach(ops, i, op)
        {
            if (json_is_string(op) && str_is(json_string_value(op), json_string_length(op), "verify"))
                verify = true;
        }
        if (!verify)
            return IAM_OK;
    }
    if (json_object_get(obj, "d") != NULL)
        return IAM_OK;

    if (str_is(kty, kty_len, "RSA")) {
        if (alg != NULL && !str_is(alg, alg_len, "RS256"))
            return IAM_OK; /* RS384, PS256, RSA-OAEP...: another algorithm */
        err = rsa_key(obj, k, fate, diag, path);
    } else if (str_is(kty, kty_len, "EC")) {
        if (alg != NULL && !str_is(alg, alg_len, "ES256"))
            return IAM_OK;
        err = ec_key(obj, k, fate, diag, path);
    } else {
        return IAM_OK; /* oct (never: no shared secrets), OKP, ... */
    }
    if (err != IAM_OK || *fate != JWK_USE)
        return err;
    if (kid != NULL) {
        memcpy(k->kid, kid, kid_len);
        k->kid[kid_len] = '\0';
        k->kid_len = kid_len;
        k->has_kid = true;
    }
    return IAM_OK;
}

iam_err iam_jwks_parse(const char *json, size_t len, iam_jwks **out, iam_diag *diag)
{
    json_t *root = NULL, *keys;
    json_error_t je;
    iam_jwks *set = NULL;
    iam_err err;
    size_t n;

    if (out == NULL || (json == NULL && len > 0))
        return IAM_E_INVALID;
    *out = NULL;
    if (len > IAM_JWKS_DOC_MAX) {
        iam__diag_set(diag, "", 0, 0, "JWKS document larger than %d bytes", IAM_JWKS_DOC_MAX);
        return IAM_E_LIMIT;
    }
    root = json_loadb(len ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        if (json_error_code(&je) == json_error_out_of_memory)
            return IAM_E_NOMEM;
        iam__diag_set(diag, "", je.line, je.column, "JWKS is not valid JSON: %s", je.text);
        return IAM_E_SYNTAX;
    }
    keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys)) {
        iam__diag_set(diag, "", 0, 0, "a JWKS must be an object with a \"keys\" array");
        err = IAM_E_MALFORMED;
        goto fail;
    }
    n = json_array_size(keys);
    if (n > IAM_JWKS_KEYS_MAX) {
        iam__diag_set(diag, "keys", 0, 0, "JWKS holds %zu keys, more than %d", n, IAM_JWKS_KEYS_MAX);
        err = IAM_E_LIMIT;
        goto fail;
    }
    err = IAM_E_NOMEM;
    set = iam__calloc(1, sizeof *set);
    if (set == NULL || (set->keys = iam__calloc(n ? n : 1, sizeof *set->keys)) == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char path[32];
        jwk_fate fate;
        snprintf(path, sizeof path, "keys[%zu]", i);
        err = jwk_parse(json_array_get(keys, i), &set->keys[set->n], &fate, diag, path);
        if (err != IAM_OK)
            goto fail;
        if (fate == JWK_USE)
            set->n++;
        else
            set->skipped++;
    }
    json_decref(root);
    *out = set;
    return IAM_OK;
fail:
    json_decref(root);
    iam_jwks_free(set);
    return err;
}

void iam_jwks_free(iam_jwks *jwks)
{
    if (jwks == NULL)
        return;
    if (jwks->keys != NULL)
        for (size_t i = 0; i < jwks->n; i++)
            EVP_PKEY_free(jwks->keys[i].pkey);
    iam__free(jwks->keys);
    iam__free(jwks);
}

size_t iam_jwks_count(const iam_jwks *jwks)
{
    return jwks ? jwks->n : 0;
}

size_t iam_jwks_skipped(const iam_jwks *jwks)
{
    return jwks ? jwks->skipped : 0;
}
