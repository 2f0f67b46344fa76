/* session.c - STS session tokens: the binary session record, its sealing
 * into a base64 token, the server-side overflow for large policies and tag
 * sets, and the temporary secret derived from the access key id. Tokens
 * open on any node with the master key; nothing here touches the store or
 * the clock. Budget and API: iam/session.h; record format: below. */
#include <string.h>

#include "auth/auth_int.h"
#include "common/common_int.h"
#include "crypto/crypto_int.h"
#include "iam/session.h"

/* Record format (IAM__SESSION_FORMAT = 1): a version byte, then fields in
 * ascending field-number order, each `field (1 byte) | length (varint) |
 * value`. Varints are unsigned LEB128, minimal, at most 9 bytes (63 bits).
 * An integer field holds one varint filling exactly its length. Empty
 * strings, a zero mfa_time and zero flags are omitted; kind, account,
 * principal id, issued and expires are always present. Policy ARNs and tags
 * repeat (one field each); a tag is `flags varint (1 = transitive) | key
 * length varint | key | value`. A token record carries either the ref or
 * the spilled fields (16 and up), never both; an overflow is the version
 * byte followed by spilled fields only. Each session has exactly one
 * encoding: the decoder refuses anything the encoder would not write, so
 * pack(unpack(r)) == r, which the fuzz target checks. Lengths on the wire
 * are never trusted: every one is checked against what is left and against
 * the field's limit before use. */
enum {
    F_KIND = 1,
    F_ACCOUNT = 2,
    F_PRINCIPAL = 3,
    F_NAME = 4,
    F_SOURCE = 5,
    F_ISSUED = 6,
    F_EXPIRES = 7,
    F_MFA = 8,
    F_FLAGS = 9,
    F_REF = 10,
    F_SPILL = 16, /* the first field that may go to the overflow */
    F_PROVIDER = 16,
    F_SUBJECT = 17,
    F_POLICY = 18,
    F_POLICY_ARN = 19,
    F_TAG = 20,
};
#define FLAG_CHAINED 1u
#define VARINT_MAX 9
#define ACCESS_KEY_ID_MAX 128

static const char token_purpose[] = "session-token";
static const char secret_purpose[] = "session-secret";

/* Worst-case sizes, so that the fixed buffers below provably suffice. */
#define VLEN(n) ((n) < 128 ? 1 : (n) < 16384 ? 2 : 3)
#define FIELD_MAX(n) (1 + VLEN(n) + (n))
#define CORE_MAX                                                                                                 \
    (1 + FIELD_MAX(1) + FIELD_MAX(12) + FIELD_MAX(IAM_SESSION_PRINCIPAL_ID_MAX) + FIELD_MAX(IAM_SESSION_NAME_MAX) + \
     FIELD_MAX(IAM_SESSION_SOURCE_IDENTITY_MAX) + 3 * FIELD_MAX(VARINT_MAX) + FIELD_MAX(1) +                      \
     FIELD_MAX(IAM_SESSION_REF_LEN))
#define TAG_ENTRY_MAX (1 + VLEN(IAM_SESSION_TAG_KEY_MAX) + IAM_SESSION_TAG_KEY_MAX + IAM_SESSION_TAG_VALUE_MAX)
#define OVERFLOW_WORST                                                                                     \
    (1 + FIELD_MAX(IAM_SESSION_PROVIDER_MAX) + FIELD_MAX(IAM_SESSION_SUBJECT_MAX) +                          \
     FIELD_MAX(IAM_SESSION_POLICY_MAX) + IAM_SESSION_POLICY_ARNS_MAX * FIELD_MAX(IAM_SESSION_POLICY_ARN_MAX) + \
     IAM_SESSION_MAX_TAGS * FIELD_MAX(TAG_ENTRY_MAX))
