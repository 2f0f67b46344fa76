/* fuzz_session_token.c - libFuzzer target for STS session tokens
 * (lib/auth/session.c).
 *
 * Input layout: byte 0 = mode (taken mod 3), then the payload:
 *   0  a token (base64 text) presented with a fixed key id, opened with a
 *      fixed keyring: any mutation of a real token must fail the GCM check,
 *      so this exercises base64, unsealing and the refusal paths;
 *   1  a plaintext record fed straight to the inner decoder
 *      iam__session_unpack (what a sealed token holds): the parser that
 *      sealing would otherwise hide from the fuzzer;
 *   2  an overflow fed to iam_session_decode_overflow.
 * Seeds (fuzz/corpus/session_token) are real tokens, records and overflows
 * made under the same fixed key by tests/unit/test_session.c
 * (IAM_GEN_SESSION_CORPUS=dir).
 *
 * Invariants (abort on violation):
 *   - errors are exactly IAM_E_CRYPTO (tokens) / IAM_E_MALFORMED (records,
 *     overflows), and a failed call leaves its output untouched;
 *   - a decoded session is within every limit (re-packing it succeeds) and
 *     its slices lie inside the input;
 *   - canonical form: re-packing a decoded record or overflow gives back
 *     exactly the input bytes;
 *   - a decoded session seals again and opens to the same record. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "iam/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz_session_token: invariant failed: %s (line %d)\n", #cond, \
                    __LINE__);                                                               \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* Same as tests/unit/test_session.c, which makes the seeds. */
#define FUZZ_EPOCH 7
#define FUZZ_KEY_ID "ASIAFUZZEXAMPLE23456"
static const char ref_text[] = "0123456789abcdef0123456789abcdef";

static iam_keyring *keyring(void)
{
    static iam_keyring *kr;
    if (kr == NULL) {
        uint8_t m[IAM_MASTER_KEY_LEN];
        for (size_t i = 0; i < IAM_MASTER_KEY_LEN; i++)
            m[i] = (uint8_t)(0xa5 ^ (i * 7));
        CHECK(iam_keyring_new(m, FUZZ_EPOCH, &kr) == IAM_OK);
    }
    return kr;
}

static bool inside(iam_str s, const uint8_t *p, size_t n)
{
    return s.len == 0 || ((const uint8_t *)s.ptr >= p && (const uint8_t *)s.ptr + s.len <= p + n);
}

static void check_slices(const iam_session *s, const uint8_t *p, size_t n, bool core)
{
    if (core) {
        CHECK(inside(s->account, p, n) && inside(s->principal_id, p, n));
        CHECK(inside(s->session_name, p, n) && inside(s->source_identity, p, n));
    }
    CHECK(inside(s->web_identity_provider, p, n) && inside(s->web_identity_subject, p, n));
    CHECK(inside(s->policy, p, n));
    CHECK(s->n_policy_arns <= IAM_SESSION_POLICY_ARNS_MAX && s->n_tags <= IAM_SESSION_MAX_TAGS);
    for (size_t i = 0; i < s->n_policy_arns; i++)
        CHECK(inside(s->policy_arns[i], p, n));
    for (size_t i = 0; i < s->n_tags; i++)
        CHECK(inside(s->tags[i].key, p, n) && inside(s->tags[i].value, p, n));
}

/* A decoded session re-seals, and the new token opens to the same record. */
static void check_reseal(const iam_session *s, const uint8_t *rec, size_t n)
{
    static char token[IAM_SESSION_TOKEN_MAX];
    static uint8_t ovf[IAM_SESSION_OVERFLOW_MAX], buf[IAM_SESSION_TOKEN_MAX], again[IAM_SESSION_INLINE_MAX];
    iam_session copy = *s, d;
    size_t olen, alen;

    /* a record with a ref re-seals its core only (the spilled fields
     * are in an overflow this input does not have) */
    CHECK(iam_session_encode(keyring(), IAM_STR(FUZZ_KEY_ID), &copy, token, ovf, sizeof ovf, &olen) == IAM_OK);
    CHECK(strlen(token) <= 980);
    CHECK(iam_session_decode(keyring(), IAM_STR(FUZZ_KEY_ID), iam_str_from_cstr(token), buf, sizeof buf, &d) ==
          IAM_OK);
    if (s->ref[0] == '\0' && copy.ref[0] == '\0') {
        /* inline both times: the very same record */
        CHECK(iam__session_pack(&d, again, sizeof again, &alen) == IAM_OK);
        CHECK(alen == n && memcmp(again, rec, n) == 0);
    }
}

