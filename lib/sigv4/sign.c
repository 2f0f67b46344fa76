/* sign.c - SigV4 signing for our own clients (iamctl, tests), shaped after
 * botocore's SigV4Auth / SigV4QueryAuth so that both produce the same
 * Authorization header for the same request and time. It reuses the
 * verifier's canonicalisation, so signer and verifier cannot drift apart.
 * All text goes into one caller buffer; the request changes only on success. */
#include <stdlib.h>
#include <string.h>

#include "iam/crypto.h"
#include "iam/form.h"
#include "sigv4/sigv4_int.h"

typedef struct bld {
    char *p;
    size_t cap, len;
    bool overflow;
} bld;

static char *bld_put(bld *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return NULL;
    }
    char *start = b->p + b->len;
    if (n)
        memcpy(start, s, n);
    b->len += n;
    return start;
}

static void bld_str(bld *b, const char *s)
{
    (void)bld_put(b, s, strlen(s));
}

static void bld_enc(bld *b, iam_str s)
{
    size_t need = iam_uri_encode(s, false, NULL, 0);
    if (b->overflow || need > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    b->len += iam_uri_encode(s, false, b->p + b->len, need);
}

/* Headers botocore never signs: proxies and clients change them. */
static bool unsigned_header(iam_str name)
{
    return iam__sigv4_ieq(name, IAM_STR("user-agent")) || iam__sigv4_ieq(name, IAM_STR("expect")) ||
           iam__sigv4_ieq(name, IAM_STR("x-amzn-trace-id"));
}

static int name_cmp(const void *a, const void *b)
{
    const iam_str *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char cx = (unsigned char)iam__lower(x->ptr[i]), cy = (unsigned char)iam__lower(y->ptr[i]);
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Sorted, de-duplicated, lower-cased names of the headers to sign,
 * ';'-joined into the builder. */
static iam_str signed_header_list(bld *b, const iam_http_header *h, size_t n)
{
    iam_str names[IAM_SIGV4_MAX_HEADERS];
    size_t k = 0, start = b->len;

    for (size_t i = 0; i < n && k < IAM_SIGV4_MAX_HEADERS; i++)
        if (!unsigned_header(h[i].name))
            names[k++] = h[i].name;
    qsort(names, k, sizeof names[0], name_cmp);
    size_t written = 0;
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && name_cmp(&names[i - 1], &names[i]) == 0)
            continue;
        if (written++ > 0)
            bld_str(b, ";");
        char *p = bld_put(b, names[i].ptr, names[i].len);
        for (size_t j = 0; p != NULL && j < names[i].len; j++)
            p[j] = iam__lower(p[j]);
    }
    return (iam_str){ b->p + start, b->len - start };
}

static bool scope_ok(iam_str s)
{
    if (s.len == 0 || s.len > 64)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '/' || s.ptr[i] == '\n' || s.ptr[i] == ' ')
            return false;
    return true;
}

