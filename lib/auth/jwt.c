/* jwt.c - compact JWS verification (RFC 7515/7519) for RS256 and ES256.
 * The algorithm is never taken from the token alone: it must be one the
 * caller allows and the one the chosen key exists for, so `none`, HS256
 * with a public key as the secret, and RSA/EC swaps cannot verify. The
 * payload is decoded only after the signature verified; every claim is then
 * type-checked before any is compared. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "auth/jwt_int.h"

/* NumericDate range we accept: 0 .. 9999-12-31T23:59:59Z. Bounding it here
 * keeps every later sum (exp + leeway) far from int64 overflow. */
#define JWT_TIME_MAX INT64_C(253402300799)
#define JWT_LEEWAY_MAX 3600
#define JWT_SIG_MAX 1024 /* an 8192-bit RSA signature */

typedef struct jwt_doc {
    json_t *claims;
    char kid[IAM_JWK_KID_MAX + 1];
} jwt_doc;

/* ---- base64url ------------------------------------------------------------ */

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

bool iam__b64url_decode(iam_str in, uint8_t *out, size_t cap, size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;

    if (in.len % 4 == 1)
        return false; /* 6 bits cannot make a byte */
    for (size_t i = 0; i < in.len; i++) {
        int v = b64url_val((unsigned char)in.ptr[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap)
                return false;
            out[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Left-over bits must be zero: otherwise two texts decode alike and the
     * signed text would not be the only spelling of the token. */
    if (acc != 0)
        return false;
    *out_len = n;
    return true;
}

/* ---- helpers ---------------------------------------------------------------- */

static iam_str jstr(json_t *v)
{
    return (iam_str){ json_string_value(v), json_string_length(v) };
}

static bool str_eq_lit(iam_str s, const char *lit)
{
    return iam_str_eq(s, iam_str_from_cstr(lit));
}

/* Decodes a segment and parses it as a JSON object; NULL on any failure
 * (*nomem tells an allocation failure apart). */
static json_t *segment_object(iam_str seg, bool *nomem)
{
    size_t cap = iam__b64url_decoded_max(seg.len), n = 0;
    uint8_t *buf;
    json_t *obj = NULL;

    *nomem = false;
    if (seg.len == 0)
        return NULL;
    buf = iam__malloc(cap);
    if (buf == NULL) {
        *nomem = true;
        return NULL;
    }
    if (iam__b64url_decode(seg, buf, cap, &n)) {
        json_error_t je;
        obj = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &je);
        *nomem = obj == NULL && json_error_code(&je) == json_error_out_of_memory;
    }
    iam__free(buf);
    if (obj != NULL && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

/* Splits a compact JWS into exactly three segments. */
static bool split3(iam_str t, iam_str seg[3])
{
    const char *p = t.ptr, *end = t.ptr + t.len;
    for (int i = 0; i < 3; i++) {
        const char *dot = (i < 2) ? memchr(p, '.', (size_t)(end - p)) : NULL;
        if (i < 2 && dot == NULL)
            return false;
        seg[i] = (iam_str){ p, (size_t)((i < 2 ? dot : end) - p) };
        p = (i < 2) ? dot + 1 : end;
    }
    return memchr(seg[2].ptr, '.', seg[2].len) == NULL;
}

/* A NumericDate: an integer or a finite real within [0, JWT_TIME_MAX]. */
static bool numeric_date(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > JWT_TIME_MAX)
            return false;
        *out = (int64_t)i;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < 0 || d > (double)JWT_TIME_MAX)
            return false;
        *out = (int64_t)d;
        return true;
    }
    return false;
}

/* An optional string claim without NUL bytes (jansson refuses \u0000 by
 * default, so only the type needs checking). */
static bool opt_claim_str(json_t *claims, const char *name, iam_str *out)
{
    json_t *v = json_object_get(claims, name);
    *out = (iam_str){ "", 0 };
    if (v == NULL)
        return true;
    if (!json_is_string(v))
        return false;
    *out = jstr(v);
    return true;
}

/* Encodes the JWS r||s form of an ES256 signature as the DER
 * SEQUENCE { INTEGER r, INTEGER s } EVP expects. Returns the DER length. */
static size_t es256_der(const uint8_t rs[64], uint8_t der[72])
{
    size_t n = 2;
    for (int half = 0; half < 2; half++) {
        const uint8_t *v = rs + half * 32;
        size_t skip = 0, len;
        while (skip < 31 && v[skip] == 0)
            skip++;
        len = 32 - skip;
        der[n++] = 0x02;
        der[n++] = (uint8_t)(len + ((v[skip] & 0x80) ? 1 : 0));
        if (v[skip] & 0x80)
            der[n++] = 0x00; /* keep the INTEGER positive */
        memcpy(der + n, v + skip, len);
        n += len;
    }
    der[0] = 0x30;
    der[1] = (uint8_t)(n - 2); /* at most 70: the short length form */
    return n;
}

/* 1 = verifies, 0 = does not, -1 = OpenSSL failed for another reason. */
static int verify_with(const iam__jwk *k, iam_str signing_input, const uint8_t *sig, size_t sig_len)
{
    uint8_t der[72];
    const uint8_t *s = sig;
    size_t slen = sig_len;
    EVP_MD_CTX *ctx;
    int rc;

    if (k->alg == IAM_JWT_ES256) {
        if (sig_len != 64)
            return 0;
        slen = es256_der(sig, der);
        s = der;
    } else if ((int)sig_len != EVP_PKEY_get_size(k->pkey)) {
        return 0; /* RFC 8017: the signature is exactly k bytes */
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return -1;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, k->pkey, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return -1;
    }
    rc = EVP_DigestVerify(ctx, s, slen, (const unsigned char *)signing_input.ptr, signing_input.len);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error(); /* a failed verify leaves entries; the queue is per thread */
    return rc == 1 ? 1 : 0;
}

static bool expect_ok(const iam_jwt_expect *e)
{
    if (e == NULL || e->issuer.len == 0 || e->issuer.ptr == NULL || e->n_audiences == 0 ||
        e->audiences == NULL || e->leeway < 0 || e->leeway > JWT_LEEWAY_MAX || e->max_lifetime < 0)
        return false;
    for (size_t i = 0; i < e->n_audiences; i++)
        if (e->audiences[i].len == 0 || e->audiences[i].ptr == NULL)
            return false;
    return true;
}

#define FAIL(st, ...)                                        \
    do {                                                     \
        status = (st);                                       \
        iam__diag_set(diag, "", 0, 0, __VA_ARGS__);          \
        goto done;                                           \
    } while (0)

/* ---- header and key ---------------------------------------------------------- */

/* Checks the header, picks the candidate keys. On OK *alg is set and
 * cand[0..*n_cand) index the keys to try. */
static iam_jwt_status check_header(const iam_jwks *jwks, json_t *hdr, const iam_jwt_expect *expect,
                                   iam_jwt_alg *alg, iam_str *kid, size_t *cand, size_t *n_cand, iam_diag *diag)
{
    iam_jwt_status status = IAM_JWT_OK;
    json_t *a = json_object_get(hdr, "alg"), *k = json_object_get(hdr, "kid"), *typ = json_object_get(hdr, "typ");
    size_t of_alg = 0, last = 0;

    *n_cand = 0;
    *kid = (iam_str){ "", 0 };
    if (!json_is_string(a))
        FAIL(IAM_JWT_MALFORMED, "token header has no string \"alg\"");
    if (str_eq_lit(jstr(a), "RS256"))
        *alg = IAM_JWT_RS256;
    else if (str_eq_lit(jstr(a), "ES256"))
        *alg = IAM_JWT_ES256;
    else
        FAIL(IAM_JWT_BAD_ALG, "token algorithm is not supported (RS256 and ES256 are)");
    if ((expect->algs & (unsigned)*alg) == 0)
        FAIL(IAM_JWT_BAD_ALG, "token algorithm is not allowed for this provider");
    /* crit names extensions we would have to understand (RFC 7515 §4.1.11);
     * we understand none. b64 (RFC 7797) and zip change what is signed. */
    if (json_object_get(hdr, "crit") != NULL || json_object_get(hdr, "b64") != NULL ||
        json_object_get(hdr, "zip") != NULL)
        FAIL(IAM_JWT_MALFORMED, "token header uses an unsupported extension (crit, b64 or zip)");
    if (typ != NULL && !json_is_string(typ))
        FAIL(IAM_JWT_MALFORMED, "token header \"typ\" is not a string");
    if (k != NULL) {
        if (!json_is_string(k) || json_string_length(k) > IAM_JWK_KID_MAX)
            FAIL(IAM_JWT_MALFORMED, "token header \"kid\" is not a string of at most %d bytes",
                 IAM_JWK_KID_MAX);
        *kid = jstr(k);
    }
    for (size_t i = 0; i < jwks->n; i++) {
        const iam__jwk *key = &jwks->keys[i];
        if (key->alg != *alg)
            continue;
        of_alg++;
        last = i;
        if (k != NULL && key->has_kid && iam_str_eq((iam_str){ key->kid, key->kid_len }, *kid))
            cand[(*n_cand)++] = i;
    }
    if (k == NULL) {
        /* Without a kid only an unambiguous set will do: trying every key
         * would let a token pick among keys the provider never meant. */
        if (of_alg != 1)
            FAIL(IAM_JWT_UNKNOWN_KEY, "token has no kid and the key set holds %zu keys for its algorithm",
                 of_alg);
        cand[(*n_cand)++] = last;
    } else if (*n_cand == 0) {
        FAIL(IAM_JWT_UNKNOWN_KEY, "no key of the provider matches the token's kid and algorithm");
    }
done:
    return status;
}

/* ---- claims ----------------------------------------------------------------------- */

static iam_jwt_status check_claims(json_t *claims, const iam_jwt_expect *expect, int64_t now, iam_jwt_claims *out,
                                   iam_diag *diag)
{
    iam_jwt_status status = IAM_JWT_OK;
    json_t *iss = json_object_get(claims, "iss"), *aud = json_object_get(claims, "aud");
    json_t *amr = json_object_get(claims, "amr"), *v;
    const int64_t L = expect->leeway;
    iam_str auds[IAM_JWT_AUDIENCES_MAX];
    size_t n_auds = 0;
    bool matched = false;

    /* Types first: a token with a mistyped claim is malformed whatever its
     * other claims say. */
    if (!json_is_string(iss))
        FAIL(IAM_JWT_MALFORMED, "token has no string \"iss\" claim");
    out->iss = jstr(iss);
    if (json_is_string(aud)) {
        auds[n_auds++] = jstr(aud);
    } else if (json_is_array(aud) && json_array_size(aud) > 0 && json_array_size(aud) <= IAM_JWT_AUDIENCES_MAX) {
        size_t i;
        json_array_foreach(aud, i, v)
        {
            if (!json_is_string(v))
                FAIL(IAM_JWT_MALFORMED, "token \"aud\" array holds a non-string");
            auds[n_auds++] = jstr(v);
        }
    } else {
        FAIL(IAM_JWT_MALFORMED, "token has no \"aud\" claim (a string or 1..%d strings)", IAM_JWT_AUDIENCES_MAX);
    }
    if (!numeric_date(json_object_get(claims, "exp"), &out->exp))
        FAIL(IAM_JWT_MALFORMED, "token has no valid \"exp\" claim");
    if ((v = json_object_get(claims, "nbf")) != NULL) {
        if (!numeric_date(v, &out->nbf))
            FAIL(IAM_JWT_MALFORMED, "token \"nbf\" claim is not a valid NumericDate");
        out->has_nbf = true;
    }
    if ((v = json_object_get(claims, "iat")) != NULL) {
        if (!numeric_date(v, &out->iat))
            FAIL(IAM_JWT_MALFORMED, "token \"iat\" claim is not a valid NumericDate");
        out->has_iat = true;
    }
    if (!opt_claim_str(claims, "sub", &out->sub) || !opt_claim_str(claims, "azp", &out->azp) ||
        !opt_claim_str(claims, "jti", &out->jti))
        FAIL(IAM_JWT_MALFORMED, "token claims sub, azp and jti must be strings");
    if (json_is_string(amr)) {
        out->amr[out->n_amr++] = jstr(amr);
    } else if (json_is_array(amr) && json_array_size(amr) <= IAM_JWT_AMR_MAX) {
        size_t i;
        json_array_foreach(amr, i, v)
        {
            if (!json_is_string(v))
                FAIL(IAM_JWT_MALFORMED, "token \"amr\" array holds a non-string");
            out->amr[out->n_amr++] = jstr(v);
        }
    } else if (amr != NULL) {
        FAIL(IAM_JWT_MALFORMED, "token \"amr\" claim must be a string or at most %d strings", IAM_JWT_AMR_MAX);
    }

    if (!iam_str_eq(out->iss, expect->issuer))
        FAIL(IAM_JWT_WRONG_ISSUER, "Incorrect token issuer");
    for (size_t i = 0; i < n_auds && !matched; i++)
        for (size_t j = 0; j < expect->n_audiences && !matched; j++)
            if (iam_str_eq(auds[i], expect->audiences[j])) {
                out->aud = auds[i];
                matched = true;
            }
    if (!matched)
        FAIL(IAM_JWT_WRONG_AUDIENCE, "Incorrect token audience");
    if (now - L >= out->exp)
        FAIL(IAM_JWT_EXPIRED, "Token expired: current date/time %lld must be before the expiration date/time %lld",
             (long long)now, (long long)out->exp);
    if (out->has_nbf && out->nbf > now + L)
        FAIL(IAM_JWT_NOT_YET_VALID, "Token is not valid yet: current date/time %lld is before the not-before date/time %lld",
             (long long)now, (long long)out->nbf);
    if (out->has_iat && out->iat > now + L)
        FAIL(IAM_JWT_NOT_YET_VALID, "Token was issued in the future (iat %lld, current date/time %lld)",
             (long long)out->iat, (long long)now);
    if (expect->max_lifetime > 0 && out->exp - (out->has_iat ? out->iat : now) > expect->max_lifetime)
        FAIL(IAM_JWT_LIFETIME, "Token lifetime exceeds %lld seconds", (long long)expect->max_lifetime);
    if (expect->require_sub && out->sub.len == 0)
        FAIL(IAM_JWT_MALFORMED, "token has no \"sub\" claim");
done:
    return status;
}

/* ---- verify ------------------------------------------------------------------------ */

iam_jwt_status iam_jwt_verify(const iam_jwks *jwks, iam_str token, const iam_jwt_expect *expect, int64_t now,
                              iam_jwt_claims *out, iam_diag *diag)
{
    iam_jwt_status status = IAM_JWT_OK;
    iam_str seg[3], kid, signing_input;
    json_t *hdr = NULL, *claims = NULL;
    jwt_doc *doc = NULL;
    uint8_t sig[JWT_SIG_MAX];
    size_t cand[IAM_JWKS_KEYS_MAX], n_cand = 0, sig_len = 0;
    iam_jwt_alg alg = IAM_JWT_RS256;
    bool nomem = false, verified = false;

    if (out == NULL)
        return IAM_JWT_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (jwks == NULL || !expect_ok(expect) || (token.ptr == NULL && token.len > 0) || now < 0 ||
        now > JWT_TIME_MAX)
        FAIL(IAM_JWT_INVALID_ARG, "invalid arguments to the JWT verifier");
    if (token.len > IAM_JWT_TOKEN_MAX)
        FAIL(IAM_JWT_TOO_LARGE, "token is longer than %d bytes", IAM_JWT_TOKEN_MAX);
    if (token.len == 0 || !split3(token, seg) || seg[0].len == 0 || seg[1].len == 0)
        FAIL(IAM_JWT_MALFORMED, "token is not a compact JWS of three segments");
    hdr = segment_object(seg[0], &nomem);
    if (hdr == NULL)
        FAIL(nomem ? IAM_JWT_NOMEM : IAM_JWT_MALFORMED, "token header is not base64url of a JSON object");
    status = check_header(jwks, hdr, expect, &alg, &kid, cand, &n_cand, diag);
    if (status != IAM_JWT_OK)
        goto done;
    if (seg[2].len == 0 || seg[2].len > JWT_SIG_MAX / 3 * 4 + 2 ||
        !iam__b64url_decode(seg[2], sig, sizeof sig, &sig_len))
        FAIL(IAM_JWT_BAD_SIGNATURE, "token signature is missing or not base64url");
    signing_input = (iam_str){ token.ptr, seg[0].len + 1 + seg[1].len };
    for (size_t i = 0; i < n_cand && !verified; i++) {
        int rc = verify_with(&jwks->keys[cand[i]], signing_input, sig, sig_len);
        if (rc < 0)
            FAIL(IAM_JWT_INTERNAL, "the signature could not be checked (OpenSSL failure)");
        verified = rc == 1;
    }
    if (!verified)
        FAIL(IAM_JWT_BAD_SIGNATURE, "token signature does not verify");

    claims = segment_object(seg[1], &nomem);
    if (claims == NULL)
        FAIL(nomem ? IAM_JWT_NOMEM : IAM_JWT_MALFORMED, "token payload is not base64url of a JSON object");
    status = check_claims(claims, expect, now, out, diag);
    if (status != IAM_JWT_OK)
        goto done;
    doc = iam__calloc(1, sizeof *doc);
    if (doc == NULL)
        FAIL(IAM_JWT_NOMEM, "out of memory");
    memcpy(doc->kid, kid.ptr, kid.len); /* the header goes; keep its kid */
    doc->claims = claims;
    claims = NULL;
    out->kid = (iam_str){ doc->kid, kid.len };
    out->alg = alg;
    out->doc_ = doc;
done:
    json_decref(hdr);
    json_decref(claims);
    if (status != IAM_JWT_OK)
        memset(out, 0, sizeof *out);
    return status;
}

void iam_jwt_claims_free(iam_jwt_claims *c)
{
    jwt_doc *doc;
    if (c == NULL)
        return;
    doc = c->doc_;
    if (doc != NULL) {
        json_decref(doc->claims);
        iam__free(doc);
    }
    memset(c, 0, sizeof *c);
}

iam_jwt_status iam_jwt_peek_issuer(iam_str token, char *buf, size_t cap, size_t *len)
{
    iam_str seg[3];
    json_t *claims, *iss;
    bool nomem = false;
    iam_jwt_status st = IAM_JWT_MALFORMED;

    if (buf == NULL || cap == 0 || (token.ptr == NULL && token.len > 0))
        return IAM_JWT_INVALID_ARG;
    buf[0] = '\0';
    if (token.len > IAM_JWT_TOKEN_MAX)
        return IAM_JWT_TOO_LARGE;
    if (token.len == 0 || !split3(token, seg))
        return IAM_JWT_MALFORMED;
    claims = segment_object(seg[1], &nomem);
    if (claims == NULL)
        return nomem ? IAM_JWT_NOMEM : IAM_JWT_MALFORMED;
    iss = json_object_get(claims, "iss");
    if (json_is_string(iss) && json_string_length(iss) > 0 && json_string_length(iss) < cap) {
        memcpy(buf, json_string_value(iss), json_string_length(iss));
        buf[json_string_length(iss)] = '\0';
        if (len != NULL)
            *len = json_string_length(iss);
        st = IAM_JWT_OK;
    }
    json_decref(claims);
    return st;
}

/* ---- claims by JSON Pointer ------------------------------------------------------- */

/* Resolves an RFC 6901 pointer; NULL when absent. *bad for a malformed
 * pointer. */
static json_t *resolve(const iam_jwt_claims *c, const char *pointer, bool *bad)
{
    const jwt_doc *doc = c ? c->doc_ : NULL;
    json_t *cur = doc ? doc->claims : NULL;
    const char *p = pointer;
    char key[512];

    *bad = pointer == NULL || (pointer[0] != '\0' && pointer[0] != '/');
    if (*bad || cur == NULL)
        return NULL;
    while (*p == '/' && cur != NULL) {
        size_t n = 0;
        p++;
        for (; *p != '\0' && *p != '/'; p++) {
            char ch = *p;
            if (ch == '~') {
                if (p[1] != '0' && p[1] != '1') {
                    *bad = true;
                    return NULL;
                }
                ch = p[1] == '0' ? '~' : '/';
                p++;
            }
            if (n == sizeof key)
                return NULL; /* longer than any name we could hold: absent */
            key[n++] = ch;
        }
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, key, n);
        } else if (json_is_array(cur)) {
            size_t idx = 0;
            if (n == 0 || n > 9 || (n > 1 && key[0] == '0'))
                return NULL;
            for (size_t i = 0; i < n; i++) {
                if (key[i] < '0' || key[i] > '9')
                    return NULL;
                idx = idx * 10 + (size_t)(key[i] - '0');
            }
            cur = json_array_get(cur, idx);
        } else {
            return NULL;
        }
    }
    return cur;
}

