/* test_jwt.c - the JWT/JWKS verifier (lib/auth/jwt.c, jwks.c).
 * Keys are generated here (RSA-2048 and P-256), published as a JWKS built in
 * the test, and tokens are signed by a small EVP signer below, so every
 * case controls exactly which bytes are signed: good tokens, each claim
 * failure, key rotation by kid, and the classic attacks (alg none, HS256
 * with the RSA public key as the secret, RS/ES swaps, malleable encodings). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "iam/alloc.h"
#include "iam/crypto.h"
#include "iam/jwt.h"

#define NOW INT64_C(1714566896) /* 2024-05-01T12:34:56Z */
#define ISS "https://oidc.example.com/id/ABC"

static EVP_PKEY *rsa1, *rsa2, *ec1, *rsa_weak;
static const iam_str auds[] = { IAM_STR("sts.amazonaws.com"), IAM_STR("other-client") };

/* ---- a tiny JWS signer ------------------------------------------------------ */

static char *b64url(const uint8_t *in, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(n / 3 * 4 + 5), *o = out;
    size_t i = 0;
    assert_non_null(out);
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = al[v >> 18];
        *o++ = al[(v >> 12) & 63];
        *o++ = al[(v >> 6) & 63];
        *o++ = al[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = al[v >> 18];
        *o++ = al[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = al[v >> 18];
        *o++ = al[(v >> 12) & 63];
        *o++ = al[(v >> 6) & 63];
    }
    *o = '\0';
    return out;
}

static char *b64url_str(const char *s)
{
    return b64url((const uint8_t *)s, strlen(s));
}

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *r = malloc(la + lb + lc + 3);
    assert_non_null(r);
    memcpy(r, a, la);
    r[la] = '.';
    memcpy(r + la + 1, b, lb);
    r[la + 1 + lb] = '.';
    memcpy(r + la + lb + 2, c, lc + 1);
    return r;
}

/* Signs with `key` (RSA -> RS256, EC -> ES256 in the JWS r||s form). */
static void sign_raw(EVP_PKEY *key, const char *input, uint8_t *sig, size_t *sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[600];
    size_t der_len = sizeof der;
    assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &der_len, (const uint8_t *)input, strlen(input)), 1);
    EVP_MD_CTX_free(ctx);
    if (EVP_PKEY_is_a(key, "EC")) {
        const uint8_t *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        assert_non_null(es);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
        ECDSA_SIG_free(es);
        *sig_len = 64;
    } else {
        memcpy(sig, der, der_len);
        *sig_len = der_len;
    }
}

/* header and payload are JSON texts; returns a malloc'd compact token. */
static char *make_token(EVP_PKEY *key, const char *header, const char *payload)
{
    char *h = b64url_str(header), *p = b64url_str(payload), *input, *s, *tok;
    uint8_t sig[600];
    size_t sig_len = 0;
    input = cat3(h, p, "");
    input[strlen(input) - 1] = '\0'; /* "h.p" */
    if (key != NULL)
        sign_raw(key, input, sig, &sig_len);
    s = b64url(sig, sig_len);
    tok = cat3(h, p, s);
    free(h);
    free(p);
    free(s);
    free(input);
    return tok;
}

static char claims_buf[2048];

/* Standard claims with overrides: exp/nbf/iat relative to NOW. */
static const char *claims(const char *iss, const char *aud, int64_t exp_off, const char *extra)
{
    snprintf(claims_buf, sizeof claims_buf,
             "{\"iss\":\"%s\",\"sub\":\"system:serviceaccount:default:app\",\"aud\":%s,"
             "\"exp\":%lld,\"iat\":%lld%s%s}",
             iss, aud, (long long)(NOW + exp_off), (long long)(NOW - 10), extra ? "," : "", extra ? extra : "");
    return claims_buf;
}

#define GOOD_CLAIMS claims(ISS, "\"sts.amazonaws.com\"", 3600, NULL)

/* ---- JWKS from the generated keys ------------------------------------------------ */

static char *bn_b64(EVP_PKEY *k, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    uint8_t buf[1100];
    int n;
    char *r;
    assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
    n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    r = b64url(buf, (size_t)n);
    BN_free(bn);
    return r;
}

static void jwk_append(char *out, size_t cap, EVP_PKEY *k, const char *kid, const char *extra)
{
    size_t used = strlen(out);
    char *a, *b;
    if (EVP_PKEY_is_a(k, "EC")) {
        a = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        b = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        snprintf(out + used, cap - used, "%s{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"%s}",
                 used > 9 ? "," : "", kid, a, b, extra ? extra : "");
    } else {
        a = bn_b64(k, OSSL_PKEY_PARAM_RSA_N, 0);
        b = bn_b64(k, OSSL_PKEY_PARAM_RSA_E, 0);
        snprintf(out + used, cap - used, "%s{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"%s}",
                 used > 9 ? "," : "", kid, a, b, extra ? extra : "");
    }
    free(a);
    free(b);
}

