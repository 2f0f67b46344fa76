/* session_auth.c - requests signed with temporary credentials (an ASIA key
 * and its X-Amz-Security-Token): the token is opened with the master
 * keyring (no store lookup unless its policy overflowed into the store),
 * its expiry checked against the server's clock, its principal resolved in
 * the pinned snapshot (a role or user deleted or re-created since reads as
 * an invalid token, as on AWS), the temporary secret derived from the key
 * id, and the signature verified through the same signing-key cache as
 * long-term keys. Also the session's part of every decision: its session
 * policies as the engine's session index and its condition keys. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "srv_int.h"

/* The largest overflow a session can have: a 2,048-char policy, 10 policy
 * ARNs and 50 tags of 128 + 256 chars, with room for their framing. */
#define OVERFLOW_MAX (64u * 1024u)

struct srv_session_state {
    iam_session s;
    iam_index *index;        /* session policies; built on first decision */
    bool index_built;
    uint8_t buf[IAM_SESSION_TOKEN_MAX];
};

/* ---- opened-token cache ----
 * Opening a token (base64, AES-GCM through OpenSSL, unpacking) is most of
 * what a request with temporary credentials costs beyond one with a
 * long-term key, and OpenSSL's per-call setup contends between threads.
 * A client repeats its token on every request, so the decoded session is
 * kept per key id together with the exact token bytes it came from: a hit
 * needs the same key id and byte-identical token, which GCM authenticated
 * when the entry was filled, so it is the same answer the decoder would
 * give. Expiry is checked on every request after the lookup. Overflow is
 * never cached (it is loaded after this step). */
#define TC_SLOTS 512
#define TC_TOKEN_MAX 1024            /* longer tokens are opened every time */

typedef struct tc_entry {
    pthread_mutex_t mu;
    bool valid;
    char key_id[24];
    size_t key_len, token_len, buf_len;
    char token[TC_TOKEN_MAX];
    iam_session s;                   /* slices point into buf below */
    uint8_t buf[IAM_SESSION_TOKEN_MAX];
} tc_entry;

static tc_entry *k_tc;
static pthread_once_t k_tc_once = PTHREAD_ONCE_INIT;

static void tc_init(void)
{
    tc_entry *t = calloc(TC_SLOTS, sizeof *t);
    if (t == NULL)
        return; /* no cache: every request opens its token */
    for (size_t i = 0; i < TC_SLOTS; i++)
        pthread_mutex_init(&t[i].mu, NULL);
    k_tc = t;
}

static tc_entry *tc_slot(iam_str key_id)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < key_id.len; i++)
        h = (h ^ (unsigned char)key_id.ptr[i]) * 16777619u;
    return &k_tc[h & (TC_SLOTS - 1)];
}

/* Every slice of an iam_session that may point into the decoder's buffer:
 * moves those inside [from, from + n) to the same offset in `to`, and
 * reports the end of the furthest one. Keep in step with iam/session.h. */
static void rebase_one(iam_str *v, const uint8_t *from, size_t n, const uint8_t *to, size_t *end)
{
    const uint8_t *p = (const uint8_t *)v->ptr;
    if (p == NULL || p < from || p >= from + n)
        return;
    size_t off = (size_t)(p - from);
    if (end != NULL && off + v->len > *end)
        *end = off + v->len;
    if (to != NULL)
        v->ptr = (const char *)(to + off);
}

static void rebase(iam_session *s, const uint8_t *from, size_t n, const uint8_t *to, size_t *end)
{
    rebase_one(&s->account, from, n, to, end);
    rebase_one(&s->principal_id, from, n, to, end);
    rebase_one(&s->session_name, from, n, to, end);
    rebase_one(&s->source_identity, from, n, to, end);
    rebase_one(&s->web_identity_provider, from, n, to, end);
    rebase_one(&s->web_identity_subject, from, n, to, end);
    rebase_one(&s->policy, from, n, to, end);
    for (size_t i = 0; i < s->n_policy_arns && i < IAM_SESSION_POLICY_ARNS_MAX; i++)
        rebase_one(&s->policy_arns[i], from, n, to, end);
    for (size_t i = 0; i < s->n_tags && i < IAM_SESSION_MAX_TAGS; i++) {
        rebase_one(&s->tags[i].key, from, n, to, end);
        rebase_one(&s->tags[i].value, from, n, to, end);
    }
}

