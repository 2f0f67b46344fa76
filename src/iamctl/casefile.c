/* casefile.c - building one request for iamctl from flags or from a
 * decision case (decision-cases.md), compiling every policy leniently
 * (IAM_PARSE_LENIENT) and validating it as its kind only to warn, then
 * grouping the policies into one iam_index per policy type and SCP/RCP
 * level. Both `policy eval` and `policy test` go through here. */
#include "casefile.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NUMBUF 40 /* enough for any %.17g double or 64-bit integer */

static void whyf(cli_why *why, const char *fmt, ...) CLI_PRINTF(2, 3);

static void whyf(cli_why *why, const char *fmt, ...)
{
    va_list ap;
    if (why == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
}

/* ---- the case object ------------------------------------------------ */

int cli_case_init(cli_case *c)
{
    memset(c, 0, sizeof *c);
    c->kind = IAM_PK_ANONYMOUS;
    return iam_context_new(&c->ctx) == IAM_OK ? 0 : -1;
}

static void group_free(cli_group *g)
{
    iam_index_free(g->index);
    for (size_t i = 0; i < g->n; i++) {
        iam_policy_free(g->pols[i]);
        free(g->labels[i]);
    }
    free(g->pols);
    free(g->labels);
    free(g->level);
    memset(g, 0, sizeof *g);
}

static void levels_free(cli_levels *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        group_free(&lv->groups[i]);
    free(lv->groups);
    free(lv->ix);
    memset(lv, 0, sizeof *lv);
}

void cli_case_free(cli_case *c)
{
    if (c == NULL)
        return;
    for (size_t t = 0; t < CLI_PT_COUNT; t++)
        group_free(&c->groups[t]);
    levels_free(&c->scp);
    levels_free(&c->rcp);
    iam_context_free(c->ctx);
    free(c->principal);
    free(c->action);
    free(c->resource);
    free(c->resource_account);
    memset(c, 0, sizeof *c);
}

cli_group *cli_case_group(cli_case *c, iam_policy_type type)
{
    if (type <= IAM_PT_NONE || (size_t)type >= CLI_PT_COUNT || type == IAM_PT_SCP ||
        type == IAM_PT_RCP)
        return NULL;
    c->present[type] = true;
    return &c->groups[type];
}

cli_group *cli_case_level(cli_case *c, iam_policy_type type, const char *name, bool reuse)
{
    cli_levels *lv;
    cli_group *g;

    if (type != IAM_PT_SCP && type != IAM_PT_RCP)
        return NULL;
    lv = type == IAM_PT_SCP ? &c->scp : &c->rcp;
    if (reuse)
        for (size_t i = 0; i < lv->n; i++)
            if (strcmp(lv->groups[i].level, name) == 0)
                return &lv->groups[i];
    if (lv->n >= UINT16_MAX) /* iam_match.level is 16 bits */
        return NULL;
    if (lv->n == lv->cap) {
        size_t ncap = lv->cap ? lv->cap * 2 : 4;
        cli_group *ng = realloc(lv->groups, ncap * sizeof *ng);
        if (ng == NULL)
            return NULL;
        lv->groups = ng;
        lv->cap = ncap;
    }
    g = &lv->groups[lv->n];
    memset(g, 0, sizeof *g);
    g->level = cli_strdup(name);
    if (g->level == NULL)
        return NULL;
    lv->n++;
    return g;
}

/* Appends `pol` (ownership moves in, also on failure) with a label copy. */
static int group_append(cli_group *g, iam_policy *pol, const char *label)
{
    char *lab = cli_strdup(label);
    if (lab == NULL)
        goto fail;
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 4;
        iam_policy **np = realloc(g->pols, ncap * sizeof *np);
        char **nl;
        if (np == NULL)
            goto fail;
        g->pols = np;
        nl = realloc(g->labels, ncap * sizeof *nl);
        if (nl == NULL)
            goto fail;
        g->labels = nl;
        g->cap = ncap;
    }
    g->pols[g->n] = pol;
    g->labels[g->n] = lab;
    g->n++;
    return 0;
fail:
    free(lab);
    iam_policy_free(pol);
    return -1;
}

/* ---- compiling and checking one policy ------------------------------- */

