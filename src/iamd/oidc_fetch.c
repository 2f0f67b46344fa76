/* oidc_fetch.c - OIDC discovery for AssumeRoleWithWebIdentity: the
 * provider's discovery document, then its jwks_uri, over HTTPS with
 * libcurl. The unauthenticated caller chooses which registered provider we
 * contact, so each URL is resolved here first, its address checked against
 * the SSRF rules, and curl pinned to that address (CURLOPT_RESOLVE) so a
 * second DNS answer cannot swap it. Fetched key sets live in a small
 * mutex-protected cache per provider ARN, handed out by reference count. */
#define _GNU_SOURCE /* strcasecmp, getaddrinfo flags, inet_ntop */
#include "oidc_fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "log.h"
#include "srv_int.h"

#define CACHE_MAX 256 /* providers kept; the least recently fetched goes first */

struct srv_oidc_keys {
    iam_jwks *jwks;
    unsigned refs; /* under g_mu */
};

typedef struct cache_entry {
    char *arn;
    srv_oidc_keys *keys;   /* NULL after a failed first fetch */
    int64_t fetched;       /* when keys were fetched */
    int64_t forced;        /* last unknown-kid refetch (0 = none) */
    int64_t failed;        /* last failed fetch (0 = none) */
    srv_oidc_status fail_status;
} cache_entry;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static cache_entry g_cache[CACHE_MAX];
static size_t g_n;
#define CA_MAX (4 * 1024 * 1024)
static char *g_ca_pem; /* --oidc-ca-file, read at start-up; NULL = the system's bundle */
static size_t g_ca_len;

static void set_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t cap, const char *fmt, ...)
{
    if (why == NULL || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* ---- the SSRF rules ------------------------------------------------------ */

static bool v4_forbidden(uint32_t a)
{
    return (a >> 24) == 127 ||          /* loopback 127/8 */
           (a >> 16) == 0xA9FE ||       /* link-local 169.254/16, the metadata address */
           (a >> 24) == 0 ||            /* "this network", 0.0.0.0 */
           (a >> 28) == 0xE ||          /* multicast 224/4 */
           a == 0xFFFFFFFFu;            /* broadcast */
}

bool srv_oidc_addr_forbidden(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        return v4_forbidden(ntohl(s4->sin_addr.s_addr));
    }
    if (sa->sa_family != AF_INET6)
        return true;
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
    const uint8_t *b = s6->sin6_addr.s6_addr;
    static const uint8_t zero[16];
    if (memcmp(b, zero, 16) == 0)
        return true;                                        /* :: */
    if (memcmp(b, zero, 15) == 0 && b[15] == 1)
        return true;                                        /* ::1 */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        return true;                                        /* fe80::/10 */
    if (b[0] == 0xFF)
        return true;                                        /* multicast */
    /* ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the deprecated compatible
     * form): the IPv4 rules apply to the embedded address. */
    bool mapped = memcmp(b, zero, 10) == 0 && b[10] == 0xFF && b[11] == 0xFF;
    bool compat = memcmp(b, zero, 12) == 0;
    if (mapped || compat) {
        uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        return v4_forbidden(a);
    }
    return false;
}

/* `host` (brackets already stripped) is in the operator's comma list. */
static bool host_allowed(const srv_config *cfg, const char *host)
{
    const char *list = cfg != NULL ? cfg->oidc_allow_hosts : NULL;
    size_t hl = strlen(host);
    for (const char *p = list; p != NULL && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *q = p;
        while (n > 0 && (*q == ' ' || *q == '\t'))
            q++, n--;
        while (n > 0 && (q[n - 1] == ' ' || q[n - 1] == '\t'))
            n--;
        if (n >= 2 && q[0] == '[' && q[n - 1] == ']')
            q++, n -= 2;
        if (n == hl && n > 0 && strncasecmp(q, host, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* ---- one HTTPS GET ------------------------------------------------------- */

typedef struct body_buf {
    char *p;
    size_t len;
    bool too_large;
} body_buf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    body_buf *b = ud;
    size_t n = size * nmemb;
    if (n > SRV_OIDC_BODY_MAX - b->len) {
        b->too_large = true;
        return 0; /* aborts the transfer */
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return n;
}

/* GETs `url` within `deadline_ms` (CLOCK_MONOTONIC) into a NUL-terminated
 * *body (free()). HTTPS only; the host's address is checked and pinned. */
static srv_oidc_status https_get(const srv_config *cfg, const char *url, int64_t deadline_ms, char **body,
                                 size_t *len, char *why, size_t cap)
{
    srv_oidc_status st = SRV_OIDC_NOMEM;
    CURLU *u = curl_url();
    CURL *h = NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    struct addrinfo *ai = NULL;
    struct curl_slist *resolve = NULL, *headers = NULL;
    body_buf b = { NULL, 0, false };
    if (u == NULL)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        st = SRV_OIDC_REFUSED;
        set_why(why, cap, "not a URL");
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0) {
        st = SRV_OIDC_REFUSED;
        set_why(why, cap, "not https");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        st = SRV_OIDC_REFUSED;
        set_why(why, cap, "userinfo in the URL");
        goto out;
    }
    /* The bare host: an IPv6 literal comes back in brackets. */
    char bare[256];
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        if (hl - 2 >= sizeof bare)
            goto refused_host;
        memcpy(bare, host + 1, hl - 2);
        bare[hl - 2] = 0;
    } else {
        if (hl >= sizeof bare || hl == 0)
            goto refused_host;
        memcpy(bare, host, hl + 1);
    }
    bool allowed = host_allowed(cfg, bare);

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int gai = getaddrinfo(bare, port, &hints, &ai);
    if (gai != 0) {
        st = SRV_OIDC_UNREACHABLE;
        set_why(why, cap, "cannot resolve %s: %s", bare, gai_strerror(gai));
        goto out;
    }
    const struct addrinfo *pick = NULL;
    for (const struct addrinfo *a = ai; a != NULL && pick == NULL; a = a->ai_next)
        if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
            (allowed || !srv_oidc_addr_forbidden(a->ai_addr)))
            pick = a;
    if (pick == NULL)
        goto refused_host;
    char addr[INET6_ADDRSTRLEN];
    const void *src = pick->ai_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)(const void *)pick->ai_addr)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)(const void *)pick->ai_addr)->sin6_addr;
    if (inet_ntop(pick->ai_family, src, addr, sizeof addr) == NULL)
        goto out;
    /* HOST:PORT:ADDRESS, an IPv6 address in brackets; the host as curl
     * sees it in the URL (brackets kept for a literal). */
    char pin[600];
    int pn = snprintf(pin, sizeof pin, "%s:%s:%s%s%s", host, port, pick->ai_family == AF_INET6 ? "[" : "", addr,
                      pick->ai_family == AF_INET6 ? "]" : "");
    if (pn < 0 || (size_t)pn >= sizeof pin)
        goto refused_host;
    resolve = curl_slist_append(NULL, pin);
    headers = curl_slist_append(NULL, "Accept: application/json");
    b.p = malloc(SRV_OIDC_BODY_MAX + 1);
    h = curl_easy_init();
    if (resolve == NULL || headers == NULL || b.p == NULL || h == NULL)
        goto out;

    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t left = deadline_ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    if (left <= 0) {
        st = SRV_OIDC_UNREACHABLE;
        set_why(why, cap, "timed out");
        goto out;
    }
    CURLcode cc = CURLE_OK;
