/* api_roles.c - the IAM Query API for roles (Create/Get/List/Update/Delete,
 * UpdateAssumeRolePolicy, role tags) and permissions boundaries of users and
 * roles, plus the helpers the roles family shares (api_roles.h) and the one
 * action table srv_actions_roles, which also lists the instance-profile and
 * OIDC handlers of api_instance_profiles.c and api_oidc.c.
 * Trust policies bind the IAM principals they name to their unique ids when
 * saved, as AWS does, so a re-created principal does not inherit trust. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api_roles.h"

#define ROLE_NAME_MAX 64
#define DESCRIPTION_MAX 1000
#define SESSION_MIN 3600
#define SESSION_MAX 43200
#define TAG_KEY_MAX 128

static iam_str account_of(const srv_call *c)
{
    return iam_str_from_cstr(c->caller->account);
}

/* ---- Shared helpers ---------------------------------------------------- */

const iam_role *srv_roles_find(srv_call *c, iam_str name)
{
    return iam_snap_role(c->snap, account_of(c), name);
}

bool srv_roles_fail_no_role(srv_call *c, iam_str name)
{
    return srv_fail(c, "NoSuchEntity", "The role with name %.*s cannot be found.", (int)name.len, name.ptr);
}

/* The ARN a role has, or would have at path "/" when it does not exist: the
 * resource that authorization of an action on a missing role names. */
static const char *role_arn(srv_call *c, const iam_role *r, iam_str name)
{
    return r ? r->arn : srv_arn(c, c->caller->account, "role", IAM_STR("/"), name);
}

void srv_roles_xml_role(srv_call *c, const char *element, const iam_role *r, unsigned flags)
{
    srv_xml *x = c->out;

    srv_xml_open(x, element);
    srv_xml_cstr(x, "Path", r->path);
    srv_xml_cstr(x, "RoleName", r->name);
    srv_xml_cstr(x, "RoleId", r->id);
    srv_xml_cstr(x, "Arn", r->arn);
    srv_xml_time(x, "CreateDate", r->created);
    if (r->trust_document != NULL)
        srv_xml_policy_doc(x, "AssumeRolePolicyDocument", r->trust_document);
    if (flags & SRV_ROLE_XML_SETTINGS) {
        if (r->description != NULL && r->description[0] != '\0')
            srv_xml_cstr(x, "Description", r->description);
        srv_xml_int(x, "MaxSessionDuration", r->max_session_duration);
    }
    if ((flags & SRV_ROLE_XML_BOUNDARY) && r->boundary_arn != NULL) {
        /* The service answers "Policy", although its model names the
         * value "PermissionsBoundaryPolicy". */
        srv_xml_open(x, "PermissionsBoundary");
        srv_xml_cstr(x, "PermissionsBoundaryType", "Policy");
        srv_xml_cstr(x, "PermissionsBoundaryArn", r->boundary_arn);
        srv_xml_close(x);
    }
    if ((flags & SRV_ROLE_XML_TAGS) && r->tags.n > 0)
        srv_xml_tags(x, "Tags", r->tags);
    if (flags & SRV_ROLE_XML_LAST_USED) {
        /* AWS sends an empty RoleLastUsed for a role never used. */
        srv_xml_open(x, "RoleLastUsed");
        if (r->last_used > 0) {
            srv_xml_time(x, "LastUsedDate", r->last_used);
            srv_xml_cstr(x, "Region", r->last_used_region);
        }
        srv_xml_close(x);
    }
    srv_xml_close(x);
}

bool srv_roles_param_path_prefix(srv_call *c, iam_str *out)
{
    iam_str p;

    if (!srv_param(c, "PathPrefix", false, &p))
        return false;
    if (p.ptr == NULL || p.len == 0) {
        *out = IAM_STR("/");
        return true;
    }
    bool ok = p.len <= 512 && p.ptr[0] == '/';
    for (size_t i = 0; ok && i < p.len; i++)
        ok = (unsigned char)p.ptr[i] >= 0x21 && (unsigned char)p.ptr[i] <= 0x7E;
    if (!ok)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'pathPrefix' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
                        (int)(p.len > 512 ? 512 : p.len), p.ptr);
    *out = p;
    return true;
}

bool srv_roles_path_has_prefix(const char *path, iam_str prefix)
{
    size_t n = strlen(path);
    return n >= prefix.len && memcmp(path, prefix.ptr, prefix.len) == 0;
}

