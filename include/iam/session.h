/* iam/session.h - STS sessions: temporary credentials as sealed tokens.
 * A session (AssumeRole, GetSessionToken, AssumeRoleWithWebIdentity) is
 * carried by its session token: a compact binary record sealed with
 * AES-256-GCM under the master keyring (purpose "session-token", the ASIA
 * access key id as associated data), base64-encoded. Its temporary secret
 * access key is derived from the keyring and the access key id, so any node
 * holding the master key verifies a request signed with temporary
 * credentials without a store lookup (DESIGN.md §2). A session whose policy
 * and tags would make the token too large (an `aws eks get-token` token
 * must stay under 4,096 bytes) keeps them server-side: the token then
 * carries a reference id, and the caller stores the overflow under it.
 * Budget: everything stays inline while the record is at most
 * IAM_SESSION_INLINE_MAX bytes (a token of at most 980 characters, about
 * AWS's size); beyond that policy, policy ARNs, tags and the web identity
 * fields go to the overflow and the token stays within 512 characters.
 * Ownership: plain value types; the encoder writes into caller buffers.
 * Threads: all functions are reentrant; the keyring is thread-safe. */
#ifndef IAM_SESSION_H
#define IAM_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/crypto.h"
#include "iam/err.h"
#include "iam/str.h"

typedef enum iam_session_kind {
    IAM_SESSION_ASSUMED_ROLE = 1, /* AssumeRole / AssumeRoleWithWebIdentity */
    IAM_SESSION_USER,             /* GetSessionToken by an IAM user */
    IAM_SESSION_ROOT              /* GetSessionToken by the account root */
} iam_session_kind;

#define IAM_SESSION_MAX_TAGS 50
#define IAM_SESSION_TAG_KEY_MAX 128
#define IAM_SESSION_TAG_VALUE_MAX 256
#define IAM_SESSION_NAME_MAX 64
#define IAM_SESSION_POLICY_MAX 2048    /* inline session policy, characters */
#define IAM_SESSION_POLICY_ARNS_MAX 10
#define IAM_SESSION_POLICY_ARN_MAX 2048 /* each ARN in PolicyArns */
#define IAM_SESSION_REF_LEN 32         /* hex id of server-side overflow */
#define IAM_SESSION_PRINCIPAL_ID_MAX 128
#define IAM_SESSION_SOURCE_IDENTITY_MAX 64
#define IAM_SESSION_PROVIDER_MAX 2048  /* web identity provider ARN */
#define IAM_SESSION_SUBJECT_MAX 1024   /* web identity `sub` */
/* The largest record kept inline in a token, bytes. */
#define IAM_SESSION_INLINE_MAX 700
/* The largest overflow iam_session_encode writes (a session with every
 * field at its limit fits): a buffer this big never gives IAM_E_LIMIT. */
#define IAM_SESSION_OVERFLOW_MAX 47104
/* The packed-size limit iam_session_packed_percent measures against:
 * inline budget + overflow budget. */
#define IAM_SESSION_PACKED_LIMIT (IAM_SESSION_INLINE_MAX + IAM_SESSION_OVERFLOW_MAX)
/* The largest token iam_session_encode produces (base64 text, NUL incl.). */
#define IAM_SESSION_TOKEN_MAX 2048

typedef struct iam_session_tag {
    iam_str key, value;
    bool transitive;                   /* TransitiveTagKeys: survives role chaining */
} iam_session_tag;

/* Everything a session carries. Strings are borrowed slices: after
 * iam_session_decode they point into the decoder's buffer (after
 * iam_session_decode_overflow, the spilled ones into the overflow).
 * Valid session (else IAM_E_INVALID from the encoder): kind set; account
 * exactly 12 digits; principal_id 1..IAM_SESSION_PRINCIPAL_ID_MAX bytes;
 * other strings within their *_MAX (bytes); 0 <= issued <= expires,
 * mfa_time >= 0; policy ARNs non-empty; tag keys non-empty and distinct
 * ignoring ASCII case (as AWS compares them); counts within their *_MAX. */
