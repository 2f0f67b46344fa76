/* call.c - what every handler leans on: the per-request arena (srv_alloc,
 * srv_strndup, srv_strf), setting the AWS error of a call (srv_fail*), the
 * table of AWS error codes with their HTTP status and type, ARNs, request
 * ids and time formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "srv_int.h"

/* ---- arena ---- */

#define ARENA_BLOCK 8192

void *srv_arena_alloc(srv_arena *a, size_t n)
{
    void *p = srv_arena_alloc_raw(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *srv_arena_alloc_raw(srv_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (a->ibuf != NULL && a->icap - a->iused >= n) {
        void *p = a->ibuf + a->iused;
        a->iused += n;
        a->total += n;
        return p;
    }
    srv_arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void srv_arena_free(srv_arena *a)
{
    srv_arena_block *b = a->head;
    while (b != NULL) {
        srv_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
    a->iused = 0;
}

void *srv_alloc(srv_call *c, size_t n) { return srv_arena_alloc(&srv_req_of(c)->arena, n); }

char *srv_strndup(srv_call *c, iam_str s)
{
    char *p = srv_alloc(c, s.len + 1);
    if (p != NULL && s.len > 0)
        memcpy(p, s.ptr, s.len);
    return p;
}

static char *vstrf(srv_call *c, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static char *vstrf(srv_call *c, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return NULL;
    }
    char *p = srv_alloc(c, (size_t)n + 1);
    if (p != NULL) {
        if ((size_t)n < sizeof small)
            memcpy(p, small, (size_t)n + 1);
        else
            vsnprintf(p, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    return p;
}

char *srv_strf(srv_call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vstrf(c, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- errors ---- */

typedef struct err_row {
    const char *code;
    int status;
    bool receiver;
} err_row;

/* AWS's codes for IAM and the common Query API errors (IAM API reference,
 * "Common Errors"), with their documented HTTP status. Sorted by code. */
static const err_row k_errors[] = {
    { "AccessDenied", 403, false },
    { "ConcurrentModification", 409, false },
    { "CredentialReport", 410, false },
    { "DeleteConflict", 409, false },
    { "DuplicateCertificate", 409, false },
    { "DuplicateSSHPublicKey", 400, false },
    { "EntityAlreadyExists", 409, false },
    { "EntityTemporarilyUnmodifiable", 409, false },
    { "ExpiredToken", 400, false },
    { "IncompleteSignature", 400, false },
    { "InternalFailure", 500, true },
    { "InvalidAction", 400, false },
    { "InvalidAuthenticationCode", 403, false },
    { "InvalidCertificate", 400, false },
    { "InvalidClientTokenId", 403, false },
    { "InvalidInput", 400, false },
    { "InvalidParameterCombination", 400, false },
    { "InvalidParameterValue", 400, false },
    { "InvalidPublicKey", 400, false },
    { "InvalidQueryParameter", 400, false },
    { "InvalidUserType", 400, false },
    { "KeyPairMismatch", 400, false },
    { "LimitExceeded", 409, false },
    { "MalformedCertificate", 400, false },
    { "MalformedPolicyDocument", 400, false },
    { "MalformedQueryString", 404, false },
    { "MissingAction", 400, false },
    { "MissingAuthenticationToken", 403, false },
    { "MissingParameter", 400, false },
    { "NoSuchEntity", 404, false },
    { "NotAuthorized", 400, false },
    { "OpenIdIdpCommunicationError", 400, false },
    { "OptInRequired", 403, false },
    { "PasswordPolicyViolation", 400, false },
    { "PolicyEvaluation", 500, true },
    { "PolicyNotAttachable", 400, false },
    { "ReportGenerationLimitExceeded", 409, false },
    { "RequestEntityTooLarge", 413, false },
    { "RequestExpired", 400, false },
    { "ServiceFailure", 500, true },
    { "ServiceNotSupported", 404, false },
    { "ServiceUnavailable", 503, true },
    { "SignatureDoesNotMatch", 403, false },
    { "Throttling", 400, false },
    { "UnmodifiableEntity", 400, false },
    { "UnrecognizedPublicKeyEncoding", 400, false },
    { "UnsupportedMediaType", 415, false },
    { "ValidationError", 400, false },
};

static const err_row *err_find(const char *code)
{
    size_t lo = 0, hi = sizeof k_errors / sizeof k_errors[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(code, k_errors[mid].code);
        if (cmp == 0)
            return &k_errors[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int srv_error_status(const char *code)
{
    const err_row *r = code ? err_find(code) : NULL;
    return r ? r->status : 400; /* an unlisted code is the caller's fault unless said otherwise */
}

const char *srv_error_type(const char *code)
{
    const err_row *r = code ? err_find(code) : NULL;
    return r && r->receiver ? "Receiver" : "Sender";
}

void srv_fail_set(srv_call *c, const char *code, int status, const char *type, const char *msg)
{
    c->err_code = code;
    c->err_status = status;
    c->err_type = type;
    c->err_message = srv_strndup(c, iam_str_from_cstr(msg ? msg : ""));
}

bool srv_fail(srv_call *c, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vstrf(c, fmt, ap);
    va_end(ap);
    c->err_code = code;
    c->err_status = srv_error_status(code);
    c->err_type = srv_error_type(code);
    c->err_message = msg ? msg : (char *)"";
    return false;
}

bool srv_fail_err(srv_call *c, iam_err err, const char *what)
{
    const char *w = what ? what : "entity";
    switch (err) {
    case IAM_OK:
        return true;
    case IAM_E_NOTFOUND:
        return srv_fail(c, "NoSuchEntity", "The %s cannot be found.", w);
    case IAM_E_EXISTS:
        return srv_fail(c, "EntityAlreadyExists", "The %s already exists.", w);
    case IAM_E_CONFLICT:
        return srv_fail(c, "DeleteConflict", "Cannot delete the %s: it must first be detached or emptied.", w);
    case IAM_E_LIMIT:
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for %s.", w);
    case IAM_E_INVALID:
    case IAM_E_MALFORMED:
    case IAM_E_SYNTAX:
        return srv_fail(c, "InvalidInput", "Invalid %s.", w);
    default:
        srv_log(SRV_LOG_ERROR, "store call failed", "what", w, "error", iam_err_str(err), "request_id",
                srv_req_of(c)->request_id, NULL);
        return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
    }
}

/* ---- ARNs and settings ---- */

const char *srv_partition(const srv_call *c)
{
    const srv_request *r = (const srv_request *)(const void *)c;
    return r->srv && r->srv->cfg && r->srv->cfg->partition ? r->srv->cfg->partition : "aws";
}

char *srv_arn(srv_call *c, const char *account, const char *type, iam_str path, iam_str name)
{
    if (path.len == 0)
        path = IAM_STR("/");
    return srv_strf(c, "arn:%s:iam::%s:%s%.*s%.*s", srv_partition(c), account, type, (int)path.len, path.ptr,
                    (int)name.len, name.ptr);
}

const srv_quotas *srv_quota(const srv_call *c)
{
    const srv_request *r = (const srv_request *)(const void *)c;
    return &r->srv->cfg->quotas;
}

const iam_keyring *srv_keyring(const srv_call *c)
{
    const srv_request *r = (const srv_request *)(const void *)c;
    return r->srv->keyring;
}

/* ---- ids and time ---- */

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm):
 * every reply formats several timestamps, and gmtime_r + snprintf were a
 * visible share of a GetUser. */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void two(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void srv_iso8601(int64_t epoch, char out[21])
{
    int64_t days = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
    int64_t secs = epoch - days * 86400;
    int64_t y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    two(out, (unsigned)(y / 100));
    two(out + 2, (unsigned)(y % 100));
    out[4] = '-';
    two(out + 5, m);
    out[7] = '-';
    two(out + 8, d);
    out[10] = 'T';
    two(out + 11, (unsigned)(secs / 3600));
    out[13] = ':';
    two(out + 14, (unsigned)(secs / 60 % 60));
    out[16] = ':';
    two(out + 17, (unsigned)(secs % 60));
    out[19] = 'Z';
    out[20] = 0;
}

/* Request ids need uniqueness, not secrecy: a per-thread 128-bit state
 * seeded once from the CSPRNG and stepped with SplitMix64 costs a few
 * nanoseconds instead of a RAND_bytes call per request. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void srv_uuid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    static _Thread_local uint64_t state[2];
    static _Thread_local bool seeded;
    if (!seeded) {
        if (iam_random_bytes(state, sizeof state) != IAM_OK) {
            state[0] = (uint64_t)srv_mono_ns();
            state[1] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&state;
        }
        seeded = true;
    }
    uint64_t a = splitmix(&state[0]), b = splitmix(&state[1]);
    uint8_t by[16];
    memcpy(by, &a, 8);
    memcpy(by + 8, &b, 8);
    by[6] = (uint8_t)((by[6] & 0x0f) | 0x40);
    by[8] = (uint8_t)((by[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[by[i] >> 4];
        out[o++] = hex[by[i] & 15];
    }
    out[o] = 0;
}

int64_t srv_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