bool srv_roles_page(srv_call *c, const srv_page *pg, iam_snap_list l, iam_entity_kind kind, const char *element,
                    srv_keep_fn keep, srv_emit_fn emit, void *ud)
{
    /* srv_page_list writes IsTruncated/Marker after the element closes. */
    srv_xml_open(c->out, element);
    bool ok = srv_page_list(c, pg, l, kind, keep, emit, ud);
    srv_xml_close(c->out);
    return ok;
}

iam_context *srv_roles_tag_context(srv_call *c, const iam_tag *tags, size_t n, iam_tags resource)
{
    iam_context *ctx = srv_context(c);

    if (ctx == NULL) {
        srv_fail(c, "ServiceFailure", "out of memory");
        return NULL;
    }
    if ((n > 0 && !srv_context_request_tags(c, ctx, tags, n)) ||
        (resource.n > 0 && !srv_context_resource_tags(c, ctx, resource))) {
        srv_fail(c, "ServiceFailure", "out of memory");
        return NULL;
    }
    return ctx;
}

bool srv_roles_param_tags_required(srv_call *c, iam_tag **tags, size_t *n)
{
    if (!srv_param_tags(c, "Tags", tags, n))
        return false;
    if (*n == 0)
        return srv_fail(c, "ValidationError", "1 validation error detected: Value null at 'tags' failed to "
                                              "satisfy constraint: Member must not be null");
    return true;
}

bool srv_roles_param_tag_keys(srv_call *c, iam_str **keys, size_t *n)
{
    if (!srv_param_list(c, "TagKeys", 50, keys, n))
        return false;
    if (*n == 0)
        return srv_fail(c, "ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to "
                                              "satisfy constraint: Member must not be null");
    for (size_t i = 0; i < *n; i++) {
        iam_str k = (*keys)[i];
        if (k.len == 0 || k.len > TAG_KEY_MAX || !iam_utf8_valid(k))
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value '[%.*s]' at 'tagKeys' failed to satisfy "
                            "constraint: Member must satisfy constraint: [Member must have length less than or "
                            "equal to 128, Member must have length greater than or equal to 1]",
                            (int)(k.len > TAG_KEY_MAX ? TAG_KEY_MAX : k.len), k.ptr);
    }
    return true;
}

static bool key_eq_nocase(const char *a, iam_str b)
{
    return strlen(a) == b.len && strncasecmp(a, b.ptr, b.len) == 0;
}

bool srv_roles_tag(srv_call *c, const char *action, const srv_tag_target *tt, const iam_tag *tags, size_t n)
{
    iam_context *ctx = srv_roles_tag_context(c, tags, n, tt->tags);
    if (ctx == NULL)
        return false;
    if (!srv_authorize(c, action, tt->arn, ctx))
        return false;
    if (tt->id == NULL)
        return srv_fail(c, "NoSuchEntity", "%s", tt->missing);

    /* Keys are case-insensitive: a request key replaces an existing one. */
    size_t total = n;
    for (size_t i = 0; i < tt->tags.n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n && !replaced; j++)
            replaced = key_eq_nocase(tt->tags.items[i].key, iam_str_from_cstr(tags[j].key));
        if (!replaced)
            total++;
    }
    uint32_t quota = srv_quota(c)->tags_per_entity;
    if (total > quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for %s: %u", tt->quota_name, quota);

    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_set(t, tt->kind, iam_str_from_cstr(tt->id), tags, n), "tags"))
        return false;
    return srv_commit(c, t);
}

bool srv_roles_untag(srv_call *c, const char *action, const srv_tag_target *tt, const iam_str *keys, size_t n)
{
    iam_context *ctx = srv_roles_tag_context(c, NULL, 0, tt->tags);
    if (ctx == NULL)
        return false;
    if (iam_context_set(ctx, IAM_STR("aws:TagKeys"), keys, n) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, tt->arn, ctx))
        return false;
    if (tt->id == NULL)
        return srv_fail(c, "NoSuchEntity", "%s", tt->missing);

    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_remove(t, tt->kind, iam_str_from_cstr(tt->id), keys, n), "tags"))
        return false;
    return srv_commit(c, t);
}

/* The Marker of a tag list is the index of the next tag (tags have no
 * stable name order worth exposing; AWS's markers are opaque too). */
