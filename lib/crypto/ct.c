/* ct.c - constant-time comparison, wiping and the random source.
 * Thin wrappers over OpenSSL so that the rest of libiam never calls memcmp
 * on a secret or forgets that a plain memset before free can be elided. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "iam/crypto.h"

bool iam_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    /* Only the lengths may leak: they are public (a hex signature is always
     * 64 chars; a MAC always 32 bytes). */
    if (alen != blen)
        return false;
    if (alen == 0)
        return true;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

void iam_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}

iam_err iam_random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    size_t left = n;

    /* RAND_bytes takes an int; larger requests go in chunks. */
    while (left > 0) {
        int chunk = left > (size_t)INT_MAX ? INT_MAX : (int)left;
        if (RAND_bytes(p, chunk) != 1) {
            iam_wipe(out, n); /* never hand out partially random bytes */
            return IAM_E_CRYPTO;
        }
        p += chunk;
        left -= (size_t)chunk;
    }
    return IAM_OK;
}