static void fuzz_token(const uint8_t *p, size_t n)
{
    static uint8_t buf[IAM_SESSION_TOKEN_MAX];
    iam_session s, before;

    memset(&s, 0xee, sizeof s);
    memcpy(&before, &s, sizeof s);
    iam_err err = iam_session_decode(keyring(), IAM_STR(FUZZ_KEY_ID), (iam_str){ (const char *)p, n }, buf,
                                     sizeof buf, &s);
    if (err != IAM_OK) {
        CHECK(err == IAM_E_CRYPTO);
        CHECK(memcmp(&s, &before, sizeof s) == 0);
        return;
    }
    /* only an unmutated seed gets here */
    size_t len;
    CHECK(iam__session_pack(&s, NULL, 0, &len) == IAM_OK);
    check_slices(&s, buf, sizeof buf, true);
    /* the wrong key id never opens it */
    CHECK(iam_session_decode(keyring(), IAM_STR("ASIAFUZZEXAMPLE23457"), (iam_str){ (const char *)p, n }, buf,
                             sizeof buf, &s) == IAM_E_CRYPTO);
}

static void fuzz_record(const uint8_t *p, size_t n)
{
    static uint8_t again[IAM_SESSION_TOKEN_MAX];
    iam_session s, before;
    size_t len;

    memset(&s, 0xee, sizeof s);
    memcpy(&before, &s, sizeof s);
    iam_err err = iam__session_unpack(p, n, &s);
    if (err != IAM_OK) {
        CHECK(err == IAM_E_MALFORMED);
        CHECK(memcmp(&s, &before, sizeof s) == 0);
        return;
    }
    check_slices(&s, p, n, true);
    CHECK(iam__session_pack(&s, again, sizeof again, &len) == IAM_OK);
    CHECK(len == n && memcmp(again, p, n) == 0);
    check_reseal(&s, p, n);
}

static void fuzz_overflow(const uint8_t *p, size_t n)
{
    static uint8_t again[IAM_SESSION_OVERFLOW_MAX];
    iam_session s, before;
    size_t len;

    memset(&s, 0, sizeof s);
    s.kind = IAM_SESSION_ASSUMED_ROLE;
    s.account = IAM_STR("123456789012");
    s.principal_id = IAM_STR("AROAQ3EXAMPLE23456789");
    memcpy(s.ref, ref_text, sizeof ref_text);
    memcpy(&before, &s, sizeof s);
    iam_err err = iam_session_decode_overflow((iam_str){ (const char *)p, n }, &s);
    if (err != IAM_OK) {
        CHECK(err == IAM_E_MALFORMED);
        CHECK(memcmp(&s, &before, sizeof s) == 0);
        return;
    }
    check_slices(&s, p, n, false);
    CHECK(s.account.ptr == before.account.ptr && strcmp(s.ref, ref_text) == 0);
    CHECK(iam__session_pack_overflow(&s, again, sizeof again, &len) == IAM_OK);
    CHECK(len == n && memcmp(again, p, n) == 0);
    (void)iam_session_packed_percent(&s);
    CHECK(iam_session_packed_percent(&s) <= 100);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_token(data + 1, size - 1);
        break;
    case 1:
        fuzz_record(data + 1, size - 1);
        break;
    default:
        fuzz_overflow(data + 1, size - 1);
        break;
    }
    return 0;
}
