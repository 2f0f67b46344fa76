/* ids.c - AWS-shaped identifiers (AIDA..., AKIA...), secret access keys and
 * account ids. Every character is drawn without modulo bias: the alphabets
 * have 32 and 64 symbols, so masking a random byte is exact; digits use
 * rejection sampling. */
#include <string.h>

#include "iam/crypto.h"

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char secret_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define ID_PREFIX_LEN 4
#define ID_RANDOM_MAX (IAM_ID_LEN - ID_PREFIX_LEN)

static bool is_base32_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
}

size_t iam_id_length(const char *prefix)
{
    /* Access key ids are one character shorter than entity ids on AWS
     * (AKIAIOSFODNN7EXAMPLE vs AIDAJQABLZS4A3QDU576Q). */
    if (prefix != NULL && (strncmp(prefix, "AKIA", 4) == 0 || strncmp(prefix, "ASIA", 4) == 0))
        return IAM_KEY_ID_LEN;
    return IAM_ID_LEN;
}

iam_err iam_id_new(const char *prefix, char out[IAM_ID_LEN + 1])
{
    uint8_t rnd[ID_RANDOM_MAX];
    iam_err err;
    size_t n;

    if (prefix == NULL || strlen(prefix) != ID_PREFIX_LEN)
        return IAM_E_INVALID;
    for (size_t i = 0; i < ID_PREFIX_LEN; i++)
        if (!is_base32_char(prefix[i]))
            return IAM_E_INVALID;
    n = iam_id_length(prefix) - ID_PREFIX_LEN;
    err = iam_random_bytes(rnd, n);
    if (err != IAM_OK)
        return err;
    memcpy(out, prefix, ID_PREFIX_LEN);
    for (size_t i = 0; i < n; i++)
        out[ID_PREFIX_LEN + i] = base32_alphabet[rnd[i] & 31];
    out[ID_PREFIX_LEN + n] = '\0';
    return IAM_OK;
}

void iam_id_derive(const char *prefix, iam_str name, char out[IAM_ID_LEN + 1])
{
    uint8_t md[32];
    size_t plen = prefix ? strnlen(prefix, ID_PREFIX_LEN) : 0, n;

    for (size_t i = 0; i < ID_PREFIX_LEN; i++)
        out[i] = i < plen ? prefix[i] : 'A';
    /* HMAC keyed by the (padded) prefix over the name: deterministic, and
     * one name gives unrelated ids under different prefixes. */
    iam_hmac_sha256(out, ID_PREFIX_LEN, name.ptr, name.len, md);
    n = iam_id_length(out) - ID_PREFIX_LEN;
    for (size_t i = 0; i < n; i++)
        out[ID_PREFIX_LEN + i] = base32_alphabet[md[i] & 31];
    out[ID_PREFIX_LEN + n] = '\0';
}

iam_err iam_secret_key_new(char out[IAM_SECRET_KEY_LEN + 1])
{
    uint8_t rnd[IAM_SECRET_KEY_LEN];
    iam_err err = iam_random_bytes(rnd, sizeof rnd);

    out[0] = '\0';
    if (err != IAM_OK)
        return err;
    for (size_t i = 0; i < IAM_SECRET_KEY_LEN; i++)
        out[i] = secret_alphabet[rnd[i] & 63];
    out[IAM_SECRET_KEY_LEN] = '\0';
    iam_wipe(rnd, sizeof rnd);
    return IAM_OK;
}

iam_err iam_account_id_new(char out[13])
{
    uint8_t rnd[32];
    char digits[12];
    size_t have = 0, used = sizeof rnd;

    /* Rejection sampling: a byte below 250 (resp. 252) maps uniformly onto
     * 10 (resp. 9) digits. About 2% of bytes are rejected, so 32 bytes per
     * refill almost always suffice; loop until 12 digits are drawn. */
    while (have < 12) {
        if (used == sizeof rnd) {
            iam_err err = iam_random_bytes(rnd, sizeof rnd);
            if (err != IAM_OK)
                return err;
            used = 0;
        }
        uint8_t b = rnd[used++];
        if (have == 0) {
            if (b < 252)
                digits[have++] = (char)('1' + b % 9);
        } else if (b < 250) {
            digits[have++] = (char)('0' + b % 10);
        }
    }
    memcpy(out, digits, 12);
    out[12] = '\0';
    return IAM_OK;
}
