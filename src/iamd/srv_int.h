/* srv_int.h - the server's internals shared by its own files (not by the
 * API handlers, which see only srv.h): the configuration, the server-wide
 * state, the per-request state behind a srv_call, the XML writer's layout,
 * the HTTP layer's view of a request and reply, and the subcommands.
 * Threads: srv_server is built before the HTTP threads start and is then
 * read-only except for its atomics, the write mutex and the touch queue. */
#ifndef IAMD_SRV_INT_H
#define IAMD_SRV_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "audit.h"
#include "iam/sigv4.h"
#include "log.h"
#include "metrics.h"
#include "srv.h"

/* ---- Configuration (config.c) ---- */

/* Which subcommand an option belongs to (a mask). */
enum {
    SRV_CMD_INIT = 1u << 0,
    SRV_CMD_SERVE = 1u << 1,
    SRV_CMD_ACCOUNT_CREATE = 1u << 2,
    SRV_CMD_ROOT_KEY = 1u << 3,
};

/* One trusted proxy network (X-Forwarded-For is believed only from these). */
typedef struct srv_cidr {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned prefix;     /* bits */
} srv_cidr;

#define SRV_DEFAULT_LISTEN "127.0.0.1:8080"
#define SRV_DEFAULT_REGION "us-east-1"
#define SRV_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define SRV_DEFAULT_MAX_CONNECTIONS 1000
#define SRV_DEFAULT_TIMEOUT 30

typedef struct srv_config {
    const char *data_dir;         /* required by every subcommand */
    const char *listen;           /* HOST:PORT, [V6]:PORT */
    const char *region;
    const char *partition;        /* "aws" */
    const char *master_key_file;  /* NULL = DATA_DIR/master.key */
    const char *data_files;       /* shipped data (managed-policies.json) */
    const char *tls_cert, *tls_key;
    const char *user;             /* privilege drop target; NULL = iamd or nobody */
    const char *account_id;       /* init / account create / root-key */
    const char *log_level;
    bool insecure;
    srv_cidr *trusted; size_t n_trusted;
    size_t max_body;
    unsigned max_connections;
    unsigned timeout;             /* seconds */
    unsigned threads;
    srv_quotas quotas;
    const char *oidc_ca_file;     /* CA bundle for OIDC discovery; NULL = the system's */
    const char *oidc_allow_hosts; /* comma list of hosts exempt from the SSRF address rules; NULL = none */
    /* internal: the strings above point into this storage */
    char *store_[32];
    size_t n_store_;
} srv_config;

/* Parses `argv` (after the subcommand words) for the subcommand `cmd`
 * (an SRV_CMD_* bit): config file (--config FILE / IAMD_CONFIG), then the
 * IAMD_* environment, then flags, each overriding the one before. Returns 0
 * when the caller should go on, 1 after printing an error, 2 after
 * printing --help. */
int srv_config_parse(srv_config *cfg, unsigned cmd, const char *cmd_name, int argc, char **argv);
/* Parses config-file text from memory only (no environment, no printing):
 * 0 on success, 1 with the first error in err (for the fuzz target). */
int srv_config_parse_text(srv_config *cfg, unsigned cmd, const char *text, size_t len, char *err, size_t err_cap);
void srv_config_free(srv_config *cfg);
/* AWS's default quotas. */
void srv_quotas_default(srv_quotas *q);
/* Parses an IPv4/IPv6 address or CIDR. */
bool srv_cidr_parse(const char *s, srv_cidr *out);
/* Whether the textual address `ip` lies in one of the networks. */
bool srv_cidr_match(const srv_cidr *nets, size_t n, const char *ip);

/* ---- The server ---- */

typedef struct srv_touch srv_touch;    /* access-key last-use queue (write.c) */
typedef struct srv_http srv_http;      /* the HTTP front end (http_mhd.c) */