bool srv_roles_list_tags(srv_call *c, const srv_page *pg, iam_tags tags)
{
    size_t start = 0;

    if (pg->marker.len > 0) {
        bool ok = pg->marker.len <= 6;
        for (size_t i = 0; ok && i < pg->marker.len; i++) {
            char ch = pg->marker.ptr[i];
            ok = ch >= '0' && ch <= '9';
            start = start * 10 + (size_t)(ch - '0');
        }
        if (!ok || start > tags.n)
            return srv_fail(c, "InvalidInput", "Invalid Marker.");
    }
    size_t end = tags.n - start > pg->max_items ? start + pg->max_items : tags.n;
    srv_xml_open(c->out, "Tags");
    for (size_t i = start; i < end; i++) {
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "Key", tags.items[i].key);
        srv_xml_cstr(c->out, "Value", tags.items[i].value ? tags.items[i].value : "");
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
    bool truncated = end < tags.n;
    srv_xml_page_end(c->out, truncated, truncated ? srv_strf(c, "%zu", end) : NULL);
    return true;
}

/* ---- Parameters specific to roles -------------------------------------- */

/* Description: ≤ 1000 characters of the pattern [\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*
 * (no control characters). Absent → ptr NULL. */
static bool param_description(srv_call *c, bool required, iam_str *out)
{
    iam_str d;

    if (!srv_param(c, "Description", required, &d))
        return false;
    if (d.ptr == NULL) {
        *out = IAM_STR_NULL;
        return true;
    }
    size_t chars = 0;
    bool ok = iam_utf8_valid(d);
    for (size_t i = 0; ok && i < d.len; i++) {
        unsigned char ch = (unsigned char)d.ptr[i];
        if ((ch & 0xC0) != 0x80)
            chars++;
        ok = ch >= 0x20 && ch != 0x7F;
    }
    if (!ok)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value at 'description' failed to satisfy constraint: Member "
                        "must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{Z}\\p{S}\\p{N}\\p{P}]*");
    if (chars > DESCRIPTION_MAX)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'description' failed to satisfy constraint: "
                        "Member must have length less than or equal to 1000",
                        (int)d.len, d.ptr);
    *out = d;
    return true;
}

/* A trust policy over its quota is refused with AWS's own quota name
 * (ACLSizePerRole) before the document is validated. Whitespace does not
 * count, as for IAM's other policy quotas. */
static bool param_trust(srv_call *c, const char *name, iam_str *out)
{
    iam_str raw;
    uint32_t quota = srv_quota(c)->trust_policy_size;

    if (!srv_param(c, name, false, &raw))
        return false;
    if (raw.ptr != NULL) {
        size_t chars = 0;
        for (size_t i = 0; i < raw.len; i++) {
            unsigned char ch = (unsigned char)raw.ptr[i];
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && (ch & 0xC0) != 0x80)
                chars++;
        }
        if (chars > quota)
            return srv_fail(c, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %u", quota);
    }
    return srv_param_policy(c, name, IAM_KIND_TRUST, quota, out);
}

static bool param_role_name(srv_call *c, iam_str *name)
{
    return srv_param_name(c, "RoleName", true, ROLE_NAME_MAX, name);
}

/* A permissions boundary must be a managed policy of the caller's account or
 * an AWS-managed one. */
static const iam_managed_policy *find_boundary(srv_call *c, iam_str arn)
{
    const iam_managed_policy *p = iam_snap_policy_by_arn(c->snap, arn);

    if (p == NULL)
        return NULL;
    if (strcmp(p->account, c->caller->account) != 0 && strcmp(p->account, IAM_AWS_ACCOUNT) != 0)
        return NULL;
    return p;
}

static bool fail_no_boundary(srv_call *c, iam_str arn)
{
    return srv_fail(c, "NoSuchEntity", "Scope ARN: %.*s does not exist or is not attachable.", (int)arn.len,
                    arn.ptr);
}

static bool add_boundary_key(srv_call *c, iam_context *ctx, iam_str arn)
{
    if (iam_context_add(ctx, IAM_STR("iam:PermissionsBoundary"), arn) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "out of memory");
    return true;
}

/* ---- Principal binding of trust policies ------------------------------- */

typedef struct bind_set {
    iam_binding *items;
    size_t n, cap;
} bind_set;