#define B64_LEN(n) (((n) + 2) / 3 * 4 + 1)
_Static_assert(CORE_MAX <= IAM__SESSION_RECORD_MAX, "a spilled record must fit the inline budget");
_Static_assert(OVERFLOW_WORST <= IAM_SESSION_OVERFLOW_MAX, "IAM_SESSION_OVERFLOW_MAX too small");
_Static_assert(B64_LEN(IAM__SESSION_RECORD_MAX + IAM_SEAL_OVERHEAD) <= IAM_SESSION_TOKEN_MAX,
               "IAM_SESSION_TOKEN_MAX too small");
_Static_assert(IAM_SECRET_KEY_LEN == 40, "the secret is the base64 of 30 MAC bytes");

/* ---- validation ----------------------------------------------------------- */

static bool str_ok(iam_str s, size_t min, size_t max)
{
    return s.len >= min && s.len <= max && (s.ptr != NULL || s.len == 0);
}

/* Exactly IAM_SESSION_REF_LEN lower-case hex digits (one spelling). */
static bool ref_hex(const char *p, size_t n)
{
    if (n != IAM_SESSION_REF_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

/* The ref of a session: "" or a valid hex id. */
static bool ref_ok(const char ref[IAM_SESSION_REF_LEN + 1])
{
    size_t n = strnlen(ref, IAM_SESSION_REF_LEN + 1);
    return n == 0 || ref_hex(ref, n);
}

static bool core_valid(const iam_session *s)
{
    int kind = (int)s->kind;

    if (kind < IAM_SESSION_ASSUMED_ROLE || kind > IAM_SESSION_ROOT || !str_ok(s->account, 12, 12))
        return false;
    for (size_t i = 0; i < 12; i++)
        if (s->account.ptr[i] < '0' || s->account.ptr[i] > '9')
            return false;
    return str_ok(s->principal_id, 1, IAM_SESSION_PRINCIPAL_ID_MAX) &&
           str_ok(s->session_name, 0, IAM_SESSION_NAME_MAX) &&
           str_ok(s->source_identity, 0, IAM_SESSION_SOURCE_IDENTITY_MAX) && s->issued >= 0 &&
           s->expires >= s->issued && s->mfa_time >= 0;
}

static bool spill_valid(const iam_session *s)
{
    if (!str_ok(s->web_identity_provider, 0, IAM_SESSION_PROVIDER_MAX) ||
        !str_ok(s->web_identity_subject, 0, IAM_SESSION_SUBJECT_MAX) ||
        !str_ok(s->policy, 0, IAM_SESSION_POLICY_MAX) || s->n_policy_arns > IAM_SESSION_POLICY_ARNS_MAX ||
        s->n_tags > IAM_SESSION_MAX_TAGS)
        return false;
    for (size_t i = 0; i < s->n_policy_arns; i++)
        if (!str_ok(s->policy_arns[i], 1, IAM_SESSION_POLICY_ARN_MAX))
            return false;
    for (size_t i = 0; i < s->n_tags; i++) {
        if (!str_ok(s->tags[i].key, 1, IAM_SESSION_TAG_KEY_MAX) ||
            !str_ok(s->tags[i].value, 0, IAM_SESSION_TAG_VALUE_MAX))
            return false;
        /* AWS compares tag keys ignoring case; two spellings of one key
         * would make aws:PrincipalTag/<key> ambiguous. 50 x 50 is cheap. */
        for (size_t j = 0; j < i; j++)
            if (iam__str_eq_nocase(s->tags[i].key, s->tags[j].key))
                return false;
    }
    return true;
}

static bool session_valid(const iam_session *s)
{
    return core_valid(s) && spill_valid(s) && ref_ok(s->ref);
}

/* ---- writer --------------------------------------------------------------- */

/* Writes up to cap and counts past it: p == NULL measures. */
typedef struct wbuf {
    uint8_t *p;
    size_t cap, len;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->p != NULL && n > 0 && n <= w->cap && w->len <= w->cap - n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static size_t varint(uint8_t out[VARINT_MAX + 1], uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v != 0);
    return n;
}

static void put_varint(wbuf *w, uint64_t v)
{
    uint8_t b[VARINT_MAX + 1];
    put(w, b, varint(b, v));
}

static void put_field(wbuf *w, unsigned f, const void *val, size_t n)
{
    uint8_t t = (uint8_t)f;
    put(w, &t, 1);
    put_varint(w, n);
    put(w, val, n);
}

static void put_str(wbuf *w, unsigned f, iam_str s)
{
    if (s.len > 0)
        put_field(w, f, s.ptr, s.len);
}

static void put_uint(wbuf *w, unsigned f, uint64_t v)
{
    uint8_t b[VARINT_MAX + 1];
    put_field(w, f, b, varint(b, v));
}

static void put_version(wbuf *w)
{
    uint8_t v = IAM__SESSION_FORMAT;
    put(w, &v, 1);
}

/* Fields 1..10; `ref` "" or 32 hex chars. */
static void pack_core(wbuf *w, const iam_session *s, const char *ref)
{
    put_uint(w, F_KIND, (uint64_t)s->kind);
    put_str(w, F_ACCOUNT, s->account);
    put_str(w, F_PRINCIPAL, s->principal_id);
    put_str(w, F_NAME, s->session_name);
    put_str(w, F_SOURCE, s->source_identity);
    put_uint(w, F_ISSUED, (uint64_t)s->issued);
    put_uint(w, F_EXPIRES, (uint64_t)s->expires);
    if (s->mfa_time != 0)
        put_uint(w, F_MFA, (uint64_t)s->mfa_time);
    if (s->chained)
        put_uint(w, F_FLAGS, FLAG_CHAINED);
    put_str(w, F_REF, iam_str_from_cstr(ref));
}

/* Fields 16..20, the part that may spill; without the web identity
 * fields, this is what PackedPolicySize measures. */
static void pack_spill(wbuf *w, const iam_session *s, bool identity, size_t n_arns, size_t n_tags)
{
    if (identity) {
        put_str(w, F_PROVIDER, s->web_identity_provider);
        put_str(w, F_SUBJECT, s->web_identity_subject);
    }
    put_str(w, F_POLICY, s->policy);
    for (size_t i = 0; i < n_arns; i++)
        put_str(w, F_POLICY_ARN, s->policy_arns[i]);
    for (size_t i = 0; i < n_tags; i++) {
        const iam_session_tag *t = &s->tags[i];
        uint8_t hdr[1 + VARINT_MAX + 1], f = F_TAG;
        size_t h = 0;
        hdr[h++] = t->transitive ? 1 : 0;
        h += varint(hdr + h, t->key.len);
        put(w, &f, 1);
        put_varint(w, h + t->key.len + t->value.len);
        put(w, hdr, h);
        put(w, t->key.ptr, t->key.len);
        put(w, t->value.ptr, t->value.len);
    }
}

static iam_err finish(const wbuf *w, size_t *len)
{
    if (w->p != NULL && w->len > w->cap)
        return IAM_E_LIMIT;
    *len = w->len;
    return IAM_OK;
}

iam_err iam__session_pack(const iam_session *s, uint8_t *out, size_t cap, size_t *len)
{
    wbuf w = { out, out ? cap : 0, 0 };

    if (s == NULL || len == NULL || !session_valid(s))
        return IAM_E_INVALID;
    put_version(&w);
    pack_core(&w, s, s->ref);
    if (s->ref[0] == '\0')
        pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
    return finish(&w, len);
}

iam_err iam__session_pack_overflow(const iam_session *s, uint8_t *out, size_t cap, size_t *len)
{
    wbuf w = { out, out ? cap : 0, 0 };

    if (s == NULL || len == NULL || !spill_valid(s))
        return IAM_E_INVALID;
    put_version(&w);
    pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
    return finish(&w, len);
}

size_t iam_session_packed_percent(const iam_session *s)
{
    wbuf w = { NULL, 0, 0 };
    size_t n_arns, n_tags, pct;

    if (s == NULL)
        return 0;
    /* Counts beyond the arrays are never read; such a session is over the
     * limit whatever its bytes. */
    n_arns = s->n_policy_arns < IAM_SESSION_POLICY_ARNS_MAX ? s->n_policy_arns : IAM_SESSION_POLICY_ARNS_MAX;
    n_tags = s->n_tags < IAM_SESSION_MAX_TAGS ? s->n_tags : IAM_SESSION_MAX_TAGS;
    pack_spill(&w, s, false, n_arns, n_tags);
    pct = (w.len * 100 + IAM_SESSION_PACKED_LIMIT - 1) / IAM_SESSION_PACKED_LIMIT;
    if ((s->n_policy_arns > IAM_SESSION_POLICY_ARNS_MAX || s->n_tags > IAM_SESSION_MAX_TAGS) && pct <= 100)
        pct = 101;
    return pct;
}

/* ---- reader --------------------------------------------------------------- */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, off;
} rbuf;

/* Minimal LEB128 of at most 63 bits, so every value fits an int64_t. */
static bool get_varint(rbuf *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < VARINT_MAX; i++) {
        if (r->off >= r->n)
            return false;
        uint8_t b = r->p[r->off++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            if (b == 0 && i > 0)
                return false; /* a trailing zero group: not minimal */
            *out = v;
            return true;
        }
    }
    return false;
}