iam_policy_kind cli_policy_kind_for(iam_policy_type type, const char *resource)
{
    switch (type) {
    case IAM_PT_IDENTITY:
    case IAM_PT_BOUNDARY:
        return IAM_KIND_IDENTITY;
    case IAM_PT_SESSION:
        return IAM_KIND_SESSION;
    case IAM_PT_RESOURCE:
        /* arn:PARTITION:iam::ACCOUNT:role/NAME: the trust policy of a role. */
        if (resource != NULL && strncmp(resource, "arn:", 4) == 0) {
            const char *p = resource + 4;
            const char *colon = strchr(p, ':');
            if (colon != NULL && strncmp(colon + 1, "iam:", 4) == 0) {
                const char *rest = colon + 5;             /* region (empty) */
                const char *acct = strchr(rest, ':');
                const char *res = acct ? strchr(acct + 1, ':') : NULL;
                if (res != NULL && strncmp(res + 1, "role/", 5) == 0)
                    return IAM_KIND_TRUST;
            }
        }
        return IAM_KIND_RESOURCE;
    case IAM_PT_SCP:
        return IAM_KIND_SCP;
    case IAM_PT_RCP:
        return IAM_KIND_RCP;
    case IAM_PT_VPC_ENDPOINT:
        return IAM_KIND_VPC_ENDPOINT;
    case IAM_PT_NONE:
        break;
    }
    return IAM_KIND_GENERIC;
}

static const char *kind_name(iam_policy_kind k)
{
    const char *n = iam_policy_kind_name(k);
    return n != NULL ? n : "policy";
}

static void print_finding_tail(FILE *out, const iam_finding *f)
{
    if (f->line > 0)
        fprintf(out, "line %d, column %d: ", f->line, f->column);
    if (f->path[0] != '\0')
        fprintf(out, "%s: ", f->path);
    fputs(f->message, out);
    if (f->code != NULL && f->code[0] != '\0')
        fprintf(out, " (%s)", f->code);
}

/* Reports what per-kind validation found; the policy is used regardless. */
static void report_findings(const cli_warn *w, const char *label, iam_policy_kind kind,
                            const iam_findings *f)
{
    if (w == NULL || w->out == NULL || w->mode == CLI_WARN_NONE)
        return;
    if (w->mode == CLI_WARN_ERRORS) {
        const iam_finding *first = NULL;
        for (size_t i = 0; i < f->count && first == NULL; i++)
            if (f->items[i].severity == IAM_SEV_ERROR)
                first = &f->items[i];
        if (first == NULL)
            return;
        fprintf(w->out, "%s: warning: %s: iamd would refuse this %s policy: ", w->prefix, label,
                kind_name(kind));
        print_finding_tail(w->out, first);
        if (f->errors > 1)
            fprintf(w->out, " (and %zu more errors)", f->errors - 1);
        fputc('\n', w->out);
        return;
    }
    for (size_t i = 0; i < f->count; i++) {
        const iam_finding *it = &f->items[i];
        fprintf(w->out, "%s: warning: %s: ", w->prefix, label);
        if (it->severity == IAM_SEV_ERROR)
            fprintf(w->out, "not a valid %s policy: ", kind_name(kind));
        print_finding_tail(w->out, it);
        fputc('\n', w->out);
    }
}

cli_status cli_case_add_policy(cli_case *c, cli_group *g, iam_policy_type type, const char *text,
                               size_t len, const char *label, const cli_warn *w, cli_why *why)
{
    iam_policy *pol = NULL;
    iam_diag d;
    iam_err err;

    memset(&d, 0, sizeof d);
    err = iam_policy_parse(text, len, IAM_PARSE_LENIENT, &pol, &d);
    if (err == IAM_E_NOMEM)
        return CLI_NOMEM;
    if (err != IAM_OK) {
        char where[240] = "";
        if (d.line > 0 && d.path[0] != '\0')
            snprintf(where, sizeof where, "line %d, column %d: %s: ", d.line, d.column, d.path);
        else if (d.line > 0)
            snprintf(where, sizeof where, "line %d, column %d: ", d.line, d.column);
        else if (d.path[0] != '\0')
            snprintf(where, sizeof where, "%s: ", d.path);
        whyf(why, "%s: policy does not compile: %s%s", label, where,
             d.message[0] != '\0' ? d.message : iam_err_str(err));
        return CLI_BAD;
    }
    if (w != NULL && w->mode != CLI_WARN_NONE) {
        iam_policy_kind kind = cli_policy_kind_for(type, c->resource);
        iam_findings f;
        memset(&f, 0, sizeof f);
        err = iam_policy_validate(text, len, kind, &f);
        if (err == IAM_E_NOMEM) {
            iam_policy_free(pol);
            return CLI_NOMEM;
        }
        if (err == IAM_OK)
            report_findings(w, label, kind, &f);
        iam_findings_free(&f);
    }
    if (group_append(g, pol, label) != 0)
        return CLI_NOMEM;
    return CLI_OK;
}

