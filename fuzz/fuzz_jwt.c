/* fuzz_jwt.c - libFuzzer target for the JWT verifier and JWKS parser
 * (lib/auth/jwt.c, jwks.c).
 *
 * Input: "<token>" or "<token>\n<JWKS document>". The token is verified
 * against a fixed key set (one RSA-2048 and one P-256 key: the public half of
 * tests/vectors/jwt/jwks.json, whose gen.py made the seed tokens) with two
 * fixed expectations, its issuer is peeked, and its first segment goes
 * through the base64url decoder; the part after the newline, when present,
 * is parsed as a JWKS and, when it parses, the token is verified against it.
 *
 * Invariants (abort on violation):
 *   - every status is a known one with an AWS code; a failure leaves the
 *     claims zeroed and a non-empty diag message;
 *   - on OK: alg allowed, iss equal to the expected issuer, aud one of the
 *     expected, exp not past now - leeway, sub non-empty when required, the claim
 *     accessors agree with the fields;
 *   - base64url is canonical: what decodes re-encodes to the same text;
 *   - a parsed JWKS never holds more than IAM_JWKS_KEYS_MAX entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt_int.h"
#include "iam/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_jwt: invariant failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define NOW INT64_C(1714566896) /* gen.py's NOW: its good seed tokens verify */
#define ISS "https://oidc.example.com/id/FUZZ"

static const char fixed_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"nnAdIk3E"
    "OOHy79ngdi76jx7Un9Z3TyyIrT5EmT4XV6m7TwjV62k3T0VAVIFUwaN7A8jN0M_nPb6RmwHJVu_I26Svbi4KJPBTh09VYp_5"
    "E6DC5YojH5hhMNGZTpwj__vq_uvjje2LFA3bQV_dpQmIaN3-zOhHkstDn_HjFWF6-7rOwyKYuyhpkaAMSGsruPzpnUKWXH4r"
    "5gmV_Bif1h9l4HRHhBUC43kr-y0sN0OeOTUo14kqfZZei2b7qDfrJVzHwJAowXmfEWscZHSY4WBbErhI-C05wnf9TMiMlm2I"
    "IukofqckTdi6jkTL9aXbcgcF-CbnVoVX0T2C5Exi81WDSQ\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"kid\":\"ec-1\""
    ",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":\"uYnOAbtLSPqKi127xmv0SDrPVf9EoXbqtgU"
    "nldc4FDs\",\"y\":\"moL4dbmmJQvhZQdjYbknI6K19OLBgJhIp3dkJYbeSVA\"}]}";

static const iam_str auds[] = { IAM_STR("sts.amazonaws.com"), IAM_STR("https://kubernetes.default.svc") };

static iam_jwks *fixed_set(void)
{
    static iam_jwks *set;
    if (set == NULL) {
        CHECK(iam_jwks_parse(fixed_jwks, sizeof fixed_jwks - 1, &set, NULL) == IAM_OK);
        CHECK(iam_jwks_count(set) == 2);
    }
    return set;
}

static bool no_nul(iam_str s)
{
    return s.len == 0 || (s.ptr != NULL && memchr(s.ptr, '\0', s.len) == NULL);
}

