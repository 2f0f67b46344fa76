/* parse.c - step 1 of SigV4 verification: find and parse the credentials
 * of a request (Authorization header or presigned query) without secrets.
 * Everything is read with explicit lengths and capped; error messages
 * imitate the ones IAM and STS return, so that SDK users see familiar text.
 * Header:    Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/
 *            us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date,
 *            Signature=<64 hex>   + X-Amz-Date (or Date) header
 * Presigned: ?X-Amz-Algorithm=..&X-Amz-Credential=..&X-Amz-Date=..
 *            &X-Amz-Expires=..&X-Amz-SignedHeaders=..&X-Amz-Signature=.. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto_int.h"
#include "sigv4/sigv4_int.h"

#define MAX_SCOPE_PART 64 /* region and service names are short */

static iam_sigv4_status fail(iam_sigv4_auth *auth, iam_sigv4_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static iam_sigv4_status fail(iam_sigv4_auth *auth, iam_sigv4_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(auth->message, sizeof auth->message, fmt, ap);
    va_end(ap);
    return st;
}

/* printf precision for a slice, capped so one field cannot fill a message */
#define SL(s, max) (int)((s).len > (max) ? (max) : (s).len), (s).ptr

static iam_str trim(iam_str s)
{
    while (s.len > 0 && iam__sigv4_ws(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && iam__sigv4_ws(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static bool eq_lit(iam_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

/* Scope part: region or service, [a-z0-9-]+ (AWS names are lower-case). */
static bool scope_part_ok(iam_str s)
{
    if (s.len == 0 || s.len > MAX_SCOPE_PART)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Credential = AKID/yyyymmdd/region/service/aws4_request. */
static iam_sigv4_status parse_credential(iam_sigv4_auth *auth, iam_str cred)
{
    iam_str part[5];
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= cred.len; i++) {
        if (i == cred.len || cred.ptr[i] == '/') {
            if (n == 5)
                return fail(auth, IAM_SIGV4_INCOMPLETE,
                            "Credential should be scoped with a valid terminator: 'aws4_request'. Credential=%.*s",
                            SL(cred, 100));
            part[n++] = (iam_str){ cred.ptr + start, i - start };
            start = i + 1;
        }
    }
    if (n < 5)
        return fail(auth, IAM_SIGV4_INCOMPLETE,
                    "Credential should be formed as '<key>/<date>/<region>/<service>/aws4_request'. Credential=%.*s",
                    SL(cred, 100));
    if (part[0].len == 0 || part[0].len > 128)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Credential must start with a valid access key id.");
    for (size_t i = 0; i < part[0].len; i++) {
        char c = part[0].ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return fail(auth, IAM_SIGV4_INCOMPLETE, "Credential must start with a valid access key id.");
    }
    int64_t t;
    char iso[16];
    if (part[1].len == 8) {
        memcpy(iso, part[1].ptr, 8);
        memcpy(iso + 8, "T000000Z", 8);
    }
    if (part[1].len != 8 || !iam__sigv4_parse_iso((iam_str){ iso, 16 }, &t))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Invalid credential date \"%.*s\". It must be in YYYYMMDD format.",
                    SL(part[1], 32));
    if (!eq_lit(part[4], IAM__SIGV4_TERMINATOR))
        return fail(auth, IAM_SIGV4_INCOMPLETE,
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '%.*s'.",
                    SL(part[4], 40));
    if (!scope_part_ok(part[2]))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Credential should be scoped to a valid region, not '%.*s'.",
                    SL(part[2], 40));
    if (!scope_part_ok(part[3]))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Credential should be scoped to a valid service, not '%.*s'.",
                    SL(part[3], 40));
    auth->access_key_id = part[0];
    auth->date = part[1];
    auth->region = part[2];
    auth->service = part[3];
    return IAM_SIGV4_OK;
}

/* SignedHeaders: lower-case header names separated by ';', host among them. */
static iam_sigv4_status parse_signed_headers(iam_sigv4_auth *auth, iam_str sh)
{
    size_t n = 0, start = 0;
    bool host = false;

    if (sh.len == 0)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "SignedHeaders must not be empty.");
    for (size_t i = 0; i <= sh.len; i++) {
        if (i < sh.len && sh.ptr[i] != ';') {
            char c = sh.ptr[i];
            /* an RFC 9110 token, lower-case */
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL) ||
                c == '\0')
                return fail(auth, IAM_SIGV4_INCOMPLETE,
                            "SignedHeaders must list lower-case header names separated by ';'. SignedHeaders=%.*s",
                            SL(sh, 100));
            continue;
        }
        iam_str name = { sh.ptr + start, i - start };
        if (name.len == 0)
            return fail(auth, IAM_SIGV4_INCOMPLETE, "SignedHeaders contains an empty header name. SignedHeaders=%.*s",
                        SL(sh, 100));
        if (++n > IAM_SIGV4_MAX_SIGNED_HEADERS)
            return fail(auth, IAM_SIGV4_INCOMPLETE, "SignedHeaders lists more than %d headers.",
                        IAM_SIGV4_MAX_SIGNED_HEADERS);
        host |= eq_lit(name, "host");
        start = i + 1;
    }
    if (!host)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    auth->signed_headers = sh;
    return IAM_SIGV4_OK;
}

