/* api_oidc.c - the IAM Query API for OpenID Connect identity providers:
 * Create/Get/List/Delete, client ids (audiences), thumbprints and tags.
 * A provider is keyed by its ARN, arn:PARTITION:iam::ACCOUNT:oidc-provider/
 * followed by the issuer URL without "https://". Handlers are listed in
 * srv_actions_roles (api_roles.c) and share its helpers (api_roles.h). */
#include <string.h>
#include <strings.h>

#include "api_roles.h"

#define URL_MAX 255
#define CLIENT_ID_MAX 255
#define THUMBPRINT_LEN 40
#define HTTPS "https://"

static iam_str account_of(const srv_call *c)
{
    return iam_str_from_cstr(c->caller->account);
}

/* The issuer without its scheme, as ARNs and GetOpenIDConnectProvider show it. */
static iam_str url_host_path(iam_str url)
{
    size_t n = sizeof(HTTPS) - 1;
    if (url.len >= n && strncasecmp(url.ptr, HTTPS, n) == 0)
        return (iam_str){ url.ptr + n, url.len - n };
    return url;
}

/* A provider of the caller's account, or NULL. */
static const iam_oidc_provider *find_provider(srv_call *c, iam_str arn)
{
    const iam_oidc_provider *p = iam_snap_oidc_provider(c->snap, arn);
    if (p == NULL || strcmp(p->account, c->caller->account) != 0)
        return NULL;
    return p;
}

static char *missing_provider(srv_call *c, iam_str arn)
{
    return srv_strf(c, "OpenIDConnect Provider not found for arn %.*s", (int)arn.len, arn.ptr);
}

static bool param_provider_arn(srv_call *c, iam_str *arn)
{
    if (!srv_param_arn(c, "OpenIDConnectProviderArn", true, arn))
        return false;
    srv_audit_request_param(c, "openIDConnectProviderArn", *arn);
    return true;
}

/* Authorizes `action` on the provider `arn` (with its tags as
 * aws:ResourceTag/<key>) and finds it. */
static bool provider_target(srv_call *c, const char *action, iam_str arn, const iam_oidc_provider **out)
{
    const iam_oidc_provider *p = find_provider(c, arn);
    iam_context *ctx = NULL;

    if (p != NULL && p->tags.n > 0 && (ctx = srv_roles_tag_context(c, NULL, 0, p->tags)) == NULL)
        return false;
    const char *res = srv_strndup(c, arn);
    if (res == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, res, ctx))
        return false;
    if (p == NULL)
        return srv_fail(c, "NoSuchEntity", "%s", missing_provider(c, arn));
    *out = p;
    return true;
}

static bool param_client_ids(srv_call *c, iam_str **ids, size_t *n)
{
    if (!srv_param_list(c, "ClientIDList", 1000, ids, n))
        return false;
    uint32_t quota = srv_quota(c)->client_ids_per_oidc;
    if (*n > quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %u", quota);
    for (size_t i = 0; i < *n; i++)
        if ((*ids)[i].len == 0 || (*ids)[i].len > CLIENT_ID_MAX)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: "
                            "Member must satisfy constraint: [Member must have length less than or equal to 255, "
                            "Member must have length greater than or equal to 1]");
    /* Duplicates name the same audience once. */
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = iam_str_eq((*ids)[j], (*ids)[i]);
        if (!dup)
            (*ids)[k++] = (*ids)[i];
    }
    *n = k;
    return true;
}

static bool param_client_id(srv_call *c, iam_str *id)
{
    if (!srv_param(c, "ClientID", true, id))
        return false;
    if (id->len == 0 || id->len > CLIENT_ID_MAX)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'clientID' failed to satisfy constraint: "
                        "Member must have length less than or equal to 255",
                        (int)(id->len > CLIENT_ID_MAX ? CLIENT_ID_MAX : id->len), id->ptr);
    srv_audit_request_param(c, "clientID", *id);
    return true;
}

