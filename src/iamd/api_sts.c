/* api_sts.c - the STS Query API (Version 2011-06-15) on iamd's endpoint:
 * GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken,
 * GetAccessKeyInfo.
 * A session is a sealed token (iam/session.h) whose temporary secret is
 * derived from the key id, so issuing one writes nothing on the common
 * path: only a session policy and tags too large for the token go to the
 * store, and RoleLastUsed is queued like access-key last use.
 * AssumeRole decides with the policy engine: the role's trust policy as the
 * resource policy and the caller's identity, boundary and session policies,
 * so same-account (trust naming the caller suffices) and cross-account
 * (both sides must allow) rules are the engine's. The secret and the token
 * go only into the reply, never into the audit record or the log. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "api_mfa.h"
#include "iam/jwt.h"
#include "api_sts.h"
#include "oidc_fetch.h"
#include "srv_int.h"

#define OVERFLOW_MAX (64u * 1024u)
#define DEFAULT_DURATION 3600
#define CHAINED_MAX 3600                 /* role chaining: 1 hour */
#define GST_DEFAULT 43200                /* GetSessionToken: 12 hours */
#define GST_MAX 129600                   /* 36 hours */
#define ROOT_MAX 3600                    /* account root sessions */

/* ---- ASIA key ids carrying their account -------------------------------- */

static const char k_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static bool account_number(const char *account, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; account[n] != 0; n++) {
        if (account[n] < '0' || account[n] > '9' || n >= 12)
            return false;
        v = v * 10 + (uint64_t)(account[n] - '0');
    }
    if (n != 12)
        return false;
    *out = v;
    return true;
}

iam_err srv_sts_key_id_new(const char *account, char out[IAM_ID_LEN + 1])
{
    uint64_t acct;
    uint8_t b[10];
    if (account == NULL || !account_number(account, &acct))
        return IAM_E_INVALID;
    if (iam_random_bytes(b, sizeof b) != IAM_OK)
        return IAM_E_CRYPTO;
    /* 48 bits: 1 random, 40 of account, 7 random; then 32 random bits. */
    uint64_t head = ((uint64_t)(b[0] & 0x80) << 40) | (acct << 7) | (uint64_t)(b[1] & 0x7f);
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(head >> (40 - 8 * i));
    memcpy(out, "ASIA", 4);
    /* base32 of 80 bits: 16 characters, 5 bits each, most significant first. */
    for (int i = 0; i < 16; i++) {
        int bit = i * 5, v = 0;
        for (int k = 0; k < 5; k++, bit++)
            v = (v << 1) | ((b[bit / 8] >> (7 - bit % 8)) & 1);
        out[4 + i] = k_b32[v];
    }
    out[20] = 0;
    iam_wipe(b, sizeof b);
    return IAM_OK;
}

bool srv_sts_key_id_account(iam_str key_id, char out[13])
{
    uint8_t b[10] = { 0 };
    if (key_id.len != 20)
        return false;
    for (int i = 0; i < 16; i++) {
        const char *p = strchr(k_b32, key_id.ptr[4 + i]);
        if (key_id.ptr[4 + i] == 0 || p == NULL)
            return false;
        int v = (int)(p - k_b32);
        for (int k = 0; k < 5; k++) {
            int bit = i * 5 + k;
            if ((v >> (4 - k)) & 1)
                b[bit / 8] |= (uint8_t)(1u << (7 - bit % 8));
        }
    }
    uint64_t head = 0;
    for (int i = 0; i < 6; i++)
        head = (head << 8) | b[i];
    uint64_t acct = (head & UINT64_C(0x7fffffffff80)) >> 7;
    snprintf(out, 13, "%012" PRIu64, acct % UINT64_C(1000000000000));
    return true;
}

/* ---- helpers ------------------------------------------------------------- */

static bool oom(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

/* AWS's ValidationError form for one field. */
static bool invalid(srv_call *c, const char *field, iam_str value, const char *constraint)
{
    int n = (int)(value.len > 256 ? 256 : value.len);
    return srv_fail(c, "ValidationError",
                    "1 validation error detected: Value '%.*s' at '%s' failed to satisfy constraint: %s", n,
                    value.ptr ? value.ptr : "", field, constraint ? constraint : "");
}

static bool word_chars(iam_str v, const char *extra)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char ch = (unsigned char)v.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                  strchr(extra, ch) != NULL;
        if (!ok || ch == 0)
            return false;
    }
    return true;
}

/* An optional string parameter with AWS's length and [\w<extra>]* rules. */
static bool param_word(srv_call *c, const char *name, const char *field, bool required, size_t min, size_t max,
                       const char *extra, const char *pattern, iam_str *out)
{
    iam_str v;
    if (!srv_param(c, name, required, &v))
        return false;
    if (v.ptr != NULL) {
        if (v.len < min)
            return invalid(c, field, v,
                           min == 1 ? "Member must have length greater than or equal to 1"
                                    : srv_strf(c, "Member must have length greater than or equal to %zu", min));
        if (v.len > max)
            return invalid(c, field, v, srv_strf(c, "Member must have length less than or equal to %zu", max));
        if (extra != NULL && !word_chars(v, extra))
            return invalid(c, field, v, srv_strf(c, "Member must satisfy regular expression pattern: %s", pattern));
    }
    *out = v;
    return true;
}

static bool deny_plain(srv_call *c, const char *action, const char *resource)
{
    return srv_fail(c, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s", c->caller->arn,
                    action, resource);
}

/* SerialNumber + TokenCode: the caller proves MFA with a code of its
 * enabled virtual device (srv_mfa_check: window, replay refusal, failure
 * count and lockout, in its own small transaction, so this runs before
 * any write). The session then carries the time of the proof
 * (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge). */
