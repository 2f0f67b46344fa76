/* iam/store.h - the source of truth for IAM state, behind one interface.
 * Backends: SQLite (WAL, file inside --data-dir; the default) and, later,
 * PostgreSQL for several nodes. Schema migrations are numbered and applied
 * by iam_store_open(). Reads for serving requests come from the snapshot
 * (iam/snapshot.h), which is built from the store; the store itself is read
 * only to build snapshots.
 *
 * Writes: every API write is one transaction. iam_store_begin() takes the
 * single writer slot (other writers wait), each iam_txn_* call runs its SQL
 * inside the transaction and records the entity it touched in the change
 * set, iam_txn_commit() makes it durable and hands the change set to the
 * caller, who builds the next snapshot with iam_snapshot_apply(). Each
 * call is all-or-nothing: after a domain error (EXISTS, NOTFOUND, CONFLICT,
 * INVALID, LIMIT, CRYPTO) nothing changed and the transaction may still
 * commit; after IAM_E_STORE or IAM_E_NOMEM it is poisoned (later calls fail,
 * commit rolls back and returns IAM_E_STORE). Foreign keys make
 * dangling relations impossible (attaching a deleted policy, membership of a
 * deleted user): such a call fails with IAM_E_NOTFOUND / IAM_E_CONFLICT.
 * Names are unique case-insensitively per account (IAM_E_EXISTS).
 * Secrets (access key secrets) are sealed with the keyring before they are
 * written; the store never sees them in the clear.
 * Threads: one iam_store is shared by all threads; a txn belongs to one. */
#ifndef IAM_STORE_H
#define IAM_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/crypto.h"
#include "iam/err.h"
#include "iam/model.h"
#include "iam/str.h"

typedef struct iam_store iam_store;
typedef struct iam_txn iam_txn;

/* Opens (creating when `create`) the store at `location`: a file path for
 * SQLite. Applies pending migrations. With create and an existing database
 * fails with IAM_E_EXISTS. `kr` (borrowed, must outlive the store) seals
 * secrets. */
IAM_API IAM_NODISCARD iam_err iam_store_open(const char *location, bool create, const iam_keyring *kr,
                                             iam_store **out, iam_diag *diag);
IAM_API void iam_store_close(iam_store *st); /* NULL is a no-op */
IAM_API const iam_keyring *iam_store_keyring(const iam_store *st);
/* The schema version after migrations (for `iamd --version` and tests). */
IAM_API int iam_store_schema_version(const iam_store *st);

/* Loads AWS-managed policies from the shipped JSON file (one record per
 * policy: PolicyName, Arn, Path, DefaultVersionId, Document) into the store
 * as read-only policies of account IAM_AWS_ACCOUNT, in one transaction, when
 * the file differs from what was loaded last (a content hash is kept). */
IAM_API IAM_NODISCARD iam_err iam_store_sync_managed_policies(iam_store *st, const char *path, iam_diag *diag);

/* ---- Change sets: what a committed transaction touched. ---- */
typedef struct iam_change {
    iam_entity_kind kind;
    char id[320];   /* unique id (ARN for OIDC providers: up to ~290 chars; account id for accounts) */
} iam_change;

typedef struct iam_changes {
    iam_change *items;
    size_t n, cap;
    int64_t revision; /* the store's revision after the commit */
} iam_changes;
IAM_API void iam_changes_free(iam_changes *ch); /* frees items; the struct is the caller's */

/* ---- Transactions ---- */
IAM_API IAM_NODISCARD iam_err iam_store_begin(iam_store *st, int64_t now, iam_txn **out);
/* Commits and ends the txn (freed in every case). On success `changes`
 * (caller's struct, may be NULL) receives the change set. */
IAM_API IAM_NODISCARD iam_err iam_txn_commit(iam_txn *t, iam_changes *changes, iam_diag *diag);
IAM_API void iam_txn_rollback(iam_txn *t); /* NULL is a no-op; frees the txn */
IAM_API int64_t iam_txn_now(const iam_txn *t); /* the time given to begin */