static bool val_uint(const uint8_t *v, size_t n, uint64_t *out)
{
    rbuf r = { v, n, 0 };
    return get_varint(&r, out) && r.off == n;
}

static bool get_tag(const uint8_t *v, size_t n, iam_session_tag *t)
{
    rbuf r = { v, n, 0 };
    uint64_t flags, klen;

    if (!get_varint(&r, &flags) || flags > 1 || !get_varint(&r, &klen) || klen > n - r.off)
        return false;
    t->transitive = flags == 1;
    t->key = (iam_str){ (const char *)v + r.off, (size_t)klen };
    t->value = (iam_str){ (const char *)v + r.off + klen, n - r.off - (size_t)klen };
    return true;
}

/* Parses the fields of a record (overflow: spilled fields only) into *t,
 * which the caller zeroed. Limits are checked by the callers' *_valid. */
static bool unpack_fields(const uint8_t *p, size_t n, bool overflow, iam_session *t)
{
    rbuf r = { p, n, 1 };
    unsigned prev = 0;
    uint32_t seen = 0;

    if (p == NULL || n < 1 || p[0] != IAM__SESSION_FORMAT)
        return false;
    while (r.off < n) {
        unsigned f = p[r.off++];
        uint64_t len, u;

        if (!get_varint(&r, &len) || len > r.n - r.off)
            return false;
        const uint8_t *v = p + r.off;
        size_t vn = (size_t)len;
        iam_str sv = { (const char *)v, vn };
        r.off += vn;
        /* Ascending order, repeats only where allowed: this is also what
         * rejects a second kind, account, policy, ... */
        if (f < prev || (f == prev && f != F_POLICY_ARN && f != F_TAG) || (overflow && f < F_SPILL))
            return false;
        prev = f;
        switch (f) {
        case F_KIND:
            if (!val_uint(v, vn, &u) || u < IAM_SESSION_ASSUMED_ROLE || u > IAM_SESSION_ROOT)
                return false;
            t->kind = (iam_session_kind)u;
            break;
        case F_ISSUED:
        case F_EXPIRES:
        case F_MFA:
            if (!val_uint(v, vn, &u) || (f == F_MFA && u == 0))
                return false;
            *(f == F_ISSUED ? &t->issued : f == F_EXPIRES ? &t->expires : &t->mfa_time) = (int64_t)u;
            break;
        case F_FLAGS:
            if (!val_uint(v, vn, &u) || u != FLAG_CHAINED)
                return false;
            t->chained = true;
            break;
        case F_REF:
            /* checked on the bytes: a NUL inside must not pass as "" */
            if (!ref_hex((const char *)v, vn))
                return false;
            memcpy(t->ref, v, vn);
            t->ref[vn] = '\0';
            break;
        case F_ACCOUNT:
        case F_PRINCIPAL:
        case F_NAME:
        case F_SOURCE:
        case F_PROVIDER:
        case F_SUBJECT:
        case F_POLICY:
            if (vn == 0)
                return false; /* the encoder omits empty strings */
            *(f == F_ACCOUNT     ? &t->account
              : f == F_PRINCIPAL ? &t->principal_id
              : f == F_NAME      ? &t->session_name
              : f == F_SOURCE    ? &t->source_identity
              : f == F_PROVIDER  ? &t->web_identity_provider
              : f == F_SUBJECT   ? &t->web_identity_subject
                                 : &t->policy) = sv;
            break;
        case F_POLICY_ARN:
            if (t->n_policy_arns >= IAM_SESSION_POLICY_ARNS_MAX)
                return false;
            t->policy_arns[t->n_policy_arns++] = sv;
            break;
        case F_TAG:
            if (t->n_tags >= IAM_SESSION_MAX_TAGS || !get_tag(v, vn, &t->tags[t->n_tags]))
                return false;
            t->n_tags++;
            break;
        default:
            return false; /* unknown field: a newer format or garbage */
        }
        seen |= 1u << f;
    }
    if (overflow)
        return true;
    const uint32_t required = 1u << F_KIND | 1u << F_ACCOUNT | 1u << F_PRINCIPAL | 1u << F_ISSUED | 1u << F_EXPIRES;
    if ((seen & required) != required)
        return false;
    /* with a ref, the spilled fields live in the overflow only */
    return !((seen & 1u << F_REF) && (seen >> F_SPILL) != 0);
}