static bool mfa_params(srv_call *c, int64_t *mfa_time)
{
    iam_str serial, code;
    if (!param_word(c, "SerialNumber", "serialNumber", false, 9, 256, "+=/:,.@-", "[\\w+=/:,.@-]*", &serial) ||
        !srv_param(c, "TokenCode", false, &code))
        return false;
    bool digits = code.len == 6;
    for (size_t i = 0; digits && i < code.len; i++)
        digits = code.ptr[i] >= '0' && code.ptr[i] <= '9';
    if (code.ptr != NULL && !digits)
        return invalid(c, "tokenCode", code, "Member must satisfy regular expression pattern: [\\d]*");
    *mfa_time = 0;
    if (serial.ptr == NULL && code.ptr == NULL)
        return true;
    if (serial.ptr == NULL || code.ptr == NULL)
        return srv_fail(c, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.");
    if (!srv_mfa_check(c, serial, code, NULL))
        return false;
    *mfa_time = c->now;
    return true;
}

static void xml_credentials(srv_call *c, const char *key_id, const char *secret, const char *token, int64_t exp)
{
    srv_xml_open(c->out, "Credentials");
    srv_xml_cstr(c->out, "AccessKeyId", key_id);
    srv_xml_cstr(c->out, "SecretAccessKey", secret);
    srv_xml_cstr(c->out, "SessionToken", token);
    srv_xml_time(c->out, "Expiration", exp);
    srv_xml_close(c->out);
    srv_audit_response_element(c, "credentials.accessKeyId", iam_str_from_cstr(key_id));
    char iso[21];
    srv_iso8601(exp, iso);
    srv_audit_response_element(c, "credentials.expiration", iam_str_from_cstr(iso));
}

/* Seals `s` for a new ASIA key of `account`, stores its overflow when it
 * has one, derives the secret, and writes the Credentials element. */
static bool issue(srv_call *c, iam_session *s, const char *account, char key_id[IAM_ID_LEN + 1])
{
    srv_request *r = srv_req_of(c);
    const iam_keyring *kr = srv_keyring(c);
    char *token = srv_alloc(c, IAM_SESSION_TOKEN_MAX);
    uint8_t *ov = srv_alloc(c, OVERFLOW_MAX);
    size_t ovlen = 0;
    if (token == NULL || ov == NULL)
        return oom(c);
    if (srv_sts_key_id_new(account, key_id) != IAM_OK)
        return oom(c);
    iam_err err = iam_session_encode(kr, iam_str_from_cstr(key_id), s, token, ov, OVERFLOW_MAX, &ovlen);
    if (err == IAM_E_LIMIT || err == IAM_E_INVALID)
        return srv_fail(c, "PackedPolicyTooLarge",
                        "Packed policy consumes %zu%% of allotted space, please use smaller policy.",
                        iam_session_packed_percent(s));
    if (err != IAM_OK) {
        srv_log(SRV_LOG_ERROR, "cannot seal a session token", "error", iam_err_str(err), "request_id",
                r->request_id, NULL);
        return oom(c);
    }
    if (ovlen > 0) {
        err = iam_store_session_put(r->srv->store, iam_str_from_cstr(s->ref), ov, ovlen, s->expires, c->now);
        if (err != IAM_OK) {
            srv_log(SRV_LOG_ERROR, "cannot store a session's overflow", "error", iam_err_str(err), "request_id",
                    r->request_id, NULL);
            return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
        }
    }
    char secret[IAM_SECRET_KEY_LEN + 1];
    err = iam_session_secret(kr, iam_str_from_cstr(key_id), iam_str_from_cstr(token), secret);
    if (err != IAM_OK) {
        iam_wipe(secret, sizeof secret);
        iam_wipe(token, IAM_SESSION_TOKEN_MAX);
        return oom(c);
    }
    xml_credentials(c, key_id, secret, token, s->expires);
    iam_wipe(secret, sizeof secret);
    iam_wipe(token, IAM_SESSION_TOKEN_MAX);
    return true;
}

/* ---- GetCallerIdentity ---------------------------------------------------- */

/* Always allowed, as on AWS: no policy can deny it. */
static bool h_get_caller_identity(srv_call *c)
{
    const srv_principal *p = c->caller;
    srv_xml_cstr(c->out, "UserId", p->id);
    srv_xml_cstr(c->out, "Account", p->account);
    srv_xml_cstr(c->out, "Arn", p->arn);
    return true;
}

/* ---- GetAccessKeyInfo ----------------------------------------------------- */

static bool gst_session_without_mfa(const srv_call *c)
{
    const iam_session *s = c->caller->session;
    return s != NULL && s->kind != IAM_SESSION_ASSUMED_ROLE && s->mfa_time == 0;
}

static bool h_get_access_key_info(srv_call *c)
{
    iam_str id;
    if (!param_word(c, "AccessKeyId", "accessKeyId", true, 16, 128, "", "[\\w]*", &id))
        return false;
    srv_audit_request_param(c, "accessKeyId", id);
    /* GetSessionToken credentials without MFA reach only AssumeRole and
     * GetCallerIdentity in STS. */
    if (gst_session_without_mfa(c))
        return deny_plain(c, "sts:GetAccessKeyInfo", "*");
    if (!srv_authorize(c, "sts:GetAccessKeyInfo", "*", NULL))
        return false;
    /* A long-term key iamd holds answers from the snapshot; any other id
     * (temporary keys included) from the account bits it carries, as AWS
     * decodes key ids without looking them up. */
    const iam_access_key *k = iam_snap_access_key(c->snap, id);
    char acct[13];
    if (k != NULL) {
        srv_xml_cstr(c->out, "Account", k->account);
        return true;
    }
    if (!srv_sts_key_id_account(id, acct))
        return invalid(c, "accessKeyId", id, "Member must be a valid access key id");
    srv_xml_cstr(c->out, "Account", acct);
    return true;
}

/* ---- GetSessionToken ------------------------------------------------------ */

static bool h_get_session_token(srv_call *c)
{
    const srv_principal *p = c->caller;
    int64_t duration, mfa_time = 0;
    if (!srv_param_int(c, "DurationSeconds", false, 900, GST_MAX, GST_DEFAULT, &duration) ||
        !mfa_params(c, &mfa_time))
        return false;
    if (p->session != NULL)
        return srv_fail(c, "AccessDenied", "Cannot call GetSessionToken with session credentials");
    if (p->kind == IAM_PK_ACCOUNT_ROOT && duration > ROOT_MAX)
        duration = ROOT_MAX; /* AWS: root sessions last one hour at most */
    iam_session *s = srv_alloc(c, sizeof *s);
    char *key_id = srv_alloc(c, IAM_ID_LEN + 1);
    if (s == NULL || key_id == NULL)
        return oom(c);
    s->kind = p->kind == IAM_PK_ACCOUNT_ROOT ? IAM_SESSION_ROOT : IAM_SESSION_USER;
    s->account = iam_str_from_cstr(p->account);
    s->principal_id = iam_str_from_cstr(p->kind == IAM_PK_ACCOUNT_ROOT ? p->account : p->id);
    s->issued = c->now;
    s->expires = c->now + duration;
    s->mfa_time = mfa_time;
    char ds[24];
    snprintf(ds, sizeof ds, "%" PRId64, duration);
    srv_audit_request_param(c, "durationSeconds", iam_str_from_cstr(ds));
    return issue(c, s, p->account, key_id);
}

/* ---- AssumeRole ----------------------------------------------------------- */

/* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME → account and name. */
static bool role_arn_parts(iam_str arn, iam_str *account, iam_str *name)
{
    iam_str f[6];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= arn.len && nf < 6; i++) {
        if (i == arn.len || (arn.ptr[i] == ':' && nf < 5)) {
            f[nf++] = (iam_str){ arn.ptr + start, i - start };
            start = i + 1;
        }
    }
    if (nf != 6 || !iam_str_eq(f[0], IAM_STR("arn")) || !iam_str_eq(f[2], IAM_STR("iam")) || f[3].len != 0 ||
        f[5].len <= 5 || memcmp(f[5].ptr, "role/", 5) != 0)
        return false;
    size_t last = f[5].len;
    while (last > 0 && f[5].ptr[last - 1] != '/')
        last--;
    *account = f[4];
    *name = (iam_str){ f[5].ptr + last, f[5].len - last };
    return name->len > 0;
}

