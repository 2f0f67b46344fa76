/* test_alloc_failure.c - every allocation site of libiam, failed in turn
 * (curl's "torture" mode, libuv's test-loop-oom): each operation is run
 * with the Nth allocation failing, for N = 1, 2, ... until it succeeds
 * without a failure. Every failed run must return IAM_E_NOMEM (never crash
 * or report another error), and after cleanup no allocation may be live. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iam/alloc.h"
#include "iam/eval.h"

static long fail_at;   /* 1-based index of the allocation to fail; 0 = none */
static long count;     /* allocations attempted in this run */
static long live;      /* blocks currently allocated */

static void *t_malloc(size_t n)
{
    if (fail_at && ++count == fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        live++;
    return p;
}

static void *t_realloc(void *p, size_t n)
{
    if (fail_at && ++count == fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        live++;
    return q;
}

static void t_free(void *p)
{
    if (p) {
        live--;
        free(p);
    }
}

static const iam_allocator TORTURE = { t_malloc, t_realloc, t_free };

static const char POLICY[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:ListBucket\",\"sqs:SendMessage\"],"
    " \"Resource\":[\"arn:aws:s3:::b/${aws:username}/*\",\"arn:aws:s3:::b\"],"
    " \"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"2001:db8::/32\"]},"
    "   \"StringLike\":{\"aws:PrincipalTag/team\":\"pay*\"},\"DateLessThan\":{\"aws:CurrentTime\":\"2030-01-01\"}}},"
    "{\"Effect\":\"Deny\",\"NotAction\":\"s3:*\",\"Resource\":\"*\"},"
    "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"111122223333\",\"arn:aws:iam::111122223333:role/r\"]},"
    " \"Action\":\"*\",\"Resource\":\"*\"}]}";

/* One complete use of the library; returns the first error met. */
static iam_err scenario(void)
{
    iam_policy *p = NULL;
    iam_index *ix = NULL;
    iam_context *ctx = NULL;
    iam_err err;
    char big[6000];

    memset(big, 'x', sizeof big);
    if ((err = iam_policy_parse(POLICY, sizeof POLICY - 1, 0, &p, NULL)))
        goto out;
    if ((err = iam_index_new(&p, 1, &ix)))
        goto out;
    if ((err = iam_context_new(&ctx)))
        goto out;
    if ((err = iam_context_add(ctx, IAM_STR("aws:SourceIp"), IAM_STR("10.1.2.3"))))
        goto out;
    iam_str tags[] = { IAM_STR("a"), IAM_STR("b") };
    if ((err = iam_context_set(ctx, IAM_STR("aws:TagKeys"), tags, 2)))
        goto out;
    if ((err = iam_context_add(ctx, IAM_STR("aws:PrincipalTag/team"), IAM_STR("payments"))))
        goto out;
    /* a user name over 4 KiB takes the heap fallback of variable expansion */
    if ((err = iam_context_add(ctx, IAM_STR("aws:username"), (iam_str){ big, sizeof big })))
        goto out;
    iam_policy_set set = { .identity = ix };
    iam_request req = { IAM_PK_IAM_USER, IAM_STR("arn:aws:iam::111122223333:user/u"), IAM_STR("s3:GetObject"),
                        IAM_STR("arn:aws:s3:::b/u/k"), IAM_STR("111122223333"), false, ctx };
    iam_eval_result res;
    err = iam_authorize(&set, &req, &res);
    if (err != IAM_OK)
        assert_int_equal(res.decision, IAM_IMPLICIT_DENY); /* failure denies */
    if (err)
        goto out;
    iam_findings f;
    if ((err = iam_policy_validate(POLICY, sizeof POLICY - 1, IAM_KIND_RESOURCE, &f)))
        goto out;
    iam_findings_free(&f);
out:
    iam_context_free(ctx);
    iam_index_free(ix);
    iam_policy_free(p);
    return err;
}

static void every_allocation_fails_cleanly(void **state)
{
    (void)state;
    assert_int_equal(iam_allocator_set(&TORTURE), IAM_OK);
    long n;
    for (n = 1; n < 100000; n++) {
        fail_at = n;
        count = 0;
        live = 0;
        iam_err err = scenario();
        assert_int_equal(live, 0); /* nothing leaked on any path */
        if (count < n) {
            assert_int_equal(err, IAM_OK); /* no failure was injected */
            break;
        }
        if (err != IAM_E_NOMEM)
            fail_msg("allocation %ld failed but the call returned %s", n, iam_err_str(err));
    }
    assert_true(n > 20); /* the scenario really allocates */
    assert_int_equal(iam_allocator_set(NULL), IAM_OK);
}

static void allocator_needs_all_functions(void **state)
{
    (void)state;
    iam_allocator partial = { t_malloc, NULL, t_free };
    assert_int_equal(iam_allocator_set(&partial), IAM_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_fails_cleanly),
        cmocka_unit_test(allocator_needs_all_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