/* ---- Accounts ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_account_create(iam_txn *t, iam_str account_id);
IAM_API IAM_NODISCARD iam_err iam_txn_account_set_alias(iam_txn *t, iam_str account, iam_str alias); /* empty = delete */
/* NULL policy deletes it. */
IAM_API IAM_NODISCARD iam_err iam_txn_account_set_password_policy(iam_txn *t, iam_str account,
                                                                  const iam_password_policy *pp);

/* ---- Users, groups, membership ---- */
typedef struct iam_new_principal {
    iam_str account, id, name, path; /* id from iam_id_new; path defaults to "/" */
} iam_new_principal;
IAM_API IAM_NODISCARD iam_err iam_txn_user_create(iam_txn *t, const iam_new_principal *u);
/* Empty new_name / new_path keep the current value. */
IAM_API IAM_NODISCARD iam_err iam_txn_user_update(iam_txn *t, iam_str user_id, iam_str new_name, iam_str new_path);
IAM_API IAM_NODISCARD iam_err iam_txn_user_delete(iam_txn *t, iam_str user_id);
IAM_API IAM_NODISCARD iam_err iam_txn_group_create(iam_txn *t, const iam_new_principal *g);
IAM_API IAM_NODISCARD iam_err iam_txn_group_update(iam_txn *t, iam_str group_id, iam_str new_name, iam_str new_path);
IAM_API IAM_NODISCARD iam_err iam_txn_group_delete(iam_txn *t, iam_str group_id);
IAM_API IAM_NODISCARD iam_err iam_txn_group_add_user(iam_txn *t, iam_str group_id, iam_str user_id);
IAM_API IAM_NODISCARD iam_err iam_txn_group_remove_user(iam_txn *t, iam_str group_id, iam_str user_id);

/* ---- Roles ---- */
typedef struct iam_new_role {
    iam_new_principal p;
    iam_str trust_document;   /* validated by the caller */
    iam_str description;      /* empty = none */
    int32_t max_session_duration;
} iam_new_role;
IAM_API IAM_NODISCARD iam_err iam_txn_role_create(iam_txn *t, const iam_new_role *r);
/* description: ptr NULL = keep; max_session_duration: 0 = keep. */
IAM_API IAM_NODISCARD iam_err iam_txn_role_update(iam_txn *t, iam_str role_id, iam_str description,
                                                  int32_t max_session_duration);
IAM_API IAM_NODISCARD iam_err iam_txn_role_set_trust(iam_txn *t, iam_str role_id, iam_str trust_document);
IAM_API IAM_NODISCARD iam_err iam_txn_role_delete(iam_txn *t, iam_str role_id);
IAM_API IAM_NODISCARD iam_err iam_txn_role_touch(iam_txn *t, iam_str role_id, iam_str region); /* RoleLastUsed */

/* Principal bindings of a trust or resource policy: each principal ARN the
 * document names, with the unique id it had when the document was saved.
 * Replaces the owner's previous bindings. */
typedef struct iam_binding {
    iam_str arn;
    iam_str unique_id;
} iam_binding;
IAM_API IAM_NODISCARD iam_err iam_txn_set_bindings(iam_txn *t, iam_entity_kind owner_kind, iam_str owner_id,
                                                   const iam_binding *b, size_t n);

/* ---- Permissions boundaries (users and roles); empty policy_arn removes ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_set_boundary(iam_txn *t, iam_entity_kind kind, iam_str principal_id,
                                                   iam_str policy_arn);

/* ---- Managed policies and versions ---- */
typedef struct iam_new_policy {
    iam_str account, id, name, path, description, document; /* description may be empty */
} iam_new_policy;
IAM_API IAM_NODISCARD iam_err iam_txn_policy_create(iam_txn *t, const iam_new_policy *p); /* creates v1, default */
IAM_API IAM_NODISCARD iam_err iam_txn_policy_delete(iam_txn *t, iam_str policy_id);     /* and its versions */
/* Adds the next version ("v<N+1>", numbers never reused); *version_out gets
 * its id (caller's buffer of 16 bytes). */