static bool query_has_auth(iam_str q)
{
    static const char *const names[] = { "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                                         "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token" };
    for (size_t i = 0; i < q.len;) {
        const char *amp = memchr(q.ptr + i, '&', q.len - i);
        size_t end = amp ? (size_t)(amp - q.ptr) : q.len;
        const char *eq = memchr(q.ptr + i, '=', end - i);
        iam_str name = { q.ptr + i, (eq ? (size_t)(eq - q.ptr) : end) - i };
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (iam_str_eq(name, iam_str_from_cstr(names[k])))
                return true;
        i = end + 1;
    }
    return false;
}

iam_err iam_sigv4_sign(const iam_sigv4_signer *s, iam_http_request *req, iam_http_header *headers, size_t header_cap,
                       char *buf, size_t buf_cap)
{
    iam_sigv4_auth auth;
    iam_http_request tmp;
    bld b = { buf, buf_cap, 0, false };
    char amz[17], sig[65], body_hex[65];
    uint8_t md[32], key[32];
    size_t n, nhost = 0;
    bool header_form, token;

    if (s == NULL || req == NULL || buf == NULL || (req->n_headers > 0 && headers != req->headers) ||
        s->access_key_id.len == 0 || s->secret.ptr == NULL || !scope_ok(s->region) || !scope_ok(s->service) ||
        s->time < 0 || s->time > 253402300799 || (s->form != IAM_SIGV4_HEADER && s->form != IAM_SIGV4_PRESIGNED))
        return IAM_E_INVALID;
    header_form = s->form == IAM_SIGV4_HEADER;
    token = s->session_token.len > 0;
    n = req->n_headers;
    (void)iam__sigv4_header(req, IAM_STR("host"), &nhost);
    if (nhost != 1 || n > IAM_SIGV4_MAX_HEADERS - 3)
        return IAM_E_INVALID;
    if (header_form) {
        size_t a = 0, d = 0, t = 0;
        (void)iam__sigv4_header(req, IAM_STR("authorization"), &a);
        (void)iam__sigv4_header(req, IAM_STR("x-amz-date"), &d);
        (void)iam__sigv4_header(req, IAM_STR("x-amz-security-token"), &t);
        if (a || d || t)
            return IAM_E_INVALID;
        if (n + 2 + (token ? 1 : 0) > header_cap)
            return IAM_E_LIMIT;
    } else if (s->expires < 1 || s->expires > IAM_SIGV4_MAX_EXPIRES || query_has_auth(req->query)) {
        return IAM_E_INVALID;
    }

    iam__sigv4_format_iso(s->time, amz);
    tmp = *req;
    tmp.headers = headers;
    memset(&auth, 0, offsetof(iam_sigv4_auth, storage));
    auth.form = s->form;
    auth.access_key_id = s->access_key_id;
    auth.region = s->region;
    auth.service = s->service;
    if (header_form) {
        const char *p = bld_put(&b, amz, 16);
        headers[n++] = (iam_http_header){ IAM_STR("X-Amz-Date"), { p, 16 } };
        if (token) {
            p = bld_put(&b, s->session_token.ptr, s->session_token.len);
            headers[n++] = (iam_http_header){ IAM_STR("X-Amz-Security-Token"), { p, s->session_token.len } };
        }
        tmp.n_headers = n;
    }
    auth.amz_date = (iam_str){ bld_put(&b, amz, 16), 16 };
    auth.date = (iam_str){ auth.amz_date.ptr, 8 };
    auth.signed_headers = signed_header_list(&b, headers, tmp.n_headers);
    if (b.overflow)
        return IAM_E_LIMIT;

    if (!header_form) {
        /* botocore's order: the operation's parameters, then the auth ones */
        char exp[8];
        size_t el = 0;
        for (int64_t e = s->expires; e > 0; e /= 10)
            exp[sizeof exp - 1 - el++] = (char)('0' + e % 10);
        size_t qstart = b.len;
        (void)bld_put(&b, req->query.ptr, req->query.len);
        if (req->query.len > 0)
            bld_str(&b, "&");
        bld_str(&b, "X-Amz-Algorithm=" IAM__SIGV4_ALGORITHM "&X-Amz-Credential=");
        bld_enc(&b, s->access_key_id);
        bld_str(&b, "%2F");
        (void)bld_put(&b, amz, 8);
        bld_str(&b, "%2F");
        bld_enc(&b, s->region);
        bld_str(&b, "%2F");
        bld_enc(&b, s->service);
        bld_str(&b, "%2F" IAM__SIGV4_TERMINATOR "&X-Amz-Date=");
        (void)bld_put(&b, amz, 16);
        bld_str(&b, "&X-Amz-Expires=");
        (void)bld_put(&b, exp + sizeof exp - el, el);
        bld_str(&b, "&X-Amz-SignedHeaders=");
        bld_enc(&b, auth.signed_headers);
        if (token) {
            bld_str(&b, "&X-Amz-Security-Token=");
            bld_enc(&b, s->session_token);
        }
        if (b.overflow)
            return IAM_E_LIMIT;
        tmp.query = (iam_str){ b.p + qstart, b.len - qstart };
    }

    iam__sink sink;
    iam_sha256(req->body.ptr, req->body.len, md);
    iam_hex_encode(md, 32, body_hex);
    iam__sink_init_hash(&sink);
    iam__sigv4_canonical(&tmp, &auth, (iam_str){ body_hex, 64 }, &sink);
    iam__sink_finish(&sink, md);
    iam_sigv4_derive_key(s->secret, auth.date, s->region, s->service, key);
    iam__sigv4_signature(&auth, md, key, sig);
    iam_wipe(key, sizeof key);

    if (header_form) {
        size_t start = b.len;
        bld_str(&b, IAM__SIGV4_ALGORITHM " Credential=");
        (void)bld_put(&b, s->access_key_id.ptr, s->access_key_id.len);
        bld_str(&b, "/");
        (void)bld_put(&b, amz, 8);
        bld_str(&b, "/");
        (void)bld_put(&b, s->region.ptr, s->region.len);
        bld_str(&b, "/");
        (void)bld_put(&b, s->service.ptr, s->service.len);
        bld_str(&b, "/" IAM__SIGV4_TERMINATOR ", SignedHeaders=");
        (void)bld_put(&b, auth.signed_headers.ptr, auth.signed_headers.len);
        bld_str(&b, ", Signature=");
        (void)bld_put(&b, sig, 64);
        if (b.overflow)
            return IAM_E_LIMIT;
        headers[tmp.n_headers++] = (iam_http_header){ IAM_STR("Authorization"), { b.p + start, b.len - start } };
    } else {
        bld_str(&b, "&X-Amz-Signature=");
        (void)bld_put(&b, sig, 64);
        if (b.overflow)
            return IAM_E_LIMIT;
        tmp.query.len = (size_t)(b.p + b.len - tmp.query.ptr);
    }
    *req = tmp;
    return IAM_OK;
}