static bool bind_add(srv_call *c, bind_set *bs, iam_str arn, const char *uid)
{
    for (size_t i = 0; i < bs->n; i++)
        if (iam_str_eq(bs->items[i].arn, arn))
            return true;
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 8;
        iam_binding *items = srv_alloc(c, cap * sizeof(*items));
        if (items == NULL)
            return srv_fail(c, "ServiceFailure", "out of memory");
        if (bs->n > 0)
            memcpy(items, bs->items, bs->n * sizeof(*items));
        bs->items = items;
        bs->cap = cap;
    }
    char *copy = srv_strndup(c, arn);
    if (copy == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    bs->items[bs->n].arn = (iam_str){ copy, arn.len };
    bs->items[bs->n].unique_id = iam_str_from_cstr(uid);
    bs->n++;
    return true;
}

static bool fail_principal(srv_call *c, iam_str v)
{
    return srv_fail(c, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"%.*s\"", (int)v.len,
                    v.ptr);
}

/* One "AWS" principal value. ARNs of IAM users and roles in an account this
 * iamd hosts must name an existing principal, whose unique id is recorded;
 * the account root, bare account ids, "*", other services' ARNs (assumed
 * roles) and accounts hosted elsewhere are taken as written. */
static bool check_aws_principal(srv_call *c, iam_str v, bind_set *bs)
{
    if (v.len < 4 || memcmp(v.ptr, "arn:", 4) != 0)
        return true;
    /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
    iam_str part[6];
    size_t k = 0, from = 0;
    for (size_t i = 0; i < v.len && k < 5; i++)
        if (v.ptr[i] == ':') {
            part[k++] = (iam_str){ v.ptr + from, i - from };
            from = i + 1;
        }
    if (k < 5)
        return true;
    part[5] = (iam_str){ v.ptr + from, v.len - from };
    if (!iam_str_eq(part[2], IAM_STR("iam")))
        return true;
    if (iam_snap_account(c->snap, part[4]) == NULL)
        return true;
    iam_str res = part[5];
    if (iam_str_eq(res, IAM_STR("root")))
        return true;
    bool typed = (res.len > 5 && (memcmp(res.ptr, "user/", 5) == 0 || memcmp(res.ptr, "role/", 5) == 0));
    if (!typed || memchr(res.ptr, '*', res.len) != NULL || memchr(res.ptr, '?', res.len) != NULL)
        return fail_principal(c, v);
    const char *uid = NULL;
    if (!iam_snap_principal_id(c->snap, v, &uid) || uid == NULL)
        return fail_principal(c, v);
    return bind_add(c, bs, v, uid);
}

static bool check_principal_block(srv_call *c, json_t *pr, bind_set *bs)
{
    if (!json_is_object(pr))
        return true;
    json_t *aws = json_object_get(pr, "AWS");
    if (json_is_string(aws))
        return check_aws_principal(c, (iam_str){ json_string_value(aws), json_string_length(aws) }, bs);
    if (json_is_array(aws)) {
        size_t i;
        json_t *v;
        json_array_foreach(aws, i, v) {
            if (json_is_string(v) &&
                !check_aws_principal(c, (iam_str){ json_string_value(v), json_string_length(v) }, bs))
                return false;
        }
    }
    return true;
}

/* Walks a validated trust document and collects its principal bindings. */
static bool trust_bindings(srv_call *c, iam_str doc, bind_set *bs)
{
    json_error_t jerr;
    json_t *root = json_loadb(doc.ptr, doc.len, 0, &jerr);
    bool ok = true;

    memset(bs, 0, sizeof(*bs));
    if (root == NULL)
        return srv_fail(c, "MalformedPolicyDocument", "Syntax errors in policy.");
    json_t *st = json_object_get(root, "Statement");
    if (json_is_object(st)) {
        ok = check_principal_block(c, json_object_get(st, "Principal"), bs) &&
             check_principal_block(c, json_object_get(st, "NotPrincipal"), bs);
    } else if (json_is_array(st)) {
        size_t i;
        json_t *s;
        json_array_foreach(st, i, s) {
            if (!json_is_object(s))
                continue;
            ok = check_principal_block(c, json_object_get(s, "Principal"), bs) &&
                 check_principal_block(c, json_object_get(s, "NotPrincipal"), bs);
            if (!ok)
                break;
        }
    }
    json_decref(root);
    return ok;
}

/* ---- Roles ------------------------------------------------------------- */

