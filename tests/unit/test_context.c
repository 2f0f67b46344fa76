/* test_context.c - the request context (lib/policy/context.c): add, set,
 * count, value, clear; case-insensitive keys; multivalued keys and the
 * empty list; values copied in and pre-parsed once (number, date, IP).
 * Facts: reference/iam-policy-language.md §3.1 (condition keys are
 * case-insensitive), §3.4 (single vs multivalued is a property of the
 * request; an empty list is present), §3.5 (key types). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "iam/context.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static iam_context *new_ctx(void)
{
    iam_context *ctx = NULL;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_non_null(ctx);
    return ctx;
}

static void assert_value(const iam_context *ctx, const char *key, size_t i, const char *want)
{
    iam_str v = iam_context_value(ctx, iam_str_from_cstr(key), i);
    if (want == NULL) {
        if (v.ptr != NULL)
            fail_msg("%s[%zu]: \"%.*s\", want none", key, i, (int)v.len, v.ptr);
        return;
    }
    if (v.ptr == NULL || !iam_str_eq(v, iam_str_from_cstr(want)))
        fail_msg("%s[%zu]: \"%.*s\", want \"%s\"", key, i, (int)v.len, v.ptr ? v.ptr : "(null)", want);
}

/* new/free/clear lifecycle and argument checks. */
static void test_new_free_invalid(void **state)
{
    iam_context *ctx;
    const iam_str one = IAM_STR("v");
    (void)state;
    assert_int_equal(iam_context_new(NULL), IAM_E_INVALID);
    iam_context_free(NULL);  /* no-op */
    iam_context_clear(NULL); /* no-op */
    ctx = new_ctx();
    assert_int_equal(iam_context_add(NULL, IAM_STR("k"), IAM_STR("v")), IAM_E_INVALID);
    assert_int_equal(iam_context_add(ctx, IAM_STR(""), IAM_STR("v")), IAM_E_INVALID);
    assert_int_equal(iam_context_add(ctx, (iam_str){ NULL, 0 }, IAM_STR("v")), IAM_E_INVALID);
    assert_int_equal(iam_context_add(ctx, IAM_STR("k"), (iam_str){ NULL, 3 }), IAM_E_INVALID);
    assert_int_equal(iam_context_set(NULL, IAM_STR("k"), &one, 1), IAM_E_INVALID);
    assert_int_equal(iam_context_set(ctx, IAM_STR(""), &one, 1), IAM_E_INVALID);
    assert_int_equal(iam_context_set(ctx, IAM_STR("k"), NULL, 2), IAM_E_INVALID);
    /* the failed calls created nothing */
    assert_int_equal(iam_context_count(ctx, IAM_STR("k")), -1);
    /* NULL context reads as "no keys" */
    assert_int_equal(iam_context_count(NULL, IAM_STR("k")), -1);
    assert_null(iam_context_value(NULL, IAM_STR("k"), 0).ptr);
    /* an empty value with a NULL pointer is a valid empty string */
    assert_int_equal(iam_context_add(ctx, IAM_STR("k"), (iam_str){ NULL, 0 }), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("k")), 1);
    assert_value(ctx, "k", 0, "");
    iam_context_free(ctx);
}

/* add/count/value and §3.1 case-insensitive keys; values keep their case. */
static void test_add_count_value(void **state)
{
    iam_context *ctx = new_ctx();
    (void)state;
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), IAM_STR("Bob")), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:username")), 1);
    assert_int_equal(iam_context_count(ctx, IAM_STR("AWS:UserName")), 1); /* §3.1 */
    assert_int_equal(iam_context_count(ctx, IAM_STR("AWS:USERNAME")), 1);
    assert_value(ctx, "aws:username", 0, "Bob");
    assert_value(ctx, "Aws:UserName", 0, "Bob"); /* value case kept */
    assert_value(ctx, "aws:username", 1, NULL);  /* out of range */
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:userid")), -1);
    assert_value(ctx, "aws:userid", 0, NULL);
    /* a prefix of a key is another key */
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:user")), -1);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:usernamex")), -1);
    /* adding under another casing appends to the same key (multivalued) */
    assert_int_equal(iam_context_add(ctx, IAM_STR("AWS:USERNAME"), IAM_STR("bob2")), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:username")), 2);
    assert_value(ctx, "aws:username", 1, "bob2");
    iam_context_free(ctx);
}

