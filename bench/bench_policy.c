/* bench/bench_policy.c - iamd's policy engine as an external engine of the
 * shared peer benchmark (../shared/bench, FORMAT.md "External engine
 * protocol"). It loads a workload size the way iamd's snapshot would (parse
 * and compile every pool policy once, one index per principal over its
 * attached policies), builds one context and request per workload request,
 * writes the decisions, then times decisions over the request stream and
 * prints one JSON line of figures. See bench/README.md.
 *
 *   bench_policy                          # under bench.js: BENCH_* environment
 *   bench_policy --size-dir DIR           # standalone: 2 s, 200 decisions, 1 s warm-up
 *   bench_policy --size-dir DIR --check DIR/expected.jsonl [--explain N]
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "iam/err.h"
#include "iam/eval.h"
#include "iam/policy.h"
#include "iam/str.h"

#include "bench_common.h"

#define HARD_CAP_NS (120ull * 1000000000ull) /* bench.js stops a run at 120 s too */
#define MAX_MISMATCH_IDS 10

typedef struct options {
    const char *size_dir;
    const char *decisions_out;
    const char *check;
    double min_seconds;
    double warmup_seconds;
    double min_decisions;
    size_t explain;
    bool untimed;
} options;

typedef struct pool_policy {
    const char *id;   /* borrowed from the policies.json document */
    char *text;       /* the policy document as JSON text (what the store holds) */
    size_t len;
    iam_policy *pol;
} pool_policy;

typedef struct principal {
    const char *arn;  /* borrowed from the document */
    size_t *pols;     /* positions in the pool, in attachment order */
    size_t npols;
    size_t statements;
    iam_index *ix;
    iam_policy_set set;
} principal;

typedef struct bench_req {
    iam_request r;               /* the strings point into `strs` */
    const iam_policy_set *set;
    const principal *who;        /* NULL: principal not in policies.json */
    iam_context *ctx;
    json_int_t id;
} bench_req;

typedef struct workload {
    json_t *doc;
    const char *account;
    pool_policy *pols;
    size_t npols;
    principal *prins;
    size_t nprins;
    bench_req *reqs;
    size_t nreqs;
    char *arena;         /* request strings, back to back in request order */
    size_t arena_len, arena_cap;
    unsigned char *ref;  /* the decision of every request, in order */
    size_t statements_total;
    double read_ms, parse_ms, index_ms, requests_ms;
    double context_p50_us, context_p99_us, context_total_ms;
    double reuse_p50_us; /* the same keys into one reused context (clear + add) */
} workload;

static const iam_policy_set no_policies; /* unknown principal: implicit deny */

static double ms_since(uint64_t t0)
{
    return (double)(bench_now_ns() - t0) / 1e6;
}

/* The spelling of FORMAT.md / bench.js (iam_decision_name() says "Allowed"). */
static const char *decision_word(iam_decision d)
{
    switch (d) {
    case IAM_ALLOW:
        return "Allow";
    case IAM_EXPLICIT_DENY:
        return "ExplicitDeny";
    case IAM_IMPLICIT_DENY:
        break;
    }
    return "ImplicitDeny";
}

static bool path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