static bool h_create_role(srv_call *c)
{
    iam_str name, path, doc, desc, boundary = IAM_STR_NULL;
    int64_t max_session;
    iam_tag *tags = NULL;
    size_t n_tags = 0;

    if (!param_role_name(c, &name) || !srv_param_path(c, "Path", &path) ||
        !param_trust(c, "AssumeRolePolicyDocument", &doc) ||
        !param_description(c, false, &desc) ||
        !srv_param_int(c, "MaxSessionDuration", false, SESSION_MIN, SESSION_MAX, SESSION_MIN, &max_session) ||
        !srv_param_arn(c, "PermissionsBoundary", false, &boundary) || !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "roleName", name);
    srv_audit_request_param(c, "path", path);
    srv_audit_request_param(c, "assumeRolePolicyDocument", doc);
    if (desc.ptr != NULL)
        srv_audit_request_param(c, "description", desc);
    if (boundary.len > 0)
        srv_audit_request_param(c, "permissionsBoundary", boundary);

    iam_context *ctx = srv_roles_tag_context(c, tags, n_tags, (iam_tags){ NULL, 0 });
    if (ctx == NULL)
        return false;
    if (boundary.len > 0 && !add_boundary_key(c, ctx, boundary))
        return false;
    const char *arn = srv_arn(c, c->caller->account, "role", path, name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, "iam:CreateRole", arn, ctx))
        return false;

    if (srv_roles_find(c, name) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "Role with name %.*s already exists.", (int)name.len, name.ptr);
    if (boundary.len > 0 && find_boundary(c, boundary) == NULL)
        return fail_no_boundary(c, boundary);
    iam_account_counts counts;
    iam_snap_account_counts(c->snap, account_of(c), &counts);
    if (counts.roles >= srv_quota(c)->roles_per_account)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: %u",
                        srv_quota(c)->roles_per_account);
    bind_set bs;
    if (!trust_bindings(c, doc, &bs))
        return false;

    char id[IAM_ID_LEN + 1];
    if (iam_id_new("AROA", id) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "could not generate a role id");
    iam_new_role nr = {
        .p = { .account = account_of(c), .id = iam_str_from_cstr(id), .name = name, .path = path },
        .trust_document = doc,
        .description = desc.ptr ? desc : IAM_STR(""),
        .max_session_duration = (int32_t)max_session,
    };
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_role_create(t, &nr), "role"))
        return false;
    if (boundary.len > 0 && !srv_store(c, t, iam_txn_set_boundary(t, IAM_EK_ROLE, nr.p.id, boundary), "boundary"))
        return false;
    if (n_tags > 0 && !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_ROLE, nr.p.id, tags, n_tags), "tags"))
        return false;
    if (!srv_store(c, t, iam_txn_set_bindings(t, IAM_EK_ROLE, nr.p.id, bs.items, bs.n), "trust policy"))
        return false;
    if (!srv_commit(c, t))
        return false;

    const iam_role *r = iam_snap_role_by_id(c->snap, nr.p.id);
    if (r == NULL)
        return srv_fail(c, "ServiceFailure", "the new role is not visible");
    srv_audit_response_element(c, "roleId", nr.p.id);
    srv_audit_response_element(c, "arn", iam_str_from_cstr(r->arn));
    srv_roles_xml_role(c, "Role", r, SRV_ROLE_XML_SETTINGS | SRV_ROLE_XML_BOUNDARY | SRV_ROLE_XML_TAGS);
    return true;
}

/* Reads RoleName, authorizes `action` on the role (with its tags as
 * aws:ResourceTag/<key>, plus `extra` keys when given) and finds it. */
static bool role_target(srv_call *c, const char *action, iam_str *name, iam_context *extra, const iam_role **out)
{
    const iam_role *r = srv_roles_find(c, *name);
    iam_context *ctx = extra;

    srv_audit_request_param(c, "roleName", *name);
    if (r != NULL && r->tags.n > 0) {
        if (ctx == NULL)
            ctx = srv_roles_tag_context(c, NULL, 0, r->tags);
        else if (!srv_context_resource_tags(c, ctx, r->tags))
            return srv_fail(c, "ServiceFailure", "out of memory");
        if (ctx == NULL)
            return false;
    }
    const char *arn = role_arn(c, r, *name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, arn, ctx))
        return false;
    if (r == NULL)
        return srv_roles_fail_no_role(c, *name);
    *out = r;
    return true;
}

