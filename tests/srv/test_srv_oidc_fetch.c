/* test_srv_oidc_fetch.c - OIDC discovery's SSRF rules without a network:
 * the forbidden address table (loopback, link-local/metadata, unspecified,
 * multicast, their IPv4-mapped forms), URLs refused before any connection
 * (http, userinfo, loopback without --oidc-allow-host), an allowed host
 * reaching a closed local port, the failure cache, and the two new serve
 * options parsed from config text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>
#include "oidc_fetch.h"
#include "srv_int.h"

static bool forbidden(const char *s)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(s, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)&ss;
        a->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, s, &a->sin6_addr), 1);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)(void *)&ss;
        a->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, s, &a->sin_addr), 1);
    }
    return srv_oidc_addr_forbidden((const struct sockaddr *)(const void *)&ss);
}

static void test_address_rules(void **state)
{
    (void)state;
    static const char *const bad[] = { "127.0.0.1", "127.255.0.9", "169.254.169.254", "169.254.0.1", "0.0.0.0",
                                       "224.0.0.1", "239.1.1.1", "255.255.255.255", "::1", "::", "fe80::1",
                                       "febf::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
                                       "::127.0.0.1", "::ffff:0.0.0.0" };
    static const char *const good[] = { "8.8.8.8", "10.0.0.1", "192.168.1.1", "128.0.0.1", "169.253.1.1",
                                        "2001:db8::1", "fec0::1", "::ffff:8.8.8.8" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_true(forbidden(bad[i]));
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_false(forbidden(good[i]));
}

static void test_refused_before_connecting(void **state)
{
    (void)state;
    srv_config cfg;
    memset(&cfg, 0, sizeof cfg);
    iam_jwks *j = NULL;
    char why[256];
    static const char *const urls[] = { "http://127.0.0.1:1", "https://127.0.0.1:1", "https://169.254.169.254",
                                        "https://[::1]:1", "https://[::ffff:127.0.0.1]:1", "https://0.0.0.0:1",
                                        "ftp://example.com" };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        assert_int_equal(srv_oidc_fetch_jwks(&cfg, urls[i], &j, why, sizeof why), SRV_OIDC_REFUSED);
        assert_null(j);
    }
    /* The allow-list lets a loopback host through: a closed port then. */
    cfg.oidc_allow_hosts = "example.test, 127.0.0.1";
    assert_int_equal(srv_oidc_fetch_jwks(&cfg, "https://127.0.0.1:1", &j, why, sizeof why), SRV_OIDC_UNREACHABLE);
    assert_int_equal(srv_oidc_fetch_jwks(&cfg, "https://169.254.169.254", &j, why, sizeof why), SRV_OIDC_REFUSED);
    assert_null(j);
}

static void test_cache_remembers_failure(void **state)
{
    (void)state;
    srv_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_true(srv_oidc_global_init(&cfg));
    srv_oidc_keys *k = NULL;
    bool fetched = true;
    char why[256];
    const char *arn = "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:1";
    assert_int_equal(srv_oidc_keys_get(&cfg, arn, "https://127.0.0.1:1", 1000, false, &k, &fetched, why, sizeof why),
                     SRV_OIDC_REFUSED);
    assert_false(fetched);
    assert_null(k);
    assert_int_equal(srv_oidc_keys_get(&cfg, arn, "https://127.0.0.1:1", 1005, false, &k, &fetched, why, sizeof why),
                     SRV_OIDC_REFUSED);
    assert_non_null(strstr(why, "failed less than"));
    /* After SRV_OIDC_FAIL_TTL the provider is tried again. */
    why[0] = 0;
    assert_int_equal(srv_oidc_keys_get(&cfg, arn, "https://127.0.0.1:1", 1000 + SRV_OIDC_FAIL_TTL, false, &k,
                                       &fetched, why, sizeof why),
                     SRV_OIDC_REFUSED);
    assert_null(strstr(why, "failed less than"));
    srv_oidc_global_cleanup();
}

static void test_config_options(void **state)
{
    (void)state;
    static const char text[] = "data-dir = /tmp/x\noidc-ca-file = /etc/ca.pem\noidc-allow-host = a.test\n"
                               "oidc-allow-host = 127.0.0.1\n";
    srv_config cfg;
    char err[256];
    assert_int_equal(srv_config_parse_text(&cfg, SRV_CMD_SERVE, text, sizeof text - 1, err, sizeof err), 0);
    assert_string_equal(cfg.oidc_ca_file, "/etc/ca.pem");
    assert_string_equal(cfg.oidc_allow_hosts, "a.test,127.0.0.1");
    srv_config_free(&cfg);
    /* Serve-only options: a shared config file's line is ignored by init. */
    static const char init_text[] = "data-dir = /tmp/x\noidc-ca-file = /etc/ca.pem\n";
    assert_int_equal(srv_config_parse_text(&cfg, SRV_CMD_INIT, init_text, sizeof init_text - 1, err, sizeof err), 0);
    assert_null(cfg.oidc_ca_file);
    srv_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_rules),
        cmocka_unit_test(test_refused_before_connecting),
        cmocka_unit_test(test_cache_remembers_failure),
        cmocka_unit_test(test_config_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
