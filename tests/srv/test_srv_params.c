/* test_srv_params.c - the Query API parameter helpers (AWS's ValidationError
 * wording naming the field), the XML writer and its shapes, the error
 * table, trusted-proxy CIDR matching and the metrics exposition, on a
 * request built by hand (no store, no HTTP). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "srv_int.h"

typedef struct fixture {
    srv_config cfg;
    srv_server srv;
    srv_request req;
} fixture;

static fixture *fx_new(const char *form)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    srv_quotas_default(&f->cfg.quotas);
    f->cfg.partition = "aws";
    f->cfg.region = "us-east-1";
    f->srv.cfg = &f->cfg;
    f->srv.audit = srv_audit_null_sink();
    f->req.srv = &f->srv;
    srv_xml_init(&f->req.xml);
    srv_audit_init(&f->req.audit);
    f->req.call.out = &f->req.xml;
    assert_int_equal(iam_form_parse(iam_str_from_cstr(form), NULL, &f->req.form, NULL), IAM_OK);
    f->req.call.params = f->req.form;
    return f;
}

static void fx_free(fixture *f)
{
    srv_request_release(&f->req);
    srv_xml_free(&f->req.xml);
    srv_arena_free(&f->req.arena);
    free(f);
}

static void name_required_null(void **state)
{
    (void)state;
    fixture *f = fx_new("Action=CreateUser");
    iam_str v;
    assert_false(srv_param_name(&f->req.call, "UserName", true, 64, &v));
    assert_string_equal(f->req.call.err_code, "ValidationError");
    assert_int_equal(f->req.call.err_status, 400);
    assert_string_equal(f->req.call.err_message, "1 validation error detected: Value null at 'userName' failed to "
                                                 "satisfy constraint: Member must not be null");
    fx_free(f);
}

static void name_pattern_and_length(void **state)
{
    (void)state;
    iam_str v;
    fixture *f = fx_new("Bad=a+b"); /* '+' is a space in forms: not a name character */
    assert_false(srv_param_name(&f->req.call, "Bad", true, 64, &v));
    assert_string_equal(f->req.call.err_message,
                        "1 validation error detected: Value 'a b' at 'bad' failed to satisfy constraint: Member "
                        "must satisfy regular expression pattern: [\\w+=,.@-]+");
    fx_free(f);
    f = fx_new("Long=aaaaaaaaaa");
    assert_false(srv_param_name(&f->req.call, "Long", true, 5, &v));
    assert_string_equal(f->req.call.err_message,
                        "1 validation error detected: Value 'aaaaaaaaaa' at 'long' failed to satisfy constraint: "
                        "Member must have length less than or equal to 5");
    fx_free(f);
    f = fx_new("UserName=bob%2B1%40x.com");
    assert_true(srv_param_name(&f->req.call, "UserName", true, 64, &v));
    assert_true(iam_str_eq(v, IAM_STR("bob+1@x.com")));
    fx_free(f);
}

static void invalid_utf8_rejected(void **state)
{
    (void)state;
    fixture *f = fx_new("UserName=%C3%28");
    iam_str v;
    assert_false(srv_param(&f->req.call, "UserName", true, &v));
    assert_string_equal(f->req.call.err_code, "InvalidParameterValue");
    fx_free(f);
}

static void path_rules(void **state)
{
    (void)state;
    fixture *f = fx_new("");
    iam_str v;
    assert_true(srv_param_path(&f->req.call, "Path", &v));
    assert_true(iam_str_eq(v, IAM_STR("/")));
    fx_free(f);
    f = fx_new("Path=%2Fdev%2F");
    assert_true(srv_param_path(&f->req.call, "Path", &v));
    assert_true(iam_str_eq(v, IAM_STR("/dev/")));
    fx_free(f);
    f = fx_new("Path=dev");
    assert_false(srv_param_path(&f->req.call, "Path", &v));
    assert_string_equal(f->req.call.err_code, "ValidationError");
    assert_non_null(strstr(f->req.call.err_message, "at 'path'"));
    fx_free(f);
}

static void ints_bools_pages(void **state)
{
    (void)state;
    fixture *f = fx_new("MaxItems=0&Flag=TRUE&N=12");
    int64_t n;
    bool b;
    srv_page pg;
    assert_true(srv_param_int(&f->req.call, "N", true, 1, 100, 5, &n));
    assert_int_equal(n, 12);
    assert_true(srv_param_int(&f->req.call, "Absent", false, 1, 100, 5, &n));
    assert_int_equal(n, 5);
    assert_true(srv_param_bool(&f->req.call, "Flag", false, &b));
    assert_true(b);
    assert_false(srv_param_page(&f->req.call, &pg));
    assert_non_null(strstr(f->req.call.err_message, "at 'maxItems'"));
    assert_non_null(strstr(f->req.call.err_message, "greater than or equal to 1"));
    fx_free(f);
    f = fx_new("Marker=bob");
    assert_true(srv_param_page(&f->req.call, &pg));
    assert_int_equal(pg.max_items, 100);
    assert_true(iam_str_eq(pg.marker, IAM_STR("bob")));
    fx_free(f);
}