static bool tc_get(iam_str key_id, iam_str token, iam_session *s, uint8_t *buf)
{
    pthread_once(&k_tc_once, tc_init);
    if (k_tc == NULL || token.len > TC_TOKEN_MAX || key_id.len >= sizeof k_tc[0].key_id)
        return false;
    tc_entry *e = tc_slot(key_id);
    bool hit = false;
    pthread_mutex_lock(&e->mu);
    if (e->valid && e->key_len == key_id.len && memcmp(e->key_id, key_id.ptr, key_id.len) == 0 &&
        e->token_len == token.len && memcmp(e->token, token.ptr, token.len) == 0) {
        memcpy(buf, e->buf, e->buf_len);
        *s = e->s;
        rebase(s, e->buf, sizeof e->buf, buf, NULL);
        hit = true;
    }
    pthread_mutex_unlock(&e->mu);
    return hit;
}

static void tc_put(iam_str key_id, iam_str token, const iam_session *s, const uint8_t *buf, size_t cap)
{
    if (k_tc == NULL || token.len > TC_TOKEN_MAX || key_id.len >= sizeof k_tc[0].key_id ||
        cap > sizeof k_tc[0].buf || s->ref[0] != 0)
        return;
    iam_session probe = *s;
    size_t end = 0;
    rebase(&probe, buf, cap, NULL, &end);
    tc_entry *e = tc_slot(key_id);
    pthread_mutex_lock(&e->mu);
    memcpy(e->key_id, key_id.ptr, key_id.len);
    e->key_len = key_id.len;
    memcpy(e->token, token.ptr, token.len);
    e->token_len = token.len;
    memcpy(e->buf, buf, end);
    e->buf_len = end;
    e->s = *s;
    rebase(&e->s, buf, cap, e->buf, NULL);
    e->valid = true;
    pthread_mutex_unlock(&e->mu);
}

static bool invalid_token(srv_call *c)
{
    return srv_fail(c, "InvalidClientTokenId", "The security token included in the request is invalid.");
}

static bool internal(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

/* Concatenation into the request arena (these run on every request made
 * with temporary credentials: no printf). NULL on OOM. */
static char *join(srv_call *c, const iam_str *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += parts[i].len;
    char *out = srv_arena_alloc_raw(&srv_req_of(c)->arena, len + 1);
    if (out == NULL)
        return NULL;
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0)
            memcpy(p, parts[i].ptr, parts[i].len);
        p += parts[i].len;
    }
    *p = 0;
    return out;
}

/* Resolves the session's principal in the pinned snapshot. */
static bool resolve(srv_request *r, const iam_session *s)
{
    srv_call *c = &r->call;
    srv_principal *p = &r->principal;
    const iam_account *acct = iam_snap_account(c->snap, s->account);
    if (acct == NULL)
        return invalid_token(c);
    p->account = acct->id;
    p->session = s;
    switch (s->kind) {
    case IAM_SESSION_ASSUMED_ROLE: {
        const iam_role *role = iam_snap_role_by_id(c->snap, s->principal_id);
        if (role == NULL || strcmp(role->account, acct->id) != 0 || s->session_name.len == 0)
            return invalid_token(c);
        p->kind = IAM_PK_ASSUMED_ROLE_SESSION;
        p->role = role;
        p->arn = join(c, (iam_str[]){ IAM_STR("arn:"), iam_str_from_cstr(srv_partition(c)), IAM_STR(":sts::"),
                                      iam_str_from_cstr(acct->id), IAM_STR(":assumed-role/"),
                                      iam_str_from_cstr(role->name), IAM_STR("/"), s->session_name },
                      8);
        p->id = join(c, (iam_str[]){ iam_str_from_cstr(role->id), IAM_STR(":"), s->session_name }, 3);
        if (p->arn == NULL || p->id == NULL)
            return internal(c);
        return true;
    }
    case IAM_SESSION_USER: {
        const iam_user *u = iam_snap_user_by_id(c->snap, s->principal_id);
        if (u == NULL || strcmp(u->account, acct->id) != 0)
            return invalid_token(c);
        p->kind = IAM_PK_IAM_USER;
        p->id = u->id;
        p->arn = u->arn;
        p->name = u->name;
        p->user = u;
        return true;
    }
    case IAM_SESSION_ROOT:
        if (!iam_str_eq(s->principal_id, s->account))
            return invalid_token(c);
        p->kind = IAM_PK_ACCOUNT_ROOT;
        p->id = acct->id;
        p->arn = srv_strf(c, "arn:%s:iam::%s:root", srv_partition(c), acct->id);
        return p->arn != NULL || internal(c);
    }
    return invalid_token(c);
}