static iam_sigv4_status parse_signature(iam_sigv4_auth *auth, iam_str sig)
{
    bool ok = sig.len == 64;
    for (size_t i = 0; ok && i < sig.len; i++)
        ok = (sig.ptr[i] >= '0' && sig.ptr[i] <= '9') || (sig.ptr[i] >= 'a' && sig.ptr[i] <= 'f');
    if (!ok)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Signature must be 64 lower-case hexadecimal characters.");
    auth->signature_hex = sig;
    return IAM_SIGV4_OK;
}

/* Limits on the request as a whole, so canonicalisation never runs out of
 * its fixed arrays and never spends unbounded time. */
static iam_sigv4_status check_limits(const iam_http_request *req, iam_sigv4_auth *auth)
{
    size_t params = 0, slashes = 0;
    if (req->n_headers > IAM_SIGV4_MAX_HEADERS)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The request has more than %d headers.", IAM_SIGV4_MAX_HEADERS);
    for (size_t i = 0; i < req->query.len;) {
        const char *amp = memchr(req->query.ptr + i, '&', req->query.len - i);
        size_t end = amp ? (size_t)(amp - req->query.ptr) : req->query.len;
        params += end > i;
        i = end + 1;
    }
    if (params > IAM_SIGV4_MAX_QUERY_PARAMS)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The query string has more than %d parameters.",
                    IAM_SIGV4_MAX_QUERY_PARAMS);
    for (size_t i = 0; i < req->path.len; i++)
        slashes += req->path.ptr[i] == '/';
    if (slashes >= IAM__SIGV4_MAX_PATH_SEGMENTS)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The request path has more than %d segments.",
                    IAM__SIGV4_MAX_PATH_SEGMENTS - 1);
    return IAM_SIGV4_OK;
}

/* The scope date must be the day of the request date. */
static iam_sigv4_status check_scope_date(iam_sigv4_auth *auth)
{
    if (memcmp(auth->date.ptr, auth->amz_date.ptr, 8) != 0)
        return fail(auth, IAM_SIGV4_SIGNATURE_MISMATCH,
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    "'%.8s' != '%.8s', from '%.16s'.",
                    auth->date.ptr, auth->amz_date.ptr, auth->amz_date.ptr);
    return IAM_SIGV4_OK;
}

