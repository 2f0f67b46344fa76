/* iam/model.h - the entities of an iamd installation, as the snapshot holds
 * them: accounts, users, groups, roles, managed policies with versions,
 * access keys, login profiles, instance profiles, OpenID Connect providers.
 * Every field mirrors what the IAM API returns. Objects in a snapshot are
 * immutable and owned by it; pointers stay valid while the snapshot is
 * pinned. Strings are NUL-terminated (they come from SQLite text columns);
 * optional strings are NULL when unset. Times are Unix epoch seconds. */
#ifndef IAM_MODEL_H
#define IAM_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/policy.h"

/* What a store change or a tag refers to. */
typedef enum iam_entity_kind {
    IAM_EK_ACCOUNT = 1,
    IAM_EK_USER,
    IAM_EK_GROUP,
    IAM_EK_ROLE,
    IAM_EK_POLICY,           /* managed policy (customer or AWS) with its versions */
    IAM_EK_ACCESS_KEY,
    IAM_EK_INSTANCE_PROFILE,
    IAM_EK_OIDC_PROVIDER,
    IAM_EK_MFA_DEVICE        /* virtual MFA device, keyed by its serial number (an ARN) */
} iam_entity_kind;

/* The account that owns AWS-managed policies in ARNs ("arn:aws:iam::aws:policy/..."). */
#define IAM_AWS_ACCOUNT "aws"

typedef struct iam_tag {
    const char *key;
    const char *value;
} iam_tag;

typedef struct iam_tags {
    const iam_tag *items; /* in the order they were added */
    size_t n;
} iam_tags;

typedef struct iam_strs {
    const char *const *items;
    size_t n;
} iam_strs;

/* An inline policy of a user, group or role. */
typedef struct iam_inline_policy {
    const char *name;
    const char *document;        /* the JSON as the caller sent it */
    const iam_policy *compiled;  /* parsed once when loaded */
} iam_inline_policy;

typedef struct iam_inline_policies {
    const iam_inline_policy *items; /* sorted by name */
    size_t n;
} iam_inline_policies;

typedef struct iam_managed_version {
    const char *version_id;      /* "v1", "v2", ... */
    const char *document;
    int64_t created;
    bool is_default;
} iam_managed_version;

typedef struct iam_managed_policy {
    const char *id;              /* ANPA... (derived for AWS-managed policies) */
    const char *account;         /* 12 digits, or IAM_AWS_ACCOUNT */
    const char *name, *path, *arn;
    const char *description;     /* NULL when unset */
    int64_t created, updated;
    const iam_managed_version *versions; /* sorted by version number */
    size_t n_versions;
    const iam_managed_version *default_version; /* one of versions */
    const iam_policy *compiled;  /* the default version, parsed */
    uint32_t attachment_count;   /* users + groups + roles */
    uint32_t boundary_count;     /* users + roles using it as boundary */
    iam_tags tags;
} iam_managed_policy;

typedef struct iam_access_key {
    const char *id;              /* AKIA... */
    const char *account;
    const char *user_id;         /* owner's unique id; NULL for the account root */
    const char *user_name;       /* NULL for the account root */
    bool active;
    int64_t created;
    int64_t last_used;           /* 0 = never */
    const char *last_used_service, *last_used_region; /* NULL = never */
    /* The secret stays sealed in the snapshot; iam_snapshot_key_secret()
     * opens it when a request needs it. */
    const uint8_t *sealed_secret;
    size_t sealed_secret_len;
} iam_access_key;

typedef struct iam_login_profile {
    const char *password_hash;   /* Argon2id (libsodium crypto_pwhash_str) */
    int64_t created;
    bool reset_required;
} iam_login_profile;

/* A virtual MFA device (TOTP). Unassigned devices have no user; an
 * assigned one belongs to exactly one user of its account. The seed stays
 * sealed (purpose "mfa-seed", aad = serial); last_step, failures and
 * locked_until are the replay and brute-force state of the code checks
 * (iam/totp.h), as of the snapshot: checks re-read them inside their
 * transaction. */