IAM_API IAM_NODISCARD iam_err iam_txn_policy_version_create(iam_txn *t, iam_str policy_id, iam_str document,
                                                            bool set_default, char version_out[16]);
IAM_API IAM_NODISCARD iam_err iam_txn_policy_version_delete(iam_txn *t, iam_str policy_id, iam_str version_id);
IAM_API IAM_NODISCARD iam_err iam_txn_policy_set_default(iam_txn *t, iam_str policy_id, iam_str version_id);

/* Attachment of a managed policy to a user, group or role. */
IAM_API IAM_NODISCARD iam_err iam_txn_attach(iam_txn *t, iam_entity_kind kind, iam_str principal_id,
                                             iam_str policy_id);
IAM_API IAM_NODISCARD iam_err iam_txn_detach(iam_txn *t, iam_entity_kind kind, iam_str principal_id,
                                             iam_str policy_id);
/* Inline policies: put replaces a same-named one. */
IAM_API IAM_NODISCARD iam_err iam_txn_inline_put(iam_txn *t, iam_entity_kind kind, iam_str principal_id,
                                                 iam_str name, iam_str document);
IAM_API IAM_NODISCARD iam_err iam_txn_inline_delete(iam_txn *t, iam_entity_kind kind, iam_str principal_id,
                                                    iam_str name);

/* ---- Access keys (user_id empty = the account root's break-glass key) ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_access_key_create(iam_txn *t, iam_str account, iam_str user_id,
                                                        iam_str key_id, iam_str secret);
IAM_API IAM_NODISCARD iam_err iam_txn_access_key_set_active(iam_txn *t, iam_str key_id, bool active);
IAM_API IAM_NODISCARD iam_err iam_txn_access_key_delete(iam_txn *t, iam_str key_id);
/* Records last use. Called outside API writes (after authentication), in
 * its own small transaction batched by the server; see iam_store_touch_key. */
IAM_API IAM_NODISCARD iam_err iam_store_touch_key(iam_store *st, iam_str key_id, int64_t when,
                                                  iam_str service, iam_str region);

/* ---- STS session overflow (iam/session.h) ----
 * A session whose policy and tags do not fit in its token keeps them here
 * under the token's reference id until the session expires. These run on
 * the store's second connection in their own short transaction, outside
 * API writes and snapshots (sessions are not entities), and may be called
 * from any thread. put also deletes rows that expired before `now`.
 * get: IAM_E_NOTFOUND when there is no such row (or it expired before
 * `now`), IAM_E_LIMIT when it does not fit in `cap` bytes. */
IAM_API IAM_NODISCARD iam_err iam_store_session_put(iam_store *st, iam_str ref, const uint8_t *data, size_t len,
                                                    int64_t expires, int64_t now);
IAM_API IAM_NODISCARD iam_err iam_store_session_get(iam_store *st, iam_str ref, int64_t now, uint8_t *buf,
                                                    size_t cap, size_t *len);

/* ---- Virtual MFA devices (keyed by serial number, the device ARN) ----
 * The seed is sealed here (purpose "mfa-seed", aad = serial) before it is
 * written; callers pass it in the clear and wipe their copy. */
#define IAM_MFA_SEED_MAX 64
typedef struct iam_new_mfa_device {
    iam_str account, serial, name, path; /* path defaults to "/" */
    const uint8_t *seed;
    size_t seed_len;                     /* 1..IAM_MFA_SEED_MAX */
} iam_new_mfa_device;
/* IAM_E_EXISTS when the serial or the name (case-insensitively) is taken. */
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_create(iam_txn *t, const iam_new_mfa_device *d);
/* IAM_E_CONFLICT while the device is assigned to a user. */
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_delete(iam_txn *t, iam_str serial);
/* Assigns the device to `user_id` (EnableDate = the txn's time) with the
 * last accepted step, clearing the failure count. IAM_E_EXISTS when it is
 * assigned already, IAM_E_NOTFOUND for a missing device or user. */
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_enable(iam_txn *t, iam_str serial, iam_str user_id, int64_t last_step);
/* Unassigns it (it stays, as an unassigned virtual device); last_step is
 * kept so that codes already used stay used. */
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_deactivate(iam_txn *t, iam_str serial);
/* The check state of a device, read inside the txn (authoritative: the
 * snapshot may be older), with the seed opened. The caller wipes `seed`. */
