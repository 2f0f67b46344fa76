/* test_arn.c - ARN patterns (lib/policy/arn.c): value splitting, field-wise
 * matching, patterns with fewer fields, the all-exact fast path, policy
 * variables in the resource part (Resource) or in every field (Arn*
 * condition operators), and iam__arn_account.
 * Facts: reference/iam-policy-language.md §2.2 (a '*' stays inside each of
 * the first five fields and spans '/' and ':' in the resource part; ARNs are
 * case-sensitive), §2.3 (variables, escapes), §3.2 (ArnLike splits all six
 * fields, StringLike does not), §6 item 8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "iam/context.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Table rows report every failure, then the test fails once at the end. */
#define ROW_FAIL(nfail, ...) (print_error(__VA_ARGS__), print_error("\n"), (nfail)++)

/* Which fields take variables when the pattern is compiled. */
typedef enum vars_mode { NOVARS = 0, RESVARS, ALLVARS } vars_mode;

static bool arn_match(const char *pat, vars_mode vm, const char *value, const iam_context *ctx, iam_err *err)
{
    iam__arena a;
    iam__arnpat p;
    iam__arn_split sp;
    iam__arena_init(&a);
    assert_true(iam__arnpat_compile(&a, iam_str_from_cstr(pat), vm == ALLVARS, vm == RESVARS, &p));
    iam__arn_split_value(iam_str_from_cstr(value), &sp);
    bool got = iam__arnpat_match(&p, &sp, ctx, err);
    iam__arena_free(&a);
    return got;
}

/* ------------------------------------------------------------------ */
/* splitting                                                            */

static void test_split_value(void **state)
{
    static const struct {
        const char *in;
        uint8_t nfields;
        uint32_t start[7];
    } rows[] = {
        { "", 1, { 0, 1 } },
        { "*", 1, { 0, 2 } },
        { "abc", 1, { 0, 4 } },
        { "a:b", 2, { 0, 2, 4 } },
        { "arn:aws:s3:::bucket", 6, { 0, 4, 8, 11, 12, 13, 20 } },
        { "arn:aws:s3:::b/k:x:y", 6, { 0, 4, 8, 11, 12, 13, 21 } }, /* resource part keeps its colons */
        { "::::::", 6, { 0, 1, 2, 3, 4, 5, 7 } },
        { "arn:aws:iam::1", 5, { 0, 4, 8, 12, 13, 15 } },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        iam__arn_split sp;
        iam_str s = iam_str_from_cstr(rows[i].in);
        iam__arn_split_value(s, &sp);
        if (sp.nfields != rows[i].nfields)
            fail_msg("\"%s\": %u fields, want %u", rows[i].in, sp.nfields, rows[i].nfields);
        assert_ptr_equal(sp.s.ptr, s.ptr);
        assert_int_equal(sp.s.len, s.len);
        for (uint8_t f = 0; f <= sp.nfields; f++)
            if (sp.start[f] != rows[i].start[f])
                fail_msg("\"%s\": start[%u] = %u, want %u", rows[i].in, f, sp.start[f], rows[i].start[f]);
    }
}

/* ------------------------------------------------------------------ */
/* matching without variables                                           */

typedef struct arn_case {
    const char *pat, *value;
    bool want;
    const char *why;
} arn_case;

