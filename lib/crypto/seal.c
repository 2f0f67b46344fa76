/* seal.c - the keyring, sealing (AES-256-GCM) and master-key files.
 * One master key protects every secret at rest (access-key secrets, MFA
 * seeds, session tokens). Each (purpose, epoch) gets its own key, derived
 * with HKDF-SHA256, so a blob sealed for one purpose never opens as another
 * and rotating the epoch changes every new key without re-keying old rows.
 * Blob layout and guarantees: iam/crypto.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/common_int.h"
#include "crypto/crypto_int.h"

#define SEAL_VERSION 1
#define SEAL_HDR (1 + 4)  /* version | epoch */
#define SEAL_NONCE 12
#define SEAL_TAG 16
#define KEY_CACHE 16      /* derived keys kept; purposes x live epochs is small */

/* HKDF salt: a fixed, public domain separator for this format version. */
static const char seal_salt[] = "iamd seal v1";

typedef struct derived_key {
    bool used;
    uint32_t epoch;
    size_t purpose_len;
    char purpose[IAM_SEAL_PURPOSE_MAX];
    uint8_t key[32];
} derived_key;

struct iam_keyring {
    uint8_t master[IAM_MASTER_KEY_LEN];
    uint32_t epoch;
    /* The cache below is the only mutable state; the lock makes a shared
     * keyring safe to use from every request thread. */
    pthread_mutex_t lock;
    derived_key cache[KEY_CACHE];
    size_t next_victim;
};

void iam__hkdf_sha256_32(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len, const void *info,
                         size_t info_len, uint8_t out[32])
{
    uint8_t prk[32], block[256 + 1];

    iam_hmac_sha256(salt, salt_len, ikm, ikm_len, prk);
    /* Callers pass short info strings; a longer one is cut, never overrun. */
    if (info_len > sizeof block - 1)
        info_len = sizeof block - 1;
    if (info_len)
        memcpy(block, info, info_len);
    block[info_len] = 0x01;
    iam_hmac_sha256(prk, sizeof prk, block, info_len + 1, out);
    iam_wipe(prk, sizeof prk);
}

iam_err iam_keyring_new(const uint8_t master[IAM_MASTER_KEY_LEN], uint32_t epoch, iam_keyring **out)
{
    iam_keyring *kr;

    *out = NULL;
    if (master == NULL)
        return IAM_E_INVALID;
    kr = iam__calloc(1, sizeof *kr);
    if (kr == NULL)
        return IAM_E_NOMEM;
    if (pthread_mutex_init(&kr->lock, NULL) != 0) {
        iam__free(kr);
        return IAM_E_CRYPTO;
    }
    memcpy(kr->master, master, IAM_MASTER_KEY_LEN);
    kr->epoch = epoch;
    *out = kr;
    return IAM_OK;
}

void iam_keyring_free(iam_keyring *kr)
{
    if (kr == NULL)
        return;
    pthread_mutex_destroy(&kr->lock);
    iam_wipe(kr, sizeof *kr);
    iam__free(kr);
}

static bool purpose_ok(const char *purpose, size_t *len)
{
    if (purpose == NULL)
        return false;
    *len = strnlen(purpose, IAM_SEAL_PURPOSE_MAX + 1);
    return *len > 0 && *len <= IAM_SEAL_PURPOSE_MAX;
}

/* The key for (purpose, epoch), from the cache or derived into it. */
static void keyring_key(const iam_keyring *ckr, const char *purpose, size_t plen, uint32_t epoch, uint8_t out[32])
{
    /* The cache is logically invisible, hence the const API. */
    iam_keyring *kr = (iam_keyring *)(uintptr_t)ckr;
    uint8_t info[IAM_SEAL_PURPOSE_MAX + 16];
    size_t ilen = 0;

    pthread_mutex_lock(&kr->lock);
    for (size_t i = 0; i < KEY_CACHE; i++) {
        derived_key *d = &kr->cache[i];
        if (d->used && d->epoch == epoch && d->purpose_len == plen && memcmp(d->purpose, purpose, plen) == 0) {
            memcpy(out, d->key, 32);
            pthread_mutex_unlock(&kr->lock);
            return;
        }
    }
    /* info = "iamd-seal" 0x00 purpose 0x00 epoch(be32): the NULs keep
     * the fields apart, since purpose strings cannot contain NUL. */
    memcpy(info, "iamd-seal", 9);
    ilen = 9;
    info[ilen++] = 0;
    memcpy(info + ilen, purpose, plen);
    ilen += plen;
    info[ilen++] = 0;
    info[ilen++] = (uint8_t)(epoch >> 24);
    info[ilen++] = (uint8_t)(epoch >> 16);
    info[ilen++] = (uint8_t)(epoch >> 8);
    info[ilen++] = (uint8_t)epoch;
    iam__hkdf_sha256_32(seal_salt, sizeof seal_salt - 1, kr->master, sizeof kr->master, info, ilen, out);

    derived_key *d = &kr->cache[kr->next_victim];
    kr->next_victim = (kr->next_victim + 1) % KEY_CACHE;
    d->used = true;
    d->epoch = epoch;
    d->purpose_len = plen;
    memcpy(d->purpose, purpose, plen);
    memcpy(d->key, out, 32);
    pthread_mutex_unlock(&kr->lock);
}

