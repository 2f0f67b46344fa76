/* password.c - console passwords (login profiles) hashed with Argon2id via
 * libsodium's crypto_pwhash_str, at the INTERACTIVE cost (a login is a
 * human waiting; ~64 MiB and a few tens of ms). The encoded string carries
 * its parameters, so raising the cost later keeps old hashes verifiable.
 * sodium_init() runs once per process, whichever thread comes first. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "store/store_int.h"

_Static_assert(crypto_pwhash_STRBYTES <= IAM_PASSWORD_HASH_MAX, "IAM_PASSWORD_HASH_MAX too small");

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_state = -1;

static void sodium_setup(void) { sodium_state = sodium_init(); } /* 0, or 1 when already done */

static bool sodium_ready(void)
{
    return pthread_once(&sodium_once, sodium_setup) == 0 && sodium_state >= 0;
}

iam_err iam_password_hash(iam_str password, char out[IAM_PASSWORD_HASH_MAX])
{
    char buf[crypto_pwhash_STRBYTES];

    if ((password.ptr == NULL && password.len > 0) || password.len > crypto_pwhash_PASSWD_MAX)
        return IAM_E_INVALID;
    if (!sodium_ready())
        return IAM_E_CRYPTO;
    /* Fails only when it cannot get its memory. */
    if (crypto_pwhash_str(buf, password.ptr ? password.ptr : "", password.len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return IAM_E_NOMEM;
    memcpy(out, buf, sizeof buf);
    return IAM_OK;
}

bool iam_password_verify(const char *hash, iam_str password)
{
    if (hash == NULL || (password.ptr == NULL && password.len > 0) || !sodium_ready())
        return false;
    /* The encoded hash must be a terminated string within the bound. */
    if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
        return false;
    return crypto_pwhash_str_verify(hash, password.ptr ? password.ptr : "", password.len) == 0;
}
