/* canonical.c - the SigV4 canonical request, exactly as botocore (and the
 * AWS services) build it, streamed into SHA-256 without materialising it:
 *   method \n canonical URI \n canonical query \n canonical headers \n
 *   signed headers \n payload hash
 * plus the string to sign, date helpers and header lookup.
 * Canonical URI: botocore's remove_dot_segments (empty and "." segments
 * dropped, ".." pops) then quote(path, safe='/~') of the path *as sent*, so
 * an already-encoded path is encoded a second time ("%20" -> "%2520"), as
 * the SigV4 rules require for every service but S3. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_int.h"
#include "iam/form.h"
#include "sigv4/sigv4_int.h"

/* ---- sink ------------------------------------------------------------------ */

void iam__sink_init_hash(iam__sink *s)
{
    s->hashing = true;
    crypto_hash_sha256_init(&s->sha);
    s->out = NULL;
    s->cap = s->len = s->nstage = 0;
}

void iam__sink_init_text(iam__sink *s, char *out, size_t cap)
{
    s->hashing = false;
    s->out = out;
    s->cap = out ? cap : 0;
    s->len = s->nstage = 0;
}

static void sink_flush(iam__sink *s)
{
    if (s->nstage == 0)
        return;
    if (s->hashing) {
        crypto_hash_sha256_update(&s->sha, (const unsigned char *)s->stage, s->nstage);
    } else if (s->len < s->cap) {
        size_t n = s->cap - s->len < s->nstage ? s->cap - s->len : s->nstage;
        memcpy(s->out + s->len, s->stage, n);
    }
    if (!s->hashing)
        s->len += s->nstage;
    s->nstage = 0;
}

void iam__sink_put(iam__sink *s, const char *p, size_t n)
{
    if (n == 0)
        return;
    if (n > sizeof s->stage - s->nstage) {
        sink_flush(s);
        if (n >= sizeof s->stage) { /* large piece: pass through */
            if (s->hashing) {
                crypto_hash_sha256_update(&s->sha, (const unsigned char *)p, n);
            } else {
                if (s->len < s->cap)
                    memcpy(s->out + s->len, p, s->cap - s->len < n ? s->cap - s->len : n);
                s->len += n;
            }
            return;
        }
    }
    memcpy(s->stage + s->nstage, p, n);
    s->nstage += n;
}

void iam__sink_putc(iam__sink *s, char c)
{
    if (s->nstage == sizeof s->stage)
        sink_flush(s);
    s->stage[s->nstage++] = c;
}

void iam__sink_finish(iam__sink *s, uint8_t digest[32])
{
    sink_flush(s);
    if (s->hashing)
        crypto_hash_sha256_final(&s->sha, digest);
}

/* ---- small helpers ------------------------------------------------------- */

bool iam__sigv4_ieq(iam_str a, iam_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (iam__lower(a.ptr[i]) != iam__lower(b.ptr[i]))
            return false;
    return true;
}

iam_str iam__sigv4_header(const iam_http_request *req, iam_str name, size_t *count)
{
    iam_str first = IAM_STR_NULL;
    size_t n = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (iam__sigv4_ieq(req->headers[i].name, name)) {
            if (n++ == 0)
                first = req->headers[i].value;
        }
    }
    if (count)
        *count = n;
    return first;
}

size_t iam__sigv4_pct_decode(iam_str in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        if (c == '%' && in.len - i > 2) {
            int hi = iam__hex_value(in.ptr[i + 1]), lo = iam__hex_value(in.ptr[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            }
        }
        if (o == cap)
            return SIZE_MAX;
        out[o++] = c;
    }
    return o;
}

/* ---- dates ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), and back: libc's timegm is not in POSIX. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool make_time(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
    /* Second 60 is refused: AWS clients never send leap seconds. */
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > month_days(y, (unsigned)mo) || h > 23 || mi > 59 ||
        s > 59 || h < 0 || mi < 0 || s < 0)
        return false;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

bool iam__sigv4_parse_iso(iam_str s, int64_t *out)
{
    if (s.len != 16 || s.ptr[8] != 'T' || s.ptr[15] != 'Z')
        return false;
    return make_time(digits(s.ptr, 4), digits(s.ptr + 4, 2), digits(s.ptr + 6, 2), digits(s.ptr + 9, 2),
                     digits(s.ptr + 11, 2), digits(s.ptr + 13, 2), out);
}

