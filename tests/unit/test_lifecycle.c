/* test_lifecycle.c - ownership over many cycles: parse, retain, index,
 * authorize and free a rich set of policies 1,000 times, plus every parse
 * error path and the heap fallback of variable expansion. The checks that
 * matter run in the ASan build: LeakSanitizer reports anything
 * iam_policy_free / iam_index_free / iam_context_free leave behind, and
 * ASan any use after free of a policy still referenced by an index.
 * (libiam's allocator is plain malloc, lib/common/alloc.c, and cannot be
 * replaced from a test without editing lib, so there is no failing-allocator
 * loop here; see the report.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "iam/eval.h"
#include "iam/policy.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDS 1000

/* A policy with every element and every condition family. */
static const char rich_identity[] =
    "{\"Version\":\"2012-10-17\",\"Id\":\"rich\",\"Statement\":["
    "{\"Sid\":\"Home\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\",\"S3:PutObject\"],"
    "\"Resource\":[\"arn:aws:s3:::bucket/home/${aws:username}/*\",\"arn:aws:s3:::bucket\","
    "\"arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*\",\"arn:aws:s3:::lit/${*}${?}${$}\"],"
    "\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"home/${aws:username}/*\",\"\"]},"
    "\"StringEqualsIgnoreCase\":{\"aws:PrincipalTag/Dept\":\"Eng\"},"
    "\"NumericLessThanEquals\":{\"s3:max-keys\":[\"1000\",10.5]},"
    "\"DateGreaterThan\":{\"aws:CurrentTime\":\"2020-01-01T00:00:00Z\"},"
    "\"DateLessThan\":{\"aws:EpochTime\":\"4102444800\"},"
    "\"Bool\":{\"aws:SecureTransport\":true},"
    "\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"2001:db8::/32\"]},"
    "\"ArnLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::*:user/*\"},"
    "\"BinaryEquals\":{\"k:bin\":\"QmluYXJ5\"},"
    "\"Null\":{\"aws:TokenIssueTime\":\"true\"},"
    "\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"a\",\"b\"]},"
    "\"ForAnyValue:StringLikeIfExists\":{\"aws:CalledVia\":\"*.amazonaws.com\"}}},"
    "{\"Sid\":\"NoSecrets\",\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\",\"sts:*\"],"
    "\"NotResource\":[\"arn:aws:s3:::bucket*\",\"arn:aws:s3:::lit/*\"]},"
    "{\"Sid\":\"Mfa\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
    "\"Condition\":{\"BoolIfExists\":{\"aws:MultiFactorAuthPresent\":\"false\"},"
    "\"StringNotEquals\":{\"aws:RequestedRegion\":[\"us-east-1\",\"eu-west-1\"]}}},"
    "{\"Sid\":\"Ec2\",\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\",\"ec2:*Tags\",\"ec2:RunInstances\"],"
    "\"Resource\":\"arn:aws:ec2:*:*:instance/*\"}"
    "]}";

static const char rich_resource[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"Users\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::111122223333:user/alice\","
    "\"111122223333\",\"arn:aws:iam::111122223333:role/app/Admin\","
    "\"arn:aws:sts::111122223333:assumed-role/Admin/s\",\"arn:aws:sts::111122223333:federated-user/f\"],"
    "\"Service\":[\"cloudtrail.amazonaws.com\"],\"Federated\":\"cognito-identity.amazonaws.com\","
    "\"CanonicalUser\":\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"},"
    "\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::bucket\",\"arn:aws:s3:::bucket/*\"]},"
    "{\"Sid\":\"NotMe\",\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":[\"arn:aws:iam::111122223333:user/alice\","
    "\"111122223333\"]},\"Action\":\"s3:DeleteBucket\",\"Resource\":\"*\"}"
    "]}";

static const char full_access[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}";

/* Documents that fail at various depths of compilation (error paths). */
static const char *const bad_docs[] = {
    "{",
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},{\"Effect\":1}]}",
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a:b\",\"c:d\",5]}]}",
    "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":[\"arn:aws:s3:::a\",{}]}}",
    "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Principal\":{\"AWS\":[\"1\",\"2\",[]]}}}",
    "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Condition\":{\"StringLike\":{\"a\":\"x\","
    "\"b\":[\"y\",{}]}}}}",
    "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Condition\":{\"StringLike\":{\"a\":\"x\"},"
    "\"Bogus\":{\"b\":\"y\"}}}}",
    "{\"Statement\":[],\"Statement\":[]}",
    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Foo\":1}}",
};

static iam_policy *parse_or_fail(const char *doc, unsigned flags)
{
    iam_policy *p = NULL;
    iam_diag d;
    if (iam_policy_parse(doc, strlen(doc), flags, &p, &d) != IAM_OK)
        fail_msg("parse: %s at %s", d.message, d.path);
    return p;
}

static void fill_context(iam_context *ctx, int round)
{
    const iam_str tags[] = { IAM_STR("a"), IAM_STR("b") };
    char buf[32];
    snprintf(buf, sizeof buf, "user%d", round % 7);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), iam_str_from_cstr(buf)), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s3:prefix"), IAM_STR("home/user0/x")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:PrincipalTag/Dept"), IAM_STR("eng")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s3:max-keys"), IAM_STR("10")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:CurrentTime"), IAM_STR("2024-06-01T00:00:00Z")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:EpochTime"), IAM_STR("1717200000")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:SecureTransport"), IAM_STR("true")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:SourceIp"), IAM_STR("10.1.2.3")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:PrincipalArn"),
                                     IAM_STR("arn:aws:iam::111122223333:user/alice")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("k:bin"), IAM_STR("QmluYXJ5")), IAM_OK);
    assert_int_equal(iam_context_set(ctx, IAM_STR("aws:TagKeys"), tags, round % 3), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:MultiFactorAuthPresent"),
                                     iam_str_from_cstr(round % 2 ? "true" : "false")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:RequestedRegion"), IAM_STR("us-east-1")), IAM_OK);
}

