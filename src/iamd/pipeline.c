/* pipeline.c - the road every request takes (DESIGN.md §1): route
 * (/healthz, /metrics, the Query API on "/"), decode the form, look up the
 * action, authenticate with SigV4 against the pinned snapshot, run the
 * handler, encode the XML reply or AWS's ErrorResponse, count it in the
 * metrics, hand the audit record to the sink, and release what the request
 * held. Handlers only ever see the srv_call. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "srv_int.h"

#define IAM_XMLNS "https://iam.amazonaws.com/doc/2010-05-08/"
#define IAM_VERSION "2010-05-08"
#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"
#define STS_VERSION "2011-06-15"

/* IAM actions whose output shape is empty (botocore's service-2.json:
 * operations without "output"): their reply has no <XResult> element.
 * Sorted for bsearch. */
static const char *const k_no_result[] = {
    "AddClientIDToOpenIDConnectProvider", "AddRoleToInstanceProfile", "AddUserToGroup", "AttachGroupPolicy",
    "AttachRolePolicy", "AttachUserPolicy", "ChangePassword", "CreateAccountAlias", "DeactivateMFADevice",
    "DeleteAccessKey", "DeleteAccountAlias", "DeleteAccountPasswordPolicy", "DeleteGroup", "DeleteGroupPolicy",
    "DeleteInstanceProfile", "DeleteLoginProfile", "DeleteOpenIDConnectProvider", "DeletePolicy",
    "DeletePolicyVersion", "DeleteRole", "DeleteRolePermissionsBoundary", "DeleteRolePolicy", "DeleteSAMLProvider",
    "DeleteSSHPublicKey", "DeleteServerCertificate", "DeleteServiceSpecificCredential", "DeleteSigningCertificate",
    "DeleteUser", "DeleteUserPermissionsBoundary", "DeleteUserPolicy", "DeleteVirtualMFADevice",
    "DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy", "EnableMFADevice", "PutGroupPolicy",
    "PutRolePermissionsBoundary", "PutRolePolicy", "PutUserPermissionsBoundary", "PutUserPolicy",
    "RemoveClientIDFromOpenIDConnectProvider", "RemoveRoleFromInstanceProfile", "RemoveUserFromGroup",
    "ResyncMFADevice", "SetDefaultPolicyVersion", "SetSecurityTokenServicePreferences", "TagInstanceProfile",
    "TagMFADevice", "TagOpenIDConnectProvider", "TagPolicy", "TagRole", "TagSAMLProvider", "TagServerCertificate",
    "TagUser", "UntagInstanceProfile", "UntagMFADevice", "UntagOpenIDConnectProvider", "UntagPolicy", "UntagRole",
    "UntagSAMLProvider", "UntagServerCertificate", "UntagUser", "UpdateAccessKey", "UpdateAccountPasswordPolicy",
    "UpdateAssumeRolePolicy", "UpdateGroup", "UpdateLoginProfile", "UpdateOpenIDConnectProviderThumbprint",
    "UpdateSSHPublicKey", "UpdateServerCertificate", "UpdateServiceSpecificCredential", "UpdateSigningCertificate",
    "UpdateUser",
};

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_no_result(const char *name)
{
    return bsearch(&name, k_no_result, sizeof k_no_result / sizeof k_no_result[0], sizeof k_no_result[0],
                   cmp_cstr) != NULL;
}

/* ---- routes ---- */

static int cmp_route(const void *a, const void *b)
{
    return strcmp(((const srv_route *)a)->action->name, ((const srv_route *)b)->action->name);
}