/* §3.4: calling add twice makes a multivalued key; order is kept. */
static void test_multivalued(void **state)
{
    iam_context *ctx = new_ctx();
    (void)state;
    static const char *tags[] = { "environment", "cost-center", "owner", "Environment" };
    for (size_t i = 0; i < N_ELEMS(tags); i++)
        assert_int_equal(iam_context_add(ctx, IAM_STR("aws:TagKeys"), iam_str_from_cstr(tags[i])), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), (long)N_ELEMS(tags));
    for (size_t i = 0; i < N_ELEMS(tags); i++)
        assert_value(ctx, "aws:TagKeys", i, tags[i]);
    assert_value(ctx, "aws:TagKeys", N_ELEMS(tags), NULL);
    /* the internal view agrees */
    const iam__ctxkey *k = iam__ctx_find(ctx, IAM_STR("aws:tagkeys"), iam__hash_lower(IAM_STR("aws:tagkeys")));
    assert_non_null(k);
    assert_int_equal(k->nvals, N_ELEMS(tags));
    assert_true(iam_str_eq(k->key, IAM_STR("aws:tagkeys"))); /* stored lower-case */
    iam_context_free(ctx);
}

/* set: exactly n values, replacing earlier ones; n = 0 is a present empty
 * list (§3.4: ForAllValues true, ForAnyValue false; §3.3 Null: present). */
static void test_set_and_empty_list(void **state)
{
    iam_context *ctx = new_ctx();
    const iam_str three[] = { IAM_STR("a"), IAM_STR("b"), IAM_STR("c") };
    const iam_str one[] = { IAM_STR("z") };
    (void)state;
    assert_int_equal(iam_context_set(ctx, IAM_STR("aws:TagKeys"), NULL, 0), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:TagKeys")), 0); /* present, empty */
    assert_value(ctx, "aws:TagKeys", 0, NULL);
    const iam__ctxkey *k = iam__ctx_find(ctx, IAM_STR("aws:tagkeys"), iam__hash_lower(IAM_STR("aws:tagkeys")));
    assert_non_null(k);
    assert_int_equal(k->nvals, 0);

    assert_int_equal(iam_context_set(ctx, IAM_STR("aws:TagKeys"), three, 3), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), 3);
    assert_value(ctx, "aws:tagkeys", 2, "c");
    assert_int_equal(iam_context_set(ctx, IAM_STR("AWS:TAGKEYS"), one, 1), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), 1);
    assert_value(ctx, "aws:tagkeys", 0, "z");
    assert_value(ctx, "aws:tagkeys", 1, NULL);
    /* add after set appends */
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:tagkeys"), IAM_STR("y")), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), 2);
    assert_value(ctx, "aws:tagkeys", 1, "y");
    /* set back to empty */
    assert_int_equal(iam_context_set(ctx, IAM_STR("aws:tagkeys"), three, 0), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), 0);
    /* add on an empty list gives one value */
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:tagkeys"), IAM_STR("x")), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("aws:tagkeys")), 1);
    assert_value(ctx, "aws:tagkeys", 0, "x");
    iam_context_free(ctx);
}

/* Values and keys are copied in: the caller's buffers may change. */
static void test_values_are_copied(void **state)
{
    iam_context *ctx = new_ctx();
    char key[] = "s3:prefix";
    char val[] = "home/bob/";
    char vals[2][8] = { "one", "two" };
    iam_str set_vals[2] = { { vals[0], 3 }, { vals[1], 3 } };
    (void)state;
    assert_int_equal(iam_context_add(ctx, (iam_str){ key, strlen(key) }, (iam_str){ val, strlen(val) }), IAM_OK);
    assert_int_equal(iam_context_set(ctx, IAM_STR("multi"), set_vals, 2), IAM_OK);
    memset(key, 'X', strlen(key));
    memset(val, 'Y', strlen(val));
    memset(vals, 'Z', sizeof vals);
    assert_value(ctx, "s3:prefix", 0, "home/bob/");
    assert_value(ctx, "multi", 0, "one");
    assert_value(ctx, "multi", 1, "two");
    iam_context_free(ctx);
}

