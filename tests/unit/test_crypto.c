/* test_crypto.c - lib/crypto: constant-time compare, SHA-256 (FIPS 180-2
 * vectors, both the small-input and the EVP path), HMAC-SHA256 (RFC 4231),
 * HKDF (RFC 5869 case 1), hex, base64 (RFC 4648 section 10), AWS-shaped
 * ids and secrets, sealing (round trip, every byte tampered, wrong purpose /
 * aad / master, epochs) and master-key files (modes, no overwrite). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto_int.h"
#include "iam/crypto.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    iam_hex_encode(p, n, out);
}

static void test_ct_equal_wipe_random(void **state)
{
    uint8_t a[32], b[32];
    (void)state;
    assert_true(iam_ct_equal("abc", 3, "abc", 3));
    assert_false(iam_ct_equal("abc", 3, "abd", 3));
    assert_false(iam_ct_equal("abc", 3, "abcd", 4));
    assert_true(iam_ct_equal(NULL, 0, NULL, 0));
    assert_int_equal(iam_random_bytes(a, sizeof a), IAM_OK);
    assert_int_equal(iam_random_bytes(b, sizeof b), IAM_OK);
    assert_memory_not_equal(a, b, sizeof a); /* 2^-256 */
    iam_wipe(a, sizeof a);
    memset(b, 0, sizeof b);
    assert_memory_equal(a, b, sizeof a);
    iam_wipe(NULL, 0);
}