typedef struct iam_mfa_state {
    int64_t last_step;
    int32_t failures;
    int64_t locked_until;
    bool assigned;
    uint8_t seed[IAM_MFA_SEED_MAX];
    size_t seed_len;
} iam_mfa_state;
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_state(iam_txn *t, iam_str serial, iam_mfa_state *out);
/* Writes the check state after a code check. */
IAM_API IAM_NODISCARD iam_err iam_txn_mfa_record(iam_txn *t, iam_str serial, int64_t last_step, int32_t failures,
                                                 int64_t locked_until);
/* Tags of a device: iam_txn_tags_set / _remove with IAM_EK_MFA_DEVICE and
 * the serial as the entity id. */

/* ---- Login profiles (password_hash from iam_password_hash) ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_login_profile_put(iam_txn *t, iam_str user_id, iam_str password_hash,
                                                        bool reset_required, bool create);
IAM_API IAM_NODISCARD iam_err iam_txn_login_profile_delete(iam_txn *t, iam_str user_id);

/* ---- Instance profiles ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_instance_profile_create(iam_txn *t, const iam_new_principal *ip);
IAM_API IAM_NODISCARD iam_err iam_txn_instance_profile_delete(iam_txn *t, iam_str ip_id);
IAM_API IAM_NODISCARD iam_err iam_txn_instance_profile_add_role(iam_txn *t, iam_str ip_id, iam_str role_id);
IAM_API IAM_NODISCARD iam_err iam_txn_instance_profile_remove_role(iam_txn *t, iam_str ip_id, iam_str role_id);

/* ---- OpenID Connect providers (keyed by ARN) ---- */
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_create(iam_txn *t, iam_str account, iam_str arn, iam_str url,
                                                  const iam_str *client_ids, size_t n_client_ids,
                                                  const iam_str *thumbprints, size_t n_thumbprints);
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_delete(iam_txn *t, iam_str arn);
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_add_client_id(iam_txn *t, iam_str arn, iam_str client_id);
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_remove_client_id(iam_txn *t, iam_str arn, iam_str client_id);
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_set_thumbprints(iam_txn *t, iam_str arn, const iam_str *thumbprints,
                                                           size_t n);
/* Sets (or replaces) the JWKS document of provider `arn`: the keys
 * AssumeRoleWithWebIdentity verifies its tokens with. The caller validates
 * it (iam_jwks_parse) first; the store keeps the text as given. Recorded as
 * a change of the provider. IAM_E_NOTFOUND for an unknown provider,
 * IAM_E_INVALID for an empty arn or document. */
IAM_API IAM_NODISCARD iam_err iam_txn_oidc_set_jwks(iam_txn *t, iam_str arn, iam_str jwks);

/* ---- Tags on users, roles, policies, instance profiles, OIDC providers and
 * MFA devices (by serial) ----
 * Keys are unique case-insensitively per entity; setting an existing key
 * replaces its value (and keeps the key's original spelling? no: AWS keeps
 * the new spelling). */
IAM_API IAM_NODISCARD iam_err iam_txn_tags_set(iam_txn *t, iam_entity_kind kind, iam_str entity_id,
                                               const iam_tag *tags, size_t n);
IAM_API IAM_NODISCARD iam_err iam_txn_tags_remove(iam_txn *t, iam_entity_kind kind, iam_str entity_id,
                                                  const iam_str *keys, size_t n);

/* ---- Passwords (libsodium Argon2id) ---- */
#define IAM_PASSWORD_HASH_MAX 128
IAM_API IAM_NODISCARD iam_err iam_password_hash(iam_str password, char out[IAM_PASSWORD_HASH_MAX]);
IAM_API bool iam_password_verify(const char *hash, iam_str password);

#endif /* IAM_STORE_H */