bool srv_session_authenticate(srv_request *r, const iam_http_request *hr, iam_sigv4_auth *auth)
{
    srv_server *srv = r->srv;
    srv_call *c = &r->call;
    /* AWS answers a temporary key without its token as an unknown key. */
    if (auth->security_token.len == 0 || auth->security_token.len >= IAM_SESSION_TOKEN_MAX)
        return invalid_token(c);
    /* Per thread, not per request: a request runs start to end on one
     * thread, and the state (~4.5 KiB) would push most requests' arena
     * past its first buffer into a heap block. */
    static _Thread_local struct srv_session_state tls_state;
    struct srv_session_state *st = &tls_state;
    st->index = NULL;
    st->index_built = false;
    iam_err err = IAM_OK;
    if (!tc_get(auth->access_key_id, auth->security_token, &st->s, st->buf)) {
        err = iam_session_decode(srv->keyring, auth->access_key_id, auth->security_token, st->buf, sizeof st->buf,
                                 &st->s);
        if (err == IAM_E_NOMEM)
            return internal(c);
        if (err != IAM_OK)
            return invalid_token(c);
        tc_put(auth->access_key_id, auth->security_token, &st->s, st->buf, sizeof st->buf);
    }
    r->sess = st;
    if (st->s.expires <= c->now) {
        srv_fail_set(c, "ExpiredToken", 403, "Sender", "The security token included in the request is expired");
        return false;
    }
    if (st->s.ref[0] != 0) {
        /* Policy and tags too large for the token live in the store. */
        uint8_t *ov = srv_arena_alloc_raw(&r->arena, OVERFLOW_MAX);
        size_t len = 0;
        if (ov == NULL)
            return internal(c);
        err = iam_store_session_get(srv->store, iam_str_from_cstr(st->s.ref), c->now, ov, OVERFLOW_MAX, &len);
        if (err == IAM_E_NOTFOUND)
            return invalid_token(c);
        if (err != IAM_OK) {
            srv_log(SRV_LOG_ERROR, "cannot load a session's overflow", "error", iam_err_str(err), "request_id",
                    r->request_id, NULL);
            return internal(c);
        }
        if (iam_session_decode_overflow((iam_str){ (const char *)ov, len }, &st->s) != IAM_OK)
            return invalid_token(c);
    }
    srv_principal *p = &r->principal;
    memset(p, 0, sizeof *p);
    p->access_key_id = srv_strndup(c, auth->access_key_id);
    if (p->access_key_id == NULL)
        return internal(c);
    if (!resolve(r, &st->s))
        return false;
    /* Credentials from GetSessionToken without MFA cannot call the IAM API
     * (AWS: "You cannot call any IAM API operations unless MFA
     * authentication information is included in the request"); AWS
     * answers such calls as with an unknown token. */
    if (st->s.kind != IAM_SESSION_ASSUMED_ROLE && st->s.mfa_time == 0 && !r->sts)
        return invalid_token(c);

    uint8_t signing_key[32];
    char scope[SRV_SCOPE_MAX];
    size_t scope_len = srv_sigv4_scope(auth, scope);
    /* The secret is a function of the keyring, the key id and the token:
     * the token's bytes take the place of a long-term key's sealed secret
     * in the cache key. */
    const uint8_t *tok = (const uint8_t *)auth->security_token.ptr;
    size_t tok_len = auth->security_token.len;
    if (!srv_sigkeys_get(srv->sigkeys, auth->access_key_id, tok, tok_len, scope, scope_len, signing_key)) {
        char secret[IAM_SECRET_KEY_LEN + 1];
        err = iam_session_secret(srv->keyring, auth->access_key_id, auth->security_token, secret);
        if (err != IAM_OK) {
            iam_wipe(secret, sizeof secret);
            srv_log(SRV_LOG_ERROR, "cannot derive a session secret", "error", iam_err_str(err), NULL);
            return internal(c);
        }
        iam_sigv4_derive_key(iam_str_from_cstr(secret), auth->date, auth->region, auth->service, signing_key);
        iam_wipe(secret, sizeof secret);
        srv_sigkeys_put(srv->sigkeys, auth->access_key_id, tok, tok_len, scope, scope_len, signing_key);
    }
    iam_sigv4_status vs = iam_sigv4_verify(hr, auth, signing_key, c->now);
    iam_wipe(signing_key, sizeof signing_key);
    if (vs != IAM_SIGV4_OK)
        return srv_fail_sigv4(c, vs, auth->message);
    return true;
}