iam_err iam__session_unpack(const uint8_t *p, size_t n, iam_session *s)
{
    iam_session t;

    if (s == NULL || (p == NULL && n > 0))
        return IAM_E_INVALID;
    memset(&t, 0, sizeof t);
    if (!unpack_fields(p, n, false, &t) || !session_valid(&t))
        return IAM_E_MALFORMED;
    *s = t;
    return IAM_OK;
}

iam_err iam_session_decode_overflow(iam_str overflow, iam_session *s)
{
    iam_session sp, t;

    if (s == NULL || (overflow.ptr == NULL && overflow.len > 0) || s->ref[0] == '\0')
        return IAM_E_INVALID;
    memset(&sp, 0, sizeof sp);
    if (!unpack_fields((const uint8_t *)overflow.ptr, overflow.len, true, &sp))
        return IAM_E_MALFORMED;
    t = *s;
    t.web_identity_provider = sp.web_identity_provider;
    t.web_identity_subject = sp.web_identity_subject;
    t.policy = sp.policy;
    memcpy(t.policy_arns, sp.policy_arns, sizeof t.policy_arns);
    t.n_policy_arns = sp.n_policy_arns;
    memcpy(t.tags, sp.tags, sizeof t.tags);
    t.n_tags = sp.n_tags;
    if (!session_valid(&t))
        return IAM_E_MALFORMED;
    *s = t;
    return IAM_OK;
}