static iam_sigv4_status parse_header_form(const iam_http_request *req, iam_sigv4_auth *auth, iam_str hv)
{
    iam_str value = trim(hv), cred = IAM_STR_NULL, sh = IAM_STR_NULL, sig = IAM_STR_NULL, alg;
    const char *sp = memchr(value.ptr, ' ', value.len);
    iam_sigv4_status st;
    size_t i, n;

    alg = (iam_str){ value.ptr, sp ? (size_t)(sp - value.ptr) : value.len };
    if (!eq_lit(alg, IAM__SIGV4_ALGORITHM))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "Unsupported AWS 'algorithm': '%.*s'. Authorization=%.*s",
                    SL(alg, 32), SL(value, 80));
    for (i = alg.len; i < value.len;) {
        const char *comma = memchr(value.ptr + i, ',', value.len - i);
        size_t end = comma ? (size_t)(comma - value.ptr) : value.len;
        iam_str piece = trim((iam_str){ value.ptr + i, end - i });
        i = end + 1;
        if (piece.len == 0)
            continue;
        const char *eq = memchr(piece.ptr, '=', piece.len);
        if (eq == NULL)
            return fail(auth, IAM_SIGV4_INCOMPLETE,
                        "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization header: '%.*s'.",
                        SL(piece, 40), SL(value, 80));
        iam_str key = { piece.ptr, (size_t)(eq - piece.ptr) };
        iam_str val = { eq + 1, piece.len - key.len - 1 };
        iam_str *slot = eq_lit(key, "Credential") ? &cred : eq_lit(key, "SignedHeaders") ? &sh
                        : eq_lit(key, "Signature")                                  ? &sig
                                                                                    : NULL;
        if (slot == NULL)
            continue; /* unknown parameters are not signed and do no harm */
        if (slot->ptr != NULL)
            return fail(auth, IAM_SIGV4_INCOMPLETE, "Authorization header has a duplicate '%.*s' parameter.",
                        SL(key, 20));
        *slot = val;
    }

    iam_str xdate = iam__sigv4_header(req, IAM_STR("x-amz-date"), &n);
    iam_str hdate = xdate.ptr ? IAM_STR_NULL : iam__sigv4_header(req, IAM_STR("date"), NULL);
    if (cred.ptr == NULL || sh.ptr == NULL || sig.ptr == NULL || (xdate.ptr == NULL && hdate.ptr == NULL)) {
        /* AWS lists every missing piece, then echoes the header. */
        size_t o = 0;
        static const char *const names[] = { "Credential", "Signature", "SignedHeaders" };
        const iam_str *vals[] = { &cred, &sig, &sh };
        for (size_t k = 0; k < 3; k++)
            if (vals[k]->ptr == NULL && o < sizeof auth->message)
                o += (size_t)snprintf(auth->message + o, sizeof auth->message - o,
                                      "Authorization header requires '%s' parameter. ", names[k]);
        if (xdate.ptr == NULL && hdate.ptr == NULL && o < sizeof auth->message)
            o += (size_t)snprintf(auth->message + o, sizeof auth->message - o,
                                  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                                  "header. ");
        if (o < sizeof auth->message)
            snprintf(auth->message + o, sizeof auth->message - o, "Authorization=%.*s", SL(value, 200));
        return IAM_SIGV4_INCOMPLETE;
    }
    if ((st = parse_credential(auth, cred)) != IAM_SIGV4_OK || (st = parse_signed_headers(auth, sh)) != IAM_SIGV4_OK ||
        (st = parse_signature(auth, sig)) != IAM_SIGV4_OK)
        return st;

    if (xdate.ptr != NULL) {
        if (n > 1)
            return fail(auth, IAM_SIGV4_INCOMPLETE, "The request has more than one X-Amz-Date header.");
        xdate = trim(xdate);
        if (!iam__sigv4_parse_iso(xdate, &auth->request_time))
            return fail(auth, IAM_SIGV4_INCOMPLETE,
                        "Date must be in ISO-8601 'basic format'. Got '%.*s'. See http://en.wikipedia.org/wiki/ISO_8601",
                        SL(xdate, 40));
        auth->amz_date = xdate;
    } else {
        hdate = trim(hdate);
        if (!iam__sigv4_parse_rfc1123(hdate, &auth->request_time))
            return fail(auth, IAM_SIGV4_INCOMPLETE, "Date header must be in RFC 1123 format. Got '%.*s'.",
                        SL(hdate, 40));
        iam__sigv4_format_iso(auth->request_time, auth->amz_date_buf);
        auth->amz_date = (iam_str){ auth->amz_date_buf, 16 };
    }
    auth->security_token = iam__sigv4_header(req, IAM_STR("x-amz-security-token"), &n);
    if (n > 1)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The request has more than one X-Amz-Security-Token header.");
    if (auth->security_token.ptr != NULL)
        auth->security_token = trim(auth->security_token);
    return check_scope_date(auth);
}

