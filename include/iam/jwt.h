/* iam/jwt.h - the one JWT verifier of libiam: compact JWS tokens signed with
 * RS256 or ES256, checked against a JWKS key set. It serves
 * AssumeRoleWithWebIdentity (OIDC ID tokens) and Kubernetes service-account
 * tokens alike. The algorithm is pinned by the caller's expectation and by
 * the key's type: `none`, HS* and anything else are always refused.
 * Ownership: iam_jwks_parse() returns a set freed with iam_jwks_free();
 * iam_jwt_verify() fills claims the caller releases with
 * iam_jwt_claims_free(). Threads: a parsed key set is immutable and may be
 * shared by any number of concurrent verifications. */
#ifndef IAM_JWT_H
#define IAM_JWT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

/* ---- limits ---------------------------------------------------------------- */

#define IAM_JWT_TOKEN_MAX (16 * 1024)   /* bytes of a compact token */
#define IAM_JWKS_DOC_MAX (256 * 1024)   /* bytes of a JWKS document */
#define IAM_JWKS_KEYS_MAX 64            /* entries in "keys" (usable or not) */
#define IAM_JWK_KID_MAX 256             /* bytes of a `kid` */
#define IAM_JWK_RSA_MIN_BITS 2048       /* smaller RSA keys are skipped */
#define IAM_JWK_RSA_MAX_BITS 8192       /* larger RSA keys are skipped */
#define IAM_JWT_AMR_MAX 16              /* entries of `amr` kept */
#define IAM_JWT_AUDIENCES_MAX 64        /* entries of an `aud` array */
#define IAM_JWT_DEFAULT_LEEWAY 60       /* seconds of clock skew */

/* ---- key sets ---------------------------------------------------------------- */

/* Opaque: the usable signature keys of a JWKS document. */
typedef struct iam_jwks iam_jwks;

/* Parses a JWKS document ({"keys":[{kty,kid,use,alg,n,e | crv,x,y}, ...]},
 * `len` bytes, no NUL needed). Keys that cannot verify RS256/ES256 are
 * skipped, not errors: unknown kty or crv, use other than "sig", key_ops
 * without "verify", an alg other than RS256/ES256, RSA moduli outside
 * [IAM_JWK_RSA_MIN_BITS, IAM_JWK_RSA_MAX_BITS], private members ("d").
 * A key of a supported type whose members are wrong (bad base64url, an EC
 * point off the curve, an even or tiny exponent) makes the whole document
 * IAM_E_MALFORMED: a provider that publishes it is broken. A set with no
 * usable key is valid (every token then fails with IAM_JWT_UNKNOWN_KEY).
 * Errors: IAM_E_SYNTAX (not JSON), IAM_E_MALFORMED (not a JWKS, bad key),
 * IAM_E_LIMIT (document or key count or a member too large), IAM_E_NOMEM,
 * IAM_E_CRYPTO (OpenSSL failed to build a key). *out is set on success only;
 * diag may be NULL. */
IAM_API IAM_NODISCARD iam_err iam_jwks_parse(const char *json, size_t len, iam_jwks **out, iam_diag *diag);
/* Frees the set and its keys; NULL is a no-op. */
IAM_API void iam_jwks_free(iam_jwks *jwks);
/* The number of usable keys (skipped entries not counted). */
IAM_API size_t iam_jwks_count(const iam_jwks *jwks);
/* The entries of "keys" that were skipped as unusable (see iam_jwks_parse). */
IAM_API size_t iam_jwks_skipped(const iam_jwks *jwks);

/* ---- verification -------------------------------------------------------------- */

/* Signature algorithms, as a bitmask in iam_jwt_expect.algs. */
typedef enum iam_jwt_alg {
    IAM_JWT_RS256 = 1u << 0, /* RSASSA-PKCS1-v1_5 with SHA-256, kty "RSA" */
    IAM_JWT_ES256 = 1u << 1  /* ECDSA P-256 with SHA-256, kty "EC" crv "P-256" */
} iam_jwt_alg;
#define IAM_JWT_ALGS_ALL (IAM_JWT_RS256 | IAM_JWT_ES256)