static bool param_thumbprints(srv_call *c, iam_str **tps, size_t *n)
{
    if (!srv_param_list(c, "ThumbprintList", 1000, tps, n))
        return false;
    uint32_t quota = srv_quota(c)->thumbprints_per_oidc;
    if (*n > quota)
        return srv_fail(c, "InvalidInput", "Thumbprint list must contain fewer than %u entries.", quota);
    for (size_t i = 0; i < *n; i++) {
        iam_str tp = (*tps)[i];
        bool ok = tp.len == THUMBPRINT_LEN;
        for (size_t j = 0; ok && j < tp.len; j++) {
            char ch = tp.ptr[j];
            ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
        }
        if (!ok)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value at 'thumbprintList' failed to satisfy constraint: "
                            "Member must satisfy constraint: [Member must have length less than or equal to 40, "
                            "Member must have length greater than or equal to 40]");
    }
    return true;
}

bool srv_h_create_oidc_provider(srv_call *c)
{
    iam_str url, *ids = NULL, *tps = NULL;
    size_t n_ids = 0, n_tps = 0, n_tags = 0;
    iam_tag *tags = NULL;

    if (!srv_param(c, "Url", true, &url))
        return false;
    if (url.len > URL_MAX)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'url' failed to satisfy constraint: Member "
                        "must have length less than or equal to 255",
                        URL_MAX, url.ptr);
    iam_str rest = url_host_path(url);
    bool ok = rest.len < url.len && rest.len > 0 && rest.ptr[0] != '/' && iam_utf8_valid(rest);
    for (size_t i = 0; ok && i < rest.len; i++)
        ok = (unsigned char)rest.ptr[i] > 0x20 && rest.ptr[i] != 0x7F;
    if (!ok)
        return srv_fail(c, "ValidationError", "Invalid Open ID Connect Provider URL");
    if (!param_client_ids(c, &ids, &n_ids) || !param_thumbprints(c, &tps, &n_tps) ||
        !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "url", url);

    const char *arn = srv_strf(c, "arn:%s:iam::%s:oidc-provider/%.*s", srv_partition(c), c->caller->account,
                               (int)rest.len, rest.ptr);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    iam_context *ctx = srv_roles_tag_context(c, tags, n_tags, (iam_tags){ NULL, 0 });
    if (ctx == NULL || !srv_authorize(c, "iam:CreateOpenIDConnectProvider", arn, ctx))
        return false;
    iam_str arn_s = iam_str_from_cstr(arn);
    if (find_provider(c, arn_s) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "Provider with url %.*s already exists.", (int)url.len, url.ptr);
    iam_account_counts counts;
    iam_snap_account_counts(c->snap, account_of(c), &counts);
    uint32_t quota = srv_quota(c)->oidc_providers_per_account;
    if (counts.oidc_providers >= quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for OpenIdConnectProvidersPerAccount: %u", quota);

    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_oidc_create(t, account_of(c), arn_s, url, ids, n_ids, tps, n_tps),
                   "OpenIDConnect provider"))
        return false;
    if (n_tags > 0 && !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_OIDC_PROVIDER, arn_s, tags, n_tags), "tags"))
        return false;
    if (!srv_commit(c, t))
        return false;
    srv_audit_response_element(c, "openIDConnectProviderArn", arn_s);
    srv_xml_cstr(c->out, "OpenIDConnectProviderArn", arn);
    const iam_oidc_provider *p = find_provider(c, arn_s);
    if (p != NULL && p->tags.n > 0)
        srv_xml_tags(c->out, "Tags", p->tags);
    return true;
}

bool srv_h_get_oidc_provider(srv_call *c)
{
    iam_str arn;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !provider_target(c, "iam:GetOpenIDConnectProvider", arn, &p))
        return false;
    srv_xml *x = c->out;
    srv_xml_str(x, "Url", url_host_path(iam_str_from_cstr(p->url)));
    srv_xml_open(x, "ClientIDList");
    for (size_t i = 0; i < p->client_ids.n; i++)
        srv_xml_cstr(x, "member", p->client_ids.items[i]);
    srv_xml_close(x);
    srv_xml_open(x, "ThumbprintList");
    for (size_t i = 0; i < p->thumbprints.n; i++)
        srv_xml_cstr(x, "member", p->thumbprints.items[i]);
    srv_xml_close(x);
    srv_xml_time(x, "CreateDate", p->created);
    if (p->tags.n > 0)
        srv_xml_tags(x, "Tags", p->tags);
    return true;
}

