/* test_session.c - lib/auth/session.c: STS session tokens. Round trips of
 * every field (0/1/50 tags, policy inline and in the overflow), tampering,
 * wrong key id / master key / purpose, field limits, the strict record
 * parser, derived secrets, PackedPolicySize, and token sizes (the largest
 * session, and an `aws eks get-token` token built around it). Also checks
 * the fuzz seeds in fuzz/corpus/session_token still open, and regenerates
 * them when IAM_GEN_SESSION_CORPUS names a directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "iam/crypto.h"
#include "iam/form.h"
#include "iam/session.h"

/* The fuzz target's fixed keyring and key id (fuzz/fuzz_session_token.c):
 * the seeds are real tokens under this key. */
#define FUZZ_EPOCH 7
#define FUZZ_KEY_ID "ASIAFUZZEXAMPLE23456"
static void fuzz_master(uint8_t m[IAM_MASTER_KEY_LEN])
{
    for (size_t i = 0; i < IAM_MASTER_KEY_LEN; i++)
        m[i] = (uint8_t)(0xa5 ^ (i * 7));
}

static const iam_str key_id = IAM_STR("ASIAQ3EXAMPLE2345677");
static iam_keyring *kr, *kr_other;

/* Scratch for big strings; each test fills what it needs. */
static char policy_buf[IAM_SESSION_POLICY_MAX + 2];
static char name_buf[IAM_SESSION_NAME_MAX + 2];
static char src_buf[IAM_SESSION_SOURCE_IDENTITY_MAX + 1];
static char principal_buf[IAM_SESSION_PRINCIPAL_ID_MAX + 1];
static char provider_buf[IAM_SESSION_PROVIDER_MAX + 1];
static char subject_buf[IAM_SESSION_SUBJECT_MAX + 1];
static char arn_buf[IAM_SESSION_POLICY_ARNS_MAX][IAM_SESSION_POLICY_ARN_MAX + 1];
static char tag_key_buf[IAM_SESSION_MAX_TAGS + 1][IAM_SESSION_TAG_KEY_MAX + 1];
static char tag_val_buf[IAM_SESSION_MAX_TAGS + 1][IAM_SESSION_TAG_VALUE_MAX + 1];
static uint8_t overflow[IAM_SESSION_OVERFLOW_MAX];
static uint8_t dbuf[IAM_SESSION_TOKEN_MAX];

