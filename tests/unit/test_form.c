/* test_form.c - lib/common/form.c: form/query decoding ('+', %XX in names
 * and values, names without '=', empty pieces, NUL bytes kept), errors with
 * the parameter named, limits, lookup, UTF-8 validation (RFC 3629 edge
 * cases) and SigV4 URI encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "iam/form.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static iam_form *parse_ok(const char *in)
{
    iam_form *f = NULL;
    iam_diag d;
    iam_err err = iam_form_parse(iam_str_from_cstr(in), NULL, &f, &d);
    if (err != IAM_OK)
        fail_msg("'%s': %s", in, d.message);
    return f;
}

static void assert_param(const iam_form *f, size_t i, const char *name, size_t nlen, const char *value, size_t vlen)
{
    const iam_param *p = iam_form_params(f);
    assert_true(i < iam_form_count(f));
    assert_int_equal(p[i].name.len, nlen);
    assert_memory_equal(p[i].name.ptr, name, nlen);
    assert_int_equal(p[i].value.len, vlen);
    assert_memory_equal(p[i].value.ptr, value, vlen);
    assert_int_equal(p[i].name.ptr[nlen], '\0');
    assert_int_equal(p[i].value.ptr[vlen], '\0');
}
#define P(f, i, n, v) assert_param((f), (i), (n), sizeof(n) - 1, (v), sizeof(v) - 1)

static void test_basic(void **state)
{
    iam_form *f = parse_ok("Action=CreateUser&UserName=bob&Version=2010-05-08");
    (void)state;
    assert_int_equal(iam_form_count(f), 3);
    P(f, 0, "Action", "CreateUser");
    P(f, 1, "UserName", "bob");
    P(f, 2, "Version", "2010-05-08");
    iam_str v = iam_form_get(f, IAM_STR("UserName"));
    assert_true(iam_str_eq(v, IAM_STR("bob")));
    assert_null(iam_form_get(f, IAM_STR("username")).ptr); /* case-sensitive */
    assert_null(iam_form_get(f, IAM_STR("Missing")).ptr);
    iam_form_free(f);
    iam_form_free(NULL);
    assert_int_equal(iam_form_count(NULL), 0);
    assert_null(iam_form_get(NULL, IAM_STR("x")).ptr);
}

static void test_decoding(void **state)
{
    (void)state;
    iam_form *f = parse_ok("a+b=c+d&%41%62=%7e%7E%2B%25&flag&empty=&&&x==y=&%00=%00z");
    assert_int_equal(iam_form_count(f), 6);
    P(f, 0, "a b", "c d");
    P(f, 1, "Ab", "~~+%");
    P(f, 2, "flag", "");
    P(f, 3, "empty", "");
    P(f, 4, "x", "=y=");
    P(f, 5, "\0", "\0z");
    /* present but empty: ptr set, len 0 */
    iam_str v = iam_form_get(f, IAM_STR("flag"));
    assert_non_null(v.ptr);
    assert_int_equal(v.len, 0);
    /* first value wins */
    iam_form_free(f);
    f = parse_ok("k=1&k=2");
    assert_true(iam_str_eq(iam_form_get(f, IAM_STR("k")), IAM_STR("1")));
    iam_form_free(f);
    /* a URL-encoded policy document as aws-cli sends it */
    f = parse_ok("PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D&UserName=a%40b");
    P(f, 0, "PolicyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    P(f, 1, "UserName", "a@b");
    iam_form_free(f);
    /* empty input, only separators */
    f = parse_ok("");
    assert_int_equal(iam_form_count(f), 0);
    assert_null(iam_form_get(f, IAM_STR("")).ptr);
    iam_form_free(f);
    f = parse_ok("&&&");
    assert_int_equal(iam_form_count(f), 0);
    iam_form_free(f);
    /* names without '=': each still gets a NUL after name and value (the
     * storage bound that the fuzzer once broke) */
    f = parse_ok("a&b&c&d&e&ff");
    assert_int_equal(iam_form_count(f), 6);
    P(f, 0, "a", "");
    P(f, 5, "ff", "");
    iam_form_free(f);
    f = parse_ok("=v");
    P(f, 0, "", "v");
    iam_form_free(f);
}

static void test_errors(void **state)
{
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        { "a=%", "parameter 'a' at offset 2" },
        { "a=%4", "parameter 'a' at offset 2" },
        { "a=%4&b=1", "parameter 'a' at offset 2" },
        { "Action=X&Policy=%zz", "parameter 'Policy' at offset 16" },
        { "na%g1me=v", "parameter 'na%g1me' at offset 2" },
        { "a=%%41", "offset 2" },
    };
    iam_form *f = (iam_form *)(uintptr_t)1;
    iam_diag d;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        memset(&d, 0, sizeof d);
        assert_int_equal(iam_form_parse(iam_str_from_cstr(bad[i].in), NULL, &f, &d), IAM_E_SYNTAX);
        assert_null(f);
        if (strstr(d.message, bad[i].msg) == NULL)
            fail_msg("'%s': message '%s'", bad[i].in, d.message);
    }
    /* NULL diag is fine */
    assert_int_equal(iam_form_parse(IAM_STR("a=%"), NULL, &f, NULL), IAM_E_SYNTAX);
}