/* Values are pre-parsed once: number, date (incl. epoch seconds), IP. */
static void test_preparsed_flags(void **state)
{
    static const struct {
        const char *v;
        bool num, date, ip;
        double n;
        int64_t usec;
        const char *why;
    } rows[] = {
        { "42", true, true, false, 42.0, 42000000, "§3.2: all digits are a number and epoch seconds" },
        { "-3.5", true, false, false, -3.5, 0, "decimal number" },
        { "0", true, true, false, 0.0, 0, "zero: number and the epoch" },
        { "2024-01-01T00:00:00Z", false, true, false, 0, 1704067200000000LL, "§3.2 ISO 8601 date" },
        { "2024-01-01", false, true, false, 0, 1704067200000000LL, "date only" },
        { "10.0.0.1", false, false, true, 0, 0, "IPv4 address" },
        { "2001:db8::1", false, false, true, 0, 0, "IPv6 address" },
        { "10.0.0.0/8", false, false, false, 0, 0, "a request value is an address, never a CIDR" },
        { "true", false, false, false, 0, 0, "Bool text is a plain string" },
        { "Bob", false, false, false, 0, 0, "plain string" },
        { "", false, false, false, 0, 0, "empty string" },
        { " 42", false, false, false, 0, 0, "no surrounding blanks" },
    };
    iam_context *ctx = new_ctx();
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        char key[16];
        snprintf(key, sizeof key, "k%zu", i);
        assert_int_equal(iam_context_add(ctx, iam_str_from_cstr(key), iam_str_from_cstr(rows[i].v)), IAM_OK);
        iam_str ks = iam_str_from_cstr(key);
        const iam__ctxkey *k = iam__ctx_find(ctx, ks, iam__hash_lower(ks));
        assert_non_null(k);
        const iam__ctxval *cv = &k->vals[0];
        if (cv->has_num != rows[i].num || cv->has_date != rows[i].date || cv->has_ip != rows[i].ip)
            fail_msg("\"%s\": num %d date %d ip %d (%s)", rows[i].v, cv->has_num, cv->has_date, cv->has_ip,
                     rows[i].why);
        if (rows[i].num && cv->num != rows[i].n)
            fail_msg("\"%s\": num %g, want %g", rows[i].v, cv->num, rows[i].n);
        if (rows[i].date && cv->date != rows[i].usec)
            fail_msg("\"%s\": date %lld, want %lld", rows[i].v, (long long)cv->date, (long long)rows[i].usec);
        if (rows[i].ip && (cv->ip.family != (strchr(rows[i].v, ':') ? 6 : 4)))
            fail_msg("\"%s\": ip family %u", rows[i].v, cv->ip.family);
    }
    /* a multivalued key pre-parses every value */
    const iam_str ips[] = { IAM_STR("1.2.3.4"), IAM_STR("nope"), IAM_STR("::1") };
    assert_int_equal(iam_context_set(ctx, IAM_STR("ips"), ips, 3), IAM_OK);
    const iam__ctxkey *k = iam__ctx_find(ctx, IAM_STR("ips"), iam__hash_lower(IAM_STR("ips")));
    assert_non_null(k);
    assert_true(k->vals[0].has_ip);
    assert_false(k->vals[1].has_ip);
    assert_true(k->vals[2].has_ip);
    iam_context_free(ctx);
}

/* Many keys (the key array grows) and many values per key. */
static void test_many_keys_and_values(void **state)
{
    iam_context *ctx = new_ctx();
    char key[32], val[32];
    (void)state;
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "Svc:Key%d", i);
        snprintf(val, sizeof val, "v%d", i);
        assert_int_equal(iam_context_add(ctx, iam_str_from_cstr(key), iam_str_from_cstr(val)), IAM_OK);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(val, sizeof val, "m%d", i);
        assert_int_equal(iam_context_add(ctx, IAM_STR("multi"), iam_str_from_cstr(val)), IAM_OK);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "svc:key%d", i);
        snprintf(val, sizeof val, "v%d", i);
        assert_int_equal(iam_context_count(ctx, iam_str_from_cstr(key)), 1);
        assert_value(ctx, key, 0, val);
    }
    assert_int_equal(iam_context_count(ctx, IAM_STR("MULTI")), 300);
    assert_value(ctx, "multi", 0, "m0");
    assert_value(ctx, "multi", 299, "m299");
    iam_context_free(ctx);
}

