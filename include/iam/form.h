/* iam/form.h - application/x-www-form-urlencoded and URL query decoding
 * (IAM/STS Query API bodies such as "Action=CreateUser&UserName=bob"), a
 * UTF-8 validator, and URI encoding by the SigV4 rules.
 * Ownership: iam_form_parse() returns a form that owns decoded copies of
 * every name and value; the slices it hands out live until iam_form_free().
 * Threads: a parsed form is immutable and may be read from any thread. */
#ifndef IAM_FORM_H
#define IAM_FORM_H
#include <stdbool.h>
#include <stddef.h>
#include "iam/err.h"
#include "iam/str.h"

/* One decoded parameter; both slices point into the form's own storage.
 * Each is followed by a NUL for the convenience of C APIs, but may itself
 * contain NUL bytes (from %00): always use the length. */
typedef struct iam_param {
    iam_str name;
    iam_str value;
} iam_param;

typedef struct iam_form iam_form; /* opaque, owns decoded copies */

/* 0 = defaults: 1000 params, 1 MiB of input. */
typedef struct iam_form_limits {
    size_t max_params;
    size_t max_bytes;
} iam_form_limits;
#define IAM_FORM_DEFAULT_MAX_PARAMS 1000
#define IAM_FORM_DEFAULT_MAX_BYTES ((size_t)1 << 20)

/* Decodes `in` ('+' is space, %XX, both in names and values; a name without
 * '=' has an empty value; empty pieces between '&' are skipped; the first
 * '=' splits, later ones belong to the value). `lim` may be NULL.
 * Errors (*out NULL): IAM_E_SYNTAX for a bad %-escape (diag names the
 * parameter and the byte offset in `in`), IAM_E_LIMIT over the limits,
 * IAM_E_NOMEM. Decoded bytes may contain NUL; they are kept as slices. */
IAM_API IAM_NODISCARD iam_err iam_form_parse(iam_str in, const iam_form_limits *lim, iam_form **out,
                                             iam_diag *diag);
/* NULL is a no-op. */
IAM_API void iam_form_free(iam_form *f);
/* Number of parameters (0 for NULL). */
IAM_API size_t iam_form_count(const iam_form *f);
/* The parameters in input order; iam_form_count() entries. */
IAM_API const iam_param *iam_form_params(const iam_form *f);
/* First value of `name` (exact, case-sensitive as AWS), or IAM_STR_NULL
 * (ptr NULL) when absent; present-but-empty has ptr != NULL, len 0.
 * Linear in the number of parameters (requests have a few dozen). */
IAM_API iam_str iam_form_get(const iam_form *f, iam_str name);

/* Whether `s` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). The empty string is valid. */
IAM_API bool iam_utf8_valid(iam_str s);

/* URI-encode per SigV4 rules (unreserved A-Z a-z 0-9 - . _ ~ kept; everything
 * else %XX with upper-case hex; '/' kept when keep_slash). Returns the bytes
 * needed; writes at most cap (NUL not written), so a first call with cap 0
 * sizes the buffer. */
IAM_API size_t iam_uri_encode(iam_str in, bool keep_slash, char *out, size_t cap);

#endif /* IAM_FORM_H */