/* One decision of an AssumeRole request against the role's trust policy. */
static bool decide(srv_call *c, const iam_policy_set *set, const iam_role *role, const char *action,
                   const iam_context *ctx)
{
    srv_metrics *m = srv_req_of(c)->srv->metrics;
    iam_request req;
    memset(&req, 0, sizeof req);
    req.principal_kind = c->caller->kind;
    req.principal = iam_str_from_cstr(c->caller->arn);
    req.action = iam_str_from_cstr(action);
    req.resource = iam_str_from_cstr(role->arn);
    req.resource_account = iam_str_from_cstr(role->account);
    req.context = ctx;
    iam_eval_result res;
    if (iam_authorize(set, &req, &res) != IAM_OK) {
        srv_metrics_decision(m, SRV_DECISION_ERROR);
        return deny_plain(c, action, role->arn);
    }
    switch (res.decision) {
    case IAM_ALLOW: srv_metrics_decision(m, SRV_DECISION_ALLOW); return true;
    case IAM_EXPLICIT_DENY: srv_metrics_decision(m, SRV_DECISION_EXPLICIT_DENY); break;
    default: srv_metrics_decision(m, SRV_DECISION_IMPLICIT_DENY); break;
    }
    /* STS's denials carry the plain form, without the reason. */
    return deny_plain(c, action, role->arn);
}

/* sts:TagSession and sts:SetSourceIdentity need the role's trust policy
 * to allow them whoever the caller is (IAM guide, session tags), while the
 * engine makes only sts:AssumeRole* depend on the resource policy. The
 * trust policy's own answer: the request evaluated as if cross-account
 * against an identity policy that allows everything, so that only the
 * trust policy (and its explicit denies) decide. */
static pthread_once_t k_allow_all_once = PTHREAD_ONCE_INIT;
static iam_index *k_allow_all;

static void allow_all_init(void)
{
    static const char doc[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                              "\"Action\":\"*\",\"Resource\":\"*\"}]}";
    iam_policy *p = NULL;
    if (iam_policy_parse(doc, sizeof doc - 1, 0, &p, NULL) == IAM_OK) {
        if (iam_index_new(&p, 1, &k_allow_all) != IAM_OK)
            k_allow_all = NULL;
        iam_policy_free(p);
    }
}

static bool trust_allows(srv_call *c, const iam_index *trust, const iam_role *role, const char *action,
                         const iam_context *ctx)
{
    pthread_once(&k_allow_all_once, allow_all_init);
    if (k_allow_all == NULL)
        return deny_plain(c, action, role->arn);
    iam_policy_set set;
    memset(&set, 0, sizeof set);
    set.identity = k_allow_all;
    set.resource = trust;
    iam_request req;
    memset(&req, 0, sizeof req);
    req.principal_kind = c->caller->kind;
    req.principal = iam_str_from_cstr(c->caller->arn);
    req.action = iam_str_from_cstr(action);
    req.resource = iam_str_from_cstr(role->arn);
    req.resource_account = IAM_STR("cross-account"); /* never the caller's: the trust policy must allow */
    req.context = ctx;
    iam_eval_result res;
    if (iam_authorize(&set, &req, &res) != IAM_OK || res.decision != IAM_ALLOW)
        return deny_plain(c, action, role->arn);
    return true;
}

static bool key_in(iam_str key, const iam_tag *tags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(tags[i].key) == key.len && strncasecmp(tags[i].key, key.ptr, key.len) == 0)
            return true;
    return false;
}

