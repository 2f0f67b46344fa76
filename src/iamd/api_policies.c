/* api_policies.c - managed policies and their versions (CreatePolicy,
 * GetPolicy, ListPolicies, DeletePolicy, *PolicyVersion*, Tag/Untag/
 * ListPolicyTags), the helpers the policy family shares (api_policies.h),
 * and the family's action table. AWS-managed policies (account "aws") are
 * visible to every account and read-only; their attachment counts are
 * computed per account, since on AWS one account never sees another's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api_policies.h"

/* ======================================================================
 * Shared helpers
 * ====================================================================== */

bool srv_pol_is_aws(const iam_managed_policy *p)
{
    return p != NULL && strcmp(p->account, IAM_AWS_ACCOUNT) == 0;
}

bool srv_pol_oom(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

bool srv_pol_fail_constraint(srv_call *c, const char *field, iam_str value, const char *constraint)
{
    return srv_fail(c, "ValidationError", "1 validation error detected: Value '%.*s' at '%s' failed to satisfy "
                    "constraint: %s", (int)value.len, value.ptr ? value.ptr : "", field, constraint);
}

bool srv_pol_param_arn(srv_call *c, iam_str *out)
{
    iam_str arn;

    if (!srv_param_arn(c, "PolicyArn", true, &arn))
        return false;
    if (arn.len < 20)
        return srv_pol_fail_constraint(c, "policyArn", arn, "Member must have length greater than or equal to 20");
    if (arn.len > 2048)
        return srv_pol_fail_constraint(c, "policyArn", arn, "Member must have length less than or equal to 2048");
    *out = arn;
    return true;
}

bool srv_pol_param_enum(srv_call *c, const char *name, const char *field, const char *const *values,
                        iam_str *out)
{
    iam_str v;
    char set[256];
    size_t used = 0;

    if (!srv_param(c, name, false, &v))
        return false;
    if (v.len == 0) {
        *out = IAM_STR_NULL;
        return true;
    }
    for (size_t i = 0; values[i] != NULL; i++)
        if (iam_str_eq(v, iam_str_from_cstr(values[i]))) {
            *out = v;
            return true;
        }
    set[0] = '\0';
    for (size_t i = 0; values[i] != NULL && used < sizeof set; i++) {
        int w = snprintf(set + used, sizeof set - used, "%s%s", i ? ", " : "", values[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return srv_fail(c, "ValidationError", "1 validation error detected: Value '%.*s' at '%s' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [%s]", (int)v.len, v.ptr, field, set);
}

/* The account field of an IAM ARN (arn:PARTITION:iam::ACCOUNT:...), empty
 * when the ARN is not shaped so. */
static iam_str arn_account(iam_str arn)
{
    size_t colons = 0, start = 0;

    for (size_t i = 0; i < arn.len; i++) {
        if (arn.ptr[i] != ':')
            continue;
        colons++;
        if (colons == 4)
            start = i + 1;
        else if (colons == 5)
            return (iam_str){ arn.ptr + start, i - start };
    }
    return IAM_STR_NULL;
}

/* Whether an ARN may name something the caller can see: its own account's
 * or AWS's. Anything else is answered NoSuchEntity without authorization,
 * which tells the caller nothing (the answer does not depend on existence). */
static bool arn_in_reach(const srv_call *c, iam_str arn)
{
    iam_str acct = arn_account(arn);
    return iam_str_eq(acct, iam_str_from_cstr(c->caller->account)) || iam_str_eq(acct, IAM_STR(IAM_AWS_ACCOUNT));
}

const iam_managed_policy *srv_pol_find(srv_call *c, iam_str arn)
{
    const iam_managed_policy *p;

    if (!arn_in_reach(c, arn))
        return NULL;
    p = iam_snap_policy_by_arn(c->snap, arn);
    if (p == NULL)
        return NULL;
    if (!srv_pol_is_aws(p) && strcmp(p->account, c->caller->account) != 0)
        return NULL;
    return p;
}

bool srv_pol_fail_missing(srv_call *c, iam_str arn)
{
    return srv_fail(c, "NoSuchEntity", "Policy %.*s does not exist or is not attachable.", (int)arn.len, arn.ptr);
}

iam_context *srv_pol_context(srv_call *c, iam_tags tags)
{
    iam_context *ctx = srv_context(c);

    if (ctx == NULL) {
        if (c->err_code == NULL)
            srv_pol_oom(c);
        return NULL;
    }
    if (tags.n > 0 && !srv_context_resource_tags(c, ctx, tags)) {
        if (c->err_code == NULL)
            srv_pol_oom(c);
        return NULL;
    }
    return ctx;
}

/* Authorizes `action` on a policy ARN (resource tags from `p` when it
 * exists). An ARN out of the caller's reach fails NoSuchEntity at once. */
static bool authorize_policy(srv_call *c, const char *action, iam_str arn, const iam_managed_policy *p,
                             iam_context *ctx)
{
    if (!arn_in_reach(c, arn))
        return srv_pol_fail_missing(c, arn);
    if (ctx == NULL) {
        ctx = srv_pol_context(c, p ? p->tags : (iam_tags){ NULL, 0 });
        if (ctx == NULL)
            return false;
    }
    return srv_authorize(c, action, srv_strndup(c, arn), ctx);
}

/* AWS-managed policies belong to AWS: no account may change them. */
static bool refuse_aws(srv_call *c, const iam_managed_policy *p)
{
    return srv_fail(c, "InvalidInput", "Policy %s is an AWS managed policy and cannot be modified.", p->arn);
}

bool srv_pol_path_has_prefix(const char *path, iam_str prefix)
{
    if (prefix.len == 0)
        return true;
    return strlen(path) >= prefix.len && memcmp(path, prefix.ptr, prefix.len) == 0;
}

size_t srv_pol_doc_size(iam_str doc)
{
    size_t n = 0;

    for (size_t i = 0; i < doc.len; i++) {
        unsigned char ch = (unsigned char)doc.ptr[i];
        if ((ch & 0xC0u) != 0x80u && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            n++;
    }
    return n;
}

bool srv_pol_validate(srv_call *c, iam_str doc)
{
    iam_findings f;
    const iam_finding *bad = NULL;

    if (iam_policy_validate(doc.ptr, doc.len, IAM_KIND_IDENTITY, &f) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
    for (size_t i = 0; i < f.count && bad == NULL; i++)
        if (f.items[i].severity == IAM_SEV_ERROR &&
            (f.items[i].code == NULL || strcmp(f.items[i].code, "LimitExceeded") != 0))
            bad = &f.items[i];
    if (bad != NULL) {
        bool ok = srv_fail(c, "MalformedPolicyDocument", "%s", bad->message[0] ? bad->message : "Syntax errors in policy.");
        iam_findings_free(&f);
        return ok;
    }
    iam_findings_free(&f);
    return true;
}

/* A managed policy document: valid, and within the configured quota. */
static bool managed_doc(srv_call *c, iam_str doc)
{
    uint32_t max = srv_quota(c)->policy_size_managed;

    if (!srv_pol_validate(c, doc))
        return false;
    if (srv_pol_doc_size(doc) > max)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for PolicySize: %u", max);
    return true;
}

/* ---- Usage of AWS-managed policies in the caller's account ---- */

struct srv_pol_usage {
    const iam_managed_policy **aws;
    uint32_t *attached, *boundary;
    size_t n, cap;
};

static bool usage_add(srv_call *c, srv_pol_usage *u, const iam_managed_policy *p, bool boundary)
{
    size_t i;

    if (!srv_pol_is_aws(p))
        return true;
    /* By id: an attachment may point at another copy than the ARN index. */
    for (i = 0; i < u->n && u->aws[i] != p && strcmp(u->aws[i]->id, p->id) != 0; i++)
        ;
    if (i == u->n) {
        if (u->n == u->cap) {
            size_t cap = u->cap ? u->cap * 2 : 16;
            const iam_managed_policy **a = srv_alloc(c, cap * sizeof *a);
            uint32_t *at = srv_alloc(c, cap * sizeof *at), *bd = srv_alloc(c, cap * sizeof *bd);
            if (a == NULL || at == NULL || bd == NULL)
                return false;
            if (u->n) {
                memcpy(a, u->aws, u->n * sizeof *a);
                memcpy(at, u->attached, u->n * sizeof *at);
                memcpy(bd, u->boundary, u->n * sizeof *bd);
            }
            u->aws = a, u->attached = at, u->boundary = bd, u->cap = cap;
        }
        u->aws[i] = p;
        u->attached[i] = u->boundary[i] = 0;
        u->n++;
    }
    if (boundary)
        u->boundary[i]++;
    else
        u->attached[i]++;
    return true;
}

static bool usage_attached(srv_call *c, srv_pol_usage *u, const iam_managed_policy *const *att, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!usage_add(c, u, att[i], false))
            return false;
    return true;
}

static bool usage_boundary(srv_call *c, srv_pol_usage *u, const char *arn)
{
    const iam_managed_policy *p;

    if (arn == NULL)
        return true;
    p = iam_snap_policy_by_arn(c->snap, iam_str_from_cstr(arn));
    return p == NULL || usage_add(c, u, p, true);
}

srv_pol_usage *srv_pol_usage_scan(srv_call *c)
{
    iam_str acct = iam_str_from_cstr(c->caller->account);
    srv_pol_usage *u = srv_alloc(c, sizeof *u);
    iam_snap_list l;

    if (u == NULL)
        goto oom;
    l = iam_snap_users(c->snap, acct);
    for (size_t i = 0; i < l.n; i++) {
        const iam_user *x = l.items[i];
        if (!usage_attached(c, u, x->attached, x->n_attached) || !usage_boundary(c, u, x->boundary_arn))
            goto oom;
    }
    l = iam_snap_groups(c->snap, acct);
    for (size_t i = 0; i < l.n; i++) {
        const iam_group *x = l.items[i];
        if (!usage_attached(c, u, x->attached, x->n_attached))
            goto oom;
    }
    l = iam_snap_roles(c->snap, acct);
    for (size_t i = 0; i < l.n; i++) {
        const iam_role *x = l.items[i];
        if (!usage_attached(c, u, x->attached, x->n_attached) || !usage_boundary(c, u, x->boundary_arn))
            goto oom;
    }
    return u;
oom:
    srv_pol_oom(c);
    return NULL;
}

void srv_pol_counts(const srv_pol_usage *u, const iam_managed_policy *p, uint32_t *attached, uint32_t *boundary)
{
    *attached = p->attachment_count;
    *boundary = p->boundary_count;
    if (!srv_pol_is_aws(p))
        return;
    *attached = *boundary = 0;
    for (size_t i = 0; u != NULL && i < u->n; i++)
        if (u->aws[i] == p || strcmp(u->aws[i]->id, p->id) == 0) {
            *attached = u->attached[i];
            *boundary = u->boundary[i];
        }
}

size_t srv_pol_usage_aws(const srv_pol_usage *u, const iam_managed_policy *const **out)
{
    *out = u->aws;
    return u->n;
}

/* ---- Principals owning attachments and inline policies ---- */

bool srv_pol_owner_param(srv_call *c, iam_entity_kind kind, size_t max, srv_pol_owner *o)
{
    iam_str acct = iam_str_from_cstr(c->caller->account);
    const char *param;

    memset(o, 0, sizeof *o);
    o->kind = kind;
    switch (kind) {
    case IAM_EK_USER: param = "UserName", o->noun = "user"; break;
    case IAM_EK_GROUP: param = "GroupName", o->noun = "group"; break;
    default: param = "RoleName", o->noun = "role"; break;
    }
    if (!srv_param_name(c, param, true, max, &o->name))
        return false;
    if (kind == IAM_EK_USER) {
        const iam_user *u = iam_snap_user(c->snap, acct, o->name);
        if (u != NULL) {
            o->id = u->id, o->arn = u->arn, o->name = iam_str_from_cstr(u->name);
            o->attached = u->attached, o->n_attached = u->n_attached;
            o->inline_policies = u->inline_policies, o->tags = u->tags;
        }
    } else if (kind == IAM_EK_GROUP) {
        const iam_group *g = iam_snap_group(c->snap, acct, o->name);
        if (g != NULL) {
            o->id = g->id, o->arn = g->arn, o->name = iam_str_from_cstr(g->name);
            o->attached = g->attached, o->n_attached = g->n_attached;
            o->inline_policies = g->inline_policies;
        }
    } else {
        const iam_role *r = iam_snap_role(c->snap, acct, o->name);
        if (r != NULL) {
            o->id = r->id, o->arn = r->arn, o->name = iam_str_from_cstr(r->name);
            o->attached = r->attached, o->n_attached = r->n_attached;
            o->inline_policies = r->inline_policies, o->tags = r->tags;
        }
    }
    if (o->arn == NULL)
        o->arn = srv_arn(c, c->caller->account, o->noun, IAM_STR("/"), o->name);
    if (o->arn == NULL)
        return srv_pol_oom(c);
    return true;
}

bool srv_pol_owner_missing(srv_call *c, const srv_pol_owner *o)
{
    return srv_fail(c, "NoSuchEntity", "The %s with name %.*s cannot be found.", o->noun, (int)o->name.len,
                    o->name.ptr);
}

/* ---- Paging ---- */

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const srv_pol_item *)a)->key, ((const srv_pol_item *)b)->key);
}

/* strcmp of a C string against a slice. */
static int key_cmp(const char *key, iam_str m)
{
    size_t kl = strlen(key), n = kl < m.len ? kl : m.len;
    int r = memcmp(key, m.ptr, n);
    if (r != 0)
        return r;
    return kl < m.len ? -1 : kl > m.len ? 1 : 0;
}

void srv_pol_page(const srv_page *pg, srv_pol_item *items, size_t n, srv_pol_range *r)
{
    size_t lo = 0, hi = n, max = pg->max_items ? pg->max_items : 100;

    if (n > 1)
        qsort(items, n, sizeof *items, item_cmp);
    if (pg->marker.len > 0) {
        while (lo < hi) { /* first item whose key is after the marker */
            size_t mid = lo + (hi - lo) / 2;
            if (key_cmp(items[mid].key, pg->marker) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    r->start = lo;
    r->end = n - lo > max ? lo + max : n;
    r->truncated = r->end < n;
    r->marker = r->truncated ? items[r->end - 1].key : NULL;
}

/* ---- The Policy and PolicyVersion shapes ---- */

static void xml_version(srv_call *c, const char *element, const iam_managed_version *v, bool with_doc)
{
    srv_xml_open(c->out, element);
    if (with_doc)
        srv_xml_policy_doc(c->out, "Document", v->document);
    srv_xml_cstr(c->out, "VersionId", v->version_id);
    srv_xml_bool(c->out, "IsDefaultVersion", v->is_default);
    srv_xml_time(c->out, "CreateDate", v->created);
    srv_xml_close(c->out);
}

void srv_pol_xml_policy(srv_call *c, const char *element, const iam_managed_policy *p, const srv_pol_usage *u,
                        unsigned what)
{
    uint32_t attached, boundary;

    srv_pol_counts(u, p, &attached, &boundary);
    srv_xml_open(c->out, element);
    srv_xml_cstr(c->out, "PolicyName", p->name);
    srv_xml_cstr(c->out, "PolicyId", p->id);
    srv_xml_cstr(c->out, "Arn", p->arn);
    srv_xml_cstr(c->out, "Path", p->path);
    srv_xml_cstr(c->out, "DefaultVersionId", p->default_version ? p->default_version->version_id : "v1");
    srv_xml_int(c->out, "AttachmentCount", attached);
    srv_xml_int(c->out, "PermissionsBoundaryUsageCount", boundary);
    srv_xml_bool(c->out, "IsAttachable", true);
    if ((what & SRV_POL_XML_DESC) && p->description != NULL && p->description[0] != '\0')
        srv_xml_cstr(c->out, "Description", p->description);
    srv_xml_time(c->out, "CreateDate", p->created);
    srv_xml_time(c->out, "UpdateDate", p->updated);
    if ((what & SRV_POL_XML_TAGS) && p->tags.n > 0)
        srv_xml_tags(c->out, "Tags", p->tags);
    if (what & SRV_POL_XML_VERSIONS) {
        srv_xml_open(c->out, "PolicyVersionList");
        for (size_t i = 0; i < p->n_versions; i++)
            xml_version(c, "member", &p->versions[i], true);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
}

/* ======================================================================
 * Managed policies
 * ====================================================================== */

static const srv_quotas *quota(srv_call *c)
{
    return srv_quota(c);
}

static iam_str account(const srv_call *c)
{
    return iam_str_from_cstr(c->caller->account);
}

static bool h_create_policy(srv_call *c)
{
    iam_str name, path, desc, doc;
    iam_tag *tags = NULL;
    size_t n_tags = 0;
    iam_context *ctx;
    iam_snap_list l;
    iam_account_counts counts;
    char id[IAM_ID_LEN + 1];
    char *arn;
    iam_txn *t = NULL;
    iam_err err;
    const iam_managed_policy *p;

    if (!srv_param_name(c, "PolicyName", true, 128, &name) || !srv_param_path(c, "Path", &path) ||
        !srv_param(c, "PolicyDocument", true, &doc) || !srv_param(c, "Description", false, &desc))
        return false;
    if (desc.len > 1000)
        return srv_pol_fail_constraint(c, "description", desc, "Member must have length less than or equal to 1000");
    if (!srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "policyName", name);
    srv_audit_request_param(c, "path", path);
    srv_audit_request_param(c, "policyDocument", doc);
    if (desc.len > 0)
        srv_audit_request_param(c, "description", desc);

    arn = srv_arn(c, c->caller->account, "policy", path, name);
    if (arn == NULL)
        return srv_pol_oom(c);
    if ((ctx = srv_pol_context(c, (iam_tags){ NULL, 0 })) == NULL)
        return false;
    if (n_tags > 0 && !srv_context_request_tags(c, ctx, tags, n_tags))
        return c->err_code ? false : srv_pol_oom(c);
    if (!srv_authorize(c, "iam:CreatePolicy", arn, ctx))
        return false;
    /* Tags on create need the tagging permission too, as on AWS. */
    if (n_tags > 0 && !srv_authorize(c, "iam:TagPolicy", arn, ctx))
        return false;

    if (!managed_doc(c, doc))
        return false;
    /* Names are unique per account whatever the path, case-insensitively. */
    l = iam_snap_policies(c->snap, account(c));
    for (size_t i = 0; i < l.n; i++) {
        const iam_managed_policy *x = l.items[i];
        if (strlen(x->name) == name.len && strncasecmp(x->name, name.ptr, name.len) == 0)
            return srv_fail(c, "EntityAlreadyExists", "A policy called %.*s already exists. Duplicate names are not "
                            "allowed.", (int)name.len, name.ptr);
    }
    iam_snap_account_counts(c->snap, account(c), &counts);
    if (counts.policies >= quota(c)->policies_per_account)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for PoliciesPerAccount: %u",
                        quota(c)->policies_per_account);

    err = iam_id_new("ANPA", id);
    if (err != IAM_OK)
        return srv_fail_err(c, err, "policy");
    if (!srv_begin(c, &t))
        return false;
    iam_new_policy np = { account(c), iam_str_from_cstr(id), name, path, desc, doc };
    err = iam_txn_policy_create(t, &np);
    if (err == IAM_E_EXISTS) {
        iam_txn_rollback(t);
        return srv_fail(c, "EntityAlreadyExists", "A policy called %.*s already exists. Duplicate names are not "
                        "allowed.", (int)name.len, name.ptr);
    }
    if (!srv_store(c, t, err, "policy"))
        return false;
    if (n_tags > 0 && !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_POLICY, iam_str_from_cstr(id), tags, n_tags),
                                 "policy"))
        return false;
    if (!srv_commit(c, t))
        return false;

    p = iam_snap_policy_by_id(c->snap, iam_str_from_cstr(id));
    if (p == NULL)
        return srv_fail(c, "ServiceFailure", "The policy was created but cannot be read back.");
    srv_audit_response_element(c, "policyId", iam_str_from_cstr(p->id));
    srv_audit_response_element(c, "arn", iam_str_from_cstr(p->arn));
    srv_pol_xml_policy(c, "Policy", p, NULL, SRV_POL_XML_DESC | SRV_POL_XML_TAGS);
    return true;
}

/* Reads PolicyArn, authorizes `action` on it and finds the policy: the
 * common head of the actions on one policy. */
static bool policy_head(srv_call *c, const char *action, iam_str *arn, const iam_managed_policy **out)
{
    const iam_managed_policy *p;

    if (!srv_pol_param_arn(c, arn))
        return false;
    srv_audit_request_param(c, "policyArn", *arn);
    p = srv_pol_find(c, *arn);
    if (!authorize_policy(c, action, *arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, *arn);
    *out = p;
    return true;
}

static bool h_get_policy(srv_call *c)
{
    iam_str arn;
    const iam_managed_policy *p;
    srv_pol_usage *u = NULL;

    if (!policy_head(c, "iam:GetPolicy", &arn, &p))
        return false;
    if (srv_pol_is_aws(p) && (u = srv_pol_usage_scan(c)) == NULL)
        return false;
    srv_pol_xml_policy(c, "Policy", p, u, SRV_POL_XML_DESC | SRV_POL_XML_TAGS);
    return true;
}

static const char *const scope_values[] = { "All", "AWS", "Local", NULL };
static const char *const usage_values[] = { "PermissionsPolicy", "PermissionsBoundary", NULL };

static bool h_list_policies(srv_call *c)
{
    iam_str scope, usage, prefix;
    bool only_attached;
    srv_page pg;
    srv_pol_usage *u;
    srv_pol_item *items;
    size_t n = 0;
    srv_pol_range r;
    iam_snap_list lists[2] = { { NULL, 0 }, { NULL, 0 } };
    char *resource;

    if (!srv_pol_param_enum(c, "Scope", "scope", scope_values, &scope) ||
        !srv_param_bool(c, "OnlyAttached", false, &only_attached) || !srv_param_path(c, "PathPrefix", &prefix) ||
        !srv_pol_param_enum(c, "PolicyUsageFilter", "policyUsageFilter", usage_values, &usage) ||
        !srv_param_page(c, &pg))
        return false;
    resource = srv_strf(c, "arn:%s:iam::%s:policy/", srv_partition(c), c->caller->account);
    if (resource == NULL)
        return srv_pol_oom(c);
    if (!srv_authorize(c, "iam:ListPolicies", resource, NULL))
        return false;
    if ((u = srv_pol_usage_scan(c)) == NULL)
        return false;

    if (!iam_str_eq(scope, IAM_STR("Local")))
        lists[0] = iam_snap_policies(c->snap, IAM_STR(IAM_AWS_ACCOUNT));
    if (!iam_str_eq(scope, IAM_STR("AWS")))
        lists[1] = iam_snap_policies(c->snap, account(c));
    items = srv_alloc(c, (lists[0].n + lists[1].n + 1) * sizeof *items);
    if (items == NULL)
        return srv_pol_oom(c);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k].n; i++) {
            const iam_managed_policy *p = lists[k].items[i];
            uint32_t attached, boundary;
            if (!srv_pol_path_has_prefix(p->path, prefix))
                continue;
            if (only_attached) {
                srv_pol_counts(u, p, &attached, &boundary);
                if (iam_str_eq(usage, IAM_STR("PermissionsBoundary")) ? boundary == 0 : attached == 0)
                    continue;
            }
            /* One order over AWS's and the account's policies: by name,
             * then ARN (names can repeat across the two). */
            items[n].key = srv_strf(c, "%s %s", p->name, p->arn);
            items[n].obj = p;
            if (items[n].key == NULL)
                return srv_pol_oom(c);
            n++;
        }
    srv_pol_page(&pg, items, n, &r);
    srv_xml_open(c->out, "Policies");
    for (size_t i = r.start; i < r.end; i++)
        srv_pol_xml_policy(c, "member", items[i].obj, u, 0);
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}

static bool h_delete_policy(srv_call *c)
{
    iam_str arn;
    const iam_managed_policy *p;
    iam_txn *t;

    if (!policy_head(c, "iam:DeletePolicy", &arn, &p))
        return false;
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    if (p->attachment_count > 0 || p->boundary_count > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete a policy attached to entities.");
    if (p->n_versions > 1)
        return srv_fail(c, "DeleteConflict", "This policy has more than one version. Before you delete a policy, "
                        "you must delete the policy's versions.");
    if (!srv_begin(c, &t) || !srv_store(c, t, iam_txn_policy_delete(t, iam_str_from_cstr(p->id)), "policy"))
        return false;
    return srv_commit(c, t);
}

/* ---- Versions ---- */

/* The number in "v12" (0 when not a version id). */
static long version_number(const char *v)
{
    long n = 0;

    if (v == NULL || v[0] != 'v')
        return 0;
    for (const char *s = v + 1; *s >= '0' && *s <= '9'; s++) {
        n = n * 10 + (*s - '0');
        if (n > 1000000000L)
            return 0;
    }
    return n;
}

/* VersionId: v[1-9][0-9]*(\.[A-Za-z0-9-]*)? as in the API model. */
static bool param_version(srv_call *c, iam_str *out)
{
    iam_str v;
    size_t i = 1;

    if (!srv_param(c, "VersionId", true, &v))
        return false;
    bool ok = v.len >= 2 && v.ptr[0] == 'v' && v.ptr[1] >= '1' && v.ptr[1] <= '9';
    for (i = 2; ok && i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++)
        ;
    if (ok && i < v.len) {
        ok = v.ptr[i] == '.';
        for (i++; ok && i < v.len; i++) {
            char ch = v.ptr[i];
            ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        }
    }
    if (!ok)
        return srv_pol_fail_constraint(c, "versionId", v,
                                       "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
    srv_audit_request_param(c, "versionId", v);
    *out = v;
    return true;
}

static const iam_managed_version *find_version(const iam_managed_policy *p, iam_str id)
{
    for (size_t i = 0; i < p->n_versions; i++)
        if (iam_str_eq(iam_str_from_cstr(p->versions[i].version_id), id))
            return &p->versions[i];
    return NULL;
}

static bool version_missing(srv_call *c, iam_str arn, iam_str v)
{
    return srv_fail(c, "NoSuchEntity", "Policy %.*s version %.*s does not exist or is not attachable.", (int)arn.len,
                    arn.ptr, (int)v.len, v.ptr);
}

static bool h_create_policy_version(srv_call *c)
{
    iam_str arn, doc;
    bool set_default;
    const iam_managed_policy *p;
    const iam_managed_version *v;
    char vid[16];
    iam_txn *t;

    if (!srv_pol_param_arn(c, &arn) || !srv_param(c, "PolicyDocument", true, &doc) ||
        !srv_param_bool(c, "SetAsDefault", false, &set_default))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    srv_audit_request_param(c, "policyDocument", doc);
    srv_audit_request_param(c, "setAsDefault", set_default ? IAM_STR("true") : IAM_STR("false"));
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:CreatePolicyVersion", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    if (!managed_doc(c, doc))
        return false;
    if (p->n_versions >= quota(c)->versions_per_policy)
        return srv_fail(c, "LimitExceeded", "A managed policy can have up to %u versions. Before you create a new "
                        "version, you must delete an existing version.", quota(c)->versions_per_policy);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_policy_version_create(t, iam_str_from_cstr(p->id), doc, set_default, vid), "policy") ||
        !srv_commit(c, t))
        return false;
    p = iam_snap_policy_by_arn(c->snap, arn);
    v = p ? find_version(p, iam_str_from_cstr(vid)) : NULL;
    if (v == NULL)
        return srv_fail(c, "ServiceFailure", "The policy version was created but cannot be read back.");
    srv_audit_response_element(c, "versionId", iam_str_from_cstr(v->version_id));
    xml_version(c, "PolicyVersion", v, false);
    return true;
}

static bool h_get_policy_version(srv_call *c)
{
    iam_str arn, vid;
    const iam_managed_policy *p;
    const iam_managed_version *v;

    if (!srv_pol_param_arn(c, &arn) || !param_version(c, &vid))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:GetPolicyVersion", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if ((v = find_version(p, vid)) == NULL)
        return version_missing(c, arn, vid);
    xml_version(c, "PolicyVersion", v, true);
    return true;
}

static bool h_list_policy_versions(srv_call *c)
{
    iam_str arn;
    srv_page pg;
    const iam_managed_policy *p;
    srv_pol_item *items;
    srv_pol_range r;

    if (!srv_pol_param_arn(c, &arn) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:ListPolicyVersions", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    items = srv_alloc(c, (p->n_versions + 1) * sizeof *items);
    if (items == NULL)
        return srv_pol_oom(c);
    for (size_t i = 0; i < p->n_versions; i++) {
        /* Newest first, as AWS lists them: the key counts down. */
        items[i].key = srv_strf(c, "%010ld", 2000000000L - version_number(p->versions[i].version_id));
        items[i].obj = &p->versions[i];
        if (items[i].key == NULL)
            return srv_pol_oom(c);
    }
    srv_pol_page(&pg, items, p->n_versions, &r);
    srv_xml_open(c->out, "Versions");
    for (size_t i = r.start; i < r.end; i++)
        xml_version(c, "member", items[i].obj, false);
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}

static bool h_delete_policy_version(srv_call *c)
{
    iam_str arn, vid;
    const iam_managed_policy *p;
    const iam_managed_version *v;
    iam_txn *t;

    if (!srv_pol_param_arn(c, &arn) || !param_version(c, &vid))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:DeletePolicyVersion", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    if ((v = find_version(p, vid)) == NULL)
        return version_missing(c, arn, vid);
    if (v->is_default)
        return srv_fail(c, "DeleteConflict", "Cannot delete the default version of a policy.");
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_policy_version_delete(t, iam_str_from_cstr(p->id), vid), "policy version"))
        return false;
    return srv_commit(c, t);
}

