/* iam/snapshot.h - the immutable in-memory view of IAM state that every
 * request reads: entities by id, name and ARN, sorted lists for the List*
 * actions, and each principal's effective policy set compiled and indexed
 * for the policy engine.
 *
 * A snapshot is built once from the store (iam_snapshot_load) and then
 * derived after each committed write (iam_snapshot_apply): the next snapshot
 * re-reads only the entities in the change set and shares everything else
 * with its predecessor. Readers pin the current snapshot through an
 * iam_snapshot_holder without taking a lock; a writer publishes the next one
 * atomically, so a write that commits is visible to the next request.
 * Threads: a snapshot is immutable (its per-principal policy cache fills
 * lazily with atomic compare-and-swap) and may be read by any number of
 * threads while pinned. */
#ifndef IAM_SNAPSHOT_H
#define IAM_SNAPSHOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/eval.h"
#include "iam/model.h"
#include "iam/store.h"
#include "iam/str.h"

typedef struct iam_snapshot iam_snapshot;

/* Full load (start-up). */
IAM_API IAM_NODISCARD iam_err iam_snapshot_load(iam_store *st, iam_snapshot **out, iam_diag *diag);
/* The next snapshot: `prev` with the entities in `ch` re-read from the store
 * (and everything that embeds them: a changed policy reaches the principals
 * it is attached to, a renamed user its groups). `prev` is unchanged. */
IAM_API IAM_NODISCARD iam_err iam_snapshot_apply(const iam_snapshot *prev, iam_store *st, const iam_changes *ch,
                                                 iam_snapshot **out, iam_diag *diag);
IAM_API void iam_snapshot_retain(const iam_snapshot *s);
IAM_API void iam_snapshot_release(const iam_snapshot *s); /* NULL is a no-op */
IAM_API int64_t iam_snapshot_revision(const iam_snapshot *s);

/* The publication point: readers pin, the writer publishes. */
typedef struct iam_snapshot_holder iam_snapshot_holder;
/* Takes over the caller's reference to `first`. */
IAM_API IAM_NODISCARD iam_err iam_snapshot_holder_new(iam_snapshot *first, iam_snapshot_holder **out);
IAM_API void iam_snapshot_holder_free(iam_snapshot_holder *h);
/* The current snapshot, retained: release it with iam_snapshot_release. */
IAM_API const iam_snapshot *iam_snapshot_pin(iam_snapshot_holder *h);
/* Makes `next` current (taking over the caller's reference). */
IAM_API void iam_snapshot_publish(iam_snapshot_holder *h, iam_snapshot *next);

/* ---- Lookups (all borrowed for the snapshot's life; NULL when absent) ----
 * Names compare case-insensitively, ids and ARNs exactly. */
IAM_API const iam_account *iam_snap_account(const iam_snapshot *s, iam_str account_id);
IAM_API const iam_user *iam_snap_user(const iam_snapshot *s, iam_str account, iam_str name);
IAM_API const iam_user *iam_snap_user_by_id(const iam_snapshot *s, iam_str user_id);
IAM_API const iam_group *iam_snap_group(const iam_snapshot *s, iam_str account, iam_str name);
IAM_API const iam_group *iam_snap_group_by_id(const iam_snapshot *s, iam_str group_id);
IAM_API const iam_role *iam_snap_role(const iam_snapshot *s, iam_str account, iam_str name);
IAM_API const iam_role *iam_snap_role_by_id(const iam_snapshot *s, iam_str role_id);
IAM_API const iam_managed_policy *iam_snap_policy_by_arn(const iam_snapshot *s, iam_str arn);
IAM_API const iam_managed_policy *iam_snap_policy_by_id(const iam_snapshot *s, iam_str policy_id);
IAM_API const iam_access_key *iam_snap_access_key(const iam_snapshot *s, iam_str key_id);
IAM_API const iam_instance_profile *iam_snap_instance_profile(const iam_snapshot *s, iam_str account, iam_str name);
IAM_API const iam_oidc_provider *iam_snap_oidc_provider(const iam_snapshot *s, iam_str arn);
/* A virtual MFA device by serial number (its ARN, exact). */
IAM_API const iam_mfa_device *iam_snap_mfa_device(const iam_snapshot *s, iam_str serial);
/* The entity (user, role, group) an IAM ARN names, with its unique id;
 * false when none. Used to bind principals in trust policies. */