static bool h_get_role(srv_call *c)
{
    iam_str name;
    const iam_role *r;

    if (!param_role_name(c, &name) || !role_target(c, "iam:GetRole", &name, NULL, &r))
        return false;
    srv_roles_xml_role(c, "Role", r,
                       SRV_ROLE_XML_SETTINGS | SRV_ROLE_XML_BOUNDARY | SRV_ROLE_XML_TAGS | SRV_ROLE_XML_LAST_USED);
    return true;
}

static bool keep_by_path(srv_call *c, const void *item, void *ud)
{
    (void)c;
    return srv_roles_path_has_prefix(((const iam_role *)item)->path, *(const iam_str *)ud);
}

/* ListRoles leaves out tags, the boundary and RoleLastUsed, as AWS does. */
static void emit_list_role(srv_call *c, const void *item, void *ud)
{
    (void)ud;
    srv_roles_xml_role(c, "member", item, SRV_ROLE_XML_SETTINGS);
}

static bool h_list_roles(srv_call *c)
{
    iam_str prefix;
    srv_page pg;

    if (!srv_roles_param_path_prefix(c, &prefix) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "pathPrefix", prefix);
    const char *arn = srv_strf(c, "arn:%s:iam::%s:role/", srv_partition(c), c->caller->account);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, "iam:ListRoles", arn, NULL))
        return false;
    return srv_roles_page(c, &pg, iam_snap_roles(c->snap, account_of(c)), IAM_EK_ROLE, "Roles", keep_by_path,
                          emit_list_role, &prefix);
}

static bool h_update_role(srv_call *c)
{
    iam_str name, desc;
    int64_t max_session;
    const iam_role *r;

    if (!param_role_name(c, &name) || !param_description(c, false, &desc) ||
        !srv_param_int(c, "MaxSessionDuration", false, SESSION_MIN, SESSION_MAX, 0, &max_session) ||
        !role_target(c, "iam:UpdateRole", &name, NULL, &r))
        return false;
    if (desc.ptr != NULL)
        srv_audit_request_param(c, "description", desc);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_role_update(t, iam_str_from_cstr(r->id), desc, (int32_t)max_session), "role"))
        return false;
    return srv_commit(c, t);
}

static bool h_update_role_description(srv_call *c)
{
    iam_str name, desc;
    const iam_role *r;

    if (!param_role_name(c, &name) || !param_description(c, true, &desc) ||
        !role_target(c, "iam:UpdateRoleDescription", &name, NULL, &r))
        return false;
    srv_audit_request_param(c, "description", desc);
    iam_str id = iam_str_from_cstr(r->id);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_role_update(t, id, desc, 0), "role") || !srv_commit(c, t))
        return false;
    if ((r = iam_snap_role_by_id(c->snap, id)) == NULL)
        return srv_roles_fail_no_role(c, name);
    srv_roles_xml_role(c, "Role", r, SRV_ROLE_XML_SETTINGS | SRV_ROLE_XML_BOUNDARY | SRV_ROLE_XML_TAGS |
                                         SRV_ROLE_XML_LAST_USED);
    return true;
}

static bool h_update_assume_role_policy(srv_call *c)
{
    iam_str name, doc;
    const iam_role *r;

    if (!param_role_name(c, &name) ||
        !param_trust(c, "PolicyDocument", &doc))
        return false;
    srv_audit_request_param(c, "policyDocument", doc);
    if (!role_target(c, "iam:UpdateAssumeRolePolicy", &name, NULL, &r))
        return false;
    bind_set bs;
    if (!trust_bindings(c, doc, &bs))
        return false;
    iam_str id = iam_str_from_cstr(r->id);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_role_set_trust(t, id, doc), "role") ||
        !srv_store(c, t, iam_txn_set_bindings(t, IAM_EK_ROLE, id, bs.items, bs.n), "trust policy"))
        return false;
    return srv_commit(c, t);
}

