/* test_snapshot.c - the snapshot built from a SQLite database made with
 * migration 1 and plain SQL: lookups, list order and pagination, principal
 * policy sets deciding through iam_authorize, derivation after changes
 * (new user, new default policy version, deleted user bound in a trust
 * policy) while an older snapshot stays pinned, sealed key secrets, and the
 * holder under a concurrently pinning thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/crypto.h"
#include "iam/snapshot.h"
#include "store/snapshot_int.h"
#include "store/store_int.h"

#define ACCT "111122223333"
#define ALICE_ARN "arn:aws:iam::" ACCT ":user/alice"

static sqlite3 *db;

static void exec(const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("SQL failed: %s: %s", msg ? msg : "?", sql);
}

static iam_keyring *keyring(void)
{
    static iam_keyring *kr;
    uint8_t master[IAM_MASTER_KEY_LEN];
    if (kr == NULL) {
        memset(master, 7, sizeof master);
        assert_int_equal(iam_keyring_new(master, 1, &kr), IAM_OK);
    }
    return kr;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (int i = 0; i < iam__store_migration_count; i++) /* the snapshot reads tables of later ones */
        exec(iam__store_migrations[i]);
    exec("INSERT INTO accounts VALUES('" ACCT "', NULL, 1, NULL);"
         "INSERT INTO accounts VALUES('444455556666', 'other', 1, "
         "'{\"MinimumPasswordLength\":12,\"RequireSymbols\":true}');"
         /* a managed policy with two versions, v1 the default */
         "INSERT INTO policies VALUES('ANPAREAD', '" ACCT "', 'ReadS3', '/', 'arn:aws:iam::" ACCT
         ":policy/ReadS3', 'reads', 1, 1, 'v1', 3);"
         "INSERT INTO policy_versions VALUES('ANPAREAD', 'v1', 1, '{\"Version\":\"2012-10-17\",\"Statement\":"
         "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}', 1);"
         "INSERT INTO policy_versions VALUES('ANPAREAD', 'v2', 2, '{\"Version\":\"2012-10-17\",\"Statement\":"
         "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}', 2);"
         "INSERT INTO policies VALUES('ANPABOUND', '" ACCT "', 'Bound', '/', 'arn:aws:iam::" ACCT
         ":policy/Bound', NULL, 1, 1, 'v1', 2);"
         "INSERT INTO policy_versions VALUES('ANPABOUND', 'v1', 1, '{\"Statement\":"
         "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}', 1);"
         "INSERT INTO policies VALUES('ANPAAWS1', 'aws', 'ReadOnlyAccess', '/', "
         "'arn:aws:iam::aws:policy/ReadOnlyAccess', NULL, 1, 1, 'v1', 2);"
         "INSERT INTO policy_versions VALUES('ANPAAWS1', 'v1', 1, '{\"Statement\":"
         "{\"Effect\":\"Allow\",\"Action\":\"*:Get*\",\"Resource\":\"*\"}}', 1);"
         "INSERT INTO tags VALUES(5, 'ANPAREAD', 'team', 'a', 0);"
         /* users: alice in group Devs; Bob with a boundary */
         "INSERT INTO users VALUES('AIDAALICE', '" ACCT "', 'alice', '/', 1, 0, NULL);"
         "INSERT INTO users VALUES('AIDABOB', '" ACCT "', 'Bob', '/', 1, 0, 'ANPABOUND');"
         "INSERT INTO users VALUES('AIDAZED', '444455556666', 'zed', '/ops/', 1, 0, NULL);"
         "INSERT INTO tags VALUES(2, 'AIDAALICE', 'k2', 'v2', 1);"
         "INSERT INTO tags VALUES(2, 'AIDAALICE', 'k1', 'v1', 0);"
         "INSERT INTO groups VALUES('AGPADEVS', '" ACCT "', 'Devs', '/', 1);"
         "INSERT INTO group_members VALUES('AGPADEVS', 'AIDAALICE');"
         "INSERT INTO attachments(policy_id, group_id) VALUES('ANPAREAD', 'AGPADEVS');"
         "INSERT INTO inline_policies(group_id, name, document) VALUES('AGPADEVS', 'ec2', "
         "'{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2:Describe*\",\"Resource\":\"*\"}}');"
         "INSERT INTO inline_policies(user_id, name, document) VALUES('AIDAALICE', 'nodelete', "
         "'{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"}}');"
         "INSERT INTO inline_policies(user_id, name, document) VALUES('AIDABOB', 'all', "
         "'{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}');"
         "INSERT INTO attachments(policy_id, user_id) VALUES('ANPAREAD', 'AIDABOB');"
         "INSERT INTO login_profiles VALUES('AIDABOB', '$argon2id$x', 5, 1);"
         /* a role trusting alice, bound to her unique id */
         "INSERT INTO roles VALUES('AROADEPLOY', '" ACCT "', 'Deployer', '/', 1, 'deploys', 3600, "
         "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"" ALICE_ARN
         "\",\"arn:aws:iam::" ACCT ":root\"]},\"Action\":\"sts:AssumeRole\"}]}', NULL, 0, NULL);"
         "INSERT INTO bindings VALUES(4, 'AROADEPLOY', '" ALICE_ARN "', 'AIDAALICE');"
         "INSERT INTO attachments(policy_id, role_id) VALUES('ANPAAWS1', 'AROADEPLOY');"
         "INSERT INTO instance_profiles VALUES('AIPAWEB', '" ACCT "', 'web', '/', 1);"
         "INSERT INTO instance_profile_roles VALUES('AIPAWEB', 'AROADEPLOY');"
         "INSERT INTO oidc_providers VALUES('arn:aws:iam::" ACCT ":oidc-provider/example.com', '" ACCT
         "', 'https://example.com', 1);"
         "INSERT INTO oidc_client_ids VALUES('arn:aws:iam::" ACCT ":oidc-provider/example.com', 'sts');"
         "INSERT INTO oidc_thumbprints VALUES('arn:aws:iam::" ACCT ":oidc-provider/example.com', 0, 'ab');"
         "INSERT INTO changes(kind, entity_id, time) VALUES(2, 'x', 1);");
    /* alice's access key, sealed as the store seals it */
    uint8_t blob[128];
    size_t n = 0;
    assert_int_equal(iam_seal(keyring(), "access-key", IAM_STR("AKIAALICE"), "SECRETSECRETSECRETSECRETSECRETSECRET1234",
                              40, blob, &n),
                     IAM_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO access_keys(id, account, user_id, secret, active, created) "
                                            "VALUES('AKIAALICE', '" ACCT "', 'AIDAALICE', ?1, 1, 3)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(st, 1, blob, (int)n, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    db = NULL;
    return 0;
}