iam_err iam_jwt_claim_string(const iam_jwt_claims *c, const char *pointer, iam_str *out)
{
    bool bad;
    json_t *v = resolve(c, pointer, &bad);
    if (out == NULL || bad)
        return IAM_E_INVALID;
    if (v == NULL)
        return IAM_E_NOTFOUND;
    if (!json_is_string(v))
        return IAM_E_MALFORMED;
    *out = jstr(v);
    return IAM_OK;
}

iam_err iam_jwt_claim_int(const iam_jwt_claims *c, const char *pointer, int64_t *out)
{
    bool bad;
    json_t *v = resolve(c, pointer, &bad);
    if (out == NULL || bad)
        return IAM_E_INVALID;
    if (v == NULL)
        return IAM_E_NOTFOUND;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return IAM_OK;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* 2^63 is exactly representable; anything at or past it is not. */
        if (!isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
            return IAM_E_MALFORMED;
        *out = (int64_t)d;
        return IAM_OK;
    }
    return IAM_E_MALFORMED;
}

iam_err iam_jwt_claim_json(const iam_jwt_claims *c, const char *pointer, char *buf, size_t cap, size_t *len)
{
    bool bad;
    json_t *v = resolve(c, pointer, &bad);
    size_t n;

    if (buf == NULL || cap == 0 || bad)
        return IAM_E_INVALID;
    buf[0] = '\0';
    if (v == NULL)
        return IAM_E_NOTFOUND;
    n = json_dumpb(v, buf, cap, JSON_COMPACT | JSON_ENCODE_ANY);
    if (n == 0)
        return IAM_E_NOMEM;
    if (n >= cap) {
        buf[0] = '\0';
        return IAM_E_LIMIT;
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return IAM_OK;
}

const struct json_t *iam_jwt_claims_object(const iam_jwt_claims *c)
{
    const jwt_doc *doc = c ? c->doc_ : NULL;
    return doc ? doc->claims : NULL;
}

/* ---- statuses ------------------------------------------------------------------------ */

const char *iam_jwt_status_code(iam_jwt_status s)
{
    switch (s) {
    case IAM_JWT_OK: return "";
    case IAM_JWT_EXPIRED: return "ExpiredTokenException";
    case IAM_JWT_MALFORMED:
    case IAM_JWT_TOO_LARGE:
    case IAM_JWT_BAD_ALG:
    case IAM_JWT_UNKNOWN_KEY:
    case IAM_JWT_BAD_SIGNATURE:
    case IAM_JWT_WRONG_ISSUER:
    case IAM_JWT_WRONG_AUDIENCE:
    case IAM_JWT_NOT_YET_VALID:
    case IAM_JWT_LIFETIME: return "InvalidIdentityToken";
    case IAM_JWT_INVALID_ARG:
    case IAM_JWT_NOMEM:
    case IAM_JWT_INTERNAL: break;
    }
    return "InternalFailure";
}

int iam_jwt_status_http(iam_jwt_status s)
{
    if (s == IAM_JWT_OK)
        return 200;
    return strcmp(iam_jwt_status_code(s), "InternalFailure") == 0 ? 500 : 400;
}

const char *iam_jwt_status_str(iam_jwt_status s)
{
    switch (s) {
    case IAM_JWT_OK: return "ok";
    case IAM_JWT_MALFORMED: return "malformed token";
    case IAM_JWT_TOO_LARGE: return "token too large";
    case IAM_JWT_BAD_ALG: return "algorithm not allowed";
    case IAM_JWT_UNKNOWN_KEY: return "no matching key";
    case IAM_JWT_BAD_SIGNATURE: return "signature does not verify";
    case IAM_JWT_WRONG_ISSUER: return "wrong issuer";
    case IAM_JWT_WRONG_AUDIENCE: return "wrong audience";
    case IAM_JWT_EXPIRED: return "token expired";
    case IAM_JWT_NOT_YET_VALID: return "token not valid yet";
    case IAM_JWT_LIFETIME: return "token lifetime too long";
    case IAM_JWT_INVALID_ARG: return "invalid argument";
    case IAM_JWT_NOMEM: return "out of memory";
    case IAM_JWT_INTERNAL: return "internal error";
    }
    return "unknown";
}