static bool h_set_default_policy_version(srv_call *c)
{
    iam_str arn, vid;
    const iam_managed_policy *p;
    iam_txn *t;

    if (!srv_pol_param_arn(c, &arn) || !param_version(c, &vid))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:SetDefaultPolicyVersion", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    if (find_version(p, vid) == NULL)
        return version_missing(c, arn, vid);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_policy_set_default(t, iam_str_from_cstr(p->id), vid), "policy version"))
        return false;
    return srv_commit(c, t);
}

/* ---- Tags ---- */

static bool h_tag_policy(srv_call *c)
{
    iam_str arn;
    iam_tag *tags = NULL;
    size_t n_tags = 0, total;
    const iam_managed_policy *p;
    iam_context *ctx;
    iam_txn *t;

    if (!srv_pol_param_arn(c, &arn) || !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    if (n_tags == 0)
        return srv_fail(c, "ValidationError", "1 validation error detected: Value null at 'tags' failed to satisfy "
                        "constraint: Member must not be null");
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    ctx = srv_pol_context(c, p ? p->tags : (iam_tags){ NULL, 0 });
    if (ctx == NULL)
        return false;
    if (!srv_context_request_tags(c, ctx, tags, n_tags))
        return c->err_code ? false : srv_pol_oom(c);
    if (!authorize_policy(c, "iam:TagPolicy", arn, p, ctx))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    /* Keys compare case-insensitively: a new spelling replaces the old. */
    total = p->tags.n;
    for (size_t i = 0; i < n_tags; i++) {
        bool known = false;
        for (size_t j = 0; j < p->tags.n && !known; j++)
            known = strcasecmp(p->tags.items[j].key, tags[i].key) == 0;
        total += known ? 0 : 1;
    }
    if (total > quota(c)->tags_per_entity)
        return srv_fail(c, "LimitExceeded", "The number of tags has reached the maximum limit.");
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_POLICY, iam_str_from_cstr(p->id), tags, n_tags), "policy"))
        return false;
    return srv_commit(c, t);
}