/* What a token must satisfy. Strings are borrowed for the call only. */
typedef struct iam_jwt_expect {
    unsigned algs;             /* iam_jwt_alg bits allowed; 0 = none (refuses all) */
    iam_str issuer;            /* `iss` must equal it byte for byte; required */
    const iam_str *audiences;  /* `aud` (string or array) must hold one of them; */
    size_t n_audiences;        /*   at least one required */
    int64_t leeway;            /* seconds of skew for exp/nbf/iat, 0..3600 */
    int64_t max_lifetime;      /* exp - iat (exp - now without iat) at most this
                                  many seconds; 0 = no limit */
    bool require_sub;          /* refuse a token without a non-empty `sub` */
} iam_jwt_expect;

/* An expectation with the defaults filled in: every supported algorithm,
 * leeway IAM_JWT_DEFAULT_LEEWAY, no lifetime limit, `sub` required. */
#define IAM_JWT_EXPECT_INIT(iss, auds, n_auds)                                                     \
    ((iam_jwt_expect){ .algs = IAM_JWT_ALGS_ALL, .issuer = (iss), .audiences = (auds),             \
                       .n_audiences = (n_auds), .leeway = IAM_JWT_DEFAULT_LEEWAY, .max_lifetime = 0, \
                       .require_sub = true })

/* The outcome of a verification; iam_jwt_status_code() names the AWS error
 * AssumeRoleWithWebIdentity answers with. */
typedef enum iam_jwt_status {
    IAM_JWT_OK = 0,
    IAM_JWT_MALFORMED,      /* not a compact JWS of 3 segments, bad base64url, header or claims
                               not a JSON object, a registered claim of the wrong type, `crit`,
                               a required claim (exp, iss, aud, sub) missing */
    IAM_JWT_TOO_LARGE,      /* over IAM_JWT_TOKEN_MAX bytes */
    IAM_JWT_BAD_ALG,        /* alg none, HS*, unsupported, or not allowed by the expectation */
    IAM_JWT_UNKNOWN_KEY,    /* no key of the set matches the kid and the alg */
    IAM_JWT_BAD_SIGNATURE,  /* signature does not verify (or has the wrong length) */
    IAM_JWT_WRONG_ISSUER,   /* `iss` differs from the expectation */
    IAM_JWT_WRONG_AUDIENCE, /* no `aud` entry is expected */
    IAM_JWT_EXPIRED,        /* now >= exp + leeway */
    IAM_JWT_NOT_YET_VALID,  /* nbf or iat later than now + leeway */
    IAM_JWT_LIFETIME,       /* lifetime over max_lifetime */
    IAM_JWT_INVALID_ARG,    /* caller error: NULL set, empty issuer, no audiences, bad leeway */
    IAM_JWT_NOMEM,          /* an allocation failed */
    IAM_JWT_INTERNAL        /* OpenSSL failed in a way the token did not cause */
} iam_jwt_status;

/* The claims of a verified token. Every iam_str points into storage the
 * claims own, valid until iam_jwt_claims_free(); none holds a NUL byte. */
typedef struct iam_jwt_claims {
    iam_jwt_alg alg;           /* the algorithm that verified */
    iam_str kid;               /* the header's kid; empty when absent */
    iam_str iss;
    iam_str sub;               /* empty when absent (and not required) */
    iam_str aud;               /* the `aud` entry that matched the expectation */
    iam_str azp;               /* authorized party; empty when absent */
    iam_str jti;               /* empty when absent */
    int64_t exp;               /* epoch seconds (fractions dropped) */
    int64_t nbf, iat;          /* 0 when absent (has_nbf / has_iat) */
    bool has_nbf, has_iat;
    iam_str amr[IAM_JWT_AMR_MAX]; /* `amr` strings (a lone string counts as one) */
    size_t n_amr;
    void *doc_;                /* private: the parsed claims set */
} iam_jwt_claims;

