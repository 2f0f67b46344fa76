/* http_mhd.c - the HTTP front end on libmicrohttpd: the only file that sees
 * microhttpd.h. It binds (TLS through libmicrohttpd, which uses GnuTLS),
 * keeps the raw request URI (MHD decodes the URL it hands the handler, but
 * SigV4 needs the bytes the client signed: the URI log callback sees them
 * first), accumulates the body itself up to --max-body (no post processor:
 * SigV4 hashes the raw body), collects the headers, runs the pipeline and
 * queues its reply. Shutdown: quiesce (stop accepting), wait for in-flight
 * requests, then stop the daemon, which closes idle keep-alive connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "srv_int.h"

struct srv_http {
    struct MHD_Daemon *daemon;
    MHD_socket quiesced_fd;
    char *tls_cert, *tls_key; /* kept for the daemon's life */
    size_t tls_key_len;
};

/* One request on a connection, from the URI callback to "completed". */
typedef struct mhd_req {
    srv_server *srv;
    char *uri;
    size_t uri_len;
    char *body;
    size_t len, cap;
    size_t discarded;
    bool too_large;
    bool counted;
    bool started;       /* the first access call (headers only) was seen */
    int64_t start_ns;
} mhd_req;

typedef struct hdr_vec {
    iam_http_header *items;
    size_t n, cap;
} hdr_vec;

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)con;
    srv_server *s = cls;
    mhd_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->srv = s;
    r->start_ns = srv_mono_ns();
    r->uri_len = strlen(uri);
    r->uri = malloc(r->uri_len + 1);
    if (r->uri != NULL)
        memcpy(r->uri, uri, r->uri_len + 1);
    atomic_fetch_add(&s->in_flight, 1);
    r->counted = true;
    return r;
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    mhd_req *r = *req_cls;
    if (r == NULL)
        return;
    if (r->counted)
        atomic_fetch_sub(&r->srv->in_flight, 1);
    free(r->uri);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size)
{
    (void)kind;
    hdr_vec *v = cls;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        iam_http_header *p = realloc(v->items, cap * sizeof *p);
        if (p == NULL)
            return MHD_NO;
        v->items = p;
        v->cap = cap;
    }
    v->items[v->n].name = (iam_str){ key, key_size };
    v->items[v->n].value = (iam_str){ value ? value : "", value ? value_size : 0 };
    v->n++;
    return MHD_YES;
}

static void peer_ip(struct MHD_Connection *con, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = 0;
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        /* Report an IPv4-mapped peer as plain IPv4, as aws:SourceIp would. */
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a6->s6_addr, mapped, 12) == 0)
            inet_ntop(AF_INET, a6->s6_addr + 12, out, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)cap);
    }
}

static enum MHD_Result queue(struct MHD_Connection *con, srv_http_out *o)
{
    struct MHD_Response *resp;
    if (o->body != NULL)
        resp = MHD_create_response_from_buffer_with_free_callback(o->len, o->body, free);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(o->body);
        return MHD_NO;
    }
    o->body = NULL; /* the response owns it now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, o->content_type ? o->content_type : "text/plain");
    if (o->request_id[0])
        MHD_add_response_header(resp, "x-amzn-RequestId", o->request_id);
    if (o->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)o->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result respond(srv_server *s, struct MHD_Connection *con, mhd_req *r, const char *method)
{
    hdr_vec hv = { NULL, 0, 0 };
    MHD_get_connection_values_n(con, MHD_HEADER_KIND, collect_header, &hv);
    char ip[INET6_ADDRSTRLEN + 1];
    peer_ip(con, ip, sizeof ip);
    const char *q = memchr(r->uri, '?', r->uri_len);
    srv_http_in in;
    memset(&in, 0, sizeof in);
    in.method = iam_str_from_cstr(method);
    in.path = (iam_str){ r->uri, q ? (size_t)(q - r->uri) : r->uri_len };
    in.query = q ? (iam_str){ q + 1, r->uri_len - (size_t)(q - r->uri) - 1 } : IAM_STR("");
    in.headers = hv.items;
    in.n_headers = hv.n;
    in.body = r->too_large ? IAM_STR("") : (iam_str){ r->body ? r->body : "", r->len };
    in.peer_ip = ip;
    in.secure = s->http->tls_cert != NULL;
    in.body_too_large = r->too_large;
    in.start_ns = r->start_ns;
    srv_http_out out;
    srv_pipeline_handle(s, &in, &out);
    if (atomic_load_explicit(&s->stopping, memory_order_relaxed))
        out.close = true;
    free(hv.items);
    return queue(con, &out);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    (void)url;
    (void)version;
    srv_server *s = cls;
    mhd_req *r = *req_cls;
    if (r == NULL || r->uri == NULL)
        return MHD_NO; /* the URI callback ran out of memory: drop the connection */
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large || r->len + n > s->cfg->max_body) {
            /* Read and drop the rest, answer 413 at the end; a client that
             * keeps sending far past the limit loses the connection. */
            r->too_large = true;
            r->discarded += n;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return r->discarded > 64 * s->cfg->max_body ? MHD_NO : MHD_YES;
        }
        if (r->len + n > r->cap) {
            size_t cap = r->cap ? r->cap : 1024;
            while (cap < r->len + n)
                cap *= 2;
            char *p = realloc(r->body, cap);
            if (p == NULL)
                return MHD_NO;
            r->body = p;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload_data, n);
        r->len += n;
        return MHD_YES;
    }
    /* First call (headers only): MHD calls again with the body, then once
     * more with no data when the request is complete. A declared length
     * over the limit is noted now and answered at the end. */
    if (!r->started) {
        r->started = true;
        const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            unsigned long long v = 0;
            bool ok = *cl != 0;
            for (const char *p = cl; ok && *p; p++) {
                ok = *p >= '0' && *p <= '9' && v < (1ULL << 50);
                v = v * 10 + (unsigned long long)(*p - '0');
            }
            if (ok && v > s->cfg->max_body) {
                /* Answer before the body is sent (a client waiting on
                 * "Expect: 100-continue" never sends it); the reply closes
                 * the connection. */
                r->too_large = true;
                return respond(s, con, r, method);
            }
        }
        return MHD_YES;
    }
    return respond(s, con, r, method);
}