/* Reads a whole file; on success *out is a NUL-terminated heap buffer. */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    *out = NULL;
    *len = 0;
    if (f == NULL) {
        fprintf(stderr, "bench_policy: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 1u << 20;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL) {
                fprintf(stderr, "bench_policy: out of memory reading %s\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "bench_policy: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* Calls fn(line, len, arg) for every non-empty line; stops at the first
 * non-zero return. */
static int for_each_line(char *buf, size_t len, int (*fn)(const char *, size_t, void *), void *arg)
{
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t l = end - i;
        if (l > 0 && buf[i + l - 1] == '\r')
            l--;
        if (l > 0) {
            int rc = fn(buf + i, l, arg);
            if (rc != 0)
                return rc;
        }
        i = end + 1;
    }
    return 0;
}

static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n + 1; /* a last line without '\n' */
}

static iam_principal_kind principal_kind_of(const char *arn)
{
    /* arn:aws:iam::111122223333:user/NAME: the resource part follows the
     * fifth colon. */
    const char *p = arn;
    for (int colons = 0; colons < 5; colons++) {
        p = strchr(p, ':');
        if (p == NULL)
            return IAM_PK_OTHER;
        p++;
    }
    if (strncmp(p, "user/", 5) == 0)
        return IAM_PK_IAM_USER;
    if (strncmp(p, "role/", 5) == 0)
        return IAM_PK_IAM_ROLE;
    return IAM_PK_OTHER;
}

/* ---- loading ------------------------------------------------------------ */

static void workload_free(workload *w)
{
    for (size_t i = 0; i < w->nreqs; i++)
        iam_context_free(w->reqs[i].ctx);
    free(w->reqs);
    free(w->arena);
    for (size_t i = 0; i < w->nprins; i++) {
        iam_index_free(w->prins[i].ix);
        free(w->prins[i].pols);
    }
    free(w->prins);
    for (size_t i = 0; i < w->npols; i++) {
        iam_policy_free(w->pols[i].pol);
        free(w->pols[i].text);
    }
    free(w->pols);
    free(w->ref);
    json_decref(w->doc);
    memset(w, 0, sizeof(*w));
}

static int pool_lookup(json_t *by_id, const char *id, size_t *pos)
{
    json_t *v = json_object_get(by_id, id);
    if (!json_is_integer(v))
        return -1;
    *pos = (size_t)json_integer_value(v);
    return 0;
}

/* Reads policies.json, serialises each pool policy back to JSON text
 * (untimed: the store hands iamd's snapshot builder document text), then
 * times what the snapshot would do: parse + compile every policy once, and
 * one index per principal over its attached policies. */
static int load_policies(workload *w, const char *dir)
{
    char path[4096];
    json_error_t jerr;
    json_t *pols, *prins, *by_id = NULL;
    const char *key;
    json_t *val;
    uint64_t t0;
    int rc = -1;

    if (!path_join(path, sizeof(path), dir, "policies.json")) {
        fprintf(stderr, "bench_policy: path too long\n");
        return -1;
    }
    t0 = bench_now_ns();
    w->doc = json_load_file(path, 0, &jerr);
    if (w->doc == NULL) {
        fprintf(stderr, "bench_policy: %s:%d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    w->read_ms = ms_since(t0);
    w->account = json_string_value(json_object_get(w->doc, "accountId"));
    pols = json_object_get(w->doc, "policies");
    prins = json_object_get(w->doc, "principals");
    if (w->account == NULL || !json_is_object(pols) || !json_is_array(prins)) {
        fprintf(stderr, "bench_policy: %s: missing accountId, policies or principals\n", path);
        return -1;
    }

    by_id = json_object();
    w->pols = calloc(json_object_size(pols) + 1, sizeof(*w->pols));
    w->prins = calloc(json_array_size(prins) + 1, sizeof(*w->prins));
    if (by_id == NULL || w->pols == NULL || w->prins == NULL)
        goto oom;
    json_object_foreach(pols, key, val) {
        pool_policy *p = &w->pols[w->npols];
        p->id = key;
        p->text = json_dumps(val, JSON_COMPACT);
        if (p->text == NULL)
            goto oom;
        p->len = strlen(p->text);
        if (json_object_set_new(by_id, key, json_integer((json_int_t)w->npols)) != 0)
            goto oom;
        w->npols++;
    }
    for (size_t i = 0; i < json_array_size(prins); i++) {
        json_t *pj = json_array_get(prins, i);
        json_t *att = json_object_get(pj, "policies");
        principal *pr = &w->prins[w->nprins];
        pr->arn = json_string_value(json_object_get(pj, "arn"));
        if (pr->arn == NULL || !json_is_array(att)) {
            fprintf(stderr, "bench_policy: principal %zu: no arn or policies\n", i);
            goto out;
        }
        pr->pols = calloc(json_array_size(att) + 1, sizeof(*pr->pols));
        if (pr->pols == NULL)
            goto oom;
        w->nprins++;
        for (size_t k = 0; k < json_array_size(att); k++) {
            const char *id = json_string_value(json_array_get(att, k));
            if (id == NULL || pool_lookup(by_id, id, &pr->pols[pr->npols]) != 0) {
                fprintf(stderr, "bench_policy: %s: unknown policy %s\n", pr->arn, id ? id : "?");
                goto out;
            }
            pr->npols++;
        }
    }

    /* ---- timed: parse + compile, then index ---- */
    t0 = bench_now_ns();
    for (size_t i = 0; i < w->npols; i++) {
        iam_diag diag;
        iam_err err = iam_policy_parse(w->pols[i].text, w->pols[i].len, 0, &w->pols[i].pol, &diag);
        if (err != IAM_OK) {
            fprintf(stderr, "bench_policy: policy %s: %s: %s (at %s)\n", w->pols[i].id,
                    iam_err_str(err), diag.message, diag.path);
            goto out;
        }
    }
    w->parse_ms = ms_since(t0);
    t0 = bench_now_ns();
    for (size_t i = 0; i < w->nprins; i++) {
        principal *pr = &w->prins[i];
        iam_policy *list[1024];
        iam_policy **v = pr->npols <= 1024 ? list : malloc(pr->npols * sizeof(*v));
        iam_err err;
        if (v == NULL)
            goto oom;
        for (size_t k = 0; k < pr->npols; k++)
            v[k] = w->pols[pr->pols[k]].pol;
        err = iam_index_new(v, pr->npols, &pr->ix);
        if (v != list)
            free(v);
        if (err != IAM_OK) {
            fprintf(stderr, "bench_policy: index for %s: %s\n", pr->arn, iam_err_str(err));
            goto out;
        }
        pr->set.identity = pr->ix;
    }
    w->index_ms = ms_since(t0);

    for (size_t i = 0; i < w->npols; i++)
        w->statements_total += iam_policy_statement_count(w->pols[i].pol);
    for (size_t i = 0; i < w->nprins; i++)
        for (size_t k = 0; k < w->prins[i].npols; k++)
            w->prins[i].statements += iam_policy_statement_count(w->pols[w->prins[i].pols[k]].pol);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "bench_policy: out of memory\n");
out:
    json_decref(by_id);
    return rc;
}

typedef struct req_loader {
    workload *w;
    json_t *by_arn;
    uint32_t *ctx_ns;
    uint32_t *reuse_ns;
    iam_context *scratch;
    size_t line;
} req_loader;

static int load_one_request(const char *line, size_t len, void *arg)
{
    req_loader *L = arg;
    workload *w = L->w;
    bench_req *q = &w->reqs[w->nreqs];
    json_error_t jerr;
    json_t *j = json_loadb(line, len, 0, &jerr), *ctxj, *v;
    const char *pa, *ac, *re, *key;
    char *strs;
    size_t lp, la, lr;
    uint64_t t0;
    int rc = -1;

    L->line++;
    if (j == NULL) {
        fprintf(stderr, "bench_policy: requests.jsonl:%zu: %s\n", L->line, jerr.text);
        return -1;
    }
    pa = json_string_value(json_object_get(j, "principal"));
    ac = json_string_value(json_object_get(j, "action"));
    re = json_string_value(json_object_get(j, "resource"));
    ctxj = json_object_get(j, "context");
    if (pa == NULL || ac == NULL || re == NULL || !json_is_integer(json_object_get(j, "id"))) {
        fprintf(stderr, "bench_policy: requests.jsonl:%zu: missing id/principal/action/resource\n",
                L->line);
        goto out;
    }
    lp = strlen(pa);
    la = strlen(ac);
    lr = strlen(re);
    /* The arena holds the file's size plus 3 NULs a line: a decoded string
     * is never longer than its JSON form, so this cannot overflow. */
    if (w->arena_cap - w->arena_len < lp + la + lr + 3) {
        fprintf(stderr, "bench_policy: requests.jsonl:%zu: arena overflow\n", L->line);
        goto out;
    }
    strs = w->arena + w->arena_len;
    w->arena_len += lp + la + lr + 3;
    memcpy(strs, pa, lp + 1);
    memcpy(strs + lp + 1, ac, la + 1);
    memcpy(strs + lp + la + 2, re, lr + 1);
    q->id = json_integer_value(json_object_get(j, "id"));
    q->r.principal_kind = principal_kind_of(pa);
    q->r.principal = (iam_str){ strs, lp };
    q->r.action = (iam_str){ strs + lp + 1, la };
    q->r.resource = (iam_str){ strs + lp + la + 2, lr };
    q->r.resource_account = iam_str_from_cstr(w->account);
    q->r.action_is_wildcard_only = false;
    v = json_object_get(L->by_arn, pa);
    q->who = json_is_integer(v) ? &w->prins[json_integer_value(v)] : NULL;
    q->set = q->who ? &q->who->set : &no_policies;
    w->nreqs++; /* from here on workload_free() releases q */

    /* The server builds one context per request: time exactly that. */
    t0 = bench_now_ns();
    if (iam_context_new(&q->ctx) != IAM_OK)
        goto oom;
    json_object_foreach(ctxj, key, v) {
        const char *s = json_string_value(v);
        if (s == NULL) {
            fprintf(stderr, "bench_policy: requests.jsonl:%zu: context %s is not a string\n",
                    L->line, key);
            goto out;
        }
        if (iam_context_add(q->ctx, iam_str_from_cstr(key), (iam_str){ s, json_string_length(v) })
            != IAM_OK)
            goto oom;
    }
    L->ctx_ns[w->nreqs - 1] = (uint32_t)(bench_now_ns() - t0);
    q->r.context = q->ctx;

    /* A server may instead keep one context per worker and clear it. */
    t0 = bench_now_ns();
    iam_context_clear(L->scratch);
    json_object_foreach(ctxj, key, v) {
        if (iam_context_add(L->scratch, iam_str_from_cstr(key),
                            (iam_str){ json_string_value(v), json_string_length(v) }) != IAM_OK)
            goto oom;
    }
    L->reuse_ns[w->nreqs - 1] = (uint32_t)(bench_now_ns() - t0);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "bench_policy: out of memory at request line %zu\n", L->line);
out:
    json_decref(j);
    return rc;
}

static int load_requests(workload *w, const char *dir)
{
    char path[4096];
    char *buf = NULL;
    size_t len, max;
    req_loader L = { .w = w };
    uint64_t t0 = bench_now_ns();
    int rc = -1;

    if (!path_join(path, sizeof(path), dir, "requests.jsonl")) {
        fprintf(stderr, "bench_policy: path too long\n");
        return -1;
    }
    if (read_file(path, &buf, &len) != 0)
        return -1;
    max = count_lines(buf, len);
    w->reqs = calloc(max, sizeof(*w->reqs));
    L.ctx_ns = calloc(max, sizeof(*L.ctx_ns));
    L.reuse_ns = calloc(max, sizeof(*L.reuse_ns));
    if (iam_context_new(&L.scratch) != IAM_OK)
        L.scratch = NULL;
    L.by_arn = json_object();
    w->arena_cap = len + 3 * max + 1;
    w->arena = malloc(w->arena_cap);
    if (w->arena == NULL || w->reqs == NULL || L.ctx_ns == NULL || L.by_arn == NULL ||
        L.reuse_ns == NULL || L.scratch == NULL) {
        fprintf(stderr, "bench_policy: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < w->nprins; i++)
        if (json_object_set_new(L.by_arn, w->prins[i].arn, json_integer((json_int_t)i)) != 0) {
            fprintf(stderr, "bench_policy: out of memory\n");
            goto out;
        }
    if (for_each_line(buf, len, load_one_request, &L) != 0)
        goto out;
    if (w->nreqs == 0) {
        fprintf(stderr, "bench_policy: %s: no requests\n", path);
        goto out;
    }
    w->requests_ms = ms_since(t0);
    for (size_t i = 0; i < w->nreqs; i++)
        w->context_total_ms += (double)L.ctx_ns[i] / 1e6;
    (void)bench_sort_u32(L.ctx_ns, w->nreqs);
    w->context_p50_us = (double)bench_pct(L.ctx_ns, w->nreqs, 0.5) / 1e3;
    w->context_p99_us = (double)bench_pct(L.ctx_ns, w->nreqs, 0.99) / 1e3;
    (void)bench_sort_u32(L.reuse_ns, w->nreqs);
    w->reuse_p50_us = (double)bench_pct(L.reuse_ns, w->nreqs, 0.5) / 1e3;
    rc = 0;
out:
    json_decref(L.by_arn);
    free(L.ctx_ns);
    free(L.reuse_ns);
    iam_context_free(L.scratch);
    free(buf);
    return rc;
}

/* ---- deciding --------------------------------------------------------- */

/* One pass in request order: the reference decisions every later pass is
 * compared with. Returns the number of iam_authorize() failures. */
static size_t decide_all(workload *w)
{
    size_t errors = 0;
    w->ref = malloc(w->nreqs);
    if (w->ref == NULL)
        return SIZE_MAX;
    for (size_t i = 0; i < w->nreqs; i++) {
        iam_eval_result res;
        if (iam_authorize(w->reqs[i].set, &w->reqs[i].r, &res) != IAM_OK) {
            errors++;
            res.decision = IAM_IMPLICIT_DENY;
        }
        w->ref[i] = (unsigned char)res.decision;
    }
    return errors;
}

static int write_decisions(const workload *w, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench_policy: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < w->nreqs; i++)
        fprintf(f, "%s\n", decision_word((iam_decision)w->ref[i]));
    if (fclose(f) != 0) {
        fprintf(stderr, "bench_policy: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* Prints the statements that decided request i (policy id, Sid, effect). */
static void explain(const workload *w, size_t i)
{
    const bench_req *q = &w->reqs[i];
    iam_eval_result res;
    iam_err err = iam_authorize(q->set, &q->r, &res);

    printf("    principal %.*s (%zu policies, %zu statements)\n", (int)q->r.principal.len,
           q->r.principal.ptr, q->who ? q->who->npols : 0, q->who ? q->who->statements : 0);
    printf("    action %.*s  resource %.*s\n", (int)q->r.action.len, q->r.action.ptr,
           (int)q->r.resource.len, q->r.resource.ptr);
    if (err != IAM_OK) {
        printf("    iam_authorize failed: %s\n", iam_err_str(err));
        return;
    }
    printf("    decision %s, %zu matching statement(s)\n", decision_word(res.decision),
           res.match_count);
    for (size_t k = 0; k < res.match_count && k < IAM_EVAL_MAX_MATCHES; k++) {
        const iam_match *m = &res.matches[k];
        iam_str sid = iam_policy_statement_sid(m->pol, m->statement);
        const char *pid = q->who && m->policy < q->who->npols ? w->pols[q->who->pols[m->policy]].id
                                                              : "?";
        printf("      %s %s Statement[%u] Sid=%.*s\n", m->effect == IAM_EFFECT_DENY ? "Deny " : "Allow",
               pid, (unsigned)m->statement, (int)sid.len, sid.ptr ? sid.ptr : "");
    }
}

typedef struct checker {
    const workload *w;
    size_t line, agree, mismatches, bad;
    size_t confusion[3][3]; /* [expected][got] */
    size_t ids[MAX_MISMATCH_IDS];
} checker;

static int decision_from_word(const char *s, iam_decision *out)
{
    if (strcmp(s, "Allow") == 0)
        *out = IAM_ALLOW;
    else if (strcmp(s, "ExplicitDeny") == 0)
        *out = IAM_EXPLICIT_DENY;
    else if (strcmp(s, "ImplicitDeny") == 0)
        *out = IAM_IMPLICIT_DENY;
    else
        return -1;
    return 0;
}

static int check_one(const char *line, size_t len, void *arg)
{
    checker *c = arg;
    json_error_t jerr;
    json_t *j = json_loadb(line, len, 0, &jerr);
    const char *d = json_string_value(json_object_get(j, "decision"));
    json_t *id = json_object_get(j, "id");
    size_t i = c->line++;
    iam_decision want;

    if (j == NULL || d == NULL || decision_from_word(d, &want) != 0 || !json_is_integer(id)) {
        fprintf(stderr, "bench_policy: expected line %zu: not {\"id\":N,\"decision\":...}\n", i + 1);
        json_decref(j);
        return -1;
    }
    if (i >= c->w->nreqs || json_integer_value(id) != c->w->reqs[i].id) {
        fprintf(stderr, "bench_policy: expected line %zu: id %lld does not match request %zu\n",
                i + 1, (long long)json_integer_value(id), i);
        c->bad++;
    } else {
        iam_decision got = (iam_decision)c->w->ref[i];
        c->confusion[want][got]++;
        if (got == want) {
            c->agree++;
        } else {
            if (c->mismatches < MAX_MISMATCH_IDS)
                c->ids[c->mismatches] = i;
            c->mismatches++;
        }
    }
    json_decref(j);
    return 0;
}

/* --check: compares the reference decisions with expected.jsonl. */
static int check_expected(const workload *w, const char *path, size_t nexplain)
{
    static const char *const names[3] = { "ImplicitDeny", "Allow", "ExplicitDeny" };
    checker c = { .w = w };
    char *buf;
    size_t len;
    int rc;

    if (read_file(path, &buf, &len) != 0)
        return -1;
    rc = for_each_line(buf, len, check_one, &c);
    free(buf);
    if (rc != 0)
        return -1;
    printf("agreement: %zu/%zu requests (%zu expected lines, %zu mismatches%s)\n", c.agree, w->nreqs,
           c.line, c.mismatches, c.bad ? ", ID/LINE ERRORS" : "");
    printf("confusion (expected -> iamd):");
    for (int e = 0; e < 3; e++)
        for (int g = 0; g < 3; g++)
            if (c.confusion[e][g])
                printf(" %s->%s=%zu", names[e], names[g], c.confusion[e][g]);
    printf("\n");
    if (c.mismatches) {
        printf("first mismatching request ids:");
        for (size_t k = 0; k < c.mismatches && k < MAX_MISMATCH_IDS; k++)
            printf(" %lld", (long long)w->reqs[c.ids[k]].id);
        printf("\n");
        for (size_t k = 0; k < c.mismatches && k < MAX_MISMATCH_IDS && k < nexplain; k++) {
            printf("  request id %lld:\n", (long long)w->reqs[c.ids[k]].id);
            explain(w, c.ids[k]);
        }
    }
    return (c.agree == w->nreqs && c.line == w->nreqs && c.bad == 0) ? 0 : 1;
}

/* ---- measuring ---------------------------------------------------------- */

typedef struct figures {
    size_t decisions;
    double seconds;
    double p50_us, p99_us, mean_us, max_us;
    double untimed_decisions, untimed_seconds;
    double timer_overhead_ns;
    size_t drift;      /* decisions that differed from the reference pass */
    size_t errors;
} figures;

/* Every timed loop checks its decision against the reference pass (one
 * load and compare, ~1 ns) so the compiler cannot drop the call and a
 * non-deterministic engine would show up. */
#define DECIDE(w, idx, res, f)                                                        \
    do {                                                                              \
        if (iam_authorize((w)->reqs[idx].set, &(w)->reqs[idx].r, &(res)) != IAM_OK) \
            (f)->errors++;                                                            \
        (f)->drift += (res).decision != (iam_decision)(w)->ref[idx];                  \
        if (++(idx) == (w)->nreqs)                                                    \
            (idx) = 0;                                                                \
    } while (0)

static int measure(const workload *w, const options *o, figures *f)
{
    uint64_t min_ns = (uint64_t)(o->min_seconds * 1e9);
    uint64_t warm_ns = (uint64_t)(o->warmup_seconds * 1e9);
    size_t min_dec = (size_t)o->min_decisions;
    size_t idx = 0, n = 0, cap, warm_n = 0;
    uint32_t *lat;
    uint64_t t0, t = 0;
    double sum = 0;
    iam_eval_result res;

    memset(f, 0, sizeof(*f));
    f->timer_overhead_ns = bench_timer_overhead_ns();

    /* warm-up, which also sizes the latency buffer */
    t0 = bench_now_ns();
    do {
        for (int k = 0; k < 256; k++)
            DECIDE(w, idx, res, f);
        warm_n += 256;
        t = bench_now_ns();
    } while (t - t0 < warm_ns);
    {
        /* enough for the whole timed pass at the warm-up rate; grows if not */
        double secs = (double)(t - t0) / 1e9;
        double want = secs > 0.01 ? (double)warm_n / secs * (o->min_seconds + 0.5) * 1.25 : 1e6;
        want += (double)min_dec + 1024;
        cap = want > 6.4e7 ? (size_t)6.4e7 : (size_t)want;
    }
    lat = malloc(cap * sizeof(*lat));
    if (lat == NULL) {
        fprintf(stderr, "bench_policy: out of memory for %zu samples\n", cap);
        return -1;
    }

    /* timed: every decision between two clock reads */
    t0 = bench_now_ns();
    for (;;) {
        uint64_t a = bench_now_ns();
        DECIDE(w, idx, res, f);
        t = bench_now_ns();
        lat[n++] = (uint32_t)(t - a);
        if (((t - t0 >= min_ns) && n >= min_dec) || t - t0 >= HARD_CAP_NS)
            break;
        if (n == cap) {
            uint32_t *nl = realloc(lat, 2 * cap * sizeof(*lat));
            if (nl == NULL) {
                free(lat);
                fprintf(stderr, "bench_policy: out of memory for samples\n");
                return -1;
            }
            lat = nl;
            cap *= 2;
        }
    }
    f->decisions = n;
    f->seconds = (double)(t - t0) / 1e9;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    f->mean_us = sum / (double)n / 1e3;
    (void)bench_sort_u32(lat, n);
    f->p50_us = (double)bench_pct(lat, n, 0.5) / 1e3;
    f->p99_us = (double)bench_pct(lat, n, 0.99) / 1e3;
    f->max_us = (double)lat[n - 1] / 1e3;
    free(lat);

    /* untimed: same work and stopping rule, clock read every 1024 decisions */
    if (o->untimed) {
        n = 0;
        t0 = bench_now_ns();
        for (;;) {
            for (int k = 0; k < 1024; k++)
                DECIDE(w, idx, res, f);
            n += 1024;
            t = bench_now_ns();
            if (((t - t0 >= min_ns) && n >= min_dec) || t - t0 >= HARD_CAP_NS)
                break;
        }
        f->untimed_decisions = (double)n;
        f->untimed_seconds = (double)(t - t0) / 1e9;
    }
    return 0;
}

static void print_json(const workload *w, const figures *f)
{
    double load_ms = w->parse_ms + w->index_ms;
    double untimed_dps = f->untimed_seconds > 0 ? f->untimed_decisions / f->untimed_seconds : 0;
    double dps = (double)f->decisions / f->seconds;
    size_t smax = 0;

    for (size_t i = 0; i < w->nprins; i++)
        if (w->prins[i].statements > smax)
            smax = w->prins[i].statements;
    /* Extra figures appear twice: top level (as the brief names them) and
     * inside "info", which bench.js copies into its results JSON. */
    printf("{\"engine\":\"iamd\",\"loadMs\":%.3f,\"decisions\":%zu,\"seconds\":%.4f,"
           "\"decisionsPerSec\":%.0f,\"p50Us\":%.4f,\"p99Us\":%.4f,\"meanUs\":%.4f,"
           "\"contextUs\":%.4f,\"untimedDecisionsPerSec\":%.0f,\"timerOverheadNs\":%.1f,",
           load_ms, f->decisions, f->seconds, dps, f->p50_us, f->p99_us, f->mean_us,
           w->context_p50_us, untimed_dps, f->timer_overhead_ns);
    printf("\"phases\":{\"parseMs\":%.3f,\"indexMs\":%.3f,\"readJsonMs\":%.3f},",
           w->parse_ms, w->index_ms, w->read_ms);
    printf("\"info\":{\"contextUs\":%.4f,\"contextP99Us\":%.4f,\"contextReuseUs\":%.4f,"
           "\"untimedDecisionsPerSec\":%.0f,"
           "\"untimedNsPerDecision\":%.1f,\"timerOverheadNs\":%.1f,\"maxUs\":%.3f,"
           "\"policies\":%zu,\"principals\":%zu,\"statements\":%zu,\"statementsPerPrincipalMax\":%zu,"
           "\"requests\":%zu,\"authorizeErrors\":%zu,\"drift\":%zu}}\n",
           w->context_p50_us, w->context_p99_us, w->reuse_p50_us, untimed_dps,
           untimed_dps > 0 ? 1e9 / untimed_dps : 0.0, f->timer_overhead_ns, f->max_us, w->npols,
           w->nprins, w->statements_total, smax, w->nreqs, f->errors, f->drift);
    fflush(stdout);
}

/* ---- options -------------------------------------------------------------- */

static int parse_number(const char *what, const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 1e12) {
        fprintf(stderr, "bench_policy: %s: not a number: '%s'\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: bench_policy [--size-dir DIR] [--check EXPECTED.jsonl [--explain N]]\n"
            "                    [--decisions-out FILE] [--min-seconds S] [--min-decisions N]\n"
            "                    [--warmup-seconds S] [--no-untimed]\n"
            "Defaults come from BENCH_SIZE_DIR, BENCH_DECISIONS_OUT, BENCH_MIN_SECONDS (2),\n"
            "BENCH_MIN_DECISIONS (200), BENCH_WARMUP_SECONDS (1); options override them.\n"
            "--check compares the decisions with expected.jsonl and exits 1 on any mismatch.\n");
}

static int parse_options(int argc, char **argv, options *o)
{
    const char *env;

    *o = (options){ .min_seconds = 2, .warmup_seconds = 1, .min_decisions = 200, .explain = 5,
                    .untimed = true };
    o->size_dir = getenv("BENCH_SIZE_DIR");
    o->decisions_out = getenv("BENCH_DECISIONS_OUT");
    if (o->decisions_out && *o->decisions_out == '\0')
        o->decisions_out = NULL;
    if ((env = getenv("BENCH_MIN_SECONDS")) && *env && parse_number("BENCH_MIN_SECONDS", env, &o->min_seconds))
        return -1;
    if ((env = getenv("BENCH_MIN_DECISIONS")) && *env &&
        parse_number("BENCH_MIN_DECISIONS", env, &o->min_decisions))
        return -1;
    if ((env = getenv("BENCH_WARMUP_SECONDS")) && *env &&
        parse_number("BENCH_WARMUP_SECONDS", env, &o->warmup_seconds))
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double num;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--no-untimed") == 0) {
            o->untimed = false;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "bench_policy: %s needs a value\n", a);
            usage(stderr);
            return -1;
        }
        i++;
        if (strcmp(a, "--size-dir") == 0) {
            o->size_dir = v;
        } else if (strcmp(a, "--check") == 0) {
            o->check = v;
        } else if (strcmp(a, "--decisions-out") == 0) {
            o->decisions_out = v;
        } else if (strcmp(a, "--min-seconds") == 0) {
            if (parse_number(a, v, &o->min_seconds))
                return -1;
        } else if (strcmp(a, "--min-decisions") == 0) {
            if (parse_number(a, v, &o->min_decisions))
                return -1;
        } else if (strcmp(a, "--warmup-seconds") == 0) {
            if (parse_number(a, v, &o->warmup_seconds))
                return -1;
        } else if (strcmp(a, "--explain") == 0) {
            if (parse_number(a, v, &num))
                return -1;
            o->explain = (size_t)num;
        } else {
            fprintf(stderr, "bench_policy: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (o->size_dir == NULL || *o->size_dir == '\0') {
        fprintf(stderr, "bench_policy: no workload: set BENCH_SIZE_DIR or pass --size-dir\n");
        usage(stderr);
        return -1;
    }
    if (o->min_decisions < 1)
        o->min_decisions = 1;
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    workload w;
    figures f;
    size_t errors;
    int rc = 2;

    memset(&w, 0, sizeof(w));
    if (parse_options(argc, argv, &o) != 0)
        return 2;
    if (load_policies(&w, o.size_dir) != 0 || load_requests(&w, o.size_dir) != 0)
        goto out;
    errors = decide_all(&w);
    if (errors == SIZE_MAX) {
        fprintf(stderr, "bench_policy: out of memory\n");
        goto out;
    }
    if (errors)
        fprintf(stderr, "bench_policy: iam_authorize failed on %zu requests (counted as ImplicitDeny)\n",
                errors);
    if (o.decisions_out && write_decisions(&w, o.decisions_out) != 0)
        goto out;
    if (o.check) {
        printf("%s: %zu policies, %zu principals, %zu statements, %zu requests; load %.3f ms "
               "(parse %.3f, index %.3f), context p50 %.3f us (reused context %.3f us)\n",
               o.size_dir, w.npols, w.nprins, w.statements_total, w.nreqs, w.parse_ms + w.index_ms,
               w.parse_ms, w.index_ms, w.context_p50_us, w.reuse_p50_us);
        rc = check_expected(&w, o.check, o.explain);
        if (rc < 0)
            rc = 2;
        goto out;
    }
    if (measure(&w, &o, &f) != 0)
        goto out;
    if (f.drift || f.errors)
        fprintf(stderr, "bench_policy: %zu decisions differed from the first pass, %zu errors\n",
                f.drift, f.errors);
    print_json(&w, &f);
    rc = 0;
out:
    workload_free(&w);
    return rc;
}