/* Verifies `token` (compact JWS; surrounding whitespace is not trimmed)
 * against the keys of `jwks` and the expectation `expect` at time `now`
 * (epoch seconds, from iam_clock). Order: shape and size, header (alg
 * pinned to expect->algs; `crit` and `zip` refused; jku/jwk/x5u/x5c never
 * used), key by `kid` (a token with a kid must name a key of the set whose
 * type fits the alg; without a kid the set must hold exactly one key of that
 * type), signature; only then is the payload decoded: every registered
 * claim is type-checked (MALFORMED), then iss, aud, exp, nbf, iat, lifetime
 * and sub are compared, in that order. Reentrant: concurrent calls may
 * share `jwks`. On IAM_JWT_OK *out holds
 * the claims (release with iam_jwt_claims_free); on any other status *out is
 * zeroed and diag (may be NULL) holds a message fit for the AWS reply. */
IAM_API IAM_NODISCARD iam_jwt_status iam_jwt_verify(const iam_jwks *jwks, iam_str token,
                                                    const iam_jwt_expect *expect, int64_t now,
                                                    iam_jwt_claims *out, iam_diag *diag);

/* Releases what iam_jwt_verify stored in `c` and zeroes it; a zeroed (or
 * already freed) struct is a no-op. */
IAM_API void iam_jwt_claims_free(iam_jwt_claims *c);

/* Reads the `iss` claim of a token WITHOUT verifying anything, to pick the
 * provider (and its key set) to verify with. Never trust it otherwise.
 * Writes at most cap - 1 bytes and a NUL into buf; *len (may be NULL) gets
 * the length. Statuses: OK, MALFORMED (no string iss, or it does not fit),
 * TOO_LARGE, NOMEM. */
IAM_API IAM_NODISCARD iam_jwt_status iam_jwt_peek_issuer(iam_str token, char *buf, size_t cap, size_t *len);

/* ---- any other claim --------------------------------------------------------------- */

/* Claims are named by a JSON Pointer (RFC 6901) into the claims set, so
 * names holding dots work: "/kubernetes.io/serviceaccount/name"; "~1" is a
 * '/' and "~0" a '~' inside a name; array entries by index ("/amr/0").
 * A pointer must start with '/'. Borrowed results live as long as `c`. */

/* A string claim. IAM_E_NOTFOUND (absent), IAM_E_MALFORMED (not a string),
 * IAM_E_INVALID (bad pointer). */
IAM_API IAM_NODISCARD iam_err iam_jwt_claim_string(const iam_jwt_claims *c, const char *pointer, iam_str *out);
/* An integer claim (a real is truncated toward zero when it fits int64).
 * IAM_E_NOTFOUND, IAM_E_MALFORMED (not a number or out of range),
 * IAM_E_INVALID. */
IAM_API IAM_NODISCARD iam_err iam_jwt_claim_int(const iam_jwt_claims *c, const char *pointer, int64_t *out);
/* Any claim as compact JSON text (objects keep their order) written into
 * buf (cap bytes, NUL-terminated); *len (may be NULL) gets its length.
 * IAM_E_NOTFOUND, IAM_E_LIMIT (does not fit; buf is then ""), IAM_E_INVALID,
 * IAM_E_NOMEM. The pointer "" (empty) names the whole claims set. */
IAM_API IAM_NODISCARD iam_err iam_jwt_claim_json(const iam_jwt_claims *c, const char *pointer, char *buf,
                                                 size_t cap, size_t *len);
/* The claims set as a jansson object (json_t *), borrowed: for code that
 * links jansson itself and needs to walk claims. NULL for empty claims. */
struct json_t;
IAM_API const struct json_t *iam_jwt_claims_object(const iam_jwt_claims *c);

/* ---- errors -------------------------------------------------------------------- */

/* The AWS error code AssumeRoleWithWebIdentity answers with:
 * "ExpiredTokenException" for IAM_JWT_EXPIRED, "InvalidIdentityToken" for
 * every other token failure, "InternalFailure" for NOMEM/INTERNAL/
 * INVALID_ARG, "" for OK. (IDPRejectedClaim is the caller's answer when the
 * trust policy or provider configuration rejects valid claims.) */
IAM_API const char *iam_jwt_status_code(iam_jwt_status s);
/* 400 for token failures, 500 for NOMEM/INTERNAL/INVALID_ARG, 200 for OK. */
IAM_API int iam_jwt_status_http(iam_jwt_status s);
/* A short constant English name ("signature does not verify"). */
IAM_API const char *iam_jwt_status_str(iam_jwt_status s);

#endif /* IAM_JWT_H */