static int setup(void **state)
{
    uint8_t m1[IAM_MASTER_KEY_LEN], m2[IAM_MASTER_KEY_LEN];
    (void)state;
    memset(m1, 0x11, sizeof m1);
    memset(m2, 0x11, sizeof m2);
    m2[31] ^= 1;
    if (iam_keyring_new(m1, 1, &kr) != IAM_OK || iam_keyring_new(m2, 1, &kr_other) != IAM_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    iam_keyring_free(kr);
    iam_keyring_free(kr_other);
    return 0;
}

/* A json-ish policy of exactly n chars. */
static iam_str policy_of(size_t n)
{
    static const char head[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                               "\"Resource\":\"arn:aws:s3:::";
    size_t i = 0;
    for (; i < n && i < sizeof head - 1; i++)
        policy_buf[i] = head[i];
    for (; i < n; i++)
        policy_buf[i] = (char)('a' + i % 26);
    return (iam_str){ policy_buf, n };
}

static iam_str fill(char *buf, size_t n, char c)
{
    memset(buf, c, n);
    buf[n] = '\0';
    return (iam_str){ buf, n };
}

/* Tag i with key and value of the given lengths (distinct keys). */
static iam_session_tag tag_of(size_t i, size_t klen, size_t vlen)
{
    iam_session_tag t;
    char pre[16];
    int pn = snprintf(pre, sizeof pre, "k%02zu", i);
    fill(tag_key_buf[i], klen, 'x');
    memcpy(tag_key_buf[i], pre, (size_t)pn < klen ? (size_t)pn : klen);
    fill(tag_val_buf[i], vlen, (char)('A' + i % 26));
    t.key = (iam_str){ tag_key_buf[i], klen };
    t.value = (iam_str){ tag_val_buf[i], vlen };
    t.transitive = i % 3 == 0;
    return t;
}

static iam_session role_session(void)
{
    iam_session s;
    memset(&s, 0, sizeof s);
    s.kind = IAM_SESSION_ASSUMED_ROLE;
    s.account = IAM_STR("123456789012");
    s.principal_id = IAM_STR("AROAQ3EXAMPLE23456789");
    s.session_name = IAM_STR("alice@example.com");
    s.issued = 1700000000;
    s.expires = 1700003600;
    return s;
}

/* Every field at its limit: the largest session there is. */
static iam_session largest_session(void)
{
    iam_session s = role_session();
    s.principal_id = fill(principal_buf, IAM_SESSION_PRINCIPAL_ID_MAX, 'P');
    s.session_name = fill(name_buf, IAM_SESSION_NAME_MAX, 'n');
    s.source_identity = fill(src_buf, IAM_SESSION_SOURCE_IDENTITY_MAX, 's');
    s.mfa_time = 1699999999;
    s.chained = true;
    s.web_identity_provider = fill(provider_buf, IAM_SESSION_PROVIDER_MAX, 'p');
    s.web_identity_subject = fill(subject_buf, IAM_SESSION_SUBJECT_MAX, 'u');
    s.policy = policy_of(IAM_SESSION_POLICY_MAX);
    for (size_t i = 0; i < IAM_SESSION_POLICY_ARNS_MAX; i++) {
        s.policy_arns[i] = fill(arn_buf[i], IAM_SESSION_POLICY_ARN_MAX, 'a');
        arn_buf[i][0] = (char)('0' + i);
    }
    s.n_policy_arns = IAM_SESSION_POLICY_ARNS_MAX;
    for (size_t i = 0; i < IAM_SESSION_MAX_TAGS; i++)
        s.tags[i] = tag_of(i, IAM_SESSION_TAG_KEY_MAX, IAM_SESSION_TAG_VALUE_MAX);
    s.n_tags = IAM_SESSION_MAX_TAGS;
    return s;
}

static void assert_str_eq(iam_str a, iam_str b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.ptr, b.ptr, a.len);
}

/* All fields but ref; spilled ones only when `spilled` is true. */
static void assert_session_eq(const iam_session *a, const iam_session *b, bool spilled)
{
    assert_int_equal(a->kind, b->kind);
    assert_str_eq(a->account, b->account);
    assert_str_eq(a->principal_id, b->principal_id);
    assert_str_eq(a->session_name, b->session_name);
    assert_str_eq(a->source_identity, b->source_identity);
    assert_int_equal(a->issued, b->issued);
    assert_int_equal(a->expires, b->expires);
    assert_int_equal(a->mfa_time, b->mfa_time);
    assert_int_equal(a->chained, b->chained);
    if (!spilled)
        return;
    assert_str_eq(a->web_identity_provider, b->web_identity_provider);
    assert_str_eq(a->web_identity_subject, b->web_identity_subject);
    assert_str_eq(a->policy, b->policy);
    assert_int_equal(a->n_policy_arns, b->n_policy_arns);
    for (size_t i = 0; i < a->n_policy_arns; i++)
        assert_str_eq(a->policy_arns[i], b->policy_arns[i]);
    assert_int_equal(a->n_tags, b->n_tags);
    for (size_t i = 0; i < a->n_tags; i++) {
        assert_str_eq(a->tags[i].key, b->tags[i].key);
        assert_str_eq(a->tags[i].value, b->tags[i].value);
        assert_int_equal(a->tags[i].transitive, b->tags[i].transitive);
    }
}

/* Encodes, decodes (completing from the overflow), compares; returns the
 * token length. */
static size_t round_trip(iam_session *s, bool expect_overflow)
{
    char token[IAM_SESSION_TOKEN_MAX];
    size_t olen = 99;
    iam_session d;

    memcpy(s->ref, "stale", 6); /* ignored on input */
    assert_int_equal(iam_session_encode(kr, key_id, s, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_int_equal(strlen(token) % 4, 0);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_OK);
    if (expect_overflow) {
        assert_int_equal(strlen(s->ref), IAM_SESSION_REF_LEN);
        assert_string_equal(d.ref, s->ref);
        assert_true(olen > 0);
        assert_int_equal(d.n_tags, 0);
        assert_int_equal(d.policy.len, 0);
        assert_int_equal(d.n_policy_arns, 0);
        assert_session_eq(&d, s, false);
        assert_int_equal(iam_session_decode_overflow((iam_str){ (const char *)overflow, olen }, &d), IAM_OK);
        assert_string_equal(d.ref, s->ref);
    } else {
        assert_string_equal(s->ref, "");
        assert_string_equal(d.ref, "");
        assert_int_equal(olen, 0);
    }
    assert_session_eq(&d, s, true);
    return strlen(token);
}

/* ---- round trips ---------------------------------------------------------- */

static void test_round_trip_every_field(void **state)
{
    iam_session s = role_session();
    (void)state;
    s.source_identity = IAM_STR("alice");
    s.mfa_time = 1699999000;
    s.chained = true;
    s.web_identity_provider = IAM_STR("arn:aws:iam::123456789012:oidc-provider/oidc.example.com");
    s.web_identity_subject = IAM_STR("system:serviceaccount:default:app");
    s.policy = IAM_STR("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}");
    s.policy_arns[0] = IAM_STR("arn:aws:iam::aws:policy/ReadOnlyAccess");
    s.n_policy_arns = 1;
    s.tags[0] = (iam_session_tag){ IAM_STR("team"), IAM_STR("blue"), true };
    s.tags[1] = (iam_session_tag){ IAM_STR("empty"), IAM_STR(""), false };
    s.n_tags = 2;
    round_trip(&s, false);

    /* the other kinds; times at the extremes of the varint */
    iam_session u = role_session();
    u.kind = IAM_SESSION_USER;
    u.principal_id = IAM_STR("AIDAQ3EXAMPLE23456789");
    u.session_name = IAM_STR_NULL;
    u.issued = 0;
    u.expires = INT64_MAX;
    u.mfa_time = INT64_MAX;
    round_trip(&u, false);
    iam_session r = role_session();
    r.kind = IAM_SESSION_ROOT;
    r.principal_id = IAM_STR("123456789012");
    r.session_name = IAM_STR_NULL;
    r.issued = r.expires = 1;
    round_trip(&r, false);
}

static void test_round_trip_tags(void **state)
{
    static const size_t counts[] = { 0, 1, IAM_SESSION_MAX_TAGS };
    (void)state;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        /* short tags: 50 of them still fit inline */
        iam_session s = role_session();
        for (size_t i = 0; i < counts[c]; i++)
            s.tags[i] = tag_of(i, 3, 2);
        s.n_tags = counts[c];
        round_trip(&s, false);
        /* tags at their limits: one fits inline, 50 spill */
        iam_session b = role_session();
        for (size_t i = 0; i < counts[c]; i++)
            b.tags[i] = tag_of(i, IAM_SESSION_TAG_KEY_MAX, IAM_SESSION_TAG_VALUE_MAX);
        b.n_tags = counts[c];
        round_trip(&b, counts[c] > 1);
    }
}

static void test_round_trip_policy_inline_and_overflow(void **state)
{
    iam_session s = role_session();
    (void)state;
    s.policy = policy_of(300);
    round_trip(&s, false);
    s.policy = policy_of(IAM_SESSION_POLICY_MAX);
    round_trip(&s, true);
    /* ARNs alone can spill too */
    iam_session a = role_session();
    for (size_t i = 0; i < IAM_SESSION_POLICY_ARNS_MAX; i++) {
        a.policy_arns[i] = fill(arn_buf[i], 100, 'a');
        arn_buf[i][0] = (char)('0' + i);
    }
    a.n_policy_arns = IAM_SESSION_POLICY_ARNS_MAX;
    round_trip(&a, true);
    /* the largest session spills; two encodings get distinct refs */
    iam_session big = largest_session();
    char ref1[IAM_SESSION_REF_LEN + 1];
    round_trip(&big, true);
    memcpy(ref1, big.ref, sizeof ref1);
    round_trip(&big, true);
    assert_string_not_equal(ref1, big.ref);
}

/* The inline/overflow boundary sits exactly at the budget. */
static void test_inline_budget_boundary(void **state)
{
    bool saw_inline = false, saw_spill = false;
    (void)state;
    for (size_t n = 500; n <= 800; n++) {
        iam_session s = role_session();
        char token[IAM_SESSION_TOKEN_MAX];
        size_t olen, rlen;
        s.policy = policy_of(n);
        assert_int_equal(iam__session_pack(&s, NULL, 0, &rlen), IAM_OK);
        assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
        assert_int_equal(s.ref[0] != '\0', rlen > IAM_SESSION_INLINE_MAX);
        saw_inline |= rlen == IAM_SESSION_INLINE_MAX;
        saw_spill |= rlen == IAM_SESSION_INLINE_MAX + 1;
    }
    assert_true(saw_inline && saw_spill);
}

/* ---- refusals ------------------------------------------------------------- */

static void test_tamper(void **state)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    iam_session s = role_session(), d;
    char token[IAM_SESSION_TOKEN_MAX], bad[IAM_SESSION_TOKEN_MAX + 8];
    size_t olen, n;
    (void)state;

    s.tags[0] = (iam_session_tag){ IAM_STR("team"), IAM_STR("blue"), false };
    s.n_tags = 1;
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    n = strlen(token);
    for (size_t i = 0; i < n; i++) {
        memcpy(bad, token, n + 1);
        if (bad[i] == '=')
            continue;
        const char *pos = strchr(b64, bad[i]);
        assert_non_null(pos);
        bad[i] = b64[(size_t)(pos - b64 + 1 + i % 63) % 64];
        assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(bad), dbuf, sizeof dbuf, &d),
                         IAM_E_CRYPTO);
    }
    /* truncated, extended, empty, not base64, too long */
    assert_int_equal(iam_session_decode(kr, key_id, (iam_str){ token, n - 4 }, dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    memcpy(bad, token, n);
    memcpy(bad + n, "AAAA", 5);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(bad), dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    assert_int_equal(iam_session_decode(kr, key_id, IAM_STR(""), dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    assert_int_equal(iam_session_decode(kr, key_id, IAM_STR("not a token!"), dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    memset(bad, 'A', sizeof bad);
    assert_int_equal(iam_session_decode(kr, key_id, (iam_str){ bad, IAM_SESSION_TOKEN_MAX }, dbuf, sizeof dbuf, &d),
                     IAM_E_CRYPTO);
    /* the original still opens */
    assert_int_equal(iam_session_decode(kr, key_id, (iam_str){ token, n }, dbuf, sizeof dbuf, &d), IAM_OK);
}

static void test_wrong_key_id_master_purpose(void **state)
{
    iam_session s = role_session(), d;
    char token[IAM_SESSION_TOKEN_MAX];
    uint8_t rec[IAM_SESSION_INLINE_MAX], sealed[IAM_SESSION_INLINE_MAX + IAM_SEAL_OVERHEAD];
    size_t olen, rlen, slen;
    (void)state;

    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    iam_str tok = iam_str_from_cstr(token);
    assert_int_equal(iam_session_decode(kr, IAM_STR("ASIAQ3EXAMPLE2345678"), tok, dbuf, sizeof dbuf, &d),
                     IAM_E_CRYPTO);
    assert_int_equal(iam_session_decode(kr, IAM_STR(""), tok, dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    assert_int_equal(iam_session_decode(kr_other, key_id, tok, dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    /* a valid record sealed for another purpose is not a token */
    assert_int_equal(iam__session_pack(&s, rec, sizeof rec, &rlen), IAM_OK);
    assert_int_equal(iam_seal(kr, "access-key", key_id, rec, rlen, sealed, &slen), IAM_OK);
    iam_b64_encode(sealed, slen, token);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    /* ... and the same record sealed as a token is */
    assert_int_equal(iam_seal(kr, "session-token", key_id, rec, rlen, sealed, &slen), IAM_OK);
    iam_b64_encode(sealed, slen, token);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_OK);
    /* a genuine sealed token whose record is not one: still CRYPTO, buf wiped */
    rec[0] = 2;
    assert_int_equal(iam_seal(kr, "session-token", key_id, rec, rlen, sealed, &slen), IAM_OK);
    iam_b64_encode(sealed, slen, token);
    memset(dbuf, 0x5a, sizeof dbuf);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_E_CRYPTO);
    for (size_t i = 0; i < rlen; i++)
        assert_int_equal(dbuf[i], 0);
    /* a keyring at another epoch with the same master still opens it */
    uint8_t m[IAM_MASTER_KEY_LEN];
    iam_keyring *kr9;
    memset(m, 0x11, sizeof m);
    assert_int_equal(iam_keyring_new(m, 9, &kr9), IAM_OK);
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_int_equal(iam_session_decode(kr9, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_OK);
    iam_keyring_free(kr9);
}

static void test_limits(void **state)
{
    char token[IAM_SESSION_TOKEN_MAX];
    size_t olen = 77;
    iam_session s;
    (void)state;

#define EXPECT(want, ...)                                                                                       \
    do {                                                                                                       \
        s = role_session();                                                                                    \
        __VA_ARGS__;                                                                                           \
        assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), want); \
    } while (0)

    /* at the limits: fine */
    EXPECT(IAM_OK, s.session_name = fill(name_buf, IAM_SESSION_NAME_MAX, 'n'));
    EXPECT(IAM_OK, s.policy = policy_of(IAM_SESSION_POLICY_MAX));
    EXPECT(IAM_OK, for (size_t i = 0; i < IAM_SESSION_MAX_TAGS; i++) s.tags[i] = tag_of(i, 5, 5);
           s.n_tags = IAM_SESSION_MAX_TAGS);
    /* one past: refused, nothing written */
    olen = 77;
    s = role_session();
    s.session_name = fill(name_buf, IAM_SESSION_NAME_MAX + 1, 'n');
    memcpy(s.ref, "keep", 5);
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_E_INVALID);
    assert_string_equal(s.ref, "keep");
    assert_int_equal(olen, 77);
    EXPECT(IAM_E_INVALID, s.policy = policy_of(IAM_SESSION_POLICY_MAX + 1));
    EXPECT(IAM_E_INVALID, s.n_tags = IAM_SESSION_MAX_TAGS + 1);
    EXPECT(IAM_E_INVALID, s.n_policy_arns = IAM_SESSION_POLICY_ARNS_MAX + 1);
    EXPECT(IAM_E_INVALID, s.source_identity = fill(src_buf, IAM_SESSION_SOURCE_IDENTITY_MAX, 's');
           s.source_identity.len++);
    EXPECT(IAM_E_INVALID, s.tags[0] = tag_of(0, IAM_SESSION_TAG_KEY_MAX + 1, 1); s.n_tags = 1);
    EXPECT(IAM_E_INVALID, s.tags[0] = tag_of(0, 4, IAM_SESSION_TAG_VALUE_MAX + 1); s.n_tags = 1);
    EXPECT(IAM_E_INVALID, s.tags[0] = tag_of(0, 0, 1); s.n_tags = 1);
    EXPECT(IAM_E_INVALID, s.policy_arns[0] = IAM_STR(""); s.n_policy_arns = 1);
    /* tag keys are case-insensitive: no two spellings of one key */
    EXPECT(IAM_E_INVALID, s.tags[0] = (iam_session_tag){ IAM_STR("Team"), IAM_STR("a"), false };
           s.tags[1] = (iam_session_tag){ IAM_STR("team"), IAM_STR("b"), false }; s.n_tags = 2);
    /* identity fields */
    EXPECT(IAM_E_INVALID, s.kind = 0);
    EXPECT(IAM_E_INVALID, s.kind = (iam_session_kind)4);
    EXPECT(IAM_E_INVALID, s.account = IAM_STR("12345678901"));
    EXPECT(IAM_E_INVALID, s.account = IAM_STR("12345678901x"));
    EXPECT(IAM_E_INVALID, s.principal_id = IAM_STR(""));
    EXPECT(IAM_E_INVALID, s.expires = s.issued - 1);
    EXPECT(IAM_E_INVALID, s.issued = -1);
    EXPECT(IAM_E_INVALID, s.mfa_time = -5);
    EXPECT(IAM_E_INVALID, s.policy = (iam_str){ NULL, 3 });
#undef EXPECT
    /* arguments */
    s = role_session();
    assert_int_equal(iam_session_encode(NULL, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_E_INVALID);
    assert_int_equal(iam_session_encode(kr, IAM_STR(""), &s, token, overflow, sizeof overflow, &olen), IAM_E_INVALID);
    assert_int_equal(iam_session_decode(kr, key_id, IAM_STR("AAAA"), dbuf, IAM_SESSION_TOKEN_MAX - 1, &s),
                     IAM_E_INVALID);
    /* an overflow that does not fit the caller's buffer */
    s = role_session();
    s.policy = policy_of(IAM_SESSION_POLICY_MAX);
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, 100, &olen), IAM_E_LIMIT);
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, NULL, 0, &olen), IAM_E_LIMIT);
    assert_string_equal(s.ref, "");
    /* the largest overflow fits IAM_SESSION_OVERFLOW_MAX */
    s = largest_session();
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_true(olen <= IAM_SESSION_OVERFLOW_MAX);
    assert_true(olen > IAM_SESSION_OVERFLOW_MAX * 9 / 10); /* and the budget is not wasteful */
}

static void test_decode_overflow_errors(void **state)
{
    iam_session s = role_session(), d, before;
    char token[IAM_SESSION_TOKEN_MAX];
    size_t olen;
    (void)state;

    s.policy = policy_of(IAM_SESSION_POLICY_MAX);
    s.tags[0] = (iam_session_tag){ IAM_STR("team"), IAM_STR("blue"), false };
    s.n_tags = 1;
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_int_equal(iam_session_decode(kr, key_id, iam_str_from_cstr(token), dbuf, sizeof dbuf, &d), IAM_OK);
    before = d;
    iam_str ov = { (const char *)overflow, olen };
    /* truncated, wrong version, core fields in it: refused, d untouched */
    assert_int_equal(iam_session_decode_overflow((iam_str){ ov.ptr, olen - 1 }, &d), IAM_E_MALFORMED);
    assert_int_equal(iam_session_decode_overflow(IAM_STR(""), &d), IAM_E_MALFORMED);
    overflow[0] = 2;
    assert_int_equal(iam_session_decode_overflow(ov, &d), IAM_E_MALFORMED);
    overflow[0] = IAM__SESSION_FORMAT;
    uint8_t rec[IAM_SESSION_INLINE_MAX];
    size_t rlen;
    iam_session small = role_session();
    assert_int_equal(iam__session_pack(&small, rec, sizeof rec, &rlen), IAM_OK);
    assert_int_equal(iam_session_decode_overflow((iam_str){ (const char *)rec, rlen }, &d), IAM_E_MALFORMED);
    assert_memory_equal(&d, &before, sizeof d);
    /* a session without a ref has no overflow */
    iam_session noref = role_session();
    assert_int_equal(iam_session_decode_overflow(ov, &noref), IAM_E_INVALID);
    /* the real one */
    assert_int_equal(iam_session_decode_overflow(ov, &d), IAM_OK);
    assert_session_eq(&d, &s, true);
}

/* The strict parser: anything the encoder would not write is refused. */
static void test_unpack_strict(void **state)
{
    iam_session s = role_session(), d;
    uint8_t rec[IAM_SESSION_INLINE_MAX + 64], bad[IAM_SESSION_INLINE_MAX + 64];
    size_t n, m;
    (void)state;

    s.mfa_time = 5;
    s.policy = IAM_STR("{}");
    s.tags[0] = (iam_session_tag){ IAM_STR("k"), IAM_STR("v"), true };
    s.n_tags = 1;
    assert_int_equal(iam__session_pack(&s, rec, sizeof rec, &n), IAM_OK);
    assert_int_equal(iam__session_unpack(rec, n, &d), IAM_OK);
    assert_session_eq(&d, &s, true);
    /* canonical: re-packing gives the same bytes */
    assert_int_equal(iam__session_pack(&d, bad, sizeof bad, &m), IAM_OK);
    assert_int_equal(m, n);
    assert_memory_equal(bad, rec, n);
    /* layout of the start: version, kind field, account field */
    assert_int_equal(rec[0], IAM__SESSION_FORMAT);
    assert_int_equal(rec[1], 1);  /* F_KIND */
    assert_int_equal(rec[2], 1);  /* length */
    assert_int_equal(rec[3], IAM_SESSION_ASSUMED_ROLE);
    assert_int_equal(rec[4], 2);  /* F_ACCOUNT */
    assert_int_equal(rec[5], 12);

    /* a proper prefix is refused (required fields missing, cut mid-field)
     * unless it ends at a field boundary after the required fields: then it
     * is a smaller session, in its one canonical encoding */
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        iam_err err = iam__session_unpack(rec, i, &d);
        if (err == IAM_OK) {
            accepted++;
            assert_int_equal(iam__session_pack(&d, bad, sizeof bad, &m), IAM_OK);
            assert_int_equal(m, i);
            assert_memory_equal(bad, rec, i);
        } else {
            assert_int_equal(err, IAM_E_MALFORMED);
        }
    }
    assert_int_equal(accepted, 3); /* before mfa, before the policy, before the tag */
    /* unknown version */
    memcpy(bad, rec, n);
    bad[0] = 2;
    assert_int_equal(iam__session_unpack(bad, n, &d), IAM_E_MALFORMED);
    /* kind out of range */
    memcpy(bad, rec, n);
    bad[3] = 4;
    assert_int_equal(iam__session_unpack(bad, n, &d), IAM_E_MALFORMED);
    /* non-minimal varint for kind's length: 0x81 0x00 */
    {
        uint8_t nm[sizeof rec + 1];
        nm[0] = rec[0];
        nm[1] = rec[1];
        nm[2] = 0x81;
        nm[3] = 0x00;
        memcpy(nm + 4, rec + 3, n - 3);
        assert_int_equal(iam__session_unpack(nm, n + 1, &d), IAM_E_MALFORMED);
    }
    /* a repeated singleton (kind twice) and out-of-order fields */
    {
        uint8_t dup[sizeof rec + 3];
        memcpy(dup, rec, 4);
        memcpy(dup + 4, rec + 1, 3);
        memcpy(dup + 7, rec + 4, n - 4);
        assert_int_equal(iam__session_unpack(dup, n + 3, &d), IAM_E_MALFORMED);
        memcpy(dup, rec, 1);
        memcpy(dup + 1, rec + 4, 14); /* account first */
        memcpy(dup + 15, rec + 1, 3); /* then kind */
        memcpy(dup + 18, rec + 18, n - 18);
        assert_int_equal(iam__session_unpack(dup, n, &d), IAM_E_MALFORMED);
    }
    /* a length running past the end */
    memcpy(bad, rec, n);
    bad[5] = 0x7f;
    assert_int_equal(iam__session_unpack(bad, n, &d), IAM_E_MALFORMED);
    /* an unknown field appended */
    memcpy(bad, rec, n);
    bad[n] = 30;
    bad[n + 1] = 0;
    assert_int_equal(iam__session_unpack(bad, n + 2, &d), IAM_E_MALFORMED);
    /* an explicit empty string, a zero mfa time, undefined flags */
    {
        iam_session e = role_session();
        assert_int_equal(iam__session_pack(&e, rec, sizeof rec, &n), IAM_OK);
        memcpy(bad, rec, n);
        memcpy(bad + n, "\x12\x00", 2); /* F_POLICY, empty */
        assert_int_equal(iam__session_unpack(bad, n + 2, &d), IAM_E_MALFORMED);
        memcpy(bad + n, "\x12\x01x", 3); /* the same, non-empty: fine */
        assert_int_equal(iam__session_unpack(bad, n + 3, &d), IAM_OK);
        assert_str_eq(d.policy, IAM_STR("x"));
        memcpy(bad + n, "\x08\x01\x00", 3); /* F_MFA = 0 */
        assert_int_equal(iam__session_unpack(bad, n + 3, &d), IAM_E_MALFORMED);
        memcpy(bad + n, "\x09\x01\x02", 3); /* F_FLAGS, undefined bit */
        assert_int_equal(iam__session_unpack(bad, n + 3, &d), IAM_E_MALFORMED);
        memcpy(bad + n, "\x09\x01\x01", 3); /* chained: fine */
        assert_int_equal(iam__session_unpack(bad, n + 3, &d), IAM_OK);
        assert_true(d.chained);
        memcpy(bad + n, "\x09\x02\x01\x00", 4); /* value longer than its varint */
        assert_int_equal(iam__session_unpack(bad, n + 4, &d), IAM_E_MALFORMED);
    }
}

static void test_unpack_ref_rules(void **state)
{
    iam_session s = role_session(), d;
    uint8_t rec[IAM_SESSION_INLINE_MAX], bad[IAM_SESSION_INLINE_MAX + 16];
    size_t n;
    (void)state;

    memcpy(s.ref, "0123456789abcdef0123456789abcdef", IAM_SESSION_REF_LEN + 1);
    assert_int_equal(iam__session_pack(&s, rec, sizeof rec, &n), IAM_OK);
    assert_int_equal(iam__session_unpack(rec, n, &d), IAM_OK);
    assert_string_equal(d.ref, s.ref);
    /* ref + a spilled field: refused */
    memcpy(bad, rec, n);
    memcpy(bad + n, "\x12\x02{}", 4);
    assert_int_equal(iam__session_unpack(bad, n + 4, &d), IAM_E_MALFORMED);
    /* upper-case hex in the ref: refused (one spelling) */
    memcpy(bad, rec, n);
    bad[n - 1] = 'F';
    assert_int_equal(iam__session_unpack(bad, n, &d), IAM_E_MALFORMED);
    /* a NUL in the ref must not read as "no ref" (found by the fuzzer) */
    memcpy(bad, rec, n);
    bad[n - IAM_SESSION_REF_LEN] = '\0';
    assert_int_equal(iam__session_unpack(bad, n, &d), IAM_E_MALFORMED);
    /* a bad ref is refused by the packer too */
    memcpy(s.ref, "0123", 5);
    assert_int_equal(iam__session_pack(&s, rec, sizeof rec, &n), IAM_E_INVALID);
}

/* ---- secrets -------------------------------------------------------------- */

/* Any token text: the secret binds to its bytes. */
#define TOK IAM_STR("c2Vzc2lvbi10b2tlbi1ieXRlcw==")

static void test_secret(void **state)
{
    char a[IAM_SECRET_KEY_LEN + 1], b[IAM_SECRET_KEY_LEN + 1], c[IAM_SECRET_KEY_LEN + 1];
    uint8_t m[IAM_MASTER_KEY_LEN];
    iam_keyring *kr2;
    (void)state;

    assert_int_equal(iam_session_secret(kr, key_id, TOK, a), IAM_OK);
    assert_int_equal(strlen(a), IAM_SECRET_KEY_LEN);
    for (size_t i = 0; i < IAM_SECRET_KEY_LEN; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", a[i]));
    /* stable: same call, and another keyring (other epoch) of the same master */
    assert_int_equal(iam_session_secret(kr, key_id, TOK, b), IAM_OK);
    assert_string_equal(a, b);
    memset(m, 0x11, sizeof m);
    assert_int_equal(iam_keyring_new(m, 42, &kr2), IAM_OK);
    assert_int_equal(iam_session_secret(kr2, key_id, TOK, b), IAM_OK);
    assert_string_equal(a, b);
    iam_keyring_free(kr2);
    /* differs per key id and per master */
    assert_int_equal(iam_session_secret(kr, IAM_STR("ASIAQ3EXAMPLE2345678"), TOK, b), IAM_OK);
    assert_string_not_equal(a, b);
    assert_int_equal(iam_session_secret(kr_other, key_id, TOK, c), IAM_OK);
    assert_string_not_equal(a, c);
    assert_string_not_equal(b, c);
    /* many ids, no collision among them */
    static char many[64][IAM_SECRET_KEY_LEN + 1];
    for (size_t i = 0; i < 64; i++) {
        char id[IAM_ID_LEN + 1];
        assert_int_equal(iam_id_new("ASIA", id), IAM_OK);
        assert_int_equal(iam_session_secret(kr, iam_str_from_cstr(id), TOK, many[i]), IAM_OK);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(many[i], many[j]);
    }
    /* refusals; out untouched */
    memcpy(c, "untouched", 10);
    assert_int_equal(iam_session_secret(kr, IAM_STR(""), TOK, c), IAM_E_INVALID);
    assert_int_equal(iam_session_secret(NULL, key_id, TOK, c), IAM_E_INVALID);
    assert_int_equal(iam_session_secret(kr, key_id, IAM_STR(""), c), IAM_E_INVALID);
    assert_string_equal(c, "untouched");
    /* the same key id with another token (another session that drew the
     * same 40-bit id) gets another secret */
    assert_int_equal(iam_session_secret(kr, key_id, IAM_STR("another-token"), b), IAM_OK);
    assert_string_not_equal(a, b);
}

/* ---- PackedPolicySize ----------------------------------------------------- */

static void test_packed_percent(void **state)
{
    iam_session s = role_session();
    (void)state;
    assert_int_equal(iam_session_packed_percent(NULL), 0);
    assert_int_equal(iam_session_packed_percent(&s), 0);
    s.policy = IAM_STR("{}");
    assert_int_equal(iam_session_packed_percent(&s), 1);
    s.policy = policy_of(IAM_SESSION_POLICY_MAX);
    size_t p1 = iam_session_packed_percent(&s);
    assert_in_range(p1, 2, 10);
    /* web identity fields do not count */
    s.web_identity_subject = fill(subject_buf, IAM_SESSION_SUBJECT_MAX, 'u');
    assert_int_equal(iam_session_packed_percent(&s), p1);
    iam_session big = largest_session();
    assert_in_range(iam_session_packed_percent(&big), 80, 100);
    big.n_tags = IAM_SESSION_MAX_TAGS + 1;
    assert_true(iam_session_packed_percent(&big) > 100);
}

/* ---- sizes ---------------------------------------------------------------- */

/* `aws eks get-token`: "k8s-aws-v1." + unpadded base64url of a presigned
 * GetCallerIdentity URL carrying the session token. Returns its length. */
static size_t eks_token_len(iam_str akid, const char *token)
{
    static char enc[3 * IAM_SESSION_TOKEN_MAX + 1], url[8192], b64[8192 / 3 * 4 + 8];
    size_t n = iam_uri_encode(iam_str_from_cstr(token), false, enc, sizeof enc - 1);
    int u;

    assert_true(n < sizeof enc);
    enc[n] = '\0';
    /* a long self-hosted endpoint, as botocore orders the parameters */
    u = snprintf(url, sizeof url,
                 "https://iamd.platform.example-corporation.internal:8443/?Action=GetCallerIdentity&"
                 "Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%.*s%%2F20240229%%2F"
                 "ap-southeast-2%%2Fsts%%2Faws4_request&X-Amz-Date=20240229T235959Z&X-Amz-Expires=60&"
                 "X-Amz-SignedHeaders=host%%3Bx-k8s-aws-id&X-Amz-Security-Token=%s&X-Amz-Signature="
                 "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
                 (int)akid.len, akid.ptr, enc);
    assert_true(u > 0 && (size_t)u < sizeof url);
    assert_non_null(strstr(url, "X-Amz-Security-Token="));
    iam_b64_encode((const uint8_t *)url, (size_t)u, b64);
    n = strlen(b64);
    while (n > 0 && b64[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    return strlen("k8s-aws-v1.") + n;
}

static void test_token_sizes(void **state)
{
    char token[IAM_SESSION_TOKEN_MAX];
    size_t olen, longest = 0, longest_eks = 0;
    (void)state;

    /* the largest session: everything at its limit */
    iam_session s = largest_session();
    assert_int_equal(iam_session_encode(kr, key_id, &s, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_true(strlen(token) <= 1100);
    assert_true(strlen(token) <= 512);
    assert_true(eks_token_len(key_id, token) < 4096);

    /* the largest inline token: every core field at its limit and a policy
     * of every length from 0 to the maximum, across the spill point */
    for (size_t n = 0; n <= IAM_SESSION_POLICY_MAX; n++) {
        iam_session t = largest_session();
        t.web_identity_provider = t.web_identity_subject = IAM_STR_NULL;
        t.n_policy_arns = t.n_tags = 0;
        t.policy = policy_of(n);
        assert_int_equal(iam_session_encode(kr, key_id, &t, token, overflow, sizeof overflow, &olen), IAM_OK);
        size_t len = strlen(token), eks = eks_token_len(key_id, token);
        longest = len > longest ? len : longest;
        longest_eks = eks > longest_eks ? eks : longest_eks;
    }
    /* B64(700 + 33 bytes) = 980 characters: about AWS's own token size */
    assert_int_equal(longest, 980);
    assert_true(longest <= 1100);
    assert_true(longest_eks < 4096);
    print_message("largest token %zu chars, largest eks token %zu bytes\n", longest, longest_eks);
}

/* ---- fuzz seeds ----------------------------------------------------------- */

/* Seed layout (fuzz/fuzz_session_token.c): byte 0 = mode (0 token, 1
 * plaintext record, 2 overflow), then the bytes. */
static void seed_write(const char *dir, const char *name, uint8_t mode, const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(&mode, 1, 1, f), 1);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void gen_corpus(const char *dir)
{
    uint8_t m[IAM_MASTER_KEY_LEN], rec[IAM_SESSION_INLINE_MAX];
    iam_keyring *fk;
    char token[IAM_SESSION_TOKEN_MAX];
    size_t olen, rlen;
    const iam_str fid = IAM_STR(FUZZ_KEY_ID);

    fuzz_master(m);
    assert_int_equal(iam_keyring_new(m, FUZZ_EPOCH, &fk), IAM_OK);
    /* tokens */
    iam_session u = role_session();
    u.kind = IAM_SESSION_USER;
    u.principal_id = IAM_STR("AIDAQ3EXAMPLE23456789");
    u.session_name = IAM_STR_NULL;
    assert_int_equal(iam_session_encode(fk, fid, &u, token, overflow, sizeof overflow, &olen), IAM_OK);
    seed_write(dir, "tok-user", 0, token, strlen(token));
    iam_session r = role_session();
    r.kind = IAM_SESSION_ROOT;
    r.principal_id = IAM_STR("123456789012");
    r.session_name = IAM_STR_NULL;
    r.mfa_time = 1699999000;
    assert_int_equal(iam_session_encode(fk, fid, &r, token, overflow, sizeof overflow, &olen), IAM_OK);
    seed_write(dir, "tok-root-mfa", 0, token, strlen(token));
    iam_session a = role_session();
    a.source_identity = IAM_STR("alice");
    a.chained = true;
    a.policy = IAM_STR("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}");
    a.policy_arns[0] = IAM_STR("arn:aws:iam::aws:policy/ReadOnlyAccess");
    a.n_policy_arns = 1;
    a.tags[0] = (iam_session_tag){ IAM_STR("team"), IAM_STR("blue"), true };
    a.tags[1] = (iam_session_tag){ IAM_STR("cost-center"), IAM_STR(""), false };
    a.n_tags = 2;
    assert_int_equal(iam_session_encode(fk, fid, &a, token, overflow, sizeof overflow, &olen), IAM_OK);
    seed_write(dir, "tok-role-inline", 0, token, strlen(token));
    assert_int_equal(iam__session_pack(&a, rec, sizeof rec, &rlen), IAM_OK);
    seed_write(dir, "rec-role-inline", 1, rec, rlen);
    iam_session w = role_session();
    w.web_identity_provider = IAM_STR("arn:aws:iam::123456789012:oidc-provider/oidc.eks.example.com/id/EXAMPLE");
    w.web_identity_subject = IAM_STR("system:serviceaccount:default:app");
    assert_int_equal(iam_session_encode(fk, fid, &w, token, overflow, sizeof overflow, &olen), IAM_OK);
    seed_write(dir, "tok-web-identity", 0, token, strlen(token));
    /* spilled: the token, its record (with ref) and its overflow */
    iam_session b = role_session();
    b.policy = policy_of(1500);
    b.web_identity_subject = IAM_STR("sub-1");
    for (size_t i = 0; i < 4; i++)
        b.tags[i] = tag_of(i, 20, 40);
    b.n_tags = 4;
    b.policy_arns[0] = IAM_STR("arn:aws:iam::123456789012:policy/team/Boundary");
    b.n_policy_arns = 1;
    assert_int_equal(iam_session_encode(fk, fid, &b, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_true(b.ref[0] != '\0');
    seed_write(dir, "tok-spilled", 0, token, strlen(token));
    seed_write(dir, "ovf-spilled", 2, overflow, olen);
    assert_int_equal(iam__session_pack(&b, rec, sizeof rec, &rlen), IAM_OK);
    seed_write(dir, "rec-ref", 1, rec, rlen);
    /* 50 short tags inline, as a record; an overflow of tags only */
    iam_session t = role_session();
    for (size_t i = 0; i < IAM_SESSION_MAX_TAGS; i++)
        t.tags[i] = tag_of(i, 3, 1);
    t.n_tags = IAM_SESSION_MAX_TAGS;
    assert_int_equal(iam__session_pack(&t, rec, sizeof rec, &rlen), IAM_OK);
    seed_write(dir, "rec-50-tags", 1, rec, rlen);
    for (size_t i = 0; i < 10; i++)
        t.tags[i] = tag_of(i, 100, 200);
    t.n_tags = 10;
    assert_int_equal(iam_session_encode(fk, fid, &t, token, overflow, sizeof overflow, &olen), IAM_OK);
    assert_true(olen > 0);
    seed_write(dir, "ovf-tags", 2, overflow, olen);
    iam_keyring_free(fk);
}

/* The committed seeds still open: a format change that orphans them fails
 * here (regenerate with IAM_GEN_SESSION_CORPUS=fuzz/corpus/session_token). */
static void test_corpus_seeds(void **state)
{
    const char *gen = getenv("IAM_GEN_SESSION_CORPUS"), *src = getenv("IAM_SOURCE_DIR");
    char dir[4096], path[4096 + 260];
    uint8_t m[IAM_MASTER_KEY_LEN];
    static uint8_t data[IAM_SESSION_OVERFLOW_MAX + 1];
    iam_keyring *fk;
    struct dirent *e;
    size_t count = 0;
    DIR *d;
    (void)state;

    if (gen != NULL && gen[0] != '\0')
        gen_corpus(gen);
    if (src == NULL)
        skip();
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/session_token", src);
    d = opendir(dir);
    assert_non_null(d);
    fuzz_master(m);
    assert_int_equal(iam_keyring_new(m, FUZZ_EPOCH, &fk), IAM_OK);
    while ((e = readdir(d)) != NULL) {
        /* regress-*: inputs that once crashed the target; they are
         * refused, which the fuzz replay (ctest) checks */
        if (e->d_name[0] == '.' || strncmp(e->d_name, "regress-", 8) == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t n = fread(data, 1, sizeof data, f);
        fclose(f);
        assert_true(n >= 1 && n < sizeof data);
        iam_session s;
        memset(&s, 0, sizeof s);
        switch (data[0]) {
        case 0:
            assert_int_equal(iam_session_decode(fk, IAM_STR(FUZZ_KEY_ID), (iam_str){ (char *)data + 1, n - 1 }, dbuf,
                                                sizeof dbuf, &s),
                             IAM_OK);
            break;
        case 1:
            assert_int_equal(iam__session_unpack(data + 1, n - 1, &s), IAM_OK);
            break;
        case 2:
            s = role_session();
            memcpy(s.ref, "0123456789abcdef0123456789abcdef", IAM_SESSION_REF_LEN + 1);
            assert_int_equal(iam_session_decode_overflow((iam_str){ (char *)data + 1, n - 1 }, &s), IAM_OK);
            break;
        default:
            fail_msg("seed %s: unknown mode %u", e->d_name, data[0]);
        }
        count++;
    }
    closedir(d);
    iam_keyring_free(fk);
    assert_true(count >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_field),
        cmocka_unit_test(test_round_trip_tags),
        cmocka_unit_test(test_round_trip_policy_inline_and_overflow),
        cmocka_unit_test(test_inline_budget_boundary),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_wrong_key_id_master_purpose),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_decode_overflow_errors),
        cmocka_unit_test(test_unpack_strict),
        cmocka_unit_test(test_unpack_ref_rules),
        cmocka_unit_test(test_secret),
        cmocka_unit_test(test_packed_percent),
        cmocka_unit_test(test_token_sizes),
        cmocka_unit_test(test_corpus_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