/* Builds a set from (key, kid) pairs, NULL-terminated. */
static iam_jwks *jwks_of(EVP_PKEY *k1, const char *kid1, ...)
{
    static char doc[16384];
    iam_jwks *set = NULL;
    iam_diag d = { 0 };
    va_list ap;
    snprintf(doc, sizeof doc, "{\"keys\":[");
    va_start(ap, kid1);
    for (EVP_PKEY *k = k1; k != NULL; k = va_arg(ap, EVP_PKEY *)) {
        const char *kid = (k == k1) ? kid1 : va_arg(ap, const char *);
        jwk_append(doc, sizeof doc, k, kid, NULL);
    }
    va_end(ap);
    strncat(doc, "]}", sizeof doc - strlen(doc) - 1);
    assert_int_equal(iam_jwks_parse(doc, strlen(doc), &set, &d), IAM_OK);
    return set;
}

static int setup(void **state)
{
    (void)state;
    rsa1 = EVP_RSA_gen(2048);
    rsa2 = EVP_RSA_gen(2048);
    rsa_weak = EVP_RSA_gen(1024);
    ec1 = EVP_EC_gen("P-256");
    return (rsa1 && rsa2 && ec1 && rsa_weak) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa1);
    EVP_PKEY_free(rsa2);
    EVP_PKEY_free(rsa_weak);
    EVP_PKEY_free(ec1);
    return 0;
}

static iam_jwt_status verify_in(const iam_jwks *set, const char *tok, const iam_jwt_expect *e, iam_jwt_claims *c)
{
    iam_diag d = { 0 };
    iam_jwt_status st = iam_jwt_verify(set, iam_str_from_cstr(tok), e, NOW, c, &d);
    if (st != IAM_JWT_OK)
        assert_true(d.message[0] != '\0');
    return st;
}

/* Verifies with the default expectation, frees the claims. */
static iam_jwt_status verify_tok(const iam_jwks *set, const char *tok)
{
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    iam_jwt_claims c;
    iam_jwt_status st = verify_in(set, tok, &e, &c);
    iam_jwt_claims_free(&c);
    return st;
}

/* Signs `payload` with `key` under header {"alg":alg,"kid":kid}, verifies
 * against `set`, and frees the token. */
static iam_jwt_status sign_verify(const iam_jwks *set, EVP_PKEY *key, const char *alg, const char *kid,
                                  const char *payload)
{
    char hdr[256];
    char *tok;
    iam_jwt_status st;
    if (kid)
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);
    else
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    tok = make_token(key, hdr, payload);
    st = verify_tok(set, tok);
    free(tok);
    return st;
}

/* ---- good tokens ------------------------------------------------------------------------ */

static void good_rs256_and_claims(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", ec1, "ec1", NULL);
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    iam_jwt_claims c;
    char json[1024];
    size_t n = 0;
    int64_t v = 0;
    iam_str s;
    char *tok;
    (void)state;

    tok = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}",
                     claims(ISS, "[\"x\",\"other-client\"]", 600,
                            "\"amr\":[\"pwd\",\"mfa\"],\"azp\":\"cli\",\"kubernetes.io\":{\"namespace\":\"default\","
                            "\"serviceaccount\":{\"name\":\"app\",\"uid\":\"u-1\"}},\"a/b\":{\"~k\":7.9}"));
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_OK);
    assert_int_equal(c.alg, IAM_JWT_RS256);
    assert_true(iam_str_eq(c.kid, IAM_STR("rsa1")));
    assert_true(iam_str_eq(c.iss, IAM_STR(ISS)));
    assert_true(iam_str_eq(c.sub, IAM_STR("system:serviceaccount:default:app")));
    assert_true(iam_str_eq(c.aud, IAM_STR("other-client")));
    assert_true(iam_str_eq(c.azp, IAM_STR("cli")));
    assert_int_equal(c.exp, NOW + 600);
    assert_true(c.has_iat && !c.has_nbf);
    assert_int_equal(c.iat, NOW - 10);
    assert_int_equal(c.n_amr, 2);
    assert_true(iam_str_eq(c.amr[1], IAM_STR("mfa")));
    assert_int_equal(iam_jwt_claim_string(&c, "/kubernetes.io/serviceaccount/name", &s), IAM_OK);
    assert_true(iam_str_eq(s, IAM_STR("app")));
    assert_int_equal(iam_jwt_claim_string(&c, "/amr/0", &s), IAM_OK);
    assert_true(iam_str_eq(s, IAM_STR("pwd")));
    assert_int_equal(iam_jwt_claim_string(&c, "/amr/2", &s), IAM_E_NOTFOUND);
    assert_int_equal(iam_jwt_claim_string(&c, "/amr/01", &s), IAM_E_NOTFOUND);
    assert_int_equal(iam_jwt_claim_string(&c, "/kubernetes.io", &s), IAM_E_MALFORMED);
    assert_int_equal(iam_jwt_claim_string(&c, "/nope", &s), IAM_E_NOTFOUND);
    assert_int_equal(iam_jwt_claim_string(&c, "nope", &s), IAM_E_INVALID);
    assert_int_equal(iam_jwt_claim_string(&c, "/a~2", &s), IAM_E_INVALID);
    assert_int_equal(iam_jwt_claim_int(&c, "/a~1b/~0k", &v), IAM_OK);
    assert_int_equal(v, 7);
    assert_int_equal(iam_jwt_claim_int(&c, "/exp", &v), IAM_OK);
    assert_int_equal(v, NOW + 600);
    assert_int_equal(iam_jwt_claim_json(&c, "/kubernetes.io/serviceaccount", json, sizeof json, &n), IAM_OK);
    assert_string_equal(json, "{\"name\":\"app\",\"uid\":\"u-1\"}");
    assert_int_equal(n, strlen(json));
    assert_int_equal(iam_jwt_claim_json(&c, "/kubernetes.io", json, 8, &n), IAM_E_LIMIT);
    assert_string_equal(json, "");
    assert_int_equal(iam_jwt_claim_json(&c, "", json, sizeof json, &n), IAM_OK);
    assert_true(json[0] == '{');
    assert_non_null(iam_jwt_claims_object(&c));
    iam_jwt_claims_free(&c);
    assert_null(c.doc_);
    iam_jwt_claims_free(&c); /* twice is fine */
    free(tok);
    iam_jwks_free(set);
}

