/* auth_int.h - library-internal entry points of lib/auth (STS sessions),
 * shared with the unit tests and fuzz targets. The record format itself is
 * described in session.c. */
#ifndef IAM_AUTH_INT_H
#define IAM_AUTH_INT_H
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/session.h"

/* Version byte that starts every session record and overflow. */
#define IAM__SESSION_FORMAT 1
/* The longest record a token carries: the inline budget. */
#define IAM__SESSION_RECORD_MAX IAM_SESSION_INLINE_MAX

/* Parses a plaintext token record (what the sealed token holds) into *s,
 * whose slices then point into p. Strict: unknown version or field, fields
 * out of order or repeated (except policy ARNs and tags), lengths past the
 * end or over their limits, non-minimal varints, empty or zero values the
 * encoder omits, a ref together with spilled fields, or an invalid session
 * all give IAM_E_MALFORMED. *s is set on success only. */
iam_err iam__session_unpack(const uint8_t *p, size_t n, iam_session *s);

/* The canonical encodings iam__session_unpack / iam_session_decode_overflow
 * accept: a record (core fields, then ref when s->ref is set, else the
 * spilled fields) and an overflow (the spilled fields). IAM_E_INVALID for
 * an invalid session, IAM_E_LIMIT when cap is too small; *len set on
 * success (out NULL: measures only). */
iam_err iam__session_pack(const iam_session *s, uint8_t *out, size_t cap, size_t *len);
iam_err iam__session_pack_overflow(const iam_session *s, uint8_t *out, size_t cap, size_t *len);

#endif /* IAM_AUTH_INT_H */
