/* test_srv_sts.c - the shape of temporary access key ids (api_sts.h): an
 * ASIA id carries its account in AWS's layout, so GetAccessKeyInfo answers
 * from the id alone, and the rest of it is random. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "api_sts.h"

static void round_trip(void **state)
{
    (void)state;
    static const char *const accounts[] = { "123456789012", "000000000001", "999999999999", "210987654321" };
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++) {
        char id[IAM_ID_LEN + 1], acct[13];
        assert_int_equal(srv_sts_key_id_new(accounts[i], id), IAM_OK);
        assert_int_equal(strlen(id), 20);
        assert_memory_equal(id, "ASIA", 4);
        assert_int_equal(strspn(id + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 16);
        assert_true(srv_sts_key_id_account(iam_str_from_cstr(id), acct));
        assert_string_equal(acct, accounts[i]);
    }
}

static void ids_differ(void **state)
{
    (void)state;
    char a[IAM_ID_LEN + 1], b[IAM_ID_LEN + 1];
    assert_int_equal(srv_sts_key_id_new("123456789012", a), IAM_OK);
    assert_int_equal(srv_sts_key_id_new("123456789012", b), IAM_OK);
    assert_string_not_equal(a, b);
}

static void bad_inputs(void **state)
{
    (void)state;
    char id[IAM_ID_LEN + 1], acct[13];
    assert_int_equal(srv_sts_key_id_new("12345678901", id), IAM_E_INVALID);
    assert_int_equal(srv_sts_key_id_new("12345678901x", id), IAM_E_INVALID);
    assert_int_equal(srv_sts_key_id_new("1234567890123", id), IAM_E_INVALID);
    assert_false(srv_sts_key_id_account(IAM_STR("ASIA1234"), acct));
    assert_false(srv_sts_key_id_account(IAM_STR("ASIAAAAAAAAAAAAAAAA1"), acct)); /* '1' is not base32 */
}

/* A key id in AWS's layout decodes as the published algorithm does
 * (expected value computed independently with Python's base64 module). */
static void aws_example(void **state)
{
    (void)state;
    char acct[13];
    assert_true(srv_sts_key_id_account(IAM_STR("ASIAY34FZKBOKMUTVV7A"), acct));
    assert_string_equal(acct, "609629065308");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(ids_differ),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(aws_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