static void test_sha256(void **state)
{
    uint8_t md[32];
    char hex[65];
    (void)state;
    iam_sha256("abc", 3, md);
    hex_of(md, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    iam_sha256(NULL, 0, md);
    hex_of(md, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* one million 'a': the large-input (EVP) path */
    char *m = malloc(1000000);
    assert_non_null(m);
    memset(m, 'a', 1000000);
    iam_sha256(m, 1000000, md);
    free(m);
    hex_of(md, 32, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_rfc4231(void **state)
{
    uint8_t key[131], md[32];
    char hex[65];
    (void)state;
    memset(key, 0x0b, 20); /* case 1 */
    iam_hmac_sha256(key, 20, "Hi There", 8, md);
    hex_of(md, 32, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    iam_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md); /* case 2 */
    hex_of(md, 32, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, 131); /* case 6: key longer than the block */
    static const char d6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    iam_hmac_sha256(key, 131, d6, sizeof d6 - 1, md);
    hex_of(md, 32, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hkdf_rfc5869(void **state)
{
    uint8_t ikm[22], salt[13], info[10], okm[32];
    char hex[65];
    (void)state;
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++)
        info[i] = (uint8_t)(0xf0 + i);
    iam__hkdf_sha256_32(salt, sizeof salt, ikm, sizeof ikm, info, sizeof info, okm);
    hex_of(okm, 32, hex);
    assert_string_equal(hex, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
}

static void test_base64(void **state)
{
    static const char *const rfc[][2] = { { "", "" },         { "f", "Zg==" },         { "fo", "Zm8=" },
                                          { "foo", "Zm9v" },  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
                                          { "foobar", "Zm9vYmFy" } };
    static const char *const bad[] = { "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm9v\n", "Zm=v", "====", "Zm9v====",
                                       "Zm9-", "Zm9_", "=Zm9" };
    char enc[32];
    uint8_t dec[32], all[256];
    size_t n = 99;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rfc); i++) {
        size_t len = strlen(rfc[i][0]);
        assert_int_equal(iam_b64_encoded_len(len), strlen(rfc[i][1]) + 1);
        iam_b64_encode((const uint8_t *)rfc[i][0], len, enc);
        assert_string_equal(enc, rfc[i][1]);
        assert_int_equal(iam_b64_decode(iam_str_from_cstr(rfc[i][1]), dec, sizeof dec, &n), IAM_OK);
        assert_int_equal(n, len);
        assert_memory_equal(dec, rfc[i][0], len);
    }
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        n = 99;
        if (iam_b64_decode(iam_str_from_cstr(bad[i]), dec, sizeof dec, &n) != IAM_E_SYNTAX)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(n, 99); /* untouched on error */
    }
    assert_int_equal(iam_b64_decode(IAM_STR("Zm9vYmFy"), dec, 5, &n), IAM_E_LIMIT);
    /* every byte value, with '+' and '/' */
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char big[400];
    iam_b64_encode(all, sizeof all, big);
    uint8_t back[256];
    assert_int_equal(iam_b64_decode(iam_str_from_cstr(big), back, sizeof back, &n), IAM_OK);
    assert_int_equal(n, 256);
    assert_memory_equal(back, all, 256);
}

static bool in_set(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return false;
    return true;
}

static void test_ids(void **state)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    static const char *const prefixes[] = { "AIDA", "AKIA", "ASIA", "AROA", "AGPA", "ANPA", "AIPA" };
    char id[IAM_ID_LEN + 1], id2[IAM_ID_LEN + 1], sk[IAM_SECRET_KEY_LEN + 1], acct[13];
    (void)state;
    for (size_t i = 0; i < N_ELEMS(prefixes); i++) {
        /* AWS's shapes: AKIAIOSFODNN7EXAMPLE (20), AIDAJQABLZS4A3QDU576Q (21) */
        size_t want = (strcmp(prefixes[i], "AKIA") == 0 || strcmp(prefixes[i], "ASIA") == 0) ? 20 : 21;
        assert_int_equal(iam_id_new(prefixes[i], id), IAM_OK);
        assert_int_equal(iam_id_length(prefixes[i]), want);
        assert_int_equal(strlen(id), want);
        assert_memory_equal(id, prefixes[i], 4);
        assert_true(in_set(id + 4, want - 4, b32));
    }
    assert_int_equal(iam_id_new("AKIA", id2), IAM_OK);
    assert_int_equal(iam_id_new("AKIA", id), IAM_OK);
    assert_string_not_equal(id, id2);
    assert_int_equal(iam_id_new("AKI", id), IAM_E_INVALID);
    assert_int_equal(iam_id_new("AKIAX", id), IAM_E_INVALID);
    assert_int_equal(iam_id_new("akia", id), IAM_E_INVALID);
    assert_int_equal(iam_id_new(NULL, id), IAM_E_INVALID);

    iam_id_derive("ANPA", IAM_STR("AdministratorAccess"), id);
    iam_id_derive("ANPA", IAM_STR("AdministratorAccess"), id2);
    assert_string_equal(id, id2);
    assert_int_equal(strlen(id), IAM_ID_LEN);
    assert_true(in_set(id + 4, IAM_ID_LEN - 4, b32));
    assert_memory_equal(id, "ANPA", 4);
    iam_id_derive("ANPA", IAM_STR("ReadOnlyAccess"), id2);
    assert_string_not_equal(id, id2);
    iam_id_derive("AIPA", IAM_STR("AdministratorAccess"), id2);
    assert_string_not_equal(id + 4, id2 + 4);

    for (int k = 0; k < 50; k++) {
        assert_int_equal(iam_secret_key_new(sk), IAM_OK);
        assert_int_equal(strlen(sk), IAM_SECRET_KEY_LEN);
        assert_true(in_set(sk, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
        assert_int_equal(iam_account_id_new(acct), IAM_OK);
        assert_int_equal(strlen(acct), 12);
        assert_true(in_set(acct, 12, "0123456789"));
        assert_true(acct[0] != '0');
    }
}

static const uint8_t master[IAM_MASTER_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static void test_seal_roundtrip_and_tamper(void **state)
{
    iam_keyring *kr = NULL;
    static const char secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    uint8_t blob[64 + IAM_SEAL_OVERHEAD], out[64];
    size_t n = 0, m = 0;
    uint32_t epoch;
    (void)state;

    assert_int_equal(iam_keyring_new(master, 7, &kr), IAM_OK);
    assert_int_equal(iam_seal(kr, "access-key", IAM_STR("AKIAEXAMPLE"), secret, 40, blob, &n), IAM_OK);
    assert_int_equal(n, 40 + IAM_SEAL_OVERHEAD);
    assert_int_equal(blob[0], 1);
    assert_int_equal(iam_sealed_epoch(blob, n, &epoch), IAM_OK);
    assert_int_equal(epoch, 7);
    assert_int_equal(iam_unseal(kr, "access-key", IAM_STR("AKIAEXAMPLE"), blob, n, out, &m), IAM_OK);
    assert_int_equal(m, 40);
    assert_memory_equal(out, secret, 40);

    /* every byte of the blob matters, header included */
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            blob[i] ^= (uint8_t)(1u << bit);
            m = 1234;
            memset(out, 'x', sizeof out);
            if (iam_unseal(kr, "access-key", IAM_STR("AKIAEXAMPLE"), blob, n, out, &m) != IAM_E_CRYPTO)
                fail_msg("tampered byte %zu bit %d opened", i, bit);
            assert_int_equal(m, 1234);
            for (size_t k = 0; k < 40; k++) /* no plaintext left behind */
                assert_true(out[k] == 0 || out[k] == 'x');
            blob[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* wrong purpose, wrong aad, truncated, extended */
    assert_int_equal(iam_unseal(kr, "mfa-seed", IAM_STR("AKIAEXAMPLE"), blob, n, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "access-key", IAM_STR("AKIAOTHER"), blob, n, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "access-key", IAM_STR(""), blob, n, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "access-key", IAM_STR("AKIAEXAMPLE"), blob, n - 1, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "access-key", IAM_STR("AKIAEXAMPLE"), blob, 10, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "", IAM_STR("AKIAEXAMPLE"), blob, n, out, &m), IAM_E_INVALID);
    assert_int_equal(iam_seal(kr, NULL, IAM_STR(""), secret, 1, blob, &n), IAM_E_INVALID);
    /* purpose and aad cannot trade bytes */
    assert_int_equal(iam_seal(kr, "ab", IAM_STR("c"), secret, 40, blob, &n), IAM_OK);
    assert_int_equal(iam_unseal(kr, "a", IAM_STR("bc"), blob, n, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_unseal(kr, "ab", IAM_STR("c"), blob, n, out, &m), IAM_OK);

    /* two seals of the same plaintext differ (random nonce) */
    uint8_t blob2[64 + IAM_SEAL_OVERHEAD];
    size_t n2;
    assert_int_equal(iam_seal(kr, "ab", IAM_STR("c"), secret, 40, blob2, &n2), IAM_OK);
    assert_memory_not_equal(blob, blob2, n);

    /* empty plaintext */
    assert_int_equal(iam_seal(kr, "session-token", IAM_STR("x"), NULL, 0, blob, &n), IAM_OK);
    assert_int_equal(n, IAM_SEAL_OVERHEAD);
    assert_int_equal(iam_unseal(kr, "session-token", IAM_STR("x"), blob, n, NULL, &m), IAM_OK);
    assert_int_equal(m, 0);
    iam_keyring_free(kr);
    iam_keyring_free(NULL);
}

static void test_seal_epochs_and_masters(void **state)
{
    iam_keyring *old = NULL, *cur = NULL, *other = NULL;
    uint8_t blob[16 + IAM_SEAL_OVERHEAD], blob2[16 + IAM_SEAL_OVERHEAD], out[16], m2[IAM_MASTER_KEY_LEN];
    size_t n, n2, m;
    uint32_t e;
    (void)state;
    memcpy(m2, master, sizeof m2);
    m2[0] ^= 1;
    assert_int_equal(iam_keyring_new(master, 1, &old), IAM_OK);
    assert_int_equal(iam_keyring_new(master, 2, &cur), IAM_OK);
    assert_int_equal(iam_keyring_new(m2, 2, &other), IAM_OK);
    assert_int_equal(iam_seal(old, "mfa-seed", IAM_STR("u1"), "0123456789abcdef", 16, blob, &n), IAM_OK);
    /* the current keyring opens blobs of older epochs */
    assert_int_equal(iam_unseal(cur, "mfa-seed", IAM_STR("u1"), blob, n, out, &m), IAM_OK);
    assert_memory_equal(out, "0123456789abcdef", 16);
    assert_int_equal(iam_seal(cur, "mfa-seed", IAM_STR("u1"), "0123456789abcdef", 16, blob2, &n2), IAM_OK);
    assert_int_equal(iam_sealed_epoch(blob2, n2, &e), IAM_OK);
    assert_int_equal(e, 2);
    /* the epoch is in the key: rewriting it breaks the blob */
    blob2[4] = 1;
    assert_int_equal(iam_unseal(cur, "mfa-seed", IAM_STR("u1"), blob2, n2, out, &m), IAM_E_CRYPTO);
    /* another master key opens nothing */
    assert_int_equal(iam_unseal(other, "mfa-seed", IAM_STR("u1"), blob, n, out, &m), IAM_E_CRYPTO);
    /* an unknown format version */
    blob[0] = 2;
    assert_int_equal(iam_unseal(cur, "mfa-seed", IAM_STR("u1"), blob, n, out, &m), IAM_E_CRYPTO);
    assert_int_equal(iam_sealed_epoch(blob, n, &e), IAM_E_CRYPTO);
    /* many purposes: more than the derived-key cache holds */
    for (int i = 0; i < 40; i++) {
        char purpose[16];
        snprintf(purpose, sizeof purpose, "p%d", i);
        assert_int_equal(iam_seal(cur, purpose, IAM_STR("a"), "x", 1, blob, &n), IAM_OK);
        assert_int_equal(iam_unseal(cur, purpose, IAM_STR("a"), blob, n, out, &m), IAM_OK);
    }
    iam_keyring_free(old);
    iam_keyring_free(cur);
    iam_keyring_free(other);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_master_key_files(void **state)
{
    char dir[] = "/tmp/iam-crypto-XXXXXX", path[256], other[256];
    uint8_t k1[IAM_MASTER_KEY_LEN], k2[IAM_MASTER_KEY_LEN], zero[IAM_MASTER_KEY_LEN] = { 0 };
    iam_diag diag;
    struct stat st;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/master.key", dir);
    assert_int_equal(iam_master_key_create(path, &diag), IAM_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    memset(k1, 0, sizeof k1);
    assert_int_equal(iam_master_key_load(path, k1, &diag), IAM_OK);
    assert_memory_not_equal(k1, zero, sizeof k1);
    assert_int_equal(iam_master_key_load(path, k2, NULL), IAM_OK);
    assert_memory_equal(k1, k2, sizeof k1);

    /* never overwritten */
    assert_int_equal(iam_master_key_create(path, &diag), IAM_E_EXISTS);
    assert_int_equal(iam_master_key_load(path, k2, NULL), IAM_OK);
    assert_memory_equal(k1, k2, sizeof k1);

    /* readable by group: refused, and the message says how to fix it */
    assert_int_equal(chmod(path, 0640), 0);
    memset(k2, 0, sizeof k2);
    assert_int_equal(iam_master_key_load(path, k2, &diag), IAM_E_INVALID);
    assert_non_null(strstr(diag.message, "group or others"));
    assert_non_null(strstr(diag.message, "chmod 600"));
    assert_memory_equal(k2, zero, sizeof k2); /* output untouched */
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(iam_master_key_load(path, k2, &diag), IAM_E_INVALID);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(iam_master_key_load(path, k2, &diag), IAM_OK);

    /* malformed files */
    static const char *const bad[] = { "",
                                       "00",
                                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
                                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n",
                                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
                                       " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
    snprintf(other, sizeof other, "%s/bad.key", dir);
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        write_file(other, bad[i], 0600);
        if (iam_master_key_load(other, k2, &diag) != IAM_E_MALFORMED)
            fail_msg("accepted malformed key file %zu", i);
    }
    /* without the newline is fine; upper-case hex too */
    write_file(other, "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 0600);
    assert_int_equal(iam_master_key_load(other, k2, &diag), IAM_OK);
    assert_int_equal(k2[0], 0x01);
    assert_int_equal(k2[7], 0xef);
    unlink(other);

    /* missing file; a symlink; a directory */
    assert_int_equal(iam_master_key_load(other, k2, &diag), IAM_E_NOTFOUND);
    assert_int_equal(symlink(path, other), 0);
    assert_int_equal(iam_master_key_load(other, k2, &diag), IAM_E_INVALID);
    assert_int_equal(iam_master_key_create(other, &diag), IAM_E_EXISTS);
    unlink(other);
    assert_int_equal(iam_master_key_load(dir, k2, &diag), IAM_E_INVALID);
    assert_int_equal(iam_master_key_create("/nonexistent-dir/x.key", &diag), IAM_E_IO);

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_equal_wipe_random),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hkdf_rfc5869),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_seal_roundtrip_and_tamper),
        cmocka_unit_test(test_seal_epochs_and_masters),
        cmocka_unit_test(test_master_key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
