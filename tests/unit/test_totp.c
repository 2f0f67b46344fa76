/* test_totp.c - lib/auth/totp.c and qr.c: the RFC 6238 SHA-1 test vectors
 * (their last 6 digits), the ±1 step window, replay refusal through
 * last_step, two consecutive codes, malformed codes, base32 (RFC 4648
 * vectors), and the QR code PNG (signature, IHDR size). Also the MFA
 * device store calls: seed sealed and reopened, enable/deactivate, check
 * state, delete refused while assigned, and the snapshot linking a device
 * to its user. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iam/crypto.h"
#include "iam/snapshot.h"
#include "iam/store.h"
#include "iam/totp.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII "1234567890" twice. */
static const uint8_t RFC_SEED[] = "12345678901234567890";
#define RFC_SEED_LEN 20

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t time;
        const char *code8;
    } v[] = {
        { 59, "94287082" },         { 1111111109, "07081804" }, { 1111111111, "14050471" },
        { 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char code[IAM_TOTP_DIGITS + 1];
        assert_int_equal(iam_totp_code(RFC_SEED, RFC_SEED_LEN, iam_totp_step(v[i].time), code), IAM_OK);
        /* A 6-digit code is the same truncation mod 10^6: the last 6 digits. */
        assert_string_equal(code, v[i].code8 + 2);
        int64_t m = -1;
        assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, v[i].time, iam_str_from_cstr(code), -1, &m), IAM_OK);
        assert_int_equal(m, iam_totp_step(v[i].time));
    }
}

static void test_step(void **state)
{
    (void)state;
    assert_int_equal(iam_totp_step(0), 0);
    assert_int_equal(iam_totp_step(29), 0);
    assert_int_equal(iam_totp_step(30), 1);
    assert_int_equal(iam_totp_step(-5), 0);
    char code[IAM_TOTP_DIGITS + 1];
    assert_int_equal(iam_totp_code(RFC_SEED, 0, 1, code), IAM_E_INVALID);
    assert_int_equal(iam_totp_code(RFC_SEED, RFC_SEED_LEN, -1, code), IAM_E_INVALID);
}

static void code_at(int64_t step, char out[IAM_TOTP_DIGITS + 1])
{
    assert_int_equal(iam_totp_code(RFC_SEED, RFC_SEED_LEN, step, out), IAM_OK);
}

static void test_window_and_replay(void **state)
{
    (void)state;
    const int64_t now = 1700000015; /* inside step 56666667 */
    const int64_t cur = iam_totp_step(now);
    char c[IAM_TOTP_DIGITS + 1];
    int64_t m = 0;

    for (int64_t d = -1; d <= 1; d++) {
        code_at(cur + d, c);
        assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), -1, &m), IAM_OK);
        assert_int_equal(m, cur + d);
    }
    /* Outside the window. */
    code_at(cur - 2, c);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), -1, &m), IAM_E_NOTFOUND);
    code_at(cur + 2, c);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), -1, &m), IAM_E_NOTFOUND);
    /* Replay: the step was accepted already (or a later one was). */
    code_at(cur, c);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), cur, &m), IAM_E_NOTFOUND);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), cur + 1, &m),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(c), cur - 1, &m), IAM_OK);
    assert_int_equal(m, cur);
    /* Shapes. */
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, IAM_STR("12345"), -1, &m), IAM_E_SYNTAX);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, IAM_STR("1234567"), -1, &m), IAM_E_SYNTAX);
    assert_int_equal(iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, IAM_STR("12a456"), -1, &m), IAM_E_SYNTAX);
    /* A wrong code (all digits differ from the real one). */
    char wrong[IAM_TOTP_DIGITS + 1];
    code_at(cur, c);
    for (int i = 0; i < IAM_TOTP_DIGITS; i++)
        wrong[i] = (char)('0' + (c[i] - '0' + 5) % 10);
    wrong[IAM_TOTP_DIGITS] = '\0';
    int64_t before = 12345;
    m = before;
    if (iam_totp_verify(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(wrong), -1, &m) == IAM_OK)
        assert_true(m != cur); /* it may collide with a neighbour step's code, never with cur's */
    else
        assert_int_equal(m, before); /* outputs untouched on failure */
}