/* The main loop: everything built and torn down ROUNDS times, with
 * policies freed by the caller before the indexes that retain them. */
static void test_parse_index_eval_cycles(void **state)
{
    static const char *const actions[] = { "s3:GetObject", "s3:ListBucket", "s3:DeleteBucket", "ec2:RunInstances",
                                           "iam:ListUsers", "sts:AssumeRole" };
    static const char *const resources[] = { "arn:aws:s3:::bucket/home/user0/x", "arn:aws:s3:::bucket",
                                             "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "*",
                                             "arn:aws:s3:::lit/*?$", "arn:aws:iam::111122223333:role/R" };
    size_t decisions[3] = { 0 };
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        unsigned flags = round % 2 ? IAM_PARSE_LENIENT : 0;
        iam_policy *id = parse_or_fail(rich_identity, flags);
        iam_policy *res = parse_or_fail(rich_resource, flags);
        iam_policy *full = parse_or_fail(full_access, flags);
        iam_policy *ids[3] = { id, full, id }; /* the same policy twice */
        iam_index *ix_id = NULL, *ix_res = NULL, *ix_scp = NULL, *ix_pb = NULL;
        iam_context *ctx = NULL;

        assert_int_equal(iam_index_new(ids, 3, &ix_id), IAM_OK);
        assert_int_equal(iam_index_new(&res, 1, &ix_res), IAM_OK);
        assert_int_equal(iam_index_new(&full, 1, &ix_scp), IAM_OK);
        assert_int_equal(iam_index_new(&full, 1, &ix_pb), IAM_OK);
        /* drop the caller's references early: the indexes keep them alive */
        iam_policy_retain(id);
        iam_policy_free(id);
        iam_policy_free(id);
        iam_policy_free(res);
        iam_policy_free(full);

        assert_int_equal(iam_context_new(&ctx), IAM_OK);
        fill_context(ctx, round);
        const iam_index *scp[2] = { ix_scp, ix_scp };
        iam_policy_set set = { .identity = ix_id, .boundary = round % 3 ? ix_pb : NULL, .resource = ix_res,
                               .scp = scp, .scp_levels = 2, .rcp = scp, .rcp_levels = (size_t)(round % 2) };
        for (size_t a = 0; a < N_ELEMS(actions); a++)
            for (size_t r = 0; r < N_ELEMS(resources); r++) {
                iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                                    .principal = IAM_STR("arn:aws:iam::111122223333:user/alice"),
                                    .action = iam_str_from_cstr(actions[a]),
                                    .resource = iam_str_from_cstr(resources[r]),
                                    .action_is_wildcard_only = resources[r][0] == '*',
                                    .context = ctx };
                iam_eval_result out;
                assert_int_equal(iam_authorize(&set, &req, &out), IAM_OK);
                assert_true(out.decision <= IAM_EXPLICIT_DENY);
                decisions[out.decision]++;
            }
        if (round % 5 == 0) {
            iam_context_clear(ctx); /* clear then refill: the arena is reset */
            fill_context(ctx, round + 1);
        }
        iam_context_free(ctx);
        iam_index_free(ix_res);
        iam_index_free(ix_id);
        iam_index_free(ix_pb);
        iam_index_free(ix_scp);
    }
    /* the loop did decide things every way */
    assert_true(decisions[IAM_ALLOW] > 0);
    assert_true(decisions[IAM_EXPLICIT_DENY] > 0);
    assert_true(decisions[IAM_IMPLICIT_DENY] > 0);
}