iam_err srv_server_routes_init(srv_server *s)
{
    const srv_action *const tables[] = { srv_actions_users, srv_actions_roles, srv_actions_policies,
                                         srv_actions_simulate, srv_actions_mfa, srv_actions_sts };
    const srv_action *const sts_table = srv_actions_sts;
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const srv_action *a = tables[t]; a->name != NULL; a++)
            n++;
    srv_route *routes = calloc(n ? n : 1, sizeof *routes);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (routes == NULL || names == NULL) {
        free(routes);
        free(names);
        return IAM_E_NOMEM;
    }
    size_t k = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const srv_action *a = tables[t]; a->name != NULL; a++)
            if (a->fn != NULL) {
                routes[k].sts = tables[t] == sts_table;
                routes[k++].action = a;
            }
    qsort(routes, k, sizeof *routes, cmp_route);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && strcmp(routes[m - 1].action->name, routes[i].action->name) == 0) {
            srv_log(SRV_LOG_WARN, "action registered twice; the first one serves", "action",
                    routes[i].action->name, NULL);
            continue;
        }
        routes[m] = routes[i];
        routes[m].no_result = !routes[m].sts && has_no_result(routes[m].action->name);
        routes[m].metric = (unsigned)m;
        names[m] = routes[m].action->name;
        m++;
    }
    s->metrics = srv_metrics_new(names, m);
    if (s->metrics == NULL) {
        free(routes);
        free(names);
        return IAM_E_NOMEM;
    }
    /* names stays alive as long as the metrics: kept behind the routes. */
    s->routes = routes;
    s->n_routes = m;
    s->route_names_ = names;
    if (s->audit == NULL)
        s->audit = srv_audit_null_sink();
    return IAM_OK;
}

void srv_server_routes_free(srv_server *s)
{
    srv_metrics_free(s->metrics);
    s->metrics = NULL;
    free(s->routes);
    s->routes = NULL;
    free(s->route_names_);
    s->route_names_ = NULL;
    s->n_routes = 0;
}

const srv_route *srv_route_find(const srv_server *s, iam_str name)
{
    size_t lo = 0, hi = s->n_routes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *mn = s->routes[mid].action->name;
        size_t ml = strlen(mn);
        int cmp = memcmp(name.ptr, mn, name.len < ml ? name.len : ml);
        if (cmp == 0)
            cmp = name.len < ml ? -1 : name.len > ml;
        if (cmp == 0)
            return &s->routes[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- helpers ---- */

static iam_str header(const srv_http_in *in, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < in->n_headers; i++)
        if (in->headers[i].name.len == nl && strncasecmp(in->headers[i].name.ptr, name, nl) == 0)
            return in->headers[i].value;
    return IAM_STR_NULL;
}

static void reply_text(srv_http_out *out, int status, const char *content_type, const char *text)
{
    out->status = status;
    out->content_type = content_type;
    out->len = strlen(text);
    out->body = malloc(out->len ? out->len : 1);
    if (out->body != NULL)
        memcpy(out->body, text, out->len);
    else
        out->len = 0;
}

/* The client's address for aws:SourceIp: the peer, or - when the peer is
 * a trusted proxy - the right-most X-Forwarded-For entry that is not
 * itself a trusted proxy. */
static iam_str source_ip(srv_request *r)
{
    const srv_http_in *in = r->in;
    const srv_config *cfg = r->srv->cfg;
    iam_str peer = iam_str_from_cstr(in->peer_ip);
    if (cfg->n_trusted == 0 || !srv_cidr_match(cfg->trusted, cfg->n_trusted, in->peer_ip))
        return peer;
    iam_str xff = header(in, "X-Forwarded-For");
    if (xff.len == 0 || xff.len > 2048)
        return peer;
    char *copy = srv_strndup(&r->call, xff);
    if (copy == NULL)
        return peer;
    iam_str chosen = peer;
    size_t end = xff.len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && copy[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (copy[a] == ' ' || copy[a] == '\t'))
            a++;
        while (b > a && (copy[b - 1] == ' ' || copy[b - 1] == '\t'))
            b--;
        copy[b] = 0;
        srv_cidr probe;
        if (b > a && srv_cidr_parse(copy + a, &probe)) {
            chosen = (iam_str){ copy + a, b - a };
            if (!srv_cidr_match(cfg->trusted, cfg->n_trusted, copy + a))
                break;
        } else {
            break; /* garbage: stop at the last good hop */
        }
        end = start > 0 ? start - 1 : 0;
    }
    return chosen;
}

/* ---- signing-key cache ---- */

#define SK_SLOTS 1024
#define SK_BLOB_MAX 128
#define SK_SCOPE_MAX SRV_SCOPE_MAX

typedef struct sk_entry {
    pthread_mutex_t mu;
    bool valid;
    char key_id[32];
    uint8_t blob[SK_BLOB_MAX];
    size_t blob_len;
    char scope[SK_SCOPE_MAX];   /* date/region/service */
    size_t scope_len;
    uint8_t key[32];
} sk_entry;

struct srv_sigkeys {
    sk_entry e[SK_SLOTS];
    _Atomic uint64_t hits, misses;
};

