/* validate.c - iam_policy_validate(): the full grammar of IAM policy
 * documents plus the rules and size limit of each policy kind, reported as a
 * list of findings (a linter) rather than as the first error. It shares the
 * operator table (operator.c) and the value parsers (value.c) with the
 * compiler, so the two accept exactly the same conditions.
 * Input is hostile: over 1 MiB is refused unread, findings are capped, every
 * scan is linear, and the walk's depth is fixed by the grammar (nothing here
 * recurses on the input). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/common_int.h"
#include "iam/policy.h"
#include "policy/operator.h"
#include "policy/value.h"

#define VAL_MAX_INPUT ((size_t)1 << 20) /* refused unread above this */
#define VAL_MAX_FINDINGS 100            /* including the truncation notice */
#define VAL_QUOTE 64                    /* bytes of a value quoted in a message */

#define CODE_MALFORMED "MalformedPolicyDocument"
#define CODE_LIMIT "LimitExceeded"
#define CODE_JSON "InvalidJson"
#define CODE_OPERATOR "UnknownOperator"

/* ---- per-kind rules -------------------------------------------------- */

typedef enum need { NEED_OPTIONAL, NEED_REQUIRED, NEED_FORBIDDEN } need;

typedef struct kind_rules {
    const char *name;  /* iam_policy_kind_name() */
    const char *noun;  /* "an identity policy", for messages */
    size_t max_chars;  /* 0: no size rule */
    bool count_ws;     /* whitespace counts towards max_chars */
    bool iam_sid;      /* Sid is [A-Za-z0-9]* and unique in the policy */
    bool warn_id;      /* Id is not part of this kind's grammar */
    bool need_version; /* Version "2012-10-17" is mandatory */
    need principal;    /* Principal (or NotPrincipal where allowed) */
    bool not_principal;
    need resource;     /* Resource or NotResource */
    bool not_action;
    bool trust_actions; /* only the sts:AssumeRole* family */
    bool rcp;           /* Deny only (except RCPFullAWSAccess), Principal "*" */
} kind_rules;

/* IAM's own kinds (identity, trust, session) do not count whitespace; VPC
 * endpoint policies and SCPs/RCPs do, as AWS documents. The resource-policy
 * limit is S3's bucket-policy limit (20 KB), the largest common one, counted
 * with whitespace like the stored document; services with smaller limits
 * (SQS, SNS, KMS ...) check their own. */
static const kind_rules KINDS[] = {
    [IAM_KIND_GENERIC] = { .name = "generic", .noun = "a policy", .principal = NEED_OPTIONAL,
                           .not_principal = true, .resource = NEED_OPTIONAL, .not_action = true },
    [IAM_KIND_IDENTITY] = { .name = "identity", .noun = "an identity policy", .max_chars = 6144,
                            .iam_sid = true, .warn_id = true, .principal = NEED_FORBIDDEN,
                            .resource = NEED_REQUIRED, .not_action = true },
    [IAM_KIND_RESOURCE] = { .name = "resource", .noun = "a resource policy", .max_chars = 20480,
                            .count_ws = true, .principal = NEED_REQUIRED, .not_principal = true,
                            .resource = NEED_REQUIRED, .not_action = true },
    [IAM_KIND_TRUST] = { .name = "trust", .noun = "a trust policy", .max_chars = 2048,
                         .iam_sid = true, .principal = NEED_REQUIRED, .resource = NEED_FORBIDDEN,
                         .trust_actions = true },
    [IAM_KIND_SCP] = { .name = "scp", .noun = "an SCP", .max_chars = 5120, .count_ws = true,
                       .iam_sid = true, .principal = NEED_FORBIDDEN, .resource = NEED_REQUIRED,
                       .not_action = true },
    [IAM_KIND_RCP] = { .name = "rcp", .noun = "an RCP", .max_chars = 5120, .count_ws = true,
                       .iam_sid = true, .need_version = true, .principal = NEED_REQUIRED,
                       .resource = NEED_REQUIRED, .rcp = true },
    [IAM_KIND_SESSION] = { .name = "session", .noun = "a session policy", .max_chars = 2048,
                           .iam_sid = true, .principal = NEED_FORBIDDEN, .resource = NEED_REQUIRED,
                           .not_action = true },
    [IAM_KIND_VPC_ENDPOINT] = { .name = "vpc-endpoint", .noun = "a VPC endpoint policy",
                                .max_chars = 20480, .count_ws = true, .principal = NEED_REQUIRED,
                                .not_principal = true, .resource = NEED_REQUIRED, .not_action = true },
};

static bool kind_valid(iam_policy_kind kind)
{
    return (unsigned)kind < sizeof KINDS / sizeof KINDS[0];
}

/* ---- statement elements ---------------------------------------------- */

typedef enum stmt_el {
    EL_SID,
    EL_EFFECT,
    EL_PRINCIPAL,
    EL_NOT_PRINCIPAL,
    EL_ACTION,
    EL_NOT_ACTION,
    EL_RESOURCE,
    EL_NOT_RESOURCE,
    EL_CONDITION,
    EL_COUNT
} stmt_el;

static const char *const EL_NAMES[EL_COUNT] = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
    "Condition",
};

typedef enum ptype { PT_AWS, PT_SERVICE, PT_FEDERATED, PT_CANONICAL, PT_COUNT } ptype;

static const char *const PT_NAMES[PT_COUNT] = { "AWS", "Service", "Federated", "CanonicalUser" };

static const char *const TRUST_ACTIONS[] = {
    "sts:AssumeRole",   "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML",
    "sts:TagSession",   "sts:SetSourceIdentity",         "sts:SetContext",
};

/* ---- the path builder ------------------------------------------------ */

/* A JSON path such as "Statement[1].Condition.StringLike.aws:username",
 * built by push/pop as the walk descends. Bounded: an over-long path ends
 * in "..." and further pushes are ignored until popped back. */
typedef struct vpath {
    char buf[sizeof(((iam_finding *)0)->path)];
    size_t len;
    bool full;
} vpath;

typedef struct vmark {
    size_t len;
    bool full;
} vmark;