/* ---- tokens --------------------------------------------------------------- */

static bool key_id_ok(iam_str id)
{
    return id.ptr != NULL && id.len > 0 && id.len <= ACCESS_KEY_ID_MAX;
}

iam_err iam_session_encode(const iam_keyring *kr, iam_str access_key_id, iam_session *s,
                           char token[IAM_SESSION_TOKEN_MAX], uint8_t *overflow, size_t overflow_cap,
                           size_t *overflow_len)
{
    uint8_t rec[IAM__SESSION_RECORD_MAX], sealed[IAM__SESSION_RECORD_MAX + IAM_SEAL_OVERHEAD], rnd[16];
    char ref[IAM_SESSION_REF_LEN + 1] = "";
    size_t ovl = 0, slen = 0;
    wbuf w = { NULL, 0, 0 };
    iam_err err;

    if (kr == NULL || s == NULL || token == NULL || overflow_len == NULL || !key_id_ok(access_key_id) ||
        !core_valid(s) || !spill_valid(s))
        return IAM_E_INVALID;
    /* Everything inline if it fits the budget, else spill the big part. */
    put_version(&w);
    pack_core(&w, s, "");
    pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
    if (w.len > IAM__SESSION_RECORD_MAX) {
        w = (wbuf){ NULL, 0, 0 };
        put_version(&w);
        pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
        ovl = w.len;
        if (overflow == NULL || ovl > overflow_cap)
            return IAM_E_LIMIT;
        if (iam_random_bytes(rnd, sizeof rnd) != IAM_OK)
            return IAM_E_CRYPTO;
        iam_hex_encode(rnd, sizeof rnd, ref);
    }
    /* CORE_MAX <= the budget (static assert), so this always fits. */
    w = (wbuf){ rec, sizeof rec, 0 };
    put_version(&w);
    pack_core(&w, s, ref);
    if (ref[0] == '\0')
        pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
    err = iam_seal(kr, token_purpose, access_key_id, rec, w.len, sealed, &slen);
    iam_wipe(rec, sizeof rec);
    if (err != IAM_OK)
        return IAM_E_CRYPTO;
    iam_b64_encode(sealed, slen, token);
    if (ovl > 0) {
        w = (wbuf){ overflow, overflow_cap, 0 };
        put_version(&w);
        pack_spill(&w, s, true, s->n_policy_arns, s->n_tags);
    }
    memcpy(s->ref, ref, sizeof ref);
    *overflow_len = ovl;
    return IAM_OK;
}