IAM_API bool iam_snap_principal_id(const iam_snapshot *s, iam_str arn, const char **unique_id);

/* ---- Sorted lists for List* actions, per account ----
 * Users, groups, roles, instance profiles sorted by lower-cased name;
 * customer policies by name; AWS-managed policies (account IAM_AWS_ACCOUNT)
 * by name. Positions are stable within one snapshot: the API's Marker
 * encodes the name to continue after, so pagination survives writes. */
typedef struct iam_snap_list {
    const void *const *items;
    size_t n;
} iam_snap_list;
IAM_API iam_snap_list iam_snap_users(const iam_snapshot *s, iam_str account);          /* iam_user* */
IAM_API iam_snap_list iam_snap_groups(const iam_snapshot *s, iam_str account);         /* iam_group* */
IAM_API iam_snap_list iam_snap_roles(const iam_snapshot *s, iam_str account);          /* iam_role* */
IAM_API iam_snap_list iam_snap_policies(const iam_snapshot *s, iam_str account);       /* iam_managed_policy* */
IAM_API iam_snap_list iam_snap_instance_profiles(const iam_snapshot *s, iam_str account);
IAM_API iam_snap_list iam_snap_oidc_providers(const iam_snapshot *s, iam_str account);
IAM_API iam_snap_list iam_snap_virtual_mfa_devices(const iam_snapshot *s, iam_str account); /* by serial */
IAM_API iam_snap_list iam_snap_accounts(const iam_snapshot *s);
/* Index of the first item whose lower-cased name is > `after` (case-
 * insensitive), for Marker-based pagination; 0 when after is empty. */
IAM_API size_t iam_snap_list_after(iam_snap_list l, iam_entity_kind kind, iam_str after);
/* Who uses a managed policy (ListEntitiesForPolicy). */
IAM_API void iam_snap_policy_entities(const iam_snapshot *s, iam_str policy_id,
                                      iam_snap_list *users, iam_snap_list *groups, iam_snap_list *roles);

/* ---- Authorization ----
 * The policies that apply to a principal as identity policies: for a user
 * its inline and attached policies and those of its groups; for a role its
 * own. Indexed once per snapshot and principal, on first use (lock-free),
 * then reused by every request that pins the same snapshot. */
typedef struct iam_principal_policies {
    const iam_index *identity;  /* never NULL (may hold no policies) */
    const iam_index *boundary;  /* NULL = no permissions boundary */
} iam_principal_policies;
IAM_API IAM_NODISCARD iam_err iam_snap_user_policies(const iam_snapshot *s, const iam_user *u,
                                                     iam_principal_policies *out);
IAM_API IAM_NODISCARD iam_err iam_snap_role_policies(const iam_snapshot *s, const iam_role *r,
                                                     iam_principal_policies *out);
/* A role's trust policy as a resource-policy index. */
IAM_API IAM_NODISCARD iam_err iam_snap_role_trust(const iam_snapshot *s, const iam_role *r, const iam_index **out);

/* Opens an access key's sealed secret into `out` (IAM_SECRET_KEY_LEN + 1
 * bytes, NUL-terminated). The caller wipes it after use. */
IAM_API IAM_NODISCARD iam_err iam_snapshot_key_secret(const iam_snapshot *s, const iam_access_key *k,
                                                      const iam_keyring *kr, char *out, size_t cap);

/* Counts for GetAccountSummary and quota checks. */
typedef struct iam_account_counts {
    size_t users, groups, roles, policies, instance_profiles, oidc_providers, server_certificates;
    size_t policy_versions_in_use, attached_policies; /* see GetAccountSummary */
} iam_account_counts;
IAM_API void iam_snap_account_counts(const iam_snapshot *s, iam_str account, iam_account_counts *out);

#endif /* IAM_SNAPSHOT_H */
