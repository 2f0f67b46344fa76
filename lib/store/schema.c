/* schema.c - the SQL schema as numbered migrations. iam_store_open()
 * applies, in one transaction each, every migration above the database's
 * `PRAGMA user_version`, so a database written by an older iamd is brought
 * forward at start. Never edit a migration that has shipped: add one.
 * The SQL is kept to what SQLite and PostgreSQL both accept where that costs
 * nothing (the PostgreSQL backend will carry its own copy). */
#include "store/store_int.h"

/* 1: the entity model of DESIGN.md. Conventions:
 *  - ids are AWS's unique ids (AIDA..., AROA...), ARNs for OIDC providers;
 *  - names are unique per account case-insensitively (COLLATE NOCASE);
 *  - relations are foreign keys without cascades, so a delete that would
 *    leave something dangling fails; the API checks first and answers
 *    DeleteConflict, the keys are the backstop;
 *  - tags and principal bindings belong to several kinds of owner, so
 *    their owner is (kind, id) without a foreign key, and deletes of the
 *    owner remove them in the same transaction;
 *  - `changes` is the change log: one row per touched entity per commit,
 *    its rowid the store revision (other nodes replay it later). */
static const char migration_1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"

    "CREATE TABLE accounts("
    " id TEXT PRIMARY KEY,"
    " alias TEXT UNIQUE,"
    " created INTEGER NOT NULL,"
    " password_policy TEXT);" /* JSON of iam_password_policy, NULL = none */

    "CREATE TABLE policies("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL," /* 12 digits or 'aws' (no accounts row) */
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " arn TEXT NOT NULL UNIQUE,"
    " description TEXT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " default_version TEXT NOT NULL,"
    " next_version INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX policies_name ON policies(account, name COLLATE NOCASE);"

    "CREATE TABLE policy_versions("
    " policy_id TEXT NOT NULL REFERENCES policies(id),"
    " version_id TEXT NOT NULL,"
    " num INTEGER NOT NULL,"
    " document TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY(policy_id, version_id));"

    "CREATE TABLE users("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " password_last_used INTEGER NOT NULL DEFAULT 0,"
    " boundary_policy TEXT REFERENCES policies(id));"
    "CREATE UNIQUE INDEX users_name ON users(account, name COLLATE NOCASE);"
    "CREATE INDEX users_boundary ON users(boundary_policy);"

    "CREATE TABLE groups("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX groups_name ON groups(account, name COLLATE NOCASE);"

    "CREATE TABLE group_members("
    " group_id TEXT NOT NULL REFERENCES groups(id),"
    " user_id TEXT NOT NULL REFERENCES users(id),"
    " PRIMARY KEY(group_id, user_id));"
    "CREATE INDEX group_members_user ON group_members(user_id);"

    "CREATE TABLE roles("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " description TEXT,"
    " max_session INTEGER NOT NULL,"
    " trust TEXT NOT NULL,"
    " boundary_policy TEXT REFERENCES policies(id),"
    " last_used INTEGER NOT NULL DEFAULT 0,"
    " last_used_region TEXT);"
    "CREATE UNIQUE INDEX roles_name ON roles(account, name COLLATE NOCASE);"
    "CREATE INDEX roles_boundary ON roles(boundary_policy);"

    /* Exactly one of user_id, group_id, role_id is set. */
    "CREATE TABLE attachments("
    " policy_id TEXT NOT NULL REFERENCES policies(id),"
    " user_id TEXT REFERENCES users(id),"
    " group_id TEXT REFERENCES groups(id),"
    " role_id TEXT REFERENCES roles(id),"
    " CHECK((user_id IS NOT NULL) + (group_id IS NOT NULL) + (role_id IS NOT NULL) = 1));"
    "CREATE UNIQUE INDEX attachments_user ON attachments(user_id, policy_id) WHERE user_id IS NOT NULL;"
    "CREATE UNIQUE INDEX attachments_group ON attachments(group_id, policy_id) WHERE group_id IS NOT NULL;"
    "CREATE UNIQUE INDEX attachments_role ON attachments(role_id, policy_id) WHERE role_id IS NOT NULL;"
    "CREATE INDEX attachments_policy ON attachments(policy_id);"

    "CREATE TABLE inline_policies("
    " user_id TEXT REFERENCES users(id),"
    " group_id TEXT REFERENCES groups(id),"
    " role_id TEXT REFERENCES roles(id),"
    " name TEXT NOT NULL,"
    " document TEXT NOT NULL,"
    " CHECK((user_id IS NOT NULL) + (group_id IS NOT NULL) + (role_id IS NOT NULL) = 1));"
    "CREATE UNIQUE INDEX inline_user ON inline_policies(user_id, name COLLATE NOCASE) WHERE user_id IS NOT NULL;"
    "CREATE UNIQUE INDEX inline_group ON inline_policies(group_id, name COLLATE NOCASE) WHERE group_id IS NOT NULL;"
    "CREATE UNIQUE INDEX inline_role ON inline_policies(role_id, name COLLATE NOCASE) WHERE role_id IS NOT NULL;"

    /* user_id NULL: a break-glass key of the account root. */
    "CREATE TABLE access_keys("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " user_id TEXT REFERENCES users(id),"
    " secret BLOB NOT NULL," /* sealed, purpose "access-key", aad = key id */
    " active INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL DEFAULT 0,"
    " last_used_service TEXT,"
    " last_used_region TEXT);"
    "CREATE INDEX access_keys_user ON access_keys(user_id);"

    "CREATE TABLE login_profiles("
    " user_id TEXT PRIMARY KEY REFERENCES users(id),"
    " password_hash TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " reset_required INTEGER NOT NULL);"

    "CREATE TABLE instance_profiles("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX instance_profiles_name ON instance_profiles(account, name COLLATE NOCASE);"
    "CREATE TABLE instance_profile_roles("
    " profile_id TEXT NOT NULL REFERENCES instance_profiles(id),"
    " role_id TEXT NOT NULL REFERENCES roles(id),"
    " PRIMARY KEY(profile_id, role_id));"
    "CREATE INDEX instance_profile_roles_role ON instance_profile_roles(role_id);"

    "CREATE TABLE oidc_providers("
    " arn TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " url TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE oidc_client_ids("
    " arn TEXT NOT NULL REFERENCES oidc_providers(arn),"
    " client_id TEXT NOT NULL,"
    " PRIMARY KEY(arn, client_id));"
    "CREATE TABLE oidc_thumbprints("
    " arn TEXT NOT NULL REFERENCES oidc_providers(arn),"
    " pos INTEGER NOT NULL,"
    " thumbprint TEXT NOT NULL,"
    " PRIMARY KEY(arn, pos));"

    /* kind: iam_entity_kind. pos keeps the order tags were added. */
    "CREATE TABLE tags("
    " kind INTEGER NOT NULL,"
    " entity_id TEXT NOT NULL,"
    " key TEXT NOT NULL COLLATE NOCASE,"
    " value TEXT NOT NULL,"
    " pos INTEGER NOT NULL,"
    " PRIMARY KEY(kind, entity_id, key));"

    /* Principals named by a trust/resource policy, bound to the unique id
     * they had when the policy was saved. */
    "CREATE TABLE bindings("
    " owner_kind INTEGER NOT NULL,"
    " owner_id TEXT NOT NULL,"
    " arn TEXT NOT NULL,"
    " unique_id TEXT NOT NULL,"
    " PRIMARY KEY(owner_kind, owner_id, arn));"
    /* A deleted or renamed principal finds the policies that name it. */
    "CREATE INDEX bindings_arn ON bindings(arn);"

    "CREATE TABLE changes("
    " rev INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind INTEGER NOT NULL,"
    " entity_id TEXT NOT NULL,"
    " time INTEGER NOT NULL);";

/* 2: server-side overflow of STS sessions whose session policy and tags
 * do not fit in their token (iam/session.h). Rows are keyed by the random
 * reference the token carries; `expires` (the session's expiry) lets
 * writers purge dead rows lazily. Not entities: no change-log rows, no
 * snapshot. */
static const char migration_2[] =
    "CREATE TABLE sessions("
    " ref TEXT PRIMARY KEY,"
    " data BLOB NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX sessions_expires ON sessions(expires);";

/* 3: virtual MFA devices (TOTP), keyed by serial number (the device ARN,
 * arn:PARTITION:iam::ACCOUNT:mfa/PATH/NAME). Names are unique per account
 * case-insensitively. The seed is sealed (purpose "mfa-seed", aad =
 * serial). user_id is set while the device is enabled for a user (the
 * foreign key keeps the user from being deleted meanwhile); last_step is
 * the last TOTP step accepted (-1 = none: codes are never accepted twice),
 * failures / locked_until the brute-force lock of the code checks. Tags
 * live in `tags` with kind IAM_EK_MFA_DEVICE (9). */
static const char migration_3[] =
    "CREATE TABLE mfa_devices("
    " serial TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " seed BLOB NOT NULL,"
    " user_id TEXT REFERENCES users(id),"
    " enabled INTEGER NOT NULL DEFAULT 0,"
    " last_step INTEGER NOT NULL DEFAULT -1,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX mfa_devices_name ON mfa_devices(account, name COLLATE NOCASE);"
    "CREATE INDEX mfa_devices_user ON mfa_devices(user_id);";

/* 4: the JWKS document of an OIDC provider, set by `iamd oidc set-jwks`
 * (AWS's API has no call for it: AWS fetches the issuer's keys itself).
 * One row per provider at most; deleting the provider deletes it. The
 * change is recorded as a change of the provider (IAM_EK_OIDC_PROVIDER),
 * whose snapshot object carries the parsed key set. */
static const char migration_4[] =
    "CREATE TABLE oidc_jwks("
    " arn TEXT PRIMARY KEY REFERENCES oidc_providers(arn),"
    " jwks TEXT NOT NULL,"
    " updated INTEGER NOT NULL);";

const char *const iam__store_migrations[] = {
    migration_1,
    migration_2,
    migration_3,
    migration_4,
};
const int iam__store_migration_count = (int)(sizeof iam__store_migrations / sizeof iam__store_migrations[0]);