/* One registered API action with its metrics slot. */
typedef struct srv_route {
    const srv_action *action;
    bool no_result;                    /* output shape empty: no <XResult> */
    bool sts;                          /* an STS action (Version 2011-06-15), else IAM */
    unsigned metric;                   /* index in the metrics tables */
} srv_route;

struct srv_server {
    srv_config *cfg;
    const iam_clock *clock;
    iam_keyring *keyring;
    iam_store *store;
    iam_snapshot_holder *holder;
    iam_sigv4_key_cache *key_cache;
    struct srv_sigkeys *sigkeys;       /* sealed secret -> signing key (pipeline.c) */
    srv_metrics *metrics;
    srv_audit_sink *audit;
    srv_touch *touch;
    srv_http *http;
    pthread_mutex_t write_mu;          /* one writer: begin .. publish */
    srv_route *routes;                 /* sorted by action name */
    size_t n_routes;
    const char **route_names_;         /* the metrics' action labels */
    iam_str accepted_regions[2];       /* configured region, us-east-1 */
    size_t n_accepted_regions;
    _Atomic long in_flight;            /* requests between start and reply */
    _Atomic bool stopping;             /* draining: replies close their connection */
};

/* The request path's signing-key cache: keyed by access key id, the sealed
 * secret's bytes and the credential scope, so that a request whose key was
 * seen today needs neither the unseal nor the four HMACs; a rotated or
 * re-sealed secret never matches a stale entry. */
iam_err srv_sigkeys_new(struct srv_sigkeys **out);
void srv_sigkeys_free(struct srv_sigkeys *c);
/* Lookup and insert by (key id, blob, scope). Long-term keys pass their
 * sealed secret as the blob; session keys pass none (their secret is a
 * function of the keyring and the key id alone). */
#define SRV_SCOPE_MAX 96
bool srv_sigkeys_get(struct srv_sigkeys *c, iam_str key_id, const uint8_t *blob, size_t blob_len,
                     const char *scope, size_t scope_len, uint8_t out[32]);
void srv_sigkeys_put(struct srv_sigkeys *c, iam_str key_id, const uint8_t *blob, size_t blob_len,
                     const char *scope, size_t scope_len, const uint8_t key[32]);
/* "date/region/service" of a parsed auth into out; 0 when it does not fit. */
size_t srv_sigv4_scope(const iam_sigv4_auth *a, char out[SRV_SCOPE_MAX]);
/* Fails the call with the AWS error of a SigV4 status. */
bool srv_fail_sigv4(srv_call *c, iam_sigv4_status st, const char *message);

/* Builds the action table (the four families, sorted, duplicates refused),
 * the metrics and the null audit sink. */
iam_err srv_server_routes_init(srv_server *s);
void srv_server_routes_free(srv_server *s);
const srv_route *srv_route_find(const srv_server *s, iam_str name);

/* ---- The HTTP layer's view of one request and its reply ---- */

typedef struct srv_http_in {
    iam_str method;
    iam_str path;                      /* raw, still percent-encoded, no query */
    iam_str query;                     /* raw, without '?' */
    const iam_http_header *headers;
    size_t n_headers;
    iam_str body;
    const char *peer_ip;               /* the TCP peer, text */
    bool secure;                       /* TLS */
    bool body_too_large;               /* the body passed --max-body (body then empty) */
    int64_t start_ns;                  /* monotonic, when the request line arrived */
} srv_http_in;

typedef struct srv_http_out {
    int status;
    const char *content_type;          /* static string */
    char *body;                        /* malloc'd; the HTTP layer frees it */
    size_t len;
    char request_id[40];               /* x-amzn-RequestId when non-empty */
    bool close;                        /* ask the HTTP layer to close the connection */
} srv_http_out;

/* The whole road of one request (pipeline.c). Never fails: errors become
 * replies. */
void srv_pipeline_handle(srv_server *s, const srv_http_in *in, srv_http_out *out);
/* Monotonic nanoseconds. */
int64_t srv_mono_ns(void);