static iam_snapshot *load(void)
{
    iam_snapshot *s = NULL;
    iam_diag d = { 0 };
    assert_int_equal(iam__snapshot_load_db(db, &s, &d), IAM_OK);
    assert_non_null(s);
    return s;
}

static iam_snapshot *apply1(const iam_snapshot *prev, iam_entity_kind kind, const char *id)
{
    iam_change c = { .kind = kind };
    iam_changes ch = { &c, 1, 1, 0 };
    iam_snapshot *s = NULL;
    snprintf(c.id, sizeof c.id, "%s", id);
    assert_int_equal(iam__snapshot_apply_db(prev, db, &ch, &s, NULL), IAM_OK);
    assert_non_null(s);
    return s;
}

static iam_decision decide(const iam_snapshot *s, const char *user, const char *action)
{
    const iam_user *u = iam_snap_user(s, IAM_STR(ACCT), iam_str_from_cstr(user));
    iam_principal_policies pp;
    iam_eval_result r;
    assert_non_null(u);
    assert_int_equal(iam_snap_user_policies(s, u, &pp), IAM_OK);
    iam_policy_set set = { .identity = pp.identity, .boundary = pp.boundary };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = iam_str_from_cstr(u->arn),
                        .action = iam_str_from_cstr(action), .resource = IAM_STR("arn:aws:s3:::b/k") };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    return r.decision;
}