#define SETOPT(o, v) \
    if (cc == CURLE_OK) \
    cc = curl_easy_setopt(h, o, v)
    SETOPT(CURLOPT_URL, url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "https");
    SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_RESOLVE, resolve);
    SETOPT(CURLOPT_PROXY, ""); /* "" = no proxy, whatever the environment says */
    SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (g_ca_pem != NULL) {
        struct curl_blob ca = { g_ca_pem, g_ca_len, CURL_BLOB_NOCOPY };
        SETOPT(CURLOPT_CAINFO_BLOB, &ca);
        SETOPT(CURLOPT_CAPATH, (char *)NULL); /* only the operator's bundle */
    }
    SETOPT(CURLOPT_TIMEOUT_MS, (long)left);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_MAXFILESIZE, (long)SRV_OIDC_BODY_MAX);
    SETOPT(CURLOPT_HTTPHEADER, headers);
    SETOPT(CURLOPT_USERAGENT, "iamd/" IAMD_VERSION);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &b);
#undef SETOPT
    if (cc != CURLE_OK) {
        st = SRV_OIDC_UNREACHABLE;
        set_why(why, cap, "curl setup: %s", curl_easy_strerror(cc));
        goto out;
    }
    cc = curl_easy_perform(h);
    if (b.too_large || cc == CURLE_FILESIZE_EXCEEDED) {
        st = SRV_OIDC_BAD_DOCUMENT;
        set_why(why, cap, "%s: body over %d bytes", url, SRV_OIDC_BODY_MAX);
        goto out;
    }
    if (cc != CURLE_OK) {
        st = SRV_OIDC_UNREACHABLE;
        set_why(why, cap, "%s: %s", url, curl_easy_strerror(cc));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        st = SRV_OIDC_BAD_DOCUMENT;
        set_why(why, cap, "%s: HTTP status %ld", url, code);
        goto out;
    }
    b.p[b.len] = 0;
    *body = b.p;
    *len = b.len;
    b.p = NULL;
    st = SRV_OIDC_OK;
    goto out;