typedef struct iam_session {
    iam_session_kind kind;
    iam_str account;                   /* 12 digits: the role's (or user's) account */
    iam_str principal_id;              /* role id AROA..., user id AIDA..., or the account id for root */
    iam_str session_name;              /* RoleSessionName; empty for GetSessionToken */
    iam_str source_identity;           /* empty = none */
    int64_t issued;                    /* epoch seconds (aws:TokenIssueTime) */
    int64_t expires;                   /* epoch seconds */
    int64_t mfa_time;                  /* when MFA was proven; 0 = no MFA */
    bool chained;                      /* issued to a role session (1 hour cap) */
    /* Inline when small, else in server-side overflow named by `ref`:
     * the web identity fields, policy, policy ARNs and tags. */
    iam_str web_identity_provider;     /* OIDC provider ARN for web identity, else empty */
    iam_str web_identity_subject;      /* its `sub` */
    iam_str policy;                    /* session policy JSON; empty = none */
    iam_str policy_arns[IAM_SESSION_POLICY_ARNS_MAX];
    size_t n_policy_arns;
    iam_session_tag tags[IAM_SESSION_MAX_TAGS];
    size_t n_tags;
    char ref[IAM_SESSION_REF_LEN + 1]; /* "" = everything is inline */
} iam_session;

/* The serialized policy + policy ARNs + tags, as the overflow stores them
 * and as AWS's PackedPolicySize measures them: the percentage of the
 * packed-size limit used (AWS reports it in AssumeRole replies), rounded
 * up: 0 with none of them, 1..100 for a valid session (the limit is
 * IAM_SESSION_PACKED_LIMIT, which a valid session never exceeds), more
 * than 100 when counts exceed their limits. NULL gives 0. */
IAM_API size_t iam_session_packed_percent(const iam_session *s);

/* Seals `s` into a token. When policy + tags exceed what a token may carry
 * inline, fills s->ref with a new random id and writes the overflow (an
 * opaque byte string) into `overflow` (caller's buffer of overflow_cap
 * bytes, *overflow_len set; 0 when everything fitted): the caller stores it
 * under s->ref with the session's expiry. `access_key_id` is the new ASIA id
 * (iam_id_new("ASIA"); 1..128 bytes). s->ref on input is ignored; it and
 * the outputs change only on success. Errors: IAM_E_LIMIT when even the
 * overflow does not fit (overflow_cap < what is needed; an overflow buffer
 * of IAM_SESSION_OVERFLOW_MAX bytes always suffices), IAM_E_INVALID for
 * fields over their limits (see iam_session), IAM_E_CRYPTO when the random
 * generator or the cipher fails. */
IAM_API IAM_NODISCARD iam_err iam_session_encode(const iam_keyring *kr, iam_str access_key_id, iam_session *s,
                                                 char token[IAM_SESSION_TOKEN_MAX], uint8_t *overflow,
                                                 size_t overflow_cap, size_t *overflow_len);

/* Opens a token presented with `access_key_id` (X-Amz-Security-Token).
 * IAM_E_CRYPTO for a tampered, foreign or malformed token or one presented
 * with another key id (the caller answers InvalidClientTokenId); expiry is
 * NOT checked here (the caller compares s->expires with its clock to answer
 * ExpiredToken). Slices in *s point into `buf` (caller's buffer of
 * buf_cap >= IAM_SESSION_TOKEN_MAX bytes, else IAM_E_INVALID), which holds
 * the plaintext record on success and nothing on failure. When s->ref is
 * set, the caller loads the overflow and completes *s with
 * iam_session_decode_overflow.
 * iam_session_decode_overflow: parses an overflow (kept by the caller as
 * long as *s is used) into the spilled fields of *s, whose ref must be set
 * (else IAM_E_INVALID). IAM_E_MALFORMED when it is not a valid overflow or
 * the completed session would not be valid; *s is unchanged on failure. */
IAM_API IAM_NODISCARD iam_err iam_session_decode(const iam_keyring *kr, iam_str access_key_id, iam_str token,
                                                 uint8_t *buf, size_t buf_cap, iam_session *s);
IAM_API IAM_NODISCARD iam_err iam_session_decode_overflow(iam_str overflow, iam_session *s);

/* The temporary secret access key of a session: 40 characters of the
 * secret-key alphabet, HMAC-SHA256 of the access key id and the session's
 * token under the keyring's key for purpose "session-secret" (epoch 0
 * whatever the current epoch, so a live session keeps its secret across an
 * epoch rotation). The token takes part because key ids are short (an ASIA
 * id carries its account, leaving 40 random bits) while every token holds
 * its own random GCM nonce: two sessions never share a secret even when
 * their key ids collide. The same (master key, key id, token) always gives
 * the same secret. IAM_E_INVALID for a NULL keyring, an empty key id or
 * token; `out` is set on success only. */
IAM_API IAM_NODISCARD iam_err iam_session_secret(const iam_keyring *kr, iam_str access_key_id, iam_str token,
                                                 char out[IAM_SECRET_KEY_LEN + 1]);

#endif /* IAM_SESSION_H */