static void verify(const iam_jwks *set, iam_str token, const iam_jwt_expect *e)
{
    static const iam_jwt_claims zero;
    iam_jwt_claims c;
    iam_diag d;
    iam_str s;
    int64_t v;
    char json[512];
    size_t n;

    memset(&d, 0, sizeof d);
    iam_jwt_status st = iam_jwt_verify(set, token, e, NOW, &c, &d);
    CHECK(st >= IAM_JWT_OK && st <= IAM_JWT_INTERNAL);
    CHECK(iam_jwt_status_code(st) != NULL && iam_jwt_status_str(st) != NULL);
    CHECK(st != IAM_JWT_INVALID_ARG && st != IAM_JWT_INTERNAL);
    if (st != IAM_JWT_OK) {
        CHECK(memcmp(&c, &zero, sizeof c) == 0);
        CHECK(d.message[0] != '\0' && memchr(d.message, '\0', sizeof d.message) != NULL);
        return;
    }
    CHECK((e->algs & (unsigned)c.alg) != 0);
    CHECK(iam_str_eq(c.iss, e->issuer));
    CHECK(iam_str_eq(c.aud, auds[0]) || iam_str_eq(c.aud, auds[1]));
    CHECK(c.exp > NOW - e->leeway);
    CHECK(!c.has_nbf || c.nbf <= NOW + e->leeway);
    CHECK(!c.has_iat || c.iat <= NOW + e->leeway);
    CHECK((!e->require_sub || c.sub.len > 0) && c.n_amr <= IAM_JWT_AMR_MAX);
    CHECK(no_nul(c.kid) && no_nul(c.sub) && no_nul(c.azp) && no_nul(c.jti));
    CHECK(iam_jwt_claim_string(&c, "/iss", &s) == IAM_OK && iam_str_eq(s, c.iss));
    CHECK(iam_jwt_claim_string(&c, "/sub", &s) == IAM_OK && iam_str_eq(s, c.sub));
    CHECK(iam_jwt_claim_int(&c, "/exp", &v) == IAM_OK && v == c.exp);
    iam_err err = iam_jwt_claim_string(&c, "/kubernetes.io/serviceaccount/name", &s);
    CHECK(err == IAM_OK || err == IAM_E_NOTFOUND || err == IAM_E_MALFORMED);
    err = iam_jwt_claim_json(&c, "/kubernetes.io", json, sizeof json, &n);
    CHECK(err == IAM_OK ? n == strlen(json) : (err == IAM_E_NOTFOUND || err == IAM_E_LIMIT));
    CHECK(iam_jwt_claim_json(&c, "", json, 4, &n) == IAM_E_LIMIT && json[0] == '\0');
    CHECK(iam_jwt_claims_object(&c) != NULL);
    iam_jwt_claims_free(&c);
    CHECK(c.doc_ == NULL);
}

/* Strict base64url must be canonical: decoding then encoding gives back the
 * very same text, so one token has one spelling. */
static void b64url_roundtrip(iam_str in)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static uint8_t buf[IAM_JWT_TOKEN_MAX];
    static char enc[IAM_JWT_TOKEN_MAX + 4];
    size_t n = 0, o = 0, i = 0;

    if (in.len > IAM_JWT_TOKEN_MAX || !iam__b64url_decode(in, buf, sizeof buf, &n))
        return;
    CHECK(n <= iam__b64url_decoded_max(in.len));
    for (; i + 2 < n; i += 3) {
        uint32_t w = (uint32_t)buf[i] << 16 | (uint32_t)buf[i + 1] << 8 | buf[i + 2];
        enc[o++] = al[w >> 18];
        enc[o++] = al[(w >> 12) & 63];
        enc[o++] = al[(w >> 6) & 63];
        enc[o++] = al[w & 63];
    }
    if (n - i > 0) {
        uint32_t w = (uint32_t)buf[i] << 16 | (n - i == 2 ? (uint32_t)buf[i + 1] << 8 : 0);
        enc[o++] = al[w >> 18];
        enc[o++] = al[(w >> 12) & 63];
        if (n - i == 2)
            enc[o++] = al[(w >> 6) & 63];
    }
    CHECK(o == in.len && memcmp(enc, in.ptr, o) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    iam_str token = { p, nl ? (size_t)(nl - p) : size };
    iam_jwt_expect e = IAM_JWT_EXPECT_INIT(IAM_STR(ISS), auds, 2);
    iam_jwt_expect strict = e;
    iam_jwks *set = NULL;
    char iss[128];
    size_t n = 0;
    const char *dot;

    if (size > 2 * IAM_JWKS_DOC_MAX)
        return 0;
    strict.algs = IAM_JWT_RS256;
    strict.leeway = 0;
    strict.max_lifetime = 600;
    strict.require_sub = false;
    verify(fixed_set(), token, &e);
    verify(fixed_set(), token, &strict);
    if (iam_jwt_peek_issuer(token, iss, sizeof iss, &n) == IAM_JWT_OK)
        CHECK(n < sizeof iss && iss[n] == '\0' && n == strlen(iss));
    dot = memchr(token.ptr, '.', token.len);
    b64url_roundtrip((iam_str){ token.ptr, dot ? (size_t)(dot - token.ptr) : token.len });

    if (nl != NULL) {
        iam_diag d;
        iam_err err = iam_jwks_parse(nl + 1, size - token.len - 1, &set, &d);
        if (err == IAM_OK) {
            CHECK(set != NULL && iam_jwks_count(set) + iam_jwks_skipped(set) <= IAM_JWKS_KEYS_MAX);
            verify(set, token, &e);
            iam_jwks_free(set);
        } else {
            CHECK(set == NULL);
        }
    }
    return 0;
}