typedef struct assume_req {
    iam_str role_arn, session_name, external_id, policy, source_identity;
    int64_t duration;
    iam_str *policy_arns;
    size_t n_policy_arns;
    iam_tag *tags;
    size_t n_tags;
    iam_str *transitive;
    size_t n_transitive;
    int64_t mfa_time;
} assume_req;

/* A managed policy ARN: arn:PARTITION:iam::ACCOUNT:policy/... */
static bool has_policy_part(iam_str v)
{
    static const char part[] = ":policy/";
    for (size_t i = 0; i + sizeof part - 1 <= v.len; i++)
        if (memcmp(v.ptr + i, part, sizeof part - 1) == 0)
            return true;
    return false;
}

/* Policy and PolicyArns.member.N.arn: the session policies AssumeRole and
 * AssumeRoleWithWebIdentity share. */
static bool session_policy_params(srv_call *c, assume_req *a)
{
    iam_str dummy;
    if (!srv_param(c, "Policy", false, &dummy))
        return false;
    if (dummy.ptr != NULL) {
        if (dummy.len > IAM_SESSION_POLICY_MAX)
            return invalid(c, "policy", dummy, "Member must have length less than or equal to 2048");
        if (!srv_param_policy(c, "Policy", IAM_KIND_SESSION, 0, &a->policy))
            return false;
    }
    /* PolicyArns.member.N.arn */
    a->policy_arns = srv_alloc(c, (IAM_SESSION_POLICY_ARNS_MAX + 1) * sizeof *a->policy_arns);
    if (a->policy_arns == NULL)
        return oom(c);
    size_t np = iam_form_count(c->params);
    const iam_param *ps = iam_form_params(c->params);
    static const char pre[] = "PolicyArns.member.";
    for (size_t i = 0; i < np; i++) {
        iam_str nm = ps[i].name;
        if (nm.len <= sizeof pre - 1 || memcmp(nm.ptr, pre, sizeof pre - 1) != 0 || nm.len < 4 ||
            memcmp(nm.ptr + nm.len - 4, ".arn", 4) != 0)
            continue;
        iam_str v = ps[i].value;
        if (a->n_policy_arns >= IAM_SESSION_POLICY_ARNS_MAX)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "
                            "Member must have length less than or equal to 10");
        if (v.len < 20 || v.len > 2048 || memcmp(v.ptr, "arn:", 4) != 0 || !has_policy_part(v))
            return srv_fail(c, "ValidationError", "ARN %.*s is not valid.", (int)(v.len > 256 ? 256 : v.len),
                            v.ptr);
        a->policy_arns[a->n_policy_arns++] = v;
    }
    return true;
}

static bool assume_params(srv_call *c, assume_req *a)
{
    if (!param_word(c, "RoleArn", "roleArn", true, 20, 2048, NULL, NULL, &a->role_arn) ||
        !param_word(c, "RoleSessionName", "roleSessionName", true, 2, 64, "+=,.@-", "[\\w+=,.@-]*",
                    &a->session_name) ||
        !srv_param_int(c, "DurationSeconds", false, 900, 43200, 0, &a->duration) ||
        !param_word(c, "ExternalId", "externalId", false, 2, 1224, "+=,.@:/-", "[\\w+=,.@:\\/-]*",
                    &a->external_id) ||
        !param_word(c, "SourceIdentity", "sourceIdentity", false, 2, 64, "+=,.@-", "[\\w+=,.@-]*",
                    &a->source_identity) ||
        !session_policy_params(c, a))
        return false;
    if (!srv_param_tags(c, "Tags", &a->tags, &a->n_tags) ||
        !srv_param_list(c, "TransitiveTagKeys", IAM_SESSION_MAX_TAGS, &a->transitive, &a->n_transitive))
        return false;
    for (size_t i = 0; i < a->n_tags; i++)
        if (strncasecmp(a->tags[i].key, "aws:", 4) == 0)
            return invalid(c, "tags", iam_str_from_cstr(a->tags[i].key),
                           "Member must not start with the reserved prefix aws:");
    for (size_t i = 0; i < a->n_transitive; i++)
        if (!key_in(a->transitive[i], a->tags, a->n_tags))
            return srv_fail(c, "InvalidParameterValue",
                            "The key %.*s in TransitiveTagKeys is not among the session tags.",
                            (int)(a->transitive[i].len > 128 ? 128 : a->transitive[i].len), a->transitive[i].ptr);
    return mfa_params(c, &a->mfa_time);
}

static bool transitive_key(const assume_req *a, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < a->n_transitive; i++)
        if (a->transitive[i].len == kl && strncasecmp(a->transitive[i].ptr, key, kl) == 0)
            return true;
    return false;
}

