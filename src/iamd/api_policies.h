/* api_policies.h - what the policy API files share (internal to iamd).
 * The policy family is split over four files that export one action table
 * (srv_actions_policies, in api_policies.c): managed policies and versions
 * (api_policies.c), attachments (api_attach.c), inline policies
 * (api_inline.c) and GetAccountAuthorizationDetails (api_details.c). This
 * header carries their handlers and the helpers they have in common. */
#ifndef IAMD_API_POLICIES_H
#define IAMD_API_POLICIES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "srv.h"

/* ---- Handlers (srv_handler) ---- */
bool srv_pol_attach_user(srv_call *c);
bool srv_pol_attach_group(srv_call *c);
bool srv_pol_attach_role(srv_call *c);
bool srv_pol_detach_user(srv_call *c);
bool srv_pol_detach_group(srv_call *c);
bool srv_pol_detach_role(srv_call *c);
bool srv_pol_list_attached_user(srv_call *c);
bool srv_pol_list_attached_group(srv_call *c);
bool srv_pol_list_attached_role(srv_call *c);
bool srv_pol_list_entities(srv_call *c);
bool srv_pol_put_user(srv_call *c);
bool srv_pol_put_group(srv_call *c);
bool srv_pol_put_role(srv_call *c);
bool srv_pol_get_user(srv_call *c);
bool srv_pol_get_group(srv_call *c);
bool srv_pol_get_role(srv_call *c);
bool srv_pol_list_user(srv_call *c);
bool srv_pol_list_group(srv_call *c);
bool srv_pol_list_role(srv_call *c);
bool srv_pol_delete_user(srv_call *c);
bool srv_pol_delete_group(srv_call *c);
bool srv_pol_delete_role(srv_call *c);
bool srv_pol_account_details(srv_call *c);

/* ---- Managed policy lookup ---- */
/* True for an AWS-managed policy (account IAM_AWS_ACCOUNT). */
bool srv_pol_is_aws(const iam_managed_policy *p);
/* The required PolicyArn parameter, validated (ARN shape, 20..2048). */
bool srv_pol_param_arn(srv_call *c, iam_str *out);
/* The policy `arn` names if the caller may see it (its own account's or an
 * AWS-managed one), else NULL: nothing crosses accounts in the IAM API. */
const iam_managed_policy *srv_pol_find(srv_call *c, iam_str arn);
/* Fails NoSuchEntity "Policy ARN does not exist or is not attachable." */
bool srv_pol_fail_missing(srv_call *c, iam_str arn);
/* Fails InternalFailure (an allocation failed), as srv.h prescribes. */
bool srv_pol_oom(srv_call *c);
/* Fails ValidationError in AWS's form for `field` (lowerCamelCase). */
bool srv_pol_fail_constraint(srv_call *c, const char *field, iam_str value, const char *constraint);
/* An optional enum parameter; absent → out empty. */
bool srv_pol_param_enum(srv_call *c, const char *name, const char *field, const char *const *values,
                        iam_str *out);

/* Usage of managed policies within the caller's account. Customer
 * policies carry their counts; an AWS-managed policy is shared by all
 * accounts, so its counts are computed from this account's principals. */
typedef struct srv_pol_usage srv_pol_usage;
/* Scans the caller's account once (per-request memory); NULL on OOM. */
srv_pol_usage *srv_pol_usage_scan(srv_call *c);
void srv_pol_counts(const srv_pol_usage *u, const iam_managed_policy *p, uint32_t *attached,
                    uint32_t *boundary);
/* The AWS-managed policies this account uses (attached or as a boundary). */
size_t srv_pol_usage_aws(const srv_pol_usage *u, const iam_managed_policy *const **out);

/* The Policy / ManagedPolicyDetail shape of `p` with this account's counts;
 * `what` picks the optional parts AWS includes for the action. */
enum { SRV_POL_XML_DESC = 1, SRV_POL_XML_TAGS = 2, SRV_POL_XML_VERSIONS = 4 };
void srv_pol_xml_policy(srv_call *c, const char *element, const iam_managed_policy *p, const srv_pol_usage *u,
                        unsigned what);
/* A context holding aws:ResourceTag/<k> for `tags` (may be empty); NULL
 * after failing the call. */
iam_context *srv_pol_context(srv_call *c, iam_tags tags);

/* ---- Principals (users, groups, roles) as attachment/inline owners ---- */
typedef struct srv_pol_owner {
    iam_entity_kind kind;              /* IAM_EK_USER, IAM_EK_GROUP, IAM_EK_ROLE */
    const char *noun;                  /* "user", "group", "role" */
    const char *id, *arn;              /* id NULL when the entity does not exist */
    iam_str name;
    const iam_managed_policy *const *attached;
    size_t n_attached;
    iam_inline_policies inline_policies;
    iam_tags tags;                     /* resource tags (users and roles) */
} srv_pol_owner;
/* Reads the owner's name parameter (UserName/GroupName/RoleName, with the
 * length limit `max`) and looks it up; a missing entity leaves id NULL and
 * arn the ARN it would have, so that authorization can come first. */
bool srv_pol_owner_param(srv_call *c, iam_entity_kind kind, size_t max, srv_pol_owner *o);
/* Fails NoSuchEntity "The user with name X cannot be found." */
bool srv_pol_owner_missing(srv_call *c, const srv_pol_owner *o);

/* ---- Paging over an arbitrary list ----
 * Items carry a sort key; the Marker handed out is the key of the last item
 * on the page, so a page continues after it even when the list changed. */
typedef struct srv_pol_item {
    const char *key;
    const void *obj;
} srv_pol_item;
typedef struct srv_pol_range {
    size_t start, end;                 /* items[start..end) are on the page */
    bool truncated;
    const char *marker;                /* when truncated */
} srv_pol_range;
/* Sorts `items` by key (byte order) and applies pg. */
void srv_pol_page(const srv_page *pg, srv_pol_item *items, size_t n, srv_pol_range *r);
/* Whether `path` starts with `prefix` (an empty prefix matches all). */
bool srv_pol_path_has_prefix(const char *path, iam_str prefix);
/* Characters of a document that count towards AWS's size quotas
 * (whitespace excluded; a UTF-8 sequence is one character). */
size_t srv_pol_doc_size(iam_str doc);
/* Validates an identity policy document read from parameter `name` →
 * MalformedPolicyDocument naming the problem. Sizes are left to the
 * caller: the quotas are configurable and inline quotas are aggregates, so
 * the validator's fixed 6144-character rule is not applied here. */
bool srv_pol_validate(srv_call *c, iam_str doc);

#endif /* IAMD_API_POLICIES_H */
