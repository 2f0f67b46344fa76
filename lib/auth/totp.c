/* totp.c - RFC 6238 codes for virtual MFA devices through Debian's liboath
 * (HMAC-SHA-1, 30-second steps, 6 digits), the window and replay rules of
 * iam/totp.h, and base32 for the seed the device is given.
 * liboath generates; the comparison is ours: its validate functions stop at
 * the first matching step and compare with strcmp, which leaks timing. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <oath.h>

#include "common/common_int.h"
#include "iam/crypto.h"
#include "iam/totp.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc = OATH_OK;

static void oath_once(void) { g_init_rc = oath_init(); }

int64_t iam_totp_step(int64_t now) { return now < 0 ? 0 : now / IAM_TOTP_STEP; }

iam_err iam_totp_code(const uint8_t *seed, size_t seed_len, int64_t step, char out[IAM_TOTP_DIGITS + 1])
{
    char buf[IAM_TOTP_DIGITS + 1];
    if (seed == NULL || seed_len == 0 || step < 0 || out == NULL)
        return IAM_E_INVALID;
    if ((int64_t)(time_t)(step * IAM_TOTP_STEP) != step * IAM_TOTP_STEP)
        return IAM_E_INVALID;
    pthread_once(&g_once, oath_once);
    if (g_init_rc != OATH_OK)
        return IAM_E_CRYPTO;
    /* liboath counts steps from the start offset: step * 30 is the first
     * second of `step`. */
    int rc = oath_totp_generate((const char *)seed, seed_len, (time_t)(step * IAM_TOTP_STEP), IAM_TOTP_STEP, 0,
                                IAM_TOTP_DIGITS, buf);
    if (rc != OATH_OK) {
        iam_wipe(buf, sizeof buf);
        return IAM_E_CRYPTO;
    }
    memcpy(out, buf, sizeof buf);
    iam_wipe(buf, sizeof buf);
    return IAM_OK;
}

static bool code_shape(iam_str code)
{
    if (code.len != IAM_TOTP_DIGITS || code.ptr == NULL)
        return false;
    for (size_t i = 0; i < code.len; i++)
        if (code.ptr[i] < '0' || code.ptr[i] > '9')
            return false;
    return true;
}

/* Whether `code` is the code of `step`, in constant time. */
static iam_err code_is(const uint8_t *seed, size_t seed_len, int64_t step, iam_str code, bool *eq)
{
    char want[IAM_TOTP_DIGITS + 1];
    iam_err err = iam_totp_code(seed, seed_len, step, want);
    if (err == IAM_OK)
        *eq = iam_ct_equal(want, IAM_TOTP_DIGITS, code.ptr, code.len);
    iam_wipe(want, sizeof want);
    return err;
}

iam_err iam_totp_verify(const uint8_t *seed, size_t seed_len, int64_t now, iam_str code, int64_t last_step,
                        int64_t *matched)
{
    if (seed == NULL || seed_len == 0 || matched == NULL)
        return IAM_E_INVALID;
    if (!code_shape(code))
        return IAM_E_SYNTAX;
    int64_t cur = iam_totp_step(now), found = -1;
    /* Every step of the window is computed and compared, whether or not an
     * earlier one matched, so the time taken does not say which did. */
    for (int64_t s = cur - IAM_TOTP_WINDOW; s <= cur + IAM_TOTP_WINDOW; s++) {
        bool eq = false;
        if (s < 0)
            continue;
        iam_err err = code_is(seed, seed_len, s, code, &eq);
        if (err != IAM_OK)
            return err;
        if (eq && s > last_step && found < 0)
            found = s;
    }
    if (found < 0)
        return IAM_E_NOTFOUND;
    *matched = found;
    return IAM_OK;
}

iam_err iam_totp_verify_pair(const uint8_t *seed, size_t seed_len, int64_t now, iam_str code1, iam_str code2,
                             int64_t last_step, int64_t *matched)
{
    if (seed == NULL || seed_len == 0 || matched == NULL)
        return IAM_E_INVALID;
    if (!code_shape(code1) || !code_shape(code2))
        return IAM_E_SYNTAX;
    int64_t cur = iam_totp_step(now), found = -1;
    /* t and t + 1 both inside [cur - W, cur + W]. */
    for (int64_t t = cur - IAM_TOTP_WINDOW; t + 1 <= cur + IAM_TOTP_WINDOW; t++) {
        bool eq1 = false, eq2 = false;
        if (t < 0)
            continue;
        iam_err err = code_is(seed, seed_len, t, code1, &eq1);
        if (err == IAM_OK)
            err = code_is(seed, seed_len, t + 1, code2, &eq2);
        if (err != IAM_OK)
            return err;
        if (eq1 && eq2 && t > last_step && found < 0)
            found = t + 1;
    }
    if (found < 0)
        return IAM_E_NOTFOUND;
    *matched = found;
    return IAM_OK;
}

iam_err iam_totp_base32(const uint8_t *seed, size_t seed_len, char *out, size_t cap)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if ((seed == NULL && seed_len > 0) || out == NULL)
        return IAM_E_INVALID;
    size_t need = (seed_len * 8 + 4) / 5 + 1;
    if (need > cap)
        return IAM_E_LIMIT;
    size_t w = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < seed_len; i++) {
        acc = (acc << 8) | seed[i];
        bits += 8;
        while (bits >= 5) {
            out[w++] = alphabet[(acc >> (bits - 5)) & 31u];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[w++] = alphabet[(acc << (5 - bits)) & 31u];
    out[w] = '\0';
    acc = 0;
    return IAM_OK;
}