static void test_lookups(void **state)
{
    (void)state;
    iam_snapshot *s = load();
    const iam_user *a = iam_snap_user(s, IAM_STR(ACCT), IAM_STR("ALICE"));
    assert_non_null(a);
    assert_string_equal(a->id, "AIDAALICE");
    assert_string_equal(a->arn, ALICE_ARN);
    assert_ptr_equal(iam_snap_user_by_id(s, IAM_STR("AIDAALICE")), a);
    assert_null(iam_snap_user(s, IAM_STR("444455556666"), IAM_STR("alice")));
    assert_null(iam_snap_user_by_id(s, IAM_STR("aidaalice")));
    assert_int_equal(a->n_groups, 1);
    assert_string_equal(a->groups[0]->name, "Devs");
    assert_int_equal(a->n_keys, 1);
    assert_string_equal(a->keys[0]->user_name, "alice");
    assert_int_equal(a->tags.n, 2);
    assert_string_equal(a->tags.items[0].key, "k1");
    assert_int_equal(a->inline_policies.n, 1);
    assert_non_null(a->inline_policies.items[0].compiled);

    const iam_user *zed = iam_snap_user(s, IAM_STR("444455556666"), IAM_STR("ZED"));
    assert_non_null(zed);
    assert_string_equal(zed->arn, "arn:aws:iam::444455556666:user/ops/zed");
    const iam_user *bob = iam_snap_user(s, IAM_STR(ACCT), IAM_STR("bob"));
    assert_non_null(bob->login_profile);
    assert_true(bob->login_profile->reset_required);
    assert_string_equal(bob->boundary_arn, "arn:aws:iam::" ACCT ":policy/Bound");

    const iam_group *g = iam_snap_group(s, IAM_STR(ACCT), IAM_STR("devs"));
    assert_non_null(g);
    assert_ptr_equal(iam_snap_group_by_id(s, IAM_STR("AGPADEVS")), g);
    assert_int_equal(g->n_members, 1);
    assert_string_equal(g->member_ids[0], "AIDAALICE");

    const iam_managed_policy *p = iam_snap_policy_by_arn(s, IAM_STR("arn:aws:iam::" ACCT ":policy/ReadS3"));
    assert_non_null(p);
    assert_ptr_equal(iam_snap_policy_by_id(s, IAM_STR("ANPAREAD")), p);
    assert_null(iam_snap_policy_by_arn(s, IAM_STR("arn:aws:iam::" ACCT ":policy/reads3")));
    assert_int_equal(p->n_versions, 2);
    assert_string_equal(p->default_version->version_id, "v1");
    assert_int_equal(p->attachment_count, 2);
    assert_int_equal(p->tags.n, 1);
    assert_int_equal(iam_snap_policy_by_id(s, IAM_STR("ANPABOUND"))->boundary_count, 1);

    const iam_role *r = iam_snap_role(s, IAM_STR(ACCT), IAM_STR("deployer"));
    assert_non_null(r);
    assert_ptr_equal(iam_snap_role_by_id(s, IAM_STR("AROADEPLOY")), r);
    assert_non_null(strstr(r->trust_document, ALICE_ARN)); /* binding resolves: unchanged */
    assert_non_null(r->trust);
    assert_int_equal(r->n_instance_profiles, 1);
    const iam_instance_profile *ip = iam_snap_instance_profile(s, IAM_STR(ACCT), IAM_STR("WEB"));
    assert_non_null(ip);
    assert_int_equal(ip->n_roles, 1);
    assert_ptr_equal(ip->roles[0], r);

    const iam_oidc_provider *o = iam_snap_oidc_provider(s, IAM_STR("arn:aws:iam::" ACCT ":oidc-provider/example.com"));
    assert_non_null(o);
    assert_int_equal(o->client_ids.n, 1);
    assert_string_equal(o->thumbprints.items[0], "ab");

    const iam_account *acc = iam_snap_account(s, IAM_STR("444455556666"));
    assert_non_null(acc);
    assert_string_equal(acc->alias, "other");
    assert_non_null(acc->password_policy);
    assert_int_equal(acc->password_policy->min_length, 12);
    assert_true(acc->password_policy->require_symbols);
    assert_ptr_equal(iam_snap_access_key(s, IAM_STR("AKIAALICE")), a->keys[0]);

    const char *uid = NULL;
    assert_true(iam_snap_principal_id(s, IAM_STR(ALICE_ARN), &uid));
    assert_string_equal(uid, "AIDAALICE");
    assert_true(iam_snap_principal_id(s, IAM_STR("arn:aws:iam::" ACCT ":role/Deployer"), &uid));
    assert_string_equal(uid, "AROADEPLOY");
    assert_false(iam_snap_principal_id(s, IAM_STR("arn:aws:iam::" ACCT ":user/dev/alice"), &uid));
    assert_false(iam_snap_principal_id(s, IAM_STR("arn:aws:iam::" ACCT ":root"), &uid));
    assert_int_equal(iam_snapshot_revision(s), 1);
    iam_snapshot_release(s);
}