/* ---- principals ------------------------------------------------------ */

iam_principal_kind cli_principal_kind_guess(const char *p)
{
    const char *field[6];
    size_t nf = 0;

    if (p == NULL || p[0] == '\0')
        return IAM_PK_ANONYMOUS;
    if (strncmp(p, "arn:", 4) == 0) {
        /* arn:partition:service:region:account:resource */
        field[nf++] = p;
        for (const char *q = p; *q != '\0' && nf < 6; q++)
            if (*q == ':')
                field[nf++] = q + 1;
        if (nf < 6)
            return IAM_PK_OTHER;
        if (strncmp(field[2], "iam:", 4) == 0) {
            if (strcmp(field[5], "root") == 0)
                return IAM_PK_ACCOUNT_ROOT;
            if (strncmp(field[5], "user/", 5) == 0)
                return IAM_PK_IAM_USER;
            if (strncmp(field[5], "role/", 5) == 0)
                return IAM_PK_IAM_ROLE;
        } else if (strncmp(field[2], "sts:", 4) == 0) {
            if (strncmp(field[5], "assumed-role/", 13) == 0)
                return IAM_PK_ASSUMED_ROLE_SESSION;
            if (strncmp(field[5], "federated-user/", 15) == 0)
                return IAM_PK_FEDERATED_USER;
        }
        return IAM_PK_OTHER;
    }
    {
        size_t n = strlen(p), digits = strspn(p, "0123456789");
        if (n == 12 && digits == 12)
            return IAM_PK_ACCOUNT_ROOT; /* a bare account id */
        if (strchr(p, ':') == NULL && strchr(p, '.') != NULL)
            return IAM_PK_SERVICE;      /* "s3.amazonaws.com" */
    }
    return IAM_PK_OTHER;
}

bool cli_principal_kind_parse(const char *name, iam_principal_kind *out)
{
    char buf[64];
    size_t n = strlen(name);

    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t i = 0; i < n; i++)
        buf[i] = name[i] == '-' ? '_' : name[i];
    return iam_principal_kind_from_name((iam_str){ buf, n }, out);
}

/* ---- decision-case JSON ---------------------------------------------- */

/* A JSON value that cannot change a decision when its key is unknown. */
static bool inert(const json_t *v)
{
    return v == NULL || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0);
}

/* The shortest text that reads back as the same double. */
static void real_text(double v, char buf[NUMBUF])
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, NUMBUF, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Context scalars: strings as they are, numbers and booleans as text. */
static bool scalar_text(const json_t *v, char buf[NUMBUF], iam_str *out)
{
    if (json_is_string(v)) {
        *out = (iam_str){ json_string_value(v), json_string_length(v) };
    } else if (json_is_integer(v)) {
        snprintf(buf, NUMBUF, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = iam_str_from_cstr(buf);
    } else if (json_is_real(v)) {
        real_text(json_real_value(v), buf);
        *out = iam_str_from_cstr(buf);
    } else if (json_is_boolean(v)) {
        *out = json_is_true(v) ? IAM_STR("true") : IAM_STR("false");
    } else {
        return false;
    }
    return true;
}

static cli_status context_err(iam_err err, const char *key, cli_why *why)
{
    if (err == IAM_E_NOMEM)
        return CLI_NOMEM;
    whyf(why, "request.context.%s: %s", key, iam_err_str(err));
    return CLI_BAD;
}

static cli_status load_context(cli_case *c, json_t *ctx, cli_why *why)
{
    const char *key;
    json_t *v;

    if (inert(ctx) && !json_is_array(ctx))
        return CLI_OK;
    if (!json_is_object(ctx)) {
        whyf(why, "request.context must be an object");
        return CLI_BAD;
    }
    json_object_foreach(ctx, key, v) {
        iam_str k = iam_str_from_cstr(key);
        iam_err err;
        if (k.len == 0) {
            whyf(why, "request.context has an empty key");
            return CLI_BAD;
        }
        if (json_is_null(v))
            continue; /* null: the key is absent from the request */
        if (json_is_array(v)) {
            size_t n = json_array_size(v);
            iam_str *vals = calloc(n ? n : 1, sizeof *vals);
            char(*nums)[NUMBUF] = malloc((n ? n : 1) * sizeof *nums);
            if (vals == NULL || nums == NULL) {
                free(vals);
                free(nums);
                return CLI_NOMEM;
            }
            for (size_t i = 0; i < n; i++) {
                if (!scalar_text(json_array_get(v, i), nums[i], &vals[i])) {
                    free(vals);
                    free(nums);
                    whyf(why, "request.context.%s[%zu] must be a string, number or boolean", key, i);
                    return CLI_BAD;
                }
            }
            err = iam_context_set(c->ctx, k, vals, n);
            free(vals);
            free(nums);
        } else {
            char num[NUMBUF];
            iam_str val;
            if (!scalar_text(v, num, &val)) {
                whyf(why, "request.context.%s must be a string, number, boolean or array", key);
                return CLI_BAD;
            }
            err = iam_context_set(c->ctx, k, &val, 1);
        }
        if (err != IAM_OK)
            return context_err(err, key, why);
    }
    return CLI_OK;
}

/* Copies an optional string member into *dst; null or absent leaves NULL. */
static cli_status opt_string(json_t *obj, const char *key, char **dst, cli_why *why)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return CLI_OK;
    if (!json_is_string(v)) {
        whyf(why, "request.%s must be a string", key);
        return CLI_BAD;
    }
    *dst = cli_strndup(json_string_value(v), json_string_length(v));
    return *dst != NULL ? CLI_OK : CLI_NOMEM;
}

