/* test_index_groups.c - the probe groups of index.c: on lists with 64 or
 * more probed statements, the index hashes the request's resource bytes per
 * (offset, length) group instead of checking each statement's probes. The
 * contract is the same as without groups: every statement whose Resource
 * matches is visited exactly once, and the decision equals an unpruned
 * evaluation. Checked on lists big enough to build groups, with statements
 * of one to four Resource patterns (probe dedupe), heads shorter and longer
 * than eight bytes, and statements without probes mixed in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/eval.h"
#include "policy/policy_int.h"

#define NSTMT 300

typedef struct rec {
    unsigned seen[NSTMT];
} rec;

static bool record(const iam__stmt *st, uint32_t policy, uint32_t index, bool action_known, void *arg)
{
    rec *r = arg;
    (void)st;
    (void)policy;
    (void)action_known;
    if (index < NSTMT)
        r->seen[index]++;
    return true;
}

/* Statement i: bucket names of varying length so heads fall on both sides
 * of eight bytes; every 7th statement names three buckets in four patterns,
 * two of them on its own bucket (objects "b/" + star and "b/x" + star: a
 * request for "b/x/..." passes both probes, and must still be visited
 * once), every 11th has a
 * wildcard-first resource (no probe). The exact list of s3:getobject then
 * holds ~270 probed statements in ~15 (offset, length) groups, so groups
 * are built; half of the multi-bucket statements also sit in the s3:get*
 * pattern list (mask dedupe between lists). */
static void bucket(char *buf, size_t cap, unsigned i)
{
    snprintf(buf, cap, "%.*s%u", (int)(1 + i % 12), "bucketbucketbucket", i);
}

static char *build_policy(void)
{
    size_t cap = 1u << 20, n = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    n += (size_t)snprintf(doc + n, cap - n, "{\"Version\":\"2012-10-17\",\"Statement\":[");
    for (unsigned i = 0; i < NSTMT; i++) {
        char b[64], b2[64], b3[64];
        bucket(b, sizeof b, i);
        if (i % 11 == 0)
            n += (size_t)snprintf(doc + n, cap - n,
                                  "%s{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::*/only%u/*\"}",
                                  i ? "," : "", i);
        else if (i % 7 == 0) {
            bucket(b2, sizeof b2, i + 1000);
            bucket(b3, sizeof b3, i + 2000);
            n += (size_t)snprintf(doc + n, cap - n,
                                  ",{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"%s],\"Resource\":["
                                  "\"arn:aws:s3:::%s/*\",\"arn:aws:s3:::%s/*\",\"arn:aws:s3:::%s/*\",\"arn:aws:s3:::%s/x*\"]}",
                                  i % 2 ? "" : ",\"s3:Get*\"", b, b2, b3, b);
        } else
            n += (size_t)snprintf(doc + n, cap - n,
                                  ",{\"Effect\":\"%s\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::%s/*\"}",
                                  i % 5 == 0 ? "Deny" : "Allow", b);
        assert_true(n < cap);
    }
    n += (size_t)snprintf(doc + n, cap - n, "]}");
    return doc;
}

/* What a full scan says for statement i and resource `res`. */
static bool applies(const iam_policy *p, unsigned i, const char *res)
{
    iam__req_env env;
    iam_request req = { IAM_PK_IAM_USER, IAM_STR("arn:aws:iam::111122223333:user/u"), IAM_STR("s3:GetObject"),
                        iam_str_from_cstr(res), IAM_STR("111122223333"), false, NULL };
    iam__naming naming;
    memset(&env, 0, sizeof env);
    env.req = &req;
    env.action_lower = IAM_STR("s3:getobject");
    iam__arn_split_value(req.resource, &env.resource);
    env.principal_account = IAM_STR("111122223333");
    return iam__stmt_applies(&p->stmts[i], &env, false, false, &naming);
}

static void groups_visit_exactly_the_matching(void **state)
{
    (void)state;
    char *doc = build_policy();
    iam_policy *p = NULL;
    iam_diag d;
    if (iam_policy_parse(doc, strlen(doc), 0, &p, &d) != IAM_OK)
        fail_msg("parse: %s at %s", d.message, d.path);
    free(doc);
    iam_index *ix = NULL;
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);

    unsigned checked = 0;
    for (unsigned t = 0; t < NSTMT + 40; t++) {
        char b[64], res[160];
        /* resources of each statement's buckets, of the 2nd/3rd/4th bucket of
         * multi-resource statements, of wildcard-first ones, and misses */
        bucket(b, sizeof b, t < NSTMT ? t : t + 1000 * (1 + t % 3));
        if (t % 13 == 0)
            snprintf(res, sizeof res, "arn:aws:s3:::any/only%u/k", t - t % 11);
        else if (t % 17 == 0)
            snprintf(res, sizeof res, "arn:aws:s3:::%s", b); /* bucket ARN, not object */
        else
            snprintf(res, sizeof res, "arn:aws:s3:::%s/x/key", b);
        iam__arn_split sp;
        iam__arn_split_value(iam_str_from_cstr(res), &sp);
        rec r;
        memset(&r, 0, sizeof r);
        iam__index_visit(ix, IAM_STR("s3:getobject"), &sp, record, &r);
        for (unsigned i = 0; i < NSTMT; i++) {
            assert_true(r.seen[i] <= 1); /* never twice, even with four probes */
            if (applies(p, i, res)) {
                if (r.seen[i] != 1)
                    fail_msg("statement %u applies to %s but was not visited", i, res);
                checked++;
            }
        }
        /* and the decision through iam_authorize equals the full scan */
        bool any_deny = false, any_allow = false;
        for (unsigned i = 0; i < NSTMT; i++)
            if (applies(p, i, res)) {
                any_deny |= iam_policy_statement_effect(p, i) == IAM_EFFECT_DENY;
                any_allow |= iam_policy_statement_effect(p, i) == IAM_EFFECT_ALLOW;
            }
        iam_policy_set set = { .identity = ix };
        iam_request req = { IAM_PK_IAM_USER, IAM_STR("arn:aws:iam::111122223333:user/u"), IAM_STR("s3:GetObject"),
                            iam_str_from_cstr(res), IAM_STR("111122223333"), false, NULL };
        iam_eval_result out;
        assert_int_equal(iam_authorize(&set, &req, &out), IAM_OK);
        assert_int_equal(out.decision, any_deny ? IAM_EXPLICIT_DENY : any_allow ? IAM_ALLOW : IAM_IMPLICIT_DENY);
    }
    assert_true(checked > NSTMT / 2); /* the test really exercised matches */
    iam_index_free(ix);
    iam_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(groups_visit_exactly_the_matching) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