static void test_lists(void **state)
{
    (void)state;
    iam_snapshot *s = load();
    iam_snap_list l = iam_snap_users(s, IAM_STR(ACCT));
    assert_int_equal(l.n, 2);
    assert_string_equal(((const iam_user *)l.items[0])->name, "alice");
    assert_string_equal(((const iam_user *)l.items[1])->name, "Bob");
    assert_int_equal(iam_snap_list_after(l, IAM_EK_USER, IAM_STR("")), 0);
    assert_int_equal(iam_snap_list_after(l, IAM_EK_USER, IAM_STR("ALICE")), 1);
    assert_int_equal(iam_snap_list_after(l, IAM_EK_USER, IAM_STR("b")), 1);
    assert_int_equal(iam_snap_list_after(l, IAM_EK_USER, IAM_STR("bob")), 2);
    assert_int_equal(iam_snap_users(s, IAM_STR("999999999999")).n, 0);
    assert_int_equal(iam_snap_policies(s, IAM_STR(ACCT)).n, 2);
    assert_int_equal(iam_snap_policies(s, IAM_STR(IAM_AWS_ACCOUNT)).n, 1);
    assert_int_equal(iam_snap_accounts(s).n, 2);
    assert_int_equal(iam_snap_roles(s, IAM_STR(ACCT)).n, 1);
    assert_int_equal(iam_snap_groups(s, IAM_STR(ACCT)).n, 1);
    assert_int_equal(iam_snap_instance_profiles(s, IAM_STR(ACCT)).n, 1);
    assert_int_equal(iam_snap_oidc_providers(s, IAM_STR(ACCT)).n, 1);

    iam_snap_list u, g, r;
    iam_snap_policy_entities(s, IAM_STR("ANPAREAD"), &u, &g, &r);
    assert_int_equal(u.n, 1);
    assert_string_equal(((const iam_user *)u.items[0])->name, "Bob");
    assert_int_equal(g.n, 1);
    assert_int_equal(r.n, 0);
    iam_snap_policy_entities(s, IAM_STR("ANPAAWS1"), &u, &g, &r);
    assert_int_equal(r.n, 1);

    iam_account_counts c;
    iam_snap_account_counts(s, IAM_STR(ACCT), &c);
    assert_int_equal(c.users, 2);
    assert_int_equal(c.groups, 1);
    assert_int_equal(c.roles, 1);
    assert_int_equal(c.policies, 2);
    assert_int_equal(c.instance_profiles, 1);
    assert_int_equal(c.oidc_providers, 1);
    iam_snapshot_release(s);
}

static void test_decisions(void **state)
{
    (void)state;
    iam_snapshot *s = load();
    assert_int_equal(decide(s, "alice", "s3:GetObject"), IAM_ALLOW);        /* group's managed policy */
    assert_int_equal(decide(s, "alice", "ec2:DescribeImages"), IAM_ALLOW);  /* group's inline policy */
    assert_int_equal(decide(s, "alice", "s3:PutObject"), IAM_IMPLICIT_DENY);
    assert_int_equal(decide(s, "alice", "s3:DeleteObject"), IAM_EXPLICIT_DENY);
    assert_int_equal(decide(s, "bob", "s3:GetObject"), IAM_ALLOW);
    assert_int_equal(decide(s, "bob", "ec2:RunInstances"), IAM_IMPLICIT_DENY); /* boundary caps "*" */

    /* cached: the same indexes the second time */
    const iam_user *a = iam_snap_user(s, IAM_STR(ACCT), IAM_STR("alice"));
    iam_principal_policies p1, p2;
    assert_int_equal(iam_snap_user_policies(s, a, &p1), IAM_OK);
    assert_int_equal(iam_snap_user_policies(s, a, &p2), IAM_OK);
    assert_ptr_equal(p1.identity, p2.identity);
    assert_null(p1.boundary);
    assert_int_equal(iam_index_policy_count(p1.identity), 3);

    const iam_role *r = iam_snap_role(s, IAM_STR(ACCT), IAM_STR("Deployer"));
    const iam_index *trust = NULL;
    assert_int_equal(iam_snap_role_trust(s, r, &trust), IAM_OK);
    assert_int_equal(iam_index_policy_count(trust), 1);
    assert_int_equal(iam_snap_role_policies(s, r, &p1), IAM_OK);
    assert_int_equal(iam_index_policy_count(p1.identity), 1);

    char secret[IAM_SECRET_KEY_LEN + 1];
    assert_int_equal(iam_snapshot_key_secret(s, a->keys[0], keyring(), secret, sizeof secret), IAM_OK);
    assert_string_equal(secret, "SECRETSECRETSECRETSECRETSECRETSECRET1234");
    assert_int_equal(iam_snapshot_key_secret(s, a->keys[0], keyring(), secret, 10), IAM_E_LIMIT);
    iam_snapshot_release(s);
}

