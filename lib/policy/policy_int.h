/* policy_int.h - the compiled, immutable form of a policy and the internal
 * API between the compiler (parse.c), the matchers (pattern.c, arn.c), the
 * context (context.c), conditions (condition.c), the index (index.c) and
 * the evaluator (eval.c). Nothing here is parsed at evaluation time. */
#ifndef IAM_POLICY_INT_H
#define IAM_POLICY_INT_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/common_int.h"
#include "iam/context.h"
#include "iam/eval.h"
#include "iam/policy.h"
#include "policy/operator.h"
#include "policy/value.h"

/* ---- patterns -------------------------------------------------------- */

/* Pattern tokens: 0..255 are literal bytes, the two wildcards sit above, so
 * a literal '*' (from ${*} or from substituted request text) never acts as
 * a wildcard. */
#define IAM_TOK_STAR  0x100u
#define IAM_TOK_QMARK 0x101u

typedef enum iam__pat_kind {
    IAM_PAT_NONE = 0, /* matches nothing (e.g. unusable text) */
    IAM_PAT_ANY,      /* a lone "*" */
    IAM_PAT_EXACT,    /* no wildcard, no variable: memcmp */
    IAM_PAT_PREFIX,   /* literal text followed by one trailing "*" */
    IAM_PAT_GLOB,     /* general tokens */
    IAM_PAT_VAR       /* contains policy variables: expanded per request */
} iam__pat_kind;

typedef struct iam__seg {
    const uint16_t *tok;  /* literal run (NULL for a variable) */
    uint32_t ntok;
    iam_str key;          /* variable key, lower-case */
    uint32_t key_hash;
    bool has_default;
    iam_str def;          /* default text, literal */
} iam__seg;

typedef struct iam__pat {
    iam__pat_kind kind;
    iam_str text;          /* EXACT: the text; PREFIX: the prefix */
    const uint16_t *tok;   /* GLOB */
    uint32_t ntok;
    const iam__seg *segs;  /* VAR */
    uint32_t nsegs;
} iam__pat;

enum {
    IAM_PATF_WILDCARDS = 1u << 0, /* '*' and '?' are wildcards */
    IAM_PATF_VARIABLES = 1u << 1, /* ${...} are policy variables */
    IAM_PATF_LOWER = 1u << 2      /* fold literal text to lower case */
};

bool iam__pat_compile(iam__arena *a, iam_str text, unsigned flags, iam__pat *out);
/* Matches `s` against `p`; variables resolve from `ctx`. An unresolvable
 * variable makes the pattern match nothing. Sets *err on allocation failure
 * of the rare heap fallback (and returns false). */
bool iam__pat_match(const iam__pat *p, iam_str s, bool nocase, const iam_context *ctx, iam_err *err);
bool iam__glob(const uint16_t *p, size_t pn, const char *s, size_t sn, bool nocase);

/* ARN patterns: up to six colon-separated fields matched one by one, the
 * last pattern field taking the rest of the value, so '*' never crosses a
 * ':' in the first five fields but spans '/' and ':' in the resource part. */
typedef struct iam__arnpat {
    uint8_t nfields;
    bool any;           /* the lone "*" */
    bool all_exact;     /* no wildcard or variable: whole-string compare */
    bool prefix_only;   /* literal text then one final '*': matching is the
                           literal-head check alone */
    iam_str text;
    uint32_t prefix_len; /* text[0..prefix_len) is literal: a value must start
                            with it (a cheap first filter) */
    iam_str res_prefix;  /* six-field patterns: the literal head of the
                            resource part, which the value's must start with */
    uint8_t first_field; /* fields before it lie inside the literal head
                            (colon included): the head check proved them */
    iam__pat *field;     /* nfields patterns, out of line: the header above
                            (one cache line) is all most rejections read */
} iam__arnpat;

bool iam__arnpat_compile(iam__arena *a, iam_str text, bool vars_everywhere, bool vars_in_resource,
                         iam__arnpat *out);

/* A value split into ARN fields: offsets of each field start. */
typedef struct iam__arn_split {
    iam_str s;
    uint8_t nfields;    /* 1..6 */
    uint32_t start[7];  /* start[i] .. start[i+1]-1 (colon excluded) */
} iam__arn_split;

void iam__arn_split_value(iam_str s, iam__arn_split *out);
bool iam__arnpat_match(const iam__arnpat *p, const iam__arn_split *v, const iam_context *ctx,
                       iam_err *err);
/* The account field of an ARN (empty when not an ARN). */
iam_str iam__arn_account(iam_str arn);

/* ---- context --------------------------------------------------------- */

typedef struct iam__ctxval {
    iam_str s;
    bool has_num, has_date, has_ip;
    double num;
    int64_t date;
    iam__ip ip;
} iam__ctxval;