static bool h_untag_policy(srv_call *c)
{
    iam_str arn, *keys = NULL;
    size_t n_keys = 0;
    const iam_managed_policy *p;
    iam_context *ctx;
    iam_txn *t;

    if (!srv_pol_param_arn(c, &arn) || !srv_param_list(c, "TagKeys", 50, &keys, &n_keys))
        return false;
    if (n_keys == 0)
        return srv_fail(c, "ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to "
                        "satisfy constraint: Member must not be null");
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    ctx = srv_pol_context(c, p ? p->tags : (iam_tags){ NULL, 0 });
    if (ctx == NULL)
        return false;
    if (iam_context_set(ctx, IAM_STR("aws:TagKeys"), keys, n_keys) != IAM_OK)
        return srv_pol_oom(c);
    if (!authorize_policy(c, "iam:UntagPolicy", arn, p, ctx))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (srv_pol_is_aws(p))
        return refuse_aws(c, p);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_tags_remove(t, IAM_EK_POLICY, iam_str_from_cstr(p->id), keys, n_keys), "policy"))
        return false;
    return srv_commit(c, t);
}

static bool h_list_policy_tags(srv_call *c)
{
    iam_str arn;
    srv_page pg;
    const iam_managed_policy *p;
    srv_pol_item *items;
    srv_pol_range r;

    if (!srv_pol_param_arn(c, &arn) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if (!authorize_policy(c, "iam:ListPolicyTags", arn, p, NULL))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    items = srv_alloc(c, (p->tags.n + 1) * sizeof *items);
    if (items == NULL)
        return srv_pol_oom(c);
    for (size_t i = 0; i < p->tags.n; i++) {
        items[i].key = srv_strf(c, "%04zu", i); /* the order tags were added */
        items[i].obj = &p->tags.items[i];
        if (items[i].key == NULL)
            return srv_pol_oom(c);
    }
    srv_pol_page(&pg, items, p->tags.n, &r);
    srv_xml_open(c->out, "Tags");
    for (size_t i = r.start; i < r.end; i++) {
        const iam_tag *tag = items[i].obj;
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "Key", tag->key);
        srv_xml_cstr(c->out, "Value", tag->value ? tag->value : "");
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}

/* ======================================================================
 * The family's table
 * ====================================================================== */

const srv_action srv_actions_policies[] = {
    { "CreatePolicy", h_create_policy, false },
    { "GetPolicy", h_get_policy, true },
    { "ListPolicies", h_list_policies, true },
    { "DeletePolicy", h_delete_policy, false },
    { "CreatePolicyVersion", h_create_policy_version, false },
    { "GetPolicyVersion", h_get_policy_version, true },
    { "ListPolicyVersions", h_list_policy_versions, true },
    { "DeletePolicyVersion", h_delete_policy_version, false },
    { "SetDefaultPolicyVersion", h_set_default_policy_version, false },
    { "TagPolicy", h_tag_policy, false },
    { "UntagPolicy", h_untag_policy, false },
    { "ListPolicyTags", h_list_policy_tags, true },
    { "AttachUserPolicy", srv_pol_attach_user, false },
    { "AttachGroupPolicy", srv_pol_attach_group, false },
    { "AttachRolePolicy", srv_pol_attach_role, false },
    { "DetachUserPolicy", srv_pol_detach_user, false },
    { "DetachGroupPolicy", srv_pol_detach_group, false },
    { "DetachRolePolicy", srv_pol_detach_role, false },
    { "ListAttachedUserPolicies", srv_pol_list_attached_user, true },
    { "ListAttachedGroupPolicies", srv_pol_list_attached_group, true },
    { "ListAttachedRolePolicies", srv_pol_list_attached_role, true },
    { "ListEntitiesForPolicy", srv_pol_list_entities, true },
    { "PutUserPolicy", srv_pol_put_user, false },
    { "PutGroupPolicy", srv_pol_put_group, false },
    { "PutRolePolicy", srv_pol_put_role, false },
    { "GetUserPolicy", srv_pol_get_user, true },
    { "GetGroupPolicy", srv_pol_get_group, true },
    { "GetRolePolicy", srv_pol_get_role, true },
    { "ListUserPolicies", srv_pol_list_user, true },
    { "ListGroupPolicies", srv_pol_list_group, true },
    { "ListRolePolicies", srv_pol_list_role, true },
    { "DeleteUserPolicy", srv_pol_delete_user, false },
    { "DeleteGroupPolicy", srv_pol_delete_group, false },
    { "DeleteRolePolicy", srv_pol_delete_role, false },
    { "GetAccountAuthorizationDetails", srv_pol_account_details, true },
    { NULL, NULL, false },
};
