/* iam/crypto.h - the cryptographic primitives libiam uses: constant-time
 * comparison, wiping, randomness, SHA-256/HMAC, hex and base64, AWS-shaped
 * identifiers and secrets, and sealing (AES-256-GCM under HKDF-derived keys).
 * Ownership: every function writes into caller-provided buffers, except the
 * keyring, which iam_keyring_new() allocates and iam_keyring_free() wipes.
 * Threads: all functions are thread-safe; a keyring may be shared. */
#ifndef IAM_CRYPTO_H
#define IAM_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

/* ---- primitives --------------------------------------------------------- */

/* Constant-time equality of two byte strings (length leaks, content not). */
IAM_API bool iam_ct_equal(const void *a, size_t alen, const void *b, size_t blen);
/* Overwrites n bytes with zeros in a way the compiler cannot elide
 * (OPENSSL_cleanse). NULL with n == 0 is fine. */
IAM_API void iam_wipe(void *p, size_t n);
/* Fills out with n bytes from the OpenSSL CSPRNG. IAM_E_CRYPTO when the
 * generator fails (it is not seeded); out is then zeroed. */
IAM_API IAM_NODISCARD iam_err iam_random_bytes(void *out, size_t n);

/* SHA-256 of data[0..n). */
IAM_API void iam_sha256(const void *data, size_t n, uint8_t out[32]);
/* HMAC-SHA256 of data[0..n) under key[0..klen) (any key length). Cheap for
 * short inputs: no allocation and no algorithm lookup per call. */
IAM_API void iam_hmac_sha256(const void *key, size_t klen, const void *data, size_t n, uint8_t out[32]);
/* Lower-case hex of in[0..n): writes 2n chars + NUL (out needs 2n + 1). */
IAM_API void iam_hex_encode(const uint8_t *in, size_t n, char *out);

/* ---- identifiers and secrets -------------------------------------------- */

/* AWS-shaped identifiers. iam_id_new: prefix (e.g. "AIDA", "AKIA", "ASIA",
 * "AROA", "AGPA", "ANPA", "AIPA"; exactly 4 chars of A-Z and 2-7) followed by
 * random chars from AWS's alphabet (A-Z and 2-7, i.e. base32),
 * NUL-terminated. As on AWS, access key ids (AKIA, ASIA) have 20 chars in
 * all and unique ids of entities (AIDA, AROA, ...) 21: iam_id_length()
 * tells; out needs IAM_ID_LEN + 1 bytes. IAM_E_INVALID for another prefix,
 * IAM_E_CRYPTO when the generator fails. */
#define IAM_ID_LEN 21     /* the longest id */
#define IAM_KEY_ID_LEN 20 /* access key ids */
IAM_API size_t iam_id_length(const char *prefix);
IAM_API IAM_NODISCARD iam_err iam_id_new(const char *prefix, char out[IAM_ID_LEN + 1]);
/* Deterministic id of the same shape from a name (SHA-256 of prefix and
 * name), for AWS-managed policies that ship without ids. The same (prefix,
 * name) always gives the same id. A prefix shorter than 4 chars is padded
 * with 'A', a longer one cut to 4. */
IAM_API void iam_id_derive(const char *prefix, iam_str name, char out[IAM_ID_LEN + 1]);
/* A secret access key: 40 chars of base64 alphabet (A-Z a-z 0-9 + /),
 * NUL-terminated, 240 bits of entropy. IAM_E_CRYPTO when the generator
 * fails (out is then an empty string). */
#define IAM_SECRET_KEY_LEN 40
IAM_API IAM_NODISCARD iam_err iam_secret_key_new(char out[IAM_SECRET_KEY_LEN + 1]);
/* 12 random digits, first not 0, NUL-terminated (out needs 13 bytes). */
IAM_API IAM_NODISCARD iam_err iam_account_id_new(char out[13]);

/* ---- sealing ------------------------------------------------------------ */

/* Sealing: AES-256-GCM under keys derived with HKDF-SHA256 from a 32-byte
 * master key, per purpose and epoch. A sealed blob =
 *   1 byte format version | 4 bytes key epoch (big-endian) |
 *   12 bytes random nonce | ciphertext | 16 bytes tag.
 * The purpose string (e.g. "access-key", "mfa-seed", "session-token") and
 * the caller's associated data (e.g. the access key id the secret belongs
 * to) are authenticated, so a blob cannot be moved to another row or
 * purpose. The header (version, epoch) is authenticated too. */