static bool h_assume_role(srv_call *c)
{
    const srv_principal *p = c->caller;
    assume_req a;
    memset(&a, 0, sizeof a);
    if (!assume_params(c, &a))
        return false;
    srv_audit_request_param(c, "roleArn", a.role_arn);
    srv_audit_request_param(c, "roleSessionName", a.session_name);
    if (a.external_id.ptr != NULL)
        srv_audit_request_param(c, "externalId", a.external_id);
    if (a.source_identity.ptr != NULL)
        srv_audit_request_param(c, "sourceIdentity", a.source_identity);
    if (p->kind == IAM_PK_ACCOUNT_ROOT)
        return srv_fail(c, "AccessDenied", "Roles may not be assumed by root accounts.");

    iam_str acct, name;
    char *role_arn = srv_strndup(c, a.role_arn);
    if (role_arn == NULL)
        return oom(c);
    if (!role_arn_parts(a.role_arn, &acct, &name))
        return srv_fail(c, "ValidationError", "%s is invalid", role_arn);
    const iam_role *role = iam_snap_role(c->snap, acct, name);
    if (role == NULL || strcmp(role->arn, role_arn) != 0)
        return deny_plain(c, "sts:AssumeRole", role_arn); /* AWS does not say whether the role exists */

    /* What the session inherits from a calling role session: its source
     * identity (fixed once set), transitive tags and MFA time. */
    const iam_session *prev = p->kind == IAM_PK_ASSUMED_ROLE_SESSION ? p->session : NULL;
    iam_str source_identity = a.source_identity;
    if (prev != NULL && prev->source_identity.len > 0) {
        if (source_identity.ptr != NULL && !iam_str_eq(source_identity, prev->source_identity))
            return srv_fail(c, "AccessDenied", "The source identity of a role chain cannot be changed.");
        source_identity = prev->source_identity;
    }
    size_t n_inherited = 0;
    if (prev != NULL)
        for (size_t i = 0; i < prev->n_tags; i++)
            if (prev->tags[i].transitive) {
                for (size_t j = 0; j < a.n_tags; j++)
                    if (strlen(a.tags[j].key) == prev->tags[i].key.len &&
                        strncasecmp(a.tags[j].key, prev->tags[i].key.ptr, prev->tags[i].key.len) == 0)
                        return srv_fail(c, "InvalidParameterValue",
                                        "The session tag %s is transitive in the role chain and cannot be "
                                        "set again.",
                                        a.tags[j].key);
                n_inherited++;
            }
    if (a.n_tags + n_inherited > IAM_SESSION_MAX_TAGS)
        return srv_fail(c, "InvalidParameterValue", "Cannot exceed quota for TagsPerSession: %d",
                        IAM_SESSION_MAX_TAGS);

    /* The decision context: the caller's global keys plus the request's. */
    iam_context *ctx = srv_context(c);
    if (ctx == NULL)
        return oom(c);
    bool ok = iam_context_add(ctx, IAM_STR("sts:RoleSessionName"), a.session_name) == IAM_OK;
    if (ok && a.external_id.ptr != NULL)
        ok = iam_context_add(ctx, IAM_STR("sts:ExternalId"), a.external_id) == IAM_OK;
    if (ok && source_identity.len > 0)
        ok = iam_context_add(ctx, IAM_STR("sts:SourceIdentity"), source_identity) == IAM_OK;
    if (ok && a.n_tags > 0)
        ok = srv_context_request_tags(c, ctx, a.tags, a.n_tags);
    if (ok && a.n_transitive > 0)
        ok = iam_context_set(ctx, IAM_STR("sts:TransitiveTagKeys"), a.transitive, a.n_transitive) == IAM_OK;
    /* A code proven with this request (SerialNumber + TokenCode) is what
     * an MFA-protected role's trust policy asks for: the keys describe this
     * request (they replace what a caller's session carried). */
    if (ok && a.mfa_time != 0) {
        const iam_str yes = IAM_STR("true"), age = IAM_STR("0");
        ok = iam_context_set(ctx, IAM_STR("aws:MultiFactorAuthPresent"), &yes, 1) == IAM_OK &&
             iam_context_set(ctx, IAM_STR("aws:MultiFactorAuthAge"), &age, 1) == IAM_OK;
    }
    if (!ok)
        return oom(c);
    iam_policy_set set;
    const iam_index *trust = NULL;
    if (!srv_caller_policy_set(c, &set) || iam_snap_role_trust(c->snap, role, &trust) != IAM_OK) {
        srv_log(SRV_LOG_ERROR, "authorization failed internally", "action", "sts:AssumeRole", NULL);
        return deny_plain(c, "sts:AssumeRole", role->arn);
    }
    set.resource = trust;
    if (!decide(c, &set, role, "sts:AssumeRole", ctx))
        return false;
    if ((a.n_tags > 0 || n_inherited > 0) &&
        (!decide(c, &set, role, "sts:TagSession", ctx) || !trust_allows(c, trust, role, "sts:TagSession", ctx)))
        return false;
    if (source_identity.len > 0 && (!decide(c, &set, role, "sts:SetSourceIdentity", ctx) ||
                                    !trust_allows(c, trust, role, "sts:SetSourceIdentity", ctx)))
        return false;

    int64_t duration = a.duration ? a.duration : DEFAULT_DURATION;
    if (prev != NULL && duration > CHAINED_MAX)
        return srv_fail(c, "ValidationError",
                        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
                        "chaining.");
    if (duration > role->max_session_duration)
        return srv_fail(c, "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

    iam_session *s = srv_alloc(c, sizeof *s);
    char *key_id = srv_alloc(c, IAM_ID_LEN + 1);
    if (s == NULL || key_id == NULL)
        return oom(c);
    s->kind = IAM_SESSION_ASSUMED_ROLE;
    s->account = iam_str_from_cstr(role->account);
    s->principal_id = iam_str_from_cstr(role->id);
    s->session_name = a.session_name;
    s->source_identity = source_identity.len ? source_identity : IAM_STR("");
    s->issued = c->now;
    s->expires = c->now + duration;
    s->mfa_time = prev != NULL ? prev->mfa_time : (p->session != NULL ? p->session->mfa_time : a.mfa_time);
    s->chained = prev != NULL;
    s->policy = a.policy.ptr ? a.policy : IAM_STR("");
    for (size_t i = 0; i < a.n_policy_arns; i++)
        s->policy_arns[i] = a.policy_arns[i];
    s->n_policy_arns = a.n_policy_arns;
    for (size_t i = 0; i < a.n_tags; i++) {
        s->tags[s->n_tags].key = iam_str_from_cstr(a.tags[i].key);
        s->tags[s->n_tags].value = iam_str_from_cstr(a.tags[i].value ? a.tags[i].value : "");
        s->tags[s->n_tags].transitive = transitive_key(&a, a.tags[i].key);
        s->n_tags++;
    }
    if (prev != NULL)
        for (size_t i = 0; i < prev->n_tags; i++)
            if (prev->tags[i].transitive)
                s->tags[s->n_tags++] = prev->tags[i];

    size_t packed = iam_session_packed_percent(s);
    if (packed > 100)
        return srv_fail(c, "PackedPolicyTooLarge",
                        "Packed policy consumes %zu%% of allotted space, please use smaller policy.", packed);
    if (!issue(c, s, role->account, key_id))
        return false;
    char *assumed_id = srv_strf(c, "%s:%.*s", role->id, (int)a.session_name.len, a.session_name.ptr);
    char *assumed_arn = srv_strf(c, "arn:%s:sts::%s:assumed-role/%s/%.*s", srv_partition(c), role->account,
                                 role->name, (int)a.session_name.len, a.session_name.ptr);
    if (assumed_id == NULL || assumed_arn == NULL)
        return oom(c);
    srv_xml_open(c->out, "AssumedRoleUser");
    srv_xml_cstr(c->out, "AssumedRoleId", assumed_id);
    srv_xml_cstr(c->out, "Arn", assumed_arn);
    srv_xml_close(c->out);
    bool packed_reported = a.policy.len > 0 || a.n_policy_arns > 0 || s->n_tags > 0;
    if (packed_reported)
        srv_xml_int(c->out, "PackedPolicySize", (int64_t)packed);
    if (source_identity.len > 0)
        srv_xml_str(c->out, "SourceIdentity", source_identity);
    srv_audit_response_element(c, "assumedRoleUser.assumedRoleId", iam_str_from_cstr(assumed_id));
    srv_audit_response_element(c, "assumedRoleUser.arn", iam_str_from_cstr(assumed_arn));
    srv_touch_role(srv_req_of(c)->srv, iam_str_from_cstr(role->id), c->now, c->region);
    return true;
}

/* ---- AssumeRoleWithWebIdentity ------------------------------------------ */

/* Unsigned (the pipeline lets exactly this action through without SigV4):
 * the caller proves itself with a JWT of an OIDC provider registered in
 * the role's account. The token's `iss` (read unverified) only picks the
 * provider, whose keys (set by `iamd oidc set-jwks`, which pins them, or
 * else fetched by OIDC discovery, oidc_fetch.c), URL and client ids then
 * pin everything the verifier checks. The role's trust policy alone decides, for the
 * principal {"Federated": provider ARN}, with <provider>:sub, :aud and
 * :amr as condition keys. The token never reaches the audit record. */

#define WEB_TOKEN_MAX 20000
#define ISS_MAX 512

static bool bad_token(srv_call *c, const char *msg)
{
    return srv_fail(c, "InvalidIdentityToken", "%s", msg);
}

static bool web_token_param(srv_call *c, iam_str *out)
{
    iam_str v;
    if (!srv_param(c, "WebIdentityToken", true, &v))
        return false;
    /* AWS's ValidationError echoes the value; a token is not echoed. */
    if (v.len < 4 || v.len > WEB_TOKEN_MAX)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: "
                        "Member must have length %s",
                        v.len < 4 ? "greater than or equal to 4" : "less than or equal to 20000");
    *out = v;
    return true;
}