static const char *const REQUEST_KEYS[] = {
    "principal", "principal_kind", "action", "resource", "resource_account", "context",
    "action_is_wildcard_only",
};

static const struct {
    const char *key;
    iam_policy_type type;
} POLICY_KEYS[] = {
    { "identity", IAM_PT_IDENTITY },
    { "session", IAM_PT_SESSION },
    { "permissions_boundary", IAM_PT_BOUNDARY },
    { "resource", IAM_PT_RESOURCE },
    { "scp", IAM_PT_SCP },
    { "rcp", IAM_PT_RCP },
    { "vpc_endpoint", IAM_PT_VPC_ENDPOINT },
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool known_request_key(const char *k)
{
    for (size_t i = 0; i < COUNT_OF(REQUEST_KEYS); i++)
        if (strcmp(REQUEST_KEYS[i], k) == 0)
            return true;
    return false;
}

static bool policy_key_type(const char *k, iam_policy_type *out)
{
    for (size_t i = 0; i < COUNT_OF(POLICY_KEYS); i++)
        if (strcmp(POLICY_KEYS[i].key, k) == 0) {
            *out = POLICY_KEYS[i].type;
            return true;
        }
    return false;
}

static cli_status load_request(cli_case *c, json_t *req, cli_why *why)
{
    json_t *v;
    cli_status st;

    if ((st = opt_string(req, "principal", &c->principal, why)) != CLI_OK)
        return st;
    v = json_object_get(req, "principal_kind");
    if (v == NULL || json_is_null(v)) {
        c->kind = cli_principal_kind_guess(c->principal);
    } else if (!json_is_string(v) || !cli_principal_kind_parse(json_string_value(v), &c->kind)) {
        whyf(why, "request.principal_kind: unknown principal kind%s%s%s",
             json_is_string(v) ? " \"" : "", json_is_string(v) ? json_string_value(v) : "",
             json_is_string(v) ? "\"" : "");
        return CLI_BAD;
    }
    if ((st = opt_string(req, "action", &c->action, why)) != CLI_OK)
        return st;
    if (c->action == NULL || c->action[0] == '\0') {
        whyf(why, "request.action is required");
        return CLI_BAD;
    }
    v = json_object_get(req, "action_is_wildcard_only");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_boolean(v)) {
            whyf(why, "request.action_is_wildcard_only must be true or false");
            return CLI_BAD;
        }
        c->wildcard_only = json_is_true(v);
    }
    if ((st = opt_string(req, "resource", &c->resource, why)) != CLI_OK)
        return st;
    if (c->resource == NULL) {
        if (!c->wildcard_only) {
            whyf(why, "request.resource is required (or action_is_wildcard_only: true)");
            return CLI_BAD;
        }
        c->resource = cli_strdup("*");
        if (c->resource == NULL)
            return CLI_NOMEM;
    }
    if ((st = opt_string(req, "resource_account", &c->resource_account, why)) != CLI_OK)
        return st;
    return load_context(c, json_object_get(req, "context"), why);
}

/* One policy document of a case: an object (serialized compactly for the
 * parser) or, as a convenience, a string holding the document's JSON. */