/* The query parameters the presigned form reads. */
enum { Q_ALG, Q_CRED, Q_DATE, Q_EXPIRES, Q_SH, Q_SIG, Q_TOKEN, Q_N };
static const char *const qnames[Q_N] = { "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                                         "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token" };

/* Finds the X-Amz-* auth parameters of the query (raw slices). Returns
 * false on a duplicate, naming it in *dup. */
static bool scan_query(iam_str q, iam_str raw[Q_N], int *dup)
{
    for (int k = 0; k < Q_N; k++)
        raw[k] = IAM_STR_NULL;
    for (size_t i = 0; i < q.len;) {
        const char *amp = memchr(q.ptr + i, '&', q.len - i);
        size_t end = amp ? (size_t)(amp - q.ptr) : q.len;
        const char *eq = memchr(q.ptr + i, '=', end - i);
        size_t ne = eq ? (size_t)(eq - q.ptr) : end;
        char name[24];
        size_t nlen = ne - i < 3 * sizeof name ? iam__sigv4_pct_decode((iam_str){ q.ptr + i, ne - i }, name, sizeof name)
                                               : SIZE_MAX;
        for (int k = 0; nlen != SIZE_MAX && k < Q_N; k++) {
            if (nlen == strlen(qnames[k]) && memcmp(name, qnames[k], nlen) == 0) {
                if (raw[k].ptr != NULL) {
                    *dup = k;
                    return false;
                }
                raw[k] = eq ? (iam_str){ eq + 1, end - ne - 1 } : (iam_str){ q.ptr + end, 0 };
            }
        }
        i = end + 1;
    }
    return true;
}

static iam_sigv4_status parse_presigned(iam_sigv4_auth *auth, const iam_str raw[Q_N])
{
    iam_str v[Q_N];
    size_t used = 0;
    iam_sigv4_status st;

    if (raw[Q_ALG].ptr == NULL || raw[Q_CRED].ptr == NULL || raw[Q_DATE].ptr == NULL || raw[Q_SH].ptr == NULL ||
        raw[Q_SIG].ptr == NULL)
        return fail(auth, IAM_SIGV4_INCOMPLETE,
                    "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
                    "'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
    /* Decode into the auth's own storage: the credential holds "%2F" and
     * the signed-headers list "%3B" as botocore sends them. */
    for (int k = 0; k < Q_N; k++) {
        if (raw[k].ptr == NULL) {
            v[k] = IAM_STR_NULL;
            continue;
        }
        size_t n = iam__sigv4_pct_decode(raw[k], auth->storage + used, sizeof auth->storage - used);
        if (n == SIZE_MAX)
            return fail(auth, IAM_SIGV4_INCOMPLETE, "The %s query parameter is too long.", qnames[k]);
        v[k] = (iam_str){ auth->storage + used, n };
        used += n;
    }
    if (!eq_lit(v[Q_ALG], IAM__SIGV4_ALGORITHM))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\", not '%.*s'.",
                    SL(v[Q_ALG], 40));
    if ((st = parse_credential(auth, v[Q_CRED])) != IAM_SIGV4_OK ||
        (st = parse_signed_headers(auth, v[Q_SH])) != IAM_SIGV4_OK ||
        (st = parse_signature(auth, v[Q_SIG])) != IAM_SIGV4_OK)
        return st;
    if (!iam__sigv4_parse_iso(v[Q_DATE], &auth->request_time))
        return fail(auth, IAM_SIGV4_INCOMPLETE,
                    "X-Amz-Date must be in ISO-8601 'basic format'. Got '%.*s'.", SL(v[Q_DATE], 40));
    auth->amz_date = v[Q_DATE];
    if (v[Q_EXPIRES].ptr != NULL) {
        int64_t e = 0;
        bool ok = v[Q_EXPIRES].len > 0 && v[Q_EXPIRES].len <= 7;
        for (size_t i = 0; ok && i < v[Q_EXPIRES].len; i++) {
            ok = v[Q_EXPIRES].ptr[i] >= '0' && v[Q_EXPIRES].ptr[i] <= '9';
            e = e * 10 + (v[Q_EXPIRES].ptr[i] - '0');
        }
        if (!ok || e < 1 || e > IAM_SIGV4_MAX_EXPIRES)
            return fail(auth, IAM_SIGV4_INCOMPLETE,
                        "X-Amz-Expires must be a number of seconds from 1 to 604800, not '%.*s'.",
                        SL(v[Q_EXPIRES], 20));
        auth->expires = e;
    } else {
        /* Without X-Amz-Expires the URL is good for the usual skew window,
         * which is also all that STS grants whatever X-Amz-Expires says. */
        auth->expires = IAM_SIGV4_MAX_SKEW;
    }
    if (v[Q_TOKEN].ptr != NULL)
        auth->security_token = v[Q_TOKEN];
    return check_scope_date(auth);
}

iam_sigv4_status iam_sigv4_parse(const iam_http_request *req, iam_sigv4_auth *auth)
{
    iam_str raw[Q_N], hv;
    size_t nauth = 0;
    int dup = 0;
    iam_sigv4_status st;

    memset(auth, 0, offsetof(iam_sigv4_auth, storage));
    if ((st = check_limits(req, auth)) != IAM_SIGV4_OK)
        return st;
    hv = iam__sigv4_header(req, IAM_STR("authorization"), &nauth);
    if (!scan_query(req->query, raw, &dup))
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The query string has more than one %s parameter.", qnames[dup]);
    bool query_auth = raw[Q_ALG].ptr != NULL || raw[Q_CRED].ptr != NULL;

    if (nauth > 1)
        return fail(auth, IAM_SIGV4_INCOMPLETE, "The request has more than one Authorization header.");
    if (nauth == 1 && query_auth)
        return fail(auth, IAM_SIGV4_INCOMPLETE,
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
                    "Authorization header should be specified.");
    if (nauth == 1 && trim(hv).len > 0) {
        auth->form = IAM_SIGV4_HEADER;
        return parse_header_form(req, auth, hv);
    }
    if (query_auth) {
        auth->form = IAM_SIGV4_PRESIGNED;
        return parse_presigned(auth, raw);
    }
    return fail(auth, IAM_SIGV4_MISSING, "Request is missing Authentication Token");
}

iam_sigv4_status iam_sigv4_check_scope(iam_sigv4_auth *auth, const iam_str *regions, size_t n_regions,
                                       iam_str service)
{
    bool region_ok = n_regions == 0;
    for (size_t i = 0; !region_ok && i < n_regions; i++)
        region_ok = iam_str_eq(regions[i], auth->region);
    if (!region_ok)
        return fail(auth, IAM_SIGV4_BAD_SCOPE, "Credential should be scoped to a valid region. ");
    if (!iam_str_eq(service, auth->service))
        return fail(auth, IAM_SIGV4_BAD_SCOPE, "Credential should be scoped to correct service: '%.*s'. ",
                    SL(service, 40));
    return IAM_SIGV4_OK;
}

const char *iam_sigv4_status_code(iam_sigv4_status s)
{
    switch (s) {
    case IAM_SIGV4_OK: return "";
    case IAM_SIGV4_MISSING: return "MissingAuthenticationToken";
    case IAM_SIGV4_INCOMPLETE: return "IncompleteSignature";
    case IAM_SIGV4_SIGNATURE_MISMATCH:
    case IAM_SIGV4_EXPIRED:
    case IAM_SIGV4_BAD_SCOPE: return "SignatureDoesNotMatch";
    }
    return "SignatureDoesNotMatch";
}

int iam_sigv4_status_http(iam_sigv4_status s)
{
    switch (s) {
    case IAM_SIGV4_OK: return 200;
    case IAM_SIGV4_INCOMPLETE: return 400;
    case IAM_SIGV4_MISSING:
    case IAM_SIGV4_SIGNATURE_MISMATCH:
    case IAM_SIGV4_EXPIRED:
    case IAM_SIGV4_BAD_SCOPE: return 403;
    }
    return 403;
}
