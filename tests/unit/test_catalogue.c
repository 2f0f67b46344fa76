/* test_catalogue.c - the IAM action catalogue on the shipped data files
 * ($IAM_SOURCE_DIR/data, set by ctest): counts, case-insensitive action
 * lookups, access levels, resource types with ARN templates and required
 * flags, wildcard-only actions, key types (global, service, templates),
 * action-pattern expansion; plus load errors on small hand-made files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iam/catalogue.h"

#define S(lit) IAM_STR(lit)

static int setup(void **state)
{
    const char *src = getenv("IAM_SOURCE_DIR");
    char dir[512];
    iam_diag d;
    iam_catalogue *cat = NULL;
    struct timespec t0, t1;
    *state = NULL;
    if (src == NULL)
        return 0;
    snprintf(dir, sizeof dir, "%s/data", src);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    iam_err err = iam_catalogue_load_dir(dir, &cat, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (err != IAM_OK) {
        fprintf(stderr, "catalogue load failed: %s\n", d.message);
        return -1;
    }
    iam_catalogue_stats st;
    iam_catalogue_stats_get(cat, &st);
    fprintf(stderr, "# catalogue: %zu services, %zu actions, %zu KiB, loaded in %.1f ms\n", st.services, st.actions,
            st.bytes / 1024,
            (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    *state = cat;
    return 0;
}

static int teardown(void **state)
{
    iam_catalogue_free(*state);
    return 0;
}

#define CAT()                                                                                                        \
    const iam_catalogue *cat = *state;                                                                               \
    if (cat == NULL)                                                                                                 \
        skip();

static void counts(void **state)
{
    CAT();
    iam_catalogue_stats st;
    iam_catalogue_stats_get(cat, &st);
    assert_int_equal(st.services, 456);
    assert_int_equal(st.actions, 22091);
    assert_int_equal(st.resource_types, 2334);
    assert_int_equal(st.condition_keys, 2578);
    assert_int_equal(st.global_keys, 59);
    assert_true(st.bytes > 0);
}

static void action_lookup(void **state)
{
    CAT();
    const iam_action_info *a = iam_catalogue_action(cat, S("iam:CreateUser"));
    assert_non_null(a);
    assert_true(iam_str_eq(a->full_name, S("iam:CreateUser")));
    assert_true(iam_str_eq(a->name, S("CreateUser")));
    assert_true(iam_str_eq(a->service->prefix, S("iam")));
    assert_int_equal(a->access, IAM_ACCESS_WRITE);
    assert_string_equal(iam_access_level_name(a->access), "Write");
    assert_int_equal(a->n_resources, 1);
    assert_true(iam_str_eq(a->resources[0].type->name, S("user")));
    assert_true(a->resources[0].required);
    assert_string_equal(a->resources[0].type->arn.ptr, "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}");
    assert_false(iam_catalogue_wildcard_only(a));
    bool has_boundary = false;
    for (size_t i = 0; i < a->n_conditions; i++)
        has_boundary = has_boundary || iam_str_eq(a->conditions[i], S("iam:PermissionsBoundary"));
    assert_true(has_boundary);

    /* case-insensitive, and the same object */
    assert_ptr_equal(iam_catalogue_action(cat, S("IAM:createuser")), a);
    assert_null(iam_catalogue_action(cat, S("iam:CreateUserX")));
    assert_null(iam_catalogue_action(cat, S("nosuchservice:Foo")));
    assert_null(iam_catalogue_action(cat, S("iam")));
    assert_null(iam_catalogue_action(cat, IAM_STR_NULL));

    /* access levels */
    assert_int_equal(iam_catalogue_action(cat, S("iam:ListUsers"))->access, IAM_ACCESS_LIST);
    assert_int_equal(iam_catalogue_action(cat, S("iam:GetUser"))->access, IAM_ACCESS_READ);
    assert_int_equal(iam_catalogue_action(cat, S("iam:AttachUserPolicy"))->access, IAM_ACCESS_PERMISSIONS);
    assert_int_equal(iam_catalogue_action(cat, S("iam:TagUser"))->access, IAM_ACCESS_TAGGING);

    /* S3 GetObject acts on objects, not required-marked, several types */
    const iam_action_info *g = iam_catalogue_action(cat, S("s3:getobject"));
    assert_non_null(g);
    assert_true(g->n_resources >= 1);
    assert_int_equal(g->access, IAM_ACCESS_READ);
    const iam_service_info *s3 = iam_catalogue_service(cat, S("S3"));
    assert_non_null(s3);
    assert_ptr_equal(g->service, s3);
    assert_true(s3->n_actions > 100);
    assert_null(iam_catalogue_service(cat, S("nosuch")));
}