bool srv_session_policies(srv_call *c, const iam_index **out)
{
    srv_request *r = srv_req_of(c);
    struct srv_session_state *st = r->sess;
    *out = NULL;
    if (st == NULL || c->caller == NULL || c->caller->session == NULL)
        return true;
    if (st->index_built) {
        *out = st->index;
        return true;
    }
    const iam_session *s = &st->s;
    if (s->policy.len == 0 && s->n_policy_arns == 0) {
        st->index_built = true;
        return true;
    }
    iam_policy *pols[1 + IAM_SESSION_POLICY_ARNS_MAX];
    size_t n = 0;
    iam_policy *own = NULL;
    if (s->policy.len > 0) {
        iam_diag diag;
        memset(&diag, 0, sizeof diag);
        iam_err err = iam_policy_parse(s->policy.ptr, s->policy.len, 0, &own, &diag);
        if (err != IAM_OK) {
            /* Validated when the session was made: only OOM gets here. */
            srv_log(SRV_LOG_ERROR, "cannot compile a session policy", "error", iam_err_str(err), NULL);
            return false;
        }
        pols[n++] = own;
    }
    for (size_t i = 0; i < s->n_policy_arns; i++) {
        /* A managed policy deleted since the session began grants nothing. */
        const iam_managed_policy *mp = iam_snap_policy_by_arn(c->snap, s->policy_arns[i]);
        if (mp != NULL && mp->compiled != NULL)
            pols[n++] = (iam_policy *)(uintptr_t)mp->compiled;
    }
    /* An index with no policies (every ARN gone) still caps: it allows
     * nothing, as a session policy that matches nothing. */
    iam_err err = iam_index_new(pols, n, &st->index);
    iam_policy_free(own); /* the index retains it */
    if (err != IAM_OK)
        return false;
    st->index_built = true;
    *out = st->index;
    return true;
}

static bool add(iam_context *ctx, const char *key, iam_str v)
{
    return iam_context_add(ctx, iam_str_from_cstr(key), v) == IAM_OK;
}

/* The principal tags of a session: the role's (or user's) tags, each
 * replaced by a session tag of the same key (case-insensitive). */
static bool principal_tags(srv_call *c, iam_context *ctx, const iam_session *s, iam_tags own)
{
    for (size_t i = 0; i < own.n; i++) {
        iam_str k = iam_str_from_cstr(own.items[i].key);
        bool overridden = false;
        for (size_t j = 0; j < s->n_tags && !overridden; j++)
            overridden = s->tags[j].key.len == k.len && strncasecmp(s->tags[j].key.ptr, k.ptr, k.len) == 0;
        if (overridden)
            continue;
        char *key = srv_strf(c, "aws:PrincipalTag/%s", own.items[i].key);
        if (key == NULL || !add(ctx, key, iam_str_from_cstr(own.items[i].value ? own.items[i].value : "")))
            return false;
    }
    for (size_t j = 0; j < s->n_tags; j++) {
        char *key = srv_strf(c, "aws:PrincipalTag/%.*s", (int)s->tags[j].key.len, s->tags[j].key.ptr);
        if (key == NULL || !add(ctx, key, s->tags[j].value))
            return false;
    }
    return true;
}

bool srv_session_context(srv_call *c, iam_context *ctx)
{
    const srv_principal *p = c->caller;
    if (p == NULL || p->session == NULL)
        return true;
    const iam_session *s = p->session;
    char iso[21];
    srv_iso8601(s->issued, iso);
    bool ok = add(ctx, "aws:TokenIssueTime", iam_str_from_cstr(iso));
    if (ok && s->source_identity.len > 0)
        ok = add(ctx, "aws:SourceIdentity", s->source_identity);
    /* Temporary credentials always carry the MFA key: false without MFA. */
    if (ok)
        ok = add(ctx, "aws:MultiFactorAuthPresent", iam_str_from_cstr(s->mfa_time ? "true" : "false"));
    if (ok && s->mfa_time) {
        char age[24];
        int64_t a = c->now - s->mfa_time;
        snprintf(age, sizeof age, "%" PRId64, a < 0 ? 0 : a);
        ok = add(ctx, "aws:MultiFactorAuthAge", iam_str_from_cstr(age));
    }
    if (ok && s->web_identity_provider.len > 0)
        ok = add(ctx, "aws:FederatedProvider", s->web_identity_provider);
    if (ok && p->kind == IAM_PK_ASSUMED_ROLE_SESSION && p->role != NULL) {
        ok = principal_tags(c, ctx, s, p->role->tags);
    } else if (ok && p->kind == IAM_PK_IAM_USER && p->user != NULL && s->n_tags > 0) {
        /* GetSessionToken sessions carry no session tags; kept general. */
        ok = principal_tags(c, ctx, s, (iam_tags){ NULL, 0 });
    }
    return ok;
}

void srv_session_release(srv_request *r)
{
    if (r->sess != NULL) {
        iam_index_free(r->sess->index);
        r->sess->index = NULL;
        r->sess->index_built = false;
        /* No wipe: a token's plaintext holds ids, policy and tags, no
         * secret (the temporary secret is derived, never stored). */
        r->sess = NULL;
    }
}