#define IAM_MASTER_KEY_LEN 32
#define IAM_SEAL_OVERHEAD (1 + 4 + 12 + 16)
#define IAM_SEAL_PURPOSE_MAX 64 /* longest purpose string accepted */

/* Opaque: master key + cache of derived keys; thread-safe after creation. */
typedef struct iam_keyring iam_keyring;
/* Copies `master` into a new keyring whose iam_seal() uses `epoch`.
 * IAM_E_NOMEM, IAM_E_CRYPTO (mutex or library failure). */
IAM_API IAM_NODISCARD iam_err iam_keyring_new(const uint8_t master[IAM_MASTER_KEY_LEN], uint32_t epoch,
                                              iam_keyring **out);
/* Wipes the master and derived keys and frees; NULL is a no-op. */
IAM_API void iam_keyring_free(iam_keyring *kr);

/* Master-key file: 64 hex chars + newline, mode 0600.
 * create: writes a fresh random key; refuses to overwrite an existing path
 * (IAM_E_EXISTS) or follow a symlink; IAM_E_IO on other failures (the
 * partial file is removed).
 * load: refuses a file readable or writable by group/other (IAM_E_INVALID,
 * diag says so and how to fix it), a non-regular file, and a malformed one
 * (IAM_E_MALFORMED); IAM_E_IO / IAM_E_NOTFOUND when it cannot be read.
 * `out` is set on success only; diag may be NULL. */
IAM_API IAM_NODISCARD iam_err iam_master_key_create(const char *path, iam_diag *diag);
IAM_API IAM_NODISCARD iam_err iam_master_key_load(const char *path, uint8_t out[IAM_MASTER_KEY_LEN],
                                                  iam_diag *diag);

/* Seals plain[0..n) for `purpose` (1..IAM_SEAL_PURPOSE_MAX chars, NUL-
 * terminated) and `aad` under the keyring's current epoch. out must have room
 * for n + IAM_SEAL_OVERHEAD bytes; *out_len set on success. IAM_E_INVALID
 * for a bad purpose, IAM_E_CRYPTO when the library fails. */
IAM_API IAM_NODISCARD iam_err iam_seal(const iam_keyring *kr, const char *purpose, iam_str aad, const void *plain,
                                       size_t n, uint8_t *out, size_t *out_len);
/* Opens a blob made by iam_seal(). Fails with IAM_E_CRYPTO on a tampered
 * blob / wrong purpose / wrong aad / unknown format / short blob; out needs
 * n - IAM_SEAL_OVERHEAD bytes and holds no plaintext after a failure.
 * Epochs: the keyring derives the key for whatever epoch the blob names (so
 * old blobs keep opening after the current epoch moves on). */
IAM_API IAM_NODISCARD iam_err iam_unseal(const iam_keyring *kr, const char *purpose, iam_str aad,
                                         const uint8_t *blob, size_t n, void *out, size_t *out_len);
/* The epoch a blob was sealed under (to find rows to re-seal after a
 * rotation). IAM_E_CRYPTO when the blob is too short or of another format. */
IAM_API IAM_NODISCARD iam_err iam_sealed_epoch(const uint8_t *blob, size_t n, uint32_t *out);

/* ---- base64 --------------------------------------------------------------- */

/* base64 (standard alphabet, padded). iam_b64_encoded_len(n) is the size of
 * the encoding of n bytes including the NUL; iam_b64_encode writes it. */
IAM_API size_t iam_b64_encoded_len(size_t n);
IAM_API void iam_b64_encode(const uint8_t *in, size_t n, char *out);
/* Decodes canonical padded base64 (length a multiple of 4, '=' only at the
 * end, unused bits zero; no whitespace). IAM_E_SYNTAX on bad input,
 * IAM_E_LIMIT when the result does not fit in cap. *out_len set on success. */
IAM_API IAM_NODISCARD iam_err iam_b64_decode(iam_str in, uint8_t *out, size_t cap, size_t *out_len);

#endif /* IAM_CRYPTO_H */
