/* api_roles.h - what the three files of the roles family share: roles and
 * permissions boundaries (api_roles.c), instance profiles
 * (api_instance_profiles.c) and OpenID Connect providers (api_oidc.c) export
 * their handlers into the one table srv_actions_roles (api_roles.c), and use
 * the tag, paging and lookup helpers defined in api_roles.c.
 * Internal to src/iamd; handlers follow srv.h's contract. */
#ifndef IAMD_API_ROLES_H
#define IAMD_API_ROLES_H
#include "srv.h"

/* ---- Shared helpers (api_roles.c) ---- */

/* The role `name` of the caller's account, or NULL. */
const iam_role *srv_roles_find(srv_call *c, iam_str name);
/* Fails NoSuchEntity with AWS's message for a missing role. */
bool srv_roles_fail_no_role(srv_call *c, iam_str name);

/* Role shape variants: what each action's reply carries, as AWS sends it. */
enum {
    SRV_ROLE_XML_CORE = 0,           /* Path, RoleName, RoleId, Arn, CreateDate, AssumeRolePolicyDocument */
    SRV_ROLE_XML_SETTINGS = 1u << 0, /* Description, MaxSessionDuration */
    SRV_ROLE_XML_BOUNDARY = 1u << 1, /* PermissionsBoundary */
    SRV_ROLE_XML_TAGS = 1u << 2,     /* Tags (omitted when none) */
    SRV_ROLE_XML_LAST_USED = 1u << 3 /* RoleLastUsed */
};
void srv_roles_xml_role(srv_call *c, const char *element, const iam_role *r, unsigned flags);

/* PathPrefix: absent → "/"; else "/" followed by [\x21-\x7E]*, ≤ 512. */
bool srv_roles_param_path_prefix(srv_call *c, iam_str *out);
/* Whether `path` starts with `prefix`. */
bool srv_roles_path_has_prefix(const char *path, iam_str prefix);

/* One page of a name-sorted snapshot list: opens `element`, emits each kept
 * item after the Marker (the name of the last item of the previous page)
 * up to MaxItems as <member>, closes it and writes IsTruncated/Marker. */
bool srv_roles_page(srv_call *c, const srv_page *pg, iam_snap_list l, iam_entity_kind kind, const char *element,
                    srv_keep_fn keep, srv_emit_fn emit, void *ud);

/* The tag actions, shared by roles, instance profiles and OIDC providers.
 * `quota_name` names AWS's quota in the LimitExceeded message
 * ("TagsPerRole"). Each authorizes `action` on `arn` with the request's
 * tag context keys and the entity's aws:ResourceTag/<key>, then fails with
 * `missing` (already formatted NoSuchEntity message) when `exists` is false. */
typedef struct srv_tag_target {
    iam_entity_kind kind;
    const char *id;            /* entity id (ARN for OIDC providers); NULL when it does not exist */
    const char *arn;           /* resource ARN for authorization */
    iam_tags tags;             /* current tags */
    const char *quota_name;    /* "TagsPerRole" */
    const char *missing;       /* NoSuchEntity message */
} srv_tag_target;
/* Reads Tags (required) / TagKeys (required) before the entity is looked up. */
bool srv_roles_param_tags_required(srv_call *c, iam_tag **tags, size_t *n);
bool srv_roles_param_tag_keys(srv_call *c, iam_str **keys, size_t *n);
bool srv_roles_tag(srv_call *c, const char *action, const srv_tag_target *tt, const iam_tag *tags, size_t n);
bool srv_roles_untag(srv_call *c, const char *action, const srv_tag_target *tt, const iam_str *keys, size_t n);
/* List*Tags after authorization and lookup: Tags, paged by MaxItems. */
bool srv_roles_list_tags(srv_call *c, const srv_page *pg, iam_tags tags);
/* Adds the tag condition keys of a request that sets `tags` and of the
 * entity's current tags to a new extra context. NULL on OOM (call failed). */
iam_context *srv_roles_tag_context(srv_call *c, const iam_tag *tags, size_t n, iam_tags resource);

/* ---- Handlers of api_instance_profiles.c ---- */
bool srv_h_create_instance_profile(srv_call *c);
bool srv_h_get_instance_profile(srv_call *c);
bool srv_h_list_instance_profiles(srv_call *c);
bool srv_h_list_instance_profiles_for_role(srv_call *c);
bool srv_h_delete_instance_profile(srv_call *c);
bool srv_h_add_role_to_instance_profile(srv_call *c);
bool srv_h_remove_role_from_instance_profile(srv_call *c);
bool srv_h_tag_instance_profile(srv_call *c);
bool srv_h_untag_instance_profile(srv_call *c);
bool srv_h_list_instance_profile_tags(srv_call *c);

/* ---- Handlers of api_oidc.c ---- */
bool srv_h_create_oidc_provider(srv_call *c);
bool srv_h_get_oidc_provider(srv_call *c);
bool srv_h_list_oidc_providers(srv_call *c);
bool srv_h_delete_oidc_provider(srv_call *c);
bool srv_h_add_client_id_to_oidc_provider(srv_call *c);
bool srv_h_remove_client_id_from_oidc_provider(srv_call *c);
bool srv_h_update_oidc_provider_thumbprint(srv_call *c);
bool srv_h_tag_oidc_provider(srv_call *c);
bool srv_h_untag_oidc_provider(srv_call *c);
bool srv_h_list_oidc_provider_tags(srv_call *c);

#endif /* IAMD_API_ROLES_H */