/* Drops a trailing incomplete UTF-8 sequence so a cut never splits one. */
static size_t utf8_trim(const char *s, size_t n)
{
    size_t i = n, want;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0u) == 0x80u)
        i--;
    if (i == 0 || (unsigned char)s[i - 1] < 0xC0u)
        return n;
    unsigned char lead = (unsigned char)s[i - 1];
    want = lead >= 0xF0u ? 4 : lead >= 0xE0u ? 3 : 2;
    return n - (i - 1) < want ? i - 1 : n;
}

static void path_append(vpath *p, const char *s, size_t n)
{
    const size_t cap = sizeof p->buf;
    if (p->full)
        return;
    for (size_t i = 0; i < n; i++) {
        if (p->len + 4 >= cap) { /* keep room for "..." and the NUL */
            p->len = utf8_trim(p->buf, p->len);
            memcpy(p->buf + p->len, "...", 4);
            p->len += 3;
            p->full = true;
            return;
        }
        unsigned char c = (unsigned char)s[i];
        p->buf[p->len++] = (c < 0x20u || c == 0x7Fu) ? '?' : (char)c;
    }
    p->buf[p->len] = '\0';
}

static vmark path_push_key(vpath *p, iam_str key)
{
    vmark m = { p->len, p->full };
    if (p->len > 0)
        path_append(p, ".", 1);
    path_append(p, key.ptr, key.len);
    return m;
}

static vmark path_push_index(vpath *p, size_t i)
{
    vmark m = { p->len, p->full };
    char num[32];
    int n = snprintf(num, sizeof num, "[%zu]", i);
    path_append(p, num, (size_t)n);
    return m;
}

static void path_pop(vpath *p, vmark m)
{
    p->len = m.len;
    p->full = m.full;
    p->buf[p->len] = '\0';
}

/* ---- findings -------------------------------------------------------- */

typedef struct flist {
    iam_finding *items;
    size_t count, cap;
} flist;

typedef struct vctx {
    const kind_rules *rules;
    bool vars_live; /* Version "2012-10-17": ${...} are substituted */
    bool nomem;
    vpath path;
    flist errs, warns; /* kept apart so a flood of warnings never hides an error */
    size_t seen;       /* findings raised, kept or not */
    size_t *sid_first; /* per statement: the earlier one with its Sid, or SIZE_MAX */
} vctx;

/* Appends to a list that report() keeps under VAL_MAX_FINDINGS - 1. */
static void flist_push(vctx *v, flist *l, const iam_finding *f)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        if (cap > VAL_MAX_FINDINGS - 1)
            cap = VAL_MAX_FINDINGS - 1;
        iam_finding *items = iam__realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            v->nomem = true;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = *f;
}

/* Replaces control characters so a message prints on one line, and drops
 * a UTF-8 sequence that vsnprintf cut in half. */
static void sanitize(char *s)
{
    size_t n = strlen(s);
    s[utf8_trim(s, n)] = '\0';
    for (; *s; s++)
        if ((unsigned char)*s < 0x20u || (unsigned char)*s == 0x7Fu)
            *s = '?';
}

/* Records one finding at the current path. Errors and warnings are capped
 * separately (so a flood of warnings never hides an error); past the cap a
 * finding is only counted, so hostile input costs no formatting. */