static void test_pair(void **state)
{
    (void)state;
    const int64_t now = 1700000015;
    const int64_t cur = iam_totp_step(now);
    char a[IAM_TOTP_DIGITS + 1], b[IAM_TOTP_DIGITS + 1];
    int64_t m = 0;

    /* This step and the next (a client that computes ahead). */
    code_at(cur, a);
    code_at(cur + 1, b);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(a), iam_str_from_cstr(b), -1,
                                          &m),
                     IAM_OK);
    assert_int_equal(m, cur + 1);
    /* The previous step and this one (a client that waited for the second). */
    code_at(cur - 1, a);
    code_at(cur, b);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(a), iam_str_from_cstr(b), -1,
                                          &m),
                     IAM_OK);
    assert_int_equal(m, cur);
    /* Reversed order, same code twice, and a replay are refused. */
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(b), iam_str_from_cstr(a), -1,
                                          &m),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(b), iam_str_from_cstr(b), -1,
                                          &m),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(a), iam_str_from_cstr(b),
                                          cur - 1, &m),
                     IAM_E_NOTFOUND);
    /* Not consecutive. */
    code_at(cur - 1, a);
    code_at(cur + 1, b);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, iam_str_from_cstr(a), iam_str_from_cstr(b), -1,
                                          &m),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_totp_verify_pair(RFC_SEED, RFC_SEED_LEN, now, IAM_STR("x"), iam_str_from_cstr(b), -1, &m),
                     IAM_E_SYNTAX);
}