static void wildcard_only(void **state)
{
    CAT();
    /* actions that name no resource type: AWS evaluates them against "*" */
    const char *const wild[] = { "iam:ListUsers", "iam:ListRoles", "iam:GetAccountSummary", "s3:ListAllMyBuckets",
                                 "ec2:DescribeInstances", "sts:GetCallerIdentity" };
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        const iam_action_info *a = iam_catalogue_action(cat, iam_str_from_cstr(wild[i]));
        assert_non_null(a);
        assert_true(iam_catalogue_wildcard_only(a));
    }
    assert_false(iam_catalogue_wildcard_only(iam_catalogue_action(cat, S("iam:GetUser"))));
    assert_false(iam_catalogue_wildcard_only(iam_catalogue_action(cat, S("s3:GetObject"))));
    assert_false(iam_catalogue_wildcard_only(NULL));
}

static void key_types(void **state)
{
    CAT();
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:SourceIp")), IAM_KT_IP);
    assert_int_equal(iam_catalogue_key_type(cat, S("AWS:SOURCEIP")), IAM_KT_IP);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:CurrentTime")), IAM_KT_DATE);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:MultiFactorAuthPresent")), IAM_KT_BOOL);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:MultiFactorAuthAge")), IAM_KT_NUMERIC);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:TagKeys")), IAM_KT_ARRAY_OF_STRING);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:PrincipalArn")), IAM_KT_ARN);
    /* templates: aws:PrincipalTag/tag-key covers any tag */
    const iam_condition_key_info *k = iam_catalogue_global_key(cat, S("aws:PrincipalTag/dept"));
    assert_non_null(k);
    assert_true(k->is_template);
    assert_int_equal(k->type, IAM_KT_STRING);
    assert_non_null(iam_catalogue_global_key(cat, S("aws:requesttag/Team")));
    assert_null(iam_catalogue_global_key(cat, S("aws:PrincipalTagX")));
    assert_null(iam_catalogue_global_key(cat, S("s3:prefix")));
    /* service keys, found by the key's prefix */
    assert_int_equal(iam_catalogue_key_type(cat, S("s3:prefix")), IAM_KT_STRING);
    assert_int_equal(iam_catalogue_key_type(cat, S("iam:PermissionsBoundary")), IAM_KT_ARN);
    assert_int_equal(iam_catalogue_key_type(cat, S("iam:ResourceTag/team")), IAM_KT_STRING);
    assert_int_equal(iam_catalogue_key_type(cat, S("s3:ExistingObjectTag/color")), IAM_KT_STRING);
    assert_int_equal(iam_catalogue_key_type(cat, S("s3:nosuchkey")), IAM_KT_UNKNOWN);
    assert_int_equal(iam_catalogue_key_type(cat, S("nosuch:key")), IAM_KT_UNKNOWN);
    assert_int_equal(iam_catalogue_key_type(cat, S("nocolon")), IAM_KT_UNKNOWN);
}

static void type_names(void **state)
{
    (void)state;
    assert_string_equal(iam_key_type_name(IAM_KT_ARRAY_OF_ARN), "ArrayOfARN");
    assert_string_equal(iam_key_type_name(IAM_KT_IP), "IPAddress");
    assert_string_equal(iam_key_type_name((iam_key_type)99), "");
    assert_true(iam_key_type_is_array(IAM_KT_ARRAY_OF_BOOL));
    assert_false(iam_key_type_is_array(IAM_KT_BOOL));
    assert_int_equal(iam_key_type_scalar(IAM_KT_ARRAY_OF_DATE), IAM_KT_DATE);
    assert_int_equal(iam_key_type_scalar(IAM_KT_NUMERIC), IAM_KT_NUMERIC);
    assert_string_equal(iam_access_level_name(IAM_ACCESS_PERMISSIONS), "Permissions management");
    assert_string_equal(iam_access_level_name((iam_access_level)42), "");
}

typedef struct collect {
    size_t n;
    bool all_get;
    bool all_s3;
} collect;

static bool visit(const iam_action_info *a, void *ud)
{
    collect *c = ud;
    c->n++;
    c->all_get = c->all_get && a->name.len >= 3 && strncmp(a->name.ptr, "Get", 3) == 0;
    c->all_s3 = c->all_s3 && iam_str_eq(a->service->prefix, S("s3"));
    return true;
}

static bool stop_at_three(const iam_action_info *a, void *ud)
{
    (void)a;
    return ++*(size_t *)ud < 3;
}