static void good_es256(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", ec1, "ec1", NULL);
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    iam_jwt_claims c;
    char *tok;
    (void)state;
    tok = make_token(ec1, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", claims(ISS, "\"sts.amazonaws.com\"", 60, "\"amr\":\"pwd\""));
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_OK);
    assert_int_equal(c.alg, IAM_JWT_ES256);
    assert_true(iam_str_eq(c.aud, IAM_STR("sts.amazonaws.com")));
    assert_int_equal(c.n_amr, 1);
    iam_jwt_claims_free(&c);
    /* the expectation pins the algorithm: RS256 only refuses the ES256 token */
    e.algs = IAM_JWT_RS256;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_BAD_ALG);
    assert_null(c.doc_);
    free(tok);
    iam_jwks_free(set);
}

/* ---- claim failures ------------------------------------------------------------------- */

static void claim_failures(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", NULL);
    (void)state;
    /* wrong audience; a matching entry in an array is enough */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"someone-else\"", 600, NULL)),
                     IAM_JWT_WRONG_AUDIENCE);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "[]", 600, NULL)), IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "[1]", 600, NULL)), IAM_JWT_MALFORMED);
    assert_string_equal(iam_jwt_status_code(IAM_JWT_WRONG_AUDIENCE), "InvalidIdentityToken");
    /* wrong issuer (and one differing only by a trailing slash) */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims("https://evil.example.com", "\"sts.amazonaws.com\"", 600, NULL)),
                     IAM_JWT_WRONG_ISSUER);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS "/", "\"sts.amazonaws.com\"", 600, NULL)),
                     IAM_JWT_WRONG_ISSUER);
    /* expired beyond the leeway; inside the leeway still fine */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", -61, NULL)),
                     IAM_JWT_EXPIRED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", -60, NULL)),
                     IAM_JWT_EXPIRED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", -59, NULL)),
                     IAM_JWT_OK);
    assert_string_equal(iam_jwt_status_code(IAM_JWT_EXPIRED), "ExpiredTokenException");
    assert_int_equal(iam_jwt_status_http(IAM_JWT_EXPIRED), 400);
    /* nbf and iat in the future */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", 600, "\"nbf\":1714567000")),
                     IAM_JWT_NOT_YET_VALID);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", 600, "\"nbf\":1714566950")),
                     IAM_JWT_OK);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\",\"exp\":1714570000,\"iat\":1714567000}"),
                     IAM_JWT_NOT_YET_VALID);
    /* required and mistyped claims */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\"}"),
                     IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\",\"exp\":\"1714570000\"}"),
                     IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"aud\":\"sts.amazonaws.com\",\"exp\":1714570000}"),
                     IAM_JWT_MALFORMED); /* no sub */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\",\"exp\":1714570000.5}"),
                     IAM_JWT_OK);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\",\"exp\":-1}"),
                     IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1",
                                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"sts.amazonaws.com\",\"exp\":1e300}"),
                     IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", 600, "\"amr\":[1]")),
                     IAM_JWT_MALFORMED);
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", claims(ISS, "\"sts.amazonaws.com\"", 600, "\"iss\":\"dup\"")),
                     IAM_JWT_MALFORMED); /* duplicate member */
    assert_int_equal(sign_verify(set, rsa1, "RS256", "rsa1", "[1,2]"), IAM_JWT_MALFORMED);
    iam_jwks_free(set);
}