iam_err iam_session_decode(const iam_keyring *kr, iam_str access_key_id, iam_str token, uint8_t *buf,
                           size_t buf_cap, iam_session *s)
{
    uint8_t sealed[IAM_SESSION_TOKEN_MAX / 4 * 3];
    size_t slen = 0, plen = 0;
    iam_session t;

    if (kr == NULL || buf == NULL || buf_cap < IAM_SESSION_TOKEN_MAX || s == NULL ||
        (access_key_id.ptr == NULL && access_key_id.len > 0))
        return IAM_E_INVALID;
    /* Whatever is wrong with a presented token, the answer is the same:
     * it is not one of ours (InvalidClientTokenId). */
    if (token.ptr == NULL || token.len == 0 || token.len >= IAM_SESSION_TOKEN_MAX ||
        iam_b64_decode(token, sealed, sizeof sealed, &slen) != IAM_OK)
        return IAM_E_CRYPTO;
    /* GCM authenticates the record, the purpose and the key id together:
     * a token replayed with another key id fails here. */
    if (iam_unseal(kr, token_purpose, access_key_id, sealed, slen, buf, &plen) != IAM_OK)
        return IAM_E_CRYPTO;
    if (iam__session_unpack(buf, plen, &t) != IAM_OK) {
        iam_wipe(buf, plen);
        return IAM_E_CRYPTO;
    }
    *s = t;
    return IAM_OK;
}

iam_err iam_session_secret(const iam_keyring *kr, iam_str access_key_id, iam_str token,
                           char out[IAM_SECRET_KEY_LEN + 1])
{
    uint8_t key[32], mac[32];
    char msg[64 + IAM_SESSION_TOKEN_MAX];

    if (kr == NULL || out == NULL || !key_id_ok(access_key_id) || token.ptr == NULL || token.len == 0 ||
        token.len >= IAM_SESSION_TOKEN_MAX || access_key_id.len > 63)
        return IAM_E_INVALID;
    /* Epoch 0 always: an HMAC key has no usage limit to rotate away from,
     * and a session's secret must not change while the session lives. */
    if (iam__keyring_key(kr, secret_purpose, 0, key) != IAM_OK)
        return IAM_E_INVALID;
    /* key id, a separator that occurs in neither, then the token */
    memcpy(msg, access_key_id.ptr, access_key_id.len);
    msg[access_key_id.len] = '\n';
    memcpy(msg + access_key_id.len + 1, token.ptr, token.len);
    iam_hmac_sha256(key, sizeof key, msg, access_key_id.len + 1 + token.len, mac);
    /* 30 bytes are exactly 40 base64 characters (240 bits, no padding):
     * the alphabet and length of a long-term secret access key. */
    iam_b64_encode(mac, 30, out);
    iam_wipe(key, sizeof key);
    iam_wipe(mac, sizeof mac);
    return IAM_OK;
}