static void match_actions(void **state)
{
    CAT();
    collect c = { 0, true, true };
    size_t n = iam_catalogue_match_actions(cat, S("s3:Get*"), visit, &c);
    assert_true(n > 30);
    assert_int_equal(n, c.n);
    assert_true(c.all_get && c.all_s3);
    /* case-insensitive pattern */
    assert_int_equal(iam_catalogue_match_actions(cat, S("S3:get*"), NULL, NULL), n);
    /* everything */
    assert_int_equal(iam_catalogue_match_actions(cat, S("*"), NULL, NULL), 22091);
    assert_int_equal(iam_catalogue_match_actions(cat, S("*:*"), NULL, NULL), 22091);
    /* service wildcard */
    collect all = { 0, false, false };
    size_t lists = iam_catalogue_match_actions(cat, S("*:ListUsers"), visit, &all);
    assert_true(lists >= 1);
    /* exact, '?' and no match */
    assert_int_equal(iam_catalogue_match_actions(cat, S("iam:GetUser"), NULL, NULL), 1);
    assert_int_equal(iam_catalogue_match_actions(cat, S("iam:GetUse?"), NULL, NULL), 1);
    assert_int_equal(iam_catalogue_match_actions(cat, S("iam:NoSuch*"), NULL, NULL), 0);
    assert_int_equal(iam_catalogue_match_actions(cat, S("nosuch:*"), NULL, NULL), 0);
    assert_int_equal(iam_catalogue_match_actions(cat, S("GetUser"), NULL, NULL), 0);
    /* early stop */
    size_t seen = 0;
    assert_int_equal(iam_catalogue_match_actions(cat, S("iam:*"), stop_at_three, &seen), 3);
}

/* ---- hand-made files -------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void load_errors(void **state)
{
    (void)state;
    iam_catalogue *cat = (iam_catalogue *)1;
    iam_diag d;
    char path[128];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/iam-cat-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));

    assert_int_equal(iam_catalogue_load_dir(tmpdir, &cat, &d), IAM_E_NOTFOUND);
    assert_null(cat);

    write_file("action-catalogue.json", "{\"x\": ");
    snprintf(path, sizeof path, "%s/action-catalogue.json", tmpdir);
    assert_int_equal(iam_catalogue_load(path, NULL, &cat, &d), IAM_E_SYNTAX);
    assert_null(cat);

    write_file("action-catalogue.json", "{\"x\": {\"name\": \"X\", \"actions\": {\"A\": {\"resources\": [\"r\"]}}}}");
    assert_int_equal(iam_catalogue_load(path, NULL, &cat, &d), IAM_E_MALFORMED);
    assert_null(cat);

    write_file("action-catalogue.json",
               "{\"x\": {\"name\": \"X\", \"actions\": {\"Do\": {\"access\": \"Write\", \"resources\": [\"r\"],"
               " \"conditions\": [\"x:k\", \"x:other\"], \"required\": [\"r\"], \"dependent\": [\"y:Z\"]},"
               " \"List\": {\"access\": \"List\", \"resources\": [], \"conditions\": []}},"
               " \"resources\": {\"r\": {\"arn\": \"arn:${Partition}:x:::r/${Id}\", \"conditions\": [\"x:k\"]}},"
               " \"conditions\": {\"x:k\": \"Numeric\"}}}");
    write_file("global-condition-keys.json", "{\"aws:Foo\": {\"type\": \"Bool\", \"category\": \"request\"}}");
    assert_int_equal(iam_catalogue_load_dir(tmpdir, &cat, &d), IAM_OK);
    const iam_action_info *a = iam_catalogue_action(cat, S("X:DO"));
    assert_non_null(a);
    assert_int_equal(a->n_conditions, 2);
    assert_string_equal(a->conditions[1].ptr, "x:other"); /* undefined by the service: kept anyway */
    assert_int_equal(a->n_dependent, 1);
    assert_true(a->resources[0].required);
    assert_ptr_equal(a->resources[0].type->conditions[0].ptr, a->conditions[0].ptr); /* shared */
    assert_true(iam_catalogue_wildcard_only(iam_catalogue_action(cat, S("x:List"))));
    assert_int_equal(iam_catalogue_key_type(cat, S("x:K")), IAM_KT_NUMERIC);
    assert_int_equal(iam_catalogue_key_type(cat, S("aws:foo")), IAM_KT_BOOL);
    iam_catalogue_free(cat);

    assert_int_equal(iam_catalogue_load(NULL, NULL, &cat, &d), IAM_E_INVALID);
    iam_catalogue_free(NULL);
    snprintf(path, sizeof path, "%s/action-catalogue.json", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/global-condition-keys.json", tmpdir);
    unlink(path);
    rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts),        cmocka_unit_test(action_lookup), cmocka_unit_test(wildcard_only),
        cmocka_unit_test(key_types),     cmocka_unit_test(type_names),    cmocka_unit_test(match_actions),
        cmocka_unit_test(load_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