iam_err iam__keyring_key(const iam_keyring *kr, const char *purpose, uint32_t epoch, uint8_t out[32])
{
    size_t plen;

    if (kr == NULL || out == NULL || !purpose_ok(purpose, &plen))
        return IAM_E_INVALID;
    keyring_key(kr, purpose, plen, epoch, out);
    return IAM_OK;
}

/* Feeds the associated data to GCM: the blob header, then the purpose with
 * its length (so purpose and aad cannot trade bytes), then the caller's aad. */
static bool gcm_aad(EVP_CIPHER_CTX *ctx, const uint8_t hdr[SEAL_HDR], const char *purpose, size_t plen, iam_str aad)
{
    uint8_t plen_be[4] = { 0, 0, 0, (uint8_t)plen }; /* plen <= 64 */
    int len;

    if (EVP_CipherUpdate(ctx, NULL, &len, hdr, SEAL_HDR) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &len, plen_be, sizeof plen_be) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)purpose, (int)plen) != 1)
        return false;
    if (aad.len > 0) {
        if (aad.len > INT32_MAX || EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)aad.ptr, (int)aad.len) != 1)
            return false;
    }
    return true;
}

iam_err iam_seal(const iam_keyring *kr, const char *purpose, iam_str aad, const void *plain, size_t n, uint8_t *out,
                 size_t *out_len)
{
    uint8_t key[32], *nonce, *ct;
    size_t plen;
    EVP_CIPHER_CTX *ctx = NULL;
    iam_err err = IAM_E_CRYPTO;
    int len;

    if (kr == NULL || out == NULL || !purpose_ok(purpose, &plen) || (plain == NULL && n > 0) || n > INT32_MAX)
        return IAM_E_INVALID;
    out[0] = SEAL_VERSION;
    out[1] = (uint8_t)(kr->epoch >> 24);
    out[2] = (uint8_t)(kr->epoch >> 16);
    out[3] = (uint8_t)(kr->epoch >> 8);
    out[4] = (uint8_t)kr->epoch;
    nonce = out + SEAL_HDR;
    ct = nonce + SEAL_NONCE;
    /* Random 96-bit nonces: safe for far more than the 2^32 seals per key
     * that a server writing secrets at human rates will ever make. */
    if (iam_random_bytes(nonce, SEAL_NONCE) != IAM_OK)
        return IAM_E_CRYPTO;
    keyring_key(kr, purpose, plen, kr->epoch, key);

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        goto done;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 || !gcm_aad(ctx, out, purpose, plen, aad))
        goto done;
    if (n > 0 && (EVP_EncryptUpdate(ctx, ct, &len, plain, (int)n) != 1 || (size_t)len != n))
        goto done;
    if (EVP_EncryptFinal_ex(ctx, ct + n, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG, ct + n) != 1)
        goto done;
    *out_len = n + IAM_SEAL_OVERHEAD;
    err = IAM_OK;
done:
    EVP_CIPHER_CTX_free(ctx);
    iam_wipe(key, sizeof key);
    return err;
}

iam_err iam_sealed_epoch(const uint8_t *blob, size_t n, uint32_t *out)
{
    if (blob == NULL || n < IAM_SEAL_OVERHEAD || blob[0] != SEAL_VERSION)
        return IAM_E_CRYPTO;
    *out = (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 8 | blob[4];
    return IAM_OK;
}

iam_err iam_unseal(const iam_keyring *kr, const char *purpose, iam_str aad, const uint8_t *blob, size_t n, void *out,
                   size_t *out_len)
{
    uint8_t key[32], tag[SEAL_TAG];
    const uint8_t *nonce, *ct;
    size_t plen, ctlen;
    uint32_t epoch;
    EVP_CIPHER_CTX *ctx = NULL;
    iam_err err = IAM_E_CRYPTO;
    int len;

    if (kr == NULL || !purpose_ok(purpose, &plen))
        return IAM_E_INVALID;
    if (iam_sealed_epoch(blob, n, &epoch) != IAM_OK || n - IAM_SEAL_OVERHEAD > INT32_MAX)
        return IAM_E_CRYPTO;
    ctlen = n - IAM_SEAL_OVERHEAD;
    if (out == NULL && ctlen > 0)
        return IAM_E_INVALID;
    nonce = blob + SEAL_HDR;
    ct = nonce + SEAL_NONCE;
    memcpy(tag, ct + ctlen, SEAL_TAG);
    keyring_key(kr, purpose, plen, epoch, key);

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        goto done;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 || !gcm_aad(ctx, blob, purpose, plen, aad))
        goto done;
    if (ctlen > 0 && (EVP_DecryptUpdate(ctx, out, &len, ct, (int)ctlen) != 1 || (size_t)len != ctlen))
        goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, ctlen > 0 ? (uint8_t *)out + ctlen : tag, &len) != 1)
        goto done; /* (GCM's final step writes nothing; an empty plaintext may have out == NULL) */
    *out_len = ctlen;
    err = IAM_OK;
