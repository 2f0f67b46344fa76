/* iam/totp.h - time-based one-time passwords (RFC 6238, HMAC-SHA-1) for
 * virtual MFA devices, and the QR code (a PNG of the otpauth:// URI) that
 * enrols a device in an authenticator app.
 * Codes are 6 digits over 30-second steps counted from the Unix epoch; a
 * check accepts the steps within IAM_TOTP_WINDOW of the server's step.
 * Replay protection is the caller's: it keeps, per device, the last step
 * it accepted and passes it in; only later steps match. Codes compare in
 * constant time. Seeds are secrets: callers wipe them after use. */
#ifndef IAM_TOTP_H
#define IAM_TOTP_H
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

#define IAM_TOTP_SEED_LEN 20     /* bytes, as AWS's virtual devices (160-bit SHA-1 key) */
#define IAM_TOTP_STEP 30         /* seconds */
#define IAM_TOTP_DIGITS 6
#define IAM_TOTP_WINDOW 1        /* steps either side of the server's */
#define IAM_TOTP_BASE32_MAX 64   /* base32 text of a seed up to 39 bytes, with NUL */

/* The step of epoch time `now` (floor(now / 30); negative times → 0). */
IAM_API int64_t iam_totp_step(int64_t now);

/* The code of `step` for `seed` into out (6 digits + NUL). IAM_E_INVALID for
 * an empty seed or a negative step, IAM_E_CRYPTO when liboath fails. */
IAM_API IAM_NODISCARD iam_err iam_totp_code(const uint8_t *seed, size_t seed_len, int64_t step,
                                            char out[IAM_TOTP_DIGITS + 1]);

/* Checks one code at time `now`: the steps step(now) - WINDOW ..
 * step(now) + WINDOW that are > last_step are tried, each compared in
 * constant time. IAM_OK sets *matched to the step the code belongs to;
 * IAM_E_SYNTAX when `code` is not 6 ASCII digits; IAM_E_NOTFOUND when no
 * allowed step matches (a wrong code, or a replay of an accepted one). */
IAM_API IAM_NODISCARD iam_err iam_totp_verify(const uint8_t *seed, size_t seed_len, int64_t now, iam_str code,
                                              int64_t last_step, int64_t *matched);

/* Checks two consecutive codes (EnableMFADevice, ResyncMFADevice): code1
 * for some step t and code2 for t + 1, both within the window of `now` and
 * after last_step. IAM_OK sets *matched to t + 1 (the step to remember);
 * errors as iam_totp_verify. */
IAM_API IAM_NODISCARD iam_err iam_totp_verify_pair(const uint8_t *seed, size_t seed_len, int64_t now, iam_str code1,
                                                   iam_str code2, int64_t last_step, int64_t *matched);

/* RFC 4648 base32 of the seed (upper case, no padding, as authenticator
 * apps take it) into out (cap bytes, NUL-terminated). IAM_E_LIMIT when it
 * does not fit. */
IAM_API IAM_NODISCARD iam_err iam_totp_base32(const uint8_t *seed, size_t seed_len, char *out, size_t cap);

/* A QR code (error correction level M, 8-bit mode) of `text` as a
 * greyscale PNG, 4 pixels per module with a 4-module quiet zone. *png
 * (free with iam_qr_free) and *len set on success; IAM_E_INVALID for empty
 * text, IAM_E_LIMIT when the text does not fit in a QR code, IAM_E_NOMEM. */
IAM_API IAM_NODISCARD iam_err iam_qr_png(iam_str text, uint8_t **png, size_t *len);
IAM_API void iam_qr_free(uint8_t *png); /* NULL is a no-op */

#endif /* IAM_TOTP_H */