static void test_limits(void **state)
{
    iam_form_limits lim = { .max_params = 3, .max_bytes = 20 };
    iam_form *f = NULL;
    iam_diag d;
    (void)state;
    assert_int_equal(iam_form_parse(IAM_STR("a=1&b=2&c=3"), &lim, &f, &d), IAM_OK);
    iam_form_free(f);
    /* empty pieces do not count */
    assert_int_equal(iam_form_parse(IAM_STR("a=1&&b=2&&c=3&"), &lim, &f, &d), IAM_OK);
    iam_form_free(f);
    assert_int_equal(iam_form_parse(IAM_STR("a=1&b=2&c=3&d"), &lim, &f, &d), IAM_E_LIMIT);
    assert_null(f);
    assert_non_null(strstr(d.message, "more than 3 parameters"));
    assert_int_equal(iam_form_parse(IAM_STR("a=1234567890123456789"), &lim, &f, &d), IAM_E_LIMIT);
    /* defaults: 1000 params */
    static char big[4 * 1001 + 1];
    for (int i = 0; i < 1001; i++)
        memcpy(big + 4 * i, "a=1&", 4);
    assert_int_equal(iam_form_parse((iam_str){ big, 4 * 1000 }, NULL, &f, &d), IAM_OK);
    assert_int_equal(iam_form_count(f), 1000);
    iam_form_free(f);
    assert_int_equal(iam_form_parse((iam_str){ big, 4 * 1001 }, NULL, &f, &d), IAM_E_LIMIT);
}

static void test_utf8(void **state)
{
    static const char *const ok[] = { "", "ascii", "h\xc3\xa9llo", "\xe2\x9c\x93", "\xf0\x9f\x98\x80",
                                      "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80" };
    static const char *const bad[] = { "\x80",         "\xc3",         "\xc0\xaf",     "\xc1\xbf",
                                       "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
                                       "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
                                       "\xe2\x9c",     "a\xc3(",        "\xf0\x9f\x98" };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(ok); i++)
        if (!iam_utf8_valid(iam_str_from_cstr(ok[i])))
            fail_msg("rejected valid #%zu", i);
    for (size_t i = 0; i < N_ELEMS(bad); i++)
        if (iam_utf8_valid(iam_str_from_cstr(bad[i])))
            fail_msg("accepted invalid #%zu", i);
    assert_true(iam_utf8_valid((iam_str){ "a\0b", 3 })); /* NUL is a valid code point */
}

static void test_uri_encode(void **state)
{
    char out[64];
    (void)state;
    static const struct {
        const char *in;
        bool slash;
        const char *want;
    } rows[] = {
        { "AZaz09-._~", false, "AZaz09-._~" },
        { "a b+c", false, "a%20b%2Bc" },
        { "/a/b", false, "%2Fa%2Fb" },
        { "/a/b", true, "/a/b" },
        { "h\xc3\xa9", false, "h%C3%A9" },
        { "%", false, "%25" },
        { "*'()!", false, "%2A%27%28%29%21" },
        { "", false, "" },
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        size_t n = iam_uri_encode(iam_str_from_cstr(rows[i].in), rows[i].slash, out, sizeof out);
        assert_int_equal(n, strlen(rows[i].want));
        assert_memory_equal(out, rows[i].want, n);
    }
    /* sizing call, and a short buffer gets only whole pieces */
    assert_int_equal(iam_uri_encode(IAM_STR("a b"), false, NULL, 0), 5);
    memset(out, '#', sizeof out);
    assert_int_equal(iam_uri_encode(IAM_STR("a b"), false, out, 3), 5);
    assert_int_equal(out[0], 'a');
    assert_int_equal(out[1], '#');
    assert_int_equal(out[3], '#');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),  cmocka_unit_test(test_decoding), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits), cmocka_unit_test(test_utf8),     cmocka_unit_test(test_uri_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