static void lifetime_and_args(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", NULL);
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    iam_jwt_claims c;
    char *tok = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", GOOD_CLAIMS);
    (void)state;
    e.max_lifetime = 3600;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_LIFETIME); /* exp - iat = 3610 */
    e.max_lifetime = 3610;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_OK);
    iam_jwt_claims_free(&c);
    e.n_audiences = 0;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_INVALID_ARG);
    e = IAM_JWT_EXPECT_INIT(IAM_STR(""), auds, 2);
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_INVALID_ARG);
    e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    e.leeway = -1;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_INVALID_ARG);
    e.leeway = 0;
    e.algs = 0;
    assert_int_equal(verify_in(set, tok, &e, &c), IAM_JWT_BAD_ALG);
    assert_int_equal(iam_jwt_verify(NULL, iam_str_from_cstr(tok), &e, NOW, &c, NULL), IAM_JWT_INVALID_ARG);
    assert_string_equal(iam_jwt_status_code(IAM_JWT_INVALID_ARG), "InternalFailure");
    assert_int_equal(iam_jwt_status_http(IAM_JWT_INVALID_ARG), 500);
    free(tok);
    iam_jwks_free(set);
}

/* ---- keys ------------------------------------------------------------------------------- */

static void kid_rotation(void **state)
{
    iam_jwks *both = jwks_of(rsa1, "k1", rsa2, "k2", NULL), *only2 = jwks_of(rsa2, "k2", NULL);
    (void)state;
    assert_int_equal(iam_jwks_count(both), 2);
    assert_int_equal(sign_verify(both, rsa1, "RS256", "k1", GOOD_CLAIMS), IAM_JWT_OK);
    assert_int_equal(sign_verify(both, rsa2, "RS256", "k2", GOOD_CLAIMS), IAM_JWT_OK);
    /* k1 retired: its tokens fail, k2's still verify */
    assert_int_equal(sign_verify(only2, rsa1, "RS256", "k1", GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    assert_int_equal(sign_verify(only2, rsa2, "RS256", "k2", GOOD_CLAIMS), IAM_JWT_OK);
    /* a kid naming the other key: the signature is checked with that key */
    assert_int_equal(sign_verify(both, rsa1, "RS256", "k2", GOOD_CLAIMS), IAM_JWT_BAD_SIGNATURE);
    assert_int_equal(sign_verify(both, rsa1, "RS256", "nope", GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    assert_string_equal(iam_jwt_status_code(IAM_JWT_UNKNOWN_KEY), "InvalidIdentityToken");
    /* no kid: fine with one key of the type, refused with two */
    assert_int_equal(sign_verify(only2, rsa2, "RS256", NULL, GOOD_CLAIMS), IAM_JWT_OK);
    assert_int_equal(sign_verify(both, rsa1, "RS256", NULL, GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    iam_jwks_free(both);
    iam_jwks_free(only2);
}

static void unknown_kid_and_alg_key_mismatch(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "same", ec1, "ec1", NULL);
    char *tok, *h, *swapped;
    (void)state;
    assert_int_equal(sign_verify(set, ec1, "ES256", "unknown", GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    /* an ES256 header naming the RSA key's kid: no EC key has that kid */
    assert_int_equal(sign_verify(set, ec1, "ES256", "same", GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    /* an RS256 signature relabelled ES256 for the EC key */
    tok = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"ec1\"}", GOOD_CLAIMS);
    h = b64url_str("{\"alg\":\"ES256\",\"kid\":\"ec1\"}");
    swapped = cat3(h, strchr(tok, '.') + 1, "");
    swapped[strlen(swapped) - 1] = '\0';
    assert_int_equal(verify_tok(set, swapped), IAM_JWT_BAD_SIGNATURE);
    free(tok);
    free(h);
    free(swapped);
    iam_jwks_free(set);
}

/* ---- attacks and malformed tokens ------------------------------------------------------ */

static void alg_none_and_hs256(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", NULL);
    char *tok, *h, *p, *in, *s, *pem_s;
    BIO *bio;
    uint8_t mac[32], *der = NULL;
    char *pem = NULL;
    long pem_len;
    int der_len;
    (void)state;

    tok = make_token(NULL, "{\"alg\":\"none\",\"kid\":\"rsa1\"}", GOOD_CLAIMS);
    assert_int_equal(verify_tok(set, tok), IAM_JWT_BAD_ALG);
    tok[strlen(tok) - 1] = '\0'; /* "h.p" without the last dot */
    assert_int_equal(verify_tok(set, tok), IAM_JWT_MALFORMED);
    free(tok);
    tok = make_token(NULL, "{\"alg\":\"None\"}", GOOD_CLAIMS);
    assert_int_equal(verify_tok(set, tok), IAM_JWT_BAD_ALG);
    free(tok);

    /* HS256 keyed with the RSA public key, PEM and DER, with and without kid */
    bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa1), 1);
    pem_len = BIO_get_mem_data(bio, &pem);
    der_len = i2d_PUBKEY(rsa1, &der);
    assert_true(der_len > 0);
    /* The BIO's data has no NUL after it; copy by length (ASan's strndup
     * interceptor reads one byte past a string that has none). */
    pem_s = malloc((size_t)pem_len + 1);
    assert_non_null(pem_s);
    memcpy(pem_s, pem, (size_t)pem_len);
    pem_s[pem_len] = '\0';
    for (int variant = 0; variant < 4; variant++) {
        h = b64url_str(variant & 1 ? "{\"alg\":\"HS256\"}" : "{\"alg\":\"HS256\",\"kid\":\"rsa1\"}");
        p = b64url_str(GOOD_CLAIMS);
        in = cat3(h, p, "");
        in[strlen(in) - 1] = '\0';
        if (variant < 2)
            iam_hmac_sha256(pem_s, strlen(pem_s), in, strlen(in), mac);
        else
            iam_hmac_sha256(der, (size_t)der_len, in, strlen(in), mac);
        s = b64url(mac, 32);
        tok = cat3(h, p, s);
        assert_int_equal(verify_tok(set, tok), IAM_JWT_BAD_ALG);
        free(h);
        free(p);
        free(in);
        free(s);
        free(tok);
    }
    free(pem_s);
    OPENSSL_free(der);
    BIO_free(bio);
    assert_int_equal(sign_verify(set, rsa1, "RS512", "rsa1", GOOD_CLAIMS), IAM_JWT_BAD_ALG);
    assert_int_equal(sign_verify(set, rsa1, "PS256", "rsa1", GOOD_CLAIMS), IAM_JWT_BAD_ALG);
    assert_int_equal(sign_verify(set, rsa1, "rs256", "rsa1", GOOD_CLAIMS), IAM_JWT_BAD_ALG);
    iam_jwks_free(set);
}

/* Returns tok with its signature segment replaced by b64url(sig). */
static char *with_sig(const char *tok, const uint8_t *sig, size_t n)
{
    const char *dot = strrchr(tok, '.');
    char *s = b64url(sig, n), *r;
    size_t hp = (size_t)(dot - tok);
    r = malloc(hp + strlen(s) + 2);
    assert_non_null(r);
    memcpy(r, tok, hp + 1);
    memcpy(r + hp + 1, s, strlen(s) + 1);
    free(s);
    return r;
}

static void es256_signature_lengths(void **state)
{
    iam_jwks *set = jwks_of(ec1, "ec1", NULL);
    char *tok = make_token(ec1, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", GOOD_CLAIMS), *bad, *input;
    uint8_t sig[80], der[80];
    size_t n = 0, der_len = sizeof der;
    EVP_MD_CTX *ctx;
    (void)state;
    assert_int_equal(verify_tok(set, tok), IAM_JWT_OK);
    input = strndup(tok, (size_t)(strrchr(tok, '.') - tok));
    sign_raw(ec1, input, sig, &n);
    assert_int_equal(n, 64);
    bad = with_sig(tok, sig, 64);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_OK); /* ECDSA: another valid signature */
    free(bad);
    /* 63 and 65 bytes around a valid r||s */
    bad = with_sig(tok, sig, 63);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_BAD_SIGNATURE);
    free(bad);
    sig[64] = 0;
    bad = with_sig(tok, sig, 65);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_BAD_SIGNATURE);
    free(bad);
    /* the DER form EVP emits, where JWS wants r||s */
    ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, ec1, NULL), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &der_len, (const uint8_t *)input, strlen(input)), 1);
    EVP_MD_CTX_free(ctx);
    bad = with_sig(tok, der, der_len);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_BAD_SIGNATURE);
    free(bad);
    /* r = s = 0, and r||s with the halves swapped */
    memset(der, 0, 64);
    bad = with_sig(tok, der, 64);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_BAD_SIGNATURE);
    free(bad);
    memcpy(der, sig + 32, 32);
    memcpy(der + 32, sig, 32);
    bad = with_sig(tok, der, 64);
    assert_int_equal(verify_tok(set, bad), IAM_JWT_BAD_SIGNATURE);
    free(bad);
    free(input);
    free(tok);
    iam_jwks_free(set);
}