typedef struct iam__ctxkey {
    iam_str key;        /* lower-case */
    uint32_t hash;
    uint32_t nvals;
    iam__ctxval *vals;
} iam__ctxkey;

uint32_t iam__hash_lower(iam_str s); /* FNV-1a over lower-cased bytes */
/* Looks up a lower-case key with its hash; NULL when absent. */
const iam__ctxkey *iam__ctx_find(const iam_context *ctx, iam_str key_lower, uint32_t hash);

/* ---- statements ------------------------------------------------------ */

typedef enum iam__pr_type {
    IAM_PR_ANY,       /* "*" or {"AWS":"*"} */
    IAM_PR_AWS,
    IAM_PR_SERVICE,
    IAM_PR_FEDERATED,
    IAM_PR_CANONICAL
} iam__pr_type;

typedef enum iam__aws_form {
    IAM_AWS_OTHER,    /* an ARN compared as a whole */
    IAM_AWS_ACCOUNT,  /* "123456789012" or arn:...:iam::A:root */
    IAM_AWS_USER,
    IAM_AWS_ROLE,
    IAM_AWS_SESSION,  /* arn:...:sts::A:assumed-role/R/S */
    IAM_AWS_FEDUSER   /* arn:...:sts::A:federated-user/N */
} iam__aws_form;

typedef struct iam__principal {
    iam__pr_type type;
    iam__aws_form form;
    iam_str value;
    iam_str account;   /* AWS forms */
    iam_str role_name; /* IAM_AWS_ROLE: last path component */
} iam__principal;

typedef struct iam__cval {
    iam_str raw;
    bool valid;        /* parsed for its family (Numeric, Date, IP, Null) */
    bool flag;         /* Null: true = "key must be absent" */
    union {            /* by the condition's operator family */
        iam__pat pat;      /* String, Bool */
        iam__arnpat arn;   /* Arn */
        double num;        /* Numeric */
        int64_t date;      /* Date */
        iam__ip ip;        /* IpAddress */
    };
} iam__cval;

typedef struct iam__cond {
    iam__op op;
    bool never;        /* unknown operator compiled leniently */
    iam_str key;       /* lower-case */
    uint32_t key_hash;
    uint32_t nvals;
    iam__cval *vals;
} iam__cond;

typedef struct iam__stmt {
    iam_effect effect;
    iam_str sid;
    bool not_action, not_resource, not_principal;
    bool has_resource;   /* Resource or NotResource present */
    bool has_principal;  /* Principal or NotPrincipal present */
    bool no_action;      /* neither Action nor NotAction (lenient): never applies */
    uint32_t nactions, nresources, nprincipals, nconds;
    iam__pat *actions;   /* lower-case, over "service:name" */
    iam_str *action_text;/* lower-case source text, for the index */
    iam__arnpat *resources;
    iam__principal *principals;
    iam__cond *conds;
} iam__stmt;

struct iam_policy {
    atomic_uint refs;
    iam__arena arena;
    iam_str version;
    bool variables;      /* Version 2012-10-17 */
    uint32_t nstmts;
    iam__stmt *stmts;
};

/* ---- evaluation helpers --------------------------------------------- */

/* Everything about one request that every statement test needs, computed
 * once per decision. */
typedef struct iam__req_env {
    const iam_request *req;
    const iam_context *ctx;
    iam_str action_lower;
    iam__arn_split resource;
    bool resource_star;
    iam_str principal_account;
    bool has_boundary;
    iam_err err;
} iam__req_env;

bool iam__cond_eval(const iam__cond *c, const iam__req_env *env);

/* Resource-policy naming: how an applicable Allow named the caller. */
typedef enum iam__naming {
    IAM_NAMED_NONE = 0,
    IAM_NAMED_ACCOUNT, /* delegation to the account: identity must allow */
    IAM_NAMED_ROLE,    /* role ARN for a session: boundary/session still apply */
    IAM_NAMED_DIRECT   /* user, session, federated user, "*": full grant */
} iam__naming;

/* Whether statement `st` applies to the request; for statements with a
 * Principal element, *naming says how the caller was named.
 * `action_known`: the index already proved that the Action matches.
 * `need_principal`: a resource policy, where a statement without a
 * Principal names no one. */
bool iam__stmt_applies(const iam__stmt *st, const iam__req_env *env, bool action_known,
                       bool need_principal, iam__naming *naming);

/* Visits every candidate statement of `ix` for the lower-cased action (each
 * at most once); stops early when `fn` returns false. `action_known` tells
 * that the statement's Action is already known to match. */
typedef bool (*iam__visit_fn)(const iam__stmt *st, uint32_t policy, uint32_t index, bool action_known,
                              void *arg);
void iam__index_visit(const iam_index *ix, iam_str action_lower, const iam__arn_split *resource,
                      iam__visit_fn fn, void *arg);

#endif /* IAM_POLICY_INT_H */
