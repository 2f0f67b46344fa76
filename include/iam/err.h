/* iam/err.h - the one error type of libiam, the diagnostic it carries, and
 * the visibility/attribute macros every public header uses.
 * Every fallible libiam call returns iam_err (IAM_OK == 0); outputs are set
 * on success only and are NULL/zero on every error path. */
#ifndef IAM_ERR_H
#define IAM_ERR_H
#include <stddef.h>

#if defined(__GNUC__)
#define IAM_API __attribute__((visibility("default")))
#define IAM_NODISCARD __attribute__((warn_unused_result))
#else
#define IAM_API
#define IAM_NODISCARD
#endif

typedef enum iam_err {
    IAM_OK = 0,
    IAM_E_INVALID,   /* bad argument from the caller */
    IAM_E_NOMEM,     /* an allocation failed; nothing was changed */
    IAM_E_SYNTAX,    /* input is not well-formed (JSON syntax, bad token) */
    IAM_E_MALFORMED, /* well-formed but not a valid document of its kind */
    IAM_E_LIMIT,     /* a size or count limit was exceeded */
    IAM_E_IO,        /* reading or writing a file failed */
    IAM_E_NOTFOUND,  /* the named entity does not exist */
    IAM_E_EXISTS,    /* an entity with that name or id already exists */
    IAM_E_CONFLICT,  /* the change would break a relation (delete in use) */
    IAM_E_CRYPTO,    /* a cryptographic check or primitive failed */
    IAM_E_STORE      /* the database failed (busy, corrupt, full) */
} iam_err;

/* Where and why a call failed. Filled on error when the caller passes one;
 * `path` is a JSON path such as "Statement[1].Condition.StringLike"
 * (empty when not applicable), line/column are 1-based or 0 when unknown. */
typedef struct iam_diag {
    char message[256];
    char path[192];
    int line;
    int column;
} iam_diag;

/* A short constant English name of an error code ("out of memory"). */
IAM_API const char *iam_err_str(iam_err err);

#endif /* IAM_ERR_H */