/* ---- Per-request state (pipeline.c, call.c, write.c, authz.c) ---- */

typedef struct srv_arena_block {
    struct srv_arena_block *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} srv_arena_block;

typedef struct srv_arena {
    srv_arena_block *head;
    size_t total;
    unsigned char *ibuf;               /* caller's first buffer (16-aligned), used before any block */
    size_t icap, iused;
} srv_arena;
void *srv_arena_alloc(srv_arena *a, size_t n);   /* zeroed, 16-aligned, NULL on OOM */
void *srv_arena_alloc_raw(srv_arena *a, size_t n); /* as srv_arena_alloc, not zeroed */
void srv_arena_free(srv_arena *a);

/* The XML writer: a growable buffer and the stack of open elements. */
#define SRV_XML_DEPTH 32
struct srv_xml {
    char *buf;
    size_t len, cap;
    const char *open[SRV_XML_DEPTH];
    size_t depth;
    bool oom;                          /* an append failed: reply InternalFailure */
    /* The pagination tail of srv_page_list, deferred until the handler
     * closes the list element it opened (<Users>), so that <IsTruncated>
     * lands beside the list, not inside it. */
    size_t base_depth;                 /* depth inside <XResult> */
    bool tail_pending, tail_truncated;
    const char *tail_marker;
    size_t tail_depth;
};
/* Writes a still-pending pagination tail (the pipeline, before </XResult>). */
void srv_xml_flush_tail(srv_xml *x);
void srv_xml_init(srv_xml *x);
void srv_xml_reset(srv_xml *x);
void srv_xml_free(srv_xml *x);
void srv_xml_raw(srv_xml *x, const char *s, size_t n);
void srv_xml_text(srv_xml *x, const char *s, size_t n);  /* escaped */
/* Hands the buffer over (malloc'd) and empties the writer. */
char *srv_xml_take(srv_xml *x, size_t *len);

typedef struct srv_pin {
    const iam_snapshot *snap;
    struct srv_pin *next;
} srv_pin;

typedef struct srv_ctx_item {
    iam_context *ctx;
    struct srv_ctx_item *next;
} srv_ctx_item;

typedef struct srv_request {
    srv_call call;                     /* first: handlers see &req->call */
    srv_server *srv;
    srv_arena arena;
    srv_principal principal;
    srv_xml xml;
    srv_audit audit;
    const srv_http_in *in;
    const srv_route *route;
    iam_form *form;
    srv_pin *pins;                     /* released when the request ends */
    srv_ctx_item *contexts;            /* freed when the request ends */
    iam_txn *txn;                      /* open transaction, if any */
    bool sts;                          /* Version 2011-06-15: STS namespace and scope */
    struct srv_session_state *sess;    /* temporary credentials (session_auth.c), else NULL */
    bool write_locked;                 /* holds srv->write_mu */
    char request_id[40];
    /* Last: the arena's first buffer, so that most requests allocate
     * nothing else (not zeroed when the request starts). */
    _Alignas(16) unsigned char arena_buf[8192];
} srv_request;

static inline srv_request *srv_req_of(srv_call *c)
{
    return (srv_request *)(void *)c; /* srv_call is the first member */
}

/* Releases everything a request holds: an open txn is rolled back, the
 * write lock released, pins released, contexts freed (write.c / call.c). */
void srv_request_release(srv_request *r);
/* Sets the error without going through a handler's srv_fail (call.c). */
void srv_fail_set(srv_call *c, const char *code, int status, const char *type, const char *msg);
/* Type ("Sender"/"Receiver") of an error code. */
const char *srv_error_type(const char *code);

/* ---- Temporary credentials (session_auth.c) ----
 * Authenticates a request signed with an ASIA key and its session token:
 * opens the token with the keyring, refuses it expired (the server's
 * clock), loads its overflow from the store, resolves the principal in the
 * pinned snapshot, derives the temporary secret and verifies the
 * signature. Fills r->principal and r->sess. False with the call's error
 * set (InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch, ...). */