refused_host:
    st = SRV_OIDC_REFUSED;
    set_why(why, cap, "address of %s refused (loopback, link-local, metadata, multicast or unspecified; "
                      "see --oidc-allow-host)", host);
out:
    free(b.p);
    if (h != NULL)
        curl_easy_cleanup(h);
    curl_slist_free_all(resolve);
    curl_slist_free_all(headers);
    if (ai != NULL)
        freeaddrinfo(ai);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return st;
}

/* ---- discovery ----------------------------------------------------------- */

srv_oidc_status srv_oidc_fetch_jwks(const srv_config *cfg, const char *issuer, iam_jwks **out, char *why,
                                    size_t why_cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + SRV_OIDC_TIMEOUT_MS;
    if (strncasecmp(issuer, "https://", 8) != 0) {
        set_why(why, why_cap, "issuer is not https");
        return SRV_OIDC_REFUSED;
    }
    /* OpenID Connect Discovery 1.0 §4: the issuer with any trailing "/"
     * removed, then the well-known path. */
    size_t il = strlen(issuer);
    while (il > 8 && issuer[il - 1] == '/')
        il--;
    static const char wk[] = "/.well-known/openid-configuration";
    char *disc_url = malloc(il + sizeof wk);
    if (disc_url == NULL)
        return SRV_OIDC_NOMEM;
    memcpy(disc_url, issuer, il);
    memcpy(disc_url + il, wk, sizeof wk);
    char *body = NULL;
    size_t len = 0;
    srv_oidc_status st = https_get(cfg, disc_url, deadline, &body, &len, why, why_cap);
    free(disc_url);
    if (st != SRV_OIDC_OK)
        return st;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    free(body);
    body = NULL;
    const char *doc_iss = doc ? json_string_value(json_object_get(doc, "issuer")) : NULL;
    const char *jwks_uri = doc ? json_string_value(json_object_get(doc, "jwks_uri")) : NULL;
    if (doc == NULL || !json_is_object(doc) || doc_iss == NULL || jwks_uri == NULL) {
        set_why(why, why_cap, "discovery document: not JSON with issuer and jwks_uri");
        json_decref(doc);
        return SRV_OIDC_BAD_DOCUMENT;
    }
    if (strcmp(doc_iss, issuer) != 0) {
        set_why(why, why_cap, "discovery document: issuer differs from the token's");
        json_decref(doc);
        return SRV_OIDC_BAD_DOCUMENT;
    }
    st = https_get(cfg, jwks_uri, deadline, &body, &len, why, why_cap);
    json_decref(doc);
    if (st != SRV_OIDC_OK)
        return st;
    iam_jwks *jwks = NULL;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err e = iam_jwks_parse(body, len, &jwks, &diag);
    free(body);
    if (e == IAM_E_NOMEM)
        return SRV_OIDC_NOMEM;
    if (e != IAM_OK) {
        set_why(why, why_cap, "JWKS: %s %s", iam_err_str(e), diag.message);
        return SRV_OIDC_BAD_DOCUMENT;
    }
    *out = jwks;
    return SRV_OIDC_OK;
}

/* ---- the cache ----------------------------------------------------------- */

bool srv_oidc_global_init(const srv_config *cfg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        srv_log(SRV_LOG_ERROR, "cannot initialise libcurl", NULL);
        return false;
    }
    if (cfg == NULL || cfg->oidc_ca_file == NULL)
        return true;
    /* Read now, before privileges are dropped: the file may be readable
     * by root only, and a bundle in memory cannot change under us. */
    FILE *f = fopen(cfg->oidc_ca_file, "rb");
    char *buf = malloc(CA_MAX + 1);
    size_t n = 0;
    bool ok = f != NULL && buf != NULL;
    if (ok) {
        n = fread(buf, 1, CA_MAX + 1, f);
        ok = !ferror(f) && n > 0 && n <= CA_MAX;
    }
    if (f != NULL)
        fclose(f);
    if (!ok) {
        free(buf);
        srv_log(SRV_LOG_ERROR, "cannot read --oidc-ca-file (a PEM bundle of at most 4 MiB)", "path",
                cfg->oidc_ca_file, NULL);
        return false;
    }
    g_ca_pem = buf;
    g_ca_len = n;
    return true;
}

static void keys_unref_locked(srv_oidc_keys *k)
{
    if (k != NULL && --k->refs == 0) {
        iam_jwks_free(k->jwks);
        free(k);
    }
}