static void test_apply(void **state)
{
    (void)state;
    iam_snapshot *s0 = load();
    const iam_user *alice0 = iam_snap_user(s0, IAM_STR(ACCT), IAM_STR("alice"));

    exec("INSERT INTO users VALUES('AIDACAROL', '" ACCT "', 'carol', '/', 2, 0, NULL)");
    iam_snapshot *s1 = apply1(s0, IAM_EK_USER, "AIDACAROL");
    assert_null(iam_snap_user(s0, IAM_STR(ACCT), IAM_STR("carol")));
    assert_non_null(iam_snap_user(s1, IAM_STR(ACCT), IAM_STR("CAROL")));
    assert_ptr_equal(iam_snap_user(s1, IAM_STR(ACCT), IAM_STR("alice")), alice0); /* shared */
    iam_snap_list l = iam_snap_users(s1, IAM_STR(ACCT));
    assert_int_equal(l.n, 3);
    assert_string_equal(((const iam_user *)l.items[2])->name, "carol");

    /* A new default version reaches alice through her group. */
    exec("UPDATE policies SET default_version = 'v2' WHERE id = 'ANPAREAD'");
    iam_snapshot *s2 = apply1(s1, IAM_EK_POLICY, "ANPAREAD");
    assert_int_equal(decide(s1, "alice", "s3:PutObject"), IAM_IMPLICIT_DENY);
    assert_int_equal(decide(s2, "alice", "s3:PutObject"), IAM_ALLOW);
    assert_int_equal(decide(s2, "alice", "s3:DeleteObject"), IAM_EXPLICIT_DENY);
    assert_int_equal(decide(s0, "alice", "s3:PutObject"), IAM_IMPLICIT_DENY); /* old snapshot, old answer */
    const iam_user *bob2 = iam_snap_user(s2, IAM_STR(ACCT), IAM_STR("bob"));
    assert_string_equal(bob2->attached[0]->default_version->version_id, "v2");
    assert_string_equal(iam_snap_user(s1, IAM_STR(ACCT), IAM_STR("bob"))->attached[0]->default_version->version_id,
                        "v1");
    iam_snapshot_release(s0);
    iam_snapshot_release(s1);

    /* Attach through the user's side only: the policy's count follows. */
    exec("INSERT INTO attachments(policy_id, user_id) VALUES('ANPAREAD', 'AIDACAROL')");
    iam_snapshot *s3 = apply1(s2, IAM_EK_USER, "AIDACAROL");
    assert_int_equal(iam_snap_policy_by_id(s3, IAM_STR("ANPAREAD"))->attachment_count, 3);
    assert_int_equal(iam_snap_policy_by_id(s2, IAM_STR("ANPAREAD"))->attachment_count, 2);
    assert_ptr_equal(iam_snap_user(s3, IAM_STR(ACCT), IAM_STR("carol"))->attached[0],
                     iam_snap_policy_by_id(s3, IAM_STR("ANPAREAD")));
    assert_ptr_equal(iam_snap_user(s3, IAM_STR(ACCT), IAM_STR("bob"))->attached[0],
                     iam_snap_policy_by_id(s3, IAM_STR("ANPAREAD")));
    iam_snap_list u, g, r;
    iam_snap_policy_entities(s3, IAM_STR("ANPAREAD"), &u, &g, &r);
    assert_int_equal(u.n, 2);
    assert_int_equal(decide(s3, "carol", "s3:PutObject"), IAM_ALLOW);
    assert_int_equal(decide(s3, "alice", "s3:PutObject"), IAM_ALLOW);

    /* Rename a group: the member's group list points at the new object. */
    exec("UPDATE groups SET name = 'Developers' WHERE id = 'AGPADEVS'");
    iam_snapshot *s4 = apply1(s3, IAM_EK_GROUP, "AGPADEVS");
    const iam_user *alice4 = iam_snap_user(s4, IAM_STR(ACCT), IAM_STR("alice"));
    assert_ptr_equal(alice4->groups[0], iam_snap_group(s4, IAM_STR(ACCT), IAM_STR("developers")));
    assert_null(iam_snap_group(s4, IAM_STR(ACCT), IAM_STR("Devs")));
    assert_string_equal(iam_snap_group(s3, IAM_STR(ACCT), IAM_STR("Devs"))->name, "Devs");

    /* Delete alice: the trust policy now shows her old unique id. */
    exec("DELETE FROM group_members WHERE user_id = 'AIDAALICE';"
         "DELETE FROM inline_policies WHERE user_id = 'AIDAALICE';"
         "DELETE FROM access_keys WHERE user_id = 'AIDAALICE';"
         "DELETE FROM tags WHERE kind = 2 AND entity_id = 'AIDAALICE';"
         "DELETE FROM users WHERE id = 'AIDAALICE';");
    iam_snapshot *s5 = apply1(s4, IAM_EK_USER, "AIDAALICE");
    assert_null(iam_snap_user(s5, IAM_STR(ACCT), IAM_STR("alice")));
    assert_null(iam_snap_access_key(s5, IAM_STR("AKIAALICE")));
    assert_int_equal(iam_snap_group(s5, IAM_STR(ACCT), IAM_STR("developers"))->n_members, 0);
    const iam_role *role5 = iam_snap_role(s5, IAM_STR(ACCT), IAM_STR("Deployer"));
    assert_null(strstr(role5->trust_document, ALICE_ARN));
    assert_non_null(strstr(role5->trust_document, "\"AIDAALICE\""));
    assert_non_null(strstr(role5->trust_document, ":root\""));
    assert_ptr_equal(iam_snap_instance_profile(s5, IAM_STR(ACCT), IAM_STR("web"))->roles[0], role5);
    assert_non_null(strstr(iam_snap_role(s4, IAM_STR(ACCT), IAM_STR("Deployer"))->trust_document, ALICE_ARN));

    /* A re-created alice is someone else: still bound to the old id. */
    exec("INSERT INTO users VALUES('AIDAALICE2', '" ACCT "', 'alice', '/', 3, 0, NULL)");
    iam_snapshot *s6 = apply1(s5, IAM_EK_USER, "AIDAALICE2");
    assert_non_null(strstr(iam_snap_role(s6, IAM_STR(ACCT), IAM_STR("Deployer"))->trust_document, "\"AIDAALICE\""));

    /* Deriving from a snapshot that is no longer the newest reloads fully. */
    iam_snapshot *s7 = apply1(s4, IAM_EK_USER, "AIDAALICE2");
    assert_non_null(iam_snap_user(s7, IAM_STR(ACCT), IAM_STR("alice")));
    assert_int_equal(iam_snap_users(s7, IAM_STR(ACCT)).n, 3);

    iam_snapshot_release(s2);
    iam_snapshot_release(s4);
    iam_snapshot_release(s3);
    iam_snapshot_release(s6);
    iam_snapshot_release(s5);
    iam_snapshot_release(s7);
}