static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void iam__sigv4_format_iso(int64_t t, char out[17])
{
    int64_t y, days;
    unsigned m, d, secs;

    /* Clamp to years 0000..9999 so that the format never changes shape. */
    if (t < -62167219200)
        t = -62167219200;
    if (t > 253402300799)
        t = 253402300799;
    days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    secs = (unsigned)(t - days * 86400);
    civil_from_days(days, &y, &m, &d);
    put_digits(out, (unsigned)y, 4);
    put_digits(out + 4, m, 2);
    put_digits(out + 6, d, 2);
    out[8] = 'T';
    put_digits(out + 9, secs / 3600, 2);
    put_digits(out + 11, secs / 60 % 60, 2);
    put_digits(out + 13, secs % 60, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

bool iam__sigv4_parse_rfc1123(iam_str s, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char wdays[] = "MonTueWedThuFriSatSun";
    const char *p = s.ptr;
    bool wday_ok = false;
    int mo = 0;

    /* "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, as RFC 9110 demands. */
    if (s.len != 29 || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' || p[19] != ':' ||
        p[22] != ':' || p[25] != ' ' || memcmp(p + 26, "GMT", 3) != 0)
        return false;
    for (int i = 0; i < 7; i++)
        wday_ok |= memcmp(p, wdays + 3 * i, 3) == 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(p + 8, months + 3 * i, 3) == 0)
            mo = i + 1;
    if (!wday_ok || mo == 0)
        return false;
    return make_time(digits(p + 12, 4), mo, digits(p + 5, 2), digits(p + 17, 2), digits(p + 20, 2),
                     digits(p + 23, 2), out);
}

/* ---- canonical URI ----------------------------------------------------- */

static void put_encoded(iam__sink *s, iam_str in, bool keep_slash)
{
    char buf[96];
    size_t i = 0;
    /* Encode in chunks that fit the buffer even when every byte expands. */
    while (i < in.len) {
        size_t n = in.len - i > sizeof buf / 3 ? sizeof buf / 3 : in.len - i;
        size_t w = iam_uri_encode((iam_str){ in.ptr + i, n }, keep_slash, buf, sizeof buf);
        iam__sink_put(s, buf, w);
        i += n;
    }
}

static void canonical_uri(iam__sink *s, iam_str path)
{
    iam_str seg[IAM__SIGV4_MAX_PATH_SEGMENTS];
    size_t nseg = 0;

    if (path.len == 0) {
        iam__sink_putc(s, '/');
        return;
    }
    for (size_t i = 0; i <= path.len;) {
        const char *slash = memchr(path.ptr + i, '/', path.len - i);
        size_t end = slash ? (size_t)(slash - path.ptr) : path.len;
        iam_str x = { path.ptr + i, end - i };
        if (x.len == 2 && x.ptr[0] == '.' && x.ptr[1] == '.') {
            if (nseg > 0)
                nseg--;
        } else if (x.len > 0 && !(x.len == 1 && x.ptr[0] == '.')) {
            /* parse capped the depth; past it the signature just fails */
            if (nseg < IAM__SIGV4_MAX_PATH_SEGMENTS)
                seg[nseg++] = x;
        }
        i = end + 1;
    }
    if (path.ptr[0] == '/')
        iam__sink_putc(s, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0)
            iam__sink_putc(s, '/');
        put_encoded(s, seg[k], false);
    }
    if (path.ptr[path.len - 1] == '/' && nseg > 0)
        iam__sink_putc(s, '/');
}

/* ---- canonical query --------------------------------------------------- */

/* Yields the canonical encoding of a raw query component one byte at a
 * time: %XX decoded, then every byte but the unreserved ones re-encoded with
 * upper-case hex. Sorting compares these streams, so that parameters sort by
 * their encoded names, as the rules say, without materialising them. */
typedef struct enc_it {
    const char *p;
    size_t n, i;
    char pend[3];
    unsigned npend, ipend;
} enc_it;

static enc_it enc_start(iam_str s)
{
    return (enc_it){ .p = s.ptr, .n = s.len };
}

static int enc_next(enc_it *it)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char c;

    if (it->ipend < it->npend)
        return (unsigned char)it->pend[it->ipend++];
    if (it->i >= it->n)
        return -1;
    c = (unsigned char)it->p[it->i];
    if (c == '%' && it->n - it->i > 2 && iam__hex_value(it->p[it->i + 1]) >= 0 &&
        iam__hex_value(it->p[it->i + 2]) >= 0) {
        c = (unsigned char)(iam__hex_value(it->p[it->i + 1]) << 4 | iam__hex_value(it->p[it->i + 2]));
        it->i += 3;
    } else {
        it->i++;
    }
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~')
        return c;
    it->pend[0] = '%';
    it->pend[1] = hex[c >> 4];
    it->pend[2] = hex[c & 15];
    it->npend = 3;
    it->ipend = 1;
    return '%';
}

static int enc_cmp(iam_str a, iam_str b)
{
    enc_it x = enc_start(a), y = enc_start(b);
    for (;;) {
        int ca = enc_next(&x), cb = enc_next(&y);
        if (ca != cb)
            return ca < cb ? -1 : 1; /* -1 (end) sorts first: a prefix is smaller */
        if (ca < 0)
            return 0;
    }
}

typedef struct qparam {
    iam_str name, value;
} qparam;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    int c = enc_cmp(x->name, y->name);
    return c != 0 ? c : enc_cmp(x->value, y->value);
}

static void put_enc(iam__sink *s, iam_str raw)
{
    enc_it it = enc_start(raw);
    int c;
    while ((c = enc_next(&it)) >= 0)
        iam__sink_putc(s, (char)c);
}

/* Whether the raw component decodes to `lit`. */
static bool decodes_to(iam_str raw, const char *lit)
{
    char buf[32];
    size_t n = iam__sigv4_pct_decode(raw, buf, sizeof buf);
    return n != SIZE_MAX && n == strlen(lit) && memcmp(buf, lit, n) == 0;
}

