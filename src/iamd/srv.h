/* srv.h - what an API action handler sees of the server.
 * Every request takes the same road (DESIGN.md §1): the HTTP layer decodes,
 * the pipeline authenticates (SigV4 → srv_principal) and pins the current
 * snapshot, the action's handler reads decoded parameters, authorizes with
 * srv_authorize(), writes through one store transaction (srv_begin /
 * srv_commit, which also publishes the next snapshot), and writes its reply
 * elements with the XML writer; the pipeline then writes the audit record
 * and encodes the reply or the AWS error. A handler does not parse HTTP,
 * verify signatures, log or format errors itself.
 *
 * Handlers return true on success; on failure they return
 * srv_fail(c, ...) (false) with the AWS error code and a message that names
 * the field. Memory a handler needs for the request comes from srv_alloc /
 * srv_strf (freed when the request ends). */
#ifndef IAMD_SRV_H
#define IAMD_SRV_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/clock.h"
#include "iam/context.h"
#include "iam/crypto.h"
#include "iam/eval.h"
#include "iam/form.h"
#include "iam/model.h"
#include "iam/session.h"
#include "iam/snapshot.h"
#include "iam/store.h"
#include "iam/str.h"

typedef struct srv_server srv_server;   /* server-wide state (config, store, holder, metrics) */
typedef struct srv_xml srv_xml;         /* the reply writer */
typedef struct srv_audit srv_audit;     /* the request's audit record (audit.h) */

/* AWS's default quotas (IAM service quotas), each configurable. */
typedef struct srv_quotas {
    uint32_t users_per_account;           /* 5000 */
    uint32_t groups_per_account;          /* 300 */
    uint32_t roles_per_account;           /* 1000 */
    uint32_t policies_per_account;        /* 1500 customer managed */
    uint32_t instance_profiles_per_account; /* 1000 */
    uint32_t groups_per_user;             /* 10 */
    uint32_t managed_per_principal;       /* 10 attached managed policies per user/group/role */
    uint32_t access_keys_per_user;        /* 2 */
    uint32_t versions_per_policy;         /* 5 */
    uint32_t roles_per_instance_profile;  /* 1 */
    uint32_t tags_per_entity;             /* 50 */
    uint32_t policy_size_managed;         /* 6144 chars (whitespace excluded) */
    uint32_t policy_size_user_inline;     /* 2048 aggregate */
    uint32_t policy_size_group_inline;    /* 5120 aggregate */
    uint32_t policy_size_role_inline;     /* 10240 aggregate */
    uint32_t trust_policy_size;           /* 2048 */
    uint32_t oidc_providers_per_account;  /* 100 */
    uint32_t client_ids_per_oidc;         /* 100 */
    uint32_t thumbprints_per_oidc;        /* 5 */
} srv_quotas;

/* Who made the request, from authentication. Temporary credentials (an
 * ASIA key with its session token) set `session`: an AssumeRole session is
 * IAM_PK_ASSUMED_ROLE_SESSION with `role`; a GetSessionToken session keeps
 * the kind of the user (or root) that asked for it. */
typedef struct srv_principal {
    iam_principal_kind kind;         /* IAM_PK_IAM_USER, IAM_PK_ACCOUNT_ROOT, IAM_PK_ASSUMED_ROLE_SESSION */
    const char *account;             /* 12 digits */
    const char *arn;                 /* arn:aws:iam::ACCOUNT:user/PATH/NAME, ...:root,
                                        arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
    const char *id;                  /* unique id: AIDA... for users, the account id for root,
                                        AROA...:SESSION for role sessions (aws:userid) */
    const char *name;                /* user name; NULL for root and role sessions */
    const iam_user *user;            /* the user in the pinned snapshot; NULL for root and roles */
    const char *access_key_id;
    const iam_role *role;            /* role sessions: the role in the pinned snapshot, else NULL */
    const iam_session *session;      /* temporary credentials: the decoded session, else NULL */
} srv_principal;

/* Everything one API call works with. */
typedef struct srv_call {
    srv_server *srv;
    const iam_snapshot *snap;        /* pinned for the request */
    const srv_principal *caller;
    const iam_form *params;          /* decoded Query API parameters */
    iam_str action;                  /* "CreateUser" */
    iam_str region;
    iam_str service;                 /* "iam" */
    int64_t now;                     /* request time, epoch seconds (the server's clock) */
    iam_str source_ip;               /* after trusted-proxy handling */
    iam_str user_agent;
    bool secure_transport;           /* TLS */
    srv_xml *out;                    /* write the <ActionResult> contents here */
    srv_audit *audit;
    /* The error, when a handler fails (set by srv_fail). */
    const char *err_code;            /* "NoSuchEntity" */
    int err_status;                  /* 404 */
    const char *err_type;            /* "Sender" or "Receiver" */
    char *err_message;
} srv_call;