iam_err srv_sigkeys_new(struct srv_sigkeys **out)
{
    struct srv_sigkeys *c = calloc(1, sizeof *c);
    if (c == NULL)
        return IAM_E_NOMEM;
    for (size_t i = 0; i < SK_SLOTS; i++)
        pthread_mutex_init(&c->e[i].mu, NULL);
    *out = c;
    return IAM_OK;
}

void srv_sigkeys_free(struct srv_sigkeys *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < SK_SLOTS; i++)
        pthread_mutex_destroy(&c->e[i].mu);
    iam_wipe(c, sizeof *c);
    free(c);
}

size_t srv_sigv4_scope(const iam_sigv4_auth *a, char out[SK_SCOPE_MAX])
{
    size_t n = a->date.len + a->region.len + a->service.len + 2;
    if (n >= SK_SCOPE_MAX)
        return 0; /* not cached */
    char *p = out;
    memcpy(p, a->date.ptr, a->date.len);
    p += a->date.len;
    *p++ = '/';
    memcpy(p, a->region.ptr, a->region.len);
    p += a->region.len;
    *p++ = '/';
    memcpy(p, a->service.ptr, a->service.len);
    return n;
}

static sk_entry *sk_slot(struct srv_sigkeys *c, iam_str key_id)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < key_id.len; i++)
        h = (h ^ (unsigned char)key_id.ptr[i]) * 16777619u;
    return &c->e[h & (SK_SLOTS - 1)];
}

bool srv_sigkeys_get(struct srv_sigkeys *c, iam_str id, const uint8_t *blob, size_t blob_len, const char *scope,
                     size_t scope_len, uint8_t out[32])
{
    if (c == NULL || blob_len > SK_BLOB_MAX || scope_len == 0)
        return false;
    sk_entry *e = sk_slot(c, id);
    bool hit = false;
    pthread_mutex_lock(&e->mu);
    if (e->valid && strlen(e->key_id) == id.len && memcmp(e->key_id, id.ptr, id.len) == 0 &&
        e->blob_len == blob_len && (blob_len == 0 || memcmp(e->blob, blob, blob_len) == 0) &&
        e->scope_len == scope_len && memcmp(e->scope, scope, scope_len) == 0) {
        memcpy(out, e->key, 32);
        hit = true;
    }
    pthread_mutex_unlock(&e->mu);
    atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
    return hit;
}

void srv_sigkeys_put(struct srv_sigkeys *c, iam_str id, const uint8_t *blob, size_t blob_len, const char *scope,
                     size_t scope_len, const uint8_t key[32])
{
    if (c == NULL || blob_len > SK_BLOB_MAX || scope_len == 0 || id.len >= sizeof c->e[0].key_id)
        return;
    sk_entry *e = sk_slot(c, id);
    pthread_mutex_lock(&e->mu);
    memcpy(e->key_id, id.ptr, id.len);
    e->key_id[id.len] = 0;
    if (blob_len > 0)
        memcpy(e->blob, blob, blob_len);
    e->blob_len = blob_len;
    memcpy(e->scope, scope, scope_len);
    e->scope_len = scope_len;
    memcpy(e->key, key, 32);
    e->valid = true;
    pthread_mutex_unlock(&e->mu);
}

bool srv_fail_sigv4(srv_call *c, iam_sigv4_status st, const char *message)
{
    const char *code = iam_sigv4_status_code(st);
    int http = iam_sigv4_status_http(st);
    const char *msg = message;
    if (msg == NULL || *msg == 0) {
        switch (st) {
        case IAM_SIGV4_MISSING: msg = "Request is missing Authentication Token"; break;
        case IAM_SIGV4_SIGNATURE_MISMATCH:
            msg = "The request signature we calculated does not match the signature you provided. Check your "
                  "AWS Secret Access Key and signing method. Consult the service documentation for details.";
            break;
        default: msg = "The request signature does not conform to AWS standards."; break;
        }
    }
    srv_fail_set(c, code && *code ? code : "IncompleteSignature", http, "Sender", msg);
    return false;
}

static bool invalid_token(srv_call *c)
{
    return srv_fail(c, "InvalidClientTokenId", "The security token included in the request is invalid.");
}