static void canonical_query(iam__sink *s, iam_str query, bool presigned)
{
    qparam params[IAM_SIGV4_MAX_QUERY_PARAMS];
    size_t n = 0;

    for (size_t i = 0; i < query.len;) {
        const char *amp = memchr(query.ptr + i, '&', query.len - i);
        size_t end = amp ? (size_t)(amp - query.ptr) : query.len;
        if (end > i && n < IAM_SIGV4_MAX_QUERY_PARAMS) {
            const char *eq = memchr(query.ptr + i, '=', end - i);
            size_t ne = eq ? (size_t)(eq - query.ptr) : end;
            qparam p = { { query.ptr + i, ne - i }, { query.ptr + ne + (eq ? 1 : 0), eq ? end - ne - 1 : 0 } };
            /* the signature cannot sign itself */
            if (!(presigned && decodes_to(p.name, "X-Amz-Signature")))
                params[n++] = p;
        }
        i = end + 1;
    }
    if (n > 1)
        qsort(params, n, sizeof params[0], qparam_cmp);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            iam__sink_putc(s, '&');
        put_enc(s, params[k].name);
        iam__sink_putc(s, '=');
        put_enc(s, params[k].value);
    }
}

/* ---- canonical headers ------------------------------------------------- */

/* Trimall: leading and trailing whitespace dropped, inner runs collapsed to
 * one space (botocore: ' '.join(value.split())). */
static void put_trimmed(iam__sink *s, iam_str v)
{
    bool any = false, space = false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        if (iam__sigv4_ws(c)) {
            space = true;
            continue;
        }
        if (space && any)
            iam__sink_putc(s, ' ');
        space = false;
        any = true;
        iam__sink_putc(s, c);
    }
}

static void canonical_headers(iam__sink *s, const iam_http_request *req, iam_str signed_headers)
{
    for (size_t i = 0; i < signed_headers.len;) {
        const char *semi = memchr(signed_headers.ptr + i, ';', signed_headers.len - i);
        size_t end = semi ? (size_t)(semi - signed_headers.ptr) : signed_headers.len;
        iam_str name = { signed_headers.ptr + i, end - i };
        bool first = true;

        iam__sink_put(s, name.ptr, name.len);
        iam__sink_putc(s, ':');
        /* repeated headers: values joined by ',' in the order received */
        for (size_t h = 0; h < req->n_headers; h++) {
            if (!iam__sigv4_ieq(req->headers[h].name, name))
                continue;
            if (!first)
                iam__sink_putc(s, ',');
            first = false;
            put_trimmed(s, req->headers[h].value);
        }
        iam__sink_putc(s, '\n');
        i = end + 1;
    }
}

void iam__sigv4_canonical(const iam_http_request *req, const iam_sigv4_auth *auth, iam_str payload_hash,
                          iam__sink *s)
{
    iam__sink_put(s, req->method.ptr, req->method.len);
    iam__sink_putc(s, '\n');
    canonical_uri(s, req->path);
    iam__sink_putc(s, '\n');
    canonical_query(s, req->query, auth->form == IAM_SIGV4_PRESIGNED);
    iam__sink_putc(s, '\n');
    canonical_headers(s, req, auth->signed_headers);
    iam__sink_putc(s, '\n');
    iam__sink_put(s, auth->signed_headers.ptr, auth->signed_headers.len);
    iam__sink_putc(s, '\n');
    iam__sink_put(s, payload_hash.ptr, payload_hash.len);
}

size_t iam_sigv4_canonical_request(const iam_http_request *req, const iam_sigv4_auth *auth, iam_str payload_hash,
                                   char *out, size_t cap)
{
    iam__sink s;
    iam__sink_init_text(&s, out, cap);
    iam__sigv4_canonical(req, auth, payload_hash, &s);
    iam__sink_finish(&s, NULL);
    return s.len;
}

void iam__sigv4_signature(const iam_sigv4_auth *auth, const uint8_t canon_digest[32], const uint8_t key[32],
                          char out_hex[65])
{
    crypto_auth_hmacsha256_state st;
    char hex[65];
    uint8_t mac[32];

    iam_hex_encode(canon_digest, 32, hex);
    crypto_auth_hmacsha256_init(&st, key, 32);
#define PUT(p, n) crypto_auth_hmacsha256_update(&st, (const unsigned char *)(p), (n))
    PUT(IAM__SIGV4_ALGORITHM "\n", sizeof IAM__SIGV4_ALGORITHM);
    PUT(auth->amz_date.ptr, auth->amz_date.len);
    PUT("\n", 1);
    PUT(auth->date.ptr, auth->date.len);
    PUT("/", 1);
    PUT(auth->region.ptr, auth->region.len);
    PUT("/", 1);
    PUT(auth->service.ptr, auth->service.len);
    PUT("/" IAM__SIGV4_TERMINATOR "\n", sizeof IAM__SIGV4_TERMINATOR + 1);
    PUT(hex, 64);
#undef PUT
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    iam_hex_encode(mac, 32, out_hex);
}