/* clear forgets every key and the context stays usable. */
static void test_clear_and_reuse(void **state)
{
    iam_context *ctx = new_ctx();
    (void)state;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(iam_context_add(ctx, IAM_STR("a"), IAM_STR("1")), IAM_OK);
        assert_int_equal(iam_context_add(ctx, IAM_STR("a"), IAM_STR("2")), IAM_OK);
        assert_int_equal(iam_context_set(ctx, IAM_STR("b"), NULL, 0), IAM_OK);
        assert_int_equal(iam_context_count(ctx, IAM_STR("a")), 2);
        assert_int_equal(iam_context_count(ctx, IAM_STR("b")), 0);
        iam_context_clear(ctx);
        assert_int_equal(iam_context_count(ctx, IAM_STR("a")), -1);
        assert_int_equal(iam_context_count(ctx, IAM_STR("b")), -1);
        assert_value(ctx, "a", 0, NULL);
    }
    iam_context_free(ctx);
}

/* The hash is over lower-cased bytes (FNV-1a), so differently cased keys
 * meet in lookups; iam__ctx_find takes the already-lowered key. */
static void test_hash_lower(void **state)
{
    iam_context *ctx = new_ctx();
    (void)state;
    assert_int_equal(iam__hash_lower(IAM_STR("AWS:SourceIp")), iam__hash_lower(IAM_STR("aws:sourceip")));
    assert_int_not_equal(iam__hash_lower(IAM_STR("aws:sourceip")), iam__hash_lower(IAM_STR("aws:sourceipx")));
    assert_int_equal(iam__hash_lower(IAM_STR("")), 2166136261u); /* FNV offset basis */
    assert_int_equal(iam_context_add(ctx, IAM_STR("AWS:SourceIp"), IAM_STR("1.2.3.4")), IAM_OK);
    iam_str k = IAM_STR("aws:sourceip");
    assert_non_null(iam__ctx_find(ctx, k, iam__hash_lower(k)));
    assert_null(iam__ctx_find(ctx, IAM_STR("aws:sourceipx"), iam__hash_lower(IAM_STR("aws:sourceipx"))));
    iam_context_free(ctx);
}

/* Keys and values are byte strings with lengths: embedded NUL and
 * non-ASCII bytes survive; only ASCII letters fold. */
static void test_binary_keys_values(void **state)
{
    iam_context *ctx = new_ctx();
    (void)state;
    assert_int_equal(iam_context_add(ctx, (iam_str){ "k\0x", 3 }, (iam_str){ "v\0w", 3 }), IAM_OK);
    assert_int_equal(iam_context_count(ctx, (iam_str){ "K\0X", 3 }), 1);
    assert_int_equal(iam_context_count(ctx, (iam_str){ "k", 1 }), -1);
    iam_str v = iam_context_value(ctx, (iam_str){ "k\0x", 3 }, 0);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.ptr, "v\0w", 3);
    /* 0xC3 0x89 (É) is not folded to 0xC3 0xA9 (é) */
    assert_int_equal(iam_context_add(ctx, IAM_STR("tag/\xc3\x89"), IAM_STR("1")), IAM_OK);
    assert_int_equal(iam_context_count(ctx, IAM_STR("tag/\xc3\xa9")), -1);
    assert_int_equal(iam_context_count(ctx, IAM_STR("TAG/\xc3\x89")), 1);
    iam_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free_invalid),
        cmocka_unit_test(test_add_count_value),
        cmocka_unit_test(test_multivalued),
        cmocka_unit_test(test_set_and_empty_list),
        cmocka_unit_test(test_values_are_copied),
        cmocka_unit_test(test_preparsed_flags),
        cmocka_unit_test(test_many_keys_and_values),
        cmocka_unit_test(test_clear_and_reuse),
        cmocka_unit_test(test_hash_lower),
        cmocka_unit_test(test_binary_keys_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