static const arn_case arn_cases[] = {
    { "*", "arn:aws:s3:::bucket", true, "§2.2: \"*\" matches everything" },
    { "*", "*", true, "§2.2: \"*\" matches the * of wildcard-only actions" },
    { "*", "", true, "lone * matches the empty value" },
    { "*", "not-an-arn", true, "lone * matches anything" },
    /* all-exact */
    { "arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true, "exact ARN" },
    { "arn:aws:s3:::bucket", "arn:aws:s3:::Bucket", false, "§2.2: ARNs are case-sensitive" },
    { "arn:aws:s3:::bucket", "ARN:aws:s3:::bucket", false, "§2.2: case-sensitive in every field" },
    { "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false, "§2.2: bucket vs object ARN" },
    { "arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket", false, "§2.2: object vs bucket ARN" },
    { "arn:aws:s3:::bucket", "arn:aws:s3::bucket", false, "exact pattern vs fewer fields" },
    { "arn:aws:s3:::bucket", "*", false, "§6.15: Resource arn:... does not match *" },
    { "", "", true, "empty pattern vs empty value" },
    { "", "x", false, "empty pattern vs text" },
    { "arn:aws", "arn:aws", true, "two-field exact" },
    { "arn:aws", "arn:aws:s3", false, "fewer-field exact: last field takes the rest" },
    { "arn:aws:sns:us-east-1:1:topic:sub", "arn:aws:sns:us-east-1:1:topic:sub", true, "colon in the resource" },
    /* resource part: '*' spans '/' and ':' */
    { "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true, "§2.2: * spans / and : in resource" },
    { "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/", true, "* may be empty" },
    { "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false, "§2.2: b/* does not cover the bucket" },
    { "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1/2/test/x", true, "§2.2 doc example" },
    { "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket//test/", true, "§2.2 doc example" },
    { "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1/tst/x", false, "§2.2: literal must appear" },
    { "arn:aws:logs:us-east-1:1:log-group:g:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", true,
      "* spans : in the resource part" },
    { "arn:aws:s3:::*log*", "arn:aws:s3:::carlossalazar-logs", true, "AWS doc: DenyS3Logs *log*" },
    { "arn:aws:s3:::*log*", "arn:aws:s3:::carlossalazar", false, "AWS doc: DenyS3Logs *log*" },
    { "arn:aws:s3:::b?cket", "arn:aws:s3:::bucket", true, "? in the resource" },
    /* first five fields: '*' does not cross ':' */
    { "arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x", true, "* in the account field" },
    { "arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/y", false, "resource part still exact" },
    { "arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1", true, "* in region and account" },
    { "arn:aws:ec2:us-*:123:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1", true, "prefix* in region" },
    { "arn:aws:ec2:us-*:123:instance/*", "arn:aws:ec2:eu-west-1:123:instance/i-1", false, "prefix* in region" },
    { "arn:aws:ec2:us-east-?:1:i", "arn:aws:ec2:us-east-1:1:i", true, "? in region" },
    { "arn:aws:ec2:us-east-?:1:i", "arn:aws:ec2:us-east-10:1:i", false, "? is one char" },
    { "arn:aws:ec2:us-east-1:*:instance/x", "arn:aws:ec2:us-east-1:1:2:instance/x", false,
      "§6.8: the account * does not swallow a colon" },
    { "arn:aws:ec2:*:instance/x", "arn:aws:ec2:us-east-1:1:instance/x", false,
      "§3.2: ArnLike region * stays in its field (StringLike would match)" },
    { "arn:aws:s3:*:bucket", "arn:aws:s3:::bucket", false, "5-field pattern: * only covers region" },
    { "arn:aws:*:us-east-1:*:*", "arn:aws:sqs:us-east-1:1:q", true, "* in service field, field-wise" },
    { "arn:*:s3:::b", "arn:aws-cn:s3:::b", true, "* in partition field" },
    { "arn:*:s3:::b", "arn:aws:s3:::c", false, "* in partition, resource differs" },
    { "arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:123:volume/instance/x", false, "resource prefix" },
    /* fewer pattern fields: the last pattern field takes the rest */
    { "arn:aws:iam::*", "arn:aws:iam::123:role/x", true, "5 fields: last * takes \"123:role/x\"" },
    { "arn:aws:*", "arn:aws:s3:::b", true, "3 fields: last * takes the rest" },
    { "arn:aws:s3*", "arn:aws:s3:::b", true, "3 fields: s3* takes \"s3:::b\"" },
    { "arn:aws:s3", "arn:aws:s3:::b", false, "3 exact fields vs a 6-field value" },
    { "arn:*", "*", false, "2-field pattern vs 1-field value" },
    { "arn:aws:s3:::*", "*", false, "§6.15: wildcard-only resource * is not an ARN" },
    { "arn:aws:s3:::b", "arn:aws:s3", false, "more pattern fields than value fields" },
    { "a*", "abc:def", true, "1-field pattern: * spans colons" },
};

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(arn_cases); i++) {
        const arn_case *c = &arn_cases[i];
        iam_err err = IAM_OK;
        bool got = arn_match(c->pat, NOVARS, c->value, NULL, &err);
        if (got != c->want || err != IAM_OK)
            fail_msg("\"%s\" vs \"%s\": got %d err %d, want %d (%s)", c->pat, c->value, got, err, c->want, c->why);
        /* variables enabled must not change a variable-free pattern */
        got = arn_match(c->pat, ALLVARS, c->value, NULL, &err);
        if (got != c->want)
            fail_msg("(vars) \"%s\" vs \"%s\": got %d, want %d (%s)", c->pat, c->value, got, c->want, c->why);
    }
}

/* Compile-time flags: any, all_exact, nfields, field kinds. */
static void test_compile_flags(void **state)
{
    static const struct {
        const char *pat;
        bool any, all_exact;
        uint8_t nfields;
    } rows[] = {
        { "*", true, false, 1 },
        { "arn:aws:s3:::b", false, true, 6 },
        { "arn:aws:s3:::b/*", false, false, 6 },
        { "arn:aws:s3", false, true, 3 },
        { "arn:aws:iam::*:role/x", false, false, 6 },
        { "arn:aws:sns:r:1:t:sub:x", false, true, 6 },
        { "**", false, false, 1 },
        { "", false, true, 1 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        iam__arena a;
        iam__arnpat p;
        iam__arena_init(&a);
        assert_true(iam__arnpat_compile(&a, iam_str_from_cstr(rows[i].pat), false, true, &p));
        if (p.any != rows[i].any || p.all_exact != rows[i].all_exact || p.nfields != rows[i].nfields)
            fail_msg("\"%s\": any %d all_exact %d nfields %u", rows[i].pat, p.any, p.all_exact, p.nfields);
        iam__arena_free(&a);
    }
}

/* The fast path and the field-wise path agree: an all-exact pattern matched
 * against values with fewer, equal and more fields. */
static void test_all_exact_agrees_fieldwise(void **state)
{
    static const char *pats[] = { "arn:aws:s3:::b", "arn:aws:iam::1:user/u", "a:b", "x", "a:b:c:d:e:f:g" };
    static const char *vals[] = { "arn:aws:s3:::b", "arn:aws:s3:::b:c", "arn:aws:s3::", "arn:aws:iam::1:user/u",
                                  "a:b", "a:b:c", "x", "x:", "a:b:c:d:e:f:g", "a:b:c:d:e:f" };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(pats); i++) {
        for (size_t j = 0; j < N_ELEMS(vals); j++) {
            bool got = arn_match(pats[i], NOVARS, vals[j], NULL, NULL);
            bool want = strcmp(pats[i], vals[j]) == 0;
            /* a pattern with fewer fields than the value: its last field
             * must equal the rest of the value, i.e. the whole text */
            if (got != want)
                fail_msg("exact \"%s\" vs \"%s\": got %d, want %d", pats[i], vals[j], got, want);
        }
    }
}

/* ------------------------------------------------------------------ */
/* variables                                                            */

typedef struct var_case {
    const char *pat;
    vars_mode vm;
    const char *value;
    bool want;
    const char *why;
} var_case;

/* context: aws:username=Bob, region=us-east-1, aws:PrincipalAccount=123,
 * multi={a,b} */
static const var_case var_cases[] = {
    { "arn:aws:s3:::bucket/${aws:username}/*", RESVARS, "arn:aws:s3:::bucket/Bob/x", true,
      "§2.3: variable in the resource part" },
    { "arn:aws:s3:::bucket/${aws:username}/*", RESVARS, "arn:aws:s3:::bucket/bob/x", false,
      "§2.2: substituted ARN text is case-sensitive" },
    { "arn:aws:s3:::bucket/${aws:missing}/*", RESVARS, "arn:aws:s3:::bucket//x", false,
      "§2.3: absent key: the Resource entry matches no resource" },
    { "arn:aws:s3:::bucket/${aws:missing, 'shared'}/*", RESVARS, "arn:aws:s3:::bucket/shared/x", true,
      "§2.3: default" },
    { "arn:aws:s3:::bucket/${multi}", RESVARS, "arn:aws:s3:::bucket/a", false, "§2.3: multivalued key" },
    { "arn:aws:s3:::bucket/${aws:username}", NOVARS, "arn:aws:s3:::bucket/Bob", false,
      "2008-10-17: variables are literal" },
    { "arn:aws:s3:::bucket/${aws:username}", NOVARS, "arn:aws:s3:::bucket/${aws:username}", true,
      "2008-10-17: variables are literal" },
    { "arn:aws:ec2:${region}:1:instance/x", RESVARS, "arn:aws:ec2:us-east-1:1:instance/x", false,
      "§2.2: Resource variables only in the resource part" },
    { "arn:aws:ec2:${region}:1:instance/x", RESVARS, "arn:aws:ec2:${region}:1:instance/x", true,
      "§2.2: outside the resource part ${...} is literal" },
    { "arn:aws:ec2:${region}:1:instance/x", ALLVARS, "arn:aws:ec2:us-east-1:1:instance/x", true,
      "§2.3: Arn operators substitute in every field" },
    { "arn:aws:ec2:${region}:1:instance/x", ALLVARS, "arn:aws:ec2:eu-west-1:1:instance/x", false,
      "§2.3: Arn operators substitute in every field" },
    /* A variable key holds a ':' (aws:PrincipalAccount): the pattern must
     * not be split inside ${...}. */
    { "arn:aws:iam::${aws:PrincipalAccount}:role/x", ALLVARS, "arn:aws:iam::123:role/x", true,
      "§2.3/§3.2: ArnLike value with ${aws:PrincipalAccount} in the account field" },
    { "arn:aws:iam::${aws:PrincipalAccount}:role/*", ALLVARS, "arn:aws:iam::999:role/x", false,
      "§2.3/§3.2: ${aws:PrincipalAccount} substituted, other account" },
    { "arn:aws:s3:::b/${aws:username}-${aws:PrincipalAccount}", RESVARS, "arn:aws:s3:::b/Bob-123", true,
      "colon keys in the resource part" },
    /* literal escapes: the fast path must compare the compiled text, not the
     * raw pattern */
    { "arn:aws:s3:::a${*}b", RESVARS, "arn:aws:s3:::a*b", true, "§2.3: ${*} is a literal * in Resource" },
    { "arn:aws:s3:::a${*}b", RESVARS, "arn:aws:s3:::aXb", false, "§2.3: ${*} is not a wildcard" },
    { "arn:aws:s3:::a${*}b", RESVARS, "arn:aws:s3:::a${*}b", false, "§2.3: ${*} is not its own text" },
    { "arn:aws:s3:::a${?}", RESVARS, "arn:aws:s3:::a?", true, "§2.3: ${?} is a literal ?" },
    { "arn:aws:s3:::a${$}", RESVARS, "arn:aws:s3:::a$", true, "§2.3: ${$} is a literal $" },
    { "arn:aws:s3:::a${*}*", RESVARS, "arn:aws:s3:::a*xyz", true, "${*} then a wildcard" },
    { "arn:aws:s3:::a${*}*", RESVARS, "arn:aws:s3:::axyz", false, "${*} then a wildcard" },
};

static void test_match_variables(void **state)
{
    iam_context *ctx = NULL;
    const iam_str multi[] = { IAM_STR("a"), IAM_STR("b") };
    int nfail = 0;
    (void)state;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), IAM_STR("Bob")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("region"), IAM_STR("us-east-1")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:PrincipalAccount"), IAM_STR("123")), IAM_OK);
    assert_int_equal(iam_context_set(ctx, IAM_STR("multi"), multi, 2), IAM_OK);
    for (size_t i = 0; i < N_ELEMS(var_cases); i++) {
        const var_case *c = &var_cases[i];
        iam_err err = IAM_OK;
        bool got = arn_match(c->pat, c->vm, c->value, ctx, &err);
        if (got != c->want || err != IAM_OK)
            ROW_FAIL(nfail, "\"%s\" (vars %d) vs \"%s\": got %d err %d, want %d (%s)", c->pat, c->vm, c->value,
                     got, err, c->want, c->why);
    }
    iam_context_free(ctx);
    assert_int_equal(nfail, 0);
}

/* ------------------------------------------------------------------ */
/* iam__arn_account                                                     */

static void test_arn_account(void **state)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        { "arn:aws:iam::123456789012:user/x", "123456789012" },
        { "arn:aws:iam::123456789012:role/a/b/c", "123456789012" },
        { "arn:aws:sts::999988887777:assumed-role/r/s", "999988887777" },
        { "arn:aws:s3:::bucket", "" },
        { "arn:aws:sqs:us-east-1:111122223333:q:extra", "111122223333" },
        { "arn:aws:iam::123", "" },          /* five fields: not a full ARN */
        { "ARN:aws:iam::123:user/x", "" },   /* case-sensitive prefix */
        { "urn:aws:iam::123:user/x", "" },
        { "arn:", "" },
        { "arn", "" },
        { "", "" },
        { "*", "" },
        { "123456789012", "" },
        { "arn:aws:iam:::root", "" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        iam_str got = iam__arn_account(iam_str_from_cstr(rows[i].in));
        if (!iam_str_eq(got, iam_str_from_cstr(rows[i].want)))
            fail_msg("account of \"%s\": \"%.*s\", want \"%s\"", rows[i].in, (int)got.len, got.ptr ? got.ptr : "",
                     rows[i].want);
        assert_non_null(got.ptr);
    }
}

