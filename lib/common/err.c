/* err.c - error names and the bounded diagnostic formatter. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/common_int.h"

const char *iam_err_str(iam_err err)
{
    switch (err) {
    case IAM_OK: return "ok";
    case IAM_E_INVALID: return "invalid argument";
    case IAM_E_NOMEM: return "out of memory";
    case IAM_E_SYNTAX: return "syntax error";
    case IAM_E_MALFORMED: return "malformed document";
    case IAM_E_LIMIT: return "limit exceeded";
    case IAM_E_IO: return "input/output error";
    case IAM_E_NOTFOUND: return "not found";
    case IAM_E_EXISTS: return "already exists";
    case IAM_E_CONFLICT: return "conflict";
    case IAM_E_CRYPTO: return "cryptographic failure";
    case IAM_E_STORE: return "store failure";
    }
    return "unknown error";
}

void iam__diag_set(iam_diag *d, const char *path, int line, int col, const char *fmt, ...)
{
    va_list ap;
    if (d == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    snprintf(d->path, sizeof d->path, "%s", path ? path : "");
    d->line = line;
    d->column = col;
}

bool iam__str_eq_nocase(iam_str a, iam_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (iam__lower(a.ptr[i]) != iam__lower(b.ptr[i]))
            return false;
    return true;
}