/* The JWT verifier's verdict as AWS words it. */
static bool token_refused(srv_call *c, iam_jwt_status st, const iam_diag *diag)
{
    switch (st) {
    case IAM_JWT_WRONG_AUDIENCE: return bad_token(c, "Incorrect token audience");
    case IAM_JWT_WRONG_ISSUER: return bad_token(c, "Issuer in the token does not match the provider.");
    case IAM_JWT_EXPIRED: return srv_fail(c, "ExpiredTokenException", "Token expired: %s", diag->message);
    case IAM_JWT_NOMEM:
    case IAM_JWT_INTERNAL:
    case IAM_JWT_INVALID_ARG: return oom(c);
    default:
        return srv_fail(c, iam_jwt_status_code(st), "%s",
                        diag->message[0] ? diag->message : iam_jwt_status_str(st));
    }
}

/* The keys of a provider without operator-set keys, by OIDC discovery
 * (oidc_fetch.c: cached, SSRF rules). A provider we could not reach is
 * IDPCommunicationError, as AWS answers; one that answered wrongly, or that
 * the address rules refuse, is InvalidIdentityToken with AWS's wording. */
static bool discovered_keys(srv_call *c, const iam_oidc_provider *prov, bool unknown_kid, srv_oidc_keys **out,
                            bool *fetched)
{
    char why[512];
    why[0] = 0;
    srv_oidc_status os = srv_oidc_keys_get(srv_req_of(c)->srv->cfg, prov->arn, prov->url, c->now, unknown_kid, out,
                                           fetched, why, sizeof why);
    if (os == SRV_OIDC_OK)
        return true;
    if (os == SRV_OIDC_NOMEM)
        return oom(c);
    srv_log(SRV_LOG_WARN, "OIDC discovery failed", "provider", prov->arn, "error", why, "request_id",
            srv_req_of(c)->request_id, NULL);
    if (os == SRV_OIDC_UNREACHABLE)
        return srv_fail(c, "IDPCommunicationError",
                        "Couldn't retrieve verification key from your identity provider: it could not be reached. "
                        "Retry the request a limited number of times.");
    return bad_token(c, "Couldn't retrieve verification key from your identity provider,  please reference "
                        "AssumeRoleWithWebIdentity documentation for requirements");
}