static void report(vctx *v, iam_severity sev, const char *code, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void report(vctx *v, iam_severity sev, const char *code, int line, int column, const char *fmt, ...)
{
    iam_finding f;
    va_list ap;

    v->seen++;
    flist *l = sev == IAM_SEV_ERROR ? &v->errs : &v->warns;
    if (v->nomem || l->count >= VAL_MAX_FINDINGS - 1)
        return; /* counted, not kept: the notice reports it */
    memset(&f, 0, sizeof f);
    f.severity = sev;
    f.code = code;
    memcpy(f.path, v->path.buf, v->path.len + 1);
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    sanitize(f.message);
    f.line = line;
    f.column = column;
    flist_push(v, l, &f);
}

#define ERR(v, ...) report((v), IAM_SEV_ERROR, CODE_MALFORMED, 0, 0, __VA_ARGS__)
#define ERR_CODE(v, code, ...) report((v), IAM_SEV_ERROR, (code), 0, 0, __VA_ARGS__)
#define WARN(v, code, ...) report((v), IAM_SEV_WARNING, (code), 0, 0, __VA_ARGS__)

/* Moves the findings to *out: errors, then warnings (each in document
 * order) up to the cap, then a notice if some were dropped. */
static iam_err findings_take(vctx *v, iam_findings *out)
{
    size_t ne = v->errs.count;
    size_t nw = v->warns.count;
    if (nw > VAL_MAX_FINDINGS - 1 - ne)
        nw = VAL_MAX_FINDINGS - 1 - ne;
    size_t dropped = v->seen - ne - nw;
    size_t total = ne + nw + (dropped > 0);
    if (total == 0)
        return IAM_OK;
    iam_finding *items = iam__malloc(total * sizeof *items);
    if (items == NULL)
        return IAM_E_NOMEM;
    if (ne)
        memcpy(items, v->errs.items, ne * sizeof *items);
    if (nw)
        memcpy(items + ne, v->warns.items, nw * sizeof *items);
    if (dropped) {
        iam_finding *f = &items[total - 1];
        memset(f, 0, sizeof *f);
        f->severity = IAM_SEV_WARNING;
        f->code = "TooManyFindings";
        snprintf(f->message, sizeof f->message, "%zu more findings were not reported", dropped);
    }
    out->items = items;
    out->count = total;
    out->errors = ne;
    return IAM_OK;
}

/* ---- small text helpers ---------------------------------------------- */

typedef struct quoted {
    char s[VAL_QUOTE + 4];
} quoted;

/* A value as a message shows it: at most VAL_QUOTE bytes, "..." if cut. */
static quoted q(iam_str s)
{
    quoted r;
    size_t n = s.len;
    if (n > VAL_QUOTE) {
        n = utf8_trim(s.ptr, VAL_QUOTE);
        memcpy(r.s, s.ptr, n);
        memcpy(r.s + n, "...", 4);
    } else {
        if (n)
            memcpy(r.s, s.ptr, n);
        r.s[n] = '\0';
    }
    return r;
}

static iam_str jstr(const json_t *j)
{
    return (iam_str){ json_string_value(j), json_string_length(j) };
}

static bool str_is(iam_str s, const char *lit)
{
    return iam_str_eq(s, iam_str_from_cstr(lit));
}

static bool jstr_is(const json_t *j, const char *lit)
{
    return json_is_string(j) && str_is(jstr(j), lit);
}

static bool starts_with(iam_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len >= n && memcmp(s.ptr, lit, n) == 0;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool all_chars(iam_str s, bool (*ok)(char))
{
    for (size_t i = 0; i < s.len; i++)
        if (!ok(s.ptr[i]))
            return false;
    return true;
}

static bool is_prefix_char(char c) { return is_alnum(c) || c == '-'; }
static bool is_action_char(char c) { return is_alnum(c) || c == '*' || c == '?'; }
static bool is_host_char(char c) { return is_alnum(c) || c == '-' || c == '.'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool has_wildcard(iam_str s)
{
    return memchr(s.ptr, '*', s.len) != NULL || memchr(s.ptr, '?', s.len) != NULL;
}

static bool is_account_id(iam_str s)
{
    return s.len == 12 && all_chars(s, is_digit);
}

/* jansson's iterators take a non-const object although they do not modify
 * it; the casts live here only. */
static void *obj_iter(const json_t *obj)
{
    return json_object_iter((json_t *)(uintptr_t)obj);
}

static void *obj_next(const json_t *obj, void *it)
{
    return json_object_iter_next((json_t *)(uintptr_t)obj, it);
}

static iam_str obj_key(void *it)
{
    return (iam_str){ json_object_iter_key(it), json_object_iter_key_len(it) };
}

static const char *json_type_noun(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* Finds the next policy variable "${...}" at or after `from`: *open is the
 * '$', *close the '}'. Returns false when there is none; since a variable
 * needs a closing brace, a "${" with no '}' after it ends the search, which
 * keeps every caller linear. */
static bool next_var(iam_str s, size_t from, size_t *open, size_t *close)
{
    for (size_t i = from; i + 1 < s.len; i++) {
        if (s.ptr[i] != '$' || s.ptr[i + 1] != '{')
            continue;
        const char *end = memchr(s.ptr + i + 2, '}', s.len - i - 2);
        if (end == NULL)
            return false;
        *open = i;
        *close = (size_t)(end - s.ptr);
        return true;
    }
    return false;
}

static bool has_variable(iam_str s)
{
    size_t o, c;
    return next_var(s, 0, &o, &c);
}

/* Splits an ARN into its six fields, the last taking the rest. Colons
 * inside a policy variable ("${aws:username}") do not split. Returns the
 * number of fields found (6 when the ARN has at least five colons) and sets
 * *var_in_head when a variable sits in one of the first five fields. */
static size_t arn_split(iam_str s, iam_str f[6], bool *var_in_head)
{
    size_t i = 0, start = 0, nf = 0, vo = 0, vc = 0;
    bool var = next_var(s, 0, &vo, &vc);

    *var_in_head = false;
    while (i < s.len && nf < 5) {
        if (var && i == vo) {
            *var_in_head = true;
            i = vc + 1;
            var = next_var(s, i, &vo, &vc);
            continue;
        }
        if (s.ptr[i] == ':') {
            f[nf++] = (iam_str){ s.ptr + start, i - start };
            start = i + 1;
        }
        i++;
    }
    if (nf < 5)
        return nf;
    f[5] = (iam_str){ s.ptr + start, s.len - start };
    return 6;
}

/* ---- document-level checks (raw text) -------------------------------- */

/* Decodes one UTF-8 sequence; invalid bytes decode to U+FFFD, one each.
 * jansson has already rejected invalid UTF-8, so this is belt and braces. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c < 0x80u ? 1 : c >= 0xF0u ? 4 : c >= 0xE0u ? 3 : c >= 0xC0u ? 2 : 0;
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);

    if (len == 0 || len > n) {
        *cp = 0xFFFDu;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u) {
            *cp = 0xFFFDu;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    return len;
}

static bool char_allowed(uint32_t cp)
{
    return cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20u && cp <= 0xFFu);
}

/* IAM accepts only TAB, LF, CR and U+0020-U+00FF in a document (the API's
 * pattern, checked on the text as sent, so a "\u0100" escape passes).
 * One finding, at the first offending character, with the total count. */
static void check_charset(vctx *v, const char *json, size_t len)
{
    const unsigned char *s = (const unsigned char *)json;
    size_t bad = 0;
    int line = 1, col = 0, bad_line = 0, bad_col = 0;
    uint32_t first = 0, cp;

    for (size_t i = 0; i < len;) {
        i += utf8_next(s + i, len - i, &cp);
        if (cp == '\n') {
            line++;
            col = 0;
            continue;
        }
        col++;
        if (!char_allowed(cp) && bad++ == 0) {
            first = cp;
            bad_line = line;
            bad_col = col;
        }
    }
    if (bad == 0)
        return;
    report(v, IAM_SEV_ERROR, CODE_MALFORMED, bad_line, bad_col,
           "character U+%04X at line %d, column %d is not allowed: a policy may contain only tab, "
           "LF, CR and U+0020-U+00FF (%zu such character%s)",
           (unsigned)first, bad_line, bad_col, bad, bad == 1 ? "" : "s");
}

/* Counts characters (code points, not bytes), skipping space, tab, CR and
 * LF when the kind does not count whitespace, inside strings too. */
static void check_size(vctx *v, const char *json, size_t len)
{
    const kind_rules *r = v->rules;
    size_t chars = 0;

    if (r->max_chars == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (((unsigned char)c & 0xC0u) == 0x80u)
            continue; /* UTF-8 continuation byte */
        if (!r->count_ws && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
            continue;
        chars++;
    }
    if (chars > r->max_chars)
        ERR_CODE(v, CODE_LIMIT, "policy document is %zu characters (%s whitespace), over the limit of %zu for %s",
                 chars, r->count_ws ? "including" : "excluding", r->max_chars, r->noun);
}

static void report_json_error(vctx *v, const json_error_t *je)
{
    int line = je->line > 0 ? je->line : 0;
    int col = je->column > 0 ? je->column : 0;

    if (json_error_code(je) == json_error_duplicate_key)
        report(v, IAM_SEV_ERROR, CODE_MALFORMED, line, col,
               "%s: every element may appear only once in an object", je->text);
    else
        report(v, IAM_SEV_ERROR, CODE_JSON, line, col, "invalid JSON: %s", je->text);
}

/* ---- per-statement state --------------------------------------------- */

typedef struct stmt_info {
    size_t index;
    bool allow, deny;     /* both false when Effect is missing or invalid */
    bool rcp_full_access; /* the one RCP shape that may Allow */
    unsigned present;     /* bit (1 << stmt_el) per element seen */
} stmt_info;

/* What a string-list checker needs to know about the list it walks. */
typedef struct item_ctx {
    const stmt_info *si;
    const char *what; /* element name for messages: "Action", "AWS" ... */
    ptype pt;
} item_ctx;

typedef void (*item_fn)(vctx *v, const item_ctx *ic, iam_str s);

/* Action, Resource and principal values: a string or a non-empty array of
 * strings. Array items get their index in the path. */
static void each_string(vctx *v, const item_ctx *ic, const json_t *val, item_fn fn)
{
    if (json_is_string(val)) {
        fn(v, ic, jstr(val));
        return;
    }
    if (!json_is_array(val)) {
        ERR(v, "%s must be a string or an array of strings, not %s", ic->what, json_type_noun(val));
        return;
    }
    if (json_array_size(val) == 0) {
        ERR(v, "%s must not be an empty array", ic->what);
        return;
    }
    for (size_t i = 0; i < json_array_size(val); i++) {
        const json_t *item = json_array_get(val, i);
        vmark m = path_push_index(&v->path, i);
        if (json_is_string(item))
            fn(v, ic, jstr(item));
        else
            ERR(v, "%s values must be strings, not %s", ic->what, json_type_noun(item));
        path_pop(&v->path, m);
    }
}

static void warn_legacy_variable(vctx *v, const char *what, iam_str s)
{
    WARN(v, "VariableInLegacyVersion",
         "%s \"%s\" contains a policy variable, which is literal text unless Version is \"2012-10-17\"",
         what, q(s).s);
}

/* ---- Sid ------------------------------------------------------------- */

typedef struct sid_entry {
    iam_str sid;
    size_t stmt;
} sid_entry;

static int sid_entry_cmp(const void *pa, const void *pb)
{
    const sid_entry *a = pa, *b = pb;
    size_t n = a->sid.len < b->sid.len ? a->sid.len : b->sid.len;
    int c = n ? memcmp(a->sid.ptr, b->sid.ptr, n) : 0;
    if (c != 0)
        return c;
    if (a->sid.len != b->sid.len)
        return a->sid.len < b->sid.len ? -1 : 1;
    return a->stmt < b->stmt ? -1 : a->stmt > b->stmt;
}

/* Finds repeated Sids before the walk, so check_sid() can report each on
 * the later statement in document order. Sorting rather than hashing keeps
 * the cost O(n log n) whatever Sids a hostile document picks. */
static void sids_index(vctx *v, const json_t *stmts)
{
    size_t n = json_array_size(stmts), used = 0;
    sid_entry *e = iam__malloc(n * sizeof *e);

    v->sid_first = iam__malloc(n * sizeof *v->sid_first);
    if (e == NULL || v->sid_first == NULL) {
        v->nomem = true;
        iam__free(e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *sid = json_object_get(json_array_get(stmts, i), "Sid");
        v->sid_first[i] = SIZE_MAX;
        if (json_is_string(sid) && json_string_length(sid) > 0)
            e[used++] = (sid_entry){ jstr(sid), i };
    }
    qsort(e, used, sizeof *e, sid_entry_cmp);
    for (size_t i = 1, first = 0; i < used; i++) {
        if (iam_str_eq(e[i].sid, e[first].sid))
            v->sid_first[e[i].stmt] = e[first].stmt;
        else
            first = i;
    }
    iam__free(e);
}

static void check_sid(vctx *v, const stmt_info *si, const json_t *val)
{
    if (!json_is_string(val)) {
        ERR(v, "Sid must be a string, not %s", json_type_noun(val));
        return;
    }
    iam_str sid = jstr(val);
    if (!v->rules->iam_sid)
        return;
    if (!all_chars(sid, is_alnum))
        ERR(v, "Sid \"%s\" may contain only letters and digits (A-Z, a-z, 0-9) in %s", q(sid).s,
            v->rules->noun);
    if (v->sid_first != NULL && v->sid_first[si->index] != SIZE_MAX)
        ERR(v, "Sid \"%s\" is already used by Statement[%zu]; Sids must be unique within a policy", q(sid).s,
            v->sid_first[si->index]);
}

/* ---- Effect ---------------------------------------------------------- */

static void check_effect(vctx *v, const stmt_info *si, const json_t *val)
{
    if (!json_is_string(val)) {
        ERR(v, "Effect must be the string \"Allow\" or \"Deny\", not %s", json_type_noun(val));
        return;
    }
    if (!si->allow && !si->deny) {
        ERR(v, "Effect \"%s\" is not valid; expected \"Allow\" or \"Deny\" (case-sensitive)", q(jstr(val)).s);
        return;
    }
    if (v->rules->rcp && si->allow && !si->rcp_full_access)
        ERR(v, "Effect \"Allow\" is valid in an RCP only in the RCPFullAWSAccess form (Principal, Action "
               "and Resource \"*\", nothing else); custom RCP statements must Deny");
}

/* ---- Action / NotAction ---------------------------------------------- */

/* NULL when `s` is an action pattern: "*" or "service:Name". */
static const char *action_syntax_error(iam_str s)
{
    if (str_is(s, "*"))
        return NULL;
    const char *colon = memchr(s.ptr, ':', s.len);
    if (colon == NULL)
        return "expected \"*\" or \"service:ActionName\"";
    iam_str prefix = { s.ptr, (size_t)(colon - s.ptr) };
    iam_str name = { colon + 1, s.len - prefix.len - 1 };
    if (prefix.len == 0)
        return "the service prefix is empty";
    if (!all_chars(prefix, is_prefix_char))
        return "the service prefix may contain only letters, digits and '-'";
    if (name.len == 0)
        return "the action name is empty";
    if (!all_chars(name, is_action_char))
        return "the action name may contain only letters, digits, '*' and '?'";
    return NULL;
}

static void check_trust_action(vctx *v, const item_ctx *ic, iam_str s)
{
    if (str_is(s, "*") || iam__str_eq_nocase(s, IAM_STR("sts:*"))) {
        WARN(v, "BroadTrustAction",
             "%s \"%s\" in a trust policy covers every STS action; name sts:AssumeRole or the variant "
             "the role needs",
             ic->what, q(s).s);
        return;
    }
    for (size_t i = 0; i < sizeof TRUST_ACTIONS / sizeof TRUST_ACTIONS[0]; i++)
        if (iam__str_eq_nocase(s, iam_str_from_cstr(TRUST_ACTIONS[i])))
            return;
    ERR(v, "%s \"%s\" is not allowed in a trust policy; expected sts:AssumeRole, "
           "sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, sts:TagSession, "
           "sts:SetSourceIdentity or sts:SetContext",
        ic->what, q(s).s);
}

static void check_action_item(vctx *v, const item_ctx *ic, iam_str s)
{
    const char *why = action_syntax_error(s);
    if (why != NULL) {
        ERR(v, "%s \"%s\" is not a valid action: %s", ic->what, q(s).s, why);
        return;
    }
    if (v->rules->trust_actions)
        check_trust_action(v, ic, s);
    else if (v->rules->rcp && ic->si->deny && str_is(s, "*"))
        ERR(v, "%s \"*\" is not allowed in an RCP Deny statement; name the service actions to deny",
            ic->what);
}

/* ---- Resource / NotResource ------------------------------------------ */

static void check_resource_item(vctx *v, const item_ctx *ic, iam_str s)
{
    iam_str f[6];
    bool var_in_head = false;
    const char *why = NULL;

    if (str_is(s, "*"))
        return;
    if (!starts_with(s, "arn:"))
        why = "expected \"*\" or an ARN (arn:partition:service:region:account:resource)";
    else if (arn_split(s, f, &var_in_head) < 6)
        why = "an ARN has six colon-separated fields (arn:partition:service:region:account:resource)";
    else if (f[1].len == 0)
        why = "the ARN partition is empty";
    else if (f[2].len == 0)
        why = "the ARN service is empty";
    else if (has_wildcard(f[2]))
        why = "the ARN service may not contain a wildcard";
    if (why != NULL) {
        ERR(v, "%s \"%s\" is not a valid resource: %s", ic->what, q(s).s, why);
        return;
    }
    if (!has_variable(s))
        return;
    if (!v->vars_live)
        warn_legacy_variable(v, ic->what, s);
    else if (var_in_head)
        WARN(v, "VariableOutsideArnResource",
             "%s \"%s\" has a policy variable before the resource part of the ARN; AWS documents "
             "variables only in the resource part",
             ic->what, q(s).s);
}

/* ---- Principal / NotPrincipal ---------------------------------------- */

/* arn:PARTITION:iam::ACCOUNT:RESOURCE or arn:PARTITION:sts::ACCOUNT:RESOURCE
 * (IAM only when `federated`, where the resource names an identity
 * provider). */
static bool is_principal_arn(iam_str s, bool federated)
{
    iam_str f[6];
    bool var_in_head;

    if (!starts_with(s, "arn:") || arn_split(s, f, &var_in_head) < 6 || f[1].len == 0)
        return false;
    if (!str_is(f[2], "iam") && (federated || !str_is(f[2], "sts")))
        return false;
    if (f[3].len != 0 || !is_account_id(f[4]) || f[5].len == 0)
        return false;
    return !federated || starts_with(f[5], "saml-provider/") || starts_with(f[5], "oidc-provider/");
}

/* A DNS-style name: "lambda.amazonaws.com", "accounts.google.com". */
static bool is_host_name(iam_str s)
{
    return s.len > 0 && all_chars(s, is_host_char) && memchr(s.ptr, '.', s.len) != NULL;
}

static void check_principal_item(vctx *v, const item_ctx *ic, iam_str s)
{
    bool ok = true;

    if (has_wildcard(s)) {
        if (ic->pt != PT_AWS || !str_is(s, "*"))
            ERR(v, "%s principal \"%s\" contains a wildcard; a principal may only be a bare \"*\" "
                   "(as AWS), never a partial wildcard",
                ic->what, q(s).s);
        return;
    }
    switch (ic->pt) {
    case PT_AWS: ok = is_account_id(s) || is_principal_arn(s, false); break;
    case PT_SERVICE: ok = is_host_name(s); break;
    case PT_FEDERATED: ok = is_host_name(s) || is_principal_arn(s, true); break;
    case PT_CANONICAL: ok = s.len == 64 && all_chars(s, is_hex); break;
    case PT_COUNT: break;
    }
    if (!ok) {
        static const char *const expected[PT_COUNT] = {
            "\"*\", a 12-digit account ID or an IAM/STS ARN (arn:aws:iam::123456789012:root)",
            "a service principal such as lambda.amazonaws.com",
            "an identity provider host name or a saml-provider/oidc-provider ARN",
            "a 64-digit hexadecimal S3 canonical user ID",
        };
        ERR(v, "%s principal \"%s\" is not valid; expected %s", ic->what, q(s).s, expected[ic->pt]);
        return;
    }
    if (has_variable(s))
        WARN(v, "VariableNotSupported", "%s principal \"%s\" contains a policy variable; variables are "
                                        "not substituted in a principal",
             ic->what, q(s).s);
}

static bool principal_type(iam_str key, ptype *out)
{
    for (int i = 0; i < PT_COUNT; i++) {
        if (str_is(key, PT_NAMES[i])) {
            *out = (ptype)i;
            return true;
        }
    }
    return false;
}

static void check_principal(vctx *v, const stmt_info *si, stmt_el el, const json_t *val)
{
    const char *what = EL_NAMES[el];

    if (json_is_string(val)) {
        if (!str_is(jstr(val), "*"))
            ERR(v, "%s must be \"*\" or an object such as {\"AWS\": \"123456789012\"}, not \"%s\"", what,
                q(jstr(val)).s);
        return;
    }
    if (!json_is_object(val)) {
        ERR(v, "%s must be \"*\" or an object of AWS, Service, Federated or CanonicalUser principals, "
               "not %s",
            what, json_type_noun(val));
        return;
    }
    if (v->rules->rcp) {
        ERR(v, "%s must be \"*\" in an RCP; narrow it with conditions such as aws:PrincipalOrgID", what);
        return;
    }
    if (json_object_size(val) == 0) {
        ERR(v, "%s must name at least one principal", what);
        return;
    }
    for (void *it = obj_iter(val); it != NULL; it = obj_next(val, it)) {
        iam_str key = obj_key(it);
        vmark m = path_push_key(&v->path, key);
        item_ctx ic = { .si = si };
        if (principal_type(key, &ic.pt)) {
            ic.what = PT_NAMES[ic.pt];
            each_string(v, &ic, json_object_iter_value(it), check_principal_item);
        } else {
            ERR(v, "unknown principal type \"%s\" in %s; expected AWS, Service, Federated or CanonicalUser",
                q(key).s, what);
        }
        path_pop(&v->path, m);
    }
}

/* ---- Condition ------------------------------------------------------- */

typedef struct cond_ctx {
    iam__op op;
    iam_str op_name;
    iam_str key;
} cond_ctx;

static bool is_true_false(iam_str s)
{
    return str_is(s, "true") || str_is(s, "false");
}

/* What the values of an operator family must look like, for messages. */
static const char *family_expects(iam__op_family fam)
{
    switch (fam) {
    case IAM_OPF_NULL:
    case IAM_OPF_BOOL: return "\"true\" or \"false\"";
    case IAM_OPF_NUMERIC: return "a decimal number";
    case IAM_OPF_DATE: return "an ISO 8601 date (2024-01-31T12:00:00Z) or epoch seconds";
    case IAM_OPF_IP: return "an IPv4 or IPv6 address or CIDR block";
    case IAM_OPF_STRING:
    case IAM_OPF_ARN:
    case IAM_OPF_BINARY: break;
    }
    return "a string";
}

/* Whether a string value suits the family, parsed the way the compiler
 * parses it. Bool takes variables; the other typed families do not. */
static bool cond_string_ok(iam__op_family fam, iam_str s, bool var)
{
    double num;
    int64_t usec;
    iam__ip ip;

    switch (fam) {
    case IAM_OPF_NULL: return is_true_false(s);
    case IAM_OPF_BOOL: return var || is_true_false(s);
    case IAM_OPF_NUMERIC: return iam__num_parse(s.ptr, s.len, &num);
    case IAM_OPF_DATE: return iam__date_parse(s.ptr, s.len, &usec);
    case IAM_OPF_IP: return iam__ip_parse(s.ptr, s.len, true, &ip);
    case IAM_OPF_STRING:
    case IAM_OPF_ARN:
    case IAM_OPF_BINARY: break;
    }
    return true;
}

static void check_cond_string(vctx *v, const cond_ctx *cc, iam_str s)
{
    bool var = has_variable(s);

    if (!cond_string_ok(cc->op.family, s, var)) {
        ERR(v, "%s value \"%s\" for %s is not valid; expected %s%s", q(cc->op_name).s, q(s).s, q(cc->key).s,
            family_expects(cc->op.family),
            var ? " (policy variables are not substituted for this operator)" : "");
        return;
    }
    if (!var)
        return;
    if (!v->vars_live)
        warn_legacy_variable(v, "condition value", s);
    else if (!iam__op_family_takes_variables(cc->op.family))
        WARN(v, "VariableNotSupported",
             "%s value \"%s\" for %s contains a policy variable, which is not substituted for this operator",
             q(cc->op_name).s, q(s).s, q(cc->key).s);
}

/* JSON numbers and booleans are allowed and read as their text: a number
 * suits Numeric (and Date when it is whole epoch seconds), a boolean suits
 * Bool and Null, and both suit the string-like families. */
static void check_cond_scalar(vctx *v, const cond_ctx *cc, const json_t *val)
{
    iam__op_family fam = cc->op.family;
    char text[40];
    int64_t usec;
    bool ok;

    switch (json_typeof(val)) {
    case JSON_STRING: check_cond_string(v, cc, jstr(val)); return;
    case JSON_TRUE:
    case JSON_FALSE:
        snprintf(text, sizeof text, "%s", json_is_true(val) ? "true" : "false");
        ok = fam != IAM_OPF_NUMERIC && fam != IAM_OPF_DATE && fam != IAM_OPF_IP;
        break;
    case JSON_INTEGER:
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
        ok = fam == IAM_OPF_NUMERIC || fam == IAM_OPF_STRING || fam == IAM_OPF_ARN || fam == IAM_OPF_BINARY ||
             (fam == IAM_OPF_DATE && iam__date_parse(text, strlen(text), &usec));
        break;
    case JSON_REAL:
        snprintf(text, sizeof text, "%.17g", json_real_value(val));
        ok = fam == IAM_OPF_NUMERIC || fam == IAM_OPF_STRING || fam == IAM_OPF_ARN || fam == IAM_OPF_BINARY;
        break;
    default:
        ERR(v, "values of %s must be strings, numbers or booleans, not %s", q(cc->key).s, json_type_noun(val));
        return;
    }
    if (!ok)
        ERR(v, "%s value %s for %s is not valid; expected %s", q(cc->op_name).s, text, q(cc->key).s,
            family_expects(fam));
}

static void check_cond_values(vctx *v, const cond_ctx *cc, const json_t *val)
{
    if (!json_is_array(val)) {
        check_cond_scalar(v, cc, val);
        return;
    }
    if (json_array_size(val) == 0) {
        ERR(v, "values of %s must not be an empty array", q(cc->key).s);
        return;
    }
    for (size_t i = 0; i < json_array_size(val); i++) {
        vmark m = path_push_index(&v->path, i);
        check_cond_scalar(v, cc, json_array_get(val, i));
        path_pop(&v->path, m);
    }
}

static void check_cond_operator(vctx *v, const stmt_info *si, iam_str name, const json_t *block)
{
    cond_ctx cc = { .op_name = name };

    if (!iam__op_parse(name, &cc.op)) {
        ERR_CODE(v, CODE_OPERATOR, "unknown condition operator \"%s\"", q(name).s);
        return;
    }
    if (!json_is_object(block)) {
        ERR(v, "condition operator %s must map condition keys to values, not %s", q(name).s,
            json_type_noun(block));
        return;
    }
    if (json_object_size(block) == 0)
        ERR(v, "condition operator %s has no condition keys", q(name).s);
    if (cc.op.set == IAM_SET_ALL && si->allow)
        WARN(v, "ForAllValuesWithAllow",
             "%s in an Allow statement also matches requests without the key or with an empty set; "
             "pair it with a Null condition or use ForAnyValue",
             q(name).s);
    for (void *it = obj_iter(block); it != NULL; it = obj_next(block, it)) {
        cc.key = obj_key(it);
        vmark m = path_push_key(&v->path, cc.key);
        if (cc.key.len == 0)
            ERR(v, "condition key names must not be empty");
        else
            check_cond_values(v, &cc, json_object_iter_value(it));
        path_pop(&v->path, m);
    }
}

static void check_condition(vctx *v, const stmt_info *si, const json_t *val)
{
    if (!json_is_object(val)) {
        ERR(v, "Condition must be an object mapping operators to {key: values}, not %s", json_type_noun(val));
        return;
    }
    for (void *it = obj_iter(val); it != NULL; it = obj_next(val, it)) {
        iam_str name = obj_key(it);
        vmark m = path_push_key(&v->path, name);
        check_cond_operator(v, si, name, json_object_iter_value(it));
        path_pop(&v->path, m);
    }
}

/* ---- statements ------------------------------------------------------ */

static bool stmt_el_lookup(iam_str key, stmt_el *out)
{
    for (int i = 0; i < EL_COUNT; i++) {
        if (str_is(key, EL_NAMES[i])) {
            *out = (stmt_el)i;
            return true;
        }
    }
    return false;
}

static bool element_allowed(const kind_rules *r, stmt_el el)
{
    switch (el) {
    case EL_PRINCIPAL: return r->principal != NEED_FORBIDDEN;
    case EL_NOT_PRINCIPAL: return r->principal != NEED_FORBIDDEN && r->not_principal;
    case EL_NOT_ACTION: return r->not_action;
    case EL_RESOURCE:
    case EL_NOT_RESOURCE: return r->resource != NEED_FORBIDDEN;
    default: return true;
    }
}

/* "*" or a one-element array holding "*". */
static bool is_star(const json_t *j)
{
    if (json_is_array(j) && json_array_size(j) == 1)
        j = json_array_get(j, 0);
    return jstr_is(j, "*");
}

/* RCPFullAWSAccess: {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}
 * with an optional Sid and nothing else. */
static bool is_rcp_full_access(const json_t *st)
{
    size_t n = 4 + (json_object_get(st, "Sid") != NULL);
    return json_object_size(st) == n && jstr_is(json_object_get(st, "Effect"), "Allow") &&
           jstr_is(json_object_get(st, "Principal"), "*") && is_star(json_object_get(st, "Action")) &&
           is_star(json_object_get(st, "Resource"));
}

/* The warnings that hang on one element and the statement's Effect. */
static void warn_element(vctx *v, const stmt_info *si, stmt_el el)
{
    if (el == EL_NOT_ACTION && si->allow)
        WARN(v, "AllowWithNotAction",
             "Allow with NotAction grants every action not listed, in every service, on the matching "
             "resources");
    else if (el == EL_NOT_RESOURCE && si->allow)
        WARN(v, "AllowWithNotResource", "Allow with NotResource grants the actions on every resource not listed");
    else if (el == EL_NOT_PRINCIPAL && si->deny)
        WARN(v, "DenyWithNotPrincipal",
             "Deny with NotPrincipal denies every principal not listed, and always denies principals "
             "with a permissions boundary; prefer Principal \"*\" with a condition on aws:PrincipalArn");
    else if (el == EL_NOT_PRINCIPAL && si->allow)
        WARN(v, "AllowWithNotPrincipal",
             "Allow with NotPrincipal grants access to every principal not listed, including anonymous "
             "callers");
}

static void check_element(vctx *v, const stmt_info *si, stmt_el el, const json_t *val)
{
    item_ctx ic = { .si = si, .what = EL_NAMES[el] };

    warn_element(v, si, el);
    switch (el) {
    case EL_SID: check_sid(v, si, val); break;
    case EL_EFFECT: check_effect(v, si, val); break;
    case EL_PRINCIPAL:
    case EL_NOT_PRINCIPAL: check_principal(v, si, el, val); break;
    case EL_ACTION:
    case EL_NOT_ACTION: each_string(v, &ic, val, check_action_item); break;
    case EL_RESOURCE:
    case EL_NOT_RESOURCE: each_string(v, &ic, val, check_resource_item); break;
    case EL_CONDITION: check_condition(v, si, val); break;
    case EL_COUNT: break;
    }
}

#define HAS(si, el) (((si)->present >> (el)) & 1u)

/* Rules across elements, reported on the statement itself. */
static void check_statement_shape(vctx *v, const stmt_info *si)
{
    const kind_rules *r = v->rules;

    if (!HAS(si, EL_EFFECT))
        ERR(v, "statement has no Effect");
    if (HAS(si, EL_ACTION) && HAS(si, EL_NOT_ACTION))
        ERR(v, "statement has both Action and NotAction; use one");
    else if (!HAS(si, EL_ACTION) && !HAS(si, EL_NOT_ACTION))
        ERR(v, "statement has no Action%s", r->not_action ? " or NotAction" : "");
    if (HAS(si, EL_RESOURCE) && HAS(si, EL_NOT_RESOURCE))
        ERR(v, "statement has both Resource and NotResource; use one");
    else if (r->resource == NEED_REQUIRED && !HAS(si, EL_RESOURCE) && !HAS(si, EL_NOT_RESOURCE))
        ERR(v, "statement has no Resource or NotResource, which %s requires", r->noun);
    if (HAS(si, EL_PRINCIPAL) && HAS(si, EL_NOT_PRINCIPAL))
        ERR(v, "statement has both Principal and NotPrincipal; use one");
    else if (r->principal == NEED_REQUIRED && !HAS(si, EL_PRINCIPAL) &&
             !(r->not_principal && HAS(si, EL_NOT_PRINCIPAL)))
        ERR(v, "statement has no Principal%s, which %s requires", r->not_principal ? " or NotPrincipal" : "",
            r->noun);
}

static void check_statement(vctx *v, const json_t *st, size_t index)
{
    const json_t *effect = json_object_get(st, "Effect");
    stmt_info si = { .index = index };

    si.allow = jstr_is(effect, "Allow");
    si.deny = jstr_is(effect, "Deny");
    si.rcp_full_access = v->rules->rcp && is_rcp_full_access(st);
    for (void *it = obj_iter(st); it != NULL; it = obj_next(st, it)) {
        iam_str key = obj_key(it);
        vmark m = path_push_key(&v->path, key);
        stmt_el el;
        if (!stmt_el_lookup(key, &el)) {
            ERR(v, "unknown element \"%s\" in a statement; expected Sid, Effect, Principal, NotPrincipal, "
                   "Action, NotAction, Resource, NotResource or Condition",
                q(key).s);
        } else {
            si.present |= 1u << el;
            if (element_allowed(v->rules, el))
                check_element(v, &si, el, json_object_iter_value(it));
            else
                ERR(v, "%s is not allowed in %s", EL_NAMES[el], v->rules->noun);
        }
        path_pop(&v->path, m);
    }
    check_statement_shape(v, &si);
}

static void check_statements(vctx *v, const json_t *val)
{
    if (json_is_object(val)) {
        check_statement(v, val, 0);
        return;
    }
    if (!json_is_array(val)) {
        ERR(v, "Statement must be an object or an array of objects, not %s", json_type_noun(val));
        return;
    }
    size_t n = json_array_size(val);
    if (n == 0) {
        ERR(v, "Statement must not be an empty array");
        return;
    }
    if (v->rules->iam_sid && n > 1)
        sids_index(v, val);
    for (size_t i = 0; i < n && !v->nomem; i++) {
        const json_t *st = json_array_get(val, i);
        vmark m = path_push_index(&v->path, i);
        if (json_is_object(st))
            check_statement(v, st, i);
        else
            ERR(v, "a statement must be an object, not %s", json_type_noun(st));
        path_pop(&v->path, m);
    }
}

/* ---- the document ---------------------------------------------------- */

static void check_version(vctx *v, const json_t *val)
{
    if (!json_is_string(val))
        ERR(v, "Version must be a string, not %s", json_type_noun(val));
    else if (!jstr_is(val, "2012-10-17") && !jstr_is(val, "2008-10-17"))
        ERR(v, "Version \"%s\" is not valid; expected \"2012-10-17\" (or the legacy \"2008-10-17\")",
            q(jstr(val)).s);
    else if (v->rules->need_version && !v->vars_live)
        ERR(v, "Version must be \"2012-10-17\" in %s", v->rules->noun);
}

static void check_id(vctx *v, const json_t *val)
{
    if (!json_is_string(val))
        ERR(v, "Id must be a string, not %s", json_type_noun(val));
    else if (v->rules->warn_id)
        WARN(v, "IdInIdentityPolicy", "Id is not part of the identity policy grammar; IAM ignores it");
}

static void check_root(vctx *v, const json_t *root)
{
    if (!json_is_object(root)) {
        ERR(v, "a policy document must be a JSON object, not %s", json_type_noun(root));
        return;
    }
    v->vars_live = jstr_is(json_object_get(root, "Version"), "2012-10-17");
    for (void *it = obj_iter(root); it != NULL; it = obj_next(root, it)) {
        iam_str key = obj_key(it);
        const json_t *val = json_object_iter_value(it);
        vmark m = path_push_key(&v->path, key);
        if (str_is(key, "Version"))
            check_version(v, val);
        else if (str_is(key, "Id"))
            check_id(v, val);
        else if (str_is(key, "Statement"))
            check_statements(v, val);
        else
            ERR(v, "unknown top-level element \"%s\"; expected Version, Id or Statement", q(key).s);
        path_pop(&v->path, m);
    }
    if (json_object_get(root, "Statement") == NULL)
        ERR(v, "policy document has no Statement");
    if (v->rules->need_version && json_object_get(root, "Version") == NULL)
        ERR(v, "policy document has no Version; %s requires \"2012-10-17\"", v->rules->noun);
}

static void validate_document(vctx *v, const char *json, size_t len)
{
    json_error_t je;
    json_t *root;

    if (len > VAL_MAX_INPUT) {
        ERR_CODE(v, CODE_LIMIT, "policy document is %zu bytes; documents over %zu bytes are refused unread", len,
                 VAL_MAX_INPUT);
        return;
    }
    root = json_loadb(len ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        report_json_error(v, &je);
        return;
    }
    check_charset(v, json, len);
    check_size(v, json, len);
    check_root(v, root);
    json_decref(root);
}

/* ---- public API ------------------------------------------------------ */

iam_err iam_policy_validate(const char *json, size_t len, iam_policy_kind kind, iam_findings *out)
{
    vctx v;
    iam_err err;

    if (out == NULL)
        return IAM_E_INVALID;
    memset(out, 0, sizeof *out);
    if ((json == NULL && len > 0) || !kind_valid(kind))
        return IAM_E_INVALID;
    memset(&v, 0, sizeof v);
    v.rules = &KINDS[kind];
    validate_document(&v, json, len);
    err = v.nomem ? IAM_E_NOMEM : findings_take(&v, out);
    iam__free(v.errs.items);
    iam__free(v.warns.items);
    iam__free(v.sid_first);
    return err;
}

void iam_findings_free(iam_findings *f)
{
    if (f == NULL)
        return;
    iam__free(f->items);
    memset(f, 0, sizeof *f);
}

const char *iam_policy_kind_name(iam_policy_kind kind)
{
    return kind_valid(kind) ? KINDS[kind].name : "unknown";
}

bool iam_policy_kind_from_name(iam_str name, iam_policy_kind *out)
{
    static const struct {
        const char *name;
        iam_policy_kind kind;
    } aliases[] = {
        { "vpc_endpoint", IAM_KIND_VPC_ENDPOINT },
        { "permissions-boundary", IAM_KIND_IDENTITY },
        { "permissions_boundary", IAM_KIND_IDENTITY },
        { "boundary", IAM_KIND_IDENTITY },
    };

    if (out == NULL || (name.ptr == NULL && name.len > 0))
        return false;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (iam__str_eq_nocase(name, iam_str_from_cstr(KINDS[i].name))) {
            *out = (iam_policy_kind)i;
            return true;
        }
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (iam__str_eq_nocase(name, iam_str_from_cstr(aliases[i].name))) {
            *out = aliases[i].kind;
            return true;
        }
    }
    return false;
}