bool srv_h_list_oidc_providers(srv_call *c)
{
    if (!srv_authorize(c, "iam:ListOpenIDConnectProviders", "*", NULL))
        return false;
    iam_snap_list l = iam_snap_oidc_providers(c->snap, account_of(c));
    srv_xml_open(c->out, "OpenIDConnectProviderList");
    for (size_t i = 0; i < l.n; i++) {
        const iam_oidc_provider *p = l.items[i];
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "Arn", p->arn);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
    return true;
}

bool srv_h_delete_oidc_provider(srv_call *c)
{
    iam_str arn;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !provider_target(c, "iam:DeleteOpenIDConnectProvider", arn, &p))
        return false;
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_oidc_delete(t, iam_str_from_cstr(p->arn)), "OpenIDConnect provider"))
        return false;
    return srv_commit(c, t);
}

static bool has_client_id(const iam_oidc_provider *p, iam_str id)
{
    for (size_t i = 0; i < p->client_ids.n; i++)
        if (iam_str_eq(iam_str_from_cstr(p->client_ids.items[i]), id))
            return true;
    return false;
}

/* Adding a client id already there and removing one that is not are no-ops,
 * as AWS documents both operations idempotent. */
bool srv_h_add_client_id_to_oidc_provider(srv_call *c)
{
    iam_str arn, id;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !param_client_id(c, &id) ||
        !provider_target(c, "iam:AddClientIDToOpenIDConnectProvider", arn, &p))
        return false;
    if (has_client_id(p, id))
        return true;
    uint32_t quota = srv_quota(c)->client_ids_per_oidc;
    if (p->client_ids.n >= quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %u", quota);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_oidc_add_client_id(t, iam_str_from_cstr(p->arn), id), "OpenIDConnect provider"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_remove_client_id_from_oidc_provider(srv_call *c)
{
    iam_str arn, id;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !param_client_id(c, &id) ||
        !provider_target(c, "iam:RemoveClientIDFromOpenIDConnectProvider", arn, &p))
        return false;
    if (!has_client_id(p, id))
        return true;
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_oidc_remove_client_id(t, iam_str_from_cstr(p->arn), id),
                   "OpenIDConnect provider"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_update_oidc_provider_thumbprint(srv_call *c)
{
    iam_str arn, *tps = NULL;
    size_t n = 0;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !param_thumbprints(c, &tps, &n) ||
        !provider_target(c, "iam:UpdateOpenIDConnectProviderThumbprint", arn, &p))
        return false;
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_oidc_set_thumbprints(t, iam_str_from_cstr(p->arn), tps, n),
                   "OpenIDConnect provider"))
        return false;
    return srv_commit(c, t);
}

static srv_tag_target provider_tag_target(srv_call *c, iam_str arn)
{
    const iam_oidc_provider *p = find_provider(c, arn);
    return (srv_tag_target){
        .kind = IAM_EK_OIDC_PROVIDER,
        .id = p ? p->arn : NULL,
        .arn = srv_strndup(c, arn),
        .tags = p ? p->tags : (iam_tags){ NULL, 0 },
        .quota_name = "TagsPerOpenIdConnectProvider",
        .missing = missing_provider(c, arn),
    };
}

bool srv_h_tag_oidc_provider(srv_call *c)
{
    iam_str arn;
    iam_tag *tags;
    size_t n;

    if (!param_provider_arn(c, &arn) || !srv_roles_param_tags_required(c, &tags, &n))
        return false;
    srv_tag_target tt = provider_tag_target(c, arn);
    return srv_roles_tag(c, "iam:TagOpenIDConnectProvider", &tt, tags, n);
}

bool srv_h_untag_oidc_provider(srv_call *c)
{
    iam_str arn, *keys;
    size_t n;

    if (!param_provider_arn(c, &arn) || !srv_roles_param_tag_keys(c, &keys, &n))
        return false;
    srv_tag_target tt = provider_tag_target(c, arn);
    return srv_roles_untag(c, "iam:UntagOpenIDConnectProvider", &tt, keys, n);
}

bool srv_h_list_oidc_provider_tags(srv_call *c)
{
    iam_str arn;
    srv_page pg;
    const iam_oidc_provider *p;

    if (!param_provider_arn(c, &arn) || !srv_param_page(c, &pg) ||
        !provider_target(c, "iam:ListOpenIDConnectProviderTags", arn, &p))
        return false;
    return srv_roles_list_tags(c, &pg, p->tags);
}