static bool h_delete_role(srv_call *c)
{
    iam_str name;
    const iam_role *r;

    if (!param_role_name(c, &name) || !role_target(c, "iam:DeleteRole", &name, NULL, &r))
        return false;
    if (r->n_instance_profiles > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.");
    if (r->n_attached > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (r->inline_policies.n > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must delete policies first.");
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_role_delete(t, iam_str_from_cstr(r->id)), "role"))
        return false;
    return srv_commit(c, t);
}

static srv_tag_target role_tag_target(srv_call *c, const iam_role *r, iam_str name)
{
    return (srv_tag_target){
        .kind = IAM_EK_ROLE,
        .id = r ? r->id : NULL,
        .arn = role_arn(c, r, name),
        .tags = r ? r->tags : (iam_tags){ NULL, 0 },
        .quota_name = "TagsPerRole",
        .missing = srv_strf(c, "The role with name %.*s cannot be found.", (int)name.len, name.ptr),
    };
}

static bool h_tag_role(srv_call *c)
{
    iam_str name;
    iam_tag *tags;
    size_t n;

    if (!param_role_name(c, &name) || !srv_roles_param_tags_required(c, &tags, &n))
        return false;
    srv_audit_request_param(c, "roleName", name);
    srv_tag_target tt = role_tag_target(c, srv_roles_find(c, name), name);
    return srv_roles_tag(c, "iam:TagRole", &tt, tags, n);
}

static bool h_untag_role(srv_call *c)
{
    iam_str name;
    iam_str *keys;
    size_t n;

    if (!param_role_name(c, &name) || !srv_roles_param_tag_keys(c, &keys, &n))
        return false;
    srv_audit_request_param(c, "roleName", name);
    srv_tag_target tt = role_tag_target(c, srv_roles_find(c, name), name);
    return srv_roles_untag(c, "iam:UntagRole", &tt, keys, n);
}

static bool h_list_role_tags(srv_call *c)
{
    iam_str name;
    srv_page pg;
    const iam_role *r;

    if (!param_role_name(c, &name) || !srv_param_page(c, &pg) ||
        !role_target(c, "iam:ListRoleTags", &name, NULL, &r))
        return false;
    return srv_roles_list_tags(c, &pg, r->tags);
}

/* ---- Permissions boundaries -------------------------------------------- */

static bool user_target(srv_call *c, const char *action, iam_str name, iam_context *ctx, const iam_user **out)
{
    const iam_user *u = iam_snap_user(c->snap, account_of(c), name);

    srv_audit_request_param(c, "userName", name);
    if (u != NULL && u->tags.n > 0) {
        if (ctx == NULL)
            ctx = srv_roles_tag_context(c, NULL, 0, u->tags);
        else if (!srv_context_resource_tags(c, ctx, u->tags))
            return srv_fail(c, "ServiceFailure", "out of memory");
        if (ctx == NULL)
            return false;
    }
    const char *arn = u ? u->arn : srv_arn(c, c->caller->account, "user", IAM_STR("/"), name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, arn, ctx))
        return false;
    if (u == NULL)
        return srv_fail(c, "NoSuchEntity", "The user with name %.*s cannot be found.", (int)name.len, name.ptr);
    *out = u;
    return true;
}

static bool boundary_context(srv_call *c, iam_str boundary, iam_context **out)
{
    iam_context *ctx = srv_context(c);
    if (ctx == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!add_boundary_key(c, ctx, boundary))
        return false;
    *out = ctx;
    return true;
}

static bool set_boundary(srv_call *c, iam_entity_kind kind, const char *id, iam_str boundary)
{
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_set_boundary(t, kind, iam_str_from_cstr(id), boundary), "permissions boundary"))
        return false;
    return srv_commit(c, t);
}

static bool h_put_user_boundary(srv_call *c)
{
    iam_str name, boundary;
    iam_context *ctx;
    const iam_user *u;

    if (!srv_param_name(c, "UserName", true, 64, &name) || !srv_param_arn(c, "PermissionsBoundary", true, &boundary))
        return false;
    srv_audit_request_param(c, "permissionsBoundary", boundary);
    if (!boundary_context(c, boundary, &ctx) || !user_target(c, "iam:PutUserPermissionsBoundary", name, ctx, &u))
        return false;
    if (find_boundary(c, boundary) == NULL)
        return fail_no_boundary(c, boundary);
    return set_boundary(c, IAM_EK_USER, u->id, boundary);
}

static bool h_delete_user_boundary(srv_call *c)
{
    iam_str name;
    iam_context *ctx = NULL;
    const iam_user *u;

    if (!srv_param_name(c, "UserName", true, 64, &name))
        return false;
    /* AWS evaluates iam:PermissionsBoundary against the boundary removed. */
    const iam_user *cur = iam_snap_user(c->snap, account_of(c), name);
    if (cur != NULL && cur->boundary_arn != NULL && !boundary_context(c, iam_str_from_cstr(cur->boundary_arn), &ctx))
        return false;
    if (!user_target(c, "iam:DeleteUserPermissionsBoundary", name, ctx, &u))
        return false;
    if (u->boundary_arn == NULL)
        return true;
    return set_boundary(c, IAM_EK_USER, u->id, IAM_STR(""));
}