static void test_base32(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        { "", "" },          { "f", "MY" },           { "fo", "MZXQ" },           { "foo", "MZXW6" },
        { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
    };
    char out[IAM_TOTP_BASE32_MAX];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(iam_totp_base32((const uint8_t *)v[i].in, strlen(v[i].in), out, sizeof out), IAM_OK);
        assert_string_equal(out, v[i].out);
    }
    assert_int_equal(iam_totp_base32(RFC_SEED, RFC_SEED_LEN, out, sizeof out), IAM_OK);
    assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_int_equal(iam_totp_base32(RFC_SEED, RFC_SEED_LEN, out, 32), IAM_E_LIMIT);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void test_qr_png(void **state)
{
    (void)state;
    static const char uri[] = "otpauth://totp/123456789012:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                              "&issuer=123456789012";
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(iam_qr_png(iam_str_from_cstr(uri), &png, &len), IAM_OK);
    assert_non_null(png);
    assert_true(len > 33);
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    assert_memory_equal(png, sig, 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    uint32_t w = be32(png + 16), h = be32(png + 20);
    assert_int_equal(w, h);
    /* (version 5 or 6 for this length: 37 or 41 modules) + 8 quiet, x4 */
    assert_true(w >= (21 + 8) * 4 && w <= (177 + 8) * 4);
    assert_int_equal(w % 4, 0);
    assert_int_equal(png[24], 8); /* bit depth */
    assert_int_equal(png[25], 0); /* greyscale */
    assert_memory_equal(png + len - 8, "IEND", 4);
    iam_qr_free(png);
    iam_qr_free(NULL);
    assert_int_equal(iam_qr_png(IAM_STR(""), &png, &len), IAM_E_INVALID);
}

/* ---- the store calls ---- */

typedef struct fx {
    char dir[64], db[96];
    iam_keyring *kr;
    iam_store *st;
} fx;

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    uint8_t master[IAM_MASTER_KEY_LEN];
    memset(master, 7, sizeof master);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_totp.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/iam.db", f->dir);
    if (iam_keyring_new(master, 1, &f->kr) != IAM_OK)
        return -1;
    if (iam_store_open(f->db, true, f->kr, &f->st, NULL) != IAM_OK)
        return -1;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    char p[128];
    iam_store_close(f->st);
    iam_keyring_free(f->kr);
    static const char *const sfx[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->db, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

#define ACCT "123456789012"
#define SERIAL "arn:aws:iam::123456789012:mfa/alice-phone"

static void test_store_devices(void **state)
{
    fx *f = *state;
    iam_txn *t;
    iam_snapshot *s0 = NULL, *s1 = NULL, *s2 = NULL;
    iam_changes ch = { 0 };

    assert_int_equal(iam_store_begin(f->st, 1000, &t), IAM_OK);
    assert_int_equal(iam_txn_account_create(t, IAM_STR(ACCT)), IAM_OK);
    iam_new_principal u = { IAM_STR(ACCT), IAM_STR("AIDAALICEALICEALICE1"), IAM_STR("alice"), IAM_STR("/") };
    assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
    iam_new_mfa_device d = { IAM_STR(ACCT), IAM_STR(SERIAL), IAM_STR("alice-phone"), IAM_STR("/"), RFC_SEED,
                             RFC_SEED_LEN };
    assert_int_equal(iam_txn_mfa_create(t, &d), IAM_OK);
    assert_int_equal(iam_txn_mfa_create(t, &d), IAM_E_EXISTS);
    iam_tag tag = { "k", "v" };
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_MFA_DEVICE, IAM_STR(SERIAL), &tag, 1), IAM_OK);
    assert_int_equal(iam_txn_commit(t, NULL, NULL), IAM_OK);
    assert_int_equal(iam_snapshot_load(f->st, &s0, NULL), IAM_OK);

    const iam_mfa_device *md = iam_snap_mfa_device(s0, IAM_STR(SERIAL));
    assert_non_null(md);
    assert_null(md->user_id);
    assert_int_equal(md->last_step, -1);
    assert_int_equal(md->tags.n, 1);
    assert_true(md->sealed_seed_len > RFC_SEED_LEN); /* sealed, not the seed */
    for (size_t i = 0; i + RFC_SEED_LEN <= md->sealed_seed_len; i++)
        assert_true(memcmp(md->sealed_seed + i, RFC_SEED, RFC_SEED_LEN) != 0);
    assert_int_equal(iam_snap_virtual_mfa_devices(s0, IAM_STR(ACCT)).n, 1);

    /* Enable, then the state reads back with the seed opened. */
    assert_int_equal(iam_store_begin(f->st, 2000, &t), IAM_OK);
    iam_mfa_state ms;
    assert_int_equal(iam_txn_mfa_state(t, IAM_STR(SERIAL), &ms), IAM_OK);
    assert_int_equal(ms.seed_len, RFC_SEED_LEN);
    assert_memory_equal(ms.seed, RFC_SEED, RFC_SEED_LEN);
    assert_false(ms.assigned);
    assert_int_equal(iam_txn_mfa_enable(t, IAM_STR(SERIAL), IAM_STR("AIDANOSUCHUSER000000"), 5), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_mfa_enable(t, IAM_STR(SERIAL), IAM_STR("AIDAALICEALICEALICE1"), 66), IAM_OK);
    assert_int_equal(iam_txn_mfa_enable(t, IAM_STR(SERIAL), IAM_STR("AIDAALICEALICEALICE1"), 66), IAM_E_EXISTS);
    assert_int_equal(iam_txn_mfa_delete(t, IAM_STR(SERIAL)), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_mfa_record(t, IAM_STR(SERIAL), 67, 2, 0), IAM_OK);
    assert_int_equal(iam_txn_commit(t, &ch, NULL), IAM_OK);
    assert_int_equal(iam_snapshot_apply(s0, f->st, &ch, &s1, NULL), IAM_OK);
    iam_changes_free(&ch);
    md = iam_snap_mfa_device(s1, IAM_STR(SERIAL));
    assert_non_null(md);
    assert_string_equal(md->user_id, "AIDAALICEALICEALICE1");
    assert_int_equal(md->enabled, 2000);
    assert_int_equal(md->last_step, 67);
    assert_int_equal(md->failures, 2);
    const iam_user *alice = iam_snap_user(s1, IAM_STR(ACCT), IAM_STR("alice"));
    assert_non_null(alice);
    assert_int_equal(alice->n_mfa_devices, 1);
    assert_ptr_equal(alice->mfa_devices[0], md);
    /* A user with a device cannot be deleted (the foreign key). */
    assert_int_equal(iam_store_begin(f->st, 2500, &t), IAM_OK);
    assert_int_equal(iam_txn_user_delete(t, IAM_STR("AIDAALICEALICEALICE1")), IAM_E_CONFLICT);
    iam_txn_rollback(t);

    /* Deactivate and delete. */
    assert_int_equal(iam_store_begin(f->st, 3000, &t), IAM_OK);
    assert_int_equal(iam_txn_mfa_deactivate(t, IAM_STR(SERIAL)), IAM_OK);
    assert_int_equal(iam_txn_mfa_delete(t, IAM_STR(SERIAL)), IAM_OK);
    assert_int_equal(iam_txn_mfa_delete(t, IAM_STR(SERIAL)), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_commit(t, &ch, NULL), IAM_OK);
    assert_int_equal(iam_snapshot_apply(s1, f->st, &ch, &s2, NULL), IAM_OK);
    iam_changes_free(&ch);
    assert_null(iam_snap_mfa_device(s2, IAM_STR(SERIAL)));
    alice = iam_snap_user(s2, IAM_STR(ACCT), IAM_STR("alice"));
    assert_int_equal(alice->n_mfa_devices, 0);
    assert_int_equal(iam_snap_virtual_mfa_devices(s2, IAM_STR(ACCT)).n, 0);

    iam_snapshot_release(s2);
    iam_snapshot_release(s1);
    iam_snapshot_release(s0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_step),
        cmocka_unit_test(test_window_and_replay),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_base32),
        cmocka_unit_test(test_qr_png),
        cmocka_unit_test_setup_teardown(test_store_devices, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