done:
    /* GCM decrypts before it authenticates: on failure `out` holds
     * unauthenticated plaintext, which must not survive. */
    if (err != IAM_OK && out != NULL)
        iam_wipe(out, ctlen);
    EVP_CIPHER_CTX_free(ctx);
    iam_wipe(key, sizeof key);
    return err;
}

/* ---- master-key files ------------------------------------------------- */

#define KEY_HEX_LEN (2 * IAM_MASTER_KEY_LEN)

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

iam_err iam_master_key_create(const char *path, iam_diag *diag)
{
    uint8_t key[IAM_MASTER_KEY_LEN];
    char text[KEY_HEX_LEN + 2];
    iam_err err;
    int fd, saved;

    if (path == NULL || path[0] == '\0')
        return IAM_E_INVALID;
    err = iam_random_bytes(key, sizeof key);
    if (err != IAM_OK) {
        iam__diag_set(diag, NULL, 0, 0, "cannot generate a master key: random generator failed");
        return err;
    }
    iam_hex_encode(key, sizeof key, text);
    text[KEY_HEX_LEN] = '\n';
    iam_wipe(key, sizeof key);

    /* O_EXCL: never replace a key, since that would orphan every sealed
     * secret; O_NOFOLLOW: never write through a planted symlink. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        saved = errno;
        iam_wipe(text, sizeof text);
        iam__diag_set(diag, NULL, 0, 0, "cannot create master key file %s: %s", path, strerror(saved));
        return saved == EEXIST ? IAM_E_EXISTS : IAM_E_IO;
    }
    /* The umask can only remove bits from 0600, but be explicit anyway. */
    if (fchmod(fd, 0600) != 0 || !write_all(fd, text, KEY_HEX_LEN + 1) || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(path);
        iam_wipe(text, sizeof text);
        iam__diag_set(diag, NULL, 0, 0, "cannot write master key file %s: %s", path, strerror(saved));
        return IAM_E_IO;
    }
    iam_wipe(text, sizeof text);
    if (close(fd) != 0) {
        saved = errno;
        unlink(path);
        iam__diag_set(diag, NULL, 0, 0, "cannot write master key file %s: %s", path, strerror(saved));
        return IAM_E_IO;
    }
    return IAM_OK;
}

iam_err iam_master_key_load(const char *path, uint8_t out[IAM_MASTER_KEY_LEN], iam_diag *diag)
{
    char text[KEY_HEX_LEN + 8];
    uint8_t key[IAM_MASTER_KEY_LEN];
    struct stat st;
    size_t len = 0;
    iam_err err = IAM_E_MALFORMED;
    int fd, saved;

    if (path == NULL || path[0] == '\0')
        return IAM_E_INVALID;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        saved = errno;
        iam__diag_set(diag, NULL, 0, 0, "cannot open master key file %s: %s", path, strerror(saved));
        return saved == ENOENT ? IAM_E_NOTFOUND : saved == ELOOP ? IAM_E_INVALID : IAM_E_IO;
    }
    if (fstat(fd, &st) != 0) {
        saved = errno;
        close(fd);
        iam__diag_set(diag, NULL, 0, 0, "cannot stat master key file %s: %s", path, strerror(saved));
        return IAM_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        iam__diag_set(diag, NULL, 0, 0, "master key file %s is not a regular file", path);
        return IAM_E_INVALID;
    }
    /* As ssh does with private keys: a key others could read is already
     * compromised, so refuse it loudly rather than use it. */
    if ((st.st_mode & 077) != 0) {
        close(fd);
        iam__diag_set(diag, NULL, 0, 0,
                      "master key file %s is accessible by group or others (mode %03o); run: chmod 600 %s", path,
                      (unsigned)(st.st_mode & 0777), path);
        return IAM_E_INVALID;
    }
    while (len < sizeof text) {
        ssize_t r = read(fd, text + len, sizeof text - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            saved = errno;
            close(fd);
            iam_wipe(text, sizeof text);
            iam__diag_set(diag, NULL, 0, 0, "cannot read master key file %s: %s", path, strerror(saved));
            return IAM_E_IO;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len == KEY_HEX_LEN || (len == KEY_HEX_LEN + 1 && text[KEY_HEX_LEN] == '\n')) {
        err = IAM_OK;
        for (size_t i = 0; i < IAM_MASTER_KEY_LEN; i++) {
            int hi = iam__hex_value(text[2 * i]), lo = iam__hex_value(text[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                err = IAM_E_MALFORMED;
                break;
            }
            key[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    iam_wipe(text, sizeof text);
    if (err != IAM_OK) {
        iam_wipe(key, sizeof key);
        iam__diag_set(diag, NULL, 0, 0, "master key file %s is malformed: expected %d hex characters and a newline",
                      path, KEY_HEX_LEN);
        return err;
    }
    memcpy(out, key, sizeof key);
    iam_wipe(key, sizeof key);
    return IAM_OK;
}