static void tampering_and_shape(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", NULL);
    char *tok = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", GOOD_CLAIMS), *t2, *p, *big;
    size_t len = strlen(tok);
    (void)state;
    assert_int_equal(verify_tok(set, tok), IAM_JWT_OK);
    /* tampered payload: another sub, same header and signature */
    t2 = strdup(tok);
    p = strchr(t2, '.') + 1;
    p[5] = (char)(p[5] == 'A' ? 'B' : 'A');
    assert_int_equal(verify_tok(set, t2), IAM_JWT_BAD_SIGNATURE);
    free(t2);
    /* flipped signature bit */
    t2 = strdup(tok);
    t2[len - 5] = (char)(t2[len - 5] == 'A' ? 'B' : 'A');
    assert_int_equal(verify_tok(set, t2), IAM_JWT_BAD_SIGNATURE);
    free(t2);
    /* 4 segments, 2 segments, empty segments */
    t2 = malloc(len + 8);
    snprintf(t2, len + 8, "%s.AAAA", tok);
    assert_int_equal(verify_tok(set, t2), IAM_JWT_MALFORMED);
    snprintf(t2, len + 8, ".%s", strchr(tok, '.') + 1);
    assert_int_equal(verify_tok(set, t2), IAM_JWT_MALFORMED);
    assert_int_equal(verify_tok(set, ""), IAM_JWT_MALFORMED);
    assert_int_equal(verify_tok(set, ".."), IAM_JWT_MALFORMED);
    /* padding and the standard alphabet are not base64url */
    snprintf(t2, len + 8, "%s=", tok);
    assert_int_equal(verify_tok(set, t2), IAM_JWT_BAD_SIGNATURE);
    memcpy(t2, tok, len + 1);
    t2[3] = '+';
    assert_int_equal(verify_tok(set, t2), IAM_JWT_MALFORMED);
    free(t2);
    /* the header "{"alg":"RS256","kid":"rsa1"}" + whitespace inside a segment */
    t2 = malloc(len + 2);
    memcpy(t2, tok, 4);
    t2[4] = ' ';
    memcpy(t2 + 5, tok + 4, len - 3);
    assert_int_equal(verify_tok(set, t2), IAM_JWT_MALFORMED);
    free(t2);
    /* huge token */
    big = malloc(IAM_JWT_TOKEN_MAX + 2);
    memset(big, 'A', IAM_JWT_TOKEN_MAX + 1);
    big[10] = '.';
    big[20] = '.';
    big[IAM_JWT_TOKEN_MAX + 1] = '\0';
    assert_int_equal(verify_tok(set, big), IAM_JWT_TOO_LARGE);
    free(big);
    /* crit, b64 and zip headers; non-string typ and kid */
    assert_int_equal(sign_verify(set, rsa1, "RS256\",\"crit\":[\"exp\"],\"exp\":\"1", "rsa1", GOOD_CLAIMS),
                     IAM_JWT_MALFORMED);
    {
        char *t = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":7}", GOOD_CLAIMS);
        assert_int_equal(verify_tok(set, t), IAM_JWT_MALFORMED);
        free(t);
        t = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":1}", GOOD_CLAIMS);
        assert_int_equal(verify_tok(set, t), IAM_JWT_MALFORMED);
        free(t);
        t = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"zip\":\"DEF\"}", GOOD_CLAIMS);
        assert_int_equal(verify_tok(set, t), IAM_JWT_MALFORMED);
        free(t);
        t = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"alg\":\"RS256\"}", GOOD_CLAIMS);
        assert_int_equal(verify_tok(set, t), IAM_JWT_MALFORMED);
        free(t);
        /* an embedded jwk header is never used: the set's key still decides */
        t = make_token(rsa2, "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"jwk\":{\"kty\":\"RSA\"}}", GOOD_CLAIMS);
        assert_int_equal(verify_tok(set, t), IAM_JWT_BAD_SIGNATURE);
        free(t);
    }
    free(tok);
    iam_jwks_free(set);
}