void srv_oidc_global_cleanup(void)
{
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < g_n; i++) {
        free(g_cache[i].arn);
        keys_unref_locked(g_cache[i].keys);
    }
    g_n = 0;
    pthread_mutex_unlock(&g_mu);
    free(g_ca_pem);
    g_ca_pem = NULL;
    g_ca_len = 0;
    curl_global_cleanup();
}

const iam_jwks *srv_oidc_keys_jwks(const srv_oidc_keys *k)
{
    return k->jwks;
}

void srv_oidc_keys_release(srv_oidc_keys *k)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&g_mu);
    keys_unref_locked(k);
    pthread_mutex_unlock(&g_mu);
}

static cache_entry *find_locked(const char *arn)
{
    for (size_t i = 0; i < g_n; i++)
        if (strcmp(g_cache[i].arn, arn) == 0)
            return &g_cache[i];
    return NULL;
}

/* The entry of `arn`, made (evicting the oldest fetch when full). */
static cache_entry *entry_locked(const char *arn)
{
    cache_entry *e = find_locked(arn);
    if (e != NULL)
        return e;
    char *copy = strdup(arn);
    if (copy == NULL)
        return NULL;
    if (g_n == CACHE_MAX) {
        size_t old = 0;
        for (size_t i = 1; i < g_n; i++)
            if (g_cache[i].fetched < g_cache[old].fetched)
                old = i;
        free(g_cache[old].arn);
        keys_unref_locked(g_cache[old].keys);
        g_cache[old] = g_cache[--g_n];
    }
    e = &g_cache[g_n++];
    memset(e, 0, sizeof *e);
    e->arn = copy;
    return e;
}

static srv_oidc_keys *ref_locked(srv_oidc_keys *k)
{
    k->refs++;
    return k;
}

srv_oidc_status srv_oidc_keys_get(const srv_config *cfg, const char *provider_arn, const char *issuer,
                                  int64_t now, bool unknown_kid, srv_oidc_keys **out, bool *fetched, char *why,
                                  size_t why_cap)
{
    if (fetched != NULL)
        *fetched = false;
    pthread_mutex_lock(&g_mu);
    cache_entry *e = entry_locked(provider_arn);
    if (e == NULL) {
        pthread_mutex_unlock(&g_mu);
        return SRV_OIDC_NOMEM;
    }
    bool fresh = e->keys != NULL && now >= e->fetched && now - e->fetched < SRV_OIDC_TTL;
    if (fresh && (!unknown_kid || (e->forced != 0 && now - e->forced < SRV_OIDC_REFETCH_MIN))) {
        *out = ref_locked(e->keys);
        pthread_mutex_unlock(&g_mu);
        return SRV_OIDC_OK;
    }
    /* A provider that just failed is not asked again at every request:
     * the caller chooses the provider and the request is unsigned. */
    if (e->failed != 0 && now >= e->failed && now - e->failed < SRV_OIDC_FAIL_TTL) {
        srv_oidc_status fs = e->fail_status;
        pthread_mutex_unlock(&g_mu);
        set_why(why, why_cap, "the last fetch failed less than %d s ago", SRV_OIDC_FAIL_TTL);
        return fs;
    }
    if (unknown_kid && fresh)
        e->forced = now; /* set before fetching: concurrent requests do not pile up */
    pthread_mutex_unlock(&g_mu);

    iam_jwks *jwks = NULL;
    srv_oidc_status st = srv_oidc_fetch_jwks(cfg, issuer, &jwks, why, why_cap);
    srv_oidc_keys *k = NULL;
    if (st == SRV_OIDC_OK) {
        k = malloc(sizeof *k);
        if (k == NULL) {
            iam_jwks_free(jwks);
            st = SRV_OIDC_NOMEM;
        } else {
            k->jwks = jwks;
            k->refs = 1; /* the cache's */
        }
    }
    pthread_mutex_lock(&g_mu);
    e = entry_locked(provider_arn); /* may have moved or been evicted meanwhile */
    if (e == NULL) {
        pthread_mutex_unlock(&g_mu);
        if (k != NULL)
            srv_oidc_keys_release(k);
        return SRV_OIDC_NOMEM;
    }
    if (st == SRV_OIDC_OK) {
        keys_unref_locked(e->keys);
        e->keys = k;
        e->fetched = now;
        e->failed = 0;
        *out = ref_locked(k);
        if (fetched != NULL)
            *fetched = true;
    } else if (st != SRV_OIDC_NOMEM) {
        e->failed = now;
        e->fail_status = st;
    }
    pthread_mutex_unlock(&g_mu);
    return st;
}
