/* api_users.h - the pieces shared by the users family of IAM actions
 * (api_users.c: users and their tags, and the family's action table;
 * api_groups.c: groups and membership; api_keys.c: access keys;
 * api_account.c: login profiles, passwords, the password policy, the
 * account alias and the account summary). All of them export into the one
 * table srv_actions_users declared in srv.h. */
#ifndef IAMD_API_USERS_H
#define IAMD_API_USERS_H
#include <stdbool.h>
#include <stddef.h>
#include "srv.h"

/* AWS's length limits for the names this family takes. */
#define SRV_USER_NAME_MAX 64           /* userNameType */
#define SRV_EXISTING_USER_NAME_MAX 128 /* existingUserNameType (reads of users) */
#define SRV_GROUP_NAME_MAX 128

/* The caller's account as a slice. */
iam_str srv_users_account(const srv_call *c);

/* The user named by parameter `param` in the caller's account, looked up
 * the way every action here needs it: validates the name (max chars),
 * stores it in *name, finds the user (*u NULL when absent) and its ARN
 * (*arn: the user's own, or the ARN it would have at path "/" so that
 * authorization has a resource before existence is checked). When the
 * parameter is optional and absent, *name has ptr NULL. */
bool srv_users_lookup(srv_call *c, const char *param, bool required, size_t max, iam_str *name,
                      const iam_user **u, const char **arn);
/* The same for a group (always required). */
bool srv_users_lookup_group(srv_call *c, const char *param, iam_str *name, const iam_group **g,
                            const char **arn);

/* The user an optional UserName names, else the calling IAM user — the
 * rule of the access-key and password actions. For a caller that is not an
 * IAM user (the account root, a role session) without UserName, *u and
 * *name stay NULL and *arn is the caller's ARN; the action decides. */
bool srv_users_target(srv_call *c, const iam_user **u, iam_str *name, const char **arn);

/* Authorizes `action` on a user, adding aws:ResourceTag/<key> for its tags
 * (u may be NULL: the user does not exist (yet)). */
bool srv_users_authorize_user(srv_call *c, const char *action, const iam_user *u, const char *arn);

/* NoSuchEntity with AWS's message. */
bool srv_users_no_user(srv_call *c, iam_str name);
bool srv_users_no_group(srv_call *c, iam_str name);

/* The PathPrefix parameter of List* (pathPrefixType: 1..512 chars, "/"
 * then \x21-\x7F); absent → "/" (everything). */
bool srv_users_path_prefix(srv_call *c, iam_str *out);
bool srv_users_has_prefix(const char *path, iam_str prefix);

/* One page of a name-sorted list (users or groups): writes <element> with
 * a <member> per kept item from just after the Marker, at most MaxItems of
 * them, closes it and writes the pagination tail (Marker = the last name
 * written). */
bool srv_users_page(srv_call *c, const srv_page *pg, const char *element, iam_snap_list l,
                    iam_entity_kind kind, srv_keep_fn keep, void *ud);

/* The Marker of index-paged lists (tags, keys): the decimal index of the
 * next item; anything else is not a marker this server issued
 * (InvalidInput). Empty → 0. */
bool srv_users_index_marker(srv_call *c, iam_str marker, size_t *out);

/* A validation error in AWS's form for a field whose value must not be
 * echoed (secrets) when value.ptr is NULL. */
bool srv_users_invalid(srv_call *c, const char *field, iam_str value, const char *constraint);

/* ---- Handlers in the family's other files ---- */
/* api_groups.c */
bool srv_h_create_group(srv_call *c);
bool srv_h_get_group(srv_call *c);
bool srv_h_list_groups(srv_call *c);
bool srv_h_update_group(srv_call *c);
bool srv_h_delete_group(srv_call *c);
bool srv_h_add_user_to_group(srv_call *c);
bool srv_h_remove_user_from_group(srv_call *c);
bool srv_h_list_groups_for_user(srv_call *c);
/* api_keys.c */
bool srv_h_create_access_key(srv_call *c);
bool srv_h_list_access_keys(srv_call *c);
bool srv_h_update_access_key(srv_call *c);
bool srv_h_delete_access_key(srv_call *c);
bool srv_h_get_access_key_last_used(srv_call *c);
/* api_account.c */
bool srv_h_create_login_profile(srv_call *c);
bool srv_h_get_login_profile(srv_call *c);
bool srv_h_update_login_profile(srv_call *c);
bool srv_h_delete_login_profile(srv_call *c);
bool srv_h_change_password(srv_call *c);
bool srv_h_update_account_password_policy(srv_call *c);
bool srv_h_get_account_password_policy(srv_call *c);
bool srv_h_delete_account_password_policy(srv_call *c);
bool srv_h_create_account_alias(srv_call *c);
bool srv_h_list_account_aliases(srv_call *c);
bool srv_h_delete_account_alias(srv_call *c);
bool srv_h_get_account_summary(srv_call *c);

#endif /* IAMD_API_USERS_H */