static cli_status load_doc(cli_case *c, cli_group *g, iam_policy_type type, json_t *doc,
                           const char *label, const cli_warn *w, cli_why *why)
{
    cli_status st;
    char *text;

    if (json_is_string(doc))
        return cli_case_add_policy(c, g, type, json_string_value(doc), json_string_length(doc),
                                   label, w, why);
    if (!json_is_object(doc)) {
        whyf(why, "policies.%s must be a policy document (an object)", label);
        return CLI_BAD;
    }
    text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return CLI_NOMEM;
    st = cli_case_add_policy(c, g, type, text, strlen(text), label, w, why);
    free(text);
    return st;
}

/* `[ {policy}, ... ]` into group g, labels "NAME[i]" under `prefix`. */
static cli_status load_doc_array(cli_case *c, cli_group *g, iam_policy_type type, json_t *arr,
                                 const char *prefix, const cli_warn *w, cli_why *why)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char label[96];
        cli_status st;
        snprintf(label, sizeof label, "%s[%zu]", prefix, i);
        st = load_doc(c, g, type, json_array_get(arr, i), label, w, why);
        if (st != CLI_OK)
            return st;
    }
    return CLI_OK;
}

static cli_status load_levels(cli_case *c, iam_policy_type type, const char *key, json_t *arr,
                              const cli_warn *w, cli_why *why)
{
    if (!json_is_array(arr)) {
        whyf(why, "policies.%s must be an array of levels or null", key);
        return CLI_BAD;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *lvl = json_array_get(arr, i);
        json_t *name, *pols;
        char fallback[32], prefix[64];
        const char *lname;
        cli_group *g;
        cli_status st;

        if (!json_is_object(lvl)) {
            whyf(why, "policies.%s[%zu] must be an object {\"level\": ..., \"policies\": [...]}",
                 key, i);
            return CLI_BAD;
        }
        name = json_object_get(lvl, "level");
        if (name != NULL && !json_is_null(name) && !json_is_string(name)) {
            whyf(why, "policies.%s[%zu].level must be a string", key, i);
            return CLI_BAD;
        }
        snprintf(fallback, sizeof fallback, "%zu", i);
        lname = json_is_string(name) ? json_string_value(name) : fallback;
        pols = json_object_get(lvl, "policies");
        if (!json_is_array(pols)) {
            whyf(why, "policies.%s[%zu].policies must be an array", key, i);
            return CLI_BAD;
        }
        g = cli_case_level(c, type, lname, false);
        if (g == NULL)
            return CLI_NOMEM;
        snprintf(prefix, sizeof prefix, "%s[%zu].policies", key, i);
        st = load_doc_array(c, g, type, pols, prefix, w, why);
        if (st != CLI_OK)
            return st;
    }
    return CLI_OK;
}

static cli_status load_policies(cli_case *c, json_t *pols, const cli_warn *w, cli_why *why)
{
    const char *key;
    json_t *v;

    json_object_foreach(pols, key, v) {
        iam_policy_type type = IAM_PT_NONE;
        cli_status st = CLI_OK;
        if (!policy_key_type(key, &type) || json_is_null(v))
            continue; /* unknown keys were vetted by the caller */
        switch (type) {
        case IAM_PT_IDENTITY:
        case IAM_PT_BOUNDARY:
        case IAM_PT_VPC_ENDPOINT:
            if (!json_is_array(v)) {
                whyf(why, "policies.%s must be an array of policies or null", key);
                return CLI_BAD;
            }
            st = load_doc_array(c, cli_case_group(c, type), type, v, key, w, why);
            break;
        case IAM_PT_SESSION:
        case IAM_PT_RESOURCE:
            if (json_is_array(v)) {
                whyf(why, "policies.%s must be one policy object or null", key);
                return CLI_BAD;
            }
            st = load_doc(c, cli_case_group(c, type), type, v, key, w, why);
            break;
        case IAM_PT_SCP:
        case IAM_PT_RCP:
            st = load_levels(c, type, key, v, w, why);
            break;
        case IAM_PT_NONE:
            break;
        }
        if (st != CLI_OK)
            return st;
    }
    return CLI_OK;
}