/* Values are taken by length: a value that is a prefix of a longer buffer
 * (no NUL after it) matches as its own length says. */
static void test_match_by_length(void **state)
{
    const char buf[] = "arn:aws:s3:::bucketEXTRA";
    iam__arena a;
    iam__arnpat p, q;
    iam__arn_split sp;
    (void)state;
    iam__arena_init(&a);
    assert_true(iam__arnpat_compile(&a, IAM_STR("arn:aws:s3:::bucket"), false, true, &p));
    assert_true(iam__arnpat_compile(&a, IAM_STR("arn:aws:s3:::b*t"), false, true, &q));
    iam__arn_split_value((iam_str){ buf, 19 }, &sp);
    assert_true(iam__arnpat_match(&p, &sp, NULL, NULL));
    assert_true(iam__arnpat_match(&q, &sp, NULL, NULL));
    iam__arn_split_value((iam_str){ buf, 20 }, &sp);
    assert_false(iam__arnpat_match(&p, &sp, NULL, NULL));
    assert_false(iam__arnpat_match(&q, &sp, NULL, NULL));
    iam__arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_value),
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_compile_flags),
        cmocka_unit_test(test_all_exact_agrees_fieldwise),
        cmocka_unit_test(test_match_variables),
        cmocka_unit_test(test_arn_account),
        cmocka_unit_test(test_match_by_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