static bool h_assume_role_with_web_identity(srv_call *c)
{
    assume_req a;
    iam_str token, provider_id;
    memset(&a, 0, sizeof a);
    if (!param_word(c, "RoleArn", "roleArn", true, 20, 2048, NULL, NULL, &a.role_arn) ||
        !param_word(c, "RoleSessionName", "roleSessionName", true, 2, 64, "+=,.@-", "[\\w+=,.@-]*",
                    &a.session_name) ||
        !web_token_param(c, &token) ||
        !param_word(c, "ProviderId", "providerId", false, 4, 2048, NULL, NULL, &provider_id) ||
        !srv_param_int(c, "DurationSeconds", false, 900, 43200, 0, &a.duration) || !session_policy_params(c, &a))
        return false;
    (void)provider_id; /* OAuth 2.0 access tokens only: OIDC ID tokens name their issuer */
    srv_audit_request_param(c, "roleArn", a.role_arn);
    srv_audit_request_param(c, "roleSessionName", a.session_name);
    char *role_arn = srv_strndup(c, a.role_arn);
    if (role_arn == NULL)
        return oom(c);
    iam_str acct, name;
    if (!role_arn_parts(a.role_arn, &acct, &name))
        return srv_fail(c, "ValidationError", "%s is invalid", role_arn);

    /* The provider: the token's issuer, registered in the role's account. */
    char iss[ISS_MAX];
    size_t iss_len = 0;
    iam_jwt_status st = iam_jwt_peek_issuer(token, iss, sizeof iss, &iss_len);
    if (st == IAM_JWT_NOMEM)
        return oom(c);
    if (st != IAM_JWT_OK || iss_len == 0)
        return bad_token(c, "The ID Token provided is not a valid JWT. (You may see this error if you sent an "
                            "Access Token)");
    static const char https[] = "https://";
    bool has_scheme = iss_len > sizeof https - 1 && strncasecmp(iss, https, sizeof https - 1) == 0;
    const char *host_path = has_scheme ? iss + sizeof https - 1 : iss;
    char *provider_arn = srv_strf(c, "arn:%s:iam::%.*s:oidc-provider/%s", srv_partition(c), (int)acct.len,
                                  acct.ptr, host_path);
    if (provider_arn == NULL)
        return oom(c);
    const iam_oidc_provider *prov = iam_snap_oidc_provider(c->snap, iam_str_from_cstr(provider_arn));
    if (prov == NULL)
        return srv_fail(c, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", iss);
    if (prov->client_ids.n == 0)
        return bad_token(c, "Incorrect token audience");
    /* Discovery fetches from the provider's own URL only, so a token
     * whose iss merely maps to the same ARN never picks what is fetched. */
    if (prov->jwks == NULL && has_scheme && strcmp(iss, prov->url) != 0)
        return bad_token(c, "Issuer in the token does not match the provider.");

    /* Verify: algorithm pinned to RS256/ES256, issuer the provider's URL,
     * audience one of its client ids. */
    iam_str *auds = srv_alloc(c, prov->client_ids.n * sizeof *auds);
    if (auds == NULL)
        return oom(c);
    for (size_t i = 0; i < prov->client_ids.n; i++)
        auds[i] = iam_str_from_cstr(prov->client_ids.items[i]);
    iam_str want_iss = has_scheme ? iam_str_from_cstr(prov->url) : iam_str_from_cstr(host_path);
    iam_jwt_expect ex = IAM_JWT_EXPECT_INIT(want_iss, auds, prov->client_ids.n);
    ex.algs = IAM_JWT_RS256 | IAM_JWT_ES256;
    ex.leeway = IAM_JWT_DEFAULT_LEEWAY;
    iam_jwt_claims cl;
    iam_diag diag;
    memset(&cl, 0, sizeof cl);
    memset(&diag, 0, sizeof diag);
    if (prov->jwks != NULL) { /* set by the operator: pinned, never fetched */
        st = iam_jwt_verify(prov->jwks, token, &ex, c->now, &cl, &diag);
    } else {
        srv_oidc_keys *keys = NULL;
        bool fetched = false;
        if (!discovered_keys(c, prov, false, &keys, &fetched))
            return false;
        st = iam_jwt_verify(srv_oidc_keys_jwks(keys), token, &ex, c->now, &cl, &diag);
        if (st == IAM_JWT_UNKNOWN_KEY && !fetched) {
            /* Key rotation: one refetch (rate-limited by the cache). */
            srv_oidc_keys *again = NULL;
            bool ok = discovered_keys(c, prov, true, &again, &fetched);
            if (ok && again != keys) {
                memset(&diag, 0, sizeof diag);
                st = iam_jwt_verify(srv_oidc_keys_jwks(again), token, &ex, c->now, &cl, &diag);
            }
            srv_oidc_keys_release(again);
            if (!ok) {
                srv_oidc_keys_release(keys);
                return false;
            }
        }
        srv_oidc_keys_release(keys);
    }
    if (st != IAM_JWT_OK)
        return token_refused(c, st, &diag);
    /* Copies into the request arena so the claims can be freed at once. */
    char *sub = srv_strndup(c, cl.sub), *aud = srv_strndup(c, cl.aud);
    size_t n_amr = cl.n_amr;
    iam_str *amr = srv_alloc(c, (n_amr ? n_amr : 1) * sizeof *amr);
    bool copied = sub != NULL && aud != NULL && amr != NULL;
    for (size_t i = 0; copied && i < n_amr; i++) {
        char *v = srv_strndup(c, cl.amr[i]);
        copied = v != NULL;
        if (copied)
            amr[i] = iam_str_from_cstr(v);
    }
    iam_jwt_claims_free(&cl);
    if (!copied)
        return oom(c);
    if (strlen(sub) > IAM_SESSION_SUBJECT_MAX)
        return bad_token(c, "The sub claim of the token is too long.");

    /* The role and its trust policy. AWS does not say whether the role exists. */
    const iam_role *role = iam_snap_role(c->snap, acct, name);
    if (role == NULL || strcmp(role->arn, role_arn) != 0)
        return srv_fail(c, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    iam_context *ctx = srv_context(c);
    char *k_sub = srv_strf(c, "%s:sub", host_path), *k_aud = srv_strf(c, "%s:aud", host_path),
         *k_amr = srv_strf(c, "%s:amr", host_path);
    if (ctx == NULL || k_sub == NULL || k_aud == NULL || k_amr == NULL)
        return oom(c);
    bool ok = iam_context_add(ctx, iam_str_from_cstr(k_sub), iam_str_from_cstr(sub)) == IAM_OK &&
              iam_context_add(ctx, iam_str_from_cstr(k_aud), iam_str_from_cstr(aud)) == IAM_OK &&
              iam_context_add(ctx, IAM_STR("aws:FederatedProvider"), iam_str_from_cstr(provider_arn)) == IAM_OK &&
              iam_context_add(ctx, IAM_STR("sts:RoleSessionName"), a.session_name) == IAM_OK;
    if (ok && n_amr > 0)
        ok = iam_context_set(ctx, iam_str_from_cstr(k_amr), amr, n_amr) == IAM_OK;
    if (!ok)
        return oom(c);
    const iam_index *trust = NULL;
    if (iam_snap_role_trust(c->snap, role, &trust) != IAM_OK || trust == NULL)
        return srv_fail(c, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    /* The federated caller has no identity policies: only a trust policy
     * statement naming the provider (Federated) allows. */
    iam_policy_set set;
    memset(&set, 0, sizeof set);
    set.resource = trust;
    iam_request req;
    memset(&req, 0, sizeof req);
    req.principal_kind = IAM_PK_OTHER;
    req.principal = iam_str_from_cstr(provider_arn);
    req.action = IAM_STR("sts:AssumeRoleWithWebIdentity");
    req.resource = iam_str_from_cstr(role->arn);
    req.resource_account = iam_str_from_cstr(role->account);
    req.context = ctx;
    iam_eval_result res;
    memset(&res, 0, sizeof res);
    srv_metrics *m = srv_req_of(c)->srv->metrics;
    if (iam_authorize(&set, &req, &res) != IAM_OK || res.decision != IAM_ALLOW) {
        srv_metrics_decision(m, res.decision == IAM_EXPLICIT_DENY ? SRV_DECISION_EXPLICIT_DENY
                                                                  : SRV_DECISION_IMPLICIT_DENY);
        return srv_fail(c, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    srv_metrics_decision(m, SRV_DECISION_ALLOW);

    int64_t duration = a.duration ? a.duration : DEFAULT_DURATION;
    if (duration > role->max_session_duration)
        return srv_fail(c, "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    iam_session *s = srv_alloc(c, sizeof *s);
    char *key_id = srv_alloc(c, IAM_ID_LEN + 1);
    if (s == NULL || key_id == NULL)
        return oom(c);
    s->kind = IAM_SESSION_ASSUMED_ROLE;
    s->account = iam_str_from_cstr(role->account);
    s->principal_id = iam_str_from_cstr(role->id);
    s->session_name = a.session_name;
    s->source_identity = IAM_STR("");
    s->issued = c->now;
    s->expires = c->now + duration;
    s->web_identity_provider = iam_str_from_cstr(provider_arn);
    s->web_identity_subject = iam_str_from_cstr(sub);
    s->policy = a.policy.ptr ? a.policy : IAM_STR("");
    for (size_t i = 0; i < a.n_policy_arns; i++)
        s->policy_arns[i] = a.policy_arns[i];
    s->n_policy_arns = a.n_policy_arns;
    size_t packed = iam_session_packed_percent(s);
    if (packed > 100)
        return srv_fail(c, "PackedPolicyTooLarge",
                        "Packed policy consumes %zu%% of allotted space, please use smaller policy.", packed);
    if (!issue(c, s, role->account, key_id))
        return false;
    char *assumed_id = srv_strf(c, "%s:%.*s", role->id, (int)a.session_name.len, a.session_name.ptr);
    char *assumed_arn = srv_strf(c, "arn:%s:sts::%s:assumed-role/%s/%.*s", srv_partition(c), role->account,
                                 role->name, (int)a.session_name.len, a.session_name.ptr);
    if (assumed_id == NULL || assumed_arn == NULL)
        return oom(c);
    /* Members in the order of AWS's reply. Provider: the provider's ARN,
     * as AWS answers for IAM OIDC providers (its docs say "the iss"). */
    srv_xml_cstr(c->out, "SubjectFromWebIdentityToken", sub);
    srv_xml_open(c->out, "AssumedRoleUser");
    srv_xml_cstr(c->out, "AssumedRoleId", assumed_id);
    srv_xml_cstr(c->out, "Arn", assumed_arn);
    srv_xml_close(c->out);
    if (a.policy.len > 0 || a.n_policy_arns > 0)
        srv_xml_int(c->out, "PackedPolicySize", (int64_t)packed);
    srv_xml_cstr(c->out, "Provider", provider_arn);
    srv_xml_cstr(c->out, "Audience", aud);
    srv_audit_response_element(c, "subjectFromWebIdentityToken", iam_str_from_cstr(sub));
    srv_audit_response_element(c, "provider", iam_str_from_cstr(provider_arn));
    srv_audit_response_element(c, "audience", iam_str_from_cstr(aud));
    srv_audit_response_element(c, "assumedRoleUser.assumedRoleId", iam_str_from_cstr(assumed_id));
    srv_audit_response_element(c, "assumedRoleUser.arn", iam_str_from_cstr(assumed_arn));
    srv_touch_role(srv_req_of(c)->srv, iam_str_from_cstr(role->id), c->now, c->region);
    return true;
}

const srv_action srv_actions_sts[] = {
    { "AssumeRole", h_assume_role, false },
    { "AssumeRoleWithWebIdentity", h_assume_role_with_web_identity, false },
    { "GetAccessKeyInfo", h_get_access_key_info, true },
    { "GetCallerIdentity", h_get_caller_identity, true },
    { "GetSessionToken", h_get_session_token, false },
    { NULL, NULL, false },
};