cli_status cli_case_load_json(cli_case *c, json_t *root, const cli_warn *w, cli_why *why)
{
    json_t *req = json_object_get(root, "request");
    json_t *pols = json_object_get(root, "policies");
    const char *key;
    json_t *v;
    cli_status st;

    if (!json_is_object(req)) {
        whyf(why, "\"request\" must be an object");
        return CLI_BAD;
    }
    if (pols != NULL && !json_is_null(pols) && !json_is_object(pols)) {
        whyf(why, "\"policies\" must be an object");
        return CLI_BAD;
    }
    /* Skips first: a field we cannot evaluate makes any verdict meaningless. */
    json_object_foreach(req, key, v) {
        if (!known_request_key(key) && !inert(v)) {
            whyf(why, "request.%s is not supported by this runner", key);
            return CLI_SKIP;
        }
    }
    if (json_is_object(pols)) {
        json_object_foreach(pols, key, v) {
            iam_policy_type type;
            if (!policy_key_type(key, &type) && !inert(v)) {
                whyf(why, "policies.%s is not a policy type this runner knows", key);
                return CLI_SKIP;
            }
        }
    }
    st = load_request(c, req, why);
    if (st != CLI_OK)
        return st;
    if (json_is_object(pols))
        return load_policies(c, pols, w, why);
    return CLI_OK;
}

/* ---- building and deciding ------------------------------------------- */

static iam_err index_group(cli_group *g)
{
    iam_policy *none = NULL;
    return iam_index_new(g->n ? g->pols : &none, g->n, &g->index);
}

static iam_err index_levels(cli_levels *lv)
{
    iam_err err;
    if (lv->n == 0)
        return IAM_OK;
    lv->ix = calloc(lv->n, sizeof *lv->ix);
    if (lv->ix == NULL)
        return IAM_E_NOMEM;
    for (size_t i = 0; i < lv->n; i++) {
        err = index_group(&lv->groups[i]);
        if (err != IAM_OK)
            return err;
        lv->ix[i] = lv->groups[i].index;
    }
    return IAM_OK;
}

static const iam_index *present_index(const cli_case *c, iam_policy_type t)
{
    return c->present[t] ? c->groups[t].index : NULL;
}

iam_err cli_case_build(cli_case *c)
{
    static const iam_policy_type single[] = { IAM_PT_IDENTITY, IAM_PT_SESSION, IAM_PT_BOUNDARY,
                                              IAM_PT_RESOURCE, IAM_PT_VPC_ENDPOINT };
    iam_err err;

    for (size_t i = 0; i < COUNT_OF(single); i++) {
        if (!c->present[single[i]])
            continue;
        err = index_group(&c->groups[single[i]]);
        if (err != IAM_OK)
            return err;
    }
    if ((err = index_levels(&c->scp)) != IAM_OK || (err = index_levels(&c->rcp)) != IAM_OK)
        return err;

    memset(&c->set, 0, sizeof c->set);
    c->set.identity = present_index(c, IAM_PT_IDENTITY);
    c->set.session = present_index(c, IAM_PT_SESSION);
    c->set.boundary = present_index(c, IAM_PT_BOUNDARY);
    c->set.resource = present_index(c, IAM_PT_RESOURCE);
    c->set.vpc_endpoint = present_index(c, IAM_PT_VPC_ENDPOINT);
    c->set.scp = c->scp.ix;
    c->set.scp_levels = c->scp.n;
    c->set.rcp = c->rcp.ix;
    c->set.rcp_levels = c->rcp.n;

    memset(&c->req, 0, sizeof c->req);
    c->req.principal_kind = c->kind;
    c->req.principal = iam_str_from_cstr(c->principal);
    c->req.action = iam_str_from_cstr(c->action);
    c->req.resource = iam_str_from_cstr(c->resource);
    c->req.resource_account = iam_str_from_cstr(c->resource_account);
    c->req.action_is_wildcard_only = c->wildcard_only;
    c->req.context = c->ctx;
    return IAM_OK;
}

iam_err cli_case_authorize(const cli_case *c, iam_eval_result *out)
{
    memset(out, 0, sizeof *out);
    return iam_authorize(&c->set, &c->req, out);
}

const cli_group *cli_case_match_group(const cli_case *c, const iam_match *m)
{
    const cli_levels *lv;

    if (m->type == IAM_PT_SCP || m->type == IAM_PT_RCP) {
        lv = m->type == IAM_PT_SCP ? &c->scp : &c->rcp;
        return m->level < lv->n ? &lv->groups[m->level] : NULL;
    }
    if (m->type > IAM_PT_NONE && (size_t)m->type < CLI_PT_COUNT)
        return &c->groups[m->type];
    return NULL;
}

const char *cli_case_match_label(const cli_case *c, const iam_match *m)
{
    const cli_group *g = cli_case_match_group(c, m);
    return g != NULL && m->policy < g->n ? g->labels[m->policy] : "?";
}