static void b64url_canonical(void **state)
{
    iam_jwks *set = jwks_of(rsa1, "rsa1", NULL);
    char *tok = make_token(rsa1, "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", GOOD_CLAIMS);
    char *dot = strchr(tok, '.');
    size_t hl = (size_t)(dot - tok);
    (void)state;
    /* the header's 28 bytes encode to 38 chars (2 spare bits): a last char
     * with those bits set decodes to the same bytes but must be refused */
    assert_int_equal(hl % 4, 2);
    {
        char *t2 = strdup(tok);
        char c = t2[hl - 1];
        const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int v = (int)(strchr(al, c) - al);
        t2[hl - 1] = al[v | 1];
        if (t2[hl - 1] != c)
            assert_int_equal(verify_tok(set, t2), IAM_JWT_MALFORMED);
        free(t2);
    }
    free(tok);
    iam_jwks_free(set);
}

static void peek_issuer(void **state)
{
    char *tok = make_token(rsa1, "{\"alg\":\"RS256\"}", GOOD_CLAIMS);
    char buf[128], small[8];
    size_t n = 0;
    (void)state;
    assert_int_equal(iam_jwt_peek_issuer(iam_str_from_cstr(tok), buf, sizeof buf, &n), IAM_JWT_OK);
    assert_string_equal(buf, ISS);
    assert_int_equal(n, strlen(ISS));
    assert_int_equal(iam_jwt_peek_issuer(iam_str_from_cstr(tok), small, sizeof small, &n), IAM_JWT_MALFORMED);
    assert_int_equal(iam_jwt_peek_issuer(IAM_STR("a.b"), buf, sizeof buf, &n), IAM_JWT_MALFORMED);
    free(tok);
}

/* ---- JWKS parsing -------------------------------------------------------------------- */

static iam_err parse_doc(const char *doc, iam_jwks **out)
{
    iam_diag d = { 0 };
    iam_err err = iam_jwks_parse(doc, strlen(doc), out, &d);
    if (err != IAM_OK)
        assert_true(d.message[0] != '\0');
    return err;
}