typedef struct iam_mfa_device {
    const char *serial;          /* arn:aws:iam::ACCOUNT:mfa/PATH/NAME */
    const char *account;
    const char *name, *path;
    int64_t created;
    const char *user_id;         /* NULL = unassigned */
    int64_t enabled;             /* EnableDate; 0 when unassigned */
    const uint8_t *sealed_seed;
    size_t sealed_seed_len;
    int64_t last_step;           /* last accepted TOTP step; -1 = none */
    int32_t failures;            /* consecutive wrong codes */
    int64_t locked_until;        /* 0 = not locked */
    iam_tags tags;
} iam_mfa_device;

typedef struct iam_user {
    const char *id;              /* AIDA... */
    const char *account;
    const char *name, *path, *arn;
    int64_t created;
    int64_t password_last_used; /* 0 = never */
    const char *boundary_arn;    /* permissions boundary policy ARN, or NULL */
    iam_tags tags;
    const iam_managed_policy *const *attached; size_t n_attached;
    iam_inline_policies inline_policies;
    const struct iam_group *const *groups; size_t n_groups; /* sorted by name */
    const iam_access_key *const *keys; size_t n_keys;       /* at most the quota */
    const iam_login_profile *login_profile;                /* NULL = none */
    const iam_mfa_device *const *mfa_devices; size_t n_mfa_devices; /* by enable date */
} iam_user;

typedef struct iam_group {
    const char *id;              /* AGPA... */
    const char *account;
    const char *name, *path, *arn;
    int64_t created;
    const iam_managed_policy *const *attached; size_t n_attached;
    iam_inline_policies inline_policies;
    const char *const *member_ids; size_t n_members;       /* user ids, sorted by user name */
} iam_group;

typedef struct iam_role {
    const char *id;              /* AROA... */
    const char *account;
    const char *name, *path, *arn;
    const char *description;     /* NULL when unset */
    int64_t created;
    int32_t max_session_duration; /* seconds, 3600..43200 */
    /* The trust policy as stored, with principals bound to unique ids: a
     * principal ARN whose entity was deleted (or re-created) since the
     * policy was saved reads as the old unique id, as on AWS. */
    const char *trust_document;
    const iam_policy *trust;     /* trust_document, parsed */
    const char *boundary_arn;
    iam_tags tags;
    const iam_managed_policy *const *attached; size_t n_attached;
    iam_inline_policies inline_policies;
    int64_t last_used; const char *last_used_region;
    const char *const *instance_profile_ids; size_t n_instance_profiles;
} iam_role;

typedef struct iam_instance_profile {
    const char *id;              /* AIPA... */
    const char *account;
    const char *name, *path, *arn;
    int64_t created;
    const iam_role *const *roles; size_t n_roles;          /* at most 1 (AWS's quota) */
    iam_tags tags;
} iam_instance_profile;

typedef struct iam_oidc_provider {
    const char *arn;             /* arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH */
    const char *account;
    const char *url;             /* as given, "https://..." */
    int64_t created;
    iam_strs client_ids;
    iam_strs thumbprints;
    iam_tags tags;
    /* The keys set by `iamd oidc set-jwks` (NULL for both when none): the
     * document as stored and its key set, parsed once when the snapshot
     * loads the provider and freed with it. */
    const char *jwks_json;
    const struct iam_jwks *jwks;
} iam_oidc_provider;

typedef struct iam_password_policy {
    int min_length;              /* 6..128 */
    bool require_symbols, require_numbers, require_uppercase, require_lowercase;
    bool allow_users_to_change;
    int max_age_days;            /* 0 = never expires */
    int reuse_prevention;        /* 0 = off */
    bool hard_expiry;
} iam_password_policy;

typedef struct iam_account {
    const char *id;              /* 12 digits */
    const char *alias;           /* NULL when unset */
    int64_t created;
    const iam_password_policy *password_policy; /* NULL = none set */
    const iam_access_key *const *root_keys; size_t n_root_keys; /* break-glass, issued by `iamd` only */
} iam_account;

#endif /* IAM_MODEL_H */
