/* audit.c - the audit hook's plumbing: the record's initial state, the
 * handlers' helpers that add requestParameters / responseElements (copied
 * into the request arena only when the sink wants them), and the null sink. */
#include "srv_int.h"

static bool null_write(srv_audit_sink *s, const srv_audit *rec)
{
    (void)s;
    (void)rec;
    return true;
}

static void null_close(srv_audit_sink *s) { (void)s; }

static const srv_audit_sink_ops k_null_ops = { null_write, null_close, false };
static srv_audit_sink k_null_sink = { &k_null_ops };

srv_audit_sink *srv_audit_null_sink(void) { return &k_null_sink; }

void srv_audit_init(srv_audit *a)
{
    memset(a, 0, sizeof *a);
    a->event_source = "iam.amazonaws.com";
    a->request_params_tail = &a->request_params;
    a->response_elements_tail = &a->response_elements;
}

bool srv_audit_write(srv_audit_sink *s, const srv_audit *rec)
{
    return s == NULL || s->ops->write(s, rec);
}

void srv_audit_close(srv_audit_sink *s)
{
    if (s != NULL && s->ops->close != NULL)
        s->ops->close(s);
}

static void add_kv(srv_call *c, srv_audit_kv ***tail, const char *name, iam_str value)
{
    srv_request *r = srv_req_of(c);
    if (r->srv->audit == NULL || !r->srv->audit->ops->wants_details)
        return;
    srv_audit_kv *kv = srv_alloc(c, sizeof *kv);
    char *n = srv_strndup(c, iam_str_from_cstr(name));
    char *v = srv_strndup(c, value);
    if (kv == NULL || n == NULL || v == NULL)
        return; /* the record loses a detail; the request itself goes on */
    kv->name = n;
    kv->value = (iam_str){ v, value.len };
    **tail = kv;
    *tail = &kv->next;
}

void srv_audit_request_param(srv_call *c, const char *name, iam_str value)
{
    add_kv(c, &srv_req_of(c)->audit.request_params_tail, name, value);
}

void srv_audit_response_element(srv_call *c, const char *name, iam_str value)
{
    add_kv(c, &srv_req_of(c)->audit.response_elements_tail, name, value);
}