static void jwks_documents(void **state)
{
    static char doc[65536];
    iam_jwks *set = NULL;
    (void)state;
    /* skipped: enc use, oct, OKP, P-384, RSA-1024, alg RS384, key_ops sign only, private part */
    snprintf(doc, sizeof doc, "{\"keys\":[");
    jwk_append(doc, sizeof doc, ec1, "enc", ",\"use\":\"enc\"");
    strncat(doc, ",{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", sizeof doc - strlen(doc) - 1);
    strncat(doc, ",{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", sizeof doc - strlen(doc) - 1);
    strncat(doc, ",{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", sizeof doc - strlen(doc) - 1);
    jwk_append(doc, sizeof doc, rsa_weak, "weak", NULL);
    jwk_append(doc, sizeof doc, ec1, "es384", ",\"alg\":\"ES384\"");
    jwk_append(doc, sizeof doc, ec1, "signonly", ",\"key_ops\":[\"sign\"]");
    jwk_append(doc, sizeof doc, ec1, "private", ",\"d\":\"AAAA\"");
    jwk_append(doc, sizeof doc, ec1, "good", ",\"key_ops\":[\"verify\"],\"use\":\"sig\"");
    strncat(doc, "],\"extra\":true}", sizeof doc - strlen(doc) - 1);
    assert_int_equal(parse_doc(doc, &set), IAM_OK);
    assert_int_equal(iam_jwks_count(set), 1);
    assert_int_equal(iam_jwks_skipped(set), 8);
    assert_int_equal(sign_verify(set, ec1, "ES256", "good", GOOD_CLAIMS), IAM_JWT_OK);
    assert_int_equal(sign_verify(set, ec1, "ES256", "private", GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    iam_jwks_free(set);
    /* a token whose weak key was skipped */
    set = NULL;
    assert_int_equal(parse_doc("{\"keys\":[]}", &set), IAM_OK);
    assert_int_equal(iam_jwks_count(set), 0);
    assert_int_equal(sign_verify(set, rsa1, "RS256", NULL, GOOD_CLAIMS), IAM_JWT_UNKNOWN_KEY);
    iam_jwks_free(set);

    /* errors */
    set = (iam_jwks *)1;
    assert_int_equal(parse_doc("{\"keys\":", &set), IAM_E_SYNTAX);
    assert_null(set);
    assert_int_equal(parse_doc("[]", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":{}}", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[1]}", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[{\"kid\":\"x\"}]}", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\"}]}", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQ==\",\"e\":\"AQAB\"}]}", &set), IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}]}", &set),
                     IAM_E_MALFORMED);
    assert_int_equal(parse_doc("{\"keys\":[], \"keys\":[]}", &set), IAM_E_SYNTAX);
    /* an off-curve point: x of the real key with y + 1 */
    {
        BIGNUM *x = NULL, *y = NULL;
        uint8_t bx[32], by[32];
        char *sx, *sy;
        assert_int_equal(EVP_PKEY_get_bn_param(ec1, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(ec1, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
        BN_add_word(y, 1);
        BN_bn2binpad(x, bx, 32);
        BN_bn2binpad(y, by, 32);
        sx = b64url(bx, 32);
        sy = b64url(by, 32);
        snprintf(doc, sizeof doc, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}", sx, sy);
        assert_int_equal(parse_doc(doc, &set), IAM_E_MALFORMED);
        free(sx);
        free(sy);
        BN_free(x);
        BN_free(y);
    }
    /* even exponent */
    snprintf(doc, sizeof doc, "{\"keys\":[");
    jwk_append(doc, sizeof doc, rsa1, "k", NULL);
    strncat(doc, "]}", sizeof doc - strlen(doc) - 1);
    {
        char *e = strstr(doc, "\"e\":\"AQAB\"");
        assert_non_null(e);
        e[8] = 'C'; /* AQAC = 65538 */
        assert_int_equal(parse_doc(doc, &set), IAM_E_MALFORMED);
    }
    /* too many keys */
    snprintf(doc, sizeof doc, "{\"keys\":[");
    for (int i = 0; i <= IAM_JWKS_KEYS_MAX; i++)
        strncat(doc, i ? ",{\"kty\":\"oct\"}" : "{\"kty\":\"oct\"}", sizeof doc - strlen(doc) - 1);
    strncat(doc, "]}", sizeof doc - strlen(doc) - 1);
    assert_int_equal(parse_doc(doc, &set), IAM_E_LIMIT);
    assert_int_equal(iam_jwks_parse(doc, IAM_JWKS_DOC_MAX + 1, &set, NULL), IAM_E_LIMIT);
    assert_int_equal(iam_jwks_parse(NULL, 0, &set, NULL), IAM_E_SYNTAX);
    iam_jwks_free(NULL);
}

/* ---- tokens made by PyJWT (tests/vectors/jwt/gen.py) ------------------------------------- */

static char *read_vector(const char *name, size_t *len)
{
    const char *dir = getenv("IAM_SOURCE_DIR");
    char path[1024];
    FILE *f;
    char *buf = malloc(65536);
    assert_non_null(buf);
    snprintf(path, sizeof path, "%s/tests/vectors/jwt/%s", dir ? dir : ".", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void pyjwt_vectors(void **state)
{
    static const iam_str pauds[] = { IAM_STR("sts.amazonaws.com"), IAM_STR("https://kubernetes.default.svc") };
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR("https://oidc.example.com/id/FUZZ"), pauds, 2);
    size_t len = 0, seen = 0;
    char *doc = read_vector("jwks.json", &len), *lines = read_vector("tokens.txt", &len), *save = NULL;
    iam_jwks *set = NULL;
    (void)state;
    assert_int_equal(iam_jwks_parse(doc, strlen(doc), &set, NULL), IAM_OK);
    assert_int_equal(iam_jwks_count(set), 2);
    for (char *line = strtok_r(lines, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        iam_jwt_claims c;
        iam_diag d = { 0 };
        iam_jwt_status st;
        if (line[0] == '#')
            continue;
        assert_non_null(t2);
        *t1 = *t2 = '\0';
        st = iam_jwt_verify(set, iam_str_from_cstr(t2 + 1), &e, INT64_C(1714566896), &c, &d);
        if (strcmp(iam_jwt_status_str(st), t1 + 1) != 0)
            fail_msg("%s: expected %s, got %s (%s)", line, t1 + 1, iam_jwt_status_str(st), d.message);
        if (strcmp(line, "03_rs256_k8s") == 0) {
            iam_str s;
            assert_int_equal(iam_jwt_claim_string(&c, "/kubernetes.io/namespace", &s), IAM_OK);
            assert_true(iam_str_eq(s, IAM_STR("default")));
            assert_int_equal(iam_jwt_claim_string(&c, "/kubernetes.io/pod/name", &s), IAM_OK);
            assert_true(iam_str_eq(s, IAM_STR("app-0")));
            assert_true(iam_str_eq(c.jti, IAM_STR("7c1d")));
        }
        iam_jwt_claims_free(&c);
        seen++;
    }
    assert_int_equal(seen, 11);
    iam_jwks_free(set);
    free(doc);
    free(lines);
}

/* ---- allocation failures ----------------------------------------------------------------- */

static long alloc_budget = -1; /* allocations left before failing; -1 = never fail */

static void *fail_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}

static void *fail_realloc(void *p, size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, n);
}

/* Fails the 1st, 2nd, ... allocation of libiam in turn: every call then
 * reports NOMEM (or succeeds) and leaks nothing (ASan's leak check). */
static void allocation_failures(void **state)
{
    static const iam_allocator failing = { fail_malloc, fail_realloc, free };
    char doc[4096] = "{\"keys\":[";
    char *tok = make_token(ec1, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", GOOD_CLAIMS);
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    bool jwks_ok = false, jwt_ok = false;
    (void)state;
    jwk_append(doc, sizeof doc, ec1, "ec1", NULL);
    strncat(doc, "]}", sizeof doc - strlen(doc) - 1);
    assert_int_equal(iam_allocator_set(&failing), IAM_OK);
    for (long budget = 0; budget < 64 && !jwks_ok; budget++) {
        iam_jwks *set = NULL;
        iam_err err;
        alloc_budget = budget;
        err = iam_jwks_parse(doc, strlen(doc), &set, NULL);
        alloc_budget = -1;
        assert_true(err == IAM_OK || err == IAM_E_NOMEM);
        assert_true((err == IAM_OK) == (set != NULL));
        jwks_ok = err == IAM_OK;
        iam_jwks_free(set);
    }
    for (long budget = 0; budget < 64 && !jwt_ok; budget++) {
        iam_jwks *set = NULL;
        iam_jwt_claims c;
        iam_jwt_status st;
        assert_int_equal(iam_jwks_parse(doc, strlen(doc), &set, NULL), IAM_OK);
        alloc_budget = budget;
        st = iam_jwt_verify(set, iam_str_from_cstr(tok), &e, NOW, &c, NULL);
        alloc_budget = -1;
        assert_true(st == IAM_JWT_OK || st == IAM_JWT_NOMEM);
        assert_true((st == IAM_JWT_OK) == (c.doc_ != NULL));
        jwt_ok = st == IAM_JWT_OK;
        iam_jwt_claims_free(&c);
        iam_jwks_free(set);
    }
    alloc_budget = -1;
    assert_int_equal(iam_allocator_set(NULL), IAM_OK);
    assert_true(jwks_ok && jwt_ok);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_rs256_and_claims),
        cmocka_unit_test(good_es256),
        cmocka_unit_test(claim_failures),
        cmocka_unit_test(lifetime_and_args),
        cmocka_unit_test(kid_rotation),
        cmocka_unit_test(unknown_kid_and_alg_key_mismatch),
        cmocka_unit_test(alg_none_and_hs256),
        cmocka_unit_test(es256_signature_lengths),
        cmocka_unit_test(tampering_and_shape),
        cmocka_unit_test(b64url_canonical),
        cmocka_unit_test(peek_issuer),
        cmocka_unit_test(jwks_documents),
        cmocka_unit_test(pyjwt_vectors),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
