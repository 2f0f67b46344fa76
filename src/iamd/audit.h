/* audit.h - the single audit hook: one record per request, filled by the
 * pipeline (and, for requestParameters / responseElements, by handlers
 * through srv_audit_request_param / srv_audit_response_element), then
 * handed to the configured sink. Field names follow CloudTrail's record.
 * Ownership: every string in a record is borrowed for the request only; a
 * sink that keeps a record past write() copies what it needs.
 * Threads: write() is called from many request threads at once. */
#ifndef IAMD_AUDIT_H
#define IAMD_AUDIT_H
#include <stdbool.h>
#include <stdint.h>
#include "iam/str.h"

/* One name/value of requestParameters or responseElements. */
typedef struct srv_audit_kv {
    const char *name;
    iam_str value;
    struct srv_audit_kv *next;
} srv_audit_kv;

typedef struct srv_audit_identity {
    const char *type;            /* "IAMUser", "Root"; NULL when unauthenticated */
    const char *principal_id;    /* user id, or the account id for root */
    const char *arn;
    const char *account_id;
    const char *access_key_id;
    const char *user_name;       /* NULL for root */
} srv_audit_identity;

struct srv_audit {
    int64_t event_time;          /* epoch seconds */
    const char *event_source;    /* "iam.amazonaws.com" */
    const char *event_name;      /* the Action, NULL when none was given */
    const char *aws_region;
    const char *source_ip;
    const char *user_agent;
    srv_audit_identity identity;
    srv_audit_kv *request_params, **request_params_tail;
    srv_audit_kv *response_elements, **response_elements_tail;
    const char *error_code;      /* NULL on success */
    const char *error_message;
    const char *request_id;
    const char *event_id;
    const char *recipient_account_id;
    bool read_only;
    int http_status;
};
typedef struct srv_audit srv_audit;

/* A sink receives each finished record. write() returns false when the
 * record could not be made durable (a fail-closed server then refuses). */
typedef struct srv_audit_sink srv_audit_sink;
typedef struct srv_audit_sink_ops {
    bool (*write)(srv_audit_sink *s, const srv_audit *rec);
    void (*close)(srv_audit_sink *s);
    /* Whether handlers' request parameters and response elements are
     * wanted (the null sink says no, so nothing is copied for it). */
    bool wants_details;
} srv_audit_sink_ops;
struct srv_audit_sink {
    const srv_audit_sink_ops *ops;
};

/* The sink that drops every record (until the audit issue adds a real one). */
srv_audit_sink *srv_audit_null_sink(void);
void srv_audit_init(srv_audit *a);
bool srv_audit_write(srv_audit_sink *s, const srv_audit *rec);
void srv_audit_close(srv_audit_sink *s);

#endif /* IAMD_AUDIT_H */