static void lists_and_tags(void **state)
{
    (void)state;
    fixture *f = fx_new("ActionNames.member.2=b&ActionNames.member.1=a&Tags.member.1.Key=team&Tags.member.1.Value=x"
                        "&Tags.member.2.Key=env&Tags.member.2.Value=");
    iam_str *items;
    size_t n;
    iam_tag *tags;
    assert_true(srv_param_list(&f->req.call, "ActionNames", 10, &items, &n));
    assert_int_equal(n, 2);
    assert_true(iam_str_eq(items[0], IAM_STR("a")));
    assert_true(iam_str_eq(items[1], IAM_STR("b")));
    assert_false(srv_param_list(&f->req.call, "ActionNames", 1, &items, &n));
    assert_true(srv_param_tags(&f->req.call, "Tags", &tags, &n));
    assert_int_equal(n, 2);
    assert_string_equal(tags[0].key, "team");
    assert_string_equal(tags[1].value, "");
    fx_free(f);
    f = fx_new("Tags.member.1.Key=A&Tags.member.1.Value=1&Tags.member.2.Key=a&Tags.member.2.Value=2");
    assert_false(srv_param_tags(&f->req.call, "Tags", &tags, &n));
    assert_string_equal(f->req.call.err_code, "InvalidInput");
    fx_free(f);
}

static void arn_shape(void **state)
{
    (void)state;
    fixture *f = fx_new("PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&Bad=arn%3Aaws%3Aiam-not-an-arn");
    iam_str v;
    assert_true(srv_param_arn(&f->req.call, "PolicyArn", true, &v));
    assert_false(srv_param_arn(&f->req.call, "Bad", true, &v));
    assert_string_equal(f->req.call.err_code, "InvalidInput");
    fx_free(f);
}

static void xml_escaping_and_tail(void **state)
{
    (void)state;
    fixture *f = fx_new("");
    srv_xml *x = &f->req.xml;
    srv_xml_open(x, "R");
    x->base_depth = x->depth;
    srv_xml_cstr(x, "A", "<&\">'");
    srv_xml_open(x, "Users");
    /* a deferred tail lands after </Users> */
    x->tail_pending = true;
    x->tail_truncated = true;
    x->tail_marker = "bob";
    x->tail_depth = x->depth - 1;
    srv_xml_close(x);
    srv_xml_policy_doc(x, "D", "{\"a\": \"b/c\"}");
    srv_xml_close(x);
    size_t len;
    char *s = srv_xml_take(x, &len);
    assert_non_null(s);
    const char *want = "<R><A>&lt;&amp;&quot;&gt;&apos;</A><Users></Users><IsTruncated>true</IsTruncated>"
                       "<Marker>bob</Marker><D>%7B%22a%22%3A%20%22b%2Fc%22%7D</D></R>";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
    free(s);
    fx_free(f);
}

static void error_table(void **state)
{
    (void)state;
    assert_int_equal(srv_error_status("NoSuchEntity"), 404);
    assert_int_equal(srv_error_status("EntityAlreadyExists"), 409);
    assert_int_equal(srv_error_status("LimitExceeded"), 409);
    assert_int_equal(srv_error_status("MalformedPolicyDocument"), 400);
    assert_int_equal(srv_error_status("AccessDenied"), 403);
    assert_int_equal(srv_error_status("ServiceFailure"), 500);
    assert_string_equal(srv_error_type("ServiceFailure"), "Receiver");
    assert_string_equal(srv_error_type("NoSuchEntity"), "Sender");
}

static void iso8601(void **state)
{
    (void)state;
    char b[21];
    srv_iso8601(0, b);
    assert_string_equal(b, "1970-01-01T00:00:00Z");
    srv_iso8601(951782400, b); /* leap day */
    assert_string_equal(b, "2000-02-29T00:00:00Z");
    srv_iso8601(1798761599, b);
    assert_string_equal(b, "2026-12-31T23:59:59Z");
    srv_iso8601(4107542400, b);
    assert_string_equal(b, "2100-03-01T00:00:00Z");
    srv_iso8601(-1, b);
    assert_string_equal(b, "1969-12-31T23:59:59Z");
}

static void cidrs(void **state)
{
    (void)state;
    srv_cidr nets[2];
    assert_true(srv_cidr_parse("10.0.0.0/8", &nets[0]));
    assert_true(srv_cidr_parse("fd00::/16", &nets[1]));
    assert_true(srv_cidr_match(nets, 2, "10.1.2.3"));
    assert_true(srv_cidr_match(nets, 2, "::ffff:10.1.2.3"));
    assert_true(srv_cidr_match(nets, 2, "fd00:1::1"));
    assert_false(srv_cidr_match(nets, 2, "11.0.0.1"));
    assert_false(srv_cidr_parse("10.0.0.0/33", &nets[0]));
}

static void metrics_text(void **state)
{
    (void)state;
    const char *names[] = { "GetUser" };
    srv_metrics *m = srv_metrics_new(names, 1);
    srv_metrics_request(m, 0, 200, 300000);
    srv_metrics_request(m, srv_metrics_unknown(m), 400, 2000000000);
    srv_metrics_decision(m, SRV_DECISION_ALLOW);
    size_t len;
    char *t = srv_metrics_render(m, NULL, &len);
    assert_non_null(strstr(t, "iamd_requests_total{action=\"GetUser\",status=\"200\"} 1\n"));
    assert_non_null(strstr(t, "iamd_requests_total{action=\"unknown\",status=\"400\"} 1\n"));
    assert_non_null(strstr(t, "iamd_decisions_total{decision=\"allow\"} 1\n"));
    assert_non_null(strstr(t, "iamd_request_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
    assert_non_null(strstr(t, "iamd_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(t, "iamd_request_duration_seconds_count 2\n"));
    free(t);
    srv_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_required_null), cmocka_unit_test(name_pattern_and_length),
        cmocka_unit_test(invalid_utf8_rejected), cmocka_unit_test(path_rules),
        cmocka_unit_test(ints_bools_pages), cmocka_unit_test(lists_and_tags),
        cmocka_unit_test(arn_shape), cmocka_unit_test(xml_escaping_and_tail),
        cmocka_unit_test(error_table), cmocka_unit_test(cidrs), cmocka_unit_test(iso8601),
        cmocka_unit_test(metrics_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