/* ---- holder ---- */

typedef struct pinner {
    iam_snapshot_holder *h;
    atomic_int stop;
    long pins;
} pinner;

static void *pin_loop(void *arg)
{
    pinner *p = arg;
    while (!atomic_load(&p->stop)) {
        const iam_snapshot *s = iam_snapshot_pin(p->h);
        iam_snap_list l = iam_snap_users(s, IAM_STR(ACCT));
        for (size_t i = 0; i < l.n; i++)
            if (((const iam_user *)l.items[i])->name[0] == '\0')
                abort();
        iam_snapshot_release(s);
        p->pins++;
    }
    return NULL;
}

static void test_holder(void **state)
{
    (void)state;
    iam_snapshot_holder *h = NULL;
    assert_int_equal(iam_snapshot_holder_new(load(), &h), IAM_OK);
    pinner p = { .h = h };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pin_loop, &p), 0);
    for (int i = 0; i < 200; i++) {
        char sql[256], id[32];
        snprintf(id, sizeof id, "AIDAU%04d", i);
        snprintf(sql, sizeof sql, "INSERT INTO users VALUES('%s', '" ACCT "', 'u%04d', '/', 1, 0, NULL)", id, i);
        exec(sql);
        const iam_snapshot *cur = iam_snapshot_pin(h);
        iam_snapshot *next = apply1(cur, IAM_EK_USER, id);
        iam_snapshot_release(cur);
        iam_snapshot_publish(h, next);
    }
    atomic_store(&p.stop, 1);
    pthread_join(th, NULL);
    const iam_snapshot *s = iam_snapshot_pin(h);
    assert_int_equal(iam_snap_users(s, IAM_STR(ACCT)).n, 202);
    iam_snapshot_release(s);
    iam_snapshot_holder_free(h);
    assert_true(p.pins > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holder, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