typedef bool (*srv_handler)(srv_call *c);

/* One API action. `readonly` feeds the audit record. */
typedef struct srv_action {
    const char *name;                /* "CreateUser" */
    srv_handler fn;
    bool readonly;
} srv_action;

/* Each API family file exports its table, terminated by {NULL}. */
extern const srv_action srv_actions_users[];      /* users, groups, membership, keys, passwords, account */
extern const srv_action srv_actions_roles[];      /* roles, instance profiles, OIDC, tags, boundaries */
extern const srv_action srv_actions_policies[];   /* managed + inline policies, attachments, details */
extern const srv_action srv_actions_simulate[];   /* Simulate*, GetContextKeysFor* */
extern const srv_action srv_actions_sts[];        /* STS (Version 2011-06-15): api_sts.c */
extern const srv_action srv_actions_mfa[];        /* virtual MFA devices: api_mfa.c */

/* ---- Per-request memory ---- */
void *srv_alloc(srv_call *c, size_t n);                  /* zeroed; NULL on OOM (then fail InternalFailure) */
char *srv_strndup(srv_call *c, iam_str s);               /* NUL-terminated copy */
char *srv_strf(srv_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Errors ----
 * Sets the error and returns false. The code's HTTP status and type come
 * from the server's table of AWS error codes (srv_error_status). */
bool srv_fail(srv_call *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps a store/libiam error to the AWS error (NOTFOUND → NoSuchEntity,
 * EXISTS → EntityAlreadyExists, CONFLICT → DeleteConflict, LIMIT →
 * LimitExceeded, else ServiceFailure 500) with `what` in the message. */
bool srv_fail_err(srv_call *c, iam_err err, const char *what);
int srv_error_status(const char *code);

/* ---- Parameters (errors name the field, as AWS's ValidationError does) ----
 * required: absent → fail ValidationError "1 validation error detected:
 * Value null at 'userName' failed to satisfy constraint: Member must not be
 * null" (AWS's form; the field in lowerCamelCase). */
bool srv_param(srv_call *c, const char *name, bool required, iam_str *out);
/* AWS name rules: [\w+=,.@-]+, 1..max chars. */
bool srv_param_name(srv_call *c, const char *name, bool required, size_t max, iam_str *out);
/* Paths: "/" or "/.../" with [\x21-\x7E], ≤ 512 chars; absent → "/". */
bool srv_param_path(srv_call *c, const char *name, iam_str *out);
bool srv_param_int(srv_call *c, const char *name, bool required, int64_t min, int64_t max, int64_t dflt,
                   int64_t *out);
bool srv_param_bool(srv_call *c, const char *name, bool dflt, bool *out);
/* An ARN parameter (validated shape arn:PARTITION:SERVICE:...). */
bool srv_param_arn(srv_call *c, const char *name, bool required, iam_str *out);
/* Query API lists: Name.member.1, Name.member.2, ... (at most `max`). */
bool srv_param_list(srv_call *c, const char *name, size_t max, iam_str **items, size_t *n);
/* Tags.member.N.Key / .Value with AWS's key/value rules and at most 50. */
bool srv_param_tags(srv_call *c, const char *name, iam_tag **tags, size_t *n);
/* A policy document parameter: URL-decoded by the form already; checked
 * with the policy validator for `kind` and the size quota → on failure
 * MalformedPolicyDocument naming the problem, or LimitExceeded on size. */
bool srv_param_policy(srv_call *c, const char *name, iam_policy_kind kind, size_t max_chars, iam_str *out);
/* Marker/MaxItems: MaxItems 1..1000 (default 100). */
typedef struct srv_page {
    iam_str marker;
    size_t max_items;
} srv_page;
bool srv_param_page(srv_call *c, srv_page *out);

/* ---- ARNs ---- */
/* arn:PARTITION:iam::ACCOUNT:TYPE PATH NAME, e.g. type "user", path "/dev/". */
char *srv_arn(srv_call *c, const char *account, const char *type, iam_str path, iam_str name);
const char *srv_partition(const srv_call *c);            /* "aws" by default */

/* ---- Authorization ----
 * Decides `action` (e.g. "iam:CreateUser") on `resource` for the caller,
 * with the request's global context keys (aws:username, aws:userid,
 * aws:PrincipalArn/Account/Type/Tag, aws:CurrentTime, aws:EpochTime,
 * aws:SourceIp, aws:SecureTransport, aws:UserAgent, aws:RequestedRegion)
 * plus `extra` (may be NULL; e.g. iam:PolicyARN, aws:RequestTag/<k>,
 * aws:TagKeys, aws:ResourceTag/<k>, iam:PermissionsBoundary). The caller's
 * account root is allowed everything in its account; nobody acts across
 * accounts in the IAM API. On denial fails with AccessDenied and AWS's
 * message ("User: ARN is not authorized to perform: ACTION on resource:
 * ARN because no identity-based policy allows the ACTION action"). Any
 * internal error denies. */
bool srv_authorize(srv_call *c, const char *action, const char *resource, const iam_context *extra);
/* Adds aws:ResourceTag/<k> for each tag (helper for extra contexts). */
bool srv_context_resource_tags(srv_call *c, iam_context *ctx, iam_tags tags);
/* Adds aws:RequestTag/<k> and aws:TagKeys for tags a request sets. */
bool srv_context_request_tags(srv_call *c, iam_context *ctx, const iam_tag *tags, size_t n);
/* A context owned by the request (freed when it ends). */
iam_context *srv_context(srv_call *c);

/* ---- Writes ----
 * srv_begin starts the one transaction of this call; srv_commit commits it,
 * builds and publishes the next snapshot and re-pins c->snap to it (so a
 * handler can read back what it wrote). On any store error the transaction
 * is rolled back and the call fails (ServiceFailure 500 unless mapped). */
bool srv_begin(srv_call *c, iam_txn **t);
bool srv_commit(srv_call *c, iam_txn *t);
/* Maps and fails when err != IAM_OK, rolling back `t`. For chains of store calls:
 *   if (!srv_store(c, t, iam_txn_user_create(t, &u), "user")) return false; */
bool srv_store(srv_call *c, iam_txn *t, iam_err err, const char *what);

const srv_quotas *srv_quota(const srv_call *c);
const iam_keyring *srv_keyring(const srv_call *c);

/* ---- The reply (XML, namespace https://iam.amazonaws.com/doc/2010-05-08/)
 * The pipeline writes <ActionResponse xmlns=...><ActionResult>; the handler
 * writes what goes inside; the pipeline closes it and appends
 * <ResponseMetadata><RequestId>. Text is escaped by the writer. */
void srv_xml_open(srv_xml *x, const char *element);
void srv_xml_close(srv_xml *x);                           /* closes the innermost open element */
void srv_xml_str(srv_xml *x, const char *element, iam_str text);
void srv_xml_cstr(srv_xml *x, const char *element, const char *text); /* NULL text: element omitted */
void srv_xml_int(srv_xml *x, const char *element, int64_t v);
void srv_xml_bool(srv_xml *x, const char *element, bool v);
void srv_xml_time(srv_xml *x, const char *element, int64_t epoch); /* ISO 8601 "2026-11-28T12:00:00Z" */
/* A policy document as AWS returns it in XML: URL-encoded (RFC 3986). */
void srv_xml_policy_doc(srv_xml *x, const char *element, const char *json);
/* Common shapes reused across families. */
void srv_xml_tags(srv_xml *x, const char *element, iam_tags tags);             /* <Tags><member><Key/><Value/>... */
void srv_xml_user(srv_xml *x, const char *element, const iam_user *u);         /* User shape */
void srv_xml_role(srv_xml *x, const char *element, const iam_role *r);         /* Role shape */
void srv_xml_group(srv_xml *x, const char *element, const iam_group *g);
void srv_xml_policy(srv_xml *x, const char *element, const iam_managed_policy *p);
/* The pagination tail: <IsTruncated> and, when truncated, <Marker>. */
void srv_xml_page_end(srv_xml *x, bool truncated, const char *marker);

/* ---- Audit (the pipeline fills the common fields; handlers add these) ---- */
void srv_audit_request_param(srv_call *c, const char *name, iam_str value);
void srv_audit_response_element(srv_call *c, const char *name, iam_str value);

/* ---- Paging helper over a snapshot list ----
 * Applies c's Marker/MaxItems to `l` (sorted by name; `kind` tells how to
 * read the name), calling `emit` for each item on the page that `keep`
 * accepts (keep may be NULL), then writes the pagination tail. */
typedef bool (*srv_keep_fn)(srv_call *c, const void *item, void *ud);
typedef void (*srv_emit_fn)(srv_call *c, const void *item, void *ud);
bool srv_page_list(srv_call *c, const srv_page *pg, iam_snap_list l, iam_entity_kind kind, srv_keep_fn keep,
                   srv_emit_fn emit, void *ud);

#endif /* IAMD_SRV_H */