static void mhd_logger(void *cls, const char *fm, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_logger(void *cls, const char *fm, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fm, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    srv_log(SRV_LOG_WARN, "libmicrohttpd", "detail", buf, NULL);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap);
            if (p == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

bool srv_http_tls_supported(void) { return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES; }

/* HOST:PORT or [V6]:PORT into a sockaddr. */
static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sl, bool *v6, bool *loopback)
{
    char host[256];
    const char *port;
    if (listen[0] == '[') {
        const char *e = strchr(listen, ']');
        if (e == NULL || e[1] != ':' || (size_t)(e - listen - 1) >= sizeof host)
            return false;
        memcpy(host, listen + 1, (size_t)(e - listen - 1));
        host[e - listen - 1] = 0;
        port = e + 2;
    } else {
        const char *c = strrchr(listen, ':');
        if (c == NULL || (size_t)(c - listen) >= sizeof host)
            return false;
        memcpy(host, listen, (size_t)(c - listen));
        host[c - listen] = 0;
        port = c + 1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0 || res == NULL)
        return false;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
    *v6 = ss->ss_family == AF_INET6;
    if (*v6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)(void *)ss)->sin6_addr;
        *loopback = IN6_IS_ADDR_LOOPBACK(a);
    } else {
        const struct in_addr *a = &((struct sockaddr_in *)(void *)ss)->sin_addr;
        *loopback = (ntohl(a->s_addr) >> 24) == 127;
    }
    return true;
}

iam_err srv_http_start(srv_server *s, unsigned *bound_port)
{
    const srv_config *cfg = s->cfg;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    bool v6 = false, loopback = false;
    if (!parse_listen(cfg->listen, &ss, &sl, &v6, &loopback)) {
        srv_log(SRV_LOG_ERROR, "cannot parse the listen address (HOST:PORT or [V6]:PORT)", "listen", cfg->listen,
                NULL);
        return IAM_E_INVALID;
    }
    bool tls = cfg->tls_cert != NULL;
    if (!loopback && !tls && !cfg->insecure) {
        srv_log(SRV_LOG_ERROR, "refusing plain HTTP on a non-loopback address: give --tls-cert/--tls-key, or "
                               "--insecure behind a TLS-terminating proxy",
                "listen", cfg->listen, NULL);
        return IAM_E_INVALID;
    }
    srv_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return IAM_E_NOMEM;
    h->quiesced_fd = MHD_INVALID_SOCKET;
    s->http = h;
    /* TURBO: opportunistic reads and writes before asking epoll (fewer
     * syscalls per keep-alive request). */
    unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (tls) {
        if (!srv_http_tls_supported()) {
            srv_log(SRV_LOG_ERROR, "this libmicrohttpd has no TLS support", NULL);
            return IAM_E_INVALID;
        }
        size_t cl = 0;
        h->tls_cert = read_file(cfg->tls_cert, &cl);
        h->tls_key = read_file(cfg->tls_key, &h->tls_key_len);
        if (h->tls_cert == NULL || h->tls_key == NULL) {
            srv_log(SRV_LOG_ERROR, "cannot read the TLS certificate or key", "tls_cert", cfg->tls_cert, "tls_key_file",
                    cfg->tls_key, "error", strerror(errno), NULL);
            return IAM_E_IO;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem opts[16];
    size_t n = 0;
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)(void *)uri_cb, s };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)(void *)completed_cb, s };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->timeout, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(16 * 1024), NULL };
    if (cfg->threads > 1)
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL };
    if (tls) {
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key };
    }
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    (void)sl;
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
                                 MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (h->daemon == NULL) {
        srv_log(SRV_LOG_ERROR, "cannot start the HTTP server (address in use? bad TLS files?)", "listen",
                cfg->listen, NULL);
        return IAM_E_IO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = di ? di->port : 0;
    return IAM_OK;
}

void srv_http_stop(srv_server *s, int drain_ms)
{
    srv_http *h = s->http;
    if (h == NULL)
        return;
    if (h->daemon != NULL) {
        atomic_store(&s->stopping, true); /* keep-alive clients are told to go */
        h->quiesced_fd = MHD_quiesce_daemon(h->daemon);
        int64_t deadline = srv_mono_ns() + (int64_t)drain_ms * 1000000;
        while (atomic_load(&s->in_flight) > 0 && srv_mono_ns() < deadline) {
            struct timespec ts = { 0, 10 * 1000000 };
            nanosleep(&ts, NULL);
        }
        long left = atomic_load(&s->in_flight);
        if (left > 0) {
            char b[24];
            snprintf(b, sizeof b, "%ld", left);
            srv_log(SRV_LOG_WARN, "stopping with requests still in flight", "#in_flight", b, NULL);
        }
        MHD_stop_daemon(h->daemon);
        if (h->quiesced_fd != MHD_INVALID_SOCKET)
            close(h->quiesced_fd);
    }
    free(h->tls_cert);
    if (h->tls_key != NULL)
        iam_wipe(h->tls_key, h->tls_key_len);
    free(h->tls_key);
    free(h);
    s->http = NULL;
}