/* Every parse error path, strictly and leniently, many times over. */
static void test_parse_error_paths(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < N_ELEMS(bad_docs); i++) {
            iam_policy *p = NULL;
            iam_diag d;
            unsigned flags = round % 2 ? IAM_PARSE_LENIENT : 0;
            iam_err err = iam_policy_parse(bad_docs[i], strlen(bad_docs[i]), flags, &p, round % 3 ? &d : NULL);
            if (err == IAM_OK) /* some only fail strictly */
                iam_policy_free(p);
            else
                assert_null(p);
        }
}

/* The heap fallback of variable expansion frees what it allocates. */
static void test_expansion_heap_cycles(void **state)
{
    static const char doc[] = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                              "\"Resource\":\"arn:aws:s3:::b/${aws:username}/${aws:username}/*\","
                              "\"Condition\":{\"StringLike\":{\"s3:prefix\":\"${aws:username}*\"}}}}";
    size_t n = 5000;
    char *name = malloc(n), *res = malloc(2 * n + 64);
    iam_policy *p = parse_or_fail(doc, 0);
    iam_index *ix = NULL;
    iam_context *ctx = NULL;
    (void)state;
    assert_non_null(name);
    assert_non_null(res);
    memset(name, 'n', n);
    size_t k = (size_t)snprintf(res, 64, "arn:aws:s3:::b/");
    memcpy(res + k, name, n);
    res[k + n] = '/';
    memcpy(res + k + n + 1, name, n);
    memcpy(res + k + 2 * n + 1, "/f", 2);
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    iam_policy_free(p);
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), (iam_str){ name, n }), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s3:prefix"), (iam_str){ name, n }), IAM_OK);
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR("arn:aws:iam::1:user/u"),
                        .action = IAM_STR("s3:GetObject"), .resource = { res, k + 2 * n + 3 }, .context = ctx };
    for (int round = 0; round < ROUNDS; round++) {
        iam_eval_result out;
        assert_int_equal(iam_authorize(&set, &req, &out), IAM_OK);
        assert_int_equal(out.decision, IAM_ALLOW);
    }
    iam_context_free(ctx);
    iam_index_free(ix);
    free(name);
    free(res);
}

/* Contexts: add/set/clear many times on one context, and many contexts. */
static void test_context_cycles(void **state)
{
    (void)state;
    iam_context *keep = NULL;
    assert_int_equal(iam_context_new(&keep), IAM_OK);
    for (int round = 0; round < ROUNDS; round++) {
        iam_context *ctx = NULL;
        assert_int_equal(iam_context_new(&ctx), IAM_OK);
        for (int i = 0; i < 20; i++) {
            char key[16];
            snprintf(key, sizeof key, "k%d", i % 7);
            assert_int_equal(iam_context_add(ctx, iam_str_from_cstr(key), IAM_STR("10.0.0.1")), IAM_OK);
            assert_int_equal(iam_context_add(keep, iam_str_from_cstr(key), IAM_STR("2024-01-01")), IAM_OK);
        }
        const iam_str vals[3] = { IAM_STR("1"), IAM_STR("x"), IAM_STR("::1") };
        assert_int_equal(iam_context_set(ctx, IAM_STR("multi"), vals, 3), IAM_OK);
        iam_context_free(ctx);
        if (round % 10 == 9)
            iam_context_clear(keep);
    }
    iam_context_free(keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_index_eval_cycles),
        cmocka_unit_test(test_parse_error_paths),
        cmocka_unit_test(test_expansion_heap_cycles),
        cmocka_unit_test(test_context_cycles),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