static bool h_put_role_boundary(srv_call *c)
{
    iam_str name, boundary;
    iam_context *ctx;
    const iam_role *r;

    if (!param_role_name(c, &name) || !srv_param_arn(c, "PermissionsBoundary", true, &boundary))
        return false;
    srv_audit_request_param(c, "permissionsBoundary", boundary);
    if (!boundary_context(c, boundary, &ctx) || !role_target(c, "iam:PutRolePermissionsBoundary", &name, ctx, &r))
        return false;
    if (find_boundary(c, boundary) == NULL)
        return fail_no_boundary(c, boundary);
    return set_boundary(c, IAM_EK_ROLE, r->id, boundary);
}

static bool h_delete_role_boundary(srv_call *c)
{
    iam_str name;
    iam_context *ctx = NULL;
    const iam_role *r;

    if (!param_role_name(c, &name))
        return false;
    const iam_role *cur = srv_roles_find(c, name);
    if (cur != NULL && cur->boundary_arn != NULL && !boundary_context(c, iam_str_from_cstr(cur->boundary_arn), &ctx))
        return false;
    if (!role_target(c, "iam:DeleteRolePermissionsBoundary", &name, ctx, &r))
        return false;
    if (r->boundary_arn == NULL)
        return true;
    return set_boundary(c, IAM_EK_ROLE, r->id, IAM_STR(""));
}

/* ---- The family's table ------------------------------------------------ */

const srv_action srv_actions_roles[] = {
    { "CreateRole", h_create_role, false },
    { "GetRole", h_get_role, true },
    { "ListRoles", h_list_roles, true },
    { "UpdateRole", h_update_role, false },
    { "UpdateRoleDescription", h_update_role_description, false },
    { "UpdateAssumeRolePolicy", h_update_assume_role_policy, false },
    { "DeleteRole", h_delete_role, false },
    { "TagRole", h_tag_role, false },
    { "UntagRole", h_untag_role, false },
    { "ListRoleTags", h_list_role_tags, true },
    { "PutUserPermissionsBoundary", h_put_user_boundary, false },
    { "DeleteUserPermissionsBoundary", h_delete_user_boundary, false },
    { "PutRolePermissionsBoundary", h_put_role_boundary, false },
    { "DeleteRolePermissionsBoundary", h_delete_role_boundary, false },
    { "CreateInstanceProfile", srv_h_create_instance_profile, false },
    { "GetInstanceProfile", srv_h_get_instance_profile, true },
    { "ListInstanceProfiles", srv_h_list_instance_profiles, true },
    { "ListInstanceProfilesForRole", srv_h_list_instance_profiles_for_role, true },
    { "DeleteInstanceProfile", srv_h_delete_instance_profile, false },
    { "AddRoleToInstanceProfile", srv_h_add_role_to_instance_profile, false },
    { "RemoveRoleFromInstanceProfile", srv_h_remove_role_from_instance_profile, false },
    { "TagInstanceProfile", srv_h_tag_instance_profile, false },
    { "UntagInstanceProfile", srv_h_untag_instance_profile, false },
    { "ListInstanceProfileTags", srv_h_list_instance_profile_tags, true },
    { "CreateOpenIDConnectProvider", srv_h_create_oidc_provider, false },
    { "GetOpenIDConnectProvider", srv_h_get_oidc_provider, true },
    { "ListOpenIDConnectProviders", srv_h_list_oidc_providers, true },
    { "DeleteOpenIDConnectProvider", srv_h_delete_oidc_provider, false },
    { "AddClientIDToOpenIDConnectProvider", srv_h_add_client_id_to_oidc_provider, false },
    { "RemoveClientIDFromOpenIDConnectProvider", srv_h_remove_client_id_from_oidc_provider, false },
    { "UpdateOpenIDConnectProviderThumbprint", srv_h_update_oidc_provider_thumbprint, false },
    { "TagOpenIDConnectProvider", srv_h_tag_oidc_provider, false },
    { "UntagOpenIDConnectProvider", srv_h_untag_oidc_provider, false },
    { "ListOpenIDConnectProviderTags", srv_h_list_oidc_provider_tags, true },
    { NULL, NULL, false },
};