bool srv_session_authenticate(srv_request *r, const iam_http_request *hr, iam_sigv4_auth *auth);
/* The session policies of the caller's session as the engine's session
 * index, built on first use and kept for the request: *out NULL when the
 * session has none (or the caller has no session). False on OOM/internal
 * errors. */
bool srv_session_policies(srv_call *c, const iam_index **out);
/* Adds the session's condition keys (aws:TokenIssueTime, aws:SourceIdentity,
 * aws:MultiFactorAuth*, aws:FederatedProvider, session tags as
 * aws:PrincipalTag/<k> over the role's) to a context. */
bool srv_session_context(srv_call *c, iam_context *ctx);
/* Frees what the session state holds outside the arena. */
void srv_session_release(srv_request *r);

/* The caller's policies for a decision: identity and boundary (user, or
 * the session's role) and session policies. False (after logging) on an
 * internal error or for a caller without policies (root: identity NULL). */
bool srv_caller_policy_set(srv_call *c, iam_policy_set *set);

/* ---- The write path helpers (write.c) ---- */
iam_err srv_touch_start(srv_server *s);
void srv_touch_stop(srv_server *s);
/* Queues a last-use record for `key_id` (at most once per key per minute). */
void srv_touch_key(srv_server *s, iam_str key_id, int64_t now, iam_str service, iam_str region);
/* Queues a RoleLastUsed record for `role_id` (AssumeRole), same rules. */
void srv_touch_role(srv_server *s, iam_str role_id, int64_t now, iam_str region);
/* Builds the next snapshot after a commit and publishes it; the caller holds
 * write_mu. Falls back to a full load when the incremental build fails. */
void srv_publish_changes(srv_server *s, const iam_changes *ch);

/* ---- HTTP front end (http_mhd.c) ---- */
/* Binds and starts serving; *bound_port gets the port (useful with :0). */
iam_err srv_http_start(srv_server *s, unsigned *bound_port);
/* Stops accepting, waits up to `drain_ms` for in-flight requests, stops. */
void srv_http_stop(srv_server *s, int drain_ms);
/* A printable note about the TLS library libmicrohttpd was built with. */
bool srv_http_tls_supported(void);

/* ---- Subcommands ---- */
int srv_cmd_init(int argc, char **argv);
int srv_cmd_serve(int argc, char **argv);
int srv_cmd_account(int argc, char **argv);
/* `iamd oidc set-jwks` (cmd_oidc.c): an OIDC provider's keys. */
int srv_cmd_oidc(int argc, char **argv);

/* ---- Shared by the subcommands (cmd_init.c) ---- */
/* Opens the keyring from the master key file of cfg. */
iam_err srv_open_keyring(const srv_config *cfg, iam_keyring **out);
/* DATA_FILES/managed-policies.json (data_files or the compiled-in dir). */
const char *srv_data_files_dir(const srv_config *cfg);
/* Creates account `id` with an `admin` user holding AdministratorAccess and
 * one access key, in the opened store; writes the credentials file at
 * `cred_path` (0600, O_EXCL). Prints nothing. */
iam_err srv_create_account_with_admin(iam_store *st, const char *account_id, const char *cred_path,
                                      const iam_clock *clock, char *errbuf, size_t errcap);
/* Writes "[default]\naws_access_key_id = ...\naws_secret_access_key = ...\n"
 * to `path` with O_CREAT|O_EXCL, mode 0600. */
bool srv_write_credentials(const char *path, const char *key_id, const char *secret, char *errbuf, size_t errcap);

/* Formats epoch seconds as "2026-11-28T12:00:00Z" into out[21]. */
void srv_iso8601(int64_t epoch, char out[21]);
/* A random UUID v4 into out[37]. */
void srv_uuid(char out[37]);

#endif /* IAMD_SRV_INT_H */