static bool authenticate(srv_request *r)
{
    srv_server *s = r->srv;
    srv_call *c = &r->call;
    const srv_http_in *in = r->in;
    iam_http_request hr = { in->method, in->path, in->query, in->headers, in->n_headers, in->body };
    iam_sigv4_auth *auth = srv_arena_alloc_raw(&r->arena, sizeof *auth); /* parse fills it */
    if (auth == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    iam_sigv4_status st = iam_sigv4_parse(&hr, auth);
    if (st != IAM_SIGV4_OK)
        return srv_fail_sigv4(c, st, auth->message);
    /* STS requests are scoped to "sts", IAM requests to "iam". */
    st = iam_sigv4_check_scope(auth, s->accepted_regions, s->n_accepted_regions, c->service);
    if (st != IAM_SIGV4_OK)
        return srv_fail_sigv4(c, st, auth->message);
    /* Temporary credentials: an ASIA key with its session token. */
    if (auth->access_key_id.len > 4 && memcmp(auth->access_key_id.ptr, "ASIA", 4) == 0) {
        if (!srv_session_authenticate(r, &hr, auth))
            return false;
        c->caller = &r->principal;
        return true;
    }
    /* A long-term key never comes with a session token. */
    if (auth->security_token.len > 0)
        return invalid_token(c);
    const iam_access_key *k = iam_snap_access_key(c->snap, auth->access_key_id);
    if (k == NULL || !k->active)
        return invalid_token(c);
    srv_principal *p = &r->principal;
    memset(p, 0, sizeof *p);
    p->account = k->account;
    p->access_key_id = k->id;
    if (k->user_id == NULL) {
        if (iam_snap_account(c->snap, iam_str_from_cstr(k->account)) == NULL)
            return invalid_token(c);
        p->kind = IAM_PK_ACCOUNT_ROOT;
        p->id = k->account;
        p->arn = srv_strf(c, "arn:%s:iam::%s:root", srv_partition(c), k->account);
        if (p->arn == NULL)
            return srv_fail(c, "InternalFailure", "Out of memory.");
    } else {
        const iam_user *u = iam_snap_user_by_id(c->snap, iam_str_from_cstr(k->user_id));
        if (u == NULL)
            return invalid_token(c);
        p->kind = IAM_PK_IAM_USER;
        p->id = u->id;
        p->arn = u->arn;
        p->name = u->name;
        p->user = u;
    }
    uint8_t signing_key[32];
    char scope[SK_SCOPE_MAX];
    size_t scope_len = srv_sigv4_scope(auth, scope);
    iam_str kid = iam_str_from_cstr(k->id);
    if (!srv_sigkeys_get(s->sigkeys, kid, k->sealed_secret, k->sealed_secret_len, scope, scope_len, signing_key)) {
        char secret[IAM_SECRET_KEY_LEN + 8];
        iam_err err = iam_snapshot_key_secret(c->snap, k, s->keyring, secret, sizeof secret);
        if (err != IAM_OK) {
            iam_wipe(secret, sizeof secret);
            srv_log(SRV_LOG_ERROR, "cannot open an access key's secret", "access_key_id", k->id, "error",
                    iam_err_str(err), NULL);
            return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
        }
        iam_sigv4_key_cache_get(s->key_cache, auth->access_key_id, iam_str_from_cstr(secret), auth->date,
                                auth->region, auth->service, signing_key);
        iam_wipe(secret, sizeof secret);
        srv_sigkeys_put(s->sigkeys, kid, k->sealed_secret, k->sealed_secret_len, scope, scope_len, signing_key);
    }
    st = iam_sigv4_verify(&hr, auth, signing_key, c->now);
    iam_wipe(signing_key, sizeof signing_key);
    if (st != IAM_SIGV4_OK)
        return srv_fail_sigv4(c, st, auth->message);
    c->caller = p;
    srv_touch_key(s, auth->access_key_id, c->now, c->service, auth->region);
    return true;
}

/* Decodes, looks up, authenticates and runs the action. False with the
 * call's error set on any failure. */
static bool run_api(srv_request *r)
{
    srv_server *s = r->srv;
    srv_call *c = &r->call;
    const srv_http_in *in = r->in;
    iam_str raw;
    if (in->body_too_large)
        return srv_fail(c, "RequestEntityTooLarge", "Request body exceeds the limit of %zu bytes.",
                        s->cfg->max_body);
    if (in->method.len == 4 && memcmp(in->method.ptr, "POST", 4) == 0) {
        iam_str ct = header(in, "Content-Type");
        static const char form_ct[] = "application/x-www-form-urlencoded";
        size_t fl = sizeof form_ct - 1;
        bool ok = ct.len >= fl && strncasecmp(ct.ptr, form_ct, fl) == 0 &&
                  (ct.len == fl || ct.ptr[fl] == ';' || ct.ptr[fl] == ' ');
        if (!ok)
            return srv_fail(c, "UnsupportedMediaType",
                            "The Query API takes application/x-www-form-urlencoded request bodies.");
        raw = in->body;
    } else {
        raw = in->query;
    }
    iam_form_limits lim = { IAM_FORM_DEFAULT_MAX_PARAMS, s->cfg->max_body };
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_form_parse(raw, &lim, &r->form, &diag);
    if (err == IAM_E_LIMIT)
        return srv_fail(c, "InvalidQueryParameter", "The request has too many parameters.");
    if (err != IAM_OK) {
        /* AWS documents 404 for MalformedQueryString, but a syntax error in
         * the request is a 400 for every client that retries on status. */
        srv_fail(c, "MalformedQueryString", "%s", diag.message[0] ? diag.message : "Malformed query string.");
        c->err_status = 400;
        return false;
    }
    c->params = r->form;
    size_t np = iam_form_count(r->form);
    const iam_param *ps = iam_form_params(r->form);
    for (size_t i = 0; i < np; i++) {
        if (!iam_utf8_valid(ps[i].name) || !iam_utf8_valid(ps[i].value))
            return srv_fail(c, "InvalidParameterValue", "Parameter %.*s is not valid UTF-8.",
                            iam_utf8_valid(ps[i].name) ? (int)(ps[i].name.len > 128 ? 128 : ps[i].name.len) : 0,
                            ps[i].name.ptr);
    }
    iam_str action = iam_form_get(r->form, IAM_STR("Action"));
    if (action.ptr == NULL || action.len == 0)
        return srv_fail(c, "MissingAction", "Missing Action");
    c->action = action;
    r->audit.event_name = srv_strndup(c, action);
    iam_str version = iam_form_get(r->form, IAM_STR("Version"));
    int alen = (int)(action.len > 128 ? 128 : action.len);
    if (version.ptr == NULL)
        return srv_fail(c, "MissingParameter", "The request must contain the parameter Version.");
    bool sts = iam_str_eq(version, IAM_STR(STS_VERSION));
    if (!sts && !iam_str_eq(version, IAM_STR(IAM_VERSION)))
        return srv_fail(c, "InvalidAction", "Could not find operation %.*s for version %.*s", alen, action.ptr,
                        (int)(version.len > 32 ? 32 : version.len), version.ptr);
    if (sts) {
        r->sts = true;
        c->service = IAM_STR("sts");
        r->audit.event_source = "sts.amazonaws.com";
    }
    r->route = srv_route_find(s, action);
    if (r->route != NULL && r->route->sts != sts)
        r->route = NULL; /* the action of the other API */
    if (r->route == NULL)
        return srv_fail(c, "InvalidAction", "Could not find operation %.*s for version %s", alen, action.ptr,
                        sts ? STS_VERSION : IAM_VERSION);
    r->audit.read_only = r->route->action->readonly;
    /* AssumeRoleWithWebIdentity is the one unsigned action: its caller
     * proves itself with the web identity token the handler verifies, and
     * has no AWS credentials (c->caller stays NULL). Only this STS action:
     * everything else is authenticated. */
    bool unsigned_action = sts && strcmp(r->route->action->name, "AssumeRoleWithWebIdentity") == 0;
    if (!unsigned_action && !authenticate(r))
        return false;

    const char *name = r->route->action->name;
    size_t nl = strlen(name);
    char *resp = srv_alloc(c, nl + sizeof "Response");
    char *result = srv_alloc(c, nl + sizeof "Result");
    if (resp != NULL && result != NULL) {
        memcpy(resp, name, nl);
        memcpy(resp + nl, "Response", sizeof "Response");
        memcpy(result, name, nl);
        memcpy(result + nl, "Result", sizeof "Result");
    }
    if (resp == NULL || result == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    srv_xml *x = &r->xml;
    srv_xml_raw(x, "<", 1);
    srv_xml_raw(x, resp, strlen(resp));
    if (r->sts)
        srv_xml_raw(x, " xmlns=\"" STS_XMLNS "\">", sizeof(" xmlns=\"" STS_XMLNS "\">") - 1);
    else
        srv_xml_raw(x, " xmlns=\"" IAM_XMLNS "\">", sizeof(" xmlns=\"" IAM_XMLNS "\">") - 1);
    x->open[x->depth++] = resp;
    if (!r->route->no_result)
        srv_xml_open(x, result);
    x->base_depth = x->depth;
    bool ok = r->route->action->fn(c);
    if (!ok) {
        if (c->err_code == NULL)
            srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
        return false;
    }
    srv_xml_flush_tail(x);
    if (x->depth != x->base_depth) {
        srv_log(SRV_LOG_ERROR, "handler left XML elements open", "action", name, NULL);
        x->oom = true;
    }
    if (!r->route->no_result)
        srv_xml_close(x);
    srv_xml_open(x, "ResponseMetadata");
    srv_xml_cstr(x, "RequestId", r->request_id);
    srv_xml_close(x);
    srv_xml_close(x);
    if (x->oom)
        return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
    return true;
}

static void encode_error(srv_request *r)
{
    srv_call *c = &r->call;
    srv_xml *x = &r->xml;
    srv_xml_reset(x);
    if (r->sts)
        srv_xml_raw(x, "<ErrorResponse xmlns=\"" STS_XMLNS "\">",
                    sizeof("<ErrorResponse xmlns=\"" STS_XMLNS "\">") - 1);
    else
        srv_xml_raw(x, "<ErrorResponse xmlns=\"" IAM_XMLNS "\">",
                    sizeof("<ErrorResponse xmlns=\"" IAM_XMLNS "\">") - 1);
    x->open[x->depth++] = "ErrorResponse";
    srv_xml_open(x, "Error");
    srv_xml_cstr(x, "Type", c->err_type ? c->err_type : srv_error_type(c->err_code));
    srv_xml_cstr(x, "Code", c->err_code);
    srv_xml_cstr(x, "Message", c->err_message ? c->err_message : "");
    srv_xml_close(x);
    srv_xml_cstr(x, "RequestId", r->request_id);
    srv_xml_close(x);
}

static void fill_audit(srv_request *r, int status)
{
    srv_call *c = &r->call;
    srv_audit *a = &r->audit;
    a->event_time = c->now;
    a->aws_region = r->srv->cfg->region;
    a->source_ip = srv_strndup(c, c->source_ip);
    a->user_agent = c->user_agent.len ? srv_strndup(c, c->user_agent) : NULL;
    a->request_id = r->request_id;
    a->http_status = status;
    if (c->caller != NULL) {
        const srv_principal *p = c->caller;
        a->identity.type = p->kind == IAM_PK_ACCOUNT_ROOT               ? "Root"
                           : p->kind == IAM_PK_ASSUMED_ROLE_SESSION ? "AssumedRole"
                                                                    : "IAMUser";
        a->identity.principal_id = p->id;
        a->identity.arn = p->arn;
        a->identity.account_id = p->account;
        a->identity.access_key_id = p->access_key_id;
        a->identity.user_name = p->name;
        a->recipient_account_id = p->account;
    }
    if (c->err_code != NULL) {
        a->error_code = c->err_code;
        a->error_message = c->err_message;
    }
    if (r->srv->audit != NULL && r->srv->audit->ops->wants_details) {
        char *eid = srv_alloc(c, 40);
        if (eid != NULL)
            srv_uuid(eid);
        a->event_id = eid;
    }
}

void srv_pipeline_handle(srv_server *s, const srv_http_in *in, srv_http_out *out)
{
    memset(out, 0, sizeof *out);
    bool get = iam_str_eq(in->method, IAM_STR("GET"));
    bool post = iam_str_eq(in->method, IAM_STR("POST"));
    if (get && iam_str_eq(in->path, IAM_STR("/healthz"))) {
        reply_text(out, 200, "text/plain; charset=utf-8", "ok\n");
        srv_metrics_request(s->metrics, srv_metrics_other(s->metrics), 200, srv_mono_ns() - in->start_ns);
        return;
    }
    if (get && iam_str_eq(in->path, IAM_STR("/metrics"))) {
        char extra[256];
        uint64_t hits = 0, misses = 0;
        if (s->sigkeys != NULL) {
            hits = atomic_load(&s->sigkeys->hits);
            misses = atomic_load(&s->sigkeys->misses);
        }
        snprintf(extra, sizeof extra,
                 "# HELP iamd_signing_key_cache_total Signing-key cache lookups (a miss unseals the secret).\n"
                 "# TYPE iamd_signing_key_cache_total counter\n"
                 "iamd_signing_key_cache_total{result=\"hit\"} %llu\n"
                 "iamd_signing_key_cache_total{result=\"miss\"} %llu\n",
                 (unsigned long long)hits, (unsigned long long)misses);
        out->status = 200;
        out->content_type = "text/plain; version=0.0.4; charset=utf-8";
        out->body = srv_metrics_render(s->metrics, extra, &out->len);
        if (out->body == NULL)
            reply_text(out, 500, "text/plain; charset=utf-8", "out of memory\n");
        srv_metrics_request(s->metrics, srv_metrics_other(s->metrics), out->status, srv_mono_ns() - in->start_ns);
        return;
    }
    if (!iam_str_eq(in->path, IAM_STR("/")) || !(get || post)) {
        bool root = iam_str_eq(in->path, IAM_STR("/"));
        reply_text(out, root ? 405 : 404, "text/plain; charset=utf-8", root ? "method not allowed\n" : "not found\n");
        srv_metrics_request(s->metrics, srv_metrics_other(s->metrics), out->status, srv_mono_ns() - in->start_ns);
        return;
    }

    srv_request *r = malloc(sizeof *r);
    if (r != NULL) {
        memset(r, 0, offsetof(srv_request, arena_buf));
        r->arena.ibuf = r->arena_buf;
        r->arena.icap = sizeof r->arena_buf;
    }
    if (r == NULL) {
        reply_text(out, 500, "text/plain; charset=utf-8", "out of memory\n");
        return;
    }
    r->srv = s;
    r->in = in;
    srv_uuid(r->request_id);
    srv_xml_init(&r->xml);
    srv_audit_init(&r->audit);
    srv_call *c = &r->call;
    c->srv = s;
    c->out = &r->xml;
    c->audit = &r->audit;
    c->service = IAM_STR("iam");
    c->region = iam_str_from_cstr(s->cfg->region);
    c->now = iam_clock_now(s->clock);
    c->secure_transport = in->secure;
    c->user_agent = header(in, "User-Agent");
    c->source_ip = source_ip(r);
    /* The pin taken here is the request's; commits add theirs. */
    srv_pin *first = srv_arena_alloc(&r->arena, sizeof *first);
    if (first != NULL) {
        first->snap = iam_snapshot_pin(s->holder);
        r->pins = first;
        c->snap = first->snap;
    }

    bool ok = first != NULL ? run_api(r) : srv_fail(c, "InternalFailure", "Out of memory.");
    int status = 200;
    if (!ok) {
        status = c->err_status ? c->err_status : srv_error_status(c->err_code);
        encode_error(r);
        if (r->xml.oom) /* not even the error fits: a bare status */
            srv_xml_reset(&r->xml);
    }
    fill_audit(r, status);
    srv_audit_write(s->audit, &r->audit);

    out->status = status;
    out->content_type = "text/xml";
    out->body = srv_xml_take(&r->xml, &out->len);
    memcpy(out->request_id, r->request_id, sizeof out->request_id);
    out->close = in->body_too_large;
    int64_t dur = srv_mono_ns() - in->start_ns;
    size_t metric = r->route ? r->route->metric : srv_metrics_unknown(s->metrics);
    srv_metrics_request(s->metrics, metric, status, dur);
    srv_log_level lvl = status >= 500 ? SRV_LOG_WARN : SRV_LOG_DEBUG;
    if (srv_log_enabled(lvl)) {
        char st[8], us[24];
        snprintf(st, sizeof st, "%d", status);
        snprintf(us, sizeof us, "%lld", (long long)(dur / 1000));
        srv_log(lvl, "request", "request_id", r->request_id, "action", r->audit.event_name, "#status", st,
                "error_code", c->err_code, "#duration_us", us, "source_ip", r->audit.source_ip, "access_key_id",
                c->caller ? c->caller->access_key_id : NULL, NULL);
    }
    srv_request_release(r);
    srv_xml_free(&r->xml);
    srv_arena_free(&r->arena);
    free(r);
}
